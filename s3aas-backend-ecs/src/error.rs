//! ECS management errors: `{code, description, details, retryable}` (JSON, or XML `<error>`),
//! mapped to an [`ErrorKind`] keeping the status, the numeric code, the text and the request id.

use s3aas_core::error::kind_for_status;
use s3aas_core::{Error, ErrorKind};
use s3aas_http::Response;
use serde::Deserialize;

/// A decoded ECS error body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct EcsError {
    /// Numeric code (`1004`, `4000`, ...), as text.
    pub(crate) code: Option<String>,
    /// Generic description of the code.
    pub(crate) description: Option<String>,
    /// The specific cause.
    pub(crate) details: Option<String>,
    /// Whether ECS says a retry may succeed.
    pub(crate) retryable: Option<bool>,
}

#[derive(Deserialize)]
struct JsonError {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    retryable: Option<serde_json::Value>,
}

pub(crate) fn xml_field(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&close)? + start;
    Some(
        body[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// Parses an ECS error body (JSON or XML). `None` if it is neither.
pub(crate) fn parse_error(body: &[u8]) -> Option<EcsError> {
    if let Ok(j) = serde_json::from_slice::<JsonError>(body) {
        let code = j.code.map(|c| match c {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        });
        if code.is_some() || j.description.is_some() || j.details.is_some() {
            return Some(EcsError {
                code,
                description: j.description,
                details: j.details,
                retryable: j.retryable.map(|r| match r {
                    serde_json::Value::Bool(b) => b,
                    serde_json::Value::String(s) => s.eq_ignore_ascii_case("true"),
                    _ => false,
                }),
            });
        }
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    if !text.contains("<error>") {
        return None;
    }
    Some(EcsError {
        code: xml_field(text, "code"),
        description: xml_field(text, "description"),
        details: xml_field(text, "details"),
        retryable: xml_field(text, "retryable").map(|r| r.trim().eq_ignore_ascii_case("true")),
    })
}

/// The kind an ECS code means, where the code decides it.
pub(crate) fn kind_for_code(code: &str) -> Option<ErrorKind> {
    Some(match code {
        "1004" | "1019" => ErrorKind::NotFound,
        "1015" | "40008" => ErrorKind::AlreadyExists,
        "1005" | "1008" | "1013" | "40009" | "40010" => ErrorKind::InvalidInput,
        "1007" => ErrorKind::Unsupported,
        "1026" | "3000" => ErrorKind::PermissionDenied,
        "4000" => ErrorKind::Unauthenticated,
        "6000" | "30026" => ErrorKind::Unavailable,
        "7000" => ErrorKind::Backend,
        _ => return None,
    })
}

/// Builds the [`Error`] for a failed management call.
pub(crate) fn ecs_error(operation: &'static str, resp: &Response) -> Error {
    let parsed = parse_error(&resp.body);
    let text = parsed
        .as_ref()
        .map(|e| {
            let d = e.description.as_deref().unwrap_or_default();
            match e.details.as_deref() {
                Some(x) if !x.is_empty() && x != d => {
                    if d.is_empty() {
                        x.to_string()
                    } else {
                        format!("{d}: {x}")
                    }
                }
                _ => d.to_string(),
            }
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("HTTP {}: {}", resp.status, resp.body_snippet(200)));
    let lower = text.to_ascii_lowercase();
    let code = parsed.as_ref().and_then(|e| e.code.clone());
    let mut kind = code
        .as_deref()
        .and_then(kind_for_code)
        .unwrap_or_else(|| kind_for_status(resp.status));
    // ECS reuses broad codes; the text decides in these cases (as every ECS client does).
    if lower.contains("not empty") || lower.contains("keypool not empty") || lower.contains("60019")
    {
        kind = ErrorKind::BucketNotEmpty;
    } else if lower.contains("valid keys") || lower.contains("maximum number of secret keys") {
        kind = ErrorKind::Conflict;
    } else if kind == ErrorKind::InvalidInput
        && (lower.contains("already exist") || lower.contains("duplicate"))
    {
        kind = ErrorKind::AlreadyExists;
    } else if resp.status == 404 {
        kind = ErrorKind::NotFound;
    }
    s3aas_http::ErrorBody {
        code,
        message: text,
        request_id: None,
        retryable: parsed.and_then(|p| p.retryable),
    }
    .into_error(kind, crate::SCHEME, operation, resp)
}

/// A decoded IAM API error: AWS-style `ErrorResponse{Error{Type, Code, Message}, RequestId}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct IamError {
    /// `NoSuchEntity`, `EntityAlreadyExists`, `LimitExceeded`, ...
    pub(crate) code: Option<String>,
    /// The text.
    pub(crate) message: Option<String>,
    /// `Sender` or `Receiver`.
    pub(crate) error_type: Option<String>,
    /// The request id, when in the body.
    pub(crate) request_id: Option<String>,
}

/// Parses an IAM error body (JSON, with or without the `ErrorResponse` wrapper, or XML).
/// `None` if it is not one.
pub(crate) fn parse_iam_error(body: &[u8]) -> Option<IamError> {
    let text = |v: Option<&serde_json::Value>| match v? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let root = v.get("ErrorResponse").unwrap_or(&v);
        let err = root.get("Error")?;
        let e = IamError {
            code: text(err.get("Code")),
            message: text(err.get("Message")),
            error_type: text(err.get("Type")),
            request_id: text(root.get("RequestId"))
                .or_else(|| text(v.get("RequestId")))
                .or_else(|| text(err.get("RequestId"))),
        };
        return (e.code.is_some() || e.message.is_some()).then_some(e);
    }
    let t = std::str::from_utf8(body).ok()?;
    if !t.contains("<ErrorResponse") && !t.contains("<Error>") {
        return None;
    }
    let e = IamError {
        code: xml_field(t, "Code"),
        message: xml_field(t, "Message"),
        error_type: xml_field(t, "Type"),
        request_id: xml_field(t, "RequestId"),
    };
    (e.code.is_some() || e.message.is_some()).then_some(e)
}

/// The kind an IAM error code means, where the code decides it.
pub(crate) fn kind_for_iam_code(code: &str) -> Option<ErrorKind> {
    Some(match code {
        "NoSuchEntity" => ErrorKind::NotFound,
        "EntityAlreadyExists" => ErrorKind::AlreadyExists,
        "LimitExceeded" | "DeleteConflict" | "ConcurrentModification" => ErrorKind::Conflict,
        "InvalidInput"
        | "ValidationError"
        | "MalformedPolicyDocument"
        | "InvalidParameterValue"
        | "MissingParameter" => ErrorKind::InvalidInput,
        "InvalidAction" | "UnsupportedOperation" | "NotImplemented" => ErrorKind::Unsupported,
        "AccessDenied" | "AccessDeniedException" => ErrorKind::PermissionDenied,
        "ServiceFailure" | "InternalFailure" => ErrorKind::Backend,
        "Throttling" | "ServiceUnavailable" => ErrorKind::Unavailable,
        _ => return None,
    })
}

/// Builds the [`Error`] for a failed IAM call (falling back to the management error body,
/// which ECS uses for session failures on `/iam` too).
pub(crate) fn iam_error(operation: &'static str, resp: &Response) -> Error {
    let Some(p) = parse_iam_error(&resp.body) else {
        let e = ecs_error(operation, resp);
        // No IAM answer at all on /iam: an ECS before 3.6 (or IAM switched off).
        if resp.status == 404 && parse_error(&resp.body).is_none() {
            let msg = format!(
                "ECS did not answer the IAM API (HTTP 404 on /iam): IAM mode needs ECS 3.6 or later ({})",
                e.message()
            );
            return e.with_kind(ErrorKind::Unsupported).with_message(msg);
        }
        return e;
    };
    let code = p.code.clone().unwrap_or_default();
    let kind = kind_for_iam_code(&code).unwrap_or_else(|| kind_for_status(resp.status));
    let text = p
        .message
        .clone()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| format!("HTTP {} {code}", resp.status));
    let retryable = matches!(
        code.as_str(),
        "ServiceFailure" | "InternalFailure" | "Throttling" | "ServiceUnavailable"
    )
    .then_some(true);
    s3aas_http::ErrorBody {
        code: (!code.is_empty()).then_some(code),
        message: text,
        request_id: p.request_id,
        retryable,
    }
    .into_error(kind, crate::SCHEME, operation, resp)
}

/// Whether an IAM failure says the entity does not exist.
pub(crate) fn is_iam_not_found(e: &Error) -> bool {
    e.kind() == ErrorKind::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_xml() {
        let j = parse_error(br#"{"code":1004,"description":"Unable to find entity specified in URL","details":"Bucket b not found","retryable":false}"#).unwrap();
        assert_eq!(j.code.as_deref(), Some("1004"));
        assert_eq!(j.retryable, Some(false));
        let x = parse_error(b"<?xml version=\"1.0\"?><error><code>4000</code><description>Invalid credentials</description><details>Max number of tokens exceeded for this user</details><retryable>false</retryable></error>").unwrap();
        assert_eq!(x.code.as_deref(), Some("4000"));
        assert_eq!(
            x.details.as_deref(),
            Some("Max number of tokens exceeded for this user")
        );
        assert!(parse_error(b"<html>oops</html>").is_none());
        assert!(parse_error(b"{\"unrelated\":1}").is_none());
    }

    #[test]
    fn kinds() {
        let mk = |status, body: &str| Response {
            status,
            headers: Default::default(),
            body: body.to_string().into(),
            attempts: 1,
            retries_exhausted: false,
        };
        let e = ecs_error(
            "delete_bucket",
            &mk(
                400,
                r#"{"code":1008,"description":"bad","details":"bucket is not empty"}"#,
            ),
        );
        assert_eq!(e.kind(), ErrorKind::BucketNotEmpty);
        assert_eq!(e.code(), Some("1008"));
        let e = ecs_error(
            "x",
            &mk(
                400,
                r#"{"code":40008,"description":"Bucket already exists"}"#,
            ),
        );
        assert_eq!(e.kind(), ErrorKind::AlreadyExists);
        let e = ecs_error(
            "x",
            &mk(503, r#"{"code":30026,"description":"Service is busy"}"#),
        );
        assert!(e.is_retryable());
        let e = ecs_error("x", &mk(502, "<html>bad gateway</html>"));
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert_eq!(e.http_status(), Some(502));
    }

    #[test]
    fn iam_errors_json_and_xml() {
        let mk = |status, body: &str| Response {
            status,
            headers: Default::default(),
            body: body.to_string().into(),
            attempts: 1,
            retries_exhausted: false,
        };
        let j = mk(
            404,
            r#"{"Error":{"Type":"Sender","Code":"NoSuchEntity","Message":"The user with name x cannot be found."},"RequestId":"r-1"}"#,
        );
        let e = iam_error("get_user", &j);
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.code(), Some("NoSuchEntity"));
        assert_eq!(e.request_id(), Some("r-1"));
        assert_eq!(e.http_status(), Some(404));
        let wrapped = mk(
            409,
            r#"{"ErrorResponse":{"Error":{"Code":"LimitExceeded","Message":"Cannot exceed quota for AccessKeysPerUser: 2"},"RequestId":"r-2"}}"#,
        );
        let e = iam_error("create_access_key", &wrapped);
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert_eq!(e.request_id(), Some("r-2"));
        let x = mk(
            409,
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>DeleteConflict</Code><Message>Cannot delete entity, must detach all policies first.</Message></Error><RequestId>r-3</RequestId></ErrorResponse>",
        );
        let e = iam_error("delete_user", &x);
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert_eq!(e.code(), Some("DeleteConflict"));
        assert!(e.message().contains("detach all policies"));
        // Session failures on /iam come in the management shape.
        let m = mk(
            401,
            r#"{"code":4000,"description":"Invalid credentials","details":"Max number of tokens exceeded for this user"}"#,
        );
        assert_eq!(iam_error("x", &m).kind(), ErrorKind::Unauthenticated);
        // No IAM at all (an ECS before 3.6): Unsupported, saying why.
        let e = iam_error("x", &mk(404, ""));
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(e.message().contains("3.6"));
        let e = iam_error(
            "x",
            &mk(500, r#"{"Error":{"Code":"ServiceFailure","Message":"m"}}"#),
        );
        assert!(e.is_retryable());
    }
}
