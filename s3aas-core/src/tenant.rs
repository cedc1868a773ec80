//! Provisioning a whole tenant in one call, all or nothing.
//!
//! [`provision_tenant`] makes an instance, its bucket (encryption, versioning, quota, bucket
//! policy, tags), an owner user, a read-write policy for the bucket attached to the owner, and an
//! access key — in that order, through any [`ObjectStoreProvider`]. On a backend without
//! attachable policies (capability `policies`/`policy_attach`), the owner is made
//! before the bucket and becomes its owner instead.
//!
//! - If a step fails, everything this run created is removed again in reverse order, and the
//!   error names the failed step and says whether the cleanup was complete (kind `Partial`, with
//!   what was left, when it was not). A policy or attachment that was not there before counts
//!   as made even when writing it failed: the write may have landed with its answer lost, and
//!   removing one that is not there succeeds. Creates of instances, buckets, users and keys
//!   resolve lost answers themselves (the backend asks the server whether the thing exists and
//!   either finishes it or removes it, reporting `Partial` naming it when it cannot).
//! - Re-running converges: an instance, bucket, user or policy that already exists in the same
//!   tenant (e.g. left by an interrupted run) is adopted rather than refused, and never removed by
//!   a later rollback. Only the access key is always new (its secret is shown once).

use crate::error::{Error, ErrorKind, Result};
use crate::model::*;
use crate::policy::{Policy, PolicyDocument, PutPolicy};
use crate::provider::ObjectStoreProvider;

/// What to provision.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct TenantSpec {
    /// The instance (its `default_bucket` is ignored: the bucket below is made explicitly).
    pub instance: CreateInstance,
    /// The tenant's bucket with its settings.
    pub bucket: CreateBucket,
    /// The owner user.
    pub owner: CreateUser,
    /// Name of the read-write policy for the bucket (default `<owner>-rw`).
    pub policy_name: Option<String>,
    /// The owner's access key.
    pub access_key: CreateAccessKey,
}

impl TenantSpec {
    /// A tenant: instance `instance`, bucket `bucket`, owner `owner`.
    pub fn new(
        instance: impl Into<String>,
        bucket: impl Into<String>,
        owner: impl Into<String>,
    ) -> Self {
        TenantSpec {
            instance: CreateInstance::new(instance),
            bucket: CreateBucket::new(bucket),
            owner: CreateUser::new(owner),
            policy_name: None,
            access_key: CreateAccessKey::new(),
        }
    }

    /// Sets the instance request.
    pub fn instance(mut self, req: CreateInstance) -> Self {
        self.instance = req;
        self
    }

    /// Sets the bucket request.
    pub fn bucket(mut self, req: CreateBucket) -> Self {
        self.bucket = req;
        self
    }

    /// Sets the owner request.
    pub fn owner(mut self, req: CreateUser) -> Self {
        self.owner = req;
        self
    }

    /// Names the owner's policy.
    pub fn policy_name(mut self, name: impl Into<String>) -> Self {
        self.policy_name = Some(name.into());
        self
    }

    /// Sets the access-key request.
    pub fn access_key(mut self, req: CreateAccessKey) -> Self {
        self.access_key = req;
        self
    }
}

/// A provisioned tenant.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Tenant {
    /// The instance.
    pub instance: Instance,
    /// The bucket.
    pub bucket: Bucket,
    /// The owner.
    pub owner: User,
    /// The owner's read-write policy (attached). `None` on backends without attachable policies
    /// where the owner owns the bucket instead.
    pub policy: Option<Policy>,
    /// The owner's new access key, with its secret (shown once).
    pub access_key: NewAccessKey,
}

/// A step of [`provision_tenant`], as named in its errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Step {
    /// Creating the instance.
    Instance,
    /// Creating the bucket.
    Bucket,
    /// Creating the owner.
    Owner,
    /// Writing the policy.
    Policy,
    /// Attaching the policy.
    Attach,
    /// Creating the access key.
    AccessKey,
}

impl Step {
    /// The step's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Instance => "instance",
            Step::Bucket => "bucket",
            Step::Owner => "owner",
            Step::Policy => "policy",
            Step::Attach => "attach",
            Step::AccessKey => "access_key",
        }
    }
}

/// What this run created (and so may remove again).
#[derive(Default)]
struct Made {
    instance: Option<String>,
    bucket: Option<String>,
    owner: Option<String>,
    policy: Option<String>,
    attached: bool,
    owner_first: bool,
}

