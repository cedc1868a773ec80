//! The cases of the conformance suite, one file per resource; this file lists them (with the
//! capability each needs) and holds the helpers they share.

use crate::{Case, CaseResult, Ctx, Failure, check, check_eq, expect_kind};
use futures::future::BoxFuture;
use s3aas_core::model::*;
use s3aas_core::{Capabilities, ErrorKind, ExposeSecret, PolicyDocument, PutPolicy};
use std::time::Duration;

mod access_key;
mod bucket;
mod features;
mod instance;
mod policy;
mod refusals;
mod user;

use access_key::*;
use bucket::*;
use features::*;
use instance::*;
use policy::*;
use refusals::*;
use time::OffsetDateTime;
use user::*;

macro_rules! case {
    ($name:literal, $skip:expr, $f:ident) => {{
        fn run(ctx: &Ctx) -> BoxFuture<'_, CaseResult> {
            Box::pin($f(ctx))
        }
        Case {
            name: $name,
            skip: $skip,
            run,
        }
    }};
}

fn always(_: &Capabilities, _: bool) -> Option<&'static str> {
    None
}

/// Every case, in a stable order.
pub fn all_cases() -> Vec<Case> {
    vec![
        case!("health::ready", always, health_ready),
        case!(
            "instance::lifecycle",
            |c, _| (!c.instance_create).then_some("instance_create = false"),
            instance_lifecycle
        ),
        case!(
            "instance::already_exists",
            |c, _| (!c.instance_create).then_some("instance_create = false"),
            instance_already_exists
        ),
        case!("instance::missing", always, instance_missing),
        case!("instance::invalid_input", always, instance_invalid_input),
        case!(
            "instance::paging",
            |c, _| (!c.instance_create).then_some("instance_create = false"),
            instance_paging
        ),
        case!(
            "instance::update_versioning",
            |c, _| (!c.instance_versioning.in_update()).then_some("instance_versioning != yes"),
            instance_update_versioning
        ),
        case!(
            "instance::default_bucket",
            |c, _| (!c.instance_create).then_some("instance_create = false"),
            instance_default_bucket
        ),
        case!(
            "instance::versioning_reaches_new_buckets",
            |c, _| (!(c.instance_create
                && c.instance_versioning.at_creation()
                && c.bucket_versioning.at_creation()))
            .then_some("instance_versioning or bucket_versioning != yes"),
            instance_versioning_reaches_new_buckets
        ),
        case!(
            "instance::delete_refuses_non_empty",
            |c, s| needs_seeder(c, s),
            instance_delete_non_empty
        ),
        case!("bucket::lifecycle", always, bucket_lifecycle),
        case!(
            "bucket::already_exists_and_missing",
            always,
            bucket_already_exists_and_missing
        ),
        case!("bucket::invalid_input", always, bucket_invalid_input),
        case!("bucket::paging", always, bucket_paging),
        case!(
            "bucket::versioning",
            |c, _| (!c.bucket_versioning.in_update()).then_some("bucket_versioning != yes"),
            bucket_versioning
        ),
        case!(
            "bucket::encryption",
            |c, _| (!c.bucket_encryption.at_creation()).then_some("bucket_encryption = no"),
            bucket_encryption
        ),
        case!(
            "bucket::object_lock",
            |c, _| (!c.bucket_object_lock.at_creation()).then_some("bucket_object_lock = no"),
            bucket_object_lock
        ),
        case!(
            "bucket::quota",
            |c, _| (!c.bucket_quota.in_update()).then_some("bucket_quota != yes"),
            bucket_quota
        ),
        case!(
            "bucket::policy",
            |c, _| (!c.bucket_policy.in_update()).then_some("bucket_policy != yes"),
            bucket_policy
        ),
        case!(
            "bucket::tags",
            |c, _| (!c.bucket_tags.in_update()).then_some("bucket_tags != yes"),
            bucket_tags
        ),
        case!(
            "bucket::create_with_everything",
            always,
            bucket_create_with_everything
        ),
        case!(
            "bucket::delete_refuses_non_empty",
            |c, s| needs_seeder(c, s),
            bucket_delete_non_empty
        ),
        case!(
            "bucket::usage",
            |c, s| if !c.bucket_usage {
                Some("bucket_usage = false")
            } else if !s {
                Some("no object seeder")
            } else {
                None
            },
            bucket_usage
        ),
        case!(
            "bucket::lifecycle_rules",
            |c, _| (!c.bucket_lifecycle.at_creation()).then_some("bucket_lifecycle = no"),
            bucket_lifecycle_rules
        ),
        case!(
            "bucket::cors_rules",
            |c, _| (!c.bucket_cors.at_creation()).then_some("bucket_cors = no"),
            bucket_cors_rules
        ),
        case!(
            "bucket::default_retention",
            |c, _| (!(c.bucket_retention.at_creation() && c.bucket_object_lock.at_creation()))
                .then_some("bucket_retention or bucket_object_lock = no"),
            bucket_default_retention
        ),
        case!(
            "bucket::replication_rules",
            |c, _| (!(c.bucket_replication.at_creation() && c.bucket_versioning.at_creation()))
                .then_some("bucket_replication or bucket_versioning = no"),
            bucket_replication_rules
        ),
        case!(
            "bucket::access_levels",
            |c, _| (!c.bucket_policy.in_update()).then_some("bucket_policy != yes"),
            bucket_access_levels
        ),
        case!(
            "bucket::durability",
            |c, _| (!c.bucket_durability).then_some("bucket_durability = false"),
            bucket_durability
        ),
        case!(
            "instance::usage",
            |c, _| (!(c.instance_usage && c.instance_create))
                .then_some("instance_usage or instance_create = false"),
            instance_usage
        ),
        case!("user::lifecycle", always, user_lifecycle),
        case!(
            "user::already_exists_and_missing",
            always,
            user_already_exists_and_missing
        ),
        case!("user::invalid_input", always, user_invalid_input),
        case!("user::paging", always, user_paging),
        case!(
            "user::enable_disable",
            |c, _| (!c.user_disable).then_some("user_disable = false"),
            user_enable_disable
        ),
        case!(
            "policy::lifecycle",
            |c, _| (!c.policies).then_some("policies = false"),
            policy_lifecycle
        ),
        case!(
            "policy::invalid_input",
            |c, _| (!c.policies).then_some("policies = false"),
            policy_invalid_input
        ),
        case!(
            "policy::attach_detach",
            |c, _| (!(c.policies && c.policy_attach))
                .then_some("policies or policy_attach = false"),
            policy_attach_detach
        ),
        case!(
            "policy::helpers_accepted",
            |c, _| (!c.policies).then_some("policies = false"),
            policy_helpers_accepted
        ),
        case!("access_key::lifecycle", always, key_lifecycle),
        case!("access_key::options", always, key_options),
        case!("access_key::invalid_input", always, key_invalid_input),
        case!(
            "access_key::enable_disable",
            |c, _| (!c.access_key_disable).then_some("access_key_disable = false"),
            key_enable_disable
        ),
        case!("access_key::rotate", always, key_rotate),
        case!(
            "access_key::rotate_with_grace",
            |c, _| (!c.access_key_rotation_grace).then_some("access_key_rotation_grace = false"),
            key_rotate_grace
        ),
        case!(
            "access_key::limit",
            |c, _| c
                .access_keys_per_user
                .is_none()
                .then_some("access_keys_per_user = none"),
            key_limit
        ),
        case!(
            "access_key::deleted_with_user",
            always,
            key_deleted_with_user
        ),
        case!("capability::refusals", always, capability_refusals),
    ]
}

