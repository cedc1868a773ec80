//! RustFS protocol tests against wiremock: exact paths and bodies, error mapping of RustFS's
//! XML errors and odd status codes, and refusals that must not send any request.

use s3aas_backend_rustfs::RustfsProvider;
use s3aas_core::HealthProblem;
use s3aas_core::prelude::*;
use s3aas_http::{HttpConfig, RetryConfig};
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn provider(server: &MockServer) -> RustfsProvider {
    RustfsProvider::builder(
        server.uri(),
        "admin",
        SecretString::from("admin-secret-123".to_string()),
    )
    .http(HttpConfig::new().retry(RetryConfig::disabled()))
    .build()
    .unwrap()
}

fn xml_error(status: u16, code: &str, msg: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/xml")
        .set_body_string(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{msg}</Message><RequestId>RID-{status}</RequestId></Error>"))
}

/// The system bucket exists and holds instance `acme`.
async fn with_instance(server: &MockServer) {
    Mock::given(method("HEAD"))
        .and(path("/s3aas-system"))
        .respond_with(ResponseTemplate::new(200))
        .mount(server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/s3aas-system/v1/instances/acme"))
        .respond_with(ResponseTemplate::new(200))
        .mount(server)
        .await;
    let rec = json!({"v":1,"name":"acme","default_bucket":null,"encryption":"none","versioning":false,"labels":{},"created":"2026-11-23T07:00:00Z","state":"active"});
    Mock::given(method("GET"))
        .and(path("/s3aas-system/v1/instances/acme"))
        .respond_with(ResponseTemplate::new(200).set_body_json(rec))
        .mount(server)
        .await;
}

#[tokio::test]
async fn refusals_send_no_request() {
    let server = MockServer::start().await;
    // Refusals come from the checked front door every provider is used through.
    let p = provider(&server).into_client();
    let e = p
        .create_instance(
            CreateInstance::new("acme")
                .versioning(true)
                .mfa_delete(true),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.message().contains("instance_mfa_delete"), "{e}");
    let e = p
        .create_bucket("acme", CreateBucket::new("Bad_Name"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::InvalidInput, Some("bucket.name"))
    );
    let e = p
        .create_bucket(
            "acme",
            CreateBucket::new("b-1").quota(Quota::hard(10).with_notification(5)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let e = p
        .create_user("acme", CreateUser::new("alice").tag("a", "b"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let e = p
        .create_access_key(
            "acme",
            "alice",
            CreateAccessKey::new().expiration(time::OffsetDateTime::now_utc()),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.field()),
        (ErrorKind::InvalidInput, Some("access_key.expiration"))
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        0,
        "nothing may reach the server"
    );
}

#[tokio::test]
async fn missing_user_keeps_status_code_and_request_id() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .and(query_param("accessKey", "acme--ghost"))
        .respond_with(xml_error(
            404,
            "NoSuchResource",
            "The specified resource does not exist",
        ))
        .mount(&server)
        .await;
    let e = provider(&server)
        .get_user("acme", "ghost")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.resource(), Some((ResourceKind::User, "ghost")));
    assert_eq!(e.http_status(), Some(404));
}

#[tokio::test]
async fn user_info_maps_status_and_policies_of_the_instance_only() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .and(query_param("accessKey", "acme--alice"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"policyName":"acme--rw,other--rw,acme--ro","status":"disabled","memberOf":["s3aas-acme"],"updatedAt":"2026-11-23T07:00:00Z"})))
        .mount(&server)
        .await;
    let p = provider(&server);
    let u = p.get_user("acme", "alice").await.unwrap();
    assert!(!u.enabled);
    assert_eq!(
        p.list_attached_policies("acme", "alice").await.unwrap(),
        vec!["ro".to_string(), "rw".to_string()]
    );
}

