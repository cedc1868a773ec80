//! The cases of the conformance suite.

use crate::{Case, CaseResult, Ctx, Failure, check, check_eq, expect_kind};
use futures::future::BoxFuture;
use s3aas_core::model::*;
use s3aas_core::{Capabilities, ErrorKind, ExposeSecret, PolicyDocument, PutPolicy};
use std::time::Duration;
use time::OffsetDateTime;

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

async fn instance_lifecycle(ctx: &Ctx) -> CaseResult {
    let p = &ctx.provider;
    let name = ctx.name("i");
    let mut req = CreateInstance::new(&name);
    if ctx.caps.instance_labels {
        req = req.label("owner", "conformance");
    }
    let created = p.create_instance(req).await?;
    check_eq(created.name.as_str(), name.as_str(), "created name")?;
    let got = p.get_instance(&created.id).await?;
    check_eq(&got.name, &name, "get name")?;
    if ctx.caps.instance_labels {
        check_eq(
            got.labels.get("owner").map(String::as_str),
            Some("conformance"),
            "labels kept",
        )?;
    }
    check_eq(&got.status, &InstanceStatus::Active, "status")?;
    check(
        !got.nodes.is_empty(),
        "an active instance reports its nodes",
    )?;
    let listed = p
        .list_instances(ListOptions::new().prefix(ctx.prefix()))
        .await?;
    check(
        listed.items.iter().any(|i| i.name == name),
        "created instance is listed",
    )?;
    p.delete_instance(&created.id, DeleteInstance::new())
        .await?;
    expect_kind(
        p.get_instance(&created.id).await,
        ErrorKind::NotFound,
        "get after delete",
    )?;
    p.delete_instance(&created.id, DeleteInstance::new())
        .await
        .map_err(|e| Failure(format!("delete is idempotent: {e}")))?;
    Ok(())
}

async fn instance_already_exists(ctx: &Ctx) -> CaseResult {
    let req = ctx.instance_req();
    let again = req.clone();
    ctx.with_instance(req, |_| async move {
        expect_kind(
            ctx.provider.create_instance(again).await,
            ErrorKind::AlreadyExists,
            "second create",
        )?;
        Ok(())
    })
    .await
}

async fn instance_missing(ctx: &Ctx) -> CaseResult {
    let name = ctx.name("missing");
    let e = expect_kind(
        ctx.provider.get_instance(&name).await,
        ErrorKind::NotFound,
        "get missing",
    )?;
    check(
        e.resource()
            .is_some_and(|(k, _)| k == s3aas_core::ResourceKind::Instance),
        format!("error names the instance: {e}"),
    )?;
    expect_kind(
        ctx.provider.list_buckets(&name, ListOptions::new()).await,
        ErrorKind::NotFound,
        "buckets of a missing instance",
    )?;
    expect_kind(
        ctx.provider.create_user(&name, CreateUser::new("u1")).await,
        ErrorKind::NotFound,
        "user in a missing instance",
    )?;
    Ok(())
}

async fn instance_invalid_input(ctx: &Ctx) -> CaseResult {
    for bad in [
        "ab",
        "Upper",
        "9starts-with-digit",
        "has_underscore",
        "ends-",
    ] {
        let e = expect_kind(
            ctx.provider.create_instance(CreateInstance::new(bad)).await,
            ErrorKind::InvalidInput,
            bad,
        )?;
        check_eq(e.field(), Some("instance.name"), "field")?;
    }
    let e = expect_kind(
        ctx.provider
            .create_instance(CreateInstance::new(ctx.name("i")).default_bucket("Bad_Bucket"))
            .await,
        ErrorKind::InvalidInput,
        "bad default bucket",
    )?;
    check_eq(e.field(), Some("instance.default_bucket"), "field")?;
    let req = ctx.instance_req();
    ctx.with_instance(req, |id| async move {
        let e = expect_kind(
            ctx.provider
                .update_instance(&id, UpdateInstance::new().name("other"))
                .await,
            ErrorKind::InvalidInput,
            "rename",
        )?;
        check_eq(e.field(), Some("instance.name"), "field")?;
        let e = expect_kind(
            ctx.provider
                .update_instance(&id, UpdateInstance::new().default_bucket("other"))
                .await,
            ErrorKind::InvalidInput,
            "new default bucket",
        )?;
        check_eq(e.field(), Some("instance.default_bucket"), "field")?;
        let unchanged = ctx
            .provider
            .update_instance(&id, UpdateInstance::new())
            .await?;
        check_eq(
            unchanged.name.as_str(),
            id.as_str(),
            "empty update returns the instance",
        )?;
        Ok(())
    })
    .await
}

async fn instance_paging(ctx: &Ctx) -> CaseResult {
    let p = &ctx.provider;
    let tag = ctx.name("pg");
    let mut made = Vec::new();
    for i in 0..3 {
        let inst = p
            .create_instance(CreateInstance::new(format!("{tag}-{i}")))
            .await?;
        made.push(inst.id);
    }
    let result = async {
        let (seen, pages) = walk_pages(
            ListOptions::new().prefix(tag.clone()),
            2,
            |i: &Instance| &i.name,
            |o| p.list_instances(o),
        )
        .await?;
        let mut want: Vec<String> = (0..3).map(|i| format!("{tag}-{i}")).collect();
        want.sort();
        check_eq(seen, want, "every instance listed once, in order")?;
        check(pages >= 2, "three items with limit 2 take two pages")
    }
    .await;
    for id in made {
        p.delete_instance(&id, DeleteInstance::new()).await?;
    }
    result
}

async fn instance_update_versioning(ctx: &Ctx) -> CaseResult {
    let bucket = ctx.name("b");
    let req = ctx.instance_req().default_bucket(&bucket);
    ctx.with_instance(req, |id| async move {
        let p = &ctx.provider;
        let i = p
            .update_instance(&id, UpdateInstance::new().versioning(true))
            .await?;
        check(i.versioning, "instance reports versioning")?;
        let b = p.get_bucket(&id, &bucket).await?;
        check_eq(
            b.versioning,
            Some(Versioning::Enabled),
            "default bucket follows the instance",
        )?;
        let i = p.get_instance(&id).await?;
        check(i.versioning, "versioning survives a get")?;
        let i = p
            .update_instance(&id, UpdateInstance::new().versioning(false))
            .await?;
        check(!i.versioning, "versioning off")?;
        let b = p.get_bucket(&id, &bucket).await?;
        check_eq(
            b.versioning,
            Some(Versioning::Suspended),
            "default bucket suspended",
        )?;
        Ok(())
    })
    .await
}

