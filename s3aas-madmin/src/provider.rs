//! [`MadminProvider`]: the trait implementations shared by the madmin-family backends.

pub(crate) use crate::Dialect;
pub(crate) use crate::admin::{Admin, Call};
pub(crate) use crate::codec::Algorithm;
pub(crate) use crate::registry::{Record, State, SystemBucket};
pub(crate) use async_trait::async_trait;
pub(crate) use futures::{StreamExt, TryStreamExt};
pub(crate) use http::Method;
pub(crate) use s3aas_core::model::*;
pub(crate) use s3aas_core::provider::*;
pub(crate) use s3aas_core::{
    Capabilities, Error, ErrorKind, ExposeSecret, Policy, PolicyDocument, ProviderConfig,
    PutPolicy, ResourceKind, Result, SecretString, Support, secret,
};
pub(crate) use s3aas_http::{HttpClient, HttpConfig, Idempotency, S3Client, SigV4Signer};
pub(crate) use serde::Deserialize;
pub(crate) use serde_json::json;
pub(crate) use std::collections::{BTreeMap, HashMap};
pub(crate) use std::future::Future;
pub(crate) use std::sync::{Arc, Mutex};
pub(crate) use std::time::{Duration, Instant};
pub(crate) use time::OffsetDateTime;
pub(crate) use time::format_description::well_known::Rfc3339;
pub(crate) use url::Url;

pub(crate) use crate::kept::Kept;
pub(crate) use crate::lost;
pub(crate) use crate::sse::SseProbe;
pub(crate) use crate::wire::*;

pub(crate) const SEP: &str = "--";

/// How long a fresh bucket's `NoSuchBucket` answers are retried (see [`settling`]).
pub(crate) const SETTLE_MISSING_BUCKET: Duration = Duration::from_secs(5);

/// How long `503` answers right after startup are retried (see [`settling`]).
pub(crate) const SETTLE_UNAVAILABLE: Duration = Duration::from_secs(20);

/// How long the server info (version, nodes) is kept for instance calls.
pub(crate) const INFO_KEPT: Duration = Duration::from_secs(5);

/// How long the readiness probe's answer is kept for instance calls: a listing or a plan of a
/// thousand instances probes a few times, not a thousand, and a status is at most this old.
pub(crate) const READY_KEPT: Duration = Duration::from_secs(1);

/// A provider for one madmin-family deployment, signing as an admin credential (usually root).
pub struct MadminProvider<D: Dialect> {
    pub(crate) admin: Admin<D>,
    pub(crate) s3: S3Client,
    pub(crate) system: SystemBucket,
    pub(crate) region: String,
    pub(crate) public_endpoint: Url,
    pub(crate) caps: Capabilities,
    /// Version and nodes, shown with every instance: kept for [`INFO_KEPT`].
    pub(crate) info: Kept<ServerInfo>,
    /// The readiness probe's answer, shown as every instance's status: kept for
    /// [`READY_KEPT`].
    pub(crate) ready: Kept<(bool, String)>,
    /// One async lock per instance group. RustFS 1.0.1 rewrites a group's whole member list
    /// from an unlocked snapshot, so two concurrent membership changes of one group lose one
    /// of them; every `update-group-members` and group delete of this process goes through the
    /// group's lock. Entries nobody holds are pruned on the next lookup.
    pub(crate) group_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Single-member joins and leaves waiting for their group's lock (group name -> changes):
    /// the holder sends every waiting change of its kind in one update (see `change_member`).
    pub(crate) group_pending: Mutex<HashMap<String, Vec<crate::group::PendingChange>>>,
    /// The last SSE-S3 probe and when it ran.
    pub(crate) sse: Mutex<Option<(Instant, SseProbe)>>,
    /// Canned policies this provider wrote lately (IAM name -> when, and the document), for
    /// RustFS's hidden-policy race (see `canned.rs`).
    pub(crate) recent_policies: Mutex<HashMap<String, (Instant, String)>>,
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

