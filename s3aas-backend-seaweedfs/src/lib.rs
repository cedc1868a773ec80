//! # s3aas-backend-seaweedfs
//!
//! The SeaweedFS backend of s3aas. It speaks the AWS IAM query API that SeaweedFS's S3 gateway
//! answers on its S3 port (users, access keys, managed policies, user tags) and signed S3 for
//! buckets and their settings, both signed (SigV4) as one identity holding the `Admin` action.
//! The gateway must run with IAM writable (`-s3.iam.readOnly=false`).
//!
//! ```no_run
//! # async fn f() -> s3aas_core::Result<()> {
//! use s3aas_backend_seaweedfs::SeaweedfsProvider;
//! use s3aas_core::prelude::*;
//! let p = SeaweedfsProvider::builder("http://127.0.0.1:8333", "admin", SecretString::from("secret".to_string())).build()?;
//! p.create_instance(CreateInstance::new("acme").default_bucket("acme-data").versioning(true)).await?;
//! # Ok(()) }
//! ```
//!
//! ## How instances map onto SeaweedFS
//! SeaweedFS has no tenants: one IAM namespace, one bucket namespace. So, rediscoverable from
//! the server alone:
//! - an **instance** `acme` is the IAM user `s3aas--acme` (no keys, no policies), whose tags hold
//!   the instance's settings (`s3aas:default-bucket`, `s3aas:versioning`, `s3aas:encryption`,
//!   `s3aas:created`) and its labels; the instance name `s3aas` is refused;
//! - a **user** `alice` of `acme` is the IAM user `acme--alice` (instance names cannot contain
//!   `--`, so the split is unambiguous);
//! - a **policy** `rw` of `acme` is the managed policy `acme--rw`, attached with
//!   `AttachUserPolicy`;
//! - a **bucket** belongs to the instance named by its tag `s3aas:instance` (hidden from
//!   [`Bucket::tags`](s3aas_core::model::Bucket::tags) and kept when tags are replaced). Buckets
//!   without it, or with another instance's, are never listed, changed or deleted. A tenant
//!   whose policy grants `s3:PutBucketTagging` can remove the tag and so take the bucket out of
//!   its instance; grant tagging only if that is acceptable.
//!
//! ## What SeaweedFS allows (the [`CAPABILITIES`])
//! - Access keys: chosen by the server; no name, description, expiry or session policy; enabled
//!   and disabled with `UpdateAccessKey` (an inactive key is refused with `InvalidAccessKeyId`).
//!   SeaweedFS 4.48 enforces no per-user key limit (AWS allows 2; 8 were accepted in the
//!   real-server test), so `access_keys_per_user` is `None`. Rotation deletes the old key (no
//!   grace: there is no key expiry).
//! - Users: disabled with SeaweedFS's own `SetUserStatus` action, which it enforces but does
//!   not report back (`GetUser` has no status), so the backend mirrors the status in the user
//!   tag `s3aas:disabled`, written after the status call; user tags are supported. A status
//!   changed outside the SDK (e.g. `SetUserStatus` by another tool) is therefore not seen: the
//!   user reads as its tag says, and desired-state drift cannot report it.
//! - Buckets: versioning, default encryption (`AES256`), object lock (at creation), bucket
//!   policies and tags through S3. Quotas exist only in `weed shell` (`s3.bucket.quota`), not
//!   over HTTP: `bucket_quota` is unsupported. No usage API: `bucket_usage` is unsupported.
//!   SeaweedFS deletes non-empty buckets by default (`-s3.allowDeleteBucketNotEmpty`), so a
//!   delete without `force` checks emptiness first and is refused with `BucketNotEmpty`; an
//!   object written between that check and the delete is deleted with the bucket.
//! - Bucket owners: buckets are created by the admin identity; `bucket_owner` is unsupported.
//! - Lifecycle rules, CORS rules and the object-lock default retention through S3 (see
//!   "Bucket features" below). No replication (`bucket_replication`), no per-bucket
//!   durability (`bucket_durability`), no usage of an instance (`instance_usage`): there is no
//!   usage API over HTTP at all.
//!
//! ## Bucket features (seen on SeaweedFS 4.48, proved in `tests/seaweedfs_server.rs`)
//! They are S3 configurations of the bucket, written and read with the shared S3 code
//! (`S3Client::apply_created_features`, `apply_updated_features`, `read_features`). A create
//! whose feature is refused deletes the bucket again.
//! - **Lifecycle** (`?lifecycle`): expiry after days, noncurrent-version expiry, abort of
//!   incomplete multipart uploads, prefix, tag and prefix-and-tags filters are stored and read
//!   back as given (in order). SeaweedFS keeps the XML verbatim in the bucket's filer entry
//!   and checks nothing: it accepts `0` days, duplicate ids and rules without any action (the
//!   SDK refuses these before any request). No configuration is
//!   `404 NoSuchLifecycleConfiguration` (read as none); deleting a missing one succeeds.
//!   Rules are applied by SeaweedFS's lifecycle worker (or `weed shell
//!   s3.lifecycle.run-shard`), with a day's granularity, and new objects get no TTL unless the
//!   per-bucket fast path (`s3.bucket.lifecycle.fastpath`, off by default, never for versioned
//!   or locked buckets) is on; expiry is therefore not proved by the tests, only that the
//!   rules are kept, replaced and removed.
//! - **CORS** (`?cors`): stored and read back. SeaweedFS answers `MaxAgeSeconds` `0` for a
//!   rule set without one, so `0` and "none" cannot be told apart: both read as none.
//!   Enforced by origin: an anonymous preflight from an allowed origin is `200` with
//!   `Access-Control-Allow-Origin` and the rule's methods, from another origin `403`; a method
//!   the rule does not allow still gets `200` with the origin but without
//!   `Access-Control-Allow-Methods` (a browser then refuses it). **Without a CORS
//!   configuration SeaweedFS answers every preflight permissively** (any origin, all methods),
//!   so removing the rules opens cross-origin access rather than closing it. That fallback
//!   is the gateway's `-s3.allowedOrigins` (`weed s3 -allowedOrigins`), default `*`: set it to
//!   the origins every bucket may serve (seen: with `-s3.allowedOrigins=https://ok.example`,
//!   a preflight on a bucket without rules is `200` for that origin and `403` for another).
//! - **Default retention** (`?object-lock`): kept (days or years, governance or compliance)
//!   and enforced: an object written afterwards carries the mode and retain-until date
//!   (`HEAD`), deleting its version is `403 AccessDenied` (`PermissionDenied`) unless a
//!   governance lock is bypassed (`x-amz-bypass-governance-retention`); objects written before
//!   the retention or after it is cleared are not locked, and clearing it does not unlock what
//!   it locked. SeaweedFS accepts `PUT ?object-lock` on a bucket created *without* object lock
//!   and turns lock on for it (AWS refuses): s3aas reads the lock first, answers a retention
//!   for such a bucket `Conflict` before any write, and sends nothing to clear a retention such
//!   a bucket never had. `GET ?object-lock` of a bucket without lock is
//!   `404 ObjectLockConfigurationNotFoundError` (read as no lock). A forced bucket delete of a
//!   bucket holding a locked version is refused (`PermissionDenied`: the SDK empties buckets
//!   through S3, which enforces the lock); versions not locked are deleted on the way.
//! - **Canned access levels**: SeaweedFS enforces bucket policies for unsigned requests:
//!   `BucketAccess::PublicReadList` lets an anonymous client list the bucket (ListObjectsV2)
//!   and read objects; with `PublicRead` the listing is `403` and reads work; `Private`
//!   refuses both.
//! - **Replication**: SeaweedFS replicates clusters with `weed filer.sync` (filer to filer),
//!   not per bucket to a remote S3 endpoint, and 4.48 has no S3 replication API. Worse, its
//!   `?replication` routes fall through to other bucket calls: `PUT /<bucket>?replication` is
//!   taken for a bucket create (`409 BucketAlreadyOwnedByYou`), `GET` answers
//!   `404 ReplicationConfigurationNotFoundError`, and **`DELETE /<bucket>?replication` deletes
//!   the bucket with its objects**. So `bucket_replication` is unsupported and refused before
//!   any request; no other S3 tool should be pointed at those routes either.
//! - **Usage**: the S3 and IAM port answer no usage figures. Sizes exist elsewhere: the
//!   master's `/vol/status` lists every volume with its collection (one per bucket), size and
//!   file count, counting deleted bytes until the volume is vacuumed, and `weed shell
//!   s3.bucket.list` prints bucket sizes from them. Neither is reachable through the S3
//!   endpoint this backend is given, so `bucket_usage` and `instance_usage` are unsupported
//!   (refused before any request).
//!
//! ## Found against a real SeaweedFS 4.48 (`tests/seaweedfs_server.rs`)
//! - `CreateUser`/`CreatePolicy` for an existing name: `409 EntityAlreadyExists`; a missing user
//!   or policy: `404 NoSuchEntity`; deleting an attached policy: `409 DeleteConflict`.
//! - `DeleteUser` removes the user's keys and attachments with it; `DeleteAccessKey` of a
//!   missing key succeeds.
//! - Policy documents come back as raw JSON (AWS URL-encodes them; both are read).
//!   `CreatePolicyVersion` overwrites the single version `v1`, but refuses
//!   `s3:ListBucketMultipartUploads` and `s3:ListMultipartUploadParts` (`MalformedPolicyDocument`
//!   "not a valid action"; `PutUserPolicy` too) where `CreatePolicy` accepts them. A document
//!   with them replaces a policy by detaching it from the instance's users that hold it,
//!   deleting, creating and re-attaching it: those users lack the policy for a moment, and a
//!   failure midway is `Partial`, naming the users left without it.
//! - `ListUsers` ignores `PathPrefix` and `MaxItems` and lists every identity, the admin
//!   included; answers carry no `CreateDate`, so `created` is the `s3aas:created` tag for
//!   instances and unknown for users and keys.
//! - Bucket names shorter than 3 characters: `400 InvalidBucketName`; creating an existing
//!   bucket: `409 BucketAlreadyOwnedByYou`.
//! - Every bucket is a collection with volumes of its own. With `weed mini`'s default volume
//!   size and count, writes to about the 57th bucket fail with `500 InternalError` (the log says
//!   "No writable volumes and no free volumes left"), though the bucket was made: size the
//!   servers for the number of tenants (`scripts/seaweedfs-server.sh` uses
//!   `-master.volumeSizeLimitMB=64 -volume.max=0`).
//!
//! ## Options
//! | key | meaning |
//! |---|---|
//! | `endpoint` | the S3 gateway (IAM on the same port), e.g. `http://127.0.0.1:8333` |
//! | `access_key` | access key of an identity with the `Admin` action |
//! | `secret_key` | its secret key |
//! | `region` | SigV4 region (default `us-east-1`) |
//! | `public_endpoint` | the S3 endpoint shown to tenants (default: `endpoint`) |
//! | `capabilities` | restrictions, e.g. `bucket_tags=no` (off only) |
//!
//! plus the transport options of [`s3aas_http::HttpConfig::KEYS`].

