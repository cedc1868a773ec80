//! # s3aas-madmin: the madmin family of admin APIs
//!
//! MinIO's admin API (`/minio/admin/v3`, "madmin") and RustFS's (`/rustfs/admin/v3`, a close
//! copy) share their IAM model: users, groups, canned policies, policy attachment, service
//! accounts, bucket quotas, server info. This crate holds what the two backends really share:
//!
//! - [`codec`]: the madmin payload encryption, a crate of its own (`s3aas-madmin-codec`: fuzzed,
//!   benched, checked against madmin-go); sealing and opening come with the `encryption`
//!   feature (re-exported at the root: `encrypt`, `decrypt`, [`Algorithm`]);
//! - [`MadminProvider`]: the whole `ObjectStoreProvider` implementation — the instance mapping
//!   (registry in a system bucket, `{instance}--{name}` IAM names, one group per instance), users,
//!   policies, service accounts as access keys, buckets through signed S3 — generic over a
//!   [`Dialect`] that says where the servers differ (path prefix, which bodies are encrypted, error
//!   format and codes, response shapes, header names, capabilities).
//!
//! `s3aas-backend-rustfs` and `s3aas-backend-minio` are the two dialects.
//!
//! ## How instances are mapped (neither server has tenancy)
//!
//! An instance is a naming convention plus a small registry kept on the server itself, so that
//! any process, after any restart, rediscovers the same instances with the same fields:
//!
//! | What | Where on the server |
//! | --- | --- |
//! | instance `acme` (default bucket, encryption, versioning, labels, creation time, state) | JSON object `v1/instances/acme` in the system bucket (`s3aas-system` by default, option `system_bucket`) |
//! | membership of the instance's users | group `s3aas-acme` |
//! | user `alice` of `acme` | user `acme--alice` (instance names never contain `--`, so the split is unambiguous) |
//! | policy `rw` of `acme` | canned policy `acme--rw` |
//! | bucket `acme-data` of `acme` | the bucket itself (bucket names are global), plus marker object `v1/buckets/acme/acme-data` in the system bucket |
//! | access keys of `alice` | service accounts whose parent is `acme--alice` |
//!
//! A user is created with a random secret that is never revealed: it signs with its access keys
//! (service accounts), which can be named, described, expired, restricted by a session policy,
//! disabled and rotated. The system bucket is created on first use and never deleted by s3aas.
//!
//! Every change of an instance group's membership (and its deletion) runs under a per-group lock
//! in the provider, because RustFS changes group documents without one (see the RustFS crate
//! docs); deleting an instance also clears members whose users are gone. Encryption
//! (`encryption: aes256`) is probed before anything is created: a server that cannot serve SSE-S3
//! refuses it with `Unsupported` (see [`MadminProvider::probe_capabilities`]).
//!
//! A create whose answer is lost (connection reset after the server acted, answer cut short or
//! too late) may have happened: instead of reporting it failed and leaving the thing behind,
//! the provider asks the server whether it exists (it was absent just before, so then it is this
//! call's) and carries on, sends it again, or removes it, reporting `Partial` naming what it
//! could not remove. Access keys get an id and secret chosen by the SDK for this. `health()`
//! reports missing write quorum as not ready and a cluster with nodes or drives missing as
//! ready but degraded. The RustFS crate docs say what was measured.
//!
//! ## Bucket features
//!
//! Lifecycle rules, CORS rules and the object-lock default retention are S3 configurations
//! (the shared `s3aas_http` calls), set by `create_bucket` after the bucket's other settings
//! (a failure removes the bucket again, or is `Partial` naming what stayed), replaced by
//! `update_bucket`, and read by `get_bucket` concurrently with the other reads. A retention on a
//! bucket made without object lock is refused as `Conflict` before any request. Where the
//! dialect says the server ignores `AbortIncompleteMultipartUpload` (MinIO), such a rule is
//! refused as `Unsupported` before any request.
//!
//! Replication rules become one *remote target* per destination (admin API
//! `set-remote-target`, encrypted where the dialect says so) and rules in the bucket's S3
//! replication configuration naming the target's ARN. Only the SDK's rules (ids
//! `s3aas-<id>`) are read and replaced; other tools' rules are written back verbatim, an SDK
//! rule reusing one of their priorities is `Conflict` before any write, and their targets are
//! never removed. A matching target is reused (its credentials always re-sent, since the secret
//! cannot be read back to compare; bandwidth and synchronous mode when they differ); targets
//! only the SDK's removed rules used are removed after the new configuration is written. A
//! failure midway removes the targets the change made, or is `Partial` naming what stayed (a
//! reused target's updated settings, a target that could not be removed); a bucket being
//! created is removed instead, and its targets with it. Suspending
//! versioning while any rule stays is `Conflict` before any write; an update that removes the
//! rules and suspends versioning removes the rules first, and one that enables versioning and
//! adds rules enables versioning first. The destination secret is only ever serialised into
//! the `set-remote-target` body: no `Debug`, log line or error carries it. Read back, a rule's
//! destination comes from `list-remote-targets` (secret `None`, `arn` set).
//!
//! Per-bucket durability (RustFS's `bucket-durability`) is read into `Bucket::durability`
//! where the dialect has it, and a new bucket's override is cleared so that it keeps the
//! server's safe default.

