//! Redaction audit for ECS: a tenant lifecycle, a token expiry and failing calls against the
//! simulator with `tracing` captured at TRACE for every crate; every result, error and config is
//! formatted with `{:?}` and `{}`. The management password (also in its Basic-auth form), every
//! session token and every secret key must stay out of all of it.

use base64::Engine;
use s3aas_backend_ecs::EcsProvider;
use s3aas_core::ProviderConfig;
use s3aas_core::prelude::*;
use s3aas_fakes::ecs::EcsSimulator;
use s3aas_fakes::logs::{LogCapture, assert_no_secret};

const PASSWORD: &str = "mgmt-PASSWORD-very-distinctive-77";

/// A simulator, a provider on it (object users or IAM mode) and the secrets known so far: the
/// password and its Basic-auth form.
async fn start(iam: bool) -> (EcsSimulator, EcsProvider, Vec<String>) {
    let sim = EcsSimulator::start("svc", PASSWORD).await;
    let p = EcsProvider::builder(
        sim.mgmt.uri(),
        "svc",
        SecretString::from(PASSWORD.to_string()),
    )
    .s3_endpoint(sim.s3.uri())
    .version("3.8")
    .iam(iam)
    .build()
    .unwrap();
    let secrets = vec![
        PASSWORD.to_string(),
        base64::engine::general_purpose::STANDARD.encode(format!("svc:{PASSWORD}")),
    ];
    (sim, p, secrets)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_debug_display_or_errors() {
    let logs = LogCapture::default();
    let _guard = logs.install();

    let (sim, raw, mut secrets) = start(false).await;
    let mut printed = vec![format!("{raw:?}"), format!("{:?}", raw.session())];
    // As users hold it: behind the checked front door (refusals are part of what is audited).
    let raw = std::sync::Arc::new(raw);
    let p = Client::new(raw.clone());

    p.create_instance(CreateInstance::new("redact").default_bucket("redact-data"))
        .await
        .unwrap();
    p.create_user("redact", CreateUser::new("alice"))
        .await
        .unwrap();
    let k = p
        .create_access_key("redact", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    secrets.push(k.secret_access_key.expose_secret().to_string());
    printed.push(format!("{k:?}"));
    p.create_bucket(
        "redact",
        CreateBucket::new("redact-owned")
            .owner("alice")
            .versioning(true),
    )
    .await
    .unwrap();
    sim.state().expire_tokens();
    let r = p
        .rotate_access_key(
            "redact",
            "alice",
            &k.key.id,
            RotateAccessKey::new().grace(std::time::Duration::from_secs(3600)),
        )
        .await
        .unwrap();
    secrets.push(r.new.secret_access_key.expose_secret().to_string());
    printed.push(format!("{r:?}"));
    printed.push(format!(
        "{:?}",
        p.list_access_keys("redact", "alice").await.unwrap()
    ));
    printed.push(format!("{:?}", p.get_instance("redact").await.unwrap()));

    let failures = vec![
        p.get_user("redact", "nobody").await.map(|_| ()),
        p.create_access_key("redact", "alice", CreateAccessKey::new())
            .await
            .map(|_| ()),
        p.create_bucket("redact", CreateBucket::new("Bad_Name"))
            .await
            .map(|_| ()),
        p.set_access_key_enabled("redact", "alice", &k.key.id, false)
            .await,
    ];
    let wrong = EcsProvider::builder(
        sim.mgmt.uri(),
        "svc",
        SecretString::from("wrong-password-also-distinctive".to_string()),
    )
    .build()
    .unwrap();
    secrets.push("wrong-password-also-distinctive".to_string());
    printed.push(format!("{wrong:?}"));
    let failures: Vec<_> = failures
        .into_iter()
        .chain([wrong.get_instance("redact").await.map(|_| ())])
        .collect();
    for f in &failures {
        let e = f.as_ref().expect_err("each of these calls fails");
        printed.push(format!("{e:?}"));
        printed.push(format!("{e}"));
    }
    let cfg = ProviderConfig::from_uri(
        &format!("ecs://{}", sim.mgmt.address()),
        [
            ("username", "svc"),
            ("password", PASSWORD),
            ("s3_access_key", "x"),
            ("s3_secret_key", "s3-secret-distinctive-1"),
        ],
    )
    .unwrap();
    secrets.push("s3-secret-distinctive-1".into());
    printed.push(format!("{cfg:?}"));
    p.delete_instance("redact", DeleteInstance::new().force(true))
        .await
        .unwrap();
    // Every token the simulator ever issued (live or expired) counts as a secret.
    secrets.extend(sim.state().tokens.keys().cloned());
    raw.close().await.unwrap();
    secrets.extend(
        sim.state()
            .users
            .values()
            .flat_map(|u| u.keys.iter().map(|k| k.secret.clone())),
    );

    let logged = logs.text_checked();
    assert!(secrets.len() >= 6, "the audit has secrets to look for");
    assert_no_secret(&format!("{}\n{}", printed.join("\n"), logged), &secrets);
}

/// The same audit in IAM mode: IAM access key secrets (returned once by `CreateAccessKey`),
/// tokens and the password stay out of logs, `Debug`, `Display` and errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_mode_keeps_secrets_out_too() {
    let logs = LogCapture::default();
    let _guard = logs.install();
    let (sim, p, mut secrets) = start(true).await;
    let mut printed = vec![format!("{p:?}")];
    p.create_instance(CreateInstance::new("redact"))
        .await
        .unwrap();
    p.create_user("redact", CreateUser::new("alice"))
        .await
        .unwrap();
    let k = p
        .create_access_key("redact", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    secrets.push(k.secret_access_key.expose_secret().to_string());
    printed.push(format!("{k:?}"));
    sim.state().expire_tokens();
    p.set_user_enabled("redact", "alice", false).await.unwrap();
    let k2 = p
        .create_access_key("redact", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    secrets.push(k2.secret_access_key.expose_secret().to_string());
    printed.push(format!("{k2:?}"));
    p.delete_access_key("redact", "alice", &k2.key.id)
        .await
        .unwrap();
    let r = p
        .rotate_access_key("redact", "alice", &k.key.id, RotateAccessKey::new())
        .await
        .unwrap();
    secrets.push(r.new.secret_access_key.expose_secret().to_string());
    printed.push(format!("{r:?}"));
    printed.push(format!(
        "{:?}",
        p.list_access_keys("redact", "alice").await.unwrap()
    ));
    let failures = [
        p.get_user("redact", "nobody").await.map(|_| ()),
        p.attach_policy("redact", "alice", "missing").await,
        p.create_user("redact", CreateUser::new("alice"))
            .await
            .map(|_| ()),
    ];
    for f in &failures {
        let e = f.as_ref().expect_err("each of these calls fails");
        printed.push(format!("{e:?}"));
        printed.push(format!("{e}"));
    }
    p.delete_instance("redact", DeleteInstance::new().force(true))
        .await
        .unwrap();
    secrets.extend(sim.state().tokens.keys().cloned());
    p.close().await.unwrap();
    let logged = logs.text_checked();
    assert!(secrets.len() >= 5, "the audit has secrets to look for");
    assert_no_secret(&format!("{}\n{}", printed.join("\n"), logged), &secrets);
}

/// Bucket features under hidden secret keys: each S3 write signs with a temporary key of the
/// bucket's owner that lives for one call. Those keys, a refused replication destination's
/// secret, tokens and the password stay out of logs, `Debug`, `Display` and errors, also when
/// S3 refuses a call made with a temporary key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_features_keep_temporary_keys_out() {
    let logs = LogCapture::default();
    let _guard = logs.install();
    let (sim, raw, mut secrets) = start(false).await;
    sim.state().hide_secret_keys = true;
    let raw = std::sync::Arc::new(raw);
    let p = Client::new(raw.clone());
    let mut printed = Vec::new();
    p.create_instance(CreateInstance::new("redfeat"))
        .await
        .unwrap();
    let b = p
        .create_bucket(
            "redfeat",
            CreateBucket::new("redfeat-b")
                .lifecycle_rule(LifecycleRule::new("r").expire_after_days(3))
                .cors_rule(CorsRule::new(["*"], ["GET"]))
                .retention(DefaultRetention::days(RetentionMode::Governance, 1)),
        )
        .await
        .unwrap();
    printed.push(format!("{b:?}"));
    sim.inject(s3aas_fakes::ecs::Fault::s3("/redfeat-b", 403, "AccessDenied").query("cors"));
    let dest_secret = "replication-destination-SECRET-99";
    secrets.push(dest_secret.into());
    let failures = [
        p.update_bucket(
            "redfeat",
            "redfeat-b",
            UpdateBucket::new().cors(vec![CorsRule::new(["*"], ["PUT"])]),
        )
        .await
        .map(drop),
        p.create_bucket(
            "redfeat",
            CreateBucket::new("redfeat-r")
                .versioning(true)
                .replication_rule(ReplicationRule::new(
                    "dr",
                    1,
                    ReplicationDestination::new(
                        "https://dr.example.com",
                        "dr",
                        "AKIDR",
                        SecretString::from(dest_secret.to_string()),
                    ),
                )),
        )
        .await
        .map(drop),
    ];
    for f in &failures {
        let e = f.as_ref().expect_err("each of these calls fails");
        printed.push(format!("{e:?}"));
        printed.push(format!("{e}"));
    }
    printed.push(format!("{:?}", p.instance_usage("redfeat").await.unwrap()));
    p.delete_instance("redfeat", DeleteInstance::new().force(true))
        .await
        .unwrap();
    secrets.extend(sim.state().tokens.keys().cloned());
    raw.close().await.unwrap();
    let issued = sim.state().issued_secrets.clone();
    assert!(
        issued.len() >= 2,
        "temporary keys were made for the writes: {}",
        issued.len()
    );
    secrets.extend(issued);
    let logged = logs.text_checked();
    assert_no_secret(&format!("{}\n{}", printed.join("\n"), logged), &secrets);
}
