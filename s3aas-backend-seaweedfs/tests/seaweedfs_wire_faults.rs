//! Bulk provisioning against a real SeaweedFS through a fault-injecting proxy, then a direct
//! audit of the server.
//!
//! 60 tenants are provisioned with `provision_tenant`, 4 at a time, through [`FaultProxy`]
//! (connection resets before and after the server answered, answers delayed past the client's
//! timeout, answers cut short, requests swallowed; drawn by a seeded RNG, `S3AAS_FAULT_SEED`
//! to change it, `S3AAS_FAULT_SCALE` to scale every rate). The client runs with a short timeout
//! and few retries. Afterwards the server is read directly (admin identity, not through the
//! proxy):
//! - every tenant reported `Ok` exists completely (marker user, its bucket tagged as its own,
//!   the owner tagged as its own with exactly the policy attached and exactly one key, the one
//!   returned) and its key writes its bucket;
//! - every tenant reported `Err` left nothing behind, or was reported `Partial`;
//! - no IAM user, policy or bucket exists outside the tenants' names.
//!
//! Skipped, with one line saying so, when `weed` is not installed (a failure with
//! `S3AAS_REQUIRE_SEAWEEDFS=1`).

use s3aas_backend_seaweedfs::SeaweedfsProvider;
use s3aas_core::prelude::*;
use s3aas_core::{Error, ErrorKind, Tenant, TenantSpec, provision_tenant};
use s3aas_fakes::fault_proxy::{FaultConfig, FaultProxy};
use s3aas_http::{HttpConfig, RetryConfig};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "seaweedfs_server/server.rs"]
#[allow(dead_code)]
mod server;
use server::*;

const TENANTS: usize = 60;
const CONCURRENCY: usize = 4;
/// The client's per-attempt timeout: short, so delayed answers and blackholes cost little.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);

fn main() {
    let Some(server) = Weed::start_or_skip(
        "bulk provisioning through a fault-injecting proxy, then a direct audit",
    ) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let ok = rt.block_on(run(&server.conn));
    println!("seaweedfs log: {}", server.log().display());
    drop(rt);
    drop(server);
    std::process::exit(if ok { 0 } else { 101 });
}

fn provider(c: &Conn, endpoint: &str, http: HttpConfig) -> SeaweedfsProvider {
    SeaweedfsProvider::builder(
        endpoint,
        &c.access_key,
        SecretString::from(c.secret_key.clone()),
    )
    .http(http)
    .build()
    .expect("provider")
}

fn env_or<T: std::str::FromStr>(k: &str, d: T) -> T {
    std::env::var(k)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(d)
}

