//! Proofs of the bucket features on real servers: replication between two RustFS servers on
//! loopback (objects written with a tenant's key arrive; after the rule is removed they stop
//! and the remote target is gone; versioning cannot be suspended under replication; another
//! tool's rule survives the SDK's updates), default retention enforced on a tenant's write,
//! lifecycle and CORS round trips, and the durability a new bucket reports.

use crate::*;
use s3aas_http::s3::ReplicationConfig;
use s3aas_http::{HttpClient, HttpConfig, Idempotency, Request, SigV4Signer};

/// The destination server of the replication proofs: endpoint, root access key and secret.
pub(crate) static DESTINATION: std::sync::OnceLock<(String, String, String)> =
    std::sync::OnceLock::new();

/// A provider for the destination server (its admin S3 client makes destination buckets).
pub(crate) fn destination_provider() -> std::result::Result<Arc<RustfsProvider>, String> {
    let (e, a, s) = DESTINATION
        .get()
        .ok_or("no destination server was started")?;
    Ok(Arc::new(
        RustfsProvider::builder(e, a, SecretString::from(s.clone()))
            .build()
            .map_err(|e| e.to_string())?,
    ))
}

/// A rule's destination on the destination server, signing with its root key.
pub(crate) fn destination(bucket: &str) -> std::result::Result<ReplicationDestination, String> {
    let (e, a, s) = DESTINATION
        .get()
        .ok_or("no destination server was started")?;
    Ok(ReplicationDestination::new(e, bucket, a, SecretString::from(s.clone())).allow_local(true))
}

/// Makes a versioned bucket on the destination server (its owner's job, out of band).
pub(crate) async fn destination_bucket(
    dst: &RustfsProvider,
    bucket: &str,
) -> std::result::Result<(), String> {
    let s3 = dst.admin_s3();
    s3.create_bucket(bucket, false, None)
        .await
        .map_err(|e| format!("destination bucket: {e}"))?;
    eventually("destination bucket versioning", true, || {
        s3.put_versioning(bucket, true)
    })
    .await
}

async fn drop_destination_bucket(dst: &RustfsProvider, bucket: &str) -> R {
    let s3 = dst.admin_s3();
    s3.delete_bucket(bucket, Some("x-rustfs-force-delete"))
        .await
        .map_err(|e| format!("removing destination bucket {bucket}: {e}"))
}

/// Polls `f` every 250 ms until it answers `true` or `limit` passes; how long it took.
async fn wait_for<F, Fut>(limit: Duration, f: F) -> Option<Duration>
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if f().await {
            return Some(started.elapsed());
        }
        if started.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn remote_targets(
    p: &RustfsProvider,
    bucket: &str,
) -> std::result::Result<Vec<String>, String> {
    let r = p
        .admin_raw(
            http::Method::GET,
            "list-remote-targets",
            &[("bucket", bucket), ("type", "replication")],
            None,
        )
        .await
        .map_err(|e| e.to_string())?;
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t["arn"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default())
}

