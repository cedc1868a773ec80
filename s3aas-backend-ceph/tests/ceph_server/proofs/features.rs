//! Proofs of the bucket features on RGW: lifecycle rules expire objects, CORS rules answer
//! preflights, a default retention locks new objects, canned access levels decide anonymous
//! listing, RGW has no S3 replication API, and instance usage counts writes.

use super::*;
use s3aas_http::{HttpClient, HttpConfig, Idempotency, Request, Response, SigV4Signer};
use time::OffsetDateTime;

/// The cluster's `radosgw-admin` (set by `run_all`).
pub(super) static RADOSGW_ADMIN: std::sync::OnceLock<s3aas_fakes::ceph::RadosgwAdmin> =
    std::sync::OnceLock::new();

/// One request on the gateway, signed with `key` (id and secret) or anonymous (`None`).
async fn raw(
    method: http::Method,
    path_and_query: &str,
    headers: &[(&'static str, &str)],
    body: &[u8],
    key: Option<(&str, &SecretString)>,
) -> Result<Response, String> {
    let (server, _, _) = CROSS.get().expect("run_all sets it").clone();
    let http = HttpClient::new("ceph", HttpConfig::default()).map_err(err("http client"))?;
    let url = url::Url::parse(&format!("http://{server}{path_and_query}")).map_err(err("url"))?;
    let signer = key.map(|(id, secret)| SigV4Signer::new(id, secret.clone(), "us-east-1"));
    http.execute("raw", Idempotency::Idempotent, signer.as_ref(), || {
        let mut r = Request::new(method.clone(), url.clone()).body(body.to_vec());
        for &(k, v) in headers {
            r = r.header(k, v);
        }
        Ok(r)
    })
    .await
    .map_err(err("request"))
}

fn key_of(k: &NewAccessKey) -> (&str, &SecretString) {
    (&k.key.access_key_id, &k.secret_access_key)
}

/// A user of the instance with full S3 rights on `bucket` (its objects' retention and
/// configurations too) and a key.
async fn owner_user(
    p: &CephProvider,
    inst: &str,
    bucket: &str,
) -> Result<(NewAccessKey, S3Client), String> {
    let (k, s3) = user_with_key(p, inst, "ops").await?;
    let doc = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["s3:*"],
            "Resource":["arn:aws:s3:::{bucket}","arn:aws:s3:::{bucket}/*"]}}]}}"#
    ))
    .map_err(err("policy"))?;
    p.put_policy(inst, PutPolicy::new("all", doc))
        .await
        .map_err(err("put policy"))?;
    p.attach_policy(inst, "ops", "all")
        .await
        .map_err(err("attach"))?;
    eventually("the key works", || async {
        put(&s3, bucket, "probe", b"1".to_vec())
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    s3.delete_object(bucket, "probe", None)
        .await
        .map_err(err("delete probe"))?;
    Ok((k, s3))
}

/// Lifecycle rules set through the SDK read back equal, and RGW applies them: with
/// `rgw_lc_debug_interval=2` a lifecycle "day" is 2 s, and `radosgw-admin lc process` runs
/// the rules at once (Pacific's `lc process` ignores `--bucket` and processes every bucket
/// with rules: proofs run one at a time, so only this proof's bucket has any). The expiry
/// puts a delete marker on `logs/a` and not on `keep`, whose noncurrent version goes, and the
/// incomplete multipart upload is aborted; then the rules are removed.
pub(super) async fn lifecycle_applied(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(err("create instance"))?;
    p.create_bucket(&inst, CreateBucket::new("logs").versioning(true))
        .await
        .map_err(err("create bucket"))?;
    let (k, s3) = owner_user(&p, &inst, "logs").await?;
    // An upload left incomplete: a part goes in while it exists.
    let upload = s3
        .create_multipart_upload("logs", "big", &[])
        .await
        .map_err(err("create upload"))?
        .upload_id;
    let part = format!(
        "/logs/big?partNumber=1&uploadId={}",
        url::form_urlencoded::byte_serialize(upload.as_bytes()).collect::<String>()
    );
    let put_part = || raw(http::Method::PUT, &part, &[], b"part", Some(key_of(&k)));
    let before = put_part().await?;
    if before.status != 200 {
        return Err(format!("a part of the open upload: HTTP {}", before.status));
    }
    let mut versions = Vec::new();
    for (k, v) in [("logs/a", "x"), ("keep", "1"), ("keep", "2")] {
        let out = s3
            .put_object("logs", k, v.as_bytes().to_vec().into(), &[])
            .await
            .map_err(err("put"))?;
        versions.push(out.version_id.ok_or("no version id")?);
    }
    let rules = vec![
        LifecycleRule::new("expire-logs")
            .prefix("logs/")
            .expire_after_days(1),
        LifecycleRule::new("old-versions").expire_noncurrent_after_days(1),
        LifecycleRule::new("uploads").abort_incomplete_multipart_after_days(1),
    ];
    let b = p
        .update_bucket(&inst, "logs", UpdateBucket::new().lifecycle(rules.clone()))
        .await
        .map_err(err("set lifecycle"))?;
    if b.lifecycle.as_ref() != Some(&rules) {
        return Err(format!("read back {:?}, want {rules:?}", b.lifecycle));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let admin = RADOSGW_ADMIN.get().expect("run_all sets it").clone();
    tokio::task::spawn_blocking(move || admin.run(&["--rgw_lc_debug_interval=2", "lc", "process"]))
        .await
        .map_err(err("join"))??;
    let (keys, _) = s3
        .list_objects("logs", "", None, 100)
        .await
        .map_err(err("list"))?;
    if keys != ["keep"] {
        return Err(format!(
            "after lc process the bucket lists {keys:?}, want [keep]"
        ));
    }
    // The noncurrent version of `keep` is gone, the current one stays.
    match s3.get_object("logs", "keep", Some(&versions[1])).await {
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        r => {
            return Err(format!(
                "the noncurrent version of keep: {r:?}, want NotFound"
            ));
        }
    }
    s3.get_object("logs", "keep", Some(&versions[2]))
        .await
        .map_err(err("the current version of keep"))?;
    // The incomplete upload was aborted: its parts are refused.
    let after = put_part().await?;
    if after.status != 404 || !after.body_snippet(500).contains("NoSuchUpload") {
        return Err(format!(
            "a part of the upload after lc process: HTTP {} {}, want 404 NoSuchUpload",
            after.status,
            after.body_snippet(200)
        ));
    }
    let b = p
        .update_bucket(&inst, "logs", UpdateBucket::new().lifecycle(Vec::new()))
        .await
        .map_err(err("remove lifecycle"))?;
    if b.lifecycle != Some(Vec::new()) {
        return Err(format!("removed rules read back as {:?}", b.lifecycle));
    }
    Ok(())
}

/// An anonymous CORS preflight of an object of tenant `tenant`'s bucket.
async fn preflight(
    tenant: &str,
    bucket: &str,
    origin: &str,
    method: &str,
) -> Result<(u16, Option<String>), String> {
    let r = raw(
        http::Method::OPTIONS,
        &format!("/{tenant}:{bucket}/k"),
        &[
            ("origin", origin),
            ("access-control-request-method", method),
        ],
        b"",
        None,
    )
    .await?;
    Ok((
        r.status,
        r.header("access-control-allow-origin").map(str::to_string),
    ))
}

/// CORS rules set through the SDK read back equal and RGW answers preflights by them: the
/// allowed origin and method get `200` with `Access-Control-Allow-Origin`, another origin or
/// method `403`; once removed, every preflight is `403`.
pub(super) async fn cors_answers_preflights(
    p: Arc<CephProvider>,
    inst: String,
) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(err("create instance"))?;
    let rule = CorsRule::new(["https://app.example"], ["GET", "PUT"])
        .id("app")
        .allow_header("*")
        .expose_header("ETag")
        .max_age_seconds(600);
    let b = p
        .create_bucket(&inst, CreateBucket::new("web").cors_rule(rule.clone()))
        .await
        .map_err(err("create bucket"))?;
    if b.cors.as_deref() != Some(std::slice::from_ref(&rule)) {
        return Err(format!("read back {:?}, want [{rule:?}]", b.cors));
    }
    let tenant = s3aas_backend_ceph::tenant_of(&inst);
    let ok = preflight(&tenant, "web", "https://app.example", "PUT").await?;
    let other_origin = preflight(&tenant, "web", "https://evil.example", "GET").await?;
    let other_method = preflight(&tenant, "web", "https://app.example", "DELETE").await?;
    if ok != (200, Some("https://app.example".into()))
        || other_origin.0 != 403
        || other_method.0 != 403
    {
        return Err(format!(
            "preflights: allowed {ok:?} (want 200 with the origin), other origin {other_origin:?}, other method {other_method:?} (want 403)"
        ));
    }
    p.update_bucket(&inst, "web", UpdateBucket::new().cors(Vec::new()))
        .await
        .map_err(err("remove cors"))?;
    if p.get_bucket(&inst, "web").await.map_err(err("get"))?.cors != Some(Vec::new()) {
        return Err("removed rules still read back".into());
    }
    let after = preflight(&tenant, "web", "https://app.example", "GET").await?;
    if after.0 != 403 {
        return Err(format!("preflight after removal: {after:?}, want 403"));
    }
    Ok(())
}

/// A default retention set through the SDK applies to objects written after it, with the
/// tenant's issued key: the new object carries the mode and a retain-until date a day ahead,
/// and deleting its version is refused ("forbidden by object lock") while an older object's
/// version, written before the retention, is deleted. Clearing the retention frees new objects
/// only. A forced bucket delete keeps the locked version and fails (the SDK empties a
/// lock-enabled bucket through S3, not with the Admin Ops purge, which would remove it); once
/// the version is deleted with a governance bypass, the forced delete succeeds.
pub(super) async fn retention_locks_new_objects(
    p: Arc<CephProvider>,
    inst: String,
) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(err("create instance"))?;
    p.create_bucket(&inst, CreateBucket::new("vault").object_lock(true))
        .await
        .map_err(err("create bucket"))?;
    let (k, s3) = owner_user(&p, &inst, "vault").await?;
    let before = s3
        .put_object("vault", "before", b"1".to_vec().into(), &[])
        .await
        .map_err(err("put before"))?;
    let r = DefaultRetention::days(RetentionMode::Governance, 1);
    let b = p
        .update_bucket(&inst, "vault", UpdateBucket::new().retention(r))
        .await
        .map_err(err("set retention"))?;
    if b.retention != Some(Some(r)) || b.object_lock != Some(true) {
        return Err(format!(
            "read back {:?} / lock {:?}",
            b.retention, b.object_lock
        ));
    }
    let after = s3
        .put_object("vault", "after", b"2".to_vec().into(), &[])
        .await
        .map_err(err("put after"))?;
    let head = raw(
        http::Method::HEAD,
        "/vault/after",
        &[],
        b"",
        Some(key_of(&k)),
    )
    .await?;
    let mode = head.header("x-amz-object-lock-mode").map(str::to_string);
    let until = head
        .header("x-amz-object-lock-retain-until-date")
        .and_then(|d| {
            OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok()
        });
    let ahead = until.map(|u| u - OffsetDateTime::now_utc());
    if mode.as_deref() != Some("GOVERNANCE")
        || !ahead.is_some_and(|a| a > time::Duration::hours(23) && a <= time::Duration::hours(25))
    {
        return Err(format!(
            "the new object carries mode {mode:?}, retain-until {until:?}: want GOVERNANCE a day ahead"
        ));
    }
    let v = after.version_id.clone().ok_or("no version id")?;
    refused(
        s3.delete_object("vault", "after", Some(&v)).await,
        &[ErrorKind::PermissionDenied],
    )
    .map_err(err("deleting the locked version"))?;
    let v0 = before.version_id.clone().ok_or("no version id")?;
    s3.delete_object("vault", "before", Some(&v0))
        .await
        .map_err(err("deleting the version written before the retention"))?;
    p.update_bucket(&inst, "vault", UpdateBucket::new().clear_retention())
        .await
        .map_err(err("clear retention"))?;
    let later = s3
        .put_object("vault", "later", b"3".to_vec().into(), &[])
        .await
        .map_err(err("put later"))?;
    s3.delete_object("vault", "later", later.version_id.as_deref())
        .await
        .map_err(err("deleting a version written after clearing"))?;
    refused(
        s3.delete_object("vault", "after", Some(&v)).await,
        &[ErrorKind::PermissionDenied],
    )
    .map_err(err("the locked version stays locked"))?;
    let e = p
        .delete_bucket(&inst, "vault", DeleteBucket::new().force(true))
        .await
        .err()
        .ok_or("a forced delete removed a bucket holding a locked version")?;
    if !matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::Conflict)
        || !e.message().contains("object lock")
    {
        return Err(format!("forced delete of a locked bucket: {e}"));
    }
    let version = format!("/vault/after?versionId={v}");
    let kept = raw(http::Method::HEAD, &version, &[], b"", Some(key_of(&k))).await?;
    if kept.status != 200 {
        return Err(format!(
            "the locked version after the refused delete: HTTP {}",
            kept.status
        ));
    }
    let bypass = raw(
        http::Method::DELETE,
        &version,
        &[("x-amz-bypass-governance-retention", "true")],
        b"",
        Some(key_of(&k)),
    )
    .await?;
    if !(200..300).contains(&bypass.status) {
        return Err(format!("governance bypass delete: HTTP {}", bypass.status));
    }
    p.delete_bucket(&inst, "vault", DeleteBucket::new().force(true))
        .await
        .map_err(err("forced delete once nothing is locked"))?;
    match p.get_bucket(&inst, "vault").await {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        r => Err(format!("after a forced delete the bucket reads {r:?}")),
    }
}

