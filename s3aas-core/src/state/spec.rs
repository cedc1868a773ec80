//! The desired state, as a caller holds it (in its database, a CRD, a file): serde types that
//! read the same from JSON and YAML.
//!
//! A field left out (`None`) is not managed: the server keeps whatever it has. A field given is
//! made true on the server, including "none" (`quota: null` removes a quota, `policy: null` a
//! bucket policy).

use crate::model::{Encryption, Quota, Tags};
use crate::policy::PolicyDocument;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// One or many tenants' desired state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Spec {
    /// The tenants, each an instance with what it holds.
    #[serde(default)]
    pub tenants: Vec<TenantState>,
}

impl Spec {
    /// A spec of `tenants`.
    pub fn new(tenants: Vec<TenantState>) -> Self {
        Spec { tenants }
    }

    /// Reads a spec from JSON.
    pub fn from_json(text: &str) -> crate::Result<Spec> {
        serde_json::from_str(text).map_err(|e| {
            crate::Error::new(
                crate::ErrorKind::InvalidInput,
                format!("invalid desired-state spec: {e}"),
            )
        })
    }
}

/// Whether a resource should exist.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ensure {
    /// It should exist with the settings given (the default).
    #[default]
    Present,
    /// It should not exist: deleted if it does.
    Absent,
}

/// One tenant: an instance and what it holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TenantState {
    /// The instance's name (its id).
    pub instance: String,
    /// `absent` deletes the whole instance with everything in it (force).
    #[serde(default)]
    pub ensure: Ensure,
    /// Delete resources inside the instance that the spec does not hold, but only those the
    /// desired state made itself (they carry its marker); adopted and foreign ones are only
    /// reported. Off by default.
    #[serde(default)]
    pub prune: bool,
    /// The instance's default versioning (creation, and update where the backend allows it).
    #[serde(default)]
    pub versioning: Option<bool>,
    /// The instance's default encryption.
    #[serde(default)]
    pub encryption: Option<Encryption>,
    /// Labels, set at creation only (no backend can change them later).
    #[serde(default)]
    pub labels: Tags,
    /// Backend options for the instance's creation (e.g. ECS `namespace`).
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Buckets.
    #[serde(default)]
    pub buckets: Vec<BucketState>,
    /// Users with their attachments and keys.
    #[serde(default)]
    pub users: Vec<UserState>,
    /// Named policies.
    #[serde(default)]
    pub policies: Vec<PolicyState>,
}

impl TenantState {
    /// A tenant with an instance named `instance` and nothing else managed.
    pub fn new(instance: impl Into<String>) -> Self {
        TenantState {
            instance: instance.into(),
            ensure: Ensure::Present,
            prune: false,
            versioning: None,
            encryption: None,
            labels: Tags::new(),
            options: BTreeMap::new(),
            buckets: Vec::new(),
            users: Vec::new(),
            policies: Vec::new(),
        }
    }
}

/// A bucket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BucketState {
    /// The bucket's name.
    pub name: String,
    /// Present or absent.
    #[serde(default)]
    pub ensure: Ensure,
    /// Claim an existing bucket the desired state did not make.
    #[serde(default)]
    pub adopt: bool,
    /// Versioning on (`true`) or off/suspended (`false`).
    #[serde(default)]
    pub versioning: Option<bool>,
    /// Default encryption.
    #[serde(default)]
    pub encryption: Option<Encryption>,
    /// Object lock (creation only).
    #[serde(default)]
    pub object_lock: Option<bool>,
    /// The quota; `null` for none.
    #[serde(default, deserialize_with = "present")]
    pub quota: Option<Option<Quota>>,
    /// The bucket policy; `null` for none.
    #[serde(default, deserialize_with = "present")]
    pub policy: Option<Option<PolicyDocument>>,
    /// The bucket's tags (all of them, besides those backends keep for themselves).
    #[serde(default)]
    pub tags: Option<Tags>,
    /// The owning user (creation only; backends with bucket owners).
    #[serde(default)]
    pub owner: Option<String>,
    /// When absent: delete it even when it holds objects.
    #[serde(default)]
    pub force_delete: bool,
}

