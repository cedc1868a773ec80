use super::{CorsRule, DefaultRetention, Encryption, LifecycleRule, ReplicationRule, Tags};
use crate::policy::{BucketAccess, PolicyDocument};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A bucket quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Quota {
    /// Hard limit in bytes: writes beyond it are refused. Backends enforce it from usage that may
    /// lag behind (some servers count with a background scanner), so treat it as a cap that
    /// can be overshot briefly.
    pub hard_limit_bytes: u64,
    /// Soft limit in bytes that only raises a notification.
    pub notification_bytes: Option<u64>,
}

impl Quota {
    /// A hard limit.
    pub fn hard(bytes: u64) -> Self {
        Quota {
            hard_limit_bytes: bytes,
            notification_bytes: None,
        }
    }

    /// Adds a notification (soft) limit.
    pub fn with_notification(mut self, bytes: u64) -> Self {
        self.notification_bytes = Some(bytes);
        self
    }
}

/// Versioning state of a bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Versioning {
    /// Never enabled.
    Unversioned,
    /// Enabled.
    Enabled,
    /// Enabled once, now suspended (a bucket can never return to unversioned).
    Suspended,
}

impl Versioning {
    /// Whether new writes create versions.
    pub fn is_enabled(self) -> bool {
        self == Versioning::Enabled
    }
}

/// Request to create a bucket inside an instance.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CreateBucket {
    /// S3 bucket name (3–63 characters, DNS rules).
    pub name: String,
    /// Default encryption; `None` = the instance's default.
    pub encryption: Option<Encryption>,
    /// Versioning; `None` = the instance's default. Object lock implies versioning.
    pub versioning: Option<bool>,
    /// Enable S3 object lock (only possible at creation; implies versioning).
    pub object_lock: bool,
    /// Quota.
    pub quota: Option<Quota>,
    /// Bucket policy (needs `Principal` in each statement).
    pub policy: Option<PolicyDocument>,
    /// Bucket tags.
    pub tags: Tags,
    /// Owner user (where the backend records one).
    pub owner: Option<String>,
    /// Lifecycle rules (empty = none).
    pub lifecycle: Vec<LifecycleRule>,
    /// CORS rules (empty = none).
    pub cors: Vec<CorsRule>,
    /// Object-lock default retention (needs `object_lock`).
    pub retention: Option<DefaultRetention>,
    /// Replication rules (empty = none; need versioning set explicitly).
    pub replication: Vec<ReplicationRule>,
}

impl CreateBucket {
    /// A request with the instance's defaults.
    pub fn new(name: impl Into<String>) -> Self {
        CreateBucket {
            name: name.into(),
            encryption: None,
            versioning: None,
            object_lock: false,
            quota: None,
            policy: None,
            tags: Tags::new(),
            owner: None,
            lifecycle: Vec::new(),
            cors: Vec::new(),
            retention: None,
            replication: Vec::new(),
        }
    }

    /// Sets default encryption.
    pub fn encryption(mut self, encryption: Encryption) -> Self {
        self.encryption = Some(encryption);
        self
    }

    /// Sets versioning.
    pub fn versioning(mut self, enabled: bool) -> Self {
        self.versioning = Some(enabled);
        self
    }

    /// Enables object lock.
    pub fn object_lock(mut self, enabled: bool) -> Self {
        self.object_lock = enabled;
        self
    }

    /// Sets a quota.
    pub fn quota(mut self, quota: Quota) -> Self {
        self.quota = Some(quota);
        self
    }

    /// Sets the bucket policy.
    pub fn policy(mut self, policy: PolicyDocument) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Sets the owner.
    pub fn owner(mut self, user: impl Into<String>) -> Self {
        self.owner = Some(user.into());
        self
    }

    /// Sets a canned access level as the bucket policy ([`BucketAccess::Private`] sets none).
    pub fn access(mut self, access: BucketAccess) -> Self {
        self.policy = access.bucket_policy(&self.name);
        self
    }

    /// Adds a lifecycle rule.
    pub fn lifecycle_rule(mut self, rule: LifecycleRule) -> Self {
        self.lifecycle.push(rule);
        self
    }

    /// Adds a CORS rule.
    pub fn cors_rule(mut self, rule: CorsRule) -> Self {
        self.cors.push(rule);
        self
    }

    /// Sets the object-lock default retention (and enables object lock, which it needs).
    pub fn retention(mut self, retention: DefaultRetention) -> Self {
        self.retention = Some(retention);
        self.object_lock = true;
        self
    }

    /// Adds a replication rule.
    pub fn replication_rule(mut self, rule: ReplicationRule) -> Self {
        self.replication.push(rule);
        self
    }
}

