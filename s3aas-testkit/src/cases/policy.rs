//! Conformance cases about named policies and attachments.

use super::*;

pub(super) async fn policy_lifecycle(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn policy_invalid_input(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn policy_attach_detach(ctx: &Ctx) -> CaseResult {
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

pub(super) async fn policy_helpers_accepted(ctx: &Ctx) -> CaseResult {
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
