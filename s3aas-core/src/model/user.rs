use super::Tags;
use time::OffsetDateTime;

/// Request to create a user inside an instance.
///
/// A user is an identity; it signs S3 requests with its access keys (see the access-key trait).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CreateUser {
    /// User name: 2–64 characters of letters, digits, `.`, `_`, `@`, `-`, starting with a letter
    /// or digit. Unique inside the instance.
    pub name: String,
    /// Whether the user starts enabled (default `true`).
    pub enabled: bool,
    /// Tags, where the backend stores them.
    pub tags: Tags,
}

impl CreateUser {
    /// An enabled user with no tags.
    pub fn new(name: impl Into<String>) -> Self {
        CreateUser {
            name: name.into(),
            enabled: true,
            tags: Tags::new(),
        }
    }

    /// Starts the user enabled or disabled.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}

/// A user.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct User {
    /// Name inside the instance.
    pub name: String,
    /// The instance.
    pub instance: String,
    /// Whether the user (and so all of its keys) may sign requests.
    pub enabled: bool,
    /// Creation or last-update time, when known.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "time::serde::rfc3339::option")
    )]
    pub created: Option<OffsetDateTime>,
    /// Tags, when the backend stores them.
    pub tags: Option<Tags>,
    /// The policies attached to the user, sorted, when the backend's user record carries them
    /// (RustFS and MinIO do, in listings too); `None`: ask
    /// [`list_attached_policies`](crate::provider::PolicyAdmin::list_attached_policies).
    #[cfg_attr(feature = "serde", serde(default))]
    pub policies: Option<Vec<String>>,
}

impl User {
    /// An enabled user with nothing else known.
    pub fn new(instance: impl Into<String>, name: impl Into<String>) -> Self {
        User {
            name: name.into(),
            instance: instance.into(),
            enabled: true,
            created: None,
            tags: None,
            policies: None,
        }
    }
}
