//! A plan: the ordered changes that make the server match a spec, as data and as text.

use super::spec::Ensure;
use crate::audit::FieldChange;
use crate::error::ResourceKind;
use crate::model::{Encryption, Quota, Tags};
use crate::policy::PolicyDocument;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What a change does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Makes a resource.
    Create,
    /// Changes settings of a resource (field-level before/after in [`Change::fields`]).
    Update,
    /// Claims an existing resource the desired state did not make, marking it as adopted.
    Adopt,
    /// Replaces an access key that is older than its `max_age_days`.
    Rotate,
    /// Removes a resource.
    Delete,
    /// Not done: the resource exists but the desired state did not make it, and the spec does
    /// not adopt it.
    Conflict,
    /// Not done: the backend lacks a capability the spec needs (named in the reason).
    Unsupported,
}

impl Op {
    /// Whether [`apply`](super::apply) carries it out (conflicts and unsupported changes are
    /// only reported).
    pub fn is_executable(self) -> bool {
        !matches!(self, Op::Conflict | Op::Unsupported)
    }

    fn sign(self) -> &'static str {
        match self {
            Op::Create => "+",
            Op::Update => "~",
            Op::Adopt => "&",
            Op::Rotate => "@",
            Op::Delete => "-",
            Op::Conflict => "!",
            Op::Unsupported => "?",
        }
    }
}

/// The server call a change makes (what [`apply`](super::apply) sends).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// `create_instance`.
    CreateInstance {
        /// Default versioning.
        versioning: bool,
        /// Default encryption.
        encryption: Encryption,
        /// Labels.
        labels: Tags,
        /// Backend options.
        options: BTreeMap<String, String>,
    },
    /// `update_instance`.
    UpdateInstance {
        /// New default versioning.
        versioning: Option<bool>,
        /// New default encryption.
        encryption: Option<Encryption>,
    },
    /// `delete_instance` with force.
    DeleteInstance,
    /// `create_bucket`.
    CreateBucket {
        /// Versioning.
        versioning: Option<bool>,
        /// Encryption.
        encryption: Option<Encryption>,
        /// Object lock.
        object_lock: bool,
        /// Quota.
        quota: Option<Quota>,
        /// Bucket policy.
        policy: Option<PolicyDocument>,
        /// Tags, the desired state's marker included.
        tags: Tags,
        /// Owner.
        owner: Option<String>,
    },
    /// `update_bucket` (each `Some` is set).
    UpdateBucket {
        /// Versioning.
        versioning: Option<bool>,
        /// Encryption.
        encryption: Option<Encryption>,
        /// Quota (`Some(None)` removes it).
        quota: Option<Option<Quota>>,
        /// Policy (`Some(None)` removes it).
        policy: Option<Option<PolicyDocument>>,
        /// The whole tag set.
        tags: Option<Tags>,
    },
    /// `delete_bucket`.
    DeleteBucket {
        /// Delete its objects too.
        force: bool,
    },
    /// `create_user`.
    CreateUser {
        /// Enabled.
        enabled: bool,
        /// Tags, the marker included.
        tags: Tags,
    },
    /// `set_user_enabled`.
    SetUserEnabled {
        /// Enabled.
        enabled: bool,
    },
    /// `delete_user`.
    DeleteUser,
    /// `put_policy`.
    PutPolicy {
        /// The document.
        document: PolicyDocument,
    },
    /// `delete_policy`.
    DeletePolicy,
    /// `attach_policy` to `user`.
    Attach {
        /// The user.
        user: String,
    },
    /// `detach_policy` from `user`.
    Detach {
        /// The user.
        user: String,
    },
    /// `create_access_key` for `user`.
    CreateKey {
        /// The user.
        user: String,
        /// The key's name.
        name: String,
        /// Enabled (a disabled key is made and then disabled).
        enabled: bool,
        /// The description (the desired state's marker) where the backend stores one.
        description: Option<String>,
        /// When the key stops working.
        #[serde(default, with = "time::serde::rfc3339::option")]
        expiration: Option<time::OffsetDateTime>,
    },
    /// `set_access_key_enabled`.
    SetKeyEnabled {
        /// The user.
        user: String,
        /// The key's id.
        key_id: String,
        /// Enabled.
        enabled: bool,
    },
    /// `rotate_access_key`.
    RotateKey {
        /// The user.
        user: String,
        /// The key's id.
        key_id: String,
        /// Seconds the old key keeps working.
        grace_seconds: Option<u64>,
    },
    /// `delete_access_key`.
    DeleteKey {
        /// The user.
        user: String,
        /// The key's id.
        key_id: String,
    },
}

/// One change of a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Change {
    /// What it does.
    pub op: Op,
    /// The kind of resource.
    pub kind: ResourceKind,
    /// The resource's name (for keys: `user/key-name`; for attachments: the policy).
    pub name: String,
    /// Field-level before/after (secrets never appear: keys are shown by name and id).
    pub fields: Vec<FieldChange>,
    /// Why, for conflicts and unsupported changes (and notes on others).
    pub reason: Option<String>,
    /// The call to make; `None` for changes that are only reported.
    pub action: Option<Action>,
}

