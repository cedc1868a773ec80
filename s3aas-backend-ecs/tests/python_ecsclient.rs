//! The ECS simulator checked against an independent client: Dell's python-ecsclient 1.1.12
//! drives it (namespaces, users, secret keys, buckets, quotas, bucket and namespace billing with
//! paged bucket details, nodes) and asserts the
//! answers parse and mean what the reference says. See `tests/python/ecsclient_check.py`.
//!
//! Needs the client installed by `scripts/install-python-ecsclient.sh` (or a Python with
//! `ecsclient` named by `S3AAS_ECSCLIENT_PYTHON`); without it the test says it was skipped.

use s3aas_fakes::ecs::EcsSimulator;
use s3aas_fakes::{python, repo};

#[tokio::test(flavor = "multi_thread")]
async fn python_ecsclient_agrees_with_the_simulator() {
    let install = repo::script(env!("CARGO_MANIFEST_DIR"), "install-python-ecsclient.sh");
    let Some(py) = python::installed("S3AAS_ECSCLIENT_PYTHON", &install) else {
        println!(
            "python-ecsclient check SKIPPED: not installed (run scripts/install-python-ecsclient.sh)"
        );
        return;
    };
    let sim = EcsSimulator::start("root", "py-check-password").await;
    // Namespace billing pages its bucket details two at a time, so the script walks pages.
    sim.state().billing_page = 2;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/ecsclient_check.py"
    );
    let args = vec![sim.mgmt.uri(), "root".into(), "py-check-password".into()];
    python::run_check(py, script, args).await;
    assert_eq!(sim.state().live_tokens("root"), 0, "the client logged out");
}