mod access_key;
mod admin;
mod bucket;
mod canned;
mod config;
mod features;
mod group;
mod health;
mod instance;
mod kept;
mod lost;
mod policy;
mod provider;
mod registry;
mod replication;
mod sse;
mod usage;
mod user;
mod wire;

pub use config::{KEYS, MadminBuilder};
pub use provider::MadminProvider;
/// The madmin payload encryption (the `s3aas-madmin-codec` crate; sealing and opening with the
/// `encryption` feature, which the MinIO backend turns on and RustFS's does not).
pub use s3aas_madmin_codec as codec;
pub use s3aas_madmin_codec::{Algorithm, CodecError, FRAGMENT, HEADER_LEN, looks_encrypted};
#[cfg(feature = "encryption")]
pub use s3aas_madmin_codec::{decrypt, derive_key, encrypt, encrypt_with};

use s3aas_core::{Capabilities, Error};
use s3aas_http::Response;

/// What the shared madmin-family logic supports on both RustFS 1.0 and community MinIO: everything
/// but MFA delete (neither server offers it through its admin API), notification quotas (hard
/// quotas only), explicit bucket owners and user tags (the IAM models have neither).
pub const CAPABILITIES: Capabilities = {
    let mut c = Capabilities::all();
    c.instance_mfa_delete = s3aas_core::Support::No;
    c.bucket_quota_notification = s3aas_core::Support::No;
    c.bucket_owner = false;
    c.user_tags = false;
    // Per-bucket durability is RustFS's alone (its dialect switches it on).
    c.bucket_durability = false;
    c
};

/// How an empty group is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupDelete {
    /// `DELETE {admin}/group/{name}` (RustFS).
    Route,
    /// `update-group-members` with `isRemove` and no members (MinIO).
    EmptyRemove,
}

/// Where a madmin-family server differs from the shared logic.
pub trait Dialect: Send + Sync + std::fmt::Debug + 'static {
    /// The backend name (`"rustfs"`, `"minio"`).
    const NAME: &'static str;

    /// Path segments before the admin command, e.g. `["rustfs", "admin", "v3"]`.
    fn admin_path(&self) -> Vec<&'static str>;

    /// Whether the request body and the response body of an admin command are encrypted.
    fn encryption(&self, cmd: &str) -> (bool, bool);

    /// The `Content-Type` of admin request bodies.
    fn content_type(&self, cmd: &str) -> &'static str;

    /// Turns an error response into an [`Error`] (codes mapped to kinds, everything kept).
    fn error(&self, op: &'static str, resp: &Response) -> Error;

    /// Header that makes `DELETE /{bucket}` delete a non-empty bucket.
    fn force_delete_header(&self) -> &'static str;

    /// Path of the unauthenticated readiness probe.
    fn ready_path(&self) -> &'static [&'static str];

    /// Path of the unauthenticated probe that answers `200` only while the cluster has write
    /// quorum (`/minio/health/cluster` on both servers), when the readiness probe does not
    /// say so itself (RustFS's `/health/ready` reflects read quorum). `None`: not probed.
    fn write_quorum_path(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// What the backend supports.
    fn capabilities(&self) -> Capabilities;

    /// The admin command that reports the usage scanner's state (RustFS `scanner/status`),
    /// read by `health()` to tell stale usage figures. `None`: the server has none.
    fn scanner_status_cmd(&self) -> Option<&'static str> {
        None
    }

    /// How an instance's group is deleted.
    fn group_delete(&self) -> GroupDelete;

    /// Whether the server carries out a lifecycle rule's `AbortIncompleteMultipartUpload`
    /// (MinIO accepts and ignores it: rules with it are refused as `Unsupported` there).
    fn lifecycle_abort_multipart(&self) -> bool {
        true
    }

    /// Whether buckets have a durability mode (`{admin}/bucket-durability/{bucket}`, RustFS).
    fn bucket_durability(&self) -> bool {
        false
    }

    /// Unwraps the `info` response into the madmin `InfoMessage` (RustFS wraps it in `info`).
    fn server_info(&self, v: serde_json::Value) -> serde_json::Value;

    /// Reads `(bytes, objects)` of a bucket and the sample time (Unix seconds) from a
    /// `datausageinfo` answer (RustFS uses snake_case, MinIO camelCase).
    fn bucket_usage(
        &self,
        v: &serde_json::Value,
        bucket: &str,
    ) -> (Option<(u64, u64)>, Option<i64>);

    /// How to configure the server so that it serves SSE-S3: appended to the `Unsupported`
    /// error that refuses `encryption: aes256` on a server that cannot serve it.
    fn sse_s3_setup_hint(&self) -> &'static str {
        "Configure the server for SSE-S3 (a KMS with a default key)."
    }

    /// Called when the server answered 426 to an admin call: returns `true` if the dialect
    /// switched API version and the call should be sent again.
    fn on_version_mismatch(&self, resp: &Response) -> bool {
        let _ = resp;
        false
    }
}