/// Provisions a tenant, all or nothing (see the module docs).
pub async fn provision_tenant(p: &dyn ObjectStoreProvider, spec: &TenantSpec) -> Result<Tenant> {
    let mut made = Made::default();
    let result = run(p, spec, &mut made).await;
    match result {
        Ok(t) => Ok(t),
        Err((step, e)) => {
            let left = rollback(p, spec, &made).await;
            let undone = describe(&made);
            let (kind, msg) = if left.is_empty() {
                (
                    e.kind(),
                    format!(
                        "provision_tenant failed at step '{}': {}; rolled back: {}",
                        step.as_str(),
                        e.message(),
                        undone
                    ),
                )
            } else {
                (
                    ErrorKind::Partial,
                    format!(
                        "provision_tenant failed at step '{}': {}; cleanup incomplete, left behind: {}",
                        step.as_str(),
                        e.message(),
                        left.join(", ")
                    ),
                )
            };
            Err(e
                .with_kind(kind)
                .with_message(msg)
                .with_operation("provision_tenant"))
        }
    }
}

fn describe(m: &Made) -> String {
    let mut v = Vec::new();
    if m.attached {
        v.push("policy attachment".to_string());
    }
    if let Some(x) = &m.policy {
        v.push(format!("policy '{x}'"));
    }
    if let Some(x) = &m.owner {
        v.push(format!("user '{x}'"));
    }
    if let Some(x) = &m.bucket {
        v.push(format!("bucket '{x}'"));
    }
    if let Some(x) = &m.instance {
        v.push(format!("instance '{x}'"));
    }
    if v.is_empty() {
        "nothing (everything found already existed)".into()
    } else {
        v.join(", ")
    }
}

async fn run(
    p: &dyn ObjectStoreProvider,
    spec: &TenantSpec,
    made: &mut Made,
) -> std::result::Result<Tenant, (Step, Error)> {
    let name = &spec.instance.name;
    let caps = p.capabilities();
    // Without named policies, the owner gets the bucket by owning it: made first, set as owner.
    made.owner_first = !(caps.policies && caps.policy_attach);
    if made.owner_first && !caps.bucket_owner {
        return Err((
            Step::Policy,
            Error::unsupported(format!(
                "the {} backend has neither attachable policies nor bucket owners, so the tenant's owner cannot be given its bucket",
                p.backend()
            )),
        ));
    }
    let mut owner: Option<User> = None;
    let mut ireq = spec.instance.clone();
    ireq.default_bucket = None;
    let instance = match p.create_instance(ireq).await {
        Ok(i) => {
            made.instance = Some(i.id.clone());
            i
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => p
            .get_instance(name)
            .await
            .map_err(|e| (Step::Instance, e))?,
        Err(e) => return Err((Step::Instance, e)),
    };
    let id = instance.id.clone();
    if made.owner_first {
        owner = Some(create_owner(p, &id, spec, made).await?);
    }
    let mut breq = spec.bucket.clone();
    if let (true, None, Some(o)) = (made.owner_first, &breq.owner, &owner) {
        breq = breq.owner(o.name.clone());
    }
    let bucket = match p.create_bucket(&id, breq).await {
        Ok(b) => {
            made.bucket = Some(b.name.clone());
            b
        }
        // Adopt it only if it is this tenant's bucket; a name taken elsewhere stays an error.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            match p.get_bucket(&id, &spec.bucket.name).await {
                Ok(b) => b,
                Err(_) => return Err((Step::Bucket, e)),
            }
        }
        Err(e) => return Err((Step::Bucket, e)),
    };
    let owner = match owner {
        Some(o) => o,
        None => create_owner(p, &id, spec, made).await?,
    };
    if made.owner_first {
        let access_key = p
            .create_access_key(&id, &owner.name, spec.access_key.clone())
            .await
            .map_err(|e| (Step::AccessKey, e))?;
        return Ok(Tenant {
            instance,
            bucket,
            owner,
            policy: None,
            access_key,
        });
    }
    let policy_name = spec
        .policy_name
        .clone()
        .unwrap_or_else(|| format!("{}-rw", spec.owner.name));
    // In an instance this run made, nothing can be there yet: the lookups that make a re-run
    // adopt what an earlier run left are skipped (three requests fewer per new tenant).
    let fresh = made.instance.is_some();
    let existed = if fresh {
        false
    } else {
        match p.get_policy(&id, &policy_name).await {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::NotFound => false,
            Err(e) => return Err((Step::Policy, e)),
        }
    };
    // A policy that did not exist is this run's even if writing it fails: the write may have
    // landed with its answer lost (or only reading it back failed), and deleting a policy that
    // is not there succeeds, so the rollback removes it either way.
    if !existed {
        made.policy = Some(policy_name.clone());
    }
    let policy = p
        .put_policy(
            &id,
            PutPolicy::new(
                &policy_name,
                PolicyDocument::bucket_read_write(&spec.bucket.name),
            ),
        )
        .await
        .map_err(|e| (Step::Policy, e))?;
    let already = if fresh || made.owner.is_some() {
        Vec::new()
    } else {
        p.list_attached_policies(&id, &owner.name)
            .await
            .map_err(|e| (Step::Attach, e))?
    };
    if !already.contains(&policy_name) {
        // Likewise the attachment: it was not there, and a failed attach may still have
        // attached it; detaching a policy that is not attached succeeds.
        made.attached = true;
        p.attach_policy(&id, &owner.name, &policy_name)
            .await
            .map_err(|e| (Step::Attach, e))?;
    }
    let access_key = p
        .create_access_key(&id, &owner.name, spec.access_key.clone())
        .await
        .map_err(|e| (Step::AccessKey, e))?;
    Ok(Tenant {
        instance,
        bucket,
        owner,
        policy: Some(policy),
        access_key,
    })
}

