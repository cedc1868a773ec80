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

use s3aas_core::{
    Capabilities, Error, ErrorKind, ObjectStoreProvider, ProviderConfig, Registry, Result,
};
use s3aas_http::Response;
use s3aas_madmin::{Dialect, GroupDelete, MadminProvider};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

pub use s3aas_madmin::{KEYS, MadminBuilder as MinioBuilder};

/// The backend name and URI scheme.
pub const SCHEME: &str = "minio";

/// A MinIO provider.
pub type MinioProvider = MadminProvider<Minio>;

/// What this backend supports on MinIO (community, RELEASE.2023-06 and later): the madmin-family set, see
/// [`s3aas_madmin::CAPABILITIES`].
pub const CAPABILITIES: Capabilities = s3aas_madmin::CAPABILITIES;

/// The MinIO dialect of the madmin admin API.
#[derive(Debug)]
pub struct Minio {
    version: AtomicU8,
}

impl Default for Minio {
    fn default() -> Self {
        Minio {
            version: AtomicU8::new(3),
        }
    }
}

impl Minio {
    /// The admin API version in use (3 or 4).
    pub fn api_version(&self) -> u8 {
        self.version.load(Ordering::Relaxed)
    }
}

const ENCRYPTED_REQUESTS: &[&str] = &[
    "add-user",
    "add-service-account",
    "update-service-account",
    "idp/builtin/policy/attach",
    "idp/builtin/policy/detach",
    "set-config-kv",
    "set-remote-target",
];
const ENCRYPTED_RESPONSES: &[&str] = &[
    "list-users",
    "add-service-account",
    "info-service-account",
    "list-service-accounts",
    "temporary-account-info",
    "list-access-keys-bulk",
    "info-access-key",
    "idp/builtin/policy/attach",
    "idp/builtin/policy/detach",
    "idp/builtin/policy-entities",
    "get-config-kv",
];

/// The [`ErrorKind`] of a MinIO admin error code at a status, when the code decides it.
pub fn kind_for_code(code: &str, status: u16) -> Option<ErrorKind> {
    Some(match code {
        "XMinioAdminNoSuchUser"
        | "XMinioAdminNoSuchPolicy"
        | "XMinioAdminNoSuchGroup"
        | "XMinioAdminNoSuchAccessKey"
        | "XMinioAdminNoSuchQuotaConfiguration"
        | "NoSuchBucket" => ErrorKind::NotFound,
        "XMinioInvalidIAMCredentials" if status == 404 => ErrorKind::NotFound,
        "XMinioInvalidIAMCredentials" => ErrorKind::PermissionDenied,
        "XMinioAdminGroupNotEmpty"
        | "XMinioIAMPolicyInUse"
        | "XMinioAdminPolicyChangeAlreadyApplied" => ErrorKind::Conflict,
        "XMinioMalformedIAMPolicy"
        | "MalformedPolicy"
        | "PolicyInvalidName"
        | "XMinioInvalidResource"
        | "XMinioAdminConfigBadJSON"
        | "XMinioAdminInvalidAccessKey"
        | "XMinioAdminInvalidSecretKey"
        | "XMinioAdminInvalidArgument"
        | "XMinioAdminConfigTooLarge"
        | "XMinioIAMServiceAccountSessionPolicyTooLarge"
        | "EntityTooLarge" => ErrorKind::InvalidInput,
        "XMinioIAMActionNotAllowed" => ErrorKind::PermissionDenied,
        "XMinioAdminVersionMismatch" => ErrorKind::Unsupported,
        "XMinioServerNotInitialized" | "XMinioIAMNotInitialized" | "XMinioAdminConfigNoQuorum" => {
            ErrorKind::Unavailable
        }
        other => return s3aas_http::s3::kind_for_s3_code(other),
    })
}

impl Dialect for Minio {
    const NAME: &'static str = "minio";