async fn run(c: &Conn) -> bool {
    let seed: u64 = env_or("S3AAS_FAULT_SEED", 13);
    let scale: f64 = env_or("S3AAS_FAULT_SCALE", 1.0);
    let upstream: SocketAddr = c
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    // About 30 requests make a tenant, so most tenants meet a fault; retries absorb those on
    // idempotent calls, the rest fail the tenant.
    let cfg = FaultConfig::new(seed)
        .reset(0.02 * scale)
        .delay(0.006 * scale, CLIENT_TIMEOUT + Duration::from_secs(1))
        .truncate(0.015 * scale)
        .blackhole(0.002 * scale, Duration::from_millis(1500));
    let proxy = FaultProxy::start(upstream, cfg).await.expect("fault proxy");
    let d = provider(c, &c.endpoint, HttpConfig::default());
    let via = Arc::new(provider(
        c,
        &proxy.endpoint(),
        HttpConfig::new()
            .connect_timeout(Duration::from_secs(1))
            .request_timeout(CLIENT_TIMEOUT)
            .retry(
                RetryConfig::default()
                    .max_attempts(3)
                    .initial_backoff(Duration::from_millis(20))
                    .max_backoff(Duration::from_millis(250)),
            ),
    ));
    let client = Arc::new(s3aas_core::Client::new(via));
    let prefix = format!("s3w-{}-", std::process::id() % 100_000);
    println!(
        "seaweedfs-wire-faults: seed={seed}, fault scale {scale}, {TENANTS} tenants, concurrency {CONCURRENCY}, client timeout {CLIENT_TIMEOUT:?}"
    );
    let started = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let tasks: Vec<_> = (0..TENANTS)
        .map(|i| {
            let (client, sem) = (client.clone(), sem.clone());
            let inst = format!("{prefix}{i}");
            tokio::spawn(async move {
                let _permit = sem.acquire_owned().await.expect("semaphore");
                let spec = TenantSpec::new(&inst, format!("{inst}-data"), "owner");
                let r = provision_tenant(client.as_ref(), &spec).await;
                (inst, r)
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("provisioning task"));
    }
    let took = started.elapsed();
    let stats = proxy.stats();
    drop(proxy);

    let mut problems = Vec::new();
    let mut failed_by: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut partial = 0;
    for (inst, r) in &results {
        let left = match leftovers(&d, inst).await {
            Ok(l) => l,
            Err(e) => {
                problems.push(format!("reading tenant {inst}: {e}"));
                continue;
            }
        };
        match r {
            Ok(t) => {
                if let Err(e) = audit_ok(c, &d, inst, t).await {
                    problems.push(format!("tenant {inst} reported Ok but {e}"));
                }
            }
            Err(e) => {
                let slot = failed_by
                    .entry(format!("{}/{}", step_of(e), e.kind()))
                    .or_insert_with(|| (0, format!("{inst}: {e}")));
                slot.0 += 1;
                if e.kind() == ErrorKind::Partial {
                    partial += 1;
                } else if !left.is_empty() {
                    problems.push(format!(
                        "LEFTOVER tenant {inst} failed ({e}) and left {left:?} without saying so"
                    ));
                }
            }
        }
    }
    // Clean up directly, then nothing with the prefix may remain anywhere.
    for (inst, _) in &results {
        if let Err(e) = d
            .delete_instance(inst, DeleteInstance::new().force(true))
            .await
        {
            problems.push(format!("cleaning up {inst}: {e}"));
        }
    }
    let (users, policies) = boto3_iam_names(c);
    let buckets = d.admin_s3().list_buckets().await.unwrap_or_default();
    let stray: Vec<String> = users
        .iter()
        .chain(&policies)
        .chain(&buckets)
        .filter(|n| n.contains(&prefix))
        .cloned()
        .collect();
    if !stray.is_empty() {
        problems.push(format!("left after cleaning up: {stray:?}"));
    }
    let ok_count = results.iter().filter(|(_, r)| r.is_ok()).count();
    println!(
        "seaweedfs-wire-faults: provisioning took {took:?}; proxy saw {} requests on {} connections ({} resets after the server answered, {} requests swallowed)",
        stats.requests, stats.connections, stats.resets_after_answer, stats.blackholed_requests
    );
    println!(
        "seaweedfs-wire-faults: failed tenants that said what they left (Partial): {partial}; by step/kind:"
    );
    for (k, (n, first)) in &failed_by {
        println!("seaweedfs-wire-faults:   {k}: {n}, e.g. {first}");
    }
    for p in &problems {
        println!("seaweedfs-wire-faults: {p}");
    }
    println!(
        "real-server seaweedfs-wire-faults: tenants attempted={} ok={ok_count} failed={} problems={} faults injected={} (resets={} delays={} truncations={} blackholes={})",
        results.len(),
        results.len() - ok_count,
        problems.len(),
        stats.injected(),
        stats.resets,
        stats.delays,
        stats.truncations,
        stats.blackholes
    );
    if stats.injected() == 0 && scale != 0.0 {
        println!("seaweedfs-wire-faults: FAILED: no fault was injected, so nothing was proved");
        return false;
    }
    problems.is_empty()
}

fn step_of(e: &Error) -> &str {
    e.message()
        .split_once("failed at step '")
        .and_then(|(_, r)| r.split_once('\''))
        .map_or("?", |(s, _)| s)
}

/// What of tenant `inst` exists on the server, read directly.
async fn leftovers(d: &SeaweedfsProvider, inst: &str) -> Result<Vec<String>, String> {
    let mut left = Vec::new();
    if d.get_instance(inst).await.is_ok() {
        left.push("instance marker".to_string());
    }
    let bucket = format!("{inst}-data");
    if d.admin_s3()
        .bucket_exists(&bucket)
        .await
        .map_err(|e| e.to_string())?
    {
        left.push(format!("bucket {bucket}"));
    }
    Ok(left)
}

/// A tenant reported `Ok`: everything is there, exactly once, and its key writes its bucket.
async fn audit_ok(c: &Conn, d: &SeaweedfsProvider, inst: &str, t: &Tenant) -> Result<(), String> {
    let bucket = format!("{inst}-data");
    d.get_instance(inst)
        .await
        .map_err(|e| format!("instance: {e}"))?;
    d.get_bucket(inst, &bucket)
        .await
        .map_err(|e| format!("bucket: {e}"))?;
    let v = boto3(c, "user", &[&format!("{inst}--owner")]);
    if v["tags"]["s3aas:instance"] != inst {
        return Err(format!("owner not tagged as the instance's: {}", v["tags"]));
    }
    let keys = v["keys"].as_object().cloned().unwrap_or_default();
    if keys.len() != 1 || !keys.contains_key(&t.access_key.key.access_key_id) {
        return Err(format!(
            "owner keys {keys:?}, returned {}",
            t.access_key.key.access_key_id
        ));
    }
    let policy = t.policy.as_ref().map(|p| format!("{inst}--{}", p.name));
    if v["attached"] != serde_json::json!(policy.into_iter().collect::<Vec<_>>()) {
        return Err(format!("attached {}", v["attached"]));
    }
    let s3 = d.s3_client_for(
        &t.access_key.key.access_key_id,
        t.access_key.secret_access_key.clone(),
    );
    let started = Instant::now();
    loop {
        match s3.put_object(&bucket, "probe", "x".into(), &[]).await {
            Ok(_) => return Ok(()),
            Err(e) if started.elapsed() > Duration::from_secs(10) => {
                return Err(format!("its key cannot write its bucket: {e}"));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}
