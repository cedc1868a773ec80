//! The model's serde form (feature `serde`, on by default): resources, requests, listings and
//! reports round-trip through JSON; secrets serialise as `[REDACTED]` unless wrapped in
//! `ExposeSecrets`, and a redacted secret is refused on the way back.

#![cfg(feature = "serde")]

use s3aas_core::model::*;
use s3aas_core::prelude::*;
use s3aas_core::{
    Capabilities, ExposeSecret, ExposeSecrets, MemoryProvider, ObjectStoreProvider, PolicyDocument,
    PutPolicy, TenantSpec, provision_tenant,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) -> String {
    let json = serde_json::to_string(v).expect("serialise");
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(&back, v, "{json}");
    json
}

#[tokio::test]
async fn resources_round_trip_through_json() {
    let p = MemoryProvider::new();
    let i = p
        .create_instance(
            CreateInstance::new("acme")
                .default_bucket("acme-data")
                .versioning(true)
                .label("team", "storage"),
        )
        .await
        .unwrap();
    let json = round_trip(&i);
    assert!(json.contains(r#""labels":{"team":"storage"}"#), "{json}");
    assert!(json.contains(r#""status":"#), "{json}");

    let b = p
        .create_bucket(
            "acme",
            CreateBucket::new("logs")
                .versioning(true)
                .object_lock(true)
                .quota(Quota::hard(1 << 30))
                .tag("env", "prod")
                .lifecycle_rule(LifecycleRule::new("old").expire_after_days(30))
                .cors_rule(CorsRule::new(["https://example.com"], ["GET"]))
                .retention(DefaultRetention::days(RetentionMode::Governance, 7)),
        )
        .await
        .unwrap();
    let json = round_trip(&b);
    assert!(json.contains(r#""versioning":"enabled""#), "{json}");
    assert!(json.contains(r#""hard_limit_bytes":1073741824"#), "{json}");
    // `created` is RFC 3339 text, not a tuple of numbers.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        v["created"].as_str().is_some_and(|t| t.contains('T')),
        "{json}"
    );

    // "No quota" (`Some(None)`) and "unknown" (`None`) stay apart.
    let mut none = b.clone();
    none.quota = Some(None);
    let json = round_trip(&none);
    assert!(json.contains(r#""quota":null"#), "{json}");
    let mut unknown = b.clone();
    unknown.quota = None;
    let json = round_trip(&unknown);
    assert!(!json.contains(r#""quota""#), "{json}");

    let u = p
        .create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap();
    round_trip(&u);
    let pol = p
        .put_policy(
            "acme",
            PutPolicy::new("rw", PolicyDocument::bucket_read_write("logs")),
        )
        .await
        .unwrap();
    round_trip(&pol);
    let page = p.list_users("acme", ListOptions::new()).await.unwrap();
    round_trip(&page);
    round_trip(&Capabilities::all());
    round_trip(&p.health().await.unwrap());
    round_trip(&p.bucket_usage("acme", "logs").await.unwrap());
    round_trip(&RotateAccessKey::new().grace(Duration::from_secs(3600)));
    assert_eq!(
        serde_json::to_string(&RotateAccessKey::new().grace(Duration::from_secs(3600))).unwrap(),
        r#"{"grace":3600}"#
    );
    assert_eq!(
        serde_json::to_string(&s3aas_core::ErrorKind::NotFound).unwrap(),
        r#""not_found""#
    );
}

#[tokio::test]
async fn secrets_are_redacted_unless_exposed() {
    let p = MemoryProvider::new();
    p.create_instance(CreateInstance::new("acme"))
        .await
        .unwrap();
    p.create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap();
    let k = p
        .create_access_key("acme", "alice", CreateAccessKey::new().name("ci"))
        .await
        .unwrap();
    let secret = k.secret_access_key.expose_secret().to_string();

    let redacted = serde_json::to_string(&k).unwrap();
    assert!(!redacted.contains(&secret), "{redacted}");
    assert!(
        redacted.contains(r#""secret_access_key":"[REDACTED]""#),
        "{redacted}"
    );
    let exposed = serde_json::to_string(&ExposeSecrets(&k)).unwrap();
    assert!(
        exposed.contains(&format!(r#""secret_access_key":"{secret}""#)),
        "{exposed}"
    );
    // The exposure lasts for that call only.
    assert_eq!(serde_json::to_string(&k).unwrap(), redacted);

    // An exposed form reads back with its secret; a redacted one is refused.
    let back: NewAccessKey = serde_json::from_str(&exposed).unwrap();
    assert_eq!(back.secret_access_key.expose_secret(), secret);
    assert_eq!(back.key, k.key);
    let e = serde_json::from_str::<NewAccessKey>(&redacted).unwrap_err();
    assert!(e.to_string().contains("serialised redacted"), "{e}");

    // Nested: a rotation and a whole tenant.
    let r = p
        .rotate_access_key(
            "acme",
            "alice",
            &k.key.access_key_id,
            RotateAccessKey::new(),
        )
        .await
        .unwrap();
    let new_secret = r.new.secret_access_key.expose_secret().to_string();
    let plain = serde_json::to_string(&r).unwrap();
    assert!(!plain.contains(&new_secret), "{plain}");
    assert!(plain.contains(r#""old":"deleted""#), "{plain}");
    assert!(
        serde_json::to_string(&ExposeSecrets(&r))
            .unwrap()
            .contains(&new_secret)
    );
    let t = provision_tenant(&p, &TenantSpec::new("beta", "beta-data", "owner"))
        .await
        .unwrap();
    let s = t.access_key.secret_access_key.expose_secret().to_string();
    assert!(!serde_json::to_string(&t).unwrap().contains(&s));
    assert!(
        serde_json::to_string(&ExposeSecrets(&t))
            .unwrap()
            .contains(&s)
    );

    // A replication destination's secret too.
    let d = ReplicationDestination::new(
        "https://replica.example.com",
        "dest",
        "AKID",
        s3aas_core::SecretString::from("dest-secret-value".to_string()),
    );
    let json = serde_json::to_string(&d).unwrap();
    assert!(!json.contains("dest-secret-value"), "{json}");
    assert!(
        serde_json::to_string(&ExposeSecrets(&d))
            .unwrap()
            .contains("dest-secret-value")
    );
}

#[test]
fn exposure_ends_even_when_serialising_panics() {
    struct Boom;
    impl Serialize for Boom {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            panic!("boom")
        }
    }
    let caught = std::panic::catch_unwind(|| serde_json::to_string(&ExposeSecrets(&Boom)));
    assert!(caught.is_err());
    let k = NewAccessKey::new(
        AccessKey::new("acme", "alice", "AKID", "AKID"),
        s3aas_core::SecretString::from("still-secret".to_string()),
    );
    assert!(!serde_json::to_string(&k).unwrap().contains("still-secret"));
}
