//! Redaction on RustFS's plain admin path: the replication destination's secret travels in the
//! `set-remote-target` body only. A server that quotes it back in an error does not get it into
//! the SDK's error, `Debug` output or TRACE logs. (A test binary of its own: `tracing`
//! capture is per thread, and other tests in the same process would race it.)

use s3aas_backend_rustfs::RustfsProvider;
use s3aas_core::prelude::*;
use s3aas_fakes::logs::{LogCapture, assert_no_secret};
use s3aas_http::{HttpConfig, RetryConfig};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

fn destination() -> ReplicationDestination {
    ReplicationDestination::new(
        "https://dr.example.com:9000",
        "dst",
        "AKDR",
        SecretString::from("dr-secret-distinctive".to_string()),
    )
}

/// The system bucket, instance `acme`, and bucket `b1`'s reads.
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

async fn versioning_enabled(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/b1"))
        .and(query_param("versioning", ""))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
        ))
        .mount(server)
        .await;
}

async fn get_replication(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/b1"))
        .and(query_param("replication", ""))
        .respond_with(xml_error(
            404,
            "ReplicationConfigurationNotFoundError",
            "none",
        ))
        .mount(server)
        .await;
}

async fn list_targets(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/list-remote-targets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
}

/// The destination secret stays out of errors and logs, even when the server quotes it back:
/// a refused target is reported with the secret redacted, the new bucket is removed, and the
/// TRACE logs of the whole call hold no secret.
#[tokio::test]
async fn a_server_quoting_the_secret_does_not_leak_it() {
    let logs = LogCapture::default();
    let _guard = logs.install();
    let server = MockServer::start().await;
    with_instance(&server).await;
    versioning_enabled(&server).await;
    Mock::given(method("HEAD"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    get_replication(&server).await;
    list_targets(&server).await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/set-remote-target"))
        .respond_with(xml_error(
            400,
            "InvalidRequest",
            "Connection error for bucket: dst, access key: AKDR, secret: dr-secret-distinctive",
        ))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/s3aas-system/v1/buckets/acme/b1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let rule = ReplicationRule::new("dr", 1, destination());
    let e = provider(&server)
        .create_bucket(
            "acme",
            CreateBucket::new("b1")
                .versioning(true)
                .replication_rule(rule.clone()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.message().contains("[REDACTED]"), "{e}");
    let printed = format!("{e}\n{e:?}\n{rule:?}");
    assert_no_secret(
        &format!("{printed}\n{}", logs.text_checked()),
        &["dr-secret-distinctive".to_string()],
    );
}