use s3aas_core::{Capabilities, ObjectStoreProvider, ProviderConfig, Registry, Result, Support};
use std::sync::Arc;

mod access_key;
mod bucket;
mod config;
mod features;
mod instance;
mod naming;
mod policy;
mod provider;
mod user;
mod wire;

pub use config::SeaweedfsBuilder;
pub use provider::SeaweedfsProvider;

/// The backend name and URI scheme.
pub const SCHEME: &str = "seaweedfs";

/// The configuration keys this backend reads (besides the transport keys of
/// [`s3aas_http::HttpConfig::KEYS`]), read from the options struct itself.
pub static KEYS: std::sync::LazyLock<&'static [&'static str]> =
    std::sync::LazyLock::new(s3aas_core::typed::option_keys::<config::SeaweedfsOptions>);

/// What this backend supports on SeaweedFS 4.48 (see the crate docs for why). Built up from
/// nothing, so a capability added to the model later stays off here until it is proven.
pub const CAPABILITIES: Capabilities = {
    let mut c = Capabilities::none();
    c.instance_create = true;
    c.instance_versioning = Support::Yes;
    c.instance_encryption = Support::Yes;
    c.instance_labels = true;
    c.bucket_versioning = Support::Yes;
    c.bucket_encryption = Support::Yes;
    c.bucket_object_lock = Support::CreationOnly;
    c.bucket_policy = Support::Yes;
    c.bucket_tags = Support::Yes;
    c.bucket_force_delete = true;
    c.bucket_lifecycle = Support::Yes;
    c.bucket_cors = Support::Yes;
    c.bucket_retention = Support::Yes;
    // No quota or usage over HTTP, no bucket owner, no replication (`PUT ?replication` is
    // taken for a bucket create and `DELETE ?replication` deletes the bucket), no per-bucket
    // durability: see the crate docs.
    c.user_tags = true;
    c.user_disable = true;
    c.policies = true;
    c.policy_attach = true;
    // Keys have no name, description, expiry, session policy or rotation grace; no key limit.
    c.access_key_disable = true;
    c
};

/// Registers the `seaweedfs` scheme.
pub fn register(registry: &mut Registry) {
    registry.register(SCHEME, factory);
}

fn factory(cfg: &ProviderConfig) -> Result<Arc<dyn ObjectStoreProvider>> {
    Ok(Arc::new(SeaweedfsProvider::from_config(cfg)?))
}
