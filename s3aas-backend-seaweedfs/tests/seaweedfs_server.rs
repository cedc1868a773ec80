//! Against a real SeaweedFS (`weed mini` on loopback, started with scripts/seaweedfs-server.sh):
//! the shared conformance suite, proofs through S3 with the issued keys that what the SDK
//! configures is what the gateway enforces, a cross-check of the SDK's view with boto3's IAM
//! client, and a check that nothing is left behind. Skipped, with one line saying so, when the
//! `weed` binary is not installed (scripts/install-seaweedfs.sh); CI installs it, and there a
//! skip is a failure (`S3AAS_REQUIRE_SEAWEEDFS=1`).

use s3aas_backend_seaweedfs::SeaweedfsProvider;
use s3aas_core::ErrorKind;
use s3aas_core::prelude::*;
use s3aas_http::S3Client;
use s3aas_testkit::{S3Seeder, Suite, run};
use std::future::Future;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

#[path = "seaweedfs_server/features.rs"]
mod features;
#[path = "seaweedfs_server/proofs.rs"]
mod proofs;
#[path = "seaweedfs_server/server.rs"]
mod server;
#[path = "seaweedfs_server/support.rs"]
mod support;

use proofs::*;
use server::*;
use support::*;

fn main() {
    // Parsed before the server starts: a bad argument exits the process, which would skip the
    // server's clean-up.
    let args = libtest_mimic::Arguments::from_args();
    let Some(server) =
        Weed::start_or_skip("conformance suite and proofs for the SeaweedFS backend")
    else {
        return;
    };
    let _ = SERVER.set(server.conn.clone());
    let p = provider(&server.conn);
    let report = run(Suite::new(p.clone())
        .seeder(Arc::new(S3Seeder(p.admin_s3().clone())))
        .label("seaweedfs")
        .args(args.clone()));
    let (proofs_passed, proofs_total) = run_proofs(&server, all_proofs(), &args);
    let leftovers = leftover_check(&server);
    println!("seaweedfs log: {}", server.log().display());
    drop(server);

    println!("{}", report.summary("real-server seaweedfs"));
    println!("real-server seaweedfs: proofs passed={proofs_passed}/{proofs_total}");
    let ok = report.passed() && proofs_passed == proofs_total && leftovers;
    std::process::exit(if ok { 0 } else { 101 });
}

/// A provider for the test server.
fn provider(server: &Conn) -> Arc<SeaweedfsProvider> {
    Arc::new(
        SeaweedfsProvider::builder(
            &server.endpoint,
            &server.access_key,
            SecretString::from(server.secret_key.clone()),
        )
        .build()
        .expect("provider"),
    )
}

type ProofFn =
    fn(Arc<SeaweedfsProvider>, String) -> std::pin::Pin<Box<dyn Future<Output = R> + Send>>;

/// Runs proofs; returns (passed, selected).
fn run_proofs(
    server: &Weed,
    proofs: Vec<(&'static str, ProofFn)>,
    args: &libtest_mimic::Arguments,
) -> (u64, u64) {
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    );
    let trials = proofs
        .into_iter()
        .enumerate()
        .map(|(i, (name, f))| {
            let p = provider(&server.conn);
            let rt = rt.clone();
            let inst = format!("s3p-{}-{i}", std::process::id() % 100_000);
            libtest_mimic::Trial::test(format!("seaweedfs::proof::{name}"), move || {
                rt.block_on(f(p, inst)).map_err(Into::into)
            })
        })
        .collect();
    let c = libtest_mimic::run(args, trials);
    (c.num_passed, c.num_passed + c.num_failed)
}

/// Whether a name is one the suite or the proofs made.
fn ours(k: &str) -> bool {
    k.starts_with("s3t-") || k.starts_with("s3p-") || k.starts_with("s3aas--s3")
}

/// Nothing the tests made is left: no IAM user or policy and no bucket with a test prefix.
fn leftover_check(server: &Weed) -> bool {
    let p = provider(&server.conn);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let buckets = p.admin_s3().list_buckets().await.unwrap();
        let lb: Vec<&String> = buckets.iter().filter(|b| ours(b)).collect();
        let inst = p.list_instances(ListOptions::new()).await.unwrap();
        let li: Vec<&str> = inst
            .items
            .iter()
            .map(|i| i.name.as_str())
            .filter(|n| ours(n))
            .collect();
        let iam = boto3_iam_names(&server.conn);
        let lu: Vec<&String> = iam.0.iter().filter(|u| ours(u)).collect();
        let lp: Vec<&String> = iam.1.iter().filter(|u| ours(u)).collect();
        if lb.is_empty() && li.is_empty() && lu.is_empty() && lp.is_empty() {
            println!("seaweedfs: no users, policies, buckets or instances left behind");
            true
        } else {
            println!(
                "seaweedfs: FAILED leftover check: users {lu:?}, policies {lp:?}, buckets {lb:?}, instances {li:?}"
            );
            false
        }
    })
}