fn needs_seeder(c: &Capabilities, seeder: bool) -> Option<&'static str> {
    if !seeder {
        Some("no object seeder")
    } else if !c.instance_create {
        Some("instance_create = false")
    } else {
        None
    }
}

fn names<T>(items: &[T], f: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| f(i).to_string()).collect()
}

/// Walks every page of a list `limit` items at a time, checking each page respects the limit;
/// returns the names in the order listed and the number of pages.
async fn walk_pages<T, F, Fut>(
    opts: ListOptions,
    limit: u32,
    name: impl Fn(&T) -> &str,
    fetch: F,
) -> Result<(Vec<String>, usize), Failure>
where
    F: Fn(ListOptions) -> Fut,
    Fut: std::future::Future<Output = s3aas_core::Result<Page<T>>>,
{
    let mut opts = opts.limit(limit);
    let mut seen = Vec::new();
    for pages in 1..=20 {
        let page = fetch(opts.clone()).await?;
        check(
            page.items.len() <= limit as usize,
            "page respects the limit",
        )?;
        seen.extend(page.items.iter().map(|i| name(i).to_string()));
        match page.next {
            Some(n) => opts = opts.continuation(n),
            None => return Ok((seen, pages)),
        }
    }
    Err(Failure("paging did not terminate within 20 pages".into()))
}

async fn health_ready(ctx: &Ctx) -> CaseResult {
    let h = ctx.provider.health().await?;
    check(h.ready, format!("backend not ready: {:?}", h.detail))
}
