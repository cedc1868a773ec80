//! The `s3aas` binary end to end on a real RustFS server (started on loopback, stopped by pid
//! when this test ends): a tenant's life through separate commands as an operator would type
//! them, its effects proved through S3 with the key the command line printed, bulk commands,
//! errors carrying the server's code and request id, desired state with drift and repair, and
//! a forced delete of a populated instance.
//!
//! Skipped (with the line `real-server tests SKIPPED`) when no RustFS binary is found; CI sets
//! `S3AAS_REQUIRE_RUSTFS=1`, which turns a missing binary into a failure.

mod common;

use common::{Run, s3aas, scratch};
use s3aas::http::{HttpClient, HttpConfig, S3Client, SigV4Signer};
use s3aas::{ErrorKind, SecretString};
use s3aas_fakes::rustfs::RustfsServer;

struct Server {
    env: Vec<(String, String)>,
    endpoint: String,
}

impl Server {
    fn run(&self, args: &[&str]) -> Run {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        s3aas(args, &env, None)
    }

    fn run_in(&self, args: &[&str], stdin: &str) -> Run {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        s3aas(args, &env, Some(stdin))
    }

    /// An S3 client signing with a key the command line printed.
    fn s3(&self, key_id: &str, secret: &str) -> S3Client {
        let http = HttpClient::new("rustfs", HttpConfig::default()).expect("http");
        S3Client::new(
            "rustfs",
            http,
            url::Url::parse(&self.endpoint).expect("endpoint"),
            SigV4Signer::new(key_id, SecretString::from(secret.to_string()), "us-east-1"),
        )
    }
}

/// Not a libtest harness: this target's lines (`real-server rustfs-cli: ...`) must reach the CI
/// log, which a passing `#[test]`'s captured output would not.
fn main() {
    the_command_line_on_a_real_rustfs();
}

