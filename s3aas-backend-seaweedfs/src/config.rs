//! [`SeaweedfsBuilder`] and the configuration options: what a provider is built from.

use crate::provider::*;
use s3aas_core::ProviderConfig;
use s3aas_http::{HttpClient, HttpConfig, parse_endpoint};

/// Builds a [`SeaweedfsProvider`].
#[derive(Debug)]
pub struct SeaweedfsBuilder {
    endpoint: String,
    access_key: String,
    secret_key: SecretString,
    region: String,
    public_endpoint: Option<String>,
    http: HttpConfig,
    caps: Capabilities,
}

impl SeaweedfsBuilder {
    /// The SigV4 region (default `us-east-1`; SeaweedFS accepts any).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The S3 endpoint shown to tenants in [`Instance::endpoints`] (default: the endpoint).
    pub fn public_endpoint(mut self, url: impl Into<String>) -> Self {
        self.public_endpoint = Some(url.into());
        self
    }

    /// Transport settings (timeouts, retries, TLS).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Switches capabilities off (e.g. to describe a gateway started with IAM read-only);
    /// anything this backend cannot do stays off.
    pub fn capabilities(mut self, caps: Capabilities) -> Self {
        self.caps = crate::CAPABILITIES.intersect(caps);
        self
    }

    /// Checks the settings and builds the provider. Sends nothing.
    pub fn build(self) -> Result<SeaweedfsProvider> {
        let endpoint = parse_endpoint("endpoint", &self.endpoint)?;
        let public_endpoint = match &self.public_endpoint {
            Some(u) => parse_endpoint("public_endpoint", u)?,
            None => endpoint.clone(),
        };
        if self.access_key.is_empty() {
            return Err(Error::invalid_input("access_key", "must not be empty"));
        }
        let http = HttpClient::new(crate::SCHEME, self.http)?;
        let signer = SigV4Signer::new(&self.access_key, self.secret_key, &self.region);
        let s3 = S3Client::new(
            crate::SCHEME,
            http.clone(),
            endpoint.clone(),
            signer.clone(),
        );
        let iam = IamClient::new(crate::SCHEME, http, endpoint, signer.with_service("iam"));
        Ok(SeaweedfsProvider {
            iam: crate::wire::Iam(iam),
            s3,
            region: self.region,
            public_endpoint,
            caps: self.caps,
        })
    }
}

impl SeaweedfsProvider {
    /// A builder for the S3 gateway at `endpoint` (e.g. `http://127.0.0.1:8333`) and an
    /// identity holding the `Admin` action (from the gateway's `-s3.config` file or IAM).
    pub fn builder(
        endpoint: impl Into<String>,
        access_key: impl Into<String>,
        secret_key: SecretString,
    ) -> SeaweedfsBuilder {
        SeaweedfsBuilder {
            endpoint: endpoint.into(),
            access_key: access_key.into(),
            secret_key,
            region: "us-east-1".into(),
            public_endpoint: None,
            http: HttpConfig::default(),
            caps: crate::CAPABILITIES,
        }
    }

    /// Builds from configuration options: `endpoint`, `access_key`, `secret_key` (required);
    /// `region`, `public_endpoint`, `capabilities` (restrictions such as `bucket_tags=no`: they
    /// can only switch things off), and the transport options of
    /// [`HttpConfig::from_provider_config`].
    pub fn from_config(cfg: &ProviderConfig) -> Result<Self> {
        let o: SeaweedfsOptions = cfg.typed(HttpConfig::KEYS)?;
        let mut b = Self::builder(o.endpoint, o.access_key, o.secret_key.0)
            .http(HttpConfig::from_provider_config(cfg)?);
        if let Some(v) = o.region {
            b = b.region(v);
        }
        if let Some(v) = o.public_endpoint {
            b = b.public_endpoint(v);
        }
        if let Some(spec) = o.capabilities {
            b = b.capabilities(Capabilities::all().with_overrides(&spec)?);
        }
        b.build()
    }
}

/// The configuration options of the `seaweedfs` backend (besides the transport options of
/// [`HttpConfig::KEYS`]), as `S3AAS_SEAWEEDFS_<KEY>` variables, URI query parameters or options.
/// Declared once: [`crate::KEYS`] is read from this struct.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeaweedfsOptions {
    /// The S3 gateway (IAM answers on the same port), e.g. `http://127.0.0.1:8333`.
    endpoint: String,
    /// Access key of an identity with the `Admin` action.
    access_key: String,
    /// Its secret key.
    secret_key: s3aas_core::typed::SecretOption,
    /// SigV4 region (default `us-east-1`).
    #[serde(default)]
    region: Option<String>,
    /// The S3 endpoint shown to tenants (default: `endpoint`).
    #[serde(default)]
    public_endpoint: Option<String>,
    /// Restrictions of the capabilities (`bucket_tags=no,...`; off only).
    #[serde(default)]
    capabilities: Option<String>,
}
