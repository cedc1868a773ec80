//! RGW Admin Ops errors: `{"Code": "NoSuchUser", "Message": "", "RequestId": "tx...", "HostId": ...}`
//! (JSON on `/admin/...`; S3 and IAM calls answer XML, parsed by `s3aas-http`), mapped to an
//! [`ErrorKind`] keeping the status, code, message and request id.

use s3aas_core::error::kind_for_status;
use s3aas_core::{Error, ErrorKind};
use s3aas_http::Response;
use serde::Deserialize;

/// A decoded Admin Ops error body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RgwError {
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct JsonError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    request_id: Option<String>,
}

/// Parses an Admin Ops error body: RGW's JSON, or the S3-style XML `<Error>` it sends when the
/// request fails before the admin handler runs (authentication). `None` when it is neither.
pub(crate) fn parse_error(body: &[u8]) -> Option<RgwError> {
    if let Ok(j) = serde_json::from_slice::<JsonError>(body) {
        if j.code.is_none() && j.message.is_none() {
            return None;
        }
        return Some(RgwError {
            code: j.code,
            message: j.message,
            request_id: j.request_id,
        });
    }
    let (code, message, request_id) = s3aas_http::s3::parse_xml_error(body)?;
    Some(RgwError {
        code: (!code.is_empty()).then_some(code),
        message: (!message.is_empty()).then_some(message),
        request_id,
    })
}

/// The kind an RGW error code means, where the code decides it.
pub(crate) fn kind_for_code(code: &str) -> Option<ErrorKind> {
    Some(match code {
        "NoSuchUser" | "NoSuchBucket" | "NoSuchKey" | "NoSuchSubUser" | "NoSuchEntity" => {
            ErrorKind::NotFound
        }
        "UserAlreadyExists"
        | "BucketAlreadyExists"
        | "EmailExists"
        | "SubuserExists"
        | "EntityAlreadyExists" => ErrorKind::AlreadyExists,
        // An access key id held by another user.
        "KeyExists" => ErrorKind::Conflict,
        "BucketNotEmpty" => ErrorKind::BucketNotEmpty,
        "InvalidTenantName"
        | "InvalidArgument"
        | "InvalidBucketName"
        | "InvalidRequest"
        | "InvalidAccessKey"
        | "InvalidSecretKey"
        | "InvalidKeyType"
        | "InvalidCap"
        | "MalformedPolicyDocument" => ErrorKind::InvalidInput,
        "AccessDenied" => ErrorKind::PermissionDenied,
        "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "RequestTimeTooSkewed" => {
            ErrorKind::Unauthenticated
        }
        "NotImplemented" | "MethodNotAllowed" => ErrorKind::Unsupported,
        "QuotaExceeded" => ErrorKind::Conflict,
        "SlowDown" => ErrorKind::Throttled,
        _ => return None,
    })
}

/// Builds the [`Error`] for a failed Admin Ops call.
pub(crate) fn rgw_error(operation: &'static str, resp: &Response) -> Error {
    let parsed = parse_error(&resp.body);
    let code = parsed.as_ref().and_then(|e| e.code.clone());
    let kind = code
        .as_deref()
        .and_then(kind_for_code)
        .unwrap_or_else(|| kind_for_status(resp.status));
    // RGW's admin errors carry an empty `Message` almost always: the code is the text then.
    let message = parsed
        .as_ref()
        .and_then(|e| e.message.clone())
        .filter(|m| !m.is_empty())
        .or_else(|| code.clone())
        .unwrap_or_else(|| {
            if resp.body.is_empty() {
                format!("HTTP {} with an empty body", resp.status)
            } else {
                format!("HTTP {}: {}", resp.status, resp.body_snippet(200))
            }
        });
    s3aas_http::ErrorBody {
        code,
        message,
        request_id: parsed.and_then(|p| p.request_id),
        retryable: None,
    }
    .into_error(kind, crate::SCHEME, operation, resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mk(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: Default::default(),
            body: body.to_string().into(),
            attempts: 1,
            retries_exhausted: false,
        }
    }

    #[test]
    fn admin_errors_keep_status_code_and_request_id() {
        let e = rgw_error(
            "create_user",
            &mk(
                409,
                r#"{"Code":"UserAlreadyExists","Message":"","RequestId":"tx-1","HostId":"h"}"#,
            ),
        );
        assert_eq!(e.kind(), ErrorKind::AlreadyExists);
        assert_eq!(e.code(), Some("UserAlreadyExists"));
        assert_eq!(e.request_id(), Some("tx-1"));
        assert_eq!(e.http_status(), Some(409));
        assert_eq!(e.backend(), Some("ceph"));
        assert_eq!(e.operation(), Some("create_user"));
        assert!(e.message().contains("UserAlreadyExists"));
        for code in ["NoSuchUser", "NoSuchBucket", "NoSuchKey"] {
            let body = format!(r#"{{"Code":"{code}","RequestId":"tx-2"}}"#);
            let e = rgw_error("x", &mk(404, &body));
            assert_eq!(e.kind(), ErrorKind::NotFound, "{code}");
            assert_eq!(e.code(), Some(code));
        }
        let e = rgw_error(
            "x",
            &mk(
                403,
                "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message></Message><RequestId>tx-3</RequestId></Error>",
            ),
        );
        assert_eq!(e.kind(), ErrorKind::Unauthenticated);
        assert_eq!(e.request_id(), Some("tx-3"));
        let e = rgw_error("x", &mk(502, "<html>bad gateway</html>"));
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert!(e.message().contains("bad gateway"));
        let e = rgw_error("x", &mk(501, r#"{"Code":"NotImplemented"}"#));
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(parse_error(b"{\"unrelated\":1}").is_none());
        assert!(parse_error(b"").is_none());
    }
}
