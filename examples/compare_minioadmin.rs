//! Side by side on one machine against one local RustFS server (its `/minio/admin/v3` API, which
//! speaks the madmin payload encryption): s3aas's MinIO backend versus the official MinIO Python
//! SDK's `MinioAdmin`, N of each admin operation at the same concurrency, operations per second
//! for both and the ratio.
//!
//! ```sh
//! scripts/install-rustfs.sh && scripts/install-python-minio.sh    # once
//! cargo run --release --example compare_minioadmin -- 200 8      # N, concurrency
//! ```
//!
//! Both sides make the same HTTP calls (`add-user` and `add-service-account` with encrypted
//! bodies, `list-users` with an encrypted answer, `delete-service-account`, `remove-user`).
//! s3aas runs twice: with its default payload algorithm (id 2, PBKDF2) and with id 0 (Argon2id,
//! what `MinioAdmin` always uses), so the KDF's share of the difference is visible.

use futures::StreamExt;
use s3aas::SecretString;
use s3aas::minio::MinioProvider;
use s3aas_fakes::repo;
use s3aas_fakes::rustfs::RustfsServer;
use s3aas_madmin::Algorithm;
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;

const OPS: [&str; 5] = [
    "add-user",
    "list-users",
    "add-service-account",
    "delete-service-account",
    "remove-user",
];

fn rand_hex(n: usize) -> String {
    use rand::Rng;
    let mut r = rand::thread_rng();
    (0..n)
        .map(|_| format!("{:x}", r.gen_range(0..16u8)))
        .collect()
}

async fn timed<F, Fut>(n: usize, conc: usize, f: F) -> f64
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let start = Instant::now();
    futures::stream::iter(0..n)
        .map(f)
        .buffer_unordered(conc)
        .collect::<Vec<_>>()
        .await;
    n as f64 / start.elapsed().as_secs_f64()
}

async fn s3aas_side(
    p: &MinioProvider,
    n: usize,
    conc: usize,
    prefix: &str,
) -> BTreeMap<&'static str, f64> {
    use http::Method;
    let users: Vec<String> = (0..n).map(|i| format!("{prefix}-u{i:05}")).collect();
    let sas: Vec<String> = (0..n)
        .map(|i| format!("{}{i:05}", prefix.replace('-', "").to_uppercase()))
        .collect();
    let mut out = BTreeMap::new();
    let ok = |r: s3aas::Result<s3aas::http::Response>| {
        let r = r.expect("admin call");
        assert!(r.is_success(), "HTTP {}: {}", r.status, r.body_snippet(200));
        r
    };
    out.insert(
        "add-user",
        timed(n, conc, |i| {
            let body = serde_json::json!({"status": "enabled", "secretKey": rand_hex(40)});
            let q = [("accessKey", users[i].as_str())];
            async move {
                ok(p.admin_raw(
                    Method::PUT,
                    "add-user",
                    &q,
                    Some(body.to_string().into_bytes()),
                )
                .await);
            }
        })
        .await,
    );
    out.insert(
        "list-users",
        timed(n, conc, |_| async {
            let r = ok(p.admin_raw(Method::GET, "list-users", &[], None).await);
            serde_json::from_slice::<serde_json::Value>(&r.body).expect("decrypted JSON");
        })
        .await,
    );
    out.insert(
        "add-service-account",
        timed(n, conc, |i| {
            let body = serde_json::json!({"status": "enabled", "accessKey": sas[i], "secretKey": rand_hex(40)});
            async move {
                ok(p.admin_raw(
                    Method::PUT,
                    "add-service-account",
                    &[],
                    Some(body.to_string().into_bytes()),
                )
                .await);
            }
        })
        .await,
    );
    out.insert(
        "delete-service-account",
        timed(n, conc, |i| {
            let q = [("accessKey", sas[i].as_str())];
            async move {
                ok(
                    p.admin_raw(Method::DELETE, "delete-service-account", &q, None)
                        .await,
                );
            }
        })
        .await,
    );
    out.insert(
        "remove-user",
        timed(n, conc, |i| {
            let q = [("accessKey", users[i].as_str())];
            async move {
                ok(p.admin_raw(Method::DELETE, "remove-user", &q, None).await);
            }
        })
        .await,
    );
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let conc: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let Some(server) = RustfsServer::start_or_skip("the MinioAdmin comparison") else {
        std::process::exit(2);
    };
    let install = repo::script(env!("CARGO_MANIFEST_DIR"), "install-python-minio.sh");
    let py = s3aas_fakes::python::installed("S3AAS_MINIO_PYTHON", &install)
        .map(|p| p.to_string_lossy().into_owned());
    let Some(py) = py else {
        eprintln!("the MinIO Python SDK is not installed: run scripts/install-python-minio.sh");
        std::process::exit(2);
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mk = |alg| {
        MinioProvider::builder(
            &server.endpoint,
            &server.access_key,
            SecretString::from(server.secret_key.clone()),
        )
        .payload_algorithm(alg)
        .build()
        .unwrap()
    };
    let id2 = rt.block_on(s3aas_side(&mk(Algorithm::Pbkdf2AesGcm), n, conc, "cmp-a"));
    let id0 = rt.block_on(s3aas_side(&mk(Algorithm::Argon2idAesGcm), n, conc, "cmp-b"));
    let hostport = server.endpoint.trim_start_matches("http://").to_string();
    let out = Command::new(&py)
        .arg(repo::script(
            env!("CARGO_MANIFEST_DIR"),
            "compare_minioadmin.py",
        ))
        .args([
            hostport.as_str(),
            server.access_key.as_str(),
            server.secret_key.as_str(),
            &n.to_string(),
            &conc.to_string(),
            "cmp-p",
        ])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "MinioAdmin run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peer: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&out.stdout).expect("peer JSON");
    println!(
        "RustFS {} on 127.0.0.1, N = {n}, concurrency = {conc}, {} cores",
        s3aas_fakes::rustfs::RUSTFS_VERSION,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!(
        "| operation | s3aas (id 2, default) ops/s | s3aas (id 0, Argon2id) ops/s | MinioAdmin (Python, id 0) ops/s | ratio default / Python |"
    );
    println!("| --- | --- | --- | --- | --- |");
    for op in OPS {
        match peer.get(op) {
            Some(serde_json::Value::Number(n)) => {
                let p = n.as_f64().unwrap_or(f64::NAN);
                println!(
                    "| {op} | {:.0} | {:.0} | {:.0} | {:.1}x |",
                    id2[op],
                    id0[op],
                    p,
                    id2[op] / p
                );
            }
            other => println!(
                "| {op} | {:.0} | {:.0} | fails: {} | n/a |",
                id2[op],
                id0[op],
                other.and_then(|v| v.as_str()).unwrap_or("no result")
            ),
        }
    }
}
