//! The domain model: what the provider traits take and return.
//!
//! Requests are `#[non_exhaustive]` structs built with `new` plus chained setters, so new knobs can
//! be added without breaking callers. Results are plain structs; a field is an `Option` where some
//! backend cannot report it.

mod access_key;
mod bucket;
mod cors;
mod instance;
mod lifecycle;
mod replication;
mod retention;
#[cfg(feature = "serde")]
mod serde_forms;
mod usage;
mod user;

pub use access_key::{
    AccessKey, CreateAccessKey, NewAccessKey, OldKey, RotateAccessKey, RotatedAccessKey,
};
pub use bucket::{
    Bucket, BucketParts, BucketUsage, CreateBucket, DeleteBucket, Durability, Quota, UpdateBucket,
    Versioning,
};
pub use cors::{CORS_METHODS, CorsRule, MAX_CORS_RULES, validate_cors};
pub use instance::{
    CreateInstance, DeleteInstance, Endpoints, Instance, InstanceStatus, Node, NodeState,
    UpdateInstance,
};
pub use lifecycle::{LifecycleRule, MAX_LIFECYCLE_RULES, validate_lifecycle};
pub use replication::{
    REPLICATION_RULE_PREFIX, ReplicationDestination, ReplicationRule, validate_replication,
};
pub use retention::{DefaultRetention, RetentionMode, RetentionPeriod, validate_retention};
pub use usage::{InstanceUsage, UsageSource};
pub use user::{CreateUser, User};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Tags (key → value), kept sorted.
pub type Tags = BTreeMap<String, String>;

/// Default encryption of a bucket (or of an instance's buckets).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Encryption {
    /// No default encryption.
    #[default]
    None,
    /// Server-side encryption with keys managed by the storage (SSE-S3, AES-256, or the backend's data-at-rest encryption).
    Aes256,
}

impl Encryption {
    /// `true` for anything but [`Encryption::None`].
    pub fn is_enabled(self) -> bool {
        self != Encryption::None
    }
}

/// Options of a paged list call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ListOptions {
    /// At most this many items per page (the backend may return fewer). `None` = backend default.
    pub limit: Option<u32>,
    /// The `next` token of the previous page; `None` for the first page.
    pub continuation: Option<String>,
    /// Only items whose name starts with this prefix.
    pub prefix: Option<String>,
}

impl ListOptions {
    /// The first page with the backend's default size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continues after a previous page.
    pub fn continuation(mut self, token: impl Into<String>) -> Self {
        self.continuation = Some(token.into());
        self
    }

    /// Restricts the list to names with this prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Page<T> {
    /// The items, in a stable order (by name unless a method says otherwise).
    pub items: Vec<T>,
    /// Pass this as [`ListOptions::continuation`] to get the next page; `None` on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page.
    pub fn new(items: Vec<T>, next: Option<String>) -> Self {
        Page { items, next }
    }

    /// Pages a fully known, name-sorted list on the client: skips everything up to and including
    /// the continuation token (a name), filters by prefix, and cuts at the limit.
    ///
    /// Backends whose API returns everything at once use this so that paging behaves the same on
    /// every backend.
    pub fn from_sorted(all: Vec<T>, opts: &ListOptions, name: impl Fn(&T) -> &str) -> Page<T> {
        let limit = opts.limit.map(|l| l.max(1) as usize).unwrap_or(usize::MAX);
        let mut items = Vec::new();
        let mut next = None;
        for item in all {
            let n = name(&item);
            if let Some(after) = &opts.continuation {
                if n <= after.as_str() {
                    continue;
                }
            }
            if let Some(p) = &opts.prefix {
                if !n.starts_with(p.as_str()) {
                    continue;
                }
            }
            if items.len() == limit {
                next = items.last().map(|i| name(i).to_string());
                break;
            }
            items.push(item);
        }
        Page { items, next }
    }
}

/// Whether a backend supports a feature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    /// Not supported: calls that need it fail with `Unsupported` before any request.
    #[default]
    No,
    /// Supported only when the resource is created; updates that change it are refused.
    CreationOnly,
    /// Supported at creation and in updates.
    Yes,
}

impl Support {
    /// Whether the feature can be used at creation.
    pub fn at_creation(self) -> bool {
        self != Support::No
    }

    /// Whether the feature can be changed by an update.
    pub fn in_update(self) -> bool {
        self == Support::Yes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(p: &Page<String>) -> Vec<&str> {
        p.items.iter().map(|s| s.as_str()).collect()
    }

    #[test]
    fn client_side_paging_walks_every_item_once() {
        let all: Vec<String> = (0..7).map(|i| format!("u{i}")).collect();
        let mut opts = ListOptions::new().limit(3);
        let mut seen = Vec::new();
        loop {
            let page = Page::from_sorted(all.clone(), &opts, |s| s);
            seen.extend(names(&page).into_iter().map(String::from));
            match page.next {
                Some(n) => opts = opts.continuation(n),
                None => break,
            }
        }
        assert_eq!(seen, all);
        let exact = Page::from_sorted(all[..3].to_vec(), &ListOptions::new().limit(3), |s| s);
        assert_eq!(exact.next, None, "a full last page has no next token");
        let p = Page::from_sorted(all, &ListOptions::new().prefix("u1"), |s| s);
        assert_eq!(names(&p), vec!["u1"]);
    }
}
