//! Conformance cases about users.

use super::*;

pub(super) async fn user_lifecycle(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn user_already_exists_and_missing(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn user_invalid_input(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn user_paging(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn user_enable_disable(ctx: &Ctx) -> CaseResult {
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
