//! The ECS simulator answers as Dell's references say ECS does, where it used to be more
//! permissive than real ECS (each check names its reference). Raw HTTP, no s3aas in between,
//! so that a lenient simulator cannot hide a backend bug.

use s3aas_fakes::ecs::EcsSimulator;
use serde_json::{Value, json};

const ADMIN: (&str, &str) = ("root", "ecs-sim-password-1");

struct Mgmt {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Mgmt {
    async fn new(sim: &EcsSimulator) -> Mgmt {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = http
            .get(format!("{}/login", sim.mgmt.uri()))
            .basic_auth(ADMIN.0, Some(ADMIN.1))
            .send()
            .await
            .unwrap();
        let token = r.headers()["x-sds-auth-token"]
            .to_str()
            .unwrap()
            .to_string();
        Mgmt {
            base: sim.mgmt.uri(),
            token,
            http,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, String, Value) {
        let mut rb = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header("x-sds-auth-token", &self.token)
            .header("accept", "application/json");
        if let Some(b) = body {
            rb = rb
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = r.text().await.unwrap();
        (
            status,
            ct,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }
}

async fn setup() -> (EcsSimulator, Mgmt) {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let m = Mgmt::new(&sim).await;
    let (s, _, _) = m
        .call(
            "POST",
            "/object/namespaces/namespace",
            Some(json!({"namespace": "fid", "is_encryption_enabled": false, "default_bucket_block_size": 7, "is_stale_allowed": true})),
        )
        .await;
    assert_eq!(s, 200);
    sim.state()
        .add_object_user("fid", "fid-owner", "secret-0123456789");
    let (s, _, _) = m
        .call(
            "POST",
            "/object/bucket",
            Some(json!({"name": "fid-b", "namespace": "fid", "owner": "fid-owner"})),
        )
        .await;
    assert_eq!(s, 200);
    (sim, m)
}

#[tokio::test]
async fn answers_are_json_or_xml_never_text() {
    let (_sim, m) = setup().await;
    for path in [
        "/object/namespaces/namespace/fid",
        "/object/bucket/fid-b/info?namespace=fid",
        "/object/bucket/nope/info?namespace=fid",
    ] {
        let (_, ct, _) = m.call("GET", path, None).await;
        assert_eq!(ct, "application/json", "{path}");
    }
    let r = m
        .http
        .get(format!("{}/object/namespaces/namespace/fid", m.base))
        .header("x-sds-auth-token", &m.token)
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/xml");
}

#[tokio::test]
async fn query_booleans_are_read_in_any_case() {
    // python-ecsclient sends `True` (Python's str(True)); ECS parses booleans case-insensitively.
    let (sim, m) = setup().await;
    sim.state().empty_bucket_supported = true;
    let (s, _, _) = m
        .call(
            "POST",
            "/object/bucket/fid-b/deactivate?namespace=fid&emptyBucket=True",
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200, "emptyBucket=True on an empty bucket deletes it");
    let (s, _, body) = m
        .call(
            "GET",
            "/object/billing/namespace/fid/info?sizeunit=BYTE&include_bucket_detail=TRUE",
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert!(body.get("bucket_billing_info").is_some(), "{body}");
    let (s, _, _) = m
        .call(
            "GET",
            "/object/billing/namespace/fid/info?include_bucket_detail=yes",
            None,
        )
        .await;
    assert_eq!(s, 400, "not a boolean");
}

#[tokio::test]
async fn an_expired_token_redirects_to_login_on_the_same_host_and_port() {
    let (sim, m) = setup().await;
    sim.state().expire_tokens();
    let r = m
        .http
        .get(format!("{}/object/namespaces", m.base))
        .header("x-sds-auth-token", &m.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let loc = r.headers()["location"].to_str().unwrap();
    let base = url::Url::parse(&m.base).unwrap();
    let to = url::Url::parse(loc).unwrap();
    assert_eq!(
        (to.host_str(), to.port(), to.path()),
        (base.host_str(), base.port(), "/login")
    );
}

#[tokio::test]
async fn unknown_endpoints_answer_405_1007_not_a_missing_bucket() {
    let (_sim, m) = setup().await;
    for (method, path) in [
        ("GET", "/object/bucket/fid-b/versioning?namespace=fid"),
        ("GET", "/object/bucket/no-such/lifecycle?namespace=fid"),
        ("PATCH", "/object/bucket/fid-b/quota?namespace=fid"),
        ("GET", "/object/not-a-thing"),
    ] {
        let (s, _, body) = m.call(method, path, None).await;
        assert_eq!(
            (s, body["code"].as_u64()),
            (405, Some(1007)),
            "{method} {path}: {body}"
        );
    }
}

#[tokio::test]
async fn quotas_are_whole_numbers_and_notification_may_exceed_hard() {
    let (_sim, m) = setup().await;
    let (s, _, body) = m
        .call(
            "PUT",
            "/object/bucket/fid-b/quota",
            Some(json!({"blockSize": "ten", "notificationSize": 1, "namespace": "fid"})),
        )
        .await;
    assert_eq!(s, 400, "{body}");
    assert!(
        body["details"].as_str().unwrap().contains("blockSize"),
        "{body}"
    );
    // python-ecsclient's recorded answers hold blockSize 1 with notificationSize 2.
    let (s, _, body) = m
        .call(
            "PUT",
            "/object/bucket/fid-b/quota",
            Some(json!({"blockSize": 1, "notificationSize": 2, "namespace": "fid"})),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (_, _, q) = m
        .call("GET", "/object/bucket/fid-b/quota?namespace=fid", None)
        .await;
    assert_eq!(
        (q["blockSize"].as_i64(), q["notificationSize"].as_i64()),
        (Some(1), Some(2))
    );
    let (s, _, _) = m
        .call(
            "POST",
            "/object/bucket",
            Some(json!({"name": "fid-c", "namespace": "fid", "notificationSize": "x"})),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn billing_units_are_binary_and_numbers_are_numbers() {
    let (sim, m) = setup().await;
    {
        let mut st = sim.state();
        let b = st.s3.buckets.get_mut("fid-b").unwrap();
        b.objects.insert(
            "k".into(),
            vec![s3aas_fakes::s3::Version {
                id: "null".into(),
                data: vec![0u8; 3 * 1024 * 1024],
                delete_marker: false,
            }],
        );
    }
    for (unit, want) in [("BYTE", 3.0 * 1024.0 * 1024.0), ("KB", 3072.0), ("MB", 3.0)] {
        let (s, _, b) = m
            .call(
                "GET",
                &format!("/object/billing/buckets/fid/fid-b/info?sizeunit={unit}"),
                None,
            )
            .await;
        assert_eq!(s, 200);
        assert!(b["total_size"].is_number(), "{b}");
        assert!(b["total_objects"].is_number(), "{b}");
        assert_eq!(b["total_size"].as_f64(), Some(want), "{unit}");
    }
}

#[tokio::test]
async fn namespace_update_keeps_other_fields_and_encryption_is_fixed() {
    let (_sim, m) = setup().await;
    let (s, _, _) = m
        .call(
            "PUT",
            "/object/namespaces/namespace/fid",
            Some(json!({"default_data_services_vpool": "urn:storageos:ReplicationGroupInfo:x:global"})),
        )
        .await;
    assert_eq!(s, 200);
    let (_, _, ns) = m
        .call("GET", "/object/namespaces/namespace/fid", None)
        .await;
    assert_eq!(ns["default_bucket_block_size"].as_i64(), Some(7));
    assert_eq!(ns["is_stale_allowed"].as_bool(), Some(true));
    // "You cannot edit the Name, Server-side Encryption, or Compliance fields after the
    // namespace has been created" (ECS Admin Guide).
    let (s, _, _) = m
        .call(
            "PUT",
            "/object/namespaces/namespace/fid",
            Some(json!({"is_encryption_enabled": true})),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn bucket_tags_are_limited_to_ten_and_a_missing_tag_cannot_be_deleted() {
    let (_sim, m) = setup().await;
    let set = |n: usize, from: usize| json!({"namespace": "fid", "TagSet": (from..from + n).map(|i| json!({"Key": format!("k{i}"), "Value": "v"})).collect::<Vec<_>>()});
    let (s, _, _) = m
        .call("POST", "/object/bucket/fid-b/tags", Some(set(8, 0)))
        .await;
    assert_eq!(s, 200);
    let (s, _, body) = m
        .call("POST", "/object/bucket/fid-b/tags", Some(set(3, 8)))
        .await;
    assert_eq!(s, 400, "11 tags: {body}");
    let (s, _, _) = m
        .call("POST", "/object/bucket/fid-b/tags", Some(set(2, 8)))
        .await;
    assert_eq!(s, 200, "exactly 10");
    let (s, _, _) = m
        .call("DELETE", "/object/bucket/fid-b/tags", Some(set(1, 50)))
        .await;
    assert_eq!(s, 400, "deleting a tag the bucket lacks");
    let (s, _, _) = m
        .call(
            "POST",
            "/object/bucket",
            Some(json!({"name": "fid-many", "namespace": "fid", "TagSet": (0..11).map(|i| json!({"Key": format!("k{i}"), "Value": "v"})).collect::<Vec<_>>()})),
        )
        .await;
    assert_eq!(s, 400, "11 tags at creation");
}

/// A bucket policy that grants `s3:ListBucket` opens the listing only: reading or setting the
/// bucket's lifecycle or CORS needs their own actions (`s3:GetLifecycleConfiguration`,
/// `s3:PutBucketCORS`, ...), as in AWS's action list, which ECS's bucket policies follow (ECS
/// Data Access Guide, "Bucket policy support"). The simulator once took any GET of a bucket
/// for `s3:ListBucket`, which made a public-read-list policy reveal the configurations.
#[tokio::test]
async fn list_bucket_grants_do_not_open_bucket_configurations() {
    use s3aas_http::{HttpClient, HttpConfig, RetryConfig, S3Client, SigV4Signer};
    let (sim, m) = setup().await;
    sim.state()
        .add_object_user("fid", "fid-reader", "reader-secret-0123456789");
    let policy = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": ["fid-reader"]},
        "Action": ["s3:ListBucket", "s3:ListBucketVersions"], "Resource": ["arn:aws:s3:::fid-b"]}]});
    let (s, _, _) = m
        .call(
            "PUT",
            "/object/bucket/fid-b/policy?namespace=fid",
            Some(policy),
        )
        .await;
    assert_eq!(s, 200);
    let reader = S3Client::new(
        "ecs",
        HttpClient::new("ecs", HttpConfig::new().retry(RetryConfig::disabled())).unwrap(),
        url::Url::parse(&sim.s3.uri()).unwrap(),
        SigV4Signer::new(
            "fid-reader",
            s3aas_core::SecretString::from("reader-secret-0123456789".to_string()),
            "us-east-1",
        ),
    );
    assert!(
        reader.is_empty("fid-b").await.unwrap(),
        "the listing is granted"
    );
    for e in [
        reader.get_cors("fid-b").await.unwrap_err(),
        reader.get_lifecycle("fid-b").await.unwrap_err(),
        reader
            .put_cors("fid-b", &[s3aas_core::model::CorsRule::new(["*"], ["GET"])])
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.kind(), s3aas_core::ErrorKind::PermissionDenied, "{e}");
    }
}

/// Billing in ECS's default representation (XML) has the shape of a recorded ECS answer
/// (`curl .../object/billing/buckets/ns1/ns1s3bucket1/info?sizeunit=KB`, oldhenhut.com "ECS
/// metering", 2017): root `bucket_billing_info`, `namespace`, `name`, `sample_time` without
/// fractions, `vpool_id`, `total_size`, `total_size_unit`, `total_objects`, `TagSet`.
#[tokio::test]
async fn billing_xml_has_the_recorded_shape() {
    let (sim, m) = setup().await;
    let r = m
        .http
        .get(format!(
            "{}/object/billing/buckets/fid/fid-b/info?sizeunit=KB",
            sim.mgmt.uri()
        ))
        .header("x-sds-auth-token", &m.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("xml")
    );
    let body = r.text().await.unwrap();
    assert!(body.contains("<bucket_billing_info>"), "{body}");
    for field in [
        "<namespace>fid</namespace>",
        "<name>fid-b</name>",
        "<total_size_unit>KB</total_size_unit>",
        "<total_objects>0</total_objects>",
        "<TagSet>",
        "<vpool_id>",
    ] {
        assert!(body.contains(field), "{field} in {body}");
    }
    let t = body
        .split("<sample_time>")
        .nth(1)
        .and_then(|x| x.split("</sample_time>").next())
        .unwrap();
    assert!(
        t.len() == 20 && t.ends_with('Z') && !t.contains('.'),
        "yyyy-MM-dd'T'HH:mm:ss'Z': {t}"
    );
}