fn the_command_line_on_a_real_rustfs() {
    let Some(server) = RustfsServer::start_or_skip("the s3aas command line end to end") else {
        return;
    };
    let s = Server {
        env: vec![
            ("S3AAS_BACKEND".into(), "rustfs".into()),
            ("S3AAS_RUSTFS_ENDPOINT".into(), server.endpoint.clone()),
            ("S3AAS_RUSTFS_ACCESS_KEY".into(), server.access_key.clone()),
            ("S3AAS_RUSTFS_SECRET_KEY".into(), server.secret_key.clone()),
        ],
        endpoint: server.endpoint.clone(),
    };
    let mut commands = 0u32;
    let mut count = |r: Run| {
        commands += 1;
        r
    };

    let h = count(s.run(&["health", "-o", "json"])).ok().json();
    assert_eq!(h["ready"], true, "{h}");

    // A tenant, step by step.
    count(s.run(&[
        "instance",
        "create",
        "cli-acme",
        "--default-bucket",
        "cli-acme-data",
        "--label",
        "team=storage",
    ]))
    .ok();
    let list = count(s.run(&["instance", "list", "-o", "json"]))
        .ok()
        .json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == "cli-acme" && i["labels"]["team"] == "storage"),
        "{list}"
    );
    count(s.run(&["bucket", "create", "cli-acme", "cli-acme-other"])).ok();

    // Fifty users from a file on stdin: one row each, no progress bar on a pipe.
    let names: String = (1..=50).map(|i| format!("user{i:03}\n")).collect();
    let r = count(s.run_in(&["user", "create-many", "cli-acme", "-"], &names)).ok();
    assert_eq!(
        r.stdout.lines().count(),
        51,
        "header and 50 rows: {}",
        r.stdout
    );
    let users = count(s.run(&["user", "list", "cli-acme", "-o", "json"]))
        .ok()
        .json();
    assert_eq!(users.as_array().unwrap().len(), 50, "{users}");

    count(s.run(&[
        "policy",
        "put",
        "cli-acme",
        "data-rw",
        "--bucket-read-write",
        "cli-acme-data",
    ]))
    .ok();
    count(s.run(&["policy", "attach", "cli-acme", "user001", "data-rw"])).ok();
    let attached = count(s.run(&["policy", "attached", "cli-acme", "user001", "-o", "json"]))
        .ok()
        .json();
    assert_eq!(attached, serde_json::json!(["data-rw"]));

    // A key: its secret printed once, by create.
    let key = count(s.run(&[
        "key", "create", "cli-acme", "user001", "--name", "ci", "-o", "json",
    ]))
    .ok()
    .json();
    let key_id = key["key"]["access_key_id"].as_str().unwrap().to_string();
    let secret = key["secret_access_key"].as_str().unwrap().to_string();
    assert!(secret.len() >= 16 && !secret.contains("REDACTED"), "{key}");
    let listed = count(s.run(&["key", "list", "cli-acme", "user001", "-o", "json"])).stdout;
    assert!(
        listed.contains(&key_id) && !listed.contains(&secret),
        "{listed}"
    );

    // Proof through S3 with the printed key: it works where the policy grants, and is refused
    // elsewhere.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s3 = s.s3(&key_id, &secret);
    rt.block_on(async {
        s3aas_fakes::proof::eventually("put with the printed key", true, || async {
            s3.put_object("cli-acme-data", "hello.txt", "hi".into(), &[])
                .await
                .map(|_| ())
        })
        .await
        .expect("the key works on the granted bucket");
        let e = s3
            .put_object("cli-acme-other", "hello.txt", "hi".into(), &[])
            .await
            .expect_err("refused on a bucket the policy does not grant");
        assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    });

    // Rotation with grace: a new secret printed once; the old key keeps working until then.
    let rotated = count(s.run(&[
        "key", "rotate", "cli-acme", "user001", &key_id, "--grace", "1h", "-o", "json",
    ]))
    .ok()
    .json();
    let new_id = rotated["new"]["key"]["access_key_id"]
        .as_str()
        .unwrap()
        .to_string();
    let new_secret = rotated["new"]["secret_access_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_id, key_id);
    assert!(!new_secret.contains("REDACTED"), "{rotated}");
    assert!(
        rotated["old"].to_string().contains("expires_at"),
        "{rotated}"
    );
    rt.block_on(async {
        s3aas_fakes::proof::eventually("put with the rotated key", true, || async {
            s.s3(&new_id, &new_secret)
                .put_object("cli-acme-data", "rotated.txt", "hi".into(), &[])
                .await
                .map(|_| ())
        })
        .await
        .expect("the new key works");
    });

    // Disabling the user stops its keys.
    count(s.run(&["user", "disable", "cli-acme", "user001"])).ok();
    let u = count(s.run(&["user", "get", "cli-acme", "user001", "-o", "json"]))
        .ok()
        .json();
    assert_eq!(u["enabled"], false);
    rt.block_on(async {
        s3aas_fakes::proof::eventually("refused once disabled", false, || async {
            s.s3(&new_id, &new_secret)
                .put_object("cli-acme-data", "denied.txt", "no".into(), &[])
                .await
                .map(|_| ())
        })
        .await
        .expect("a disabled user's key is refused");
    });

    // A server-side error: one line with the server's code and request id, exit 5.
    let r = count(s.run(&["user", "get", "cli-acme", "nobody"])).fails(5);
    assert!(r.stderr.contains("request id"), "{}", r.stderr);
    // A non-empty bucket stops a plain instance delete: 7, nothing deleted.
    count(s.run(&["instance", "delete", "cli-acme"])).fails(7);
    count(s.run(&["user", "get", "cli-acme", "user050"])).ok();

    // Desired state: apply, no drift, a raw change shows as drift, apply repairs it.
    let dir = scratch("rustfs-spec");
    let spec = dir.join("spec.yaml");
    std::fs::write(
        &spec,
        "tenants:\n  - instance: cli-beta\n    buckets:\n      - name: cli-beta-data\n        versioning: true\n    users:\n      - name: bob\n        keys:\n          - name: deploy\n",
    )
    .unwrap();
    let spec = spec.to_str().unwrap();
    let applied = count(s.run(&["apply", spec, "-o", "json"])).ok().json();
    assert_eq!(applied["complete"], true, "{applied}");
    assert_eq!(
        applied["tenants"][0]["new_keys"][0]["secret_access_key"]
            .as_str()
            .unwrap()
            .len(),
        40
    );
    count(s.run(&["drift", spec, "--exit-code"])).ok();
    count(s.run(&["plan", spec, "--exit-code"])).ok();
    count(s.run(&[
        "bucket",
        "update",
        "cli-beta",
        "cli-beta-data",
        "--versioning",
        "false",
    ]))
    .ok();
    let r = count(s.run(&["drift", spec, "--exit-code"]));
    assert_eq!(r.code, 12, "{r:?}");
    assert!(r.stdout.contains("versioning"), "{}", r.stdout);
    count(s.run(&["apply", spec])).ok();
    count(s.run(&["drift", spec, "--exit-code"])).ok();
    let _ = std::fs::remove_dir_all(dir);

    // Whole tenants in one call, then forced deletes of populated instances.
    let t = count(s.run(&[
        "provision",
        "cli-gamma",
        "--bucket",
        "cli-gamma-data",
        "--owner",
        "carol",
        "--versioning",
        "-o",
        "json",
    ]))
    .ok()
    .json();
    assert_eq!(t["bucket"]["versioning"], "enabled", "{t}");
    for id in ["cli-acme", "cli-beta", "cli-gamma"] {
        count(s.run(&["instance", "delete", id, "--force"])).ok();
        count(s.run(&["instance", "get", id])).fails(5);
    }
    let list = count(s.run(&["instance", "list", "-o", "json"]))
        .ok()
        .json();
    assert_eq!(list, serde_json::json!([]), "nothing left behind");
    println!(
        "real-server rustfs-cli: {commands} commands passed, keys proved through S3, nothing left behind"
    );
}
