//! # s3aas-backend-ecs
//!
//! The Dell ECS backend of s3aas, on the ECS Management REST API (port 4443) plus the few S3
//! calls that only the data API offers (versioning).
//!
//! ```no_run
//! # async fn f() -> s3aas_core::Result<()> {
//! use s3aas_backend_ecs::EcsProvider;
//! use s3aas_core::prelude::*;
//! let ecs = EcsProvider::builder("https://ecs.example.com:4443", "svc-s3aas", SecretString::from("...".to_string()))
//!     .s3_endpoint("https://ecs.example.com:9021")
//!     .replication_group("urn:storageos:ReplicationGroupInfo:0e9d...:global")
//!     .version("3.8")
//!     .build()?;
//! ecs.create_instance(CreateInstance::new("acme").default_bucket("acme-data")).await?;
//! ecs.close().await?; // releases the management token
//! # Ok(()) }
//! ```
//!
//! ## How s3aas maps onto ECS
//! | s3aas | ECS |
//! |---|---|
//! | instance | a namespace (`/object/namespaces/namespace/{ns}`), created with the configured replication group as default and the requested encryption (D@RE) |
//! | instance's default bucket | a bucket of the namespace tagged `s3aas-default-bucket=true` (the tag is hidden from [`Bucket::tags`](s3aas_core::model::Bucket)), so it is rediscovered from ECS alone |
//! | user `alice` of instance `acme` | object user `<user_prefix>acme--alice` in namespace `acme` (object user ids are global on ECS, hence the instance in the id) |
//! | access key | one of the object user's secret keys; the access key id is the object user id, the key's id the SHA-256 of the secret (what ECS 4.x calls `secret_key_id`) |
//! | disable / enable user | lock / unlock (`PUT /object/users/lock`) |
//! | bucket quota | `blockSize` / `notificationSize` in whole GiB |
//! | bucket policy | `/object/bucket/{b}/policy` |
//! | bucket usage | billing, `sizeunit=BYTE` (sampled about every 5 minutes: see [`BucketUsage::as_of`](s3aas_core::model::BucketUsage)) |
//!
//! ## IAM mode (ECS 3.6+)
//! [`EcsBuilder::iam`] (config `iam=true`) manages users, access keys and named policies through
//! the ECS IAM API (`POST /iam?Action=...` with the token and `x-emc-namespace`) instead of
//! object users and secret keys:
//!
//! | s3aas | ECS, IAM mode |
//! |---|---|
//! | user `alice` of instance `acme` | IAM user `<user_prefix>alice` of namespace `acme` |
//! | access key | one of the IAM user's (at most two) access keys; `Active`/`Inactive` is [`AccessKey::enabled`](s3aas_core::model::AccessKey) |
//! | policy `p` | managed policy `urn:ecs:iam::acme:policy/p`; a new document becomes the default version and older versions are deleted |
//! | attach / detach | `AttachUserPolicy` / `DetachUserPolicy` |
//! | disable / enable user | IAM users have no such flag: the active keys are set `Inactive` and recorded in the user tag `s3aas-disabled` (hidden from the user's tags); enabling re-activates exactly those |
//!
//! Capabilities then say: policies and attachment yes, disabling single keys yes, rotation grace
//! no (IAM keys cannot expire), bucket owners no (ECS makes the namespace's root user own what
//! IAM users create), versioning only with a configured S3 credential. ECS documents that IAM
//! changes may take effect with a delay and apply to the S3 protocol only; deleting and
//! re-creating a user or policy gives it a new unique id.
//!
//! ## What ECS cannot do (refused with `Unsupported` before any request)
//! - Attached (named) policies on object users: they have none; only bucket policies exist.
//!   Use IAM mode for them.
//! - Access key name, description, expiry, session policy; disabling a single key (object
//!   users; IAM mode can).
//! - Changing a bucket's encryption after creation (ECS sets D@RE only at creation).
//! - Object lock unless the configured ECS version is 3.6.2 or later; forced deletion of a
//!   non-empty bucket unless it is 3.8 or later (`emptyBucket=true`).
//! - Versioning without an S3 endpoint. Versioning is set through the S3 API, signed with the
//!   configured S3 credential or, without one, with the bucket owner's secret key (read back
//!   from ECS; impossible when ECS hides secret keys).
//! - Instance labels: ECS namespaces carry no labels.
//!
//! ## Sessions
//! One management token per provider, refreshed on expiry with a single login in flight
//! (see [`session`]). Call [`EcsProvider::close`] when done: ECS allows about 100 live tokens
//! per user. Dropping the provider also logs out, in the background, when a Tokio runtime runs.

mod error;
mod naming;
mod provider;
pub mod session;
mod wire;

pub use error::{
    EcsError, IamError, ecs_error, iam_error, kind_for_code, kind_for_iam_code, parse_error,
    parse_iam_error,
};
pub use naming::MANAGED_TAG;
pub use provider::{EcsBuilder, EcsProvider};
pub use wire::secret_key_id;

use s3aas_core::{ObjectStoreProvider, ProviderConfig, Registry, Result};
use std::sync::Arc;

/// The backend name and URI scheme.
pub const SCHEME: &str = "ecs";

/// The configuration keys this backend reads (besides the transport keys of
/// [`s3aas_http::HttpConfig::KEYS`]).
pub const KEYS: &[&str] = &[
    "endpoint",
    "username",
    "password",
    "s3_endpoint",
    "s3_public_endpoint",
    "region",
    "replication_group",
    "user_prefix",
    "user_name_template",
    "namespace",
    "version",
    "empty_bucket_timeout_secs",
    "empty_bucket_poll_ms",
    "iam",
];

/// Feeds one answer body to every management-API decoder this backend has (for the fuzz targets
/// in `fuzz/`; never panics, whatever the input).
#[doc(hidden)]
pub fn fuzz_decoders(body: &[u8]) {
    wire::fuzz_all(body);
}

/// The tag that marks an instance's default bucket.
pub const DEFAULT_BUCKET_TAG: &str = "s3aas-default-bucket";

/// Registers the `ecs` scheme.
pub fn register(registry: &mut Registry) {
    registry.register(SCHEME, factory);
}

fn factory(cfg: &ProviderConfig) -> Result<Arc<dyn ObjectStoreProvider>> {
    Ok(Arc::new(EcsProvider::from_config(cfg)?))
}
