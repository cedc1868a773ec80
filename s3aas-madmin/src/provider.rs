//! [`MadminProvider`]: the trait implementations shared by the madmin-family backends.

use crate::Dialect;
use crate::admin::{Admin, Call};
use crate::codec::Algorithm;
use crate::registry::{Record, State, SystemBucket};
use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use http::Method;
use s3aas_core::model::*;
use s3aas_core::provider::*;
use s3aas_core::{
    Capabilities, Error, ErrorKind, ExposeSecret, Policy, PolicyDocument, ProviderConfig,
    PutPolicy, ResourceKind, Result, SecretString, Support, secret,
};
use s3aas_http::{HttpClient, HttpConfig, Idempotency, S3Client, SigV4Signer};
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

mod group;
mod health;
mod lost;
mod policy;
mod sse;

use sse::SseProbe;

const SEP: &str = "--";

/// How long a fresh bucket's `NoSuchBucket` answers are retried (see [`settling`]).
const SETTLE_MISSING_BUCKET: Duration = Duration::from_secs(5);

/// How long `503` answers right after startup are retried (see [`settling`]).
const SETTLE_UNAVAILABLE: Duration = Duration::from_secs(20);

/// A provider for one madmin-family deployment, signing as an admin credential (usually root).
pub struct MadminProvider<D: Dialect> {
    admin: Admin<D>,
    s3: S3Client,
    system: SystemBucket,
    region: String,
    public_endpoint: Url,
    caps: Capabilities,
    info: Mutex<Option<(Instant, ServerInfo)>>,
    /// One async lock per instance group. RustFS 1.0.1 rewrites a group's whole member list
    /// from an unlocked snapshot, so two concurrent membership changes of one group lose one
    /// of them; every `update-group-members` and group delete of this process goes through the
    /// group's lock. Entries nobody holds are pruned on the next lookup.
    group_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The last SSE-S3 probe and when it ran.
    sse: Mutex<Option<(Instant, SseProbe)>>,
    /// Canned policies this provider wrote lately (IAM name -> when, and the document), for
    /// RustFS's hidden-policy race (see `policy.rs`).
    recent_policies: Mutex<HashMap<String, (Instant, String)>>,
}

impl<D: Dialect> std::fmt::Debug for MadminProvider<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MadminProvider")
            .field("backend", &D::NAME)
            .field("endpoint", &self.admin.endpoint.as_str())
            .field("access_key", &self.admin.signer.access_key())
            .field("region", &self.region)
            .field("system_bucket", &self.system.bucket)
            .finish_non_exhaustive()
    }
}

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
        self.caps = caps;
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
            info: Mutex::new(None),
            group_locks: Mutex::new(HashMap::new()),
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

    /// Builds from configuration options: `endpoint`, `access_key`, `secret_key`, `region`
    /// (default `us-east-1`), `system_bucket` (default `s3aas-system`), `public_endpoint` (the S3
    /// URL shown to tenants; default `endpoint`), `payload_algorithm` (0, 1 or 2; default 2), and
    /// the transport options of [`HttpConfig::from_provider_config`].
    pub fn from_config(cfg: &ProviderConfig) -> Result<Self> {
        let known: Vec<&str> = KEYS.iter().chain(HttpConfig::KEYS).copied().collect();
        cfg.check_known(&known)?;
        let mut b = Self::builder(
            cfg.require("endpoint")?,
            cfg.require("access_key")?,
            cfg.require_secret("secret_key")?.clone(),
        )
        .http(HttpConfig::from_provider_config(cfg)?);
        if let Some(r) = cfg.get("region") {
            b = b.region(r);
        }
        if let Some(s) = cfg.get("system_bucket") {
            b = b.system_bucket(s);
        }
        if let Some(p) = cfg.get("public_endpoint") {
            b = b.public_endpoint(p);
        }
        if let Some(a) = cfg.get("payload_algorithm") {
            let alg = a
                .parse::<u8>()
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
        b.build()
    }
}

impl<D: Dialect> MadminProvider<D> {
    /// An S3 client for the same server signing with another credential (e.g. a tenant's key),
    /// sharing this provider's connection pool.
    pub fn s3_client_for(&self, access_key: &str, secret_key: SecretString) -> S3Client {
        self.s3
            .with_signer(SigV4Signer::new(access_key, secret_key, &self.region))
    }

    /// The S3 client signing as the admin credential.
    pub fn admin_s3(&self) -> &S3Client {
        &self.s3
    }

    /// Every access key of every user of an instance, for estate-wide drift and billing checks:
    /// one `list-access-keys-bulk` call (RELEASE.2024-09-22 and later), which returns ids and
    /// expiry only (name, description and status stay `None`/default); on a server without it
    /// (answers 400/404/405/426/501), one `list-service-accounts` call per user with full
    /// details. Sorted by user, then key id.
    pub async fn list_instance_access_keys(&self, instance: &str) -> Result<Vec<AccessKey>> {
        let op = "list_instance_access_keys";
        self.require_instance(instance, op).await?;
        let users: Vec<String> = self
            .instance_users(instance)
            .await?
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let iams: Vec<String> = users.iter().map(|u| iam(instance, u)).collect();
        let mut call =
            Call::new(op, Method::GET, "list-access-keys-bulk").q("listType", "svcacc-only");
        for i in &iams {
            call = call.q("users", i);
        }
        let resp = self.admin.send(&call).await?;
        if resp.is_success() {
            #[derive(Deserialize)]
            struct Entry {
                #[serde(default, rename = "serviceAccounts")]
                service_accounts: Vec<BulkKey>,
            }
            #[derive(Deserialize)]
            struct BulkKey {
                #[serde(rename = "accessKey")]
                access_key: String,
                #[serde(default)]
                expiration: Option<String>,
            }
            let map: BTreeMap<String, Entry> = crate::admin::decode::<D, _>(op, &resp)?;
            let mut out = Vec::new();
            for (iam_name, entry) in map {
                let Some(user) = iam_name.strip_prefix(&iam(instance, "")) else {
                    continue;
                };
                for k in entry.service_accounts {
                    let mut key = AccessKey::new(instance, user, &k.access_key, &k.access_key);
                    key.expiration = k
                        .expiration
                        .as_deref()
                        .and_then(|e| OffsetDateTime::parse(e, &Rfc3339).ok())
                        .filter(|e| e.year() < 9999 && e.unix_timestamp() > 0);
                    out.push(key);
                }
            }
            out.sort_by(|a, b| (&a.user, &a.id).cmp(&(&b.user, &b.id)));
            return Ok(out);
        }
        if !matches!(resp.status, 400 | 404 | 405 | 426 | 501) {
            return Err(self.admin.error(op, &resp, None));
        }
        tracing::debug!(
            status = resp.status,
            "list-access-keys-bulk unavailable; listing per user"
        );
        let mut out = Vec::new();
        for u in &users {
            match self.list_access_keys(instance, u).await {
                Ok(keys) => out.extend(keys),
                Err(e) if e.kind() == ErrorKind::NotFound => {} // deleted meanwhile
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| (&a.user, &a.id).cmp(&(&b.user, &b.id)));
        Ok(out)
    }

    /// Escape hatch: a signed call to any `/rustfs/admin/v3/{cmd}` route, returning the raw
    /// response whatever its status (for routes this SDK does not model).
    pub async fn admin_raw(
        &self,
        method: Method,
        cmd: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<s3aas_http::Response> {
        let mut call = Call::new("admin_raw", method, cmd);
        call.query = query.to_vec();
        call.body = body;
        self.admin.send(&call).await
    }

    /// Retries the answers RustFS 1.0.1 gives for a while after startup or right after a bucket
    /// was created (see [`settling`]); anything else returns at once. Bounded in time.
    async fn settle<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let started = Instant::now();
        let mut wait = Duration::from_millis(100);
        loop {
            match f().await {
                Err(e) => match settling(&e) {
                    Some(budget) if started.elapsed() + wait < budget => {
                        tracing::debug!(error = %e, wait_ms = wait.as_millis() as u64, "transient answer; trying again");
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(Duration::from_secs(2));
                    }
                    _ => return Err(e),
                },
                ok => return ok,
            }
        }
    }

    async fn record(&self, instance: &str, op: &'static str) -> Result<Record> {
        self.system
            .get(instance)
            .await
            .map_err(|e| ctx::<D>(e, op))?
            .ok_or_else(|| ctx::<D>(Error::not_found(ResourceKind::Instance, instance), op))
    }

    async fn require_instance(&self, instance: &str, op: &'static str) -> Result<()> {
        if self
            .system
            .exists(instance)
            .await
            .map_err(|e| ctx::<D>(e, op))?
        {
            Ok(())
        } else {
            Err(ctx::<D>(
                Error::not_found(ResourceKind::Instance, instance),
                op,
            ))
        }
    }

    async fn require_bucket(
        &self,
        instance: &str,
        bucket: &str,
        op: &'static str,
    ) -> Result<Option<OffsetDateTime>> {
        self.require_instance(instance, op).await?;
        match self
            .system
            .bucket_created(instance, bucket)
            .await
            .map_err(|e| ctx::<D>(e, op))?
        {
            Some(created) => Ok(created),
            None => Err(ctx::<D>(Error::not_found(ResourceKind::Bucket, bucket), op)),
        }
    }

    async fn user_info(&self, instance: &str, user: &str, op: &'static str) -> Result<UserInfo> {
        let iam = iam(instance, user);
        let resp = self
            .admin
            .send(&Call::new(op, Method::GET, "user-info").q("accessKey", &iam))
            .await?;
        if resp.status == 404 || resp.status == 500 && resp.body_snippet(500).contains("NoSuchUser")
        {
            return Err(ctx::<D>(Error::not_found(ResourceKind::User, user), op)
                .with_http_status(resp.status));
        }
        if !resp.is_success() {
            return Err(self
                .admin
                .error(op, &resp, Some((ResourceKind::User, user))));
        }
        crate::admin::decode::<D, _>(op, &resp)
    }

    /// Whether a user of the instance exists.
    async fn user_exists(&self, instance: &str, user: &str, op: &'static str) -> Result<bool> {
        match self.user_info(instance, user, op).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `remove-user` by IAM name; a user already gone is success.
    async fn remove_iam_user(&self, iam: &str, op: &'static str) -> Result<()> {
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "remove-user").q("accessKey", iam))
            .await?;
        if resp.is_success() || resp.status == 404 {
            Ok(())
        } else {
            Err(self.admin.error(op, &resp, None))
        }
    }

