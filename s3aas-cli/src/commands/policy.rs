//! `s3aas policy ...`

use super::{Code, Ctx, all, done, read_policy};
use crate::cli::PolicyCmd;
use s3aas::{Error, ErrorKind, PolicyAdmin, PolicyDocument, PutPolicy, Result};
use serde_json::json;

/// The columns of `policy list`.
const COLUMNS: &[&str] = &["name", "created", "updated"];

pub(crate) async fn run(ctx: &Ctx, cmd: PolicyCmd) -> Result<Code> {
    let c = &ctx.client;
    match cmd {
        PolicyCmd::Put {
            instance,
            name,
            file,
            bucket_read_write,
            bucket_read_only,
        } => {
            let document = match (file, bucket_read_write, bucket_read_only) {
                (Some(f), None, None) => read_policy(&f)?,
                (None, Some(b), None) => PolicyDocument::bucket_read_write(&b),
                (None, None, Some(b)) => PolicyDocument::bucket_read_only(&b),
                // clap enforces exactly one; this is only reached if that changes.
                _ => {
                    return Err(Error::new(
                        ErrorKind::InvalidInput,
                        "give exactly one of --file, --bucket-read-write, --bucket-read-only",
                    ));
                }
            };
            ctx.out.one(
                &c.put_policy(&instance, PutPolicy::new(name, document))
                    .await?,
            )?;
        }
        PolicyCmd::Get { instance, name } => ctx.out.one(&c.get_policy(&instance, &name).await?)?,
        PolicyCmd::List { instance, prefix } => {
            let items = all(prefix, |o| c.list_policies(&instance, o)).await?;
            ctx.out.list(&items, COLUMNS)?;
        }
        PolicyCmd::Delete { instance, name } => {
            c.delete_policy(&instance, &name).await?;
            return done(
                ctx,
                "deleted",
                "policy",
                json!({"instance": instance, "name": name}),
            );
        }
        PolicyCmd::Attach {
            instance,
            user,
            policy,
        } => {
            c.attach_policy(&instance, &user, &policy).await?;
            return done(
                ctx,
                "attached",
                "policy",
                json!({"instance": instance, "user": user, "name": policy}),
            );
        }
        PolicyCmd::Detach {
            instance,
            user,
            policy,
        } => {
            c.detach_policy(&instance, &user, &policy).await?;
            return done(
                ctx,
                "detached",
                "policy",
                json!({"instance": instance, "user": user, "name": policy}),
            );
        }
        PolicyCmd::Attached { instance, user } => {
            let names = c.list_attached_policies(&instance, &user).await?;
            ctx.out.list(&names, &[])?;
        }
    }
    Ok(0)
}
