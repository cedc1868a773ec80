//! Fault matrix for the MinIO backend on the MinIO fake: faults are mounted in front of the fake
//! (a higher-priority wiremock mock that answers a few times, then lets the fake answer):
//! encrypted answers sealed with the wrong key, with flipped bits or truncated; 5xx, 429 and
//! `Retry-After`; timeouts; malformed JSON; and tenant provisioning failing midway.

use s3aas_backend_minio::MinioProvider;
use s3aas_core::prelude::*;
use s3aas_core::{ErrorKind, TenantSpec, provision_tenant};
use s3aas_fakes::minio::FakeMinio;
use s3aas_madmin::Algorithm;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ROOT: (&str, &str) = ("minioadmin", "minio-root-secret-faults");

async fn setup() -> (MockServer, FakeMinio, MinioProvider) {
    let (server, fake) = FakeMinio::start(ROOT.0, ROOT.1).await;
    fake.state().response_algorithm = Algorithm::Pbkdf2AesGcm;
    let p = MinioProvider::builder(server.uri(), ROOT.0, SecretString::from(ROOT.1.to_string()))
        .http(s3aas_fakes::fault_test_http(Duration::from_millis(1500)))
        .build()
        .unwrap();
    p.create_instance(CreateInstance::new("flt")).await.unwrap();
    p.create_user("flt", CreateUser::new("alice"))
        .await
        .unwrap();
    (server, fake, p)
}

