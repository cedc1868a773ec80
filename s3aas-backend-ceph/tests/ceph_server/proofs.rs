//! Proofs through S3 with the keys s3aas issues: what the SDK configured is what RGW enforces.

use super::cluster::{Cluster, ClusterProvider};
use s3aas_backend_ceph::{CephProvider, UserQuota};
use s3aas_core::prelude::*;
use s3aas_http::S3Client;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Proof =
    fn(Arc<CephProvider>, String) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

fn proofs() -> Vec<(&'static str, Proof)> {
    vec![
        ("key_works_only_where_its_policy_allows", |p, n| {
            Box::pin(key_scoped_by_policy(p, n))
        }),
        ("suspended_user_is_refused_and_comes_back", |p, n| {
            Box::pin(suspended_user(p, n))
        }),
        ("deleted_key_and_deleted_user_are_refused", |p, n| {
            Box::pin(deleted_key_and_user(p, n))
        }),
        ("hard_quota_is_enforced", |p, n| {
            Box::pin(quota_enforced(p, n))
        }),
        ("instances_rediscovered_by_a_new_process", |p, n| {
            Box::pin(rediscovery(p, n))
        }),
        ("rotation_new_key_works_old_one_stops", |p, n| {
            Box::pin(rotation(p, n))
        }),
        ("provision_tenant_key_works_on_its_bucket", |p, n| {
            Box::pin(provisioned(p, n))
        }),
        (
            "admin_queries_with_awkward_characters_are_signed",
            |p, n| Box::pin(awkward_signing(p, n)),
        ),
        ("rgwadmin_sees_what_the_provider_reports", |p, n| {
            Box::pin(rgwadmin_cross_check(p, n))
        }),
        ("user_made_buckets_count_for_an_unforced_delete", |p, n| {
            Box::pin(user_buckets_block_delete(p, n))
        }),
        ("the_admin_users_caps_allow_everything_declared", |p, _| {
            Box::pin(caps_probed(p))
        }),
        (
            "listing_1010_users_pages_past_rgws_1000_entry_pages",
            |p, n| Box::pin(many_users(p, n)),
        ),
        ("anonymous_get_public_read_vs_private", |p, n| {
            Box::pin(anonymous_access(p, n))
        }),
        ("versioning_keeps_two_versions", |p, n| {
            Box::pin(two_versions(p, n))
        }),
        ("desired_state_drift_is_reported_and_repaired", |p, n| {
            Box::pin(desired_state_drift(p, n))
        }),
        ("user_quota_is_enforced_read_back_and_removed", |p, n| {
            Box::pin(user_quota(p, n))
        }),
    ]
}

/// Makes a brand-new provider for the cluster under test.
static FRESH: std::sync::OnceLock<Box<dyn Fn() -> Arc<CephProvider> + Send + Sync>> =
    std::sync::OnceLock::new();

/// `host:port`, admin access key and secret file, for the rgwadmin cross-check.
static CROSS: std::sync::OnceLock<(String, String, std::path::PathBuf)> =
    std::sync::OnceLock::new();

/// Runs the proofs (filtered like tests by the command line's filter); returns (passed, run).
pub(crate) fn run_all(cluster: &Cluster, args: &libtest_mimic::Arguments) -> (usize, usize) {
    let (endpoint, access, secret) = cluster.credentials();
    let _ = FRESH.set(Box::new(move || {
        Arc::new(
            CephProvider::builder(&endpoint, &access, SecretString::from(secret.clone()))
                .build()
                .expect("provider"),
        )
    }));
    let _ = CROSS.set((
        cluster.endpoint.trim_start_matches("http://").to_string(),
        cluster.access_key.clone(),
        cluster.secret_file(),
    ));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (mut passed, mut total) = (0, 0);
    for (i, (name, proof)) in proofs().into_iter().enumerate() {
        if args
            .filter
            .as_deref()
            .is_some_and(|f| !name.contains(f) && !"proofs".contains(f))
        {
            continue;
        }
        total += 1;
        // A fresh provider per proof, and unique names: no proof sees another's state.
        let p = cluster.provider();
        let inst = format!("proof{}-{}", i, std::process::id());
        let res = rt.block_on(async {
            let r = proof(p.clone(), inst.clone()).await;
            let cleanup = p
                .delete_instance(&inst, DeleteInstance::new().force(true))
                .await;
            match (r, cleanup) {
                (Err(e), _) => Err(e),
                (Ok(()), Err(e)) => Err(format!("cleanup failed: {e}")),
                (Ok(()), Ok(())) => Ok(()),
            }
        });
        match res {
            Ok(()) => {
                passed += 1;
                println!("proof ceph::{name} ... ok");
            }
            Err(e) => println!("proof ceph::{name} ... FAILED: {e}"),
        }
    }
    (passed, total)
}

