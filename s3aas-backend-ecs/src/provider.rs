//! [`EcsProvider`]: the provider traits on the ECS Management API.

use crate::error::ecs_error;
use crate::session::{Call, Session, SharedSession, logout_with};
use crate::wire::{self, BucketInfo, BucketTag, SlotKey, UserTag, decode};
use crate::{DEFAULT_BUCKET_TAG, SCHEME};
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use s3aas_core::model::*;
use s3aas_core::policy::{Policy, PolicyDocument, PutPolicy};
use s3aas_core::provider::*;
use s3aas_core::{
    Capabilities, Error, ErrorKind, ExposeSecret, ProviderConfig, ResourceKind, Result,
    SecretString,
};
use s3aas_http::{HttpClient, HttpConfig, Response, S3Client, SigV4Signer};
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use url::Url;

mod iam;
mod instance;
mod owner_s3;

use crate::naming::{MANAGED_TAG, Naming};
pub(crate) use instance::Marker;

const GIB: u64 = 1 << 30;
const NODE_CACHE: Duration = Duration::from_secs(30);
const LIST_CONCURRENCY: usize = 8;

fn ctx(e: Error, op: &'static str) -> Error {
    let e = if e.backend().is_none() {
        e.with_backend(SCHEME)
    } else {
        e
    };
    if e.operation().is_none() {
        e.with_operation(op)
    } else {
        e
    }
}

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
    iam: bool,
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
    /// bucket deletion (3.8+). Without one, both are reported unsupported.
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
        self.iam = on;
        self
    }

    /// Overrides the capabilities derived from the configuration.
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
        if self.iam && version.is_some_and(|v| v < (3, 6, 0)) {
            return Err(Error::new(
                ErrorKind::ConfigInvalid,
                format!(
                    "IAM mode needs ECS 3.6 or later; the configured version is {}",
                    self.version.as_deref().unwrap_or_default()
                ),
            ));
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
        let caps = self
            .caps
            .unwrap_or_else(|| derive_caps(s3_endpoint.is_some(), version, self.iam));
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
            caps,
            iam: self.iam,
            nodes: Mutex::new(None),
        })
    }
}

fn derive_caps(s3: bool, version: Option<(u32, u32, u32)>, iam: bool) -> Capabilities {
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
    c.user_tags = true;
    c.user_disable = true;
    c.access_key_rotation_grace = true;
    c.access_keys_per_user = Some(2);
    if iam {
        // IAM users: managed policies attached to users, keys with an Active/Inactive status,
        // no key expiry (so no rotation grace), and no bucket owner (the namespace's root user
        // owns what IAM users create; s3aas's own buckets belong to the service user).
        c.policies = true;
        c.policy_attach = true;
        c.access_key_disable = true;
        c.access_key_rotation_grace = false;
        c.bucket_owner = false;
    }
    c
}

/// A Dell ECS provider. See the [crate docs](crate) for the mapping.
pub struct EcsProvider {
    session: SharedSession,
    http: HttpClient,
    endpoint: Url,
    s3_endpoint: Option<Url>,
    s3_public: Option<Url>,
    region: String,
    replication_group: Option<String>,
    user_prefix: String,
    naming: Naming,
    /// The one namespace this provider adopts (option `namespace`), if any.
    bound_namespace: Option<String>,
    empty_bucket_timeout: Duration,
    empty_bucket_poll: Duration,
    caps: Capabilities,
    iam: bool,
    nodes: Mutex<Option<NodeCache>>,
}

/// Nodes and version from `/vdc/nodes`, with when they were read.
type NodeCache = (Instant, Vec<Node>, Option<String>);

impl std::fmt::Debug for EcsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcsProvider")
            .field("endpoint", &self.endpoint.as_str())
            .field("session", &self.session)
            .field("s3_endpoint", &self.s3_endpoint.as_ref().map(Url::as_str))
            .field("replication_group", &self.replication_group)
            .field("user_prefix", &self.user_prefix)
            .field("user_names", &self.naming.object)
            .field("namespace", &self.bound_namespace)
            .field("iam", &self.iam)
            .finish_non_exhaustive()
    }
}

