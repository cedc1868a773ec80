//! Proofs of the admin side: quotas (per bucket and per user), rediscovery, provisioning, the
//! admin signer, the rgwadmin cross-check, deleting instances, caps, paging.

use super::*;

pub(super) async fn quota_enforced(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(err("create instance"))?;
    p.create_bucket(&inst, CreateBucket::new("capped").quota(Quota::hard(4096)))
        .await
        .map_err(err("create bucket with quota"))?;
    let b = p
        .get_bucket(&inst, "capped")
        .await
        .map_err(err("get bucket"))?;
    if b.quota != Some(Some(Quota::hard(4096))) {
        return Err(format!("quota reads back as {:?}", b.quota));
    }
    let s3 = p.instance_s3(&inst).await.map_err(err("instance s3"))?;
    put(&s3, "capped", "small", vec![b'a'; 1000])
        .await
        .map_err(err("a write under the quota"))?;
    let r = put(&s3, "capped", "big", vec![b'a'; 8000]).await;
    match r {
        Err(e) if e.code() == Some("QuotaExceeded") && e.kind() == ErrorKind::Conflict => {}
        other => {
            return Err(format!(
                "a write over the quota was not refused with QuotaExceeded: {other:?}"
            ));
        }
    }
    let u = p
        .bucket_usage(&inst, "capped")
        .await
        .map_err(err("usage"))?;
    if u.bytes != 1000 || u.objects != Some(1) || u.as_of.is_none() {
        return Err(format!("usage {u:?}, expected 1000 bytes in 1 object"));
    }
    p.update_bucket(&inst, "capped", UpdateBucket::new().clear_quota())
        .await
        .map_err(err("clear quota"))?;
    eventually("the write passes once the quota is cleared", || async {
        put(&s3, "capped", "big", vec![b'a'; 8000])
            .await
            .map_err(|e| e.to_string())
    })
    .await
}

pub(super) async fn rediscovery(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(
        CreateInstance::new(&inst)
            .default_bucket("home")
            .versioning(true)
            .label("team", "storage & co"),
    )
    .await
    .map_err(err("create instance"))?;
    p.create_user(&inst, CreateUser::new("dave"))
        .await
        .map_err(err("create user"))?;
    p.put_policy(
        &inst,
        PutPolicy::new("ro", PolicyDocument::bucket_read_only("home")),
    )
    .await
    .map_err(err("put policy"))?;
    p.attach_policy(&inst, "dave", "ro")
        .await
        .map_err(err("attach"))?;
    // A new provider (nothing cached, like a restarted process): everything from RGW alone.
    let p = FRESH.get().expect("run_all sets the cluster")();
    let i = p.get_instance(&inst).await.map_err(err("get instance"))?;
    if i.default_bucket.as_deref() != Some("home")
        || !i.versioning
        || i.labels.get("team").map(String::as_str) != Some("storage & co")
    {
        return Err(format!("instance read back as {i:?}"));
    }
    let b = p
        .get_bucket(&inst, "home")
        .await
        .map_err(err("get bucket"))?;
    if b.versioning != Some(Versioning::Enabled) {
        return Err(format!("default bucket versioning {:?}", b.versioning));
    }
    let all = p
        .list_instances(ListOptions::new().prefix(inst.clone()))
        .await
        .map_err(err("list"))?;
    if !all.items.iter().any(|x| x.id == inst) {
        return Err("not listed".into());
    }
    let att = p
        .list_attached_policies(&inst, "dave")
        .await
        .map_err(err("attached"))?;
    if att != vec!["ro".to_string()] {
        return Err(format!("attached {att:?}"));
    }
    Ok(())
}

