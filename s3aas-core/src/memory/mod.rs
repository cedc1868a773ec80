//! [`MemoryProvider`]: a complete, thread-safe, in-process implementation of every trait.
//!
//! It is the embedded default of the examples and a test double for code that uses s3aas: it
//! follows the same contracts as the real backends (idempotent deletes,
//! `AlreadyExists`/`NotFound`, non-empty bucket refusal, key limits; and, used through a
//! [`Client`](crate::Client) as the registry hands it out or `MemoryProvider::new().into_client()`,
//! validation and capability refusals), and offers a few
//! extra methods to drive tests: [`MemoryProvider::put_object`] to fill buckets and
//! [`MemoryProvider::authenticate`] to check whether a key would be accepted.
//!
//! Bucket names are unique across the whole provider, as on an S3 server.

use crate::capabilities::Capabilities;
use crate::error::{Error, ErrorKind, ResourceKind, Result};
use crate::model::*;
use crate::policy::{Policy, PutPolicy};
use crate::provider::*;
use crate::secret;
use async_trait::async_trait;
use features::usage;
use secrecy::{ExposeSecret, SecretString};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use time::OffsetDateTime;

const BACKEND: &str = "memory";

/// The in-memory provider. Cheap to create; share it behind an `Arc`.
#[derive(Debug)]
pub struct MemoryProvider {
    caps: Capabilities,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    instances: BTreeMap<String, InstanceState>,
    /// Bucket name → instance, for the provider-wide bucket namespace.
    bucket_owner: BTreeMap<String, String>,
}

#[derive(Debug)]
struct InstanceState {
    info: Instance,
    buckets: BTreeMap<String, BucketState>,
    users: BTreeMap<String, UserState>,
    policies: BTreeMap<String, Policy>,
}

#[derive(Debug)]
struct BucketState {
    info: Bucket,
    /// Object key → (size, versions kept).
    objects: BTreeMap<String, (u64, u64)>,
}

#[derive(Debug)]
struct UserState {
    info: User,
    policies: BTreeSet<String>,
    keys: BTreeMap<String, KeyState>,
}

#[derive(Debug)]
struct KeyState {
    info: AccessKey,
    secret: SecretString,
}

impl Default for MemoryProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryProvider {
    /// A provider with every capability.
    pub fn new() -> Self {
        Self::with_capabilities(Capabilities::all())
    }

