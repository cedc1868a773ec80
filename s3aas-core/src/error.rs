//! The one error type of s3aas.
//!
//! Every fallible call returns [`Error`]. Match on [`Error::kind`] to decide what to do; read
//! [`Error::http_status`], [`Error::code`], [`Error::message`] and [`Error::request_id`] to see
//! what the backend said. [`Error::is_retryable`] says whether trying the same call again may
//! succeed (the SDK has already retried idempotent calls by then; see the HTTP plumbing).
//!
//! No error ever carries a secret: messages are built from names and from the backend's own error
//! bodies, never from credentials, request bodies of credential endpoints or headers.

use std::fmt;

/// What went wrong, in terms a caller can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ErrorKind {
    /// The resource does not exist.
    NotFound,
    /// A resource with that name already exists (and the call does not treat that as success).
    AlreadyExists,
    /// The bucket still holds objects and the delete was not forced.
    BucketNotEmpty,
    /// The request is invalid: a name, a policy, a limit. The message names the field and rule.
    InvalidInput,
    /// The provider's configuration is invalid or incomplete.
    ConfigInvalid,
    /// The backend cannot do this; refused before any request is sent.
    Unsupported,
    /// The credentials are valid but not allowed to do this.
    PermissionDenied,
    /// The credentials were refused (unknown key, bad signature, expired or exhausted token).
    Unauthenticated,
    /// The resource is in a state that forbids the call (e.g. a policy still attached).
    Conflict,
    /// The backend asked the client to slow down.
    Throttled,
    /// The backend is not ready or not reachable.
    Unavailable,
    /// The call did not finish within the configured time.
    Timeout,
    /// The backend failed or answered something the SDK could not understand.
    Backend,
    /// A step of a multi-step operation failed part-way; the message says what was left.
    Partial,
}

impl ErrorKind {
    /// A short, stable, snake-case name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::BucketNotEmpty => "bucket_not_empty",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::ConfigInvalid => "config_invalid",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Backend => "backend",
            ErrorKind::Partial => "partial",
        }
    }

    /// Whether errors of this kind are transient by default.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::Throttled | ErrorKind::Unavailable | ErrorKind::Timeout
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of resource an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResourceKind {
    /// An instance (tenant).
    Instance,
    /// A bucket.
    Bucket,
    /// An IAM / object user.
    User,
    /// A policy.
    Policy,
    /// An access key.
    AccessKey,
    /// A node or the server itself.
    Server,
}

