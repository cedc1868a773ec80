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

/// What this backend supports on SeaweedFS 4.48 (see the crate docs for why).
pub const CAPABILITIES: Capabilities = {
    let mut c = Capabilities::all();
    c.instance_mfa_delete = Support::No;
    c.bucket_object_lock = Support::CreationOnly;
    c.bucket_quota = Support::No;
    c.bucket_quota_notification = Support::No;
    c.bucket_owner = false;
    c.bucket_usage = false;
    // No S3 replication API: `PUT ?replication` is taken for a bucket create, and
    // `DELETE ?replication` deletes the bucket (see the crate docs).
    c.bucket_replication = Support::No;
    c.bucket_durability = false;
    c.instance_usage = false;
    c.access_key_name = false;
    c.access_key_description = false;
    c.access_key_expiry = false;
    c.access_key_session_policy = false;
    c.access_key_rotation_grace = false;
    c.access_keys_per_user = None;
    c
};

/// Registers the `seaweedfs` scheme.
pub fn register(registry: &mut Registry) {
    registry.register(SCHEME, factory);
}

fn factory(cfg: &ProviderConfig) -> Result<Arc<dyn ObjectStoreProvider>> {
    Ok(Arc::new(SeaweedfsProvider::from_config(cfg)?))
}
