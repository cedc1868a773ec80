//! Proofs that what the SDK configures the server enforces (keys, versioning, encryption, lock, quota, rediscovery, provisioning).

use crate::*;

pub(crate) async fn key_scoped_by_policy(p: Arc<RustfsProvider>, inst: String) -> R {
    let b1 = format!("{inst}-allowed");
    let b2 = format!("{inst}-other");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b1),
        |p, inst| async move {
            p.create_bucket(&inst, CreateBucket::new(&b2))
                .await
                .map_err(|e| e.to_string())?;
            let (_, s3) = tenant(&p, &inst, "alice", &b1).await?;
            eventually("put in the allowed bucket", true, || async {
                s3.put_object(&b1, "hello.txt", "hi".into(), &[])
                    .await
                    .map(drop)
            })
            .await?;
            let got = s3
                .get_object(&b1, "hello.txt", None)
                .await
                .map_err(|e| e.to_string())?;
            ensure(&got.body[..] == b"hi", "read back what was written")?;
            let e = s3
                .put_object(&b2, "x.txt", "no".into(), &[])
                .await
                .expect_err("other bucket must be refused");
            ensure(
                e.kind() == ErrorKind::PermissionDenied && e.code() == Some("AccessDenied"),
                format!("AccessDenied on the other bucket, got {e}"),
            )?;
            p.admin_s3()
                .empty_bucket(&b1)
                .await
                .map_err(|e| e.to_string())
        },
    )
    .await
}

pub(crate) async fn disabled_key_and_user(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            let (k, s3) = tenant(&p, &inst, "bob", &b).await?;
            let put = || async { s3.put_object(&b, "k", "v".into(), &[]).await.map(drop) };
            eventually("fresh key", true, put).await?;
            p.set_access_key_enabled(&inst, "bob", &k.key.id, false)
                .await
                .map_err(|e| e.to_string())?;
            eventually("disabled key", false, put).await?;
            p.set_access_key_enabled(&inst, "bob", &k.key.id, true)
                .await
                .map_err(|e| e.to_string())?;
            eventually("re-enabled key", true, put).await?;
            p.set_user_enabled(&inst, "bob", false)
                .await
                .map_err(|e| e.to_string())?;
            eventually("key of a disabled user", false, put).await?;
            p.set_user_enabled(&inst, "bob", true)
                .await
                .map_err(|e| e.to_string())?;
            eventually("key of a re-enabled user", true, put).await?;
            p.admin_s3()
                .empty_bucket(&b)
                .await
                .map_err(|e| e.to_string())
        },
    )
    .await
}

pub(crate) async fn rotation(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            let (k, old_s3) = tenant(&p, &inst, "carol", &b).await?;
            let put = |s3: S3Client| {
                let b = b.clone();
                move || {
                    let s3 = s3.clone();
                    let b = b.clone();
                    async move { s3.put_object(&b, "k", "v".into(), &[]).await.map(drop) }
                }
            };
            eventually("old key before rotation", true, put(old_s3.clone())).await?;
            // Immediate rotation: the new key works, the old one stops.
            let r = p
                .rotate_access_key(&inst, "carol", &k.key.id, RotateAccessKey::new())
                .await
                .map_err(|e| e.to_string())?;
            let new_s3 = p.s3_client_for(&r.new.key.access_key_id, r.new.secret_access_key.clone());
            eventually("new key", true, put(new_s3.clone())).await?;
            eventually("old key after immediate rotation", false, put(old_s3)).await?;
            // Rotation with a grace period: both work, the old one carries the grace expiry.
            let r2 = p
                .rotate_access_key(
                    &inst,
                    "carol",
                    &r.new.key.id,
                    RotateAccessKey::new().grace(Duration::from_secs(3600)),
                )
                .await
                .map_err(|e| e.to_string())?;
            let OldKey::ExpiresAt(at) = r2.old else {
                return Err("grace rotation must keep the old key".into());
            };
            let newer =
                p.s3_client_for(&r2.new.key.access_key_id, r2.new.secret_access_key.clone());
            eventually("newest key", true, put(newer)).await?;
            eventually("old key during grace", true, put(new_s3.clone())).await?;
            let info = p
                .get_access_key(&inst, "carol", &r.new.key.id)
                .await
                .map_err(|e| e.to_string())?;
            ensure(
                info.expiration == Some(at),
                format!(
                    "old key expires at the end of the grace: {:?} vs {at}",
                    info.expiration
                ),
            )?;
            // The server enforces that expiry: bring it forward to a few seconds (15 min minimum is an
            // SDK rule, not the server's) and watch the old key stop.
            let soon = (time::OffsetDateTime::now_utc() + time::Duration::seconds(3))
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap();
            let body = serde_json::json!({"newExpiration": soon})
                .to_string()
                .into_bytes();
            let resp = p
                .admin_raw(
                    http::Method::POST,
                    "update-service-account",
                    &[("accessKey", &r.new.key.id)],
                    Some(body),
                )
                .await
                .map_err(|e| e.to_string())?;
            ensure(
                resp.is_success(),
                format!(
                    "shorten expiry: HTTP {} {}",
                    resp.status,
                    resp.body_snippet(200)
                ),
            )?;
            eventually("old key after its grace ended", false, put(new_s3)).await?;
            p.admin_s3()
                .empty_bucket(&b)
                .await
                .map_err(|e| e.to_string())
        },
    )
    .await
}

