//! # s3aas
//!
//! Provision and manage S3 object storage as a service — instances (tenants), buckets, IAM
//! users, policies and access keys — on RustFS, MinIO and Dell ECS through one set of traits.
//!
//! This is the facade crate: it re-exports [`s3aas_core`] (traits, model, errors, capabilities,
//! validation, the in-memory provider) and the HTTP plumbing, and builds providers from the
//! environment or a URI with every backend compiled in.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> s3aas::Result<()> {
//! use s3aas::model::*;
//!
//! // With no S3AAS_BACKEND set, this is the embedded in-memory provider.
//! let provider = s3aas::from_env()?;
//! let instance = provider.create_instance(CreateInstance::new("acme").default_bucket("acme-data")).await?;
//! provider.create_user(&instance.id, CreateUser::new("alice")).await?;
//! provider.delete_instance(&instance.id, DeleteInstance::new()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Choosing a backend
//! - `memory://` — [`MemoryProvider`], complete and in-process: the default, and a test double.
//! - Backends are registered in [`registry`]; [`from_env`] reads `S3AAS_BACKEND` and the
//!   `S3AAS_<BACKEND>_<KEY>` variables, [`from_uri`] takes `<backend>://host:port?key=value` plus
//!   credentials as options (never in the URI).
//!
//! ## Errors and retries
//! Every call returns [`Error`]; match on [`Error::kind`]. Idempotent calls are retried inside
//! the SDK with bounded, jittered backoff; [`Error::is_retryable`] is false once those retries are
//! exhausted, so an outer loop does not multiply them.

// What users need from the core, named one by one so that the core's internals (the checks
// behind `Client`, the validation helpers backends share, revealing secret options) are not
// part of this crate's API.
pub use s3aas_core::{
    AccessKeyAdmin, BucketAccess, BucketAdmin, Capabilities, Client, Error, ErrorKind,
    ExposeSecret, Health, HealthProblem, InstanceAdmin, IntoClient, MemoryProvider,
    ObjectStoreProvider, Policy, PolicyAdmin, PolicyDocument, PolicyKind, ProviderConfig,
    PutPolicy, Registry, ResourceKind, Result, SecretString, Support, Tenant, TenantSpec,
    UserAdmin, bulk, capabilities, client, error, memory, model, policy, prelude, provider,
    provision_tenant, secret, tenant,
};

/// The shared HTTP plumbing (client, retries, SigV4, signed S3 calls).
pub mod http {
    pub use s3aas_http::*;
}

/// The RustFS backend (feature `rustfs`).
#[cfg(feature = "rustfs")]
pub mod rustfs {
    pub use s3aas_backend_rustfs::*;
}

/// The MinIO backend (feature `minio`).
#[cfg(feature = "minio")]
pub mod minio {
    pub use s3aas_backend_minio::*;
}

/// The Dell ECS backend (feature `ecs`).
#[cfg(feature = "ecs")]
pub mod ecs {
    pub use s3aas_backend_ecs::*;
}

/// A registry with every backend compiled into this build.
pub fn registry() -> Registry {
    #[allow(unused_mut)]
    let mut r = Registry::with_memory();
    #[cfg(feature = "rustfs")]
    s3aas_backend_rustfs::register(&mut r);
    #[cfg(feature = "minio")]
    s3aas_backend_minio::register(&mut r);
    #[cfg(feature = "ecs")]
    s3aas_backend_ecs::register(&mut r);
    r
}

/// Builds the provider named by `S3AAS_BACKEND` (default `memory`), configured from the
/// `S3AAS_<BACKEND>_<KEY>` environment variables.
pub fn from_env() -> Result<std::sync::Arc<dyn ObjectStoreProvider>> {
    registry().connect(&ProviderConfig::from_env())
}

/// Builds a provider from `<backend>://host[:port]?key=value` plus options (credentials go in
/// the options, never in the URI).
pub fn from_uri<K, V>(
    uri: &str,
    options: impl IntoIterator<Item = (K, V)>,
) -> Result<std::sync::Arc<dyn ObjectStoreProvider>>
where
    K: Into<String>,
    V: Into<String>,
{
    registry().connect(&ProviderConfig::from_uri(uri, options)?)
}

/// The README's code, compiled as doctests so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