/// Request to change a bucket. Fields left `None` are not changed.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct UpdateBucket {
    /// `true` enables versioning, `false` suspends it.
    pub versioning: Option<bool>,
    /// `Some(Some(q))` sets the quota, `Some(None)` removes it.
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::model::serde_forms::double_option"
        )
    )]
    pub quota: Option<Option<Quota>>,
    /// `Some(Some(p))` sets the bucket policy, `Some(None)` removes it.
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::model::serde_forms::double_option"
        )
    )]
    pub policy: Option<Option<PolicyDocument>>,
    /// Replaces all tags (an empty map removes them).
    pub tags: Option<Tags>,
    /// Changes default encryption where the backend allows it (see capabilities).
    pub encryption: Option<Encryption>,
    /// Replaces all lifecycle rules (an empty list removes them).
    pub lifecycle: Option<Vec<LifecycleRule>>,
    /// Replaces all CORS rules (an empty list removes them).
    pub cors: Option<Vec<CorsRule>>,
    /// `Some(Some(r))` sets the default retention, `Some(None)` removes it (objects already
    /// locked stay locked).
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::model::serde_forms::double_option"
        )
    )]
    pub retention: Option<Option<DefaultRetention>>,
    /// Replaces the SDK's replication rules (an empty list removes them; rules other tools
    /// made are kept).
    pub replication: Option<Vec<ReplicationRule>>,
}

impl UpdateBucket {
    /// An update that changes nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Enables or suspends versioning.
    pub fn versioning(mut self, enabled: bool) -> Self {
        self.versioning = Some(enabled);
        self
    }

    /// Sets the quota.
    pub fn quota(mut self, quota: Quota) -> Self {
        self.quota = Some(Some(quota));
        self
    }

    /// Removes the quota.
    pub fn clear_quota(mut self) -> Self {
        self.quota = Some(None);
        self
    }

    /// Sets the bucket policy.
    pub fn policy(mut self, policy: PolicyDocument) -> Self {
        self.policy = Some(Some(policy));
        self
    }

    /// Removes the bucket policy.
    pub fn clear_policy(mut self) -> Self {
        self.policy = Some(None);
        self
    }

    /// Replaces the tags.
    pub fn tags(mut self, tags: Tags) -> Self {
        self.tags = Some(tags);
        self
    }

    /// Changes default encryption.
    pub fn encryption(mut self, encryption: Encryption) -> Self {
        self.encryption = Some(encryption);
        self
    }

    /// Sets a canned access level as the bucket policy (`bucket` is the bucket's name, which
    /// the policy's resources name).
    pub fn access(mut self, bucket: &str, access: BucketAccess) -> Self {
        self.policy = Some(access.bucket_policy(bucket));
        self
    }

    /// Replaces the lifecycle rules.
    pub fn lifecycle(mut self, rules: Vec<LifecycleRule>) -> Self {
        self.lifecycle = Some(rules);
        self
    }

    /// Replaces the CORS rules.
    pub fn cors(mut self, rules: Vec<CorsRule>) -> Self {
        self.cors = Some(rules);
        self
    }

    /// Sets the default retention.
    pub fn retention(mut self, retention: DefaultRetention) -> Self {
        self.retention = Some(Some(retention));
        self
    }

    /// Removes the default retention.
    pub fn clear_retention(mut self) -> Self {
        self.retention = Some(None);
        self
    }

    /// Replaces the SDK's replication rules.
    pub fn replication(mut self, rules: Vec<ReplicationRule>) -> Self {
        self.replication = Some(rules);
        self
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &UpdateBucket::default()
    }
}

/// Request to delete a bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct DeleteBucket {
    /// Delete the bucket's objects (all versions) too, where the backend can.
    pub force: bool,
}

impl DeleteBucket {
    /// A non-forced delete: a non-empty bucket is refused with `BucketNotEmpty`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deletes the objects too.
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }
}

/// Which of a bucket's settings a read must report ([`BucketAdmin::get_bucket_parts`]). A
/// backend that reads settings one request each (S3 has no call returning a bucket's whole
/// configuration) reads only these; it may report more, never fewer.
///
/// [`BucketAdmin::get_bucket_parts`]: crate::provider::BucketAdmin::get_bucket_parts
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BucketParts {
    /// [`Bucket::versioning`].
    pub versioning: bool,
    /// [`Bucket::encryption`].
    pub encryption: bool,
    /// [`Bucket::object_lock`].
    pub object_lock: bool,
    /// [`Bucket::quota`].
    pub quota: bool,
    /// [`Bucket::policy`].
    pub policy: bool,
    /// [`Bucket::tags`].
    pub tags: bool,
}

impl BucketParts {
    /// No setting: the bucket's existence (and whatever the backend reports for free).
    pub fn none() -> Self {
        Self::default()
    }

    /// Every setting named here.
    pub fn all() -> Self {
        BucketParts {
            versioning: true,
            encryption: true,
            object_lock: true,
            quota: true,
            policy: true,
            tags: true,
        }
    }

    /// With versioning.
    pub fn versioning(mut self) -> Self {
        self.versioning = true;
        self
    }

    /// With default encryption.
    pub fn encryption(mut self) -> Self {
        self.encryption = true;
        self
    }

    /// With object lock.
    pub fn object_lock(mut self) -> Self {
        self.object_lock = true;
        self
    }

