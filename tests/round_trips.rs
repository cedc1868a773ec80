//! HTTP requests per trait operation, counted on the wire (issue #19): against a real RustFS
//! 1.0.1 for the RustFS backend (`/rustfs/admin/v3`) and the MinIO backend (the same server's
//! `/minio/admin/v3`), against a real Ceph RGW and a real SeaweedFS for theirs. An operation a
//! backend does not offer (its capability is off) is not run and shows as `–`.
//!
//! Each provider talks to the server through [`FaultProxy`] with no faults: the proxy counts
//! and records every request line (S3 and admin alike). Every operation runs once, in order, on
//! a warm provider (its first call already made, so one-off probes are not counted), and the
//! counts are compared with the round-trip table in the README, which is the single place the
//! figures live: a change in either fails this target, printing the measured table and each
//! operation's requests. Skipped, with one line saying so, when no RustFS binary is installed
//! (`S3AAS_REQUIRE_RUSTFS=1` turns the skip into a failure); the Ceph and SeaweedFS columns
//! likewise when those servers are not installed (`S3AAS_REQUIRE_CEPH`,
//! `S3AAS_REQUIRE_SEAWEEDFS`).

use s3aas::ceph::CephProvider;
use s3aas::minio::MinioProvider;
use s3aas::prelude::*;
use s3aas::rustfs::RustfsProvider;
use s3aas::seaweedfs::SeaweedfsProvider;
use s3aas::{PolicyDocument, PutPolicy, SecretString};
use s3aas_fakes::ceph::CephCluster;
use s3aas_fakes::fault_proxy::{FaultConfig, FaultProxy};
use s3aas_fakes::rustfs::RustfsServer;
use s3aas_fakes::seaweedfs::SeaweedfsServer;
use std::collections::BTreeMap;

/// The README section holding the table.
const README_HEADING: &str = "### Round trips per operation";

/// One operation's count and the request lines behind it.
struct Counted {
    requests: u64,
    lines: Vec<String>,
}

