//! ECS protocol tests against the simulator: sessions (expiry mid-batch, concurrent re-login,
//! token limit, logout), two-key rotation, hidden secrets, S3 proof of keys, quota units,
//! creation-only encryption, forced delete through `emptyBucket`, errors, retries, faults and
//! TLS; bucket features and instance usage in `protocol/features.rs`.

use s3aas_backend_ecs::EcsProvider;
use s3aas_core::prelude::*;
use s3aas_core::{ErrorKind, ResourceKind};
use s3aas_fakes::ecs::{EcsSimulator, Fault};
use s3aas_http::{HttpConfig, RetryConfig, S3Client};
use std::sync::Arc;
use std::time::Duration;

const ADMIN: (&str, &str) = ("root", "ecs-sim-password-1");
const GIB: u64 = 1 << 30;

async fn sim() -> EcsSimulator {
    EcsSimulator::start(ADMIN.0, ADMIN.1).await
}

fn builder(sim: &EcsSimulator) -> s3aas_backend_ecs::EcsBuilder {
    EcsProvider::builder(
        sim.mgmt.uri(),
        ADMIN.0,
        SecretString::from(ADMIN.1.to_string()),
    )
    .s3_endpoint(sim.s3.uri())
    .version("3.8")
    .empty_bucket_poll(Duration::from_millis(5))
    .http(
        HttpConfig::new().retry(
            RetryConfig::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        ),
    )
}

fn s3_as(sim: &EcsSimulator, key: &NewAccessKey) -> S3Client {
    sim.s3_client(key)
}

#[tokio::test]
async fn token_expiry_mid_batch_costs_one_login() {
    let sim = sim().await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("batch"))
        .await
        .unwrap();
    for i in 0..10 {
        if i == 5 {
            // ECS's idle timeout strikes in the middle of the batch: the next call gets a 302
            // to /login.
            sim.state().expire_tokens();
        }
        p.create_user("batch", CreateUser::new(format!("u{i}")))
            .await
            .unwrap();
    }
    assert_eq!(sim.state().logins, 2, "one login, one re-login");
    assert_eq!(p.session().logins(), 2);
    let users = p.list_users("batch", ListOptions::new()).await.unwrap();
    assert_eq!(users.items.len(), 10);

    // The same with a server that answers 401 instead of the redirect.
    sim.state().expired_as_401 = true;
    sim.state().expire_tokens();
    p.get_user("batch", "u3").await.unwrap();
    assert_eq!(sim.state().logins, 3);
    p.delete_instance("batch", DeleteInstance::new())
        .await
        .unwrap();
}

