//! [`EcsBuilder`] and the configuration options: what a provider is built from.

use crate::provider::*;

/// An ECS release, as `major.minor.patch`.
fn parse_version(s: &str) -> Result<(u32, u32, u32)> {
    let mut parts = s.trim().trim_start_matches('v').split('.');
    let mut n = || -> Result<u32> {
        match parts.next() {
            None => Ok(0),
            Some(p) => p.parse().map_err(|_| {
                Error::new(
                    ErrorKind::ConfigInvalid,
                    format!("ECS version '{s}' is not like 3.8 or 3.6.2"),
                )
            }),
        }
    };
    Ok((n()?, n()?, n()?))
}

/// Builds an [`EcsProvider`].
#[derive(Debug)]
pub struct EcsBuilder {
    endpoint: String,
    username: String,
    password: SecretString,
    s3_endpoint: Option<String>,
    s3_public_endpoint: Option<String>,
    region: String,
    replication_group: Option<String>,
    user_prefix: String,
    user_name_template: Option<String>,
    namespace: Option<String>,
    version: Option<String>,
    empty_bucket_timeout: Duration,
    empty_bucket_poll: Duration,
    http: HttpConfig,
    caps: Option<Capabilities>,
    identity: Box<dyn Identity>,
}

impl EcsBuilder {
    /// The S3 endpoint the SDK itself calls (ECS "private URL", ports 9020/9021). Without one,
    /// versioning is unsupported.
    pub fn s3_endpoint(mut self, url: impl Into<String>) -> Self {
        self.s3_endpoint = Some(url.into());
        self
    }

    /// The S3 endpoint shown to tenants in [`Instance::endpoints`] (ECS "public URL"; default:
    /// the S3 endpoint).
    pub fn s3_public_endpoint(mut self, url: impl Into<String>) -> Self {
        self.s3_public_endpoint = Some(url.into());
        self
    }

    /// The SigV4 region for S3 calls (default `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The replication group (vpool id) new namespaces and buckets use. Without one, ECS uses
    /// the namespace's default.
    pub fn replication_group(mut self, id: impl Into<String>) -> Self {
        self.replication_group = Some(id.into());
        self
    }

