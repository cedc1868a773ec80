//! What a backend can do.
//!
//! Every provider reports a [`Capabilities`] value. Calls that need a feature the backend lacks
//! are refused with [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) before any request
//! is sent (by [`Client`](crate::Client)); the message names the backend and the capability.

use crate::model::Support;
use serde::{Deserialize, Serialize};

/// Per-feature support of a backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// Instances can be created and deleted (not only listed).
    pub instance_create: bool,
    /// Default versioning of an instance (and its default bucket).
    pub instance_versioning: Support,
    /// Default encryption of an instance.
    pub instance_encryption: Support,
    /// MFA delete on an instance's buckets.
    pub instance_mfa_delete: Support,
    /// Instances keep labels ([`CreateInstance::labels`](crate::model::CreateInstance)).
    #[serde(default = "yes")]
    pub instance_labels: bool,
    /// Bucket versioning.
    pub bucket_versioning: Support,
    /// Bucket default encryption (SSE-S3 / D@RE).
    pub bucket_encryption: Support,
    /// S3 object lock (never more than creation-only).
    pub bucket_object_lock: Support,
    /// Hard bucket quota.
    pub bucket_quota: Support,
    /// Notification (soft) quota beside the hard one.
    pub bucket_quota_notification: Support,
    /// Bucket policy.
    pub bucket_policy: Support,
    /// Bucket tags.
    pub bucket_tags: Support,
    /// An explicit bucket owner user at creation.
    pub bucket_owner: bool,
    /// Forced delete of a non-empty bucket.
    pub bucket_force_delete: bool,
    /// Bucket usage figures.
    pub bucket_usage: bool,
    /// Lifecycle rules (expiry, noncurrent expiry, multipart abort).
    #[serde(default)]
    pub bucket_lifecycle: Support,
    /// CORS rules.
    #[serde(default)]
    pub bucket_cors: Support,
    /// Object-lock default retention on lock-enabled buckets.
    #[serde(default)]
    pub bucket_retention: Support,
    /// Replication to a remote bucket.
    #[serde(default)]
    pub bucket_replication: Support,
    /// Per-bucket durability mode reported (and kept at the server's default).
    #[serde(default)]
    pub bucket_durability: bool,
    /// Usage figures of a whole instance.
    #[serde(default)]
    pub instance_usage: bool,
    /// Tags on users.
    pub user_tags: bool,
    /// Disabling and enabling users.
    pub user_disable: bool,
    /// Named policies stored in an instance.
    pub policies: bool,
    /// Attaching named policies to users.
    pub policy_attach: bool,
    /// Names on access keys.
    pub access_key_name: bool,
    /// Descriptions on access keys.
    pub access_key_description: bool,
    /// Expiry on access keys.
    pub access_key_expiry: bool,
    /// Session policies on access keys.
    pub access_key_session_policy: bool,
    /// Disabling and enabling single access keys.
    pub access_key_disable: bool,
    /// Rotation that keeps the old key for a grace period.
    pub access_key_rotation_grace: bool,
    /// Most access keys a user may hold (`None` = no fixed limit).
    pub access_keys_per_user: Option<u32>,
}

fn yes() -> bool {
    true
}

impl Capabilities {
    /// Everything supported, no key limit (the in-memory provider's default).
    pub const fn all() -> Self {
        Capabilities {
            instance_create: true,
            instance_versioning: Support::Yes,
            instance_encryption: Support::Yes,
            instance_mfa_delete: Support::Yes,
            instance_labels: true,
            bucket_versioning: Support::Yes,
            bucket_encryption: Support::Yes,
            bucket_object_lock: Support::CreationOnly,
            bucket_quota: Support::Yes,
            bucket_quota_notification: Support::Yes,
            bucket_policy: Support::Yes,
            bucket_tags: Support::Yes,
            bucket_owner: true,
            bucket_force_delete: true,
            bucket_usage: true,
            bucket_lifecycle: Support::Yes,
            bucket_cors: Support::Yes,
            bucket_retention: Support::Yes,
            bucket_replication: Support::Yes,
            bucket_durability: true,
            instance_usage: true,
            user_tags: true,
            user_disable: true,
            policies: true,
            policy_attach: true,
            access_key_name: true,
            access_key_description: true,
            access_key_expiry: true,
            access_key_session_policy: true,
            access_key_disable: true,
            access_key_rotation_grace: true,
            access_keys_per_user: None,
        }
    }

    /// Nothing optional supported; a base for backends to switch features on.
    pub const fn none() -> Self {
        Capabilities {
            instance_create: false,
            instance_versioning: Support::No,
            instance_encryption: Support::No,
            instance_mfa_delete: Support::No,
            instance_labels: false,
            bucket_versioning: Support::No,
            bucket_encryption: Support::No,
            bucket_object_lock: Support::No,
            bucket_quota: Support::No,
            bucket_quota_notification: Support::No,
            bucket_policy: Support::No,
            bucket_tags: Support::No,
            bucket_owner: false,
            bucket_force_delete: false,
            bucket_usage: false,
            bucket_lifecycle: Support::No,
            bucket_cors: Support::No,
            bucket_retention: Support::No,
            bucket_replication: Support::No,
            bucket_durability: false,
            instance_usage: false,
            user_tags: false,
            user_disable: false,
            policies: false,
            policy_attach: false,
            access_key_name: false,
            access_key_description: false,
            access_key_expiry: false,
            access_key_session_policy: false,
            access_key_disable: false,
            access_key_rotation_grace: false,
            access_keys_per_user: None,
        }
    }