impl Drop for EcsProvider {
    fn drop(&mut self) {
        // Best effort: hand the token to a background logout so it does not linger on ECS
        // (tokens count against the user's limit of about 100 until they expire).
        if std::sync::Arc::strong_count(&self.session) != 1 {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if let Some((http, url, token)) = self.session.take_for_drop() {
            handle.spawn(async move {
                if let Err(e) = logout_with(&http, url, token).await {
                    tracing::debug!(error = %e, "background logout failed");
                }
            });
        }
    }
}

/// Which ECS entity a 404-ish answer was about.
enum Missing {
    Instance,
    Bucket,
    User,
}

fn is_not_found(resp: &Response) -> bool {
    if resp.status == 404 {
        return true;
    }
    if resp.status == 400 || resp.status == 500 {
        if let Some(e) = crate::parse_error(&resp.body) {
            return matches!(e.code.as_deref(), Some("1004" | "1019"));
        }
    }
    false
}

/// Tags an ECS bucket can carry (Dell's spec: an error "when the total number of existing tags
/// and the tags specified exceeds 10").
const MAX_BUCKET_TAGS: usize = 10;

/// Refuses more tags than fit beside s3aas's own tag on an instance's default bucket.
fn check_tag_count(n: usize, default_bucket: bool) -> Result<()> {
    let room = MAX_BUCKET_TAGS - usize::from(default_bucket);
    if n > room {
        let why = if default_bucket {
            format!(
                "ECS allows {MAX_BUCKET_TAGS} tags per bucket and this is the instance's default bucket, whose tag '{DEFAULT_BUCKET_TAG}' takes one: at most {room} (got {n})"
            )
        } else {
            format!("ECS allows at most {MAX_BUCKET_TAGS} tags per bucket (got {n})")
        };
        return Err(Error::invalid_input("bucket.tags", why));
    }
    Ok(())
}

/// Bytes to whole GiB for an ECS quota; refuses what is not a whole number of GiB.
fn quota_gib(field: &str, bytes: u64) -> Result<i64> {
    if bytes == 0 || bytes % GIB != 0 {
        return Err(Error::invalid_input(
            field,
            format!(
                "ECS quotas are whole GiB (1 GiB = {GIB} bytes); {bytes} bytes is not, and s3aas does not round"
            ),
        ));
    }
    Ok((bytes / GIB) as i64)
}

fn check_quota(q: &Quota) -> Result<(i64, i64)> {
    let hard = quota_gib("bucket.quota.hard_limit_bytes", q.hard_limit_bytes)?;
    let soft = match q.notification_bytes {
        Some(n) => quota_gib("bucket.quota.notification_bytes", n)?,
        None => -1,
    };
    Ok((hard, soft))
}

fn quota_from_gib(block: Option<f64>, notification: Option<f64>) -> Option<Quota> {
    let block = block.filter(|b| *b > 0.0)?;
    let mut q = Quota::hard((block * GIB as f64).round() as u64);
    if let Some(n) = notification.filter(|n| *n > 0.0) {
        q = q.with_notification((n * GIB as f64).round() as u64);
    }
    Some(q)
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
            iam: false,
        }
    }

    /// Builds from configuration options: `endpoint`, `username`, `password` (required);
    /// `s3_endpoint`, `s3_public_endpoint`, `region`, `replication_group`, `user_prefix` or
    /// `user_name_template`, `namespace`, `version`, `empty_bucket_timeout_secs`,
    /// `empty_bucket_poll_ms`, `iam` (`true` for [IAM mode](EcsBuilder::iam)), and the
    /// transport options of [`HttpConfig::from_provider_config`].
    pub fn from_config(cfg: &ProviderConfig) -> Result<Self> {
        if cfg.get("s3_access_key").is_some() || cfg.secret("s3_secret_key").is_some() {
            return Err(Error::new(
                ErrorKind::ConfigInvalid,
                "s3_access_key/s3_secret_key are no longer used: ECS takes an S3 request's namespace from the user who signs it, so s3aas signs bucket calls as the bucket's owner (see the ecs crate docs); remove them",
            ));
        }
        let known: Vec<&str> = crate::KEYS
            .iter()
            .chain(HttpConfig::KEYS)
            .copied()
            .collect();
        cfg.check_known(&known)?;
        let mut b = Self::builder(
            cfg.require("endpoint")?,
            cfg.require("username")?,
            cfg.require_secret("password")?.clone(),
        )
        .http(HttpConfig::from_provider_config(cfg)?);
        if let Some(v) = cfg.get("s3_endpoint") {
            b = b.s3_endpoint(v);
        }
        if let Some(v) = cfg.get("s3_public_endpoint") {
            b = b.s3_public_endpoint(v);
        }
        if let Some(v) = cfg.get("region") {
            b = b.region(v);
        }
        if let Some(v) = cfg.get("replication_group") {
            b = b.replication_group(v);
        }
        if let Some(v) = cfg.get("user_prefix") {
            b = b.user_prefix(v);
        }
        if let Some(v) = cfg.get("user_name_template") {
            b = b.user_name_template(v);
        }
        if let Some(v) = cfg.get("namespace") {
            b = b.namespace(v);
        }
        if let Some(v) = cfg.get("version") {
            b = b.version(v);
        }
        b = b.iam(cfg.get_bool("iam", false)?);
        let t = cfg.get_u64("empty_bucket_timeout_secs", 600)?;
        let poll = cfg.get_u64("empty_bucket_poll_ms", 2000)?;
        b.empty_bucket_timeout(Duration::from_secs(t))
            .empty_bucket_poll(Duration::from_millis(poll))
            .build()
    }

    /// Releases the management token (`GET /logout`). The provider stays usable: the next call
    /// logs in again.
    pub async fn close(&self) -> Result<()> {
        self.session.logout().await
    }

    /// The management session (login count, for monitoring token use).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The object user id of user `name` in `instance` (see the naming rules in the crate docs).
    pub fn object_user_id(&self, instance: &str, name: &str) -> String {
        self.naming.object.render(instance, name)
    }

    /// The object user that marks `instance` and owns the buckets s3aas makes in it.
    pub fn service_user_id(&self, instance: &str) -> String {
        self.naming.service_user(instance)
    }

    fn user_name_of<'a>(&self, instance: &str, uid: &'a str) -> Option<&'a str> {
        self.naming.object_user_of(instance, uid)
    }

    async fn send(&self, call: Call) -> Result<Response> {
        let op = call.op;
        self.session.send(&call).await.map_err(|e| ctx(e, op))
    }

    /// Sends and fails on a non-2xx answer, naming `missing` on a not-found.
    async fn ok(&self, call: Call, missing: Option<(Missing, &str)>) -> Result<Response> {
        let op = call.op;
        let resp = self.send(call).await?;
        if resp.is_success() {
            return Ok(resp);
        }
        Err(self.fail(op, &resp, missing))
    }

    fn fail(&self, op: &'static str, resp: &Response, missing: Option<(Missing, &str)>) -> Error {
        let e = ecs_error(op, resp);
        match missing {
            Some((what, name)) if is_not_found(resp) => {
                let kind = match what {
                    Missing::Instance => ResourceKind::Instance,
                    Missing::Bucket => ResourceKind::Bucket,
                    Missing::User => ResourceKind::User,
                };
                e.with_kind(ErrorKind::NotFound).with_resource(kind, name)
            }
            _ => e,
        }
    }

    async fn namespace(&self, ns: &str, op: &'static str) -> Result<Option<wire::Namespace>> {
        let resp = self
            .send(Call::get(op, format!("/object/namespaces/namespace/{ns}")))
            .await?;
        if is_not_found(&resp) {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(self.fail(op, &resp, None));
        }
        let n: wire::Namespace = decode("get namespace", &resp.body).map_err(|e| ctx(e, op))?;
        Ok((!n.inactive).then_some(n))
    }

    async fn nodes(&self) -> Result<(Vec<Node>, Option<String>)> {
        if let Some((at, nodes, version)) = self
            .nodes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            if at.elapsed() < NODE_CACHE {
                return Ok((nodes.clone(), version.clone()));
            }
        }
        let resp = self.ok(Call::get("list_nodes", "/vdc/nodes"), None).await?;
        let raw: wire::VdcNodes =
            decode("GET /vdc/nodes", &resp.body).map_err(|e| ctx(e, "list_nodes"))?;
        let mut version = None;
        let nodes: Vec<Node> = raw
            .node
            .into_iter()
            .map(|n| {
                if version.is_none() {
                    version = n.version.clone();
                }
                let host = n.ip.clone().or(n.name.clone()).unwrap_or_default();
                let state = match &n.status {
                    None => NodeState::Online,
                    Some(Value::Bool(true)) => NodeState::Online,
                    Some(Value::Bool(false)) => NodeState::Offline,
                    Some(Value::String(s)) if s.eq_ignore_ascii_case("good") => NodeState::Online,
                    Some(Value::String(s)) if s.eq_ignore_ascii_case("online") => NodeState::Online,
                    Some(Value::String(s)) if s.eq_ignore_ascii_case("offline") => {
                        NodeState::Offline
                    }
                    Some(other) => NodeState::Other(other.to_string().trim_matches('"').into()),
                };
                Node::new(
                    n.id.or(n.name).unwrap_or_else(|| host.clone()),
                    host,
                    None,
                    state,
                )
            })
            .collect();
        *self.nodes.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), nodes.clone(), version.clone()));
        Ok((nodes, version))
    }

    /// One page of the namespace's buckets (ECS order, `marker` paging).
    async fn bucket_page(
        &self,
        ns: &str,
        limit: Option<u32>,
        marker: Option<&str>,
        prefix: Option<&str>,
        op: &'static str,
    ) -> Result<wire::BucketList> {
        let mut call = Call::get(op, "/object/bucket").q("namespace", ns);
        if let Some(l) = limit {
            call = call.q("limit", l.to_string());
        }
        if let Some(m) = marker {
            call = call.q("marker", m);
        }
        if let Some(p) = prefix {
            call = call.q("name", format!("{p}*"));
        }
        let resp = self.ok(call, Some((Missing::Instance, ns))).await?;
        decode("GET /object/bucket", &resp.body).map_err(|e| ctx(e, op))
    }

    async fn all_buckets(&self, ns: &str, op: &'static str) -> Result<Vec<BucketInfo>> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .bucket_page(ns, Some(1000), marker.as_deref(), None, op)
                .await?;
            out.extend(page.object_bucket);
            match page.next_marker.filter(|m| !m.is_empty()) {
                None => return Ok(out),
                Some(m) => marker = Some(advance(marker, m, "buckets", ns, op)?),
            }
        }
    }

    async fn all_user_ids(&self, ns: &str, op: &'static str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .user_page(ns, Some(1000), marker.as_deref(), op)
                .await?;
            out.extend(page.blobuser.into_iter().map(|u| u.userid));
            match page.next_marker.filter(|m| !m.is_empty()) {
                None => return Ok(out),
                Some(m) => marker = Some(advance(marker, m, "users", ns, op)?),
            }
        }
    }

    async fn user_page(
        &self,
        ns: &str,
        limit: Option<u32>,
        marker: Option<&str>,
        op: &'static str,
    ) -> Result<wire::UserList> {
        let mut call = Call::get(op, format!("/object/users/{ns}"));
        if let Some(l) = limit {
            call = call.q("limit", l.to_string());
        }
        if let Some(m) = marker {
            call = call.q("marker", m);
        }
        let resp = self.ok(call, Some((Missing::Instance, ns))).await?;
        decode("GET /object/users/{namespace}", &resp.body).map_err(|e| ctx(e, op))
    }

    async fn to_instance(
        &self,
        ns: wire::Namespace,
        marker: &Marker,
        op: &'static str,
    ) -> Result<Instance> {
        let name = if ns.name.is_empty() {
            ns.id.clone()
        } else {
            ns.name.clone()
        };
        let (nodes, version) = self.nodes().await?;
        let buckets = self.all_buckets(&name, op).await?;
        let default = buckets
            .iter()
            .find(|b| b.tag_set.iter().any(|t| t.key == DEFAULT_BUCKET_TAG));
        let mut i = Instance::new(&name);
        i.id = name.clone();
        i.backend_version = version;
        i.encryption = if ns.is_encryption_enabled {
            Encryption::Aes256
        } else {
            Encryption::None
        };
        i.default_bucket = default.map(|b| b.name.clone());
        i.versioning = marker.versioning;
        i.created = ns.creation_time;
        i.nodes = nodes;
        i.status = InstanceStatus::Active;
        i.endpoints = Endpoints::new(
            self.s3_public.clone(),
            self.s3_endpoint.clone(),
            Some(self.endpoint.clone()),
        );
        Ok(i)
    }

    async fn bucket_info(&self, ns: &str, bucket: &str, op: &'static str) -> Result<BucketInfo> {
        let resp = self
            .send(Call::get(op, format!("/object/bucket/{bucket}/info")).q("namespace", ns))
            .await?;
        if is_not_found(&resp) {
            // Name the instance when it is the instance that is missing.
            self.require_instance(ns, op).await?;
            return Err(ctx(Error::not_found(ResourceKind::Bucket, bucket), op)
                .with_http_status(resp.status));
        }
        if !resp.is_success() {
            return Err(self.fail(op, &resp, None));
        }
        let info: BucketInfo = decode("get bucket info", &resp.body).map_err(|e| ctx(e, op))?;
        // A bucket of another namespace, or one in this namespace that is not the instance's
        // (made by another tool or person), is not there for s3aas.
        if (!info.namespace.is_empty() && info.namespace != ns)
            || !self.is_instance_bucket(ns, &info)
        {
            return Err(ctx(Error::not_found(ResourceKind::Bucket, bucket), op));
        }
        Ok(info)
    }

    async fn bucket_policy(
        &self,
        ns: &str,
        bucket: &str,
        op: &'static str,
    ) -> Result<Option<PolicyDocument>> {
        let resp = self
            .send(Call::get(op, format!("/object/bucket/{bucket}/policy")).q("namespace", ns))
            .await?;
        if resp.status == 204 || resp.status == 404 || resp.body.iter().all(u8::is_ascii_whitespace)
        {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(self.fail(op, &resp, Some((Missing::Bucket, bucket))));
        }
        let v: Value = decode("get bucket policy", &resp.body).map_err(|e| ctx(e, op))?;
        if v.as_object().is_some_and(|o| o.is_empty()) {
            return Ok(None);
        }
        PolicyDocument::from_value(v)
            .map(Some)
            .map_err(|e| ctx(e, op))
    }

    fn to_bucket(&self, instance: &str, info: &BucketInfo) -> Bucket {
        let mut b = Bucket::new(instance, &info.name);
        b.created = info.created;
        // The service user owns what s3aas made without an owner: no user of the instance.
        let svc = self.naming.service_user(instance);
        b.owner = info
            .owner
            .as_deref()
            .filter(|o| !o.is_empty() && *o != svc)
            .map(|o| {
                self.user_name_of(instance, o)
                    .map(str::to_string)
                    .unwrap_or_else(|| o.to_string())
            });
        b.encryption = Some(if info.is_encryption_enabled {
            Encryption::Aes256
        } else {
            Encryption::None
        });
        b.object_lock = Some(info.is_object_lock_enabled);
        b.versioning = info.versioning_status.as_deref().map(|v| {
            if v.eq_ignore_ascii_case("enabled") {
                Versioning::Enabled
            } else if v.eq_ignore_ascii_case("suspended") {
                Versioning::Suspended
            } else {
                Versioning::Unversioned
            }
        });
        b.quota = Some(quota_from_gib(info.block_size, info.notification_size));
        b.tags = Some(
            info.tag_set
                .iter()
                .filter(|t| t.key != DEFAULT_BUCKET_TAG)
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
        );
        b
    }

    async fn full_bucket(&self, ns: &str, name: &str, op: &'static str) -> Result<Bucket> {
        let info = self.bucket_info(ns, name, op).await?;
        let mut b = self.to_bucket(ns, &info);
        if b.versioning.is_none() && self.s3_endpoint.is_some() {
            // Releases without `versioning_status` in bucket info: ask S3, as the owner (no
            // temporary key for a read).
            if let Ok(o) = self.owner_s3(ns, &info, false, op).await {
                b.versioning = Some(
                    o.client
                        .get_versioning(name)
                        .await
                        .map_err(|e| ctx(e, op))?,
                );
            }
        }
        b.policy = Some(self.bucket_policy(ns, name, op).await?);
        Ok(b)
    }

    async fn set_versioning(
        &self,
        ns: &str,
        info: &BucketInfo,
        enabled: bool,
        op: &'static str,
    ) -> Result<()> {
        let o = self.owner_s3(ns, info, true, op).await?;
        let r = o
            .client
            .put_versioning(&info.name, enabled)
            .await
            .map_err(|e| ctx(e, op));
        self.release_owner_s3(ns, o, r, op).await
    }

    async fn set_policy(
        &self,
        ns: &str,
        bucket: &str,
        doc: Option<&PolicyDocument>,
        op: &'static str,
    ) -> Result<()> {
        let call = match doc {
            Some(d) => Call::put(
                op,
                format!("/object/bucket/{bucket}/policy"),
                d.as_value().clone(),
            )
            .q("namespace", ns),
            None => Call::delete(op, format!("/object/bucket/{bucket}/policy")).q("namespace", ns),
        };
        let resp = self.send(call).await?;
        if resp.is_success() || (doc.is_none() && is_not_found(&resp)) {
            return Ok(());
        }
        Err(self.fail(op, &resp, Some((Missing::Bucket, bucket))))
    }

    async fn set_quota(
        &self,
        ns: &str,
        bucket: &str,
        q: Option<&Quota>,
        op: &'static str,
    ) -> Result<()> {
        let call = match q {
            Some(q) => {
                let (hard, soft) = check_quota(q).map_err(|e| ctx(e, op))?;
                Call::put(
                    op,
                    format!("/object/bucket/{bucket}/quota"),
                    json!({"blockSize": hard, "notificationSize": soft, "namespace": ns}),
                )
            }
            None => Call::delete(op, format!("/object/bucket/{bucket}/quota")).q("namespace", ns),
        };
        self.ok(call, Some((Missing::Bucket, bucket)))
            .await
            .map(drop)
    }

    async fn set_tags(
        &self,
        ns: &str,
        info: &BucketInfo,
        tags: &Tags,
        op: &'static str,
    ) -> Result<()> {
        let bucket = &info.name;
        let is_default = info.tag_set.iter().any(|t| t.key == DEFAULT_BUCKET_TAG);
        check_tag_count(tags.len(), is_default).map_err(|e| ctx(e, op))?;
        let current: Vec<&BucketTag> = info
            .tag_set
            .iter()
            .filter(|t| t.key != DEFAULT_BUCKET_TAG)
            .collect();
        let tag = |k: &String, v: &String| BucketTag {
            key: k.clone(),
            value: v.clone(),
        };
        // Only what differs is sent (as Dell's CF broker does): removed keys are deleted,
        // changed values updated, new keys added. Deleting first keeps the count under ECS's
        // limit of 10 at every step; a failure midway never loses the tags that stay.
        let removed: Vec<BucketTag> = current
            .iter()
            .filter(|t| !tags.contains_key(&t.key))
            .map(|t| (*t).clone())
            .collect();
        let changed: Vec<BucketTag> = tags
            .iter()
            .filter(|(k, v)| current.iter().any(|t| t.key == **k && t.value != **v))
            .map(|(k, v)| tag(k, v))
            .collect();
        let added: Vec<BucketTag> = tags
            .iter()
            .filter(|(k, _)| !current.iter().any(|t| t.key == **k))
            .map(|(k, v)| tag(k, v))
            .collect();
        let path = format!("/object/bucket/{bucket}/tags");
        if !removed.is_empty() {
            let mut call = Call::delete(op, path.clone());
            call.body = Some(json!({"TagSet": removed, "namespace": ns}));
            self.ok(call, Some((Missing::Bucket, bucket))).await?;
        }
        if !changed.is_empty() {
            let body = json!({"TagSet": changed, "namespace": ns});
            self.ok(
                Call::put(op, path.clone(), body),
                Some((Missing::Bucket, bucket)),
            )
            .await?;
        }
        if !added.is_empty() {
            let body = json!({"TagSet": added, "namespace": ns});
            self.ok(Call::post(op, path, body), Some((Missing::Bucket, bucket)))
                .await?;
        }
        Ok(())
    }

    /// Creates a bucket and applies what the create body cannot carry; removes it again if a
    /// later step fails.
    async fn create_bucket_inner(
        &self,
        ns: &str,
        req: &CreateBucket,
        default_of_instance: bool,
        op: &'static str,
    ) -> Result<()> {
        let quota = req
            .quota
            .as_ref()
            .map(check_quota)
            .transpose()
            .map_err(|e| ctx(e, op))?;
        let mut body = json!({
            "name": req.name,
            "namespace": ns,
            "head_type": "s3",
        });
        let o = body.as_object_mut().expect("object");
        if let Some(rg) = &self.replication_group {
            o.insert("vpool".into(), json!(rg));
        }
        // Every bucket s3aas makes has an object user of the instance as owner (the service
        // user unless one is asked for): ECS lets only the owner configure it through S3, and
        // the owner tells the instance's buckets from others in a shared namespace.
        let owner = match &req.owner {
            Some(owner) => self.object_user_id(ns, owner),
            None => self.naming.service_user(ns),
        };
        o.insert("owner".into(), json!(owner));
        if let Some(enc) = req.encryption {
            o.insert("is_encryption_enabled".into(), json!(enc.is_enabled()));
        }
        if let Some((hard, soft)) = quota {
            o.insert("blockSize".into(), json!(hard));
            o.insert("notificationSize".into(), json!(soft));
        }
        if req.object_lock {
            o.insert("is_object_lock_enabled".into(), json!(true));
        }
        let mut tags: Vec<BucketTag> = req
            .tags
            .iter()
            .map(|(k, v)| BucketTag {
                key: k.clone(),
                value: v.clone(),
            })
            .collect();
        if default_of_instance {
            tags.push(BucketTag {
                key: DEFAULT_BUCKET_TAG.into(),
                value: "true".into(),
            });
        }
        if !tags.is_empty() {
            o.insert("TagSet".into(), json!(tags));
        }
        let resp = self.send(Call::post(op, "/object/bucket", body)).await?;
        if !resp.is_success() {
            let e = self.fail(op, &resp, Some((Missing::Instance, ns)));
            return Err(match e.kind() {
                ErrorKind::AlreadyExists => e.with_resource(ResourceKind::Bucket, &req.name),
                ErrorKind::InvalidInput if req.owner.is_some() && e.code() == Some("40010") => e
                    .with_kind(ErrorKind::NotFound)
                    .with_resource(ResourceKind::User, req.owner.clone().unwrap_or_default()),
                _ => e,
            });
        }
        let configure = async {
            if req.versioning == Some(true) && !req.object_lock {
                let info = self.bucket_info(ns, &req.name, op).await?;
                self.set_versioning(ns, &info, true, op)
                    .await
                    .map_err(|e| step(e, "versioning"))?;
            }
            if let Some(p) = &req.policy {
                self.set_policy(ns, &req.name, Some(p), op)
                    .await
                    .map_err(|e| step(e, "policy"))?;
            }
            Ok::<(), Error>(())
        };
        if let Err(e) = configure.await {
            return Err(match self.deactivate_bucket(ns, &req.name, op).await {
                Ok(()) => e,
                Err(cleanup) => Error::new(
                    ErrorKind::Partial,
                    format!(
                        "{e}; and removing the half-made bucket '{}' failed: {cleanup}; it is left on ECS",
                        req.name
                    ),
                )
                .with_backend(SCHEME)
                .with_operation(op)
                .with_resource(ResourceKind::Bucket, &req.name),
            });
        }
        Ok(())
    }

    /// `POST /object/bucket/{b}/deactivate`: missing is success, non-empty is `BucketNotEmpty`.
    async fn deactivate_bucket(&self, ns: &str, bucket: &str, op: &'static str) -> Result<()> {
        let resp = self
            .send(
                Call::post(op, format!("/object/bucket/{bucket}/deactivate"), json!({}))
                    .q("namespace", ns)
                    .idempotent(),
            )
            .await?;
        if resp.is_success() || is_not_found(&resp) {
            return Ok(());
        }
        let e = self.fail(op, &resp, None);
        Err(if e.kind() == ErrorKind::BucketNotEmpty {
            e.with_resource(ResourceKind::Bucket, bucket)
        } else {
            e
        })
    }

    /// ECS 3.8+: `deactivate?emptyBucket=true` (202, emptied in the background), then polls
    /// `empty-bucket-status` until the bucket is gone.
    async fn force_delete_bucket(&self, ns: &str, bucket: &str, op: &'static str) -> Result<()> {
        let resp = self
            .send(
                Call::post(op, format!("/object/bucket/{bucket}/deactivate"), json!({}))
                    .q("namespace", ns)
                    .q("emptyBucket", "true")
                    .idempotent(),
            )
            .await?;
        if is_not_found(&resp) {
            return Ok(());
        }
        if !resp.is_success() {
            return Err(self.fail(op, &resp, Some((Missing::Bucket, bucket))));
        }
        if resp.status != 202 {
            return Ok(());
        }
        let deadline = Instant::now() + self.empty_bucket_timeout;
        loop {
            let resp = self
                .send(
                    Call::get(op, format!("/object/bucket/{bucket}/empty-bucket-status"))
                        .q("namespace", ns),
                )
                .await?;
            if is_not_found(&resp) {
                return Ok(());
            }
            if !resp.is_success() {
                return Err(self.fail(op, &resp, None));
            }
            let st: wire::EmptyBucketStatus =
                decode("empty-bucket-status", &resp.body).map_err(|e| ctx(e, op))?;
            match st.status.as_str() {
                "DONE" => {
                    // Normally gone already; make sure.
                    return self.deactivate_bucket(ns, bucket, op).await;
                }
                "FAILED" | "ABORTED" => {
                    return Err(ctx(
                        Error::new(
                            ErrorKind::Backend,
                            format!(
                                "ECS could not empty bucket '{bucket}' ({}): {}; the bucket is writable again and was not deleted",
                                st.status,
                                st.message.unwrap_or_default()
                            ),
                        ),
                        op,
                    )
                    .with_resource(ResourceKind::Bucket, bucket));
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return Err(ctx(
                    Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "ECS is still emptying bucket '{bucket}' (status {}) after {:?}; it is read-only until done and will then be deleted",
                            st.status, self.empty_bucket_timeout
                        ),
                    ),
                    op,
                ));
            }
            tokio::time::sleep(self.empty_bucket_poll).await;
        }
    }

    async fn is_bucket_empty(&self, ns: &str, bucket: &str, op: &'static str) -> Result<bool> {
        // The owner's own listing is exact; billing (below) lags writes.
        if let Ok(info) = self.bucket_info(ns, bucket, op).await {
            if let Ok(o) = self.owner_s3(ns, &info, false, op).await {
                if let Ok(empty) = o.client.is_empty(bucket).await {
                    return Ok(empty);
                }
            }
        }
        // Billing lags writes by up to a sampling interval; ECS's own refusal backs this up.
        let resp = self
            .ok(
                Call::get(op, format!("/object/billing/buckets/{ns}/{bucket}/info"))
                    .q("sizeunit", "BYTE"),
                Some((Missing::Bucket, bucket)),
            )
            .await?;
        let b: wire::BucketBilling =
            decode("bucket billing", &resp.body).map_err(|e| ctx(e, op))?;
        Ok(b.total_objects.unwrap_or(0) == 0 && b.bytes().map_err(|e| ctx(e, op))? == 0)
    }

    async fn user_info(&self, ns: &str, name: &str, op: &'static str) -> Result<wire::UserInfo> {
        let uid = self.object_user_id(ns, name);
        let resp = self
            .send(Call::get(op, format!("/object/users/{uid}/info")).q("namespace", ns))
            .await?;
        if is_not_found(&resp) {
            self.require_instance(ns, op).await?;
            return Err(
                ctx(Error::not_found(ResourceKind::User, name), op).with_http_status(resp.status)
            );
        }
        if !resp.is_success() {
            return Err(self.fail(op, &resp, None));
        }
        let info: wire::UserInfo = decode("user info", &resp.body).map_err(|e| ctx(e, op))?;
        if !info.namespace.is_empty() && info.namespace != ns {
            return Err(ctx(Error::not_found(ResourceKind::User, name), op));
        }
        Ok(info)
    }

    fn to_user(&self, ns: &str, name: &str, info: &wire::UserInfo) -> User {
        let mut u = User::new(ns, name);
        u.enabled = !info.locked;
        u.created = info.created;
        u.tags = Some(
            info.tag
                .iter()
                .filter(|t| t.name != MANAGED_TAG)
                .map(|t| (t.name.clone(), t.value.clone()))
                .collect(),
        );
        u
    }

    /// Refuses a user s3aas could not tell apart from its own bookkeeping: a reserved tag, or a
    /// name that a custom template turns into the instance's service user.
    fn check_new_user(&self, instance: &str, req: &CreateUser) -> Result<()> {
        if req.tags.contains_key(MANAGED_TAG) {
            return Err(Error::invalid_input(
                "user.tags",
                format!(
                    "the tag '{MANAGED_TAG}' is reserved by s3aas (it marks the users s3aas made)"
                ),
            ));
        }
        let id = if self.iam {
            self.naming.iam.render(instance, &req.name)
        } else {
            self.object_user_id(instance, &req.name)
        };
        if id == self.naming.service_user(instance) {
            return Err(Error::invalid_input(
                "user.name",
                format!(
                    "'{}' names the instance's service user '{id}' under the configured user_name_template",
                    req.name
                ),
            ));
        }
        Ok(())
    }

    async fn secret_keys(&self, uid: &str, ns: &str, op: &'static str) -> Result<Vec<SlotKey>> {
        let resp = self
            .ok(
                Call::get(op, format!("/object/user-secret-keys/{uid}/{ns}")),
                None,
            )
            .await?;
        let keys: wire::UserSecretKeys =
            decode("user secret keys", &resp.body).map_err(|e| ctx(e, op))?;
        Ok(keys.keys())
    }

    async fn keys_of(
        &self,
        ns: &str,
        user: &str,
        op: &'static str,
    ) -> Result<Vec<(SlotKey, AccessKey)>> {
        self.user_info(ns, user, op).await?;
        let uid = self.object_user_id(ns, user);
        let now = OffsetDateTime::now_utc();
        let mut out: Vec<(SlotKey, AccessKey)> = self
            .secret_keys(&uid, ns, op)
            .await?
            .into_iter()
            .filter(|k| k.expires.is_none_or(|e| e > now))
            .map(|k| {
                let mut a = AccessKey::new(ns, user, &k.id, &uid);
                a.created = k.created;
                a.expiration = k.expires;
                (k, a)
            })
            .collect();
        out.sort_by(|a, b| a.1.id.cmp(&b.1.id));
        Ok(out)
    }

    async fn delete_key(&self, ns: &str, uid: &str, k: &SlotKey, op: &'static str) -> Result<()> {
        let mut body = json!({"namespace": ns});
        let o = body.as_object_mut().expect("object");
        match (&k.secret, k.server_id) {
            (Some(s), false) => {
                o.insert("secret_key".into(), json!(s));
            }
            _ => {
                o.insert("secret_key_id".into(), json!(k.id));
            }
        }
        let resp = self
            .send(
                Call::post(
                    op,
                    format!("/object/user-secret-keys/{uid}/deactivate"),
                    body,
                )
                .idempotent(),
            )
            .await?;
        if resp.is_success() || is_not_found(&resp) {
            Ok(())
        } else {
            Err(self.fail(op, &resp, None))
        }
    }

    async fn new_key(
        &self,
        ns: &str,
        user: &str,
        grace_minutes: Option<u64>,
        op: &'static str,
    ) -> Result<(NewAccessKey, wire::NewSecretKey)> {
        let uid = self.object_user_id(ns, user);
        let mut body = json!({"namespace": ns});
        if let Some(m) = grace_minutes {
            body["existing_key_expiry_time_mins"] = json!(m);
        }
        let resp = self
            .send(Call::post(
                op,
                format!("/object/user-secret-keys/{uid}"),
                body,
            ))
            .await?;
        if !resp.is_success() {
            return Err(self.fail(op, &resp, Some((Missing::User, user))));
        }
        let k: wire::NewSecretKey = decode("new secret key", &resp.body).map_err(|e| ctx(e, op))?;
        let id = k
            .secret_key_id
            .clone()
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| wire::secret_key_id(&k.secret_key));
        let mut a = AccessKey::new(ns, user, id, &uid);
        a.created = k.key_timestamp.or(Some(OffsetDateTime::now_utc()));
        a.expiration = k.key_expiry_timestamp;
        let secret = SecretString::from(k.secret_key.clone());
        Ok((NewAccessKey::new(a, secret), k))
    }

    fn no_named_policies(op: &'static str) -> Error {
        ctx(
            Error::unsupported(
                "the ecs backend does not support named policies attached to users (capability `policies`): ECS object users have none; use bucket policies",
            ),
            op,
        )
    }
}