/// An instance made with `versioning: true` and no default bucket: every bucket made in it
/// later is versioned, and an explicit `versioning(false)` on a bucket still wins.
async fn instance_versioning_reaches_new_buckets(ctx: &Ctx) -> CaseResult {
    let req = ctx.instance_req().versioning(true);
    ctx.with_instance(req, |id| async move {
        let p = &ctx.provider;
        let i = p.get_instance(&id).await?;
        check(i.versioning, "instance reports versioning")?;
        for n in ["v1", "v2"] {
            let name = ctx.name(n);
            let b = p.create_bucket(&id, CreateBucket::new(&name)).await?;
            check_eq(
                b.versioning,
                Some(Versioning::Enabled),
                "new bucket versioned",
            )?;
            let again = p.get_bucket(&id, &name).await?;
            check_eq(
                again.versioning,
                Some(Versioning::Enabled),
                "new bucket versioned when read back",
            )?;
        }
        // An explicit choice for the bucket wins over the instance's default.
        let plain = ctx.name("v3");
        let b = p
            .create_bucket(&id, CreateBucket::new(&plain).versioning(false))
            .await?;
        check(
            b.versioning != Some(Versioning::Enabled),
            format!(
                "bucket made with versioning(false) is not versioned: {:?}",
                b.versioning
            ),
        )?;
        Ok(())
    })
    .await
}

async fn instance_default_bucket(ctx: &Ctx) -> CaseResult {
    let bucket = ctx.name("b");
    let caps = ctx.caps;
    let mut req = ctx.instance_req().default_bucket(&bucket);
    if caps.instance_versioning.at_creation() {
        req = req.versioning(true);
    }
    if caps.instance_encryption.at_creation() && caps.bucket_encryption.at_creation() {
        req = req.encryption(Encryption::Aes256);
    }
    let want = req.clone();
    ctx.with_instance(req, |id| async move {
        let p = &ctx.provider;
        let i = p.get_instance(&id).await?;
        check_eq(
            i.default_bucket.as_deref(),
            Some(bucket.as_str()),
            "default bucket recorded",
        )?;
        check_eq(i.versioning, want.versioning, "instance versioning")?;
        check_eq(i.encryption, want.encryption, "instance encryption")?;
        let b = p.get_bucket(&id, &bucket).await?;
        if want.versioning {
            check_eq(
                b.versioning,
                Some(Versioning::Enabled),
                "default bucket versioned",
            )?;
        }
        if want.encryption.is_enabled() {
            check_eq(
                b.encryption,
                Some(Encryption::Aes256),
                "default bucket encrypted",
            )?;
        }
        let listed = p.list_buckets(&id, ListOptions::new()).await?;
        check_eq(
            names(&listed.items, |b| &b.name),
            vec![bucket.clone()],
            "instance lists its default bucket",
        )?;
        Ok(())
    })
    .await
}

async fn instance_delete_non_empty(ctx: &Ctx) -> CaseResult {
    let p = &ctx.provider;
    let bucket = ctx.name("b");
    let inst = p
        .create_instance(ctx.instance_req().default_bucket(&bucket))
        .await?;
    let seeder = ctx.seeder.as_ref().expect("selected with a seeder");
    seeder
        .put_object(&inst.id, &bucket, "k1", b"hello".to_vec())
        .await?;
    let e = expect_kind(
        p.delete_instance(&inst.id, DeleteInstance::new()).await,
        ErrorKind::BucketNotEmpty,
        "delete non-empty instance",
    )?;
    check(
        e.to_string().contains(&bucket),
        format!("error names the bucket: {e}"),
    )?;
    p.get_instance(&inst.id)
        .await
        .map_err(|e| Failure(format!("refused delete must leave the instance: {e}")))?;
    p.get_bucket(&inst.id, &bucket)
        .await
        .map_err(|e| Failure(format!("refused delete must leave the bucket: {e}")))?;
    if ctx.caps.bucket_force_delete {
        p.delete_instance(&inst.id, DeleteInstance::new().force(true))
            .await?;
        expect_kind(
            p.get_instance(&inst.id).await,
            ErrorKind::NotFound,
            "forced delete removes the instance",
        )?;
    } else {
        expect_kind(
            p.delete_instance(&inst.id, DeleteInstance::new().force(true))
                .await,
            ErrorKind::Unsupported,
            "force without capability",
        )?;
        seeder.empty_bucket(&inst.id, &bucket).await?;
        p.delete_instance(&inst.id, DeleteInstance::new()).await?;
        expect_kind(
            p.get_instance(&inst.id).await,
            ErrorKind::NotFound,
            "delete after emptying",
        )?;
    }
    Ok(())
}

async fn bucket_lifecycle(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("b");
        let b = p.create_bucket(&id, CreateBucket::new(&name)).await?;
        check_eq(b.name.as_str(), name.as_str(), "name")?;
        check_eq(b.instance.as_str(), id.as_str(), "instance")?;
        let got = p.get_bucket(&id, &name).await?;
        check_eq(got.name.as_str(), name.as_str(), "get")?;
        let listed = p.list_buckets(&id, ListOptions::new()).await?;
        check(listed.items.iter().any(|b| b.name == name), "listed")?;
        p.delete_bucket(&id, &name, DeleteBucket::new()).await?;
        expect_kind(
            p.get_bucket(&id, &name).await,
            ErrorKind::NotFound,
            "get after delete",
        )?;
        p.delete_bucket(&id, &name, DeleteBucket::new())
            .await
            .map_err(|e| Failure(format!("delete is idempotent: {e}")))?;
        Ok(())
    })
    .await
}

async fn bucket_already_exists_and_missing(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("b");
        p.create_bucket(&id, CreateBucket::new(&name)).await?;
        expect_kind(
            p.create_bucket(&id, CreateBucket::new(&name)).await,
            ErrorKind::AlreadyExists,
            "second create",
        )?;
        let missing = ctx.name("nb");
        let e = expect_kind(
            p.get_bucket(&id, &missing).await,
            ErrorKind::NotFound,
            "get missing",
        )?;
        check(
            e.resource()
                .is_some_and(|(k, _)| k == s3aas_core::ResourceKind::Bucket),
            format!("error names the bucket: {e}"),
        )?;
        if ctx.caps.bucket_tags.in_update() {
            expect_kind(
                p.update_bucket(&id, &missing, UpdateBucket::new().tags(Tags::new()))
                    .await,
                ErrorKind::NotFound,
                "update missing",
            )?;
        }
        p.delete_bucket(&id, &missing, DeleteBucket::new())
            .await
            .map_err(|e| Failure(format!("deleting a missing bucket succeeds: {e}")))?;
        Ok(())
    })
    .await
}