/// Anonymous list and GET of tenant `tenant`'s bucket: (list status, GET status).
async fn anonymous_list_and_get(tenant: &str, bucket: &str) -> Result<(u16, u16), String> {
    let list = raw(
        http::Method::GET,
        &format!("/{tenant}:{bucket}?list-type=2"),
        &[],
        b"",
        None,
    )
    .await?;
    let get = raw(
        http::Method::GET,
        &format!("/{tenant}:{bucket}/hello"),
        &[],
        b"",
        None,
    )
    .await?;
    Ok((list.status, get.status))
}

/// `PublicReadList` lets an anonymous client list the bucket (ListObjectsV2) and read an
/// object; `PublicRead` lets it read but refuses the listing; `Private` refuses both. RGW
/// enforces bucket policies for unsigned requests.
pub(super) async fn access_levels_anonymous(
    p: Arc<CephProvider>,
    inst: String,
) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(err("create instance"))?;
    p.create_bucket(
        &inst,
        CreateBucket::new("pub").access(BucketAccess::PublicReadList),
    )
    .await
    .map_err(err("create bucket"))?;
    let s3 = p.instance_s3(&inst).await.map_err(err("instance s3"))?;
    put(&s3, "pub", "hello", b"hi".to_vec())
        .await
        .map_err(err("put"))?;
    let tenant = s3aas_backend_ceph::tenant_of(&inst);
    for (level, want) in [
        (BucketAccess::PublicReadList, (200, 200)),
        (BucketAccess::PublicRead, (403, 200)),
        (BucketAccess::Private, (403, 403)),
    ] {
        let b = p
            .update_bucket(&inst, "pub", UpdateBucket::new().access("pub", level))
            .await
            .map_err(err("set access"))?;
        if b.access() != Some(level) {
            return Err(format!("{level:?} reads back as {:?}", b.access()));
        }
        eventually(&format!("{level:?}"), || async {
            let got = anonymous_list_and_get(&tenant, "pub").await?;
            if got == want {
                Ok(())
            } else {
                Err(format!("anonymous (list, GET) = {got:?}, want {want:?}"))
            }
        })
        .await?;
    }
    Ok(())
}