#[tokio::test]
async fn policy_in_use_is_a_conflict_with_the_server_message() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/remove-canned-policy"))
        .and(query_param("name", "acme--rw"))
        .respond_with(xml_error(500, "InternalError", "policy is in use"))
        .mount(&server)
        .await;
    let e = provider(&server)
        .delete_policy("acme", "rw")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert_eq!(e.code(), Some("InternalError"));
    assert_eq!(e.message(), "policy is in use");
    assert_eq!(e.request_id(), Some("RID-500"));
}

#[tokio::test]
async fn key_updates_resend_the_session_policy_and_deletes_are_idempotent() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    let session = PolicyDocument::bucket_read_only("b1");
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/info-service-account"))
        .and(query_param("accessKey", "KEY1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "parentUser":"acme--alice","accountStatus":"on","impliedPolicy":false,
            "policy": session.to_json(), "name":"ci","expiration":null})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rustfs/admin/v3/update-service-account"))
        .and(query_param("accessKey", "KEY1"))
        .and(body_partial_json(
            json!({"newStatus":"off","newPolicy": session.as_value()}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/delete-service-account"))
        .respond_with(xml_error(
            400,
            "InvalidRequest",
            "service account not exist",
        ))
        .mount(&server)
        .await;
    let p = provider(&server);
    let k = p.get_access_key("acme", "alice", "KEY1").await;
    // get needs user-info first; without it the user is reported missing.
    assert!(k.is_err());
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"enabled"})))
        .mount(&server)
        .await;
    let k = p.get_access_key("acme", "alice", "KEY1").await.unwrap();
    assert_eq!(k.name.as_deref(), Some("ci"));
    assert!(k.session_policy.as_ref().unwrap().semantically_eq(&session));
    p.set_access_key_enabled("acme", "alice", "KEY1", false)
        .await
        .unwrap();
    p.delete_access_key("acme", "alice", "KEY1").await.unwrap();
    // A key of another user is not this user's key.
    let e = p.get_access_key("acme", "bob", "KEY1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn add_user_sends_explicit_status_and_joins_the_group() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(xml_error(404, "NoSuchResource", "no such user"))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/add-user"))
        .and(query_param("accessKey", "acme--alice"))
        .and(body_partial_json(json!({"status":"disabled"})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/update-group-members"))
        .and(body_partial_json(
            json!({"group":"s3aas-acme","members":["acme--alice"],"isRemove":false}),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let u = provider(&server)
        .create_user("acme", CreateUser::new("alice").enabled(false))
        .await
        .unwrap();
    assert!(!u.enabled);
    let reqs = server.received_requests().await.unwrap();
    let add: &Request = reqs
        .iter()
        .find(|r| r.url.path().ends_with("add-user"))
        .unwrap();
    assert!(
        add.headers.contains_key("x-amz-content-sha256")
            && add.headers.contains_key("authorization"),
        "admin calls are SigV4-signed"
    );
    let secret = serde_json::from_slice::<serde_json::Value>(&add.body).unwrap()["secretKey"]
        .as_str()
        .unwrap()
        .len();
    assert!(
        secret >= 40,
        "the user gets a long random secret nobody sees"
    );
}

#[tokio::test]
async fn unknown_instance_is_not_found_before_any_admin_call() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path("/s3aas-system"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/s3aas-system/v1/instances/nope"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let e = provider(&server)
        .create_user("nope", CreateUser::new("alice"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.resource(), Some((ResourceKind::Instance, "nope")));
    let reqs = server.received_requests().await.unwrap();
    assert!(
        reqs.iter()
            .all(|r| !r.url.path().starts_with("/rustfs/admin")),
        "no admin call for a missing instance"
    );
}

/// The fault matrix on RustFS's own dialect: XML errors with 5xx/429/`Retry-After`, bounded
/// retries only where safe, timeouts, malformed and wrongly typed bodies.
#[tokio::test]
async fn fault_matrix() {
    use std::time::{Duration, Instant};
    let server = MockServer::start().await;
    with_instance(&server).await;
    let p = RustfsProvider::builder(
        server.uri(),
        "admin",
        SecretString::from("admin-secret-123".to_string()),
    )
    .http(s3aas_fakes::fault_test_http(Duration::from_millis(1500)))
    .build()
    .unwrap();
    // The healthy answer, behind every fault below (faults have priority 1).
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status":"enabled","memberOf":["s3aas-acme"]})),
        )
        .with_priority(5)
        .mount(&server)
        .await;
    let fault = |resp: ResponseTemplate, times: u64| {
        Mock::given(method("GET"))
            .and(path("/rustfs/admin/v3/user-info"))
            .respond_with(resp)
            .up_to_n_times(times)
            .with_priority(1)
    };
    // 503 with Retry-After twice, then served.
    fault(
        xml_error(503, "ServiceUnavailable", "Please reduce your request rate")
            .insert_header("retry-after", "0"),
        2,
    )
    .mount(&server)
    .await;
    assert!(p.get_user("acme", "alice").await.unwrap().enabled);
    // 500 on every attempt: three attempts, then the XML error kept whole.
    fault(xml_error(500, "InternalError", "injected"), 3)
        .mount(&server)
        .await;
    let e = p.get_user("acme", "alice").await.unwrap_err();
    assert_eq!(
        (e.code(), e.request_id()),
        (Some("InternalError"), Some("RID-500"))
    );
    // 429 is Throttled when it persists.
    fault(xml_error(429, "SlowDown", "slow down"), 3)
        .mount(&server)
        .await;
    let e = p.get_user("acme", "alice").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Throttled);
    assert!(e.retries_exhausted());
    // A hung answer times out within the bound.
    fault(
        ResponseTemplate::new(200).set_delay(Duration::from_secs(20)),
        3,
    )
    .mount(&server)
    .await;
    let started = Instant::now();
    assert_eq!(
        p.get_user("acme", "alice").await.unwrap_err().kind(),
        ErrorKind::Timeout
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // Truncated JSON and an HTML page are Backend errors, not panics.
    fault(
        ResponseTemplate::new(200).set_body_string("{\"status\":\"ena"),
        1,
    )
    .mount(&server)
    .await;
    assert_eq!(
        p.get_user("acme", "alice").await.unwrap_err().kind(),
        ErrorKind::Backend
    );
    fault(
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/html")
            .set_body_string("<html>proxy login</html>"),
        1,
    )
    .mount(&server)
    .await;
    assert_eq!(
        p.get_user("acme", "alice").await.unwrap_err().kind(),
        ErrorKind::Backend
    );
    // A create is not repeated after a 502 (it may have happened).
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/add-service-account"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .expect(1)
        .mount(&server)
        .await;
    let e = p
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(p.get_user("acme", "alice").await.is_ok(), "healthy again");
}

/// Bucket `b1` of `acme`: registered, with nothing configured (RustFS's "not configured"
/// answers).
async fn with_bucket(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/s3aas-system/v1/buckets/acme/b1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"created":"2026-11-23T07:00:00Z"})),
        )
        .mount(server)
        .await;
    let sub = |q: &'static str, resp: ResponseTemplate| {
        Mock::given(method("GET"))
            .and(path("/b1"))
            .and(query_param(q, ""))
            .respond_with(resp)
            .with_priority(5)
    };
    sub(
        "versioning",
        ResponseTemplate::new(200).set_body_string("<VersioningConfiguration/>"),
    )
    .mount(server)
    .await;
    sub(
        "encryption",
        xml_error(
            400,
            "ServerSideEncryptionConfigurationNotFoundError",
            "none",
        ),
    )
    .mount(server)
    .await;
    sub(
        "object-lock",
        xml_error(404, "ObjectLockConfigurationNotFoundError", "none"),
    )
    .mount(server)
    .await;
    sub("policy", xml_error(404, "NoSuchBucketPolicy", "none"))
        .mount(server)
        .await;
    sub("tagging", xml_error(404, "NoSuchTagSet", "none"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn failed_quota_read_leaves_the_quota_unknown() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/get-bucket-quota"))
        .respond_with(xml_error(500, "InternalError", "quota subsystem not ready"))
        .mount(&server)
        .await;
    let b = provider(&server).get_bucket("acme", "b1").await.unwrap();
    assert_eq!(b.quota, None, "unknown, not 'no quota'");
    assert_eq!(b.versioning, Some(Versioning::Unversioned));
}

/// RustFS 1.0.1 refuses quotas with 503 for a few seconds after startup, and can deny a bucket
/// that exists with `NoSuchBucket` right after it answered HEAD: both are retried (bounded),
/// even with the transport's own retries off.
#[tokio::test]
async fn quota_503_and_passing_no_such_bucket_are_retried() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/set-bucket-quota"))
        .respond_with(xml_error(
            503,
            "ServiceUnavailable",
            "durable quota capability is not confirmed across the cluster",
        ))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/set-bucket-quota"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .with_priority(5)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/get-bucket-quota"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"quota": 1048576, "size": 1048576, "quotatype": "hard"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .and(query_param("versioning", ""))
        .respond_with(xml_error(
            404,
            "NoSuchBucket",
            "The specified bucket does not exist",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .and(query_param("versioning", ""))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .with_priority(5)
        .mount(&server)
        .await;
    let b = provider(&server)
        .update_bucket(
            "acme",
            "b1",
            UpdateBucket::new()
                .versioning(true)
                .quota(Quota::hard(1 << 20)),
        )
        .await
        .unwrap();
    assert_eq!(b.quota, Some(Some(Quota::hard(1 << 20))));
}

#[tokio::test]
async fn a_key_made_for_someone_else_is_deleted_and_refused() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"enabled"})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/add-service-account"))
        .and(body_partial_json(json!({"targetUser":"acme--alice"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"credentials":{"accessKey":"ROOTKEY1","secretKey":"root-powered-secret-1234"}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/info-service-account"))
        .and(query_param("accessKey", "ROOTKEY1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"parentUser":"admin","accountStatus":"on","impliedPolicy":true}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/delete-service-account"))
        .and(query_param("accessKey", "ROOTKEY1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let e = provider(&server)
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend, "{e}");
    assert!(
        e.message().contains("instead of 'acme--alice'") && e.message().contains("deleted again"),
        "{e}"
    );
    let shown = format!("{e} {e:?}");
    assert!(
        !shown.contains("root-powered-secret"),
        "the secret never shows: {shown}"
    );
}

#[tokio::test]
async fn delete_user_keeps_the_user_when_leaving_the_group_fails() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"enabled"})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/update-group-members"))
        .and(body_partial_json(
            json!({"group":"s3aas-acme","members":["acme--alice"],"isRemove":true}),
        ))
        .respond_with(xml_error(500, "InternalError", "storage write failed"))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/remove-user"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let e = provider(&server)
        .delete_user("acme", "alice")
        .await
        .unwrap_err();
    assert_eq!(
        (e.http_status(), e.code(), e.request_id()),
        (Some(500), Some("InternalError"), Some("RID-500"))
    );
    assert!(
        e.message().contains("the user was kept") && e.message().contains("storage write failed"),
        "{e}"
    );
    // 404 (group or user already gone) is what leaving wants: the user is then removed.
    server.reset().await;
    with_instance(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"enabled"})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/update-group-members"))
        .respond_with(xml_error(
            404,
            "NoSuchResource",
            "group 's3aas-acme' does not exist",
        ))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/remove-user"))
        .and(query_param("accessKey", "acme--alice"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    provider(&server)
        .delete_user("acme", "alice")
        .await
        .unwrap();
}

/// A stock RustFS (no master key, no KMS) refuses SSE-S3 writes: the probe (a multipart upload,
/// aborted) finds out, and an encrypted instance is refused before its record or bucket exist.
#[tokio::test]
async fn encryption_on_a_stock_server_is_refused_before_anything_is_written() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path("/s3aas-system"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/s3aas-system/v1/instances/acme"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/s3aas-system/.s3aas/probe/sse-s3"))
        .and(query_param("uploads", ""))
        .respond_with(xml_error(
            400,
            "InvalidRequest",
            "SSE-S3 requires RUSTFS_SSE_S3_MASTER_KEY to be set to a base64-encoded 32-byte key when KMS is not configured",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let p = provider(&server);
    assert_eq!(
        p.capabilities().bucket_encryption,
        Support::Yes,
        "not probed yet"
    );
    for _ in 0..2 {
        let e = p
            .create_instance(
                CreateInstance::new("acme")
                    .default_bucket("acme-data")
                    .encryption(Encryption::Aes256),
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert_eq!(
            (e.http_status(), e.code()),
            (Some(400), Some("InvalidRequest"))
        );
        assert_eq!(e.request_id(), Some("RID-400"));
        assert!(
            e.message().contains("capability `instance_encryption`"),
            "{e}"
        );
        assert!(
            e.message()
                .contains("start RustFS with RUSTFS_SSE_S3_MASTER_KEY"),
            "{e}"
        );
    }
    assert_eq!(p.capabilities().bucket_encryption, Support::No);
    assert_eq!(p.capabilities().instance_encryption, Support::No);
    let reqs = server.received_requests().await.unwrap();
    assert!(
        reqs.iter().all(|r| r.method.as_str() != "PUT"),
        "nothing written: {:?}",
        reqs.iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect::<Vec<_>>()
    );
}

/// The probe's upload is aborted whatever it says; a server that accepts the upload without
/// confirming encryption does not count as serving SSE-S3.
#[tokio::test]
async fn sse_probe_aborts_its_upload_and_needs_the_encryption_header() {
    for confirmed in [true, false] {
        let server = MockServer::start().await;
        Mock::given(method("HEAD"))
            .and(path("/s3aas-system"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let mut init = ResponseTemplate::new(200).set_body_string(
            "<InitiateMultipartUploadResult><Bucket>s3aas-system</Bucket><Key>.s3aas/probe/sse-s3</Key><UploadId>UP-1</UploadId></InitiateMultipartUploadResult>",
        );
        if confirmed {
            init = init.insert_header("x-amz-server-side-encryption", "AES256");
        }
        Mock::given(method("POST"))
            .and(path("/s3aas-system/.s3aas/probe/sse-s3"))
            .and(query_param("uploads", ""))
            .and(wiremock::matchers::header(
                "x-amz-server-side-encryption",
                "AES256",
            ))
            .respond_with(init)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path("/s3aas-system/.s3aas/probe/sse-s3"))
            .and(query_param("uploadId", "UP-1"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
        let caps = provider(&server).probe_capabilities().await.unwrap();
        let want = if confirmed { Support::Yes } else { Support::No };
        assert_eq!(
            (caps.bucket_encryption, caps.instance_encryption),
            (want, want)
        );
    }
}

/// A provider whose requests time out after `ms` and are tried three times (see
/// [`s3aas_fakes::fault_test_http`]).
fn faulty(server: &MockServer, ms: u64) -> RustfsProvider {
    RustfsProvider::builder(
        server.uri(),
        "admin",
        SecretString::from("admin-secret-123".to_string()),
    )
    .http(s3aas_fakes::fault_test_http(
        std::time::Duration::from_millis(ms),
    ))
    .build()
    .unwrap()
}

/// The answers a new bucket `b1` of `acme` gets once it exists: registration and the read-back.
async fn new_bucket_answers(server: &MockServer) {
    with_bucket(server).await;
    Mock::given(method("PUT"))
        .and(path("/s3aas-system/v1/buckets/acme/b1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/get-bucket-quota"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"quota": 0, "size": 0})))
        .mount(server)
        .await;
}

/// `PUT /b1` acts but its answer never arrives (held past the client's timeout): the bucket is
/// found with HEAD and configured and registered as if the answer had come, without a second
/// PUT. Before, it was reported as a timeout and left, unregistered.
#[tokio::test]
async fn a_bucket_whose_answer_was_lost_is_found_and_finished() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    new_bucket_answers(&server).await;
    // Absent for the pre-check, present afterwards.
    Mock::given(method("HEAD"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(404))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(5)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    let b = faulty(&server, 400)
        .create_bucket("acme", CreateBucket::new("b1"))
        .await
        .unwrap();
    assert_eq!(b.name, "b1");
}

/// `PUT /b1` never reaches the server (here: answered too late, and HEAD still says absent):
/// it is sent once more, which makes the bucket.
#[tokio::test]
async fn a_bucket_create_that_did_not_land_is_sent_again() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    new_bucket_answers(&server).await;
    Mock::given(method("HEAD"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(5)
        .expect(1)
        .mount(&server)
        .await;
    faulty(&server, 400)
        .create_bucket("acme", CreateBucket::new("b1"))
        .await
        .unwrap();
}

/// When whether a bucket was made cannot be found out, it is deleted in case; if that fails
/// too, the error is `Partial` and names the bucket, keeping the transport's error.
#[tokio::test]
async fn an_unknowable_bucket_is_removed_in_case_or_named() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    // The pre-check answers; after the lost PUT nothing does.
    Mock::given(method("HEAD"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(404))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let hung = || ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5));
    for m in ["HEAD", "PUT", "DELETE"] {
        Mock::given(method(m))
            .and(path("/b1"))
            .respond_with(hung())
            .with_priority(5)
            .mount(&server)
            .await;
    }
    let e = faulty(&server, 300)
        .create_bucket("acme", CreateBucket::new("b1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Partial, "{e}");
    assert!(
        e.message()
            .contains("bucket 'b1' may have been left behind")
            && e.message().contains("PUT /b1"),
        "{e}"
    );
    assert_eq!(e.operation(), Some("create_bucket"));
}

/// `add-service-account` with an id chosen by the SDK: when its answer is lost, the key is
/// looked up by that id and returned with the secret that was sent; no second key is made.
#[tokio::test]
async fn a_key_whose_answer_was_lost_is_found_by_its_chosen_id() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"enabled"})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/add-service-account"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/info-service-account"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"parentUser":"acme--alice","accountStatus":"on","impliedPolicy":true}),
        ))
        .mount(&server)
        .await;
    let k = faulty(&server, 400)
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    let sent: Vec<Request> = server.received_requests().await.unwrap();
    let body: serde_json::Value = sent
        .iter()
        .find(|r| r.url.path().ends_with("add-service-account"))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .unwrap();
    assert_eq!(
        body["accessKey"].as_str(),
        Some(k.key.access_key_id.as_str())
    );
    assert_eq!(
        body["secretKey"].as_str(),
        Some(k.secret_access_key.expose_secret())
    );
    assert!(
        sent.iter()
            .any(|r| r.url.path().ends_with("info-service-account")
                && r.url
                    .query()
                    .unwrap_or_default()
                    .contains(&k.key.access_key_id)),
        "looked up by its id"
    );
}