pub(super) async fn provisioned(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    let spec = s3aas_core::TenantSpec::new(&inst, "tenant-data", "owner").policy_name("owner-rw");
    let t = s3aas_core::provision_tenant(p.as_ref(), &spec)
        .await
        .map_err(err("provision_tenant"))?;
    let s3 = p.s3_with_key(
        &t.access_key.key.access_key_id,
        t.access_key.secret_access_key.clone(),
    );
    eventually("the tenant's key writes and reads its bucket", || async {
        put(&s3, "tenant-data", "hello.txt", b"hi".to_vec())
            .await
            .map_err(|e| e.to_string())?;
        let got = s3
            .get_object("tenant-data", "hello.txt", None)
            .await
            .map_err(|e| e.to_string())?;
        if got.body.as_ref() != b"hi" {
            return Err("read back other bytes".into());
        }
        Ok(())
    })
    .await?;
    p.create_bucket(&inst, CreateBucket::new("not-granted"))
        .await
        .map_err(err("second bucket"))?;
    refused(
        put(&s3, "not-granted", "x", b"1".to_vec()).await,
        &[ErrorKind::PermissionDenied],
    )
    .map_err(err("a bucket the policy does not name"))?;
    // Provisioning again adopts what exists and hands out a new key.
    let again = s3aas_core::provision_tenant(p.as_ref(), &spec)
        .await
        .map_err(err("provision_tenant again"))?;
    if again.access_key.key.id == t.access_key.key.id {
        return Err("the second provisioning returned the same key".into());
    }
    Ok(())
}

pub(super) async fn awkward_signing(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    // Labels travel JSON-encoded in the system user's display name, as one query parameter of
    // `PUT /admin/user` among five: every character SigV4 and RGW canonicalise differently
    // (`+`, space, `/`, `%`, `=`, `&`, `~`, `*`, non-ASCII) goes through the signer here.
    let value = "a+b c/d%e=f&g~h*i:j\"k'é€";
    p.create_instance(CreateInstance::new(&inst).label("odd", value))
        .await
        .map_err(err("create with an awkward label"))?;
    let i = p.get_instance(&inst).await.map_err(err("get"))?;
    if i.labels.get("odd").map(String::as_str) != Some(value) {
        return Err(format!("label read back as {:?}", i.labels.get("odd")));
    }
    Ok(())
}