    /// Prefix of the object users this provider makes (e.g. `cs-`, as CloudStack does): user
    /// `alice` of instance `acme` is object user `<prefix>acme--alice` (IAM user
    /// `<prefix>alice`). Give this or [`user_name_template`](Self::user_name_template).
    pub fn user_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.user_prefix = prefix.into();
        self
    }

    /// How users are named on ECS: `{user}` once, `{instance}` at most once, other characters
    /// literal. `cs-{user}` finds and manages CloudStack's `cs-<account uuid>` object users
    /// instead of duplicating them (object user ids are global on ECS, so a template without
    /// `{instance}` suits one namespace per provider, as with [`namespace`](Self::namespace)).
    /// Users found this way and not made by s3aas are *adopted*: managed, but never deleted by
    /// `delete_instance` without `force`.
    pub fn user_name_template(mut self, template: impl Into<String>) -> Self {
        self.user_name_template = Some(template.into());
        self
    }

    /// Uses an existing namespace (made by an operator or another tool, as CloudStack's
    /// `namespace` detail) as this provider's only instance: `create_instance` must name it and
    /// adopts it instead of creating a namespace, `list_instances` shows at most it, and
    /// `delete_instance` removes what s3aas made in it but never the namespace itself.
    pub fn namespace(mut self, ns: impl Into<String>) -> Self {
        self.namespace = Some(ns.into());
        self
    }

    /// The ECS release (`3.8`, `3.6.2`, ...), which decides object lock (3.6.2+) and forced
    /// bucket deletion (3.8+) until the provider has read the real release from ECS (the first
    /// `health`, `get_instance` or [`EcsProvider::probe_capabilities`]); from then on the real
    /// one decides. Without either, both are reported unsupported.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// How long a forced bucket delete waits for ECS to empty the bucket (default 10 minutes).
    pub fn empty_bucket_timeout(mut self, d: Duration) -> Self {
        self.empty_bucket_timeout = d;
        self
    }

    /// How often a forced bucket delete polls the emptying task (default 2 s).
    pub fn empty_bucket_poll(mut self, d: Duration) -> Self {
        self.empty_bucket_poll = d;
        self
    }

    /// Transport settings (timeouts, retries, TLS). ECS ships a self-signed certificate: give
    /// its CA with [`HttpConfig::ca_pem`] rather than turning verification off.
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Manages IAM users, their access keys and named policies through the ECS IAM API
    /// (ECS 3.6+) instead of object users and secret keys. With it, named policies can be
    /// created and attached to users, single keys can be disabled, and users are IAM users of
    /// the instance's namespace; buckets then have no owner user (ECS makes the namespace's root
    /// user the owner of what IAM users create). See the crate docs for the mapping.
    pub fn iam(mut self, on: bool) -> Self {
        self.identity = if on {
            Box::new(crate::identity::iam::IamUsers)
        } else {
            Box::new(crate::identity::object::ObjectUsers)
        };
        self
    }

    /// Restricts the capabilities: the effective ones are what ECS can do (by mode, S3
    /// endpoint and release) ∧ these, so an override can only switch things off.
    pub fn capabilities(mut self, caps: Capabilities) -> Self {
        self.caps = Some(caps);
        self
    }

    /// Builds the provider. No request is sent (the first call logs in).
    pub fn build(self) -> Result<EcsProvider> {
        let endpoint = s3aas_http::parse_endpoint("endpoint", &self.endpoint)?;
        if self.username.is_empty() {
            return Err(Error::new(
                ErrorKind::ConfigInvalid,
                "the ECS management username must not be empty",
            ));
        }
        let s3_endpoint = self
            .s3_endpoint
            .as_deref()
            .map(|s| s3aas_http::parse_endpoint("s3_endpoint", s))
            .transpose()?;
        let s3_public = match &self.s3_public_endpoint {
            Some(p) => Some(s3aas_http::parse_endpoint("s3_public_endpoint", p)?),
            None => s3_endpoint.clone(),
        };
        let version = self.version.as_deref().map(parse_version).transpose()?;
        if let (Some(min), Some(v)) = (self.identity.min_version(), version) {
            if v < min {
                return Err(Error::new(
                    ErrorKind::ConfigInvalid,
                    format!(
                        "{} needs ECS {}.{} or later; the configured version is {}",
                        self.identity.name(),
                        min.0,
                        min.1,
                        self.version.as_deref().unwrap_or_default()
                    ),
                ));
            }
        }
        let naming = Naming::new(&self.user_prefix, self.user_name_template.as_deref())?;
        if let Some(ns) = &self.namespace {
            // ECS namespace names: letters, digits, '-' and '_' (ECS Admin Guide naming rules).
            if ns.is_empty()
                || !ns
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(Error::new(
                    ErrorKind::ConfigInvalid,
                    format!(
                        "namespace '{ns}' is not an ECS namespace name (letters, digits, - and _)"
                    ),
                ));
            }
        }
        let http = HttpClient::new(SCHEME, self.http)?;
        let s3_endpoint_known = s3_endpoint.is_some();
        let session = std::sync::Arc::new(Session::new(
            http.clone(),
            endpoint.clone(),
            self.username,
            self.password,
        ));
        Ok(EcsProvider {
            session,
            http,
            endpoint,
            s3_endpoint,
            s3_public,
            region: self.region,
            replication_group: self.replication_group,
            user_prefix: self.user_prefix,
            naming,
            bound_namespace: self.namespace,
            empty_bucket_timeout: self.empty_bucket_timeout,
            empty_bucket_poll: self.empty_bucket_poll,
            caps: CapsInputs {
                s3: s3_endpoint_known,
                configured_version: version,
                probed_version: Mutex::new(None),
                restriction: self.caps,
            },
            identity: self.identity,
            nodes: Mutex::new(None),
        })
    }
}

