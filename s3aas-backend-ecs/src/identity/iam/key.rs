//! IAM mode: access keys (at most two per user, `Active`/`Inactive`).

use super::*;
use crate::error::is_iam_not_found;
use crate::wire::iam as w;

impl EcsProvider {
    pub(crate) async fn iam_keys(
        &self,
        ns: &str,
        name: &str,
        op: &'static str,
    ) -> Result<Vec<AccessKey>> {
        let items = self
            .iam_user_list(op, ns, name, "ListAccessKeys", "AccessKeyMetadata")
            .await?;
        let mut out: Vec<AccessKey> = items
            .iter()
            .filter_map(w::key)
            .map(|k| {
                let mut a = AccessKey::new(ns, name, &k.id, &k.id);
                a.enabled = k.active;
                a.created = k.created;
                a
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    pub(crate) async fn iam_list_keys(&self, ns: &str, name: &str) -> Result<Vec<AccessKey>> {
        self.iam_keys(ns, name, "list_access_keys").await
    }

    pub(crate) async fn iam_get_key(&self, ns: &str, name: &str, id: &str) -> Result<AccessKey> {
        let op = "get_access_key";
        self.iam_keys(ns, name, op)
            .await?
            .into_iter()
            .find(|k| k.id == id)
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::AccessKey, id), op))
    }

    pub(crate) async fn iam_new_key(
        &self,
        ns: &str,
        name: &str,
        op: &'static str,
    ) -> Result<NewAccessKey> {
        let u = self.iam_get_user(ns, name, op).await?;
        let uname = self.iam_user_name(ns, name);
        if self.iam_keys(ns, name, op).await?.len() >= 2 {
            return Err(ctx(
                Error::new(
                    ErrorKind::Conflict,
                    format!("user '{name}' already holds the two access keys ECS IAM allows; delete one first"),
                ),
                op,
            )
            .with_resource(ResourceKind::User, name));
        }
        let r = self
            .iam(op, ns, "CreateAccessKey", vec![p("UserName", &uname)])
            .await?;
        let body = r.get("AccessKey").unwrap_or(&r);
        let (k, secret) = match (w::key(body), w::str_field(body, "SecretAccessKey")) {
            (Some(k), Some(s)) => (k, s),
            _ => {
                return Err(ctx(
                    w::malformed("CreateAccessKey", "no AccessKeyId or SecretAccessKey"),
                    op,
                ));
            }
        };
        let mut a = AccessKey::new(ns, name, &k.id, &k.id);
        a.created = k.created.or(Some(OffsetDateTime::now_utc()));
        a.enabled = k.active;
        // A disabled user's new key starts inactive and is re-enabled with the user.
        if let Some(mut ids) = restore_list(u.tags.as_deref().unwrap_or_default()) {
            let parked: Result<()> = async {
                self.iam_set_key_status(ns, &uname, &k.id, false, op)
                    .await?;
                ids.push(k.id.clone());
                self.iam_set_restore_list(ns, &uname, &ids, op).await
            }
            .await;
            if let Err(e) = parked {
                let cleanup = self
                    .iam(
                        op,
                        ns,
                        "DeleteAccessKey",
                        vec![p("UserName", &uname), p("AccessKeyId", &k.id)],
                    )
                    .await;
                let msg = format!(
                    "the user is disabled and its new key could not be made inactive: {}",
                    e.message()
                );
                return Err(match cleanup {
                    Ok(_) => e.with_message(format!("{msg}; the key was deleted again")),
                    Err(_) => e.with_kind(ErrorKind::Partial).with_message(format!(
                        "{msg}; deleting it failed too: key '{}' is left, active",
                        k.id
                    )),
                });
            }
            a.enabled = false;
        }
        Ok(NewAccessKey::new(a, SecretString::from(secret)))
    }

    pub(crate) async fn iam_create_key(&self, ns: &str, name: &str) -> Result<NewAccessKey> {
        self.iam_new_key(ns, name, "create_access_key").await
    }

    pub(crate) async fn iam_set_key_enabled(
        &self,
        ns: &str,
        name: &str,
        id: &str,
        enabled: bool,
    ) -> Result<()> {
        let op = "set_access_key_enabled";
        let u = self.iam_get_user(ns, name, op).await?;
        let keys = self.iam_keys(ns, name, op).await?;
        if !keys.iter().any(|k| k.id == id) {
            return Err(ctx(Error::not_found(ResourceKind::AccessKey, id), op));
        }
        let uname = self.iam_user_name(ns, name);
        match restore_list(u.tags.as_deref().unwrap_or_default()) {
            // While the user is disabled the key stays inactive; the record says whether it
            // comes back with the user.
            Some(mut ids) => {
                ids.retain(|k| k != id);
                if enabled {
                    ids.push(id.to_string());
                }
                self.iam_set_restore_list(ns, &uname, &ids, op).await
            }
            None => self.iam_set_key_status(ns, &uname, id, enabled, op).await,
        }
    }

    pub(crate) async fn iam_drop_key(
        &self,
        ns: &str,
        uname: &str,
        id: &str,
        op: &'static str,
    ) -> Result<()> {
        match self
            .iam(
                op,
                ns,
                "DeleteAccessKey",
                vec![p("UserName", uname), p("AccessKeyId", id)],
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_iam_not_found(&e) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn iam_delete_key(&self, ns: &str, name: &str, id: &str) -> Result<()> {
        let op = "delete_access_key";
        self.require_instance(ns, op).await?;
        self.iam_drop_key(ns, &self.iam_user_name(ns, name), id, op)
            .await
    }

    /// Rotation in IAM mode: a new key, then the old one deleted (IAM keys cannot expire, so
    /// there is no grace period: the capability says so and the checked Client refuses one).
    pub(crate) async fn iam_rotate_key(
        &self,
        ns: &str,
        name: &str,
        id: &str,
    ) -> Result<RotatedAccessKey> {
        let op = "rotate_access_key";
        let keys = self.iam_keys(ns, name, op).await?;
        if !keys.iter().any(|k| k.id == id) {
            return Err(ctx(Error::not_found(ResourceKind::AccessKey, id), op));
        }
        if keys.len() >= 2 {
            return Err(ctx(
                Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "user '{name}' holds two access keys, the most ECS IAM allows; delete the other one before rotating"
                    ),
                ),
                op,
            ));
        }
        let new = self.iam_new_key(ns, name, op).await?;
        let uname = self.iam_user_name(ns, name);
        if let Err(e) = self.iam_drop_key(ns, &uname, id, op).await {
            let cleanup = self.iam_drop_key(ns, &uname, &new.key.id, op).await;
            return Err(rotation_failed(e, cleanup, &new.key.id));
        }
        Ok(RotatedAccessKey::new(new, OldKey::Deleted))
    }
}
