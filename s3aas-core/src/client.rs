//! [`Client`]: the checked front door every provider is used through.
//!
//! For every backend alike, each call first validates its input and applies the capability
//! gate, so bad input and missing capabilities fail with `InvalidInput` or
//! `Unsupported` before the backend sees the call (and so before any request); then it runs the
//! backend's own code inside a `tracing` span named after the operation, and adds the context a
//! caller needs to every error: the backend, the operation and, where the backend did not name
//! one, the resource. Backends keep only what is theirs.
//!
//! The [`Registry`](crate::Registry) hands out clients, and [`Client`] implements the same
//! traits as the provider it wraps, so callers do not change.

use crate::audit::{
    AuditSink, FieldChange, Mutation, TracingSink, create_bucket_fields, create_key_fields,
    instance_fields, update_bucket_fields, update_instance_fields,
};
use crate::capabilities::Capabilities;
use crate::error::{Error, ResourceKind, Result};
use crate::guard;
use crate::model::*;
use crate::policy::{Policy, PutPolicy};
use crate::provider::*;
use async_trait::async_trait;
use std::future::Future;
use std::sync::Arc;
use time::OffsetDateTime;
use tracing::Instrument;

/// A provider behind the checks every backend shares. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<dyn ObjectStoreProvider>,
    audit: Arc<dyn AuditSink>,
    /// The field-level changes the next call makes, when the caller knew the values before
    /// (the desired-state layer does); they replace what the call itself would record.
    detail: Option<Arc<Vec<FieldChange>>>,
}

/// The resource a call is about, for errors that do not name one.
type Subject<'a> = Option<(ResourceKind, &'a str)>;

impl Client {
    /// Wraps `provider`. Wrapping a client again adds nothing: its checks already run.
    pub fn new(provider: Arc<dyn ObjectStoreProvider>) -> Client {
        Client {
            inner: provider,
            audit: Arc::new(TracingSink),
            detail: None,
        }
    }

    /// Sends the [audit events](crate::audit) of every change made through this client to
    /// `sink` instead of `tracing`.
    pub fn with_audit_sink(mut self, sink: Arc<dyn AuditSink>) -> Client {
        self.audit = sink;
        self
    }

    /// This client, recording `changes` (with their earlier values) as the field-level detail
    /// of the calls made through the returned copy.
    pub fn with_detail(&self, changes: Vec<FieldChange>) -> Client {
        Client {
            detail: Some(Arc::new(changes)),
            ..self.clone()
        }
    }

    /// The wrapped provider (for calls only that backend has, such as closing a session).
    pub fn inner(&self) -> &Arc<dyn ObjectStoreProvider> {
        &self.inner
    }

    fn caps(&self) -> Capabilities {
        self.inner.capabilities()
    }

    /// Checks, then runs `call` in the operation's span, adding context to any error. `call` is
    /// a future that has not been polled: a refused check sends nothing.
    async fn run<T>(
        &self,
        op: &'static str,
        subject: Subject<'_>,
        check: Result<()>,
        call: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let backend = self.inner.backend();
        let add = |e: Error| context(e, backend, op, subject);
        check.map_err(add)?;
        let span = tracing::debug_span!("s3aas", backend, operation = op);
        call.instrument(span).await.map_err(add)
    }

    /// [`run`](Self::run) for a call that changes the server: once it has been sent, records
    /// its audit event, successful or not. A call refused by the checks sent nothing, changed
    /// nothing and records nothing.
    async fn change<T>(
        &self,
        op: &'static str,
        subject: Subject<'_>,
        check: Result<()>,
        mutation: Mutation,
        call: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        if check.is_err() {
            return self.run(op, subject, check, call).await;
        }
        let out = self.run(op, subject, Ok(()), call).await;
        self.record(op, mutation, out.as_ref().map(|_| ()));
        out
    }

    fn record(
        &self,
        op: &'static str,
        mut mutation: Mutation,
        result: std::result::Result<(), &Error>,
    ) {
        if let Some(detail) = &self.detail {
            mutation.changes = detail.as_ref().clone();
        }
        let event = mutation.into_event(self.inner.backend(), op, result);
        self.audit.record(&event);
    }
}

