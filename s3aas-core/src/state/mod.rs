//! Desired state: describe tenants as data ([`Spec`]), see what differs on the server
//! ([`plan`], [`drift`]), and make it so ([`apply`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> s3aas_core::Result<()> {
//! use s3aas_core::state::{self, Spec};
//! use s3aas_core::{IntoClient, MemoryProvider};
//!
//! let client = MemoryProvider::new().into_client();
//! let spec = Spec::from_json(r#"{"tenants": [{"instance": "acme",
//!     "buckets": [{"name": "acme-data", "versioning": true}],
//!     "users": [{"name": "alice", "policies": ["rw"], "keys": [{"name": "ci"}]}],
//!     "policies": [{"name": "rw", "document": {"Version": "2012-10-17", "Statement": [
//!         {"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"]}]}}]}]}"#)?;
//! let plan = state::plan(&client, &spec).await?;
//! println!("{plan}");
//! let report = state::apply(&client, &plan, Default::default()).await;
//! assert!(report.is_complete());
//! // The server now matches: nothing left to do.
//! assert!(state::plan(&client, &spec).await?.is_empty());
//! # Ok(()) }
//! ```
//!
//! ## What is compared
//! Only what the spec gives: a field left out is not managed. Policies are compared by meaning
//! (statement order, single values and lists, `Condition` blocks included). Values the server
//! fills in are not differences (versioning off matches both "never enabled" and "suspended";
//! a quota or tag set the server cannot report is unknown, not different). Secrets are
//! write-only: they are never read or compared, and a new key's secret appears once, in the
//! [`ApplyReport`].
//!
//! ## Who made what
//! The desired state marks what it makes where the backend can hold a mark: the tag
//! `s3aas-state` (`made`, or `adopted` for a resource the spec claimed with `adopt`) on buckets
//! and users, and the description `s3aas-state: made` on keys. An existing resource without the
//! mark, on a backend that can mark it, is a [`Op::Conflict`] unless the spec adopts it; on a
//! backend that cannot (e.g. user tags on RustFS), resources are managed by name. Resources in
//! an instance that the spec does not hold are [`Orphan`]s: listed with who made them, and
//! deleted only with the tenant's `prune` when the desired state made them. Policies carry no
//! mark on any backend, so they are never pruned (`ensure: absent` deletes one).
//!
//! ## Calls
//! Planning a tenant whose instance exists reads the instance, lists its buckets, users and
//! policies (one pass each, paged), reads a bucket only when the listing lacks a setting the
//! spec manages, and lists attachments and keys for the users whose spec names them.
//! [`TenantPlan::reads`] counts these calls.

mod apply;
mod plan;
mod planner;
mod spec;

pub use apply::{ApplyOptions, ApplyReport, IssuedKey, TenantReport};
pub use plan::{Action, Change, Op, Origin, Orphan, Plan, TenantPlan};
pub use spec::{BucketState, Ensure, KeyState, PolicyState, Spec, TenantState, UserState};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::provider::ObjectStoreProvider as _;
use crate::validate;
use futures::StreamExt;
use std::collections::BTreeSet;

/// The tag key of the desired state's mark on buckets and users.
pub const MARKER: &str = "s3aas-state";
/// The mark's value on what the desired state made.
pub const MADE: &str = "made";
/// The mark's value on what a spec adopted.
pub const ADOPTED: &str = "adopted";
/// The description of keys the desired state made.
pub const KEY_MARK: &str = "s3aas-state: made";

/// How many tenants are planned at once.
const PLAN_CONCURRENCY: usize = 8;

/// Reads the server and lists, tenant by tenant, the changes that make it match `spec`.
/// Nothing is changed.
pub async fn plan(c: &Client, spec: &Spec) -> Result<Plan> {
    check_unique(spec)?;
    // The futures are made up front (not by a closure inside the stream), so the returned
    // future is `Send` for any caller's lifetimes.
    let futs: Vec<_> = spec
        .tenants
        .iter()
        .map(|t| planner::plan_tenant(c, t))
        .collect();
    let tenants: Vec<Result<TenantPlan>> = futures::stream::iter(futs)
        .buffered(PLAN_CONCURRENCY)
        .collect()
        .await;
    Ok(Plan {
        backend: c.backend().to_string(),
        tenants: tenants.into_iter().collect::<Result<_>>()?,
    })
}

/// What differs between one tenant's spec and the server, and the orphans inside its instance:
/// the tenant's plan, read now.
pub async fn drift(c: &Client, tenant: &TenantState) -> Result<TenantPlan> {
    planner::plan_tenant(c, tenant).await
}

/// Makes the plan's changes: per tenant in dependency order (instance, buckets, users,
/// policies, attachments, keys; deletions in reverse), stopping a tenant at its first failure;
/// tenants independently, at most `opts.concurrency` at once. Conflicts and unsupported changes
/// are not attempted. After a failure, planning again lists exactly what remains.
pub async fn apply(c: &Client, plan: &Plan, opts: ApplyOptions) -> ApplyReport {
    apply::apply(c, plan, opts).await
}

