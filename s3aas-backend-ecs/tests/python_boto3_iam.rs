//! The ECS simulator's IAM API checked against an independent client: boto3 1.44.5's IAM
//! client (which knows AWS IAM's query protocol, XML shapes and error bodies exactly) drives
//! users, tags, access keys, managed policies with versions and attachments, and the
//! namespace header. See `tests/python/boto3_iam_check.py`. A second test checks the S3 side
//! (bucket configurations, ownership, anonymous listing) with boto3's S3 client.
//!
//! Needs boto3 installed by `scripts/install-python-boto3.sh` (or a Python with `boto3` named
//! by `S3AAS_BOTO3_PYTHON`); without it the test says it was skipped.

use s3aas_fakes::ecs::EcsSimulator;
use s3aas_fakes::{python, repo};

#[tokio::test(flavor = "multi_thread")]
async fn boto3_agrees_with_the_simulators_iam_api() {
    let install = repo::script(env!("CARGO_MANIFEST_DIR"), "install-python-boto3.sh");
    let Some(py) = python::installed("S3AAS_BOTO3_PYTHON", &install) else {
        println!("boto3 IAM check SKIPPED: not installed (run scripts/install-python-boto3.sh)");
        return;
    };
    let sim = EcsSimulator::start("root", "py-check-password").await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/boto3_iam_check.py"
    );
    let args = vec![sim.mgmt.uri(), "root".into(), "py-check-password".into()];
    python::run_check(py, script, args).await;
    let st = sim.state();
    assert!(st.iam_users.is_empty(), "the script cleaned up");
    assert_eq!(st.live_tokens("root"), 0, "the script logged out");
}

/// The simulator's S3 side checked by boto3's S3 client: lifecycle, CORS and object-lock
/// configurations as s3aas sets them on ECS, who may set them (the bucket's owner, not another
/// user of the namespace), what ECS lacks (replication, transitions), and anonymous listing
/// under a public-read-list policy set through the management API. See
/// `tests/python/boto3_s3_check.py`.
#[tokio::test(flavor = "multi_thread")]
async fn boto3_agrees_with_the_simulators_s3_features() {
    use s3aas_backend_ecs::EcsProvider;
    use s3aas_core::BucketAccess;
    use s3aas_core::prelude::*;
    let install = repo::script(env!("CARGO_MANIFEST_DIR"), "install-python-boto3.sh");
    let Some(py) = python::installed("S3AAS_BOTO3_PYTHON", &install) else {
        println!("boto3 S3 check SKIPPED: not installed (run scripts/install-python-boto3.sh)");
        return;
    };
    let sim = EcsSimulator::start("root", "py-check-password").await;
    let p = EcsProvider::builder(
        sim.mgmt.uri(),
        "root",
        SecretString::from("py-check-password".to_string()),
    )
    .s3_endpoint(sim.s3.uri())
    .version("3.8")
    .build()
    .unwrap();
    p.create_instance(CreateInstance::new("pys3"))
        .await
        .unwrap();
    let mut keys = Vec::new();
    for u in ["alice", "mallory"] {
        p.create_user("pys3", CreateUser::new(u)).await.unwrap();
        keys.push(
            p.create_access_key("pys3", u, CreateAccessKey::new())
                .await
                .unwrap(),
        );
    }
    for req in [
        CreateBucket::new("pys3-plain").owner("alice"),
        CreateBucket::new("pys3-locked")
            .owner("alice")
            .object_lock(true),
        CreateBucket::new("pys3-public")
            .owner("alice")
            .access(BucketAccess::PublicReadList),
    ] {
        p.create_bucket("pys3", req).await.unwrap();
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/boto3_s3_check.py"
    );
    let mut args = vec![sim.s3.uri(), "pys3".into()];
    for k in &keys {
        args.push(k.key.access_key_id.clone());
        args.push(k.secret_access_key.expose_secret().to_string());
    }
    args.extend(["pys3-plain", "pys3-locked", "pys3-public"].map(String::from));
    python::run_check(py, script, args).await;
    p.close().await.unwrap();
}