async fn bucket_invalid_input(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        for bad in [
            "ab",
            "UPPER",
            "a_b",
            "192.168.0.1",
            "xn--abc",
            "abc-s3alias",
            "-abc",
            "a..b",
        ] {
            let e = expect_kind(
                p.create_bucket(&id, CreateBucket::new(bad)).await,
                ErrorKind::InvalidInput,
                bad,
            )?;
            check_eq(e.field(), Some("bucket.name"), bad)?;
        }
        if ctx.caps.bucket_quota.at_creation() {
            let e = expect_kind(
                p.create_bucket(&id, CreateBucket::new(ctx.name("b")).quota(Quota::hard(0)))
                    .await,
                ErrorKind::InvalidInput,
                "zero quota",
            )?;
            check_eq(e.field(), Some("bucket.quota.hard_limit_bytes"), "field")?;
        }
        if ctx.caps.bucket_policy.at_creation() {
            let name = ctx.name("b");
            let wrong = PolicyDocument::bucket_public_read("some-other-bucket");
            let e = expect_kind(
                p.create_bucket(&id, CreateBucket::new(&name).policy(wrong))
                    .await,
                ErrorKind::InvalidInput,
                "policy for another bucket",
            )?;
            check_eq(
                e.field(),
                Some("bucket.policy.Statement[0].Resource"),
                "field",
            )?;
            let identity = PolicyDocument::bucket_read_write(&name);
            let e = expect_kind(
                p.create_bucket(&id, CreateBucket::new(&name).policy(identity))
                    .await,
                ErrorKind::InvalidInput,
                "policy without principal",
            )?;
            check_eq(
                e.field(),
                Some("bucket.policy.Statement[0].Principal"),
                "field",
            )?;
            expect_kind(
                p.get_bucket(&id, &name).await,
                ErrorKind::NotFound,
                "nothing created on invalid input",
            )?;
        }
        Ok(())
    })
    .await
}

async fn bucket_paging(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let mut want = Vec::new();
        for _ in 0..5 {
            let n = ctx.name("b");
            p.create_bucket(&id, CreateBucket::new(&n)).await?;
            want.push(n);
        }
        want.sort();
        let (seen, _) = walk_pages(
            ListOptions::new(),
            2,
            |b: &Bucket| &b.name,
            |o| p.list_buckets(&id, o),
        )
        .await?;
        check_eq(seen, want, "every bucket once, in order")
    })
    .await
}

async fn bucket_versioning(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("b");
        let b = p
            .create_bucket(&id, CreateBucket::new(&name).versioning(false))
            .await?;
        check(
            b.versioning.is_none_or(|v| v == Versioning::Unversioned),
            "new bucket unversioned",
        )?;
        let b = p
            .update_bucket(&id, &name, UpdateBucket::new().versioning(true))
            .await?;
        check_eq(b.versioning, Some(Versioning::Enabled), "enabled")?;
        check_eq(
            p.get_bucket(&id, &name).await?.versioning,
            Some(Versioning::Enabled),
            "enabled on get",
        )?;
        let b = p
            .update_bucket(&id, &name, UpdateBucket::new().versioning(false))
            .await?;
        check_eq(
            b.versioning,
            Some(Versioning::Suspended),
            "suspended, never unversioned again",
        )?;
        let name2 = ctx.name("b");
        let b = p
            .create_bucket(&id, CreateBucket::new(&name2).versioning(true))
            .await?;
        check_eq(
            b.versioning,
            Some(Versioning::Enabled),
            "versioned at creation",
        )?;
        Ok(())
    })
    .await
}

async fn bucket_encryption(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("b");
        let b = p
            .create_bucket(&id, CreateBucket::new(&name).encryption(Encryption::Aes256))
            .await?;
        check_eq(b.encryption, Some(Encryption::Aes256), "created encrypted")?;
        check_eq(
            p.get_bucket(&id, &name).await?.encryption,
            Some(Encryption::Aes256),
            "encrypted on get",
        )?;
        let plain = ctx.name("b");
        let b = p
            .create_bucket(&id, CreateBucket::new(&plain).encryption(Encryption::None))
            .await?;
        check(
            b.encryption.is_none_or(|e| e == Encryption::None),
            "plain bucket",
        )?;
        if ctx.caps.bucket_encryption.in_update() {
            let b = p
                .update_bucket(
                    &id,
                    &plain,
                    UpdateBucket::new().encryption(Encryption::Aes256),
                )
                .await?;
            check_eq(
                b.encryption,
                Some(Encryption::Aes256),
                "encryption turned on",
            )?;
            let b = p
                .update_bucket(
                    &id,
                    &plain,
                    UpdateBucket::new().encryption(Encryption::None),
                )
                .await?;
            check_eq(
                b.encryption,
                Some(Encryption::None),
                "encryption turned off",
            )?;
        } else {
            expect_kind(
                p.update_bucket(
                    &id,
                    &plain,
                    UpdateBucket::new().encryption(Encryption::Aes256),
                )
                .await,
                ErrorKind::Unsupported,
                "creation-only encryption",
            )?;
        }
        Ok(())
    })
    .await
}

async fn bucket_object_lock(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("b");
        let b = p
            .create_bucket(&id, CreateBucket::new(&name).object_lock(true))
            .await?;
        check_eq(b.object_lock, Some(true), "object lock on")?;
        check_eq(
            b.versioning,
            Some(Versioning::Enabled),
            "object lock implies versioning",
        )?;
        let got = p.get_bucket(&id, &name).await?;
        check_eq(got.object_lock, Some(true), "object lock on get")?;
        if ctx.caps.bucket_versioning.in_update() {
            expect_kind(
                p.update_bucket(&id, &name, UpdateBucket::new().versioning(false))
                    .await,
                ErrorKind::Conflict,
                "suspend versioning on a locked bucket",
            )?;
        }
        let e = expect_kind(
            p.create_bucket(
                &id,
                CreateBucket::new(ctx.name("b"))
                    .object_lock(true)
                    .versioning(false),
            )
            .await,
            ErrorKind::InvalidInput,
            "lock without versioning",
        )?;
        check_eq(e.field(), Some("bucket.versioning"), "field")?;
        Ok(())
    })
    .await
}

