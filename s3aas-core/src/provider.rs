//! The provider traits: the contract every backend implements.
//!
//! Five narrow, object-safe traits (one per resource) and the umbrella [`ObjectStoreProvider`],
//! so a service can hold `Arc<dyn ObjectStoreProvider>` and hand out `Arc<dyn UserAdmin>` where
//! less is needed (trait upcasting).
//!
//! # Contracts shared by every method
//! - Input is validated before any request ([`crate::validate`]); a capability the backend lacks
//!   is refused with `Unsupported` before any request (by [`Client`](crate::Client)).
//! - Every resource lives in an instance: a call naming an instance that does not exist fails
//!   with `NotFound` (resource `instance`).
//! - `create_*` of something that exists fails with `AlreadyExists` and changes nothing.
//! - `get_*` of something missing fails with `NotFound`.
//! - `delete_*` is idempotent: deleting something already gone succeeds.
//! - Errors keep the backend's HTTP status, code, message and request id.

use crate::capabilities::Capabilities;
use crate::error::{ErrorKind, Result};
use crate::model::*;
use crate::policy::{Policy, PutPolicy};
use async_trait::async_trait;
use std::fmt::Debug;

/// Instances (tenants).
#[async_trait]
pub trait InstanceAdmin: Send + Sync + Debug {
    /// Creates an instance, and its default bucket when one is requested.
    ///
    /// `AlreadyExists` if an instance of that name exists. If a step fails, what was made is
    /// removed again; if that cleanup fails too, the error is `Partial` and says what was left.
    async fn create_instance(&self, req: CreateInstance) -> Result<Instance>;

    /// Gets an instance by id. `NotFound` if missing.
    async fn get_instance(&self, id: &str) -> Result<Instance>;

    /// Lists instances by name, a page at a time.
    async fn list_instances(&self, opts: ListOptions) -> Result<Page<Instance>>;

    /// Changes what the backend allows (see [`UpdateInstance`]) and returns the new state.
    /// An empty update returns the current state.
    async fn update_instance(&self, id: &str, req: UpdateInstance) -> Result<Instance>;

    /// Deletes an instance with everything it owns: buckets, users, their keys, policies.
    ///
    /// Without `force`, an instance holding a non-empty bucket is refused with `BucketNotEmpty`
    /// before anything is deleted. Deleting a missing instance succeeds.
    async fn delete_instance(&self, id: &str, req: DeleteInstance) -> Result<()>;
}

/// Buckets inside an instance.
#[async_trait]
pub trait BucketAdmin: Send + Sync + Debug {
    /// Creates a bucket with all requested settings.
    ///
    /// `AlreadyExists` if the name is taken (in this instance or, on backends with one global
    /// bucket namespace, anywhere). If a setting cannot be applied, the bucket is deleted again
    /// and the error says which setting failed.
    async fn create_bucket(&self, instance: &str, req: CreateBucket) -> Result<Bucket>;

    /// Gets a bucket with everything the backend can report. `NotFound` if missing.
    async fn get_bucket(&self, instance: &str, name: &str) -> Result<Bucket>;

    /// Gets a bucket with at least the settings `parts` names known; the others may be `None`.
    /// `NotFound` if missing. For a caller that compares a few settings (the desired-state
    /// planner): a backend reading settings one request each reads only these. The default is
    /// [`get_bucket`](Self::get_bucket).
    async fn get_bucket_parts(
        &self,
        instance: &str,
        name: &str,
        parts: BucketParts,
    ) -> Result<Bucket> {
        let _ = parts;
        self.get_bucket(instance, name).await
    }

    /// Lists the instance's buckets by name, a page at a time. Items carry at least the name.
    async fn list_buckets(&self, instance: &str, opts: ListOptions) -> Result<Page<Bucket>>;

    /// Applies an update and returns the new state. Suspending versioning on an object-lock
    /// bucket is a `Conflict`.
    async fn update_bucket(&self, instance: &str, name: &str, req: UpdateBucket) -> Result<Bucket>;

    /// Deletes a bucket. A non-empty bucket is refused with `BucketNotEmpty` unless
    /// `force` is set (and the backend can force). Deleting a missing bucket succeeds.
    async fn delete_bucket(&self, instance: &str, name: &str, req: DeleteBucket) -> Result<()>;

    /// How much the bucket holds. Figures may lag behind writes; `as_of` says when they were
    /// measured.
    async fn bucket_usage(&self, instance: &str, name: &str) -> Result<BucketUsage>;