impl BucketState {
    /// A bucket named `name` with no setting managed.
    pub fn new(name: impl Into<String>) -> Self {
        BucketState {
            name: name.into(),
            ensure: Ensure::Present,
            adopt: false,
            versioning: None,
            encryption: None,
            object_lock: None,
            quota: None,
            policy: None,
            tags: None,
            owner: None,
            force_delete: false,
        }
    }
}

/// A user, with the policies attached to it and its keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct UserState {
    /// The user's name.
    pub name: String,
    /// Present or absent.
    #[serde(default)]
    pub ensure: Ensure,
    /// Claim an existing user the desired state did not make (e.g. CloudStack's `cs-<uuid>`).
    #[serde(default)]
    pub adopt: bool,
    /// Enabled (default) or disabled.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Tags (creation only: no backend can change a user's tags later).
    #[serde(default)]
    pub tags: Option<Tags>,
    /// Exactly these policies attached; `None` leaves attachments alone.
    #[serde(default)]
    pub policies: Option<Vec<String>>,
    /// The user's keys, by name. Keys the spec does not name are reported, and deleted only
    /// with `prune` when the desired state made them.
    #[serde(default)]
    pub keys: Vec<KeyState>,
}

impl UserState {
    /// An enabled user named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        UserState {
            name: name.into(),
            ensure: Ensure::Present,
            adopt: false,
            enabled: true,
            tags: None,
            policies: None,
            keys: Vec::new(),
        }
    }
}

/// An access key, known by its name. Its secret is write-only: it appears once, in the
/// [`ApplyReport`](super::ApplyReport) of the apply that made the key, and never in a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct KeyState {
    /// The key's name (stored as the key's name on the server).
    pub name: String,
    /// Present or absent.
    #[serde(default)]
    pub ensure: Ensure,
    /// Claim an existing key by its access key id (keys made without a name).
    #[serde(default)]
    pub adopt: Option<String>,
    /// Enabled (default) or disabled.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// When the key stops working (RFC 3339), set at creation; where the backend has key
    /// expiry. A key that exists with another expiry is reported (it cannot be changed).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires: Option<time::OffsetDateTime>,
    /// Rotate the key once it is older than this many days.
    #[serde(default)]
    pub max_age_days: Option<u32>,
    /// During a rotation, keep the old key working this many seconds (0 or absent: deleted at
    /// once).
    #[serde(default)]
    pub rotation_grace_seconds: Option<u64>,
}

impl KeyState {
    /// An enabled key named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        KeyState {
            name: name.into(),
            ensure: Ensure::Present,
            adopt: None,
            enabled: true,
            expires: None,
            max_age_days: None,
            rotation_grace_seconds: None,
        }
    }
}

/// A named policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PolicyState {
    /// The policy's name.
    pub name: String,
    /// Present or absent.
    #[serde(default)]
    pub ensure: Ensure,
    /// The document (compared semantically, `Condition` blocks included).
    pub document: PolicyDocument,
}

impl PolicyState {
    /// A policy `name` with `document`.
    pub fn new(name: impl Into<String>, document: PolicyDocument) -> Self {
        PolicyState {
            name: name.into(),
            ensure: Ensure::Present,
            document,
        }
    }
}

fn yes() -> bool {
    true
}

/// A field that was given, `null` included: `Some(None)` for `null`, `None` (through
/// `default`) when absent.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_and_absent_differ() {
        let spec = Spec::from_json(
            r#"{"tenants":[{"instance":"acme","buckets":[
                {"name":"a","quota":null},
                {"name":"b","quota":{"hard_limit_bytes":10,"notification_bytes":null}},
                {"name":"c"}]}]}"#,
        )
        .unwrap();
        let b = &spec.tenants[0].buckets;
        assert_eq!(b[0].quota, Some(None));
        assert_eq!(b[1].quota, Some(Some(Quota::hard(10))));
        assert_eq!(b[2].quota, None);
    }

    #[test]
    fn unknown_fields_are_refused_with_their_name() {
        let e = Spec::from_json(r#"{"tenants":[{"instance":"acme","bukets":[]}]}"#).unwrap_err();
        assert!(e.message().contains("bukets"), "{e}");
    }
}