pub(crate) async fn versioning_keeps_versions(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-ver");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst)
            .default_bucket(&b)
            .versioning(true),
        |p, _inst| async move {
            let s3 = p.admin_s3();
            let v1 = s3
                .put_object(&b, "doc", "one".into(), &[])
                .await
                .map_err(|e| e.to_string())?;
            let v2 = s3
                .put_object(&b, "doc", "two".into(), &[])
                .await
                .map_err(|e| e.to_string())?;
            ensure(
                v1.version_id.is_some() && v1.version_id != v2.version_id,
                format!("distinct version ids: {v1:?} {v2:?}"),
            )?;
            let (versions, _) = s3
                .list_object_versions(&b, 100, None)
                .await
                .map_err(|e| e.to_string())?;
            ensure(
                versions.iter().filter(|v| v.key == "doc").count() == 2,
                format!("two versions kept: {versions:?}"),
            )?;
            let old = s3
                .get_object(&b, "doc", v1.version_id.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            ensure(
                &old.body[..] == b"one",
                "the first version is still readable",
            )?;
            s3.empty_bucket(&b).await.map_err(|e| e.to_string())
        },
    )
    .await
}

pub(crate) async fn default_encryption(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-enc");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst)
            .default_bucket(&b)
            .encryption(Encryption::Aes256),
        |p, inst| async move {
            let bucket = p.get_bucket(&inst, &b).await.map_err(|e| e.to_string())?;
            ensure(
                bucket.encryption == Some(Encryption::Aes256),
                "bucket reports SSE-S3",
            )?;
            let s3 = p.admin_s3();
            let put = s3
                .put_object(&b, "secret.txt", "classified".into(), &[])
                .await
                .map_err(|e| e.to_string())?;
            let got = s3
                .get_object(&b, "secret.txt", None)
                .await
                .map_err(|e| e.to_string())?;
            ensure(
                put.server_side_encryption.as_deref() == Some("AES256")
                    || got.server_side_encryption.as_deref() == Some("AES256"),
                format!(
                    "object written without SSE headers is encrypted: put {put:?}, get {:?}",
                    got.server_side_encryption
                ),
            )?;
            ensure(&got.body[..] == b"classified", "decrypts on read")?;
            s3.empty_bucket(&b).await.map_err(|e| e.to_string())
        },
    )
    .await
}

pub(crate) async fn object_lock(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-lock");
    with_instance(p, inst.clone(), CreateInstance::new(&inst), |p, inst| async move {
        let bucket = p.create_bucket(&inst, CreateBucket::new(&b).object_lock(true)).await.map_err(|e| e.to_string())?;
        ensure(bucket.object_lock == Some(true) && bucket.versioning == Some(Versioning::Enabled), format!("lock + versioning: {bucket:?}"))?;
        let s3 = p.admin_s3();
        let until = (time::OffsetDateTime::now_utc() + time::Duration::days(1)).format(&time::format_description::well_known::Rfc3339).unwrap();
        let put = s3
            .put_object(&b, "held", "x".into(), &[("x-amz-object-lock-mode", "GOVERNANCE"), ("x-amz-object-lock-retain-until-date", &until)])
            .await
            .map_err(|e| e.to_string())?;
        let vid = put.version_id.clone().ok_or("locked bucket returns a version id")?;
        let del = s3.delete_object(&b, "held", Some(&vid)).await;
        match del {
            Err(e) => {
                println!("rustfs: object lock enforced: deleting a locked version failed with {e}");
                ensure(matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::Conflict | ErrorKind::InvalidInput), format!("refusal kind: {e}"))?;
            }
            Ok(()) => println!("rustfs: NOTE object lock NOT enforced: a GOVERNANCE-locked version was deleted without bypass"),
        }
        let e = p.update_bucket(&inst, &b, UpdateBucket::new().versioning(false)).await.expect_err("suspend on a lock bucket");
        ensure(e.kind() == ErrorKind::Conflict, format!("suspending versioning on a lock bucket is a conflict: {e}"))
    })
    .await
}