async fn bucket_quota(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("b");
        let gib = 1u64 << 30;
        let b = p
            .create_bucket(&id, CreateBucket::new(&name).quota(Quota::hard(5 * gib)))
            .await?;
        check_eq(
            b.quota,
            Some(Some(Quota::hard(5 * gib))),
            "quota at creation",
        )?;
        let b = p
            .update_bucket(&id, &name, UpdateBucket::new().quota(Quota::hard(7 * gib)))
            .await?;
        check_eq(b.quota, Some(Some(Quota::hard(7 * gib))), "quota raised")?;
        check_eq(
            p.get_bucket(&id, &name).await?.quota,
            Some(Some(Quota::hard(7 * gib))),
            "quota on get",
        )?;
        let b = p
            .update_bucket(&id, &name, UpdateBucket::new().clear_quota())
            .await?;
        check_eq(b.quota, Some(None), "quota removed")?;
        Ok(())
    })
    .await
}

async fn bucket_policy(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("b");
        p.create_bucket(&id, CreateBucket::new(&name)).await?;
        let doc = BucketAccessExt::public_read(&name);
        let b = p
            .update_bucket(&id, &name, UpdateBucket::new().policy(doc.clone()))
            .await?;
        let got = b
            .policy
            .flatten()
            .ok_or_else(|| Failure("policy not reported after set".into()))?;
        check(
            got.semantically_eq(&doc),
            format!("policy round-trips: {}", got.to_json()),
        )?;
        let got = p
            .get_bucket(&id, &name)
            .await?
            .policy
            .flatten()
            .ok_or_else(|| Failure("policy not reported on get".into()))?;
        check(got.semantically_eq(&doc), "policy on get")?;
        let b = p
            .update_bucket(&id, &name, UpdateBucket::new().clear_policy())
            .await?;
        check_eq(b.policy, Some(None), "policy removed")?;
        p.update_bucket(&id, &name, UpdateBucket::new().clear_policy())
            .await
            .map_err(|e| Failure(format!("removing no policy is idempotent: {e}")))?;
        Ok(())
    })
    .await
}

struct BucketAccessExt;
impl BucketAccessExt {
    fn public_read(bucket: &str) -> PolicyDocument {
        s3aas_core::BucketAccess::PublicRead
            .bucket_policy(bucket)
            .expect("public read has a policy")
    }
}

async fn bucket_tags(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("b");
        let b = p
            .create_bucket(&id, CreateBucket::new(&name).tag("team", "storage"))
            .await?;
        check(
            b.tags
                .as_ref()
                .is_some_and(|t| t.get("team").map(String::as_str) == Some("storage")),
            "tags at creation",
        )?;
        let mut t = Tags::new();
        t.insert("cost-center".into(), "42".into());
        let b = p
            .update_bucket(&id, &name, UpdateBucket::new().tags(t.clone()))
            .await?;
        check_eq(b.tags.as_ref(), Some(&t), "tags replaced")?;
        check_eq(
            p.get_bucket(&id, &name).await?.tags.as_ref(),
            Some(&t),
            "tags on get",
        )?;
        let b = p
            .update_bucket(&id, &name, UpdateBucket::new().tags(Tags::new()))
            .await?;
        check(b.tags.as_ref().is_none_or(Tags::is_empty), "tags cleared")?;
        let mut bad = Tags::new();
        bad.insert("aws:reserved".into(), "x".into());
        let e = expect_kind(
            p.update_bucket(&id, &name, UpdateBucket::new().tags(bad))
                .await,
            ErrorKind::InvalidInput,
            "reserved tag",
        )?;
        check(
            e.field().is_some_and(|f| f.starts_with("bucket.tags")),
            format!("field: {e}"),
        )
    })
    .await
}

async fn bucket_create_with_everything(ctx: &Ctx) -> CaseResult {
    let c = ctx.caps;
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("b");
        let mut req = CreateBucket::new(&name);
        if c.bucket_versioning.at_creation() {
            req = req.versioning(true);
        }
        if c.bucket_encryption.at_creation() {
            req = req.encryption(Encryption::Aes256);
        }
        if c.bucket_quota.at_creation() {
            req = req.quota(Quota::hard(1 << 30));
        }
        if c.bucket_policy.at_creation() {
            req = req.policy(BucketAccessExt::public_read(&name));
        }
        if c.bucket_tags.at_creation() {
            req = req.tag("env", "test");
        }
        let want = req.clone();
        p.create_bucket(&id, req).await?;
        let b = p.get_bucket(&id, &name).await?;
        if want.versioning == Some(true) {
            check_eq(b.versioning, Some(Versioning::Enabled), "versioning")?;
        }
        if want.encryption == Some(Encryption::Aes256) {
            check_eq(b.encryption, Some(Encryption::Aes256), "encryption")?;
        }
        if let Some(q) = want.quota {
            check_eq(b.quota, Some(Some(q)), "quota")?;
        }
        if let Some(doc) = &want.policy {
            check(
                b.policy
                    .clone()
                    .flatten()
                    .is_some_and(|g| g.semantically_eq(doc)),
                "policy",
            )?;
        }
        if !want.tags.is_empty() {
            check_eq(b.tags.as_ref(), Some(&want.tags), "tags")?;
        }
        Ok(())
    })
    .await
}

async fn bucket_delete_non_empty(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("b");
        p.create_bucket(&id, CreateBucket::new(&name)).await?;
        ctx.seeder
            .as_ref()
            .expect("seeder")
            .put_object(&id, &name, "a/b.txt", b"data".to_vec())
            .await?;
        expect_kind(
            p.delete_bucket(&id, &name, DeleteBucket::new()).await,
            ErrorKind::BucketNotEmpty,
            "delete non-empty",
        )?;
        p.get_bucket(&id, &name)
            .await
            .map_err(|e| Failure(format!("refused delete keeps the bucket: {e}")))?;
        if ctx.caps.bucket_force_delete {
            p.delete_bucket(&id, &name, DeleteBucket::new().force(true))
                .await?;
            expect_kind(
                p.get_bucket(&id, &name).await,
                ErrorKind::NotFound,
                "forced delete",
            )?;
        } else {
            expect_kind(
                p.delete_bucket(&id, &name, DeleteBucket::new().force(true))
                    .await,
                ErrorKind::Unsupported,
                "force without capability",
            )?;
            ctx.seeder
                .as_ref()
                .expect("seeder")
                .empty_bucket(&id, &name)
                .await?;
            p.delete_bucket(&id, &name, DeleteBucket::new()).await?;
        }
        Ok(())
    })
    .await
}