fn check_unique(spec: &Spec) -> Result<()> {
    let mut seen = BTreeSet::new();
    for t in &spec.tenants {
        if !seen.insert(t.instance.as_str()) {
            return Err(Error::invalid_input(
                "tenants",
                format!("instance '{}' is named twice", t.instance),
            ));
        }
    }
    Ok(())
}

/// Checks one tenant's spec before any read: valid names, each named once, no use of the mark.
pub(crate) fn check_spec(t: &TenantState) -> Result<()> {
    let at = |what: &str| format!("tenants[{}].{what}", t.instance);
    validate::instance_name(&at("instance"), &t.instance)?;
    let mut names = BTreeSet::new();
    for b in &t.buckets {
        validate::bucket_name(&at("buckets"), &b.name)?;
        if !names.insert(("bucket", b.name.as_str())) {
            return Err(Error::invalid_input(
                at("buckets"),
                format!("bucket '{}' is named twice", b.name),
            ));
        }
        if let Some(tags) = &b.tags {
            reserved(&at(&format!("buckets[{}].tags", b.name)), tags)?;
        }
    }
    for u in &t.users {
        validate::user_name(&at("users"), &u.name)?;
        if !names.insert(("user", u.name.as_str())) {
            return Err(Error::invalid_input(
                at("users"),
                format!("user '{}' is named twice", u.name),
            ));
        }
        if let Some(tags) = &u.tags {
            reserved(&at(&format!("users[{}].tags", u.name)), tags)?;
        }
        let mut keys = BTreeSet::new();
        for k in &u.keys {
            validate::access_key_name(&at(&format!("users[{}].keys", u.name)), &k.name)?;
            if !keys.insert(k.name.as_str()) {
                return Err(Error::invalid_input(
                    at(&format!("users[{}].keys", u.name)),
                    format!("key '{}' is named twice", k.name),
                ));
            }
        }
    }
    for p in &t.policies {
        validate::policy_name(&at("policies"), &p.name)?;
        if !names.insert(("policy", p.name.as_str())) {
            return Err(Error::invalid_input(
                at("policies"),
                format!("policy '{}' is named twice", p.name),
            ));
        }
    }
    Ok(())
}