    /// How much the whole instance holds: bytes, objects and buckets, with when and where the
    /// figure came from ([`UsageSource`]). `NotFound` if the instance is missing.
    ///
    /// The default sums [`bucket_usage`](Self::bucket_usage) over every bucket, a page of
    /// buckets at a time ([`UsageSource::BucketScan`], `as_of` the oldest bucket figure); a
    /// backend with an instance-wide figure (a usage cache, billing) answers from it in fewer
    /// requests.
    async fn instance_usage(&self, instance: &str) -> Result<InstanceUsage> {
        let mut total = InstanceUsage::new(instance, 0, Some(0), 0, None, UsageSource::BucketScan);
        let mut opts = ListOptions::new();
        loop {
            let page = self.list_buckets(instance, opts.clone()).await?;
            for b in &page.items {
                let u = match self.bucket_usage(instance, &b.name).await {
                    Ok(u) => u,
                    // Deleted between the listing and the read: it holds nothing now.
                    Err(e)
                        if e.kind() == ErrorKind::NotFound
                            && e.resource()
                                .is_some_and(|(k, _)| k == crate::error::ResourceKind::Bucket) =>
                    {
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                total.buckets += 1;
                total.bytes += u.bytes;
                total.objects = total.objects.zip(u.objects).map(|(a, b)| a + b);
                total.as_of = match (total.as_of, u.as_of) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            match page.next {
                Some(next) => opts = opts.continuation(next),
                None => break,
            }
        }
        Ok(total)
    }
}

/// Users inside an instance.
#[async_trait]
pub trait UserAdmin: Send + Sync + Debug {
    /// Creates a user. `AlreadyExists` if the name is taken in the instance.
    async fn create_user(&self, instance: &str, req: CreateUser) -> Result<User>;

    /// Gets a user. `NotFound` if missing.
    async fn get_user(&self, instance: &str, name: &str) -> Result<User>;

    /// Lists the instance's users by name, a page at a time.
    async fn list_users(&self, instance: &str, opts: ListOptions) -> Result<Page<User>>;

    /// Enables or disables a user; a disabled user's keys stop working. Idempotent.
    async fn set_user_enabled(&self, instance: &str, name: &str, enabled: bool) -> Result<()>;

    /// Deletes a user with its access keys and policy attachments. Deleting a missing user
    /// succeeds.
    async fn delete_user(&self, instance: &str, name: &str) -> Result<()>;
}

/// Named policies inside an instance, and their attachment to users.
#[async_trait]
pub trait PolicyAdmin: Send + Sync + Debug {
    /// Creates or replaces a policy (an upsert: putting the same document twice is a no-op).
    async fn put_policy(&self, instance: &str, req: PutPolicy) -> Result<Policy>;

    /// Gets a policy. `NotFound` if missing.
    async fn get_policy(&self, instance: &str, name: &str) -> Result<Policy>;

    /// Lists the instance's policies by name, a page at a time.
    async fn list_policies(&self, instance: &str, opts: ListOptions) -> Result<Page<Policy>>;

    /// Deletes a policy. `Conflict` while it is attached to a user. Deleting a missing policy
    /// succeeds.
    async fn delete_policy(&self, instance: &str, name: &str) -> Result<()>;

    /// Attaches a policy to a user. Idempotent: attaching an attached policy succeeds.
    /// `NotFound` if the user or the policy is missing.
    async fn attach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()>;

    /// Detaches a policy from a user. Idempotent: detaching a policy that is not attached
    /// succeeds. `NotFound` if the user is missing.
    async fn detach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()>;

    /// The names of the policies attached to a user, sorted. `NotFound` if the user is missing.
    async fn list_attached_policies(&self, instance: &str, user: &str) -> Result<Vec<String>>;
}

/// Access keys of users.
#[async_trait]
pub trait AccessKeyAdmin: Send + Sync + Debug {
    /// Creates a key for a user and returns it with its secret (the only time the secret is
    /// shown). `NotFound` if the user is missing; `Conflict` if the user already holds the most
    /// keys the backend allows.
    ///
    /// Not idempotent: every call makes a new key, so it is never repeated blindly. When its
    /// answer is lost, a backend finds out whether the key was made (and hands it out if so)
    /// and sends it again only once it knows the first attempt made nothing.
    async fn create_access_key(
        &self,
        instance: &str,
        user: &str,
        req: CreateAccessKey,
    ) -> Result<NewAccessKey>;

    /// Lists a user's keys, sorted by id. `NotFound` if the user is missing.
    async fn list_access_keys(&self, instance: &str, user: &str) -> Result<Vec<AccessKey>>;

    /// Gets one key. `NotFound` if the user or key is missing.
    async fn get_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<AccessKey>;

    /// Enables or disables one key. Idempotent.
    async fn set_access_key_enabled(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        enabled: bool,
    ) -> Result<()>;

    /// Deletes one key. Deleting a missing key succeeds.
    async fn delete_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<()>;

    /// Creates a new key with the old key's name, description and session policy, then deletes
    /// the old key or lets it expire after the grace period. `NotFound` if the old key is
    /// missing. If the old key cannot be retired, the new key is deleted again.
    async fn rotate_access_key(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        req: RotateAccessKey,
    ) -> Result<RotatedAccessKey>;
}

/// Health of a provider's backend.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Health {
    /// Whether the backend answers and is ready for management calls: they can succeed now.
    /// A degraded backend ([`HealthProblem::Degraded`]) is still ready.
    pub ready: bool,
    /// Backend version, when known.
    pub version: Option<String>,
    /// What is wrong, when not ready or degraded (for a degraded cluster: which nodes or drives
    /// are missing).
    pub detail: Option<String>,
    /// What is wrong, as a kind a caller can act on: why it is not ready, or
    /// [`HealthProblem::Degraded`] when it is ready with parts missing. `None` when all is well,
    /// or when the backend cannot tell.
    pub problem: Option<HealthProblem>,
}

/// Why a backend is not ready, or that it is ready but degraded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum HealthProblem {
    /// The endpoint did not answer (refused, unresolvable, timed out, TLS failure).
    Unreachable,
    /// The endpoint answered but refused the configured credentials.
    Unauthenticated,
    /// The credentials are valid but lack the rights the provider needs.
    PermissionDenied,
    /// The server answered that it is not ready (starting, no quorum for writes).
    NotReady,
    /// The server is ready (management calls can succeed) but runs with parts missing: nodes
    /// or drives of a cluster are offline, so its redundancy is reduced and one more failure
    /// may stop writes. [`Health::detail`] names what is missing. Only reported with
    /// `ready: true`.
    Degraded,
    /// The server is ready, but its usage figures are not being updated: its background usage
    /// scanner is stopped (RustFS after some upgrades). Usage reads are stale, and quotas
    /// enforced from them drift. [`Health::detail`] gives the scanner's state. Only reported
    /// with `ready: true`.
    UsageStale,
}

impl HealthProblem {
    /// A short lower-case name (`unreachable`, `unauthenticated`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            HealthProblem::Unreachable => "unreachable",
            HealthProblem::Unauthenticated => "unauthenticated",
            HealthProblem::PermissionDenied => "permission_denied",
            HealthProblem::NotReady => "not_ready",
            HealthProblem::Degraded => "degraded",
            HealthProblem::UsageStale => "usage_stale",
        }
    }

    /// The problem an error from a health check stands for.
    pub fn of(e: &crate::Error) -> HealthProblem {
        match e.kind() {
            ErrorKind::Unavailable | ErrorKind::Timeout => HealthProblem::Unreachable,
            ErrorKind::Unauthenticated => HealthProblem::Unauthenticated,
            ErrorKind::PermissionDenied => HealthProblem::PermissionDenied,
            _ => HealthProblem::NotReady,
        }
    }
}