async fn bucket_usage(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("b");
        p.create_bucket(&id, CreateBucket::new(&name)).await?;
        let u = p.bucket_usage(&id, &name).await?;
        check_eq(u.bytes, 0, "empty bucket uses nothing")?;
        ctx.seeder
            .as_ref()
            .expect("seeder")
            .put_object(&id, &name, "k", vec![7u8; 1000])
            .await?;
        let u = p.bucket_usage(&id, &name).await?;
        // Backends that sample usage may lag; they report `as_of` so callers can tell.
        check(
            u.bytes == 1000 || (u.bytes == 0 && u.as_of.is_some()),
            format!("usage counts the object or says when it was sampled: {u:?}"),
        )?;
        expect_kind(
            p.bucket_usage(&id, &ctx.name("nb")).await,
            ErrorKind::NotFound,
            "usage of a missing bucket",
        )?;
        Ok(())
    })
    .await
}

async fn user_lifecycle(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("u");
        let u = p.create_user(&id, CreateUser::new(&name)).await?;
        check_eq(u.name.as_str(), name.as_str(), "name")?;
        check(u.enabled, "enabled by default")?;
        let got = p.get_user(&id, &name).await?;
        check_eq(got.name.as_str(), name.as_str(), "get")?;
        check(got.enabled, "enabled on get")?;
        let listed = p.list_users(&id, ListOptions::new()).await?;
        check_eq(
            names(&listed.items, |u| &u.name),
            vec![name.clone()],
            "instance lists exactly its user",
        )?;
        p.delete_user(&id, &name).await?;
        expect_kind(
            p.get_user(&id, &name).await,
            ErrorKind::NotFound,
            "get after delete",
        )?;
        p.delete_user(&id, &name)
            .await
            .map_err(|e| Failure(format!("delete is idempotent: {e}")))?;
        Ok(())
    })
    .await
}

async fn user_already_exists_and_missing(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("u");
        p.create_user(&id, CreateUser::new(&name)).await?;
        expect_kind(
            p.create_user(&id, CreateUser::new(&name)).await,
            ErrorKind::AlreadyExists,
            "second create",
        )?;
        let e = expect_kind(
            p.get_user(&id, &ctx.name("nu")).await,
            ErrorKind::NotFound,
            "get missing",
        )?;
        check(
            e.resource()
                .is_some_and(|(k, _)| k == s3aas_core::ResourceKind::User),
            format!("error names the user: {e}"),
        )?;
        Ok(())
    })
    .await
}

async fn user_invalid_input(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        for bad in ["a", "-dash", "has space", "comma,name", "eq=name"] {
            let e = expect_kind(
                ctx.provider.create_user(&id, CreateUser::new(bad)).await,
                ErrorKind::InvalidInput,
                bad,
            )?;
            check_eq(e.field(), Some("user.name"), bad)?;
        }
        expect_kind(
            ctx.provider.get_user(&id, "").await,
            ErrorKind::InvalidInput,
            "empty name",
        )?;
        Ok(())
    })
    .await
}

async fn user_paging(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let mut want = Vec::new();
        for _ in 0..5 {
            let n = ctx.name("u");
            p.create_user(&id, CreateUser::new(&n)).await?;
            want.push(n);
        }
        want.sort();
        let (seen, _) = walk_pages(
            ListOptions::new(),
            2,
            |u: &User| &u.name,
            |o| p.list_users(&id, o),
        )
        .await?;
        check_eq(seen, want, "every user once, in order")
    })
    .await
}

async fn user_enable_disable(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("u");
        p.create_user(&id, CreateUser::new(&name)).await?;
        p.set_user_enabled(&id, &name, false).await?;
        check(!p.get_user(&id, &name).await?.enabled, "disabled")?;
        p.set_user_enabled(&id, &name, false)
            .await
            .map_err(|e| Failure(format!("disable is idempotent: {e}")))?;
        p.set_user_enabled(&id, &name, true).await?;
        check(p.get_user(&id, &name).await?.enabled, "enabled again")?;
        expect_kind(
            p.set_user_enabled(&id, &ctx.name("nu"), false).await,
            ErrorKind::NotFound,
            "missing user",
        )?;
        let off = ctx.name("u");
        let u = p
            .create_user(&id, CreateUser::new(&off).enabled(false))
            .await?;
        check(!u.enabled, "created disabled")?;
        check(
            !p.get_user(&id, &off).await?.enabled,
            "created disabled, on get",
        )?;
        Ok(())
    })
    .await
}

async fn policy_lifecycle(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let name = ctx.name("p");
        let doc = PolicyDocument::bucket_read_write(&ctx.name("b"));
        let put = p
            .put_policy(&id, PutPolicy::new(&name, doc.clone()))
            .await?;
        check(
            put.document.semantically_eq(&doc),
            "put returns the document",
        )?;
        p.put_policy(&id, PutPolicy::new(&name, doc.clone()))
            .await
            .map_err(|e| Failure(format!("put is an upsert: {e}")))?;
        let got = p.get_policy(&id, &name).await?;
        check(
            got.document.semantically_eq(&doc),
            format!("get returns the document: {}", got.document.to_json()),
        )?;
        let doc2 = PolicyDocument::bucket_read_only(&ctx.name("b"));
        p.put_policy(&id, PutPolicy::new(&name, doc2.clone()))
            .await?;
        check(
            p.get_policy(&id, &name)
                .await?
                .document
                .semantically_eq(&doc2),
            "replaced",
        )?;
        let listed = p.list_policies(&id, ListOptions::new()).await?;
        check_eq(
            names(&listed.items, |p| &p.name),
            vec![name.clone()],
            "instance lists exactly its policy",
        )?;
        p.delete_policy(&id, &name).await?;
        expect_kind(
            p.get_policy(&id, &name).await,
            ErrorKind::NotFound,
            "get after delete",
        )?;
        p.delete_policy(&id, &name)
            .await
            .map_err(|e| Failure(format!("delete is idempotent: {e}")))?;
        Ok(())
    })
    .await
}

async fn policy_invalid_input(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let doc = PolicyDocument::bucket_read_only("x1");
        let e = expect_kind(
            p.put_policy(&id, PutPolicy::new("a,b", doc.clone())).await,
            ErrorKind::InvalidInput,
            "comma in name",
        )?;
        check_eq(e.field(), Some("policy.name"), "field")?;
        let with_principal = PolicyDocument::bucket_public_read("x1");
        let e = expect_kind(
            p.put_policy(&id, PutPolicy::new(ctx.name("p"), with_principal))
                .await,
            ErrorKind::InvalidInput,
            "principal in identity policy",
        )?;
        check_eq(
            e.field(),
            Some("policy.document.Statement[0].Principal"),
            "field",
        )?;
        let e = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
        )
        .unwrap_err();
        check_eq(
            e.field(),
            Some("policy.Statement[0].Action"),
            "parse names the path",
        )?;
        expect_kind(
            p.get_policy(&id, &ctx.name("np")).await,
            ErrorKind::NotFound,
            "get missing",
        )?;
        Ok(())
    })
    .await
}

