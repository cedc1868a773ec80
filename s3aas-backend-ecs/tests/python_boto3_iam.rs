//! The ECS simulator's IAM API checked against an independent client: boto3 1.44.5's IAM
//! client (which knows AWS IAM's query protocol, XML shapes and error bodies exactly) drives
//! users, tags, access keys, managed policies with versions and attachments, and the
//! namespace header. See `tests/python/boto3_iam_check.py`.
//!
//! Needs boto3 installed by `scripts/install-python-boto3.sh` (or a Python with `boto3` named
//! by `S3AAS_BOTO3_PYTHON`); without it the test says it was skipped.

use s3aas_testkit::fake::ecs::EcsSimulator;
use std::path::PathBuf;
use std::process::Command;

fn python() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("S3AAS_BOTO3_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scripts/install-python-boto3.sh"
    );
    let out = Command::new("bash")
        .arg(script)
        .arg("--print")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

#[tokio::test(flavor = "multi_thread")]
async fn boto3_agrees_with_the_simulators_iam_api() {
    let Some(py) = python() else {
        println!("boto3 IAM check SKIPPED: not installed (run scripts/install-python-boto3.sh)");
        return;
    };
    let sim = EcsSimulator::start("root", "py-check-password").await;
    let uri = sim.mgmt.uri();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/boto3_iam_check.py"
    );
    let out = tokio::task::spawn_blocking(move || {
        Command::new(py)
            .args([script, &uri, "root", "py-check-password"])
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("python runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "boto3 IAM check failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("checks passed"));
    let st = sim.state();
    assert!(st.iam_users.is_empty(), "the script cleaned up");
    assert_eq!(st.live_tokens("root"), 0, "the script logged out");
}
