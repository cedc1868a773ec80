//! Conformance cases about instances.

use super::*;

pub(super) async fn instance_lifecycle(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn instance_already_exists(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn instance_missing(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn instance_invalid_input(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn instance_paging(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn instance_update_versioning(ctx: &Ctx) -> CaseResult {
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
pub(super) async fn instance_versioning_reaches_new_buckets(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn instance_default_bucket(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn instance_delete_non_empty(ctx: &Ctx) -> CaseResult {
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
