//! The instance group: membership changes under a per-group lock, and deleting a group whose
//! members RustFS lost track of.

use crate::admin::Call;
use crate::provider::{MadminProvider, iam};
use crate::{Dialect, GroupDelete};
use http::Method;
use s3aas_core::{ExposeSecret, Result, secret};
use s3aas_http::Response;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;

/// How often deleting an instance's group re-reads it and tries again when members vanish or
/// appear meanwhile (concurrent deletes, or another process changing the group).
const GROUP_DELETE_ATTEMPTS: usize = 5;

impl<D: Dialect> MadminProvider<D> {
    pub(super) fn group(instance: &str) -> String {
        format!("s3aas-{instance}")
    }

    /// Takes the lock of an instance's group (see `group_locks`).
    pub(super) async fn lock_group(&self, instance: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self.group_locks.lock().unwrap_or_else(|p| p.into_inner());
            // Only the map holds an unused lock: drop those, so the map stays as small as the
            // number of groups being changed right now.
            map.retain(|_, l| Arc::strong_count(l) > 1);
            map.entry(Self::group(instance)).or_default().clone()
        };
        lock.lock_owned().await
    }

    /// One `update-group-members` call on an instance's group, answer returned whatever its
    /// status. The caller holds [`Self::lock_group`].
    pub(super) async fn send_group_update(
        &self,
        instance: &str,
        members: &[String],
        remove: bool,
        op: &'static str,
    ) -> Result<Response> {
        // `groupStatus` is required by RustFS's /minio alias and always sent by madmin-go.
        let body = json!({"group": Self::group(instance), "members": members, "groupStatus": "enabled", "isRemove": remove});
        self.admin
            .send(&Call::new(op, Method::PUT, "update-group-members").json(&body))
            .await
    }

    /// The members of an instance's group, or `None` when there is no such group.
    pub(super) async fn read_group(
        &self,
        instance: &str,
        op: &'static str,
    ) -> Result<Option<Vec<String>>> {
        #[derive(Deserialize)]
        struct G {
            #[serde(default)]
            members: Option<Vec<String>>,
        }
        let group = Self::group(instance);
        let resp = self
            .admin
            .send(&Call::new(op, Method::GET, "group").q("group", &group))
            .await?;
        if resp.status == 404 {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(self.admin.error(op, &resp, None));
        }
        let g: G = crate::admin::decode::<D, _>(op, &resp)?;
        Ok(Some(g.members.unwrap_or_default()))
    }

    /// Deletes an instance's (empty) group the dialect's way; the caller holds the group lock.
    pub(super) async fn send_group_delete(
        &self,
        instance: &str,
        op: &'static str,
    ) -> Result<Response> {
        match self.admin.dialect.group_delete() {
            GroupDelete::Route => {
                self.admin
                    .send(&Call::new(
                        op,
                        Method::DELETE,
                        &format!("group/{}", Self::group(instance)),
                    ))
                    .await
            }
            GroupDelete::EmptyRemove => self.send_group_update(instance, &[], true, op).await,
        }
    }

    /// Deletes an instance's group, first clearing members whose users are gone. RustFS 1.0.1
    /// can keep such members after concurrent deletes (lost updates, from before the group lock
    /// or from other processes and tools), and then refuses to delete the group ("group is not
    /// empty") while also refusing to remove a member that is not a user (404). So every pass
    /// re-reads the group under its lock, brings gone members back as disabled placeholders,
    /// removes them all in one rewrite and deletes the placeholders; a member vanishing
    /// meanwhile means another pass, at most [`GROUP_DELETE_ATTEMPTS`]. Members that are not
    /// the instance's (another prefix) or users that still exist are left alone and reported.
    pub(super) async fn delete_instance_group(
        &self,
        instance: &str,
        op: &'static str,
    ) -> std::result::Result<(), String> {
        let group = Self::group(instance);
        let prefix = iam(instance, "");
        let mut last = String::new();
        let mut rewritten = false;
        for _ in 0..GROUP_DELETE_ATTEMPTS {
            let _lock = self.lock_group(instance).await;
            let members = match self.read_group(instance, op).await {
                Ok(Some(m)) => m,
                Ok(None) => return Ok(()),
                Err(e) => return Err(format!("group '{group}' ({e})")),
            };
            let listed_empty = members.is_empty();
            let (ours, foreign): (Vec<String>, Vec<String>) =
                members.into_iter().partition(|m| m.starts_with(&prefix));
            if !foreign.is_empty() {
                return Err(format!(
                    "group '{group}' (it also lists members s3aas did not add: {}; remove them, then delete the instance again)",
                    some(&foreign)
                ));
            }
            if !ours.is_empty() {
                let users: BTreeSet<String> = self
                    .instance_users(instance)
                    .await
                    .map_err(|e| format!("group '{group}' ({e})"))?
                    .into_iter()
                    .map(|(n, _)| iam(instance, &n))
                    .collect();
                let (alive, gone): (Vec<String>, Vec<String>) =
                    ours.into_iter().partition(|m| users.contains(m));
                if !alive.is_empty() {
                    return Err(format!(
                        "group '{group}' (its users {} still exist)",
                        some(&alive)
                    ));
                }
                match self.clear_gone_members(instance, &gone, op).await {
                    Ok(true) => {}
                    Ok(false) => {
                        last = "a member vanished while the gone members were removed".into();
                        continue;
                    }
                    Err(e) => return Err(format!("group '{group}' ({e})")),
                }
            }
            let resp = match self.send_group_delete(instance, op).await {
                Ok(r) => r,
                Err(e) => return Err(format!("group '{group}' ({e})")),
            };
            if resp.is_success() || resp.status == 404 {
                return Ok(());
            }
            let text = resp.body_snippet(300);
            if !(matches!(resp.status, 400 | 500)
                && (text.to_ascii_lowercase().contains("not empty") || text.contains("NotEmpty")))
            {
                return Err(format!(
                    "group '{group}' (HTTP {}: {})",
                    resp.status,
                    resp.body_snippet(200)
                ));
            }
            last = format!("HTTP {}: {}", resp.status, resp.body_snippet(200));
            // Listed as empty but "not empty" on delete: the server's stored copy differs from
            // the one it answers reads from (possible on multi-node RustFS). One change of the
            // membership makes it write the document it reads from; then delete again.
            if listed_empty && !rewritten {
                rewritten = true;
                if let Err(e) = self.rewrite_group(instance, op).await {
                    return Err(format!(
                        "group '{group}' ({last}; rewriting it failed: {e})"
                    ));
                }
            }
        }
        Err(format!(
            "group '{group}' (still not deletable after {GROUP_DELETE_ATTEMPTS} attempts; last answer: {last})"
        ))
    }

    /// Removes members whose users are gone: placeholders (disabled, random secret nobody
    /// learns) make them users again, one rewrite removes them all, then the placeholders are
    /// deleted. `Ok(false)` when the removal answered 404 (a member vanished meanwhile). The
    /// caller holds the group lock.
    pub(super) async fn clear_gone_members(
        &self,
        instance: &str,
        gone: &[String],
        op: &'static str,
    ) -> std::result::Result<bool, String> {
        let mut made: Vec<&String> = Vec::new();
        let mut failed = None;
        for m in gone {
            let secret = secret::random_secret_key();
            let body = json!({"secretKey": secret.expose_secret(), "status": "disabled"});
            match self
                .admin
                .ok(
                    Call::new(op, Method::PUT, "add-user")
                        .q("accessKey", m)
                        .json(&body),
                    None,
                )
                .await
            {
                Ok(_) => made.push(m),
                Err(e) => {
                    failed = Some(format!(
                        "re-creating gone member '{m}' as a placeholder failed: {e}"
                    ));
                    break;
                }
            }
        }
        let removal = if failed.is_none() {
            match self.send_group_update(instance, gone, true, op).await {
                Ok(r) if r.is_success() => Ok(true),
                Ok(r) if r.status == 404 => Ok(false),
                Ok(r) => Err(format!(
                    "removing gone members failed (HTTP {}: {})",
                    r.status,
                    r.body_snippet(200)
                )),
                Err(e) => Err(format!("removing gone members failed: {e}")),
            }
        } else {
            Ok(false)
        };
        // The placeholders go whatever the removal said; one left behind is a disabled user of
        // the instance, found and deleted by the next delete of the instance.
        let mut kept = Vec::new();
        for m in made {
            match self
                .admin
                .send(&Call::new(op, Method::DELETE, "remove-user").q("accessKey", m))
                .await
            {
                Ok(r) if r.is_success() || r.status == 404 => {}
                Ok(r) => kept.push(format!("{m} (HTTP {})", r.status)),
                Err(e) => kept.push(format!("{m} ({e})")),
            }
        }
        if let Some(f) = failed {
            return Err(f);
        }
        if !kept.is_empty() {
            return Err(format!(
                "deleting placeholder users failed: {}",
                kept.join(", ")
            ));
        }
        removal
    }

    /// Adds a placeholder member to an instance's group and removes it again, so that the server
    /// writes the group document it answers reads from. The caller holds the group lock.
    pub(super) async fn rewrite_group(&self, instance: &str, op: &'static str) -> Result<()> {
        let name = iam(
            instance,
            &format!(
                "s3aas-rewrite-{}",
                secret::random_access_key_id().to_lowercase()
            ),
        );
        let secret = secret::random_secret_key();
        let body = json!({"secretKey": secret.expose_secret(), "status": "disabled"});
        self.admin
            .ok(
                Call::new(op, Method::PUT, "add-user")
                    .q("accessKey", &name)
                    .json(&body),
                None,
            )
            .await?;
        let members = [name.clone()];
        let changed: Result<()> = async {
            for remove in [false, true] {
                let r = self
                    .send_group_update(instance, &members, remove, op)
                    .await?;
                if !r.is_success() {
                    return Err(self.admin.error(op, &r, None));
                }
            }
            Ok(())
        }
        .await;
        let removed = self
            .admin
            .send(&Call::new(op, Method::DELETE, "remove-user").q("accessKey", &name))
            .await;
        changed?;
        match removed {
            Ok(r) if r.is_success() || r.status == 404 => Ok(()),
            Ok(r) => Err(self.admin.error(op, &r, None)),
            Err(e) => Err(e),
        }
    }

    /// Adds members to (or removes them from) an instance's group, under the group's lock.
    pub(super) async fn group_members(
        &self,
        instance: &str,
        members: Vec<String>,
        remove: bool,
    ) -> Result<()> {
        let op = "update_group";
        let _lock = self.lock_group(instance).await;
        let resp = self
            .send_group_update(instance, &members, remove, op)
            .await?;
        if resp.is_success() {
            Ok(())
        } else {
            Err(self.admin.error(op, &resp, None))
        }
    }
}

/// Up to ten names, then how many more: error messages stay readable for big groups.
fn some(names: &[String]) -> String {
    let shown = names
        .iter()
        .take(10)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match names.len() {
        n if n > 10 => format!("{shown} and {} more", n - 10),
        _ => shown,
    }
}