/// RGW (Pacific) has no S3 replication API: `PUT ?replication` signed by the bucket's owner
/// is `405 MethodNotAllowed` (so `bucket_replication` is unsupported), `GET` answers an
/// empty configuration, and the bucket is untouched.
pub(super) async fn no_replication_api(p: Arc<CephProvider>, inst: String) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst))
        .await
        .map_err(err("create instance"))?;
    p.create_bucket(&inst, CreateBucket::new("src").versioning(true))
        .await
        .map_err(err("create bucket"))?;
    let (k, _) = owner_user(&p, &inst, "src").await?;
    let body = b"<ReplicationConfiguration><Role></Role><Rule><ID>r</ID><Priority>1</Priority>\
<Status>Enabled</Status><Filter/><DeleteMarkerReplication><Status>Disabled</Status>\
</DeleteMarkerReplication><Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination></Rule>\
</ReplicationConfiguration>";
    let put = raw(
        http::Method::PUT,
        "/src?replication",
        &[],
        body,
        Some(key_of(&k)),
    )
    .await?;
    let get = raw(
        http::Method::GET,
        "/src?replication",
        &[],
        b"",
        Some(key_of(&k)),
    )
    .await?;
    let text = String::from_utf8_lossy(&get.body).to_string();
    if put.status != 405 || get.status != 200 || text.contains("<Rule>") {
        return Err(format!(
            "PUT ?replication {} (want 405), GET {} {text:?} (want 200 without rules)",
            put.status, get.status
        ));
    }
    p.get_bucket(&inst, "src")
        .await
        .map_err(err("the bucket is still there"))?;
    Ok(())
}