    /// A provider that behaves like a backend with fewer capabilities (calls that need a missing
    /// one are refused with `Unsupported`), e.g. to test code against a two-key limit.
    pub fn with_capabilities(caps: Capabilities) -> Self {
        MemoryProvider {
            caps,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data (every method checks before it
        // mutates), so a poisoned lock is safe to reuse.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores an object of `size` bytes (test helper: makes a bucket non-empty and counts usage).
    /// In a versioned bucket, overwriting keeps the old version.
    pub fn put_object(&self, instance: &str, bucket: &str, key: &str, size: u64) -> Result<()> {
        let mut st = self.lock();
        let b = bucket_mut(&mut st, instance, bucket)?;
        let versioned = b.info.versioning == Some(Versioning::Enabled);
        let e = b.objects.entry(key.to_string()).or_insert((0, 0));
        if versioned {
            e.0 += size;
            e.1 += 1;
        } else {
            *e = (size, 1);
        }
        Ok(())
    }

    /// Deletes every object of a bucket (test helper).
    pub fn empty_bucket(&self, instance: &str, bucket: &str) -> Result<()> {
        let mut st = self.lock();
        bucket_mut(&mut st, instance, bucket)?.objects.clear();
        Ok(())
    }

    /// Checks a key pair the way a server would: the key exists, matches the secret, is enabled
    /// and unexpired, and its user is enabled. Returns `(instance, user)`.
    pub fn authenticate(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> Result<(String, String)> {
        let st = self.lock();
        let now = OffsetDateTime::now_utc();
        for (iname, inst) in &st.instances {
            for (uname, user) in &inst.users {
                for key in user.keys.values() {
                    if key.info.access_key_id != access_key_id {
                        continue;
                    }
                    let ok = secret::constant_time_eq(
                        key.secret.expose_secret().as_bytes(),
                        secret_access_key.as_bytes(),
                    );
                    if !ok {
                        return Err(Error::new(
                            ErrorKind::Unauthenticated,
                            "signature does not match",
                        )
                        .with_backend(BACKEND));
                    }
                    if !key.info.enabled || !user.info.enabled {
                        return Err(Error::new(
                            ErrorKind::Unauthenticated,
                            "access key or its user is disabled",
                        )
                        .with_backend(BACKEND));
                    }
                    if key.info.expiration.is_some_and(|e| e <= now) {
                        return Err(Error::new(
                            ErrorKind::Unauthenticated,
                            "access key has expired",
                        )
                        .with_backend(BACKEND));
                    }
                    return Ok((iname.clone(), uname.clone()));
                }
            }
        }
        Err(Error::new(ErrorKind::Unauthenticated, "unknown access key id").with_backend(BACKEND))
    }
}

fn ctx(e: Error, op: &'static str) -> Error {
    e.with_backend(BACKEND).with_operation(op)
}

fn instance<'a>(st: &'a State, id: &str) -> Result<&'a InstanceState> {
    st.instances
        .get(id)
        .ok_or_else(|| Error::not_found(ResourceKind::Instance, id))
}

fn instance_mut<'a>(st: &'a mut State, id: &str) -> Result<&'a mut InstanceState> {
    st.instances
        .get_mut(id)
        .ok_or_else(|| Error::not_found(ResourceKind::Instance, id))
}

fn bucket_mut<'a>(st: &'a mut State, inst: &str, name: &str) -> Result<&'a mut BucketState> {
    instance_mut(st, inst)?
        .buckets
        .get_mut(name)
        .ok_or_else(|| Error::not_found(ResourceKind::Bucket, name))
}

fn user<'a>(inst: &'a InstanceState, name: &str) -> Result<&'a UserState> {
    inst.users
        .get(name)
        .ok_or_else(|| Error::not_found(ResourceKind::User, name))
}

fn user_mut<'a>(inst: &'a mut InstanceState, name: &str) -> Result<&'a mut UserState> {
    inst.users
        .get_mut(name)
        .ok_or_else(|| Error::not_found(ResourceKind::User, name))
}

fn new_bucket_state(inst: &Instance, req: &CreateBucket) -> BucketState {
    let versioning = if req.object_lock || req.versioning.unwrap_or(inst.versioning) {
        Versioning::Enabled
    } else {
        Versioning::Unversioned
    };
    let mut b = Bucket::new(&inst.name, &req.name);
    b.created = Some(OffsetDateTime::now_utc());
    b.owner = req.owner.clone();
    b.versioning = Some(versioning);
    b.encryption = Some(req.encryption.unwrap_or(inst.encryption));
    b.object_lock = Some(req.object_lock);
    b.quota = Some(req.quota);
    b.policy = Some(req.policy.clone());
    b.tags = Some(req.tags.clone());
    features::on_create(&mut b, req);
    BucketState {
        info: b,
        objects: BTreeMap::new(),
    }
}

fn new_key(inst: &str, user: &str, req: &CreateAccessKey) -> KeyState {
    let id = secret::random_access_key_id();
    let mut k = AccessKey::new(inst, user, &id, &id);
    k.name = req.name.clone();
    k.description = req.description.clone();
    k.expiration = req.expiration.map(|e| e.replace_nanosecond(0).unwrap_or(e));
    k.created = Some(OffsetDateTime::now_utc());
    k.session_policy = req.session_policy.clone();
    KeyState {
        info: k,
        secret: secret::random_secret_key(),
    }
}

