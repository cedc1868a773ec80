//! How much an instance holds, and where the figure came from.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a usage figure came from, which says how fresh it can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UsageSource {
    /// Counted exactly at the time of the call (the in-memory provider).
    Exact,
    /// The sum of the server's per-bucket figures, read bucket by bucket at the time of the
    /// call; each bucket's figure is as fresh as the server keeps it.
    BucketScan,
    /// The server's usage cache, filled by a background scanner (RustFS, MinIO): it lags
    /// behind writes by the scanner's cycle, minutes or more on a busy server; `as_of` is the
    /// scanner's last update.
    ServerUsageCache,
    /// The server's billing or metering figures (ECS namespace billing), sampled periodically.
    Billing,
}

impl UsageSource {
    /// A short lower-case name (`exact`, `bucket_scan`, `server_usage_cache`, `billing`).
    pub fn as_str(self) -> &'static str {
        match self {
            UsageSource::Exact => "exact",
            UsageSource::BucketScan => "bucket_scan",
            UsageSource::ServerUsageCache => "server_usage_cache",
            UsageSource::Billing => "billing",
        }
    }
}

/// How much an instance holds, over all its buckets.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct InstanceUsage {
    /// The instance.
    pub instance: String,
    /// Bytes stored (all versions, where the backend counts them).
    pub bytes: u64,
    /// Objects, when the backend counts them.
    pub objects: Option<u64>,
    /// Buckets of the instance.
    pub buckets: u64,
    /// When the figure was measured (the oldest of its parts), when known.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "time::serde::rfc3339::option")
    )]
    pub as_of: Option<OffsetDateTime>,
    /// Where the figure came from.
    pub source: UsageSource,
}

impl InstanceUsage {
    /// A usage figure.
    pub fn new(
        instance: impl Into<String>,
        bytes: u64,
        objects: Option<u64>,
        buckets: u64,
        as_of: Option<OffsetDateTime>,
        source: UsageSource,
    ) -> Self {
        InstanceUsage {
            instance: instance.into(),
            bytes,
            objects,
            buckets,
            as_of,
            source,
        }
    }
}