async fn create_owner(
    p: &dyn ObjectStoreProvider,
    id: &str,
    spec: &TenantSpec,
    made: &mut Made,
) -> std::result::Result<User, (Step, Error)> {
    match p.create_user(id, spec.owner.clone()).await {
        Ok(u) => {
            made.owner = Some(u.name.clone());
            Ok(u)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => p
            .get_user(id, &spec.owner.name)
            .await
            .map_err(|e| (Step::Owner, e)),
        Err(e) => Err((Step::Owner, e)),
    }
}

/// Undoes what this run made, newest first; returns what could not be removed.
async fn rollback(p: &dyn ObjectStoreProvider, spec: &TenantSpec, made: &Made) -> Vec<String> {
    let mut left = Vec::new();
    let id = spec.instance.name.as_str();
    let owner = spec.owner.name.as_str();
    let policy = spec
        .policy_name
        .clone()
        .unwrap_or_else(|| format!("{owner}-rw"));
    if made.attached {
        if let Err(e) = p.detach_policy(id, owner, &policy).await {
            left.push(format!("attachment of '{policy}' to '{owner}' ({e})"));
        }
    }
    if let Some(x) = &made.policy {
        if let Err(e) = p.delete_policy(id, x).await {
            left.push(format!("policy '{x}' ({e})"));
        }
    }
    let delete_owner = async |left: &mut Vec<String>| {
        if let Some(x) = &made.owner {
            if let Err(e) = p.delete_user(id, x).await {
                left.push(format!("user '{x}' ({e})"));
            }
        }
    };
    let delete_bucket = async |left: &mut Vec<String>| {
        if let Some(x) = &made.bucket {
            if let Err(e) = p.delete_bucket(id, x, DeleteBucket::new()).await {
                left.push(format!("bucket '{x}' ({e})"));
            }
        }
    };
    // Reverse order of creation: the owner came first when it owns the bucket.
    if made.owner_first {
        delete_bucket(&mut left).await;
        delete_owner(&mut left).await;
    } else {
        delete_owner(&mut left).await;
        delete_bucket(&mut left).await;
    }
    if let Some(x) = &made.instance {
        if let Err(e) = p.delete_instance(x, DeleteInstance::new()).await {
            if e.kind() != ErrorKind::NotFound {
                left.push(format!("instance '{x}' ({e})"));
            }
        }
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryProvider;
    use crate::prelude::*;

    fn spec() -> TenantSpec {
        TenantSpec::new("acme", "acme-data", "owner").bucket(
            CreateBucket::new("acme-data")
                .versioning(true)
                .quota(Quota::hard(1 << 30)),
        )
    }

    #[tokio::test]
    async fn provisions_everything_and_reruns_converge() {
        let p = MemoryProvider::new();
        let t = provision_tenant(&p, &spec()).await.unwrap();
        assert_eq!(t.bucket.versioning, Some(Versioning::Enabled));
        assert_eq!(
            p.list_attached_policies("acme", "owner").await.unwrap(),
            vec!["owner-rw".to_string()]
        );
        // A second run adopts everything and only adds a key.
        let again = provision_tenant(&p, &spec()).await.unwrap();
        assert_ne!(again.access_key.key.id, t.access_key.key.id);
        assert_eq!(p.list_access_keys("acme", "owner").await.unwrap().len(), 2);
        assert_eq!(
            p.list_buckets("acme", ListOptions::new())
                .await
                .unwrap()
                .items
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn failure_at_the_last_step_removes_everything_made() {
        let caps = Capabilities::all()
            .with_overrides("access_keys_per_user=0")
            .unwrap();
        let p = MemoryProvider::with_capabilities(caps);
        let e = provision_tenant(&p, &spec()).await.unwrap_err();
        assert_eq!(
            e.kind(),
            ErrorKind::Conflict,
            "the failing step's kind is kept: {e}"
        );
        assert!(e.message().contains("step 'access_key'") && e.message().contains("rolled back: policy attachment, policy 'owner-rw', user 'owner', bucket 'acme-data', instance 'acme'"), "{e}");
        assert!(
            p.list_instances(ListOptions::new())
                .await
                .unwrap()
                .items
                .is_empty(),
            "nothing half-made is left"
        );
    }

    #[tokio::test]
    async fn failure_after_adoption_keeps_what_existed() {
        let p = MemoryProvider::new();
        p.create_instance(CreateInstance::new("acme"))
            .await
            .unwrap();
        // Bucket name taken by another tenant: the run fails at 'bucket' and removes nothing it
        // did not make (the pre-existing instance stays).
        p.create_instance(CreateInstance::new("other").default_bucket("acme-data"))
            .await
            .unwrap();
        let e = provision_tenant(&p, &spec()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AlreadyExists);
        assert!(
            e.message().contains("step 'bucket'")
                && e.message().contains("everything found already existed"),
            "{e}"
        );
        p.get_instance("acme").await.unwrap();
    }

    /// A memory provider whose `put_policy` (if `put`) or `attach_policy` (if not) acts and
    /// then fails as if its answer was lost.
    #[derive(Debug)]
    struct LosesAnswers(MemoryProvider, bool);

    fn lost() -> Error {
        Error::new(ErrorKind::Unavailable, "connection reset after the answer")
    }

    #[async_trait::async_trait]
    impl InstanceAdmin for LosesAnswers {
        async fn create_instance(&self, req: CreateInstance) -> Result<Instance> {
            self.0.create_instance(req).await
        }
        async fn get_instance(&self, id: &str) -> Result<Instance> {
            self.0.get_instance(id).await
        }
        async fn list_instances(&self, opts: ListOptions) -> Result<Page<Instance>> {
            self.0.list_instances(opts).await
        }
        async fn update_instance(&self, id: &str, req: UpdateInstance) -> Result<Instance> {
            self.0.update_instance(id, req).await
        }
        async fn delete_instance(&self, id: &str, req: DeleteInstance) -> Result<()> {
            self.0.delete_instance(id, req).await
        }
    }

    #[async_trait::async_trait]
    impl BucketAdmin for LosesAnswers {
        async fn create_bucket(&self, i: &str, req: CreateBucket) -> Result<Bucket> {
            self.0.create_bucket(i, req).await
        }
        async fn get_bucket(&self, i: &str, n: &str) -> Result<Bucket> {
            self.0.get_bucket(i, n).await
        }
        async fn list_buckets(&self, i: &str, o: ListOptions) -> Result<Page<Bucket>> {
            self.0.list_buckets(i, o).await
        }
        async fn update_bucket(&self, i: &str, n: &str, r: UpdateBucket) -> Result<Bucket> {
            self.0.update_bucket(i, n, r).await
        }
        async fn delete_bucket(&self, i: &str, n: &str, r: DeleteBucket) -> Result<()> {
            self.0.delete_bucket(i, n, r).await
        }
        async fn bucket_usage(&self, i: &str, n: &str) -> Result<BucketUsage> {
            self.0.bucket_usage(i, n).await
        }
    }

    #[async_trait::async_trait]
    impl UserAdmin for LosesAnswers {
        async fn create_user(&self, i: &str, req: CreateUser) -> Result<User> {
            self.0.create_user(i, req).await
        }
        async fn get_user(&self, i: &str, n: &str) -> Result<User> {
            self.0.get_user(i, n).await
        }
        async fn list_users(&self, i: &str, o: ListOptions) -> Result<Page<User>> {
            self.0.list_users(i, o).await
        }
        async fn set_user_enabled(&self, i: &str, n: &str, e: bool) -> Result<()> {
            self.0.set_user_enabled(i, n, e).await
        }
        async fn delete_user(&self, i: &str, n: &str) -> Result<()> {
            self.0.delete_user(i, n).await
        }
    }

    #[async_trait::async_trait]
    impl PolicyAdmin for LosesAnswers {
        async fn put_policy(&self, i: &str, req: PutPolicy) -> Result<Policy> {
            let made = self.0.put_policy(i, req).await?;
            if self.1 { Err(lost()) } else { Ok(made) }
        }
        async fn get_policy(&self, i: &str, n: &str) -> Result<Policy> {
            self.0.get_policy(i, n).await
        }
        async fn list_policies(&self, i: &str, o: ListOptions) -> Result<Page<Policy>> {
            self.0.list_policies(i, o).await
        }
        async fn delete_policy(&self, i: &str, n: &str) -> Result<()> {
            self.0.delete_policy(i, n).await
        }
        async fn attach_policy(&self, i: &str, u: &str, p: &str) -> Result<()> {
            self.0.attach_policy(i, u, p).await?;
            if self.1 { Ok(()) } else { Err(lost()) }
        }
        async fn detach_policy(&self, i: &str, u: &str, p: &str) -> Result<()> {
            self.0.detach_policy(i, u, p).await
        }
        async fn list_attached_policies(&self, i: &str, u: &str) -> Result<Vec<String>> {
            self.0.list_attached_policies(i, u).await
        }
    }

    #[async_trait::async_trait]
    impl AccessKeyAdmin for LosesAnswers {
        async fn create_access_key(
            &self,
            i: &str,
            u: &str,
            r: CreateAccessKey,
        ) -> Result<NewAccessKey> {
            self.0.create_access_key(i, u, r).await
        }
        async fn list_access_keys(&self, i: &str, u: &str) -> Result<Vec<AccessKey>> {
            self.0.list_access_keys(i, u).await
        }
        async fn get_access_key(&self, i: &str, u: &str, k: &str) -> Result<AccessKey> {
            self.0.get_access_key(i, u, k).await
        }
        async fn set_access_key_enabled(&self, i: &str, u: &str, k: &str, e: bool) -> Result<()> {
            self.0.set_access_key_enabled(i, u, k, e).await
        }
        async fn delete_access_key(&self, i: &str, u: &str, k: &str) -> Result<()> {
            self.0.delete_access_key(i, u, k).await
        }
        async fn rotate_access_key(
            &self,
            i: &str,
            u: &str,
            k: &str,
            r: RotateAccessKey,
        ) -> Result<RotatedAccessKey> {
            self.0.rotate_access_key(i, u, k, r).await
        }
    }

    #[async_trait::async_trait]
    impl ObjectStoreProvider for LosesAnswers {
        fn backend(&self) -> &'static str {
            "memory"
        }
        fn capabilities(&self) -> Capabilities {
            self.0.capabilities()
        }
        async fn health(&self) -> Result<crate::Health> {
            self.0.health().await
        }
    }

    #[tokio::test]
    async fn a_policy_or_attachment_whose_answer_was_lost_is_rolled_back() {
        for put_loses in [true, false] {
            // The instance exists already (adopted, so kept): what the rollback leaves shows.
            let p = LosesAnswers(MemoryProvider::new(), put_loses);
            p.create_instance(CreateInstance::new("acme"))
                .await
                .unwrap();
            let e = provision_tenant(&p, &spec()).await.unwrap_err();
            let step = if put_loses { "policy" } else { "attach" };
            assert!(e.message().contains(&format!("step '{step}'")), "{e}");
            // Complete cleanup keeps the failing step's kind; an attachment left would have
            // blocked deleting the policy (Conflict) and made this Partial.
            assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
            assert!(
                p.list_policies("acme", ListOptions::new())
                    .await
                    .unwrap()
                    .items
                    .is_empty(),
                "the policy written despite the error is removed: {e}"
            );
            assert!(
                p.list_users("acme", ListOptions::new())
                    .await
                    .unwrap()
                    .items
                    .is_empty()
            );
        }
    }

    #[tokio::test]
    async fn without_policies_the_owner_owns_the_bucket() {
        let caps = Capabilities::all().with_overrides("policies=no").unwrap();
        let p = MemoryProvider::with_capabilities(caps);
        let t = provision_tenant(&p, &spec()).await.unwrap();
        assert!(t.policy.is_none());
        assert_eq!(t.bucket.owner.as_deref(), Some(t.owner.name.as_str()));

        // Neither policies nor owners: refused before anything is made.
        let caps = Capabilities::all()
            .with_overrides("policies=no,bucket_owner=no")
            .unwrap();
        let p = MemoryProvider::with_capabilities(caps);
        let e = provision_tenant(&p, &spec()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(e.message().contains("step 'policy'"), "{e}");
        assert!(
            p.list_instances(ListOptions::new())
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }
}