pub(crate) async fn rediscovery(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    let req = CreateInstance::new(&inst)
        .default_bucket(&b)
        .versioning(true)
        .encryption(Encryption::Aes256)
        .label("tier", "gold");
    let created = p.create_instance(req).await.map_err(|e| e.to_string())?;
    let r: R = async {
        // A new provider shares nothing with the first: what it sees comes from the server alone.
        let fresh = fresh();
        let again = fresh.get_instance(&inst).await.map_err(|e| e.to_string())?;
        ensure(
            again.name == created.name
                && again.default_bucket == created.default_bucket
                && again.encryption == created.encryption
                && again.versioning == created.versioning
                && again.labels == created.labels
                && again.created == created.created,
            format!("same fields: {created:?} vs {again:?}"),
        )?;
        let listed = fresh
            .list_instances(ListOptions::new().prefix(inst.clone()))
            .await
            .map_err(|e| e.to_string())?;
        ensure(listed.items.iter().any(|i| i.name == inst), "listed")?;
        ensure(
            again.status == InstanceStatus::Active
                && !again.nodes.is_empty()
                && again.backend_version.is_some(),
            format!("status, nodes and version from the server: {again:?}"),
        )
    }
    .await;
    r.and(cleanup(&p, &inst).await)
}

pub(crate) async fn quota(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-q");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst),
        |p, inst| async move {
            let bucket = p
                .create_bucket(&inst, CreateBucket::new(&b).quota(Quota::hard(1 << 20)))
                .await
                .map_err(|e| e.to_string())?;
            ensure(
                bucket.quota == Some(Some(Quota::hard(1 << 20))),
                format!("quota reported: {:?}", bucket.quota),
            )?;
            let usage = p.bucket_usage(&inst, &b).await.map_err(|e| e.to_string())?;
            println!("rustfs: usage of a new bucket: {usage:?}");
            // Enforcement. RustFS 1.0.1 answers writes to a bucket whose quota was just set with
            // 503 "quota check temporarily unavailable" for about 5 s; then it meters them.
            let s3 = p.admin_s3();
            let started = std::time::Instant::now();
            loop {
                match s3.put_object(&b, "small", vec![0u8; 100].into(), &[]).await {
                    Ok(_) => break,
                    Err(e)
                        if e.kind() == ErrorKind::Unavailable
                            && started.elapsed() < Duration::from_secs(30) =>
                    {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    Err(e) => {
                        return Err(format!("writes never resumed after setting a quota: {e}"));
                    }
                }
            }
            println!(
                "rustfs: writes to a bucket with a new quota resumed after {:?}",
                started.elapsed()
            );
            s3.put_object(&b, "part1", vec![0u8; 600 << 10].into(), &[])
                .await
                .map_err(|e| format!("600 KiB under a 1 MiB quota: {e}"))?;
            let mut verdict = None;
            for _ in 0..10 {
                // Usage is metered asynchronously: retry until the second 600 KiB is refused.
                match s3
                    .put_object(&b, "part2", vec![0u8; 600 << 10].into(), &[])
                    .await
                {
                    Err(e) if e.kind() == ErrorKind::Conflict => {
                        verdict = Some(e);
                        break;
                    }
                    _ => tokio::time::sleep(Duration::from_millis(500)).await,
                }
            }
            let e = verdict
                .ok_or("the hard quota was not enforced: 1.2 MiB went into a 1 MiB bucket")?;
            println!("rustfs: hard quota enforced: {e}");
            s3.empty_bucket(&b).await.map_err(|e| e.to_string())
        },
    )
    .await
}

/// `provision_tenant` on the real server: the tenant's key can write and read its bucket and
/// nothing else, and re-running converges.
pub(crate) async fn provisioned_tenant(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    let spec = s3aas_core::TenantSpec::new(&inst, &b, "owner")
        .bucket(CreateBucket::new(&b).versioning(true));
    let t = s3aas_core::provision_tenant(p.as_ref(), &spec)
        .await
        .map_err(|e| e.to_string())?;
    let r: R = async {
        ensure(t.policy.is_some(), "RustFS attaches a named policy")?;
        let s3 = p.s3_client_for(
            &t.access_key.key.access_key_id,
            t.access_key.secret_access_key.clone(),
        );
        eventually("tenant key writes its bucket", true, || async {
            s3.put_object(&b, "hello.txt", "hi".into(), &[])
                .await
                .map(drop)
        })
        .await?;
        eventually("tenant key is denied elsewhere", false, || async {
            s3.list_buckets().await.and_then(|l| {
                if l.iter().any(|x| x != &b) {
                    Ok(())
                } else {
                    Err(s3aas_core::Error::new(
                        ErrorKind::PermissionDenied,
                        "only its own bucket is visible",
                    ))
                }
            })
        })
        .await?;
        let again = s3aas_core::provision_tenant(p.as_ref(), &spec)
            .await
            .map_err(|e| format!("re-run converges: {e}"))?;
        ensure(
            again.instance.id == t.instance.id,
            "same instance on re-run",
        )?;
        p.admin_s3()
            .empty_bucket(&b)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    let c = cleanup(&p, &inst).await;
    r.and(c)
}
