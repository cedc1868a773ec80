//! Planning one tenant: read what the server holds (one listing pass per resource kind, plus
//! the reads the traits offer no bulk form of), compare it with the spec, and list the changes.
//! This file holds the planner, the instance and the listings; `bucket.rs` the buckets;
//! `identity.rs` the users, policies, attachments and keys; `prefetch.rs` the reads made at
//! once after the listings.

mod bucket;
mod identity;
mod prefetch;

use super::plan::{Action, Change, Op, Origin, Orphan, TenantPlan, wanted};
use super::spec::{BucketState, Ensure, KeyState, PolicyState, TenantState, UserState};
use super::{ADOPTED, KEY_MARK, MADE, MARKER};
use crate::audit::FieldChange;
use crate::capabilities::Capabilities;
use crate::client::Client;
use crate::error::{ErrorKind, ResourceKind, Result};
use crate::model::*;
use crate::policy::Policy;
use crate::provider::*;
use futures::TryStreamExt;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// The listing page size the planner asks for.
const PAGE: u32 = 1000;

/// One field's before/after, as JSON (`None` for an absent value).
fn field(name: &str, before: impl Serialize, after: impl Serialize) -> FieldChange {
    let json = |v: serde_json::Result<serde_json::Value>| v.ok().filter(|v| !v.is_null());
    FieldChange::new(
        name,
        json(serde_json::to_value(before)),
        json(serde_json::to_value(after)),
    )
}

/// Who made a resource, from its tags (`None`: the listing did not say).
fn origin(tags: Option<&Tags>) -> Origin {
    match tags.and_then(|t| t.get(MARKER)).map(String::as_str) {
        Some(MADE) => Origin::Made,
        Some(ADOPTED) => Origin::Adopted,
        _ => Origin::Unknown,
    }
}

/// Tags without the desired state's marker (what the spec's `tags` are compared with).
fn without_marker(tags: &Tags) -> Tags {
    tags.iter()
        .filter(|(k, _)| k.as_str() != MARKER)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn with_marker(tags: &Tags, mark: &str) -> Tags {
    let mut t = without_marker(tags);
    t.insert(MARKER.into(), mark.into());
    t
}

/// Whether server versioning `v` is what the spec's `want` asks for (off matches both never
/// enabled and suspended: the server fills in which).
fn versioning_matches(v: Option<Versioning>, want: bool) -> bool {
    match v {
        Some(v) => v.is_enabled() == want,
        None => true,
    }
}

struct Planner<'a> {
    c: &'a Client,
    caps: Capabilities,
    backend: &'static str,
    tenant: &'a TenantState,
    reads: u32,
    /// Answers read ahead after the listings (see `prefetch.rs`).
    pre: prefetch::Prefetched,
    changes: Vec<Change>,
    orphans: Vec<Orphan>,
    now: OffsetDateTime,
}

pub(crate) async fn plan_tenant(c: &Client, t: &TenantState) -> Result<TenantPlan> {
    super::check_spec(t)?;
    let mut p = Planner {
        c,
        caps: c.capabilities(),
        backend: c.backend(),
        tenant: t,
        reads: 0,
        pre: prefetch::Prefetched::default(),
        changes: Vec::new(),
        orphans: Vec::new(),
        now: OffsetDateTime::now_utc(),
    };
    p.run().await?;
    let mut changes = p.changes;
    // Stable: within a phase, the spec's order.
    changes.sort_by_key(Change::phase);
    Ok(TenantPlan {
        instance: t.instance.clone(),
        changes,
        orphans: p.orphans,
        reads: p.reads,
    })
}

