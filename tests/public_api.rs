//! The public API of every published crate, as a listing checked in under `public-api/`, so a
//! change to it shows in review. The listing is read from the sources: every `pub` item (not
//! `pub(crate)`/`pub(super)`), with the file it is declared in. When a change is meant, refresh
//! the listing with `S3AAS_BLESS=1 cargo test --test public_api` and commit it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const CRATES: &[&str] = &[
    ".",
    "s3aas-core",
    "s3aas-http",
    "s3aas-madmin",
    "s3aas-backend-rustfs",
    "s3aas-backend-minio",
    "s3aas-backend-ecs",
    "s3aas-backend-seaweedfs",
    "s3aas-backend-ceph",
];

const KINDS: &[&str] = &[
    "fn ",
    "async fn ",
    "struct ",
    "enum ",
    "trait ",
    "const ",
    "static ",
    "mod ",
    "use ",
    "type ",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `file: pub <kind> <name...>` for every public declaration, up to the name (and, for `use`,
/// the whole path), skipping test modules.
fn listing(root: &Path, krate: &str) -> String {
    let mut files = Vec::new();
    rust_files(&root.join(krate).join("src"), &mut files);
    let mut out = String::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let rel = f
            .strip_prefix(root.join(krate))
            .unwrap()
            .display()
            .to_string();
        let mut in_tests = false;
        let mut joined = String::new();
        for line in text.lines() {
            let t = line.trim_start();
            if t.starts_with("#[cfg(test)]") {
                in_tests = true;
            }
            if in_tests {
                continue;
            }
            // A `pub use a::{b, c};` may span lines: join them first.
            if !joined.is_empty() {
                joined.push(' ');
                joined.push_str(t);
                if t.contains(';') {
                    let _ = writeln!(out, "{rel}: {}", squeeze(&joined));
                    joined.clear();
                }
                continue;
            }
            let Some(rest) = t.strip_prefix("pub ") else {
                continue;
            };
            if !KINDS.iter().any(|k| rest.starts_with(k)) {
                continue;
            }
            if rest.starts_with("use ") && !rest.contains(';') {
                joined = t.to_string();
                continue;
            }
            let decl = rest
                .split(['(', '<', '{', ':', '='])
                .next()
                .unwrap_or(rest)
                .trim_end_matches(';')
                .trim();
            let decl = if rest.starts_with("use ") { rest } else { decl };
            let _ = writeln!(out, "{rel}: pub {}", squeeze(decl));
        }
    }
    out
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_public_api_is_the_one_checked_in() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("S3AAS_BLESS").is_some();
    let mut changed = Vec::new();
    for krate in CRATES {
        let name = if *krate == "." { "s3aas" } else { krate };
        let want_path = root.join("public-api").join(format!("{name}.txt"));
        let now = listing(root, krate);
        if bless {
            std::fs::create_dir_all(want_path.parent().unwrap()).unwrap();
            std::fs::write(&want_path, &now).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&want_path).unwrap_or_default();
        if want != now {
            let added: Vec<&str> = now
                .lines()
                .filter(|l| !want.lines().any(|w| w == *l))
                .collect();
            let removed: Vec<&str> = want
                .lines()
                .filter(|l| !now.lines().any(|n| n == *l))
                .collect();
            changed.push(format!("{name}: added {added:#?}\nremoved {removed:#?}"));
        }
    }
    assert!(
        changed.is_empty(),
        "the public API changed; if that is meant, run `S3AAS_BLESS=1 cargo test --test public_api` and commit public-api/:\n{}",
        changed.join("\n")
    );
}