    fn admin_path(&self) -> Vec<&'static str> {
        vec![
            "minio",
            "admin",
            if self.api_version() == 4 { "v4" } else { "v3" },
        ]
    }

    fn encryption(&self, cmd: &str) -> (bool, bool) {
        (
            ENCRYPTED_REQUESTS.contains(&cmd),
            ENCRYPTED_RESPONSES.contains(&cmd),
        )
    }

    fn content_type(&self, _cmd: &str) -> &'static str {
        // MinIO requires it on attach/detach and accepts it everywhere.
        "application/octet-stream"
    }

    fn error(&self, op: &'static str, resp: &Response) -> Error {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct J {
            code: Option<String>,
            message: Option<String>,
            request_id: Option<String>,
        }
        let Ok(j) = serde_json::from_slice::<J>(&resp.body) else {
            let e = s3aas_http::s3::s3_error(Self::NAME, op, resp);
            // RustFS's `/minio/admin` alias answers "policy in use" as 500 InternalError (XML).
            if resp.status == 500 && e.message().to_ascii_lowercase().contains("in use") {
                return e.with_kind(ErrorKind::Conflict);
            }
            return e;
        };
        let code = j.code.unwrap_or_default();
        let kind = kind_for_code(&code, resp.status)
            .unwrap_or_else(|| s3aas_core::error::kind_for_status(resp.status));
        let message = j
            .message
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| format!("HTTP {}", resp.status));
        let mut e = Error::new(kind, message)
            .with_backend(Self::NAME)
            .with_operation(op)
            .with_http_status(resp.status)
            .with_code(code);
        if let Some(r) = j.request_id.as_deref().or(resp.request_id()) {
            e = e.with_request_id(r);
        }
        if resp.retries_exhausted {
            e.set_retries_exhausted();
        }
        e
    }

    fn force_delete_header(&self) -> &'static str {
        "x-minio-force-delete"
    }

    fn ready_path(&self) -> &'static [&'static str] {
        &["minio", "health", "ready"]
    }

    /// MinIO's readiness probe says nothing about quorum; this one answers `503` without write
    /// quorum.
    fn write_quorum_path(&self) -> Option<&'static [&'static str]> {
        Some(&["minio", "health", "cluster"])
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn sse_s3_setup_hint(&self) -> &'static str {
        "MinIO serves SSE-S3 only through a KMS: configure one (MINIO_KMS_KES_ENDPOINT with a KES server, or MINIO_KMS_SECRET_KEY for a single static key) and restart the server."
    }

    fn group_delete(&self) -> GroupDelete {
        GroupDelete::EmptyRemove
    }

    fn server_info(&self, mut v: serde_json::Value) -> serde_json::Value {
        // RustFS's alias wraps the message in {"info": ...}; MinIO does not.
        if v.get("servers").is_none() {
            if let Some(i) = v.get_mut("info") {
                return i.take();
            }
        }
        v
    }

    fn bucket_usage(
        &self,
        v: &serde_json::Value,
        bucket: &str,
    ) -> (Option<(u64, u64)>, Option<i64>) {
        let num = |b: &serde_json::Value, keys: &[&str]| {
            keys.iter()
                .find_map(|k| b.get(*k).and_then(serde_json::Value::as_u64))
                .unwrap_or(0)
        };
        let sampled = v
            .get("lastUpdate")
            .and_then(|t| t.as_str())
            .and_then(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(|t| t.unix_timestamp())
            .or_else(|| {
                v.pointer("/last_update/secs_since_epoch")
                    .and_then(serde_json::Value::as_i64)
            });
        let b = v
            .get("bucketsUsageInfo")
            .or_else(|| v.get("buckets_usage"))
            .and_then(|m| m.get(bucket));
        (
            b.map(|b| {
                (
                    num(b, &["size"]),
                    num(b, &["objectsCount", "objects_count"]),
                )
            }),
            sampled,
        )
    }

    fn on_version_mismatch(&self, resp: &Response) -> bool {
        let text = resp.body_snippet(2000);
        if !text.contains("XMinioAdminVersionMismatch") && !resp.body.is_empty() {
            return false;
        }
        let want = if text.contains("'v4'") && text.contains("expects") {
            4
        } else if self.api_version() == 4 {
            3
        } else {
            return false;
        };
        self.version.swap(want, Ordering::Relaxed) != want
    }
}

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
