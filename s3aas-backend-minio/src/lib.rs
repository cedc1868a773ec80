//! # s3aas-backend-minio
//!
//! The MinIO backend of s3aas: the MinIO admin API at `/minio/admin/v3` (or `v4`, negotiated),
//! SigV4 service `s3`, JSON `XMinioAdmin*` errors, and the madmin payload encryption on the
//! bodies MinIO encrypts (add-user, service accounts, policy attach/detach, list-users, ...). The
//! provider logic shared with RustFS lives in [`s3aas_madmin`]; this crate is the [`Minio`]
//! dialect.
//!
//! ```no_run
//! # async fn f() -> s3aas_core::Result<()> {
//! use s3aas_backend_minio::MinioProvider;
//! use s3aas_core::prelude::*;
//! let p = MinioProvider::builder("http://127.0.0.1:9000", "minioadmin", SecretString::from("secret".to_string())).build()?;
//! p.create_instance(CreateInstance::new("acme").default_bucket("acme-data")).await?;
//! # Ok(()) }
//! ```
//!
//! ## MinIO specifics handled here
//! - Admin API version: starts at v3 (community servers); a `426 XMinioAdminVersionMismatch`
//!   that asks for the other version switches this provider to it and resends the call.
//! - Encrypted bodies use [`s3aas_madmin::Algorithm::Pbkdf2AesGcm`] by default (option
//!   `payload_algorithm`); responses of all three ids are decrypted. Key derivation runs on a
//!   blocking thread.
//! - Errors are JSON (`Code`, `Message`, `RequestId`), falling back to S3 XML; one code,
//!   `XMinioInvalidIAMCredentials`, means "not found" with 404 and "forbidden" with 403.
//! - Default bucket encryption (SSE-S3) needs a KMS configured on the server; without one MinIO
//!   answers `501 NotImplemented`, reported as `Unsupported` (and the bucket is removed again).
//! - Quotas are hard only, and enforced from scanner-computed usage: expect overshoot.
//! - The same code talks to RustFS's `/minio/admin` alias, whose answers keep RustFS shapes
//!   (wrapped `info`, snake_case usage, XML errors); this dialect reads both.
//! - Lifecycle: MinIO accepts `AbortIncompleteMultipartUpload` and silently ignores it
//!   (`minio-admin.md`), so a rule with `abort_incomplete_multipart_days` is refused as
//!   `Unsupported` before any request, on create and on update.
//! - Replication: the remote target's `set-remote-target` body is madmin-encrypted (it carries
//!   the destination's secret); targets are updated with `update=true` and the
//!   `creds`/`sync`/`bandwidth` flags; MinIO allows one target per endpoint per bucket
//!   (`XMinioAdminBucketRemoteAlreadyExists` otherwise) and checks the remote bucket exists with
//!   versioning. What was checked: the encrypted call against RustFS's `/minio/admin/v3` alias
//!   (an object replicated to a second RustFS server) and against the MinIO fake, which follows
//!   `minio-admin.md` and MinIO's handlers as read; a real MinIO server was not run here.

use s3aas_core::{Capabilities, ObjectStoreProvider, ProviderConfig, Registry, Result};
use s3aas_madmin::MadminProvider;
use std::sync::Arc;

pub use config::{KEYS, MinioBuilder};
pub use error::kind_for_code;

mod config;
mod dialect;
mod error;
mod wire;

pub use dialect::Minio;

/// The backend name and URI scheme.
pub const SCHEME: &str = "minio";

/// A MinIO provider.
pub type MinioProvider = MadminProvider<Minio>;

/// What this backend supports on MinIO (community, RELEASE.2023-06 and later): the madmin-family set, see
/// [`s3aas_madmin::CAPABILITIES`].
pub const CAPABILITIES: Capabilities = s3aas_madmin::CAPABILITIES;

/// Registers the `minio` backend (options: see [`MadminProvider::from_config`]).
pub fn register(registry: &mut Registry) {
    registry.register(SCHEME, factory);
}

fn factory(cfg: &ProviderConfig) -> Result<Arc<dyn ObjectStoreProvider>> {
    Ok(Arc::new(MinioProvider::from_config(cfg)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use s3aas_core::ErrorKind;
    use s3aas_madmin::Dialect;

    #[test]
    fn code_table() {
        assert_eq!(
            kind_for_code("XMinioInvalidIAMCredentials", 404),
            Some(ErrorKind::NotFound)
        );
        assert_eq!(
            kind_for_code("XMinioInvalidIAMCredentials", 403),
            Some(ErrorKind::PermissionDenied)
        );
        assert_eq!(
            kind_for_code("XMinioIAMPolicyInUse", 400),
            Some(ErrorKind::Conflict)
        );
        assert_eq!(
            kind_for_code("XMinioAdminNoSuchUser", 404),
            Some(ErrorKind::NotFound)
        );
        assert_eq!(
            kind_for_code("BucketNotEmpty", 409),
            Some(ErrorKind::BucketNotEmpty)
        );
        assert_eq!(kind_for_code("SomethingNew", 500), None);
        let d = Minio::default();
        assert_eq!(d.encryption("add-user"), (true, false));
        assert_eq!(d.encryption("list-users"), (false, true));
        assert_eq!(d.encryption("user-info"), (false, false));
    }

    #[test]
    fn usage_reads_both_minio_and_rustfs_shapes() {
        let m = serde_json::json!({"lastUpdate":"2026-11-23T07:00:00Z","bucketsUsageInfo":{"b":{"size":10,"objectsCount":2}}});
        let r = serde_json::json!({"last_update":{"secs_since_epoch":1700000000},"buckets_usage":{"b":{"size":7,"objects_count":1}}});
        let d = Minio::default();
        assert_eq!(d.bucket_usage(&m, "b").0, Some((10, 2)));
        assert!(d.bucket_usage(&m, "b").1.is_some());
        assert_eq!(d.bucket_usage(&r, "b"), (Some((7, 1)), Some(1700000000)));
        assert_eq!(d.bucket_usage(&r, "x").0, None);
    }
}
