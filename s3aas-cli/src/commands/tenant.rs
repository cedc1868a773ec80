//! `s3aas provision`: a whole tenant through `s3aas::provision_tenant`, all or nothing.

use super::{Code, Ctx};
use crate::cli::ProvisionArgs;
use s3aas::model::*;
use s3aas::{Result, TenantSpec, provision_tenant};

pub(crate) async fn provision(ctx: &Ctx, a: ProvisionArgs) -> Result<Code> {
    let mut bucket = CreateBucket::new(a.bucket.clone());
    if a.versioning {
        bucket = bucket.versioning(true);
    }
    if let Some(q) = a.quota {
        bucket = bucket.quota(Quota::hard(q));
    }
    let mut spec = TenantSpec::new(a.instance, a.bucket, a.owner).bucket(bucket);
    if let Some(p) = a.policy_name {
        spec = spec.policy_name(p);
    }
    if let Some(n) = a.key_name {
        spec = spec.access_key(CreateAccessKey::new().name(n));
    }
    let tenant = provision_tenant(&ctx.client, &spec).await?;
    // The tenant's key was just issued: its secret is printed, this once.
    ctx.out.one_with_secrets(&tenant)?;
    Ok(0)
}