async fn policy_attach_detach(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let user = ctx.name("u");
        let pol = ctx.name("p");
        let pol2 = ctx.name("p");
        p.create_user(&id, CreateUser::new(&user)).await?;
        p.put_policy(
            &id,
            PutPolicy::new(&pol, PolicyDocument::bucket_read_only(&ctx.name("b"))),
        )
        .await?;
        p.put_policy(
            &id,
            PutPolicy::new(&pol2, PolicyDocument::bucket_read_write(&ctx.name("b"))),
        )
        .await?;
        check_eq(
            p.list_attached_policies(&id, &user).await?,
            Vec::<String>::new(),
            "nothing attached",
        )?;
        p.attach_policy(&id, &user, &pol).await?;
        p.attach_policy(&id, &user, &pol)
            .await
            .map_err(|e| Failure(format!("attach is idempotent: {e}")))?;
        p.attach_policy(&id, &user, &pol2).await?;
        let mut both = vec![pol.clone(), pol2.clone()];
        both.sort();
        check_eq(
            p.list_attached_policies(&id, &user).await?,
            both,
            "both attached, additive",
        )?;
        expect_kind(
            p.delete_policy(&id, &pol).await,
            ErrorKind::Conflict,
            "delete an attached policy",
        )?;
        p.detach_policy(&id, &user, &pol).await?;
        p.detach_policy(&id, &user, &pol)
            .await
            .map_err(|e| Failure(format!("detach is idempotent: {e}")))?;
        check_eq(
            p.list_attached_policies(&id, &user).await?,
            vec![pol2.clone()],
            "one left",
        )?;
        expect_kind(
            p.attach_policy(&id, &user, &ctx.name("np")).await,
            ErrorKind::NotFound,
            "attach missing policy",
        )?;
        expect_kind(
            p.attach_policy(&id, &ctx.name("nu"), &pol).await,
            ErrorKind::NotFound,
            "attach to missing user",
        )?;
        expect_kind(
            p.list_attached_policies(&id, &ctx.name("nu")).await,
            ErrorKind::NotFound,
            "list for missing user",
        )?;
        p.detach_policy(&id, &user, &pol2).await?;
        p.delete_policy(&id, &pol).await?;
        Ok(())
    })
    .await
}

async fn policy_helpers_accepted(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let b = ctx.name("b");
        for doc in [
            PolicyDocument::bucket_read_write(&b),
            PolicyDocument::bucket_read_only(&b),
        ] {
            let name = ctx.name("p");
            ctx.provider
                .put_policy(&id, PutPolicy::new(&name, doc))
                .await?;
            ctx.provider.delete_policy(&id, &name).await?;
        }
        Ok(())
    })
    .await
}

async fn key_lifecycle(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let user = ctx.name("u");
        p.create_user(&id, CreateUser::new(&user)).await?;
        let k = p
            .create_access_key(&id, &user, CreateAccessKey::new())
            .await?;
        let secret = k.secret_access_key.expose_secret().to_string();
        check(secret.len() >= 8, "a real secret is returned")?;
        check(
            !format!("{k:?}").contains(&secret),
            "Debug never shows the secret",
        )?;
        check_eq(k.key.user.as_str(), user.as_str(), "owner")?;
        check(k.key.enabled, "enabled")?;
        let listed = p.list_access_keys(&id, &user).await?;
        check_eq(
            listed.iter().map(|k| k.id.clone()).collect::<Vec<_>>(),
            vec![k.key.id.clone()],
            "listed",
        )?;
        let got = p.get_access_key(&id, &user, &k.key.id).await?;
        check_eq(
            got.access_key_id.as_str(),
            k.key.access_key_id.as_str(),
            "get",
        )?;
        check(
            !format!("{got:?}").contains(&secret),
            "listing never shows the secret",
        )?;
        p.delete_access_key(&id, &user, &k.key.id).await?;
        expect_kind(
            p.get_access_key(&id, &user, &k.key.id).await,
            ErrorKind::NotFound,
            "get after delete",
        )?;
        p.delete_access_key(&id, &user, &k.key.id)
            .await
            .map_err(|e| Failure(format!("delete is idempotent: {e}")))?;
        expect_kind(
            p.create_access_key(&id, &ctx.name("nu"), CreateAccessKey::new())
                .await,
            ErrorKind::NotFound,
            "key for a missing user",
        )?;
        expect_kind(
            p.list_access_keys(&id, &ctx.name("nu")).await,
            ErrorKind::NotFound,
            "keys of a missing user",
        )?;
        Ok(())
    })
    .await
}

async fn key_options(ctx: &Ctx) -> CaseResult {
    let c = ctx.caps;
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let user = ctx.name("u");
        p.create_user(&id, CreateUser::new(&user)).await?;
        let mut req = CreateAccessKey::new();
        if c.access_key_name {
            req = req.name("ci-key");
        }
        if c.access_key_description {
            req = req.description("used by CI");
        }
        let exp = (OffsetDateTime::now_utc() + time::Duration::days(2))
            .replace_nanosecond(0)
            .expect("valid");
        if c.access_key_expiry {
            req = req.expiration(exp);
        }
        let session = PolicyDocument::bucket_read_only(&ctx.name("b"));
        if c.access_key_session_policy {
            req = req.session_policy(session.clone());
        }
        let k = p.create_access_key(&id, &user, req).await?;
        let got = p.get_access_key(&id, &user, &k.key.id).await?;
        if c.access_key_name {
            check_eq(got.name.as_deref(), Some("ci-key"), "name")?;
        }
        if c.access_key_description {
            check_eq(
                got.description.as_deref(),
                Some("used by CI"),
                "description",
            )?;
        }
        if c.access_key_expiry {
            check_eq(got.expiration, Some(exp), "expiration (whole seconds)")?;
        }
        if c.access_key_session_policy {
            check(
                got.session_policy
                    .as_ref()
                    .is_some_and(|s| s.semantically_eq(&session)),
                format!(
                    "session policy: {:?}",
                    got.session_policy.as_ref().map(|s| s.to_json())
                ),
            )?;
        }
        Ok(())
    })
    .await
}