    /// What both allow: each flag on only where both have it, each [`Support`] the lesser of
    /// the two (`No` < `CreationOnly` < `Yes`), the smaller key limit. Effective capabilities
    /// are `declared ∧ probed ∧ overridden` this way, so neither a probe nor a user's override
    /// can switch on what the backend does not do.
    pub fn intersect(self, other: Capabilities) -> Capabilities {
        let rank = |v: &serde_json::Value| match v.as_str() {
            Some("yes") => 2,
            Some("creation_only") => 1,
            _ => 0,
        };
        let mut a = serde_json::to_value(self).expect("capabilities serialise");
        let b = serde_json::to_value(other).expect("capabilities serialise");
        let (am, bm) = (
            a.as_object_mut().expect("capabilities are an object"),
            b.as_object().expect("capabilities are an object"),
        );
        for (k, av) in am.iter_mut() {
            let bv = &bm[k];
            *av = match (&*av, bv) {
                (serde_json::Value::Bool(x), serde_json::Value::Bool(y)) => (*x && *y).into(),
                (serde_json::Value::String(_), serde_json::Value::String(_)) => {
                    if rank(bv) < rank(av) {
                        bv.clone()
                    } else {
                        av.clone()
                    }
                }
                // `access_keys_per_user`: `null` is unlimited.
                (serde_json::Value::Null, other) | (other, serde_json::Value::Null) => {
                    other.clone()
                }
                (x, y) => {
                    if y.as_u64() < x.as_u64() {
                        y.clone()
                    } else {
                        x.clone()
                    }
                }
            };
        }
        serde_json::from_value(a).expect("capabilities deserialise")
    }

    /// These capabilities with user overrides that can only switch things off: `spec` as in
    /// [`with_overrides`](Self::with_overrides), intersected with `self`.
    pub fn restricted(self, spec: &str) -> crate::Result<Self> {
        Ok(self.intersect(Capabilities::all().with_overrides(spec)?))
    }

    /// Applies overrides written as `name=value` pairs separated by commas, e.g.
    /// `bucket_object_lock=no,access_keys_per_user=2` (values: `yes`/`true`, `no`/`false`,
    /// `creation_only`, a number or `none`). Used by tests and by configuration to describe
    /// older server versions.
    pub fn with_overrides(self, spec: &str) -> crate::Result<Self> {
        let mut value = serde_json::to_value(self).expect("capabilities serialise");
        let map = value.as_object_mut().expect("capabilities are an object");
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').ok_or_else(|| {
                crate::Error::invalid_input(
                    "capabilities",
                    format!("override '{pair}' is not name=value"),
                )
            })?;
            let (k, v) = (k.trim(), v.trim());
            let slot = map.get_mut(k).ok_or_else(|| {
                crate::Error::invalid_input("capabilities", format!("unknown capability '{k}'"))
            })?;
            let new = match (&*slot, v) {
                (serde_json::Value::Bool(_), "yes" | "true") => serde_json::Value::Bool(true),
                (serde_json::Value::Bool(_), "no" | "false") => serde_json::Value::Bool(false),
                (serde_json::Value::String(_), "yes" | "true") => "yes".into(),
                (serde_json::Value::String(_), "no" | "false") => "no".into(),
                (serde_json::Value::String(_), "creation_only") => "creation_only".into(),
                (serde_json::Value::Number(_) | serde_json::Value::Null, "none")
                    if k == "access_keys_per_user" =>
                {
                    serde_json::Value::Null
                }
                (serde_json::Value::Number(_) | serde_json::Value::Null, n)
                    if k == "access_keys_per_user" =>
                {
                    serde_json::Value::from(n.parse::<u32>().map_err(|_| {
                        crate::Error::invalid_input(
                            "capabilities",
                            format!("'{k}' takes a number or 'none'"),
                        )
                    })?)
                }
                _ => {
                    return Err(crate::Error::invalid_input(
                        "capabilities",
                        format!("'{v}' is not a valid value for '{k}'"),
                    ));
                }
            };
            *slot = new;
        }
        Ok(serde_json::from_value(value).expect("capabilities deserialise"))
    }
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides() {
        let c = Capabilities::all()
            .with_overrides("bucket_object_lock=no, access_keys_per_user=2, user_disable=false")
            .unwrap();
        assert_eq!(c.bucket_object_lock, Support::No);
        assert_eq!(c.access_keys_per_user, Some(2));
        assert!(!c.user_disable);
        let c = c
            .with_overrides("access_keys_per_user=none,bucket_quota=creation_only")
            .unwrap();
        assert_eq!(c.access_keys_per_user, None);
        assert_eq!(c.bucket_quota, Support::CreationOnly);
        assert!(Capabilities::all().with_overrides("nope=yes").is_err());
        assert!(
            Capabilities::all()
                .with_overrides("user_disable=maybe")
                .is_err()
        );
    }
}

#[cfg(test)]
mod intersect_tests {
    use super::*;

    #[test]
    fn an_intersection_never_switches_anything_on() {
        let declared = Capabilities::all()
            .with_overrides("bucket_object_lock=creation_only,policies=no,access_keys_per_user=2")
            .unwrap();
        let user = Capabilities::all()
            .with_overrides("bucket_versioning=creation_only,access_keys_per_user=5")
            .unwrap();
        let e = declared.intersect(user);
        assert_eq!(e.bucket_object_lock, Support::CreationOnly);
        assert_eq!(e.bucket_versioning, Support::CreationOnly);
        assert!(!e.policies);
        assert_eq!(e.access_keys_per_user, Some(2));
        assert_eq!(declared.intersect(Capabilities::all()), declared);
        assert_eq!(
            Capabilities::none().intersect(Capabilities::all()),
            Capabilities::none()
        );
        // An override naming `yes` for what the backend lacks stays off.
        let r = declared.restricted("policies=yes,user_tags=no").unwrap();
        assert!(!r.policies && !r.user_tags);
        assert!(declared.restricted("nonsense=yes").is_err());
    }
}
