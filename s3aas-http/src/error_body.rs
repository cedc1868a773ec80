//! [`ErrorBody`]: the one shape every backend reads its servers' error answers into.

use crate::client::Response;
use s3aas_core::{Error, ErrorKind};

/// What a server's error answer says. Each backend parses its own bodies into it (S3 XML, MinIO
/// JSON, ECS's management and IAM errors, each in that backend's `error.rs`) and decides the
/// kind; [`ErrorBody::into_error`] then makes the [`Error`] the same way for all of them, keeping
/// the answer's status, code, message and request id, and whether retries ran out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// The server's error code (`NoSuchBucket`, `1004`, ...), when it gave one.
    pub code: Option<String>,
    /// The text to show; empty means `HTTP <status>`.
    pub message: String,
    /// The request id the body carried; without one, the answer's request-id header is used.
    pub request_id: Option<String>,
    /// Whether the server said the call may be retried.
    pub retryable: Option<bool>,
}

impl ErrorBody {
    /// The [`Error`] of kind `kind` for operation `operation` of `backend`, answered by `resp`.
    pub fn into_error(
        self,
        kind: ErrorKind,
        backend: &'static str,
        operation: &'static str,
        resp: &Response,
    ) -> Error {
        let message = if self.message.is_empty() {
            format!("HTTP {}", resp.status)
        } else {
            self.message
        };
        let mut e = Error::new(kind, message)
            .with_backend(backend)
            .with_operation(operation)
            .with_http_status(resp.status);
        if let Some(c) = self.code {
            e = e.with_code(c);
        }
        if let Some(id) = self
            .request_id
            .or_else(|| resp.request_id().map(str::to_string))
        {
            e = e.with_request_id(id);
        }
        if let Some(r) = self.retryable {
            e = e.with_retryable(r);
        }
        if resp.retries_exhausted {
            e.set_retries_exhausted();
        }
        e
    }
}
