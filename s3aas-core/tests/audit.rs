//! The client records one audit event per change it sends, none for calls its checks refuse,
//! and never a secret.

use std::sync::Arc;

use s3aas_core::audit::{MemorySink, Outcome};
use s3aas_core::model::*;
use s3aas_core::provider::*;
use s3aas_core::{ExposeSecret, IntoClient, MemoryProvider};

#[tokio::test]
async fn changes_are_recorded_refusals_are_not_and_secrets_never() {
    let sink = Arc::new(MemorySink::new());
    let c = MemoryProvider::new()
        .into_client()
        .with_audit_sink(sink.clone());

    c.create_instance(CreateInstance::new("acme"))
        .await
        .unwrap();
    c.create_bucket("acme", CreateBucket::new("logs"))
        .await
        .unwrap();
    c.create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap();
    let key = c
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    // Reads record nothing.
    c.get_bucket("acme", "logs").await.unwrap();
    // Refused by the client's own checks before any call: nothing was tried, nothing recorded.
    assert!(
        c.create_bucket("acme", CreateBucket::new("Not_A_Bucket"))
            .await
            .is_err()
    );
    // Sent and failed: recorded with the failure.
    assert!(
        c.create_bucket("acme", CreateBucket::new("logs"))
            .await
            .is_err()
    );

    let events = sink.take();
    let ops: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.operation.as_str(), e.resource.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            ("create_instance", "acme"),
            ("create_bucket", "logs"),
            ("create_user", "alice"),
            ("create_access_key", key.key.id.as_str()),
            ("create_bucket", "logs"),
        ]
    );
    assert!(events[..4].iter().all(|e| e.outcome == Outcome::Ok));
    assert!(matches!(
        &events[4].outcome,
        Outcome::Failed { kind, .. } if kind == "AlreadyExists"
    ));
    assert_eq!(events[1].instance.as_deref(), Some("acme"));
    let json = serde_json::to_string(&events).unwrap();
    assert!(!json.contains(key.secret_access_key.expose_secret()));
}