pub(crate) async fn replication_between_two_servers(p: Arc<RustfsProvider>, inst: String) -> R {
    let dst = destination_provider()?;
    let (src, target) = (format!("{inst}-src"), format!("{inst}-dst"));
    destination_bucket(&dst, &target).await?;
    let r = with_instance(p, inst.clone(), CreateInstance::new(&inst), |p, inst| {
        let (src, target, dst) = (src.clone(), target.clone(), dst.clone());
        async move {
            let rule = ReplicationRule::new("to-dr", 1, destination(&target)?);
            let b = p
                .create_bucket(
                    &inst,
                    CreateBucket::new(&src)
                        .versioning(true)
                        .replication_rule(rule.clone()),
                )
                .await
                .map_err(|e| format!("create with a rule: {e}"))?;
            let got = b.replication.clone().unwrap_or_default();
            ensure(got == vec![rule.clone()], format!("rule read back: {got:?}"))?;
            ensure(
                got[0].destination.secret_key.is_none()
                    && got[0].destination.arn.as_deref().is_some_and(|a| a.contains(&target)),
                format!("no secret, an ARN: {:?}", got[0].destination),
            )?;
            let arns = remote_targets(&p, &src).await?;
            ensure(arns.len() == 1, format!("one remote target: {arns:?}"))?;
            // An object the tenant writes arrives on the other server.
            let (_k, tenant_s3) = tenant(&p, &inst, "writer", &src).await?;
            tenant_s3
                .put_object(&src, "a.txt", "replicate me".into(), &[])
                .await
                .map_err(|e| format!("tenant put: {e}"))?;
            let d3 = dst.admin_s3().clone();
            let (t1, k1) = (target.clone(), "a.txt");
            let took = wait_for(Duration::from_secs(60), || {
                let (d3, t1) = (d3.clone(), t1.clone());
                async move {
                    d3.get_object(&t1, k1, None)
                        .await
                        .is_ok_and(|o| o.body.as_ref() == b"replicate me")
                }
            })
            .await
            .ok_or("the object did not reach the destination within 60 s")?;
            println!(
                "real-server rustfs: replication latency {} ms (tenant PUT on server 1 to GET on server 2)",
                took.as_millis()
            );
            // Versioning cannot be suspended under replication: the SDK refuses first, and
            // the server itself refuses too.
            let e = p
                .update_bucket(&inst, &src, UpdateBucket::new().versioning(false))
                .await
                .expect_err("suspending under replication");
            ensure(e.kind() == ErrorKind::Conflict, format!("SDK refusal: {e}"))?;
            let e = p
                .admin_s3()
                .put_versioning(&src, false)
                .await
                .expect_err("the server refuses a suspension under replication");
            ensure(e.kind() == ErrorKind::Conflict, format!("server refusal: {e}"))?;
            // Removing the rule stops replication and removes the target.
            p.update_bucket(&inst, &src, UpdateBucket::new().replication(Vec::new()))
                .await
                .map_err(|e| format!("remove the rule: {e}"))?;
            let got = p.get_bucket(&inst, &src).await.map_err(|e| e.to_string())?;
            ensure(got.replication == Some(Vec::new()), format!("removed: {:?}", got.replication))?;
            let arns = remote_targets(&p, &src).await?;
            ensure(arns.is_empty(), format!("the remote target is gone: {arns:?}"))?;
            tenant_s3
                .put_object(&src, "b.txt", "stay home".into(), &[])
                .await
                .map_err(|e| format!("tenant put: {e}"))?;
            let t2 = target.clone();
            let arrived = wait_for(Duration::from_secs(10), || {
                let (d3, t2) = (d3.clone(), t2.clone());
                async move { d3.object_exists(&t2, "b.txt").await.unwrap_or(false) }
            })
            .await;
            ensure(arrived.is_none(), "an object written after the rule was removed arrived")?;
            println!("real-server rustfs: after removing the rule a new object stayed on server 1 for 10 s, remote target removed");
            // Another tool's rule survives the SDK's updates.
            p.update_bucket(&inst, &src, UpdateBucket::new().replication(vec![rule.clone()]))
                .await
                .map_err(|e| format!("rule again: {e}"))?;
            let cfg = p.admin_s3().get_replication(&src).await.map_err(|e| e.to_string())?;
            let arn = cfg.ours[0].destination_arn.clone();
            let foreign = format!(
                "<Rule><ID>theirs</ID><Priority>9</Priority><Status>Enabled</Status><Filter><Prefix>foreign/</Prefix></Filter><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>{arn}</Bucket></Destination></Rule>"
            );
            p.admin_s3()
                .put_replication(
                    &src,
                    &ReplicationConfig {
                        ours: cfg.ours.clone(),
                        foreign: vec![foreign],
                        foreign_priorities: vec![9],
                    },
                )
                .await
                .map_err(|e| format!("raw put of a foreign rule: {e}"))?;
            let before = p.admin_s3().get_replication(&src).await.map_err(|e| e.to_string())?;
            let changed = rule.clone().deletes(true).prefix("data/");
            p.update_bucket(&inst, &src, UpdateBucket::new().replication(vec![changed.clone()]))
                .await
                .map_err(|e| format!("update next to a foreign rule: {e}"))?;
            let after = p.admin_s3().get_replication(&src).await.map_err(|e| e.to_string())?;
            ensure(
                after.foreign == before.foreign && after.foreign.len() == 1,
                format!("foreign rule kept verbatim: {:?} vs {:?}", before.foreign, after.foreign),
            )?;
            let got = p.get_bucket(&inst, &src).await.map_err(|e| e.to_string())?;
            ensure(got.replication == Some(vec![changed]), format!("SDK rule changed: {:?}", got.replication))?;
            let clash = ReplicationRule::new("clash", 9, destination(&target)?);
            let e = p
                .update_bucket(&inst, &src, UpdateBucket::new().replication(vec![clash]))
                .await
                .expect_err("a priority a foreign rule has");
            ensure(e.kind() == ErrorKind::Conflict, format!("priority clash: {e}"))?;
            // Removing the SDK's rule keeps the foreign one and the target it uses.
            p.update_bucket(&inst, &src, UpdateBucket::new().replication(Vec::new()))
                .await
                .map_err(|e| format!("remove ours next to a foreign rule: {e}"))?;
            let last = p.admin_s3().get_replication(&src).await.map_err(|e| e.to_string())?;
            ensure(
                last.ours.is_empty() && last.foreign == before.foreign,
                format!("only the foreign rule left: {last:?}"),
            )?;
            let arns = remote_targets(&p, &src).await?;
            ensure(arns == vec![arn.clone()], format!("the foreign rule's target kept: {arns:?}"))?;
            println!("real-server rustfs: a foreign replication rule survived two SDK updates verbatim, with its remote target");
            // A bucket's targets go with it: a bucket made again under the name has none (what
            // a failed create relies on when it removes the bucket instead of its targets).
            p.delete_bucket(&inst, &src, DeleteBucket::new().force(true))
                .await
                .map_err(|e| format!("delete the source: {e}"))?;
            p.create_bucket(&inst, CreateBucket::new(&src).versioning(true))
                .await
                .map_err(|e| format!("make the source again: {e}"))?;
            let arns = remote_targets(&p, &src).await?;
            ensure(arns.is_empty(), format!("targets outlived their bucket: {arns:?}"))?;
            let cfg = p.admin_s3().get_replication(&src).await.map_err(|e| e.to_string())?;
            ensure(cfg == ReplicationConfig::default(), format!("configuration outlived its bucket: {cfg:?}"))?;
            println!("real-server rustfs: deleting a bucket takes its remote targets and replication configuration along");
            Ok(())
        }
    })
    .await;
    r.and(drop_destination_bucket(&dst, &target).await)
}

