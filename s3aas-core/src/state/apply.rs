//! Applying a plan: each tenant's changes in order, tenants side by side with bounded
//! concurrency; a tenant stops at its first failure and the report says what was done and what
//! was not.

use super::plan::{Action, Change, Plan, TenantPlan};
use crate::client::Client;
use crate::error::Error;
use crate::model::*;
use crate::policy::PutPolicy;
use crate::provider::*;
use futures::StreamExt;
use std::fmt;
use std::time::Duration;

/// How [`apply`](super::apply) runs.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ApplyOptions {
    /// Tenants applied at once (each tenant's own changes run one after another).
    pub concurrency: usize,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { concurrency: 8 }
    }
}

impl ApplyOptions {
    /// Applies at most `n` tenants at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }
}

/// A key the apply made (created or rotated in): the only place its secret ever appears.
/// `Debug` shows no secret.
#[derive(Debug)]
#[non_exhaustive]
pub struct IssuedKey {
    /// The key's name in the spec.
    pub name: String,
    /// The new key with its secret.
    pub key: NewAccessKey,
}

/// What happened to one tenant.
#[derive(Debug)]
#[non_exhaustive]
pub struct TenantReport {
    /// The instance.
    pub instance: String,
    /// Changes made, in order.
    pub done: Vec<Change>,
    /// The change that failed, with its error; the tenant stopped there.
    pub failed: Option<(Change, Error)>,
    /// Changes not attempted because of the failure (planning again lists what remains).
    pub not_done: Vec<Change>,
    /// Keys made, with their secrets.
    pub new_keys: Vec<IssuedKey>,
}

impl TenantReport {
    /// Whether every change was made.
    pub fn is_complete(&self) -> bool {
        self.failed.is_none()
    }
}

/// What [`apply`](super::apply) did, tenant by tenant.
#[derive(Debug)]
#[non_exhaustive]
pub struct ApplyReport {
    /// One report per tenant of the plan, in the plan's order.
    pub tenants: Vec<TenantReport>,
}

impl ApplyReport {
    /// Whether every tenant's changes were all made.
    pub fn is_complete(&self) -> bool {
        self.tenants.iter().all(TenantReport::is_complete)
    }

    /// Changes made across tenants.
    pub fn done(&self) -> usize {
        self.tenants.iter().map(|t| t.done.len()).sum()
    }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.tenants {
            if t.done.is_empty() && t.failed.is_none() {
                continue;
            }
            writeln!(
                f,
                "instance {}: {} change(s) made",
                t.instance,
                t.done.len()
            )?;
            for k in &t.new_keys {
                writeln!(
                    f,
                    "  new key {} for user {}: access key id {} (secret in the report, not shown)",
                    k.name, k.key.key.user, k.key.key.access_key_id
                )?;
            }
            if let Some((c, e)) = &t.failed {
                writeln!(f, "  FAILED {c}\n    {e}")?;
                writeln!(
                    f,
                    "  not done: {} change(s); plan again to see them",
                    t.not_done.len()
                )?;
            }
        }
        Ok(())
    }
}

pub(crate) async fn apply(c: &Client, plan: &Plan, opts: ApplyOptions) -> ApplyReport {
    // Futures made up front, not by a closure inside the stream: see `state::plan`.
    let futs: Vec<_> = plan.tenants.iter().map(|t| apply_tenant(c, t)).collect();
    let tenants = futures::stream::iter(futs)
        .buffered(opts.concurrency.max(1))
        .collect()
        .await;
    ApplyReport { tenants }
}

async fn apply_tenant(c: &Client, t: &TenantPlan) -> TenantReport {
    let mut report = TenantReport {
        instance: t.instance.clone(),
        done: Vec::new(),
        failed: None,
        not_done: Vec::new(),
        new_keys: Vec::new(),
    };
    let mut todo = t.executable().cloned().collect::<Vec<_>>().into_iter();
    for change in todo.by_ref() {
        // The audit events of these calls carry the plan's before/after.
        let cc = c.with_detail(change.fields.clone());
        match execute(&cc, &t.instance, &change).await {
            Ok(key) => {
                report.new_keys.extend(key);
                report.done.push(change);
            }
            Err(e) => {
                report.failed = Some((change, e));
                break;
            }
        }
    }
    report.not_done = todo.collect();
    report
}

