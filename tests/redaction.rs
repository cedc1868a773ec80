//! No secret is ever printed by `{:?}` or `{}`: keys, configs, signers and errors.

use s3aas::model::*;
use s3aas::{ExposeSecret, MemoryProvider, ObjectStoreProvider, ProviderConfig, SecretString};
use std::sync::Arc;

#[tokio::test]
async fn secrets_never_appear_in_debug_or_display() {
    let p: Arc<dyn ObjectStoreProvider> = Arc::new(MemoryProvider::new());
    p.create_instance(CreateInstance::new("redact"))
        .await
        .unwrap();
    p.create_user("redact", CreateUser::new("alice"))
        .await
        .unwrap();
    let k = p
        .create_access_key("redact", "alice", CreateAccessKey::new().name("k1"))
        .await
        .unwrap();
    let secret = k.secret_access_key.expose_secret().to_string();
    let rotated = p
        .rotate_access_key("redact", "alice", &k.key.id, RotateAccessKey::new())
        .await
        .unwrap();
    let secret2 = rotated.new.secret_access_key.expose_secret().to_string();
    let listed = p.list_access_keys("redact", "alice").await.unwrap();

    let cfg = ProviderConfig::new("rustfs")
        .with("endpoint", "http://127.0.0.1:9000")
        .with("secret_key", "cfg-secret-123")
        .with("password", "cfg-password-456");
    let signer = s3aas::http::SigV4Signer::new(
        "AK",
        SecretString::from("signer-secret-789".to_string()),
        "us-east-1",
    );
    let err = ProviderConfig::from_uri(
        "rustfs://ak:uri-secret-000@127.0.0.1:9000",
        Vec::<(String, String)>::new(),
    )
    .unwrap_err();

    let printed = [
        format!("{k:?}"),
        format!("{rotated:?}"),
        format!("{listed:?}"),
        format!("{cfg:?}"),
        format!("{signer:?}"),
        format!("{err:?}"),
        format!("{err}"),
        format!("{:?}", k.secret_access_key),
    ]
    .join("\n");
    for s in [
        secret.as_str(),
        secret2.as_str(),
        "cfg-secret-123",
        "cfg-password-456",
        "signer-secret-789",
        "uri-secret-000",
    ] {
        assert!(!printed.contains(s), "secret {s:?} printed in:\n{printed}");
    }
    assert!(printed.contains("REDACTED"));
}

/// A replication destination's secret is in no request, bucket, audit event or error printout.
#[tokio::test]
async fn replication_secrets_never_appear() {
    use s3aas::audit::MemorySink;
    use s3aas::{BucketAdmin, InstanceAdmin, IntoClient};
    let sink = Arc::new(MemorySink::new());
    let client = MemoryProvider::new()
        .into_client()
        .with_audit_sink(sink.clone());
    let secret = "replication-secret-2468";
    let dest = ReplicationDestination::new(
        "https://dr.example.com",
        "dr-bucket",
        "AKIDR",
        SecretString::from(secret.to_string()),
    );
    client
        .create_instance(CreateInstance::new("redact"))
        .await
        .unwrap();
    let req = CreateBucket::new("redact-repl")
        .versioning(true)
        .replication_rule(ReplicationRule::new("dr", 1, dest.clone()));
    let made = client.create_bucket("redact", req.clone()).await.unwrap();
    let update = UpdateBucket::new().replication(vec![ReplicationRule::new("dr", 2, dest.clone())]);
    let updated = client
        .update_bucket("redact", "redact-repl", update.clone())
        .await
        .unwrap();
    // A refused request (loopback endpoint) prints its error with the request's field only.
    let refused = client
        .update_bucket(
            "redact",
            "redact-repl",
            UpdateBucket::new().replication(vec![ReplicationRule::new(
                "dr",
                3,
                ReplicationDestination::new(
                    "http://127.0.0.1:9000",
                    "dr-bucket",
                    "AKIDR",
                    SecretString::from(secret.to_string()),
                ),
            )]),
        )
        .await
        .unwrap_err();
    let events = sink.events();
    assert!(events.len() >= 2, "{events:?}");
    let printed = [
        format!("{dest:?}"),
        format!("{req:?}"),
        format!("{update:?}"),
        format!("{made:?}"),
        format!("{updated:?}"),
        format!("{refused:?}"),
        format!("{refused}"),
        format!("{events:?}"),
        serde_json::to_string(&events).unwrap(),
    ]
    .join("\n");
    assert!(!printed.contains(secret), "secret printed in:\n{printed}");
    assert!(printed.contains("AKIDR"), "the key id is shown: {printed}");
}
