//! The HTTP client every backend uses: one connection pool per provider, timeouts, TLS,
//! bounded retries that rebuild and re-sign each attempt, and tracing without secrets.

use crate::config::HttpConfig;
use crate::sigv4::SigV4Signer;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use rand::Rng;
use s3aas_core::{Error, ErrorKind, Result};
use std::time::{Duration, SystemTime};
use tracing::Instrument;
use url::Url;

/// A request to send. Built afresh for every attempt by the caller's factory.
#[derive(Clone, Debug)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Full URL, query included.
    pub url: Url,
    /// Headers (the signer adds its own).
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl Request {
    /// A request with no headers and an empty body.
    pub fn new(method: Method, url: Url) -> Self {
        Request {
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Adds a header. Invalid values are refused when the request is sent.
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.insert(name, v);
        }
        self
    }
}

/// A response, whatever its status.
#[derive(Clone, Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
    /// Attempts made.
    pub attempts: u32,
    /// The status was transient but no attempts were left (or the call was not retryable).
    pub retries_exhausted: bool,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text (lossy), truncated to `max` bytes for error messages.
    pub fn body_snippet(&self, max: usize) -> String {
        let s = String::from_utf8_lossy(&self.body);
        if s.len() <= max {
            s.into_owned()
        } else {
            let mut end = max;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}... ({} bytes)", &s[..end], self.body.len())
        }
    }

    /// The request id the server sent (`x-amz-request-id`, `x-request-id` or `x-emc-request-id`).
    pub fn request_id(&self) -> Option<&str> {
        ["x-amz-request-id", "x-request-id", "x-emc-request-id"]
            .iter()
            .find_map(|h| self.header(h))
    }
}

/// Whether a call may be repeated safely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// Repeating it has the same effect (GET, PUT of a whole value, DELETE): retried on
    /// connection errors, timeouts, 5xx, 429 and 503.
    Idempotent,
    /// Repeating it may do it twice (e.g. creating a key with a server-chosen id): retried only
    /// when the request surely never reached the server (connection refused).
    NonIdempotent,
}

/// The HTTP client of one provider. Cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    config: HttpConfig,
    backend: &'static str,
}