/// The next page marker of a full listing; the same marker twice is an error, not the end: a
/// release that ignored `marker` would otherwise cut the listing silently (Dell's spec gives
/// `/object/users/{namespace}` no `marker` parameter), and deletes rely on complete lists.
fn advance(
    prev: Option<String>,
    next: String,
    what: &str,
    ns: &str,
    op: &'static str,
) -> Result<String> {
    if prev.as_deref() == Some(next.as_str()) {
        return Err(ctx(
            Error::new(
                ErrorKind::Backend,
                format!(
                    "ECS answered the same page marker '{next}' twice while listing the {what} of namespace '{ns}': the listing does not advance, so it would be incomplete"
                ),
            ),
            op,
        ));
    }
    Ok(next)
}

/// Reads each named item, [`LIST_CONCURRENCY`] at a time and in order, skipping those gone
/// meanwhile (`NotFound`): how list pages that carry names only are filled in.
async fn each_present<T, F, Fut>(names: Vec<String>, read: F) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(String) -> Fut + Send + Sync,
    Fut: std::future::Future<Output = Result<T>> + Send,
{
    futures::stream::iter(names)
        .map(|n| {
            let fut = read(n);
            async move {
                match fut.await {
                    Ok(t) => Ok(Some(t)),
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e),
                }
            }
        })
        .buffered(LIST_CONCURRENCY)
        .try_filter_map(|t| async move { Ok(t) })
        .try_collect()
        .await
}

