//! Independent Python clients installed by the project's scripts (`scripts/install-python-*.sh`,
//! each a virtualenv in the cache directory), for checks of the fakes and for comparisons.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The interpreter of the virtualenv `install_script` installs (a path in the repository's
/// `scripts/`, see [`crate::repo::script`]): `env_var` when set, else what the script prints
/// with `--print` (`None` when it is not installed; nothing is installed here).
pub fn installed(env_var: &str, install_script: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env_var) {
        return Some(PathBuf::from(p));
    }
    let out = Command::new("bash")
        .arg(install_script)
        .arg("--print")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// Runs a check script (`python SCRIPT ARGS...`, off the async runtime) and returns its
/// standard output, printed too. Panics with both outputs unless it exits 0 and its last words
/// say `checks passed`.
pub async fn run_check(python: PathBuf, script: &str, args: Vec<String>) -> String {
    let script = script.to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(&script)
            .args(&args)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("python runs")
    })
    .await
    .expect("the check task ends");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("checks passed"),
        "the Python check failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