/// Each operation's count, in the README's order; `None`: the backend does not offer it.
type Measured = Vec<(&'static str, Option<Counted>)>;

async fn measure(p: &dyn ObjectStoreProvider, proxy: &FaultProxy) -> Measured {
    let mut out = Vec::new();
    let mut mark = (proxy.stats().requests, proxy.events().len());
    let caps = p.capabilities();
    // Run only where the backend offers it (`None` otherwise, counted as `–`).
    macro_rules! op_if {
        ($on:expr, $name:expr, $call:expr) => {{
            if $on {
                Some(op!($name, $call))
            } else {
                out.push(($name, None));
                None
            }
        }};
    }
    macro_rules! op {
        ($name:expr, $call:expr) => {{
            let r = $call.await;
            if let Err(e) = &r {
                panic!("{}: {e}", $name);
            }
            let (n, ev) = (proxy.stats().requests, proxy.events());
            let lines: Vec<String> = ev[mark.1..]
                .iter()
                .map(|e| e.request.trim_end_matches(" HTTP/1.1").to_string())
                .collect();
            assert_eq!(lines.len() as u64, n - mark.0, "every request recorded");
            // Server info (version, nodes) and readiness are kept for 5 s and 1 s per
            // provider, so whether an operation that shows them asks for them depends on
            // timing: not counted.
            let requests = lines
                .iter()
                .filter(|l| !l.ends_with("/admin/v3/info") && !l.ends_with("/health/ready"))
                .count() as u64;
            out.push(($name, Some(Counted { requests, lines })));
            mark = (n, ev.len());
            let _ = mark; // read by the next operation, if any
            r.unwrap()
        }};
    }
    let (i, u) = ("rt", "alice");
    op!(
        "create_instance (with a default bucket)",
        p.create_instance(CreateInstance::new(i).default_bucket("rt-data"))
    );
    op!("get_instance", p.get_instance(i));
    op!("list_instances", p.list_instances(ListOptions::new()));
    let mut create = CreateBucket::new("rt-b2").versioning(true);
    if caps.bucket_tags.at_creation() {
        create = create.tag("team", "a");
    }
    let made = op!(
        "create_bucket (versioned, tagged)",
        p.create_bucket(i, create)
    );
    let mut got = op!("get_bucket", p.get_bucket(i, "rt-b2"));
    // The create's answer is built from what was set, not read back: it must say what a read
    // says (but the time, which the read takes from the registry marker).
    got.created = made.created;
    assert_eq!(made, got, "create_bucket answers what get_bucket reads");
    op!(
        "get_bucket_parts (versioning, tags)",
        p.get_bucket_parts(i, "rt-b2", BucketParts::none().versioning().tags())
    );
    op!("list_buckets", p.list_buckets(i, ListOptions::new()));
    op!("create_user", p.create_user(i, CreateUser::new(u)));
    op!("get_user", p.get_user(i, u));
    op!("list_users", p.list_users(i, ListOptions::new()));
    op_if!(
        caps.user_disable,
        "set_user_enabled",
        p.set_user_enabled(i, u, true)
    );
    let doc = PolicyDocument::bucket_read_write("rt-b2");
    let pol = caps.policies;
    op_if!(
        pol,
        "put_policy",
        p.put_policy(i, PutPolicy::new("rw", doc))
    );
    op_if!(pol, "get_policy", p.get_policy(i, "rw"));
    op_if!(pol, "list_policies", p.list_policies(i, ListOptions::new()));
    let attach = pol && caps.policy_attach;
    op_if!(attach, "attach_policy", p.attach_policy(i, u, "rw"));
    op_if!(
        caps.policy_attach,
        "list_attached_policies",
        p.list_attached_policies(i, u)
    );
    let k = op!(
        "create_access_key",
        p.create_access_key(i, u, CreateAccessKey::new())
    );
    let id = k.key.id.clone();
    op!("list_access_keys", p.list_access_keys(i, u));
    op!("get_access_key", p.get_access_key(i, u, &id));
    op_if!(
        caps.access_key_disable,
        "set_access_key_enabled",
        p.set_access_key_enabled(i, u, &id, true)
    );
    let r = op!(
        "rotate_access_key (no grace)",
        p.rotate_access_key(i, u, &id, RotateAccessKey::new())
    );
    let id = r.new.key.id.clone();
    op!("delete_access_key", p.delete_access_key(i, u, &id));
    op_if!(attach, "detach_policy", p.detach_policy(i, u, "rw"));
    op_if!(pol, "delete_policy", p.delete_policy(i, "rw"));
    op!("delete_user", p.delete_user(i, u));
    op!(
        "delete_bucket",
        p.delete_bucket(i, "rt-b2", DeleteBucket::new())
    );
    op!(
        "delete_instance (empty but its default bucket)",
        p.delete_instance(i, DeleteInstance::new())
    );
    let spec = s3aas::TenantSpec::new("rt2", "rt2-data", "owner")
        .bucket(CreateBucket::new("rt2-data").versioning(true));
    op!(
        "provision_tenant (instance, versioned bucket, user, policy attached, key)",
        s3aas::provision_tenant(p, &spec)
    );
    op!(
        "delete_instance (the provisioned tenant, forced)",
        p.delete_instance("rt2", DeleteInstance::new().force(true))
    );
    out
}

/// Nothing a provider answers is stale after another client changed the server: `b` deletes
/// what `a` made, then makes it again, and `a` sees each change at once (no instance cache to
/// invalidate; the resource's own answer is the proof, see the README).
async fn two_clients(a: &dyn ObjectStoreProvider, b: &dyn ObjectStoreProvider) {
    let (i, u) = ("tc", "bob");
    a.create_instance(CreateInstance::new(i)).await.unwrap();
    a.create_user(i, CreateUser::new(u)).await.unwrap();
    let k = a
        .create_access_key(i, u, CreateAccessKey::new())
        .await
        .unwrap();
    a.put_policy(
        i,
        PutPolicy::new("p", PolicyDocument::bucket_read_only("x")),
    )
    .await
    .unwrap();
    assert!(a.get_user(i, u).await.is_ok());
    b.delete_instance(i, DeleteInstance::new()).await.unwrap();
    let gone = |r: s3aas::Result<()>, what: &str| {
        let e = r.expect_err(what);
        assert_eq!(e.kind(), ErrorKind::NotFound, "{what}: {e}");
        assert_eq!(
            e.resource().map(|(k, n)| (k, n.to_string())),
            Some((ResourceKind::Instance, i.to_string())),
            "{what} names the missing instance: {e}"
        );
    };
    gone(a.get_user(i, u).await.map(drop), "get_user");
    gone(
        a.list_users(i, ListOptions::new()).await.map(drop),
        "list_users",
    );
    gone(
        a.list_policies(i, ListOptions::new()).await.map(drop),
        "list_policies",
    );
    gone(
        a.list_buckets(i, ListOptions::new()).await.map(drop),
        "list_buckets",
    );
    gone(a.get_policy(i, "p").await.map(drop), "get_policy");
    gone(
        a.get_access_key(i, u, &k.key.id).await.map(drop),
        "get_access_key",
    );
    gone(a.delete_user(i, u).await, "delete_user");
    gone(
        a.create_user(i, CreateUser::new("eve")).await.map(drop),
        "create_user",
    );
    gone(
        a.create_access_key(i, u, CreateAccessKey::new())
            .await
            .map(drop),
        "create_access_key",
    );
    gone(a.get_instance(i).await.map(drop), "get_instance");
    // Made again by the other client: seen at once, empty.
    b.create_instance(CreateInstance::new(i)).await.unwrap();
    assert!(
        a.list_users(i, ListOptions::new())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let e = a.get_user(i, u).await.unwrap_err();
    assert_eq!(
        e.resource().map(|(k, _)| k),
        Some(ResourceKind::User),
        "{e}"
    );
    a.delete_instance(i, DeleteInstance::new()).await.unwrap();
}

/// Concurrent joins and leaves of one instance's group share `update-group-members` requests
/// (they are serialised per group, so one request each would queue every caller behind the
/// others), and every member still lands and leaves.
async fn batched_group_changes(p: &RustfsProvider, proxy: &FaultProxy) {
    let (i, n) = ("bg", 16);
    p.create_instance(CreateInstance::new(i)).await.unwrap();
    let users: Vec<String> = (0..n).map(|k| format!("u{k:02}")).collect();
    let updates = || {
        proxy
            .events()
            .iter()
            .filter(|e| e.request.contains("update-group-members"))
            .count()
    };
    let before = updates();
    let made =
        futures::future::join_all(users.iter().map(|u| p.create_user(i, CreateUser::new(u)))).await;
    assert!(made.iter().all(Result::is_ok), "{made:?}");
    let joins = updates() - before;
    let group = p
        .admin_raw(http::Method::GET, "group", &[("group", "s3aas-bg")], None)
        .await
        .unwrap();
    let members: serde_json::Value = serde_json::from_slice(&group.body).unwrap();
    assert_eq!(
        members["members"].as_array().map(Vec::len),
        Some(n),
        "{members}"
    );
    let before = updates();
    let gone = futures::future::join_all(users.iter().map(|u| p.delete_user(i, u))).await;
    assert!(gone.iter().all(Result::is_ok), "{gone:?}");
    let leaves = updates() - before;
    assert!(
        joins < n && leaves < n,
        "batched: {joins} joins, {leaves} leaves for {n} users"
    );
    // The group is empty again: deleting the instance deletes it.
    p.delete_instance(i, DeleteInstance::new()).await.unwrap();
    println!(
        "{n} concurrent creates joined the group in {joins} requests, {n} deletes left it in {leaves}"
    );
}

/// The backends of the README table, in its column order.
const BACKENDS: [&str; 4] = ["RustFS", "MinIO", "Ceph RGW", "SeaweedFS"];

/// The README table: operation → requests per backend, in `BACKENDS` order (`None`: `–`, not
/// offered).
fn readme_table() -> BTreeMap<String, Vec<Option<u64>>> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    // No section yet reads as an empty table: every operation then shows as a mismatch.
    let section = readme.split(README_HEADING).nth(1).unwrap_or_default();
    let mut rows = BTreeMap::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let Some(op) = cells.first() else {
            continue;
        };
        let counts: Option<Vec<Option<u64>>> = (1..=BACKENDS.len())
            .map(|c| match cells.get(c).copied() {
                Some("–") => Some(None),
                Some(n) => n.parse().ok().map(Some),
                None => None,
            })
            .collect();
        if let Some(counts) = counts {
            rows.insert(op.trim_matches('`').to_string(), counts);
        }
    }
    rows
}