pub(crate) async fn default_retention_enforced(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-ret");
    let endpoint = SERVER.get().ok_or("no server")?.0.clone();
    with_instance(p, inst.clone(), CreateInstance::new(&inst), |p, inst| async move {
        let r = DefaultRetention::days(RetentionMode::Governance, 1);
        let bucket = p
            .create_bucket(&inst, CreateBucket::new(&b).retention(r))
            .await
            .map_err(|e| e.to_string())?;
        ensure(
            bucket.retention == Some(Some(r)) && bucket.object_lock == Some(true),
            format!("retention read back: {:?}", bucket.retention),
        )?;
        let (k, s3) = tenant(&p, &inst, "locker", &b).await?;
        let put = s3
            .put_object(&b, "held", "kept".into(), &[])
            .await
            .map_err(|e| format!("tenant put: {e}"))?;
        let vid = put.version_id.ok_or("a version id")?;
        // HEAD with the tenant's key: the retention the bucket's default gave the version.
        let http = HttpClient::new("rustfs", HttpConfig::default()).map_err(|e| e.to_string())?;
        let signer = SigV4Signer::new(
            k.key.access_key_id.clone(),
            k.secret_access_key.clone(),
            "us-east-1",
        );
        let url = url::Url::parse(&format!("{endpoint}/{b}/held?versionId={vid}")).unwrap();
        let head = http
            .execute("head_object", Idempotency::Idempotent, Some(&signer), || {
                Ok(Request::new(http::Method::HEAD, url.clone()))
            })
            .await
            .map_err(|e| e.to_string())?;
        let mode = head.header("x-amz-object-lock-mode").map(String::from);
        let until = head
            .header("x-amz-object-lock-retain-until-date")
            .and_then(|u| {
                time::OffsetDateTime::parse(u, &time::format_description::well_known::Rfc3339)
                    .ok()
            });
        ensure(
            head.status == 200 && mode.as_deref() == Some("GOVERNANCE"),
            format!("HEAD {}: mode {mode:?}", head.status),
        )?;
        let until = until.ok_or("a retain-until date")?;
        let left = until - time::OffsetDateTime::now_utc();
        ensure(
            left > time::Duration::hours(23) && left <= time::Duration::hours(24),
            format!("retained for about a day: until {until}"),
        )?;
        // Root may do anything a policy allows: only the lock refuses it (no bypass header).
        let del = p.admin_s3().delete_object(&b, "held", Some(&vid)).await;
        ensure(del.is_err(), "root deleted a version under the default retention (no bypass header)")?;
        ensure(
            p.admin_s3().get_object(&b, "held", Some(&vid)).await.is_ok(),
            "the locked version is still there",
        )?;
        println!(
            "real-server rustfs: default retention GOVERNANCE 1 day: tenant write locked until {until}, deleting the version refused ({})",
            del.err().map(|e| e.kind().as_str()).unwrap_or_default()
        );
        // Cleared: new writes are no longer locked.
        p.update_bucket(&inst, &b, UpdateBucket::new().clear_retention())
            .await
            .map_err(|e| e.to_string())?;
        let got = p.get_bucket(&inst, &b).await.map_err(|e| e.to_string())?;
        ensure(got.retention == Some(None), format!("cleared: {:?}", got.retention))?;
        let free = s3
            .put_object(&b, "free", "x".into(), &[])
            .await
            .map_err(|e| e.to_string())?;
        p.admin_s3()
            .delete_object(&b, "free", free.version_id.as_deref())
            .await
            .map_err(|e| format!("a version written after clearing deletes: {e}"))

    })
    .await
}

