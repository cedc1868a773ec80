//! S3 error bodies and how their codes map to error kinds.

use crate::client::Response;
use s3aas_core::{Error, ErrorKind};
use serde::Deserialize;

/// Parses an S3-style XML error body: `<Error><Code/><Message/><RequestId/></Error>`.
pub fn parse_xml_error(body: &[u8]) -> Option<(String, String, Option<String>)> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct ErrorXml {
        code: Option<String>,
        message: Option<String>,
        request_id: Option<String>,
    }
    let text = std::str::from_utf8(body).ok()?;
    if !text.contains("<Error") {
        return None;
    }
    let e: ErrorXml = quick_xml::de::from_str(text).ok()?;
    Some((
        e.code.unwrap_or_default(),
        e.message.unwrap_or_default(),
        e.request_id,
    ))
}

/// The [`ErrorKind`] of an S3 error code, if the code decides it.
pub fn kind_for_s3_code(code: &str) -> Option<ErrorKind> {
    Some(match code {
        "NoSuchBucket" | "NoSuchKey" | "NoSuchVersion" | "NoSuchResource" | "NoSuchUpload" => {
            ErrorKind::NotFound
        }
        "BucketAlreadyExists" | "BucketAlreadyOwnedByYou" => ErrorKind::AlreadyExists,
        "BucketNotEmpty" => ErrorKind::BucketNotEmpty,
        "AccessDenied" | "AllAccessDisabled" => ErrorKind::PermissionDenied,
        "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "InvalidToken"
        | "RequestTimeTooSkewed" => ErrorKind::Unauthenticated,
        "SlowDown" | "Throttling" | "TooManyRequests" | "RequestLimitExceeded" => {
            ErrorKind::Throttled
        }
        "InvalidBucketState" | "OperationAborted" | "PreconditionFailed" => ErrorKind::Conflict,
        "NotImplemented" => ErrorKind::Unsupported,
        "ServiceUnavailable" | "XMinioServerNotInitialized" => ErrorKind::Unavailable,
        "RequestTimeout" => ErrorKind::Timeout,
        "InvalidBucketName"
        | "MalformedXML"
        | "MalformedPolicy"
        | "InvalidArgument"
        | "InvalidRequest"
        | "InvalidPolicyDocument"
        | "InvalidTag"
        | "EntityTooLarge"
        | "MissingContentLength"
        | "InvalidDigest" => ErrorKind::InvalidInput,
        "InternalError" => ErrorKind::Backend,
        _ => return None,
    })
}

/// Turns a non-2xx S3 response into an [`Error`]: kind from the code (else the status), with
/// status, code, message and request id kept. A body that is not S3 XML is quoted, truncated.
pub fn s3_error(backend: &'static str, operation: &'static str, resp: &Response) -> Error {
    let (code, message, rid) = match parse_xml_error(&resp.body) {
        Some((c, m, r)) => (c, m, r),
        None => (String::new(), String::new(), None),
    };
    let mut kind =
        kind_for_s3_code(&code).unwrap_or_else(|| s3aas_core::error::kind_for_status(resp.status));
    // RustFS refuses an expired or unknown service-account key with `400 InvalidRequest` "check
    // key failed" rather than 403: it is an authentication failure, not bad input.
    if code == "InvalidRequest" && message.contains("check key failed") {
        kind = ErrorKind::Unauthenticated;
    }
    // A write refused by a bucket quota (RustFS: `400 InvalidRequest` "Bucket quota exceeded";
    // MinIO: `XMinioAdminBucketQuotaExceeded`; Ceph RGW: `403 QuotaExceeded` with an empty
    // message) is a conflict with the bucket's state, not bad input or a missing permission.
    if message.contains("quota exceeded")
        || code == "XMinioAdminBucketQuotaExceeded"
        || code == "QuotaExceeded"
    {
        kind = ErrorKind::Conflict;
    }
    let message = if !message.is_empty() {
        message
    } else if !code.is_empty() {
        code.clone()
    } else if resp.body.is_empty() {
        format!("HTTP {} with an empty body", resp.status)
    } else {
        format!("unexpected response: {}", resp.body_snippet(200))
    };
    crate::ErrorBody {
        code: Some(code),
        message,
        request_id: rid,
        retryable: None,
    }
    .into_error(kind, backend, operation, resp)
}
