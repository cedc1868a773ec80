//! [`CephProvider`]: the struct, naming, the Admin Ops calls every resource file shares, the
//! per-tenant S3 signer, and health. The resource files import from here with
//! `use crate::provider::*`.

pub(crate) use crate::SCHEME;
pub(crate) use crate::error::rgw_error;
pub(crate) use crate::wire::{self, BucketStats, UserInfo, decode};
pub(crate) use async_trait::async_trait;
pub(crate) use futures::{StreamExt, TryStreamExt};
pub(crate) use http::Method;
pub(crate) use s3aas_core::model::*;
pub(crate) use s3aas_core::policy::{Policy, PolicyDocument, PutPolicy};
pub(crate) use s3aas_core::provider::*;
pub(crate) use s3aas_core::{
    Capabilities, Error, ErrorKind, ExposeSecret, ProviderConfig, ResourceKind, Result,
    SecretString,
};
pub(crate) use s3aas_http::{
    HttpClient, HttpConfig, IamClient, Idempotency, Request, Response, S3Client, SigV4Signer,
};
pub(crate) use std::collections::HashMap;
pub(crate) use std::sync::Mutex;
pub(crate) use time::OffsetDateTime;
pub(crate) use url::Url;

/// How many reads a listing runs at once.
pub(crate) const LIST_CONCURRENCY: usize = 8;

/// The user id (inside each tenant) of an instance's system user: it marks the tenant as an
/// s3aas instance, holds the instance's settings in its display name and owns its buckets.
pub const SYSTEM_USER: &str = "s3aas";

/// The user id (inside each tenant) of the keyless, suspended user whose inline IAM policies
/// are the instance's named policies.
pub const POLICY_USER: &str = "s3aas-policies";

/// Adds the backend and operation to an error that lacks them.
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

/// The RGW tenant of an instance. Tenant names allow letters, digits and `_` only (RGW answers
/// `InvalidTenantName` to a `-`), and instance names allow lower-case letters, digits and `-`
/// only, so `-` ↔ `_` maps one onto the other both ways.
pub fn tenant_of(instance: &str) -> String {
    instance.replace('-', "_")
}

/// The instance of an RGW tenant (see [`tenant_of`]).
pub fn instance_of(tenant: &str) -> String {
    tenant.replace('_', "-")
}

/// `tenant$user`, RGW's id of a user in a tenant.
pub(crate) fn uid(instance: &str, user: &str) -> String {
    format!("{}${user}", tenant_of(instance))
}

/// Whether a user name is one s3aas keeps for itself in every tenant.
pub(crate) fn is_reserved(name: &str) -> bool {
    name == SYSTEM_USER || name == POLICY_USER
}

/// Refuses a reserved user name before any request.
pub(crate) fn check_user_name(name: &str, op: &'static str) -> Result<()> {
    if is_reserved(name) {
        return Err(ctx(
            Error::invalid_input(
                "user",
                format!(
                    "'{name}' is reserved: the ceph backend keeps the users '{SYSTEM_USER}' and '{POLICY_USER}' of every tenant for itself"
                ),
            ),
            op,
        ));
    }
    Ok(())
}

/// A Ceph RADOS Gateway provider. See the [crate docs](crate) for the mapping.
pub struct CephProvider {
    pub(crate) http: HttpClient,
    pub(crate) endpoint: Url,
    pub(crate) s3_public: Url,
    pub(crate) admin: SigV4Signer,
    pub(crate) iam: IamClient,
    pub(crate) region: String,
    pub(crate) caps: Capabilities,
    /// Signers of the tenants' system users, by tenant (their keys are read from RGW once).
    pub(crate) tenant_signers: Mutex<HashMap<String, SigV4Signer>>,
    /// What the admin user's caps allow, once read (by `health` or `probe_capabilities`).
    pub(crate) probed: Mutex<Option<Capabilities>>,
}

