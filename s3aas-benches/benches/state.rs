//! Desired state at scale: `plan` and `apply` for many tenants (one bucket, one user, one
//! policy, one key each), then `plan` again when nothing differs, on the in-memory provider and
//! on a real RustFS. Prints calls and time per tenant (not a criterion loop: one pass over a
//! thousand tenants is the measurement).
//!
//! ```text
//! cargo bench -p s3aas-benches --bench state                      # 1,000 tenants each
//! S3AAS_STATE_TENANTS=200 cargo bench -p s3aas-benches --bench state
//! ```
//! The RustFS part needs the binary (scripts/install-rustfs.sh) and says so when it is absent.

use s3aas::prelude::*;
use s3aas::rustfs::RustfsProvider;
use s3aas::state::{self, ApplyOptions, Spec};
use s3aas::{Client, MemoryProvider};
use s3aas_fakes::rustfs::RustfsServer;
use std::sync::Arc;
use std::time::Instant;

fn spec(n: usize, prefix: &str) -> Spec {
    let tenants: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let inst = format!("{prefix}{i}");
            let b = format!("{inst}-data");
            serde_json::json!({
                "instance": inst,
                "buckets": [{"name": b, "versioning": true}],
                "policies": [{"name": "rw", "document": PolicyDocument::bucket_read_write(&b).as_value()}],
                "users": [{"name": "app", "policies": ["rw"], "keys": [{"name": "deploy"}]}]
            })
        })
        .collect();
    Spec::from_json(&serde_json::json!({ "tenants": tenants }).to_string()).expect("spec")
}

async fn measure(label: &str, c: &Client, spec: &Spec) {
    let n = spec.tenants.len() as f64;
    let t = Instant::now();
    let plan = state::plan(c, spec).await.expect("plan");
    let plan_new = t.elapsed();
    let changes = plan.executable().count();
    let t = Instant::now();
    let report = state::apply(c, &plan, ApplyOptions::default().concurrency(8)).await;
    let apply = t.elapsed();
    assert!(report.is_complete(), "{report}");
    let t = Instant::now();
    let again = state::plan(c, spec).await.expect("plan again");
    let plan_same = t.elapsed();
    assert!(again.is_empty(), "{again}");
    println!(
        "{label}: {n} tenants | plan (new): {} reads, {:.1} ms total, {:.3} ms/tenant | apply: {changes} changes ({:.1}/tenant), {:.1} s total, {:.2} ms/tenant | plan (nothing differs): {} reads ({:.1}/tenant), {:.1} ms total, {:.3} ms/tenant",
        plan.reads(),
        plan_new.as_secs_f64() * 1e3,
        plan_new.as_secs_f64() * 1e3 / n,
        changes as f64 / n,
        apply.as_secs_f64(),
        apply.as_secs_f64() * 1e3 / n,
        again.reads(),
        again.reads() as f64 / n,
        plan_same.as_secs_f64() * 1e3,
        plan_same.as_secs_f64() * 1e3 / n,
    );
    // Where a no-change plan's time goes: each of one tenant's reads, timed alone.
    let inst = &spec.tenants[0].instance;
    let b = &spec.tenants[0].buckets[0].name;
    let mut parts = Vec::new();
    macro_rules! time {
        ($name:expr, $call:expr) => {{
            let t = Instant::now();
            $call.await.expect($name);
            parts.push(format!(
                "{} {:.1} ms",
                $name,
                t.elapsed().as_secs_f64() * 1e3
            ));
        }};
    }
    time!("get_instance", c.get_instance(inst));
    time!("list_buckets", c.list_buckets(inst, ListOptions::new()));
    time!("get_bucket", c.get_bucket(inst, b));
    time!(
        "get_bucket_parts (what the planner asks: versioning, tags)",
        c.get_bucket_parts(inst, b, BucketParts::none().versioning().tags())
    );
    time!("list_users", c.list_users(inst, ListOptions::new()));
    time!("list_policies", c.list_policies(inst, ListOptions::new()));
    time!(
        "list_attached_policies",
        c.list_attached_policies(inst, "app")
    );
    time!("list_access_keys", c.list_access_keys(inst, "app"));
    println!(
        "{label}: one tenant's reads with {n} tenants on the server: {}",
        parts.join(", ")
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let n: usize = std::env::var("S3AAS_STATE_TENANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = Client::new(Arc::new(MemoryProvider::new()));
        measure("memory", &c, &spec(n, "st")).await;
    });
    let Some(server) = RustfsServer::start_or_skip("the desired-state benchmark on RustFS") else {
        return;
    };
    rt.block_on(async {
        let p = RustfsProvider::builder(
            &server.endpoint,
            &server.access_key,
            SecretString::from(server.secret_key.clone()),
        )
        .build()
        .unwrap();
        let c = Client::new(Arc::new(p));
        measure("rustfs", &c, &spec(n, "st")).await;
    });
}
