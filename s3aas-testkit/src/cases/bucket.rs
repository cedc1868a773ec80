//! Conformance cases about buckets.

use super::*;

pub(super) async fn bucket_lifecycle(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn bucket_already_exists_and_missing(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn bucket_invalid_input(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn bucket_paging(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn bucket_versioning(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn bucket_encryption(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn bucket_object_lock(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn bucket_quota(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn bucket_policy(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn bucket_tags(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn bucket_create_with_everything(ctx: &Ctx) -> CaseResult {
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
        // A partial read reports each part asked for as the whole read does (a setting the
        // backend cannot report stays unknown in both).
        for parts in [
            BucketParts::all(),
            BucketParts::none().versioning().tags(),
            BucketParts::none().quota().policy(),
            BucketParts::none().encryption().object_lock(),
        ] {
            let part = p.get_bucket_parts(&id, &name, parts).await?;
            let same = |asked: bool, a: &dyn std::fmt::Debug, w: &dyn std::fmt::Debug| {
                !asked || format!("{a:?}") == format!("{w:?}")
            };
            check(
                same(parts.versioning, &part.versioning, &b.versioning)
                    && same(parts.encryption, &part.encryption, &b.encryption)
                    && same(parts.object_lock, &part.object_lock, &b.object_lock)
                    && same(parts.quota, &part.quota, &b.quota)
                    && same(parts.policy, &part.policy, &b.policy)
                    && same(parts.tags, &part.tags, &b.tags),
                format!("{parts:?}: {part:?} agrees with get_bucket {b:?}"),
            )?;
        }
        expect_kind(
            p.get_bucket_parts(&id, &ctx.name("nb"), BucketParts::all())
                .await,
            ErrorKind::NotFound,
            "partial read of a missing bucket",
        )?;
        Ok(())
    })
    .await
}

pub(super) async fn bucket_delete_non_empty(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn bucket_usage(ctx: &Ctx) -> CaseResult {
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