#[async_trait]
impl InstanceAdmin for MemoryProvider {
    async fn create_instance(&self, req: CreateInstance) -> Result<Instance> {
        let mut st = self.lock();
        if st.instances.contains_key(&req.name) {
            return Err(ctx(
                Error::already_exists(ResourceKind::Instance, &req.name),
                "create_instance",
            ));
        }
        if let Some(b) = &req.default_bucket {
            if st.bucket_owner.contains_key(b) {
                return Err(ctx(
                    Error::already_exists(ResourceKind::Bucket, b),
                    "create_instance",
                ));
            }
        }
        let mut info = Instance::new(&req.name);
        info.default_bucket = req.default_bucket.clone();
        info.encryption = req.encryption;
        info.versioning = req.versioning;
        info.mfa_delete = req.mfa_delete;
        info.labels = req.labels.clone();
        info.backend_version =
            Some(concat!("s3aas-memory ", env!("CARGO_PKG_VERSION")).to_string());
        info.nodes = vec![Node::new("memory-0", "in-process", None, NodeState::Online)];
        info.created = Some(OffsetDateTime::now_utc());
        let mut buckets = BTreeMap::new();
        if let Some(b) = &req.default_bucket {
            buckets.insert(b.clone(), new_bucket_state(&info, &CreateBucket::new(b)));
            st.bucket_owner.insert(b.clone(), req.name.clone());
        }
        st.instances.insert(
            req.name.clone(),
            InstanceState {
                info: info.clone(),
                buckets,
                users: BTreeMap::new(),
                policies: BTreeMap::new(),
            },
        );
        Ok(info)
    }

    async fn get_instance(&self, id: &str) -> Result<Instance> {
        let st = self.lock();
        instance(&st, id)
            .map(|i| i.info.clone())
            .map_err(|e| ctx(e, "get_instance"))
    }

    async fn list_instances(&self, opts: ListOptions) -> Result<Page<Instance>> {
        let st = self.lock();
        let all = st.instances.values().map(|i| i.info.clone()).collect();
        Ok(Page::from_sorted(all, &opts, |i| &i.name))
    }

    async fn update_instance(&self, id: &str, req: UpdateInstance) -> Result<Instance> {
        let mut st = self.lock();
        let inst = instance_mut(&mut st, id).map_err(|e| ctx(e, "update_instance"))?;
        if req.mfa_delete == Some(true) && !req.versioning.unwrap_or(inst.info.versioning) {
            return Err(ctx(
                Error::invalid_input("instance.mfa_delete", "MFA delete requires versioning"),
                "update_instance",
            ));
        }
        if let Some(v) = req.versioning {
            if let Some(db) = inst.info.default_bucket.clone() {
                if let Some(b) = inst.buckets.get_mut(&db) {
                    if !v && b.info.object_lock == Some(true) {
                        return Err(ctx(
                            Error::new(
                                ErrorKind::Conflict,
                                "versioning cannot be suspended on an object-lock bucket",
                            )
                            .with_resource(ResourceKind::Bucket, db),
                            "update_instance",
                        ));
                    }
                    b.info.versioning = Some(next_versioning(b.info.versioning, v));
                }
            }
            inst.info.versioning = v;
        }
        if let Some(m) = req.mfa_delete {
            inst.info.mfa_delete = m;
        }
        if let Some(e) = req.encryption {
            inst.info.encryption = e;
        }
        Ok(inst.info.clone())
    }

    async fn delete_instance(&self, id: &str, req: DeleteInstance) -> Result<()> {
        let mut st = self.lock();
        let Some(inst) = st.instances.get(id) else {
            return Ok(());
        };
        if !req.force {
            if let Some((name, _)) = inst.buckets.iter().find(|(_, b)| !b.objects.is_empty()) {
                return Err(ctx(
                    Error::new(ErrorKind::BucketNotEmpty, format!("instance '{id}' holds non-empty bucket '{name}'; nothing was deleted (use force)"))
                        .with_resource(ResourceKind::Bucket, name.clone()),
                    "delete_instance",
                ));
            }
        }
        let inst = st.instances.remove(id).expect("checked above");
        for b in inst.buckets.keys() {
            st.bucket_owner.remove(b);
        }
        Ok(())
    }
}

