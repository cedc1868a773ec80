//! IAM mode (ECS 3.6+ IAM API) protocol tests: the request shape on the wire, disabling users
//! by parking their keys, policy versions, clean deletes, refusals before any request, error
//! mapping, token expiry, and tenant provisioning with attached policies — against the
//! simulator, and a bare wiremock server where the exact request matters.

use s3aas_backend_ecs::EcsProvider;
use s3aas_core::prelude::*;
use s3aas_core::{ErrorKind, ResourceKind, TenantSpec, provision_tenant};
use s3aas_fakes::ecs::{EcsSimulator, Fault};
use s3aas_http::{HttpConfig, RetryConfig, S3Client};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ADMIN: (&str, &str) = ("root", "ecs-sim-password-1");

fn builder(mgmt: &str, s3: &str) -> s3aas_backend_ecs::EcsBuilder {
    EcsProvider::builder(mgmt, ADMIN.0, SecretString::from(ADMIN.1.to_string()))
        .s3_endpoint(s3)
        .version("3.8")
        .iam(true)
        .empty_bucket_poll(Duration::from_millis(5))
        .http(HttpConfig::new().retry(RetryConfig::disabled()))
}

async fn sim_and_provider() -> (EcsSimulator, EcsProvider) {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let p = builder(&sim.mgmt.uri(), &sim.s3.uri()).build().unwrap();
    (sim, p)
}

/// A simulator and an IAM-mode provider holding instance `id`.
async fn with_instance(id: &str) -> (EcsSimulator, EcsProvider) {
    let (sim, p) = sim_and_provider().await;
    p.create_instance(CreateInstance::new(id)).await.unwrap();
    (sim, p)
}

/// Gives `user` read-write access to `bucket` with an attached policy (IAM users own no
/// bucket: without a policy they may do nothing on S3).
async fn grant(p: &dyn ObjectStoreProvider, instance: &str, user: &str, bucket: &str) {
    let name = format!("{user}-{bucket}");
    p.put_policy(
        instance,
        PutPolicy::new(&name, PolicyDocument::bucket_read_write(bucket)),
    )
    .await
    .unwrap();
    p.attach_policy(instance, user, &name).await.unwrap();
}

fn s3_as(sim: &EcsSimulator, key: &NewAccessKey) -> S3Client {
    sim.s3_client(key)
}

async fn works(sim: &EcsSimulator, key: &NewAccessKey, bucket: &str) -> bool {
    s3_as(sim, key)
        .put_object(bucket, "probe.txt", bytes::Bytes::from_static(b"x"), &[])
        .await
        .is_ok()
}

fn iam_calls(sim: &EcsSimulator) -> usize {
    sim.state()
        .calls
        .iter()
        .filter(|c| c.ends_with("/iam"))
        .count()
}

