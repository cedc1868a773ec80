//! The wire protocol against a mock RGW (wiremock): how admin queries are encoded and signed,
//! how RGW's errors map, and that refused capabilities send nothing.

use s3aas_backend_ceph::CephProvider;
use s3aas_core::prelude::*;
use std::sync::Arc;
use wiremock::matchers::{method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "never-shown-secret-0123456789";

fn provider(server: &MockServer) -> Arc<CephProvider> {
    Arc::new(
        CephProvider::builder(
            server.uri(),
            "ADMINKEY",
            SecretString::from(SECRET.to_string()),
        )
        .http(s3aas_http::HttpConfig::default().retry(s3aas_http::RetryConfig::disabled()))
        .build()
        .unwrap(),
    )
}

fn rgw_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .insert_header("x-amz-request-id", "tx-header")
        .set_body_string(format!(
            r#"{{"Code":"{code}","Message":"","RequestId":"tx-body-{code}","HostId":"h"}}"#
        ))
}

fn system_user(display: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "tenant": "acme_1", "user_id": "s3aas", "display_name": display, "suspended": 0,
        "keys": [{"user": "acme_1$s3aas", "access_key": "SYSKEY", "secret_key": SECRET}]
    }))
}

#[tokio::test]
async fn admin_queries_are_strictly_encoded_and_signed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .and(query_param("uid", "acme_1$s3aas"))
        .respond_with(system_user("s3aas-instance:{\"versioning\":false}"))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/admin/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "tenant": "acme_1", "user_id": "a.b", "display_name": "a.b", "suspended": 0, "keys": []
        })))
        .mount(&server)
        .await;
    let p = provider(&server);
    let u = p
        .create_user("acme-1", CreateUser::new("a.b"))
        .await
        .unwrap();
    assert_eq!(u.name, "a.b");
    let reqs = server.received_requests().await.unwrap();
    let put = reqs
        .iter()
        .find(|r| r.method.as_str() == "PUT")
        .expect("a PUT");
    let q = put.url.query().unwrap();
    // `$` percent-encoded, never `+` for anything; parameters in the order RGW documents.
    assert_eq!(q, "uid=acme_1%24a.b&display-name=a.b&generate-key=False");
    let auth = put.headers.get("authorization").unwrap().to_str().unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=ADMINKEY/"),
        "{auth}"
    );
    assert!(auth.contains("/us-east-1/s3/aws4_request"), "{auth}");
    assert!(
        auth.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date"),
        "{auth}"
    );
    for r in &reqs {
        let raw = format!("{:?}", r.url);
        assert!(!raw.contains(SECRET));
    }
}

#[tokio::test]
async fn rgw_errors_keep_status_code_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .respond_with(rgw_error(404, "NoSuchUser"))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/admin/user"))
        .respond_with(rgw_error(409, "UserAlreadyExists"))
        .mount(&server)
        .await;
    let p = provider(&server);
    // A missing system user: the instance does not exist.
    let e = p.get_instance("acme-1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.resource(), Some((ResourceKind::Instance, "acme-1")));
    // A create racing another: 409 from RGW becomes AlreadyExists of the instance.
    let e = p
        .create_instance(CreateInstance::new("acme-1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists, "{e}");
    assert_eq!(e.backend(), Some("ceph"));
    assert_eq!(e.operation(), Some("create_instance"));
    let dbg = format!("{e:?} {e} {p:?}");
    assert!(!dbg.contains(SECRET), "{dbg}");
}

#[tokio::test]
async fn admin_error_details_survive() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("^/admin/"))
        .respond_with(rgw_error(403, "AccessDenied"))
        .mount(&server)
        .await;
    let p = provider(&server);
    let e = p.get_user("acme-1", "alice").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert_eq!(e.http_status(), Some(403));
    assert_eq!(e.code(), Some("AccessDenied"));
    assert_eq!(e.request_id(), Some("tx-body-AccessDenied"));
    let h = p.health().await.unwrap();
    assert!(!h.ready);
    assert_eq!(h.problem, Some(s3aas_core::HealthProblem::PermissionDenied));
}

