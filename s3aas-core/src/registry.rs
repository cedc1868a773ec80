//! Building providers from configuration: environment, URIs and key/value options.
//!
//! One key namespace serves every source. For a backend `B`, the environment variable
//! `S3AAS_<B>_<KEY>` (upper case), the URI query parameter `<key>` and the option `<key>` all set
//! the same value. `S3AAS_BACKEND` picks the backend when configuring from the environment
//! (default `memory`).
//!
//! Credentials never travel in a URI: a URI with user info is refused. Give them as options or
//! environment variables. Keys whose name contains `secret`, `password` or `token` are held as
//! secrets and never printed.

use crate::error::{Error, ErrorKind, Result};
use crate::memory::MemoryProvider;
use crate::provider::ObjectStoreProvider;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use url::Url;

/// Configuration of one provider: backend name, endpoint and string options.
#[derive(Clone, Default)]
pub struct ProviderConfig {
    backend: String,
    values: BTreeMap<String, String>,
    secrets: BTreeMap<String, SecretString>,
}

fn is_secret_key(key: &str) -> bool {
    key.contains("secret") || key.contains("password") || key.contains("token")
}

impl ProviderConfig {
    /// An empty configuration for a backend.
    pub fn new(backend: impl Into<String>) -> Self {
        ProviderConfig {
            backend: backend.into().to_ascii_lowercase(),
            ..Default::default()
        }
    }

    /// Reads `S3AAS_BACKEND` (default `memory`) and every `S3AAS_<BACKEND>_<KEY>` variable.
    pub fn from_env() -> Self {
        Self::from_vars(std::env::vars())
    }

