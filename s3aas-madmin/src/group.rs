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

    /// Adds a user to an instance's group (batched with concurrent joins, see `change_member`).
    pub(super) async fn join_group(&self, instance: &str, iam: &str) -> Result<()> {
        let op = "update_group";
        let resp = self.change_member(instance, iam, false, op).await?;
        if resp.is_success() {
            Ok(())
        } else {
            Err(self.admin.error(op, &resp, None))
        }
    }

    /// Creates an instance's (empty) group: an add of no members, under the group's lock.
    pub(super) async fn create_group(&self, instance: &str) -> Result<()> {
        let op = "update_group";
        let _lock = self.lock_group(instance).await;
        let resp = self.send_group_update(instance, &[], false, op).await?;
        if resp.is_success() {
            Ok(())
        } else {
            Err(self.admin.error(op, &resp, None))
        }
    }
}

/// A member's join or leave waiting for its group's lock, with where its answer goes.
pub(crate) struct PendingChange {
    id: u64,
    member: String,
    remove: bool,
    answer: tokio::sync::oneshot::Sender<Result<Response>>,
}

/// Ids for [`PendingChange`], unique per process.
static NEXT_CHANGE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl<D: Dialect> MadminProvider<D> {
    /// One member joining (or leaving) an instance's group; the `update-group-members` answer,
    /// whatever its status.
    ///
    /// Changes to one group go one at a time (RustFS loses concurrent ones, see `group_locks`),
    /// which would serialise every concurrent `create_user` and `delete_user` of an instance on
    /// that one request. So a change first joins the group's queue; whoever gets the lock sends
    /// every queued change of its kind in one update, and each caller gets that answer. When a
    /// batch of several fails, each change is sent again alone, so that one missing user does
    /// not fail the others and every caller gets the answer about its own member.
    pub(super) async fn change_member(
        &self,
        instance: &str,
        member: &str,
        remove: bool,
        op: &'static str,
    ) -> Result<Response> {
        let group = Self::group(instance);
        let id = NEXT_CHANGE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.group_pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(group.clone())
            .or_default()
            .push(PendingChange {
                id,
                member: member.to_string(),
                remove,
                answer: tx,
            });
        let lock = self.lock_group(instance).await;
        // Ours, and every other waiting change of the same kind, unless an earlier holder
        // already sent ours.
        let batch: Vec<PendingChange> = {
            let mut pending = self.group_pending.lock().unwrap_or_else(|p| p.into_inner());
            let queue = pending.entry(group.clone()).or_default();
            let batch = if queue.iter().any(|c| c.id == id) {
                let (batch, rest) = std::mem::take(queue)
                    .into_iter()
                    .partition(|c| c.remove == remove);
                *queue = rest;
                batch
            } else {
                Vec::new()
            };
            if queue.is_empty() {
                pending.remove(&group);
            }
            batch
        };
        if !batch.is_empty() {
            let members: Vec<String> = batch.iter().map(|c| c.member.clone()).collect();
            let sent = self.send_group_update(instance, &members, remove, op).await;
            match sent {
                Ok(resp) if resp.is_success() || batch.len() == 1 => {
                    for c in batch {
                        let _ = c.answer.send(Ok(resp.clone()));
                    }
                }
                Err(e) if batch.len() == 1 => {
                    if let Some(c) = batch.into_iter().next() {
                        let _ = c.answer.send(Err(e));
                    }
                }
                _ => {
                    for c in batch {
                        let alone = self
                            .send_group_update(
                                instance,
                                std::slice::from_ref(&c.member),
                                remove,
                                op,
                            )
                            .await;
                        let _ = c.answer.send(alone);
                    }
                }
            }
        }
        drop(lock);
        rx.await.unwrap_or_else(|_| {
            Err(s3aas_core::Error::new(
                s3aas_core::ErrorKind::Backend,
                "a group membership change was dropped unanswered",
            ))
        })
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