/// A proxy counting every request to `endpoint` (`http://host:port`).
async fn counting_proxy(endpoint: &str) -> FaultProxy {
    let upstream = endpoint
        .trim_start_matches("http://")
        .parse()
        .expect("loopback address");
    FaultProxy::start(upstream, FaultConfig::new(1).record_all(true))
        .await
        .expect("proxy")
}

/// Counts on a warm provider (its first call already made: one-off probes are not counted).
async fn warm_and_measure(p: &dyn ObjectStoreProvider, proxy: &FaultProxy) -> Measured {
    p.list_instances(ListOptions::new()).await.expect("warm");
    measure(p, proxy).await
}

/// RustFS and MinIO on one RustFS server, with the checks that need two clients of it.
async fn on_rustfs(server: &RustfsServer) -> [Measured; 2] {
    let (pr, pm) = (
        counting_proxy(&server.endpoint).await,
        counting_proxy(&server.endpoint).await,
    );
    let secret = || SecretString::from(server.secret_key.clone());
    let rustfs = RustfsProvider::builder(pr.endpoint(), &server.access_key, secret())
        .build()
        .expect("rustfs provider");
    let minio = MinioProvider::builder(pm.endpoint(), &server.access_key, secret())
        .system_bucket("s3aas-system-minio")
        .build()
        .expect("minio provider");
    let direct = RustfsProvider::builder(&server.endpoint, &server.access_key, secret())
        .build()
        .expect("second rustfs provider");
    two_clients(&rustfs, &direct).await;
    println!("two clients on one server: every change seen at once");
    batched_group_changes(&rustfs, &pr).await;
    let a = warm_and_measure(&rustfs, &pr).await;
    let b = warm_and_measure(&minio, &pm).await;
    [a, b]
}