/// A multi-step delete that failed after some steps: `Partial`, naming what was done and that
/// running it again finishes it (every step treats "already gone" as done). Unchanged when
/// nothing was done.
fn stopped_midway(e: Error, what: &str, done: &[String]) -> Error {
    if done.is_empty() {
        return e;
    }
    let msg = format!(
        "{what} stopped midway: {}; already done: {}; run it again to finish",
        e.message(),
        done.join(", ")
    );
    e.with_kind(ErrorKind::Partial).with_message(msg)
}

/// A rotation whose old key could not be retired, after trying to delete the new key again.
fn rotation_failed(e: Error, cleanup: Result<()>, new_key: &str) -> Error {
    let msg = format!("retiring the old key failed: {}", e.message());
    match cleanup {
        Ok(()) => e.with_message(format!("{msg}; the new key was deleted again")),
        Err(c) => e.with_kind(ErrorKind::Partial).with_message(format!(
            "{msg}; deleting the new key '{new_key}' failed too ({c}): the user holds both keys"
        )),
    }
}

fn step(e: Error, what: &str) -> Error {
    let msg = format!("setting {what} on the new bucket failed: {}", e.message());
    e.with_message(msg)
}

#[async_trait]
impl BucketAdmin for EcsProvider {
    async fn create_bucket(&self, instance: &str, req: CreateBucket) -> Result<Bucket> {
        let op = "create_bucket";
        if let Some(q) = &req.quota {
            check_quota(q).map_err(|e| ctx(e, op))?;
        }
        check_tag_count(req.tags.len(), false).map_err(|e| ctx(e, op))?;
        let marker = self.require_instance(instance, op).await?;
        if let Some(owner) = &req.owner {
            self.user_info(instance, owner, op).await?;
        }
        let mut req = req;
        // The instance's versioning reaches every bucket made in it later.
        if req.versioning.is_none() && marker.versioning && !req.object_lock {
            req.versioning = Some(true);
        }
        self.create_bucket_inner(instance, &req, false, op).await?;
        self.full_bucket(instance, &req.name, op).await
    }

