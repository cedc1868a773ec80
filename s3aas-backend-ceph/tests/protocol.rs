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
