//! Transport settings shared by every backend: timeouts, TLS and retries.

use s3aas_core::{Error, ErrorKind, ProviderConfig, Result};
use std::fmt;
use std::time::Duration;

/// TLS settings. Verification is on unless [`TlsConfig::danger_accept_invalid_certs`] is set.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsConfig {
    /// Extra trusted CA certificates, PEM (for servers signed by a private CA).
    pub ca_pem: Option<Vec<u8>>,
    /// **Insecure**: accept any certificate, including self-signed and expired ones, for any host
    /// name. Only for lab systems; a warning is logged every time a client is built with it.
    pub danger_accept_invalid_certs: bool,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field(
                "ca_pem",
                &self.ca_pem.as_ref().map(|p| format!("{} bytes", p.len())),
            )
            .field(
                "danger_accept_invalid_certs",
                &self.danger_accept_invalid_certs,
            )
            .finish()
    }
}

/// Retry policy: exponential backoff with full jitter, for idempotent calls only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Attempts in all, including the first (1 = no retries).
    pub max_attempts: u32,
    /// Backoff ceiling before the first retry; doubles per retry.
    pub initial_backoff: Duration,
    /// Largest wait between attempts (also caps `Retry-After`).
    pub max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryConfig {
    /// No retries.
    pub fn disabled() -> Self {
        RetryConfig {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the number of attempts (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets the first backoff.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Sets the largest backoff.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }
}

/// Everything about how a provider talks HTTP.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpConfig {
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for one attempt, from sending to the end of the response body.
    pub request_timeout: Duration,
    /// Retries.
    pub retry: RetryConfig,
    /// TLS.
    pub tls: TlsConfig,
    /// Idle pooled connections kept per host.
    pub pool_max_idle_per_host: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryConfig::default(),
            tls: TlsConfig::default(),
            pool_max_idle_per_host: 32,
        }
    }
}

impl HttpConfig {
    /// Defaults: 5 s connect, 30 s per attempt, 4 attempts, TLS verified.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets the per-attempt timeout.
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = d;
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, r: RetryConfig) -> Self {
        self.retry = r;
        self
    }

    /// Trusts an extra CA certificate (PEM).
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls.ca_pem = Some(pem.into());
        self
    }

    /// **Insecure**: accepts any server certificate. Only for lab systems with self-signed
    /// certificates; never in production.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.tls.danger_accept_invalid_certs = accept;
        self
    }

    /// Reads the shared transport options of a provider configuration:
    /// `connect_timeout_ms`, `request_timeout_ms`, `max_attempts`, `ca_file` (a PEM path) and
    /// `insecure_skip_tls_verify` (`true` turns verification off).
    pub fn from_provider_config(cfg: &ProviderConfig) -> Result<Self> {
        let d = HttpConfig::default();
        let mut out = HttpConfig::new()
            .connect_timeout(Duration::from_millis(
                cfg.get_u64("connect_timeout_ms", d.connect_timeout.as_millis() as u64)?,
            ))
            .request_timeout(Duration::from_millis(
                cfg.get_u64("request_timeout_ms", d.request_timeout.as_millis() as u64)?,
            ))
            .retry(
                RetryConfig::default()
                    .max_attempts(cfg.get_u64("max_attempts", d.retry.max_attempts as u64)? as u32),
            )
            .danger_accept_invalid_certs(cfg.get_bool("insecure_skip_tls_verify", false)?);
        if let Some(path) = cfg.get("ca_file") {
            let pem = std::fs::read(path).map_err(|e| {
                Error::new(
                    ErrorKind::ConfigInvalid,
                    format!("cannot read ca_file '{path}': {e}"),
                )
            })?;
            out = out.ca_pem(pem);
        }
        Ok(out)
    }

    /// The option names [`HttpConfig::from_provider_config`] reads.
    pub const KEYS: &'static [&'static str] = &[
        "connect_timeout_ms",
        "request_timeout_ms",
        "max_attempts",
        "ca_file",
        "insecure_skip_tls_verify",
    ];
}

/// Parses an endpoint option: an `http` or `https` URL, or `ConfigInvalid` naming `field`.
pub fn parse_endpoint(field: &str, s: &str) -> s3aas_core::Result<url::Url> {
    use s3aas_core::{Error, ErrorKind};
    let u = url::Url::parse(s).map_err(|e| {
        Error::new(
            ErrorKind::ConfigInvalid,
            format!("{field} '{s}' is not a URL: {e}"),
        )
    })?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err(Error::new(
            ErrorKind::ConfigInvalid,
            format!("{field} must be an http or https URL"),
        ));
    }
    Ok(u)
}