    async fn server_info(&self) -> Result<ServerInfo> {
        if let Some((at, info)) = self.info.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if at.elapsed() < Duration::from_secs(5) {
                return Ok(info.clone());
            }
        }
        self.fresh_server_info().await
    }

    /// Server info read now (and cached for [`Self::server_info`]).
    async fn fresh_server_info(&self) -> Result<ServerInfo> {
        let raw: serde_json::Value = self
            .admin
            .json(Call::new("server_info", Method::GET, "info"), None)
            .await?;
        let info: ServerInfo = serde_json::from_value(self.admin.dialect.server_info(raw))
            .map_err(|e| Error::decode("the server info", e).with_backend(D::NAME))?;
        *self.info.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), info.clone()));
        Ok(info)
    }

    async fn to_instance(&self, r: Record) -> Result<Instance> {
        let mut i = Instance::new(&r.name);
        i.default_bucket = r.default_bucket;
        i.encryption = r.encryption;
        i.versioning = r.versioning;
        i.labels = r.labels;
        i.created = Some(r.created);
        i.endpoints = Endpoints::new(
            Some(self.public_endpoint.clone()),
            Some(self.admin.endpoint.clone()),
            Some(self.admin.endpoint.clone()),
        );
        i.status = match r.state {
            State::Creating => InstanceStatus::Creating,
            State::Error => InstanceStatus::Error {
                reason: r.reason.unwrap_or_else(|| "provisioning failed".into()),
            },
            State::Active => match self.admin.ready().await {
                Ok((true, _)) => InstanceStatus::Active,
                Ok((false, body)) => InstanceStatus::Error {
                    reason: format!("server not ready: {body}"),
                },
                Err(e) => InstanceStatus::Error {
                    reason: format!("server unreachable: {e}"),
                },
            },
        };
        if let Ok(info) = self.server_info().await {
            i.backend_version = info.servers.iter().find_map(|s| s.version.clone());
            i.nodes = info
                .servers
                .iter()
                .map(|s| {
                    let (host, port) = split_host_port(&s.endpoint);
                    let state = match s.state.as_deref() {
                        Some("online" | "ok") => NodeState::Online,
                        Some("offline") => NodeState::Offline,
                        Some(o) => NodeState::Other(o.to_string()),
                        None => NodeState::Other("unknown".into()),
                    };
                    Node::new(&s.endpoint, host, port, state)
                })
                .collect();
        }
        Ok(i)
    }

    async fn bucket_state(
        &self,
        instance: &str,
        name: &str,
        created: Option<OffsetDateTime>,
    ) -> Result<Bucket> {
        let settings = async {
            futures::try_join!(
                self.settle(|| self.s3.get_versioning(name)),
                self.settle(|| self.s3.get_encryption(name)),
                self.settle(|| self.s3.get_object_lock(name)),
                self.settle(|| self.s3.get_policy(name)),
                self.settle(|| self.s3.get_tagging(name)),
            )
        };
        let (settings, quota) = futures::join!(settings, self.settle(|| self.get_quota(name)));
        let (versioning, encryption, lock, policy, tags) = settings?;
        let mut b = Bucket::new(instance, name);
        b.created = created;
        b.versioning = Some(versioning);
        b.encryption = Some(encryption);
        b.object_lock = Some(lock);
        // The quota lives in the admin API, which can fail on its own (RustFS answers 503 while
        // its quota subsystem starts): report it as unknown rather than failing the whole read.
        b.quota = match quota {
            Ok(q) => Some(q),
            Err(e) => {
                tracing::warn!(bucket = %name, error = %e, "bucket quota unknown: reading it failed");
                None
            }
        };
        b.policy = Some(policy);
        b.tags = Some(tags);
        Ok(b)
    }

    async fn get_quota(&self, bucket: &str) -> Result<Option<Quota>> {
        #[derive(Deserialize, Default)]
        struct Q {
            #[serde(default)]
            quota: u64,
            #[serde(default)]
            size: u64,
        }
        let op = "get_bucket_quota";
        let resp = self
            .admin
            .send(&Call::new(op, Method::GET, "get-bucket-quota").q("bucket", bucket))
            .await?;
        // MinIO answers 404 XMinioAdminNoSuchQuotaConfiguration for a bucket without a quota.
        if resp.status == 404 && resp.body_snippet(1000).contains("NoSuchQuota") {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(self
                .admin
                .error(op, &resp, Some((ResourceKind::Bucket, bucket))));
        }
        let q: Q = crate::admin::decode::<D, _>(op, &resp)?;
        let n = if q.size > 0 { q.size } else { q.quota };
        Ok((n > 0).then(|| Quota::hard(n)))
    }

    /// Sets or clears a bucket's hard quota. Retried for a while on RustFS's passing answers
    /// (see [`settling`]): a server that started seconds ago refuses quotas with 503.
    async fn set_quota(&self, bucket: &str, quota: Option<Quota>) -> Result<()> {
        let body = match quota {
            Some(q) => {
                json!({"size": q.hard_limit_bytes, "quota": q.hard_limit_bytes, "quotatype": "hard"})
            }
            None => json!({"size": 0, "quota": 0}),
        };
        self.settle(|| {
            self.admin.ok(
                Call::new("set_bucket_quota", Method::PUT, "set-bucket-quota")
                    .q("bucket", bucket)
                    .json(&body),
                Some((ResourceKind::Bucket, bucket)),
            )
        })
        .await
        .map(drop)
    }

    /// Creates and configures a bucket; removes it again if any setting fails, or if it cannot
    /// be read back. A `PUT /{bucket}` whose answer was lost is resolved by asking whether the
    /// bucket exists (see [`lost`]): it did not a moment before, so if it does it is this call's
    /// and is configured as if the answer had come.
    async fn create_bucket_inner(
        &self,
        instance: &str,
        rec: &Record,
        req: &CreateBucket,
    ) -> Result<Bucket> {
        let op = "create_bucket";
        let name = req.name.as_str();
        if self.s3.bucket_exists(name).await? {
            return Err(ctx::<D>(
                Error::already_exists(ResourceKind::Bucket, name),
                op,
            ));
        }
        let mut sent = 0;
        loop {
            sent += 1;
            let e = match self
                .s3
                .create_bucket(name, req.object_lock, Some(&self.region))
                .await
            {
                Ok(()) => break,
                Err(e) => ctx::<D>(e, op).with_resource(ResourceKind::Bucket, name),
            };
            // The bucket was absent before the first PUT: "exists" on a repeat means that PUT
            // landed after all (MinIO answers 409 to its owner; RustFS 200 to root).
            if sent > 1 && e.kind() == ErrorKind::AlreadyExists {
                break;
            }
            if !e.outcome_unknown() {
                return Err(e);
            }
            match lost::confirm("bucket", || self.s3.bucket_exists(name)).await {
                Ok(true) => {
                    tracing::debug!(bucket = name, error = %e, "the answer to creating the bucket was lost, but it exists: carrying on");
                    break;
                }
                // It did not take effect (the request never reached the server, say): send it
                // again, which also settles a PUT still on its way.
                Ok(false) if sent < lost::CREATE_SENDS => {}
                Ok(false) => return Err(e),
                Err(c) => {
                    // Whether it exists cannot be found out: remove it in case, so that nothing
                    // unregistered (which deleting the instance would not find) stays behind.
                    return Err(
                        match self
                            .s3
                            .delete_bucket(name, Some(self.admin.dialect.force_delete_header()))
                            .await
                        {
                            Ok(()) => lost::noted(
                                e,
                                format!(
                                    "whether the bucket was created could not be checked ({c}), so it was deleted in case"
                                ),
                            ),
                            Err(d) => lost::partial(
                                e,
                                format!(
                                    "whether the bucket was created could not be checked ({c}) and deleting it in case failed too ({d}); bucket '{name}' may have been left behind"
                                ),
                            ),
                        },
                    );
                }
            }
        }
        let made = match self.configure_new_bucket(instance, rec, req).await {
            Ok(()) => self
                .bucket_state(instance, name, Some(OffsetDateTime::now_utc()))
                .await
                .map_err(|e| ("reading it back".to_string(), e)),
            Err((step, e)) => Err((format!("setting {step}"), e)),
        };
        let (step, e) = match made {
            Ok(b) => return Ok(b),
            Err(x) => x,
        };
        // Undo: the bucket first, then its registry marker (which the last setting step may
        // have written, even if its answer was lost). If the bucket stays, so does the marker,
        // so that deleting the instance still finds the bucket.
        let cleanup = match self
            .s3
            .delete_bucket(name, Some(self.admin.dialect.force_delete_header()))
            .await
        {
            Ok(()) => match self.system.delete_bucket(instance, name).await {
                Ok(()) => Ok("the bucket was removed again".to_string()),
                Err(m) => Err(format!(
                    "the bucket was removed again, but removing its registry marker failed ({m}); the registry marker of bucket '{name}' was left behind (deleting the bucket again retries)"
                )),
            },
            Err(c) => Err(format!(
                "removing the bucket failed too ({c}); bucket '{name}' was left behind"
            )),
        };
        let (kind, left) = match cleanup {
            Ok(m) => (e.kind(), m),
            Err(m) => (ErrorKind::Partial, m),
        };
        let msg = format!("{step} failed: {}; {left}", e.message());
        Err(e
            .with_kind(kind)
            .with_message(msg)
            .with_backend(D::NAME)
            .with_operation(op)
            .with_resource(ResourceKind::Bucket, name))
    }

    /// Applies a new bucket's settings. Each call is retried briefly on `NoSuchBucket`: RustFS
    /// can deny a bucket it has just created (see [`settling`]).
    async fn configure_new_bucket(
        &self,
        instance: &str,
        rec: &Record,
        req: &CreateBucket,
    ) -> std::result::Result<(), (&'static str, Error)> {
        let b = req.name.as_str();
        let versioning = req.versioning.unwrap_or(rec.versioning);
        if versioning && !req.object_lock {
            self.settle(|| self.s3.put_versioning(b, true))
                .await
                .map_err(|e| ("versioning", e))?;
        }
        if req.encryption.unwrap_or(rec.encryption) == Encryption::Aes256 {
            self.settle(|| self.s3.put_encryption_aes256(b))
                .await
                .map_err(|e| ("encryption", e))?;
        }
        if let Some(q) = req.quota {
            self.set_quota(b, Some(q)).await.map_err(|e| ("quota", e))?;
        }
        if let Some(p) = &req.policy {
            self.settle(|| self.s3.put_policy(b, p))
                .await
                .map_err(|e| ("policy", e))?;
        }
        if !req.tags.is_empty() {
            self.settle(|| self.s3.put_tagging(b, &req.tags))
                .await
                .map_err(|e| ("tags", e))?;
        }
        self.system
            .put_bucket(instance, b)
            .await
            .map_err(|e| ("registration", e))
    }

    /// Attaches or detaches policies (names inside the instance) with
    /// `idp/builtin/policy/attach|detach`. Servers older than that API (MinIO before
    /// RELEASE.2023-06-23 answers 426) get `set-user-or-group-policy` with the whole resulting
    /// list instead.
    async fn change_policies(
        &self,
        instance: &str,
        user: &str,
        info: &UserInfo,
        policies: Vec<String>,
        attach: bool,
        op: &'static str,
    ) -> Result<()> {
        let names: Vec<String> = policies.iter().map(|p| iam(instance, p)).collect();
        let cmd = if attach {
            "idp/builtin/policy/attach"
        } else {
            "idp/builtin/policy/detach"
        };
        let body = json!({"policies": names, "user": iam(instance, user)});
        let resp = self
            .admin
            .send(
                &Call::new(op, Method::POST, cmd)
                    .json(&body)
                    .idempotency(Idempotency::Idempotent),
            )
            .await?;
        if resp.is_success() {
            return Ok(());
        }
        // A concurrent change already did it (MinIO: 400 XMinioAdminPolicyChangeAlreadyApplied).
        if resp.status == 400
            && resp
                .body_snippet(1000)
                .contains("PolicyChangeAlreadyApplied")
        {
            return Ok(());
        }
        if resp.status != 426 && resp.status != 501 {
            return Err(self
                .admin
                .error(op, &resp, Some((ResourceKind::User, user))));
        }
        let mut all: std::collections::BTreeSet<String> = info
            .policy_name
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        for n in names {
            if attach {
                all.insert(n);
            } else {
                all.remove(&n);
            }
        }
        let list = all.into_iter().collect::<Vec<_>>().join(",");
        let target = iam(instance, user);
        self.admin
            .ok(
                Call::new(op, Method::PUT, "set-user-or-group-policy")
                    .q("policyName", &list)
                    .q("userOrGroup", &target)
                    .q("isGroup", "false"),
                Some((ResourceKind::User, user)),
            )
            .await
            .map(drop)
    }

    async fn key_info(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        op: &'static str,
    ) -> Result<(KeyInfo, AccessKey)> {
        let resp = self
            .admin
            .send(&Call::new(op, Method::GET, "info-service-account").q("accessKey", key_id))
            .await?;
        if resp.status == 404 || resp.status == 400 {
            return Err(
                ctx::<D>(Error::not_found(ResourceKind::AccessKey, key_id), op)
                    .with_http_status(resp.status),
            );
        }
        if !resp.is_success() {
            return Err(self
                .admin
                .error(op, &resp, Some((ResourceKind::AccessKey, key_id))));
        }
        let info: KeyInfo = crate::admin::decode::<D, _>(op, &resp)?;
        if info.parent_user != iam(instance, user) {
            return Err(ctx::<D>(
                Error::not_found(ResourceKind::AccessKey, key_id),
                op,
            ));
        }
        let key = info.to_key(instance, user, key_id);
        Ok((info, key))
    }

    async fn update_key(
        &self,
        key_id: &str,
        session_policy: Option<&PolicyDocument>,
        fields: serde_json::Value,
        op: &'static str,
    ) -> Result<()> {
        let mut body = fields;
        // RustFS, like MinIO, drops a key's session policy when an update omits it: resend it.
        if let Some(p) = session_policy {
            body["newPolicy"] = p.as_value().clone();
        }
        self.admin
            .ok(
                Call::new(op, Method::POST, "update-service-account")
                    .q("accessKey", key_id)
                    .json(&body)
                    .idempotency(Idempotency::Idempotent),
                Some((ResourceKind::AccessKey, key_id)),
            )
            .await
            .map(drop)
    }

    /// Creates a service account for `user`. Its access key id and secret are chosen here and
    /// sent along (`accessKey`/`secretKey`, which madmin servers honour), so that a call whose
    /// answer was lost can be resolved: the server is asked whether a key with that id exists
    /// and whose it is (see [`lost`]). The answer's credentials are used when one comes (a
    /// server that picks its own wins).
    async fn add_key(
        &self,
        instance: &str,
        user: &str,
        req: &CreateAccessKey,
    ) -> Result<NewAccessKey> {
        let op = "create_access_key";
        let want = iam(instance, user);
        let chosen_id = secret::random_access_key_id();
        let chosen_secret = secret::random_secret_key();
        let mut body = json!({
            "targetUser": want,
            "accessKey": chosen_id,
            "secretKey": chosen_secret.expose_secret(),
        });
        if let Some(n) = &req.name {
            body["name"] = json!(n);
        }
        if let Some(d) = &req.description {
            body["description"] = json!(d);
        }
        if let Some(e) = req.expiration {
            body["expiration"] = json!(e.format(&Rfc3339).expect("format"));
        }
        if let Some(p) = &req.session_policy {
            body["policy"] = p.as_value().clone();
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Creds {
            access_key: String,
            secret_key: String,
        }
        #[derive(Deserialize)]
        struct Resp {
            credentials: Creds,
        }
        let mut sent = 0;
        let (key_id, key_secret) = loop {
            sent += 1;
            // Not repeated by the transport: a repeat on a server that ignored the chosen id
            // would make a second key. Lost answers are resolved below instead.
            let answer: Result<Resp> = self
                .admin
                .json(
                    Call::new(op, Method::PUT, "add-service-account")
                        .json(&body)
                        .idempotency(Idempotency::NonIdempotent),
                    Some((ResourceKind::User, user)),
                )
                .await;
            let e = match answer {
                Ok(r) => {
                    let id = r.credentials.access_key;
                    self.verify_key_parent(instance, user, &id).await?;
                    break (id, SecretString::from(r.credentials.secret_key));
                }
                Err(e) => e,
            };
            // A repeat that fails in any way (RustFS: 400 "access key is already in use") may
            // mean the first attempt landed late: the id tells.
            if !e.outcome_unknown() && sent == 1 {
                return Err(e);
            }
            match self.resolve_lost_key(instance, user, &chosen_id, e).await? {
                None => break (chosen_id.clone(), chosen_secret.clone()),
                // It did not take effect: send it again. With the id chosen here, a copy of the
                // first request landing late cannot make a second key.
                Some(_) if sent < lost::CREATE_SENDS => {}
                Some(e) => return Err(e),
            }
        };
        let mut k = AccessKey::new(instance, user, &key_id, &key_id);
        k.name = req.name.clone();
        k.description = req.description.clone();
        k.expiration = req.expiration.map(|e| e.replace_nanosecond(0).unwrap_or(e));
        k.created = Some(OffsetDateTime::now_utc());
        k.session_policy = req.session_policy.clone();
        Ok(NewAccessKey::new(k, key_secret))
    }

    /// After `add-service-account` failed with `e` and may have landed: finds out whether the
    /// key `key_id` chosen for it exists. `Ok(None)` if it does and belongs to `user` (the caller
    /// holds its secret); `Ok(Some(e))` if it does not. If it belongs to someone else, or whether
    /// it exists cannot be found out, it is deleted (in case) and the error returned, `Partial`
    /// naming the key when deleting failed too.
    async fn resolve_lost_key(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        e: Error,
    ) -> Result<Option<Error>> {
        let op = "create_access_key";
        let want = iam(instance, user);
        let parent = lost::confirm("access key", || async {
            let resp = self
                .admin
                .send(&Call::new(op, Method::GET, "info-service-account").q("accessKey", key_id))
                .await?;
            // RustFS answers 400 for a key that does not exist, MinIO 404.
            if resp.status == 404 || resp.status == 400 {
                return Ok(None);
            }
            if !resp.is_success() {
                return Err(self
                    .admin
                    .error(op, &resp, Some((ResourceKind::AccessKey, key_id))));
            }
            let info: KeyInfo = crate::admin::decode::<D, _>(op, &resp)?;
            Ok(Some(info.parent_user))
        })
        .await;
        let note = match parent {
            Ok(Some(p)) if p == want => {
                tracing::debug!(key = key_id, error = %e, "the answer to creating the access key was lost, but it exists: carrying on");
                return Ok(None);
            }
            Ok(None) => return Ok(Some(e)),
            Ok(Some(p)) => format!(
                "the server created access key {key_id} for '{p}' instead of '{want}' (it ignored targetUser)"
            ),
            Err(c) => format!("whether access key {key_id} was created could not be checked ({c})"),
        };
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "delete-service-account").q("accessKey", key_id))
            .await;
        Err(match resp {
            Ok(r) if r.is_success() || r.status == 404 || r.status == 400 => {
                lost::noted(e, format!("{note}, so it was deleted in case"))
            }
            Ok(r) => lost::partial(
                e,
                format!(
                    "{note} and deleting it in case failed too (HTTP {}: {}); access key {key_id} of user '{user}' may have been left behind",
                    r.status,
                    r.body_snippet(200)
                ),
            ),
            Err(d) => lost::partial(
                e,
                format!("{note} and deleting it in case failed too ({d}); access key {key_id} of user '{user}' may have been left behind"),
            ),
        }
        .with_resource(ResourceKind::User, user))
    }

    /// Checks that a service account just created for `user` belongs to it. A server that
    /// ignores `targetUser` (or a proxy that drops it) creates the key for the caller instead,
    /// usually root: handing that key out would give a tenant root's powers. So the key is read
    /// back; if its parent is anyone else, or cannot be read, the key is deleted and the call
    /// fails.
    async fn verify_key_parent(&self, instance: &str, user: &str, key_id: &str) -> Result<()> {
        let op = "create_access_key";
        let want = iam(instance, user);
        let problem = match self
            .admin
            .json::<KeyInfo>(
                Call::new(op, Method::GET, "info-service-account").q("accessKey", key_id),
                Some((ResourceKind::AccessKey, key_id)),
            )
            .await
        {
            Ok(info) if info.parent_user == want => return Ok(()),
            Ok(info) => Error::new(
                ErrorKind::Backend,
                format!(
                    "the server created access key {key_id} for '{}' instead of '{want}' (it ignored targetUser)",
                    info.parent_user
                ),
            ),
            Err(e) => {
                let msg = format!(
                    "reading back new access key {key_id} to check its owner failed: {}",
                    e.message()
                );
                e.with_message(msg)
            }
        };
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "delete-service-account").q("accessKey", key_id))
            .await;
        let (kind, outcome) = match resp {
            Ok(r) if r.is_success() => (problem.kind(), "the key was deleted again".to_string()),
            Ok(r) => (
                ErrorKind::Partial,
                format!(
                    "deleting it failed too (HTTP {}: {}); delete access key {key_id} by hand",
                    r.status,
                    r.body_snippet(200)
                ),
            ),
            Err(e) => (
                ErrorKind::Partial,
                format!("deleting it failed too ({e}); delete access key {key_id} by hand"),
            ),
        };
        let msg = format!("{}; {outcome}", problem.message());
        Err(ctx::<D>(
            problem
                .with_kind(kind)
                .with_message(msg)
                .with_resource(ResourceKind::User, user),
            op,
        ))
    }

    /// Everything named for an instance: users and policies (by prefix).
    async fn instance_users(&self, instance: &str) -> Result<Vec<(String, UserInfo)>> {
        let all: BTreeMap<String, UserInfo> = self
            .admin
            .json(Call::new("list_users", Method::GET, "list-users"), None)
            .await?;
        let prefix = iam(instance, "");
        Ok(all
            .into_iter()
            .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|n| (n.to_string(), v)))
            .collect())
    }

    async fn instance_policies(&self, instance: &str) -> Result<Vec<(String, serde_json::Value)>> {
        let all: BTreeMap<String, serde_json::Value> = self
            .admin
            .json(
                Call::new("list_policies", Method::GET, "list-canned-policies"),
                None,
            )
            .await?;
        let prefix = iam(instance, "");
        Ok(all
            .into_iter()
            .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|n| (n.to_string(), v)))
            .collect())
    }
}