#[tokio::test]
async fn concurrent_calls_share_one_relogin() {
    let sim = sim().await;
    let p = Arc::new(builder(&sim).build().unwrap());
    p.create_instance(CreateInstance::new("conc"))
        .await
        .unwrap();
    p.create_user("conc", CreateUser::new("alice"))
        .await
        .unwrap();
    sim.state().expire_tokens();
    let before = sim.state().logins;
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let p = p.clone();
            tokio::spawn(async move { p.get_user("conc", "alice").await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(
        sim.state().logins - before,
        1,
        "32 tasks hitting an expired token log in once"
    );
    assert_eq!(sim.state().live_tokens(ADMIN.0), 1, "no token leaked");
}

#[tokio::test]
async fn token_limit_is_reported_and_close_releases_the_token() {
    let sim = sim().await;
    let p = builder(&sim).build().unwrap();
    p.health().await.unwrap();
    assert_eq!(sim.state().live_tokens(ADMIN.0), 1);
    p.close().await.unwrap();
    assert_eq!(sim.state().live_tokens(ADMIN.0), 0, "close logs out");
    assert_eq!(sim.state().logouts, 1);

    // Dropping a provider inside a runtime logs out in the background.
    let q = builder(&sim).build().unwrap();
    q.health().await.unwrap();
    assert_eq!(sim.state().live_tokens(ADMIN.0), 1);
    drop(q);
    for _ in 0..100 {
        if sim.state().live_tokens(ADMIN.0) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sim.state().live_tokens(ADMIN.0), 0, "drop logs out");

    sim.state().max_tokens = 0;
    let e = p.get_instance("any").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert_eq!(e.code(), Some("4000"));
    assert_eq!(e.http_status(), Some(401));
    assert!(
        e.to_string().contains("Max number of tokens exceeded"),
        "{e}"
    );
    let h = p.health().await.unwrap();
    assert!(!h.ready && h.detail.unwrap().contains("tokens"));

    // Wrong password: Unauthenticated, and the password never shows.
    let bad = EcsProvider::builder(
        sim.mgmt.uri(),
        ADMIN.0,
        SecretString::from("wrong-password-xyz".to_string()),
    )
    .build()
    .unwrap();
    sim.state().max_tokens = 100;
    let e = bad.get_instance("any").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(!format!("{e:?}{e}{bad:?}").contains("wrong-password-xyz"));
}

#[tokio::test]
async fn keys_work_on_s3_and_rotation_respects_the_two_key_limit() {
    let sim = sim().await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("keys"))
        .await
        .unwrap();
    p.create_user("keys", CreateUser::new("alice"))
        .await
        .unwrap();
    p.create_bucket("keys", CreateBucket::new("keys-data").owner("alice"))
        .await
        .unwrap();
    let k1 = p
        .create_access_key("keys", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    assert_eq!(
        k1.key.access_key_id, "keys--alice",
        "object user id is the access key id"
    );
    assert_eq!(
        k1.key.id,
        s3aas_backend_ecs::secret_key_id(s3aas_core::ExposeSecret::expose_secret(
            &k1.secret_access_key
        ))
    );
    let s3 = s3_as(&sim, &k1);
    s3.put_object(
        "keys-data",
        "a.txt",
        bytes::Bytes::from_static(b"hello"),
        &[],
    )
    .await
    .unwrap();

    // Rotation with grace: both keys work until the old one expires.
    let r = p
        .rotate_access_key(
            "keys",
            "alice",
            &k1.key.id,
            RotateAccessKey::new().grace(Duration::from_secs(16 * 60)),
        )
        .await
        .unwrap();
    let OldKey::ExpiresAt(at) = r.old else {
        panic!("old key should expire: {:?}", r.old)
    };
    let mins = (at - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!(
        (15 * 60 + 50..=16 * 60).contains(&mins),
        "the old key expires after the grace: {mins}"
    );
    assert_eq!(p.list_access_keys("keys", "alice").await.unwrap().len(), 2);
    s3.get_object("keys-data", "a.txt", None).await.unwrap();
    s3_as(&sim, &r.new)
        .get_object("keys-data", "a.txt", None)
        .await
        .unwrap();
    let calls = sim.state().calls.len();
    let e = p
        .create_access_key("keys", "alice", CreateAccessKey::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "a third key: {e}");
    assert!(
        sim.state().calls[calls..]
            .iter()
            .all(|c| !c.starts_with("POST")),
        "refused before any create"
    );
    // The server enforces the limit too (e.g. a key made by another client meanwhile): its
    // refusal maps to Conflict.
    let body = r#"{"code":1008,"description":"Parameter was provided but invalid","details":"User keys--alice already has 2 valid keys","retryable":false}"#;
    p.delete_access_key("keys", "alice", &k1.key.id)
        .await
        .unwrap();
    sim.inject(Fault::new("/object/user-secret-keys/keys--alice", 400, body).method("POST"));
    let e = p
        .create_access_key("keys", "alice", CreateAccessKey::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert_eq!(e.code(), Some("1008"));
    assert!(sim.state().faults.is_empty(), "the fault was consumed");

    // The old key stops working once deleted; locking the user stops the new one.
    let e = s3.get_object("keys-data", "a.txt", None).await.unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::Unauthenticated,
        "a deleted key no longer signs: {e}"
    );
    p.set_user_enabled("keys", "alice", false).await.unwrap();
    let e = s3_as(&sim, &r.new)
        .get_object("keys-data", "a.txt", None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    p.set_user_enabled("keys", "alice", true).await.unwrap();
    s3_as(&sim, &r.new)
        .get_object("keys-data", "a.txt", None)
        .await
        .unwrap();

    // Rotation without grace deletes the old key at once.
    let r2 = p
        .rotate_access_key("keys", "alice", &r.new.key.id, RotateAccessKey::new())
        .await
        .unwrap();
    assert!(matches!(r2.old, OldKey::Deleted));
    let keys = p.list_access_keys("keys", "alice").await.unwrap();
    assert_eq!(
        keys.iter().map(|k| k.id.clone()).collect::<Vec<_>>(),
        vec![r2.new.key.id.clone()]
    );

    // Single keys cannot be disabled on ECS: refused before any request.
    let calls = sim.state().calls.len();
    let e = p
        .set_access_key_enabled("keys", "alice", &r2.new.key.id, false)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(sim.state().calls.len(), calls);
    p.delete_instance("keys", DeleteInstance::new().force(true))
        .await
        .unwrap();
    assert!(sim.state().users.is_empty() && sim.state().buckets.is_empty());
}

#[tokio::test]
async fn hidden_secrets_are_deleted_by_id() {
    let sim = sim().await;
    sim.state().hide_secret_keys = true;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("hide"))
        .await
        .unwrap();
    p.create_user("hide", CreateUser::new("bob")).await.unwrap();
    let k = p
        .create_access_key("hide", "bob", CreateAccessKey::new())
        .await
        .unwrap();
    let listed = p.list_access_keys("hide", "bob").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].id, k.key.id,
        "the server's secret_key_id is the key id"
    );
    p.delete_access_key("hide", "bob", &k.key.id).await.unwrap();
    assert!(p.list_access_keys("hide", "bob").await.unwrap().is_empty());
    // Versioning on a bucket owned by bob is signed by bob; ECS hides his secret, so a
    // temporary key is made for the call and deleted after it.
    p.create_access_key("hide", "bob", CreateAccessKey::new())
        .await
        .unwrap();
    p.create_bucket("hide", CreateBucket::new("hide-b").owner("bob"))
        .await
        .unwrap();
    let b = p
        .update_bucket("hide", "hide-b", UpdateBucket::new().versioning(true))
        .await
        .unwrap();
    assert_eq!(b.versioning, Some(Versioning::Enabled));
    assert_eq!(sim.state().s3.buckets["hide-b"].versioning, Some(true));
    assert_eq!(
        p.list_access_keys("hide", "bob").await.unwrap().len(),
        1,
        "the temporary key is gone"
    );
    // Both of bob's key slots taken: no room for a temporary key, said clearly, nothing changed.
    p.create_access_key("hide", "bob", CreateAccessKey::new())
        .await
        .unwrap();
    let e = p
        .update_bucket("hide", "hide-b", UpdateBucket::new().versioning(false))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("temporary key"), "{e}");
    assert_eq!(sim.state().s3.buckets["hide-b"].versioning, Some(true));
}

