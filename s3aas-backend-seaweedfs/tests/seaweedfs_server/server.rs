//! The test server (`s3aas_fakes::seaweedfs::SeaweedfsServer`, started by
//! scripts/seaweedfs-server.sh and stopped by pid when dropped) and the boto3 helpers the
//! cross-checks use.

use crate::*;

pub(crate) use s3aas_fakes::seaweedfs::{Conn, SeaweedfsServer as Weed};

/// The running server (for proofs that need a second provider or boto3).
pub(crate) static SERVER: std::sync::OnceLock<Conn> = std::sync::OnceLock::new();

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The names of every IAM user and managed policy, as boto3 (an independent client) lists them.
pub(crate) fn boto3_iam_names(server: &Conn) -> (Vec<String>, Vec<String>) {
    let v = boto3(server, "names", &[]);
    let names = |k: &str| {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    (names("users"), names("policies"))
}

/// Runs `tests/python/boto3_iam.py COMMAND ARGS` with boto3 against the server; its JSON answer.
pub(crate) fn boto3(server: &Conn, command: &str, args: &[&str]) -> serde_json::Value {
    let py = Command::new(repo().join("scripts/install-python-boto3.sh"))
        .output()
        .expect("scripts/install-python-boto3.sh");
    assert!(
        py.status.success(),
        "boto3 is required: {}",
        String::from_utf8_lossy(&py.stderr)
    );
    let py = String::from_utf8_lossy(&py.stdout).trim().to_string();
    let out = Command::new(py)
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/boto3_iam.py"))
        .arg(command)
        .args(args)
        .env("ENDPOINT", &server.endpoint)
        .env("ACCESS_KEY", &server.access_key)
        .env("SECRET_KEY", &server.secret_key)
        .output()
        .expect("run boto3_iam.py");
    assert!(
        out.status.success(),
        "boto3_iam.py {command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("boto3_iam.py prints JSON")
}