fn reserved(field: &str, tags: &crate::model::Tags) -> Result<()> {
    if tags.contains_key(MARKER) {
        return Err(Error::invalid_input(
            field,
            format!("the tag key '{MARKER}' is the desired state's own mark"),
        ));
    }
    validate::tags(field, tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use crate::provider::*;
    use crate::{IntoClient, MemoryProvider};
    use std::sync::Arc;

    fn spec() -> Spec {
        Spec::from_json(
            r#"{"tenants": [{"instance": "acme", "prune": true,
            "buckets": [{"name": "acme-data", "versioning": true, "tags": {"team": "a"}}],
            "users": [{"name": "alice", "policies": ["rw"], "keys": [{"name": "ci", "enabled": false}]}],
            "policies": [{"name": "rw", "document": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-data/*",
                 "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}}]}]}"#,
        )
        .unwrap()
    }

    fn ops(p: &TenantPlan) -> Vec<String> {
        p.changes
            .iter()
            .map(|c| format!("{:?} {} {}", c.op, c.kind, c.name))
            .collect()
    }

    #[tokio::test]
    async fn a_new_tenant_is_made_in_dependency_order_then_nothing_differs() {
        let c = MemoryProvider::new().into_client();
        let p = plan(&c, &spec()).await.unwrap();
        assert_eq!(
            ops(&p.tenants[0]),
            [
                "Create instance acme",
                "Create bucket acme-data",
                "Create user alice",
                "Create policy rw",
                "Create policy rw",
                "Create access_key alice/ci"
            ]
        );
        assert_eq!(p.tenants[0].reads, 1, "only the instance was read");
        let r = apply(&c, &p, ApplyOptions::default()).await;
        assert!(r.is_complete(), "{r}");
        assert_eq!(r.tenants[0].new_keys.len(), 1);
        let k = &r.tenants[0].new_keys[0];
        assert!(
            !format!("{r} {r:?}")
                .contains(crate::ExposeSecret::expose_secret(&k.key.secret_access_key))
        );
        let again = plan(&c, &spec()).await.unwrap();
        assert!(again.is_empty(), "{again}");
        // One listing per kind, plus attachments and keys of the one user.
        assert_eq!(again.tenants[0].reads, 6);
        let key = c
            .get_access_key("acme", "alice", &k.key.key.id)
            .await
            .unwrap();
        assert!(!key.enabled);
        assert_eq!(key.description.as_deref(), Some(KEY_MARK));
        let b = c.get_bucket("acme", "acme-data").await.unwrap();
        assert_eq!(b.tags.unwrap().get(MARKER).map(String::as_str), Some(MADE));
    }

    #[tokio::test]
    async fn foreign_resources_conflict_until_adopted_and_are_never_pruned() {
        let mem = Arc::new(MemoryProvider::new());
        let c = crate::Client::new(mem.clone());
        mem.create_instance(CreateInstance::new("acme"))
            .await
            .unwrap();
        mem.create_bucket("acme", CreateBucket::new("acme-data"))
            .await
            .unwrap();
        mem.create_bucket("acme", CreateBucket::new("acme-other"))
            .await
            .unwrap();
        let mut s = spec();
        let p = plan(&c, &s).await.unwrap();
        let t = &p.tenants[0];
        assert!(
            t.changes
                .iter()
                .any(|c| c.op == Op::Conflict && c.name == "acme-data")
        );
        assert!(
            t.orphans
                .iter()
                .any(|o| o.name == "acme-other" && o.origin == Origin::Unknown)
        );
        assert!(!t.changes.iter().any(|c| c.op == Op::Delete), "{p}");
        s.tenants[0].buckets[0].adopt = true;
        let p = plan(&c, &s).await.unwrap();
        let adopt = p.tenants[0]
            .changes
            .iter()
            .find(|c| c.name == "acme-data")
            .unwrap();
        assert_eq!(adopt.op, Op::Adopt, "{p}");
        assert!(apply(&c, &p, ApplyOptions::default()).await.is_complete());
        let tags = mem
            .get_bucket("acme", "acme-data")
            .await
            .unwrap()
            .tags
            .unwrap();
        assert_eq!(tags.get(MARKER).map(String::as_str), Some(ADOPTED));
        assert!(plan(&c, &s).await.unwrap().executable().next().is_none());
        mem.get_bucket("acme", "acme-other").await.unwrap();
    }

    #[tokio::test]
    async fn a_condition_change_is_a_difference_and_a_respelling_is_not() {
        let c = MemoryProvider::new().into_client();
        let p = plan(&c, &spec()).await.unwrap();
        apply(&c, &p, ApplyOptions::default()).await;
        let mut s = spec();
        let doc = |ip: serde_json::Value| {
            crate::PolicyDocument::from_value(serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::acme-data/*"],
                 "Condition": {"IpAddress": {"aws:SourceIp": ip}}}]}))
            .unwrap()
        };
        s.tenants[0].policies[0].document = doc(serde_json::json!(["10.0.0.0/8"]));
        assert!(plan(&c, &s).await.unwrap().is_empty());
        s.tenants[0].policies[0].document = doc(serde_json::json!(["10.0.0.0/8", "172.16.0.0/12"]));
        let p = plan(&c, &s).await.unwrap();
        let ch = &p.tenants[0].changes;
        assert_eq!(ch.len(), 1, "{p}");
        assert_eq!(
            (ch[0].op, ch[0].fields[0].field.as_str()),
            (Op::Update, "document")
        );
        assert!(p.to_string().contains("172.16.0.0/12"), "{p}");
    }

    #[tokio::test]
    async fn key_expiry_is_set_at_creation_and_a_different_one_is_reported() {
        let c = MemoryProvider::new().into_client();
        let mut s = spec();
        let at = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap()
            + time::Duration::days(30);
        s.tenants[0].users[0].keys[0].expires = Some(at);
        let p = plan(&c, &s).await.unwrap();
        assert!(p.to_string().contains("expires"), "{p}");
        let r = apply(&c, &p, ApplyOptions::default()).await;
        assert!(r.is_complete(), "{r}");
        let id = &r.tenants[0].new_keys[0].key.key.id;
        let k = c.get_access_key("acme", "alice", id).await.unwrap();
        assert_eq!(k.expiration, Some(at));
        assert!(plan(&c, &s).await.unwrap().is_empty());
        s.tenants[0].users[0].keys[0].expires = Some(at + time::Duration::days(1));
        let p = plan(&c, &s).await.unwrap();
        let ch = &p.tenants[0].changes;
        assert_eq!(ch.len(), 1, "{p}");
        assert_eq!(ch[0].op, Op::Unsupported);
        // From JSON, as a spec file gives it.
        let j = Spec::from_json(
            r#"{"tenants":[{"instance":"acme","users":[{"name":"a1","keys":[{"name":"k","expires":"2030-01-01T00:00:00Z"}]}]}]}"#,
        )
        .unwrap();
        assert!(j.tenants[0].users[0].keys[0].expires.is_some());
    }

    #[test]
    fn the_entry_points_are_send() {
        fn send<T: Send>(_: T) {}
        let c = MemoryProvider::new().into_client();
        let s = spec();
        send(plan(&c, &s));
        send(drift(&c, &s.tenants[0]));
        send(apply(&c, &Plan::default(), ApplyOptions::default()));
    }

    #[tokio::test]
    async fn bad_specs_are_refused_before_any_read() {
        let c = MemoryProvider::new().into_client();
        let mut s = spec();
        s.tenants[0].buckets[0].tags = Some([(MARKER.to_string(), "x".to_string())].into());
        assert_eq!(
            plan(&c, &s).await.unwrap_err().kind(),
            crate::ErrorKind::InvalidInput
        );
        let mut s = spec();
        s.tenants.push(s.tenants[0].clone());
        assert_eq!(
            plan(&c, &s).await.unwrap_err().kind(),
            crate::ErrorKind::InvalidInput
        );
    }
}
