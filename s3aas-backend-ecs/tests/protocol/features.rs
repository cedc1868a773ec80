//! Bucket features on the simulator: lifecycle, CORS and default retention through S3 signed
//! as the bucket's owner (temporary key where secrets are hidden), the checks made before any
//! request (replication, retention without lock, no S3 endpoint), instance usage from
//! namespace billing over the instance's own buckets only, and anonymous listing under a
//! public-read-list policy with the namespace ECS needs.

use super::*;
use s3aas_core::model::UsageSource;
use s3aas_core::{BucketAccess, Client};

fn s3_calls(sim: &EcsSimulator) -> Vec<String> {
    sim.state().s3_calls.clone()
}

fn lifecycle() -> LifecycleRule {
    LifecycleRule::new("logs")
        .prefix("logs/")
        .expire_after_days(30)
}

fn cors() -> CorsRule {
    CorsRule::new(["https://console.example.com"], ["GET", "PUT"]).max_age_seconds(60)
}

#[tokio::test]
async fn features_go_through_s3_signed_by_the_owner() {
    let sim = sim().await;
    let p = Client::new(Arc::new(builder(&sim).build().unwrap()));
    p.create_instance(CreateInstance::new("feat"))
        .await
        .unwrap();
    let before = s3_calls(&sim).len();
    let r = DefaultRetention::days(RetentionMode::Governance, 3);
    let b = p
        .create_bucket(
            "feat",
            CreateBucket::new("feat-b")
                .lifecycle_rule(lifecycle())
                .cors_rule(cors())
                .retention(r),
        )
        .await
        .unwrap();
    assert_eq!(b.lifecycle, Some(vec![lifecycle()]));
    assert_eq!(b.cors, Some(vec![cors()]));
    assert_eq!(b.retention, Some(Some(r)));
    assert_eq!(b.object_lock, Some(true));
    let sent = s3_calls(&sim)[before..].to_vec();
    for call in [
        "PUT /feat-b?object-lock",
        "PUT /feat-b?lifecycle",
        "PUT /feat-b?cors",
        "GET /feat-b?lifecycle",
        "GET /feat-b?cors",
        "GET /feat-b?object-lock",
    ] {
        assert!(sent.iter().any(|c| c == call), "{call} in {sent:?}");
    }
    // ECS keeps them in its S3 head (the simulator's shared S3 state).
    {
        let st = sim.state();
        let c = &st.s3.buckets["feat-b"].configs;
        assert!(c.lifecycle.as_deref().is_some_and(|x| x.contains("logs/")));
        assert!(c.cors.as_deref().is_some_and(|x| x.contains("console")));
        assert!(
            c.retention
                .as_deref()
                .is_some_and(|x| x.contains("GOVERNANCE"))
        );
    }
    // It is S3 object lock, which the management API shows as `object-lock-config`; ECS's
    // own bucket retention (`/retention`, seconds) stays untouched.
    {
        let http = reqwest::Client::new();
        let login = http
            .get(format!("{}/login", sim.mgmt.uri()))
            .basic_auth(ADMIN.0, Some(ADMIN.1))
            .send()
            .await
            .unwrap();
        let token = login.headers()["x-sds-auth-token"].clone();
        let get = |path: &str| {
            http.get(format!("{}{path}?namespace=feat", sim.mgmt.uri()))
                .header("x-sds-auth-token", token.clone())
                .header("accept", "application/json")
                .send()
        };
        let read = |r: reqwest::Response| async move {
            serde_json::from_str::<serde_json::Value>(&r.text().await.unwrap()).unwrap()
        };
        let lock = read(
            get("/object/bucket/feat-b/object-lock-config")
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(lock["ObjectLockEnabled"], "Enabled");
        assert_eq!(lock["Rule"]["DefaultRetention"]["Mode"], "GOVERNANCE");
        assert_eq!(lock["Rule"]["DefaultRetention"]["Days"], 3);
        let ret = read(get("/object/bucket/feat-b/retention").await.unwrap()).await;
        assert_eq!(ret["period"], 0, "ECS's bucket retention is not used");
    }
    // An update replaces and clears; the retention lengthens, then goes.
    let longer = DefaultRetention::years(RetentionMode::Compliance, 1);
    let b = p
        .update_bucket(
            "feat",
            "feat-b",
            UpdateBucket::new()
                .lifecycle(Vec::new())
                .cors(vec![CorsRule::new(["*"], ["HEAD"])])
                .retention(longer),
        )
        .await
        .unwrap();
    assert_eq!(b.lifecycle, Some(Vec::new()));
    assert_eq!(b.cors, Some(vec![CorsRule::new(["*"], ["HEAD"])]));
    assert_eq!(b.retention, Some(Some(longer)));
    assert!(sim.state().s3.buckets["feat-b"].configs.lifecycle.is_none());

    // What ECS decides: the owner may configure the bucket, another user of the namespace
    // may not, even with a valid key.
    p.create_user("feat", CreateUser::new("mallory"))
        .await
        .unwrap();
    let k = p
        .create_access_key("feat", "mallory", CreateAccessKey::new())
        .await
        .unwrap();
    let e = s3_as(&sim, &k)
        .put_lifecycle("feat-b", &[lifecycle()])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    let e = s3_as(&sim, &k).get_cors("feat-b").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
}

#[tokio::test]
async fn checks_before_any_request() {
    let sim = sim().await;
    let raw = Arc::new(builder(&sim).build().unwrap());
    let p = Client::new(raw.clone());
    p.create_instance(CreateInstance::new("pre")).await.unwrap();
    p.create_bucket("pre", CreateBucket::new("pre-plain").versioning(true))
        .await
        .unwrap();
    let mgmt = sim.state().calls.len();
    let s3 = s3_calls(&sim).len();

    // Replication: ECS replicates by replication group, never per bucket through S3.
    let dest = ReplicationDestination::new(
        "https://dr.example.com",
        "dr",
        "AKIDR",
        SecretString::from("dr-secret".to_string()),
    );
    let rule = ReplicationRule::new("dr", 1, dest);
    let e = p
        .create_bucket(
            "pre",
            CreateBucket::new("pre-rep")
                .versioning(true)
                .replication_rule(rule.clone()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("bucket_replication"), "{e}");
    let e = p
        .update_bucket(
            "pre",
            "pre-plain",
            UpdateBucket::new().replication(vec![rule]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert_eq!(raw.capabilities().bucket_replication, Support::No);
    assert_eq!(sim.state().calls.len(), mgmt, "no management request");
    assert_eq!(s3_calls(&sim).len(), s3, "no S3 request");

    // A default retention on a bucket made without object lock: Conflict after reading the
    // bucket, and nothing sent to S3 (ECS could turn object lock on, irreversibly).
    let e = p
        .update_bucket(
            "pre",
            "pre-plain",
            UpdateBucket::new()
                .retention(DefaultRetention::days(RetentionMode::Governance, 1))
                .cors(vec![cors()]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert_eq!(s3_calls(&sim).len(), s3, "nothing sent to S3");
    assert!(sim.state().s3.buckets["pre-plain"].configs.cors.is_none());
    // Clearing the retention of such a bucket clears nothing and sends no lock config.
    p.update_bucket("pre", "pre-plain", UpdateBucket::new().clear_retention())
        .await
        .unwrap();
    assert!(
        !s3_calls(&sim)[s3..]
            .iter()
            .any(|c| c.starts_with("PUT") && c.contains("object-lock")),
        "no lock configuration sent"
    );

    // Without an S3 endpoint, or before ECS 3.6.2, what S3 holds is refused up front.
    let no_s3 = Client::new(Arc::new(
        EcsProvider::builder(
            sim.mgmt.uri(),
            ADMIN.0,
            SecretString::from(ADMIN.1.to_string()),
        )
        .version("3.8")
        .build()
        .unwrap(),
    ));
    let old = Client::new(Arc::new(builder(&sim).version("3.6.1").build().unwrap()));
    let calls = sim.state().calls.len();
    for (c, req, what) in [
        (
            &no_s3,
            CreateBucket::new("pre-x").lifecycle_rule(lifecycle()),
            "bucket_lifecycle",
        ),
        (
            &no_s3,
            CreateBucket::new("pre-x").cors_rule(cors()),
            "bucket_cors",
        ),
        (
            &old,
            CreateBucket::new("pre-x")
                .retention(DefaultRetention::days(RetentionMode::Governance, 1)),
            "bucket_",
        ),
    ] {
        let e = c.create_bucket("pre", req).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert!(e.to_string().contains(what), "{e}");
    }
    assert_eq!(sim.state().calls.len(), calls, "no request");
}

#[tokio::test]
async fn hidden_secret_keys_use_a_temporary_key_for_writes_and_leave_reads_unknown() {
    let sim = sim().await;
    sim.state().hide_secret_keys = true;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("hid")).await.unwrap();
    let svc = p.service_user_id("hid");
    let keys = |sim: &EcsSimulator| sim.state().users[&svc].keys.len();
    let before = keys(&sim);
    let b = p
        .create_bucket("hid", CreateBucket::new("hid-b").cors_rule(cors()))
        .await
        .unwrap();
    assert_eq!(keys(&sim), before, "the temporary key was deleted again");
    assert!(sim.state().s3.buckets["hid-b"].configs.cors.is_some());
    // Reads never make a key: what only S3 knows stays unknown.
    assert_eq!(b.cors, None);
    assert_eq!(b.lifecycle, None);
    p.update_bucket("hid", "hid-b", UpdateBucket::new().cors(Vec::new()))
        .await
        .unwrap();
    assert!(sim.state().s3.buckets["hid-b"].configs.cors.is_none());
    assert_eq!(keys(&sim), before);
    // Clearing the retention of a bucket without object lock asks nothing of S3: no
    // temporary key is made for it.
    let issued = sim.state().issued_secrets.len();
    p.update_bucket("hid", "hid-b", UpdateBucket::new().clear_retention())
        .await
        .unwrap();
    assert_eq!(sim.state().issued_secrets.len(), issued, "no key made");
}

#[tokio::test]
async fn instance_usage_sums_the_instances_own_buckets_from_namespace_billing() {
    let sim = sim().await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("use").default_bucket("use-data"))
        .await
        .unwrap();
    p.create_bucket("use", CreateBucket::new("use-b"))
        .await
        .unwrap();
    p.create_bucket("use", CreateBucket::new("use-c"))
        .await
        .unwrap();
    // Another tool's bucket in the same namespace, holding much more.
    sim.state()
        .add_object_user("use", "other-tool", "other-secret-1234567890");
    sim.state().add_bucket("use", "use-foreign", "other-tool");
    let seeder = sim.seeder();
    use s3aas_testkit::ObjectSeeder;
    seeder
        .put_object("use", "use-b", "k", vec![1u8; 1000])
        .await
        .unwrap();
    seeder
        .put_object("use", "use-c", "k", vec![1u8; 24])
        .await
        .unwrap();
    seeder
        .put_object("use", "use-foreign", "k", vec![1u8; 5000])
        .await
        .unwrap();
    // One bucket per billing page: the pages are walked.
    sim.state().billing_page = 1;
    let before = sim.state().calls.len();
    let u = p.instance_usage("use").await.unwrap();
    assert_eq!(u.instance, "use");
    assert_eq!(
        u.buckets, 3,
        "the default bucket and two more; not the foreign one"
    );
    assert_eq!(u.bytes, 1024);
    assert_eq!(u.objects, Some(2));
    assert_eq!(u.source, UsageSource::Billing);
    assert!(u.as_of.is_some());
    let billing: Vec<String> = sim.state().calls[before..]
        .iter()
        .filter(|c| c.contains("/object/billing/namespace/use/info"))
        .cloned()
        .collect();
    assert_eq!(billing.len(), 4, "one page per bucket of the namespace");
    assert_eq!(
        p.bucket_usage("use", "use-b").await.unwrap().bytes,
        1000,
        "per-bucket usage still works"
    );
    let e = p.instance_usage("nope").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn billing_figures_are_read_as_ecs_writes_them() {
    let sim = sim().await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("bil")).await.unwrap();
    p.create_bucket("bil", CreateBucket::new("bil-a"))
        .await
        .unwrap();
    p.create_bucket("bil", CreateBucket::new("bil-b"))
        .await
        .unwrap();
    // A namespace sample older than one bucket's, sizes in KiB (ECS's legacy "KB"), and a
    // bucket the billing does not know yet (made after the last sample).
    let body = r#"{"namespace":"bil","total_size":99.0,"total_size_unit":"KB","total_objects":9,
        "sample_time":"2026-01-01T10:05:00Z","uptodate_till":"2026-01-01T10:05:00Z",
        "bucket_billing_info":[
          {"name":"bil-a","namespace":"bil","total_size":2.0,"total_size_unit":"KB","total_objects":3,"sample_time":"2026-01-01T10:00:00Z"},
          {"name":"not-ours","namespace":"bil","total_size":90.0,"total_size_unit":"KB","total_objects":6}
        ]}"#;
    sim.inject(Fault::new("/object/billing/namespace/bil/info", 200, body));
    let u = p.instance_usage("bil").await.unwrap();
    assert_eq!(u.bytes, 2048);
    assert_eq!(u.objects, Some(3));
    assert_eq!(u.buckets, 2);
    assert_eq!(
        u.as_of.map(|t| t.unix_timestamp()),
        Some(time::macros::datetime!(2026-01-01 10:00:00 UTC).unix_timestamp()),
        "the oldest sample time of the parts"
    );
}

#[tokio::test]
async fn anonymous_listing_needs_public_read_list_and_the_namespace() {
    let sim = sim().await;
    let p = Client::new(Arc::new(builder(&sim).build().unwrap()));
    p.create_instance(CreateInstance::new("pub")).await.unwrap();
    let b = p
        .create_bucket(
            "pub",
            CreateBucket::new("pub-b").access(BucketAccess::PublicReadList),
        )
        .await
        .unwrap();
    assert_eq!(b.access(), Some(BucketAccess::PublicReadList));
    use s3aas_testkit::ObjectSeeder;
    sim.seeder()
        .put_object("pub", "pub-b", "hello.txt", b"hi".to_vec())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let get = |path: &str, ns: Option<&str>| {
        let mut r = http.get(format!("{}/{path}", sim.s3.uri()));
        if let Some(ns) = ns {
            r = r.header("x-emc-namespace", ns);
        }
        r.send()
    };
    let list = get("pub-b?list-type=2", Some("pub")).await.unwrap();
    assert_eq!(list.status(), 200);
    assert!(list.text().await.unwrap().contains("<Key>hello.txt</Key>"));
    let obj = get("pub-b/hello.txt", Some("pub")).await.unwrap();
    assert_eq!(obj.status(), 200);
    // ECS needs the namespace of an anonymous request in its address.
    assert_eq!(get("pub-b?list-type=2", None).await.unwrap().status(), 403);
    assert_eq!(
        get("pub-b?list-type=2", Some("other"))
            .await
            .unwrap()
            .status(),
        404
    );
    // The policy grants listing and reads, nothing else.
    assert_eq!(get("pub-b?cors", Some("pub")).await.unwrap().status(), 403);
    // Public read without listing: objects yes, the listing no.
    p.update_bucket(
        "pub",
        "pub-b",
        UpdateBucket::new().access("pub-b", BucketAccess::PublicRead),
    )
    .await
    .unwrap();
    assert_eq!(
        get("pub-b?list-type=2", Some("pub"))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        get("pub-b/hello.txt", Some("pub")).await.unwrap().status(),
        200
    );
    p.update_bucket(
        "pub",
        "pub-b",
        UpdateBucket::new().access("pub-b", BucketAccess::Private),
    )
    .await
    .unwrap();
    assert_eq!(
        get("pub-b/hello.txt", Some("pub")).await.unwrap().status(),
        403
    );
}

#[tokio::test]
async fn object_lock_in_a_namespace_with_access_during_outage_is_ecs_s_refusal() {
    let sim = sim().await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("ado")).await.unwrap();
    // An operator's namespace whose buckets allow reads during an outage by default: ECS
    // refuses object lock there (Dell's spec, `is_object_lock_with_ado_allowed`); s3aas does
    // not turn ADO off behind the caller's back.
    sim.state()
        .namespaces
        .get_mut("ado")
        .unwrap()
        .is_stale_allowed = true;
    let s3 = s3_calls(&sim).len();
    let e = p
        .create_bucket(
            "ado",
            CreateBucket::new("ado-b")
                .retention(DefaultRetention::days(RetentionMode::Governance, 1)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("Access During Outage"), "{e}");
    assert!(!sim.state().buckets.contains_key("ado-b"), "nothing made");
    assert_eq!(s3_calls(&sim).len(), s3, "nothing sent to S3");
    // Without object lock the bucket is made as usual.
    p.create_bucket("ado", CreateBucket::new("ado-c"))
        .await
        .unwrap();
}

#[tokio::test]
async fn billing_without_bucket_details_is_never_read_as_empty() {
    let sim = sim().await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("nod")).await.unwrap();
    p.create_bucket("nod", CreateBucket::new("nod-a"))
        .await
        .unwrap();
    use s3aas_testkit::ObjectSeeder;
    sim.seeder()
        .put_object("nod", "nod-a", "k", vec![0u8; 300])
        .await
        .unwrap();
    // A release that ignores include_bucket_detail: totals only.
    let totals = r#"{"namespace":"nod","total_size":5.0,"total_size_unit":"KB","total_objects":2,
        "sample_time":"2026-01-01T10:00:00Z"}"#;
    sim.inject(Fault::new(
        "/object/billing/namespace/nod/info",
        200,
        totals,
    ));
    let u = p.instance_usage("nod").await.unwrap();
    assert_eq!(
        (u.bytes, u.objects, u.buckets),
        (5120, Some(2), 1),
        "every bucket is the instance's: the namespace total"
    );
    // With another tool's bucket in the namespace, each own bucket's billing instead.
    sim.state()
        .add_object_user("nod", "other-tool", "other-secret-1234567890");
    sim.state().add_bucket("nod", "nod-foreign", "other-tool");
    sim.inject(Fault::new(
        "/object/billing/namespace/nod/info",
        200,
        totals,
    ));
    let before = sim.state().calls.len();
    let u = p.instance_usage("nod").await.unwrap();
    assert_eq!((u.bytes, u.objects, u.buckets), (300, Some(1), 1));
    assert!(
        sim.state().calls[before..]
            .iter()
            .any(|c| c == "GET /object/billing/buckets/nod/nod-a/info"),
        "read from the bucket's own billing"
    );
}