impl Planner<'_> {
    fn push(&mut self, c: Change) {
        self.changes.push(c);
    }

    fn unsupported(&mut self, kind: ResourceKind, name: &str, what: &str, cap: &str) {
        self.push(Change::blocked(
            Op::Unsupported,
            kind,
            name,
            format!(
                "{what} is not supported by the {} backend (capability {cap})",
                self.backend
            ),
        ));
    }

    async fn run(&mut self) -> Result<()> {
        let t = self.tenant;
        self.reads += 1;
        let inst = match self.c.get_instance(&t.instance).await {
            Ok(i) => Some(i),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if t.ensure == Ensure::Absent {
            if inst.is_some() {
                self.push(Change::new(
                    Op::Delete,
                    ResourceKind::Instance,
                    &t.instance,
                    Action::DeleteInstance,
                ));
            }
            return Ok(());
        }
        let Some(inst) = inst else {
            return self.plan_new_instance();
        };
        self.instance_settings(&inst);
        let (buckets, users, policies) = self.listings().await?;
        self.prefetch(&buckets, &users).await;
        for b in &t.buckets {
            self.bucket(b, buckets.get(&b.name)).await?;
        }
        for p in &t.policies {
            self.policy(p, policies.get(&p.name));
        }
        for u in &t.users {
            self.user(u, users.get(&u.name)).await?;
        }
        self.orphan_buckets(&buckets).await?;
        let spec_users: BTreeSet<&str> = t.users.iter().map(|u| u.name.as_str()).collect();
        for (name, u) in &users {
            if !spec_users.contains(name.as_str()) {
                let o = origin(u.tags.as_ref());
                self.orphan(ResourceKind::User, name, o, Action::DeleteUser);
            }
        }
        let spec_policies: BTreeSet<&str> = t.policies.iter().map(|p| p.name.as_str()).collect();
        for name in policies.keys() {
            if !spec_policies.contains(name.as_str()) {
                // Policies carry no marker on any backend: never pruned, only reported.
                self.orphan(
                    ResourceKind::Policy,
                    name,
                    Origin::Unknown,
                    Action::DeletePolicy,
                );
            }
        }
        Ok(())
    }

    /// Reports an orphan, and deletes it with `prune` when the desired state made it.
    fn orphan(&mut self, kind: ResourceKind, name: &str, origin: Origin, delete: Action) {
        if self.tenant.prune && origin == Origin::Made {
            self.push(
                Change::new(Op::Delete, kind, name, delete)
                    .with_reason("not in the spec, made by the desired state, prune is on"),
            );
        }
        self.orphans.push(Orphan {
            kind,
            name: name.to_string(),
            origin,
        });
    }

    fn plan_new_instance(&mut self) -> Result<()> {
        let t = self.tenant;
        let mut c = Change::new(
            Op::Create,
            ResourceKind::Instance,
            &t.instance,
            Action::CreateInstance {
                versioning: t.versioning.unwrap_or(false),
                encryption: t.encryption.unwrap_or_default(),
                labels: t.labels.clone(),
                options: t.options.clone(),
            },
        );
        c.fields = vec![
            field("versioning", None::<bool>, t.versioning.unwrap_or(false)),
            field(
                "encryption",
                None::<Encryption>,
                t.encryption.unwrap_or_default(),
            ),
        ];
        if !t.labels.is_empty() {
            c.fields.push(field("labels", None::<Tags>, &t.labels));
        }
        self.push(c);
        for b in &t.buckets {
            if wanted(b.ensure) {
                self.create_bucket(b);
            }
        }
        for p in &t.policies {
            if wanted(p.ensure) {
                self.put_policy(p, None);
            }
        }
        for u in &t.users {
            if wanted(u.ensure) {
                self.create_user(u);
            }
        }
        Ok(())
    }

    fn instance_settings(&mut self, inst: &Instance) {
        let t = self.tenant;
        let mut fields = Vec::new();
        let (mut versioning, mut encryption) = (None, None);
        if let Some(v) = t.versioning.filter(|v| *v != inst.versioning) {
            if self.caps.instance_versioning.in_update() {
                fields.push(field("versioning", inst.versioning, v));
                versioning = Some(v);
            } else {
                self.unsupported(
                    ResourceKind::Instance,
                    &t.instance,
                    "changing instance versioning",
                    "instance_versioning",
                );
            }
        }
        if let Some(e) = t.encryption.filter(|e| *e != inst.encryption) {
            if self.caps.instance_encryption.in_update() {
                fields.push(field("encryption", inst.encryption, e));
                encryption = Some(e);
            } else {
                self.unsupported(
                    ResourceKind::Instance,
                    &t.instance,
                    "changing instance encryption",
                    "instance_encryption",
                );
            }
        }
        if !fields.is_empty() {
            self.push(
                Change::new(
                    Op::Update,
                    ResourceKind::Instance,
                    &t.instance,
                    Action::UpdateInstance {
                        versioning,
                        encryption,
                    },
                )
                .with_fields(fields),
            );
        }
        // Labels are set at creation only; a difference can only be reported.
        let missing: Tags = t
            .labels
            .iter()
            .filter(|(k, v)| inst.labels.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !missing.is_empty() {
            self.push(
                Change::blocked(
                    Op::Unsupported,
                    ResourceKind::Instance,
                    &t.instance,
                    "labels are set at creation only",
                )
                .with_fields(vec![field("labels", &inst.labels, &t.labels)]),
            );
        }
    }

    /// Every item of one listing, page by page (`bulk::paged`), and how many pages (reads) it
    /// took.
    async fn list_all<T, F, Fut>(
        fetch: F,
        name: fn(&T) -> &str,
    ) -> Result<(BTreeMap<String, T>, u32)>
    where
        T: Send,
        F: Fn(ListOptions) -> Fut + Send + Sync,
        Fut: std::future::Future<Output = Result<Page<T>>> + Send,
    {
        let pages = std::sync::atomic::AtomicU32::new(0);
        let items: Vec<T> = crate::bulk::paged(PAGE, None, |o| {
            pages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            fetch(o)
        })
        .try_collect()
        .await?;
        let map = items
            .into_iter()
            .map(|x| (name(&x).to_string(), x))
            .collect();
        Ok((map, pages.into_inner()))
    }

    /// The instance's buckets, users and policies, the three listings at once (they are
    /// independent, and planning many tenants is bound by the wait for each answer).
    async fn listings(&mut self) -> Result<Listings> {
        let (c, inst) = (self.c, self.tenant.instance.as_str());
        let policies = async {
            if self.caps.policies {
                Self::list_all(|o| c.list_policies(inst, o), |p| &p.name).await
            } else {
                Ok((BTreeMap::new(), 0))
            }
        };
        let ((buckets, b), (users, u), (policies, p)) = futures::try_join!(
            Self::list_all(|o| c.list_buckets(inst, o), |b| &b.name),
            Self::list_all(|o| c.list_users(inst, o), |u| &u.name),
            policies,
        )?;
        self.reads += b + u + p;
        Ok((buckets, users, policies))
    }
}

/// An instance's buckets, users and policies by name.
type Listings = (
    BTreeMap<String, Bucket>,
    BTreeMap<String, User>,
    BTreeMap<String, Policy>,
);
