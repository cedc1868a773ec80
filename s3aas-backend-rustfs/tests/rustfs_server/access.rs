//! Proofs through S3 with the issued keys: revocation, policy changes, isolation, anonymous access, readability.

use crate::*;

pub(crate) async fn detach_revokes(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            let (_, s3) = tenant(&p, &inst, "dora", &b).await?;
            let put = || async { s3.put_object(&b, "k", "v".into(), &[]).await.map(drop) };
            eventually("attached policy", true, put).await?;
            p.detach_policy(&inst, "dora", "dora-rw")
                .await
                .map_err(|e| e.to_string())?;
            eventually("after detaching the only policy", false, put).await?;
            eventually("reading after detaching", false, || async {
                s3.get_object(&b, "k", None).await.map(drop)
            })
            .await?;
            p.attach_policy(&inst, "dora", "dora-rw")
                .await
                .map_err(|e| e.to_string())?;
            eventually("re-attached policy", true, put).await?;
            p.admin_s3()
                .empty_bucket(&b)
                .await
                .map_err(|e| e.to_string())
        },
    )
    .await
}

pub(crate) async fn policy_change_takes_effect(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            p.admin_s3()
                .put_object(&b, "seed", "s".into(), &[])
                .await
                .map_err(|e| e.to_string())?;
            p.create_user(&inst, CreateUser::new("erin"))
                .await
                .map_err(|e| e.to_string())?;
            p.put_policy(
                &inst,
                PutPolicy::new("erin-p", PolicyDocument::bucket_read_only(&b)),
            )
            .await
            .map_err(|e| e.to_string())?;
            p.attach_policy(&inst, "erin", "erin-p")
                .await
                .map_err(|e| e.to_string())?;
            let k = p
                .create_access_key(&inst, "erin", CreateAccessKey::new())
                .await
                .map_err(|e| e.to_string())?;
            let s3 = p.s3_client_for(&k.key.access_key_id, k.secret_access_key.clone());
            let get = || async { s3.get_object(&b, "seed", None).await.map(drop) };
            let put = || async { s3.put_object(&b, "new", "n".into(), &[]).await.map(drop) };
            let del = || async { s3.delete_object(&b, "seed", None).await };
            eventually("read-only: get", true, get).await?;
            eventually("read-only: put", false, put).await?;
            eventually("read-only: delete", false, del).await?;
            p.put_policy(
                &inst,
                PutPolicy::new("erin-p", PolicyDocument::bucket_read_write(&b)),
            )
            .await
            .map_err(|e| e.to_string())?;
            eventually("read-write: put", true, put).await?;
            eventually("read-write: delete", true, del).await?;
            p.admin_s3()
                .empty_bucket(&b)
                .await
                .map_err(|e| e.to_string())
        },
    )
    .await
}

pub(crate) async fn user_delete_revokes_keys(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            let (_, s3a) = tenant(&p, &inst, "finn", &b).await?;
            let k2 = p
                .create_access_key(&inst, "finn", CreateAccessKey::new().name("second"))
                .await
                .map_err(|e| e.to_string())?;
            let s3b = p.s3_client_for(&k2.key.access_key_id, k2.secret_access_key.clone());
            for (what, s3) in [("first key", &s3a), ("second key", &s3b)] {
                eventually(what, true, || async {
                    s3.put_object(&b, "k", "v".into(), &[]).await.map(drop)
                })
                .await?;
            }
            p.delete_user(&inst, "finn")
                .await
                .map_err(|e| e.to_string())?;
            for (what, s3) in [
                ("first key of a deleted user", &s3a),
                ("second key of a deleted user", &s3b),
            ] {
                eventually(what, false, || async {
                    s3.get_object(&b, "k", None).await.map(drop)
                })
                .await?;
            }
            p.admin_s3()
                .empty_bucket(&b)
                .await
                .map_err(|e| e.to_string())
        },
    )
    .await
}

