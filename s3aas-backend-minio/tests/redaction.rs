//! Redaction audit: a whole tenant lifecycle and a set of failing calls against the MinIO fake,
//! with `tracing` captured at TRACE for every crate (reqwest and hyper included); every result,
//! error and config is formatted with `{:?}` and `{}`. No secret may appear anywhere.

use s3aas_backend_minio::MinioProvider;
use s3aas_core::ProviderConfig;
use s3aas_core::prelude::*;
use s3aas_fakes::logs::{LogCapture, assert_no_secret};
use s3aas_fakes::minio::FakeMinio;

const ROOT_SECRET: &str = "root-secret-VERY-distinctive-42";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_debug_display_or_errors() {
    let logs = LogCapture::default();
    let _guard = logs.install();

    let (server, fake) = FakeMinio::start("rootadmin", ROOT_SECRET).await;
    fake.state().response_algorithm = s3aas_madmin::Algorithm::Pbkdf2AesGcm;
    let p = MinioProvider::builder(
        server.uri(),
        "rootadmin",
        SecretString::from(ROOT_SECRET.to_string()),
    )
    .build()
    .unwrap();
    let mut printed = vec![format!("{p:?}")];
    // As users hold it: behind the checked front door (its refusals are audited too).
    let p = p.into_client();
    let mut secrets = vec![ROOT_SECRET.to_string()];

    p.create_instance(CreateInstance::new("redact").default_bucket("redact-data"))
        .await
        .unwrap();
    p.create_user("redact", CreateUser::new("alice"))
        .await
        .unwrap();
    p.put_policy(
        "redact",
        PutPolicy::new("rw", PolicyDocument::bucket_read_write("redact-data")),
    )
    .await
    .unwrap();
    p.attach_policy("redact", "alice", "rw").await.unwrap();
    let k = p
        .create_access_key("redact", "alice", CreateAccessKey::new().name("ci"))
        .await
        .unwrap();
    secrets.push(k.secret_access_key.expose_secret().to_string());
    printed.push(format!("{k:?}"));
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
    printed.push(format!(
        "{:?}",
        p.list_users("redact", ListOptions::new()).await.unwrap()
    ));
    // Replication: the destination's secret goes to the server (sealed) and nowhere else.
    let repl_secret = "replication-secret-DISTINCTIVE-77";
    secrets.push(repl_secret.to_string());
    p.create_bucket(
        "redact",
        CreateBucket::new("redact-replica").versioning(true),
    )
    .await
    .unwrap();
    let dest = ReplicationDestination::new(
        server.uri(),
        "redact-replica",
        "replicator",
        SecretString::from(repl_secret.to_string()),
    )
    .allow_local(true);
    printed.push(format!("{dest:?}"));
    let rule = ReplicationRule::new("dr", 1, dest.clone());
    let b = p
        .create_bucket(
            "redact",
            CreateBucket::new("redact-src")
                .versioning(true)
                .replication_rule(rule.clone()),
        )
        .await
        .unwrap();
    printed.push(format!("{b:?}"));
    let b = p
        .update_bucket(
            "redact",
            "redact-src",
            UpdateBucket::new().replication(vec![rule.clone().deletes(true)]),
        )
        .await
        .unwrap();
    printed.push(format!("{b:?}"));
    assert_eq!(
        fake.state().remote_targets["redact-src"][0]["credentials"]["secretKey"],
        serde_json::json!(repl_secret),
        "the secret reached the server (through the encrypted body)"
    );
    // A destination the server refuses: the error carries no secret.
    let mut bad = dest.clone();
    bad.bucket = "no-such-replica".into();
    let refused = p
        .update_bucket(
            "redact",
            "redact-src",
            UpdateBucket::new().replication(vec![ReplicationRule::new("x", 2, bad)]),
        )
        .await
        .map(|_| ());
    // The users' own (never revealed) secrets are in the fake's state: they must not leak either.
    secrets.extend(fake.state().users.values().map(|u| u.secret.clone()));

    // Failures, each formatted both ways.
    let failures = vec![
        p.get_user("redact", "nobody").await.map(|_| ()),
        p.delete_policy("redact", "rw").await,
        p.create_bucket("redact", CreateBucket::new("Bad_Name"))
            .await
            .map(|_| ()),
        p.create_access_key("redact", "ghost", CreateAccessKey::new())
            .await
            .map(|_| ()),
    ];
    let wrong = MinioProvider::builder(
        server.uri(),
        "rootadmin",
        SecretString::from("wrong-secret-also-distinctive".to_string()),
    )
    .build()
    .unwrap();
    secrets.push("wrong-secret-also-distinctive".to_string());
    let failures: Vec<_> = failures
        .into_iter()
        .chain([refused])
        .chain([wrong
            .list_users("redact", ListOptions::new())
            .await
            .map(|_| ())])
        .collect();
    for f in &failures {
        let e = f.as_ref().expect_err("each of these calls fails");
        printed.push(format!("{e:?}"));
        printed.push(format!("{e}"));
    }
    let cfg = ProviderConfig::from_uri(
        &format!("minio://{}", server.address()),
        [("access_key", "rootadmin"), ("secret_key", ROOT_SECRET)],
    )
    .unwrap();
    printed.push(format!("{cfg:?}"));
    let from_cfg = MinioProvider::from_config(&cfg).unwrap();
    printed.push(format!("{from_cfg:?}"));
    p.delete_instance("redact", DeleteInstance::new().force(true))
        .await
        .unwrap();

    let logged = logs.text_checked();
    assert_no_secret(&format!("{}\n{}", printed.join("\n"), logged), &secrets);
    println!(
        "redaction audit: {} secrets, {} formatted values, {} bytes of TRACE logs checked",
        secrets.len(),
        printed.len(),
        logged.len()
    );
}