impl HttpClient {
    /// Builds a client. Redirects are never followed (ECS signals expired tokens with a 302).
    pub fn new(backend: &'static str, config: HttpConfig) -> Result<Self> {
        let mut b = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("s3aas/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &config.tls.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                Error::new(
                    ErrorKind::ConfigInvalid,
                    format!("invalid CA certificate PEM: {e}"),
                )
            })?;
            if certs.is_empty() {
                return Err(Error::new(
                    ErrorKind::ConfigInvalid,
                    "the CA PEM holds no certificate",
                ));
            }
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if config.tls.danger_accept_invalid_certs {
            tracing::warn!(
                backend,
                "TLS certificate verification is DISABLED (danger_accept_invalid_certs): this is insecure and only for lab systems"
            );
            b = b.danger_accept_invalid_certs(true);
        }
        let inner = b.build().map_err(|e| {
            Error::new(
                ErrorKind::ConfigInvalid,
                format!("cannot build HTTP client: {e}"),
            )
        })?;
        Ok(HttpClient {
            inner,
            config,
            backend,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// Sends a request built by `build` (called again for each attempt), signed by `signer` when
    /// given, retrying per the policy. Returns the final response whatever its status; fails
    /// only when no response was received.
    pub async fn execute<F>(
        &self,
        operation: &'static str,
        idempotency: Idempotency,
        signer: Option<&SigV4Signer>,
        build: F,
    ) -> Result<Response>
    where
        F: Fn() -> Result<Request> + Send + Sync,
    {
        let span = tracing::debug_span!("s3aas.http", backend = self.backend, operation);
        async move {
            let max = self.config.retry.max_attempts.max(1);
            let mut attempt = 0;
            loop {
                attempt += 1;
                let req = build()?;
                let method = req.method.clone();
                let path = req.url.path().to_string();
                let outcome = self.send_once(req, signer).await;
                let last = attempt >= max;
                match outcome {
                    Ok(mut resp) => {
                        resp.attempts = attempt;
                        let transient = s3aas_core::error::status_is_transient(resp.status);
                        let may_retry = match idempotency {
                            Idempotency::Idempotent => transient,
                            Idempotency::NonIdempotent => resp.status == 429,
                        };
                        tracing::debug!(%method, path, status = resp.status, attempt, "response");
                        if !may_retry || last {
                            resp.retries_exhausted = may_retry && last;
                            return Ok(resp);
                        }
                        let wait = self.backoff(attempt, retry_after(&resp.headers));
                        tracing::debug!(status = resp.status, attempt, wait_ms = wait.as_millis() as u64, "retrying");
                        tokio::time::sleep(wait).await;
                    }
                    Err(e) => {
                        let safe = e.kind == TransportKind::Connect || idempotency == Idempotency::Idempotent;
                        tracing::debug!(%method, path, attempt, error = %e.message, "transport error");
                        if !safe || last {
                            let kind = match e.kind {
                                TransportKind::Timeout => ErrorKind::Timeout,
                                TransportKind::Connect | TransportKind::Other => ErrorKind::Unavailable,
                            };
                            let mut err = Error::new(kind, format!("{} {} failed after {attempt} attempt(s): {}", method, path, e.message))
                                .with_backend(self.backend)
                                .with_operation(operation);
                            if safe && last {
                                err.set_retries_exhausted();
                            }
                            return Err(err);
                        }
                        tokio::time::sleep(self.backoff(attempt, None)).await;
                    }
                }
            }
        }
        .instrument(span)
        .await
    }

    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let r = &self.config.retry;
        if let Some(ra) = retry_after {
            return ra.min(r.max_backoff);
        }
        let exp = r
            .initial_backoff
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(r.max_backoff);
        let jitter = rand::thread_rng().gen_range(0.0..=1.0);
        exp.mul_f64(jitter).max(Duration::from_millis(1))
    }

    async fn send_once(
        &self,
        req: Request,
        signer: Option<&SigV4Signer>,
    ) -> std::result::Result<Response, Transport> {
        let mut hreq = http::Request::builder()
            .method(req.method.clone())
            .uri(req.url.as_str());
        let host = match req.url.port() {
            Some(p) => format!("{}:{p}", req.url.host_str().unwrap_or_default()),
            None => req.url.host_str().unwrap_or_default().to_string(),
        };
        hreq = hreq.header(http::header::HOST, host);
        for (k, v) in &req.headers {
            hreq = hreq.header(k, v);
        }
        let mut hreq = hreq.body(req.body).map_err(|e| Transport {
            kind: TransportKind::Other,
            message: format!("invalid request: {e}"),
        })?;
        if let Some(s) = signer {
            s.sign(&mut hreq, SystemTime::now())
                .map_err(|e| Transport {
                    kind: TransportKind::Other,
                    message: e.message().to_string(),
                })?;
        }
        let (parts, body) = hreq.into_parts();
        let mut rb = self
            .inner
            .request(parts.method, req.url.as_str())
            .body(body);
        for (k, v) in &parts.headers {
            if k != http::header::HOST {
                rb = rb.header(k, v);
            }
        }
        let resp = rb.send().await.map_err(Transport::from)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(Transport::from)?;
        Ok(Response {
            status,
            headers,
            body,
            attempts: 1,
            retries_exhausted: false,
        })
    }
}

#[derive(Debug, PartialEq, Eq)]
enum TransportKind {
    Connect,
    Timeout,
    Other,
}

struct Transport {
    kind: TransportKind,
    message: String,
}

impl From<reqwest::Error> for Transport {
    fn from(e: reqwest::Error) -> Self {
        let kind = if e.is_timeout() {
            TransportKind::Timeout
        } else if e.is_connect() {
            TransportKind::Connect
        } else {
            TransportKind::Other
        };
        // Keep the chain (e.g. the TLS reason) but never the URL's query: strip it.
        let e = e.without_url();
        let mut message = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            message.push_str(": ");
            message.push_str(&s.to_string());
            src = s.source();
        }
        Transport { kind, message }
    }
}

fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when =
        time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822).ok()?;
    let now = time::OffsetDateTime::now_utc();
    Some(if when > now {
        (when - now).unsigned_abs()
    } else {
        Duration::ZERO
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_is_bounded() {
        let c = HttpClient::new(
            "test",
            HttpConfig::new()
                .retry(crate::RetryConfig::default().max_backoff(Duration::from_millis(300))),
        )
        .unwrap();
        for attempt in 1..20 {
            assert!(c.backoff(attempt, None) <= Duration::from_millis(300));
        }
        assert_eq!(
            c.backoff(1, Some(Duration::from_secs(60))),
            Duration::from_millis(300)
        );
    }
}