async fn key_invalid_input(ctx: &Ctx) -> CaseResult {
    let c = ctx.caps;
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let user = ctx.name("u");
        p.create_user(&id, CreateUser::new(&user)).await?;
        if c.access_key_expiry {
            let past = OffsetDateTime::now_utc() - time::Duration::hours(1);
            let e = expect_kind(
                p.create_access_key(&id, &user, CreateAccessKey::new().expiration(past))
                    .await,
                ErrorKind::InvalidInput,
                "expiry in the past",
            )?;
            check_eq(e.field(), Some("access_key.expiration"), "field")?;
            let far = OffsetDateTime::now_utc() + time::Duration::days(500);
            expect_kind(
                p.create_access_key(&id, &user, CreateAccessKey::new().expiration(far))
                    .await,
                ErrorKind::InvalidInput,
                "expiry too far",
            )?;
        }
        if c.access_key_name {
            let e = expect_kind(
                p.create_access_key(&id, &user, CreateAccessKey::new().name("1bad name"))
                    .await,
                ErrorKind::InvalidInput,
                "bad key name",
            )?;
            check_eq(e.field(), Some("access_key.name"), "field")?;
        }
        if c.access_key_session_policy {
            let e = expect_kind(
                p.create_access_key(
                    &id,
                    &user,
                    CreateAccessKey::new().session_policy(PolicyDocument::bucket_public_read("x1")),
                )
                .await,
                ErrorKind::InvalidInput,
                "session policy with a principal",
            )?;
            check_eq(
                e.field(),
                Some("access_key.session_policy.Statement[0].Principal"),
                "field",
            )?;
        }
        check_eq(
            p.list_access_keys(&id, &user).await?.len(),
            0,
            "no key made from invalid input",
        )?;
        if c.access_key_rotation_grace {
            let k = p
                .create_access_key(&id, &user, CreateAccessKey::new())
                .await?;
            let e = expect_kind(
                p.rotate_access_key(
                    &id,
                    &user,
                    &k.key.id,
                    RotateAccessKey::new().grace(Duration::from_secs(30)),
                )
                .await,
                ErrorKind::InvalidInput,
                "grace too short",
            )?;
            check_eq(e.field(), Some("rotate.grace"), "field")?;
        }
        Ok(())
    })
    .await
}

async fn key_enable_disable(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let user = ctx.name("u");
        p.create_user(&id, CreateUser::new(&user)).await?;
        let k = p
            .create_access_key(&id, &user, CreateAccessKey::new())
            .await?;
        p.set_access_key_enabled(&id, &user, &k.key.id, false)
            .await?;
        check(
            !p.get_access_key(&id, &user, &k.key.id).await?.enabled,
            "disabled",
        )?;
        p.set_access_key_enabled(&id, &user, &k.key.id, false)
            .await
            .map_err(|e| Failure(format!("idempotent: {e}")))?;
        p.set_access_key_enabled(&id, &user, &k.key.id, true)
            .await?;
        check(
            p.get_access_key(&id, &user, &k.key.id).await?.enabled,
            "enabled",
        )?;
        expect_kind(
            p.set_access_key_enabled(&id, &user, "NOSUCHKEY000", true)
                .await,
            ErrorKind::NotFound,
            "missing key",
        )?;
        Ok(())
    })
    .await
}

async fn key_rotate(ctx: &Ctx) -> CaseResult {
    let c = ctx.caps;
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let user = ctx.name("u");
        p.create_user(&id, CreateUser::new(&user)).await?;
        let mut req = CreateAccessKey::new();
        if c.access_key_name {
            req = req.name("rotating");
        }
        let session = PolicyDocument::bucket_read_only(&ctx.name("b"));
        if c.access_key_session_policy {
            req = req.session_policy(session.clone());
        }
        let old = p.create_access_key(&id, &user, req).await?;
        let r = p
            .rotate_access_key(&id, &user, &old.key.id, RotateAccessKey::new())
            .await?;
        check_eq(r.old, OldKey::Deleted, "old key deleted")?;
        check(
            r.new.key.id != old.key.id
                || r.new.secret_access_key.expose_secret() != old.secret_access_key.expose_secret(),
            "a new key or secret",
        )?;
        let keys = p.list_access_keys(&id, &user).await?;
        check_eq(keys.len(), 1, "exactly the new key remains")?;
        let got = p.get_access_key(&id, &user, &r.new.key.id).await?;
        if c.access_key_name {
            check_eq(got.name.as_deref(), Some("rotating"), "name kept")?;
        }
        if c.access_key_session_policy {
            check(
                got.session_policy
                    .as_ref()
                    .is_some_and(|s| s.semantically_eq(&session)),
                "session policy kept",
            )?;
        }
        expect_kind(
            p.rotate_access_key(&id, &user, "NOSUCHKEY000", RotateAccessKey::new())
                .await,
            ErrorKind::NotFound,
            "rotate missing key",
        )?;
        Ok(())
    })
    .await
}

async fn key_rotate_grace(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let user = ctx.name("u");
        p.create_user(&id, CreateUser::new(&user)).await?;
        let old = p
            .create_access_key(&id, &user, CreateAccessKey::new())
            .await?;
        let before = OffsetDateTime::now_utc();
        let r = p
            .rotate_access_key(
                &id,
                &user,
                &old.key.id,
                RotateAccessKey::new().grace(Duration::from_secs(3600)),
            )
            .await?;
        let OldKey::ExpiresAt(at) = r.old else {
            return Err(Failure(format!("old key should expire, got {:?}", r.old)));
        };
        check(
            at > before + time::Duration::minutes(59) && at < before + time::Duration::minutes(62),
            format!("old key expires after the grace period: {at}"),
        )?;
        let keys = p.list_access_keys(&id, &user).await?;
        check_eq(keys.len(), 2, "both keys exist during the grace period")?;
        Ok(())
    })
    .await
}

async fn key_limit(ctx: &Ctx) -> CaseResult {
    let max = ctx
        .caps
        .access_keys_per_user
        .expect("selected with a limit");
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let user = ctx.name("u");
        p.create_user(&id, CreateUser::new(&user)).await?;
        for _ in 0..max {
            p.create_access_key(&id, &user, CreateAccessKey::new())
                .await?;
        }
        expect_kind(
            p.create_access_key(&id, &user, CreateAccessKey::new())
                .await,
            ErrorKind::Conflict,
            "one key too many",
        )?;
        check_eq(
            p.list_access_keys(&id, &user).await?.len(),
            max as usize,
            "limit kept",
        )
    })
    .await
}

async fn key_deleted_with_user(ctx: &Ctx) -> CaseResult {
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let p = &ctx.provider;
        let user = ctx.name("u");
        p.create_user(&id, CreateUser::new(&user)).await?;
        p.create_access_key(&id, &user, CreateAccessKey::new())
            .await?;
        p.delete_user(&id, &user).await?;
        p.create_user(&id, CreateUser::new(&user)).await?;
        check_eq(
            p.list_access_keys(&id, &user).await?.len(),
            0,
            "a re-created user does not inherit old keys",
        )?;
        Ok(())
    })
    .await
}