#[tokio::test]
async fn requests_follow_the_reference() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/login"))
        .respond_with(ResponseTemplate::new(200).insert_header("x-sds-auth-token", "tok-1"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/object/namespaces/namespace/acme"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"id": "acme", "name": "acme"})),
        )
        .mount(&server)
        .await;
    // The instance's service user marks the namespace as an s3aas instance.
    Mock::given(method("GET"))
        .and(path("/object/users/cs-s3aas_acme/info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "name": "cs-s3aas_acme", "namespace": "acme",
            "tag": [{"name": "s3aas-instance", "value": "acme"}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/iam"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "CreateUserResult": {"User": {"UserName": "cs-alice", "UserId": "AIDA1", "Path": "/", "CreateDate": "2025-01-02T03:04:05Z"}},
            "ResponseMetadata": {"RequestId": "r-1"}
        })))
        .mount(&server)
        .await;
    let p = builder(&server.uri(), &server.uri())
        .user_prefix("cs-")
        .build()
        .unwrap();
    let u = p
        .create_user("acme", CreateUser::new("alice").tag("team", "blue sky"))
        .await
        .unwrap();
    assert_eq!(u.name, "alice");
    assert_eq!(
        u.tags.unwrap().get("team").map(String::as_str),
        Some("blue sky")
    );
    let doc = PolicyDocument::bucket_read_write("my-bucket");
    // The policy call fails on this bare server (no GetPolicy answer shape); only its request is checked.
    let _ = p
        .put_policy("acme", PutPolicy::new("rw", doc.clone()))
        .await;
    let reqs = server.received_requests().await.unwrap();
    let iam: Vec<_> = reqs.iter().filter(|r| r.url.path() == "/iam").collect();
    let create = iam[0];
    assert_eq!(create.method.as_str(), "POST");
    assert!(
        create.body.is_empty(),
        "parameters travel in the query string"
    );
    assert_eq!(create.headers.get("x-emc-namespace").unwrap(), "acme");
    assert_eq!(create.headers.get("x-sds-auth-token").unwrap(), "tok-1");
    assert_eq!(create.headers.get("accept").unwrap(), "application/json");
    let q: Vec<(String, String)> = create
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    assert_eq!(get("Action"), Some("CreateUser"));
    assert_eq!(get("UserName"), Some("cs-alice"));
    assert_eq!(get("Path"), Some("/"));
    assert_eq!(get("Tags.member.1.Key"), Some("team"));
    assert_eq!(get("Tags.member.1.Value"), Some("blue sky"));
    let raw = create.url.query().unwrap();
    assert!(
        raw.contains("blue%20sky") && !raw.contains('+'),
        "spaces as %20: {raw}"
    );
    // GetPolicy first (is it there?), in the namespace, by ARN.
    let getp = iam[1];
    let q: Vec<(String, String)> = getp
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert!(q.contains(&("Action".into(), "GetPolicy".into())));
    assert!(q.contains(&("PolicyArn".into(), "urn:ecs:iam::acme:policy/rw".into())));
}

