//! [`EcsProvider`]: the struct, its session and the helpers every resource file shares
//! (sending calls, reading answers, listing pages), and health. The resource files
//! (`instance.rs`, `bucket.rs`, `user.rs`, `policy.rs`, `access_key.rs`) import what they use
//! from here with `use crate::provider::*`.

pub(crate) use crate::error::ecs_error;
pub(crate) use crate::identity::Identity;
pub(crate) use crate::instance::Marker;
pub(crate) use crate::naming::Naming;
pub(crate) use crate::session::{Call, Session, SharedSession, logout_with};
pub(crate) use crate::wire::{self, BucketInfo, BucketTag, SlotKey, UserTag, decode};
pub(crate) use crate::{DEFAULT_BUCKET_TAG, SCHEME};
pub(crate) use async_trait::async_trait;
pub(crate) use futures::{StreamExt, TryStreamExt};
pub(crate) use s3aas_core::model::*;
pub(crate) use s3aas_core::policy::{Policy, PolicyDocument, PutPolicy};
pub(crate) use s3aas_core::provider::*;
pub(crate) use s3aas_core::{
    Capabilities, Error, ErrorKind, ExposeSecret, ProviderConfig, ResourceKind, Result,
    SecretString,
};
pub(crate) use s3aas_http::{HttpClient, HttpConfig, Response, S3Client, SigV4Signer};
pub(crate) use serde_json::{Value, json};
pub(crate) use std::sync::Mutex;
pub(crate) use std::time::{Duration, Instant};
pub(crate) use time::OffsetDateTime;
pub(crate) use url::Url;

pub(crate) const GIB: u64 = 1 << 30;
const NODE_CACHE: Duration = Duration::from_secs(30);
pub(crate) const LIST_CONCURRENCY: usize = 8;

pub(crate) fn ctx(e: Error, op: &'static str) -> Error {
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

/// A Dell ECS provider. See the [crate docs](crate) for the mapping.
pub struct EcsProvider {
    pub(crate) session: SharedSession,
    pub(crate) http: HttpClient,
    pub(crate) endpoint: Url,
    pub(crate) s3_endpoint: Option<Url>,
    pub(crate) s3_public: Option<Url>,
    pub(crate) region: String,
    pub(crate) replication_group: Option<String>,
    pub(crate) user_prefix: String,
    pub(crate) naming: Naming,
    /// The one namespace this provider adopts (option `namespace`), if any.
    pub(crate) bound_namespace: Option<String>,
    pub(crate) empty_bucket_timeout: Duration,
    pub(crate) empty_bucket_poll: Duration,
    pub(crate) caps: crate::config::CapsInputs,
    /// How users, keys and policies are kept (object users or IAM).
    pub(crate) identity: Box<dyn Identity>,
    pub(crate) nodes: Mutex<Option<NodeCache>>,
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
            .field("identity", &self.identity)
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
pub(crate) enum Missing {
    Instance,
    Bucket,
    User,
}

pub(crate) fn is_not_found(resp: &Response) -> bool {
    if resp.status == 404 {
        return true;
    }
    if resp.status == 400 || resp.status == 500 {
        if let Some(e) = crate::error::parse_error(&resp.body) {
            return matches!(e.code.as_deref(), Some("1004" | "1019"));
        }
    }
    false
}

impl EcsProvider {
    /// Releases the management token (`GET /logout`). The provider stays usable: the next call
    /// logs in again.
    pub async fn close(&self) -> Result<()> {
        self.session.logout().await
    }

    /// Reads the release from ECS (`/vdc/nodes`) and returns the capabilities it gives: object
    /// lock from 3.6.2, forced bucket deletion from 3.8, whatever `version` was configured.
    pub async fn probe_capabilities(&self) -> Result<Capabilities> {
        self.nodes.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.nodes().await?;
        Ok(self.capabilities())
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

    pub(crate) fn user_name_of<'a>(&self, instance: &str, uid: &'a str) -> Option<&'a str> {
        self.naming.object_user_of(instance, uid)
    }

    pub(crate) async fn send(&self, call: Call) -> Result<Response> {
        let op = call.op;
        self.session.send(&call).await.map_err(|e| ctx(e, op))
    }

    /// Sends and fails on a non-2xx answer, naming `missing` on a not-found.
    pub(crate) async fn ok(
        &self,
        call: Call,
        missing: Option<(Missing, &str)>,
    ) -> Result<Response> {
        let op = call.op;
        let resp = self.send(call).await?;
        if resp.is_success() {
            return Ok(resp);
        }
        Err(self.fail(op, &resp, missing))
    }

    pub(crate) fn fail(
        &self,
        op: &'static str,
        resp: &Response,
        missing: Option<(Missing, &str)>,
    ) -> Error {
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

    pub(crate) async fn namespace(
        &self,
        ns: &str,
        op: &'static str,
    ) -> Result<Option<wire::Namespace>> {
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

    pub(crate) async fn nodes(&self) -> Result<(Vec<Node>, Option<String>)> {
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
        if let Some(v) = version.as_deref().and_then(crate::config::probed) {
            *self
                .caps
                .probed_version
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = Some(v);
        }
        Ok((nodes, version))
    }

    /// One page of the namespace's buckets (ECS order, `marker` paging).
    pub(crate) async fn bucket_page(
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

    pub(crate) async fn all_buckets(&self, ns: &str, op: &'static str) -> Result<Vec<BucketInfo>> {
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

    pub(crate) async fn all_user_ids(&self, ns: &str, op: &'static str) -> Result<Vec<String>> {
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

    pub(crate) async fn user_page(
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

    pub(crate) async fn to_instance(
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
        let default = buckets.iter().find(|b| b.is_default());
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

    pub(crate) fn no_named_policies(op: &'static str) -> Error {
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
pub(crate) fn advance(
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
pub(crate) async fn each_present<T, F, Fut>(names: Vec<String>, read: F) -> Result<Vec<T>>
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
pub(crate) fn stopped_midway(e: Error, what: &str, done: &[String]) -> Error {
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
pub(crate) fn rotation_failed(e: Error, cleanup: Result<()>, new_key: &str) -> Error {
    let msg = format!("retiring the old key failed: {}", e.message());
    match cleanup {
        Ok(()) => e.with_message(format!("{msg}; the new key was deleted again")),
        Err(c) => e.with_kind(ErrorKind::Partial).with_message(format!(
            "{msg}; deleting the new key '{new_key}' failed too ({c}): the user holds both keys"
        )),
    }
}

pub(crate) fn step(e: Error, what: &str) -> Error {
    let msg = format!("setting {what} on the new bucket failed: {}", e.message());
    e.with_message(msg)
}

#[async_trait]
impl ObjectStoreProvider for EcsProvider {
    fn backend(&self) -> &'static str {
        SCHEME
    }

    fn capabilities(&self) -> Capabilities {
        self.caps.effective(self.identity.as_ref())
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
