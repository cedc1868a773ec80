//! The README's table of configuration options (under `### Configuration`) against what each
//! backend really takes, both ways: a backend's column marks exactly its keys — none missing,
//! none the backend would refuse — and the columns are exactly the registered backends.
//!
//! A backend's keys are read twice: from its typed options (`KEYS` of the backend crate plus the
//! transport keys of `s3aas::http::HttpConfig::KEYS`) and from the backend itself, as the
//! "known" list it names when refusing an unknown option (the only source for `memory`, whose
//! key list is not public). The two must agree before the README is held to them.

use std::collections::{BTreeMap, BTreeSet};

const BACKENDS: [&str; 6] = ["memory", "rustfs", "minio", "ecs", "seaweedfs", "ceph"];

fn readme() -> String {
    let root = s3aas_fakes::repo::root(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join("README.md")).expect("the repository has a README.md")
}

/// The body of the README section `### {title}` (up to the next heading of any level 2 or 3).
fn section<'a>(readme: &'a str, title: &str) -> &'a str {
    let start = readme
        .find(&format!("\n### {title}\n"))
        .unwrap_or_else(|| panic!("the README has no section '### {title}'"));
    let body = &readme[start + title.len() + 6..];
    let end = [body.find("\n### "), body.find("\n## ")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(body.len());
    &body[..end]
}

fn cells(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(|c| c.trim().to_string()).collect()
}

/// The option table of the Configuration section: for each backend column, the keys whose cell
/// is marked (`✓` or a default value; an empty cell or `—` means the backend refuses the key).
fn readme_table() -> BTreeMap<String, BTreeSet<String>> {
    let readme = readme();
    let body = section(&readme, "Configuration");
    let lines: Vec<&str> = body.lines().collect();
    let head = lines
        .iter()
        .position(|l| {
            let c = cells(l);
            l.trim_start().starts_with('|') && BACKENDS.iter().all(|b| c.iter().any(|x| x == b))
        })
        .expect("the Configuration section has a table with a column per backend");
    let header = cells(lines[head]);
    assert!(
        cells(lines[head + 1]).iter().all(|c| c.starts_with("---")),
        "the table's header is followed by its separator row"
    );
    let columns: Vec<(usize, &String)> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| BACKENDS.contains(&h.as_str()))
        .collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = columns
        .iter()
        .map(|(_, b)| ((*b).clone(), BTreeSet::new()))
        .collect();
    let mut rows = 0;
    for line in lines[head + 2..]
        .iter()
        .take_while(|l| l.trim_start().starts_with('|'))
    {
        let c = cells(line);
        assert_eq!(c.len(), header.len(), "row with a wrong cell count: {line}");
        let key = c[0].trim_matches('`');
        assert!(
            !key.is_empty()
                && key
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_'),
            "the first cell of a row names one option in backticks: {line}"
        );
        for (i, backend) in &columns {
            let cell = c[*i].as_str();
            if !(cell.is_empty() || cell == "—" || cell == "-") {
                out.get_mut(*backend).unwrap().insert(key.to_string());
            }
        }
        rows += 1;
    }
    assert!(rows > 0, "the option table has rows");
    out
}

/// The keys a backend's typed options declare (transport keys included for HTTP backends).
fn declared(backend: &str) -> Option<BTreeSet<String>> {
    let own: &[&str] = match backend {
        "rustfs" => &s3aas::rustfs::KEYS,
        "minio" => &s3aas::minio::KEYS,
        "ecs" => &s3aas::ecs::KEYS,
        "seaweedfs" => &s3aas::seaweedfs::KEYS,
        "ceph" => &s3aas::ceph::KEYS,
        _ => return None,
    };
    Some(
        own.iter()
            .chain(s3aas::http::HttpConfig::KEYS)
            .map(|k| k.to_string())
            .collect(),
    )
}

/// The keys a backend names as known when it refuses an unknown option.
fn known_to(backend: &str) -> BTreeSet<String> {
    let cfg = s3aas::ProviderConfig::new(backend).with("zz_not_an_option", "1");
    let e = match s3aas::registry().connect(&cfg) {
        Ok(_) => panic!("{backend} took an unknown option"),
        Err(e) => e,
    };
    assert_eq!(e.kind(), s3aas::ErrorKind::ConfigInvalid, "{e}");
    let msg = e.to_string();
    let list = msg
        .split("(known: ")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .unwrap_or_else(|| panic!("{backend}'s refusal does not name the known options: {msg}"));
    list.split(',')
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect()
}

#[test]
fn the_columns_are_the_registered_backends() {
    let table = readme_table();
    let columns: BTreeSet<&str> = table.keys().map(String::as_str).collect();
    let registered: BTreeSet<&str> = s3aas::registry().backends().into_iter().collect();
    assert_eq!(
        columns, registered,
        "README option table columns vs registered backends"
    );
}

#[test]
fn each_backend_declares_what_it_accepts() {
    for b in BACKENDS {
        if let Some(d) = declared(b) {
            assert_eq!(
                d,
                known_to(b),
                "{b}: typed KEYS vs the keys it names when refusing"
            );
        }
    }
}

#[test]
fn the_readme_table_marks_exactly_each_backends_options() {
    let table = readme_table();
    let mut problems = Vec::new();
    for b in BACKENDS {
        let real = declared(b).unwrap_or_else(|| known_to(b));
        let shown = &table[b];
        let missing: Vec<&String> = real.difference(shown).collect();
        let refused: Vec<&String> = shown.difference(&real).collect();
        if !missing.is_empty() {
            problems.push(format!("{b}: the README's table lacks {missing:?}"));
        }
        if !refused.is_empty() {
            problems.push(format!(
                "{b}: the README's table marks {refused:?}, which {b} refuses"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_key_row_is_some_backends_option() {
    // A row no backend marks would be a stale option left in the table.
    let readme = readme();
    let table = readme_table();
    let marked: BTreeSet<&String> = table.values().flatten().collect();
    let body = section(&readme, "Configuration");
    for line in body.lines().filter(|l| l.starts_with("| `")) {
        let key = cells(line)[0].trim_matches('`').to_string();
        assert!(
            marked.contains(&key),
            "row `{key}` is marked for no backend"
        );
    }
}

#[test]
fn the_readme_states_the_environment_and_uri_forms() {
    let readme = readme();
    let body = section(&readme, "Configuration");
    for needle in [
        "S3AAS_<BACKEND>_<KEY>",
        "S3AAS_BACKEND",
        "S3AAS_RUSTFS_ENDPOINT",
        "://",
    ] {
        assert!(
            body.contains(needle),
            "the Configuration section does not say {needle}"
        );
    }
    // What the README states is how the configuration is really read.
    let cfg = s3aas::ProviderConfig::from_vars([
        ("S3AAS_BACKEND".to_string(), "rustfs".to_string()),
        (
            "S3AAS_RUSTFS_ENDPOINT".to_string(),
            "http://127.0.0.1:9000".to_string(),
        ),
    ]);
    assert_eq!(cfg.backend(), "rustfs");
    assert_eq!(cfg.get("endpoint"), Some("http://127.0.0.1:9000"));
}