#[tokio::test]
async fn refused_before_any_request() {
    let server = MockServer::start().await;
    let client = Client::new(provider(&server));
    let e = client
        .set_access_key_enabled("acme-1", "alice", "KEY", false)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.message().contains("access_key_disable"), "{e}");
    let e = client
        .create_bucket(
            "acme-1",
            CreateBucket::new("enc").encryption(Encryption::Aes256),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    // Reserved user names are bad input, before any request.
    let e = client
        .create_user("acme-1", CreateUser::new("s3aas-policies"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn missing_caps_switch_capabilities_off() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .and(query_param("access-key", "ADMINKEY"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "user_id": "admin", "keys": [],
            "caps": [{"type": "users", "perm": "*"}, {"type": "buckets", "perm": "*"},
                     {"type": "metadata", "perm": "read"}]
        })))
        .mount(&server)
        .await;
    let p = provider(&server);
    assert!(p.capabilities().policies, "declared until probed");
    let h = p.health().await.unwrap();
    assert!(h.ready);
    let detail = h.detail.unwrap_or_default();
    assert!(
        detail.contains("user-policy") && detail.contains("metadata=write"),
        "{detail}"
    );
    let c = p.capabilities();
    assert!(!c.policies && !c.policy_attach);
    assert_eq!(c.bucket_quota, Support::No);
    let before = server.received_requests().await.unwrap().len();
    let e = Client::new(p.clone())
        .put_policy(
            "acme-1",
            PutPolicy::new("p", PolicyDocument::bucket_read_only("b")),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(server.received_requests().await.unwrap().len(), before);
}

#[tokio::test]
async fn an_admin_without_core_caps_is_not_ready() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "user_id": "admin", "caps": [{"type": "users", "perm": "read"}]
        })))
        .mount(&server)
        .await;
    let h = provider(&server).health().await.unwrap();
    assert!(!h.ready);
    assert_eq!(h.problem, Some(s3aas_core::HealthProblem::PermissionDenied));
    assert!(h.detail.unwrap().contains("buckets=write"));
}

fn user(tenant: &str, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "tenant": tenant, "user_id": name, "display_name": name, "suspended": 0, "keys": []
    }))
}