    /// Like [`ProviderConfig::from_env`], from any list of variables (for tests).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let vars: Vec<(String, String)> = vars.into_iter().collect();
        let backend = vars
            .iter()
            .find(|(k, _)| k == "S3AAS_BACKEND")
            .map(|(_, v)| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "memory".to_string());
        let prefix = format!("S3AAS_{}_", backend.to_ascii_uppercase());
        let mut cfg = ProviderConfig::new(backend);
        for (k, v) in vars {
            if let Some(key) = k.strip_prefix(&prefix) {
                cfg.set(key.to_ascii_lowercase(), v);
            }
        }
        cfg
    }

    /// Parses `<backend>://host[:port][/path]?key=value&...`. The endpoint becomes
    /// `http://host:port/path`, or `https://` with `tls=true`. Options (credentials included)
    /// are added from `options`.
    pub fn from_uri<K, V>(uri: &str, options: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let url = Url::parse(uri).map_err(|e| {
            Error::new(
                ErrorKind::ConfigInvalid,
                format!("invalid provider URI: {e}"),
            )
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::new(
                ErrorKind::ConfigInvalid,
                "credentials must not be given in the provider URI; pass them as options or environment variables",
            ));
        }
        let mut cfg = ProviderConfig::new(url.scheme());
        let mut tls = false;
        for (k, v) in url.query_pairs() {
            let k = k.to_ascii_lowercase();
            if is_secret_key(&k) {
                return Err(Error::new(
                    ErrorKind::ConfigInvalid,
                    format!(
                        "'{k}' must not be given in the provider URI; pass it as an option or environment variable"
                    ),
                ));
            }
            if k == "tls" {
                tls = matches!(v.as_ref(), "true" | "1" | "yes");
            } else {
                cfg.set(k, v.into_owned());
            }
        }
        if let Some(host) = url.host_str() {
            let scheme = if tls { "https" } else { "http" };
            let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
            let path = url.path().trim_end_matches('/');
            cfg.set("endpoint", format!("{scheme}://{host}{port}{path}"));
        }
        for (k, v) in options {
            cfg.set(k.into().to_ascii_lowercase(), v.into());
        }
        Ok(cfg)
    }

    /// Sets an option (secrets by name are stored redacted).
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        let key = key.into();
        let value = value.into();
        if is_secret_key(&key) {
            self.values.remove(&key);
            self.secrets.insert(key, SecretString::from(value));
        } else {
            self.secrets.remove(&key);
            self.values.insert(key, value);
        }
        self
    }

    /// Builder form of [`ProviderConfig::set`].
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(key, value);
        self
    }

    /// The backend name.
    pub fn backend(&self) -> &str {
        &self.backend
    }

    /// A non-secret option.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// A required non-secret option, or `ConfigInvalid` naming the variable to set.
    pub fn require(&self, key: &str) -> Result<&str> {
        self.get(key).ok_or_else(|| self.missing(key))
    }

    /// A secret option.
    pub fn secret(&self, key: &str) -> Option<&SecretString> {
        self.secrets.get(key)
    }

    /// A required secret option.
    pub fn require_secret(&self, key: &str) -> Result<&SecretString> {
        self.secret(key).ok_or_else(|| self.missing(key))
    }

    /// A boolean option (`true`/`false`/`1`/`0`/`yes`/`no`), or `default` when unset.
    pub fn get_bool(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some("true" | "1" | "yes" | "on") => Ok(true),
            Some("false" | "0" | "no" | "off") => Ok(false),
            Some(v) => Err(Error::new(
                ErrorKind::ConfigInvalid,
                format!("option '{key}' must be true or false (got '{v}')"),
            )),
        }
    }

    /// A numeric option, or `default` when unset.
    pub fn get_u64(&self, key: &str, default: u64) -> Result<u64> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                Error::new(
                    ErrorKind::ConfigInvalid,
                    format!("option '{key}' must be a whole number (got '{v}')"),
                )
            }),
        }
    }

    /// The option names that are set (secrets included, values not).
    pub fn keys(&self) -> Vec<&str> {
        let mut k: Vec<&str> = self
            .values
            .keys()
            .chain(self.secrets.keys())
            .map(String::as_str)
            .collect();
        k.sort_unstable();
        k
    }

    fn missing(&self, key: &str) -> Error {
        Error::new(
            ErrorKind::ConfigInvalid,
            format!(
                "the {} backend needs option '{key}' (environment variable S3AAS_{}_{})",
                self.backend,
                self.backend.to_ascii_uppercase(),
                key.to_ascii_uppercase()
            ),
        )
    }

    /// Refuses options no backend key list names, so typos do not pass silently.
    pub fn check_known(&self, known: &[&str]) -> Result<()> {
        for k in self.keys() {
            if !known.contains(&k) {
                return Err(Error::new(
                    ErrorKind::ConfigInvalid,
                    format!(
                        "unknown option '{k}' for the {} backend (known: {})",
                        self.backend,
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secrets: BTreeMap<&str, &str> = self
            .secrets
            .keys()
            .map(|k| (k.as_str(), "[REDACTED]"))
            .collect();
        f.debug_struct("ProviderConfig")
            .field("backend", &self.backend)
            .field("values", &self.values)
            .field("secrets", &secrets)
            .finish()
    }
}

/// Builds a provider from a configuration.
pub type Factory = fn(&ProviderConfig) -> Result<Arc<dyn ObjectStoreProvider>>;

/// Maps backend names to factories. Each backend crate offers a `register` function; the `s3aas`
/// facade builds a registry with every backend compiled in.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    factories: BTreeMap<&'static str, Factory>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry that knows the `memory` backend.
    pub fn with_memory() -> Self {
        let mut r = Self::new();
        r.register("memory", memory_factory);
        r
    }

    /// Registers (or replaces) a backend.
    pub fn register(&mut self, backend: &'static str, factory: Factory) -> &mut Self {
        self.factories.insert(backend, factory);
        self
    }

    /// The registered backend names.
    pub fn backends(&self) -> Vec<&'static str> {
        self.factories.keys().copied().collect()
    }

    /// Builds the provider a configuration names, behind a [`Client`](crate::Client) (the
    /// checks every backend shares).
    pub fn connect(&self, cfg: &ProviderConfig) -> Result<Arc<dyn ObjectStoreProvider>> {
        let f = self.factories.get(cfg.backend()).ok_or_else(|| {
            Error::new(
                ErrorKind::ConfigInvalid,
                format!(
                    "unknown backend '{}' (available: {})",
                    cfg.backend(),
                    self.backends().join(", ")
                ),
            )
        })?;
        // Every provider is handed out behind the checked front door.
        Ok(Arc::new(crate::Client::new(f(cfg)?)))
    }
}

/// `memory`: options `capabilities` (overrides, see
/// [`Capabilities::with_overrides`](crate::Capabilities::with_overrides)).
fn memory_factory(cfg: &ProviderConfig) -> Result<Arc<dyn ObjectStoreProvider>> {
    cfg.check_known(&["capabilities"])?;
    let caps = match cfg.get("capabilities") {
        Some(spec) => crate::Capabilities::all().with_overrides(spec)?,
        None => crate::Capabilities::all(),
    };
    Ok(Arc::new(MemoryProvider::with_capabilities(caps)))
}

/// Reveals a secret option for sending (only backends call this).
pub fn expose(secret: &SecretString) -> &str {
    secret.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_keys_follow_the_backend_prefix() {
        let cfg = ProviderConfig::from_vars([
            ("S3AAS_BACKEND".to_string(), "AcmeStore".to_string()),
            (
                "S3AAS_ACMESTORE_ENDPOINT".to_string(),
                "http://127.0.0.1:9000".to_string(),
            ),
            (
                "S3AAS_ACMESTORE_SECRET_KEY".to_string(),
                "hunter2-secret".to_string(),
            ),
            (
                "S3AAS_OTHER_ENDPOINT".to_string(),
                "http://elsewhere".to_string(),
            ),
        ]);
        assert_eq!(cfg.backend(), "acmestore");
        assert_eq!(cfg.get("endpoint"), Some("http://127.0.0.1:9000"));
        assert_eq!(
            cfg.secret("secret_key").map(|s| s.expose_secret()),
            Some("hunter2-secret")
        );
        assert!(!format!("{cfg:?}").contains("hunter2"));
        assert_eq!(ProviderConfig::from_vars(Vec::new()).backend(), "memory");
    }

    #[test]
    fn uris_never_carry_credentials() {
        let cfg = ProviderConfig::from_uri(
            "acme://127.0.0.1:9000?tls=true&region=eu-1",
            [("access_key", "ak"), ("secret_key", "sk")],
        )
        .unwrap();
        assert_eq!(cfg.backend(), "acme");
        assert_eq!(cfg.get("endpoint"), Some("https://127.0.0.1:9000"));
        assert_eq!(cfg.get("region"), Some("eu-1"));
        assert!(cfg.secret("secret_key").is_some());
        let e = ProviderConfig::from_uri(
            "acme://ak:sk@127.0.0.1:9000",
            Vec::<(String, String)>::new(),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(!e.to_string().contains("sk@"));
        assert!(
            ProviderConfig::from_uri("acme://h?password=x", Vec::<(String, String)>::new())
                .is_err()
        );
    }

    #[test]
    fn registry_lists_backends_on_unknown_names() {
        let r = Registry::with_memory();
        let e = r.connect(&ProviderConfig::new("nope")).unwrap_err();
        assert!(e.message().contains("available: memory"), "{e}");
        let p = r
            .connect(&ProviderConfig::new("memory").with("capabilities", "policies=no"))
            .unwrap();
        assert!(!p.capabilities().policies);
        assert!(
            r.connect(&ProviderConfig::new("memory").with("typo", "1"))
                .is_err()
        );
        let e = ProviderConfig::new("acmestore")
            .require("endpoint")
            .unwrap_err();
        assert!(e.message().contains("S3AAS_ACMESTORE_ENDPOINT"), "{e}");
    }
}
