//! Proofs that user and instance deletes converge under concurrency (RustFS loses concurrent group updates).

use crate::*;

/// Members of an instance's group as the server lists them (`None`: no such group).
pub(crate) async fn group_members(
    p: &RustfsProvider,
    inst: &str,
) -> std::result::Result<Option<Vec<String>>, String> {
    let group = format!("s3aas-{inst}");
    let r = p
        .admin_raw(http::Method::GET, "group", &[("group", &group)], None)
        .await
        .map_err(|e| e.to_string())?;
    if r.status == 404 {
        return Ok(None);
    }
    if !r.is_success() {
        return Err(format!(
            "GET group: HTTP {} {}",
            r.status,
            r.body_snippet(200)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| e.to_string())?;
    Ok(Some(
        v["members"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
    ))
}

/// The server-side names left of an instance: users with its prefix, its group, its record.
pub(crate) async fn nothing_left(p: &RustfsProvider, inst: &str) -> R {
    let users = p
        .admin_raw(http::Method::GET, "list-users", &[], None)
        .await
        .map_err(|e| e.to_string())?;
    let users: serde_json::Value = serde_json::from_slice(&users.body).unwrap_or_default();
    let prefix = format!("{inst}--");
    let left: Vec<&String> = users
        .as_object()
        .map(|m| m.keys().filter(|k| k.starts_with(&prefix)).collect())
        .unwrap_or_default();
    ensure(left.is_empty(), format!("users left: {left:?}"))?;
    let g = group_members(p, inst).await?;
    ensure(g.is_none(), format!("group s3aas-{inst} left: {g:?}"))?;
    match p.get_instance(inst).await {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        other => Err(format!("instance record left: {other:?}")),
    }
}

pub(crate) const CONCURRENT_USERS: usize = 100;
pub(crate) const CONCURRENCY: usize = 8;

pub(crate) async fn create_users(p: &RustfsProvider, inst: &str, names: &[String]) -> R {
    use futures::StreamExt;
    let errors: Vec<String> = futures::stream::iter(names.to_vec())
        .map(|n| async move { p.create_user(inst, CreateUser::new(n)).await })
        .buffer_unordered(CONCURRENCY)
        .filter_map(|r| async move { r.err().map(|e| e.to_string()) })
        .collect()
        .await;
    ensure(
        errors.is_empty(),
        format!("concurrent creates failed: {errors:?}"),
    )
}

/// Bug A (issue #13): 100 users made and then deleted 8 at a time in one instance leave the
/// group exactly right (no lost adds, no members of deleted users), and the instance deletes.
pub(crate) async fn concurrent_users(p: Arc<RustfsProvider>, inst: String) -> R {
    use futures::StreamExt;
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(|e| e.to_string())?;
    let r: R = async {
        let names: Vec<String> = (0..CONCURRENT_USERS).map(|i| format!("u{i:03}")).collect();
        create_users(&p, &inst, &names).await?;
        let members = group_members(&p, &inst).await?.unwrap_or_default();
        ensure(
            members.len() == CONCURRENT_USERS,
            format!(
                "after {CONCURRENT_USERS} concurrent creates the group lists {} members",
                members.len()
            ),
        )?;
        let errors: Vec<String> = futures::stream::iter(names.clone())
            .map(|n| {
                let p = p.clone();
                let inst = inst.clone();
                async move { p.delete_user(&inst, &n).await }
            })
            .buffer_unordered(CONCURRENCY)
            .filter_map(|r| async move { r.err().map(|e| e.to_string()) })
            .collect()
            .await;
        ensure(errors.is_empty(), format!("concurrent deletes failed: {errors:?}"))?;
        let members = group_members(&p, &inst).await?.unwrap_or_default();
        ensure(
            members.is_empty(),
            format!(
                "after {CONCURRENT_USERS} concurrent deletes the group still lists {} members: {:?}",
                members.len(),
                &members[..members.len().min(5)]
            ),
        )?;
        println!("rustfs: {CONCURRENT_USERS} users made and deleted {CONCURRENCY} at a time: group complete, then empty");
        Ok(())
    }
    .await;
    let c = p
        .delete_instance(&inst, DeleteInstance::new().force(true))
        .await
        .map_err(|e| format!("delete_instance after concurrent deletes: {e}"));
    r.and(c)?;
    nothing_left(&p, &inst).await
}

/// Bug A, the other way round: users made concurrently, then the whole instance deleted.
pub(crate) async fn concurrent_creates_then_instance_delete(
    p: Arc<RustfsProvider>,
    inst: String,
) -> R {
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(|e| e.to_string())?;
    let names: Vec<String> = (0..CONCURRENT_USERS).map(|i| format!("w{i:03}")).collect();
    let r = create_users(&p, &inst, &names).await;
    let c = p
        .delete_instance(&inst, DeleteInstance::new().force(true))
        .await
        .map_err(|e| format!("delete_instance with {CONCURRENT_USERS} users: {e}"));
    r.and(c)?;
    nothing_left(&p, &inst).await
}

/// An instance broken by the server's lost group updates (before this SDK serialised them, or
/// by another tool): users removed from the group and deleted 8 at a time *without* the SDK's
/// lock leave members behind that the server can neither remove nor ignore. Deleting the
/// instance must still finish, in one call.
pub(crate) async fn broken_group_instance_deletes(p: Arc<RustfsProvider>, inst: String) -> R {
    use futures::StreamExt;
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(|e| e.to_string())?;
    let names: Vec<String> = (0..40).map(|i| format!("{inst}--x{i:02}")).collect();
    create_users(
        &p,
        &inst,
        &names
            .iter()
            .map(|n| n.trim_start_matches(&format!("{inst}--")).to_string())
            .collect::<Vec<_>>(),
    )
    .await?;
    // The unlocked read-modify-write race, straight at the admin API.
    let group = format!("s3aas-{inst}");
    let statuses: Vec<(u16, u16)> = futures::stream::iter(names.clone())
        .map(|n| {
            let p = p.clone();
            let group = group.clone();
            async move {
                let body = serde_json::json!({"group": group, "members": [n], "groupStatus": "enabled", "isRemove": true});
                let a = p
                    .admin_raw(http::Method::PUT, "update-group-members", &[], Some(body.to_string().into_bytes()))
                    .await
                    .map(|r| r.status)
                    .unwrap_or(0);
                let b = p
                    .admin_raw(http::Method::DELETE, "remove-user", &[("accessKey", &n)], None)
                    .await
                    .map(|r| r.status)
                    .unwrap_or(0);
                (a, b)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    ensure(
        statuses.iter().all(|&(a, b)| a == 200 && b == 200),
        format!("raw removals: {statuses:?}"),
    )?;
    let stale = group_members(&p, &inst).await?.unwrap_or_default().len();
    println!(
        "rustfs: unlocked concurrent removals of 40 users left {stale} member(s) of deleted users in the group{}",
        if stale == 0 {
            " (race not hit this time: the repair path was not exercised)"
        } else {
            ""
        }
    );
    p.delete_instance(&inst, DeleteInstance::new().force(true))
        .await
        .map_err(|e| {
            format!("delete_instance of an instance with {stale} stale group members: {e}")
        })?;
    nothing_left(&p, &inst).await
}