fn context(e: Error, backend: &'static str, op: &'static str, subject: Subject<'_>) -> Error {
    let e = if e.backend().is_none() {
        e.with_backend(backend)
    } else {
        e
    };
    let e = if e.operation().is_none() {
        e.with_operation(op)
    } else {
        e
    };
    match subject {
        Some((kind, name)) if e.resource().is_none() && e.field().is_none() => {
            e.with_resource(kind, name)
        }
        _ => e,
    }
}

fn inst(id: &str) -> Subject<'_> {
    Some((ResourceKind::Instance, id))
}

#[async_trait]
impl InstanceAdmin for Client {
    async fn create_instance(&self, req: CreateInstance) -> Result<Instance> {
        let check = guard::create_instance(&self.caps(), self.inner.backend(), &req);
        let name = req.name.clone();
        let mutation = Mutation::new(None, ResourceKind::Instance, &name, instance_fields(&req));
        self.change(
            "create_instance",
            inst(&name),
            check,
            mutation,
            self.inner.create_instance(req),
        )
        .await
    }

    async fn get_instance(&self, id: &str) -> Result<Instance> {
        let check = guard::lookup_name("instance", id);
        self.run("get_instance", inst(id), check, self.inner.get_instance(id))
            .await
    }

    async fn list_instances(&self, opts: ListOptions) -> Result<Page<Instance>> {
        self.run(
            "list_instances",
            None,
            Ok(()),
            self.inner.list_instances(opts),
        )
        .await
    }

    async fn update_instance(&self, id: &str, req: UpdateInstance) -> Result<Instance> {
        let check = guard::update_instance(&self.caps(), self.inner.backend(), id, &req);
        let mutation = Mutation::new(
            None,
            ResourceKind::Instance,
            id,
            update_instance_fields(&req),
        );
        self.change(
            "update_instance",
            inst(id),
            check,
            mutation,
            self.inner.update_instance(id, req),
        )
        .await
    }

    async fn delete_instance(&self, id: &str, req: DeleteInstance) -> Result<()> {
        let check = guard::delete_instance(&self.caps(), self.inner.backend(), id, &req);
        let mutation = Mutation::new(
            None,
            ResourceKind::Instance,
            id,
            vec![FieldChange::set("force", req.force)],
        );
        self.change(
            "delete_instance",
            inst(id),
            check,
            mutation,
            self.inner.delete_instance(id, req),
        )
        .await
    }
}

#[async_trait]
impl BucketAdmin for Client {
    async fn create_bucket(&self, instance: &str, req: CreateBucket) -> Result<Bucket> {
        let check = guard::create_bucket(&self.caps(), self.inner.backend(), instance, &req);
        let name = req.name.clone();
        let subject = Some((ResourceKind::Bucket, name.as_str()));
        let mutation = Mutation::new(
            Some(instance),
            ResourceKind::Bucket,
            &name,
            create_bucket_fields(&req),
        );
        self.change(
            "create_bucket",
            subject,
            check,
            mutation,
            self.inner.create_bucket(instance, req),
        )
        .await
    }

    async fn get_bucket(&self, instance: &str, name: &str) -> Result<Bucket> {
        let check =
            guard::lookup_name("instance", instance).and(guard::lookup_name("bucket", name));
        let subject = Some((ResourceKind::Bucket, name));
        self.run(
            "get_bucket",
            subject,
            check,
            self.inner.get_bucket(instance, name),
        )
        .await
    }

    async fn get_bucket_parts(
        &self,
        instance: &str,
        name: &str,
        parts: BucketParts,
    ) -> Result<Bucket> {
        let check =
            guard::lookup_name("instance", instance).and(guard::lookup_name("bucket", name));
        let subject = Some((ResourceKind::Bucket, name));
        self.run(
            "get_bucket",
            subject,
            check,
            self.inner.get_bucket_parts(instance, name, parts),
        )
        .await
    }