fn next_versioning(cur: Option<Versioning>, enable: bool) -> Versioning {
    match (cur, enable) {
        (_, true) => Versioning::Enabled,
        (Some(Versioning::Unversioned) | None, false) => Versioning::Unversioned,
        (_, false) => Versioning::Suspended,
    }
}

#[async_trait]
impl BucketAdmin for MemoryProvider {
    async fn create_bucket(&self, inst_id: &str, req: CreateBucket) -> Result<Bucket> {
        let mut st = self.lock();
        let info = instance(&st, inst_id)
            .map_err(|e| ctx(e, "create_bucket"))?
            .info
            .clone();
        if st.bucket_owner.contains_key(&req.name) {
            return Err(ctx(
                Error::already_exists(ResourceKind::Bucket, &req.name),
                "create_bucket",
            ));
        }
        if let Some(o) = &req.owner {
            user(instance(&st, inst_id)?, o).map_err(|e| ctx(e, "create_bucket"))?;
        }
        let b = new_bucket_state(&info, &req);
        let out = b.info.clone();
        st.bucket_owner
            .insert(req.name.clone(), inst_id.to_string());
        instance_mut(&mut st, inst_id)?
            .buckets
            .insert(req.name.clone(), b);
        Ok(out)
    }

    async fn get_bucket(&self, inst: &str, name: &str) -> Result<Bucket> {
        let mut st = self.lock();
        bucket_mut(&mut st, inst, name)
            .map(|b| b.info.clone())
            .map_err(|e| ctx(e, "get_bucket"))
    }

    async fn list_buckets(&self, inst: &str, opts: ListOptions) -> Result<Page<Bucket>> {
        let st = self.lock();
        let i = instance(&st, inst).map_err(|e| ctx(e, "list_buckets"))?;
        let all = i.buckets.values().map(|b| b.info.clone()).collect();
        Ok(Page::from_sorted(all, &opts, |b| &b.name))
    }

    async fn update_bucket(&self, inst: &str, name: &str, req: UpdateBucket) -> Result<Bucket> {
        let mut st = self.lock();
        let b = bucket_mut(&mut st, inst, name).map_err(|e| ctx(e, "update_bucket"))?;
        if req.versioning == Some(false) && b.info.object_lock == Some(true) {
            return Err(ctx(
                Error::new(
                    ErrorKind::Conflict,
                    "versioning cannot be suspended on an object-lock bucket",
                )
                .with_resource(ResourceKind::Bucket, name),
                "update_bucket",
            ));
        }
        features::update(&mut b.info, &req).map_err(|e| ctx(e, "update_bucket"))?;
        if let Some(v) = req.versioning {
            b.info.versioning = Some(next_versioning(b.info.versioning, v));
        }
        if let Some(q) = req.quota {
            b.info.quota = Some(q);
        }
        if let Some(p) = req.policy {
            b.info.policy = Some(p);
        }
        if let Some(t) = req.tags {
            b.info.tags = Some(t);
        }
        if let Some(e) = req.encryption {
            b.info.encryption = Some(e);
        }
        Ok(b.info.clone())
    }

    async fn delete_bucket(&self, inst: &str, name: &str, req: DeleteBucket) -> Result<()> {
        let mut st = self.lock();
        let i = instance_mut(&mut st, inst).map_err(|e| ctx(e, "delete_bucket"))?;
        let Some(b) = i.buckets.get(name) else {
            return Ok(());
        };
        if !b.objects.is_empty() && !req.force {
            return Err(ctx(
                Error::new(
                    ErrorKind::BucketNotEmpty,
                    format!("bucket '{name}' is not empty"),
                )
                .with_resource(ResourceKind::Bucket, name),
                "delete_bucket",
            ));
        }
        i.buckets.remove(name);
        st.bucket_owner.remove(name);
        Ok(())
    }

