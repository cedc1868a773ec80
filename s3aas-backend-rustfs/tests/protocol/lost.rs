//! Answers lost on the way (the create happened or not), RustFS's hidden just-written policies, and cluster health.

use crate::quirks::with_bucket;
use crate::*;

/// A provider whose requests time out after `ms` and are tried three times (see
/// [`s3aas_fakes::fault_test_http`]).
fn faulty(server: &MockServer, ms: u64) -> RustfsProvider {
    RustfsProvider::builder(
        server.uri(),
        "admin",
        SecretString::from("admin-secret-123".to_string()),
    )
    .http(s3aas_fakes::fault_test_http(
        std::time::Duration::from_millis(ms),
    ))
    .build()
    .unwrap()
}

/// The answers a new bucket `b1` of `acme` gets once it exists: registration and the read-back.
async fn new_bucket_answers(server: &MockServer) {
    with_bucket(server).await;
    Mock::given(method("PUT"))
        .and(path("/s3aas-system/v1/buckets/acme/b1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/get-bucket-quota"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"quota": 0, "size": 0})))
        .mount(server)
        .await;
}

/// `PUT /b1` acts but its answer never arrives (held past the client's timeout): the bucket is
/// found with HEAD and configured and registered as if the answer had come, without a second
/// PUT. Before, it was reported as a timeout and left, unregistered.
#[tokio::test]
async fn a_bucket_whose_answer_was_lost_is_found_and_finished() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    new_bucket_answers(&server).await;
    // Absent for the pre-check, present afterwards.
    Mock::given(method("HEAD"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(404))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(5)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    let b = faulty(&server, 400)
        .create_bucket("acme", CreateBucket::new("b1"))
        .await
        .unwrap();
    assert_eq!(b.name, "b1");
}

/// `PUT /b1` never reaches the server (here: answered too late, and HEAD still says absent):
/// it is sent once more, which makes the bucket.
#[tokio::test]
async fn a_bucket_create_that_did_not_land_is_sent_again() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    new_bucket_answers(&server).await;
    Mock::given(method("HEAD"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(5)
        .expect(1)
        .mount(&server)
        .await;
    faulty(&server, 400)
        .create_bucket("acme", CreateBucket::new("b1"))
        .await
        .unwrap();
}

/// When whether a bucket was made cannot be found out, it is deleted in case; if that fails
/// too, the error is `Partial` and names the bucket, keeping the transport's error.
#[tokio::test]
async fn an_unknowable_bucket_is_removed_in_case_or_named() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    // The pre-check answers; after the lost PUT nothing does.
    Mock::given(method("HEAD"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(404))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let hung = || ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5));
    for m in ["HEAD", "PUT", "DELETE"] {
        Mock::given(method(m))
            .and(path("/b1"))
            .respond_with(hung())
            .with_priority(5)
            .mount(&server)
            .await;
    }
    let e = faulty(&server, 300)
        .create_bucket("acme", CreateBucket::new("b1"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Partial, "{e}");
    assert!(
        e.message()
            .contains("bucket 'b1' may have been left behind")
            && e.message().contains("PUT /b1"),
        "{e}"
    );
    assert_eq!(e.operation(), Some("create_bucket"));
}

/// `add-service-account` with an id chosen by the SDK: when its answer is lost, the key is
/// looked up by that id and returned with the secret that was sent; no second key is made.
#[tokio::test]
async fn a_key_whose_answer_was_lost_is_found_by_its_chosen_id() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"enabled"})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/add-service-account"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/info-service-account"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"parentUser":"acme--alice","accountStatus":"on","impliedPolicy":true}),
        ))
        .mount(&server)
        .await;
    let k = faulty(&server, 400)
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    let sent: Vec<Request> = server.received_requests().await.unwrap();
    let body: serde_json::Value = sent
        .iter()
        .find(|r| r.url.path().ends_with("add-service-account"))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .unwrap();
    assert_eq!(
        body["accessKey"].as_str(),
        Some(k.key.access_key_id.as_str())
    );
    assert_eq!(
        body["secretKey"].as_str(),
        Some(k.secret_access_key.expose_secret())
    );
    assert!(
        sent.iter()
            .any(|r| r.url.path().ends_with("info-service-account")
                && r.url
                    .query()
                    .unwrap_or_default()
                    .contains(&k.key.access_key_id)),
        "looked up by its id"
    );
}