impl std::fmt::Debug for CephProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CephProvider")
            .field("endpoint", &self.endpoint.as_str())
            .field("s3_public", &self.s3_public.as_str())
            .field("admin", &self.admin)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// An Admin Ops call: method, resource under `/admin/`, sub-resource flag and parameters.
/// `Debug` never shows the value of `secret-key` (RGW takes a new key's secret as a query
/// parameter; the transport never logs or reports query strings either).
pub(crate) struct AdminCall {
    pub(crate) op: &'static str,
    pub(crate) method: Method,
    pub(crate) resource: &'static str,
    pub(crate) flag: Option<&'static str>,
    pub(crate) params: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) idempotency: Idempotency,
}

impl std::fmt::Debug for AdminCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(k, v)| {
                (
                    *k,
                    if *k == "secret-key" {
                        "[REDACTED]"
                    } else {
                        v.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("AdminCall")
            .field("op", &self.op)
            .field("method", &self.method)
            .field("resource", &self.resource)
            .field("flag", &self.flag)
            .field("params", &params)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl AdminCall {
    fn new(op: &'static str, method: Method, resource: &'static str) -> Self {
        let idempotency = if method == Method::POST {
            Idempotency::NonIdempotent
        } else {
            Idempotency::Idempotent
        };
        AdminCall {
            op,
            method,
            resource,
            flag: None,
            params: Vec::new(),
            body: Vec::new(),
            idempotency,
        }
    }
    pub(crate) fn get(op: &'static str, resource: &'static str) -> Self {
        Self::new(op, Method::GET, resource)
    }
    pub(crate) fn put(op: &'static str, resource: &'static str) -> Self {
        Self::new(op, Method::PUT, resource)
    }
    pub(crate) fn post(op: &'static str, resource: &'static str) -> Self {
        Self::new(op, Method::POST, resource)
    }
    pub(crate) fn delete(op: &'static str, resource: &'static str) -> Self {
        Self::new(op, Method::DELETE, resource)
    }
    pub(crate) fn flag(mut self, flag: &'static str) -> Self {
        self.flag = Some(flag);
        self
    }
    pub(crate) fn q(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.params.push((k, v.into()));
        self
    }
    pub(crate) fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }
    pub(crate) fn idempotent(mut self) -> Self {
        self.idempotency = Idempotency::Idempotent;
        self
    }
    /// Marks a call that must not be repeated blindly: a create whose repeat would answer
    /// `409 ...AlreadyExists` for what the first attempt made.
    pub(crate) fn once(mut self) -> Self {
        self.idempotency = Idempotency::NonIdempotent;
        self
    }
}

impl CephProvider {
    /// The URL of an admin call: `/admin/<resource>?<flag>&k=v...`.
    pub(crate) fn admin_url(&self, call: &AdminCall) -> Url {
        let mut u = self.endpoint.clone();
        {
            let mut seg = u.path_segments_mut().expect("http(s) URLs have paths");
            seg.pop_if_empty().push("admin");
            seg.extend(call.resource.split('/'));
        }
        let q = wire::query(call.flag, &call.params);
        u.set_query((!q.is_empty()).then_some(q.as_str()));
        u
    }

    /// Sends an admin call, whatever the answer's status.
    pub(crate) async fn send(&self, call: &AdminCall) -> Result<Response> {
        let url = self.admin_url(call);
        self.http
            .execute(call.op, call.idempotency, Some(&self.admin), || {
                let mut r = Request::new(call.method.clone(), url.clone());
                if !call.body.is_empty() {
                    r = r
                        .header("content-type", "application/json")
                        .body(call.body.clone());
                }
                Ok(r)
            })
            .await
            .map_err(|e| ctx(e, call.op))
    }

    /// Sends an admin call and fails on a non-2xx answer, naming `missing` on a not-found.
    pub(crate) async fn ok(
        &self,
        call: AdminCall,
        missing: Option<(ResourceKind, &str)>,
    ) -> Result<Response> {
        let resp = self.send(&call).await?;
        if resp.is_success() {
            return Ok(resp);
        }
        Err(fail(call.op, &resp, missing))
    }

    /// A user, `None` when RGW answers `NoSuchUser`.
    pub(crate) async fn user_info(&self, uid: &str, op: &'static str) -> Result<Option<UserInfo>> {
        let resp = self.send(&AdminCall::get(op, "user").q("uid", uid)).await?;
        if resp.status == 404 {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(fail(op, &resp, None));
        }
        decode("GET /admin/user", &resp.body)
            .map(Some)
            .map_err(|e| ctx(e, op))
    }

    /// The instance's system user and settings; `NotFound` (instance) when the tenant has no
    /// s3aas system user.
    pub(crate) async fn system(
        &self,
        instance: &str,
        op: &'static str,
    ) -> Result<(UserInfo, crate::instance::Settings)> {
        let missing = || ctx(Error::not_found(ResourceKind::Instance, instance), op);
        let info = self
            .user_info(&uid(instance, SYSTEM_USER), op)
            .await?
            .ok_or_else(missing)?;
        let settings = crate::instance::Settings::parse(&info.display_name).ok_or_else(missing)?;
        self.remember_signer(instance, &info);
        Ok((info, settings))
    }

    /// A user of an instance; `NotFound` (user) when missing.
    pub(crate) async fn instance_user(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<UserInfo> {
        self.system(instance, op).await?;
        self.user_info(&uid(instance, name), op)
            .await?
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::User, name), op))
    }

