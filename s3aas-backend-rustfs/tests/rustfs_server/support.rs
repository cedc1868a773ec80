//! Helpers the proofs share: results, instances, tenants, bounded polling.

use crate::*;

pub(crate) type R = std::result::Result<(), String>;

pub(crate) fn ensure(c: bool, msg: impl Into<String>) -> R {
    if c { Ok(()) } else { Err(msg.into()) }
}

pub(crate) async fn cleanup(p: &RustfsProvider, inst: &str) -> R {
    p.delete_instance(inst, DeleteInstance::new().force(true))
        .await
        .map_err(|e| format!("cleanup: {e}"))
}

pub(crate) async fn with_instance<F, Fut>(
    p: Arc<RustfsProvider>,
    inst: String,
    req: CreateInstance,
    f: F,
) -> R
where
    F: FnOnce(Arc<RustfsProvider>, String) -> Fut,
    Fut: Future<Output = R>,
{
    p.create_instance(req).await.map_err(|e| e.to_string())?;
    let r = f(p.clone(), inst.clone()).await;
    let c = cleanup(&p, &inst).await;
    r.and(c)
}

pub(crate) async fn tenant(
    p: &RustfsProvider,
    inst: &str,
    user: &str,
    policy_bucket: &str,
) -> std::result::Result<(NewAccessKey, S3Client), String> {
    p.create_user(inst, CreateUser::new(user))
        .await
        .map_err(|e| e.to_string())?;
    p.put_policy(
        inst,
        PutPolicy::new(
            format!("{user}-rw"),
            PolicyDocument::bucket_read_write(policy_bucket),
        ),
    )
    .await
    .map_err(|e| e.to_string())?;
    p.attach_policy(inst, user, &format!("{user}-rw"))
        .await
        .map_err(|e| e.to_string())?;
    let k = p
        .create_access_key(inst, user, CreateAccessKey::new())
        .await
        .map_err(|e| e.to_string())?;
    let s3 = p.s3_client_for(&k.key.access_key_id, k.secret_access_key.clone());
    Ok((k, s3))
}

pub(crate) use s3aas_fakes::proof::{EVENTUALLY, eventually};
