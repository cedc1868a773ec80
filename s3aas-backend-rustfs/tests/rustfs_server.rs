//! Against real RustFS servers started on loopback: the shared conformance suite and proofs
//! that what the SDK configures is what the server enforces, first on a server with an SSE-S3
//! master key, then the suite again on a *stock* server (no master key, no KMS), where
//! encryption must be refused before anything is created. Skipped, with one line saying so,
//! when no RustFS binary is installed (see scripts/install-rustfs.sh).

use s3aas_backend_rustfs::RustfsProvider;
use s3aas_core::ErrorKind;
use s3aas_core::prelude::*;
use s3aas_fakes::rustfs::{RustfsServer, StartOptions};
use s3aas_http::S3Client;
use s3aas_testkit::{S3Seeder, Suite, run};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A provider for a test server.
fn provider(server: &RustfsServer) -> Arc<RustfsProvider> {
    let _ = SERVER.set((
        server.endpoint.clone(),
        server.access_key.clone(),
        server.secret_key.clone(),
    ));
    Arc::new(
        RustfsProvider::builder(
            &server.endpoint,
            &server.access_key,
            SecretString::from(server.secret_key.clone()),
        )
        .build()
        .expect("provider"),
    )
}

/// The first server (with an SSE-S3 master key), for [`fresh`].
static SERVER: std::sync::OnceLock<(String, String, String)> = std::sync::OnceLock::new();

/// A brand-new provider for the first test server (nothing cached, like a restarted process).
fn fresh() -> Arc<RustfsProvider> {
    let (e, a, s) = SERVER.get().expect("server started");
    Arc::new(
        RustfsProvider::builder(e, a, SecretString::from(s.clone()))
            .build()
            .expect("provider"),
    )
}

fn main() {
    // Parsed before any server starts: a bad argument exits the process, which would skip the
    // servers' clean-up.
    let args = libtest_mimic::Arguments::from_args();
    let Some(server) =
        RustfsServer::start_or_skip("conformance suite and proofs for the RustFS backend")
    else {
        return;
    };
    // A second server: the destination of the replication cases and proofs.
    let dest = RustfsServer::start_or_skip(
        "the replication destination of the suite and the two-server proof",
    )
    .expect("the binary was found for the first server");
    let _ = DESTINATION.set((
        dest.endpoint.clone(),
        dest.access_key.clone(),
        dest.secret_key.clone(),
    ));
    let suite_dest = "s3t-replica";
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async {
            let d = destination_provider()?;
            destination_bucket(&d, suite_dest).await
        })
        .expect("destination bucket of the suite");
    let p = provider(&server);
    let report = run(Suite::new(p.clone())
        .seeder(Arc::new(S3Seeder(p.admin_s3().clone())))
        .replication_destination(destination(suite_dest).expect("destination"))
        .label("rustfs")
        .args(args.clone()));
    let (proofs_passed, proofs_total) = run_proofs(&server, "rustfs", proofs(), &args);
    let leftovers = leftover_check(&server, "rustfs");
    println!("rustfs log: {}", server.log.display());
    drop(server);

    // The same suite on a stock server: capabilities follow the SSE-S3 probe, so encryption
    // cases are skipped and `capability::refusals` checks that encryption is refused.
    let stock = RustfsServer::start_or_skip_with(
        "conformance suite and SSE-S3 refusals on a stock RustFS (no master key, no KMS)",
        &StartOptions::stock(),
    )
    .expect("the binary was found for the first server");
    let sp = provider(&stock);
    let caps = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(sp.probe_capabilities())
        .expect("probe a stock server");
    println!(
        "rustfs-stock: probed capabilities: instance_encryption={:?} bucket_encryption={:?}",
        caps.instance_encryption, caps.bucket_encryption
    );
    let stock_caps_ok =
        caps.bucket_encryption == Support::No && caps.instance_encryption == Support::No;
    let stock_report = run(Suite::new(sp.clone())
        .seeder(Arc::new(S3Seeder(sp.admin_s3().clone())))
        .replication_destination(destination(suite_dest).expect("destination"))
        .label("rustfs-stock")
        .args(args.clone()));
    let (stock_passed, stock_total) = run_proofs(&stock, "rustfs-stock", stock_proofs(), &args);
    let stock_leftovers = leftover_check(&stock, "rustfs-stock");
    println!("rustfs-stock log: {}", stock.log.display());
    drop(stock);
    println!("rustfs replication destination log: {}", dest.log.display());
    drop(dest);

    println!("{}", report.summary("real-server rustfs"));
    println!("real-server rustfs: proofs passed={proofs_passed}/{proofs_total}");
    println!("{}", stock_report.summary("real-server rustfs-stock"));
    println!(
        "real-server rustfs-stock: proofs passed={stock_passed}/{stock_total} encryption capabilities {}",
        if stock_caps_ok {
            "off as probed"
        } else {
            "WRONGLY on"
        }
    );
    let ok = report.passed()
        && proofs_passed == proofs_total
        && leftovers
        && stock_report.passed()
        && stock_passed == stock_total
        && stock_caps_ok
        && stock_leftovers;
    std::process::exit(if ok { 0 } else { 101 });
}

