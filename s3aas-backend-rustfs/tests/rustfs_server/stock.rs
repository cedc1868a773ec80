//! Proofs on a stock server (no SSE-S3 master key, no KMS).

use crate::*;

/// On a stock server: encrypted instances, buckets and updates are refused as Unsupported,
/// naming the capability and the server setting, before anything is created or changed.
pub(crate) async fn stock_refuses_encryption(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-enc");
    let refused = |what: &str, r: Result<()>| -> R {
        let e = r.err().ok_or(format!("{what}: expected a refusal"))?;
        ensure(
            e.kind() == ErrorKind::Unsupported
                && e.http_status() == Some(400)
                && e.code() == Some("InvalidRequest")
                && e.message().contains("RUSTFS_SSE_S3_MASTER_KEY")
                && e.message().contains("capability `")
                && e.message().contains("nothing was created or changed"),
            format!("{what}: {e}"),
        )?;
        println!("rustfs-stock: {what} refused: {e}");
        Ok(())
    };
    refused(
        "encrypted instance",
        p.create_instance(
            CreateInstance::new(&inst)
                .default_bucket(&b)
                .encryption(Encryption::Aes256),
        )
        .await
        .map(drop),
    )?;
    match p.get_instance(&inst).await {
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        other => return Err(format!("the refused instance exists: {other:?}")),
    }
    ensure(
        !p.admin_s3()
            .bucket_exists(&b)
            .await
            .map_err(|e| e.to_string())?,
        "the refused instance's default bucket was made",
    )?;
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst),
        |p, inst| async move {
            refused(
                "encrypted bucket",
                p.create_bucket(&inst, CreateBucket::new(&b).encryption(Encryption::Aes256))
                    .await
                    .map(drop),
            )?;
            ensure(
                !p.admin_s3()
                    .bucket_exists(&b)
                    .await
                    .map_err(|e| e.to_string())?,
                "the refused bucket was made",
            )?;
            let plain = format!("{inst}-plain");
            p.create_bucket(&inst, CreateBucket::new(&plain))
                .await
                .map_err(|e| e.to_string())?;
            refused(
                "turning on bucket encryption",
                p.update_bucket(
                    &inst,
                    &plain,
                    UpdateBucket::new().encryption(Encryption::Aes256),
                )
                .await
                .map(drop),
            )?;
            let got = p
                .get_bucket(&inst, &plain)
                .await
                .map_err(|e| e.to_string())?;
            ensure(
                got.encryption == Some(Encryption::None),
                format!("encryption changed anyway: {got:?}"),
            )?;
            refused(
                "turning on instance encryption",
                p.update_instance(&inst, UpdateInstance::new().encryption(Encryption::Aes256))
                    .await
                    .map(drop),
            )?;
            let got = p.get_instance(&inst).await.map_err(|e| e.to_string())?;
            ensure(
                got.encryption == Encryption::None,
                format!("instance encryption changed anyway: {got:?}"),
            )
        },
    )
    .await
}

/// A stock server serves everything else: a plain instance with a user and key works.
pub(crate) async fn stock_plain_instance(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst)
            .default_bucket(&b)
            .versioning(true),
        |p, inst| async move {
            let (_, s3) = tenant(&p, &inst, "jo", &b).await?;
            eventually("tenant writes on a stock server", true, || async {
                s3.put_object(&b, "k", "v".into(), &[]).await.map(drop)
            })
            .await?;
            p.admin_s3()
                .empty_bucket(&b)
                .await
                .map_err(|e| e.to_string())
        },
    )
    .await
}
