//! Proofs of the bucket features on SeaweedFS: lifecycle rules are kept, CORS rules answer
//! preflights, a default retention locks new objects, canned access levels decide anonymous
//! listing, and SeaweedFS's `?replication` is no replication API at all.

use crate::*;
use s3aas_http::{HttpClient, HttpConfig, Idempotency, Request, Response, SigV4Signer};
use time::OffsetDateTime;

/// One request on the gateway, signed with `key` (id and secret), or with the admin key when
/// `admin`, or anonymous.
async fn raw(
    method: http::Method,
    path_and_query: &str,
    headers: &[(&'static str, &str)],
    body: &[u8],
    signer: Option<SigV4Signer>,
) -> std::result::Result<Response, String> {
    let conn = SERVER.get().expect("main sets it");
    let http = HttpClient::new("seaweedfs", HttpConfig::default()).map_err(s)?;
    let url = url::Url::parse(&format!("{}{path_and_query}", conn.endpoint)).map_err(s)?;
    http.execute("raw", Idempotency::Idempotent, signer.as_ref(), || {
        let mut r = Request::new(method.clone(), url.clone()).body(body.to_vec());
        for &(k, v) in headers {
            r = r.header(k, v);
        }
        Ok(r)
    })
    .await
    .map_err(s)
}

fn admin_signer() -> SigV4Signer {
    let conn = SERVER.get().expect("main sets it");
    SigV4Signer::new(
        &conn.access_key,
        SecretString::from(conn.secret_key.clone()),
        "us-east-1",
    )
}

fn signer_of(k: &NewAccessKey) -> SigV4Signer {
    SigV4Signer::new(
        &k.key.access_key_id,
        k.secret_access_key.clone(),
        "us-east-1",
    )
}

fn refused(r: s3aas_core::Result<()>, kind: ErrorKind, what: &str) -> R {
    match r {
        Err(e) if e.kind() == kind => Ok(()),
        r => Err(format!("{what}: want {kind:?}, got {r:?}")),
    }
}

/// Lifecycle rules (expiry with a prefix, tag filter, noncurrent expiry, multipart abort)
/// set through the SDK are what SeaweedFS answers to `GET ?lifecycle` afterwards, an update
/// replaces them and an empty list removes them (`404 NoSuchLifecycleConfiguration`, read as
/// none). SeaweedFS keeps the XML in the bucket's filer entry; applying it is the job of its
/// lifecycle worker, which `weed mini` does not run, so expiry is not proved here.
pub(crate) async fn lifecycle_kept(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-lc");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst),
        |p, inst| async move {
            let mut rules = vec![
                LifecycleRule::new("logs")
                    .prefix("logs/")
                    .expire_after_days(30),
                LifecycleRule::new("old-versions").expire_noncurrent_after_days(7),
                LifecycleRule::new("uploads").abort_incomplete_multipart_after_days(2),
                LifecycleRule::new("tmp")
                    .prefix("tmp/")
                    .tag("kind", "tmp")
                    .enabled(false)
                    .expire_after_days(1),
            ];
            let mut req = CreateBucket::new(&b).versioning(true);
            for r in &rules {
                req = req.lifecycle_rule(r.clone());
            }
            p.create_bucket(&inst, req).await.map_err(s)?;
            let raw_rules = p.admin_s3().get_lifecycle(&b).await.map_err(s)?;
            ensure(raw_rules == rules, format!("server holds {raw_rules:?}"))?;
            // boto3, an independent client, reads the same rules.
            let conn = SERVER.get().expect("main sets it");
            let seen = boto3(conn, "features", &[&b]);
            let ids: Vec<&str> = seen["lifecycle"]
                .as_array()
                .map(|a| a.iter().filter_map(|r| r["ID"].as_str()).collect())
                .unwrap_or_default();
            let tmp = &seen["lifecycle"][3];
            ensure(
                ids == ["logs", "old-versions", "uploads", "tmp"]
                    && seen["lifecycle"][0]["Expiration"]["Days"] == 30
                    && seen["lifecycle"][0]["Filter"]["Prefix"] == "logs/"
                    && seen["lifecycle"][1]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 7
                    && seen["lifecycle"][2]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
                        == 2
                    && tmp["Status"] == "Disabled"
                    && tmp["Filter"]["And"]["Prefix"] == "tmp/"
                    && tmp["Filter"]["And"]["Tags"][0]["Key"] == "kind",
                format!("boto3 reads {}", seen["lifecycle"]),
            )?;
            rules.truncate(1);
            let got = p
                .update_bucket(&inst, &b, UpdateBucket::new().lifecycle(rules.clone()))
                .await
                .map_err(s)?;
            ensure(
                got.lifecycle.as_ref() == Some(&rules),
                format!("after update {:?}", got.lifecycle),
            )?;
            let got = p
                .update_bucket(&inst, &b, UpdateBucket::new().lifecycle(Vec::new()))
                .await
                .map_err(s)?;
            ensure(
                got.lifecycle == Some(Vec::new()),
                format!("after removal {:?}", got.lifecycle),
            )
        },
    )
    .await
}

/// An anonymous preflight of an object: status, `Access-Control-Allow-Origin`,
/// `Access-Control-Allow-Methods`.
async fn preflight(
    bucket: &str,
    origin: &str,
    method: &str,
) -> std::result::Result<(u16, Option<String>, Option<String>), String> {
    let r = raw(
        http::Method::OPTIONS,
        &format!("/{bucket}/k"),
        &[
            ("origin", origin),
            ("access-control-request-method", method),
        ],
        b"",
        None,
    )
    .await?;
    let h = |n: &str| r.header(n).map(str::to_string);
    Ok((
        r.status,
        h("access-control-allow-origin"),
        h("access-control-allow-methods"),
    ))
}

/// CORS rules set through the SDK read back equal and SeaweedFS answers preflights by their
/// origins: the allowed origin gets `200` with its methods, another origin `403`. A method the
/// rule does not allow still gets `200` with the origin but no `Access-Control-Allow-Methods`
/// (so a browser refuses it). Without any CORS configuration SeaweedFS answers every
/// preflight permissively (any origin, every method), as after the rules are removed.
pub(crate) async fn cors_preflights(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-web");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst),
        |p, inst| async move {
            let rule = CorsRule::new(["https://app.example"], ["GET", "PUT"])
                .id("app")
                .expose_header("ETag")
                .max_age_seconds(600);
            let got = p
                .create_bucket(&inst, CreateBucket::new(&b).cors_rule(rule.clone()))
                .await
                .map_err(s)?;
            ensure(
                got.cors.as_deref() == Some(std::slice::from_ref(&rule)),
                format!("read back {:?}", got.cors),
            )?;
            let seen = boto3(SERVER.get().expect("main sets it"), "features", &[&b]);
            let c = &seen["cors"][0];
            ensure(
                c["ID"] == "app"
                    && c["AllowedOrigins"] == serde_json::json!(["https://app.example"])
                    && c["AllowedMethods"] == serde_json::json!(["GET", "PUT"])
                    && c["ExposeHeaders"] == serde_json::json!(["ETag"])
                    && c["MaxAgeSeconds"] == 600,
                format!("boto3 reads {}", seen["cors"]),
            )?;
            let app = Some("https://app.example".to_string());
            let ok = preflight(&b, "https://app.example", "PUT").await?;
            ensure(
                ok == (200, app.clone(), Some("GET, PUT".into())),
                format!("allowed origin: {ok:?}"),
            )?;
            let other = preflight(&b, "https://evil.example", "GET").await?;
            ensure(other.0 == 403, format!("other origin: {other:?}"))?;
            let method = preflight(&b, "https://app.example", "DELETE").await?;
            ensure(
                method == (200, app, None),
                format!("a method the rule does not allow: {method:?}"),
            )?;
            p.update_bucket(&inst, &b, UpdateBucket::new().cors(Vec::new()))
                .await
                .map_err(s)?;
            ensure(
                p.get_bucket(&inst, &b).await.map_err(s)?.cors == Some(Vec::new()),
                "removed rules still read back",
            )?;
            let open = preflight(&b, "https://evil.example", "DELETE").await?;
            ensure(
                open.0 == 200 && open.1.as_deref() == Some("https://evil.example"),
                format!("without rules SeaweedFS answers permissively, got {open:?}"),
            )
        },
    )
    .await
}

