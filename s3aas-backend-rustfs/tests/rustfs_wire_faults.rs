//! Bulk provisioning against a real RustFS through a fault-injecting proxy (issue #13).
//!
//! 200 tenants are provisioned with `provision_tenant`, 8 at a time, through
//! [`FaultProxy`] (resets, answers delayed past the client timeout, truncated answers,
//! blackholes; drawn by a seeded RNG, `S3AAS_FAULT_SEED` to change it). The client runs with a
//! short timeout and few retries. Afterwards the server is checked directly (root credential,
//! not through the proxy):
//!
//! - every tenant reported `Ok` exists completely (registry record and bucket marker, instance
//!   group, bucket, owner, policy attached to the owner, exactly one access key: the one
//!   returned) and its key writes and reads its bucket;
//! - every tenant reported `Err` left nothing behind, or was reported `Partial` naming each thing
//!   that was left;
//! - no duplicate keys or users.
//!
//! Leftovers are listed precisely (tenant, failed step, what is left, the error, the faults its
//! requests met) and fail the test. Skipped, with one line saying so, when no RustFS binary is
//! installed (`S3AAS_REQUIRE_RUSTFS=1` turns the skip into a failure).
//!
//! Found with RustFS 1.0.1 (seed 13), before the SDK handled them: every run left a few tenants'
//! buckets behind, unreported. `PUT /<bucket>` is sent once (not idempotent for the SDK); when
//! its answer was lost (reset after the answer, truncated, or delayed past the timeout) the
//! bucket existed but `create_bucket` reported `Unavailable`/`Timeout` and removed nothing, and
//! `provision_tenant` did not count the bucket as made, so its rollback kept it. Less often the
//! same happened to the instance's registry record when all attempts of its first `PUT` lost
//! their answers. And RustFS itself: `list-canned-policies` (which deleting an instance calls)
//! racing with `add-canned-policy` hides just-added policies from `info-canned-policy` and from
//! policy attach (404 / 500 "policy does not exist") until a later listing, so some tenants
//! failed at 'policy' or 'attach' on a policy that exists. Now every create resolves a lost
//! answer by asking the server, and a policy just written is written again while it is hidden
//! (see the `s3aas_backend_rustfs` crate docs); this target checks that the audit holds.
//!
//! Knobs: `S3AAS_FAULT_SEED` (default 13), `S3AAS_FAULT_SCALE` (multiplies every fault rate;
//! 0 = a baseline through the proxy without faults), `S3AAS_FAULT_TRACE=1` (list every request
//! of a failed tenant, not only its faults) or `S3AAS_FAULT_TRACE=<file>` (also write the whole
//! trace there).

