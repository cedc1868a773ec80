//! The ECS simulator's IAM API checked against an independent client: boto3 1.44.5's IAM
//! client (which knows AWS IAM's query protocol, XML shapes and error bodies exactly) drives
//! users, tags, access keys, managed policies with versions and attachments, and the
//! namespace header. See `tests/python/boto3_iam_check.py`.
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
