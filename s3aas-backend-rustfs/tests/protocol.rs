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
    // Policy markers in the registry (written before a policy, removed after it).
    Mock::given(wiremock::matchers::path_regex(
        "^/s3aas-system/v1/policies/acme/",
    ))
    .respond_with(ResponseTemplate::new(200))
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
    // One request: the key's parent proves the user and the instance (no user-info, no
    // registry lookup).
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

#[path = "protocol/features.rs"]
mod features;
#[path = "protocol/lost.rs"]
mod lost;
#[path = "protocol/quirks.rs"]
mod quirks;
