//! Canned policies: writing them, reading them back and attaching them so that neither a lost
//! answer nor RustFS's hidden-policy race fails a call on a policy that exists.
//!
//! RustFS 1.0.1 answers policy reads and attachments from an in-memory cache of every canned
//! policy. `list-canned-policies` reloads all policies from storage and *replaces* that cache
//! with what it read (`IamSys::list_policies`), while `add-canned-policy` saves its policy and
//! then adds it to the cache. When a listing's load overlaps the save, the listing's older copy
//! replaces the cache after the add: the policy is stored, but until the next listing (or IAM
//! reload) the server answers as if it did not exist — `info-canned-policy` with `404
//! NoSuchResource` "policy does not exist", attaching it (`policy_db_set` checks the cache) with
//! `500 InternalError` "policy does not exist". Deleting an instance lists policies, so under
//! concurrency this hits tenants being provisioned beside one being deleted.
//!
//! Writing the same document again puts it back into the cache and touches nothing else (a
//! listing of our own would reload everything, and could hide other callers' new policies the
//! same way). So for a policy this provider wrote within [`RECENT_POLICY`], those two answers
//! are met by writing it again and asking again, at most [`HIDDEN_POLICY_ATTEMPTS`] times. A
//! policy not written lately gets the server's answer as it is (`NotFound`).

use crate::Dialect;
use crate::admin::Call;
use crate::lost;
use crate::provider::{MadminProvider, ctx, iam, strip_empty};
use http::Method;
use s3aas_core::{Error, ErrorKind, Policy, PolicyDocument, ResourceKind, Result};
use std::time::{Duration, Instant};

/// How long after writing a policy this provider treats "policy does not exist" as the
/// hidden-policy race rather than as the truth.
const RECENT_POLICY: Duration = Duration::from_secs(60);

/// How often a hidden policy is written again and asked for again.
const HIDDEN_POLICY_ATTEMPTS: u32 = 5;

/// The pause before the first new try; it doubles after each (100 ms .. 1.6 s).
const HIDDEN_POLICY_FIRST_PAUSE: Duration = Duration::from_millis(100);

/// Whether an attach failed because RustFS's policy cache lacks the policy (see the module docs).
fn hidden_on_attach(e: &Error) -> bool {
    e.http_status() == Some(500)
        && e.message()
            .to_ascii_lowercase()
            .contains("policy does not exist")
}

impl<D: Dialect> MadminProvider<D> {
    /// Writes a canned policy (`add-canned-policy`, an upsert the transport repeats). When
    /// every attempt lost its answer, the server is asked whether it holds this document now.
    pub(super) async fn write_policy(
        &self,
        instance: &str,
        name: &str,
        document: &PolicyDocument,
        json: &str,
        op: &'static str,
    ) -> Result<()> {
        let iam = iam(instance, name);
        let written = self.send_policy(&iam, name, json, op).await;
        match written {
            Ok(()) => {}
            Err(e) if e.outcome_unknown() => {
                let stored = lost::confirm("policy", || async {
                    match self.policy_info(instance, name, op).await {
                        Ok(p) => Ok(Some(p)),
                        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                        Err(e) => Err(e),
                    }
                })
                .await;
                match stored {
                    Ok(Some(p)) if p.document.semantically_eq(document) => {
                        tracing::debug!(policy = %iam, error = %e, "the answer to writing the policy was lost, but the server holds it: carrying on");
                    }
                    // Absent, or another document: this write did not land.
                    Ok(_) => return Err(e),
                    Err(c) => {
                        return Err(lost::noted(
                            e,
                            format!(
                                "whether the policy was written could not be checked ({c}); policy '{name}' may hold the new document"
                            ),
                        ));
                    }
                }
            }
            Err(e) => return Err(e),
        }
        self.remember_policy(&iam, json);
        Ok(())
    }

    /// Reads back a policy this call has just written, writing it again while RustFS hides it.
    pub(super) async fn read_back_policy(
        &self,
        instance: &str,
        name: &str,
        json: &str,
        op: &'static str,
    ) -> Result<Policy> {
        let iam = iam(instance, name);
        let mut pause = HIDDEN_POLICY_FIRST_PAUSE;
        let mut attempt = 1;
        loop {
            match self.policy_info(instance, name, op).await {
                Err(e) if e.kind() == ErrorKind::NotFound && attempt < HIDDEN_POLICY_ATTEMPTS => {
                    tracing::debug!(policy = %iam, attempt, "a policy just written reads as missing (RustFS hid it); writing it again");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                    attempt += 1;
                    self.rewrite_hidden(&iam, name, json, op).await;
                }
                r => return r,
            }
        }
    }

