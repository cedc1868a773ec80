//! Bucket features on RustFS's wire: remote targets (plain JSON on `/rustfs/admin/v3`, the ARN
//! answered as a JSON string), the replication configuration next to other tools' rules, the
//! order of versioning and replication changes, refusals before any write, durability.

use crate::quirks::with_bucket;
use crate::*;
use wiremock::matchers::query_param_is_missing;

const ARN_X: &str = "arn:minio:replication::u1:dst";
const ARN_F: &str = "arn:minio:replication::f9:theirs";

fn destination() -> ReplicationDestination {
    ReplicationDestination::new(
        "https://dr.example.com:9000",
        "dst",
        "AKDR",
        SecretString::from("dr-secret-distinctive".to_string()),
    )
    .bandwidth_limit(1000)
}

/// The remote target `list-remote-targets` gives for [`destination`] (no secret).
fn listed_target(bandwidth: u64) -> serde_json::Value {
    json!({"sourcebucket":"b1","endpoint":"dr.example.com:9000","credentials":{"accessKey":"AKDR","secretKey":"","expiration":null,"sessionToken":null},"targetbucket":"dst","secure":true,"path":"","api":"s3v4","arn":ARN_X,"type":"replication","region":"","offlineCount":0,"replicationSync":false,"bandwidthlimit":bandwidth})
}

/// A stored SDK rule (as RustFS 1.0.1 gives it back: elements sorted, no namespace).
fn our_rule_xml(id: &str, priority: u32, arn: &str) -> String {
    format!(
        "<Rule><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><DeleteReplication><Status>Disabled</Status></DeleteReplication><Destination><Bucket>{arn}</Bucket></Destination><ExistingObjectReplication><Status>Disabled</Status></ExistingObjectReplication><Filter></Filter><ID>s3aas-{id}</ID><Priority>{priority}</Priority><Status>Enabled</Status></Rule>"
    )
}

const FOREIGN: &str = "<Rule><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>arn:minio:replication::f9:theirs</Bucket></Destination><Filter><Prefix>x/</Prefix></Filter><ID>theirs</ID><Priority>9</Priority><Status>Enabled</Status></Rule>";

fn config(rules: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ReplicationConfiguration><Role></Role>{}</ReplicationConfiguration>",
        rules.concat()
    )
}

async fn get_replication(server: &MockServer, body: String, priority: u8, times: Option<u64>) {
    let m = Mock::given(method("GET"))
        .and(path("/b1"))
        .and(query_param("replication", ""))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .with_priority(priority);
    match times {
        Some(n) => m.up_to_n_times(n).mount(server).await,
        None => m.mount(server).await,
    }
}

async fn list_targets(
    server: &MockServer,
    targets: serde_json::Value,
    priority: u8,
    times: Option<u64>,
) {
    let m = Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/list-remote-targets"))
        .and(query_param("bucket", "b1"))
        .and(query_param("type", "replication"))
        .respond_with(ResponseTemplate::new(200).set_body_json(targets))
        .with_priority(priority);
    match times {
        Some(n) => m.up_to_n_times(n).mount(server).await,
        None => m.mount(server).await,
    }
}

async fn quota_none(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/get-bucket-quota"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"quota": 0, "size": 0})))
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
        .with_priority(4)
        .mount(server)
        .await;
}

/// The PUT/DELETE requests the server received, as `METHOD path?query`.
async fn writes(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() != "GET" && r.method.as_str() != "HEAD")
        .map(|r| {
            format!(
                "{} {}{}",
                r.method,
                r.url.path(),
                r.url.query().map(|q| format!("?{q}")).unwrap_or_default()
            )
        })
        .collect()
}

fn body_of(reqs: &[Request], m: &str, p: &str, q: &str) -> String {
    reqs.iter()
        .find(|r| r.method.as_str() == m && r.url.path() == p && r.url.query() == Some(q))
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .unwrap_or_default()
}

