//! Transport behaviour against a local wiremock server: retries, backoff, timeouts, signing,
//! error mapping, and the signed S3 calls.

use http::Method;
use s3aas_core::model::{Encryption, Versioning};
use s3aas_core::{ErrorKind, PolicyDocument};
use s3aas_http::{
    HttpClient, HttpConfig, Idempotency, Request, RetryConfig, S3Client, SigV4Signer,
};
use secrecy::SecretString;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use url::Url;
use wiremock::matchers::{header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fast_retries(n: u32) -> HttpConfig {
    HttpConfig::new()
        .retry(
            RetryConfig::default()
                .max_attempts(n)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(50)),
        )
        .request_timeout(Duration::from_millis(500))
}

fn signer() -> SigV4Signer {
    SigV4Signer::new(
        "AKIATEST",
        SecretString::from("test-secret-key-0123456789".to_string()),
        "us-east-1",
    )
}

fn url(server: &MockServer, p: &str) -> Url {
    Url::parse(&format!("{}{p}", server.uri())).unwrap()
}

#[tokio::test]
async fn idempotent_calls_retry_transient_statuses_and_resign_each_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/x"))
        .and(header_exists("authorization"))
        .and(header_exists("x-amz-content-sha256"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let c = HttpClient::new("test", fast_retries(4)).unwrap();
    let builds = AtomicU32::new(0);
    let s = signer();
    let resp = c
        .execute("op", Idempotency::Idempotent, Some(&s), || {
            builds.fetch_add(1, Ordering::SeqCst);
            Ok(Request::new(Method::GET, url(&server, "/x")))
        })
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.attempts, 3);
    assert_eq!(
        builds.load(Ordering::SeqCst),
        3,
        "the request is rebuilt for every attempt"
    );
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs.iter().all(|r| r.headers.contains_key("authorization")),
        "every attempt is signed"
    );
}

