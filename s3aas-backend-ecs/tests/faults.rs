//! Fault matrix for the ECS backend on the simulator: server errors, throttling, `Retry-After`,
//! timeouts, slow answers, truncated and malformed bodies, wrong content types, dropped
//! connections, token expiry, and all-or-nothing tenant provisioning under a failing step.
//! Expected everywhere: bounded retries only where a repeat is safe, the right `ErrorKind`, no
//! panic, no hang past the configured timeout, nothing half-made.

use s3aas_backend_ecs::EcsProvider;
use s3aas_core::prelude::*;
use s3aas_core::{ErrorKind, TenantSpec, provision_tenant};
use s3aas_fakes::ecs::{EcsSimulator, Fault};
use std::time::{Duration, Instant};

const ADMIN: (&str, &str) = ("root", "ecs-sim-password-1");

fn provider(uri: &str, s3: &str) -> EcsProvider {
    EcsProvider::builder(uri, ADMIN.0, SecretString::from(ADMIN.1.to_string()))
        .s3_endpoint(s3)
        .http(s3aas_fakes::fault_test_http(Duration::from_millis(1500)))
        .build()
        .unwrap()
}

async fn setup() -> (EcsSimulator, EcsProvider) {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let p = provider(&sim.mgmt.uri(), &sim.s3.uri());
    p.create_instance(CreateInstance::new("flt")).await.unwrap();
    p.create_user("flt", CreateUser::new("alice"))
        .await
        .unwrap();
    (sim, p)
}

fn calls(sim: &EcsSimulator, needle: &str) -> usize {
    sim.state()
        .calls
        .iter()
        .filter(|c| c.contains(needle))
        .count()
}

const INFO: &str = "/object/users/flt--alice/info";

#[tokio::test]
async fn status_faults() {
    let (sim, p) = setup().await;
    let err =
        r#"{"code":7000,"description":"API service error","details":"injected","retryable":false}"#;

    // 500 on every attempt of an idempotent call: three attempts, then Backend, which ECS says
    // is not retryable (so an outer loop will not repeat it either).
    let before = calls(&sim, INFO);
    sim.inject(Fault::new(INFO, 500, err).times(3));
    let e = p.get_user("flt", "alice").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend);
    assert!(!e.is_retryable(), "{e:?}");
    assert_eq!(calls(&sim, INFO) - before, 3, "bounded retries");

    // 502 and 503 with Retry-After once each: the call succeeds.
    sim.inject(Fault::new(INFO, 502, "<html>bad gateway</html>").content_type("text/html"));
    sim.inject(Fault::new(INFO, 503, r#"{"code":6000,"description":"Service unavailable","details":"later","retryable":true}"#).header("retry-after", "0"));
    p.get_user("flt", "alice").await.unwrap();

    // 429 is retried even for a create: the server did not act on it.
    sim.inject(Fault::new("/object/users", 429, "slow down").method("POST"));
    p.create_user("flt", CreateUser::new("bob")).await.unwrap();

    // A 500 on a create is not repeated (it may have happened): one attempt, clear error.
    let before = calls(&sim, "POST /object/users");
    sim.inject(Fault::new("/object/users", 500, err).method("POST"));
    let e = p
        .create_user("flt", CreateUser::new("carol"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend);
    assert_eq!(e.code(), Some("7000"));
    assert_eq!(calls(&sim, "POST /object/users") - before, 1);

    // 503 that persists on a GET: Unavailable, marked exhausted.
    sim.inject(Fault::new(INFO, 503, "busy").times(3));
    let e = p.get_user("flt", "alice").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.retries_exhausted());
}

#[tokio::test]
async fn bodies_that_cannot_be_read() {
    let (sim, p) = setup().await;
    for (body, ct) in [
        (
            r#"{"name":"flt--alice","namespace":"flt","lock"#,
            "application/json",
        ),
        ("<html><body>maintenance</body></html>", "text/html"),
        ("", "application/json"),
        (
            r#"{"name": 12, "namespace": ["x"], "locked": {"a": 1}}"#,
            "application/json",
        ),
    ] {
        sim.inject(Fault::new(INFO, 200, body).content_type(ct));
        let r = p.get_user("flt", "alice").await;
        match r {
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Backend, "{body}: {e}");
                assert!(
                    !e.to_string().contains("maintenance"),
                    "bodies are not echoed: {e}"
                );
            }
            Ok(u) => panic!("a broken body must not parse as a user: {u:?}"),
        }
    }
    // An XML error (ECS's default representation) keeps its code and text.
    sim.inject(
        Fault::new(
            INFO,
            400,
            "<?xml version=\"1.0\"?><error><code>1008</code><description>Parameter was provided but invalid</description><details>injected xml</details><retryable>false</retryable></error>",
        )
        .content_type("application/xml"),
    );
    let e = p.get_user("flt", "alice").await.unwrap_err();
    assert_eq!(e.code(), Some("1008"));
    assert!(e.to_string().contains("injected xml"), "{e}");
}

