//! # s3aas-backend-rustfs
//!
//! The RustFS backend of s3aas. It speaks the RustFS admin API at `/rustfs/admin/v3` (plain JSON,
//! SigV4 service `s3`, S3-style XML errors) and signed S3 calls for bucket features.
//!
//! ```no_run
//! # async fn f() -> s3aas_core::Result<()> {
//! use s3aas_backend_rustfs::RustfsProvider;
//! use s3aas_core::prelude::*;
//! let p = RustfsProvider::builder("http://127.0.0.1:9000", "rustfsadmin", SecretString::from("secret".to_string())).build()?;
//! p.create_instance(CreateInstance::new("acme").default_bucket("acme-data").versioning(true)).await?;
//! # Ok(()) }
//! ```
//!
//! ## How instances are mapped (RustFS has no tenancy)
//!
//! An instance is a naming convention plus a small registry kept on the server itself, so that
//! any process, after any restart, rediscovers the same instances with the same fields:
//!
//! | What | Where on RustFS |
//! | --- | --- |
//! | instance `acme` (its settings: default bucket, encryption, versioning, labels, creation time, state) | JSON object `v1/instances/acme` in the system bucket (`s3aas-system` by default, option `system_bucket`) |
//! | membership of the instance's users | group `s3aas-acme` |
//! | user `alice` of `acme` | RustFS user `acme--alice` (instance names never contain `--`, so the split is unambiguous) |
//! | policy `rw` of `acme` | canned policy `acme--rw` |
//! | bucket `acme-data` of `acme` | the bucket itself (bucket names are global), plus marker object `v1/buckets/acme/acme-data` in the system bucket |
//! | access keys of `alice` | RustFS service accounts whose parent is `acme--alice` |
//!
//! A user is created with a random secret that is never revealed: it signs with its access keys
//! (service accounts), which can be named, described, expired, restricted by a session policy,
//! disabled and rotated. The system bucket is created on first use and never deleted by s3aas.
//!
//! Instance status comes from the provisioning state in the registry and from `/health/ready`;
//! nodes and version come from `/rustfs/admin/v3/info`.
//!
//! ## What RustFS does differently (and how this backend copes)
//! - Admin errors are S3 XML with generic codes (`NoSuchResource`, `InvalidRequest`,
//!   `InternalError`); this backend checks existence first where RustFS answers 400/500 for a
//!   missing resource, so callers get `NotFound`/`Conflict` with the server's message kept.
//! - `add-user` is an upsert and the root credential re-creating an existing bucket gets 200, so
//!   creates check for existence first (`AlreadyExists`).
//! - MFA delete is not offered (capability `instance_mfa_delete = no`); quotas are hard only.

mod admin;
mod provider;
mod registry;

pub use provider::{CAPABILITIES, RustfsBuilder, RustfsProvider};

use s3aas_core::{ObjectStoreProvider, ProviderConfig, Registry, Result};
use std::sync::Arc;

/// The backend name and URI scheme.
pub const SCHEME: &str = "rustfs";

/// Option names this backend reads (besides the shared transport options).
pub const KEYS: &[&str] = &[
    "endpoint",
    "access_key",
    "secret_key",
    "region",
    "system_bucket",
    "public_endpoint",
];

/// Registers the `rustfs` backend: options `endpoint`, `access_key`, `secret_key`, `region`
/// (default `us-east-1`), `system_bucket` (default `s3aas-system`), `public_endpoint` (the S3 URL
/// shown to tenants; default: `endpoint`), and the transport options of
/// [`s3aas_http::HttpConfig::from_provider_config`].
pub fn register(registry: &mut Registry) {
    registry.register(SCHEME, factory);
}

fn factory(cfg: &ProviderConfig) -> Result<Arc<dyn ObjectStoreProvider>> {
    Ok(Arc::new(RustfsProvider::from_config(cfg)?))
}