#[tokio::test]
async fn non_idempotent_calls_are_not_retried_on_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let c = HttpClient::new("test", fast_retries(4)).unwrap();
    let resp = c
        .execute("op", Idempotency::NonIdempotent, None, || {
            Ok(Request::new(Method::PUT, url(&server, "/k")))
        })
        .await
        .unwrap();
    assert_eq!(resp.status, 500);
    assert_eq!(resp.attempts, 1);
    assert!(
        !resp.retries_exhausted,
        "not retried, so the caller may still decide to retry"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn retries_are_bounded_and_marked_exhausted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let c = HttpClient::new("test", fast_retries(3)).unwrap();
    let resp = c
        .execute("op", Idempotency::Idempotent, None, || {
            Ok(Request::new(Method::GET, url(&server, "/k")))
        })
        .await
        .unwrap();
    assert_eq!(resp.attempts, 3);
    assert!(resp.retries_exhausted);
    let e = s3aas_http::s3::s3_error("test", "op", &resp);
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(
        !e.is_retryable(),
        "an outer loop must not multiply the inner retries"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn retry_after_is_honoured_within_the_backoff_cap() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let cfg = HttpConfig::new().retry(
        RetryConfig::default()
            .max_attempts(2)
            .initial_backoff(Duration::from_millis(1))
            .max_backoff(Duration::from_secs(2)),
    );
    let c = HttpClient::new("test", cfg).unwrap();
    let t = Instant::now();
    let resp = c
        .execute("op", Idempotency::Idempotent, None, || {
            Ok(Request::new(Method::GET, url(&server, "/k")))
        })
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "waited for Retry-After: {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn slow_responses_time_out_without_hanging() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let c = HttpClient::new(
        "test",
        fast_retries(2).request_timeout(Duration::from_millis(200)),
    )
    .unwrap();
    let t = Instant::now();
    let e = c
        .execute("op", Idempotency::Idempotent, None, || {
            Ok(Request::new(Method::GET, url(&server, "/slow")))
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.retries_exhausted());
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "bounded by two 200 ms attempts: {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let c = HttpClient::new("test", fast_retries(2)).unwrap();
    let u = Url::parse(&format!("http://127.0.0.1:{port}/x")).unwrap();
    let e = c
        .execute("op", Idempotency::NonIdempotent, None, || {
            Ok(Request::new(Method::PUT, u.clone()))
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(
        e.to_string().contains("after 2 attempt(s)"),
        "connect errors are retried even for non-idempotent calls: {e}"
    );
}

fn s3(server: &MockServer) -> S3Client {
    let http = HttpClient::new("test", fast_retries(2)).unwrap();
    S3Client::new("test", http, Url::parse(&server.uri()).unwrap(), signer())
}

#[tokio::test]
async fn s3_create_bucket_sends_object_lock_header_and_maps_errors() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/locked"))
        .and(header("x-amz-bucket-object-lock-enabled", "true"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("PUT")).and(path("/taken")).respond_with(
        ResponseTemplate::new(409)
            .insert_header("x-amz-request-id", "REQ123")
            .set_body_string("<?xml version=\"1.0\"?><Error><Code>BucketAlreadyExists</Code><Message>The requested bucket name is not available</Message></Error>"),
    ).mount(&server).await;
    let c = s3(&server);
    c.create_bucket("locked", true, None).await.unwrap();
    let e = c.create_bucket("taken", false, None).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert_eq!(e.http_status(), Some(409));
    assert_eq!(e.code(), Some("BucketAlreadyExists"));
    assert_eq!(e.request_id(), Some("REQ123"));
    assert_eq!(e.message(), "The requested bucket name is not available");
}

#[tokio::test]
async fn s3_bucket_subresources() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/b1"))
        .and(query_param("versioning", ""))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/b1")).and(query_param("encryption", "")).respond_with(
        ResponseTemplate::new(404).set_body_string("<Error><Code>ServerSideEncryptionConfigurationNotFoundError</Code><Message>none</Message></Error>"),
    ).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/b1"))
        .and(query_param("policy", ""))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(PolicyDocument::bucket_public_read("b1").to_json()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/b1")).and(query_param("tagging", "")).respond_with(
        ResponseTemplate::new(200).set_body_string("<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>"),
    ).mount(&server).await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .and(query_param("tagging", ""))
        .and(header_exists("content-md5"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/gone"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_string("<Error><Code>NoSuchBucket</Code><Message>no</Message></Error>"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/b1")).and(query_param("versions", "")).respond_with(
        ResponseTemplate::new(200).set_body_string("<ListVersionsResult><IsTruncated>false</IsTruncated><Version><Key>k</Key><VersionId>v1</VersionId></Version><DeleteMarker><Key>k</Key><VersionId>v2</VersionId></DeleteMarker></ListVersionsResult>"),
    ).mount(&server).await;
    let c = s3(&server);
    assert_eq!(c.get_versioning("b1").await.unwrap(), Versioning::Suspended);
    assert_eq!(c.get_encryption("b1").await.unwrap(), Encryption::None);
    let p = c.get_policy("b1").await.unwrap().unwrap();
    assert!(p.semantically_eq(&PolicyDocument::bucket_public_read("b1")));
    let tags = c.get_tagging("b1").await.unwrap();
    assert_eq!(tags.get("a").map(String::as_str), Some("1"));
    assert_eq!(tags.get("b").map(String::as_str), Some(""));
    c.put_tagging("b1", &tags).await.unwrap();
    c.delete_bucket("gone", None).await.unwrap();
    let (v, next) = c.list_object_versions("b1", 1000, None).await.unwrap();
    assert_eq!(v.len(), 2);
    assert!(next.is_none());
    assert!(!c.is_empty("b1").await.unwrap());
}

#[tokio::test]
async fn non_xml_error_bodies_are_quoted_not_lost() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "0")
                .set_body_string("Service not ready: waiting for iam"),
        )
        .mount(&server)
        .await;
    let e = s3(&server).get_versioning("b1").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(e.http_status(), Some(503));
    assert!(e.message().contains("Service not ready"), "{e}");
}