/// What the provider's capabilities are computed from: the configuration, the release probed
/// from ECS (`/vdc/nodes`, read by `health`, `get_instance` and [`EcsProvider::probe_capabilities`])
/// and the user's restriction.
#[derive(Debug)]
pub(crate) struct CapsInputs {
    s3: bool,
    configured_version: Option<(u32, u32, u32)>,
    pub(crate) probed_version: Mutex<Option<(u32, u32, u32)>>,
    restriction: Option<Capabilities>,
}

impl CapsInputs {
    /// declared (identity strategy, S3 endpoint) ∧ release (probed, else configured, else
    /// unknown: the release-dependent features off) ∧ the user's restriction.
    pub(crate) fn effective(&self, identity: &dyn Identity) -> Capabilities {
        let probed = *self
            .probed_version
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let c = derive_caps(self.s3, probed.or(self.configured_version), identity);
        match self.restriction {
            Some(r) => c.intersect(r),
            None => c,
        }
    }
}

/// An ECS release as the nodes report it (`3.8.0.1`), if it reads as one.
pub(crate) fn probed(version: &str) -> Option<(u32, u32, u32)> {
    parse_version(
        version
            .split('.')
            .take(3)
            .collect::<Vec<_>>()
            .join(".")
            .as_str(),
    )
    .ok()
}

pub(crate) fn derive_caps(
    s3: bool,
    version: Option<(u32, u32, u32)>,
    identity: &dyn Identity,
) -> Capabilities {
    let at_least = |v: (u32, u32, u32)| version.is_some_and(|have| have >= v);
    let mut c = Capabilities::none();
    c.instance_create = true;
    // Versioning goes through S3, signed as the bucket's owner (the instance's service user
    // for the buckets s3aas makes), so it needs only the S3 endpoint.
    c.instance_versioning = if s3 { Support::Yes } else { Support::No };
    // ECS sets a namespace's D@RE at creation only ("You cannot edit the Name, Server-side
    // Encryption, or Compliance fields after the namespace has been created", ECS Admin Guide).
    c.instance_encryption = Support::CreationOnly;
    c.instance_labels = false;
    c.bucket_versioning = if s3 { Support::Yes } else { Support::No };
    c.bucket_encryption = Support::CreationOnly;
    c.bucket_object_lock = if at_least((3, 6, 2)) {
        Support::CreationOnly
    } else {
        Support::No
    };
    c.bucket_quota = Support::Yes;
    c.bucket_quota_notification = Support::Yes;
    c.bucket_policy = Support::Yes;
    c.bucket_tags = Support::Yes;
    c.bucket_owner = true;
    c.bucket_force_delete = at_least((3, 8, 0));
    c.bucket_usage = true;
    // Lifecycle (expiry actions only: ECS's Data Access Guide, "Only the expiration part is
    // supported in life cycle"), CORS and the object-lock default retention go through S3,
    // signed as the bucket's owner, like versioning; the retention needs object lock (3.6.2+).
    c.bucket_lifecycle = if s3 { Support::Yes } else { Support::No };
    c.bucket_cors = if s3 { Support::Yes } else { Support::No };
    c.bucket_retention = if s3 && at_least((3, 6, 2)) {
        Support::Yes
    } else {
        Support::No
    };
    // ECS replicates whole replication groups between sites (geo), chosen per namespace and
    // bucket at creation; it has no per-bucket S3 replication to a remote endpoint.
    c.bucket_replication = Support::No;
    // No per-bucket durability mode on ECS (protection is the replication group's).
    c.bucket_durability = false;
    // Namespace billing (`/object/billing/namespace/{ns}/info`), no S3 needed.
    c.instance_usage = true;
    c.user_tags = true;
    c.user_disable = true;
    c.access_key_rotation_grace = true;
    c.access_keys_per_user = Some(2);
    identity.declare(&mut c);
    c
}