/// Two users, each with two policies (read-write on one bucket, read-only on another), are
/// refused on every bucket of the other.
pub(crate) async fn two_users_two_policies(p: Arc<RustfsProvider>, inst: String) -> R {
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst),
        |p, inst| async move {
            let mut clients = Vec::new();
            for u in ["gus", "hal"] {
                let (rw, ro) = (format!("{inst}-{u}-rw"), format!("{inst}-{u}-ro"));
                for b in [&rw, &ro] {
                    p.create_bucket(&inst, CreateBucket::new(b))
                        .await
                        .map_err(|e| e.to_string())?;
                }
                p.admin_s3()
                    .put_object(&ro, "r", "r".into(), &[])
                    .await
                    .map_err(|e| e.to_string())?;
                p.create_user(&inst, CreateUser::new(u))
                    .await
                    .map_err(|e| e.to_string())?;
                for (name, doc) in [
                    (format!("{u}-rw"), PolicyDocument::bucket_read_write(&rw)),
                    (format!("{u}-ro"), PolicyDocument::bucket_read_only(&ro)),
                ] {
                    p.put_policy(&inst, PutPolicy::new(&name, doc))
                        .await
                        .map_err(|e| e.to_string())?;
                    p.attach_policy(&inst, u, &name)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                let k = p
                    .create_access_key(&inst, u, CreateAccessKey::new())
                    .await
                    .map_err(|e| e.to_string())?;
                clients.push((
                    u,
                    rw,
                    ro,
                    p.s3_client_for(&k.key.access_key_id, k.secret_access_key.clone()),
                ));
            }
            for (u, rw, ro, s3) in &clients {
                eventually(&format!("{u} writes its rw bucket"), true, || async {
                    s3.put_object(rw, "k", "v".into(), &[]).await.map(drop)
                })
                .await?;
                eventually(&format!("{u} reads its ro bucket"), true, || async {
                    s3.get_object(ro, "r", None).await.map(drop)
                })
                .await?;
                eventually(
                    &format!("{u} cannot write its ro bucket"),
                    false,
                    || async { s3.put_object(ro, "k", "v".into(), &[]).await.map(drop) },
                )
                .await?;
            }
            for (i, (u, _, _, s3)) in clients.iter().enumerate() {
                let (other, orw, oro, _) = &clients[1 - i];
                for b in [orw, oro] {
                    eventually(&format!("{u} writing {other}'s {b}"), false, || async {
                        s3.put_object(b, "x", "x".into(), &[]).await.map(drop)
                    })
                    .await?;
                    eventually(&format!("{u} listing {other}'s {b}"), false, || async {
                        s3.list_objects(b, "", None, 10).await.map(drop)
                    })
                    .await?;
                }
                eventually(&format!("{u} reading {other}'s object"), false, || async {
                    s3.get_object(oro, "r", None).await.map(drop)
                })
                .await?;
            }
            Ok(())
        },
    )
    .await
}

/// An unsigned GET, as a browser or `curl` would send it.
pub(crate) async fn anonymous_get(endpoint: &str, bucket: &str, key: &str) -> Result<bytes::Bytes> {
    let http = s3aas_http::HttpClient::new("rustfs", s3aas_http::HttpConfig::new())?;
    let url = url::Url::parse(&format!("{endpoint}/{bucket}/{key}")).expect("URL");
    let resp = http
        .execute(
            "anonymous_get",
            s3aas_http::Idempotency::Idempotent,
            None,
            || Ok(s3aas_http::Request::new(http::Method::GET, url.clone())),
        )
        .await?;
    if resp.is_success() {
        Ok(resp.body)
    } else {
        Err(s3aas_http::s3::s3_error("rustfs", "anonymous_get", &resp))
    }
}