pub(crate) async fn lifecycle_and_cors_round_trip(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-lc");
    with_instance(p, inst.clone(), CreateInstance::new(&inst), |p, inst| async move {
        let lc = vec![
            LifecycleRule::new("logs").prefix("logs/").expire_after_days(30),
            LifecycleRule::new("uploads").abort_incomplete_multipart_after_days(2),
        ];
        let cors = vec![
            CorsRule::new(["https://console.example.com"], ["GET", "PUT"])
                .id("console")
                .allow_header("*")
                .expose_header("ETag")
                .max_age_seconds(600),
        ];
        let mut req = CreateBucket::new(&b).versioning(true);
        for r in &lc {
            req = req.lifecycle_rule(r.clone());
        }
        req = req.cors_rule(cors[0].clone());
        p.create_bucket(&inst, req).await.map_err(|e| e.to_string())?;
        let got = p.get_bucket(&inst, &b).await.map_err(|e| e.to_string())?;
        let mut l = got.lifecycle.clone().unwrap_or_default();
        l.sort_by(|a, b| a.id.cmp(&b.id));
        ensure(l == lc, format!("lifecycle read back: {l:?}"))?;
        ensure(got.cors == Some(cors.clone()), format!("CORS read back: {:?}", got.cors))?;
        // The server applies the CORS rule to a preflight.
        let endpoint = SERVER.get().ok_or("no server")?.0.clone();
        let pre = reqwest_preflight(&endpoint, &b).await?;
        ensure(
            pre.as_deref() == Some("https://console.example.com"),
            format!("preflight allowed origin: {pre:?}"),
        )?;
        p.update_bucket(&inst, &b, UpdateBucket::new().lifecycle(Vec::new()).cors(Vec::new()))
            .await
            .map_err(|e| e.to_string())?;
        let got = p.get_bucket(&inst, &b).await.map_err(|e| e.to_string())?;
        ensure(
            got.lifecycle == Some(Vec::new()) && got.cors == Some(Vec::new()),
            format!("removed: {:?} {:?}", got.lifecycle, got.cors),
        )?;
        println!("real-server rustfs: lifecycle (2 rules) and CORS (1 rule, preflight answered) set, read back equal, removed");
        Ok(())
    })
    .await
}

/// An unsigned CORS preflight: the `Access-Control-Allow-Origin` the server answers.
async fn reqwest_preflight(
    endpoint: &str,
    bucket: &str,
) -> std::result::Result<Option<String>, String> {
    let http = HttpClient::new("rustfs", HttpConfig::default()).map_err(|e| e.to_string())?;
    let url = url::Url::parse(&format!("{endpoint}/{bucket}/some-key")).unwrap();
    let resp = http
        .execute("preflight", Idempotency::Idempotent, None, || {
            Ok(Request::new(http::Method::OPTIONS, url.clone())
                .header("origin", "https://console.example.com")
                .header("access-control-request-method", "PUT"))
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(resp.header("access-control-allow-origin").map(String::from))
}

pub(crate) async fn durability_server_default(p: Arc<RustfsProvider>, inst: String) -> R {
    let b = format!("{inst}-dur");
    with_instance(p, inst.clone(), CreateInstance::new(&inst), |p, inst| async move {
        let made = p
            .create_bucket(&inst, CreateBucket::new(&b))
            .await
            .map_err(|e| e.to_string())?;
        ensure(
            made.durability == Some(Durability::ServerDefault),
            format!("a new bucket: {:?}", made.durability),
        )?;
        // An override set by hand is reported as such.
        let cmd = format!("bucket-durability/{b}");
        let r = p
            .admin_raw(http::Method::PUT, &cmd, &[], Some(br#"{"mode":"relaxed"}"#.to_vec()))
            .await
            .map_err(|e| e.to_string())?;
        ensure(r.status == 200, format!("raw override: {} {}", r.status, r.body_snippet(300)))?;
        let got = p.get_bucket(&inst, &b).await.map_err(|e| e.to_string())?;
        ensure(
            got.durability == Some(Durability::Override("relaxed".into())),
            format!("override read: {:?}", got.durability),
        )?;
        println!("real-server rustfs: durability of a new bucket ServerDefault; a hand-set override reads Override(\"relaxed\")");
        Ok(())
    })
    .await
}
