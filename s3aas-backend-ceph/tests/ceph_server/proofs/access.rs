//! Proofs of access through S3 with the issued keys: policy scope, suspension, deletion,
//! rotation, anonymous access, versioning.

use super::*;

pub(super) async fn key_scoped_by_policy(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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

pub(super) async fn suspended_user(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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

pub(super) async fn deleted_key_and_user(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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

pub(super) async fn rotation(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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

/// An unsigned GET of `path` on the cluster: what an anonymous client gets.
pub(super) async fn anonymous_get(path: &str) -> Result<u16, String> {
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

pub(super) async fn anonymous_access(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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

pub(super) async fn two_versions(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
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