    async fn list_buckets(&self, instance: &str, opts: ListOptions) -> Result<Page<Bucket>> {
        let check = guard::lookup_name("instance", instance);
        self.run(
            "list_buckets",
            inst(instance),
            check,
            self.inner.list_buckets(instance, opts),
        )
        .await
    }

    async fn update_bucket(&self, instance: &str, name: &str, req: UpdateBucket) -> Result<Bucket> {
        let check = guard::update_bucket(&self.caps(), self.inner.backend(), instance, name, &req);
        let subject = Some((ResourceKind::Bucket, name));
        let mutation = Mutation::new(
            Some(instance),
            ResourceKind::Bucket,
            name,
            update_bucket_fields(&req),
        );
        self.change(
            "update_bucket",
            subject,
            check,
            mutation,
            self.inner.update_bucket(instance, name, req),
        )
        .await
    }

    async fn delete_bucket(&self, instance: &str, name: &str, req: DeleteBucket) -> Result<()> {
        let check = guard::delete_bucket(&self.caps(), self.inner.backend(), instance, name, &req);
        let subject = Some((ResourceKind::Bucket, name));
        let mutation = Mutation::new(
            Some(instance),
            ResourceKind::Bucket,
            name,
            vec![FieldChange::set("force", req.force)],
        );
        self.change(
            "delete_bucket",
            subject,
            check,
            mutation,
            self.inner.delete_bucket(instance, name, req),
        )
        .await
    }

    async fn bucket_usage(&self, instance: &str, name: &str) -> Result<BucketUsage> {
        let check = guard::bucket_usage(&self.caps(), self.inner.backend(), instance, name);
        let subject = Some((ResourceKind::Bucket, name));
        self.run(
            "bucket_usage",
            subject,
            check,
            self.inner.bucket_usage(instance, name),
        )
        .await
    }

    async fn instance_usage(&self, instance: &str) -> Result<InstanceUsage> {
        let check = guard::instance_usage(&self.caps(), self.inner.backend(), instance);
        let subject = Some((ResourceKind::Instance, instance));
        self.run(
            "instance_usage",
            subject,
            check,
            self.inner.instance_usage(instance),
        )
        .await
    }
}

#[async_trait]
impl UserAdmin for Client {
    async fn create_user(&self, instance: &str, req: CreateUser) -> Result<User> {
        let check = guard::create_user(&self.caps(), self.inner.backend(), instance, &req);
        let name = req.name.clone();
        let subject = Some((ResourceKind::User, name.as_str()));
        let mutation = Mutation::new(
            Some(instance),
            ResourceKind::User,
            &name,
            vec![
                FieldChange::set("enabled", req.enabled),
                FieldChange::set("tags", &req.tags),
            ],
        );
        self.change(
            "create_user",
            subject,
            check,
            mutation,
            self.inner.create_user(instance, req),
        )
        .await
    }

    async fn get_user(&self, instance: &str, name: &str) -> Result<User> {
        let check = guard::lookup_name("instance", instance).and(guard::lookup_name("user", name));
        let subject = Some((ResourceKind::User, name));
        self.run(
            "get_user",
            subject,
            check,
            self.inner.get_user(instance, name),
        )
        .await
    }

    async fn list_users(&self, instance: &str, opts: ListOptions) -> Result<Page<User>> {
        let check = guard::lookup_name("instance", instance);
        self.run(
            "list_users",
            inst(instance),
            check,
            self.inner.list_users(instance, opts),
        )
        .await
    }

    async fn set_user_enabled(&self, instance: &str, name: &str, enabled: bool) -> Result<()> {
        let check = guard::set_user_enabled(&self.caps(), self.inner.backend(), instance, name);
        let subject = Some((ResourceKind::User, name));
        let mutation = Mutation::new(
            Some(instance),
            ResourceKind::User,
            name,
            vec![FieldChange::set("enabled", enabled)],
        );
        self.change(
            "set_user_enabled",
            subject,
            check,
            mutation,
            self.inner.set_user_enabled(instance, name, enabled),
        )
        .await
    }