/// Instance usage after writes with the tenant's key: both buckets and both objects counted,
/// from bucket stats (`BucketScan`), equal to the sum of the buckets' own usage.
pub(super) async fn instance_usage_counts_writes(
    p: Arc<CephProvider>,
    inst: String,
) -> Result<(), String> {
    p.create_instance(CreateInstance::new(&inst).default_bucket("aaa"))
        .await
        .map_err(err("create instance"))?;
    p.create_bucket(&inst, CreateBucket::new("bbb"))
        .await
        .map_err(err("create bucket"))?;
    let u = p.instance_usage(&inst).await.map_err(err("usage"))?;
    if (u.bytes, u.objects, u.buckets) != (0, Some(0), 2) {
        return Err(format!("empty instance: {u:?}"));
    }
    let (_, s3) = user_with_key(&p, &inst, "writer").await?;
    let doc = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],
            "Resource":["arn:aws:s3:::aaa/*","arn:aws:s3:::bbb/*"]}]}"#,
    )
    .map_err(err("policy"))?;
    p.put_policy(&inst, PutPolicy::new("w", doc))
        .await
        .map_err(err("put policy"))?;
    p.attach_policy(&inst, "writer", "w")
        .await
        .map_err(err("attach"))?;
    eventually("the key writes", || async {
        put(&s3, "aaa", "k", vec![7u8; 1000])
            .await
            .map_err(|e| e.to_string())
    })
    .await?;
    put(&s3, "bbb", "k", vec![7u8; 24])
        .await
        .map_err(err("put b"))?;
    eventually("usage counts both writes", || async {
        let u = p.instance_usage(&inst).await.map_err(|e| e.to_string())?;
        let a = p
            .bucket_usage(&inst, "aaa")
            .await
            .map_err(|e| e.to_string())?;
        let b = p
            .bucket_usage(&inst, "bbb")
            .await
            .map_err(|e| e.to_string())?;
        let ok = u.bytes == 1024
            && u.objects == Some(2)
            && u.buckets == 2
            && u.source == UsageSource::BucketScan
            && u.as_of.is_some()
            && u.bytes == a.bytes + b.bytes;
        if ok {
            Ok(())
        } else {
            Err(format!("{u:?} (buckets: {a:?}, {b:?})"))
        }
    })
    .await
}