/// A default retention set through the SDK applies to objects written after it with the
/// tenant's issued key: the object carries the mode and a retain-until date a day ahead, and
/// deleting its version is refused while a version written before the retention is deleted.
/// Clearing the retention frees new objects only. A forced bucket delete is refused while a
/// version is locked (SeaweedFS enforces the lock on the SDK's deletes too); the locked
/// version goes with `x-amz-bypass-governance-retention`.
pub(crate) async fn retention_locks_new_objects(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-vault");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst),
        |p, inst| async move {
            p.create_bucket(&inst, CreateBucket::new(&b).object_lock(true))
                .await
                .map_err(s)?;
            let (k, s3) = tenant(&p, &inst, "ops", &b).await?;
            let put = |key: &'static str| {
                let (s3, b) = (s3.clone(), b.clone());
                async move { s3.put_object(&b, key, key.into(), &[]).await.map_err(s) }
            };
            eventually("the key writes", true, || async {
                s3.put_object(&b, "probe", "x".into(), &[]).await.map(drop)
            })
            .await?;
            let before = put("before").await?;
            let r = DefaultRetention::days(RetentionMode::Governance, 1);
            let got = p
                .update_bucket(&inst, &b, UpdateBucket::new().retention(r))
                .await
                .map_err(s)?;
            ensure(
                got.retention == Some(Some(r)) && got.object_lock == Some(true),
                format!("read back {:?} / {:?}", got.retention, got.object_lock),
            )?;
            let seen = boto3(SERVER.get().expect("main sets it"), "features", &[&b]);
            let lock = &seen["object_lock"];
            ensure(
                lock["ObjectLockEnabled"] == "Enabled"
                    && lock["Rule"]["DefaultRetention"]
                        == serde_json::json!({"Mode": "GOVERNANCE", "Days": 1}),
                format!("boto3 reads {lock}"),
            )?;
            let after = put("after").await?;
            let head = raw(
                http::Method::HEAD,
                &format!("/{b}/after"),
                &[],
                b"",
                Some(signer_of(&k)),
            )
            .await?;
            let mode = head.header("x-amz-object-lock-mode").map(str::to_string);
            let until = head
                .header("x-amz-object-lock-retain-until-date")
                .and_then(|d| {
                    OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok()
                });
            let ahead = until.map(|u| u - OffsetDateTime::now_utc());
            ensure(
                mode.as_deref() == Some("GOVERNANCE")
                    && ahead.is_some_and(|a| {
                        a > time::Duration::hours(23) && a <= time::Duration::hours(25)
                    }),
                format!("the new object carries {mode:?} until {until:?}"),
            )?;
            let v = after.version_id.clone().ok_or("no version id")?;
            refused(
                s3.delete_object(&b, "after", Some(&v)).await,
                ErrorKind::PermissionDenied,
                "deleting the locked version",
            )?;
            s3.delete_object(&b, "before", before.version_id.as_deref())
                .await
                .map_err(|e| format!("deleting a version written before the retention: {e}"))?;
            p.update_bucket(&inst, &b, UpdateBucket::new().clear_retention())
                .await
                .map_err(s)?;
            let later = put("later").await?;
            s3.delete_object(&b, "later", later.version_id.as_deref())
                .await
                .map_err(|e| format!("deleting a version written after clearing: {e}"))?;
            refused(
                s3.delete_object(&b, "after", Some(&v)).await,
                ErrorKind::PermissionDenied,
                "the locked version stays locked",
            )?;
            refused(
                p.delete_bucket(&inst, &b, DeleteBucket::new().force(true))
                    .await,
                ErrorKind::PermissionDenied,
                "a forced delete of a bucket holding a locked version",
            )?;
            let bypass = raw(
                http::Method::DELETE,
                &format!("/{b}/after?versionId={v}"),
                &[("x-amz-bypass-governance-retention", "true")],
                b"",
                Some(admin_signer()),
            )
            .await?;
            ensure(
                bypass.status == 204 || bypass.status == 200,
                format!("bypassing governance: HTTP {}", bypass.status),
            )
        },
    )
    .await
}

