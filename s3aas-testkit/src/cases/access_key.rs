//! Conformance cases about access keys.

use super::*;

pub(super) async fn key_lifecycle(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn key_options(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn key_invalid_input(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn key_enable_disable(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn key_rotate(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn key_rotate_grace(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn key_limit(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn key_deleted_with_user(ctx: &Ctx) -> CaseResult {
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