/// RustFS hides a policy just written when a concurrent `list-canned-policies` replaces its
/// cache (404 on read, 500 "policy does not exist" on attach): a policy this provider wrote is
/// written again and asked again; one it did not write gets the answer as it is.
#[tokio::test]
async fn a_just_written_policy_hidden_by_rustfs_is_written_again() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/add-canned-policy"))
        .and(query_param("name", "acme--rw"))
        .respond_with(ResponseTemplate::new(200))
        .expect(3)
        .mount(&server)
        .await;
    let doc = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b1/*"]}]});
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/info-canned-policy"))
        .respond_with(xml_error(404, "NoSuchResource", "policy does not exist"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/info-canned-policy"))
        .and(query_param("name", "acme--rw"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"policy_name":"acme--rw","policy":doc.clone()})),
        )
        .with_priority(5)
        .mount(&server)
        .await;
    let p = provider(&server);
    let put = p
        .put_policy(
            "acme",
            PutPolicy::new("rw", PolicyDocument::from_value(doc.clone()).unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(put.name, "rw");
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"enabled"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rustfs/admin/v3/idp/builtin/policy/attach"))
        .respond_with(xml_error(500, "InternalError", "policy does not exist"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rustfs/admin/v3/idp/builtin/policy/attach"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .with_priority(5)
        .mount(&server)
        .await;
    p.attach_policy("acme", "alice", "rw").await.unwrap();

    // A policy this provider did not write: the server's answer stands, nothing is rewritten.
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/info-canned-policy"))
        .and(query_param("name", "acme--other"))
        .respond_with(xml_error(404, "NoSuchResource", "policy does not exist"))
        .mount(&server)
        .await;
    let e = p.attach_policy("acme", "alice", "other").await.unwrap_err();
    assert_eq!(
        (e.kind(), e.http_status(), e.request_id()),
        (ErrorKind::NotFound, Some(404), Some("RID-404"))
    );
}

/// Health of a cluster: all there; a node down (ready, Degraded, the node named); no write
/// quorum (not ready, with the server's answer).
#[tokio::test]
async fn health_reports_degradation_and_missing_write_quorum() {
    let server = MockServer::start().await;
    let ready_body = |unavailable: serde_json::Value, write: bool| json!({"status":"ok","ready":true,"details":{"storage":{"readQuorum":true,"writeQuorum":write,"unavailableDrives":unavailable}}});
    // The second node's state; its drive is "ok" while it is online, else the same.
    let info = |second: &str| {
        let drive = if second == "online" { "ok" } else { second };
        json!({"info": {"servers": [
            {"endpoint":"127.0.0.1:9001","state":"online","version":"1.0.1","drives":[{"endpoint":"http://127.0.0.1:9001/d","state":"ok"}]},
            {"endpoint":"127.0.0.1:9002","state":second,"drives":[{"endpoint":"http://127.0.0.1:9002/d","state":drive}]},
        ]}})
    };
    let mount = |ready: serde_json::Value, cluster: u16, info: serde_json::Value| {
        let server = &server;
        async move {
            server.reset().await;
            Mock::given(method("GET"))
                .and(path("/health/ready"))
                .respond_with(ResponseTemplate::new(200).set_body_json(ready))
                .mount(server)
                .await;
            Mock::given(method("GET"))
                .and(path("/minio/health/cluster"))
                .respond_with(
                    ResponseTemplate::new(cluster)
                        .set_body_json(json!({"status": if cluster == 200 { "ok" } else { "degraded" }, "degradedReasons": ["storage_and_lock_unavailable"]})),
                )
                .mount(server)
                .await;
            Mock::given(method("GET"))
                .and(path("/rustfs/admin/v3/info"))
                .respond_with(ResponseTemplate::new(200).set_body_json(info))
                .mount(server)
                .await;
        }
    };
    let p = provider(&server);
    mount(ready_body(json!([]), true), 200, info("online")).await;
    let h = p.health().await.unwrap();
    assert!(
        h.ready && h.problem.is_none() && h.detail.is_none(),
        "{h:?}"
    );
    assert_eq!(h.version.as_deref(), Some("1.0.1"));

    let drive = json!([{"poolIndex":0,"setIndex":0,"diskIndex":1,"runtimeState":"offline","hostOnline":false}]);
    mount(ready_body(drive.clone(), true), 200, info("offline")).await;
    let h = p.health().await.unwrap();
    assert!(h.ready, "{h:?}");
    assert_eq!(h.problem, Some(HealthProblem::Degraded));
    assert!(
        h.detail
            .as_deref()
            .unwrap()
            .contains("node 127.0.0.1:9002 (offline)"),
        "{h:?}"
    );

    mount(ready_body(drive, false), 503, info("offline")).await;
    let h = p.health().await.unwrap();
    assert!(!h.ready, "{h:?}");
    assert_eq!(h.problem, Some(HealthProblem::NotReady));
    let d = h.detail.unwrap();
    assert!(
        d.contains("no write quorum")
            && d.contains("storage_and_lock_unavailable")
            && d.contains("127.0.0.1:9002"),
        "{d}"
    );
}

/// A usage scanner stopped on a usage floor it cannot load (RustFS 1.0 after an upgrade from
/// 1.0.0-beta.4): ready, `UsageStale`, the state named. A scanner status the server does not
/// answer says nothing.
#[tokio::test]
async fn health_reports_a_stuck_usage_scanner() {
    let server = MockServer::start().await;
    let mount = |scanner: ResponseTemplate| {
        let server = &server;
        async move {
            server.reset().await;
            Mock::given(method("GET"))
                .and(path("/health/ready"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(json!({"status":"ok","ready":true})),
                )
                .mount(server)
                .await;
            Mock::given(method("GET"))
                .and(path("/minio/health/cluster"))
                .respond_with(ResponseTemplate::new(200))
                .mount(server)
                .await;
            Mock::given(method("GET"))
                .and(path("/rustfs/admin/v3/info"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({"info": {"servers": [{"endpoint":"127.0.0.1:9001","state":"online","version":"1.0.1"}]}})))
                .mount(server)
                .await;
            Mock::given(method("GET"))
                .and(path("/rustfs/admin/v3/scanner/status"))
                .respond_with(scanner)
                .expect(1)
                .mount(server)
                .await;
        }
    };
    let p = provider(&server);
    mount(ResponseTemplate::new(200).set_body_json(json!({"enabled": true, "freshness": {"state": "fresh"}, "metrics": {"leader_lock_state": "usage_floor_load_failed"}}))).await;
    let h = p.health().await.unwrap();
    assert!(h.ready, "{h:?}");
    assert_eq!(h.problem, Some(HealthProblem::UsageStale));
    assert!(
        h.detail
            .as_deref()
            .unwrap()
            .contains("usage_floor_load_failed"),
        "{h:?}"
    );

    mount(ResponseTemplate::new(200).set_body_json(json!({"enabled": true, "freshness": {"state": "fresh"}, "metrics": {"leader_lock_state": "acquired"}}))).await;
    let h = p.health().await.unwrap();
    assert!(h.ready && h.problem.is_none(), "{h:?}");

    mount(xml_error(404, "NotImplemented", "no such route")).await;
    let h = p.health().await.unwrap();
    assert!(h.ready && h.problem.is_none(), "{h:?}");
}
