use super::{Encryption, Tags};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use url::Url;

/// Request to create an instance (a tenant).
///
/// An instance is a tenant boundary: buckets, users, policies and access keys are created inside
/// one and listed by it. `encryption` and `versioning` are the defaults of the instance's buckets
/// and are applied to its default bucket.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CreateInstance {
    /// The instance name: 3–32 characters, lower-case letters, digits and `-`, starting with a
    /// letter. Unique per provider and immutable.
    pub name: String,
    /// A bucket created with the instance, with the instance's encryption and versioning.
    pub default_bucket: Option<String>,
    /// Default encryption of the instance's buckets.
    pub encryption: Encryption,
    /// Whether the instance's buckets are versioned by default.
    pub versioning: bool,
    /// Whether MFA delete is required on versioned buckets (few backends support it).
    pub mfa_delete: bool,
    /// Free-form labels stored with the instance where the backend can (e.g. for billing).
    pub labels: Tags,
    /// Backend-specific settings, documented per backend.
    pub options: BTreeMap<String, String>,
}

impl CreateInstance {
    /// A request with no default bucket, no encryption and no versioning.
    pub fn new(name: impl Into<String>) -> Self {
        CreateInstance {
            name: name.into(),
            default_bucket: None,
            encryption: Encryption::None,
            versioning: false,
            mfa_delete: false,
            labels: Tags::new(),
            options: BTreeMap::new(),
        }
    }

    /// Creates this bucket with the instance.
    pub fn default_bucket(mut self, bucket: impl Into<String>) -> Self {
        self.default_bucket = Some(bucket.into());
        self
    }

    /// Sets the default encryption.
    pub fn encryption(mut self, encryption: Encryption) -> Self {
        self.encryption = encryption;
        self
    }

    /// Sets default versioning.
    pub fn versioning(mut self, enabled: bool) -> Self {
        self.versioning = enabled;
        self
    }

    /// Requires MFA delete.
    pub fn mfa_delete(mut self, enabled: bool) -> Self {
        self.mfa_delete = enabled;
        self
    }

    /// Adds a label.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Sets a backend-specific option.
    pub fn option(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }
}

/// Request to change an instance. Fields left `None` are not changed.
///
/// `name` and `default_bucket` are immutable: setting them is refused with `InvalidInput`.
/// `encryption` and `mfa_delete` are refused with `Unsupported` where the backend's capabilities
/// say they cannot change.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct UpdateInstance {
    /// New default versioning; also applied to the default bucket.
    pub versioning: Option<bool>,
    /// New MFA-delete setting.
    pub mfa_delete: Option<bool>,
    /// New default encryption.
    pub encryption: Option<Encryption>,
    /// Immutable; present so that an attempt to rename is reported, not ignored.
    pub name: Option<String>,
    /// Immutable; present so that an attempt to change it is reported, not ignored.
    pub default_bucket: Option<String>,
}

impl UpdateInstance {
    /// An update that changes nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes default versioning.
    pub fn versioning(mut self, enabled: bool) -> Self {
        self.versioning = Some(enabled);
        self
    }

    /// Changes MFA delete.
    pub fn mfa_delete(mut self, enabled: bool) -> Self {
        self.mfa_delete = Some(enabled);
        self
    }

    /// Changes default encryption.
    pub fn encryption(mut self, encryption: Encryption) -> Self {
        self.encryption = Some(encryption);
        self
    }

    /// Tries to rename (always refused).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Tries to change the default bucket (always refused).
    pub fn default_bucket(mut self, bucket: impl Into<String>) -> Self {
        self.default_bucket = Some(bucket.into());
        self
    }
}

/// Request to delete an instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct DeleteInstance {
    /// Also delete non-empty buckets (with their objects). Without it, deleting an instance that
    /// holds a non-empty bucket fails with `BucketNotEmpty` and nothing is deleted.
    pub force: bool,
}

impl DeleteInstance {
    /// A non-forced delete.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deletes non-empty buckets too.
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }
}

/// Lifecycle state of an instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InstanceStatus {
    /// Accepted, not started.
    Pending,
    /// Being provisioned.
    Creating,
    /// Ready for use.
    Active,
    /// Failed or unhealthy.
    Error {
        /// Why.
        reason: String,
    },
}

/// State of a node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NodeState {
    /// Serving.
    Online,
    /// Not serving.
    Offline,
    /// The backend reported something else (kept verbatim).
    Other(String),
}

/// A server node behind an instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Node {
    /// The node id as the backend names it.
    pub id: String,
    /// Host name or address.
    pub host: String,
    /// Port, when known.
    pub port: Option<u16>,
    /// State.
    pub state: NodeState,
}

impl Node {
    /// A node.
    pub fn new(
        id: impl Into<String>,
        host: impl Into<String>,
        port: Option<u16>,
        state: NodeState,
    ) -> Self {
        Node {
            id: id.into(),
            host: host.into(),
            port,
            state,
        }
    }
}

/// Where an instance is reached.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Endpoints {
    /// The S3 URL shown to tenants.
    pub s3_public: Option<Url>,
    /// The S3 URL the SDK itself uses (inside the platform's network).
    pub s3_private: Option<Url>,
    /// The management API URL.
    pub management: Option<Url>,
}

impl Endpoints {
    /// Endpoints from the three URLs.
    pub fn new(s3_public: Option<Url>, s3_private: Option<Url>, management: Option<Url>) -> Self {
        Endpoints {
            s3_public,
            s3_private,
            management,
        }
    }
}

/// An instance (tenant).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Instance {
    /// The backend's stable identifier (every current backend uses the name).
    pub id: String,
    /// The name.
    pub name: String,
    /// Version of the storage software, when known.
    pub backend_version: Option<String>,
    /// The default bucket, if one was requested.
    pub default_bucket: Option<String>,
    /// Default encryption of the instance's buckets.
    pub encryption: Encryption,
    /// Default versioning of the instance's buckets.
    pub versioning: bool,
    /// MFA delete.
    pub mfa_delete: bool,
    /// Lifecycle state.
    pub status: InstanceStatus,
    /// Server nodes.
    pub nodes: Vec<Node>,
    /// Endpoints.
    pub endpoints: Endpoints,
    /// Labels given at creation.
    pub labels: Tags,
    /// When the instance was created, when known.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "time::serde::rfc3339::option")
    )]
    pub created: Option<OffsetDateTime>,
}

impl Instance {
    /// An active instance with defaults; backends fill in the rest.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        Instance {
            id: name.clone(),
            name,
            backend_version: None,
            default_bucket: None,
            encryption: Encryption::None,
            versioning: false,
            mfa_delete: false,
            status: InstanceStatus::Active,
            nodes: Vec::new(),
            endpoints: Endpoints::default(),
            labels: Tags::new(),
            created: None,
        }
    }
}