    async fn get_bucket(&self, instance: &str, name: &str) -> Result<Bucket> {
        let op = "get_bucket";
        self.full_bucket(instance, name, op).await
    }

    async fn list_buckets(&self, instance: &str, opts: ListOptions) -> Result<Page<Bucket>> {
        let op = "list_buckets";
        self.require_instance(instance, op).await?;
        let page = self
            .bucket_page(
                instance,
                opts.limit.map(|l| l.max(1)),
                opts.continuation.as_deref(),
                opts.prefix.as_deref(),
                op,
            )
            .await?;
        let items = page
            .object_bucket
            .iter()
            .filter(|b| opts.prefix.as_deref().is_none_or(|p| b.name.starts_with(p)))
            .filter(|b| self.is_instance_bucket(instance, b))
            .map(|b| self.to_bucket(instance, b))
            .collect();
        Ok(Page::new(items, page.next_marker.filter(|m| !m.is_empty())))
    }

    async fn update_bucket(&self, instance: &str, name: &str, req: UpdateBucket) -> Result<Bucket> {
        let op = "update_bucket";
        if let Some(Some(q)) = &req.quota {
            check_quota(q).map_err(|e| ctx(e, op))?;
        }
        if let Some(t) = &req.tags {
            check_tag_count(t.len(), false).map_err(|e| ctx(e, op))?;
        }
        let info = self.bucket_info(instance, name, op).await?;
        if let Some(t) = &req.tags {
            // Before any change: the default bucket has room for one tag less.
            let is_default = info.tag_set.iter().any(|t| t.key == DEFAULT_BUCKET_TAG);
            check_tag_count(t.len(), is_default).map_err(|e| ctx(e, op))?;
        }
        if let Some(v) = req.versioning {
            if !v && info.is_object_lock_enabled {
                return Err(ctx(
                    Error::new(
                        ErrorKind::Conflict,
                        format!(
                            "bucket '{name}' has object lock; its versioning cannot be suspended"
                        ),
                    ),
                    op,
                ));
            }
            self.set_versioning(instance, &info, v, op).await?;
        }
        if let Some(q) = &req.quota {
            self.set_quota(instance, name, q.as_ref(), op).await?;
        }
        if let Some(p) = &req.policy {
            self.set_policy(instance, name, p.as_ref(), op).await?;
        }
        if let Some(t) = &req.tags {
            self.set_tags(instance, &info, t, op).await?;
        }
        self.full_bucket(instance, name, op).await
    }

