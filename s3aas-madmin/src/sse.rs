//! Whether the server can serve SSE-S3, found by trying, before anything encrypted is made.

use crate::Dialect;
use crate::provider::{MadminProvider, ctx};
use s3aas_core::{Capabilities, Error, ObjectStoreProvider, Result, Support};
use std::time::{Duration, Instant};

/// Where the SSE-S3 probe starts its multipart upload (in the system bucket). The upload is
/// aborted at once: no object or version is ever written.
const SSE_PROBE_KEY: &str = ".s3aas/probe/sse-s3";

/// How long an SSE-S3 probe result is trusted. A master key is fixed for a server's lifetime,
/// but a KMS can be started, stopped or reconfigured at runtime, so the answer is not cached
/// for long.
const SSE_PROBE_TTL: Duration = Duration::from_secs(30);

/// The result of the last SSE-S3 probe.
#[derive(Clone, Debug)]
pub(super) enum SseProbe {
    /// An SSE-S3 upload was accepted and confirmed as encrypted.
    Available,
    /// The server refused it (or did not confirm encryption): what it said, for every refusal
    /// that follows.
    Unavailable {
        status: Option<u16>,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
    },
}

impl<D: Dialect> MadminProvider<D> {
    /// Probes what depends on the server's configuration rather than on its version, and
    /// returns the capabilities narrowed by it. Today that is SSE-S3: RustFS stores an `AES256`
    /// bucket default on any server, but refuses every encrypted write unless it was started
    /// with `RUSTFS_SSE_S3_MASTER_KEY` or a KMS with a default key (MinIO needs a KMS). The
    /// probe starts one SSE-S3 multipart upload in the system bucket and aborts it (two
    /// requests, nothing stays). Without this call the first request for encryption probes;
    /// either way [`ObjectStoreProvider::capabilities`] reflects the latest probe.
    pub async fn probe_capabilities(&self) -> Result<Capabilities> {
        if self.caps.bucket_encryption != Support::No
            || self.caps.instance_encryption != Support::No
        {
            let probe = self
                .probe_sse_s3()
                .await
                .map_err(|e| ctx::<D>(e, "probe_capabilities"))?;
            self.remember_sse(probe);
        }
        Ok(self.capabilities())
    }

    /// One SSE-S3 probe (see [`Self::probe_capabilities`]).
    pub(super) async fn probe_sse_s3(&self) -> Result<SseProbe> {
        self.system.ensure().await?;
        let bucket = &self.system.bucket;
        let sse = [("x-amz-server-side-encryption", "AES256")];
        match self
            .s3
            .create_multipart_upload(bucket, SSE_PROBE_KEY, &sse)
            .await
        {
            Ok(up) => {
                if let Err(e) = self
                    .s3
                    .abort_multipart_upload(bucket, SSE_PROBE_KEY, &up.upload_id)
                    .await
                {
                    // Harmless: an empty upload in the system bucket. Not worth failing for.
                    tracing::warn!(error = %e, bucket = %bucket, "aborting the SSE-S3 probe upload failed; an empty multipart upload may remain");
                }
                if up.server_side_encryption.as_deref() == Some("AES256") {
                    Ok(SseProbe::Available)
                } else {
                    Ok(SseProbe::Unavailable {
                        status: None,
                        code: None,
                        message: "the server accepted an SSE-S3 upload without confirming encryption (no x-amz-server-side-encryption: AES256 in the answer)".into(),
                        request_id: None,
                    })
                }
            }
            Err(e) if is_sse_refusal(&e) => Ok(SseProbe::Unavailable {
                status: e.http_status(),
                code: e.code().map(String::from),
                message: e.message().to_string(),
                request_id: e.request_id().map(String::from),
            }),
            Err(e) => {
                let msg = format!(
                    "cannot tell whether the server serves SSE-S3: the probe upload in system bucket '{bucket}' failed: {}",
                    e.message()
                );
                Err(e.with_message(msg))
            }
        }
    }