fn err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Retries `check` until it returns `Ok` or 15 s pass (RGW applies user and key changes at
/// once on one gateway; the wait only absorbs its metadata cache).
async fn eventually<F, Fut>(what: &str, check: F) -> Result<(), String>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let start = Instant::now();
    loop {
        match check().await {
            Ok(()) => return Ok(()),
            Err(e) if start.elapsed() > Duration::from_secs(15) => {
                return Err(format!("{what}: still not so after 15 s: {e}"));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    }
}

async fn put(
    s3: &S3Client,
    bucket: &str,
    key: &str,
    data: Vec<u8>,
) -> Result<(), s3aas_core::Error> {
    s3.put_object(bucket, key, data.into(), &[]).await.map(drop)
}

fn refused(r: Result<(), s3aas_core::Error>, kinds: &[ErrorKind]) -> Result<(), String> {
    match r {
        Ok(()) => Err("the call was allowed".into()),
        Err(e) if kinds.contains(&e.kind()) => Ok(()),
        Err(e) => Err(format!("refused, but with an unexpected error: {e}")),
    }
}

async fn user_with_key(
    p: &CephProvider,
    inst: &str,
    user: &str,
) -> Result<(NewAccessKey, S3Client), String> {
    p.create_user(inst, CreateUser::new(user))
        .await
        .map_err(err("create user"))?;
    let k = p
        .create_access_key(inst, user, CreateAccessKey::new())
        .await
        .map_err(err("create key"))?;
    let s3 = p.s3_with_key(&k.key.access_key_id, k.secret_access_key.clone());
    Ok((k, s3))
}

async fn key_scoped_by_policy(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(err("create instance"))?;
    for b in ["allowed", "other"] {
        p.create_bucket(&inst, CreateBucket::new(b))
            .await
            .map_err(err("create bucket"))?;
    }
    let (_, s3) = user_with_key(&p, &inst, "alice").await?;
    // No policy yet: the tenant's buckets belong to the system user.
    refused(
        put(&s3, "allowed", "x", b"1".to_vec()).await,
        &[ErrorKind::PermissionDenied],
    )
    .map_err(err("before any policy"))?;
    p.put_policy(
        &inst,
        PutPolicy::new("rw-allowed", PolicyDocument::bucket_read_write("allowed")),
    )
    .await
    .map_err(err("put policy"))?;
    p.attach_policy(&inst, "alice", "rw-allowed")
        .await
        .map_err(err("attach"))?;
    eventually("the key writes to its bucket", || async {
        put(&s3, "allowed", "x", b"hello".to_vec())
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    refused(
        put(&s3, "other", "x", b"1".to_vec()).await,
        &[ErrorKind::PermissionDenied],
    )
    .map_err(err("another bucket of the instance"))?;
    // The same bucket name in another instance (tenant) is another bucket.
    let other = format!("{inst}-b");
    p.create_instance(CreateInstance::new(&other).default_bucket("allowed"))
        .await
        .map_err(err("second instance"))?;
    let r = put(&s3, "allowed", "y", b"1".to_vec()).await;
    let owner = p
        .instance_s3(&other)
        .await
        .map_err(err("s3 of second instance"))?;
    let leaked = owner
        .object_exists("allowed", "y")
        .await
        .map_err(err("look in second instance"))?;
    p.delete_instance(&other, DeleteInstance::new().force(true))
        .await
        .map_err(err("delete second instance"))?;
    if leaked {
        return Err(format!(
            "the key wrote into instance {other}'s bucket (put answered {r:?})"
        ));
    }
    p.detach_policy(&inst, "alice", "rw-allowed")
        .await
        .map_err(err("detach"))?;
    eventually("detaching revokes", || async {
        refused(
            put(&s3, "allowed", "z", b"1".to_vec()).await,
            &[ErrorKind::PermissionDenied],
        )
    })
    .await
}

async fn suspended_user(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst).default_bucket("data"))
        .await
        .map_err(err("create instance"))?;
    let (_, s3) = user_with_key(&p, &inst, "bob").await?;
    p.put_policy(
        &inst,
        PutPolicy::new("rw", PolicyDocument::bucket_read_write("data")),
    )
    .await
    .map_err(err("put policy"))?;
    p.attach_policy(&inst, "bob", "rw")
        .await
        .map_err(err("attach"))?;
    eventually("works while enabled", || async {
        put(&s3, "data", "a", b"1".to_vec())
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    p.set_user_enabled(&inst, "bob", false)
        .await
        .map_err(err("disable"))?;
    let u = p.get_user(&inst, "bob").await.map_err(err("get user"))?;
    if u.enabled {
        return Err("the user still reads as enabled".into());
    }
    eventually("a suspended user's key is refused", || async {
        refused(
            put(&s3, "data", "b", b"1".to_vec()).await,
            &[ErrorKind::PermissionDenied, ErrorKind::Unauthenticated],
        )
    })
    .await?;
    p.set_user_enabled(&inst, "bob", true)
        .await
        .map_err(err("enable"))?;
    eventually("works again once enabled", || async {
        put(&s3, "data", "c", b"1".to_vec())
            .await
            .map_err(|e| e.to_string())
    })
    .await
}

async fn deleted_key_and_user(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst).default_bucket("data"))
        .await
        .map_err(err("create instance"))?;
    let (k1, s3a) = user_with_key(&p, &inst, "carol").await?;
    let k2 = p
        .create_access_key(&inst, "carol", CreateAccessKey::new())
        .await
        .map_err(err("second key"))?;
    let s3b = p.s3_with_key(&k2.key.access_key_id, k2.secret_access_key.clone());
    let keys = p
        .list_access_keys(&inst, "carol")
        .await
        .map_err(err("list keys"))?;
    if keys.len() != 2 {
        return Err(format!("expected 2 keys, listed {}", keys.len()));
    }
    p.put_policy(
        &inst,
        PutPolicy::new("rw", PolicyDocument::bucket_read_write("data")),
    )
    .await
    .map_err(err("put policy"))?;
    p.attach_policy(&inst, "carol", "rw")
        .await
        .map_err(err("attach"))?;
    for s3 in [&s3a, &s3b] {
        eventually("both keys work", || async {
            put(s3, "data", "a", b"1".to_vec())
                .await
                .map_err(|e| e.to_string())
        })
        .await?;
    }
    p.delete_access_key(&inst, "carol", &k1.key.id)
        .await
        .map_err(err("delete key"))?;
    eventually("the deleted key is refused", || async {
        refused(
            put(&s3a, "data", "b", b"1".to_vec()).await,
            &[ErrorKind::Unauthenticated],
        )
    })
    .await?;
    put(&s3b, "data", "c", b"1".to_vec())
        .await
        .map_err(err("the other key still works"))?;
    p.delete_user(&inst, "carol")
        .await
        .map_err(err("delete user"))?;
    eventually("a deleted user's key is refused", || async {
        refused(
            put(&s3b, "data", "d", b"1".to_vec()).await,
            &[ErrorKind::Unauthenticated],
        )
    })
    .await
}

async fn quota_enforced(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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

async fn rediscovery(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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

async fn rotation(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst).default_bucket("data"))
        .await
        .map_err(err("create instance"))?;
    let (k, old) = user_with_key(&p, &inst, "erin").await?;
    p.put_policy(
        &inst,
        PutPolicy::new("rw", PolicyDocument::bucket_read_write("data")),
    )
    .await
    .map_err(err("put policy"))?;
    p.attach_policy(&inst, "erin", "rw")
        .await
        .map_err(err("attach"))?;
    eventually("the old key works", || async {
        put(&old, "data", "a", b"1".to_vec())
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    let r = p
        .rotate_access_key(&inst, "erin", &k.key.id, RotateAccessKey::new())
        .await
        .map_err(err("rotate"))?;
    let new = p.s3_with_key(&r.new.key.access_key_id, r.new.secret_access_key.clone());
    eventually("the new key works", || async {
        put(&new, "data", "b", b"1".to_vec())
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    eventually("the old key stops", || async {
        refused(
            put(&old, "data", "c", b"1".to_vec()).await,
            &[ErrorKind::Unauthenticated],
        )
    })
    .await
}

async fn provisioned(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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

async fn awkward_signing(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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
fn rgwadmin_python() -> Result<String, String> {
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

async fn rgwadmin_cross_check(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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
    println!(
        "rgwadmin cross-check: {} users, {} buckets agree",
        users.len(),
        buckets.len()
    );
    Ok(())
}

async fn user_buckets_block_delete(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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

async fn caps_probed(p: Arc<CephProvider>) -> Result<(), String> {
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

async fn many_users(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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

/// An unsigned GET of `path` on the cluster: what an anonymous client gets.
async fn anonymous_get(path: &str) -> Result<u16, String> {
    let (server, _, _) = CROSS.get().expect("run_all sets it").clone();
    let http = s3aas_http::HttpClient::new("ceph", s3aas_http::HttpConfig::default())
        .map_err(err("http client"))?;
    let url = url::Url::parse(&format!("http://{server}{path}")).map_err(err("url"))?;
    let resp = http
        .execute(
            "anonymous_get",
            s3aas_http::Idempotency::Idempotent,
            None,
            || Ok(s3aas_http::Request::new(http::Method::GET, url.clone())),
        )
        .await
        .map_err(err("anonymous GET"))?;
    Ok(resp.status)
}

async fn anonymous_access(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(err("create instance"))?;
    p.create_bucket(
        &inst,
        CreateBucket::new("pub").policy(PolicyDocument::bucket_public_read("pub")),
    )
    .await
    .map_err(err("public bucket"))?;
    p.create_bucket(&inst, CreateBucket::new("priv"))
        .await
        .map_err(err("private bucket"))?;
    let s3 = p.instance_s3(&inst).await.map_err(err("instance s3"))?;
    for b in ["pub", "priv"] {
        put(&s3, b, "hello", b"hi".to_vec())
            .await
            .map_err(err("put"))?;
    }
    // An anonymous client has no tenant: it names a tenant's bucket as `tenant:bucket`.
    let tenant = s3aas_backend_ceph::tenant_of(&inst);
    let public = anonymous_get(&format!("/{tenant}:pub/hello")).await?;
    let private = anonymous_get(&format!("/{tenant}:priv/hello")).await?;
    let untenanted = anonymous_get("/pub/hello").await?;
    if public != 200 || private != 403 || untenanted == 200 {
        return Err(format!(
            "anonymous GET: public {public} (want 200), private {private} (want 403), without the tenant {untenanted} (want a refusal)"
        ));
    }
    p.update_bucket(&inst, "pub", UpdateBucket::new().clear_policy())
        .await
        .map_err(err("clear policy"))?;
    eventually("clearing the policy makes it private", || async {
        match anonymous_get(&format!("/{tenant}:pub/hello")).await? {
            403 => Ok(()),
            s => Err(format!("HTTP {s}")),
        }
    })
    .await
}

async fn two_versions(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(
        CreateInstance::new(&inst)
            .versioning(true)
            .default_bucket("data"),
    )
    .await
    .map_err(err("create instance"))?;
    let s3 = p.instance_s3(&inst).await.map_err(err("instance s3"))?;
    put(&s3, "data", "k", b"one".to_vec())
        .await
        .map_err(err("put 1"))?;
    put(&s3, "data", "k", b"two".to_vec())
        .await
        .map_err(err("put 2"))?;
    let (versions, _) = s3
        .list_object_versions("data", 1000, None)
        .await
        .map_err(err("list versions"))?;
    let n = versions.iter().filter(|v| v.key == "k").count();
    if n != 2 {
        return Err(format!("{n} versions of k, want 2"));
    }
    Ok(())
}

/// Suspends RGW user `uid` with PyPI rgwadmin (an independent Admin Ops client: `POST
/// /admin/user?suspended=1`, its own signing) and answers whether rgwadmin then reads the user
/// as suspended.
fn rgwadmin_suspend(uid: &str) -> Result<bool, String> {
    const SCRIPT: &str = r#"
import sys
from rgwadmin import RGWAdmin
server, access, secret_file, uid = sys.argv[1:5]
with open(secret_file) as f:
    secret = f.read().strip()
rgw = RGWAdmin(access_key=access, secret_key=secret, server=server, secure=False, verify=False)
rgw.modify_user(uid=uid, key_type=None, suspended=1)
print("suspended" if rgw.get_user(uid=uid).get("suspended") else "active")
"#;
    let (server, access, secret_file) = CROSS.get().expect("run_all sets it").clone();
    let out = std::process::Command::new(rgwadmin_python()?)
        .arg("-c")
        .arg(SCRIPT)
        .arg(server)
        .arg(access)
        .arg(secret_file)
        .arg(uid)
        .output()
        .map_err(err("run rgwadmin"))?;
    if !out.status.success() {
        return Err(format!(
            "rgwadmin suspend failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim() == "suspended")
}

/// The desired-state layer on the real RGW: a bucket's versioning (raw S3), a user's status
/// (rgwadmin, raw Admin Ops) and a named policy's stored document (raw IAM `PutUserPolicy` on
/// the policy holder) changed behind the SDK's back show in `drift` with before and after,
/// `apply` repairs them, and a key of the user proves the repaired access. Ceph keys have no
/// names (`access_key_name` is off), so the key is made outside the spec; it is an orphan of
/// unknown origin, which `prune` never deletes.
async fn desired_state_drift(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    use s3aas_core::state::{self, Origin, Spec};
    // `prune: true` so the planner lists the keys of `app` (it lists a user's keys only when
    // the spec names keys or prunes): the key made outside the spec must be seen as an orphan,
    // and being of unknown origin it must survive the repair (the final write uses it).
    let spec = Spec::from_json(
        &serde_json::json!({"tenants": [{
            "instance": inst,
            "prune": true,
            "buckets": [{"name": "data", "versioning": true}],
            "policies": [{"name": "rw", "document": PolicyDocument::bucket_read_write("data").as_value()}],
            "users": [{"name": "app", "policies": ["rw"]}]
        }]})
        .to_string(),
    )
    .map_err(err("spec"))?;
    let c = s3aas_core::Client::new(p.clone());
    let plan = state::plan(&c, &spec).await.map_err(err("plan"))?;
    let report = state::apply(&c, &plan, Default::default()).await;
    if !report.is_complete() {
        return Err(format!("first apply: {report}"));
    }
    let again = state::plan(&c, &spec).await.map_err(err("plan again"))?;
    if !again.is_empty() {
        return Err(format!("differs after applying:\n{again}"));
    }
    let k = p
        .create_access_key(&inst, "app", CreateAccessKey::new())
        .await
        .map_err(err("create key"))?;
    let s3 = p.s3_with_key(&k.key.access_key_id, k.secret_access_key.clone());
    eventually("the user's key writes its bucket", || async {
        put(&s3, "data", "k", b"v".to_vec())
            .await
            .map_err(|e| e.to_string())
    })
    .await?;

    // Behind the SDK's back, none of it through the provider's trait methods.
    // 1. Versioning suspended with a plain S3 call (signed as the tenant's bucket owner).
    p.instance_s3(&inst)
        .await
        .map_err(err("instance s3"))?
        .put_versioning("data", false)
        .await
        .map_err(err("raw put_versioning"))?;
    // 2. The stored document of `rw` (the inline policy `rw` of `<tenant>$s3aas-policies`,
    //    what `get_policy` reads) made read-only with a raw IAM call signed as the admin.
    let (server, access, secret_file) = CROSS.get().expect("run_all sets it").clone();
    let secret = std::fs::read_to_string(&secret_file)
        .map_err(err("admin secret"))?
        .trim()
        .to_string();
    let iam = s3aas_http::IamClient::new(
        "raw",
        s3aas_http::HttpClient::new("raw", s3aas_http::HttpConfig::default())
            .map_err(err("http client"))?,
        url::Url::parse(&format!("http://{server}")).map_err(err("url"))?,
        s3aas_http::SigV4Signer::new(&access, SecretString::from(secret), "us-east-1")
            .with_service("iam"),
    );
    let tenant = s3aas_backend_ceph::tenant_of(&inst);
    let holder = format!("{tenant}${}", s3aas_backend_ceph::POLICY_USER);
    let read_only = PolicyDocument::bucket_read_only("data").to_json();
    iam.send(
        "raw",
        "PutUserPolicy",
        &[
            ("UserName", holder.as_str()),
            ("PolicyName", "rw"),
            ("PolicyDocument", read_only.as_str()),
        ],
        s3aas_http::Idempotency::Idempotent,
    )
    .await
    .map_err(err("raw PutUserPolicy on the policy holder"))?;
    // 3. The user suspended by rgwadmin. (Pacific's Admin Ops suspend also drops the user's
    //    inline policies, so the drift holds the re-attachment of `rw` too: seen as
    //    `Create policy rw` next to the three updates checked below.)
    if !rgwadmin_suspend(&format!("{tenant}$app"))? {
        return Err("rgwadmin does not read the user as suspended after suspending it".into());
    }
    eventually("the suspended user's key is refused", || async {
        refused(
            put(&s3, "data", "k", b"v".to_vec()).await,
            &[ErrorKind::PermissionDenied, ErrorKind::Unauthenticated],
        )
    })
    .await?;

    let d = state::drift(&c, &spec.tenants[0])
        .await
        .map_err(err("drift"))?;
    let seen: Vec<String> = d
        .changes
        .iter()
        .map(|ch| format!("{:?} {} {}", ch.op, ch.kind, ch.name))
        .collect();
    println!("desired state on ceph: drift {seen:?}");
    let updated = |name: &str, field: &str| s3aas_fakes::proof::reports_update(&d, name, field);
    for (name, field) in [
        ("data", "versioning"),
        ("rw", "document"),
        ("app", "enabled"),
    ] {
        if !updated(name, field) {
            return Err(format!(
                "no update of {name}'s {field} with before and after in the drift: {:?}",
                d.changes
            ));
        }
    }
    let orphan = format!("app/{}", k.key.id);
    if !d
        .orphans
        .iter()
        .any(|o| o.name == orphan && o.origin == Origin::Unknown)
    {
        return Err(format!(
            "the key made outside the spec is not an orphan of unknown origin: {:?}",
            d.orphans
        ));
    }

    let plan = state::plan(&c, &spec).await.map_err(err("plan repair"))?;
    let report = state::apply(&c, &plan, Default::default()).await;
    if !report.is_complete() {
        return Err(format!("repair: {report}"));
    }
    let after = state::plan(&c, &spec)
        .await
        .map_err(err("plan after repair"))?;
    if after.executable().next().is_some() {
        return Err(format!("left after repair:\n{after}"));
    }
    eventually("the repaired user's key writes again", || async {
        put(&s3, "data", "k2", b"v".to_vec())
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    let v = p
        .instance_s3(&inst)
        .await
        .map_err(err("instance s3"))?
        .get_versioning("data")
        .await
        .map_err(err("raw get_versioning"))?;
    if v != Versioning::Enabled {
        return Err(format!("versioning after repair: {v:?}"));
    }
    Ok(())
}

/// A 64 KiB user quota on a user that writes into a bucket it made with its own key (RGW
/// counts the buckets a user owns): the write that would cross it is refused at once with
/// `QuotaExceeded` (no stats sync), it reads back, an attached policy survives the change, and
/// once removed the same write passes.
async fn user_quota(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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