    /// [`Self::settle`] when `on`; `None` without a request otherwise.
    pub(crate) async fn settle_if<T, F, Fut>(&self, on: bool, f: F) -> Result<Option<T>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        s3aas_http::s3::read_if(on, self.settle(f)).await
    }

    /// Runs `gate` and `read` at once and answers both, `gate`'s error winning: one wait instead
    /// of two where `read` is only used if `gate` succeeds (`read` must change nothing). A
    /// failing gate answers at once, dropping `read` (which may still be waiting, e.g. in
    /// `settle`).
    pub(crate) async fn gated<G, R>(
        gate: impl Future<Output = Result<G>>,
        read: impl Future<Output = R>,
    ) -> Result<(G, R)> {
        use futures::future::{Either, select};
        let (gate, read) = (std::pin::pin!(gate), std::pin::pin!(read));
        match select(gate, read).await {
            Either::Left((g, read)) => {
                let g = g?;
                Ok((g, read.await))
            }
            Either::Right((r, gate)) => Ok((gate.await?, r)),
        }
    }

    /// Retries the answers RustFS 1.0.1 gives for a while after startup or right after a bucket
    /// was created (see [`settling`]); anything else returns at once. Bounded in time.
    pub(crate) async fn settle<T, F, Fut>(&self, f: F) -> Result<T>
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

    pub(crate) async fn record(&self, instance: &str, op: &'static str) -> Result<Record> {
        self.system
            .get(instance)
            .await
            .map_err(|e| ctx::<D>(e, op))?
            .ok_or_else(|| ctx::<D>(Error::not_found(ResourceKind::Instance, instance), op))
    }

    /// Names what a call on something of `instance` found missing: when `e` says the thing is
    /// not found, the instance is checked, and its own `NotFound` wins.
    ///
    /// Calls on a user, a policy or a key do not check the instance first, because the thing
    /// answering proves it: a user, policy or key named `<instance>--...` exists only while the
    /// instance's record does (creating an instance writes the record first; deleting one
    /// removes everything in it before the record, and keeps the record when anything is
    /// left). So only a miss costs the extra request. Nothing is cached: a change made by
    /// another client is seen at once.
    pub(crate) async fn name_missing(&self, instance: &str, op: &'static str, e: Error) -> Error {
        if e.kind() != ErrorKind::NotFound {
            return e;
        }
        match self.require_instance(instance, op).await {
            Ok(()) => e,
            Err(i) => i,
        }
    }

    /// `user-info` of a user of `instance`, the instance checked only when the user is missing
    /// (see [`Self::name_missing`]).
    pub(crate) async fn instance_user(
        &self,
        instance: &str,
        user: &str,
        op: &'static str,
    ) -> Result<UserInfo> {
        match self.user_info(instance, user, op).await {
            Err(e) => Err(self.name_missing(instance, op, e).await),
            ok => ok,
        }
    }

    /// After a call on `user`'s key failed with `e`: when the key was not found, names the user
    /// or the instance instead if either is what is missing.
    pub(crate) async fn name_missing_key(
        &self,
        instance: &str,
        user: &str,
        op: &'static str,
        e: Error,
    ) -> Error {
        if e.kind() != ErrorKind::NotFound {
            return e;
        }
        match self.instance_user(instance, user, op).await {
            Ok(_) => e,
            Err(u) if u.kind() == ErrorKind::NotFound => u,
            Err(_) => e,
        }
    }

    pub(crate) async fn require_instance(&self, instance: &str, op: &'static str) -> Result<()> {
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

    pub(crate) async fn server_info(&self) -> Result<ServerInfo> {
        match self.info.get() {
            Some(info) => Ok(info),
            None => self.fresh_server_info().await,
        }
    }

    /// Server info read now (and kept for [`Self::server_info`]).
    pub(crate) async fn fresh_server_info(&self) -> Result<ServerInfo> {
        let raw: serde_json::Value = self
            .admin
            .json(Call::new("server_info", Method::GET, "info"), None)
            .await?;
        let info: ServerInfo = serde_json::from_value(self.admin.dialect.server_info(raw))
            .map_err(|e| Error::decode("the server info", e).with_backend(D::NAME))?;
        self.info.put(info.clone());
        Ok(info)
    }

    /// The server's readiness for an instance's status: the probe's answer, kept for
    /// [`READY_KEPT`].
    pub(crate) async fn readiness(&self) -> Result<(bool, String)> {
        match self.ready.get() {
            Some(r) => Ok(r),
            None => self.fresh_readiness().await,
        }
    }

    /// The readiness probe asked now (and its answer kept for [`Self::readiness`]; an
    /// unreachable server is asked again by the next call).
    pub(crate) async fn fresh_readiness(&self) -> Result<(bool, String)> {
        let r = self.admin.ready().await?;
        self.ready.put(r.clone());
        Ok(r)
    }
}

pub(crate) fn ctx<D: Dialect>(e: Error, op: &'static str) -> Error {
    e.with_backend(D::NAME).with_operation(op)
}

/// How long an answer may be retried by [`MadminProvider::settle`], if it is one of RustFS
/// 1.0.1's passing states: `NoSuchBucket` from a bucket that was just created or just answered
/// HEAD, and `503` while the server is still starting (its quota handler refuses with
/// "durable quota capability is not confirmed across the cluster" until a startup task has
/// confirmed it). Only calls on a bucket known to exist go through `settle`, so a bucket that
/// is really missing costs at most [`SETTLE_MISSING_BUCKET`] before `NotFound`.
pub(crate) fn settling(e: &Error) -> Option<Duration> {
    if e.code() == Some("NoSuchBucket") {
        Some(SETTLE_MISSING_BUCKET)
    } else if e.http_status() == Some(503) {
        Some(SETTLE_UNAVAILABLE)
    } else {
        None
    }
}

pub(crate) fn split_host_port(endpoint: &str) -> (String, Option<u16>) {
    let e = endpoint
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let e = e.split('/').next().unwrap_or(e);
    match e.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (h.to_string(), p.parse().ok()),
        _ => (e.to_string(), None),
    }
}

pub(crate) fn parse_time(s: Option<&str>) -> Option<OffsetDateTime> {
    let s = s?;
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    (t.unix_timestamp() > 0).then_some(t)
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
pub(crate) fn strip_empty(v: serde_json::Value) -> serde_json::Value {
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

pub(crate) fn iam(instance: &str, name: &str) -> String {
    format!("{instance}{SEP}{name}")
}