    async fn delete_bucket(&self, instance: &str, name: &str, req: DeleteBucket) -> Result<()> {
        let op = "delete_bucket";
        self.require_instance(instance, op).await?;
        if req.force {
            self.force_delete_bucket(instance, name, op).await
        } else {
            self.deactivate_bucket(instance, name, op).await
        }
    }

    async fn bucket_usage(&self, instance: &str, name: &str) -> Result<BucketUsage> {
        let op = "bucket_usage";
        self.bucket_info(instance, name, op).await?;
        let resp = self
            .ok(
                Call::get(
                    op,
                    format!("/object/billing/buckets/{instance}/{name}/info"),
                )
                .q("sizeunit", "BYTE"),
                Some((Missing::Bucket, name)),
            )
            .await?;
        let b: wire::BucketBilling =
            decode("bucket billing", &resp.body).map_err(|e| ctx(e, op))?;
        Ok(BucketUsage::new(
            b.bytes().map_err(|e| ctx(e, op))?,
            b.total_objects.map(|n| n.max(0) as u64),
            b.sample_time.or(b.uptodate_till),
        ))
    }
}

#[async_trait]
impl UserAdmin for EcsProvider {
    async fn create_user(&self, instance: &str, req: CreateUser) -> Result<User> {
        let op = "create_user";
        self.check_new_user(instance, &req)
            .map_err(|e| ctx(e, op))?;
        if self.iam {
            return self.iam_create_user(instance, req).await;
        }
        self.require_instance(instance, op).await?;
        let uid = self.object_user_id(instance, &req.name);
        let mut tags: Vec<UserTag> = req
            .tags
            .iter()
            .map(|(k, v)| UserTag {
                name: k.clone(),
                value: v.clone(),
            })
            .collect();
        // Marks the user as made by s3aas (not adopted), for delete_instance.
        tags.push(UserTag {
            name: MANAGED_TAG.into(),
            value: "true".into(),
        });
        let body = json!({"user": uid, "namespace": instance, "tags": tags});
        let resp = self.send(Call::post(op, "/object/users", body)).await?;
        if !resp.is_success() {
            let e = self.fail(op, &resp, Some((Missing::Instance, instance)));
            return Err(if e.kind() == ErrorKind::AlreadyExists {
                e.with_resource(ResourceKind::User, &req.name)
            } else {
                e
            });
        }
        if !req.enabled {
            if let Err(e) = self.set_user_enabled(instance, &req.name, false).await {
                let cleanup = self
                    .send(
                        Call::post(
                            op,
                            "/object/users/deactivate",
                            json!({"user": uid, "namespace": instance}),
                        )
                        .idempotent(),
                    )
                    .await;
                let msg = format!("locking the new user failed: {}", e.message());
                return Err(if matches!(&cleanup, Ok(r) if r.is_success()) {
                    e.with_message(format!("{msg}; the user was removed again"))
                } else {
                    e.with_kind(ErrorKind::Partial)
                        .with_message(format!("{msg}; user '{uid}' is left on ECS, unlocked"))
                });
            }
        }
        let mut u = User::new(instance, &req.name);
        u.enabled = req.enabled;
        u.tags = Some(req.tags);
        if let Ok(info) = self.user_info(instance, &req.name, op).await {
            u = self.to_user(instance, &req.name, &info);
        }
        Ok(u)
    }

