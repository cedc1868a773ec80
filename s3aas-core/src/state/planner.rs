//! Planning one tenant: read what the server holds (one listing pass per resource kind, plus
//! the reads the traits offer no bulk form of), compare it with the spec, and list the changes.

use super::plan::{Action, Change, Op, Origin, Orphan, TenantPlan, wanted};
use super::spec::{BucketState, Ensure, KeyState, PolicyState, TenantState, UserState};
use super::{ADOPTED, MADE, MARKER};
use crate::audit::FieldChange;
use crate::capabilities::Capabilities;
use crate::client::Client;
use crate::error::{ErrorKind, ResourceKind, Result};
use crate::model::*;
use crate::policy::Policy;
use crate::provider::*;
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
        let buckets = self.list_buckets().await?;
        let users = self.list_users().await?;
        let policies = self.list_policies().await?;
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

    async fn list_buckets(&mut self) -> Result<BTreeMap<String, Bucket>> {
        let mut out = BTreeMap::new();
        let mut opts = ListOptions::new().limit(PAGE);
        loop {
            self.reads += 1;
            let page = self
                .c
                .list_buckets(&self.tenant.instance, opts.clone())
                .await?;
            out.extend(page.items.into_iter().map(|b| (b.name.clone(), b)));
            match page.next {
                Some(n) => opts = opts.continuation(n),
                None => return Ok(out),
            }
        }
    }

    async fn list_users(&mut self) -> Result<BTreeMap<String, User>> {
        let mut out = BTreeMap::new();
        let mut opts = ListOptions::new().limit(PAGE);
        loop {
            self.reads += 1;
            let page = self
                .c
                .list_users(&self.tenant.instance, opts.clone())
                .await?;
            out.extend(page.items.into_iter().map(|u| (u.name.clone(), u)));
            match page.next {
                Some(n) => opts = opts.continuation(n),
                None => return Ok(out),
            }
        }
    }

    async fn list_policies(&mut self) -> Result<BTreeMap<String, Policy>> {
        let mut out = BTreeMap::new();
        if !self.caps.policies {
            return Ok(out);
        }
        let mut opts = ListOptions::new().limit(PAGE);
        loop {
            self.reads += 1;
            let page = self
                .c
                .list_policies(&self.tenant.instance, opts.clone())
                .await?;
            out.extend(page.items.into_iter().map(|p| (p.name.clone(), p)));
            match page.next {
                Some(n) => opts = opts.continuation(n),
                None => return Ok(out),
            }
        }
    }

    /// A bucket with every setting known: the listed one if it has them all, else read.
    async fn full_bucket(&mut self, listed: &Bucket) -> Result<Bucket> {
        let complete = listed.versioning.is_some()
            && listed.encryption.is_some()
            && listed.object_lock.is_some()
            && listed.policy.is_some()
            && listed.tags.is_some()
            && (listed.quota.is_some() || !self.caps.bucket_quota.at_creation());
        if complete {
            return Ok(listed.clone());
        }
        self.reads += 1;
        self.c.get_bucket(&self.tenant.instance, &listed.name).await
    }

    fn create_bucket(&mut self, b: &BucketState) {
        let caps = self.caps;
        let name = &b.name;
        let mut tags = b.tags.clone().unwrap_or_default();
        if caps.bucket_tags.at_creation() {
            tags.insert(MARKER.into(), MADE.into());
        } else if !tags.is_empty() {
            self.unsupported(ResourceKind::Bucket, name, "bucket tags", "bucket_tags");
            tags.clear();
        }
        let gate =
            |on: bool, s: crate::model::Support, what: &str, cap: &str, p: &mut Self| -> bool {
                if on && !s.at_creation() {
                    p.unsupported(ResourceKind::Bucket, name, what, cap);
                    false
                } else {
                    on
                }
            };
        let versioning = b.versioning.filter(|v| {
            gate(
                *v,
                caps.bucket_versioning,
                "bucket versioning",
                "bucket_versioning",
                self,
            )
        });
        let encryption = b.encryption.filter(|e| {
            gate(
                e.is_enabled(),
                caps.bucket_encryption,
                "bucket encryption",
                "bucket_encryption",
                self,
            )
        });
        let object_lock = gate(
            b.object_lock == Some(true),
            caps.bucket_object_lock,
            "object lock",
            "bucket_object_lock",
            self,
        );
        let quota = b.quota.flatten().filter(|_| {
            gate(
                true,
                caps.bucket_quota,
                "bucket quotas",
                "bucket_quota",
                self,
            )
        });
        let policy = b.policy.clone().flatten().filter(|_| {
            gate(
                true,
                caps.bucket_policy,
                "bucket policies",
                "bucket_policy",
                self,
            )
        });
        let owner = b.owner.clone().filter(|_| {
            if caps.bucket_owner {
                true
            } else {
                self.unsupported(ResourceKind::Bucket, name, "bucket owners", "bucket_owner");
                false
            }
        });
        let mut fields = vec![];
        if let Some(v) = versioning {
            fields.push(field("versioning", None::<bool>, v));
        }
        if let Some(e) = encryption {
            fields.push(field("encryption", None::<Encryption>, e));
        }
        if object_lock {
            fields.push(field("object_lock", None::<bool>, true));
        }
        if let Some(q) = &quota {
            fields.push(field("quota", None::<Quota>, q));
        }
        if let Some(p) = &policy {
            fields.push(field("policy", None::<()>, p.as_value()));
        }
        if !tags.is_empty() {
            fields.push(field("tags", None::<Tags>, &tags));
        }
        self.push(
            Change::new(
                Op::Create,
                ResourceKind::Bucket,
                name,
                Action::CreateBucket {
                    versioning,
                    encryption,
                    object_lock,
                    quota,
                    policy,
                    tags,
                    owner,
                },
            )
            .with_fields(fields),
        );
    }

    async fn bucket(&mut self, b: &BucketState, listed: Option<&Bucket>) -> Result<()> {
        let name = b.name.as_str();
        let Some(listed) = listed else {
            if wanted(b.ensure) {
                self.create_bucket(b);
            }
            return Ok(());
        };
        if b.ensure == Ensure::Absent {
            self.push(Change::new(
                Op::Delete,
                ResourceKind::Bucket,
                name,
                Action::DeleteBucket {
                    force: b.force_delete,
                },
            ));
            return Ok(());
        }
        let cur = self.full_bucket(listed).await?;
        let caps = self.caps;
        let markable = caps.bucket_tags.in_update();
        let was = origin(cur.tags.as_ref());
        if was == Origin::Unknown && markable && !b.adopt {
            self.push(Change::blocked(
                Op::Conflict,
                ResourceKind::Bucket,
                name,
                "the bucket exists but the desired state did not make it; set `adopt: true` to manage it",
            ));
            return Ok(());
        }
        let mut upd = UpdateBucket::new();
        let mut fields = Vec::new();
        if let Some(v) = b
            .versioning
            .filter(|v| !versioning_matches(cur.versioning, *v))
        {
            if caps.bucket_versioning.in_update() {
                fields.push(field("versioning", cur.versioning, v));
                upd.versioning = Some(v);
            } else {
                self.unsupported(
                    ResourceKind::Bucket,
                    name,
                    "changing bucket versioning",
                    "bucket_versioning",
                );
            }
        }
        if let Some(e) = b
            .encryption
            .filter(|e| cur.encryption.is_some_and(|c| c != *e))
        {
            if caps.bucket_encryption.in_update() {
                fields.push(field("encryption", cur.encryption, e));
                upd.encryption = Some(e);
            } else {
                self.unsupported(
                    ResourceKind::Bucket,
                    name,
                    "changing bucket encryption",
                    "bucket_encryption",
                );
            }
        }
        if let (Some(want), Some(have)) = (b.object_lock, cur.object_lock) {
            if want != have {
                self.push(
                    Change::blocked(
                        Op::Unsupported,
                        ResourceKind::Bucket,
                        name,
                        "object lock is set at creation only",
                    )
                    .with_fields(vec![field("object_lock", have, want)]),
                );
            }
        }
        // A quota the server could not report (`None`) is unknown, not a difference.
        if let (Some(want), Some(have)) = (&b.quota, &cur.quota) {
            if want != have {
                if caps.bucket_quota.in_update() {
                    fields.push(field("quota", have, want));
                    upd.quota = Some(*want);
                } else {
                    self.unsupported(
                        ResourceKind::Bucket,
                        name,
                        "changing bucket quotas",
                        "bucket_quota",
                    );
                }
            }
        }
        if let (Some(want), Some(have)) = (&b.policy, &cur.policy) {
            let same = match (want, have) {
                (Some(w), Some(h)) => w.semantically_eq(h),
                (None, None) => true,
                _ => false,
            };
            if !same {
                if caps.bucket_policy.in_update() {
                    fields.push(field(
                        "policy",
                        have.as_ref().map(|p| p.as_value()),
                        want.as_ref().map(|p| p.as_value()),
                    ));
                    upd.policy = Some(want.clone());
                } else {
                    self.unsupported(
                        ResourceKind::Bucket,
                        name,
                        "changing bucket policies",
                        "bucket_policy",
                    );
                }
            }
        }
        let mut op = Op::Update;
        if markable {
            let have = cur.tags.clone().unwrap_or_default();
            let mark = match was {
                Origin::Made => MADE,
                Origin::Adopted | Origin::Unknown => ADOPTED,
            };
            let base = b.tags.clone().unwrap_or_else(|| without_marker(&have));
            let want = with_marker(&base, mark);
            if want != have {
                if was == Origin::Unknown {
                    op = Op::Adopt;
                }
                fields.push(field("tags", &have, &want));
                upd.tags = Some(want);
            }
        } else if let (Some(want), Some(have)) = (&b.tags, &cur.tags) {
            if want != have {
                self.unsupported(
                    ResourceKind::Bucket,
                    name,
                    "changing bucket tags",
                    "bucket_tags",
                );
            }
        }
        if !fields.is_empty() {
            self.push(
                Change::new(op, ResourceKind::Bucket, name, update_action(&upd))
                    .with_fields(fields),
            );
        }
        Ok(())
    }

    async fn orphan_buckets(&mut self, buckets: &BTreeMap<String, Bucket>) -> Result<()> {
        let spec: BTreeSet<&str> = self
            .tenant
            .buckets
            .iter()
            .map(|b| b.name.as_str())
            .collect();
        for (name, b) in buckets {
            if spec.contains(name.as_str()) {
                continue;
            }
            // Who made it decides whether `prune` may delete it: read its tags if the listing
            // did not carry them (only for orphans, and only where tags exist).
            let tags = match (&b.tags, self.caps.bucket_tags.at_creation()) {
                (Some(t), _) => Some(t.clone()),
                (None, true) => {
                    self.reads += 1;
                    self.c.get_bucket(&self.tenant.instance, name).await?.tags
                }
                (None, false) => None,
            };
            self.orphan(
                ResourceKind::Bucket,
                name,
                origin(tags.as_ref()),
                Action::DeleteBucket { force: false },
            );
        }
        Ok(())
    }

    fn put_policy(&mut self, p: &PolicyState, have: Option<&Policy>) {
        if !self.caps.policies {
            self.unsupported(ResourceKind::Policy, &p.name, "named policies", "policies");
            return;
        }
        let op = if have.is_some() {
            Op::Update
        } else {
            Op::Create
        };
        self.push(
            Change::new(
                op,
                ResourceKind::Policy,
                &p.name,
                Action::PutPolicy {
                    document: p.document.clone(),
                },
            )
            .with_fields(vec![field(
                "document",
                have.map(|h| h.document.as_value()),
                p.document.as_value(),
            )]),
        );
    }

    fn policy(&mut self, p: &PolicyState, have: Option<&Policy>) {
        match (p.ensure, have) {
            (Ensure::Absent, Some(_)) => {
                self.push(Change::new(
                    Op::Delete,
                    ResourceKind::Policy,
                    &p.name,
                    Action::DeletePolicy,
                ));
            }
            (Ensure::Absent, None) => {}
            (Ensure::Present, Some(h)) if h.document.semantically_eq(&p.document) => {}
            (Ensure::Present, h) => self.put_policy(p, h),
        }
    }

    fn create_user(&mut self, u: &UserState) {
        let mut tags = u.tags.clone().unwrap_or_default();
        if self.caps.user_tags {
            tags.insert(MARKER.into(), MADE.into());
        } else if !tags.is_empty() {
            self.unsupported(ResourceKind::User, &u.name, "user tags", "user_tags");
            tags.clear();
        }
        let mut enabled = u.enabled;
        if !enabled && !self.caps.user_disable {
            self.unsupported(
                ResourceKind::User,
                &u.name,
                "disabled users",
                "user_disable",
            );
            enabled = true;
        }
        let mut fields = vec![field("enabled", None::<bool>, enabled)];
        if !tags.is_empty() {
            fields.push(field("tags", None::<Tags>, &tags));
        }
        self.push(
            Change::new(
                Op::Create,
                ResourceKind::User,
                &u.name,
                Action::CreateUser { enabled, tags },
            )
            .with_fields(fields),
        );
        for p in u.policies.iter().flatten() {
            self.attach(&u.name, p, true);
        }
        for k in &u.keys {
            if wanted(k.ensure) {
                self.create_key(&u.name, k);
            }
        }
    }

    fn attach(&mut self, user: &str, policy: &str, attach: bool) {
        if !self.caps.policy_attach {
            self.unsupported(
                ResourceKind::Policy,
                policy,
                "policy attachments",
                "policy_attach",
            );
            return;
        }
        let user = user.to_string();
        let (op, action) = if attach {
            (Op::Create, Action::Attach { user })
        } else {
            (Op::Delete, Action::Detach { user })
        };
        self.push(
            Change::new(op, ResourceKind::Policy, policy, action)
                .with_fields(vec![field("attached", !attach, attach)]),
        );
    }

    async fn user(&mut self, u: &UserState, have: Option<&User>) -> Result<()> {
        let name = u.name.as_str();
        let Some(have) = have else {
            if wanted(u.ensure) {
                self.create_user(u);
            }
            return Ok(());
        };
        if u.ensure == Ensure::Absent {
            self.push(Change::new(
                Op::Delete,
                ResourceKind::User,
                name,
                Action::DeleteUser,
            ));
            return Ok(());
        }
        // Users can be marked only at creation (no backend changes a user's tags later), so an
        // unmarked user is a conflict only where marks exist and it is not adopted.
        if self.caps.user_tags && origin(have.tags.as_ref()) == Origin::Unknown && !u.adopt {
            self.push(Change::blocked(
                Op::Conflict,
                ResourceKind::User,
                name,
                "the user exists but the desired state did not make it; set `adopt: true` to manage it",
            ));
            return Ok(());
        }
        if u.enabled != have.enabled {
            if self.caps.user_disable {
                self.push(
                    Change::new(
                        Op::Update,
                        ResourceKind::User,
                        name,
                        Action::SetUserEnabled { enabled: u.enabled },
                    )
                    .with_fields(vec![field(
                        "enabled",
                        have.enabled,
                        u.enabled,
                    )]),
                );
            } else {
                self.unsupported(ResourceKind::User, name, "disabling users", "user_disable");
            }
        }
        if let (Some(want), Some(tags)) = (&u.tags, &have.tags) {
            if *want != without_marker(tags) {
                self.push(
                    Change::blocked(
                        Op::Unsupported,
                        ResourceKind::User,
                        name,
                        "user tags are set at creation only",
                    )
                    .with_fields(vec![field(
                        "tags",
                        without_marker(tags),
                        want,
                    )]),
                );
            }
        }
        if let Some(want) = &u.policies {
            if self.caps.policy_attach {
                self.reads += 1;
                let attached = self
                    .c
                    .list_attached_policies(&self.tenant.instance, name)
                    .await?;
                for p in want.iter().filter(|p| !attached.contains(p)) {
                    self.attach(name, p, true);
                }
                for p in attached.iter().filter(|p| !want.contains(p)) {
                    self.attach(name, p, false);
                }
            } else if !want.is_empty() {
                self.unsupported(
                    ResourceKind::User,
                    name,
                    "policy attachments",
                    "policy_attach",
                );
            }
        }
        self.keys(u).await
    }

    fn create_key(&mut self, user: &str, k: &KeyState) {
        let key_name = format!("{user}/{}", k.name);
        if k.adopt.is_some() {
            self.push(Change::blocked(
                Op::Conflict,
                ResourceKind::AccessKey,
                &key_name,
                "the key to adopt does not exist",
            ));
            return;
        }
        if !self.caps.access_key_name {
            self.unsupported(
                ResourceKind::AccessKey,
                &key_name,
                "keys known by name",
                "access_key_name",
            );
            return;
        }
        let mut enabled = k.enabled;
        if !enabled && !self.caps.access_key_disable {
            self.unsupported(
                ResourceKind::AccessKey,
                &key_name,
                "disabled keys",
                "access_key_disable",
            );
            enabled = true;
        }
        let description = self
            .caps
            .access_key_description
            .then(|| super::KEY_MARK.to_string());
        let mut expiration = k.expires;
        if expiration.is_some() && !self.caps.access_key_expiry {
            self.unsupported(
                ResourceKind::AccessKey,
                &key_name,
                "key expiry",
                "access_key_expiry",
            );
            expiration = None;
        }
        self.push(
            Change::new(
                Op::Create,
                ResourceKind::AccessKey,
                &key_name,
                Action::CreateKey {
                    user: user.to_string(),
                    name: k.name.clone(),
                    enabled,
                    description,
                    expiration,
                },
            )
            .with_fields(
                [
                    Some(field("enabled", None::<bool>, enabled)),
                    expiration.map(|e| field("expires", None::<()>, crate::audit::rfc3339(e))),
                ]
                .into_iter()
                .flatten()
                .collect(),
            )
            .with_reason("its secret is in the apply report, once"),
        );
    }

    async fn keys(&mut self, u: &UserState) -> Result<()> {
        let user = u.name.as_str();
        if u.keys.is_empty() && !self.tenant.prune {
            return Ok(());
        }
        self.reads += 1;
        let have = self.c.list_access_keys(&self.tenant.instance, user).await?;
        let mut claimed = BTreeSet::new();
        for k in &u.keys {
            let key_name = format!("{user}/{}", k.name);
            let found = have.iter().find(|h| match &k.adopt {
                Some(id) => &h.access_key_id == id || &h.id == id,
                None => h.name.as_deref() == Some(k.name.as_str()),
            });
            let Some(h) = found else {
                if wanted(k.ensure) {
                    self.create_key(user, k);
                }
                continue;
            };
            claimed.insert(h.id.clone());
            let id = h.id.clone();
            if k.ensure == Ensure::Absent {
                self.push(
                    Change::new(
                        Op::Delete,
                        ResourceKind::AccessKey,
                        &key_name,
                        Action::DeleteKey {
                            user: user.into(),
                            key_id: id,
                        },
                    )
                    .with_fields(vec![field(
                        "access_key_id",
                        &h.access_key_id,
                        None::<String>,
                    )]),
                );
                continue;
            }
            if h.enabled != k.enabled {
                if self.caps.access_key_disable {
                    self.push(
                        Change::new(
                            Op::Update,
                            ResourceKind::AccessKey,
                            &key_name,
                            Action::SetKeyEnabled {
                                user: user.into(),
                                key_id: id.clone(),
                                enabled: k.enabled,
                            },
                        )
                        .with_fields(vec![field("enabled", h.enabled, k.enabled)]),
                    );
                } else {
                    self.unsupported(
                        ResourceKind::AccessKey,
                        &key_name,
                        "disabling keys",
                        "access_key_disable",
                    );
                }
            }
            // Expiry is set at creation; compared to the second (servers keep no finer).
            if let Some(want) = k.expires {
                let same = h
                    .expiration
                    .is_some_and(|e| e.unix_timestamp() == want.unix_timestamp());
                if !same && self.caps.access_key_expiry {
                    self.push(
                        Change::blocked(
                            Op::Unsupported,
                            ResourceKind::AccessKey,
                            &key_name,
                            "a key's expiry is set at creation only (rotate or recreate the key)",
                        )
                        .with_fields(vec![field(
                            "expires",
                            h.expiration.map(crate::audit::rfc3339),
                            crate::audit::rfc3339(want),
                        )]),
                    );
                }
            }
            if let (Some(days), Some(created)) = (k.max_age_days, h.created) {
                let age = self.now - created;
                if age > time::Duration::days(i64::from(days)) {
                    let grace = k.rotation_grace_seconds.filter(|s| *s > 0);
                    if grace.is_some() && !self.caps.access_key_rotation_grace {
                        self.unsupported(
                            ResourceKind::AccessKey,
                            &key_name,
                            "a rotation grace period",
                            "access_key_rotation_grace",
                        );
                    } else {
                        self.push(
                            Change::new(
                                Op::Rotate,
                                ResourceKind::AccessKey,
                                &key_name,
                                Action::RotateKey { user: user.into(), key_id: id, grace_seconds: grace },
                            )
                            .with_fields(vec![field("age_days", age.whole_days(), None::<i64>)])
                            .with_reason(format!("older than {days} days; the new secret is in the apply report, once")),
                        );
                    }
                }
            }
        }
        for h in have.iter().filter(|h| !claimed.contains(&h.id)) {
            let origin = if h.description.as_deref() == Some(super::KEY_MARK) {
                Origin::Made
            } else {
                Origin::Unknown
            };
            let name = format!("{user}/{}", h.id);
            self.orphan(
                ResourceKind::AccessKey,
                &name,
                origin,
                Action::DeleteKey {
                    user: user.into(),
                    key_id: h.id.clone(),
                },
            );
        }
        Ok(())
    }
}

fn update_action(u: &UpdateBucket) -> Action {
    Action::UpdateBucket {
        versioning: u.versioning,
        encryption: u.encryption,
        quota: u.quota,
        policy: u.policy.clone(),
        tags: u.tags.clone(),
    }
}