pub(crate) async fn anonymous_get_is(
    endpoint: &str,
    bucket: &str,
    key: &str,
    want: Option<&[u8]>,
) -> R {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < EVENTUALLY {
        match (anonymous_get(endpoint, bucket, key).await, want) {
            (Ok(body), Some(w)) if &body[..] == w => return Ok(()),
            (Err(e), None) if e.kind() == ErrorKind::PermissionDenied => return Ok(()),
            (r, _) => last = format!("{r:?}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!(
        "anonymous GET {bucket}/{key}: expected {}, last {last}",
        if want.is_some() {
            "the object"
        } else {
            "AccessDenied"
        }
    ))
}

pub(crate) async fn anonymous_access(p: Arc<RustfsProvider>, inst: String) -> R {
    let public = format!("{inst}-pub");
    let private = format!("{inst}-priv");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst),
        |p, inst| async move {
            p.create_bucket(
                &inst,
                CreateBucket::new(&public).policy(PolicyDocument::bucket_public_read(&public)),
            )
            .await
            .map_err(|e| e.to_string())?;
            p.create_bucket(&inst, CreateBucket::new(&private))
                .await
                .map_err(|e| e.to_string())?;
            for b in [&public, &private] {
                p.admin_s3()
                    .put_object(b, "hello.txt", "hello world".into(), &[])
                    .await
                    .map_err(|e| e.to_string())?;
            }
            let endpoint = p
                .admin_s3()
                .endpoint()
                .as_str()
                .trim_end_matches('/')
                .to_string();
            anonymous_get_is(&endpoint, &public, "hello.txt", Some(b"hello world")).await?;
            anonymous_get_is(&endpoint, &private, "hello.txt", None).await?;
            for b in [&public, &private] {
                p.admin_s3()
                    .empty_bucket(b)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok(())
        },
    )
    .await
}

/// Quota and public-access changes never make existing objects unreadable (for the tenant, the
/// admin and, while public, anyone).
pub(crate) async fn changes_keep_objects_readable(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            let (_, s3) = tenant(&p, &inst, "ivy", &b).await?;
            for i in 0..3 {
                p.admin_s3()
                    .put_object(&b, &format!("obj{i}"), format!("content {i}").into(), &[])
                    .await
                    .map_err(|e| e.to_string())?;
            }
            let endpoint = p
                .admin_s3()
                .endpoint()
                .as_str()
                .trim_end_matches('/')
                .to_string();
            let readable = |step: &'static str| {
                let (p, s3, b) = (p.clone(), s3.clone(), b.clone());
                async move {
                    for i in 0..3 {
                        let key = format!("obj{i}");
                        let want = format!("content {i}");
                        let got = p
                            .admin_s3()
                            .get_object(&b, &key, None)
                            .await
                            .map_err(|e| format!("{step}: admin read: {e}"))?;
                        ensure(
                            got.body == want.as_bytes(),
                            format!("{step}: admin read {key}"),
                        )?;
                        eventually(&format!("{step}: tenant reads {key}"), true, || async {
                            let got = s3.get_object(&b, &key, None).await?;
                            if got.body == want.as_bytes() {
                                Ok(())
                            } else {
                                Err(s3aas_core::Error::new(ErrorKind::Backend, "wrong content"))
                            }
                        })
                        .await?;
                    }
                    Ok::<(), String>(())
                }
            };
            readable("before any change").await?;
            for (step, req, want) in [
                (
                    "quota set",
                    UpdateBucket::new().quota(Quota::hard(10 << 20)),
                    Some(Quota::hard(10 << 20)),
                ),
                (
                    "quota raised",
                    UpdateBucket::new().quota(Quota::hard(20 << 20)),
                    Some(Quota::hard(20 << 20)),
                ),
                ("quota removed", UpdateBucket::new().clear_quota(), None),
            ] {
                let bucket = p
                    .update_bucket(&inst, &b, req)
                    .await
                    .map_err(|e| format!("{step}: {e}"))?;
                ensure(
                    bucket.quota == Some(want),
                    format!("{step}: reported {:?}", bucket.quota),
                )?;
                readable(step).await?;
            }
            p.update_bucket(
                &inst,
                &b,
                UpdateBucket::new().policy(PolicyDocument::bucket_public_read(&b)),
            )
            .await
            .map_err(|e| format!("made public: {e}"))?;
            readable("made public").await?;
            anonymous_get_is(&endpoint, &b, "obj1", Some(b"content 1")).await?;
            p.update_bucket(&inst, &b, UpdateBucket::new().clear_policy())
                .await
                .map_err(|e| format!("made private: {e}"))?;
            readable("made private again").await?;
            anonymous_get_is(&endpoint, &b, "obj1", None).await?;
            p.admin_s3()
                .empty_bucket(&b)
                .await
                .map_err(|e| e.to_string())
        },
    )
    .await
}