use s3aas_backend_rustfs::RustfsProvider;
use s3aas_core::prelude::*;
use s3aas_core::{Tenant, TenantSpec, provision_tenant};
use s3aas_fakes::fault_proxy::{FaultConfig, FaultProxy};
use s3aas_fakes::rustfs::RustfsServer;
use s3aas_http::{HttpConfig, RetryConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TENANTS: usize = 200;
const CONCURRENCY: usize = 8;
/// The client's per-attempt timeout: short, so delayed answers and blackholes cost little.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);
/// The registry bucket the provider keeps instance records in (its default).
const SYSTEM_BUCKET: &str = "s3aas-system";

fn main() {
    let Some(server) = RustfsServer::start_or_skip(
        "bulk provisioning through a fault-injecting proxy, then a direct audit",
    ) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let ok = rt.block_on(run(&server));
    println!("rustfs log: {}", server.log.display());
    drop(rt);
    drop(server);
    std::process::exit(if ok { 0 } else { 101 });
}

fn direct(server: &RustfsServer) -> RustfsProvider {
    RustfsProvider::builder(
        &server.endpoint,
        &server.access_key,
        SecretString::from(server.secret_key.clone()),
    )
    .build()
    .expect("provider")
}

async fn run(server: &RustfsServer) -> bool {
    let seed: u64 = std::env::var("S3AAS_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(13);
    let upstream: SocketAddr = server
        .endpoint
        .trim_start_matches("http://")
        .parse()
        .expect("server address");
    // `S3AAS_FAULT_SCALE` scales every rate (0 = a baseline run through the proxy without
    // faults, to tell the server's own failures from injected ones).
    let scale: f64 = std::env::var("S3AAS_FAULT_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    // Rates per request. About 37 requests make a tenant, so most tenants meet a fault or two;
    // the SDK's retries absorb many of them (idempotent calls), the rest fail the tenant.
    let cfg = FaultConfig::new(seed)
        .reset(0.02 * scale)
        .delay(0.006 * scale, CLIENT_TIMEOUT + Duration::from_secs(1))
        .truncate(0.015 * scale)
        .blackhole(0.002 * scale, Duration::from_millis(1500))
        // `S3AAS_FAULT_TRACE=1`: show every request of a failed tenant, not only its faults.
        .record_all(std::env::var_os("S3AAS_FAULT_TRACE").is_some());
    let proxy = FaultProxy::start(upstream, cfg).await.expect("fault proxy");
    let d = direct(server);
    // The registry bucket is made once, directly: it is shared by all tenants and not part of
    // any of them.
    d.list_instances(ListOptions::new())
        .await
        .expect("registry bucket");
    let via = Arc::new(
        RustfsProvider::builder(
            proxy.endpoint(),
            &server.access_key,
            SecretString::from(server.secret_key.clone()),
        )
        .http(
            HttpConfig::new()
                .connect_timeout(Duration::from_secs(1))
                .request_timeout(CLIENT_TIMEOUT)
                .retry(
                    RetryConfig::default()
                        .max_attempts(3)
                        .initial_backoff(Duration::from_millis(20))
                        .max_backoff(Duration::from_millis(250)),
                ),
        )
        .build()
        .expect("provider"),
    );
    let prefix = format!("s3w-{}-", std::process::id() % 100_000);
    println!(
        "rustfs-wire-faults: seed={seed}, fault scale {scale}, {TENANTS} tenants, concurrency {CONCURRENCY}, client timeout {CLIENT_TIMEOUT:?}, proxy {} -> {}",
        proxy.endpoint(),
        server.endpoint
    );

    let started = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let tasks: Vec<_> = (0..TENANTS)
        .map(|i| {
            let (via, sem) = (via.clone(), sem.clone());
            let names = Names::new(&prefix, i);
            tokio::spawn(async move {
                let _permit = sem.acquire_owned().await.expect("semaphore");
                let spec = TenantSpec::new(&names.inst, &names.bucket, "owner");
                let r = provision_tenant(via.as_ref(), &spec).await;
                (names, r)
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("provisioning task"));
    }
    let provisioning = started.elapsed();
    let stats = proxy.stats();
    let events = proxy.events();
    drop(proxy);
    if let Some(path) = std::env::var_os("S3AAS_FAULT_TRACE").filter(|p| p.len() > 1) {
        // `S3AAS_FAULT_TRACE=<file>`: every request, one per line, for offline analysis.
        let text: String = events
            .iter()
            .map(|e| {
                format!(
                    "{:.3} {} {} {}\n",
                    e.at.as_secs_f64(),
                    e.status.map_or("-".into(), |s| s.to_string()),
                    e.fault,
                    e.request
                )
            })
            .collect();
        match std::fs::write(&path, text) {
            Ok(()) => println!(
                "rustfs-wire-faults: trace written to {}",
                path.to_string_lossy()
            ),
            Err(e) => println!("rustfs-wire-faults: cannot write the trace: {e}"),
        }
    }
    // The faults whose request line names a tenant (calls that carry names only in their body,
    // such as policy attach, are not attributed).
    let faults_of = |inst: &str| -> String {
        let v: Vec<String> = events
            .iter()
            .filter(|e| e.request.contains(inst))
            .map(|e| {
                format!(
                    "{:.1}s {} on {}{}",
                    e.at.as_secs_f64(),
                    e.fault,
                    e.request.trim_end_matches(" HTTP/1.1"),
                    e.status.map(|s| format!(" ({s})")).unwrap_or_default()
                )
            })
            .collect();
        if v.is_empty() {
            "none attributed".into()
        } else {
            v.join("; ")
        }
    };

    let audit_started = Instant::now();
    let state = match ServerState::read(&d, &prefix).await {
        Ok(s) => s,
        Err(e) => {
            println!("rustfs-wire-faults: FAILED reading the server's state: {e}");
            return false;
        }
    };
    let mut problems: Vec<String> = Vec::new();
    let mut leftovers = 0usize;
    let mut partial_named = 0usize;
    let mut leftover_causes: BTreeMap<String, usize> = BTreeMap::new();
    // step/kind -> (tenants, the first such error)
    let mut failed_by: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut key_ids = BTreeSet::new();
    let ok_count = results.iter().filter(|(_, r)| r.is_ok()).count();
    for (names, r) in &results {
        let present = state.present(names);
        match r {
            Ok(t) => {
                if let Err(e) = audit_ok(&d, &state, names, t, &present).await {
                    problems.push(format!("tenant {} reported Ok but {e}", names.inst));
                }
                if !key_ids.insert(t.access_key.key.access_key_id.clone()) {
                    problems.push(format!(
                        "duplicate access key {} (tenant {})",
                        t.access_key.key.access_key_id, names.inst
                    ));
                }
            }
            Err(e) => {
                let slot = failed_by
                    .entry(format!("{}/{}", step_of(e), e.kind()))
                    .or_insert_with(|| {
                        (
                            0,
                            format!("{} {e} [faults: {}]", names.inst, faults_of(&names.inst)),
                        )
                    });
                slot.0 += 1;
                if present.is_empty() {
                    continue;
                }
                let unnamed: Vec<&Left> = if e.kind() == ErrorKind::Partial {
                    present
                        .iter()
                        .filter(|l| !l.named_in(e.message(), names, &present))
                        .collect()
                } else {
                    present.iter().collect()
                };
                if unnamed.is_empty() {
                    partial_named += 1;
                    continue;
                }
                leftovers += unnamed.len();
                for l in &unnamed {
                    *leftover_causes
                        .entry(format!("{} -> {l}", step_of(e)))
                        .or_default() += 1;
                }
                problems.push(format!(
                    "LEFTOVER tenant {} failed at step '{}' ({}) and left {} without reporting it: {e} [faults: {}]",
                    names.inst,
                    step_of(e),
                    e.kind(),
                    unnamed
                        .iter()
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    faults_of(&names.inst)
                ));
            }
        }
    }
    // Duplicates across the server: one IAM user per tenant that exists, nothing outside the
    // tenants' names.
    let expected_users: BTreeSet<String> = results.iter().map(|(n, _)| n.user.clone()).collect();
    for u in &state.users {
        if !expected_users.contains(u) {
            problems.push(format!("unexpected user {u} (duplicate or stray)"));
        }
    }
    let failed = results.len() - ok_count;
    println!(
        "rustfs-wire-faults: provisioning took {provisioning:?}, the audit {:?}; proxy saw {} requests on {} connections ({} resets after the server answered, {} requests swallowed by blackholes)",
        audit_started.elapsed(),
        stats.requests,
        stats.connections,
        stats.resets_after_answer,
        stats.blackholed_requests
    );
    println!(
        "rustfs-wire-faults: failed tenants that left something and said so (Partial): {partial_named}; failed tenants by step/kind:"
    );
    for (k, (n, first)) in &failed_by {
        println!("rustfs-wire-faults:   {k}: {n}, e.g. {first}");
    }
    for p in &problems {
        println!("rustfs-wire-faults: {p}");
    }
    if !leftover_causes.is_empty() {
        println!(
            "rustfs-wire-faults: unreported leftovers by failed step -> resource: {leftover_causes:?}"
        );
    }
    println!(
        "real-server rustfs-wire-faults: tenants attempted={} ok={ok_count} failed={failed} leftovers={leftovers} faults injected={} (resets={} delays={} truncations={} blackholes={})",
        results.len(),
        stats.injected(),
        stats.resets,
        stats.delays,
        stats.truncations,
        stats.blackholes
    );
    let ok = problems.is_empty() && (stats.injected() > 0 || scale == 0.0);
    if stats.injected() == 0 && scale != 0.0 {
        println!("rustfs-wire-faults: FAILED: no fault was injected, so nothing was proved");
    }
    ok
}

/// The names one tenant's resources have on the server.
#[derive(Clone, Debug)]
struct Names {
    inst: String,
    bucket: String,
    /// The owner's IAM user (`<instance>--owner`).
    user: String,
    /// The owner's policy (`<instance>--owner-rw`).
    policy: String,
    /// The instance's group.
    group: String,
    record: String,
    marker: String,
}

impl Names {
    fn new(prefix: &str, i: usize) -> Self {
        let inst = format!("{prefix}{i:03}");
        let bucket = format!("{inst}-data");
        Names {
            user: format!("{inst}--owner"),
            policy: format!("{inst}--owner-rw"),
            group: format!("s3aas-{inst}"),
            record: format!("v1/instances/{inst}"),
            marker: format!("v1/buckets/{inst}/{bucket}"),
            inst,
            bucket,
        }
    }
}

/// Something of a tenant found on the server.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Left {
    Record,
    Marker,
    Group,
    Bucket,
    User,
    Policy,
    Keys(usize),
}

impl Left {
    /// Whether a `Partial` error's message names this leftover. The SDK names things by their
    /// names inside the tenant: `bucket '<bucket>'`, `user 'owner'`, `policy 'owner-rw'`,
    /// `registry record` (from `create_instance`) and `instance '<inst>'`. An instance named as
    /// left behind covers everything deleting that instance removes (its record, group, users
    /// with their keys, policies, and the buckets registered to it), since that is what the
    /// caller is told to finish; a bucket without its registry marker is not covered, as
    /// deleting the instance would not find it.
    fn named_in(&self, msg: &str, n: &Names, present: &[Left]) -> bool {
        let has = |s: &str| msg.contains(s);
        let instance = has(&format!("instance '{}'", n.inst));
        match self {
            Left::Bucket => {
                has(&format!("'{}'", n.bucket)) || instance && present.contains(&Left::Marker)
            }
            Left::Marker => has(&format!("'{}'", n.bucket)) || instance,
            Left::Record => instance || has("registry record"),
            Left::Group => instance || has(&format!("'{}'", n.group)),
            Left::User | Left::Keys(_) => instance || has("user 'owner'"),
            Left::Policy => instance || has("'owner-rw'"),
        }
    }
}

impl std::fmt::Display for Left {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Left::Record => f.write_str("its registry record"),
            Left::Marker => f.write_str("its bucket's registry marker"),
            Left::Group => f.write_str("its group"),
            Left::Bucket => f.write_str("its bucket"),
            Left::User => f.write_str("its owner user"),
            Left::Policy => f.write_str("its policy"),
            Left::Keys(n) => write!(f, "{n} access key(s)"),
        }
    }
}

/// What the server holds with the run's prefix, read directly with the root credential.
struct ServerState {
    records: BTreeSet<String>,
    markers: BTreeSet<String>,
    groups: BTreeSet<String>,
    buckets: BTreeSet<String>,
    /// IAM users with the prefix.
    users: BTreeSet<String>,
    policies: BTreeSet<String>,
    /// Access key ids of each user with the prefix.
    keys: BTreeMap<String, Vec<String>>,
    /// Policies attached to each user.
    attached: BTreeMap<String, String>,
}

impl ServerState {
    async fn read(d: &RustfsProvider, prefix: &str) -> std::result::Result<Self, String> {
        let e = |e: Error| e.to_string();
        let list = |p: String| async move {
            let mut out = BTreeSet::new();
            let mut after: Option<String> = None;
            loop {
                let (keys, more) = d
                    .admin_s3()
                    .list_objects(SYSTEM_BUCKET, &p, after.as_deref(), 1000)
                    .await?;
                after = keys.last().cloned();
                out.extend(keys);
                if !more {
                    return Ok::<_, Error>(out);
                }
            }
        };
        let records = list(format!("v1/instances/{prefix}")).await.map_err(e)?;
        let markers = list(format!("v1/buckets/{prefix}")).await.map_err(e)?;
        let groups: Vec<String> = json(d, "groups", &[])
            .await?
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|g| g.as_str())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let users = keys(&json(d, "list-users", &[]).await?);
        let policies = keys(&json(d, "list-canned-policies", &[]).await?);
        let buckets = d.admin_s3().list_buckets().await.map_err(e)?;
        let ours = |s: &String| s.starts_with(prefix);
        let users: BTreeSet<String> = users.into_iter().filter(|u| ours(u)).collect();
        let mut keys = BTreeMap::new();
        let mut attached = BTreeMap::new();
        for u in &users {
            let v = json(d, "list-service-accounts", &[("user", u)]).await?;
            let ids = v
                .get("accounts")
                .and_then(|a| a.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|k| k.get("accessKey").and_then(|x| x.as_str()))
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            keys.insert(u.clone(), ids);
            let info = json(d, "user-info", &[("accessKey", u)]).await?;
            attached.insert(
                u.clone(),
                info.get("policyName")
                    .and_then(|p| p.as_str())
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        Ok(ServerState {
            records,
            markers,
            groups: groups
                .into_iter()
                .filter(|g| g.starts_with(&format!("s3aas-{prefix}")))
                .collect(),
            buckets: buckets.into_iter().filter(ours).collect(),
            users,
            policies: policies.into_iter().filter(|p| ours(p)).collect(),
            keys,
            attached,
        })
    }

    /// What of this tenant exists.
    fn present(&self, n: &Names) -> Vec<Left> {
        let mut v = Vec::new();
        if self.records.contains(&n.record) {
            v.push(Left::Record);
        }
        if self.markers.contains(&n.marker) {
            v.push(Left::Marker);
        }
        if self.groups.contains(&n.group) {
            v.push(Left::Group);
        }
        if self.buckets.contains(&n.bucket) {
            v.push(Left::Bucket);
        }
        if self.users.contains(&n.user) {
            v.push(Left::User);
            let k = self.keys.get(&n.user).map_or(0, Vec::len);
            if k > 0 {
                v.push(Left::Keys(k));
            }
        }
        if self.policies.contains(&n.policy) {
            v.push(Left::Policy);
        }
        v
    }
}

/// A signed admin `GET` (direct, root) decoded as JSON.
async fn json(
    d: &RustfsProvider,
    cmd: &str,
    q: &[(&str, &str)],
) -> std::result::Result<serde_json::Value, String> {
    let r = d
        .admin_raw(http::Method::GET, cmd, q, None)
        .await
        .map_err(|e| format!("{cmd}: {e}"))?;
    if !r.is_success() {
        return Err(format!("{cmd}: HTTP {} {}", r.status, r.body_snippet(200)));
    }
    serde_json::from_slice(&r.body).map_err(|e| format!("{cmd}: {e}"))
}

/// The keys of a JSON object.
fn keys(v: &serde_json::Value) -> Vec<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The step named in a `provision_tenant` error.
fn step_of(e: &Error) -> &str {
    e.message()
        .split_once("failed at step '")
        .and_then(|(_, r)| r.split_once('\''))
        .map_or("?", |(s, _)| s)
}

/// A tenant reported `Ok`: everything is there, exactly once, and its key works on its bucket.
async fn audit_ok(
    d: &RustfsProvider,
    state: &ServerState,
    n: &Names,
    t: &Tenant,
    present: &[Left],
) -> std::result::Result<(), String> {
    let key_id = &t.access_key.key.access_key_id;
    let want = [
        Left::Record,
        Left::Marker,
        Left::Group,
        Left::Bucket,
        Left::User,
        Left::Keys(1),
        Left::Policy,
    ];
    let missing: Vec<String> = want
        .iter()
        .filter(|w| !present.contains(w))
        .map(|w| w.to_string())
        .collect();
    if !missing.is_empty() {
        let keys = state.keys.get(&n.user).cloned().unwrap_or_default();
        return Err(format!(
            "is incomplete: missing or wrong {} (keys on the server: {keys:?}, returned {key_id})",
            missing.join(", ")
        ));
    }
    if state.keys.get(&n.user).map(Vec::as_slice) != Some(std::slice::from_ref(key_id)) {
        return Err(format!(
            "its owner's only key is not the one returned ({key_id}): {:?}",
            state.keys.get(&n.user)
        ));
    }
    let attached = state.attached.get(&n.user).cloned().unwrap_or_default();
    if !attached.split(',').any(|p| p == n.policy) {
        return Err(format!(
            "policy {} is not attached to {} (attached: '{attached}')",
            n.policy, n.user
        ));
    }
    // The SDK's own view agrees: one user, one key.
    let users = d
        .list_users(&n.inst, ListOptions::new())
        .await
        .map_err(|e| format!("list_users: {e}"))?;
    if users.items.len() != 1 {
        return Err(format!(
            "has {} users: {:?}",
            users.items.len(),
            users.items.iter().map(|u| &u.name).collect::<Vec<_>>()
        ));
    }
    let record = d
        .admin_s3()
        .get_object(SYSTEM_BUCKET, &n.record, None)
        .await
        .map_err(|e| format!("registry record: {e}"))?;
    let record: serde_json::Value = serde_json::from_slice(&record.body).unwrap_or_default();
    if record.get("state").and_then(|s| s.as_str()) != Some("active") {
        return Err(format!("its registry record is not active: {record}"));
    }
    let s3 = d.s3_client_for(key_id, t.access_key.secret_access_key.clone());
    let body = format!("tenant {}", n.inst);
    s3.put_object(&n.bucket, "probe.txt", body.clone().into(), &[])
        .await
        .map_err(|e| format!("its key cannot write its bucket: {e}"))?;
    let got = s3
        .get_object(&n.bucket, "probe.txt", None)
        .await
        .map_err(|e| format!("its key cannot read its bucket: {e}"))?;
    if got.body[..] != *body.as_bytes() {
        return Err("its key reads back something else".into());
    }
    Ok(())
}
