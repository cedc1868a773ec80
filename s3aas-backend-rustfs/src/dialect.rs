//! The dialect: where this server's admin API differs from the madmin family's (paths, which
//! payloads are encrypted, headers, health probes, capabilities), as data plus a few hooks.

use crate::CAPABILITIES;
use s3aas_core::{Capabilities, Error};
use s3aas_http::Response;
use s3aas_madmin::{Dialect, GroupDelete};

/// The RustFS dialect of the madmin-family admin API.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rustfs;

impl Dialect for Rustfs {
    const NAME: &'static str = "rustfs";

    fn admin_path(&self) -> Vec<&'static str> {
        vec!["rustfs", "admin", "v3"]
    }

    fn encryption(&self, _cmd: &str) -> (bool, bool) {
        (false, false)
    }

    fn content_type(&self, _cmd: &str) -> &'static str {
        "application/json"
    }

    fn error(&self, op: &'static str, resp: &Response) -> Error {
        crate::error::error(op, resp)
    }

    fn force_delete_header(&self) -> &'static str {
        "x-rustfs-force-delete"
    }

    fn ready_path(&self) -> &'static [&'static str] {
        &["health", "ready"]
    }

    /// `/health/ready` stays `200` with read quorum only; this one answers `503` without write
    /// quorum.
    fn write_quorum_path(&self) -> Option<&'static [&'static str]> {
        Some(&["minio", "health", "cluster"])
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn group_delete(&self) -> GroupDelete {
        GroupDelete::Route
    }

    /// `GET|DELETE /rustfs/admin/v3/bucket-durability/{bucket}` (measured on 1.0.1).
    fn bucket_durability(&self) -> bool {
        true
    }

    fn scanner_status_cmd(&self) -> Option<&'static str> {
        Some("scanner/status")
    }

    fn sse_s3_setup_hint(&self) -> &'static str {
        "To serve SSE-S3, start RustFS with RUSTFS_SSE_S3_MASTER_KEY set to a base64-encoded 32-byte key, or with a KMS that has a default key (RUSTFS_KMS_ENABLE=true, a KMS backend, and RUSTFS_KMS_DEFAULT_KEY_ID naming a key that exists; with KMS running, the master key is not used)."
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
}
