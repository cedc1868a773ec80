//! The backend against a local wiremock server: what it sends, how it reads SeaweedFS's answers
//! and errors (status, code, message and request id kept), what it refuses before any request,
//! how it cleans up after a failure midway, and that no secret is ever printed.

use s3aas_backend_seaweedfs::SeaweedfsProvider;
use s3aas_core::prelude::*;
use s3aas_core::{ErrorKind, IntoClient, ResourceKind};
use s3aas_http::{HttpConfig, RetryConfig};
use std::time::Duration;
use wiremock::matchers::{body_string_contains, header_regex, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "weed-admin-secret-0123456789";

fn provider(server: &MockServer) -> SeaweedfsProvider {
    SeaweedfsProvider::builder(
        server.uri(),
        "AKADMIN",
        SecretString::from(SECRET.to_string()),
    )
    .http(
        HttpConfig::new().retry(
            RetryConfig::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(2)),
        ),
    )
    .build()
    .unwrap()
}

fn ok(action: &str, result: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/xml")
        .set_body_string(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><{action}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>req-ok</RequestId></ResponseMetadata></{action}Response>"
        ))
}

fn iam_error(status: u16, code: &str, message: &str, rid: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "text/xml")
        .set_body_string(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>"
        ))
}

fn action(a: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/"))
        .and(body_string_contains(format!("Action={a}&")))
}

async fn actions(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let body = String::from_utf8_lossy(&r.body).to_string();
            url::form_urlencoded::parse(body.as_bytes())
                .find(|(k, _)| k == "Action")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| format!("{} {}", r.method, r.url.path()))
        })
        .collect()
}

const MARKER_TAGS: &str = "<Tags><member><Key>s3aas:versioning</Key><Value>false</Value></member></Tags><IsTruncated>false</IsTruncated>";

#[tokio::test]
async fn iam_calls_are_signed_for_the_iam_service_and_errors_keep_the_servers_details() {
    let server = MockServer::start().await;
    action("ListUserTags")
        .and(body_string_contains("UserName=s3aas--acme"))
        .and(header_regex(
            "authorization",
            r"^AWS4-HMAC-SHA256 Credential=AKADMIN/\d{8}/us-east-1/iam/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$",
        ))
        .respond_with(ok("ListUserTags", MARKER_TAGS))
        .mount(&server)
        .await;
    action("ListUserTags")
        .and(body_string_contains("UserName=acme--alice"))
        .respond_with(iam_error(
            404,
            "NoSuchEntity",
            "the user with name acme--alice cannot be found.",
            "18EE-REQ-1",
        ))
        .mount(&server)
        .await;
    let p = provider(&server);
    let i = p.get_instance("acme").await.unwrap();
    assert!(!i.versioning && i.nodes.len() == 1);
    let e = p.get_user("acme", "alice").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.http_status(), Some(404));
    assert_eq!(e.code(), Some("NoSuchEntity"));
    assert_eq!(e.request_id(), Some("18EE-REQ-1"));
    assert!(e.message().contains("cannot be found"), "{e}");
    assert_eq!(e.resource(), Some((ResourceKind::User, "alice")));
    assert_eq!(e.backend(), Some("seaweedfs"));
    assert_eq!(e.operation(), Some("get_user"));
    assert!(!format!("{e} {e:?} {p:?}").contains(SECRET));
}

#[tokio::test]
async fn server_failures_are_retried_only_when_repeating_is_safe() {
    let server = MockServer::start().await;
    // ServiceFailure on a read: three attempts, then Backend.
    action("ListUserTags")
        .respond_with(iam_error(500, "ServiceFailure", "internal", "r-500"))
        .mount(&server)
        .await;
    let p = provider(&server);
    let e = p.get_instance("acme").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend);
    assert_eq!(e.http_status(), Some(500));
    assert_eq!(actions(&server).await, ["ListUserTags"; 3]);
}