#[tokio::test]
async fn disabling_parks_active_keys_and_enabling_restores_exactly_those() {
    let (sim, p) = sim_and_provider().await;
    p.create_instance(CreateInstance::new("acme").default_bucket("acme-data"))
        .await
        .unwrap();
    p.create_user("acme", CreateUser::new("alice").tag("team", "blue"))
        .await
        .unwrap();
    grant(&p, "acme", "alice", "acme-data").await;
    let k1 = p
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    let k2 = p
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    assert!(works(&sim, &k1, "acme-data").await && works(&sim, &k2, "acme-data").await);
    // A single key can be disabled in IAM mode.
    p.set_access_key_enabled("acme", "alice", &k2.key.id, false)
        .await
        .unwrap();
    assert!(!works(&sim, &k2, "acme-data").await);
    p.set_user_enabled("acme", "alice", false).await.unwrap();
    let u = p.get_user("acme", "alice").await.unwrap();
    assert!(!u.enabled);
    assert_eq!(
        u.tags.as_ref().unwrap().len(),
        1,
        "the marker tag is hidden: {:?}",
        u.tags
    );
    assert!(
        !works(&sim, &k1, "acme-data").await,
        "a disabled user's keys stop working"
    );
    // Idempotent.
    p.set_user_enabled("acme", "alice", false).await.unwrap();
    // A key made while disabled starts inactive.
    p.delete_access_key("acme", "alice", &k2.key.id)
        .await
        .unwrap();
    let k3 = p
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    assert!(!k3.key.enabled);
    assert!(!works(&sim, &k3, "acme-data").await);
    p.set_user_enabled("acme", "alice", true).await.unwrap();
    assert!(p.get_user("acme", "alice").await.unwrap().enabled);
    assert!(
        works(&sim, &k1, "acme-data").await,
        "k1 was active before: back"
    );
    assert!(
        works(&sim, &k3, "acme-data").await,
        "k3 was made while disabled: active now"
    );
    // A key disabled while the user is disabled stays disabled after enabling.
    p.set_user_enabled("acme", "alice", false).await.unwrap();
    p.set_access_key_enabled("acme", "alice", &k1.key.id, false)
        .await
        .unwrap();
    p.set_user_enabled("acme", "alice", true).await.unwrap();
    assert!(!works(&sim, &k1, "acme-data").await);
    assert!(works(&sim, &k3, "acme-data").await);
    let keys = p.list_access_keys("acme", "alice").await.unwrap();
    let state: Vec<(String, bool)> = keys.iter().map(|k| (k.id.clone(), k.enabled)).collect();
    assert!(
        state.contains(&(k1.key.id.clone(), false)) && state.contains(&(k3.key.id.clone(), true))
    );
    // Users made disabled start with the marker.
    let bob = p
        .create_user("acme", CreateUser::new("bob").enabled(false))
        .await
        .unwrap();
    assert!(!bob.enabled);
    assert!(!p.get_user("acme", "bob").await.unwrap().enabled);
    // The marker is reserved.
    let e = p
        .create_user("acme", CreateUser::new("carol").tag("s3aas-disabled", ""))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn replacing_a_policy_keeps_one_version() {
    let (sim, p) = with_instance("acme").await;
    let a = PolicyDocument::bucket_read_only("one");
    let b = PolicyDocument::bucket_read_write("two");
    p.put_policy("acme", PutPolicy::new("rw", a.clone()))
        .await
        .unwrap();
    for _ in 0..7 {
        // More replacements than the five versions ECS keeps: old ones are pruned.
        p.put_policy("acme", PutPolicy::new("rw", a.clone()))
            .await
            .unwrap();
        p.put_policy("acme", PutPolicy::new("rw", b.clone()))
            .await
            .unwrap();
    }
    let got = p.get_policy("acme", "rw").await.unwrap();
    assert!(got.document.semantically_eq(&b));
    let (versions, next) = {
        let st = sim.state();
        let pol = &st.iam_policies[&("acme".to_string(), "rw".to_string())];
        (pol.versions.len(), pol.next_version)
    };
    assert_eq!(versions, 1, "only the default version is kept");
    // The same document again changes nothing.
    p.put_policy("acme", PutPolicy::new("rw", b.clone()))
        .await
        .unwrap();
    let next_now = sim.state().iam_policies[&("acme".to_string(), "rw".to_string())].next_version;
    assert_eq!(next_now, next);
    // System policies are not the instance's.
    let names: Vec<String> = p
        .list_policies("acme", ListOptions::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, vec!["rw".to_string()]);
}

#[tokio::test]
async fn deletes_leave_no_iam_entity() {
    let (sim, p) = with_instance("acme").await;
    for u in ["alice", "bob"] {
        p.create_user("acme", CreateUser::new(u)).await.unwrap();
        p.create_access_key("acme", u, CreateAccessKey::new())
            .await
            .unwrap();
    }
    p.put_policy(
        "acme",
        PutPolicy::new("rw", PolicyDocument::bucket_read_write("b")),
    )
    .await
    .unwrap();
    p.put_policy(
        "acme",
        PutPolicy::new("rw", PolicyDocument::bucket_read_only("b")),
    )
    .await
    .unwrap();
    p.attach_policy("acme", "alice", "rw").await.unwrap();
    p.attach_policy("acme", "bob", "rw").await.unwrap();
    // A user with keys and an attachment goes in one call.
    p.delete_user("acme", "alice").await.unwrap();
    p.delete_user("acme", "alice").await.unwrap();
    assert!(
        !sim.state()
            .iam_users
            .contains_key(&("acme".into(), "alice".into()))
    );
    let e = p.delete_policy("acme", "rw").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "still attached to bob: {e}");
    // The instance takes its IAM users and policies with it.
    p.delete_instance("acme", DeleteInstance::default())
        .await
        .unwrap();
    let st = sim.state();
    assert!(
        st.iam_users.is_empty(),
        "{:?}",
        st.iam_users.keys().collect::<Vec<_>>()
    );
    assert!(st.iam_policies.keys().all(|(ns, _)| ns.is_empty()));
    assert!(st.namespaces.is_empty());
}

