//! The AWS IAM query client against a local wiremock server: request shape, signing, answers
//! and errors that keep status, code, message and request id.

use s3aas_core::ErrorKind;
use s3aas_http::iam::{IamUser, Members};
use s3aas_http::{HttpClient, HttpConfig, IamClient, Idempotency, SigV4Signer};
use secrecy::SecretString;
use serde::Deserialize;
use std::time::Duration;
use wiremock::matchers::{body_string_contains, header, header_regex, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> IamClient {
    let mut cfg = HttpConfig::default();
    cfg.retry.max_attempts = 2;
    cfg.retry.initial_backoff = Duration::from_millis(1);
    cfg.retry.max_backoff = Duration::from_millis(2);
    let http = HttpClient::new("test", cfg).unwrap();
    let signer = SigV4Signer::new(
        "AKADMIN",
        SecretString::from("admin-secret".to_string()),
        "us-east-1",
    )
    .with_service("iam");
    IamClient::new("test", http, server.uri().parse().unwrap(), signer)
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ListUsers {
    users: Members<IamUser>,
}

#[tokio::test]
async fn posts_a_signed_form_and_parses_the_result() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ))
        .and(header_regex(
            "authorization",
            r"^AWS4-HMAC-SHA256 Credential=AKADMIN/\d{8}/us-east-1/iam/aws4_request",
        ))
        .and(body_string_contains("Action=ListUsers&Version=2010-05-08"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<ListUsersResponse><ListUsersResult><Users><member><UserName>u1</UserName></member></Users></ListUsersResult></ListUsersResponse>",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let r: ListUsers = client(&server)
        .call("list_users", "ListUsers", &[], Idempotency::Idempotent)
        .await
        .unwrap();
    assert_eq!(r.users.member[0].user_name, "u1");
}

#[tokio::test]
async fn errors_keep_status_code_message_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string(
            "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>the user with name x cannot be found</Message></Error><RequestId>rid-9</RequestId></ErrorResponse>",
        ))
        .mount(&server)
        .await;
    let e = client(&server)
        .send(
            "get_user",
            "GetUser",
            &[("UserName", "x")],
            Idempotency::Idempotent,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.http_status(), Some(404));
    assert_eq!(e.code(), Some("NoSuchEntity"));
    assert_eq!(e.message(), "the user with name x cannot be found");
    assert_eq!(e.request_id(), Some("rid-9"));
    assert_eq!(e.operation(), Some("get_user"));
}

#[tokio::test]
async fn non_xml_error_bodies_are_quoted_and_5xx_retried_only_when_safe() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream down"))
        .expect(2 + 1)
        .mount(&server)
        .await;
    let c = client(&server);
    let e = c
        .send("list_users", "ListUsers", &[], Idempotency::Idempotent)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.message().contains("upstream down"), "{e}");
    assert!(e.retries_exhausted());
    // A create is not repeated on a 503 (it may have happened).
    let e = c
        .send(
            "create_user",
            "CreateUser",
            &[("UserName", "a")],
            Idempotency::NonIdempotent,
        )
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), Some(503));
}

#[tokio::test]
async fn a_2xx_with_a_foreign_body_is_a_backend_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy</html>"))
        .mount(&server)
        .await;
    let e = client(&server)
        .call::<ListUsers>("list_users", "ListUsers", &[], Idempotency::Idempotent)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend);
    assert!(e.message().contains("ListUsersResult"), "{e}");
}