impl EcsProvider {
    /// A builder for the management API at `endpoint` (e.g. `https://ecs:4443`) and a
    /// management user (System Admin to create namespaces; Namespace Admin suffices otherwise).
    pub fn builder(
        endpoint: impl Into<String>,
        username: impl Into<String>,
        password: SecretString,
    ) -> EcsBuilder {
        EcsBuilder {
            endpoint: endpoint.into(),
            username: username.into(),
            password,
            s3_endpoint: None,
            s3_public_endpoint: None,
            region: "us-east-1".into(),
            replication_group: None,
            user_prefix: String::new(),
            user_name_template: None,
            namespace: None,
            version: None,
            empty_bucket_timeout: Duration::from_secs(600),
            empty_bucket_poll: Duration::from_secs(2),
            http: HttpConfig::default(),
            caps: None,
            identity: Box::new(crate::identity::object::ObjectUsers),
        }
    }

    /// Builds from configuration options: `endpoint`, `username`, `password` (required);
    /// `s3_endpoint`, `s3_public_endpoint`, `region`, `replication_group`, `user_prefix` or
    /// `user_name_template`, `namespace`, `version`, `empty_bucket_timeout_secs`,
    /// `empty_bucket_poll_ms`, `iam` (`true` for [IAM mode](EcsBuilder::iam)), `capabilities`
    /// (restrictions such as `bucket_tags=no`: they can only switch things off), and the
    /// transport options of [`HttpConfig::from_provider_config`].
    pub fn from_config(cfg: &ProviderConfig) -> Result<Self> {
        if cfg.get("s3_access_key").is_some() || cfg.secret("s3_secret_key").is_some() {
            return Err(Error::new(
                ErrorKind::ConfigInvalid,
                "s3_access_key/s3_secret_key are no longer used: ECS takes an S3 request's namespace from the user who signs it, so s3aas signs bucket calls as the bucket's owner (see the ecs crate docs); remove them",
            ));
        }
        let o: EcsOptions = cfg.typed(HttpConfig::KEYS)?;
        let mut b = Self::builder(o.endpoint, o.username, o.password.0)
            .http(HttpConfig::from_provider_config(cfg)?)
            .iam(o.iam);
        if let Some(v) = o.s3_endpoint {
            b = b.s3_endpoint(v);
        }
        if let Some(v) = o.s3_public_endpoint {
            b = b.s3_public_endpoint(v);
        }
        if let Some(v) = o.region {
            b = b.region(v);
        }
        if let Some(v) = o.replication_group {
            b = b.replication_group(v);
        }
        if let Some(v) = o.user_prefix {
            b = b.user_prefix(v);
        }
        if let Some(v) = o.user_name_template {
            b = b.user_name_template(v);
        }
        if let Some(v) = o.namespace {
            b = b.namespace(v);
        }
        if let Some(v) = o.version {
            b = b.version(v);
        }
        if let Some(spec) = o.capabilities {
            b = b.capabilities(Capabilities::all().with_overrides(&spec)?);
        }
        if let Some(t) = o.empty_bucket_timeout_secs {
            b = b.empty_bucket_timeout(Duration::from_secs(t));
        }
        if let Some(ms) = o.empty_bucket_poll_ms {
            b = b.empty_bucket_poll(Duration::from_millis(ms));
        }
        b.build()
    }
}