    /// An S3 client signing as the instance's system user (the owner of its buckets: RGW lets a
    /// bucket's owner configure it, and names buckets inside the signer's tenant).
    pub(crate) async fn tenant_s3(&self, instance: &str, op: &'static str) -> Result<S3Client> {
        let tenant = tenant_of(instance);
        let cached = || {
            self.tenant_signers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&tenant)
                .cloned()
        };
        let signer = match cached() {
            Some(s) => s,
            None => {
                // Reading the system user fills the cache when it has a key.
                self.system(instance, op).await?;
                match cached() {
                    Some(s) => s,
                    None => {
                        let s = self.new_system_key(instance, op).await?;
                        self.tenant_signers
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(tenant.clone(), s.clone());
                        s
                    }
                }
            }
        };
        Ok(S3Client::new(
            SCHEME,
            self.http.clone(),
            self.endpoint.clone(),
            signer,
        ))
    }

    /// An S3 client signing as the instance's system user, the owner of the instance's buckets
    /// (for seeding and checking objects, e.g. in tests). `NotFound` if the instance is missing.
    pub async fn instance_s3(&self, instance: &str) -> Result<S3Client> {
        self.tenant_s3(instance, "instance_s3").await
    }

    /// An S3 client for the same endpoint signing with another key (e.g. a key s3aas issued):
    /// what a tenant's application would use.
    pub fn s3_with_key(&self, access_key: &str, secret: SecretString) -> S3Client {
        S3Client::new(
            SCHEME,
            self.http.clone(),
            self.endpoint.clone(),
            SigV4Signer::new(access_key, secret, &self.region),
        )
    }

    /// Keeps the cached signer of a tenant in step with its system user's keys as just read:
    /// almost every operation reads the system user first, so a key rotated or removed outside
    /// s3aas is noticed on the next call without an extra request.
    fn remember_signer(&self, instance: &str, info: &UserInfo) {
        let tenant = tenant_of(instance);
        let mut cache = self
            .tenant_signers
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let keys = info.own_keys();
        if cache
            .get(&tenant)
            .is_some_and(|s| keys.iter().any(|k| k.access_key == s.access_key()))
        {
            return;
        }
        match keys
            .iter()
            .find_map(|k| k.secret_key.as_ref().map(|s| (k, s)))
        {
            Some((k, secret)) => {
                cache.insert(
                    tenant,
                    SigV4Signer::new(&k.access_key, secret.0.clone(), &self.region),
                );
            }
            None => {
                cache.remove(&tenant);
            }
        }
    }

    /// Gives the system user a key (when someone removed its keys) and returns its signer.
    async fn new_system_key(&self, instance: &str, op: &'static str) -> Result<SigV4Signer> {
        let (id, secret) = crate::access_key::generate();
        self.put_key(&uid(instance, SYSTEM_USER), &id, &secret, op)
            .await?;
        Ok(SigV4Signer::new(id, secret, &self.region))
    }

    /// Forgets the cached signer of a tenant (its system user is gone or its key changed).
    pub(crate) fn forget_tenant(&self, instance: &str) {
        self.tenant_signers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&tenant_of(instance));
    }

    /// `PUT /admin/user?key` with a key id and secret chosen here: repeating it with the same
    /// pair only sets the same secret again (RGW overwrites a key of the same user), so the call
    /// is safe to retry.
    pub(crate) async fn put_key(
        &self,
        uid: &str,
        access_key: &str,
        secret: &SecretString,
        op: &'static str,
    ) -> Result<()> {
        let call = AdminCall::put(op, "user")
            .flag("key")
            .q("uid", uid)
            .q("key-type", "s3")
            .q("access-key", access_key)
            .q("secret-key", secret.expose_secret());
        let resp = self.send(&call).await?;
        if resp.is_success() {
            return Ok(());
        }
        Err(fail(op, &resp, Some((ResourceKind::User, uid))))
    }

    /// Every user id RGW holds (`GET /admin/metadata/user`, paged by marker).
    pub(crate) async fn all_uids(&self, op: &'static str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut call = AdminCall::get(op, "metadata/user").q("max-entries", "1000");
            if let Some(m) = &marker {
                call = call.q("marker", m.clone());
            }
            let resp = self.ok(call, None).await?;
            let page = wire::parse_metadata_page(&resp.body).map_err(|e| ctx(e, op))?;
            out.extend(page.keys);
            match page.marker {
                Some(m) if page.truncated => {
                    if marker.as_deref() == Some(m.as_str()) {
                        return Err(ctx(
                            Error::new(
                                ErrorKind::Backend,
                                format!(
                                    "RGW answered the same user listing marker '{m}' twice: the listing does not advance"
                                ),
                            ),
                            op,
                        ));
                    }
                    marker = Some(m);
                }
                _ => return Ok(out),
            }
        }
    }

    /// The names of an instance's users (reserved ones left out), sorted.
    pub(crate) async fn user_names(&self, instance: &str, op: &'static str) -> Result<Vec<String>> {
        let prefix = format!("{}$", tenant_of(instance));
        let mut names: Vec<String> = self
            .all_uids(op)
            .await?
            .into_iter()
            .filter_map(|u| u.strip_prefix(&prefix).map(str::to_string))
            .filter(|n| !is_reserved(n))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// The names of the buckets the instance's system user owns, sorted.
    pub(crate) async fn bucket_names(
        &self,
        instance: &str,
        op: &'static str,
    ) -> Result<Vec<String>> {
        self.owned_buckets(instance, SYSTEM_USER, op).await
    }

    /// The names of the buckets user `owner` of the instance owns, sorted.
    pub(crate) async fn owned_buckets(
        &self,
        instance: &str,
        owner: &str,
        op: &'static str,
    ) -> Result<Vec<String>> {
        let resp = self
            .ok(
                AdminCall::get(op, "bucket").q("uid", uid(instance, owner)),
                Some((ResourceKind::User, owner)),
            )
            .await?;
        let mut names: Vec<String> =
            decode("GET /admin/bucket?uid=", &resp.body).map_err(|e| ctx(e, op))?;
        // Some releases answer `tenant/bucket`.
        for n in &mut names {
            if let Some((_, b)) = n.split_once('/') {
                *n = b.to_string();
            }
        }
        names.sort();
        Ok(names)
    }

    /// A bucket of the tenant with its stats, whoever owns it; `None` when missing.
    pub(crate) async fn any_bucket_stats(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<Option<BucketStats>> {
        let call = AdminCall::get(op, "bucket")
            .q("bucket", format!("{}/{name}", tenant_of(instance)))
            .q("stats", "true");
        let resp = self.send(&call).await?;
        if resp.status == 404 {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(fail(op, &resp, Some((ResourceKind::Bucket, name))));
        }
        let stats: BucketStats =
            decode("GET /admin/bucket?stats", &resp.body).map_err(|e| ctx(e, op))?;
        Ok(Some(stats))
    }

    /// A bucket's stats, `None` when the bucket is missing or not the instance's (owned by
    /// another user than the system user).
    pub(crate) async fn bucket_stats(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<Option<BucketStats>> {
        Ok(self
            .any_bucket_stats(instance, name, op)
            .await?
            .filter(|s| s.owner == uid(instance, SYSTEM_USER)))
    }
}

/// The error of a failed admin call, as `NotFound` of `missing` on a 404.
pub(crate) fn fail(
    op: &'static str,
    resp: &Response,
    missing: Option<(ResourceKind, &str)>,
) -> Error {
    let e = rgw_error(op, resp);
    match missing {
        Some((kind, name)) if e.kind() == ErrorKind::NotFound => e.with_resource(kind, name),
        _ => e,
    }
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

#[async_trait]
impl ObjectStoreProvider for CephProvider {
    fn backend(&self) -> &'static str {
        SCHEME
    }

    /// What RGW allows (see [`crate::CAPABILITIES`]) ∧ the configured restriction ∧, once
    /// read by `health` or [`CephProvider::probe_capabilities`], what the admin user's caps
    /// allow.
    fn capabilities(&self) -> Capabilities {
        match *self.probed.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(p) => self.caps.intersect(p),
            None => self.caps,
        }
    }

    /// Reads the admin user itself (`GET /admin/user?access-key=`, which proves that RGW
    /// answers and that the key signs) and checks its caps: without `users`, `buckets` and
    /// `metadata=read` the backend cannot work (not ready, `PermissionDenied`); without
    /// `user-policy=*` it is ready but named policies are switched off, and the detail says
    /// why. RGW does not report its release over HTTP (`/admin/info` is 405 on Pacific), so
    /// the version stays unknown.
    async fn health(&self) -> Result<Health> {
        match self.read_caps("health").await {
            Ok((_, missing)) if !missing.is_empty() => {
                let mut h = Health::new(
                    false,
                    None,
                    Some(format!(
                        "the admin user lacks the RGW caps {}",
                        missing.join(", ")
                    )),
                );
                h.problem = Some(HealthProblem::PermissionDenied);
                Ok(h)
            }
            Ok((allowed, _)) => {
                let mut notes = Vec::new();
                if !allowed.policies {
                    notes.push("no `user-policy=*` cap: named policies are switched off");
                }
                if allowed.bucket_quota == Support::No {
                    notes.push("no `metadata=write` cap: bucket quotas are switched off");
                }
                Ok(Health::new(
                    true,
                    None,
                    (!notes.is_empty()).then(|| notes.join("; ")),
                ))
            }
            Err(e) => Ok(Health::failed(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_calls_never_debug_a_key_secret() {
        let c = AdminCall::put("create_access_key", "user")
            .flag("key")
            .q("uid", "t$u")
            .q("access-key", "AKID")
            .q("secret-key", "very-secret");
        let d = format!("{c:?}");
        assert!(d.contains("AKID") && d.contains("[REDACTED]"), "{d}");
        assert!(!d.contains("very-secret"), "{d}");
    }
}