type ProofFn =
    fn(
        Arc<RustfsProvider>,
        String,
    ) -> std::pin::Pin<Box<dyn Future<Output = std::result::Result<(), String>> + Send>>;

/// The proofs on the server with an SSE-S3 master key.
fn proofs() -> Vec<(&'static str, ProofFn)> {
    vec![
        ("key_works_only_where_its_policy_allows", |p, n| {
            Box::pin(key_scoped_by_policy(p, n))
        }),
        ("disabled_key_or_user_is_refused", |p, n| {
            Box::pin(disabled_key_and_user(p, n))
        }),
        ("rotation_new_key_works_old_one_stops", |p, n| {
            Box::pin(rotation(p, n))
        }),
        ("versioning_keeps_two_versions", |p, n| {
            Box::pin(versioning_keeps_versions(p, n))
        }),
        ("default_encryption_applies_to_plain_puts", |p, n| {
            Box::pin(default_encryption(p, n))
        }),
        ("object_lock_refuses_deleting_locked_versions", |p, n| {
            Box::pin(object_lock(p, n))
        }),
        ("instances_rediscovered_by_a_new_process", |p, n| {
            Box::pin(rediscovery(p, n))
        }),
        ("hard_quota_enforced_after_warm_up", |p, n| {
            Box::pin(quota(p, n))
        }),
        ("provision_tenant_key_works_on_its_bucket", |p, n| {
            Box::pin(provisioned_tenant(p, n))
        }),
        ("concurrent_user_creates_and_deletes_converge", |p, n| {
            Box::pin(concurrent_users(p, n))
        }),
        ("instance_with_concurrently_made_users_deletes", |p, n| {
            Box::pin(concurrent_creates_then_instance_delete(p, n))
        }),
        ("instance_broken_by_lost_group_updates_deletes", |p, n| {
            Box::pin(broken_group_instance_deletes(p, n))
        }),
        ("detaching_a_policy_revokes_access", |p, n| {
            Box::pin(detach_revokes(p, n))
        }),
        ("changed_policy_document_takes_effect", |p, n| {
            Box::pin(policy_change_takes_effect(p, n))
        }),
        ("deleting_a_user_revokes_all_its_keys", |p, n| {
            Box::pin(user_delete_revokes_keys(p, n))
        }),
        ("two_users_refused_on_each_others_buckets", |p, n| {
            Box::pin(two_users_two_policies(p, n))
        }),
        ("anonymous_get_public_read_vs_private", |p, n| {
            Box::pin(anonymous_access(p, n))
        }),
        (
            "quota_and_public_access_changes_keep_objects_readable",
            |p, n| Box::pin(changes_keep_objects_readable(p, n)),
        ),
        ("desired_state_drift_is_reported_and_repaired", |p, n| {
            Box::pin(desired_state_drift_repaired(p, n))
        }),
        ("replication_between_two_servers", |p, n| {
            Box::pin(replication_between_two_servers(p, n))
        }),
        ("default_retention_locks_tenant_writes", |p, n| {
            Box::pin(default_retention_enforced(p, n))
        }),
        ("lifecycle_and_cors_round_trip", |p, n| {
            Box::pin(lifecycle_and_cors_round_trip(p, n))
        }),
        ("new_bucket_keeps_server_durability", |p, n| {
            Box::pin(durability_server_default(p, n))
        }),
        ("listing_1200_users_and_buckets_pages_completely", |p, _| {
            Box::pin(listing_pages_completely(p))
        }),
    ]
}