async fn fault(server: &MockServer, m: &str, cmd: &str, times: u64, resp: ResponseTemplate) {
    Mock::given(method(m))
        .and(path(format!("/minio/admin/v3/{cmd}")))
        .respond_with(resp)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn encrypted_answers_that_do_not_open() {
    let (server, _fake, p) = setup().await;
    let users = br#"{"flt--alice":{"status":"enabled"}}"#;
    let wrong_key = s3aas_madmin::encrypt(b"not-the-root-secret", users, Algorithm::Pbkdf2AesGcm);
    let mut flipped = s3aas_madmin::encrypt(ROOT.1.as_bytes(), users, Algorithm::Pbkdf2AesGcm);
    let last = flipped.len() - 5;
    flipped[last] ^= 0x01;
    let good = s3aas_madmin::encrypt(ROOT.1.as_bytes(), users, Algorithm::Pbkdf2AesGcm);
    let truncated = good[..good.len() - 7].to_vec();
    for (what, body) in [
        ("wrong key", wrong_key),
        ("flipped bit", flipped),
        ("truncated", truncated),
        ("plaintext", users.to_vec()),
    ] {
        fault(
            &server,
            "GET",
            "list-users",
            1,
            ResponseTemplate::new(200).set_body_bytes(body),
        )
        .await;
        let e = p.list_users("flt", ListOptions::new()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Backend, "{what}: {e}");
        assert!(e.to_string().contains("decrypt"), "{what}: {e}");
    }
    // Once the faults are used up, the real (fake) server answers again.
    assert_eq!(
        p.list_users("flt", ListOptions::new())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

#[tokio::test]
async fn statuses_retries_and_timeouts() {
    let (server, fake, p) = setup().await;
    let err = |code: &str| serde_json::json!({"Code": code, "Message": "injected", "Resource": "/", "RequestId": "F1"});
    // 503 + Retry-After twice on a read: retried, then served.
    fault(
        &server,
        "GET",
        "user-info",
        2,
        ResponseTemplate::new(503)
            .insert_header("retry-after", "0")
            .set_body_json(err("XMinioServerNotInitialized")),
    )
    .await;
    p.get_user("flt", "alice").await.unwrap();
    // 500 on every attempt: three attempts, then the error with its code and request id.
    fault(
        &server,
        "GET",
        "user-info",
        3,
        ResponseTemplate::new(500).set_body_json(err("InternalError")),
    )
    .await;
    let e = p.get_user("flt", "alice").await.unwrap_err();
    assert_eq!(e.code(), Some("InternalError"));
    assert_eq!(e.request_id(), Some("F1"));
    assert!(e.retries_exhausted() || !e.is_retryable(), "{e:?}");
    // A new service account is not repeated after a 502 (it may exist now)...
    let before = fake
        .state()
        .admin_calls
        .iter()
        .filter(|c| c.contains("add-service-account"))
        .count();
    fault(
        &server,
        "PUT",
        "add-service-account",
        1,
        ResponseTemplate::new(502).set_body_string("bad gateway"),
    )
    .await;
    let e = p
        .create_access_key("flt", "alice", CreateAccessKey::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    let after = fake
        .state()
        .admin_calls
        .iter()
        .filter(|c| c.contains("add-service-account"))
        .count();
    assert_eq!(
        after, before,
        "the fault answered; nothing was repeated to the server"
    );
    // ...but a 429 is (the server refused before acting).
    fault(
        &server,
        "PUT",
        "add-service-account",
        1,
        ResponseTemplate::new(429).set_body_json(err("SlowDown")),
    )
    .await;
    p.create_access_key("flt", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    // A hung answer times out within the bound.
    fault(
        &server,
        "GET",
        "user-info",
        3,
        ResponseTemplate::new(200).set_delay(Duration::from_secs(20)),
    )
    .await;
    let started = Instant::now();
    let e = p.get_user("flt", "alice").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // Malformed JSON and a wrong content type are Backend errors, not panics.
    fault(
        &server,
        "GET",
        "user-info",
        1,
        ResponseTemplate::new(200).set_body_string("{\"status\":"),
    )
    .await;
    assert_eq!(
        p.get_user("flt", "alice").await.unwrap_err().kind(),
        ErrorKind::Backend
    );
    fault(
        &server,
        "GET",
        "user-info",
        1,
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/html")
            .set_body_string("<html>login</html>"),
    )
    .await;
    assert_eq!(
        p.get_user("flt", "alice").await.unwrap_err().kind(),
        ErrorKind::Backend
    );
}

#[tokio::test]
async fn provisioning_failing_midway_leaves_nothing() {
    let (server, fake, p) = setup().await;
    fault(
        &server,
        "PUT",
        "add-service-account",
        1,
        ResponseTemplate::new(500)
            .set_body_json(serde_json::json!({"Code": "InternalError", "Message": "injected"})),
    )
    .await;
    let spec = TenantSpec::new("tenant", "tenant-data", "owner");
    let e = provision_tenant(&p, &spec).await.unwrap_err();
    assert!(
        e.to_string().contains("step 'access_key'") && e.to_string().contains("rolled back"),
        "{e}"
    );
    {
        let st = fake.state();
        assert!(
            !st.users.keys().any(|u| u.starts_with("tenant--")),
            "users left: {:?}",
            st.users.keys()
        );
        assert!(
            !st.policies.keys().any(|u| u.starts_with("tenant--")),
            "policies left"
        );
        assert!(!st.s3.buckets.contains_key("tenant-data"), "bucket left");
    }
    assert_eq!(
        p.get_instance("tenant").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let t = provision_tenant(&p, &spec).await.unwrap();
    assert!(t.policy.is_some());
}

/// Replication failing midway: the bucket a create made is removed again; the remote target a
/// change made is removed when the configuration cannot be written; when that removal fails
/// too, the error is `Partial` and names the target.
#[tokio::test]
async fn replication_failing_midway_is_undone_or_partial() {
    use wiremock::matchers::query_param;
    let (server, fake, p) = setup().await;
    p.admin_s3()
        .create_bucket("flt-replica", false, None)
        .await
        .unwrap();
    p.admin_s3()
        .put_versioning("flt-replica", true)
        .await
        .unwrap();
    let dest = ReplicationDestination::new(
        server.uri(),
        "flt-replica",
        ROOT.0,
        SecretString::from(ROOT.1.to_string()),
    )
    .allow_local(true);
    let rule = ReplicationRule::new("dr", 1, dest.clone());
    let err500 = || {
        ResponseTemplate::new(500)
            .set_body_json(serde_json::json!({"Code": "InternalError", "Message": "injected"}))
    };
    let s3_err500 = || {
        ResponseTemplate::new(500)
            .set_body_string("<Error><Code>InternalError</Code><Message>injected</Message></Error>")
    };
    let replication_put = |bucket: &str| {
        Mock::given(method("PUT"))
            .and(path(format!("/{bucket}")))
            .and(query_param("replication", ""))
            .respond_with(s3_err500())
            .up_to_n_times(3)
            .with_priority(1)
    };

    // Create: the target cannot be set; nothing is left.
    fault(&server, "PUT", "set-remote-target", 3, err500()).await;
    let e = p
        .create_bucket(
            "flt",
            CreateBucket::new("flt-a")
                .versioning(true)
                .replication_rule(rule.clone()),
        )
        .await
        .unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Partial, "{e}");
    assert!(e.to_string().contains("setting replication failed"), "{e}");
    assert!(
        !fake.state().s3.buckets.contains_key("flt-a"),
        "bucket left"
    );

    // Create: the configuration cannot be written; the bucket goes, and its target with it.
    replication_put("flt-b").mount(&server).await;
    let e = p
        .create_bucket(
            "flt",
            CreateBucket::new("flt-b")
                .versioning(true)
                .replication_rule(rule.clone()),
        )
        .await
        .unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Partial, "{e}");
    assert!(
        e.to_string().contains("setting replication failed")
            && e.to_string().contains("the bucket was removed again"),
        "{e}"
    );
    assert!(
        !fake.state().s3.buckets.contains_key("flt-b"),
        "bucket left"
    );
    assert!(!fake.state().remote_targets.contains_key("flt-b"));

    // Update: configuration refused and the target cannot be removed either: Partial, named.
    p.create_bucket("flt", CreateBucket::new("flt-c").versioning(true))
        .await
        .unwrap();
    replication_put("flt-c").mount(&server).await;
    fault(&server, "DELETE", "remove-remote-target", 3, err500()).await;
    let e = p
        .update_bucket(
            "flt",
            "flt-c",
            UpdateBucket::new().replication(vec![rule.clone()]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Partial, "{e}");
    let arn = fake.state().remote_targets["flt-c"][0]["arn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(e.to_string().contains(&arn), "names the target left: {e}");
    assert!(!e.to_string().contains(ROOT.1), "no secret in the error");

    // Update: the rule goes, but its target cannot be removed: Partial, the rule is gone.
    p.update_bucket(
        "flt",
        "flt-c",
        UpdateBucket::new().replication(vec![rule.clone()]),
    )
    .await
    .unwrap();
    fault(&server, "DELETE", "remove-remote-target", 3, err500()).await;
    let e = p
        .update_bucket("flt", "flt-c", UpdateBucket::new().replication(Vec::new()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Partial, "{e}");
    assert!(
        e.to_string()
            .contains("the replication configuration was written"),
        "{e}"
    );
    let b = p.get_bucket("flt", "flt-c").await.unwrap();
    assert_eq!(b.replication, Some(Vec::new()));
    // The unused target stays, as the error says.
    assert_eq!(fake.state().remote_targets["flt-c"].len(), 1);
}
