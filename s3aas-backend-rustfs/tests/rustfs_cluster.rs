//! Against a real 4-node erasure-coded RustFS cluster on loopback (issue #13): what the SDK
//! reports about the nodes, that provisioning keeps working with one node down, that a key made
//! then works everywhere once the node is back, and that with two nodes down (no write quorum)
//! RustFS's refusals come back as retryable `Unavailable` errors and leave nothing half-made.
//!
//! The steps run in order against one cluster, because each builds on the node states the
//! previous one left. Skipped, with one line saying so, when no RustFS binary is installed
//! (`S3AAS_REQUIRE_RUSTFS=1` turns the skip into a failure).
//!
//! What RustFS 1.0.1 does here (4 nodes, one drive each, so one erasure set with 2 parity):
//! - `/health/ready` stays 200 with one and with two nodes down: it reports read quorum
//!   (`details.storage.unavailableDrives` lists the missing drives, `writeQuorum` turns false
//!   with two down); `/minio/health/cluster` is the write-quorum probe (503 with two down).
//!   `health()` reads both and server info: with one node down it is ready but
//!   `HealthProblem::Degraded`, its detail naming the offline node; with two down it is not
//!   ready (`NotReady`, with the server's answer). Both are asserted.
//! - Without write quorum the S3 side refuses at once with `503 ServiceUnavailable` (HEAD
//!   requests with an empty 503), while admin IAM writes take about 12 s and answer
//!   `500 InternalError` "Storage resources are insufficient for the write operation" (or
//!   `InsufficientWriteQuorum`); the RustFS dialect maps those to `Unavailable`.
//! - After two nodes return, each answers `/health/ready` in about 1.5 s, but writes keep being
//!   refused until every node sees write quorum again, a few seconds later.

use s3aas_backend_rustfs::RustfsProvider;
use s3aas_core::prelude::*;
use s3aas_core::{HealthProblem, TenantSpec, provision_tenant};
use s3aas_fakes::rustfs_cluster::RustfsCluster;
use s3aas_http::{HttpConfig, RetryConfig, S3Client};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

const FIG: &str = "real-server rustfs-cluster:";

type R = std::result::Result<(), String>;

/// A step of the scenario; steps run in order on the shared cluster.
type Step = fn(&mut Ctx) -> R;

/// What the steps share.
struct Ctx {
    cluster: RustfsCluster,
    rt: tokio::runtime::Runtime,
    /// Prefix of every name this run makes.
    prefix: String,
    /// The instance the provisioning steps work in.
    inst: String,
    /// Made while a node was down: the user's key and the bucket it may use.
    key: Option<(String, SecretString)>,
    bucket: String,
    /// What the two-nodes-down step tried, checked once the nodes are back.
    attempted: Vec<Attempt>,
}

/// One mutation tried without write quorum.
struct Attempt {
    what: String,
    /// What exists on the server if the call left something behind.
    resource: Resource,
    outcome: std::result::Result<(), s3aas_core::Error>,
}

#[derive(Clone, Debug)]
enum Resource {
    User(String),
    Bucket(String),
    Policy(String),
    /// An access key of this user, beyond the ones it had before.
    KeyOf(String, usize),
    /// A whole tenant: instance, bucket, user, policy.
    Tenant {
        instance: String,
        bucket: String,
        user: String,
    },
}

impl Ctx {
    /// A provider talking to node `i`. Built fresh for each use, so nothing is cached (the
    /// provider caches server info for 5 s) and every answer comes from the server as it is now.
    fn provider(&self, i: usize) -> RustfsProvider {
        RustfsProvider::builder(
            self.cluster.endpoint(i),
            &self.cluster.access_key,
            SecretString::from(self.cluster.secret_key.clone()),
        )
        // Without write quorum RustFS takes about 12 s to refuse an admin write (its own storage
        // timeouts); 20 s lets that refusal, with the server's message, reach us rather than a
        // client-side timeout. Two attempts: the transport retries 5xx on idempotent calls once.
        .http(
            HttpConfig::new()
                .request_timeout(Duration::from_secs(20))
                .retry(
                    RetryConfig::default()
                        .max_attempts(2)
                        .initial_backoff(Duration::from_millis(50))
                        .max_backoff(Duration::from_millis(200)),
                ),
        )
        .build()
        .expect("provider")
    }

