//! Peak memory of provisioning a large estate: T tenants (instance, versioned bucket, user,
//! policy attached, key) through `provision_tenant` on one fresh local RustFS 1.0.1, C at a
//! time, keeping nothing of each tenant but whether it succeeded. The process's resident set
//! (`VmRSS`) and its peak (`VmHWM`, from `/proc/self/status`) are printed at every tenth of the
//! run, so it shows whether memory grows with the number of tenants. With `delete` the tenants
//! are deleted again (slow on a large estate: every forced delete lists the server's policies,
//! which RustFS reads one by one); without it the server and its data directory simply go.
//!
//! ```sh
//! cargo run --release --example estate_memory -- 10000 32          # tenants, concurrency
//! cargo run --release --example estate_memory -- 1000 32 delete   # and delete them again
//! ```

use futures::StreamExt;
use s3aas::SecretString;
use s3aas::prelude::*;
use s3aas::rustfs::RustfsProvider;
use s3aas::{TenantSpec, provision_tenant};
use s3aas_fakes::rustfs::RustfsServer;
use std::time::Instant;

/// `VmRSS` and `VmHWM` of this process, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let conc: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(32);
    let delete = args.get(3).is_some_and(|a| a == "delete");
    let Some(server) = RustfsServer::start_or_skip("the estate memory run") else {
        std::process::exit(2);
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let p = RustfsProvider::builder(
        &server.endpoint,
        &server.access_key,
        SecretString::from(server.secret_key.clone()),
    )
    .build()
    .expect("provider");
    let (rss0, _) = memory();
    println!(
        "RustFS {} on 127.0.0.1; {count} tenants at concurrency {conc}; RSS before: {rss0:.1} MiB",
        s3aas_fakes::rustfs::RUSTFS_VERSION
    );
    println!();
    println!("| tenants done | tenants/s so far | RSS MiB | peak RSS MiB |");
    println!("|---|---|---|---|");
    let start = Instant::now();
    let failed = rt.block_on(async {
        let step = (count / 10).max(1);
        let mut done = 0usize;
        let mut failed = 0usize;
        let mut results = futures::stream::iter(0..count)
            .map(|i| {
                let p = &p;
                async move {
                    let n = format!("e{i:05}");
                    let spec = TenantSpec::new(&n, format!("{n}-data"), "owner")
                        .bucket(CreateBucket::new(format!("{n}-data")).versioning(true));
                    provision_tenant(p, &spec).await.map(drop)
                }
            })
            .buffer_unordered(conc);
        while let Some(r) = results.next().await {
            done += 1;
            if let Err(e) = r {
                failed += 1;
                eprintln!("tenant failed: {e}");
            }
            if done % step == 0 {
                let (rss, peak) = memory();
                println!(
                    "| {done} | {:.1} | {rss:.1} | {peak:.1} |",
                    done as f64 / start.elapsed().as_secs_f64()
                );
            }
        }
        failed
    });
    let took = start.elapsed();
    let (rss, peak) = memory();
    println!();
    println!(
        "{count} tenants ({failed} failed) in {:.0} s: {:.1} tenants/s; RSS {rss:.1} MiB, peak {peak:.1} MiB (before: {rss0:.1} MiB)",
        took.as_secs_f64(),
        count as f64 / took.as_secs_f64()
    );
    if !delete {
        // `exit` skips destructors: stop the server (by its pid) first.
        drop(server);
        std::process::exit(i32::from(failed > 0));
    }
    let start = Instant::now();
    let left = rt.block_on(async {
        futures::stream::iter(0..count)
            .map(|i| {
                let p = &p;
                async move {
                    p.delete_instance(&format!("e{i:05}"), DeleteInstance::new().force(true))
                        .await
                }
            })
            .buffer_unordered(conc)
            .filter(|r| std::future::ready(r.is_err()))
            .count()
            .await
    });
    println!(
        "deleted in {:.0} s ({left} failed)",
        start.elapsed().as_secs_f64()
    );
    drop(server);
    std::process::exit(i32::from(failed + left > 0));
}
