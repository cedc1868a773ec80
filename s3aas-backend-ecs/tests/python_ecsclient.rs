//! The ECS simulator checked against an independent client: Dell's python-ecsclient 1.1.12
//! drives it (namespaces, users, secret keys, buckets, quotas, billing, nodes) and asserts the
//! answers parse and mean what the reference says. See `tests/python/ecsclient_check.py`.
//!
//! Needs the client installed by `scripts/install-python-ecsclient.sh` (or a Python with
//! `ecsclient` named by `S3AAS_ECSCLIENT_PYTHON`); without it the test says it was skipped.

use s3aas_testkit::fake::ecs::EcsSimulator;
use std::path::PathBuf;
use std::process::Command;

fn python() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("S3AAS_ECSCLIENT_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scripts/install-python-ecsclient.sh"
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
async fn python_ecsclient_agrees_with_the_simulator() {
    let Some(py) = python() else {
        println!(
            "python-ecsclient check SKIPPED: not installed (run scripts/install-python-ecsclient.sh)"
        );
        return;
    };
    let sim = EcsSimulator::start("root", "py-check-password").await;
    let uri = sim.mgmt.uri();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/ecsclient_check.py"
    );
    let out = tokio::task::spawn_blocking(move || {
        Command::new(py)
            .args([script, &uri, "root", "py-check-password"])
            .output()
            .expect("python runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "python-ecsclient check failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("checks passed"));
    assert_eq!(sim.state().live_tokens("root"), 0, "the client logged out");
}