/// Every capability the backend lacks must be refused with `Unsupported` (the negative
/// direction of capability selection).
async fn capability_refusals(ctx: &Ctx) -> CaseResult {
    let c = ctx.caps;
    let p = &ctx.provider;
    let mut checked = 0;
    if !c.instance_create {
        expect_kind(
            p.create_instance(ctx.instance_req()).await,
            ErrorKind::Unsupported,
            "instance_create",
        )?;
        checked += 1;
        return check(checked > 0, "");
    }
    if !c.instance_labels {
        expect_kind(
            p.create_instance(ctx.instance_req().label("k", "v")).await,
            ErrorKind::Unsupported,
            "instance_labels",
        )?;
    }
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let mut checked = 0;
        let b = ctx.name("b");
        let unsupported = |what: &'static str| {
            move |r: s3aas_core::Result<Bucket>| {
                expect_kind(r, ErrorKind::Unsupported, what).map(drop)
            }
        };
        if !c.bucket_object_lock.at_creation() {
            unsupported("bucket_object_lock")(
                p.create_bucket(&id, CreateBucket::new(&b).object_lock(true))
                    .await,
            )?;
            checked += 1;
        }
        if !c.bucket_encryption.at_creation() {
            unsupported("bucket_encryption")(
                p.create_bucket(&id, CreateBucket::new(&b).encryption(Encryption::Aes256))
                    .await,
            )?;
            checked += 1;
        }
        if !c.bucket_versioning.at_creation() {
            unsupported("bucket_versioning")(
                p.create_bucket(&id, CreateBucket::new(&b).versioning(true))
                    .await,
            )?;
            checked += 1;
        }
        if !c.bucket_quota.at_creation() {
            unsupported("bucket_quota")(
                p.create_bucket(&id, CreateBucket::new(&b).quota(Quota::hard(1 << 30)))
                    .await,
            )?;
            checked += 1;
        }
        if !c.bucket_quota_notification.at_creation() && c.bucket_quota.at_creation() {
            unsupported("bucket_quota_notification")(
                p.create_bucket(
                    &id,
                    CreateBucket::new(&b).quota(Quota::hard(2 << 30).with_notification(1 << 30)),
                )
                .await,
            )?;
            checked += 1;
        }
        if !c.bucket_tags.at_creation() {
            unsupported("bucket_tags")(
                p.create_bucket(&id, CreateBucket::new(&b).tag("a", "b"))
                    .await,
            )?;
            checked += 1;
        }
        if !c.bucket_owner {
            unsupported("bucket_owner")(
                p.create_bucket(&id, CreateBucket::new(&b).owner("someone"))
                    .await,
            )?;
            checked += 1;
        }
        if !c.instance_mfa_delete.at_creation() {
            expect_kind(
                p.create_instance(
                    CreateInstance::new(ctx.name("i"))
                        .versioning(true)
                        .mfa_delete(true),
                )
                .await,
                ErrorKind::Unsupported,
                "instance_mfa_delete",
            )?;
            checked += 1;
        }
        if !c.instance_mfa_delete.in_update() {
            expect_kind(
                p.update_instance(&id, UpdateInstance::new().mfa_delete(true))
                    .await,
                ErrorKind::Unsupported,
                "instance_mfa_delete update",
            )?;
            checked += 1;
        }
        if !c.policies {
            expect_kind(
                p.put_policy(
                    &id,
                    PutPolicy::new("p1", PolicyDocument::bucket_read_only("x1")),
                )
                .await,
                ErrorKind::Unsupported,
                "policies",
            )?;
            expect_kind(
                p.list_policies(&id, ListOptions::new()).await,
                ErrorKind::Unsupported,
                "policies list",
            )?;
            checked += 1;
        }
        let user = ctx.name("u");
        p.create_user(&id, CreateUser::new(&user)).await?;
        if !c.policy_attach {
            expect_kind(
                p.attach_policy(&id, &user, "p1").await,
                ErrorKind::Unsupported,
                "policy_attach",
            )?;
            expect_kind(
                p.list_attached_policies(&id, &user).await,
                ErrorKind::Unsupported,
                "policy_attach list",
            )?;
            checked += 1;
        }
        if !c.user_disable {
            expect_kind(
                p.set_user_enabled(&id, &user, false).await,
                ErrorKind::Unsupported,
                "user_disable",
            )?;
            checked += 1;
        }
        if !c.user_tags {
            expect_kind(
                p.create_user(&id, CreateUser::new(ctx.name("u")).tag("a", "b"))
                    .await,
                ErrorKind::Unsupported,
                "user_tags",
            )?;
            checked += 1;
        }
        let key_checks: [(bool, &str, CreateAccessKey); 4] = [
            (
                c.access_key_name,
                "access_key_name",
                CreateAccessKey::new().name("k1"),
            ),
            (
                c.access_key_description,
                "access_key_description",
                CreateAccessKey::new().description("d"),
            ),
            (
                c.access_key_expiry,
                "access_key_expiry",
                CreateAccessKey::new()
                    .expiration(OffsetDateTime::now_utc() + time::Duration::days(1)),
            ),
            (
                c.access_key_session_policy,
                "access_key_session_policy",
                CreateAccessKey::new().session_policy(PolicyDocument::bucket_read_only("x1")),
            ),
        ];
        for (supported, what, req) in key_checks {
            if !supported {
                expect_kind(
                    p.create_access_key(&id, &user, req).await,
                    ErrorKind::Unsupported,
                    what,
                )?;
                checked += 1;
            }
        }
        if !c.access_key_disable {
            expect_kind(
                p.set_access_key_enabled(&id, &user, "ANYKEY0001", false)
                    .await,
                ErrorKind::Unsupported,
                "access_key_disable",
            )?;
            checked += 1;
        }
        if !c.access_key_rotation_grace {
            expect_kind(
                p.rotate_access_key(
                    &id,
                    &user,
                    "ANYKEY0001",
                    RotateAccessKey::new().grace(Duration::from_secs(3600)),
                )
                .await,
                ErrorKind::Unsupported,
                "access_key_rotation_grace",
            )?;
            checked += 1;
        }
        if !c.bucket_usage {
            expect_kind(
                p.bucket_usage(&id, &b).await,
                ErrorKind::Unsupported,
                "bucket_usage",
            )?;
            checked += 1;
        }
        expect_kind(
            p.get_bucket(&id, &b).await,
            ErrorKind::NotFound,
            "no bucket made by a refused call",
        )?;
        let _ = checked;
        Ok(())
    })
    .await
}