#[tokio::test]
async fn versioning_is_signed_with_the_owners_key_without_a_configured_credential() {
    let sim = sim().await;
    let p = builder(&sim).build().unwrap();
    assert_eq!(p.capabilities().instance_versioning, Support::Yes);
    p.create_instance(CreateInstance::new("own")).await.unwrap();
    p.create_user("own", CreateUser::new("carol"))
        .await
        .unwrap();
    p.create_access_key("own", "carol", CreateAccessKey::new())
        .await
        .unwrap();
    let b = p
        .create_bucket(
            "own",
            CreateBucket::new("own-b").owner("carol").versioning(true),
        )
        .await
        .unwrap();
    assert_eq!(b.versioning, Some(Versioning::Enabled));
    assert_eq!(b.owner.as_deref(), Some("carol"));
    assert_eq!(sim.state().s3.buckets["own-b"].versioning, Some(true));
    // No owner asked for: the instance's service user owns the bucket and signs for it; it is
    // no user of the instance, so the bucket reports no owner.
    let c = p
        .create_bucket("own", CreateBucket::new("own-c").versioning(true))
        .await
        .unwrap();
    assert_eq!(c.versioning, Some(Versioning::Enabled));
    assert_eq!(c.owner, None);
    assert_eq!(
        sim.state().buckets["own-c"].owner.as_deref(),
        Some(p.service_user_id("own").as_str())
    );
    // Without an S3 endpoint, versioning is refused before any request.
    let no_s3 = EcsProvider::builder(
        sim.mgmt.uri(),
        ADMIN.0,
        SecretString::from(ADMIN.1.to_string()),
    )
    .build()
    .unwrap()
    .into_client();
    let calls = sim.state().calls.len();
    let e = no_s3
        .create_bucket("own", CreateBucket::new("own-d").versioning(true))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert_eq!(sim.state().calls.len(), calls, "no request was sent");
}

