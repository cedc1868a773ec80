//! [`MadminBuilder`] and the configuration options.

use crate::provider::*;

/// Builds a [`MadminProvider`].
#[derive(Debug)]
pub struct MadminBuilder<D: Dialect> {
    dialect: D,
    algorithm: Algorithm,
    endpoint: String,
    access_key: String,
    secret_key: SecretString,
    region: String,
    system_bucket: String,
    public_endpoint: Option<String>,
    http: HttpConfig,
    caps: Capabilities,
}

impl<D: Dialect> MadminBuilder<D> {
    /// Sets the region signed for (default `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Sets the bucket that holds the instance registry (default `s3aas-system`).
    pub fn system_bucket(mut self, bucket: impl Into<String>) -> Self {
        self.system_bucket = bucket.into();
        self
    }

    /// Sets the S3 URL shown to tenants (default: the endpoint).
    pub fn public_endpoint(mut self, url: impl Into<String>) -> Self {
        self.public_endpoint = Some(url.into());
        self
    }

    /// Sets the transport configuration.
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Narrows the capabilities (e.g. for an older server).
    pub fn capabilities(mut self, caps: Capabilities) -> Self {
        // A restriction: the dialect's capabilities ∧ these (an override only switches off).
        self.caps = self.caps.intersect(caps);
        self
    }

    /// Sets the algorithm of encrypted admin payloads (default: id 2, PBKDF2 + AES-GCM).
    pub fn payload_algorithm(mut self, alg: Algorithm) -> Self {
        self.algorithm = alg;
        self
    }

    /// Builds the provider. No request is sent.
    pub fn build(self) -> Result<MadminProvider<D>> {
        let endpoint = s3aas_http::parse_endpoint("endpoint", &self.endpoint)?;
        let public_endpoint = match &self.public_endpoint {
            Some(p) => s3aas_http::parse_endpoint("public_endpoint", p)?,
            None => endpoint.clone(),
        };
        s3aas_core::validate::bucket_name("system_bucket", &self.system_bucket)
            .map_err(|e| e.with_kind(ErrorKind::ConfigInvalid))?;
        let http = HttpClient::new(D::NAME, self.http)?;
        let signer = SigV4Signer::new(self.access_key, self.secret_key, &self.region);
        let s3 = S3Client::new(D::NAME, http.clone(), endpoint.clone(), signer.clone());
        Ok(MadminProvider {
            admin: Admin {
                http,
                endpoint,
                signer,
                dialect: Arc::new(self.dialect),
                algorithm: self.algorithm,
            },
            system: SystemBucket::new(s3.clone(), self.system_bucket),
            s3,
            region: self.region,
            public_endpoint,
            caps: self.caps,
            info: Kept::new(INFO_KEPT),
            ready: Kept::new(READY_KEPT),
            group_locks: Mutex::new(HashMap::new()),
            group_pending: Mutex::new(HashMap::new()),
            sse: Mutex::new(None),
            recent_policies: Mutex::new(HashMap::new()),
        })
    }
}

impl<D: Dialect + Default> MadminProvider<D> {
    /// A builder for a server at `endpoint` (e.g. `http://127.0.0.1:9000`) and an admin key.
    pub fn builder(
        endpoint: impl Into<String>,
        access_key: impl Into<String>,
        secret_key: SecretString,
    ) -> MadminBuilder<D> {
        let dialect = D::default();
        let caps = dialect.capabilities();
        MadminBuilder {
            dialect,
            algorithm: Algorithm::default(),
            endpoint: endpoint.into(),
            access_key: access_key.into(),
            secret_key,
            region: "us-east-1".into(),
            system_bucket: "s3aas-system".into(),
            public_endpoint: None,
            http: HttpConfig::default(),
            caps,
        }
    }

    /// Builds from configuration options (the typed options struct: `endpoint`,
    /// `access_key`, `secret_key`, `region`, `system_bucket`, `public_endpoint`,
    /// `payload_algorithm`, `capabilities`) and the transport options of
    /// [`HttpConfig::from_provider_config`]. Unknown keys are refused naming the known ones.
    pub fn from_config(cfg: &ProviderConfig) -> Result<Self> {
        let o: MadminOptions = cfg.typed(HttpConfig::KEYS)?;
        let mut b = Self::builder(o.endpoint, o.access_key, o.secret_key.0)
            .http(HttpConfig::from_provider_config(cfg)?);
        if let Some(r) = o.region {
            b = b.region(r);
        }
        if let Some(s) = o.system_bucket {
            b = b.system_bucket(s);
        }
        if let Some(p) = o.public_endpoint {
            b = b.public_endpoint(p);
        }
        if let Some(a) = o.payload_algorithm {
            let alg = u8::try_from(a)
                .ok()
                .and_then(Algorithm::from_id)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::ConfigInvalid,
                        format!("payload_algorithm must be 0, 1 or 2 (got '{a}')"),
                    )
                })?;
            b = b.payload_algorithm(alg);
        }
        if let Some(spec) = o.capabilities {
            b = b.capabilities(Capabilities::all().with_overrides(&spec)?);
        }
        b.build()
    }
}

/// The configuration options of the madmin-family backends (`rustfs`, `minio`), besides the
/// transport options of [`HttpConfig::KEYS`], as `S3AAS_<BACKEND>_<KEY>` variables, URI query
/// parameters or options. Declared once: [`KEYS`] is read from this struct, and a test keeps
/// the README's list complete.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MadminOptions {
    /// The server, e.g. `http://127.0.0.1:9000`.
    endpoint: String,
    /// The admin credential's access key (usually root).
    access_key: String,
    /// Its secret key.
    secret_key: s3aas_core::typed::SecretOption,
    /// SigV4 region (default `us-east-1`).
    #[serde(default)]
    region: Option<String>,
    /// Where instance records are kept (default `s3aas-system`).
    #[serde(default)]
    system_bucket: Option<String>,
    /// The S3 URL shown to tenants (default `endpoint`).
    #[serde(default)]
    public_endpoint: Option<String>,
    /// Payload encryption algorithm id (0, 1 or 2; default 2).
    #[serde(default)]
    payload_algorithm: Option<u64>,
    /// Restrictions of the capabilities (`bucket_tags=no,...`; off only).
    #[serde(default)]
    capabilities: Option<String>,
}

/// The configuration keys the madmin-family backends read (besides the transport keys of
/// [`HttpConfig::KEYS`]), read from the options struct itself.
pub static KEYS: std::sync::LazyLock<&'static [&'static str]> =
    std::sync::LazyLock::new(s3aas_core::typed::option_keys::<MadminOptions>);
