//! `s3aas instance ...`

use super::{Code, Ctx, all, bulk, done, encryption};
use crate::cli::InstanceCmd;
use crate::progress::Progress;
use s3aas::model::*;
use s3aas::{
    BucketAdmin, ErrorKind, InstanceAdmin, ObjectStoreProvider, PolicyAdmin, Result, UserAdmin,
};
use serde_json::json;

/// The columns of `instance list`.
const COLUMNS: &[&str] = &[
    "id",
    "name",
    "status",
    "default_bucket",
    "versioning",
    "encryption",
    "labels",
];

pub(crate) async fn run(ctx: &Ctx, cmd: InstanceCmd) -> Result<Code> {
    let c = &ctx.client;
    match cmd {
        InstanceCmd::Create {
            name,
            default_bucket,
            versioning,
            encryption: enc,
            mfa_delete,
            labels,
            options,
        } => {
            let mut req = CreateInstance::new(name)
                .versioning(versioning)
                .mfa_delete(mfa_delete);
            if let Some(b) = default_bucket {
                req = req.default_bucket(b);
            }
            if let Some(e) = enc {
                req = req.encryption(encryption(e));
            }
            for (k, v) in labels {
                req = req.label(k, v);
            }
            for (k, v) in options {
                req = req.option(k, v);
            }
            ctx.out.one(&c.create_instance(req).await?)?;
        }
        InstanceCmd::Get { id } => ctx.out.one(&c.get_instance(&id).await?)?,
        InstanceCmd::List { prefix } => {
            let items = all(prefix, |o| c.list_instances(o)).await?;
            ctx.out.list(&items, COLUMNS)?;
        }
        InstanceCmd::Update {
            id,
            versioning,
            encryption: enc,
            mfa_delete,
            name,
            default_bucket,
        } => {
            let mut req = UpdateInstance::new();
            if let Some(v) = versioning {
                req = req.versioning(v);
            }
            if let Some(e) = enc {
                req = req.encryption(encryption(e));
            }
            if let Some(m) = mfa_delete {
                req = req.mfa_delete(m);
            }
            if let Some(n) = name {
                req = req.name(n);
            }
            if let Some(b) = default_bucket {
                req = req.default_bucket(b);
            }
            ctx.out.one(&c.update_instance(&id, req).await?)?;
        }
        InstanceCmd::Delete { id, force } => {
            if force {
                empty_instance(ctx, &id).await?;
            }
            c.delete_instance(&id, DeleteInstance::new().force(force))
                .await?;
            return done(ctx, "deleted", "instance", json!({"id": id}));
        }
        InstanceCmd::Usage { id } => ctx.out.one(&c.instance_usage(&id).await?)?,
    }
    Ok(0)
}

/// Before a forced delete: removes the instance's users (with their keys and attachments),
/// policies and buckets (with their objects) one by one, with a progress bar, so that an
/// instance of thousands of resources shows where it is; the instance's own delete then finds
/// it empty. Only what the provider lists as the instance's is touched, as the library's own
/// forced delete would. A missing instance is nothing to do.
///
/// Without `--force` the single `delete_instance` call is kept: it refuses a non-empty bucket
/// before deleting anything, which deleting step by step could not promise.
async fn empty_instance(ctx: &Ctx, id: &str) -> Result<()> {
    let c = &ctx.client;
    match c.get_instance(id).await {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    let listing = Progress::new(3, "listing the instance", ctx.quiet);
    let users = all(None, |o| c.list_users(id, o)).await?;
    listing.inc();
    let policies = if c.capabilities().policies {
        all(None, |o| c.list_policies(id, o)).await?
    } else {
        Vec::new()
    };
    listing.inc();
    let buckets = all(None, |o| c.list_buckets(id, o)).await?;
    listing.finish();

    let names: Vec<String> = users.into_iter().map(|u| u.name).collect();
    let r = bulk(ctx, "deleting users", names, |n| async move {
        c.delete_user(id, &n).await
    })
    .await;
    first_failure(r)?;
    let names: Vec<String> = policies.into_iter().map(|p| p.name).collect();
    let r = bulk(ctx, "deleting policies", names, |n| async move {
        c.delete_policy(id, &n).await
    })
    .await;
    first_failure(r)?;
    // A backend that cannot force a bucket's delete gets a plain one: an empty bucket goes,
    // a non-empty one stops the delete with `BucketNotEmpty`.
    let force = c.capabilities().bucket_force_delete;
    let names: Vec<String> = buckets.into_iter().map(|b| b.name).collect();
    let r = bulk(ctx, "deleting buckets", names, |n| async move {
        c.delete_bucket(id, &n, DeleteBucket::new().force(force))
            .await
    })
    .await;
    first_failure(r)
}

/// The first failure of a bulk step, naming how many failed: the delete stops there (the
/// instance is left, with what remains, rather than half-deleted behind a success).
fn first_failure(results: Vec<(String, Result<()>)>) -> Result<()> {
    let failed: Vec<&(String, Result<()>)> = results.iter().filter(|(_, r)| r.is_err()).collect();
    match failed.first() {
        None => Ok(()),
        Some((name, Err(e))) => Err(crate::exit::restate(
            e,
            format!(
                "{} of {} deletes failed, the instance is left with what remains; first, {name}: {}",
                failed.len(),
                results.len(),
                e.message()
            ),
        )),
        Some(_) => Ok(()),
    }
}