impl ResourceKind {
    /// A short lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Instance => "instance",
            ResourceKind::Bucket => "bucket",
            ResourceKind::User => "user",
            ResourceKind::Policy => "policy",
            ResourceKind::AccessKey => "access_key",
            ResourceKind::Server => "server",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a retry may help, and whether the SDK already tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retry {
    /// Decided from the kind.
    ByKind,
    /// The backend said so explicitly (a `retryable` field in its error body).
    Explicit(bool),
    /// It was transient, but the SDK's own retries are exhausted: an outer loop should not
    /// multiply them.
    Exhausted,
}

/// The error of every s3aas call.
///
/// `Display` is one line: kind, operation, resource, HTTP status, backend code, message and
/// request id, e.g.
/// `not_found at acme.get_user user=alice: HTTP 404 NoSuchResource: The specified user does not exist (request id 18A...)`.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    backend: Option<&'static str>,
    operation: Option<&'static str>,
    resource: Option<(ResourceKind, String)>,
    field: Option<String>,
    http_status: Option<u16>,
    code: Option<String>,
    request_id: Option<String>,
    retry: Retry,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// The result type of s3aas.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a human-readable message.
    ///
    /// The message must never contain a secret.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                backend: None,
                operation: None,
                resource: None,
                field: None,
                http_status: None,
                code: None,
                request_id: None,
                retry: Retry::ByKind,
                source: None,
            }),
        }
    }

    /// An [`ErrorKind::InvalidInput`] error naming the field and the rule it breaks.
    pub fn invalid_input(field: impl Into<String>, rule: impl fmt::Display) -> Self {
        let field = field.into();
        let mut e = Error::new(ErrorKind::InvalidInput, format!("{field}: {rule}"));
        e.inner.field = Some(field);
        e
    }

    /// An [`ErrorKind::Unsupported`] error.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Unsupported, message)
    }

    /// An [`ErrorKind::NotFound`] error for a resource.
    pub fn not_found(resource: ResourceKind, name: impl Into<String>) -> Self {
        let name = name.into();
        Error::new(
            ErrorKind::NotFound,
            format!("{resource} '{name}' does not exist"),
        )
        .with_resource(resource, name)
    }

    /// An [`ErrorKind::AlreadyExists`] error for a resource.
    pub fn already_exists(resource: ResourceKind, name: impl Into<String>) -> Self {
        let name = name.into();
        Error::new(
            ErrorKind::AlreadyExists,
            format!("{resource} '{name}' already exists"),
        )
        .with_resource(resource, name)
    }

    /// An [`ErrorKind::Backend`] error for a response the SDK could not decode.
    pub fn decode(what: impl fmt::Display, err: impl fmt::Display) -> Self {
        Error::new(
            ErrorKind::Backend,
            format!("could not decode {what}: {err}"),
        )
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message, without the context that `Display` adds.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The backend that produced the error (its short name, as `ObjectStoreProvider::backend`).
    pub fn backend(&self) -> Option<&'static str> {
        self.inner.backend
    }

    /// The SDK operation that failed (`"create_bucket"`, ...).
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }

    /// The resource the error is about.
    pub fn resource(&self) -> Option<(ResourceKind, &str)> {
        self.inner.resource.as_ref().map(|(k, n)| (*k, n.as_str()))
    }

    /// For [`ErrorKind::InvalidInput`]: the request field that was rejected.
    pub fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// The HTTP status the backend answered with.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.http_status
    }

    /// The backend's own error code (`NoSuchResource`, `1004`, ...).
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The backend's request id, for support tickets and server logs.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// Whether trying the same call again later may succeed.
    ///
    /// False once the SDK's own retries are exhausted (see [`Error::set_retries_exhausted`]), so
    /// that an outer retry loop does not multiply the inner one.
    pub fn is_retryable(&self) -> bool {
        match self.inner.retry {
            Retry::ByKind => self.inner.kind.is_transient(),
            Retry::Explicit(b) => b,
            Retry::Exhausted => false,
        }
    }

    /// Whether this error was transient but the SDK already retried it as often as configured.
    pub fn retries_exhausted(&self) -> bool {
        self.inner.retry == Retry::Exhausted
    }

    /// Whether the call timed out.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// Whether the call may have taken effect although it failed: no answer arrived (the
    /// connection broke, the answer was cut short, or the call timed out) or the SDK's retries
    /// ran out. A server can act on a request and the answer still be lost, so after such an
    /// error a create may have created something; ask the server before assuming either way.
    /// A definite refusal (an answer with an error status the SDK did not retry) is not
    /// ambiguous.
    pub fn outcome_unknown(&self) -> bool {
        self.retries_exhausted()
            || self.inner.kind == ErrorKind::Timeout
            || self.inner.kind == ErrorKind::Unavailable && self.inner.http_status.is_none()
    }

    /// Sets the backend name.
    pub fn with_backend(mut self, backend: &'static str) -> Self {
        self.inner.backend = Some(backend);
        self
    }

    /// Sets the operation, unless one is already set.
    pub fn with_operation(mut self, operation: &'static str) -> Self {
        if self.inner.operation.is_none() {
            self.inner.operation = Some(operation);
        }
        self
    }

    /// Sets the resource, unless one is already set.
    pub fn with_resource(mut self, kind: ResourceKind, name: impl Into<String>) -> Self {
        if self.inner.resource.is_none() {
            self.inner.resource = Some((kind, name.into()));
        }
        self
    }

    /// Sets the HTTP status.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.inner.http_status = Some(status);
        self
    }

    /// Sets the backend error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        let code = code.into();
        if !code.is_empty() {
            self.inner.code = Some(code);
        }
        self
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        if !id.is_empty() {
            self.inner.request_id = Some(id);
        }
        self
    }

    /// Overrides retryability with what the backend said.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.inner.retry = Retry::Explicit(retryable);
        self
    }

    /// Changes the kind, keeping everything else.
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.inner.kind = kind;
        self
    }

    /// Replaces the message, keeping everything else.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = message.into();
        self
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Marks a transient error as already retried as often as configured.
    pub fn set_retries_exhausted(&mut self) {
        if self.is_retryable() {
            self.inner.retry = Retry::Exhausted;
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        write!(f, "{}", i.kind)?;
        if i.retry == Retry::Exhausted {
            f.write_str(" (retries exhausted)")?;
        }
        match (i.backend, i.operation) {
            (Some(b), Some(o)) => write!(f, " at {b}.{o}")?,
            (Some(b), None) => write!(f, " at {b}")?,
            (None, Some(o)) => write!(f, " at {o}")?,
            (None, None) => {}
        }
        if let Some((k, n)) = &i.resource {
            write!(f, " {k}={n}")?;
        }
        f.write_str(":")?;
        if let Some(s) = i.http_status {
            write!(f, " HTTP {s}")?;
        }
        if let Some(c) = &i.code {
            write!(f, " {c}")?;
        }
        if i.http_status.is_some() || i.code.is_some() {
            f.write_str(":")?;
        }
        write!(f, " {}", i.message)?;
        if let Some(r) = &i.request_id {
            write!(f, " (request id {r})")?;
        }
        if let Some(src) = &i.source {
            write!(f, ", caused by: {src}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind).field("message", &i.message);
        if let Some(b) = i.backend {
            d.field("backend", &b);
        }
        if let Some(o) = i.operation {
            d.field("operation", &o);
        }
        if let Some(r) = &i.resource {
            d.field("resource", r);
        }
        if let Some(x) = &i.field {
            d.field("field", x);
        }
        if let Some(s) = i.http_status {
            d.field("http_status", &s);
        }
        if let Some(c) = &i.code {
            d.field("code", c);
        }
        if let Some(r) = &i.request_id {
            d.field("request_id", r);
        }
        d.field("retryable", &self.is_retryable());
        if let Some(s) = &i.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// The default error kind for an HTTP status, before a backend's own codes refine it.
pub fn kind_for_status(status: u16) -> ErrorKind {
    match status {
        400 | 411 | 413 | 422 => ErrorKind::InvalidInput,
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        405 | 426 | 501 => ErrorKind::Unsupported,
        408 | 504 => ErrorKind::Timeout,
        409 | 412 => ErrorKind::Conflict,
        429 => ErrorKind::Throttled,
        502 | 503 => ErrorKind::Unavailable,
        _ => ErrorKind::Backend,
    }
}

/// Whether a status is worth retrying on an idempotent call.
pub fn status_is_transient(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_informative_line() {
        let e = Error::new(ErrorKind::NotFound, "The specified user does not exist")
            .with_backend("acme")
            .with_operation("get_user")
            .with_resource(ResourceKind::User, "alice")
            .with_http_status(404)
            .with_code("XAcmeNoSuchUser")
            .with_request_id("17A");
        assert_eq!(
            e.to_string(),
            "not_found at acme.get_user user=alice: HTTP 404 XAcmeNoSuchUser: The specified user does not exist (request id 17A)"
        );
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn retryability_follows_kind_then_explicit_then_exhausted() {
        let mut e = Error::new(ErrorKind::Unavailable, "busy");
        assert!(e.is_retryable());
        e.set_retries_exhausted();
        assert!(!e.is_retryable());
        assert!(e.retries_exhausted());
        assert!(e.to_string().contains("retries exhausted"));
        let e = Error::new(ErrorKind::Backend, "x").with_retryable(true);
        assert!(e.is_retryable());
        let e = Error::new(ErrorKind::Throttled, "x").with_retryable(false);
        assert!(!e.is_retryable());
        let mut e = Error::new(ErrorKind::NotFound, "x");
        e.set_retries_exhausted();
        assert!(!e.retries_exhausted());
    }

    #[test]
    fn outcome_unknown_means_no_answer_or_retries_spent() {
        // No answer at all (what the transport reports for resets and cut-short answers).
        assert!(Error::new(ErrorKind::Unavailable, "connection reset").outcome_unknown());
        assert!(Error::new(ErrorKind::Timeout, "timed out").outcome_unknown());
        // An answer refusing the call is definite, even when its kind is transient.
        let refused = Error::new(ErrorKind::Unavailable, "busy").with_http_status(503);
        assert!(!refused.outcome_unknown());
        assert!(
            !Error::new(ErrorKind::Backend, "x")
                .with_http_status(500)
                .outcome_unknown()
        );
        // Unless the SDK retried it and every attempt failed: an earlier one may have landed.
        let mut spent = refused;
        spent.set_retries_exhausted();
        assert!(spent.outcome_unknown());
        assert!(!Error::not_found(ResourceKind::User, "u").outcome_unknown());
    }

    #[test]
    fn invalid_input_names_the_field() {
        let e = Error::invalid_input("bucket.name", "must be 3 to 63 characters long");
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.field(), Some("bucket.name"));
        assert!(e.to_string().contains("bucket.name: must be 3 to 63"));
    }

    #[test]
    fn status_table() {
        assert_eq!(kind_for_status(404), ErrorKind::NotFound);
        assert_eq!(kind_for_status(503), ErrorKind::Unavailable);
        assert_eq!(kind_for_status(429), ErrorKind::Throttled);
        assert_eq!(kind_for_status(500), ErrorKind::Backend);
        assert!(status_is_transient(500));
        assert!(!status_is_transient(404));
    }
}