    pub(super) fn remember_sse(&self, probe: SseProbe) {
        *self.sse.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), probe));
    }

    /// Refuses `what` (which needs SSE-S3) with `Unsupported`, before anything is created or
    /// changed, unless the server serves SSE-S3 (probed at most every [`SSE_PROBE_TTL`]).
    pub(super) async fn require_sse_s3(
        &self,
        op: &'static str,
        what: &str,
        cap: &str,
    ) -> Result<()> {
        let cached = self
            .sse
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .filter(|(at, _)| at.elapsed() < SSE_PROBE_TTL)
            .map(|(_, p)| p.clone());
        let probe = match cached {
            Some(p) => p,
            None => {
                let p = self.probe_sse_s3().await.map_err(|e| ctx::<D>(e, op))?;
                self.remember_sse(p.clone());
                p
            }
        };
        let SseProbe::Unavailable {
            status,
            code,
            message,
            request_id,
        } = probe
        else {
            return Ok(());
        };
        let said = match (status, code.as_deref()) {
            (Some(s), Some(c)) => format!("HTTP {s} {c}: {message}"),
            (Some(s), None) => format!("HTTP {s}: {message}"),
            _ => message,
        };
        let mut e = Error::unsupported(format!(
            "{what} needs SSE-S3 (encryption: aes256), which this {} server cannot serve (capability `{cap}`); nothing was created or changed. The server's answer to an SSE-S3 test upload: {said}. {}",
            D::NAME,
            self.admin.dialect.sse_s3_setup_hint()
        ))
        .with_backend(D::NAME)
        .with_operation(op);
        if let Some(s) = status {
            e = e.with_http_status(s);
        }
        if let Some(c) = code {
            e = e.with_code(c);
        }
        if let Some(r) = request_id {
            e = e.with_request_id(r);
        }
        Err(e)
    }
}

/// Whether a refused SSE-S3 upload means "this server cannot serve SSE-S3" (as opposed to,
/// say, a network error or missing permission, which say nothing about SSE).
///
/// RustFS without `RUSTFS_SSE_S3_MASTER_KEY` and KMS: `400 InvalidRequest` "SSE-S3 requires
/// RUSTFS_SSE_S3_MASTER_KEY …" (or "… must be valid base64 …" / "… exactly 32 bytes …" for a bad
/// key); with KMS but no usable default key: `400 KMS.NotFoundException`. MinIO without KMS:
/// `501 NotImplemented` "Server side encryption specified but KMS is not configured".
fn is_sse_refusal(e: &Error) -> bool {
    let code = e.code().unwrap_or("");
    let msg = e.message();
    code.contains("KMS")
        || matches!(e.http_status(), Some(400 | 501))
            && ["SSE", "KMS", "MASTER_KEY", "ncryption"]
                .iter()
                .any(|w| msg.contains(w))
}

#[cfg(test)]
mod tests {
    use super::is_sse_refusal;
    use s3aas_core::{Error, ErrorKind};

    fn err(status: u16, code: &str, msg: &str) -> Error {
        Error::new(ErrorKind::InvalidInput, msg)
            .with_http_status(status)
            .with_code(code)
    }

    #[test]
    fn refusals_that_mean_no_sse_s3() {
        // RustFS 1.0.1, measured: no key, bad key, KMS without a usable default key.
        assert!(is_sse_refusal(&err(
            400,
            "InvalidRequest",
            "SSE-S3 requires RUSTFS_SSE_S3_MASTER_KEY to be set to a base64-encoded 32-byte key when KMS is not configured"
        )));
        assert!(is_sse_refusal(&err(
            400,
            "InvalidRequest",
            "RUSTFS_SSE_S3_MASTER_KEY must decode to exactly 32 bytes for SSE-S3 when KMS is not configured"
        )));
        assert!(is_sse_refusal(&err(
            400,
            "KMS.NotFoundException",
            "KMS key not found: default"
        )));
        // MinIO without KMS.
        assert!(is_sse_refusal(&err(
            501,
            "NotImplemented",
            "Server side encryption specified but KMS is not configured"
        )));
    }

    #[test]
    fn other_failures_say_nothing_about_sse() {
        assert!(!is_sse_refusal(&err(403, "AccessDenied", "Access Denied.")));
        assert!(!is_sse_refusal(&err(
            404,
            "NoSuchBucket",
            "The specified bucket does not exist"
        )));
        assert!(!is_sse_refusal(&err(
            500,
            "InternalError",
            "storage write failed"
        )));
        assert!(!is_sse_refusal(&err(
            400,
            "InvalidRequest",
            "invalid upload id"
        )));
        assert!(!is_sse_refusal(&Error::new(
            ErrorKind::Timeout,
            "request timed out"
        )));
    }
}