/// RustFS hides a policy just written when a concurrent `list-canned-policies` replaces its
/// cache (404 on read, 500 "policy does not exist" on attach): a policy this provider wrote is
/// written again and asked again; one it did not write gets the answer as it is.
#[tokio::test]
async fn a_just_written_policy_hidden_by_rustfs_is_written_again() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/add-canned-policy"))
        .and(query_param("name", "acme--rw"))
        .respond_with(ResponseTemplate::new(200))
        .expect(3)
        .mount(&server)
        .await;
    let doc = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b1/*"]}]});
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/info-canned-policy"))
        .respond_with(xml_error(404, "NoSuchResource", "policy does not exist"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/info-canned-policy"))
        .and(query_param("name", "acme--rw"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"policy_name":"acme--rw","policy":doc.clone()})),
        )
        .with_priority(5)
        .mount(&server)
        .await;
    let p = provider(&server);
    let put = p
        .put_policy(
            "acme",
            PutPolicy::new("rw", PolicyDocument::from_value(doc.clone()).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(put.name, "rw");
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"enabled"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rustfs/admin/v3/idp/builtin/policy/attach"))
        .respond_with(xml_error(500, "InternalError", "policy does not exist"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rustfs/admin/v3/idp/builtin/policy/attach"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .with_priority(5)
        .mount(&server)
        .await;
    p.attach_policy("acme", "alice", "rw").await.unwrap();

    // A policy this provider did not write: the server's answer stands, nothing is rewritten.
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/info-canned-policy"))
        .and(query_param("name", "acme--other"))
        .respond_with(xml_error(404, "NoSuchResource", "policy does not exist"))
        .mount(&server)
        .await;
    let e = p.attach_policy("acme", "alice", "other").await.unwrap_err();
    assert_eq!(
        (e.kind(), e.http_status(), e.request_id()),
        (ErrorKind::NotFound, Some(404), Some("RID-404"))
    );
}

/// Health of a cluster: all there; a node down (ready, Degraded, the node named); no write
/// quorum (not ready, with the server's answer).
#[tokio::test]
async fn health_reports_degradation_and_missing_write_quorum() {
    let server = MockServer::start().await;
    let ready_body = |unavailable: serde_json::Value, write: bool| json!({"status":"ok","ready":true,"details":{"storage":{"readQuorum":true,"writeQuorum":write,"unavailableDrives":unavailable}}});
    // The second node's state; its drive is "ok" while it is online, else the same.
    let info = |second: &str| {
        let drive = if second == "online" { "ok" } else { second };
        json!({"info": {"servers": [
            {"endpoint":"127.0.0.1:9001","state":"online","version":"1.0.1","drives":[{"endpoint":"http://127.0.0.1:9001/d","state":"ok"}]},
            {"endpoint":"127.0.0.1:9002","state":second,"drives":[{"endpoint":"http://127.0.0.1:9002/d","state":drive}]},
        ]}})
    };
    let mount = |ready: serde_json::Value, cluster: u16, info: serde_json::Value| {
        let server = &server;
        async move {
            server.reset().await;
            Mock::given(method("GET"))
                .and(path("/health/ready"))
                .respond_with(ResponseTemplate::new(200).set_body_json(ready))
                .mount(server)
                .await;
            Mock::given(method("GET"))
                .and(path("/minio/health/cluster"))
                .respond_with(
                    ResponseTemplate::new(cluster)
                        .set_body_json(json!({"status": if cluster == 200 { "ok" } else { "degraded" }, "degradedReasons": ["storage_and_lock_unavailable"]})),
                )
                .mount(server)
                .await;
            Mock::given(method("GET"))
                .and(path("/rustfs/admin/v3/info"))
                .respond_with(ResponseTemplate::new(200).set_body_json(info))
                .mount(server)
                .await;
        }
    };
    let p = provider(&server);
    mount(ready_body(json!([]), true), 200, info("online")).await;
    let h = p.health().await.unwrap();
    assert!(
        h.ready && h.problem.is_none() && h.detail.is_none(),
        "{h:?}"
    );
    assert_eq!(h.version.as_deref(), Some("1.0.1"));

    let drive = json!([{"poolIndex":0,"setIndex":0,"diskIndex":1,"runtimeState":"offline","hostOnline":false}]);
    mount(ready_body(drive.clone(), true), 200, info("offline")).await;
    let h = p.health().await.unwrap();
    assert!(h.ready, "{h:?}");
    assert_eq!(h.problem, Some(HealthProblem::Degraded));
    assert!(
        h.detail
            .as_deref()
            .unwrap()
            .contains("node 127.0.0.1:9002 (offline)"),
        "{h:?}"
    );

    mount(ready_body(drive, false), 503, info("offline")).await;
    let h = p.health().await.unwrap();
    assert!(!h.ready, "{h:?}");
    assert_eq!(h.problem, Some(HealthProblem::NotReady));
    let d = h.detail.unwrap();
    assert!(
        d.contains("no write quorum")
            && d.contains("storage_and_lock_unavailable")
            && d.contains("127.0.0.1:9002"),
        "{d}"
    );
}