fn ctx<D: Dialect>(e: Error, op: &'static str) -> Error {
    e.with_backend(D::NAME).with_operation(op)
}

/// How long an answer may be retried by [`MadminProvider::settle`], if it is one of RustFS
/// 1.0.1's passing states: `NoSuchBucket` from a bucket that was just created or just answered
/// HEAD, and `503` while the server is still starting (its quota handler refuses with
/// "durable quota capability is not confirmed across the cluster" until a startup task has
/// confirmed it). Only calls on a bucket known to exist go through `settle`, so a bucket that
/// is really missing costs at most [`SETTLE_MISSING_BUCKET`] before `NotFound`.
fn settling(e: &Error) -> Option<Duration> {
    if e.code() == Some("NoSuchBucket") {
        Some(SETTLE_MISSING_BUCKET)
    } else if e.http_status() == Some(503) {
        Some(SETTLE_UNAVAILABLE)
    } else {
        None
    }
}

fn split_host_port(endpoint: &str) -> (String, Option<u16>) {
    let e = endpoint
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let e = e.split('/').next().unwrap_or(e);
    match e.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (h.to_string(), p.parse().ok()),
        _ => (e.to_string(), None),
    }
}

fn parse_time(s: Option<&str>) -> Option<OffsetDateTime> {
    let s = s?;
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    (t.unix_timestamp() > 0).then_some(t)
}