    async fn delete_user(&self, instance: &str, name: &str) -> Result<()> {
        let check = guard::lookup_name("instance", instance).and(guard::lookup_name("user", name));
        let subject = Some((ResourceKind::User, name));
        let mutation = Mutation::new(Some(instance), ResourceKind::User, name, Vec::new());
        self.change(
            "delete_user",
            subject,
            check,
            mutation,
            self.inner.delete_user(instance, name),
        )
        .await
    }
}

#[async_trait]
impl PolicyAdmin for Client {
    async fn put_policy(&self, instance: &str, req: PutPolicy) -> Result<Policy> {
        let check = guard::put_policy(&self.caps(), self.inner.backend(), instance, &req);
        let name = req.name.clone();
        let subject = Some((ResourceKind::Policy, name.as_str()));
        let mutation = Mutation::new(
            Some(instance),
            ResourceKind::Policy,
            &name,
            vec![FieldChange::set("document", req.document.as_value())],
        );
        self.change(
            "put_policy",
            subject,
            check,
            mutation,
            self.inner.put_policy(instance, req),
        )
        .await
    }

    async fn get_policy(&self, instance: &str, name: &str) -> Result<Policy> {
        let check = guard::policy_lookup(&self.caps(), self.inner.backend(), instance, Some(name));
        let subject = Some((ResourceKind::Policy, name));
        self.run(
            "get_policy",
            subject,
            check,
            self.inner.get_policy(instance, name),
        )
        .await
    }

    async fn list_policies(&self, instance: &str, opts: ListOptions) -> Result<Page<Policy>> {
        let check = guard::policy_lookup(&self.caps(), self.inner.backend(), instance, None);
        self.run(
            "list_policies",
            inst(instance),
            check,
            self.inner.list_policies(instance, opts),
        )
        .await
    }

    async fn delete_policy(&self, instance: &str, name: &str) -> Result<()> {
        let check = guard::policy_lookup(&self.caps(), self.inner.backend(), instance, Some(name));
        let subject = Some((ResourceKind::Policy, name));
        let mutation = Mutation::new(Some(instance), ResourceKind::Policy, name, Vec::new());
        self.change(
            "delete_policy",
            subject,
            check,
            mutation,
            self.inner.delete_policy(instance, name),
        )
        .await
    }

    async fn attach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        let check = guard::policy_attachment(
            &self.caps(),
            self.inner.backend(),
            instance,
            user,
            Some(policy),
        );
        let subject = Some((ResourceKind::Policy, policy));
        let mutation = Mutation::new(
            Some(instance),
            ResourceKind::User,
            user,
            vec![FieldChange::new("attached", None, Some(policy.into()))],
        );
        self.change(
            "attach_policy",
            subject,
            check,
            mutation,
            self.inner.attach_policy(instance, user, policy),
        )
        .await
    }

    async fn detach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        let check = guard::policy_attachment(
            &self.caps(),
            self.inner.backend(),
            instance,
            user,
            Some(policy),
        );
        let subject = Some((ResourceKind::Policy, policy));
        let mutation = Mutation::new(
            Some(instance),
            ResourceKind::User,
            user,
            vec![FieldChange::new("attached", Some(policy.into()), None)],
        );
        self.change(
            "detach_policy",
            subject,
            check,
            mutation,
            self.inner.detach_policy(instance, user, policy),
        )
        .await
    }

    async fn list_attached_policies(&self, instance: &str, user: &str) -> Result<Vec<String>> {
        let check =
            guard::policy_attachment(&self.caps(), self.inner.backend(), instance, user, None);
        let subject = Some((ResourceKind::User, user));
        self.run(
            "list_attached_policies",
            subject,
            check,
            self.inner.list_attached_policies(instance, user),
        )
        .await
    }
}