impl std::fmt::Display for HealthProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Health {
    /// A health report; a report that is not ready says [`HealthProblem::NotReady`].
    pub fn new(ready: bool, version: Option<String>, detail: Option<String>) -> Self {
        Health {
            ready,
            version,
            detail,
            problem: (!ready).then_some(HealthProblem::NotReady),
        }
    }

    /// A report that is ready but degraded ([`HealthProblem::Degraded`]): `detail` says which
    /// nodes or drives are missing.
    pub fn degraded(version: Option<String>, detail: impl Into<String>) -> Self {
        Health {
            ready: true,
            version,
            detail: Some(detail.into()),
            problem: Some(HealthProblem::Degraded),
        }
    }

    /// A report that is ready but whose usage figures are stale
    /// ([`HealthProblem::UsageStale`]): `detail` says why (the scanner's state).
    pub fn usage_stale(version: Option<String>, detail: impl Into<String>) -> Self {
        Health {
            ready: true,
            version,
            detail: Some(detail.into()),
            problem: Some(HealthProblem::UsageStale),
        }
    }

    /// A report that is not ready because the health check failed with `e`: the problem is
    /// derived from the error's kind, the detail is the error.
    pub fn failed(e: &crate::Error) -> Self {
        Health {
            ready: false,
            version: None,
            detail: Some(e.to_string()),
            problem: Some(HealthProblem::of(e)),
        }
    }
}

/// Everything a storage backend offers: the umbrella trait held as `Arc<dyn ObjectStoreProvider>`.
#[async_trait]
pub trait ObjectStoreProvider:
    InstanceAdmin + BucketAdmin + UserAdmin + PolicyAdmin + AccessKeyAdmin
{
    /// The backend's short name, its URI scheme (`"memory"` for the embedded one).
    fn backend(&self) -> &'static str;

    /// What this backend supports. Cheap and synchronous.
    fn capabilities(&self) -> Capabilities;

    /// Whether the backend is up and ready for management calls. Never fails for an unhealthy
    /// backend (that is reported in [`Health`]); fails only if the check itself cannot be made.
    async fn health(&self) -> Result<Health>;
}