#[tokio::test]
async fn input_is_checked_before_any_request() {
    let sim = sim().await;
    let p = builder(&sim).build().unwrap().into_client();
    p.create_instance(CreateInstance::new("inp")).await.unwrap();
    p.create_bucket(
        "inp",
        CreateBucket::new("inp-b").encryption(Encryption::Aes256),
    )
    .await
    .unwrap();
    let calls = sim.state().calls.len();
    let e = p
        .create_bucket(
            "inp",
            CreateBucket::new("inp-q").quota(Quota::hard(GIB + 512)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("whole GiB"), "{e}");
    let e = p
        .update_bucket(
            "inp",
            "inp-b",
            UpdateBucket::new().encryption(Encryption::None),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("only at creation"), "{e}");
    let e = p
        .create_instance(CreateInstance::new("lab").label("team", "a"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let e = p
        .put_policy(
            "inp",
            PutPolicy::new("p", PolicyDocument::bucket_read_only("inp-b")),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(sim.state().calls.len(), calls, "no request was sent");

    // Quota in GB on the wire, bytes in the model.
    let b = p
        .update_bucket(
            "inp",
            "inp-b",
            UpdateBucket::new().quota(Quota::hard(3 * GIB).with_notification(2 * GIB)),
        )
        .await
        .unwrap();
    assert_eq!(
        b.quota,
        Some(Some(Quota::hard(3 * GIB).with_notification(2 * GIB)))
    );
    assert_eq!(sim.state().buckets["inp-b"].block_size, 3);
    assert_eq!(b.encryption, Some(Encryption::Aes256));
}

#[tokio::test]
async fn forced_delete_waits_for_ecs_to_empty_the_bucket() {
    let sim = sim().await;
    sim.state().empty_bucket_polls = 3;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("fdel"))
        .await
        .unwrap();
    p.create_user("fdel", CreateUser::new("dave"))
        .await
        .unwrap();
    let k = p
        .create_access_key("fdel", "dave", CreateAccessKey::new())
        .await
        .unwrap();
    // dave owns the bucket: ECS lets only the owner (or a policy) write into it.
    p.create_bucket("fdel", CreateBucket::new("fd-b").owner("dave"))
        .await
        .unwrap();
    s3_as(&sim, &k)
        .put_object("fd-b", "x", bytes::Bytes::from_static(b"12345"), &[])
        .await
        .unwrap();
    let u = p.bucket_usage("fdel", "fd-b").await.unwrap();
    assert_eq!((u.bytes, u.objects), (5, Some(1)));
    assert!(u.as_of.is_some());
    let e = p
        .delete_bucket("fdel", "fd-b", DeleteBucket::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BucketNotEmpty);
    assert_eq!(e.resource(), Some((ResourceKind::Bucket, "fd-b")));
    p.delete_bucket("fdel", "fd-b", DeleteBucket::new().force(true))
        .await
        .unwrap();
    assert!(!sim.state().buckets.contains_key("fd-b"));
    let polls = sim
        .state()
        .calls
        .iter()
        .filter(|c| c.ends_with("empty-bucket-status"))
        .count();
    assert_eq!(polls, 3);

    // Before 3.8 a forced delete is refused up front.
    let old = builder(&sim)
        .version("3.6.2")
        .build()
        .unwrap()
        .into_client();
    assert!(!old.capabilities().bucket_force_delete);
    let e = old
        .delete_bucket("fdel", "fd-x", DeleteBucket::new().force(true))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn errors_keep_status_code_message_and_request_id() {
    let sim = sim().await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("err")).await.unwrap();
    let e = p.get_bucket("err", "nope").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.resource(), Some((ResourceKind::Bucket, "nope")));
    assert_eq!(e.http_status(), Some(404));
    let e = p.get_user("missing-ns", "x").await.unwrap_err();
    assert_eq!(e.resource(), Some((ResourceKind::Instance, "missing-ns")));
    let e = p
        .create_instance(CreateInstance::new("err"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert_eq!(e.code(), Some("1015"));
    assert!(
        e.request_id().is_some_and(|r| r.starts_with("ecs-req-")),
        "{e:?}"
    );
    assert!(e.to_string().contains("already exists"), "{e}");
}

#[tokio::test]
async fn retries_only_what_is_safe() {
    let sim = sim().await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("rtry"))
        .await
        .unwrap();
    // A GET survives two 503s with Retry-After.
    sim.inject(
        Fault::new("/object/namespaces/namespace/rtry", 503, r#"{"code":6000,"description":"Service unavailable","details":"retry later","retryable":true}"#)
            .method("GET")
            .times(2)
            .header("retry-after", "0"),
    );
    p.get_instance("rtry").await.unwrap();
    // A POST that creates something is not retried on a 500.
    sim.inject(
        Fault::new(
            "/object/users",
            500,
            r#"{"code":7000,"description":"API service error","details":"boom","retryable":false}"#,
        )
        .method("POST"),
    );
    let before = sim.state().calls.len();
    let e = p
        .create_user("rtry", CreateUser::new("eve"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend);
    assert_eq!(e.code(), Some("7000"));
    let posts = sim.state().calls[before..]
        .iter()
        .filter(|c| c.starts_with("POST /object/users"))
        .count();
    assert_eq!(posts, 1, "not retried");
    // Three 503s exhaust the retries.
    sim.inject(Fault::new("/user/whoami", 503, "busy").times(3));
    let h = p.health().await.unwrap();
    assert!(!h.ready);
    // A malformed answer is a Backend error, not a panic.
    sim.inject(Fault::new("/object/users/rtry--x/info", 200, "{not json").method("GET"));
    let e = p.get_user("rtry", "x").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend);
    assert!(e.to_string().contains("decode"), "{e}");
}

mod tls {
    use super::*;
    use tokio::net::TcpListener;

    /// A TLS front (self-signed, for localhost) to the simulator's management server, as ECS
    /// ships on port 4443.
    async fn tls_front(target: String) -> (String, String) {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let pem = cert.cert.pem();
        let der = cert.cert.der().clone();
        let key =
            rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![der], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let target = target.trim_start_matches("http://").to_string();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let target = target.clone();
                tokio::spawn(async move {
                    if let Ok(mut tls) = acceptor.accept(tcp).await {
                        if let Ok(mut up) = tokio::net::TcpStream::connect(&target).await {
                            let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
                        }
                    }
                });
            }
        });
        (format!("https://localhost:{port}"), pem)
    }

    #[tokio::test]
    async fn self_signed_management_endpoint() {
        let sim = sim().await;
        let (url, pem) = tls_front(sim.mgmt.uri()).await;
        let mk = |http: HttpConfig| {
            EcsProvider::builder(&url, ADMIN.0, SecretString::from(ADMIN.1.to_string()))
                .http(http.retry(RetryConfig::disabled()))
                .build()
                .unwrap()
        };
        let e = mk(HttpConfig::new()).get_instance("x").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable, "refused by default: {e}");
        assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
        let with_ca = mk(HttpConfig::new().ca_pem(pem));
        assert!(
            with_ca.health().await.unwrap().ready,
            "the lab CA is trusted"
        );
        let insecure = mk(HttpConfig::new().danger_accept_invalid_certs(true));
        insecure
            .create_instance(CreateInstance::new("tls"))
            .await
            .unwrap();
        assert!(sim.state().namespaces.contains_key("tls"));
    }
}