    /// With the quota.
    pub fn quota(mut self) -> Self {
        self.quota = true;
        self
    }

    /// With the bucket policy.
    pub fn policy(mut self) -> Self {
        self.policy = true;
        self
    }

    /// With the tags.
    pub fn tags(mut self) -> Self {
        self.tags = true;
        self
    }

    /// Whether `b` reports every part asked for (`quota_known`: whether this backend can
    /// report a quota at all; when it cannot, an unknown quota counts as reported).
    pub fn reported_by(&self, b: &Bucket, quota_known: bool) -> bool {
        (!self.versioning || b.versioning.is_some())
            && (!self.encryption || b.encryption.is_some())
            && (!self.object_lock || b.object_lock.is_some())
            && (!self.quota || b.quota.is_some() || !quota_known)
            && (!self.policy || b.policy.is_some())
            && (!self.tags || b.tags.is_some())
    }
}

/// A bucket.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Bucket {
    /// Name.
    pub name: String,
    /// The instance it belongs to.
    pub instance: String,
    /// Creation time, when known.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "time::serde::rfc3339::option")
    )]
    pub created: Option<OffsetDateTime>,
    /// Owner user, when the backend has one.
    pub owner: Option<String>,
    /// Versioning state, when known.
    pub versioning: Option<Versioning>,
    /// Default encryption, when known.
    pub encryption: Option<Encryption>,
    /// Whether object lock is enabled, when known.
    pub object_lock: Option<bool>,
    /// Quota (`Some(None)` = known to have none).
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::model::serde_forms::double_option"
        )
    )]
    pub quota: Option<Option<Quota>>,
    /// Bucket policy (`Some(None)` = known to have none).
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::model::serde_forms::double_option"
        )
    )]
    pub policy: Option<Option<PolicyDocument>>,
    /// Tags, when known.
    pub tags: Option<Tags>,
    /// Lifecycle rules, when known (empty = none).
    pub lifecycle: Option<Vec<LifecycleRule>>,
    /// CORS rules, when known (empty = none).
    pub cors: Option<Vec<CorsRule>>,
    /// Default retention (`Some(None)` = known to have none).
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::model::serde_forms::double_option"
        )
    )]
    pub retention: Option<Option<DefaultRetention>>,
    /// The SDK's replication rules, when known (secrets are never read back).
    pub replication: Option<Vec<ReplicationRule>>,
    /// Durability mode, on backends that have one per bucket (RustFS).
    pub durability: Option<Durability>,
}

impl Bucket {
    /// A bucket with nothing known but its name and instance.
    pub fn new(instance: impl Into<String>, name: impl Into<String>) -> Self {
        Bucket {
            name: name.into(),
            instance: instance.into(),
            created: None,
            owner: None,
            versioning: None,
            encryption: None,
            object_lock: None,
            quota: None,
            policy: None,
            tags: None,
            lifecycle: None,
            cors: None,
            retention: None,
            replication: None,
            durability: None,
        }
    }

    /// The canned access level its policy amounts to, when the policy is known and is one of
    /// them; `None` for an unknown or custom policy.
    pub fn access(&self) -> Option<BucketAccess> {
        let policy = self.policy.as_ref()?;
        BucketAccess::of(&self.name, policy.as_ref())
    }
}

/// How durably a bucket's writes are stored, on servers that let a bucket relax it (RustFS).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Durability {
    /// The server's own (safe) mode: the bucket has no override.
    ServerDefault,
    /// The bucket overrides the server's mode with this one (as the server names it). A relaxed
    /// mode can lose an overwritten key with all its versions on a single power loss.
    Override(String),
}

/// How much a bucket holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct BucketUsage {
    /// Bytes stored (all versions, where the backend counts them).
    pub bytes: u64,
    /// Number of objects, when known.
    pub objects: Option<u64>,
    /// When the figures were measured (backends sample usage; they lag behind writes).
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "time::serde::rfc3339::option")
    )]
    pub as_of: Option<OffsetDateTime>,
}

impl BucketUsage {
    /// Usage figures.
    pub fn new(bytes: u64, objects: Option<u64>, as_of: Option<OffsetDateTime>) -> Self {
        BucketUsage {
            bytes,
            objects,
            as_of,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_reported_only_when_every_asked_setting_is_known() {
        let mut b = Bucket::new("i", "b");
        let asked = BucketParts::none().versioning().tags();
        assert!(BucketParts::none().reported_by(&b, true));
        assert!(!asked.reported_by(&b, true));
        b.versioning = Some(Versioning::Enabled);
        assert!(!asked.reported_by(&b, true), "tags still unknown");
        b.tags = Some(Tags::new());
        assert!(asked.reported_by(&b, true));
        // An unknown quota counts as reported only where no quota can be known.
        let quota = BucketParts::none().quota();
        assert!(!quota.reported_by(&b, true));
        assert!(quota.reported_by(&b, false));
        assert!(!BucketParts::all().reported_by(&b, false));
    }
}