    async fn get_user(&self, instance: &str, name: &str) -> Result<User> {
        let op = "get_user";
        if self.iam {
            return self.iam_get(instance, name).await;
        }
        let info = self.user_info(instance, name, op).await?;
        Ok(self.to_user(instance, name, &info))
    }

    async fn list_users(&self, instance: &str, opts: ListOptions) -> Result<Page<User>> {
        let op = "list_users";
        if self.iam {
            return self.iam_list_users(instance, opts).await;
        }
        self.require_instance(instance, op).await?;
        let page = self
            .user_page(
                instance,
                opts.limit.map(|l| l.max(1)),
                opts.continuation.as_deref(),
                op,
            )
            .await?;
        let names: Vec<String> = page
            .blobuser
            .iter()
            .filter_map(|u| self.user_name_of(instance, &u.userid))
            .filter(|n| opts.prefix.as_deref().is_none_or(|p| n.starts_with(p)))
            .map(str::to_string)
            .collect();
        // The list carries ids only; lock state and tags come from each user's info.
        let items = each_present(names, |n| async move {
            let info = self.user_info(instance, &n, op).await?;
            Ok(self.to_user(instance, &n, &info))
        })
        .await?;
        Ok(Page::new(items, page.next_marker.filter(|m| !m.is_empty())))
    }

    async fn set_user_enabled(&self, instance: &str, name: &str, enabled: bool) -> Result<()> {
        let op = "set_user_enabled";
        if self.iam {
            return self.iam_set_enabled(instance, name, enabled).await;
        }
        self.user_info(instance, name, op).await?;
        let uid = self.object_user_id(instance, name);
        self.ok(
            Call::put(
                op,
                "/object/users/lock",
                json!({"user": uid, "namespace": instance, "isLocked": !enabled}),
            ),
            Some((Missing::User, name)),
        )
        .await
        .map(drop)
    }

    async fn delete_user(&self, instance: &str, name: &str) -> Result<()> {
        let op = "delete_user";
        if self.iam {
            return self.iam_delete_user(instance, name).await;
        }
        self.require_instance(instance, op).await?;
        let uid = self.object_user_id(instance, name);
        let resp = self
            .send(
                Call::post(
                    op,
                    "/object/users/deactivate",
                    json!({"user": uid, "namespace": instance}),
                )
                .idempotent(),
            )
            .await?;
        if resp.is_success() || is_not_found(&resp) {
            Ok(())
        } else {
            Err(self.fail(op, &resp, None))
        }
    }
}

#[async_trait]
impl PolicyAdmin for EcsProvider {
    async fn put_policy(&self, instance: &str, req: PutPolicy) -> Result<Policy> {
        if self.iam {
            return self.iam_put_policy(instance, req).await;
        }
        Err(Self::no_named_policies("put_policy"))
    }

    async fn get_policy(&self, instance: &str, name: &str) -> Result<Policy> {
        if self.iam {
            return self.iam_get_policy(instance, name).await;
        }
        Err(Self::no_named_policies("get_policy"))
    }

    async fn list_policies(&self, instance: &str, opts: ListOptions) -> Result<Page<Policy>> {
        if self.iam {
            return self.iam_list_policies(instance, opts).await;
        }
        Err(Self::no_named_policies("list_policies"))
    }

    async fn delete_policy(&self, instance: &str, name: &str) -> Result<()> {
        if self.iam {
            return self.iam_delete_policy(instance, name).await;
        }
        Err(Self::no_named_policies("delete_policy"))
    }