#[async_trait]
impl AccessKeyAdmin for Client {
    async fn create_access_key(
        &self,
        instance: &str,
        user: &str,
        req: CreateAccessKey,
    ) -> Result<NewAccessKey> {
        let check = guard::create_access_key(
            &self.caps(),
            self.inner.backend(),
            instance,
            user,
            &req,
            OffsetDateTime::now_utc(),
        );
        let subject = Some((ResourceKind::User, user));
        if check.is_err() {
            let call = self.inner.create_access_key(instance, user, req);
            return self.run("create_access_key", subject, check, call).await;
        }
        let fields = create_key_fields(user, &req);
        let call = self.inner.create_access_key(instance, user, req);
        let out = self.run("create_access_key", subject, Ok(()), call).await;
        // The key's id exists only once the server made it.
        let id = match &out {
            Ok(k) => k.key.id.clone(),
            Err(_) => format!("(new key of {user})"),
        };
        let mutation = Mutation::new(Some(instance), ResourceKind::AccessKey, &id, fields);
        self.record("create_access_key", mutation, out.as_ref().map(|_| ()));
        out
    }

    async fn list_access_keys(&self, instance: &str, user: &str) -> Result<Vec<AccessKey>> {
        let check = guard::access_key_lookup(instance, user, None);
        let subject = Some((ResourceKind::User, user));
        self.run(
            "list_access_keys",
            subject,
            check,
            self.inner.list_access_keys(instance, user),
        )
        .await
    }

    async fn get_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<AccessKey> {
        let check = guard::access_key_lookup(instance, user, Some(key_id));
        let subject = Some((ResourceKind::AccessKey, key_id));
        self.run(
            "get_access_key",
            subject,
            check,
            self.inner.get_access_key(instance, user, key_id),
        )
        .await
    }

    async fn set_access_key_enabled(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        enabled: bool,
    ) -> Result<()> {
        let check = guard::set_access_key_enabled(
            &self.caps(),
            self.inner.backend(),
            instance,
            user,
            key_id,
        );
        let subject = Some((ResourceKind::AccessKey, key_id));
        let mutation = Mutation::new(
            Some(instance),
            ResourceKind::AccessKey,
            key_id,
            vec![FieldChange::set("enabled", enabled)],
        );
        self.change(
            "set_access_key_enabled",
            subject,
            check,
            mutation,
            self.inner
                .set_access_key_enabled(instance, user, key_id, enabled),
        )
        .await
    }

    async fn delete_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<()> {
        let check = guard::access_key_lookup(instance, user, Some(key_id));
        let subject = Some((ResourceKind::AccessKey, key_id));
        let mutation = Mutation::new(Some(instance), ResourceKind::AccessKey, key_id, Vec::new());
        self.change(
            "delete_access_key",
            subject,
            check,
            mutation,
            self.inner.delete_access_key(instance, user, key_id),
        )
        .await
    }

    async fn rotate_access_key(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        req: RotateAccessKey,
    ) -> Result<RotatedAccessKey> {
        let check = guard::rotate_access_key(
            &self.caps(),
            self.inner.backend(),
            instance,
            user,
            key_id,
            &req,
        );
        let subject = Some((ResourceKind::AccessKey, key_id));
        let mutation = Mutation::new(
            Some(instance),
            ResourceKind::AccessKey,
            key_id,
            vec![FieldChange::set(
                "grace_seconds",
                req.grace.map(|g| g.as_secs()),
            )],
        );
        self.change(
            "rotate_access_key",
            subject,
            check,
            mutation,
            self.inner.rotate_access_key(instance, user, key_id, req),
        )
        .await
    }
}

#[async_trait]
impl ObjectStoreProvider for Client {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn health(&self) -> Result<Health> {
        self.run("health", None, Ok(()), self.inner.health()).await
    }
}

/// Puts any provider behind a [`Client`]: `MemoryProvider::new().into_client()`.
pub trait IntoClient {
    /// The provider behind the shared checks.
    fn into_client(self) -> Client;
}

impl<P: ObjectStoreProvider + 'static> IntoClient for P {
    fn into_client(self) -> Client {
        Client::new(Arc::new(self))
    }
}
