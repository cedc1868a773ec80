//! # s3aas
//!
//! Provision and manage S3 object storage as a service — instances (tenants), buckets, IAM
//! users, policies and access keys — on RustFS, MinIO, Dell ECS, SeaweedFS and Ceph RGW through
//! one set of traits.
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
    ExposeSecret, ExposeSecrets, Health, HealthProblem, InstanceAdmin, IntoClient, MemoryProvider,
    ObjectStoreProvider, Policy, PolicyAdmin, PolicyDocument, PolicyKind, ProviderConfig,
    PutPolicy, Registry, ResourceKind, Result, SecretString, Support, Tenant, TenantSpec,
    UserAdmin, audit, bulk, capabilities, client, error, memory, model, policy, prelude, provider,
    provision_tenant, secret, state, tenant,
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

/// The SeaweedFS backend (feature `seaweedfs`).
#[cfg(feature = "seaweedfs")]
pub mod seaweedfs {
    pub use s3aas_backend_seaweedfs::*;
}

/// The Ceph RADOS Gateway backend (feature `ceph`).
#[cfg(feature = "ceph")]
pub mod ceph {
    pub use s3aas_backend_ceph::*;
}

/// A registry with every backend compiled into this build.
///
/// A backend this crate knows but that was compiled out (its feature is off) stays registered:
/// connecting to it fails with [`ErrorKind::ConfigInvalid`] naming the feature to enable,
/// rather than calling the backend unknown.
pub fn registry() -> Registry {
    let compiled_out: Vec<&'static str> = BACKENDS
        .iter()
        .filter(|(_, compiled)| !compiled)
        .map(|(backend, _)| *backend)
        .collect();
    registry_without(&compiled_out)
}

/// Every backend this crate can compile in, and whether this build has it. Each backend's
/// feature has the backend's name.
const BACKENDS: [(&str, bool); 5] = [
    ("rustfs", cfg!(feature = "rustfs")),
    ("minio", cfg!(feature = "minio")),
    ("ecs", cfg!(feature = "ecs")),
    ("seaweedfs", cfg!(feature = "seaweedfs")),
    ("ceph", cfg!(feature = "ceph")),
];

/// The registry with the compiled-in backends, where each of `compiled_out` answers that it is
/// not compiled in (replacing a real factory of the same name, which lets tests see the stubs
/// in a build with every feature).
fn registry_without(compiled_out: &[&'static str]) -> Registry {
    #[allow(unused_mut)]
    let mut r = Registry::with_memory();
    #[cfg(feature = "rustfs")]
    s3aas_backend_rustfs::register(&mut r);
    #[cfg(feature = "minio")]
    s3aas_backend_minio::register(&mut r);
    #[cfg(feature = "ecs")]
    s3aas_backend_ecs::register(&mut r);
    #[cfg(feature = "seaweedfs")]
    s3aas_backend_seaweedfs::register(&mut r);
    #[cfg(feature = "ceph")]
    s3aas_backend_ceph::register(&mut r);
    for &backend in compiled_out {
        if let Some(factory) = not_compiled_factory(backend) {
            r.register(backend, factory);
        }
    }
    r
}

/// A factory that fails because `backend` is not compiled in (a factory is a plain function,
/// so each backend has its own).
fn not_compiled_factory(backend: &str) -> Option<s3aas_core::registry::Factory> {
    match backend {
        "rustfs" => Some(|_| Err(not_compiled("rustfs"))),
        "minio" => Some(|_| Err(not_compiled("minio"))),
        "ecs" => Some(|_| Err(not_compiled("ecs"))),
        "seaweedfs" => Some(|_| Err(not_compiled("seaweedfs"))),
        "ceph" => Some(|_| Err(not_compiled("ceph"))),
        _ => None,
    }
}

/// The error for a known backend whose feature is off in this build.
fn not_compiled(backend: &str) -> Error {
    Error::new(
        ErrorKind::ConfigInvalid,
        format!(
            "backend '{backend}' is not compiled into this build: enable the s3aas feature `{backend}`"
        ),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn connect_error(registry: &Registry, backend: &str) -> Error {
        let cfg = ProviderConfig::from_uri(&format!("{backend}://localhost:9000"), [("x", "y")])
            .expect("uri parses");
        match registry.connect(&cfg) {
            Ok(_) => panic!("{backend}: connected with a bogus option"),
            Err(e) => e,
        }
    }

    #[test]
    fn a_compiled_out_backend_names_its_feature() {
        let r = registry_without(&["rustfs", "minio", "ecs", "seaweedfs", "ceph"]);
        assert_eq!(
            r.backends(),
            ["ceph", "ecs", "memory", "minio", "rustfs", "seaweedfs"]
        );
        for backend in ["rustfs", "minio", "ecs", "seaweedfs", "ceph"] {
            let e = connect_error(&r, backend);
            assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
            assert_eq!(
                e.message(),
                format!(
                    "backend '{backend}' is not compiled into this build: enable the s3aas feature `{backend}`"
                )
            );
        }
        // A name the crate does not know is still unknown.
        let e = connect_error(&r, "garage");
        assert!(e.message().starts_with("unknown backend 'garage'"), "{e}");
    }

    #[test]
    fn registry_has_what_this_build_has() {
        let r = registry();
        assert_eq!(
            r.backends(),
            ["ceph", "ecs", "memory", "minio", "rustfs", "seaweedfs"]
        );
        for (backend, compiled) in BACKENDS {
            let e = connect_error(&r, backend);
            assert_eq!(
                e.message().contains("is not compiled into this build"),
                !compiled,
                "{backend}: {e}"
            );
        }
    }

    #[cfg(all(
        feature = "rustfs",
        feature = "minio",
        feature = "ecs",
        feature = "seaweedfs",
        feature = "ceph"
    ))]
    #[test]
    fn the_default_build_has_every_backend() {
        assert!(BACKENDS.iter().all(|(_, compiled)| *compiled));
        let r = registry();
        for backend in ["memory", "rustfs", "minio", "ecs", "seaweedfs", "ceph"] {
            if backend != "memory" {
                let e = connect_error(&r, backend);
                assert!(!e.message().contains("not compiled"), "{backend}: {e}");
            }
        }
    }
}