#[derive(Clone, Debug, Deserialize, Default)]
struct ServerInfo {
    #[serde(default)]
    servers: Vec<ServerEntry>,
}

#[derive(Clone, Debug, Deserialize, Default)]
struct ServerEntry {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    endpoint: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    drives: Vec<DriveEntry>,
}

#[derive(Clone, Debug, Deserialize, Default)]
struct DriveEntry {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    endpoint: String,
}

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct UserInfo {
    #[serde(default)]
    policy_name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
}

impl UserInfo {
    fn to_user(&self, instance: &str, name: &str) -> User {
        let mut u = User::new(instance, name);
        u.enabled = self.status.as_deref() != Some("disabled");
        u.created = parse_time(self.updated_at.as_deref());
        u
    }

    fn policies(&self, instance: &str) -> Vec<String> {
        let prefix = iam(instance, "");
        let mut v: Vec<String> = self
            .policy_name
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter_map(|p| p.trim().strip_prefix(&prefix).map(String::from))
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct KeyInfo {
    #[serde(default)]
    parent_user: String,
    #[serde(default)]
    account_status: Option<String>,
    #[serde(default)]
    implied_policy: bool,
    #[serde(default)]
    policy: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    expiration: Option<String>,
    #[serde(default)]
    access_key: Option<String>,
}

impl KeyInfo {
    fn session_policy(&self) -> Option<PolicyDocument> {
        if self.implied_policy {
            return None;
        }
        let v = match self.policy.as_ref()? {
            serde_json::Value::String(s) if s.trim().is_empty() => return None,
            serde_json::Value::String(s) => serde_json::from_str(s).ok()?,
            v @ serde_json::Value::Object(_) => v.clone(),
            _ => return None,
        };
        PolicyDocument::from_value(v).ok()
    }

    fn to_key(&self, instance: &str, user: &str, key_id: &str) -> AccessKey {
        let id = self
            .access_key
            .clone()
            .unwrap_or_else(|| key_id.to_string());
        let mut k = AccessKey::new(instance, user, &id, &id);
        k.name = self.name.clone().filter(|n| !n.is_empty());
        k.description = self.description.clone().filter(|d| !d.is_empty());
        k.expiration = parse_time(self.expiration.as_deref());
        k.enabled = matches!(
            self.account_status.as_deref(),
            Some("on" | "enabled") | None
        );
        k.session_policy = self.session_policy();
        k
    }
}

#[async_trait]
impl<D: Dialect> InstanceAdmin for MadminProvider<D> {
    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "create_instance"))]
    async fn create_instance(&self, req: CreateInstance) -> Result<Instance> {
        let op = "create_instance";
        if self
            .system
            .exists(&req.name)
            .await
            .map_err(|e| ctx::<D>(e, op))?
        {
            return Err(ctx::<D>(
                Error::already_exists(ResourceKind::Instance, &req.name),
                op,
            ));
        }
        if req.encryption == Encryption::Aes256 {
            // Before the record or the default bucket exist: RustFS would accept the bucket
            // default and then refuse every write into the bucket.
            self.require_sse_s3(op, "instance encryption", "instance_encryption")
                .await?;
        }
        let mut rec = Record {
            v: 1,
            name: req.name.clone(),
            default_bucket: req.default_bucket.clone(),
            encryption: req.encryption,
            versioning: req.versioning,
            labels: req.labels.clone(),
            created: OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .expect("0 is valid"),
            state: State::Creating,
            reason: None,
        };
        if let Some(b) = &req.default_bucket {
            // Refuse a taken default bucket before anything is written.
            if self
                .s3
                .bucket_exists(b)
                .await
                .map_err(|e| ctx::<D>(e, op))?
            {
                return Err(ctx::<D>(Error::already_exists(ResourceKind::Bucket, b), op));
            }
        }
        self.write_first_record(&rec, op).await?;
        let mut made_bucket = false;
        let result: Result<()> = async {
            if let Some(b) = &req.default_bucket {
                self.create_bucket_inner(&req.name, &rec, &CreateBucket::new(b))
                    .await?;
                made_bucket = true;
            }
            self.group_members(&req.name, Vec::new(), false).await?;
            rec.state = State::Active;
            match self.system.put(&rec).await {
                // The answer was lost: the instance is made if the record now says so.
                Err(e) if e.outcome_unknown() => {
                    match lost::confirm("registry record", || self.system.get(&req.name)).await {
                        Ok(Some(r)) if r.state == State::Active => Ok(()),
                        _ => Err(e),
                    }
                }
                r => r,
            }
        }
        .await;
        if let Err(e) = result {
            return Err(self.undo_instance(rec, made_bucket, e, op).await);
        }
        self.to_instance(rec).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "get_instance", instance = %id))]
    async fn get_instance(&self, id: &str) -> Result<Instance> {
        let rec = self.record(id, "get_instance").await?;
        self.to_instance(rec).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_instances"))]
    async fn list_instances(&self, opts: ListOptions) -> Result<Page<Instance>> {
        let op = "list_instances";
        let limit = opts.limit.unwrap_or(100).clamp(1, 1000);
        let (names, more) = self
            .system
            .list(
                opts.prefix.as_deref().unwrap_or(""),
                opts.continuation.as_deref(),
                limit,
            )
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        let next = if more { names.last().cloned() } else { None };
        let items: Vec<Instance> = futures::stream::iter(names)
            .map(|n| async move {
                match self.system.get(&n).await? {
                    Some(r) => self.to_instance(r).await.map(Some),
                    None => Ok(None),
                }
            })
            .buffered(8)
            .try_filter_map(|x| async move { Ok(x) })
            .try_collect()
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        Ok(Page::new(items, next))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "update_instance", instance = %id))]
    async fn update_instance(&self, id: &str, req: UpdateInstance) -> Result<Instance> {
        let op = "update_instance";
        let mut rec = self.record(id, op).await?;
        if req.encryption == Some(Encryption::Aes256) {
            self.require_sse_s3(op, "instance encryption", "instance_encryption")
                .await?;
        }
        if let Some(db) = rec.default_bucket.clone() {
            if let Some(v) = req.versioning {
                if v || self.settle(|| self.s3.get_versioning(&db)).await?
                    != Versioning::Unversioned
                {
                    self.settle(|| self.s3.put_versioning(&db, v))
                        .await
                        .map_err(|e| ctx::<D>(e, op))?;
                }
            }
            if let Some(e) = req.encryption {
                match e {
                    Encryption::Aes256 => self.settle(|| self.s3.put_encryption_aes256(&db)).await,
                    _ => self.settle(|| self.s3.delete_encryption(&db)).await,
                }
                .map_err(|e| ctx::<D>(e, op))?;
            }
        }
        if let Some(v) = req.versioning {
            rec.versioning = v;
        }
        if let Some(e) = req.encryption {
            rec.encryption = e;
        }
        self.system.put(&rec).await.map_err(|e| ctx::<D>(e, op))?;
        self.to_instance(rec).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "delete_instance", instance = %id))]
    async fn delete_instance(&self, id: &str, req: DeleteInstance) -> Result<()> {
        let op = "delete_instance";
        if !self.system.exists(id).await.map_err(|e| ctx::<D>(e, op))? {
            return Ok(());
        }
        let buckets = self
            .system
            .all_buckets(id)
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        if !req.force {
            for b in &buckets {
                match self.s3.is_empty(b).await {
                    Ok(true) => {}
                    Ok(false) => {
                        return Err(ctx::<D>(
                            Error::new(ErrorKind::BucketNotEmpty, format!("instance '{id}' holds non-empty bucket '{b}'; nothing was deleted (use force)")).with_resource(ResourceKind::Bucket, b.clone()),
                            op,
                        ));
                    }
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(ctx::<D>(e, op)),
                }
            }
        }
        let mut left: Vec<String> = Vec::new();
        let users = self.instance_users(id).await.map_err(|e| ctx::<D>(e, op))?;
        // All users leave the group in one rewrite (instead of one per user), under the group
        // lock. If that fails (e.g. 404: a user vanished meanwhile), each user leaves on its own
        // below, and the group clean-up catches whatever is left.
        let left_group = users.is_empty() || {
            let names: Vec<String> = users.iter().map(|(n, _)| iam(id, n)).collect();
            let _lock = self.lock_group(id).await;
            matches!(self.send_group_update(id, &names, true, op).await, Ok(r) if r.is_success())
        };
        let names: Vec<String> = users.into_iter().map(|(n, _)| n).collect();
        let deleted: Vec<(String, Result<()>)> = futures::stream::iter(names)
            .map(|name| async move {
                let r = self.delete_user_inner(id, &name, !left_group).await;
                (name, r)
            })
            .buffer_unordered(8)
            .collect()
            .await;
        for (name, r) in deleted {
            if let Err(e) = r {
                left.push(format!("user '{name}' ({e})"));
            }
        }
        if let Err(g) = self.delete_instance_group(id, op).await {
            left.push(g);
        }
        for (name, _) in self
            .instance_policies(id)
            .await
            .map_err(|e| ctx::<D>(e, op))?
        {
            if let Err(e) = self.delete_policy(id, &name).await {
                left.push(format!("policy '{name}' ({e})"));
            }
        }
        // Buckets are independent of each other: delete 8 at a time (an instance can hold
        // thousands). A bucket's registry marker goes only once the bucket is gone.
        let force = req
            .force
            .then_some(self.admin.dialect.force_delete_header());
        let failed: Vec<String> = futures::stream::iter(buckets)
            .map(|b| async move {
                match self.s3.delete_bucket(&b, force).await {
                    // A marker left behind would list the deleted bucket again (and under a
                    // re-created instance of the same name): report it, deleting again retries.
                    Ok(()) => match self.system.delete_bucket(id, &b).await {
                        Ok(()) => None,
                        Err(e) => Some(format!("registry marker of bucket '{b}' ({e})")),
                    },
                    Err(e) => Some(format!("bucket '{b}' ({e})")),
                }
            })
            .buffer_unordered(8)
            .filter_map(|f| async move { f })
            .collect()
            .await;
        left.extend(failed);
        if !left.is_empty() {
            return Err(ctx::<D>(
                Error::new(ErrorKind::Partial, format!("instance '{id}' was only partly deleted; left: {} (deleting again retries)", left.join(", "))).with_resource(ResourceKind::Instance, id),
                op,
            ));
        }
        self.system.delete(id).await.map_err(|e| ctx::<D>(e, op))
    }
}

