//! `s3aas user ...`

use super::{Code, Ctx, all, bulk, bulk_outcome, done, read_names};
use crate::cli::UserCmd;
use s3aas::model::*;
use s3aas::{Result, UserAdmin};
use serde_json::json;

/// The columns of `user list`.
const COLUMNS: &[&str] = &["name", "enabled", "created", "tags"];

pub(crate) async fn run(ctx: &Ctx, cmd: UserCmd) -> Result<Code> {
    let c = &ctx.client;
    match cmd {
        UserCmd::Create {
            instance,
            name,
            disabled,
            tags,
        } => {
            let mut req = CreateUser::new(name).enabled(!disabled);
            for (k, v) in tags {
                req = req.tag(k, v);
            }
            ctx.out.one(&c.create_user(&instance, req).await?)?;
        }
        UserCmd::CreateMany { instance, file } => {
            let names = read_names(&file)?;
            let inst = instance.as_str();
            let results = bulk(ctx, "creating users", names, |n| async move {
                c.create_user(inst, CreateUser::new(n)).await
            })
            .await;
            return bulk_outcome(
                ctx,
                results,
                &["name", "ok", "error"],
                |name, _| json!({"name": name, "ok": true}),
            );
        }
        UserCmd::Get { instance, name } => ctx.out.one(&c.get_user(&instance, &name).await?)?,
        UserCmd::List { instance, prefix } => {
            let items = all(prefix, |o| c.list_users(&instance, o)).await?;
            ctx.out.list(&items, COLUMNS)?;
        }
        UserCmd::Enable { instance, name } => {
            c.set_user_enabled(&instance, &name, true).await?;
            return done(
                ctx,
                "enabled",
                "user",
                json!({"instance": instance, "name": name}),
            );
        }
        UserCmd::Disable { instance, name } => {
            c.set_user_enabled(&instance, &name, false).await?;
            return done(
                ctx,
                "disabled",
                "user",
                json!({"instance": instance, "name": name}),
            );
        }
        UserCmd::Delete { instance, name } => {
            c.delete_user(&instance, &name).await?;
            return done(
                ctx,
                "deleted",
                "user",
                json!({"instance": instance, "name": name}),
            );
        }
        UserCmd::DeleteMany { instance, file } => {
            let names = read_names(&file)?;
            let inst = instance.as_str();
            let results = bulk(ctx, "deleting users", names, |n| async move {
                c.delete_user(inst, &n).await
            })
            .await;
            return bulk_outcome(
                ctx,
                results,
                &["name", "ok", "error"],
                |name, _| json!({"name": name, "ok": true}),
            );
        }
    }
    Ok(0)
}