    async fn bucket_usage(&self, inst: &str, name: &str) -> Result<BucketUsage> {
        let mut st = self.lock();
        let b = bucket_mut(&mut st, inst, name).map_err(|e| ctx(e, "bucket_usage"))?;
        let (bytes, objects) = usage(b);
        Ok(BucketUsage::new(
            bytes,
            Some(objects),
            Some(OffsetDateTime::now_utc()),
        ))
    }

    async fn instance_usage(&self, inst: &str) -> Result<InstanceUsage> {
        let st = self.lock();
        let i = instance(&st, inst).map_err(|e| ctx(e, "instance_usage"))?;
        Ok(features::instance_usage(inst, i))
    }
}

#[async_trait]
impl UserAdmin for MemoryProvider {
    async fn create_user(&self, inst: &str, req: CreateUser) -> Result<User> {
        let mut st = self.lock();
        let i = instance_mut(&mut st, inst).map_err(|e| ctx(e, "create_user"))?;
        if i.users.contains_key(&req.name) {
            return Err(ctx(
                Error::already_exists(ResourceKind::User, &req.name),
                "create_user",
            ));
        }
        let mut u = User::new(inst, &req.name);
        u.enabled = req.enabled;
        u.created = Some(OffsetDateTime::now_utc());
        u.tags = Some(req.tags);
        i.users.insert(
            req.name,
            UserState {
                info: u.clone(),
                policies: BTreeSet::new(),
                keys: BTreeMap::new(),
            },
        );
        Ok(u)
    }

    async fn get_user(&self, inst: &str, name: &str) -> Result<User> {
        let st = self.lock();
        let i = instance(&st, inst).map_err(|e| ctx(e, "get_user"))?;
        user(i, name)
            .map(|u| u.info.clone())
            .map_err(|e| ctx(e, "get_user"))
    }

    async fn list_users(&self, inst: &str, opts: ListOptions) -> Result<Page<User>> {
        let st = self.lock();
        let i = instance(&st, inst).map_err(|e| ctx(e, "list_users"))?;
        Ok(Page::from_sorted(
            i.users.values().map(|u| u.info.clone()).collect(),
            &opts,
            |u| &u.name,
        ))
    }

    async fn set_user_enabled(&self, inst: &str, name: &str, enabled: bool) -> Result<()> {
        let mut st = self.lock();
        let i = instance_mut(&mut st, inst).map_err(|e| ctx(e, "set_user_enabled"))?;
        user_mut(i, name)
            .map_err(|e| ctx(e, "set_user_enabled"))?
            .info
            .enabled = enabled;
        Ok(())
    }

    async fn delete_user(&self, inst: &str, name: &str) -> Result<()> {
        let mut st = self.lock();
        instance_mut(&mut st, inst)
            .map_err(|e| ctx(e, "delete_user"))?
            .users
            .remove(name);
        Ok(())
    }
}

#[async_trait]
impl PolicyAdmin for MemoryProvider {
    async fn put_policy(&self, inst: &str, req: PutPolicy) -> Result<Policy> {
        let mut st = self.lock();
        let i = instance_mut(&mut st, inst).map_err(|e| ctx(e, "put_policy"))?;
        let now = OffsetDateTime::now_utc();
        let p = i
            .policies
            .entry(req.name.clone())
            .and_modify(|p| {
                if !p.document.semantically_eq(&req.document) {
                    p.document = req.document.clone();
                    p.updated = Some(now);
                }
            })
            .or_insert_with(|| {
                let mut p = Policy::new(inst, &req.name, req.document.clone());
                p.created = Some(now);
                p.updated = Some(now);
                p
            });
        Ok(p.clone())
    }