fn main() {
    let Some(server) = RustfsServer::start_or_skip("round trips per operation, counted") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let [rustfs, minio] = rt.block_on(on_rustfs(&server));
    drop(server);
    let mut columns: Vec<Option<Measured>> = vec![Some(rustfs), Some(minio)];
    // Each server is stopped (by pid, on drop) before the next starts.
    columns.push(
        CephCluster::start_or_skip("round trips per operation on Ceph RGW").map(|cluster| {
            rt.block_on(async {
                let (endpoint, access, secret) = cluster.credentials();
                let proxy = counting_proxy(&endpoint).await;
                let p =
                    CephProvider::builder(proxy.endpoint(), &access, SecretString::from(secret))
                        .build()
                        .expect("ceph provider");
                warm_and_measure(&p, &proxy).await
            })
        }),
    );
    columns.push(
        SeaweedfsServer::start_or_skip("round trips per operation on SeaweedFS").map(|server| {
            let c = &server.conn;
            rt.block_on(async {
                let proxy = counting_proxy(&c.endpoint).await;
                let p = SeaweedfsProvider::builder(
                    proxy.endpoint(),
                    &c.access_key,
                    SecretString::from(c.secret_key.clone()),
                )
                .build()
                .expect("seaweedfs provider");
                warm_and_measure(&p, &proxy).await
            })
        }),
    );
    drop(rt);
    let readme = readme_table();
    let cell = |m: &Option<Counted>| {
        m.as_ref()
            .map_or("–".to_string(), |c| c.requests.to_string())
    };
    let ops: Vec<&str> = columns[0]
        .as_ref()
        .expect("rustfs")
        .iter()
        .map(|(op, _)| *op)
        .collect();
    println!("| operation | {} |", BACKENDS.join(" | "));
    println!("|{}", " --- |".repeat(BACKENDS.len() + 1));
    for (row, op) in ops.iter().enumerate() {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| c.as_ref().map_or("not run".into(), |c| cell(&c[row].1)))
            .collect();
        println!("| `{op}` | {} |", cells.join(" | "));
    }
    let trace = std::env::var_os("S3AAS_ROUND_TRIPS_TRACE").is_some();
    let mut ok = true;
    for (k, (col, backend)) in columns.iter().zip(BACKENDS).enumerate() {
        let Some(col) = col else {
            continue;
        };
        for (op, counted) in col {
            let measured = counted.as_ref().map(|c| c.requests);
            let want = readme.get(*op).map(|r| r[k]);
            let same = want == Some(measured);
            ok &= same;
            if trace || !same {
                let lines = counted
                    .as_ref()
                    .map(|c| c.lines.join("\n          "))
                    .unwrap_or_default();
                println!(
                    "{} {backend} {op}: measured {measured:?}, README {want:?}\n          {lines}",
                    if same { "ok" } else { "MISMATCH" },
                );
            }
        }
    }
    if ok {
        let ran: Vec<&str> = columns
            .iter()
            .zip(BACKENDS)
            .filter(|(c, _)| c.is_some())
            .map(|(_, b)| b)
            .collect();
        println!(
            "real-server round-trips: {} operations counted on {}, as the README says",
            ops.len(),
            ran.join(", ")
        );
    }
    std::process::exit(if ok { 0 } else { 101 });
}