#[async_trait]
impl<D: Dialect> BucketAdmin for MadminProvider<D> {
    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "create_bucket", instance = %instance))]
    async fn create_bucket(&self, instance: &str, req: CreateBucket) -> Result<Bucket> {
        let op = "create_bucket";
        let rec = self.record(instance, op).await?;
        match req.encryption {
            Some(Encryption::Aes256) => {
                self.require_sse_s3(op, "bucket encryption", "bucket_encryption")
                    .await?;
            }
            None if rec.encryption == Encryption::Aes256 => {
                let what = format!("bucket encryption (the default of instance '{instance}')");
                self.require_sse_s3(op, &what, "bucket_encryption").await?;
            }
            _ => {}
        }
        self.create_bucket_inner(instance, &rec, &req).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "get_bucket", instance = %instance))]
    async fn get_bucket(&self, instance: &str, name: &str) -> Result<Bucket> {
        let op = "get_bucket";
        let created = self.require_bucket(instance, name, op).await?;
        self.bucket_state(instance, name, created)
            .await
            .map_err(|e| ctx::<D>(e, op))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_buckets", instance = %instance))]
    async fn list_buckets(&self, instance: &str, opts: ListOptions) -> Result<Page<Bucket>> {
        let op = "list_buckets";
        self.require_instance(instance, op).await?;
        let limit = opts.limit.unwrap_or(100).clamp(1, 1000);
        let (names, more) = self
            .system
            .list_buckets(
                instance,
                opts.prefix.as_deref().unwrap_or(""),
                opts.continuation.as_deref(),
                limit,
            )
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        let next = if more { names.last().cloned() } else { None };
        Ok(Page::new(
            names
                .into_iter()
                .map(|n| Bucket::new(instance, n))
                .collect(),
            next,
        ))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "update_bucket", instance = %instance))]
    async fn update_bucket(&self, instance: &str, name: &str, req: UpdateBucket) -> Result<Bucket> {
        let op = "update_bucket";
        let created = self.require_bucket(instance, name, op).await?;
        if req.encryption == Some(Encryption::Aes256) {
            self.require_sse_s3(op, "bucket encryption", "bucket_encryption")
                .await?;
        }
        let r: Result<()> = async {
            if let Some(v) = req.versioning {
                if v || self.settle(|| self.s3.get_versioning(name)).await?
                    != Versioning::Unversioned
                {
                    self.settle(|| self.s3.put_versioning(name, v)).await?;
                }
            }
            if let Some(e) = req.encryption {
                match e {
                    Encryption::Aes256 => {
                        self.settle(|| self.s3.put_encryption_aes256(name)).await?
                    }
                    _ => self.settle(|| self.s3.delete_encryption(name)).await?,
                }
            }
            if let Some(q) = req.quota {
                self.set_quota(name, q).await?;
            }
            if let Some(p) = &req.policy {
                match p {
                    Some(doc) => self.settle(|| self.s3.put_policy(name, doc)).await?,
                    None => self.settle(|| self.s3.delete_policy(name)).await?,
                }
            }
            if let Some(t) = &req.tags {
                self.settle(|| self.s3.put_tagging(name, t)).await?;
            }
            Ok(())
        }
        .await;
        r.map_err(|e| ctx::<D>(e, op).with_resource(ResourceKind::Bucket, name))?;
        self.bucket_state(instance, name, created).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "delete_bucket", instance = %instance))]
    async fn delete_bucket(&self, instance: &str, name: &str, req: DeleteBucket) -> Result<()> {
        let op = "delete_bucket";
        self.require_instance(instance, op).await?;
        if self
            .system
            .bucket_created(instance, name)
            .await
            .map_err(|e| ctx::<D>(e, op))?
            .is_none()
        {
            return Ok(());
        }
        self.s3
            .delete_bucket(
                name,
                req.force
                    .then_some(self.admin.dialect.force_delete_header()),
            )
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        self.system
            .delete_bucket(instance, name)
            .await
            .map_err(|e| ctx::<D>(e, op))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "bucket_usage", instance = %instance))]
    async fn bucket_usage(&self, instance: &str, name: &str) -> Result<BucketUsage> {
        let op = "bucket_usage";
        self.require_bucket(instance, name, op).await?;
        let raw: serde_json::Value = self
            .admin
            .json(Call::new(op, Method::GET, "datausageinfo"), None)
            .await?;
        let (usage, sampled) = self.admin.dialect.bucket_usage(&raw, name);
        let as_of = sampled
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .filter(|t| t.unix_timestamp() > 0);
        // A bucket the usage scanner has not visited yet is reported as empty, as of the last scan
        // (or now, if there was none): callers see how fresh the figures are.
        Ok(match usage {
            Some((bytes, objects)) => BucketUsage::new(bytes, Some(objects), as_of),
            None => BucketUsage::new(
                0,
                Some(0),
                as_of.or_else(|| Some(OffsetDateTime::now_utc())),
            ),
        })
    }
}

