//! The repository a test runs in, and its `scripts/`.
//!
//! Found through the repository, never through where this crate happens to sit: the root is
//! `$S3AAS_REPO_ROOT` when set, else the Cargo workspace root above the calling crate (the
//! nearest ancestor of its `CARGO_MANIFEST_DIR` whose `Cargo.toml` declares `[workspace]`).

use std::path::{Path, PathBuf};

/// The repository root for a crate whose manifest directory is `manifest_dir` (pass
/// `env!("CARGO_MANIFEST_DIR")`): `$S3AAS_REPO_ROOT` when set, else the workspace root above it.
/// Panics when neither is found.
pub fn root(manifest_dir: &str) -> PathBuf {
    if let Some(p) = std::env::var_os("S3AAS_REPO_ROOT").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    workspace_root(Path::new(manifest_dir)).unwrap_or_else(|| {
        panic!("no Cargo workspace above {manifest_dir} (set S3AAS_REPO_ROOT to the repository)")
    })
}

/// `scripts/<name>` of the repository (see [`root`]).
pub fn script(manifest_dir: &str, name: &str) -> PathBuf {
    root(manifest_dir).join("scripts").join(name)
}

/// The nearest ancestor of `dir` (itself included) whose `Cargo.toml` declares `[workspace]`.
fn workspace_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| {
            std::fs::read_to_string(d.join("Cargo.toml"))
                .is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]"))
        })
        .map(Path::to_path_buf)
}

/// The option keys among `keys` that the README's section titled `### {section}` does not name
/// in backticks (the README is what users read; the keys come from a backend's typed options).
pub fn readme_lacks(manifest_dir: &str, section: &str, keys: &[&str]) -> Vec<String> {
    let readme = std::fs::read_to_string(root(manifest_dir).join("README.md"))
        .expect("the repository has a README.md");
    let body = readme
        .split(&format!("### {section}\n"))
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .unwrap_or_else(|| panic!("the README has no section '### {section}'"));
    keys.iter()
        .filter(|k| !body.contains(&format!("`{k}`")))
        .map(|k| k.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_workspace_root_holds_the_scripts() {
        let root = super::workspace_root(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
            .expect("this crate is in the workspace");
        assert!(
            root.join("scripts")
                .join("install-python-boto3.sh")
                .is_file()
        );
        assert!(!root.ends_with("s3aas-fakes"));
    }
}