    fn s3_for(&self, node: usize) -> Option<S3Client> {
        let (ak, sk) = self.key.as_ref()?;
        Some(self.provider(node).s3_client_for(ak, sk.clone()))
    }
}

fn main() {
    let Some(cluster) = RustfsCluster::start_or_skip(
        "node states, provisioning with one node down, refusals without write quorum",
    ) else {
        return;
    };
    let prefix = format!("s3c-{}-", std::process::id() % 100_000);
    let mut ctx = Ctx {
        cluster,
        rt: tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime"),
        inst: format!("{prefix}base"),
        bucket: format!("{prefix}base-data"),
        prefix,
        key: None,
        attempted: Vec::new(),
    };
    let started = Instant::now();
    let steps: Vec<(&str, Step)> = vec![
        ("all_nodes_online_and_ready", all_nodes_online),
        ("one_node_down_is_reported", one_node_down),
        (
            "provisioning_succeeds_with_one_node_down",
            provision_one_down,
        ),
        (
            "key_made_while_down_works_after_the_node_returns",
            key_after_return,
        ),
        (
            "without_write_quorum_refusals_are_unavailable",
            two_nodes_down,
        ),
        ("after_recovery_nothing_half_made_is_left", after_recovery),
    ];
    let total = steps.len();
    let mut passed = 0;
    let mut failed_names = Vec::new();
    for (name, step) in steps {
        let t = Instant::now();
        match step(&mut ctx) {
            Ok(()) => {
                passed += 1;
                println!("test rustfs-cluster::{name} ... ok ({:?})", t.elapsed());
            }
            Err(e) => {
                failed_names.push(name);
                println!(
                    "test rustfs-cluster::{name} ... FAILED ({:?})\n  {e}",
                    t.elapsed()
                );
            }
        }
    }
    let cleanup = cleanup(&mut ctx);
    if let Err(e) = &cleanup {
        println!("rustfs-cluster: FAILED cleanup: {e}");
    }
    for i in 0..ctx.cluster.len() {
        println!(
            "rustfs-cluster node {i} log: {}",
            ctx.cluster.log(i).display()
        );
    }
    println!(
        "{FIG} steps passed={passed} failed={} of {total} in {:?}{}",
        total - passed,
        started.elapsed(),
        if failed_names.is_empty() {
            String::new()
        } else {
            format!(" (failed: {})", failed_names.join(", "))
        }
    );
    drop(ctx);
    std::process::exit(if passed == total && cleanup.is_ok() {
        0
    } else {
        101
    });
}