/// A mock RGW with instance `acme-1`, its user `alice` (no inline policies) and `alice`'s
/// user quota of 64 KiB; `bob` is missing. Quota writes answer `200` with no body, as RGW does.
async fn quota_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .and(query_param("uid", "acme_1$s3aas"))
        .respond_with(system_user("s3aas-instance:{\"versioning\":false}"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .and(query_param("uid", "acme_1$alice"))
        .and(query_param("quota", ""))
        .and(query_param("quota-type", "user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "enabled": true, "check_on_raw": false, "max_size": 65536, "max_size_kb": 64,
            "max_objects": -1
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .and(query_param("uid", "acme_1$alice"))
        .respond_with(user("acme_1", "alice"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .and(query_param("uid", "acme_1$bob"))
        .respond_with(rgw_error(404, "NoSuchUser"))
        .mount(&server)
        .await;
    // IAM ListUserPolicies of a user without inline policies.
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(404).set_body_string(
            "<ErrorResponse><Error><Code>NoSuchEntity</Code><Message></Message></Error>\
             <RequestId>tx-iam</RequestId></ErrorResponse>",
        ))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/admin/user"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

async fn quota_puts(server: &MockServer) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .collect()
}

#[tokio::test]
async fn user_quota_is_set_removed_and_read_as_rgw_takes_it() {
    use s3aas_backend_ceph::UserQuota;
    let server = quota_server().await;
    let p = provider(&server);
    let q = UserQuota {
        max_size_bytes: Some(65536),
        max_objects: None,
    };
    p.set_user_quota("acme-1", "alice", Some(q)).await.unwrap();
    p.set_user_quota("acme-1", "alice", None).await.unwrap();
    let puts = quota_puts(&server).await;
    assert_eq!(puts.len(), 2);
    // Query parameters only (Pacific answers a JSON body with 501), all three every time (a
    // parameter left out keeps its old value), bytes in `max-size`, strictly encoded.
    assert_eq!(
        puts[0].url.query().unwrap(),
        "quota&uid=acme_1%24alice&quota-type=user&enabled=true&max-size=65536&max-objects=-1"
    );
    assert_eq!(
        puts[1].url.query().unwrap(),
        "quota&uid=acme_1%24alice&quota-type=user&enabled=false&max-size=-1&max-objects=-1"
    );
    for put in &puts {
        assert!(put.body.is_empty());
        let auth = put.headers.get("authorization").unwrap().to_str().unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=ADMINKEY/"),
            "{auth}"
        );
    }
    assert_eq!(p.get_user_quota("acme-1", "alice").await.unwrap(), Some(q));
    let get = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .rfind(|r| r.method.as_str() == "GET")
        .unwrap();
    assert_eq!(
        get.url.query().unwrap(),
        "quota&uid=acme_1%24alice&quota-type=user"
    );
    // A missing user is NotFound of the user, and nothing is written.
    let e = p
        .set_user_quota("acme-1", "bob", Some(q))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.resource(), Some((ResourceKind::User, "bob")));
    assert_eq!(e.operation(), Some("set_user_quota"));
    let e = p.get_user_quota("acme-1", "bob").await.unwrap_err();
    assert_eq!(e.resource(), Some((ResourceKind::User, "bob")));
    assert_eq!(quota_puts(&server).await.len(), 2);
}

#[tokio::test]
async fn user_quota_errors_keep_status_code_and_request_id() {
    use s3aas_backend_ceph::UserQuota;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .and(query_param("uid", "acme_1$s3aas"))
        .respond_with(system_user("s3aas-instance:{\"versioning\":false}"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .and(query_param("uid", "acme_1$alice"))
        .respond_with(user("acme_1", "alice"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(404).set_body_string(
            "<ErrorResponse><Error><Code>NoSuchEntity</Code></Error></ErrorResponse>",
        ))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/admin/user"))
        .respond_with(rgw_error(403, "AccessDenied"))
        .mount(&server)
        .await;
    let p = provider(&server);
    let q = UserQuota {
        max_size_bytes: None,
        max_objects: Some(10),
    };
    let e = p
        .set_user_quota("acme-1", "alice", Some(q))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert_eq!(e.http_status(), Some(403));
    assert_eq!(e.code(), Some("AccessDenied"));
    assert_eq!(e.request_id(), Some("tx-body-AccessDenied"));
    assert_eq!(e.backend(), Some("ceph"));
    assert_eq!(e.operation(), Some("set_user_quota"));
    let dbg = format!("{e:?} {e}");
    assert!(!dbg.contains(SECRET), "{dbg}");
}

#[tokio::test]
async fn invalid_user_quotas_send_nothing() {
    use s3aas_backend_ceph::UserQuota;
    let server = MockServer::start().await;
    let p = provider(&server);
    let cases = [
        (
            "alice",
            UserQuota {
                max_size_bytes: None,
                max_objects: None,
            },
            "quota",
        ),
        (
            "alice",
            UserQuota {
                max_size_bytes: Some(0),
                max_objects: None,
            },
            "max_size_bytes",
        ),
        (
            "alice",
            UserQuota {
                max_size_bytes: Some(1 << 20),
                max_objects: Some(0),
            },
            "max_objects",
        ),
        (
            "alice",
            UserQuota {
                max_size_bytes: Some(u64::MAX),
                max_objects: None,
            },
            "max_size_bytes",
        ),
        (
            "s3aas",
            UserQuota {
                max_size_bytes: Some(1 << 20),
                max_objects: None,
            },
            "user",
        ),
    ];
    for (user, q, field) in cases {
        let e = p.set_user_quota("acme-1", user, Some(q)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{q:?}: {e}");
        assert_eq!(e.field(), Some(field), "{q:?}: {e}");
        assert_eq!(e.operation(), Some("set_user_quota"));
    }
    let e = p.set_user_quota("acme-1", "s3aas", None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = p
        .get_user_quota("acme-1", "s3aas-policies")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(server.received_requests().await.unwrap().is_empty());
}

fn s3_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_string(format!(
        "<Error><Code>{code}</Code><BucketName>b</BucketName><RequestId>tx-{code}</RequestId></Error>"
    ))
}

/// A mock RGW with instance `acme-1` and its bucket `data` (owned by the system user, with
/// object lock and a default retention; lifecycle rules as RGW answers them: sorted by id, a
/// rule without filter given a rule-level empty `<Prefix>`), and no bucket `fresh`.
async fn bucket_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .and(query_param("uid", "acme_1$s3aas"))
        .respond_with(system_user("s3aas-instance:{\"versioning\":false}"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/admin/bucket"))
        .and(query_param("bucket", "acme_1/data"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "bucket": "data", "owner": "acme_1$s3aas", "usage": {}, "bucket_quota": {}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/admin/bucket"))
        .and(query_param("bucket", "acme_1/fresh"))
        .respond_with(rgw_error(404, "NoSuchBucket"))
        .mount(&server)
        .await;
    let sub = |s: &'static str, body: &'static str| async move {
        Mock::given(method("GET"))
            .and(path("/data"))
            .and(query_param(s, ""))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
    };
    for (s, body) in [
        (
            "versioning",
            "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
        ),
        (
            "lifecycle",
            "<LifecycleConfiguration><Rule><ID>a-tmp</ID><Filter><Prefix>tmp/</Prefix><And><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule><Rule><ID>b-old</ID><Prefix></Prefix><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>",
        ),
        (
            "cors",
            "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
        ),
        (
            "object-lock",
            "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>",
        ),
    ] {
        sub(s, body).await.mount(&server).await;
    }
    Mock::given(method("GET"))
        .and(path("/data"))
        .and(query_param("policy", ""))
        .respond_with(s3_error(404, "NoSuchBucketPolicy"))
        .mount(&server)
        .await;
    server
}

async fn s3_writes(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() != "GET" && !r.url.path().starts_with("/admin"))
        .map(|r| {
            format!(
                "{} {}?{}",
                r.method,
                r.url.path(),
                r.url.query().unwrap_or("")
            )
        })
        .collect()
}

#[tokio::test]
async fn bucket_features_are_read_as_rgw_answers_them() {
    let server = bucket_server().await;
    let b = provider(&server)
        .get_bucket("acme-1", "data")
        .await
        .unwrap();
    assert_eq!(
        b.lifecycle,
        Some(vec![
            LifecycleRule::new("a-tmp")
                .prefix("tmp/")
                .tag("k", "v")
                .enabled(false)
                .expire_after_days(1),
            LifecycleRule::new("b-old").expire_noncurrent_after_days(7),
        ])
    );
    assert_eq!(b.cors, Some(vec![CorsRule::new(["*"], ["GET"])]));
    assert_eq!(b.object_lock, Some(true));
    assert_eq!(
        b.retention,
        Some(Some(DefaultRetention::days(RetentionMode::Governance, 1)))
    );
    assert_eq!(b.durability, None, "RGW has no per-bucket durability");
    // S3 calls are signed as the instance's system user.
    let reqs = server.received_requests().await.unwrap();
    let lc = reqs
        .iter()
        .find(|r| r.url.query() == Some("lifecycle"))
        .unwrap();
    let auth = lc.headers.get("authorization").unwrap().to_str().unwrap();
    assert!(auth.contains("Credential=SYSKEY/"), "{auth}");
}

#[tokio::test]
async fn a_feature_refused_at_create_purges_the_bucket_and_names_the_feature() {
    let server = bucket_server().await;
    for (sub, resp) in [
        ("object-lock", ResponseTemplate::new(200)),
        ("lifecycle", ResponseTemplate::new(200)),
        ("cors", s3_error(400, "MalformedXML")),
    ] {
        Mock::given(method("PUT"))
            .and(path("/fresh"))
            .and(query_param(sub, ""))
            .respond_with(resp)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("PUT"))
        .and(path("/fresh"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/admin/bucket"))
        .and(query_param("bucket", "acme_1/fresh"))
        .and(query_param("purge-objects", "true"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let e = provider(&server)
        .create_bucket(
            "acme-1",
            CreateBucket::new("fresh")
                .retention(DefaultRetention::days(RetentionMode::Governance, 1))
                .lifecycle_rule(LifecycleRule::new("x").expire_after_days(1))
                .cors_rule(CorsRule::new(["*"], ["GET"])),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(
        e.message().contains("CORS rules") && e.message().contains("deleted again"),
        "{e}"
    );
    assert_eq!(
        s3_writes(&server).await,
        [
            "PUT /fresh?",
            "PUT /fresh?object-lock",
            "PUT /fresh?lifecycle",
            "PUT /fresh?cors"
        ]
    );
    let reqs = server.received_requests().await.unwrap();
    let create = reqs
        .iter()
        .find(|r| r.method.as_str() == "PUT" && r.url.query().is_none())
        .unwrap();
    assert_eq!(
        create
            .headers
            .get("x-amz-bucket-object-lock-enabled")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    let lock = reqs
        .iter()
        .find(|r| r.url.query() == Some("object-lock"))
        .unwrap();
    let body = String::from_utf8_lossy(&lock.body);
    assert!(
        body.contains("<Mode>GOVERNANCE</Mode><Days>1</Days>"),
        "{body}"
    );
}

#[tokio::test]
async fn a_retention_on_a_bucket_without_lock_is_a_conflict_before_any_write() {
    let server = bucket_server().await;
    // `data` here was made without object lock (RGW answers this to `GET ?object-lock`).
    Mock::given(method("GET"))
        .and(path("/data"))
        .and(query_param("object-lock", ""))
        .respond_with(s3_error(404, "ObjectLockConfigurationNotFoundError"))
        .with_priority(1)
        .mount(&server)
        .await;
    let p = provider(&server);
    let e = p
        .update_bucket(
            "acme-1",
            "data",
            UpdateBucket::new()
                .retention(DefaultRetention::days(RetentionMode::Governance, 1))
                .cors(Vec::new()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert_eq!(e.resource(), Some((ResourceKind::Bucket, "data")));
    assert_eq!(e.operation(), Some("update_bucket"));
    // Clearing a retention such a bucket never had sends nothing (RGW would refuse it).
    p.update_bucket("acme-1", "data", UpdateBucket::new().clear_retention())
        .await
        .unwrap();
    assert!(
        s3_writes(&server).await.is_empty(),
        "{:?}",
        s3_writes(&server).await
    );
}

#[tokio::test]
async fn instance_usage_is_one_stats_call_after_the_system_user() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .and(query_param("uid", "acme_1$s3aas"))
        .respond_with(system_user("s3aas-instance:{\"versioning\":false}"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/admin/bucket"))
        .and(query_param("uid", "acme_1$s3aas"))
        .and(query_param("stats", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
            {"bucket": "a", "owner": "acme_1$s3aas",
             "usage": {"rgw.main": {"size": 1000, "num_objects": 1},
                       "rgw.multimeta": {"size": 0, "num_objects": 1}}},
            {"bucket": "b", "owner": "acme_1$s3aas", "usage": {}},
            {"bucket": "c", "owner": "acme_1$s3aas",
             "usage": {"rgw.main": {"size": 24, "num_objects": 1}}}
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .and(query_param("uid", "acme_2$s3aas"))
        .respond_with(rgw_error(404, "NoSuchUser"))
        .mount(&server)
        .await;
    let p = provider(&server);
    let u = p.instance_usage("acme-1").await.unwrap();
    assert_eq!(
        (u.instance.as_str(), u.bytes, u.objects, u.buckets),
        ("acme-1", 1024, Some(3), 3)
    );
    assert_eq!(u.source, UsageSource::BucketScan);
    assert!(u.as_of.is_some());
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2, "the system user, then one stats call");
    assert_eq!(reqs[1].url.query(), Some("uid=acme_1%24s3aas&stats=true"));
    let e = p.instance_usage("acme-2").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.resource(), Some((ResourceKind::Instance, "acme-2")));
    assert_eq!(e.operation(), Some("instance_usage"));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn replication_and_durability_are_refused_before_any_request() {
    let server = MockServer::start().await;
    let client = Client::new(provider(&server));
    let caps = client.capabilities();
    assert_eq!(caps.bucket_replication, Support::No);
    assert!(!caps.bucket_durability && caps.instance_usage);
    assert_eq!(
        (
            caps.bucket_lifecycle,
            caps.bucket_cors,
            caps.bucket_retention
        ),
        (Support::Yes, Support::Yes, Support::Yes)
    );
    let dest = ReplicationDestination::new(
        "https://dr.example",
        "dr",
        "AKDR",
        SecretString::from("dr-secret".to_string()),
    );
    let e = client
        .create_bucket(
            "acme-1",
            CreateBucket::new("data")
                .versioning(true)
                .replication_rule(ReplicationRule::new("r", 1, dest)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.message().contains("bucket_replication"), "{e}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn features_switched_off_by_configuration_are_not_read() {
    let server = bucket_server().await;
    let caps = Capabilities::all()
        .restricted("bucket_lifecycle=no,bucket_cors=no,bucket_retention=no")
        .unwrap();
    let p = CephProvider::builder(
        server.uri(),
        "ADMINKEY",
        SecretString::from(SECRET.to_string()),
    )
    .capabilities(caps)
    .build()
    .unwrap();
    let b = p.get_bucket("acme-1", "data").await.unwrap();
    assert_eq!((b.lifecycle, b.cors, b.retention), (None, None, None));
    assert_eq!(b.object_lock, Some(true), "the lock is still read");
    let subs: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.url.query().map(str::to_string))
        .filter(|q| ["lifecycle", "cors"].contains(&q.as_str()))
        .collect();
    assert!(subs.is_empty(), "{subs:?}");
}
