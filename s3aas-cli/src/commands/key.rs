//! `s3aas key ...`. Secrets appear only in what create, create-many and rotate print, once,
//! on stdout.

use super::{Code, Ctx, bulk, bulk_outcome, done, read_names, read_policy};
use crate::cli::KeyCmd;
use s3aas::model::*;
use s3aas::{AccessKeyAdmin, ExposeSecret, Result};
use serde_json::json;

/// The columns of `key list`.
const COLUMNS: &[&str] = &["access_key_id", "name", "enabled", "expiration", "created"];

pub(crate) async fn run(ctx: &Ctx, cmd: KeyCmd) -> Result<Code> {
    let c = &ctx.client;
    match cmd {
        KeyCmd::Create {
            instance,
            user,
            name,
            description,
            expires,
            session_policy_file,
        } => {
            let mut req = CreateAccessKey::new();
            if let Some(n) = name {
                req = req.name(n);
            }
            if let Some(d) = description {
                req = req.description(d);
            }
            if let Some(t) = expires {
                req = req.expiration(t);
            }
            if let Some(f) = session_policy_file {
                req = req.session_policy(read_policy(&f)?);
            }
            let key = c.create_access_key(&instance, &user, req).await?;
            ctx.out.one_with_secrets(&key)?;
        }
        KeyCmd::CreateMany {
            instance,
            file,
            name,
        } => {
            let users = read_names(&file)?;
            let mut req = CreateAccessKey::new();
            if let Some(n) = name {
                req = req.name(n);
            }
            let inst = instance.as_str();
            let results = bulk(ctx, "creating keys", users, |u| {
                let req = req.clone();
                async move { c.create_access_key(inst, &u, req).await }
            })
            .await;
            return bulk_outcome(
                ctx,
                results,
                &["name", "ok", "access_key_id", "secret_access_key", "error"],
                |user, key| {
                    json!({
                        "name": user,
                        "ok": true,
                        "access_key_id": key.key.access_key_id,
                        "secret_access_key": key.secret_access_key.expose_secret(),
                    })
                },
            );
        }
        KeyCmd::List { instance, user } => {
            let keys = c.list_access_keys(&instance, &user).await?;
            ctx.out.list(&keys, COLUMNS)?;
        }
        KeyCmd::Get {
            instance,
            user,
            key,
        } => ctx
            .out
            .one(&c.get_access_key(&instance, &user, &key).await?)?,
        KeyCmd::Enable {
            instance,
            user,
            key,
        } => {
            c.set_access_key_enabled(&instance, &user, &key, true)
                .await?;
            return done(ctx, "enabled", "key", key_fields(&instance, &user, &key));
        }
        KeyCmd::Disable {
            instance,
            user,
            key,
        } => {
            c.set_access_key_enabled(&instance, &user, &key, false)
                .await?;
            return done(ctx, "disabled", "key", key_fields(&instance, &user, &key));
        }
        KeyCmd::Delete {
            instance,
            user,
            key,
        } => {
            c.delete_access_key(&instance, &user, &key).await?;
            return done(ctx, "deleted", "key", key_fields(&instance, &user, &key));
        }
        KeyCmd::Rotate {
            instance,
            user,
            key,
            grace,
        } => {
            let mut req = RotateAccessKey::new();
            if let Some(g) = grace {
                req = req.grace(g);
            }
            let rotated = c.rotate_access_key(&instance, &user, &key, req).await?;
            ctx.out.one_with_secrets(&rotated)?;
        }
    }
    Ok(0)
}

fn key_fields(instance: &str, user: &str, key: &str) -> serde_json::Value {
    json!({"instance": instance, "user": user, "access_key_id": key})
}