impl Change {
    pub(crate) fn new(op: Op, kind: ResourceKind, name: impl Into<String>, action: Action) -> Self {
        Change {
            op,
            kind,
            name: name.into(),
            fields: Vec::new(),
            reason: None,
            action: Some(action),
        }
    }

    /// A change that is only reported (a conflict, or a capability the backend lacks).
    pub(crate) fn blocked(
        op: Op,
        kind: ResourceKind,
        name: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Change {
            op,
            kind,
            name: name.into(),
            fields: Vec::new(),
            reason: Some(reason.into()),
            action: None,
        }
    }

    pub(crate) fn with_fields(mut self, fields: Vec<FieldChange>) -> Self {
        self.fields = fields;
        self
    }

    pub(crate) fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The phase the change runs in: creates and updates from the instance down, deletes from
    /// the keys up.
    pub(crate) fn phase(&self) -> u8 {
        let rank = match self.kind {
            ResourceKind::Instance => 0,
            ResourceKind::Bucket => 1,
            ResourceKind::User => 2,
            ResourceKind::Policy => 3,
            ResourceKind::AccessKey => 5,
            ResourceKind::Server => 6,
        };
        let rank = match &self.action {
            // Attachments come after both the users and the policies they join.
            Some(Action::Attach { .. }) => 4,
            Some(Action::Detach { .. }) => 4,
            _ => rank,
        };
        if self.op == Op::Delete || matches!(self.action, Some(Action::Detach { .. })) {
            // Detach and delete: keys first, then attachments, policies, users, buckets, the
            // instance. A policy is detached before it is deleted.
            let order = match rank {
                5 => 0,
                4 => 1,
                2 => 2,
                3 => 3,
                1 => 4,
                _ => 5,
            };
            10 + order
        } else {
            rank
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.action {
            Some(Action::Attach { user }) => write!(
                f,
                "{} Attach policy {} to user {user}",
                self.op.sign(),
                self.name
            )?,
            Some(Action::Detach { user }) => write!(
                f,
                "{} Detach policy {} from user {user}",
                self.op.sign(),
                self.name
            )?,
            _ => write!(
                f,
                "{} {:?} {} {}",
                self.op.sign(),
                self.op,
                self.kind,
                self.name
            )?,
        }
        if let Some(r) = &self.reason {
            write!(f, ": {r}")?;
        }
        for field in &self.fields {
            write!(f, "\n      {field}")?;
        }
        Ok(())
    }
}

/// A resource inside an instance that the spec does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Orphan {
    /// Its kind.
    pub kind: ResourceKind,
    /// Its name (keys: `user/id`).
    pub name: String,
    /// Who made it, as far as the server tells.
    pub origin: Origin,
}

/// Who made a resource, read from the desired state's marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The desired state made it (it carries the marker `made`): `prune` deletes it.
    Made,
    /// The desired state adopted it: never deleted unless the spec says `absent`.
    Adopted,
    /// No marker: made by someone else, or a kind the backend cannot mark. Never touched.
    Unknown,
}

/// The plan of one tenant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TenantPlan {
    /// The instance.
    pub instance: String,
    /// The changes, in the order [`apply`](super::apply) makes them.
    pub changes: Vec<Change>,
    /// Resources inside the instance the spec does not hold.
    pub orphans: Vec<Orphan>,
    /// How many read calls planning this tenant took.
    pub reads: u32,
}

impl TenantPlan {
    /// The changes apply would make.
    pub fn executable(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.op.is_executable())
    }
}

/// A whole plan. Empty when the server matches the spec.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Plan {
    /// The backend planned against.
    pub backend: String,
    /// One plan per tenant of the spec, in the spec's order.
    pub tenants: Vec<TenantPlan>,
}

impl Plan {
    /// No change of any kind (not even a reported conflict).
    pub fn is_empty(&self) -> bool {
        self.tenants.iter().all(|t| t.changes.is_empty())
    }

    /// Every change apply would make.
    pub fn executable(&self) -> impl Iterator<Item = (&str, &Change)> {
        self.tenants
            .iter()
            .flat_map(|t| t.executable().map(move |c| (t.instance.as_str(), c)))
    }

    /// All read calls planning took.
    pub fn reads(&self) -> u32 {
        self.tenants.iter().map(|t| t.reads).sum()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no changes: the server matches the spec");
        }
        for t in &self.tenants {
            if t.changes.is_empty() {
                continue;
            }
            writeln!(f, "instance {}:", t.instance)?;
            for c in &t.changes {
                writeln!(f, "  {c}")?;
            }
        }
        let n = self.executable().count();
        let blocked = self
            .tenants
            .iter()
            .flat_map(|t| &t.changes)
            .filter(|c| !c.op.is_executable())
            .count();
        writeln!(f, "{n} change(s) to apply, {blocked} not applicable")
    }
}

/// Whether `ensure` asks for the resource.
pub(crate) fn wanted(ensure: Ensure) -> bool {
    ensure == Ensure::Present
}
