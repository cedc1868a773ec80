//! Faults between the provider and RGW (wiremock): transient statuses are retried for
//! idempotent calls only, timeouts and broken bodies become typed errors, and no error quotes
//! a secret from a body.

use s3aas_backend_ceph::CephProvider;
use s3aas_core::prelude::*;
use s3aas_http::{HttpConfig, RetryConfig};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "s3cr3t-in-a-body-0123456789";

fn provider(server: &MockServer, timeout: Duration) -> CephProvider {
    CephProvider::builder(
        server.uri(),
        "ADMINKEY",
        SecretString::from("admin-secret".to_string()),
    )
    .http(
        HttpConfig::default().request_timeout(timeout).retry(
            RetryConfig::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5)),
        ),
    )
    .build()
    .unwrap()
}

fn system_user() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "tenant": "acme", "user_id": "s3aas", "display_name": "s3aas-instance:{}",
        "keys": [{"user": "acme$s3aas", "access_key": "SYSKEY", "secret_key": SECRET}]
    }))
}

#[tokio::test]
async fn transient_statuses_are_retried_on_reads() {
    for status in [500u16, 502, 503, 429] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/admin/user"))
            .respond_with(ResponseTemplate::new(status).insert_header("retry-after", "0"))
            .up_to_n_times(2)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/admin/user"))
            .respond_with(system_user())
            .mount(&server)
            .await;
        let p = provider(&server, Duration::from_secs(5));
        let i = p
            .get_instance("acme")
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(i.id, "acme");
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            3,
            "{status}"
        );
    }
}

#[tokio::test]
async fn retries_run_out_with_the_last_answer_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_string(r#"{"Code":"ServiceUnavailable","RequestId":"tx-503"}"#),
        )
        .mount(&server)
        .await;
    let p = provider(&server, Duration::from_secs(5));
    let e = p.get_instance("acme").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(e.http_status(), Some(503));
    assert_eq!(e.request_id(), Some("tx-503"));
    assert!(e.retries_exhausted());
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn creates_are_not_repeated_blindly() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .respond_with(system_user())
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/admin/user"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let p = provider(&server, Duration::from_secs(5));
    let e = p
        .create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let puts = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .count();
    assert_eq!(
        puts, 1,
        "a user create is sent once: a repeat would answer UserAlreadyExists"
    );
}

#[tokio::test]
async fn a_slow_gateway_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .respond_with(system_user().set_delay(Duration::from_millis(600)))
        .mount(&server)
        .await;
    let p = provider(&server, Duration::from_millis(100));
    let e = p.get_instance("acme").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    let h = p.health().await.unwrap();
    assert!(!h.ready);
}

#[tokio::test]
async fn broken_bodies_are_backend_errors_without_secrets() {
    let bodies = [
        format!(
            r#"{{"tenant":"acme","user_id":"s3aas","keys":[{{"access_key":"K","secret_key":"{SECRET}""#
        ),
        "<html>proxy error</html>".to_string(),
        String::new(),
        r#"{"user_id": 5}"#.to_string(),
    ];
    for body in bodies {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/admin/user"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body.clone()))
            .mount(&server)
            .await;
        let p = provider(&server, Duration::from_secs(5));
        let e = p.get_instance("acme").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Backend, "{body}: {e}");
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(SECRET), "{shown}");
        s3aas_backend_ceph::fuzz_decoders(body.as_bytes());
    }
}

#[test]
fn decoders_survive_garbage() {
    let seeds: [&[u8]; 6] = [
        br#"{"keys":["a"],"truncated":"true","marker":"m"}"#,
        br#"{"usage":{"rgw.main":{"size":-1}},"bucket_quota":{"enabled":"maybe"}}"#,
        br#"{"Code":5}"#,
        b"<Error><Code>",
        &[0xff, 0xfe, 0x00, b'{'],
        b"[[[[[[[[[[[[",
    ];
    for s in seeds {
        for cut in 0..=s.len() {
            s3aas_backend_ceph::fuzz_decoders(&s[..cut]);
        }
    }
}

#[tokio::test]
async fn instance_usage_retries_its_stats_read_and_refuses_a_broken_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/admin/user"))
        .respond_with(system_user())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/admin/bucket"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/admin/bucket"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
            {"bucket": "a", "owner": "acme$s3aas", "usage": {"rgw.main": {"size": 5, "num_objects": 1}}}
        ])))
        .mount(&server)
        .await;
    let p = provider(&server, Duration::from_secs(5));
    let u = p.instance_usage("acme").await.unwrap();
    assert_eq!((u.bytes, u.objects, u.buckets), (5, Some(1), 1));
    for body in [
        format!(r#"[{{"bucket":"a","owner":"acme$s3aas","secret_key":"{SECRET}""#),
        "<html>proxy error</html>".to_string(),
        r#"{"bucket":"a"}"#.to_string(),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/admin/user"))
            .respond_with(system_user())
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/admin/bucket"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body.clone()))
            .mount(&server)
            .await;
        let p = provider(&server, Duration::from_secs(5));
        let e = p.instance_usage("acme").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Backend, "{body}: {e}");
        assert_eq!(e.operation(), Some("instance_usage"));
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(SECRET), "{shown}");
    }
}
