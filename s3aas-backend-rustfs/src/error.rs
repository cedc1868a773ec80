//! The admin API's error answers.

use s3aas_core::{Error, ErrorKind};
use s3aas_http::Response;

/// The admin API's error answer as an [`Error`], keeping status, code, message and request id.
pub(crate) fn error(op: &'static str, resp: &Response) -> Error {
    let e = s3aas_http::s3::s3_error(crate::SCHEME, op, resp);
    // RustFS reports "policy in use" as 500 InternalError.
    if resp.status == 500 && e.message().to_ascii_lowercase().contains("in use") {
        return e.with_kind(ErrorKind::Conflict);
    }
    crate::quorum::classify(resp, e)
}