/// The configuration options of the `ecs` backend (besides the transport options of
/// [`HttpConfig::KEYS`]), as `S3AAS_ECS_<KEY>` variables, URI query parameters or options.
/// Each option is declared here once: the key list ([`crate::KEYS`]) is read from this struct,
/// and `tests/options.rs` checks that the crate docs' and the README's tables name every one.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EcsOptions {
    /// Management API, e.g. `https://ecs:4443`.
    endpoint: String,
    /// Management user (System Admin; Namespace Admin with `namespace`).
    username: String,
    /// Its password.
    password: s3aas_core::typed::SecretOption,
    /// The S3 endpoint the SDK calls (ports 9020/9021); without it, no versioning.
    #[serde(default)]
    s3_endpoint: Option<String>,
    /// The S3 endpoint shown to tenants (default: `s3_endpoint`).
    #[serde(default)]
    s3_public_endpoint: Option<String>,
    /// SigV4 region of S3 calls (default `us-east-1`).
    #[serde(default)]
    region: Option<String>,
    /// Replication group (vpool id) of new namespaces and buckets.
    #[serde(default)]
    replication_group: Option<String>,
    /// Prefix of the users s3aas makes (e.g. `cs-`).
    #[serde(default)]
    user_prefix: Option<String>,
    /// How users are named (`{user}`, `{instance}`; e.g. `cs-{user}`).
    #[serde(default)]
    user_name_template: Option<String>,
    /// An existing namespace to adopt as the one instance.
    #[serde(default)]
    namespace: Option<String>,
    /// The ECS release until it is read from ECS (`3.8`, `3.6.2`).
    #[serde(default)]
    version: Option<String>,
    /// IAM mode (ECS 3.6+).
    #[serde(default)]
    iam: bool,
    /// Restrictions of the capabilities (`bucket_tags=no,...`; off only).
    #[serde(default)]
    capabilities: Option<String>,
    /// How long a forced bucket delete waits for ECS to empty it (default 600).
    #[serde(default)]
    empty_bucket_timeout_secs: Option<u64>,
    /// How often it polls (default 2000).
    #[serde(default)]
    empty_bucket_poll_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bucket::{check_quota, quota_from_gib};
    use crate::identity::{iam::IamUsers, object::ObjectUsers};

    #[test]
    fn quota_is_whole_gib() {
        assert_eq!(check_quota(&Quota::hard(5 * GIB)).unwrap(), (5, -1));
        assert_eq!(
            check_quota(&Quota::hard(2 * GIB).with_notification(GIB)).unwrap(),
            (2, 1)
        );
        let e = check_quota(&Quota::hard(GIB + 1)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("whole GiB"));
        assert!(check_quota(&Quota::hard(0)).is_err());
        assert_eq!(quota_from_gib(Some(-1.0), Some(-1.0)), None);
        assert_eq!(
            quota_from_gib(Some(3.0), Some(-1.0)),
            Some(Quota::hard(3 * GIB))
        );
    }

    #[test]
    fn versions_decide_capabilities() {
        let c = derive_caps(true, Some(parse_version("3.6.2").unwrap()), &ObjectUsers);
        assert_eq!(c.bucket_object_lock, Support::CreationOnly);
        assert!(!c.bucket_force_delete);
        assert_eq!(c.instance_versioning, Support::Yes);
        assert_eq!(c.instance_encryption, Support::CreationOnly);
        let c = derive_caps(true, Some(parse_version("3.8").unwrap()), &IamUsers);
        assert!(c.bucket_force_delete);
        assert_eq!(c.bucket_versioning, Support::Yes);
        assert_eq!(c.bucket_lifecycle, Support::Yes);
        assert_eq!(c.bucket_retention, Support::Yes);
        assert_eq!(c.bucket_replication, Support::No);
        assert!(c.instance_usage && !c.bucket_durability);
        let c = derive_caps(true, Some(parse_version("3.6.1").unwrap()), &IamUsers);
        assert_eq!(c.bucket_retention, Support::No);
        assert_eq!(c.bucket_cors, Support::Yes);
        let c = derive_caps(false, None, &ObjectUsers);
        assert_eq!(c.bucket_lifecycle, Support::No);
        assert_eq!(c.bucket_cors, Support::No);
        assert_eq!(c.bucket_retention, Support::No);
        assert!(c.instance_usage);
        assert_eq!(c.bucket_object_lock, Support::No);
        assert_eq!(c.bucket_versioning, Support::No);
        assert_eq!(c.instance_versioning, Support::No);
        assert!(parse_version("three").is_err());
    }

    #[test]
    fn user_ids() {
        let p = EcsProvider::builder(
            "https://127.0.0.1:4443",
            "root",
            SecretString::from("x".to_string()),
        )
        .user_prefix("cs-")
        .build()
        .unwrap();
        assert_eq!(p.object_user_id("acme", "alice"), "cs-acme--alice");
        assert_eq!(p.user_name_of("acme", "cs-acme--alice"), Some("alice"));
        assert_eq!(p.user_name_of("acme", "cs-acme2--alice"), None);
        assert_eq!(p.user_name_of("acme", "acme--alice"), None);
        assert!(!format!("{p:?}").contains("\"x\""));
    }
}