/// Polls `f` every 250 ms until it returns `Ok`, for at most `limit`; the error names `what`
/// and the last thing seen.
async fn poll<T, F, Fut>(what: &str, limit: Duration, mut f: F) -> std::result::Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, String>>,
{
    let deadline = Instant::now() + limit;
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(last) if Instant::now() >= deadline => {
                return Err(format!("{what}: not within {limit:?}; last: {last}"));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

/// The instance's nodes as `(port, state)`, sorted by port.
async fn node_states(
    p: &RustfsProvider,
    inst: &str,
) -> std::result::Result<Vec<(u16, NodeState)>, String> {
    let i = p.get_instance(inst).await.map_err(|e| e.to_string())?;
    let mut v: Vec<(u16, NodeState)> = i
        .nodes
        .iter()
        .map(|n| (n.port.unwrap_or(0), n.state.clone()))
        .collect();
    v.sort_by_key(|(p, _)| *p);
    Ok(v)
}

fn describe_nodes(v: &[(u16, NodeState)]) -> String {
    v.iter()
        .map(|(p, s)| format!("127.0.0.1:{p} {s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Waits until the instance lists exactly the cluster's ports, the `down` ones offline and the
/// others online. RustFS reports a killed peer offline within about a second, and a returned one
/// online once the others have reconnected to it; polling, rather than assuming, covers both.
fn wait_for_nodes(
    ctx: &Ctx,
    down: &[usize],
    limit: Duration,
) -> std::result::Result<Vec<(u16, NodeState)>, String> {
    let want_ports: BTreeSet<u16> = (0..ctx.cluster.len())
        .map(|i| ctx.cluster.port(i))
        .collect();
    let down_ports: BTreeSet<u16> = down.iter().map(|&i| ctx.cluster.port(i)).collect();
    ctx.rt.block_on(poll(
        &format!("Instance.nodes shows nodes {down:?} offline and the rest online"),
        limit,
        || async {
            // A fresh provider each time: one provider would answer from its 5 s cache.
            let v = node_states(&ctx.provider(0), &ctx.inst).await?;
            let ports: BTreeSet<u16> = v.iter().map(|(p, _)| *p).collect();
            let ok = ports == want_ports
                && v.iter().all(|(p, s)| {
                    if down_ports.contains(p) {
                        *s == NodeState::Offline
                    } else {
                        *s == NodeState::Online
                    }
                });
            if ok { Ok(v) } else { Err(describe_nodes(&v)) }
        },
    ))
}

fn all_nodes_online(ctx: &mut Ctx) -> R {
    let p = ctx.provider(0);
    let (inst, bucket) = (ctx.inst.clone(), ctx.bucket.clone());
    ctx.rt
        .block_on(p.create_instance(CreateInstance::new(&inst).default_bucket(&bucket)))
        .map_err(|e| format!("create the instance on a healthy cluster: {e}"))?;
    let nodes = wait_for_nodes(ctx, &[], Duration::from_secs(20))?;
    let h = ctx.rt.block_on(p.health()).map_err(|e| e.to_string())?;
    println!(
        "{FIG} nodes={} online={} ({}); health ready={} version={}",
        nodes.len(),
        nodes
            .iter()
            .filter(|(_, s)| *s == NodeState::Online)
            .count(),
        describe_nodes(&nodes),
        h.ready,
        h.version.as_deref().unwrap_or("?")
    );
    if !h.ready || h.problem.is_some() {
        return Err(format!(
            "health() not ready, or reports a problem, on a healthy cluster: {:?} {:?}",
            h.problem, h.detail
        ));
    }
    // Every node answers for the same cluster: the instance is visible through each of them.
    for i in 1..ctx.cluster.len() {
        ctx.rt
            .block_on(ctx.provider(i).get_instance(&inst))
            .map_err(|e| format!("node {i} does not see the instance: {e}"))?;
    }
    Ok(())
}

fn one_node_down(ctx: &mut Ctx) -> R {
    ctx.cluster.stop_node(3).map_err(|e| e.to_string())?;
    let nodes = wait_for_nodes(ctx, &[3], Duration::from_secs(30))?;
    let h = ctx
        .rt
        .block_on(ctx.provider(0).health())
        .map_err(|e| e.to_string())?;
    // What the server itself says on the probe the provider uses.
    let (status, body) = ctx.cluster.http_get(0, "/health/ready").unwrap_or_default();
    let raw: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let unavailable = raw
        .pointer("/details/storage/unavailableDrives")
        .cloned()
        .unwrap_or_default();
    println!(
        "{FIG} one node down: Instance.nodes reports {}; health() ready={} detail={:?}; server /health/ready HTTP {status} unavailableDrives={unavailable}",
        describe_nodes(&nodes),
        h.ready,
        h.detail
    );
    // One of four drives gone leaves read and write quorum: the cluster is ready, degraded, and
    // health() says which node is missing.
    let down = format!("127.0.0.1:{}", ctx.cluster.port(3));
    if !h.ready {
        return Err(format!(
            "health() not ready with one node down: {:?}",
            h.detail
        ));
    }
    if h.problem != Some(HealthProblem::Degraded) {
        return Err(format!(
            "health() does not report degradation with one node down: problem={:?} detail={:?} while the server lists {} unavailable drive(s)",
            h.problem,
            h.detail,
            unavailable.as_array().map_or(0, Vec::len)
        ));
    }
    if !h.detail.as_deref().unwrap_or_default().contains(&down) {
        return Err(format!(
            "health() reports degradation but does not name the offline node {down}: {:?}",
            h.detail
        ));
    }
    Ok(())
}

fn provision_one_down(ctx: &mut Ctx) -> R {
    let p = ctx.provider(0);
    let inst = ctx.inst.clone();
    let bucket = ctx.bucket.clone();
    let extra = format!("{}down1", ctx.prefix);
    let key = ctx.rt.block_on(async {
        p.create_user(&inst, CreateUser::new("owner"))
            .await
            .map_err(|e| format!("create_user: {e}"))?;
        p.create_bucket(&inst, CreateBucket::new(&extra).versioning(true))
            .await
            .map_err(|e| format!("create_bucket: {e}"))?;
        p.put_policy(
            &inst,
            PutPolicy::new("owner-rw", PolicyDocument::bucket_read_write(&bucket)),
        )
        .await
        .map_err(|e| format!("put_policy: {e}"))?;
        p.attach_policy(&inst, "owner", "owner-rw")
            .await
            .map_err(|e| format!("attach_policy: {e}"))?;
        let k = p
            .create_access_key(&inst, "owner", CreateAccessKey::new())
            .await
            .map_err(|e| format!("create_access_key: {e}"))?;
        let s3 = p.s3_client_for(&k.key.access_key_id, k.secret_access_key.clone());
        poll(
            "the new key writes its bucket",
            Duration::from_secs(15),
            || async {
                s3.put_object(&bucket, "written-while-down", "one node down".into(), &[])
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            },
        )
        .await?;
        Ok::<_, String>((k.key.access_key_id.clone(), k.secret_access_key.clone()))
    })?;
    ctx.key = Some(key);
    println!(
        "{FIG} one node down: user, bucket, policy, attachment and key created; object written with the new key"
    );
    Ok(())
}

fn key_after_return(ctx: &mut Ctx) -> R {
    let took = ctx.cluster.start_node(3).map_err(|e| e.to_string())?;
    wait_for_nodes(ctx, &[], Duration::from_secs(30))?;
    let bucket = ctx.bucket.clone();
    // Through the returned node itself, which was down when the key was made, and through
    // node 0: the key must write and read there, and what was written meanwhile must be readable.
    for node in [3, 0] {
        let s3 = ctx.s3_for(node).ok_or("no key from the previous step")?;
        ctx.rt.block_on(poll(
            &format!("the key made while node 3 was down works through node {node}"),
            Duration::from_secs(30),
            || async {
                let old = s3
                    .get_object(&bucket, "written-while-down", None)
                    .await
                    .map_err(|e| format!("read: {e}"))?;
                if &old.body[..] != b"one node down" {
                    return Err("the object written while down reads back differently".into());
                }
                let key = format!("after-return-{node}");
                s3.put_object(&bucket, &key, "back".into(), &[])
                    .await
                    .map_err(|e| format!("write: {e}"))?;
                let got = s3
                    .get_object(&bucket, &key, None)
                    .await
                    .map_err(|e| format!("read back: {e}"))?;
                if &got.body[..] == b"back" {
                    Ok(())
                } else {
                    Err("read back differs".into())
                }
            },
        ))?;
    }
    println!(
        "{FIG} node 3 back after {took:?}; the key made while it was down reads and writes through it and through node 0"
    );
    Ok(())
}

fn two_nodes_down(ctx: &mut Ctx) -> R {
    ctx.cluster.stop_node(3).map_err(|e| e.to_string())?;
    ctx.cluster.stop_node(2).map_err(|e| e.to_string())?;
    let nodes = wait_for_nodes(ctx, &[2, 3], Duration::from_secs(30))?;
    let p = ctx.provider(0);
    let h = ctx.rt.block_on(p.health()).map_err(|e| e.to_string())?;
    let (cluster_status, _) = ctx
        .cluster
        .http_get(0, "/minio/health/cluster")
        .unwrap_or_default();
    println!(
        "{FIG} two nodes down: Instance.nodes reports {}; health() ready={} detail={:?}; server /minio/health/cluster (write quorum) HTTP {cluster_status}",
        describe_nodes(&nodes),
        h.ready,
        h.detail
    );
    // Without write quorum management calls fail: not ready, with the server's own answer.
    if h.ready || h.problem != Some(HealthProblem::NotReady) {
        return Err(format!(
            "health() without write quorum: ready={} problem={:?} detail={:?} (the server's /minio/health/cluster answered HTTP {cluster_status})",
            h.ready, h.problem, h.detail
        ));
    }
    let detail = h.detail.as_deref().unwrap_or_default();
    if !detail.contains("write quorum") || !detail.contains("degraded") {
        return Err(format!(
            "health() without write quorum does not carry the server's answer: {detail:?}"
        ));
    }
    let inst = ctx.inst.clone();
    let pre = &ctx.prefix;
    let keys_before = ctx
        .rt
        .block_on(p.list_access_keys(&inst, "owner"))
        .map_err(|e| {
            format!("reads keep working with read quorum, but list_access_keys failed: {e}")
        })?
        .len();
    let tenant_inst = format!("{pre}t2");
    let tries: Vec<(String, Resource)> = vec![
        ("create_user".into(), Resource::User("u2".into())),
        ("create_bucket".into(), Resource::Bucket(format!("{pre}b2"))),
        ("put_policy".into(), Resource::Policy("p2".into())),
        (
            "create_access_key".into(),
            Resource::KeyOf("owner".into(), keys_before),
        ),
        (
            "provision_tenant".into(),
            Resource::Tenant {
                instance: tenant_inst.clone(),
                bucket: format!("{tenant_inst}-data"),
                user: "owner".into(),
            },
        ),
    ];
    // The attempts run side by side: without quorum each one waits out RustFS's own timeouts
    // (about 12 s per request), which in a row would make the step take a minute.
    let p = Arc::new(p);
    let tasks: Vec<_> = tries
        .into_iter()
        .map(|(what, resource)| {
            let p = p.clone();
            let inst = inst.clone();
            let r = resource.clone();
            let task = ctx.rt.spawn(async move {
                let t = Instant::now();
                let outcome = match &r {
                    Resource::User(u) => p.create_user(&inst, CreateUser::new(u)).await.map(drop),
                    Resource::Bucket(b) => {
                        p.create_bucket(&inst, CreateBucket::new(b)).await.map(drop)
                    }
                    Resource::Policy(n) => p
                        .put_policy(
                            &inst,
                            PutPolicy::new(n, PolicyDocument::bucket_read_write("x")),
                        )
                        .await
                        .map(drop),
                    Resource::KeyOf(u, _) => p
                        .create_access_key(&inst, u, CreateAccessKey::new())
                        .await
                        .map(drop),
                    Resource::Tenant {
                        instance,
                        bucket,
                        user,
                    } => provision_tenant(p.as_ref(), &TenantSpec::new(instance, bucket, user))
                        .await
                        .map(drop),
                };
                (t.elapsed(), outcome)
            });
            (what, resource, task)
        })
        .collect();
    let mut problems = Vec::new();
    for (what, resource, task) in tasks {
        let (took, outcome) = ctx
            .rt
            .block_on(task)
            .map_err(|e| format!("{what}: task failed: {e}"))?;
        match &outcome {
            Ok(()) => println!("{FIG} two nodes down: {what} was ACCEPTED ({took:?})"),
            Err(e) => {
                println!(
                    "{FIG} two nodes down: {what} refused in {took:?}: kind={} transient={} retryable={} retries_exhausted={} status={:?} code={:?}: {}",
                    e.kind(),
                    e.kind().is_transient(),
                    e.is_retryable(),
                    e.retries_exhausted(),
                    e.http_status(),
                    e.code(),
                    e.message()
                );
                // Partial is acceptable too: it names what was left, which the next step checks.
                let unavailable = e.kind() == ErrorKind::Unavailable && e.kind().is_transient();
                if !(unavailable || e.kind() == ErrorKind::Partial) {
                    problems.push(format!(
                        "{what}: refused as {} instead of Unavailable: {e}",
                        e.kind()
                    ));
                } else if e.message().trim().is_empty() {
                    problems.push(format!("{what}: refusal carries no message"));
                }
            }
        }
        ctx.attempted.push(Attempt {
            what,
            resource,
            outcome,
        });
    }
    // With read quorum the reads still answer.
    ctx.rt
        .block_on(p.get_instance(&inst))
        .map_err(|e| format!("get_instance with read quorum: {e}"))?;
    if ctx.attempted.iter().all(|a| a.outcome.is_ok()) {
        problems.push("nothing was refused without write quorum".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn after_recovery(ctx: &mut Ctx) -> R {
    let mut times = Vec::new();
    for i in [2, 3] {
        times.push(ctx.cluster.start_node(i).map_err(|e| e.to_string())?);
    }
    // The returned nodes answer at once, but the others reconnect to them only after a few
    // seconds; writes (and HEAD on buckets) get 503/500 until every node sees write quorum.
    let t = Instant::now();
    for i in 0..ctx.cluster.len() {
        ctx.cluster
            .wait_write_quorum(i, Duration::from_secs(60))
            .map_err(|e| e.to_string())?;
    }
    let quorum_after = t.elapsed();
    wait_for_nodes(ctx, &[], Duration::from_secs(30))?;
    // Every node is back: health() is ready with nothing missing again.
    ctx.rt.block_on(poll(
        "health() ready without a problem after recovery",
        Duration::from_secs(30),
        || async {
            let h = ctx.provider(0).health().await.map_err(|e| e.to_string())?;
            if h.ready && h.problem.is_none() {
                Ok(())
            } else {
                Err(format!("ready={} {:?} {:?}", h.ready, h.problem, h.detail))
            }
        },
    ))?;
    let p = ctx.provider(0);
    let inst = ctx.inst.clone();
    let mut problems = Vec::new();
    let mut left_count = 0;
    for a in &ctx.attempted {
        let exists = ctx.rt.block_on(poll(
            &format!("checking what {} left", a.what),
            Duration::from_secs(15),
            || exists(&p, &inst, &a.resource),
        ));
        let exists = match exists {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{}: cannot check what was left: {e}", a.what));
                continue;
            }
        };
        left_count += exists.len();
        match &a.outcome {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::Partial => {
                let unnamed: Vec<&String> = exists
                    .iter()
                    .filter(|x| !e.message().contains(x.as_str()))
                    .collect();
                if !unnamed.is_empty() {
                    problems.push(format!(
                        "{}: Partial did not name what was left: {unnamed:?} ({e})",
                        a.what
                    ));
                }
            }
            Err(e) => {
                if !exists.is_empty() {
                    problems.push(format!(
                        "{}: refused ({}) but left behind {exists:?}",
                        a.what,
                        e.kind()
                    ));
                }
            }
        }
    }
    // Writes work again.
    let s3 = ctx.s3_for(2).ok_or("no key")?;
    let bucket = ctx.bucket.clone();
    ctx.rt.block_on(poll(
        "a write after recovery",
        Duration::from_secs(30),
        || async {
            s3.put_object(&bucket, "after-recovery", "ok".into(), &[])
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        },
    ))?;
    println!(
        "{FIG} recovered: nodes 2 and 3 answered after {times:?}, write quorum on every node {quorum_after:?} later; resources left by refused calls={left_count}; writes work again"
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// What of `r` exists on the server (names as an error message would give them).
async fn exists(
    p: &RustfsProvider,
    inst: &str,
    r: &Resource,
) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    let e = |e: Error| e.to_string();
    match r {
        Resource::User(u) => {
            if found(p.get_user(inst, u).await).map_err(e)? {
                out.push(u.clone());
            }
        }
        Resource::Bucket(b) => {
            if p.admin_s3().bucket_exists(b).await.map_err(e)? {
                out.push(b.clone());
            }
        }
        Resource::Policy(n) => {
            if found(p.get_policy(inst, n).await).map_err(e)? {
                out.push(n.clone());
            }
        }
        Resource::KeyOf(u, before) => {
            let n = p.list_access_keys(inst, u).await.map_err(e)?.len();
            if n > *before {
                out.push(format!("{} new access key(s) of '{u}'", n - before));
            }
        }
        Resource::Tenant {
            instance,
            bucket,
            user,
        } => {
            if found(p.get_instance(instance).await).map_err(e)? {
                out.push(instance.clone());
            }
            if p.admin_s3().bucket_exists(bucket).await.map_err(e)? {
                out.push(bucket.clone());
            }
            let iam_user = format!("{instance}--{user}");
            let users = p
                .admin_raw(http::Method::GET, "list-users", &[], None)
                .await
                .map_err(e)?;
            let users: serde_json::Value = serde_json::from_slice(&users.body).unwrap_or_default();
            if users.get(&iam_user).is_some() {
                out.push(user.clone());
            }
            let policies = p
                .admin_raw(http::Method::GET, "list-canned-policies", &[], None)
                .await
                .map_err(e)?;
            let policies: serde_json::Value =
                serde_json::from_slice(&policies.body).unwrap_or_default();
            if let Some(m) = policies.as_object() {
                out.extend(
                    m.keys()
                        .filter_map(|k| k.strip_prefix(&format!("{instance}--")).map(String::from)),
                );
            }
        }
    }
    Ok(out)
}

fn found<T>(r: Result<T>) -> Result<bool> {
    match r {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Brings every node back, deletes what this run made and checks nothing with its prefix is
/// left.
fn cleanup(ctx: &mut Ctx) -> R {
    for i in 0..ctx.cluster.len() {
        ctx.cluster
            .start_node(i)
            .map_err(|e| format!("restart node {i}: {e}"))?;
    }
    for i in 0..ctx.cluster.len() {
        ctx.cluster
            .wait_write_quorum(i, Duration::from_secs(60))
            .map_err(|e| e.to_string())?;
    }
    let p = ctx.provider(0);
    let prefix = ctx.prefix.clone();
    ctx.rt.block_on(async {
        let list = p
            .list_instances(ListOptions::new().prefix(prefix.clone()))
            .await
            .map_err(|e| e.to_string())?;
        for i in &list.items {
            p.delete_instance(&i.id, DeleteInstance::new().force(true))
                .await
                .map_err(|e| format!("delete instance {}: {e}", i.id))?;
        }
        let buckets = p
            .admin_s3()
            .list_buckets()
            .await
            .map_err(|e| e.to_string())?;
        for b in buckets.iter().filter(|b| b.starts_with(&prefix)) {
            p.admin_s3()
                .delete_bucket(b, Some("x-rustfs-force-delete"))
                .await
                .map_err(|e| format!("delete stray bucket {b}: {e}"))?;
        }
        let users = p
            .admin_raw(http::Method::GET, "list-users", &[], None)
            .await
            .map_err(|e| e.to_string())?;
        let users: serde_json::Value = serde_json::from_slice(&users.body).unwrap_or_default();
        let policies = p
            .admin_raw(http::Method::GET, "list-canned-policies", &[], None)
            .await
            .map_err(|e| e.to_string())?;
        let policies: serde_json::Value =
            serde_json::from_slice(&policies.body).unwrap_or_default();
        let ours = |v: &serde_json::Value| -> Vec<String> {
            v.as_object()
                .map(|m| {
                    m.keys()
                        .filter(|k| k.starts_with(&prefix))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        };
        let (lu, lp) = (ours(&users), ours(&policies));
        if lu.is_empty() && lp.is_empty() {
            println!("rustfs-cluster: no users, policies, buckets or instances left behind");
            Ok(())
        } else {
            Err(format!("left behind: users {lu:?}, policies {lp:?}"))
        }
    })
}
