//! # s3aas-core
//!
//! The core of [s3aas](https://docs.rs/s3aas): the provider traits every storage backend
//! implements, the domain model, the one [`Error`] type with its [`ErrorKind`],
//! [`Capabilities`], input validation, IAM policy documents, configuration, and
//! [`MemoryProvider`], a complete in-process backend for tests and examples, and [`Client`], the
//! checked front door every provider is used through (validation, capability checks, error
//! context, tracing: once, for every backend; the [`Registry`] hands out clients).
//!
//! Most users depend on the `s3aas` facade, which re-exports this crate and the backends.
//! Backend authors depend on this crate alone.
//!
//! ## Features
//!
//! - `serde` (default): `Serialize`/`Deserialize` for the model's resource, request, listing and
//!   report types (the stable JSON form the `s3aas` command line prints). The types the
//!   desired-state spec and policy documents are read from are serde regardless. Enums serialise
//!   in `snake_case` (`"not_found"`), times as RFC 3339 text, durations as whole seconds
//!   (`"grace": 3600`), and every secret as `"[REDACTED]"` unless the value is wrapped in
//!   [`ExposeSecrets`]; a `"[REDACTED]"` secret is refused when deserialising.
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use s3aas_core::model::{AccessKey, NewAccessKey};
//! use s3aas_core::{ExposeSecrets, SecretString};
//!
//! let key = NewAccessKey::new(
//!     AccessKey::new("acme", "alice", "AKID", "AKID"),
//!     SecretString::from("s3cr3t".to_string()),
//! );
//! let redacted = serde_json::to_string(&key).unwrap();
//! assert!(redacted.contains(r#""secret_access_key":"[REDACTED]""#));
//! let exposed = serde_json::to_string(&ExposeSecrets(&key)).unwrap();
//! assert!(exposed.contains(r#""secret_access_key":"s3cr3t""#));
//! # }
//! ```
//!
//! ```
//! use s3aas_core::{IntoClient, MemoryProvider, ObjectStoreProvider, model::*};
//! use std::sync::Arc;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> s3aas_core::Result<()> {
//! let provider: Arc<dyn ObjectStoreProvider> = Arc::new(MemoryProvider::new().into_client());
//! provider.create_instance(CreateInstance::new("acme").default_bucket("acme-data")).await?;
//! provider.create_user("acme", CreateUser::new("alice")).await?;
//! let key = provider.create_access_key("acme", "alice", CreateAccessKey::new()).await?;
//! println!("{:?}", key); // the secret is printed as [REDACTED]
//! # Ok(())
//! # }
//! ```

pub mod audit;
pub mod bulk;
pub mod capabilities;
pub mod client;
pub mod error;
pub(crate) mod guard;
pub mod memory;
pub mod model;
pub mod policy;
pub mod provider;
pub mod registry;
pub mod secret;
pub mod state;
pub mod tenant;
pub mod typed;
pub mod validate;

pub use capabilities::Capabilities;
pub use client::{Client, IntoClient};
pub use error::{Error, ErrorKind, ResourceKind, Result};
pub use memory::MemoryProvider;
pub use model::Support;
pub use policy::{BucketAccess, Policy, PolicyDocument, PolicyKind, PutPolicy};
pub use provider::{
    AccessKeyAdmin, BucketAdmin, Health, HealthProblem, InstanceAdmin, ObjectStoreProvider,
    PolicyAdmin, UserAdmin,
};
pub use registry::{ProviderConfig, Registry};
pub use secret::{ExposeSecret, ExposeSecrets, SecretString};
pub use tenant::{Tenant, TenantSpec, provision_tenant};

/// The traits and common types, for `use s3aas_core::prelude::*;`.
pub mod prelude {
    pub use crate::model::*;
    pub use crate::provider::{
        AccessKeyAdmin, BucketAdmin, InstanceAdmin, ObjectStoreProvider, PolicyAdmin, UserAdmin,
    };
    pub use crate::{
        BucketAccess, Capabilities, Client, Error, ErrorKind, ExposeSecret, IntoClient,
        PolicyDocument, PutPolicy, ResourceKind, Result, SecretString,
    };
}
