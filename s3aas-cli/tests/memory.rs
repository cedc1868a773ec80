//! The `s3aas` binary end to end on the embedded in-memory provider (the default backend). The
//! provider lives in the process, so each command starts from an empty server: these tests
//! cover what one command does (output, secrets, errors and exit codes, configuration, bulk
//! outcomes, desired state in one `apply`); `tests/rustfs.rs` covers sequences on a real server.

mod common;

use common::{s3aas, scratch};

#[test]
fn help_has_examples_and_exit_codes() {
    let r = s3aas(&["--help"], &[], None).ok();
    assert!(r.stdout.contains("Examples:"), "{}", r.stdout);
    assert!(r.stdout.contains("s3aas provision acme"), "{}", r.stdout);
    assert!(r.stdout.contains("Exit codes:"), "{}", r.stdout);
    assert!(r.stdout.contains("12  plan or drift"), "{}", r.stdout);
    let r = s3aas(&["key", "rotate", "--help"], &[], None).ok();
    assert!(r.stdout.contains("--grace"), "{}", r.stdout);
    assert!(r.stdout.contains("Example:"), "{}", r.stdout);
    // A wrong command line is exit 2, clap's message on stderr.
    let r = s3aas(&["instance", "frobnicate"], &[], None);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stdout.is_empty() && r.stderr.contains("frobnicate"),
        "{r:?}"
    );
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = s3aas(&["completions", shell], &[], None).ok();
        assert!(r.stdout.contains("s3aas"), "{shell}");
        assert!(
            r.stdout.contains("provision"),
            "{shell}: subcommands completed"
        );
    }
}

#[test]
fn capabilities_and_health_as_table_and_json() {
    let r = s3aas(&["capabilities"], &[], None).ok();
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("policies ") && l.ends_with("yes")),
        "{}",
        r.stdout
    );
    let j = s3aas(&["capabilities", "-o", "json"], &[], None)
        .ok()
        .json();
    assert_eq!(j["policies"], true);
    assert_eq!(j["bucket_versioning"], "yes");
    // An option, as S3AAS_MEMORY_CAPABILITIES or -O, restricts them.
    let j = s3aas(
        &[
            "capabilities",
            "-o",
            "json",
            "-O",
            "capabilities=policies=no",
        ],
        &[],
        None,
    )
    .ok()
    .json();
    assert_eq!(j["policies"], false);
    let j = s3aas(
        &["capabilities", "--output", "json"],
        &[("S3AAS_MEMORY_CAPABILITIES", "user_tags=no")],
        None,
    )
    .ok()
    .json();
    assert_eq!(j["user_tags"], false);
    let j = s3aas(&["health", "-o", "json"], &[], None).ok().json();
    assert_eq!(j["ready"], true);
}

#[test]
fn create_prints_the_resource_in_the_models_serde_form() {
    let j = s3aas(
        &[
            "instance",
            "create",
            "acme",
            "--default-bucket",
            "acme-data",
            "--versioning",
            "--label",
            "team=storage",
            "-o",
            "json",
        ],
        &[],
        None,
    )
    .ok()
    .json();
    assert_eq!(j["id"], "acme");
    assert_eq!(j["default_bucket"], "acme-data");
    assert_eq!(j["versioning"], true);
    assert_eq!(j["labels"]["team"], "storage");
    let r = s3aas(
        &["instance", "create", "acme", "--label", "team=a"],
        &[],
        None,
    )
    .ok();
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("id ") && l.ends_with("acme")),
        "{}",
        r.stdout
    );
}

#[test]
fn a_tenant_prints_its_secret_once_to_stdout() {
    let j = s3aas(
        &[
            "provision",
            "acme",
            "--bucket",
            "acme-data",
            "--owner",
            "alice",
            "--versioning",
            "--quota",
            "1GiB",
            "-o",
            "json",
        ],
        &[],
        None,
    )
    .ok()
    .json();
    let secret = j["access_key"]["secret_access_key"]
        .as_str()
        .expect("secret");
    assert_eq!(secret.len(), 40, "a real secret, not [REDACTED]: {secret}");
    assert_eq!(j["access_key"]["key"]["user"], "alice");
    assert_eq!(j["bucket"]["quota"]["hard_limit_bytes"], 1u64 << 30);
    assert_eq!(j["policy"]["name"], "alice-rw");
    // The table shows it too, once.
    let r = s3aas(
        &[
            "provision",
            "acme",
            "--bucket",
            "acme-data",
            "--owner",
            "alice",
        ],
        &[],
        None,
    )
    .ok();
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("access_key.secret_access_key"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(!line.contains("REDACTED"), "{line}");
    assert_eq!(
        r.stdout
            .matches(line.split_whitespace().last().unwrap())
            .count(),
        1
    );
}

#[test]
fn errors_are_one_line_with_an_exit_code_by_kind() {
    // Not found: 5.
    let r = s3aas(&["instance", "get", "nope"], &[], None).fails(5);
    assert!(r.stderr.starts_with("error: not_found"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    // Invalid input, refused before any request: 4, naming the field.
    let r = s3aas(&["bucket", "create", "acme", "Bad_Name"], &[], None).fails(4);
    assert!(r.stderr.contains("bucket.name"), "{}", r.stderr);
    // An unknown backend: 3, listing the known ones.
    let r = s3aas(&["--backend", "garage", "health"], &[], None).fails(3);
    assert!(
        r.stderr.contains("unknown backend 'garage'"),
        "{}",
        r.stderr
    );
    // A backend missing its options: 3, naming the variable to set.
    let r = s3aas(&["--backend", "rustfs", "health"], &[], None).fails(3);
    assert!(r.stderr.contains("S3AAS_RUSTFS_"), "{}", r.stderr);
    // A capability the backend lacks: 8, before any request.
    let r = s3aas(
        &["-O", "capabilities=policies=no", "policy", "list", "acme"],
        &[],
        None,
    )
    .fails(8);
    assert!(r.stderr.contains("policies"), "{}", r.stderr);
    // Credentials in a URI: refused, 3.
    let r = s3aas(
        &["--uri", "rustfs://ak:sk@127.0.0.1:9000", "health"],
        &[],
        None,
    )
    .fails(3);
    assert!(!r.stderr.contains("sk@"), "{}", r.stderr);
}

#[test]
fn bulk_commands_report_each_item_and_stay_quiet_when_piped() {
    let names = "alice\nbob\n\n# a comment\ncarol\n";
    // The instance does not exist in this fresh process: every item fails on its own.
    let r = s3aas(
        &["user", "create-many", "nope", "-", "-o", "json"],
        &[],
        Some(names),
    );
    assert_eq!(r.code, 5, "{r:?}");
    let rows = r.json();
    let rows = rows.as_array().expect("one row per name");
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|row| row["ok"] == false));
    assert_eq!(rows[2]["name"], "carol");
    // stderr holds the one error line, no progress bar (stderr is a pipe here).
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("3 of 3 failed"), "{}", r.stderr);
    // A name given twice is refused before any call.
    let r = s3aas(&["user", "create-many", "nope", "-"], &[], Some("a\na\n")).fails(4);
    assert!(r.stderr.contains("'a' is named twice"), "{}", r.stderr);
}