/// A create with a rule: the target is set with a plain JSON `BucketTarget` (RustFS's own path
/// is not encrypted), the ARN it answers is the rule's destination, and reading back gives the
/// rule with the ARN and without the secret.
#[tokio::test]
async fn create_sets_a_plain_remote_target_then_the_rule() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    quota_none(&server).await;
    versioning_enabled(&server).await;
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
        .respond_with(ResponseTemplate::new(200))
        .with_priority(6)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/s3aas-system/v1/buckets/acme/b1"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    // Nothing configured before; the rule afterwards.
    get_replication(
        &server,
        config(&[]).replace("<Role></Role>", ""),
        1,
        Some(1),
    )
    .await;
    get_replication(&server, config(&[our_rule_xml("dr", 1, ARN_X)]), 3, None).await;
    list_targets(&server, json!([]), 1, Some(1)).await;
    list_targets(&server, json!([listed_target(1000)]), 3, None).await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/set-remote-target"))
        .and(query_param("bucket", "b1"))
        .and(query_param_is_missing("update"))
        .and(body_partial_json(json!({
            "sourcebucket": "b1",
            "endpoint": "dr.example.com:9000",
            "targetbucket": "dst",
            "secure": true,
            "credentials": {"accessKey": "AKDR", "secretKey": "dr-secret-distinctive"},
            "type": "replication",
            "api": "s3v4",
            "region": "",
            "bandwidthlimit": 1000,
            "replicationSync": false
        })))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("\"{ARN_X}\"")))
        .expect(1)
        .mount(&server)
        .await;
    let rule = ReplicationRule::new("dr", 1, destination());
    let b = provider(&server)
        .create_bucket(
            "acme",
            CreateBucket::new("b1")
                .versioning(true)
                .replication_rule(rule.clone()),
        )
        .await
        .unwrap();
    let got = b.replication.unwrap();
    assert_eq!(got, vec![rule]);
    assert_eq!(got[0].destination.arn.as_deref(), Some(ARN_X));
    assert!(got[0].destination.secret_key.is_none());
    assert_eq!(b.durability, Some(Durability::ServerDefault));
    let reqs = server.received_requests().await.unwrap();
    let cfg = body_of(&reqs, "PUT", "/b1", "replication");
    assert!(
        cfg.contains("<ID>s3aas-dr</ID>") && cfg.contains(&format!("<Bucket>{ARN_X}</Bucket>")),
        "{cfg}"
    );
    let w = writes(&server).await;
    let pos = |p: &str| w.iter().position(|x| x.starts_with(p)).unwrap();
    assert!(
        pos("PUT /b1?versioning") < pos("PUT /rustfs/admin/v3/set-remote-target")
            && pos("PUT /rustfs/admin/v3/set-remote-target") < pos("PUT /b1?replication"),
        "versioning, then the target, then the rule: {w:?}"
    );
}