/// The python of the rgwadmin virtualenv (installed from PyPI when missing).
pub(super) fn rgwadmin_python() -> Result<String, String> {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/install-ceph.sh");
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg("--rgwadmin")
        .output()
        .map_err(err("run install-ceph.sh --rgwadmin"))?;
    if !out.status.success() {
        return Err(format!(
            "install-ceph.sh --rgwadmin failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub(super) async fn rgwadmin_cross_check(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst).default_bucket("data"))
        .await
        .map_err(err("create instance"))?;
    p.create_bucket(&inst, CreateBucket::new("capped").quota(Quota::hard(8192)))
        .await
        .map_err(err("bucket with quota"))?;
    p.create_user(&inst, CreateUser::new("u1"))
        .await
        .map_err(err("u1"))?;
    p.create_user(&inst, CreateUser::new("u2").enabled(false))
        .await
        .map_err(err("u2"))?;
    for u in ["u1", "u1", "u2"] {
        p.create_access_key(&inst, u, CreateAccessKey::new())
            .await
            .map_err(err("key"))?;
    }
    let s3 = p.instance_s3(&inst).await.map_err(err("instance s3"))?;
    put(&s3, "data", "obj", vec![b'x'; 1234])
        .await
        .map_err(err("put"))?;

    // The provider's view, as the same JSON shape.
    let mut users = serde_json::Map::new();
    for u in p
        .list_users(&inst, ListOptions::new())
        .await
        .map_err(err("list users"))?
        .items
    {
        let keys: Vec<String> = p
            .list_access_keys(&inst, &u.name)
            .await
            .map_err(err("list keys"))?
            .into_iter()
            .map(|k| k.access_key_id)
            .collect();
        users.insert(
            u.name.clone(),
            serde_json::json!({"suspended": !u.enabled, "keys": keys}),
        );
    }
    let mut buckets = serde_json::Map::new();
    let system = format!("{}$s3aas", s3aas_backend_ceph::tenant_of(&inst));
    for b in p
        .list_buckets(&inst, ListOptions::new())
        .await
        .map_err(err("list buckets"))?
        .items
    {
        let full = p
            .get_bucket(&inst, &b.name)
            .await
            .map_err(err("get bucket"))?;
        let usage = p.bucket_usage(&inst, &b.name).await.map_err(err("usage"))?;
        let quota = full.quota.flatten().map(|q| q.hard_limit_bytes);
        buckets.insert(
            b.name.clone(),
            serde_json::json!({"owner": system, "quota": quota, "bytes": usage.bytes, "objects": usage.objects}),
        );
    }
    let ours = serde_json::json!({"users": users, "buckets": buckets});

    let (server, access, secret_file) = CROSS.get().expect("run_all sets it").clone();
    let py = rgwadmin_python()?;
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/rgwadmin_check.py");
    let out = std::process::Command::new(py)
        .arg(script)
        .arg(server)
        .arg(access)
        .arg(secret_file)
        .arg(s3aas_backend_ceph::tenant_of(&inst))
        .output()
        .map_err(err("run rgwadmin_check.py"))?;
    if !out.status.success() {
        return Err(format!(
            "rgwadmin_check.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut theirs: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(err("rgwadmin's JSON"))?;
    // The reserved users are the backend's own: the system user (one key, active) and the
    // policy holder (no key, suspended, so its inline policies can never be used).
    let their_users = theirs["users"]
        .as_object_mut()
        .ok_or("no users in rgwadmin's JSON")?;
    let system_user = their_users
        .remove("s3aas")
        .ok_or("rgwadmin sees no system user")?;
    let holder = their_users
        .remove("s3aas-policies")
        .ok_or("rgwadmin sees no policy holder")?;
    if system_user["suspended"] != false || system_user["keys"].as_array().map(Vec::len) != Some(1)
    {
        return Err(format!("system user as rgwadmin sees it: {system_user}"));
    }
    if holder != serde_json::json!({"suspended": true, "keys": []}) {
        return Err(format!("policy holder as rgwadmin sees it: {holder}"));
    }
    if theirs != ours {
        return Err(format!(
            "rgwadmin sees {theirs}\nthe provider reports {ours}"
        ));
    }
    // The instance's usage (one stats call) is the sum of what rgwadmin reads bucket by bucket.
    let sum = |k: &str| {
        theirs["buckets"]
            .as_object()
            .map(|b| b.values().filter_map(|v| v[k].as_u64()).sum::<u64>())
            .unwrap_or_default()
    };
    let u = p
        .instance_usage(&inst)
        .await
        .map_err(err("instance usage"))?;
    if (u.bytes, u.objects, u.buckets) != (sum("bytes"), Some(sum("objects")), buckets.len() as u64)
    {
        return Err(format!(
            "instance usage {u:?}, rgwadmin's buckets sum to {} bytes, {} objects",
            sum("bytes"),
            sum("objects")
        ));
    }
    println!(
        "rgwadmin cross-check: {} users, {} buckets, instance usage {} bytes agree",
        users.len(),
        buckets.len(),
        u.bytes
    );
    Ok(())
}

pub(super) async fn user_buckets_block_delete(
    p: Arc<CephProvider>,
    inst: String,
) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(err("create instance"))?;
    let (_, s3) = user_with_key(&p, &inst, "maker").await?;
    // RGW lets any user make buckets in its tenant with its own key.
    s3.create_bucket("made-by-user", false, None)
        .await
        .map_err(err("the user makes a bucket"))?;
    put(&s3, "made-by-user", "x", b"data".to_vec())
        .await
        .map_err(err("put"))?;
    let listed = p
        .list_buckets(&inst, ListOptions::new())
        .await
        .map_err(err("list"))?;
    if !listed.items.is_empty() {
        return Err("a user's own bucket is listed as the instance's".into());
    }
    match p.delete_instance(&inst, DeleteInstance::new()).await {
        Err(e) if e.kind() == ErrorKind::BucketNotEmpty => {}
        other => return Err(format!("an unforced delete was not refused: {other:?}")),
    }
    p.get_user(&inst, "maker")
        .await
        .map_err(err("the refusal deleted nothing"))?;
    p.delete_instance(&inst, DeleteInstance::new().force(true))
        .await
        .map_err(err("forced delete"))?;
    match p.get_instance(&inst).await {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        other => Err(format!("instance still there: {other:?}")),
    }
}

pub(super) async fn caps_probed(p: Arc<CephProvider>) -> Result<(), String> {
    let c = p.probe_capabilities().await.map_err(err("probe"))?;
    if c != s3aas_backend_ceph::CAPABILITIES {
        return Err(format!("probed {c:?}"));
    }
    let h = p.health().await.map_err(err("health"))?;
    if !h.ready || h.detail.is_some() {
        return Err(format!("health {h:?}"));
    }
    Ok(())
}

pub(super) async fn many_users(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    use futures::{StreamExt, TryStreamExt};
    // More users than one `/admin/metadata/user` page (1000 entries) holds, so the marker
    // paging is exercised.
    const N: usize = 1010;
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(err("create instance"))?;
    futures::stream::iter(0..N)
        .map(|i| {
            let p = p.clone();
            let inst = inst.clone();
            async move {
                p.create_user(&inst, CreateUser::new(format!("user{i:04}")))
                    .await
                    .map(drop)
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await
        .map_err(err("create users"))?;
    let mut seen = Vec::new();
    let mut opts = ListOptions::new().limit(300);
    loop {
        let page = p
            .list_users(&inst, opts.clone())
            .await
            .map_err(err("list users"))?;
        seen.extend(page.items.into_iter().map(|u| u.name));
        match page.next {
            Some(n) => opts = opts.continuation(n),
            None => break,
        }
    }
    let expected: Vec<String> = (0..N).map(|i| format!("user{i:04}")).collect();
    if seen != expected {
        return Err(format!(
            "listed {} users, expected {N} in order",
            seen.len()
        ));
    }
    Ok(())
}

/// A 64 KiB user quota on a user that writes into a bucket it made with its own key (RGW
/// counts the buckets a user owns): the write that would cross it is refused at once with
/// `QuotaExceeded` (no stats sync), it reads back, an attached policy survives the change, and
/// once removed the same write passes.
pub(super) async fn user_quota(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(err("create instance"))?;
    let (_, s3) = user_with_key(&p, &inst, "capped").await?;
    s3.create_bucket("capped-own", false, None)
        .await
        .map_err(err("the user makes a bucket"))?;
    p.put_policy(
        &inst,
        PutPolicy::new("kept", PolicyDocument::bucket_read_only("capped-own")),
    )
    .await
    .map_err(err("put policy"))?;
    p.attach_policy(&inst, "capped", "kept")
        .await
        .map_err(err("attach"))?;
    let none = p
        .get_user_quota(&inst, "capped")
        .await
        .map_err(err("get quota before"))?;
    if none.is_some() {
        return Err(format!("a new user has a quota: {none:?}"));
    }
    let q = UserQuota {
        max_size_bytes: Some(64 * 1024),
        max_objects: None,
    };
    p.set_user_quota(&inst, "capped", Some(q))
        .await
        .map_err(err("set quota"))?;
    let read = p
        .get_user_quota(&inst, "capped")
        .await
        .map_err(err("get quota"))?;
    if read != Some(q) {
        return Err(format!("the quota reads back as {read:?}, expected {q:?}"));
    }
    let attached = p
        .list_attached_policies(&inst, "capped")
        .await
        .map_err(err("list attached"))?;
    if attached != ["kept"] {
        return Err(format!(
            "the attached policy did not survive the quota change: {attached:?}"
        ));
    }
    for k in ["a", "b"] {
        put(&s3, "capped-own", k, vec![b'q'; 30_000])
            .await
            .map_err(err("a write under the user quota"))?;
    }
    match put(&s3, "capped-own", "c", vec![b'q'; 30_000]).await {
        Err(e) if e.code() == Some("QuotaExceeded") && e.kind() == ErrorKind::Conflict => {}
        other => {
            return Err(format!(
                "the write crossing the user quota (90 000 of 65 536 bytes) was not refused with QuotaExceeded: {other:?}"
            ));
        }
    }
    p.set_user_quota(&inst, "capped", None)
        .await
        .map_err(err("remove quota"))?;
    let gone = p
        .get_user_quota(&inst, "capped")
        .await
        .map_err(err("get quota after removal"))?;
    if gone.is_some() {
        return Err(format!("the removed quota reads back as {gone:?}"));
    }
    eventually(
        "the write passes once the user quota is removed",
        || async {
            put(&s3, "capped-own", "c", vec![b'q'; 30_000])
                .await
                .map_err(|e| e.to_string())
        },
    )
    .await
}