/// The proofs on the stock server.
fn stock_proofs() -> Vec<(&'static str, ProofFn)> {
    vec![
        ("encryption_refused_before_anything_is_created", |p, n| {
            Box::pin(stock_refuses_encryption(p, n))
        }),
        ("plain_instances_work_without_a_master_key", |p, n| {
            Box::pin(stock_plain_instance(p, n))
        }),
    ]
}

/// Runs proofs against a server; returns (passed, selected).
fn run_proofs(
    server: &RustfsServer,
    label: &str,
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
            let p = provider(server);
            let rt = rt.clone();
            let inst = format!("s3p-{}-{i}", std::process::id() % 100_000);
            libtest_mimic::Trial::test(format!("{label}::proof::{name}"), move || {
                rt.block_on(f(p, inst)).map_err(Into::into)
            })
        })
        .collect();
    let c = libtest_mimic::run(args, trials);
    (c.num_passed, c.num_passed + c.num_failed)
}

/// Names the listing proof may use (see [`listing_names`]) besides the `s3t-`/`s3p-` prefixes.
fn ours(k: &str) -> bool {
    k.starts_with("s3t-") || k.starts_with("s3p-") || k.starts_with("acme")
}

fn leftover_check(server: &RustfsServer, label: &str) -> bool {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let p = provider(server);
    rt.block_on(async {
        let users = p.admin_raw(http::Method::GET, "list-users", &[], None).await.unwrap();
        let users: serde_json::Value = serde_json::from_slice(&users.body).unwrap_or_default();
        let policies = p.admin_raw(http::Method::GET, "list-canned-policies", &[], None).await.unwrap();
        let policies: serde_json::Value = serde_json::from_slice(&policies.body).unwrap_or_default();
        let groups = p.admin_raw(http::Method::GET, "groups", &[], None).await.unwrap();
        let groups: serde_json::Value = serde_json::from_slice(&groups.body).unwrap_or_default();
        let buckets = p.admin_s3().list_buckets().await.unwrap();
        let lu: Vec<&String> = users.as_object().map(|m| m.keys().filter(|k| ours(k)).collect()).unwrap_or_default();
        let lp: Vec<&String> = policies.as_object().map(|m| m.keys().filter(|k| ours(k)).collect()).unwrap_or_default();
        let lg: Vec<&str> = groups.as_array().map(|a| a.iter().filter_map(|g| g.as_str()).filter(|g| g.strip_prefix("s3aas-").is_some_and(ours)).collect()).unwrap_or_default();
        let lb: Vec<&String> = buckets.iter().filter(|b| ours(b)).collect();
        let inst = p.list_instances(ListOptions::new()).await.unwrap();
        let li: Vec<&str> = inst.items.iter().map(|i| i.name.as_str()).filter(|n| ours(n)).collect();
        if lu.is_empty() && lp.is_empty() && lg.is_empty() && lb.is_empty() && li.is_empty() {
            println!("{label}: no users, policies, groups, buckets or instances left behind");
            true
        } else {
            println!("{label}: FAILED leftover check: users {lu:?}, policies {lp:?}, groups {lg:?}, buckets {lb:?}, instances {li:?}");
            false
        }
    })
}

#[path = "rustfs_server/access.rs"]
mod access;
#[path = "rustfs_server/concurrency.rs"]
mod concurrency;
#[path = "rustfs_server/enforcement.rs"]
mod enforcement;
#[path = "rustfs_server/features.rs"]
mod features;
#[path = "rustfs_server/listing.rs"]
mod listing;
#[path = "rustfs_server/state.rs"]
mod state;
#[path = "rustfs_server/stock.rs"]
mod stock;
#[path = "rustfs_server/support.rs"]
mod support;

use access::*;
use concurrency::*;
use enforcement::*;
use features::*;
use listing::*;
use state::*;
use stock::*;
use support::*;