/// An update to the same destination reuses its target: `update=true&creds=true` (the secret
/// cannot be compared) and `bandwidth=true` for the changed limit, not `sync`; the foreign rule
/// is written back verbatim; no target is removed.
#[tokio::test]
async fn update_reuses_the_target_and_keeps_the_foreign_rule() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    quota_none(&server).await;
    versioning_enabled(&server).await;
    get_replication(
        &server,
        config(&[FOREIGN.to_string(), our_rule_xml("old", 1, ARN_X)]),
        3,
        None,
    )
    .await;
    list_targets(&server, json!([listed_target(500)]), 3, None).await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/set-remote-target"))
        .and(query_param("bucket", "b1"))
        .and(query_param("update", "true"))
        .and(query_param("creds", "true"))
        .and(query_param("bandwidth", "true"))
        .and(query_param_is_missing("sync"))
        .and(body_partial_json(
            json!({"arn": ARN_X, "bandwidthlimit": 1000}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("\"{ARN_X}\"")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .and(query_param("replication", ""))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/remove-remote-target"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    provider(&server)
        .update_bucket(
            "acme",
            "b1",
            UpdateBucket::new().replication(vec![ReplicationRule::new("new", 2, destination())]),
        )
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    let cfg = body_of(&reqs, "PUT", "/b1", "replication");
    assert!(cfg.contains(FOREIGN), "foreign rule verbatim: {cfg}");
    assert!(
        cfg.contains("<ID>s3aas-new</ID>") && !cfg.contains("s3aas-old"),
        "{cfg}"
    );
}

/// A rule to a new destination: a new target, then the configuration, then the old target
/// only the SDK's old rule used is removed (RustFS's "not found" for a target it already
/// dropped counts as removed); the foreign rule's target is never touched.
#[tokio::test]
async fn a_new_destination_removes_the_old_target_but_never_a_foreign_one() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    quota_none(&server).await;
    versioning_enabled(&server).await;
    get_replication(
        &server,
        config(&[FOREIGN.to_string(), our_rule_xml("old", 1, ARN_X)]),
        3,
        None,
    )
    .await;
    let foreign_target = json!({"endpoint":"other.example.com:443","targetbucket":"theirs","secure":true,"arn":ARN_F,"type":"replication","credentials":{"accessKey":"AKF","secretKey":""}});
    list_targets(
        &server,
        json!([listed_target(1000), foreign_target]),
        3,
        None,
    )
    .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/set-remote-target"))
        .and(query_param_is_missing("update"))
        .and(body_partial_json(json!({"targetbucket": "dst2"})))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("\"arn:minio:replication::u2:dst2\""),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .and(query_param("replication", ""))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/remove-remote-target"))
        .and(query_param("bucket", "b1"))
        .and(query_param("arn", ARN_X))
        .respond_with(xml_error(
            400,
            "InvalidRequest",
            "Remote target not found for bucket: b1",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/remove-remote-target"))
        .and(query_param("arn", ARN_F))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let mut d = destination();
    d.bucket = "dst2".into();
    provider(&server)
        .update_bucket(
            "acme",
            "b1",
            UpdateBucket::new().replication(vec![ReplicationRule::new("new", 2, d)]),
        )
        .await
        .unwrap();
    let w = writes(&server).await;
    let pos = |p: &str| w.iter().position(|x| x.starts_with(p)).unwrap();
    assert!(
        pos("PUT /rustfs/admin/v3/set-remote-target") < pos("PUT /b1?replication")
            && pos("PUT /b1?replication") < pos("DELETE /rustfs/admin/v3/remove-remote-target"),
        "{w:?}"
    );
}

/// Refused before any write: a priority a foreign rule has; suspending versioning while a rule
/// (here another tool's) is configured, even when the update removes the SDK's rules; a default
/// retention on a bucket made without lock. Clearing the retention of such a bucket writes
/// nothing.
#[tokio::test]
async fn conflicts_are_refused_before_any_write() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    quota_none(&server).await;
    versioning_enabled(&server).await;
    get_replication(&server, config(&[FOREIGN.to_string()]), 3, None).await;
    list_targets(&server, json!([]), 3, None).await;
    let p = provider(&server);
    let e = p
        .update_bucket(
            "acme",
            "b1",
            UpdateBucket::new().replication(vec![ReplicationRule::new("x", 9, destination())]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert!(e.message().contains("priority 9"), "{e}");
    let e = p
        .update_bucket(
            "acme",
            "b1",
            UpdateBucket::new().versioning(false).tags(Tags::new()),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert!(e.message().contains("replication"), "{e}");
    // Removing the SDK's rules does not help while another tool's rule stays.
    let e = p
        .update_bucket(
            "acme",
            "b1",
            UpdateBucket::new()
                .replication(Vec::new())
                .versioning(false),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    let e = p
        .update_bucket(
            "acme",
            "b1",
            UpdateBucket::new().retention(DefaultRetention::days(RetentionMode::Governance, 1)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    // Clearing a retention this bucket never had sends nothing: RustFS would take the
    // object-lock configuration and turn lock on for good.
    let b = p
        .update_bucket("acme", "b1", UpdateBucket::new().clear_retention())
        .await
        .unwrap();
    assert_eq!((b.object_lock, b.retention), (Some(false), Some(None)));
    assert_eq!(
        writes(&server).await,
        Vec::<String>::new(),
        "nothing written"
    );
}

/// Removing replication and suspending versioning in one update: the replication goes first.
#[tokio::test]
async fn suspending_removes_replication_first() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    quota_none(&server).await;
    versioning_enabled(&server).await;
    get_replication(&server, config(&[our_rule_xml("old", 1, ARN_X)]), 3, None).await;
    list_targets(&server, json!([listed_target(1000)]), 3, None).await;
    Mock::given(method("DELETE"))
        .and(path("/b1"))
        .and(query_param("replication", ""))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/remove-remote-target"))
        .and(query_param("arn", ARN_X))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .and(query_param("versioning", ""))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    provider(&server)
        .update_bucket(
            "acme",
            "b1",
            UpdateBucket::new()
                .replication(Vec::new())
                .versioning(false),
        )
        .await
        .unwrap();
    let w = writes(&server).await;
    let pos = |p: &str| w.iter().position(|x| x.starts_with(p)).unwrap();
    assert!(
        pos("DELETE /b1?replication") < pos("PUT /b1?versioning"),
        "replication removed before the suspension: {w:?}"
    );
    let reqs = server.received_requests().await.unwrap();
    assert!(body_of(&reqs, "PUT", "/b1", "versioning").contains("Suspended"));
}

/// `GET /rustfs/admin/v3/bucket-durability/{bucket}`: a mode is an override; a new bucket that
/// has one gets it cleared with `DELETE` on the same path.
#[tokio::test]
async fn durability_override_is_reported_and_cleared_on_create() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    quota_none(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/bucket-durability/b1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"bucket":"b1","mode":"relaxed"})),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    let p = provider(&server);
    let b = p.get_bucket("acme", "b1").await.unwrap();
    assert_eq!(b.durability, Some(Durability::Override("relaxed".into())));
    // The create: absent, made, and its override (the second answer above) cleared.
    Mock::given(method("HEAD"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(404))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/s3aas-system/v1/buckets/acme/b1"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/bucket-durability/b1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bucket":"b1","mode":null})))
        .expect(1)
        .mount(&server)
        .await;
    let b = p
        .create_bucket("acme", CreateBucket::new("b1"))
        .await
        .unwrap();
    assert_eq!(b.durability, Some(Durability::ServerDefault));
}

/// A create whose lifecycle configuration is refused removes the bucket (and its registry
/// marker) again and says which step failed.
#[tokio::test]
async fn a_refused_lifecycle_removes_the_new_bucket() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("HEAD"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .and(query_param("lifecycle", ""))
        .respond_with(xml_error(400, "MalformedXML", "injected"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(6)
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
        .expect(1)
        .mount(&server)
        .await;
    let e = provider(&server)
        .create_bucket(
            "acme",
            CreateBucket::new("b1").lifecycle_rule(LifecycleRule::new("x").expire_after_days(1)),
        )
        .await
        .unwrap_err();
    assert_ne!(e.kind(), ErrorKind::Partial, "{e}");
    assert!(
        e.message()
            .contains("setting lifecycle, CORS or default retention failed")
            && e.message().contains("the bucket was removed again"),
        "{e}"
    );
    let w = writes(&server).await;
    assert!(
        !w.iter()
            .any(|x| x.starts_with("PUT /s3aas-system/v1/buckets")),
        "never registered: {w:?}"
    );
}

/// Refused before any write as well: a reused target whose region would change (a target's
/// region cannot be updated), and two rules to one destination with different credentials
/// (one target per destination).
#[tokio::test]
async fn target_conflicts_are_refused_before_any_write() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    quota_none(&server).await;
    versioning_enabled(&server).await;
    get_replication(&server, config(&[our_rule_xml("old", 1, ARN_X)]), 3, None).await;
    let mut t = listed_target(1000);
    t["region"] = json!("eu-west-1");
    list_targets(&server, json!([t]), 3, None).await;
    let p = provider(&server);
    let e = p
        .update_bucket(
            "acme",
            "b1",
            UpdateBucket::new().replication(vec![ReplicationRule::new("dr", 1, destination())]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert!(e.message().contains("region"), "{e}");
    let mut other = destination().region("eu-west-1");
    other.access_key = "AKOTHER".into();
    let e = p
        .update_bucket(
            "acme",
            "b1",
            UpdateBucket::new().replication(vec![
                ReplicationRule::new("a", 1, destination().region("eu-west-1")),
                ReplicationRule::new("b", 2, other),
            ]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert_eq!(
        writes(&server).await,
        Vec::<String>::new(),
        "nothing written"
    );
}

/// A server without the `bucket-durability` route (an older RustFS): the mode is unknown, and
/// reading the bucket still works.
#[tokio::test]
async fn no_durability_route_reads_unknown() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    quota_none(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/bucket-durability/b1"))
        .respond_with(xml_error(404, "NoSuchResource", "no route"))
        .with_priority(1)
        .mount(&server)
        .await;
    let b = provider(&server).get_bucket("acme", "b1").await.unwrap();
    assert_eq!(b.durability, None);
    assert_eq!(b.lifecycle, Some(Vec::new()));
    assert_eq!(b.replication, Some(Vec::new()));
}