    async fn get_policy(&self, inst: &str, name: &str) -> Result<Policy> {
        let st = self.lock();
        let i = instance(&st, inst).map_err(|e| ctx(e, "get_policy"))?;
        i.policies
            .get(name)
            .cloned()
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::Policy, name), "get_policy"))
    }

    async fn list_policies(&self, inst: &str, opts: ListOptions) -> Result<Page<Policy>> {
        let st = self.lock();
        let i = instance(&st, inst).map_err(|e| ctx(e, "list_policies"))?;
        Ok(Page::from_sorted(
            i.policies.values().cloned().collect(),
            &opts,
            |p| &p.name,
        ))
    }

    async fn delete_policy(&self, inst: &str, name: &str) -> Result<()> {
        let mut st = self.lock();
        let i = instance_mut(&mut st, inst).map_err(|e| ctx(e, "delete_policy"))?;
        if let Some((u, _)) = i.users.iter().find(|(_, u)| u.policies.contains(name)) {
            return Err(ctx(
                Error::new(
                    ErrorKind::Conflict,
                    format!("policy '{name}' is attached to user '{u}'; detach it first"),
                )
                .with_resource(ResourceKind::Policy, name),
                "delete_policy",
            ));
        }
        i.policies.remove(name);
        Ok(())
    }

    async fn attach_policy(&self, inst: &str, user_name: &str, policy: &str) -> Result<()> {
        let mut st = self.lock();
        let i = instance_mut(&mut st, inst).map_err(|e| ctx(e, "attach_policy"))?;
        if !i.policies.contains_key(policy) {
            return Err(ctx(
                Error::not_found(ResourceKind::Policy, policy),
                "attach_policy",
            ));
        }
        user_mut(i, user_name)
            .map_err(|e| ctx(e, "attach_policy"))?
            .policies
            .insert(policy.to_string());
        Ok(())
    }

    async fn detach_policy(&self, inst: &str, user_name: &str, policy: &str) -> Result<()> {
        let mut st = self.lock();
        let i = instance_mut(&mut st, inst).map_err(|e| ctx(e, "detach_policy"))?;
        user_mut(i, user_name)
            .map_err(|e| ctx(e, "detach_policy"))?
            .policies
            .remove(policy);
        Ok(())
    }

    async fn list_attached_policies(&self, inst: &str, user_name: &str) -> Result<Vec<String>> {
        let st = self.lock();
        let i = instance(&st, inst).map_err(|e| ctx(e, "list_attached_policies"))?;
        Ok(user(i, user_name)
            .map_err(|e| ctx(e, "list_attached_policies"))?
            .policies
            .iter()
            .cloned()
            .collect())
    }
}

#[async_trait]
impl AccessKeyAdmin for MemoryProvider {
    async fn create_access_key(
        &self,
        inst: &str,
        user_name: &str,
        req: CreateAccessKey,
    ) -> Result<NewAccessKey> {
        let mut st = self.lock();
        let i = instance_mut(&mut st, inst).map_err(|e| ctx(e, "create_access_key"))?;
        let u = user_mut(i, user_name).map_err(|e| ctx(e, "create_access_key"))?;
        if let Some(max) = self.caps.access_keys_per_user {
            if u.keys.len() >= max as usize {
                return Err(ctx(
                    Error::new(
                        ErrorKind::Conflict,
                        format!(
                            "user '{user_name}' already holds {max} access keys, the most allowed"
                        ),
                    )
                    .with_resource(ResourceKind::User, user_name),
                    "create_access_key",
                ));
            }
        }
        let k = new_key(inst, user_name, &req);
        let out = NewAccessKey::new(k.info.clone(), k.secret.clone());
        u.keys.insert(k.info.id.clone(), k);
        Ok(out)
    }

    async fn list_access_keys(&self, inst: &str, user_name: &str) -> Result<Vec<AccessKey>> {
        let st = self.lock();
        let i = instance(&st, inst).map_err(|e| ctx(e, "list_access_keys"))?;
        Ok(user(i, user_name)
            .map_err(|e| ctx(e, "list_access_keys"))?
            .keys
            .values()
            .map(|k| k.info.clone())
            .collect())
    }

