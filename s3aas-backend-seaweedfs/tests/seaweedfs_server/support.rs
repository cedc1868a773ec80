//! Helpers the proofs share: results, instances, tenants, bounded polling.

use crate::*;

pub(crate) type R = std::result::Result<(), String>;

pub(crate) fn ensure(c: bool, msg: impl Into<String>) -> R {
    if c { Ok(()) } else { Err(msg.into()) }
}

pub(crate) fn s(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Creates the instance, runs `f`, and deletes the instance (forced) whatever `f` returned.
pub(crate) async fn with_instance<F, Fut>(
    p: Arc<SeaweedfsProvider>,
    inst: String,
    req: CreateInstance,
    f: F,
) -> R
where
    F: FnOnce(Arc<SeaweedfsProvider>, String) -> Fut,
    Fut: Future<Output = R>,
{
    p.create_instance(req).await.map_err(s)?;
    let r = f(p.clone(), inst.clone()).await;
    let c = p
        .delete_instance(&inst, DeleteInstance::new().force(true))
        .await
        .map_err(|e| format!("cleanup: {e}"));
    r.and(c)
}

/// A user with a read-write policy on `bucket` and a key; the key's S3 client.
pub(crate) async fn tenant(
    p: &SeaweedfsProvider,
    inst: &str,
    user: &str,
    bucket: &str,
) -> std::result::Result<(NewAccessKey, S3Client), String> {
    p.create_user(inst, CreateUser::new(user))
        .await
        .map_err(s)?;
    let policy = format!("{user}-rw");
    p.put_policy(
        inst,
        PutPolicy::new(&policy, PolicyDocument::bucket_read_write(bucket)),
    )
    .await
    .map_err(s)?;
    p.attach_policy(inst, user, &policy).await.map_err(s)?;
    let k = p
        .create_access_key(inst, user, CreateAccessKey::new())
        .await
        .map_err(s)?;
    let s3 = p.s3_client_for(&k.key.access_key_id, k.secret_access_key.clone());
    Ok((k, s3))
}

pub(crate) use s3aas_fakes::proof::eventually;