#[async_trait]
impl<D: Dialect> UserAdmin for MadminProvider<D> {
    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "create_user", instance = %instance))]
    async fn create_user(&self, instance: &str, req: CreateUser) -> Result<User> {
        let op = "create_user";
        self.require_instance(instance, op).await?;
        match self.user_info(instance, &req.name, op).await {
            Ok(_) => {
                return Err(ctx::<D>(
                    Error::already_exists(ResourceKind::User, &req.name),
                    op,
                ));
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let name = req.name.as_str();
        let iam = iam(instance, name);
        let secret = secret::random_secret_key();
        let body = json!({"secretKey": secret.expose_secret(), "status": if req.enabled { "enabled" } else { "disabled" }});
        // `add-user` is an upsert of this very body, so the transport repeats it; when every
        // attempt lost its answer, the server is asked (it was absent a moment ago, so a user
        // there now is this call's).
        if let Err(e) = self
            .admin
            .ok(
                Call::new(op, Method::PUT, "add-user")
                    .q("accessKey", &iam)
                    .json(&body),
                Some((ResourceKind::User, name)),
            )
            .await
        {
            if !e.outcome_unknown() {
                return Err(e);
            }
            match lost::confirm("user", || self.user_exists(instance, name, op)).await {
                Ok(true) => {
                    tracing::debug!(user = %iam, error = %e, "the answer to adding the user was lost, but it exists: carrying on");
                }
                Ok(false) => return Err(e),
                Err(c) => {
                    return Err(match self.remove_iam_user(&iam, op).await {
                        Ok(()) => lost::noted(
                            e,
                            format!(
                                "whether the user was created could not be checked ({c}), so it was removed in case"
                            ),
                        ),
                        Err(d) => lost::partial(
                            e,
                            format!(
                                "whether the user was created could not be checked ({c}) and removing it in case failed too ({d}); user '{name}' may have been left behind"
                            ),
                        ),
                    });
                }
            }
        }
        if let Err(e) = self.group_members(instance, vec![iam.clone()], false).await {
            // A user outside the instance group is not part of the instance: remove it again,
            // leaving the group first in case the add took effect with its answer lost.
            let e = ctx::<D>(e, op).with_resource(ResourceKind::User, name);
            let msg = format!(
                "adding the user to the instance group failed: {}",
                e.message()
            );
            let e = e.with_message(msg);
            return Err(match self.delete_user_inner(instance, name, true).await {
                Ok(()) => lost::noted(e, "the user was removed again"),
                Err(d) => lost::partial(
                    e,
                    format!(
                        "removing the user failed too ({d}); user '{name}' was left behind (deleting it retries)"
                    ),
                ),
            });
        }
        let mut u = User::new(instance, &req.name);
        u.enabled = req.enabled;
        u.created = Some(OffsetDateTime::now_utc());
        Ok(u)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "get_user", instance = %instance))]
    async fn get_user(&self, instance: &str, name: &str) -> Result<User> {
        let op = "get_user";
        self.require_instance(instance, op).await?;
        Ok(self
            .user_info(instance, name, op)
            .await?
            .to_user(instance, name))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_users", instance = %instance))]
    async fn list_users(&self, instance: &str, opts: ListOptions) -> Result<Page<User>> {
        let op = "list_users";
        self.require_instance(instance, op).await?;
        let users = self
            .instance_users(instance)
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        let all = users
            .into_iter()
            .map(|(n, i)| i.to_user(instance, &n))
            .collect();
        Ok(Page::from_sorted(all, &opts, |u| &u.name))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "set_user_enabled", instance = %instance))]
    async fn set_user_enabled(&self, instance: &str, name: &str, enabled: bool) -> Result<()> {
        let op = "set_user_enabled";
        self.require_instance(instance, op).await?;
        self.user_info(instance, name, op).await?;
        let iam = iam(instance, name);
        let status = if enabled { "enabled" } else { "disabled" };
        self.admin
            .ok(
                Call::new(op, Method::PUT, "set-user-status")
                    .q("accessKey", &iam)
                    .q("status", status),
                Some((ResourceKind::User, name)),
            )
            .await
            .map(drop)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "delete_user", instance = %instance))]
    async fn delete_user(&self, instance: &str, name: &str) -> Result<()> {
        let op = "delete_user";
        self.require_instance(instance, op).await?;
        self.delete_user_inner(instance, name, true).await
    }
}

