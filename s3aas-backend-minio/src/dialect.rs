//! The dialect: where this server's admin API differs from the madmin family's (paths, which
//! payloads are encrypted, headers, health probes, capabilities), as data plus a few hooks.

use crate::CAPABILITIES;
use s3aas_core::{Capabilities, Error};
use s3aas_http::Response;
use s3aas_madmin::{Dialect, GroupDelete};
use std::sync::atomic::{AtomicU8, Ordering};

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
        crate::error::error(op, resp)
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

    /// MinIO accepts `AbortIncompleteMultipartUpload` in lifecycle rules and ignores it.
    fn lifecycle_abort_multipart(&self) -> bool {
        false
    }

    fn group_delete(&self) -> GroupDelete {
        GroupDelete::EmptyRemove
    }

    fn server_info(&self, v: serde_json::Value) -> serde_json::Value {
        crate::wire::server_info(v)
    }

    fn bucket_usage(
        &self,
        v: &serde_json::Value,
        bucket: &str,
    ) -> (Option<(u64, u64)>, Option<i64>) {
        crate::wire::bucket_usage(v, bucket)
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
