use crate::policy::PolicyDocument;
use secrecy::SecretString;
use std::time::Duration;
use time::OffsetDateTime;

/// Request to create an access key for a user.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CreateAccessKey {
    /// A short name: up to 32 characters, a letter then letters, digits, `_` or `-`.
    pub name: Option<String>,
    /// A description, up to 256 bytes.
    pub description: Option<String>,
    /// When the key stops working: between 15 minutes and 365 days from now.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "time::serde::rfc3339::option")
    )]
    pub expiration: Option<OffsetDateTime>,
    /// A session policy that further restricts what the key may do (at most 4 KiB of JSON).
    pub session_policy: Option<PolicyDocument>,
}

impl CreateAccessKey {
    /// A key with no name, description, expiry or session policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names the key.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Describes the key.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets an expiry.
    pub fn expiration(mut self, at: OffsetDateTime) -> Self {
        self.expiration = Some(at);
        self
    }

    /// Restricts the key with a session policy.
    pub fn session_policy(mut self, policy: PolicyDocument) -> Self {
        self.session_policy = Some(policy);
        self
    }
}

/// An access key (without its secret).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct AccessKey {
    /// The handle to manage this key with: the access key id on most backends; where a backend
    /// where both keys of an object user share the user id as access key id, it names the key.
    pub id: String,
    /// What an S3 client sends as access key id.
    pub access_key_id: String,
    /// The owning user.
    pub user: String,
    /// The instance.
    pub instance: String,
    /// Name, when set and reported.
    pub name: Option<String>,
    /// Description, when set and reported.
    pub description: Option<String>,
    /// Expiry, when set.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "time::serde::rfc3339::option")
    )]
    pub expiration: Option<OffsetDateTime>,
    /// Whether the key may sign requests.
    pub enabled: bool,
    /// Creation time, when known.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "time::serde::rfc3339::option")
    )]
    pub created: Option<OffsetDateTime>,
    /// The session policy, when set and reported.
    pub session_policy: Option<PolicyDocument>,
}

impl AccessKey {
    /// A key with only its ids known.
    pub fn new(
        instance: impl Into<String>,
        user: impl Into<String>,
        id: impl Into<String>,
        access_key_id: impl Into<String>,
    ) -> Self {
        AccessKey {
            id: id.into(),
            access_key_id: access_key_id.into(),
            user: user.into(),
            instance: instance.into(),
            name: None,
            description: None,
            expiration: None,
            enabled: true,
            created: None,
            session_policy: None,
        }
    }
}

/// A freshly created key with its secret. The secret is returned only once.
///
/// `Debug` never shows the secret; call `secret_access_key.expose_secret()` (from
/// [`secrecy::ExposeSecret`]) to use it.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct NewAccessKey {
    /// The key.
    pub key: AccessKey,
    /// The secret access key.
    #[cfg_attr(feature = "serde", serde(with = "crate::secret::serde_secret"))]
    pub secret_access_key: SecretString,
}

impl NewAccessKey {
    /// Pairs a key with its secret.
    pub fn new(key: AccessKey, secret_access_key: SecretString) -> Self {
        NewAccessKey {
            key,
            secret_access_key,
        }
    }
}

/// Request to rotate a key: create a new one, then retire the old one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct RotateAccessKey {
    /// Keep the old key working for this long (backends set their own bounds, such as a minimum of
    /// 15 minutes or whole minutes; see each backend's docs); `None` deletes it at once.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "crate::model::serde_forms::secs_option")
    )]
    pub grace: Option<Duration>,
}

impl RotateAccessKey {
    /// Deletes the old key as soon as the new one exists.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the old key for a grace period.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
        self
    }
}

/// What happened to the old key in a rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum OldKey {
    /// It was deleted.
    Deleted,
    /// It keeps working until then.
    #[cfg_attr(feature = "serde", serde(with = "time::serde::rfc3339"))]
    ExpiresAt(OffsetDateTime),
}

/// Result of a rotation.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct RotatedAccessKey {
    /// The new key with its secret.
    pub new: NewAccessKey,
    /// The old key's fate.
    pub old: OldKey,
}

impl RotatedAccessKey {
    /// A rotation result.
    pub fn new(new: NewAccessKey, old: OldKey) -> Self {
        RotatedAccessKey { new, old }
    }
}