#[tokio::test]
async fn refusals_come_before_any_request() {
    let (sim, p) = with_instance("acme").await;
    // The refusals come from the checked front door every provider is used through.
    let p = p.into_client();
    p.create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap();
    let k = p
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    let before = sim.state().calls.len();
    let e = p
        .rotate_access_key(
            "acme",
            "alice",
            &k.key.id,
            RotateAccessKey::new().grace(Duration::from_secs(3600)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("access_key_rotation_grace"), "{e}");
    let e = p
        .create_bucket("acme", CreateBucket::new("owned").owner("alice"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    // 64 characters are fine alone, not behind a prefix (ECS IAM names are at most 64).
    let prefixed = builder(&sim.mgmt.uri(), &sim.s3.uri())
        .user_prefix("cs-")
        .build()
        .unwrap()
        .into_client();
    let e = prefixed
        .create_user("acme", CreateUser::new("x".repeat(63)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("64"), "{e}");
    assert_eq!(sim.state().calls.len(), before, "no request was sent");
    // Rotation without grace: the new key works, the old one is gone.
    p.create_bucket("acme", CreateBucket::new("acme-rot"))
        .await
        .unwrap();
    grant(&p, "acme", "alice", "acme-rot").await;
    let r = p
        .rotate_access_key("acme", "alice", &k.key.id, RotateAccessKey::new())
        .await
        .unwrap();
    assert!(works(&sim, &r.new, "acme-rot").await);
    assert!(!works(&sim, &k, "acme-rot").await);
    // The capabilities say what IAM mode does.
    let c = p.capabilities();
    assert!(c.policies && c.policy_attach && c.access_key_disable);
    assert!(!c.access_key_rotation_grace && !c.bucket_owner);
    assert_eq!(c.access_keys_per_user, Some(2));
    // IAM mode needs 3.6.
    let e = builder(&sim.mgmt.uri(), &sim.s3.uri())
        .version("3.5")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
}

#[tokio::test]
async fn an_ecs_without_iam_is_named() {
    let (sim, p) = with_instance("acme").await;
    sim.state().iam_enabled = false;
    let e = p
        .create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("3.6"), "{e}");
}

#[tokio::test]
async fn iam_errors_keep_code_message_and_request_id() {
    let (sim, p) = with_instance("acme").await;
    p.create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap();
    let e = p
        .create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AlreadyExists);
    assert_eq!(e.code(), Some("EntityAlreadyExists"));
    assert_eq!(e.http_status(), Some(409));
    assert!(e.request_id().is_some_and(|r| !r.is_empty()));
    assert_eq!(e.resource(), Some((ResourceKind::User, "alice")));
    let e = p.get_user("acme", "nobody").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.code(), Some("NoSuchEntity"));
    let e = p.get_user("no-such-ns", "alice").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(
        e.resource().map(|r| r.0),
        Some(ResourceKind::Instance),
        "{e}"
    );
    // A ServiceFailure is retryable and keeps ECS's words.
    sim.inject(
        Fault::new(
            "/iam",
            500,
            r#"{"Error":{"Type":"Receiver","Code":"ServiceFailure","Message":"injected failure"},"RequestId":"req-42"}"#,
        )
        .query("Action=GetUser"),
    );
    let e = p.get_user("acme", "alice").await.unwrap_err();
    assert_eq!(e.code(), Some("ServiceFailure"));
    assert_eq!(e.request_id(), Some("req-42"));
    // Transient: retryable, or (retries are off here) marked as retried out.
    assert!(e.is_retryable() || e.retries_exhausted());
    assert!(e.to_string().contains("injected failure"));
    // The two-key limit is a Conflict, checked before the call.
    for _ in 0..2 {
        p.create_access_key("acme", "alice", CreateAccessKey::new())
            .await
            .unwrap();
    }
    let calls = iam_calls(&sim);
    let e = p
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(
        !sim.state().calls[calls..].is_empty(),
        "the limit is read from ECS"
    );
}

#[tokio::test]
async fn token_expiry_between_iam_calls_costs_one_login() {
    let (sim, p) = with_instance("acme").await;
    for i in 0..6 {
        if i == 3 {
            sim.state().expire_tokens();
        }
        p.create_user("acme", CreateUser::new(format!("u{i}")))
            .await
            .unwrap();
    }
    assert_eq!(sim.state().logins, 2);
    assert_eq!(
        p.list_users("acme", ListOptions::default())
            .await
            .unwrap()
            .items
            .len(),
        6
    );
}

#[tokio::test]
async fn tenants_get_an_attached_policy_all_or_nothing() {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let p = builder(&sim.mgmt.uri(), &sim.s3.uri()).build().unwrap();
    let spec = TenantSpec::new("tenant", "tenant-data", "owner");
    sim.inject(
        Fault::new(
            "/iam",
            500,
            r#"{"Error":{"Type":"Receiver","Code":"ServiceFailure","Message":"injected"},"RequestId":"r"}"#,
        )
        .query("Action=CreateAccessKey"),
    );
    let e = provision_tenant(&p, &spec).await.unwrap_err();
    assert!(e.to_string().contains("rolled back"), "{e}");
    {
        let st = sim.state();
        assert!(st.namespaces.is_empty() && st.buckets.is_empty() && st.iam_users.is_empty());
        assert!(st.iam_policies.keys().all(|(ns, _)| ns.is_empty()));
    }
    let t = provision_tenant(&p, &spec).await.unwrap();
    let pol = t.policy.expect("IAM mode attaches a policy");
    assert_eq!(
        p.list_attached_policies("tenant", "owner").await.unwrap(),
        vec![pol.name.clone()]
    );
    assert!(t.bucket.owner.is_none());
    // The attached policy is what gives the key its bucket, and only that bucket.
    assert!(works(&sim, &t.access_key, "tenant-data").await);
    p.create_instance(CreateInstance::new("other").default_bucket("other-data"))
        .await
        .unwrap();
    assert!(!works(&sim, &t.access_key, "other-data").await);
    p.detach_policy("tenant", "owner", &pol.name).await.unwrap();
    assert!(!works(&sim, &t.access_key, "tenant-data").await);
    p.attach_policy("tenant", "owner", &pol.name).await.unwrap();
    assert!(works(&sim, &t.access_key, "tenant-data").await);
    p.delete_instance("other", DeleteInstance::default())
        .await
        .unwrap();
    let again = provision_tenant(&p, &spec).await.unwrap();
    assert_eq!(again.instance.id, t.instance.id);
    p.delete_instance("tenant", DeleteInstance::default().force(true))
        .await
        .unwrap();
    assert!(sim.state().iam_users.is_empty());
}

#[tokio::test]
async fn retries_only_what_is_safe_to_repeat() {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let p = builder(&sim.mgmt.uri(), &sim.s3.uri())
        .http(
            HttpConfig::new().retry(
                RetryConfig::default()
                    .max_attempts(3)
                    .initial_backoff(Duration::from_millis(5))
                    .max_backoff(Duration::from_millis(20)),
            ),
        )
        .build()
        .unwrap();
    p.create_instance(CreateInstance::new("acme"))
        .await
        .unwrap();
    p.create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap();
    let busy = r#"{"Error":{"Type":"Receiver","Code":"ServiceUnavailable","Message":"busy"},"RequestId":"r"}"#;
    // A read is retried through a transient failure.
    sim.inject(Fault::new("/iam", 503, busy).query("Action=GetUser"));
    p.get_user("acme", "alice").await.unwrap();
    // A creation is not repeated: the failure surfaces and no key was made behind it.
    sim.inject(Fault::new("/iam", 503, busy).query("Action=CreateAccessKey"));
    let e = p
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(
        p.list_access_keys("acme", "alice")
            .await
            .unwrap()
            .is_empty()
    );
    // Deletes and updates are safe to repeat.
    let k = p
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    sim.inject(Fault::new("/iam", 503, busy).query("Action=UpdateAccessKey"));
    p.set_access_key_enabled("acme", "alice", &k.key.id, false)
        .await
        .unwrap();
    sim.inject(Fault::new("/iam", 503, busy).query("Action=DeleteAccessKey"));
    p.delete_access_key("acme", "alice", &k.key.id)
        .await
        .unwrap();
    assert!(
        p.list_access_keys("acme", "alice")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn iam_mode_from_configuration() {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let cfg = s3aas_core::ProviderConfig::from_uri(
        &format!("ecs://{}", sim.mgmt.address()),
        [
            ("username", ADMIN.0),
            ("password", ADMIN.1),
            ("iam", "true"),
            ("version", "3.6"),
        ],
    )
    .unwrap();
    let p = EcsProvider::from_config(&cfg).unwrap();
    let c = p.capabilities();
    assert!(c.policies && c.policy_attach && !c.bucket_owner);
    p.create_instance(CreateInstance::new("cfg")).await.unwrap();
    p.put_policy(
        "cfg",
        PutPolicy::new("ro", PolicyDocument::bucket_read_only("b")),
    )
    .await
    .unwrap();
    assert_eq!(
        p.list_policies("cfg", ListOptions::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    let bad = cfg.clone().with("iam", "maybe");
    assert_eq!(
        EcsProvider::from_config(&bad).unwrap_err().kind(),
        ErrorKind::ConfigInvalid
    );
}

#[tokio::test]
async fn concurrent_puts_of_one_policy_all_succeed() {
    let (sim, p) = with_instance("acme").await;
    let p = std::sync::Arc::new(p);
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let p = p.clone();
            tokio::spawn(async move {
                p.put_policy(
                    "acme",
                    PutPolicy::new("shared", PolicyDocument::bucket_read_only(&format!("b{i}"))),
                )
                .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let st = sim.state();
    let pol = &st.iam_policies[&("acme".to_string(), "shared".to_string())];
    assert!(pol.versions.len() <= 5, "{} versions", pol.versions.len());
}

#[tokio::test]
async fn creating_a_policy_costs_two_iam_calls() {
    let (sim, p) = with_instance("acme").await;
    let before = iam_calls(&sim);
    let pol = p
        .put_policy(
            "acme",
            PutPolicy::new("rw", PolicyDocument::bucket_read_write("b")),
        )
        .await
        .unwrap();
    // GetPolicy (is it there?) then CreatePolicy, whose answer is reported.
    assert_eq!(iam_calls(&sim) - before, 2);
    assert!(pol.created.is_some());
    assert!(
        p.get_policy("acme", "rw")
            .await
            .unwrap()
            .document
            .semantically_eq(&pol.document)
    );
}

/// IAM mode sets bucket features as in object-user mode (signed by the instance's service user,
/// which owns s3aas's buckets), and an IAM user may change a bucket's configuration only as far
/// as an attached policy names the configuration's own action: read-write on the bucket's
/// objects is not `s3:PutBucketCORS`.
#[tokio::test]
async fn bucket_features_and_what_iam_users_may_configure() {
    let (sim, p) = with_instance("iamfeat").await;
    let cors = CorsRule::new(["https://app.example.com"], ["GET"]);
    let b = p
        .create_bucket(
            "iamfeat",
            CreateBucket::new("iamfeat-b")
                .cors_rule(cors.clone())
                .lifecycle_rule(
                    LifecycleRule::new("tmp")
                        .prefix("tmp/")
                        .expire_after_days(1),
                ),
        )
        .await
        .unwrap();
    assert_eq!(b.cors, Some(vec![cors.clone()]));
    assert_eq!(b.lifecycle.map(|l| l.len()), Some(1));
    p.create_user("iamfeat", CreateUser::new("dev"))
        .await
        .unwrap();
    let k = p
        .create_access_key("iamfeat", "dev", CreateAccessKey::new())
        .await
        .unwrap();
    grant(&p, "iamfeat", "dev", "iamfeat-b").await;
    assert!(works(&sim, &k, "iamfeat-b").await, "objects: granted");
    let e = s3_as(&sim, &k)
        .put_cors("iamfeat-b", &[CorsRule::new(["*"], ["GET"])])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    // A policy naming the action lets the IAM user change CORS, and nothing else new.
    let doc = PolicyDocument::from_value(serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:PutBucketCORS", "s3:GetBucketCORS"],
                       "Resource": ["arn:aws:s3:::iamfeat-b"]}]
    }))
    .unwrap();
    p.put_policy("iamfeat", PutPolicy::new("dev-cors", doc))
        .await
        .unwrap();
    p.attach_policy("iamfeat", "dev", "dev-cors").await.unwrap();
    s3_as(&sim, &k)
        .put_cors("iamfeat-b", &[CorsRule::new(["*"], ["GET"])])
        .await
        .unwrap();
    assert_eq!(
        s3_as(&sim, &k).get_cors("iamfeat-b").await.unwrap(),
        vec![CorsRule::new(["*"], ["GET"])]
    );
    let e = s3_as(&sim, &k)
        .get_lifecycle("iamfeat-b")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
}
