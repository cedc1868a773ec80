//! The AWS IAM query protocol: a signed, form-encoded `POST /` with
//! `Action=<Action>&Version=2010-05-08&<parameters>`, answered with
//! `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata/></ActionResponse>` XML, or
//! with `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
//!
//! This is what SeaweedFS and Ceph RGW answer on their S3 port. Dell ECS speaks the same IAM
//! actions but differently on the wire (parameters in the query string, a management token
//! instead of SigV4, JSON answers), so its IAM mode keeps its own request and answer code in
//! `s3aas-backend-ecs` and shares only the error-code table ([`kind_for_iam_code`]).
//!
//! The request building ([`form_body`]) and the answer parsing ([`parse_result`],
//! [`parse_iam_error`]) are pure functions, fuzzed by the backends that use them.

use crate::client::{HttpClient, Idempotency, Request, Response};
use crate::error_body::ErrorBody;
use crate::sigv4::SigV4Signer;
use http::Method;
use s3aas_core::{Error, ErrorKind, Result};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

mod xml;

pub use xml::{IamAccessKey, IamTag, IamUser, Members, parse_result};

/// The API version every call sends.
pub const IAM_VERSION: &str = "2010-05-08";

/// The form body of a call: `Action=...&Version=2010-05-08` then `params` in order,
/// `application/x-www-form-urlencoded` (spaces as `+`, everything else outside
/// `[A-Za-z0-9*-._]` percent-encoded).
pub fn form_body(action: &str, params: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("Action", action);
    s.append_pair("Version", IAM_VERSION);
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Parses an AWS IAM error body (`<ErrorResponse><Error>...</Error><RequestId/></ErrorResponse>`,
/// or a bare S3-style `<Error>` with its own `RequestId`). `None` when the body is neither.
pub fn parse_iam_error(body: &[u8]) -> Option<ErrorBody> {
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "PascalCase", default)]
    struct Inner {
        code: Option<String>,
        message: Option<String>,
        request_id: Option<String>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Outer {
        #[serde(default)]
        error: Option<Inner>,
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        request_id: Option<String>,
    }
    let text = std::str::from_utf8(body).ok()?;
    if !text.contains("<Error") {
        return None;
    }
    let o: Outer = quick_xml::de::from_str(text).ok()?;
    let (code, message, inner_rid) = match o.error {
        Some(i) => (i.code, i.message, i.request_id),
        None => (o.code, o.message, None),
    };
    if code.is_none() && message.is_none() {
        return None;
    }
    Some(ErrorBody {
        code: code.filter(|c| !c.is_empty()),
        message: message.unwrap_or_default(),
        request_id: o.request_id.or(inner_rid).filter(|r| !r.is_empty()),
        retryable: None,
    })
}

/// The [`ErrorKind`] of an AWS IAM error code, if the code decides it.
pub fn kind_for_iam_code(code: &str) -> Option<ErrorKind> {
    Some(match code {
        "NoSuchEntity" | "NoSuchEntityException" => ErrorKind::NotFound,
        "EntityAlreadyExists" | "EntityAlreadyExistsException" => ErrorKind::AlreadyExists,
        "DeleteConflict" | "DeleteConflictException" | "ConcurrentModification" => {
            ErrorKind::Conflict
        }
        "LimitExceeded" | "LimitExceededException" => ErrorKind::Conflict,
        "MalformedPolicyDocument"
        | "MalformedPolicyDocumentException"
        | "InvalidInput"
        | "InvalidInputException"
        | "ValidationError"
        | "InvalidParameterValue"
        | "InvalidAction"
        | "MissingParameter" => ErrorKind::InvalidInput,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
            ErrorKind::PermissionDenied
        }
        "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "InvalidAccessKeyId"
        | "ExpiredToken" => ErrorKind::Unauthenticated,
        "Throttling" | "ThrottlingException" | "SlowDown" => ErrorKind::Throttled,
        "ServiceUnavailable" => ErrorKind::Unavailable,
        "NotImplemented" => ErrorKind::Unsupported,
        "ServiceFailure" | "ServiceFailureException" | "InternalFailure" | "InternalError" => {
            ErrorKind::Backend
        }
        _ => return None,
    })
}

/// Turns a non-2xx IAM answer into an [`Error`]: kind from the code (else the status), keeping
/// status, code, message and request id. A body that is not IAM or S3 error XML is quoted,
/// truncated.
pub fn iam_error(backend: &'static str, operation: &'static str, resp: &Response) -> Error {
    let body = parse_iam_error(&resp.body);
    let kind = body
        .as_ref()
        .and_then(|b| b.code.as_deref())
        .and_then(kind_for_iam_code)
        .unwrap_or_else(|| s3aas_core::error::kind_for_status(resp.status));
    let body = match body {
        Some(mut b) => {
            if b.message.is_empty() {
                b.message = b.code.clone().unwrap_or_default();
            }
            b
        }
        None => ErrorBody {
            message: if resp.body.is_empty() {
                format!("HTTP {} with an empty body", resp.status)
            } else {
                format!("unexpected response: {}", resp.body_snippet(200))
            },
            ..ErrorBody::default()
        },
    };
    body.into_error(kind, backend, operation, resp)
}

/// A signed AWS IAM query client for one endpoint and credential.
#[derive(Clone, Debug)]
pub struct IamClient {
    http: HttpClient,
    endpoint: Url,
    signer: SigV4Signer,
    backend: &'static str,
}

impl IamClient {
    /// A client posting to `endpoint` (its path is kept; SeaweedFS and RGW answer on `/`),
    /// sharing `http`'s pool and signing with `signer` as it is (use
    /// [`SigV4Signer::with_service`] for a service other than `s3`).
    pub fn new(
        backend: &'static str,
        http: HttpClient,
        endpoint: Url,
        signer: SigV4Signer,
    ) -> Self {
        IamClient {
            http,
            endpoint,
            signer,
            backend,
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Sends `action` with `params`; a 2xx answer is returned as it is, anything else becomes
    /// the [`Error`] of [`iam_error`]. `op` names the operation in errors and spans.
    pub async fn send(
        &self,
        op: &'static str,
        action: &str,
        params: &[(&str, &str)],
        idempotency: Idempotency,
    ) -> Result<Response> {
        let body = form_body(action, params);
        let resp = self
            .http
            .execute(op, idempotency, Some(&self.signer), || {
                Ok(Request::new(Method::POST, self.endpoint.clone())
                    .header(
                        "content-type",
                        "application/x-www-form-urlencoded; charset=utf-8",
                    )
                    .body(body.clone()))
            })
            .await?;
        if resp.is_success() {
            Ok(resp)
        } else {
            Err(iam_error(self.backend, op, &resp))
        }
    }

    /// Sends `action` and parses its `<ActionResult>` into `T`.
    pub async fn call<T: DeserializeOwned + Default>(
        &self,
        op: &'static str,
        action: &str,
        params: &[(&str, &str)],
        idempotency: Idempotency,
    ) -> Result<T> {
        let resp = self.send(op, action, params, idempotency).await?;
        parse_result(action, &resp.body).map_err(|e| {
            e.with_backend(self.backend)
                .with_operation(op)
                .with_http_status(resp.status)
        })
    }
}

#[cfg(test)]
mod tests;
