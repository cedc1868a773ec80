//! `s3aas bucket ...`

use super::{Code, Ctx, all, done, encryption, read_policy};
use crate::cli::{AccessArg, BucketCmd};
use s3aas::model::*;
use s3aas::{BucketAccess, BucketAdmin, Result};
use serde_json::json;

/// The columns of `bucket list`.
const COLUMNS: &[&str] = &[
    "name",
    "owner",
    "versioning",
    "object_lock",
    "quota.hard_limit_bytes",
    "encryption",
    "tags",
];

fn access(a: AccessArg) -> BucketAccess {
    match a {
        AccessArg::Private => BucketAccess::Private,
        AccessArg::PublicRead => BucketAccess::PublicRead,
        AccessArg::PublicReadList => BucketAccess::PublicReadList,
    }
}

pub(crate) async fn run(ctx: &Ctx, cmd: BucketCmd) -> Result<Code> {
    let c = &ctx.client;
    match cmd {
        BucketCmd::Create {
            instance,
            name,
            versioning,
            object_lock,
            encryption: enc,
            quota,
            access: acc,
            policy_file,
            tags,
            owner,
        } => {
            let mut req = CreateBucket::new(name).object_lock(object_lock);
            if versioning {
                req = req.versioning(true);
            }
            if let Some(e) = enc {
                req = req.encryption(encryption(e));
            }
            if let Some(q) = quota {
                req = req.quota(Quota::hard(q));
            }
            if let Some(a) = acc {
                req = req.access(access(a));
            }
            if let Some(f) = policy_file {
                req = req.policy(read_policy(&f)?);
            }
            for (k, v) in tags {
                req = req.tag(k, v);
            }
            if let Some(o) = owner {
                req = req.owner(o);
            }
            ctx.out.one(&c.create_bucket(&instance, req).await?)?;
        }
        BucketCmd::Get { instance, name } => ctx.out.one(&c.get_bucket(&instance, &name).await?)?,
        BucketCmd::List { instance, prefix } => {
            let items = all(prefix, |o| c.list_buckets(&instance, o)).await?;
            ctx.out.list(&items, COLUMNS)?;
        }
        BucketCmd::Update {
            instance,
            name,
            versioning,
            quota,
            clear_quota,
            access: acc,
            policy_file,
            clear_policy,
            tags,
            clear_tags,
            encryption: enc,
        } => {
            let mut req = UpdateBucket::new();
            if let Some(v) = versioning {
                req = req.versioning(v);
            }
            if let Some(q) = quota {
                req = req.quota(Quota::hard(q));
            }
            if clear_quota {
                req = req.clear_quota();
            }
            if let Some(a) = acc {
                req = req.access(&name, access(a));
            }
            if let Some(f) = policy_file {
                req = req.policy(read_policy(&f)?);
            }
            if clear_policy {
                req = req.clear_policy();
            }
            if !tags.is_empty() || clear_tags {
                req = req.tags(tags.into_iter().collect());
            }
            if let Some(e) = enc {
                req = req.encryption(encryption(e));
            }
            ctx.out
                .one(&c.update_bucket(&instance, &name, req).await?)?;
        }
        BucketCmd::Delete {
            instance,
            name,
            force,
        } => {
            c.delete_bucket(&instance, &name, DeleteBucket::new().force(force))
                .await?;
            return done(
                ctx,
                "deleted",
                "bucket",
                json!({"instance": instance, "name": name}),
            );
        }
        BucketCmd::Usage { instance, name } => {
            ctx.out.one(&c.bucket_usage(&instance, &name).await?)?
        }
    }
    Ok(0)
}