    /// Attaches a policy the user does not have yet (`info` is the user's), after checking the
    /// policy exists (RustFS answers `500` for attaching a missing one, not `NotFound`). Both
    /// steps meet RustFS's hidden-policy answers for a policy written lately by writing it
    /// again; an attach whose answers were all lost is resolved by reading the user back.
    pub(super) async fn attach_existing(
        &self,
        instance: &str,
        user: &str,
        policy: &str,
        info: &crate::wire::UserInfo,
        op: &'static str,
    ) -> Result<()> {
        let iam = iam(instance, policy);
        let recent = self.recent_policy(&iam);
        let mut pause = HIDDEN_POLICY_FIRST_PAUSE;
        let mut attempt = 1;
        loop {
            match self.policy_info(instance, policy, op).await {
                Ok(_) => break,
                Err(e)
                    if e.kind() == ErrorKind::NotFound
                        && attempt < HIDDEN_POLICY_ATTEMPTS
                        && recent.is_some() =>
                {
                    tracing::debug!(policy = %iam, attempt, "a policy written lately reads as missing (RustFS hid it); writing it again");
                }
                Err(e) => return Err(ctx::<D>(e, op)),
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
            attempt += 1;
            if let Some(json) = &recent {
                self.rewrite_hidden(&iam, policy, json, op).await;
            }
        }
        let mut pause = HIDDEN_POLICY_FIRST_PAUSE;
        let mut attempt = 1;
        loop {
            let e = match self
                .change_policies(instance, user, info, vec![policy.to_string()], true, op)
                .await
            {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            match &recent {
                Some(json) if hidden_on_attach(&e) && attempt < HIDDEN_POLICY_ATTEMPTS => {
                    tracing::debug!(policy = %iam, attempt, error = %e, "attaching a policy written lately failed as missing (RustFS hid it); writing it again");
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                    attempt += 1;
                    self.rewrite_hidden(&iam, policy, json, op).await;
                    continue;
                }
                _ => {}
            }
            if !e.outcome_unknown() {
                return Err(e);
            }
            // Repeated by the transport and every answer lost: attached if the user says so.
            let attached = lost::confirm("policy attachment", || async {
                Ok(self
                    .user_info(instance, user, op)
                    .await?
                    .policies(instance)
                    .iter()
                    .any(|p| p == policy))
            })
            .await;
            return match attached {
                Ok(true) => Ok(()),
                _ => Err(e),
            };
        }
    }

    /// `info-canned-policy` of a policy of the instance (the instance is not checked).
    pub(super) async fn policy_info(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<Policy> {
        let iam = iam(instance, name);
        let mut info: serde_json::Value = self
            .admin
            .json(
                Call::new(op, Method::GET, "info-canned-policy")
                    .q("name", &iam)
                    .q("v", "2"),
                Some((ResourceKind::Policy, name)),
            )
            .await?;
        // RustFS: {"policy_name", "policy", ...}; MinIO v2: {"PolicyName", "Policy", ...}; older
        // MinIO: the document itself.
        let policy = match info.get_mut("policy") {
            Some(p) => p.take(),
            None => match info.get_mut("Policy") {
                Some(p) => p.take(),
                None => info,
            },
        };
        let doc = PolicyDocument::from_value(strip_empty(policy)).map_err(|e| {
            Error::decode("the stored policy", e.message())
                .with_backend(D::NAME)
                .with_operation(op)
        })?;
        Ok(Policy::new(instance, name, doc))
    }

    /// One `add-canned-policy` of `json` under IAM name `iam`.
    async fn send_policy(&self, iam: &str, name: &str, json: &str, op: &'static str) -> Result<()> {
        self.admin
            .ok(
                Call::new(op, Method::PUT, "add-canned-policy")
                    .q("name", iam)
                    .raw(json.as_bytes().to_vec()),
                Some((ResourceKind::Policy, name)),
            )
            .await
            .map(drop)
    }

    /// Writes a hidden policy again, which puts it back into RustFS's cache. A failure is only
    /// logged: the caller asks again and reports what it then gets.
    async fn rewrite_hidden(&self, iam: &str, name: &str, json: &str, op: &'static str) {
        match self.send_policy(iam, name, json, op).await {
            Ok(()) => self.remember_policy(iam, json),
            Err(e) => {
                tracing::debug!(policy = %iam, error = %e, "writing a hidden policy again failed")
            }
        }
    }

    fn remember_policy(&self, iam: &str, json: &str) {
        let mut m = self
            .recent_policies
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        m.retain(|_, (at, _)| at.elapsed() < RECENT_POLICY);
        m.insert(iam.to_string(), (Instant::now(), json.to_string()));
    }

    /// The document of a policy this provider wrote within [`RECENT_POLICY`].
    fn recent_policy(&self, iam: &str) -> Option<String> {
        let m = self
            .recent_policies
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        m.get(iam)
            .filter(|(at, _)| at.elapsed() < RECENT_POLICY)
            .map(|(_, json)| json.clone())
    }

    /// Forgets a deleted policy, so that its absence is never taken for the race.
    pub(super) fn forget_policy(&self, iam: &str) {
        self.recent_policies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(iam);
    }
}