impl<D: Dialect> MadminProvider<D> {
    /// Writes a new instance's first registry record (state `creating`). If the answer is lost,
    /// asks whether the record exists: it did not a moment before, so if it does it is this
    /// call's and creation carries on; if that cannot be found out, it is deleted in case, and
    /// the error is `Partial` naming it when that fails too (a record left in state `creating`
    /// would list an instance nobody finishes).
    async fn write_first_record(&self, rec: &Record, op: &'static str) -> Result<()> {
        let name = rec.name.as_str();
        let e = match self.system.put(rec).await {
            Ok(()) => return Ok(()),
            Err(e) => ctx::<D>(e, op).with_resource(ResourceKind::Instance, name),
        };
        if !e.outcome_unknown() {
            return Err(e);
        }
        match lost::confirm("registry record", || self.system.exists(name)).await {
            Ok(true) => {
                tracing::debug!(instance = name, error = %e, "the answer to writing the registry record was lost, but it exists: carrying on");
                Ok(())
            }
            Ok(false) => Err(e),
            Err(c) => Err(match self.system.delete(name).await {
                Ok(()) => lost::noted(
                    e,
                    format!(
                        "whether the registry record was written could not be checked ({c}), so it was deleted in case"
                    ),
                ),
                Err(d) => lost::partial(
                    e,
                    format!(
                        "whether the registry record was written could not be checked ({c}) and deleting it in case failed too ({d}); the registry record of instance '{name}' may have been left behind (delete the instance to finish)"
                    ),
                ),
            }),
        }
    }

    /// Undoes a failed `create_instance` in reverse order (default bucket, group, record) and
    /// returns the error to report: `e` itself when everything was removed, else `Partial`
    /// naming what was left. Then the record stays, in state `error`, so that deleting the
    /// instance finds and finishes it.
    async fn undo_instance(
        &self,
        mut rec: Record,
        made_bucket: bool,
        e: Error,
        op: &'static str,
    ) -> Error {
        let name = rec.name.clone();
        let mut left = Vec::new();
        if made_bucket {
            let b = rec.default_bucket.clone().unwrap_or_default();
            match self
                .s3
                .delete_bucket(&b, Some(self.admin.dialect.force_delete_header()))
                .await
            {
                Ok(()) => {
                    if let Err(m) = self.system.delete_bucket(&name, &b).await {
                        left.push(format!("the registry marker of bucket '{b}' ({m})"));
                    }
                }
                Err(c) => left.push(format!("bucket '{b}' ({c})")),
            }
        } else if e.kind() == ErrorKind::Partial {
            // Creating the default bucket failed and left it (its error names it): keep the
            // record, so that deleting the instance can finish.
            left.push(format!(
                "bucket '{}' (as the bucket error says)",
                rec.default_bucket.as_deref().unwrap_or_default()
            ));
        }
        // The group may exist even if making it failed (its answer lost): delete it whatever.
        if let Err(g) = self.delete_instance_group(&name, op).await {
            left.push(g);
        }
        if left.is_empty() {
            match self.system.delete(&name).await {
                Ok(()) => return ctx::<D>(e, op),
                Err(c) => left.push(format!("registry record ({c})")),
            }
        } else {
            rec.state = State::Error;
            rec.reason = Some(format!("creation failed: {}", e.message()));
            if let Err(c) = self.system.put(&rec).await {
                tracing::warn!(instance = %name, error = %c, "marking the half-made instance as failed did not work; its record still says creating");
            }
        }
        let note = format!(
            "cleanup incomplete, left behind: {}; the registry record of instance '{name}' is kept (delete the instance to finish)",
            left.join(", ")
        );
        ctx::<D>(lost::partial(e, note), op)
    }
}

impl<D: Dialect> MadminProvider<D> {
    /// Deletes a user of an existing instance: detaches its policies, leaves the instance group
    /// (unless `leave_group` is false because the caller already removed it), then removes it.
    async fn delete_user_inner(&self, instance: &str, name: &str, leave_group: bool) -> Result<()> {
        let op = "delete_user";
        let info = match self.user_info(instance, name, op).await {
            Ok(i) => i,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        // Detach policies first, so that deleting them later is not refused as "in use".
        let attached = info.policies(instance);
        if !attached.is_empty() {
            self.change_policies(instance, name, &info, attached, false, op)
                .await?;
        }
        let iam = iam(instance, name);
        if leave_group {
            // Leave the group before the user goes: RustFS refuses to remove a member that is
            // no longer a user, and a member left behind blocks deleting the group. So a failure
            // here keeps the user (a retry can finish); 404 means the group or the user is
            // already gone, which is what this step wants.
            let resp = {
                let _lock = self.lock_group(instance).await;
                self.send_group_update(instance, std::slice::from_ref(&iam), true, op)
                    .await?
            };
            if !resp.is_success() && resp.status != 404 {
                let e = self
                    .admin
                    .error(op, &resp, Some((ResourceKind::User, name)));
                let msg = format!(
                    "leaving group '{}' failed, so the user was kept (deleting again retries): {}",
                    Self::group(instance),
                    e.message()
                );
                return Err(e.with_message(msg));
            }
        }
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "remove-user").q("accessKey", &iam))
            .await?;
        if resp.is_success() || resp.status == 404 {
            return Ok(());
        }
        Err(self
            .admin
            .error(op, &resp, Some((ResourceKind::User, name))))
    }
}