#[tokio::test]
async fn slow_answers_time_out_without_hanging() {
    let (sim, p) = setup().await;
    sim.inject(
        Fault::new(INFO, 200, "{}")
            .delay(Duration::from_secs(20))
            .times(3),
    );
    let started = Instant::now();
    let e = p.get_user("flt", "alice").await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(
        took < Duration::from_secs(8),
        "3 attempts x 1.5 s, not 3 x 20 s: {took:?}"
    );
    // A slow but timely answer is fine.
    sim.state().faults.clear();
    sim.inject(
        Fault::new(
            "/object/namespaces/namespace/flt",
            404,
            r#"{"code":1004,"description":"x","details":"y"}"#,
        )
        .delay(Duration::from_millis(100))
        .method("GET"),
    );
    let e = p.get_instance("flt").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn dropped_connections_are_unavailable() {
    // A server that accepts and closes every connection at once (a reset mid-request).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            drop(tcp);
        }
    });
    let p = provider(&format!("http://{addr}"), &format!("http://{addr}"));
    let started = Instant::now();
    let e = p.get_instance("flt").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(started.elapsed() < Duration::from_secs(8));
    let n = accepted.load(std::sync::atomic::Ordering::Relaxed);
    assert!((1..=3).contains(&n), "bounded attempts, got {n}");
    let h = p.health().await.unwrap();
    assert!(!h.ready);
}