#[tokio::test]
async fn bad_input_and_unsupported_features_are_refused_before_any_request() {
    let server = MockServer::start().await;
    let c = provider(&server).into_client();
    let e = c
        .create_instance(CreateInstance::new("s3aas"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let e = c
        .create_instance(CreateInstance::new("acme").option("tier", "gold"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    let e = c
        .create_access_key("acme", "alice", CreateAccessKey::new().name("ci"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    let e = c
        .create_bucket(
            "acme",
            CreateBucket::new("acme-data").quota(Quota::hard(1 << 30)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    let e = c.bucket_usage("acme", "acme-data").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    let e = c
        .rotate_access_key(
            "acme",
            "alice",
            "AKIAEXAMPLE0000000",
            RotateAccessKey::new().grace(Duration::from_secs(60)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(actions(&server).await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_user_whose_tags_cannot_be_written_is_removed_again_or_reported_partial() {
    let server = MockServer::start().await;
    action("ListUserTags")
        .and(body_string_contains("UserName=s3aas--acme"))
        .respond_with(ok("ListUserTags", MARKER_TAGS))
        .mount(&server)
        .await;
    action("CreateUser")
        .respond_with(ok(
            "CreateUser",
            "<User><UserName>acme--alice</UserName></User>",
        ))
        .mount(&server)
        .await;
    action("TagUser")
        .respond_with(iam_error(400, "InvalidInput", "tags refused", "r-tag"))
        .mount(&server)
        .await;
    action("DeleteUser")
        .respond_with(ok("DeleteUser", ""))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let p = provider(&server);
    let e = p
        .create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert_eq!(e.request_id(), Some("r-tag"));
    assert_eq!(
        actions(&server).await,
        ["ListUserTags", "CreateUser", "TagUser", "DeleteUser"],
        "the user this call made is deleted again"
    );
    // Now deleting fails too: the error says what was left.
    action("DeleteUser")
        .respond_with(iam_error(500, "ServiceFailure", "down", "r-del"))
        .mount(&server)
        .await;
    let e = p
        .create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Partial, "{e}");
    assert!(e.message().contains("acme--alice"), "{e}");
}

#[tokio::test]
async fn a_new_key_answer_keeps_its_secret_out_of_debug() {
    let server = MockServer::start().await;
    action("ListUserTags")
        .respond_with(ok("ListUserTags", MARKER_TAGS))
        .mount(&server)
        .await;
    action("ListAccessKeys")
        .respond_with(ok(
            "ListAccessKeys",
            "<AccessKeyMetadata></AccessKeyMetadata><IsTruncated>false</IsTruncated>",
        ))
        .mount(&server)
        .await;
    let key_secret = "wJalrXUtnFEMI-new-key-secret-42";
    action("CreateAccessKey")
        .respond_with(ok(
            "CreateAccessKey",
            &format!("<AccessKey><UserName>acme--alice</UserName><AccessKeyId>AKIANEWKEY000001</AccessKeyId><Status>Active</Status><SecretAccessKey>{key_secret}</SecretAccessKey></AccessKey>"),
        ))
        .mount(&server)
        .await;
    let p = provider(&server);
    let k = p
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    assert_eq!(k.key.access_key_id, "AKIANEWKEY000001");
    assert_eq!(k.secret_access_key.expose_secret(), key_secret);
    let printed = format!("{k:?} {:?} {p:?}", k.key);
    assert!(
        !printed.contains(key_secret) && !printed.contains(SECRET),
        "{printed}"
    );
}

/// `GET /{bucket}?tagging` of a bucket of instance `acme`.
fn owned_tagging() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(
        "<Tagging><TagSet><Tag><Key>s3aas:instance</Key><Value>acme</Value></Tag></TagSet></Tagging>",
    )
}

fn s3_error(status: u16, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_string(format!(
        "<Error><Code>{code}</Code><Message>m</Message><RequestId>r-{code}</RequestId></Error>"
    ))
}

/// A mock SeaweedFS with instance `acme` owning bucket `data`: every bucket read answers as
/// SeaweedFS 4.48 does for a bucket without lock, lifecycle or CORS.
async fn bucket_server() -> MockServer {
    let server = MockServer::start().await;
    action("ListUserTags")
        .respond_with(ok("ListUserTags", MARKER_TAGS))
        .mount(&server)
        .await;
    let sub = |s: &'static str| {
        Mock::given(method("GET"))
            .and(path("/data"))
            .and(wiremock::matchers::query_param(s, ""))
    };
    sub("tagging")
        .respond_with(owned_tagging())
        .mount(&server)
        .await;
    sub("versioning")
        .respond_with(ResponseTemplate::new(200).set_body_string("<VersioningConfiguration/>"))
        .mount(&server)
        .await;
    sub("encryption")
        .respond_with(s3_error(
            404,
            "ServerSideEncryptionConfigurationNotFoundError",
        ))
        .mount(&server)
        .await;
    sub("policy")
        .respond_with(s3_error(404, "NoSuchBucketPolicy"))
        .mount(&server)
        .await;
    sub("object-lock")
        .respond_with(s3_error(404, "ObjectLockConfigurationNotFoundError"))
        .mount(&server)
        .await;
    sub("lifecycle")
        .respond_with(s3_error(404, "NoSuchLifecycleConfiguration"))
        .mount(&server)
        .await;
    // SeaweedFS answers `MaxAgeSeconds` 0 for a rule set without one.
    sub("cors")
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>0</MaxAgeSeconds></CORSRule></CORSConfiguration>",
        ))
        .mount(&server)
        .await;
    server
}

async fn writes(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD") && r.url.path() != "/")
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
async fn bucket_features_are_s3_subresources_and_read_as_seaweedfs_stores_them() {
    let server = bucket_server().await;
    for sub in ["lifecycle", "cors"] {
        Mock::given(method("PUT"))
            .and(path("/data"))
            .and(wiremock::matchers::query_param(sub, ""))
            .and(wiremock::matchers::header_exists("content-md5"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
    }
    let p = provider(&server);
    let b = p
        .update_bucket(
            "acme",
            "data",
            UpdateBucket::new()
                .lifecycle(vec![
                    LifecycleRule::new("logs")
                        .prefix("logs/")
                        .expire_after_days(30),
                ])
                .cors(vec![CorsRule::new(["*"], ["GET"])]),
        )
        .await
        .unwrap();
    assert_eq!(
        writes(&server).await,
        ["PUT /data?lifecycle", "PUT /data?cors"]
    );
    let reqs = server.received_requests().await.unwrap();
    let lc = reqs
        .iter()
        .find(|r| r.url.query() == Some("lifecycle") && r.method.as_str() == "PUT")
        .unwrap();
    let body = String::from_utf8_lossy(&lc.body);
    assert!(
        body.contains("<Filter><Prefix>logs/</Prefix></Filter>")
            && body.contains("<Expiration><Days>30</Days></Expiration>"),
        "{body}"
    );
    assert_eq!(b.lifecycle, Some(Vec::new()));
    assert_eq!(
        b.cors,
        Some(vec![CorsRule::new(["*"], ["GET"])]),
        "MaxAgeSeconds 0 reads as none"
    );
    assert_eq!((b.object_lock, b.retention), (Some(false), Some(None)));
    assert_eq!(b.durability, None, "SeaweedFS has no per-bucket durability");
}

#[tokio::test]
async fn a_retention_on_a_bucket_without_lock_is_a_conflict_before_any_write() {
    let server = bucket_server().await;
    let p = provider(&server);
    let e = p
        .update_bucket(
            "acme",
            "data",
            UpdateBucket::new()
                .retention(DefaultRetention::days(RetentionMode::Governance, 1))
                .cors(vec![CorsRule::new(["*"], ["GET"])]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert_eq!(e.resource(), Some((ResourceKind::Bucket, "data")));
    // Clearing a retention such a bucket never had sends nothing: SeaweedFS would turn object
    // lock on for it.
    p.update_bucket("acme", "data", UpdateBucket::new().clear_retention())
        .await
        .unwrap();
    assert!(
        writes(&server).await.is_empty(),
        "{:?}",
        writes(&server).await
    );
}

#[tokio::test]
async fn a_feature_refused_at_create_removes_the_bucket_again() {
    let server = bucket_server().await;
    Mock::given(method("HEAD"))
        .and(path("/fresh"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/fresh"))
        .and(wiremock::matchers::query_param("cors", ""))
        .respond_with(s3_error(400, "MalformedXML"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/fresh"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/fresh"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let p = provider(&server);
    let e = p
        .create_bucket(
            "acme",
            CreateBucket::new("fresh")
                .lifecycle_rule(LifecycleRule::new("x").expire_after_days(1))
                .cors_rule(CorsRule::new(["*"], ["GET"])),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert_eq!(e.code(), Some("MalformedXML"));
    let w = writes(&server).await;
    assert_eq!(
        w,
        [
            "PUT /fresh?",
            "PUT /fresh?tagging",
            "PUT /fresh?lifecycle",
            "PUT /fresh?cors",
            "DELETE /fresh?"
        ],
        "the bucket this call made is deleted again"
    );
}

#[tokio::test]
async fn replication_durability_and_usage_are_refused_before_any_request() {
    let server = MockServer::start().await;
    let c = provider(&server).into_client();
    let caps = c.capabilities();
    assert_eq!(caps.bucket_replication, Support::No);
    assert!(!caps.bucket_durability && !caps.instance_usage);
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
    let e = c
        .create_bucket(
            "acme",
            CreateBucket::new("acme-data")
                .versioning(true)
                .replication_rule(ReplicationRule::new("r", 1, dest.clone())),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    let e = c
        .update_bucket(
            "acme",
            "acme-data",
            UpdateBucket::new().replication(vec![ReplicationRule::new("r", 1, dest)]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    let e = c.instance_usage("acme").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(actions(&server).await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn feature_writes_are_retried_on_transient_failures_and_errors_keep_no_secret() {
    let server = bucket_server().await;
    Mock::given(method("PUT"))
        .and(path("/data"))
        .and(wiremock::matchers::query_param("lifecycle", ""))
        .respond_with(s3_error(503, "SlowDown"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/data"))
        .and(wiremock::matchers::query_param("lifecycle", ""))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/data"))
        .and(wiremock::matchers::query_param("cors", ""))
        .respond_with(s3_error(500, "InternalError"))
        .mount(&server)
        .await;
    let p = provider(&server);
    let rules = vec![LifecycleRule::new("x").expire_after_days(1)];
    p.update_bucket("acme", "data", UpdateBucket::new().lifecycle(rules.clone()))
        .await
        .unwrap();
    assert_eq!(writes(&server).await, ["PUT /data?lifecycle"; 3]);
    let e = p
        .update_bucket(
            "acme",
            "data",
            UpdateBucket::new().cors(vec![CorsRule::new(["*"], ["GET"])]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend, "{e}");
    assert_eq!(e.code(), Some("InternalError"));
    assert_eq!(e.resource(), Some((ResourceKind::Bucket, "data")));
    // Retried as transient (the write is idempotent), then the server's error kept.
    let w = writes(&server).await;
    assert_eq!(
        w.iter().filter(|w| *w == "PUT /data?cors").count(),
        3,
        "{w:?}"
    );
    assert!(!format!("{e} {e:?} {p:?}").contains(SECRET));
}