#[async_trait]
impl<D: Dialect> PolicyAdmin for MadminProvider<D> {
    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "put_policy", instance = %instance))]
    async fn put_policy(&self, instance: &str, req: PutPolicy) -> Result<Policy> {
        let op = "put_policy";
        self.require_instance(instance, op).await?;
        let doc = req.document.to_json();
        self.write_policy(instance, &req.name, &req.document, &doc, op)
            .await?;
        self.read_back_policy(instance, &req.name, &doc, op).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "get_policy", instance = %instance))]
    async fn get_policy(&self, instance: &str, name: &str) -> Result<Policy> {
        let op = "get_policy";
        self.require_instance(instance, op).await?;
        self.policy_info(instance, name, op).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_policies", instance = %instance))]
    async fn list_policies(&self, instance: &str, opts: ListOptions) -> Result<Page<Policy>> {
        let op = "list_policies";
        self.require_instance(instance, op).await?;
        let all = self
            .instance_policies(instance)
            .await
            .map_err(|e| ctx::<D>(e, op))?
            .into_iter()
            .filter_map(|(n, v)| {
                PolicyDocument::from_value(strip_empty(v))
                    .ok()
                    .map(|d| Policy::new(instance, n, d))
            })
            .collect();
        Ok(Page::from_sorted(all, &opts, |p| &p.name))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "delete_policy", instance = %instance))]
    async fn delete_policy(&self, instance: &str, name: &str) -> Result<()> {
        let op = "delete_policy";
        self.require_instance(instance, op).await?;
        let iam = iam(instance, name);
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "remove-canned-policy").q("name", &iam))
            .await?;
        if resp.is_success() || resp.status == 404 {
            self.forget_policy(&iam);
            return Ok(());
        }
        Err(self
            .admin
            .error(op, &resp, Some((ResourceKind::Policy, name))))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "attach_policy", instance = %instance))]
    async fn attach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        let op = "attach_policy";
        self.require_instance(instance, op).await?;
        let info = self.user_info(instance, user, op).await?;
        if info.policies(instance).iter().any(|p| p == policy) {
            return Ok(());
        }
        self.attach_existing(instance, user, policy, &info, op)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "detach_policy", instance = %instance))]
    async fn detach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        let op = "detach_policy";
        self.require_instance(instance, op).await?;
        let info = self.user_info(instance, user, op).await?;
        if !info.policies(instance).iter().any(|p| p == policy) {
            return Ok(());
        }
        self.change_policies(instance, user, &info, vec![policy.to_string()], false, op)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_attached_policies", instance = %instance))]
    async fn list_attached_policies(&self, instance: &str, user: &str) -> Result<Vec<String>> {
        let op = "list_attached_policies";
        self.require_instance(instance, op).await?;
        Ok(self.user_info(instance, user, op).await?.policies(instance))
    }
}

#[async_trait]
impl<D: Dialect> AccessKeyAdmin for MadminProvider<D> {
    async fn create_access_key(
        &self,
        instance: &str,
        user: &str,
        req: CreateAccessKey,
    ) -> Result<NewAccessKey> {
        let op = "create_access_key";
        self.require_instance(instance, op).await?;
        self.user_info(instance, user, op).await?;
        self.add_key(instance, user, &req).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_access_keys", instance = %instance))]
    async fn list_access_keys(&self, instance: &str, user: &str) -> Result<Vec<AccessKey>> {
        let op = "list_access_keys";
        self.require_instance(instance, op).await?;
        self.user_info(instance, user, op).await?;
        #[derive(Deserialize)]
        struct L {
            #[serde(default)]
            accounts: Vec<KeyInfo>,
        }
        let iam = iam(instance, user);
        let l: L = self
            .admin
            .json(
                Call::new(op, Method::GET, "list-service-accounts").q("user", &iam),
                Some((ResourceKind::User, user)),
            )
            .await?;
        let mut keys: Vec<AccessKey> = l
            .accounts
            .iter()
            .filter(|k| k.parent_user.is_empty() || k.parent_user == iam)
            .filter_map(|k| {
                k.access_key
                    .as_deref()
                    .map(|id| k.to_key(instance, user, id))
            })
            .collect();
        keys.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(keys)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "get_access_key", instance = %instance))]
    async fn get_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<AccessKey> {
        let op = "get_access_key";
        self.require_instance(instance, op).await?;
        self.user_info(instance, user, op).await?;
        Ok(self.key_info(instance, user, key_id, op).await?.1)
    }

    async fn set_access_key_enabled(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        enabled: bool,
    ) -> Result<()> {
        let op = "set_access_key_enabled";
        self.require_instance(instance, op).await?;
        let (_, key) = self.key_info(instance, user, key_id, op).await?;
        let status = if enabled { "on" } else { "off" };
        self.update_key(
            key_id,
            key.session_policy.as_ref(),
            json!({"newStatus": status}),
            op,
        )
        .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "delete_access_key", instance = %instance))]
    async fn delete_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<()> {
        let op = "delete_access_key";
        self.require_instance(instance, op).await?;
        match self.key_info(instance, user, key_id, op).await {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "delete-service-account").q("accessKey", key_id))
            .await?;
        // RustFS answers 400 "service account not exist" for a key that is already gone.
        if resp.is_success()
            || resp.status == 404
            || resp.status == 400 && resp.body_snippet(500).contains("not exist")
        {
            return Ok(());
        }
        Err(self
            .admin
            .error(op, &resp, Some((ResourceKind::AccessKey, key_id))))
    }

    async fn rotate_access_key(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        req: RotateAccessKey,
    ) -> Result<RotatedAccessKey> {
        let op = "rotate_access_key";
        self.require_instance(instance, op).await?;
        let (_, old) = self.key_info(instance, user, key_id, op).await?;
        let mut template = CreateAccessKey::new();
        template.name = old.name.clone();
        template.description = old.description.clone();
        template.session_policy = old.session_policy.clone();
        let new = self.add_key(instance, user, &template).await?;
        let retired: Result<OldKey> = async {
            match req.grace {
                Some(g) => {
                    let mut at = (OffsetDateTime::now_utc() + g)
                        .replace_nanosecond(0)
                        .expect("0 is valid");
                    if let Some(e) = old.expiration {
                        at = at.min(e);
                    }
                    self.update_key(
                        key_id,
                        old.session_policy.as_ref(),
                        json!({"newExpiration": at.format(&Rfc3339).expect("format")}),
                        op,
                    )
                    .await?;
                    Ok(OldKey::ExpiresAt(at))
                }
                None => {
                    self.delete_access_key(instance, user, key_id).await?;
                    Ok(OldKey::Deleted)
                }
            }
        }
        .await;
        match retired {
            Ok(fate) => Ok(RotatedAccessKey::new(new, fate)),
            Err(e) => {
                let undo = self.delete_access_key(instance, user, &new.key.id).await;
                let msg = match undo {
                    Ok(()) => format!(
                        "retiring the old key failed: {}; the new key was deleted again",
                        e.message()
                    ),
                    Err(u) => format!(
                        "retiring the old key failed: {}; deleting the new key {} failed too: {u}",
                        e.message(),
                        new.key.id
                    ),
                };
                let kind = if msg.contains("failed too") {
                    ErrorKind::Partial
                } else {
                    e.kind()
                };
                Err(ctx::<D>(e.with_kind(kind).with_message(msg), op))
            }
        }
    }
}

#[async_trait]
impl<D: Dialect> ObjectStoreProvider for MadminProvider<D> {
    fn backend(&self) -> &'static str {
        D::NAME
    }

    /// The configured capabilities, narrowed by the latest probe of the server's configuration
    /// (see [`MadminProvider::probe_capabilities`]): no encryption on a server that cannot
    /// serve SSE-S3.
    fn capabilities(&self) -> Capabilities {
        let mut c = self.caps;
        let sse = self.sse.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(sse.as_ref(), Some((_, SseProbe::Unavailable { .. }))) {
            c.instance_encryption = Support::No;
            c.bucket_encryption = Support::No;
        }
        c
    }

    /// Ready when management calls can succeed: the readiness probe answers `200` and, where
    /// the dialect has one, the write-quorum probe too. A ready cluster with nodes or drives
    /// missing is reported [`HealthProblem::Degraded`], naming them (see `health.rs`).
    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "health"))]
    async fn health(&self) -> Result<Health> {
        self.check_health().await
    }
}

/// RustFS stores policies normalised, with empty `Sid`/`Condition`/`Id` fields; drop them.
fn strip_empty(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .filter(|(k, x)| {
                    !(matches!(k.as_str(), "Sid" | "Id" | "ID")
                        && x.as_str().is_some_and(str::is_empty)
                        || matches!(
                            k.as_str(),
                            "Condition"
                                | "NotPrincipal"
                                | "NotAction"
                                | "NotResource"
                                | "Principal"
                        ) && (x.is_null()
                            || x.as_object().is_some_and(|o| o.is_empty())
                            || x.as_array().is_some_and(|a| a.is_empty())))
                })
                .map(|(k, x)| (k, strip_empty(x)))
                .collect(),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(strip_empty).collect())
        }
        other => other,
    }
}

/// Option names [`MadminProvider::from_config`] reads (besides the transport options).
pub const KEYS: &[&str] = &[
    "endpoint",
    "access_key",
    "secret_key",
    "region",
    "system_bucket",
    "public_endpoint",
    "payload_algorithm",
];

fn iam(instance: &str, name: &str) -> String {
    format!("{instance}{SEP}{name}")
}