/// Makes one change; a key it makes is returned with its secret.
async fn execute(c: &Client, inst: &str, ch: &Change) -> crate::Result<Option<IssuedKey>> {
    let Some(action) = &ch.action else {
        return Ok(None);
    };
    let name = ch.name.as_str();
    match action {
        Action::CreateInstance {
            versioning,
            encryption,
            labels,
            options,
        } => {
            let mut req = CreateInstance::new(inst)
                .versioning(*versioning)
                .encryption(*encryption);
            req.labels = labels.clone();
            req.options = options.clone();
            c.create_instance(req).await.map(|_| None)
        }
        Action::UpdateInstance {
            versioning,
            encryption,
        } => {
            let mut req = UpdateInstance::new();
            req.versioning = *versioning;
            req.encryption = *encryption;
            c.update_instance(inst, req).await.map(|_| None)
        }
        Action::DeleteInstance => c
            .delete_instance(inst, DeleteInstance::new().force(true))
            .await
            .map(|()| None),
        Action::CreateBucket {
            versioning,
            encryption,
            object_lock,
            quota,
            policy,
            tags,
            owner,
        } => {
            let mut req = CreateBucket::new(name);
            req.versioning = *versioning;
            req.encryption = *encryption;
            req.object_lock = *object_lock;
            req.quota = *quota;
            req.policy = policy.clone();
            req.tags = tags.clone();
            req.owner = owner.clone();
            c.create_bucket(inst, req).await.map(|_| None)
        }
        Action::UpdateBucket {
            versioning,
            encryption,
            quota,
            policy,
            tags,
        } => {
            let mut req = UpdateBucket::new();
            req.versioning = *versioning;
            req.encryption = *encryption;
            req.quota = *quota;
            req.policy = policy.clone();
            req.tags = tags.clone();
            c.update_bucket(inst, name, req).await.map(|_| None)
        }
        Action::DeleteBucket { force } => c
            .delete_bucket(inst, name, DeleteBucket::new().force(*force))
            .await
            .map(|()| None),
        Action::CreateUser { enabled, tags } => {
            let mut req = CreateUser::new(name).enabled(*enabled);
            req.tags = tags.clone();
            c.create_user(inst, req).await.map(|_| None)
        }
        Action::SetUserEnabled { enabled } => c
            .set_user_enabled(inst, name, *enabled)
            .await
            .map(|()| None),
        Action::DeleteUser => c.delete_user(inst, name).await.map(|()| None),
        Action::PutPolicy { document } => c
            .put_policy(inst, PutPolicy::new(name, document.clone()))
            .await
            .map(|_| None),
        Action::DeletePolicy => c.delete_policy(inst, name).await.map(|()| None),
        Action::Attach { user } => c.attach_policy(inst, user, name).await.map(|()| None),
        Action::Detach { user } => c.detach_policy(inst, user, name).await.map(|()| None),
        Action::CreateKey {
            user,
            name: key_name,
            enabled,
            description,
            expiration,
        } => {
            let mut req = CreateAccessKey::new().name(key_name);
            if let Some(d) = description {
                req = req.description(d);
            }
            if let Some(at) = expiration {
                req = req.expiration(*at);
            }
            let key = c.create_access_key(inst, user, req).await?;
            if !enabled {
                // A key asked for disabled is made, then disabled at once; if that fails, the
                // key is reported (with its secret) and the failure stops the tenant.
                if let Err(e) = c
                    .set_access_key_enabled(inst, user, &key.key.id, false)
                    .await
                {
                    let _ = c.delete_access_key(inst, user, &key.key.id).await;
                    return Err(e);
                }
            }
            Ok(Some(IssuedKey {
                name: key_name.clone(),
                key,
            }))
        }
        Action::SetKeyEnabled {
            user,
            key_id,
            enabled,
        } => c
            .set_access_key_enabled(inst, user, key_id, *enabled)
            .await
            .map(|()| None),
        Action::RotateKey {
            user,
            key_id,
            grace_seconds,
        } => {
            let mut req = RotateAccessKey::new();
            if let Some(s) = grace_seconds {
                req = req.grace(Duration::from_secs(*s));
            }
            let r = c.rotate_access_key(inst, user, key_id, req).await?;
            let key_name = ch
                .name
                .rsplit_once('/')
                .map_or(ch.name.clone(), |(_, n)| n.to_string());
            Ok(Some(IssuedKey {
                name: key_name,
                key: r.new,
            }))
        }
        Action::DeleteKey { user, key_id } => {
            c.delete_access_key(inst, user, key_id).await.map(|()| None)
        }
    }
}