    async fn get_access_key(&self, inst: &str, user_name: &str, key_id: &str) -> Result<AccessKey> {
        let st = self.lock();
        let i = instance(&st, inst).map_err(|e| ctx(e, "get_access_key"))?;
        let u = user(i, user_name).map_err(|e| ctx(e, "get_access_key"))?;
        u.keys.get(key_id).map(|k| k.info.clone()).ok_or_else(|| {
            ctx(
                Error::not_found(ResourceKind::AccessKey, key_id),
                "get_access_key",
            )
        })
    }

    async fn set_access_key_enabled(
        &self,
        inst: &str,
        user_name: &str,
        key_id: &str,
        enabled: bool,
    ) -> Result<()> {
        let mut st = self.lock();
        let i = instance_mut(&mut st, inst).map_err(|e| ctx(e, "set_access_key_enabled"))?;
        let u = user_mut(i, user_name).map_err(|e| ctx(e, "set_access_key_enabled"))?;
        let k = u.keys.get_mut(key_id).ok_or_else(|| {
            ctx(
                Error::not_found(ResourceKind::AccessKey, key_id),
                "set_access_key_enabled",
            )
        })?;
        k.info.enabled = enabled;
        Ok(())
    }

    async fn delete_access_key(&self, inst: &str, user_name: &str, key_id: &str) -> Result<()> {
        let mut st = self.lock();
        let i = instance_mut(&mut st, inst).map_err(|e| ctx(e, "delete_access_key"))?;
        user_mut(i, user_name)
            .map_err(|e| ctx(e, "delete_access_key"))?
            .keys
            .remove(key_id);
        Ok(())
    }

    async fn rotate_access_key(
        &self,
        inst: &str,
        user_name: &str,
        key_id: &str,
        req: RotateAccessKey,
    ) -> Result<RotatedAccessKey> {
        let mut st = self.lock();
        let i = instance_mut(&mut st, inst).map_err(|e| ctx(e, "rotate_access_key"))?;
        let u = user_mut(i, user_name).map_err(|e| ctx(e, "rotate_access_key"))?;
        let old = u.keys.get(key_id).ok_or_else(|| {
            ctx(
                Error::not_found(ResourceKind::AccessKey, key_id),
                "rotate_access_key",
            )
        })?;
        let keep_old = req.grace.is_some();
        if let Some(max) = self.caps.access_keys_per_user {
            let after = u.keys.len() + 1 - usize::from(!keep_old);
            if keep_old && after > max as usize {
                return Err(ctx(
                    Error::new(ErrorKind::Conflict, format!("user '{user_name}' would hold more than {max} access keys during the grace period; delete another key first")).with_resource(ResourceKind::User, user_name),
                    "rotate_access_key",
                ));
            }
        }
        let template = CreateAccessKey {
            name: old.info.name.clone(),
            description: old.info.description.clone(),
            expiration: None,
            session_policy: old.info.session_policy.clone(),
        };
        let k = new_key(inst, user_name, &template);
        let new = NewAccessKey::new(k.info.clone(), k.secret.clone());
        u.keys.insert(k.info.id.clone(), k);
        let fate = match req.grace {
            Some(g) => {
                let at = (OffsetDateTime::now_utc() + g)
                    .replace_nanosecond(0)
                    .expect("0 is valid");
                let old = u.keys.get_mut(key_id).expect("checked above");
                old.info.expiration = Some(old.info.expiration.map_or(at, |e| e.min(at)));
                OldKey::ExpiresAt(old.info.expiration.expect("just set"))
            }
            None => {
                u.keys.remove(key_id);
                OldKey::Deleted
            }
        };
        Ok(RotatedAccessKey::new(new, fate))
    }
}

#[async_trait]
impl ObjectStoreProvider for MemoryProvider {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn capabilities(&self) -> Capabilities {
        self.caps
    }

    async fn health(&self) -> Result<Health> {
        Ok(Health::new(
            true,
            Some(concat!("s3aas-memory ", env!("CARGO_PKG_VERSION")).to_string()),
            None,
        ))
    }
}

mod features;
#[cfg(test)]
mod tests;
