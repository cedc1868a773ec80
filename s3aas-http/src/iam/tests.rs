use super::*;
use serde::Deserialize;

#[test]
fn form_body_encodes_action_version_and_params_in_order() {
    let b = form_body(
        "PutUserPolicy",
        &[
            ("UserName", "acme--alice"),
            ("PolicyDocument", r#"{"Version":"2012-10-17","a b":"&="}"#),
        ],
    );
    assert_eq!(
        b,
        "Action=PutUserPolicy&Version=2010-05-08&UserName=acme--alice&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22a+b%22%3A%22%26%3D%22%7D"
    );
    let back: Vec<(String, String)> = url::form_urlencoded::parse(b.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(back[3].1, r#"{"Version":"2012-10-17","a b":"&="}"#);
}

#[test]
fn parses_list_users_with_members_and_tags() {
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "PascalCase", default)]
    struct R {
        users: Members<IamUser>,
        is_truncated: bool,
    }
    let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult>
<Users><member><UserName>a</UserName><Arn>arn:aws:iam:::user/a</Arn></member>
<member><UserName>b</UserName><Tags><member><Key>k</Key><Value>v</Value></member></Tags></member></Users>
<IsTruncated>false</IsTruncated></ListUsersResult>
<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></ListUsersResponse>"#;
    let r: R = parse_result("ListUsers", body).unwrap();
    assert!(!r.is_truncated);
    assert_eq!(r.users.member.len(), 2);
    assert_eq!(r.users.member[0].user_name, "a");
    assert_eq!(r.users.member[1].tags.member[0].key, "k");
    assert_eq!(r.users.member[1].tags.member[0].value, "v");
}

#[test]
fn empty_results_and_result_less_answers_are_default() {
    #[derive(Deserialize, Default, Debug)]
    #[serde(rename_all = "PascalCase", default)]
    struct R {
        users: Members<IamUser>,
    }
    let r: R = parse_result(
        "ListUsers",
        b"<ListUsersResponse><ListUsersResult><Users></Users></ListUsersResult></ListUsersResponse>",
    )
    .unwrap();
    assert!(r.users.member.is_empty());
    let r: R = parse_result(
        "ListUsers",
        b"<ListUsersResponse><ListUsersResult/></ListUsersResponse>",
    )
    .unwrap();
    assert!(r.users.member.is_empty());
    let _: R = parse_result(
        "DeleteUser",
        b"<DeleteUserResponse><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></DeleteUserResponse>",
    )
    .unwrap();
}

#[test]
fn foreign_or_broken_answers_are_backend_errors() {
    #[derive(Deserialize, Default, Debug)]
    struct R {}
    for body in [
        &b""[..],
        b"{}",
        b"<ListUsersResponse>",
        b"<GetUserResponse><GetUserResult>",
        b"\xff\xfe",
        b"<OtherResponse><OtherResult/></OtherResponse>",
    ] {
        let e = parse_result::<R>("GetUser", body).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Backend, "{body:?}");
    }
}

#[test]
fn access_key_debug_hides_the_secret() {
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "PascalCase", default)]
    struct R {
        access_key: IamAccessKey,
    }
    let r: R = parse_result(
        "CreateAccessKey",
        b"<CreateAccessKeyResponse><CreateAccessKeyResult><AccessKey><UserName>u</UserName><AccessKeyId>AK1</AccessKeyId><Status>Active</Status><SecretAccessKey>TOPSECRET</SecretAccessKey></AccessKey></CreateAccessKeyResult></CreateAccessKeyResponse>",
    )
    .unwrap();
    assert_eq!(r.access_key.access_key_id, "AK1");
    assert_eq!(r.access_key.secret_access_key.as_deref(), Some("TOPSECRET"));
    assert!(r.access_key.is_active());
    let d = format!("{:?}", r.access_key);
    assert!(!d.contains("TOPSECRET") && d.contains("[REDACTED]"), "{d}");
}

#[test]
fn parses_aws_error_responses() {
    let b = parse_iam_error(
        b"<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>user x cannot be found</Message></Error><RequestId>req-1</RequestId></ErrorResponse>",
    )
    .unwrap();
    assert_eq!(b.code.as_deref(), Some("NoSuchEntity"));
    assert_eq!(b.message, "user x cannot be found");
    assert_eq!(b.request_id.as_deref(), Some("req-1"));
    // S3-style bare <Error> (SeaweedFS answers authentication failures this way).
    let b = parse_iam_error(
        b"<Error><Code>SignatureDoesNotMatch</Code><Message>bad</Message><RequestId>r2</RequestId></Error>",
    )
    .unwrap();
    assert_eq!(b.code.as_deref(), Some("SignatureDoesNotMatch"));
    assert_eq!(b.request_id.as_deref(), Some("r2"));
    assert!(parse_iam_error(b"not xml").is_none());
    assert!(parse_iam_error(b"<Error>").is_none());
}

#[test]
fn codes_decide_kinds() {
    for (code, kind) in [
        ("NoSuchEntity", ErrorKind::NotFound),
        ("EntityAlreadyExists", ErrorKind::AlreadyExists),
        ("DeleteConflict", ErrorKind::Conflict),
        ("LimitExceeded", ErrorKind::Conflict),
        ("MalformedPolicyDocument", ErrorKind::InvalidInput),
        ("InvalidInput", ErrorKind::InvalidInput),
        ("AccessDenied", ErrorKind::PermissionDenied),
        ("InvalidClientTokenId", ErrorKind::Unauthenticated),
        ("Throttling", ErrorKind::Throttled),
        ("ServiceFailure", ErrorKind::Backend),
        ("NotImplemented", ErrorKind::Unsupported),
    ] {
        assert_eq!(kind_for_iam_code(code), Some(kind), "{code}");
    }
    assert_eq!(kind_for_iam_code("Whatever"), None);
}