#[tokio::test]
async fn tenant_provisioning_is_all_or_nothing() {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let p = provider(&sim.mgmt.uri(), &sim.s3.uri());
    let spec = TenantSpec::new("tenant", "tenant-data", "owner");
    // The access key step fails (and the session expires on the way): everything is removed.
    sim.inject(
        Fault::new("/object/user-secret-keys/tenant--owner", 500, r#"{"code":7000,"description":"API service error","details":"injected","retryable":false}"#)
            .method("POST"),
    );
    sim.state().expire_tokens();
    let e = provision_tenant(&p, &spec).await.unwrap_err();
    assert!(e.to_string().contains("access_key"), "names the step: {e}");
    assert!(
        e.to_string().contains("rolled back"),
        "says the cleanup was complete: {e}"
    );
    {
        let st = sim.state();
        assert!(
            st.namespaces.is_empty() && st.users.is_empty() && st.buckets.is_empty(),
            "nothing half-made: {:?} {:?} {:?}",
            st.namespaces.keys().collect::<Vec<_>>(),
            st.users.keys().collect::<Vec<_>>(),
            st.buckets.keys().collect::<Vec<_>>()
        );
    }
    // Re-running converges; without attachable policies the owner owns the bucket.
    let t = provision_tenant(&p, &spec).await.unwrap();
    assert!(t.policy.is_none());
    assert_eq!(t.bucket.owner.as_deref(), Some("owner"));
    assert_eq!(
        sim.state().buckets["tenant-data"].owner.as_deref(),
        Some("tenant--owner")
    );
    let again = provision_tenant(&p, &spec).await.unwrap();
    assert_eq!(again.instance.id, t.instance.id);
}

/// Faults on the S3 side of bucket features and on namespace billing: a failing lifecycle step
/// removes the half-made bucket, a transient S3 error on a read is retried, a refusal stops an
/// update before its management-side changes, and billing answers that cannot be trusted are
/// errors, never a wrong figure.
#[tokio::test]
async fn feature_and_billing_faults() {
    let (sim, p) = setup().await;
    let s3_calls = |needle: &str| {
        sim.state()
            .s3_calls
            .iter()
            .filter(|c| c.contains(needle))
            .count()
    };

    // The lifecycle PUT fails every time: bounded retries, then the bucket is removed again.
    sim.inject(
        Fault::s3("/flt-b", 500, "InternalError")
            .query("lifecycle")
            .method("PUT")
            .times(10),
    );
    let before = s3_calls("PUT /flt-b?lifecycle");
    let e = p
        .create_bucket(
            "flt",
            CreateBucket::new("flt-b").lifecycle_rule(LifecycleRule::new("r").expire_after_days(1)),
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("setting lifecycle, CORS or default retention on the new bucket failed"),
        "{e}"
    );
    assert_eq!(
        s3_calls("PUT /flt-b?lifecycle") - before,
        3,
        "bounded retries"
    );
    assert!(
        !sim.state().buckets.contains_key("flt-b"),
        "nothing half-made"
    );
    sim.state().faults.clear();

    // A 503 once on a feature read: retried, the read succeeds.
    p.create_bucket(
        "flt",
        CreateBucket::new("flt-c").cors_rule(CorsRule::new(["*"], ["GET"])),
    )
    .await
    .unwrap();
    sim.inject(
        Fault::s3("/flt-c", 503, "SlowDown")
            .query("cors")
            .method("GET"),
    );
    let b = p.get_bucket("flt", "flt-c").await.unwrap();
    assert_eq!(b.cors, Some(vec![CorsRule::new(["*"], ["GET"])]));

    // A truncated lifecycle answer is an error, never "no rules"; a slow one times out after
    // bounded attempts.
    let mut f = Fault::s3("/flt-c", 200, "x")
        .query("lifecycle")
        .method("GET");
    f.body = "<LifecycleConfiguration><Rule><ID>x</ID><Status>Enab".into();
    sim.inject(f);
    let e = p.get_bucket("flt", "flt-c").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend, "{e}");
    sim.inject(
        Fault::s3("/flt-c", 200, "x")
            .query("cors")
            .method("GET")
            .delay(Duration::from_secs(20))
            .times(3),
    );
    let started = Instant::now();
    let e = p.get_bucket("flt", "flt-c").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(started.elapsed() < Duration::from_secs(8), "bounded");
    sim.state().faults.clear();

    // S3 refuses the CORS change: the update stops before its quota change.
    sim.inject(
        Fault::s3("/flt-c", 403, "AccessDenied")
            .query("cors")
            .method("PUT"),
    );
    let e = p
        .update_bucket(
            "flt",
            "flt-c",
            UpdateBucket::new()
                .cors(vec![CorsRule::new(["*"], ["HEAD"])])
                .quota(Quota::hard(1 << 30)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert_eq!(
        sim.state().buckets["flt-c"].block_size,
        -1,
        "quota untouched"
    );

    // Billing: a server error, a truncated body, a page marker that does not advance, a
    // bucket figure without a size.
    const NS_BILLING: &str = "/object/billing/namespace/flt/info";
    let err =
        r#"{"code":7000,"description":"API service error","details":"injected","retryable":false}"#;
    sim.inject(Fault::new(NS_BILLING, 500, err).times(3));
    let e = p.instance_usage("flt").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend, "{e}");
    for body in [
        r#"{"namespace":"flt","total_size":1.0,"bucket_billing_info":[{"name":"flt-c","#.to_string(),
        r#"{"namespace":"flt","total_size":0.0,"bucket_billing_info":[],"next_marker":"m"}"#
            .to_string(),
        r#"{"namespace":"flt","total_size":0.0,"bucket_billing_info":[{"name":"flt-c","total_objects":1}]}"#
            .to_string(),
    ] {
        sim.inject(Fault::new(NS_BILLING, 200, &body).times(2));
        let e = p.instance_usage("flt").await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Backend, "{body}: {e}");
        sim.state().faults.clear();
    }
    // And with the faults gone, the real figure.
    let u = p.instance_usage("flt").await.unwrap();
    assert_eq!((u.buckets, u.bytes), (1, 0));
}