#[tokio::test]
async fn a_listing_that_does_not_advance_is_an_error_not_a_short_list() {
    // A release that ignored `marker` would answer the same page again: deleting an instance
    // on that cut list would leave users behind, so it must fail instead.
    let sim = sim().await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("loop"))
        .await
        .unwrap();
    let page = r#"{"blobuser":[{"userid":"loop--a","namespace":"loop"}],"NextMarker":"loop--a"}"#;
    sim.inject(
        Fault::new("/object/users/loop", 200, page)
            .method("GET")
            .content_type("application/json")
            .times(2),
    );
    let e = p
        .delete_instance("loop", DeleteInstance::new().force(true))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend, "{e}");
    assert!(e.to_string().contains("does not advance"), "{e}");
    assert!(
        sim.state().namespaces.contains_key("loop"),
        "nothing deleted"
    );
}

#[tokio::test]
async fn capabilities_are_declared_and_probed_and_restricted_never_widened() {
    let sim = sim().await;
    // No release configured: what depends on it is off until ECS says which release it runs.
    let p = EcsProvider::builder(
        sim.mgmt.uri(),
        ADMIN.0,
        SecretString::from(ADMIN.1.to_string()),
    )
    .s3_endpoint(sim.s3.uri())
    .capabilities(
        s3aas_core::Capabilities::all()
            .with_overrides("policies=yes,bucket_tags=no")
            .unwrap(),
    )
    .build()
    .unwrap();
    let before = p.capabilities();
    assert!(!before.bucket_force_delete);
    assert_eq!(before.bucket_object_lock, Support::No);
    let probed = p.probe_capabilities().await.unwrap();
    assert!(probed.bucket_force_delete, "the simulator runs 3.8");
    assert_eq!(probed.bucket_object_lock, Support::CreationOnly);
    // A restriction switches off; it cannot switch on what object users lack.
    assert_eq!(probed.bucket_tags, Support::No);
    assert!(!probed.policies);
    // A configured release is replaced by the real one once read.
    sim.state().version = "3.6.2.0".into();
    let old = builder(&sim).version("3.8").build().unwrap();
    assert!(old.capabilities().bucket_force_delete);
    assert!(!old.probe_capabilities().await.unwrap().bucket_force_delete);
}

#[path = "protocol/features.rs"]
mod features;