const SPEC: &str = r#"{"tenants": [{"instance": "acme",
  "buckets": [{"name": "acme-data", "versioning": true}],
  "users": [{"name": "alice", "policies": ["rw"], "keys": [{"name": "ci"}]}],
  "policies": [{"name": "rw", "document": {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"]}]}}]}]}"#;

#[test]
fn desired_state_plan_and_apply() {
    let dir = scratch("spec");
    let path = dir.join("spec.json");
    std::fs::write(&path, SPEC).unwrap();
    let p = path.to_str().unwrap();
    // On an empty server everything is to make: plan --exit-code says so with 12.
    let r = s3aas(&["plan", p, "--exit-code"], &[], None);
    assert_eq!(r.code, 12, "{r:?}");
    assert!(r.stdout.contains("instance acme:"), "{}", r.stdout);
    let r = s3aas(&["plan", p], &[], None).ok();
    assert!(r.stdout.contains("Create instance acme"), "{}", r.stdout);
    let j = s3aas(&["plan", p, "-o", "json"], &[], None).ok().json();
    assert_eq!(j["tenants"][0]["instance"], "acme");
    // Apply makes it and prints the new key's secret once.
    let j = s3aas(&["apply", p, "-o", "json"], &[], None).ok().json();
    assert_eq!(j["complete"], true);
    let key = &j["tenants"][0]["new_keys"][0];
    assert_eq!(key["name"], "ci");
    assert_eq!(key["key"]["user"], "alice");
    assert_eq!(key["secret_access_key"].as_str().unwrap().len(), 40);
    let r = s3aas(&["apply", p], &[], None).ok();
    assert!(r.stdout.contains("SECRET_ACCESS_KEY"), "{}", r.stdout);
    // --dry-run changes nothing and prints the plan.
    let r = s3aas(&["apply", p, "--dry-run"], &[], None).ok();
    assert!(r.stdout.contains("instance acme:"), "{}", r.stdout);
    // YAML from stdin, and a broken spec (exit 4 naming the file).
    let yaml = "tenants:\n  - instance: beta\n    buckets:\n      - name: beta-data\n";
    let r = s3aas(&["plan", "-", "--exit-code"], &[], Some(yaml));
    assert_eq!(r.code, 12, "{r:?}");
    let r = s3aas(&["plan", "-"], &[], Some("{\"tenants\": 3}")).fails(4);
    assert!(r.stderr.contains("-:"), "{}", r.stderr);
    // Drift against an empty server: everything differs.
    let r = s3aas(&["drift", p, "--exit-code"], &[], None);
    assert_eq!(r.code, 12, "{r:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn profiles_from_the_config_file() {
    let dir = scratch("config");
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        "[profiles.default]\ncapabilities = \"user_tags=no\"\n\n[profiles.strict]\nbackend = \"memory\"\ncapabilities = \"policies=no\"\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    let j = s3aas(&["--config", p, "capabilities", "-o", "json"], &[], None)
        .ok()
        .json();
    assert_eq!(j["user_tags"], false, "the default profile applies");
    assert_eq!(j["policies"], true);
    let j = s3aas(
        &["capabilities", "-o", "json"],
        &[("S3AAS_CONFIG", p), ("S3AAS_PROFILE", "strict")],
        None,
    )
    .ok()
    .json();
    assert_eq!(j["policies"], false);
    assert_eq!(j["user_tags"], true);
    // The environment overrides the profile.
    let j = s3aas(
        &[
            "--config",
            p,
            "--profile",
            "strict",
            "capabilities",
            "-o",
            "json",
        ],
        &[("S3AAS_MEMORY_CAPABILITIES", "bucket_tags=no")],
        None,
    )
    .ok()
    .json();
    assert_eq!(j["policies"], true);
    assert_eq!(j["bucket_tags"], "no");
    let r = s3aas(&["--config", p, "--profile", "nope", "health"], &[], None).fails(3);
    assert!(
        r.stderr.contains("profiles: default, strict"),
        "{}",
        r.stderr
    );
    let _ = std::fs::remove_dir_all(dir);
}