    async fn attach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        if self.iam {
            return self.iam_attach(instance, user, policy, true).await;
        }
        Err(Self::no_named_policies("attach_policy"))
    }

    async fn detach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        if self.iam {
            return self.iam_attach(instance, user, policy, false).await;
        }
        Err(Self::no_named_policies("detach_policy"))
    }

    async fn list_attached_policies(&self, instance: &str, user: &str) -> Result<Vec<String>> {
        if self.iam {
            return self.iam_attached(instance, user).await;
        }
        Err(Self::no_named_policies("list_attached_policies"))
    }
}

#[async_trait]
impl AccessKeyAdmin for EcsProvider {
    /// Creates one of the user's (at most two) secret keys. A second key leaves the first valid
    /// with no expiry. ECS nodes cache keys for up to two minutes, so a new key may take that
    /// long to work everywhere.
    async fn create_access_key(
        &self,
        instance: &str,
        user: &str,
        _req: CreateAccessKey,
    ) -> Result<NewAccessKey> {
        let op = "create_access_key";
        if self.iam {
            return self.iam_create_key(instance, user).await;
        }
        let existing = self.keys_of(instance, user, op).await?;
        if existing.len() >= 2 {
            return Err(ctx(
                Error::new(
                    ErrorKind::Conflict,
                    format!("user '{user}' already holds the two secret keys ECS allows; delete one first"),
                ),
                op,
            )
            .with_resource(ResourceKind::User, user));
        }
        Ok(self.new_key(instance, user, None, op).await?.0)
    }

    async fn list_access_keys(&self, instance: &str, user: &str) -> Result<Vec<AccessKey>> {
        let op = "list_access_keys";
        if self.iam {
            return self.iam_list_keys(instance, user).await;
        }
        Ok(self
            .keys_of(instance, user, op)
            .await?
            .into_iter()
            .map(|(_, a)| a)
            .collect())
    }

    async fn get_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<AccessKey> {
        let op = "get_access_key";
        if self.iam {
            return self.iam_get_key(instance, user, key_id).await;
        }
        self.keys_of(instance, user, op)
            .await?
            .into_iter()
            .find(|(_, a)| a.id == key_id)
            .map(|(_, a)| a)
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::AccessKey, key_id), op))
    }

    async fn set_access_key_enabled(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        enabled: bool,
    ) -> Result<()> {
        let op = "set_access_key_enabled";
        if self.iam {
            return self
                .iam_set_key_enabled(instance, user, key_id, enabled)
                .await;
        }
        Err(ctx(
            Error::unsupported(
                "the ecs backend cannot disable a single secret key (capability `access_key_disable`); disable the user or delete the key",
            ),
            op,
        ))
    }

    async fn delete_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<()> {
        let op = "delete_access_key";
        if self.iam {
            return self.iam_delete_key(instance, user, key_id).await;
        }
        let keys = match self.keys_of(instance, user, op).await {
            Ok(k) => k,
            Err(e)
                if e.kind() == ErrorKind::NotFound
                    && e.resource().is_some_and(|(k, _)| k == ResourceKind::User) =>
            {
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let Some((slot, _)) = keys.into_iter().find(|(_, a)| a.id == key_id) else {
            return Ok(());
        };
        let uid = self.object_user_id(instance, user);
        self.delete_key(instance, &uid, &slot, op).await
    }

    /// Rotation on ECS: the new key is created with `existing_key_expiry_time_mins` set to the
    /// grace period (whole minutes, as the core validates), so ECS itself expires the old key; without a
    /// grace period the old key is deleted at once. Fails with `Conflict` when the user already
    /// holds two keys. ECS nodes cache keys for up to two minutes.
    async fn rotate_access_key(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        req: RotateAccessKey,
    ) -> Result<RotatedAccessKey> {
        let op = "rotate_access_key";
        if self.iam {
            if req.grace.is_some_and(|g| !g.is_zero()) {
                return Err(ctx(
                    Error::unsupported(
                        "ECS IAM access keys cannot expire, so a rotation cannot keep the old key for a grace period (capability `access_key_rotation_grace`)",
                    ),
                    op,
                ));
            }
            return self.iam_rotate_key(instance, user, key_id).await;
        }
        let keys = self.keys_of(instance, user, op).await?;
        let Some((old, _)) = keys.iter().find(|(_, a)| a.id == key_id).cloned() else {
            return Err(ctx(Error::not_found(ResourceKind::AccessKey, key_id), op));
        };
        if keys.len() >= 2 {
            return Err(ctx(
                Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "user '{user}' holds two secret keys, the most ECS allows; delete the other one before rotating"
                    ),
                ),
                op,
            ));
        }
        let grace = req.grace.filter(|g| !g.is_zero());
        let minutes = grace.map(|g| g.as_secs().div_ceil(60).max(1));
        let started = OffsetDateTime::now_utc();
        let (new, _) = self.new_key(instance, user, minutes, op).await?;
        let uid = self.object_user_id(instance, user);
        match minutes {
            Some(m) => {
                let expires = self
                    .keys_of(instance, user, op)
                    .await
                    .ok()
                    .and_then(|ks| ks.into_iter().find(|(_, a)| a.id == key_id))
                    .and_then(|(_, a)| a.expiration)
                    .unwrap_or(started + time::Duration::minutes(m as i64));
                Ok(RotatedAccessKey::new(new, OldKey::ExpiresAt(expires)))
            }
            None => {
                if let Err(e) = self.delete_key(instance, &uid, &old, op).await {
                    let new_slot = SlotKey {
                        secret: Some(new.secret_access_key.expose_secret().to_string()),
                        id: new.key.id.clone(),
                        server_id: false,
                        created: None,
                        expires: None,
                    };
                    let cleanup = self.delete_key(instance, &uid, &new_slot, op).await;
                    return Err(rotation_failed(e, cleanup, &new.key.id));
                }
                Ok(RotatedAccessKey::new(new, OldKey::Deleted))
            }
        }
    }
}

#[async_trait]
impl ObjectStoreProvider for EcsProvider {
    fn backend(&self) -> &'static str {
        SCHEME
    }

    fn capabilities(&self) -> Capabilities {
        self.caps
    }

    async fn health(&self) -> Result<Health> {
        // `/user/whoami` needs a token, so it proves both that ECS answers and that the
        // credentials are valid: the report says which of the two failed.
        let resp = match self.send(Call::get("health", "/user/whoami")).await {
            Ok(r) => r,
            Err(e) => return Ok(Health::failed(&e)),
        };
        if !resp.is_success() {
            return Ok(Health::failed(&ecs_error("health", &resp)));
        }
        let version = self.nodes().await.ok().and_then(|(_, v)| v);
        Ok(Health::new(true, version, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let c = derive_caps(true, Some(parse_version("3.6.2").unwrap()), false);
        assert_eq!(c.bucket_object_lock, Support::CreationOnly);
        assert!(!c.bucket_force_delete);
        assert_eq!(c.instance_versioning, Support::Yes);
        assert_eq!(c.instance_encryption, Support::CreationOnly);
        let c = derive_caps(true, Some(parse_version("3.8").unwrap()), true);
        assert!(c.bucket_force_delete);
        assert_eq!(c.bucket_versioning, Support::Yes);
        let c = derive_caps(false, None, false);
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