/// `PublicReadList` lets an anonymous client list the bucket (ListObjectsV2) and read an
/// object; `PublicRead` lets it read but refuses the listing; `Private` refuses both:
/// SeaweedFS enforces bucket policies for unsigned requests.
pub(crate) async fn access_levels_anonymous(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-pub");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst),
        |p, inst| async move {
            p.create_bucket(
                &inst,
                CreateBucket::new(&b).access(BucketAccess::PublicReadList),
            )
            .await
            .map_err(s)?;
            p.admin_s3()
                .put_object(&b, "hello", "hi".into(), &[])
                .await
                .map_err(s)?;
            for (level, want) in [
                (BucketAccess::PublicReadList, (200, 200)),
                (BucketAccess::PublicRead, (403, 200)),
                (BucketAccess::Private, (403, 403)),
            ] {
                let got = p
                    .update_bucket(&inst, &b, UpdateBucket::new().access(&b, level))
                    .await
                    .map_err(s)?;
                ensure(
                    got.access() == Some(level),
                    format!("{level:?} reads back as {:?}", got.access()),
                )?;
                let mut last = (0, 0);
                for _ in 0..50 {
                    let list = raw(
                        http::Method::GET,
                        &format!("/{b}?list-type=2"),
                        &[],
                        b"",
                        None,
                    )
                    .await?;
                    let get =
                        raw(http::Method::GET, &format!("/{b}/hello"), &[], b"", None).await?;
                    last = (list.status, get.status);
                    if last == want {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                ensure(
                    last == want,
                    format!("{level:?}: anonymous (list, GET) = {last:?}, want {want:?}"),
                )?;
            }
            Ok(())
        },
    )
    .await
}

/// SeaweedFS 4.48 has no S3 replication API, and its `?replication` routes are dangerous:
/// `PUT /bucket?replication` is taken for a bucket create (`409 BucketAlreadyOwnedByYou`),
/// `GET` answers `404 ReplicationConfigurationNotFoundError`, and `DELETE ?replication`
/// deletes the bucket with its objects. So `bucket_replication` is unsupported and the SDK
/// never sends these (shown on a bucket made here outside any instance).
pub(crate) async fn replication_routes_are_not_replication(
    p: Arc<SeaweedfsProvider>,
    inst: String,
) -> R {
    let b = format!("{inst}-repl");
    let s3 = p.admin_s3().clone();
    s3.create_bucket(&b, false, None).await.map_err(s)?;
    let r = async {
        s3.put_versioning(&b, true).await.map_err(s)?;
        s3.put_object(&b, "k", "v".into(), &[]).await.map_err(s)?;
        let body = b"<ReplicationConfiguration><Role></Role><Rule><ID>r</ID><Priority>1</Priority>\
<Status>Enabled</Status><Filter/><DeleteMarkerReplication><Status>Disabled</Status>\
</DeleteMarkerReplication><Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination></Rule>\
</ReplicationConfiguration>";
        let sig = || Some(admin_signer());
        let put = raw(
            http::Method::PUT,
            &format!("/{b}?replication"),
            &[],
            body,
            sig(),
        )
        .await?;
        let get = raw(
            http::Method::GET,
            &format!("/{b}?replication"),
            &[],
            b"",
            sig(),
        )
        .await?;
        ensure(
            put.status == 409 && put.body_snippet(500).contains("BucketAlreadyOwnedByYou"),
            format!("PUT ?replication: {} {}", put.status, put.body_snippet(200)),
        )?;
        ensure(
            get.status == 404,
            format!("GET ?replication: {}", get.status),
        )?;
        let del = raw(
            http::Method::DELETE,
            &format!("/{b}?replication"),
            &[],
            b"",
            sig(),
        )
        .await?;
        ensure(
            del.status == 204 && !s3.bucket_exists(&b).await.map_err(s)?,
            format!(
                "DELETE ?replication answered {} and the bucket should be gone",
                del.status
            ),
        )
    }
    .await;
    // Whatever happened, the bucket goes.
    if s3.bucket_exists(&b).await.unwrap_or(false) {
        let _ = s3.empty_bucket(&b).await;
        let _ = s3.delete_bucket(&b, None).await;
    }
    r
}
