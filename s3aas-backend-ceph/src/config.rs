//! [`CephBuilder`] and the configuration options: what a provider is built from.

use crate::provider::*;

/// Builds a [`CephProvider`].
#[derive(Debug)]
pub struct CephBuilder {
    endpoint: String,
    access_key: String,
    secret_key: SecretString,
    s3_public_endpoint: Option<String>,
    region: String,
    http: HttpConfig,
    caps: Option<Capabilities>,
}

impl CephBuilder {
    /// The S3 endpoint shown to tenants in [`Instance::endpoints`] (default: `endpoint`).
    pub fn s3_public_endpoint(mut self, url: impl Into<String>) -> Self {
        self.s3_public_endpoint = Some(url.into());
        self
    }

    /// The SigV4 region (default `us-east-1`; RGW checks the signature, not the region name,
    /// unless its zonegroup's `api_name` is set).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Transport settings (timeouts, retries, TLS).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Restricts the capabilities: the effective ones are what RGW can do ∧ these, so an
    /// override can only switch things off (e.g. `policies=no` where the admin user lacks the
    /// `user-policy` cap).
    pub fn capabilities(mut self, caps: Capabilities) -> Self {
        self.caps = Some(caps);
        self
    }

    /// Builds the provider. No request is sent.
    pub fn build(self) -> Result<CephProvider> {
        let endpoint = s3aas_http::parse_endpoint("endpoint", &self.endpoint)?;
        if self.access_key.is_empty() {
            return Err(Error::new(
                ErrorKind::ConfigInvalid,
                "the RGW admin access key must not be empty",
            ));
        }
        if self.secret_key.expose_secret().is_empty() {
            return Err(Error::new(
                ErrorKind::ConfigInvalid,
                "the RGW admin secret key must not be empty",
            ));
        }
        let s3_public = match &self.s3_public_endpoint {
            Some(p) => s3aas_http::parse_endpoint("s3_public_endpoint", p)?,
            None => endpoint.clone(),
        };
        let http = HttpClient::new(SCHEME, self.http)?;
        let admin = SigV4Signer::new(self.access_key, self.secret_key, self.region.clone());
        let caps = match self.caps {
            Some(r) => crate::CAPABILITIES.intersect(r),
            None => crate::CAPABILITIES,
        };
        Ok(CephProvider {
            iam: IamClient::new(
                SCHEME,
                http.clone(),
                endpoint.clone(),
                admin.clone().with_service("iam"),
            ),
            http,
            endpoint,
            s3_public,
            admin,
            region: self.region,
            caps,
            tenant_signers: Mutex::new(HashMap::new()),
            probed: Mutex::new(None),
        })
    }
}

impl CephProvider {
    /// A builder for the RGW at `endpoint` (e.g. `http://127.0.0.1:7480`; the Admin Ops API,
    /// S3 and IAM are all on it) with an admin user's S3 key. The admin user needs the caps
    /// `users=*;buckets=*;usage=read;metadata=read;user-policy=*` (see the crate docs).
    pub fn builder(
        endpoint: impl Into<String>,
        access_key: impl Into<String>,
        secret_key: SecretString,
    ) -> CephBuilder {
        CephBuilder {
            endpoint: endpoint.into(),
            access_key: access_key.into(),
            secret_key,
            s3_public_endpoint: None,
            region: "us-east-1".into(),
            http: HttpConfig::default(),
            caps: None,
        }
    }

    /// Builds from configuration options: `endpoint`, `access_key`, `secret_key` (required);
    /// `s3_public_endpoint`, `region`, `capabilities` (restrictions such as `policies=no`: they
    /// can only switch things off), and the transport options of
    /// [`HttpConfig::from_provider_config`].
    pub fn from_config(cfg: &ProviderConfig) -> Result<Self> {
        let o: CephOptions = cfg.typed(HttpConfig::KEYS)?;
        let mut b = Self::builder(o.endpoint, o.access_key, o.secret_key.0)
            .http(HttpConfig::from_provider_config(cfg)?);
        if let Some(v) = o.s3_public_endpoint {
            b = b.s3_public_endpoint(v);
        }
        if let Some(v) = o.region {
            b = b.region(v);
        }
        if let Some(spec) = o.capabilities {
            b = b.capabilities(Capabilities::all().with_overrides(&spec)?);
        }
        b.build()
    }
}

/// The configuration options of the `ceph` backend (besides the transport options of
/// [`HttpConfig::KEYS`]), as `S3AAS_CEPH_<KEY>` variables, URI query parameters or options.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CephOptions {
    /// The RGW endpoint (Admin Ops API, S3 and IAM), e.g. `http://rgw:7480`.
    endpoint: String,
    /// The admin user's S3 access key.
    access_key: String,
    /// Its secret key.
    secret_key: s3aas_core::typed::SecretOption,
    /// The S3 endpoint shown to tenants (default: `endpoint`).
    #[serde(default)]
    s3_public_endpoint: Option<String>,
    /// SigV4 region (default `us-east-1`).
    #[serde(default)]
    region: Option<String>,
    /// Restrictions of the capabilities (`policies=no,...`; off only).
    #[serde(default)]
    capabilities: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crate_docs_name_every_option() {
        let docs = include_str!("lib.rs");
        for k in crate::KEYS.iter() {
            assert!(
                docs.contains(&format!("| `{k}` |")),
                "option {k} is not in the crate docs"
            );
        }
        assert_eq!(crate::KEYS.len(), 6);
    }

    #[test]
    fn the_registry_connects_the_ceph_scheme() {
        let mut r = s3aas_core::Registry::new();
        crate::register(&mut r);
        assert!(r.backends().contains(&"ceph"));
        let p = r
            .connect(
                &ProviderConfig::new("ceph")
                    .with("endpoint", "http://127.0.0.1:7480")
                    .with("access_key", "ADMIN")
                    .with("secret_key", "x"),
            )
            .unwrap();
        assert_eq!(p.backend(), "ceph");
        assert_eq!(p.capabilities(), crate::CAPABILITIES);
    }

    #[test]
    fn builds_from_config_and_never_shows_the_secret() {
        let cfg = ProviderConfig::new("ceph")
            .with("endpoint", "http://127.0.0.1:7480")
            .with("access_key", "ADMIN")
            .with("secret_key", "very-secret-value")
            .with("capabilities", "policies=no");
        let p = CephProvider::from_config(&cfg).unwrap();
        let dbg = format!("{p:?}");
        assert!(
            dbg.contains("ADMIN") && !dbg.contains("very-secret-value"),
            "{dbg}"
        );
        assert!(!p.capabilities().policies);
        assert!(p.capabilities().user_disable);
        let bad = ProviderConfig::new("ceph")
            .with("endpoint", "http://127.0.0.1:7480")
            .with("access_key", "ADMIN")
            .with("secret_key", "x")
            .with("nonsense", "1");
        assert_eq!(
            CephProvider::from_config(&bad).unwrap_err().kind(),
            ErrorKind::ConfigInvalid
        );
        let empty = CephProvider::builder(
            "http://127.0.0.1:7480",
            "",
            SecretString::from("x".to_string()),
        )
        .build()
        .unwrap_err();
        assert_eq!(empty.kind(), ErrorKind::ConfigInvalid);
    }
}
