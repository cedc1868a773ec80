//! One command, one fresh local RustFS 1.0.1, one table: the same admin workload through s3aas
//! (the trait, on both admin APIs: RustFS's plain `/rustfs/admin/v3` and the encrypted
//! `/minio/admin/v3`), one bare signed request per call (reqwest + SigV4 on the plain API: the
//! physical limit of one request), madmin-go (Debian's 2.0.7) and the MinIO Python SDK's
//! `MinioAdmin` (PyPI `minio`), with the same N and concurrency. A peer that fails a call is
//! shown failing, with its error. Then whole tenants through s3aas (`provision_tenant`, listing
//! everything, deleting) beside the same steps as bare signed requests (no checks: the physical
//! limit), and the cold start of a provider.
//!
//! ```sh
//! scripts/install-go-madmin.sh && scripts/install-python-minio.sh   # once (Debian, PyPI)
//! cargo run --release --example compare_peers -- 100 8 1000          # N, concurrency, tenants
//! cargo run --release --example compare_peers -- 100 8 1000 plan     # only desired state
//! ```
//!
//! The s3aas columns are the trait operations, which do what a control plane needs, not single
//! calls: `create_user` checks the instance and that the name is free (`add-user` is an upsert)
//! and joins the instance group (4 requests); `create_access_key` reads the new key back to
//! check its parent (2); `delete_user` leaves the group first (2); `list_users` is one request.
//! The README's round-trip table says why each request is there. The peers make one request per
//! call, with no such checks.

use futures::StreamExt;
use s3aas::http::SigV4Signer;
use s3aas::minio::MinioProvider;
use s3aas::prelude::*;
use s3aas::rustfs::RustfsProvider;
use s3aas::{SecretString, TenantSpec, provision_tenant};
use s3aas_fakes::repo;
use s3aas_fakes::rustfs::RustfsServer;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Instant, SystemTime};

const OPS: [&str; 4] = [
    "add-user",
    "list-users",
    "add-service-account",
    "remove-user",
];

/// Operations per second, or the first error's text.
type Rate = Result<f64, String>;

async fn timed<F, Fut>(n: usize, conc: usize, f: F) -> Rate
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let start = Instant::now();
    let results: Vec<Result<(), String>> = futures::stream::iter(0..n)
        .map(f)
        .buffer_unordered(conc)
        .collect()
        .await;
    match results.into_iter().find_map(Result::err) {
        Some(e) => Err(e),
        None => Ok(n as f64 / start.elapsed().as_secs_f64()),
    }
}

/// The four calls through the trait, on an instance made for the run.
async fn s3aas_side(
    p: &dyn ObjectStoreProvider,
    n: usize,
    conc: usize,
    inst: &str,
) -> BTreeMap<&'static str, Rate> {
    p.create_instance(CreateInstance::new(inst))
        .await
        .expect("instance");
    let users: Vec<String> = (0..n).map(|i| format!("u{i:05}")).collect();
    let err = |e: s3aas::Error| e.to_string();
    let mut out = BTreeMap::new();
    out.insert(
        "add-user",
        timed(n, conc, |i| {
            let u = &users[i];
            async move {
                p.create_user(inst, CreateUser::new(u))
                    .await
                    .map(drop)
                    .map_err(err)
            }
        })
        .await,
    );
    out.insert(
        "list-users",
        timed(n, conc, |_| async {
            p.list_users(inst, ListOptions::new().limit(1000))
                .await
                .map(drop)
                .map_err(err)
        })
        .await,
    );
    out.insert(
        "add-service-account",
        timed(n, conc, |i| {
            let u = &users[i];
            async move {
                p.create_access_key(inst, u, CreateAccessKey::new())
                    .await
                    .map(drop)
                    .map_err(err)
            }
        })
        .await,
    );
    out.insert(
        "remove-user",
        timed(n, conc, |i| {
            let u = &users[i];
            async move { p.delete_user(inst, u).await.map_err(err) }
        })
        .await,
    );
    p.delete_instance(inst, DeleteInstance::new())
        .await
        .expect("cleanup");
    out
}

fn rand_hex(n: usize) -> String {
    use rand::Rng;
    let mut r = rand::thread_rng();
    (0..n)
        .map(|_| format!("{:x}", r.gen_range(0..16u8)))
        .collect()
}

/// One bare signed request per call on RustFS's plain admin API.
struct Bare {
    client: reqwest::Client,
    signer: SigV4Signer,
    endpoint: String,
    host: String,
}

impl Bare {
    /// One admin call on `/rustfs/admin/v3/{cmd}{query}` with a JSON body (or none).
    async fn call(
        &self,
        method: &str,
        cmd: &str,
        query: &str,
        body: Option<Value>,
    ) -> Result<(), String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.send(method, &format!("/rustfs/admin/v3/{cmd}{query}"), body)
            .await
    }

    /// One signed request on any path (admin or S3).
    async fn send(&self, method: &str, path: &str, body: String) -> Result<(), String> {
        let url = format!("{}{path}", self.endpoint);
        let mut req = http::Request::builder()
            .method(method)
            .uri(&url)
            .header("host", &self.host)
            .body(bytes::Bytes::from(body.clone()))
            .map_err(|e| e.to_string())?;
        self.signer
            .sign(&mut req, SystemTime::now())
            .map_err(|e| e.to_string())?;
        let (parts, _) = req.into_parts();
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut rb = self.client.request(method, &url).body(body);
        for (k, v) in &parts.headers {
            if k != http::header::HOST {
                rb = rb.header(k, v);
            }
        }
        let resp = rb.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let text = resp.bytes().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&text)))
        }
    }
}

async fn bare_side(b: &Bare, n: usize, conc: usize, prefix: &str) -> BTreeMap<&'static str, Rate> {
    let users: Vec<String> = (0..n).map(|i| format!("{prefix}-u{i:05}")).collect();
    let keys: Vec<String> = (0..n)
        .map(|i| format!("{}{i:05}", prefix.to_uppercase().replace('-', "")))
        .collect();
    let secret = || rand_hex(40);
    let mut out = BTreeMap::new();
    out.insert(
        "add-user",
        timed(n, conc, |i| {
            let q = format!("?accessKey={}", users[i]);
            let body = serde_json::json!({"secretKey": secret(), "status": "enabled"});
            async move { b.call("PUT", "add-user", &q, Some(body)).await }
        })
        .await,
    );
    out.insert(
        "list-users",
        timed(n, conc, |_| async {
            b.call("GET", "list-users", "", None).await
        })
        .await,
    );
    out.insert(
        "add-service-account",
        timed(n, conc, |i| {
            let body = serde_json::json!({"targetUser": users[i], "accessKey": keys[i], "secretKey": secret()});
            async move { b.call("PUT", "add-service-account", "", Some(body)).await }
        })
        .await,
    );
    out.insert(
        "remove-user",
        timed(n, conc, |i| {
            let q = format!("?accessKey={}", users[i]);
            async move { b.call("DELETE", "remove-user", &q, None).await }
        })
        .await,
    );
    out
}

/// A peer program's JSON answer (operation → ops/s or error text), or why it did not run.
fn peer(cmd: &mut Command) -> BTreeMap<String, Rate> {
    let parse = |v: &Value| match v {
        Value::Number(n) => Ok(n.as_f64().unwrap_or(f64::NAN)),
        other => Err(other.as_str().unwrap_or("no result").to_string()),
    };
    match cmd.output() {
        Ok(o) if o.status.success() => serde_json::from_slice::<BTreeMap<String, Value>>(&o.stdout)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), parse(v))).collect())
            .unwrap_or_default(),
        Ok(o) => OPS
            .iter()
            .map(|op| {
                (
                    op.to_string(),
                    Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
                )
            })
            .collect(),
        Err(e) => OPS
            .iter()
            .map(|op| (op.to_string(), Err(e.to_string())))
            .collect(),
    }
}

/// Builds the madmin-go side against Debian's package (GOPATH mode, no network).
fn madmin_go() -> Result<PathBuf, String> {
    let out = Command::new("dpkg")
        .args(["-L", "golang-github-minio-madmin-go-dev"])
        .output()
        .map_err(|e| format!("dpkg: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("/gocode/"))
        .ok_or("madmin-go is not installed: run scripts/install-go-madmin.sh")?;
    let gopath = &line[..line.find("/gocode/").unwrap_or(0) + "/gocode".len()];
    let bin = std::env::temp_dir().join(format!("s3aas-compare-madmin-go-{}", std::process::id()));
    let src = repo::script(env!("CARGO_MANIFEST_DIR"), "compare_madmin_go.go");
    let o = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(src)
        .env("GOPATH", gopath)
        .env("GO111MODULE", "off")
        .env("GOPROXY", "off")
        .env("GOCACHE", std::env::temp_dir().join("s3aas-go-build-cache"))
        .output()
        .map_err(|e| format!("go: {e}"))?;
    if !o.status.success() {
        return Err(format!("go build: {}", String::from_utf8_lossy(&o.stderr)));
    }
    Ok(bin)
}

/// Whole tenants through `provision_tenant` at `conc`: made, listed, deleted; tenants/s each.
async fn tenants(p: &dyn ObjectStoreProvider, count: usize, conc: usize, tag: &str) -> [f64; 3] {
    let names: Vec<String> = (0..count).map(|i| format!("{tag}{i:05}")).collect();
    let start = Instant::now();
    let made: Vec<_> = futures::stream::iter(&names)
        .map(|n| async move {
            let spec = TenantSpec::new(n, format!("{n}-data"), "owner")
                .bucket(CreateBucket::new(format!("{n}-data")).versioning(true));
            provision_tenant(p, &spec).await
        })
        .buffer_unordered(conc)
        .collect()
        .await;
    let made_s = start.elapsed().as_secs_f64();
    if let Some(e) = made.iter().find_map(|r| r.as_ref().err()) {
        panic!("provisioning failed: {e}");
    }
    let start = Instant::now();
    let listed: usize = futures::stream::iter(&names)
        .map(|n| async move {
            let (u, b, k) = futures::join!(
                p.list_users(n, ListOptions::new()),
                p.list_buckets(n, ListOptions::new()),
                p.list_access_keys(n, "owner")
            );
            u.expect("users").items.len() + b.expect("buckets").items.len() + k.expect("keys").len()
        })
        .buffer_unordered(conc)
        .fold(0, |a, b| async move { a + b })
        .await;
    let list_s = start.elapsed().as_secs_f64();
    assert_eq!(
        listed,
        3 * count,
        "every tenant lists its user, bucket and key"
    );
    let start = Instant::now();
    let deleted: Vec<_> = futures::stream::iter(&names)
        .map(|n| async move {
            p.delete_instance(n, DeleteInstance::new().force(true))
                .await
        })
        .buffer_unordered(conc)
        .collect()
        .await;
    let del_s = start.elapsed().as_secs_f64();
    if let Some(e) = deleted.iter().find_map(|r| r.as_ref().err()) {
        panic!("deleting failed: {e}");
    }
    [
        count as f64 / made_s,
        count as f64 / list_s,
        count as f64 / del_s,
    ]
}

/// One step of a bare tenant: the server, the tenant's name, its key id.
type Step = for<'a> fn(
    &'a Bare,
    String,
    String,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>,
>;

/// Runs `step` for `count` tenants at `conc`; tenants per second.
async fn steps(b: &Bare, count: usize, conc: usize, tag: &str, step: Step) -> f64 {
    let start = Instant::now();
    let results: Vec<Result<(), String>> = futures::stream::iter(0..count)
        .map(|i| {
            let key = format!("BK{}{i:05}", tag.to_uppercase().replace('-', ""));
            step(b, format!("{tag}{i:05}"), key)
        })
        .buffer_unordered(conc)
        .collect()
        .await;
    if let Some(e) = results.into_iter().find_map(Result::err) {
        panic!("bare tenants: {e}");
    }
    count as f64 / start.elapsed().as_secs_f64()
}

/// The same whole tenants as one bare signed request per step, no checks: the physical limit.
/// Provision: bucket, versioning, user, policy, attach, key (6 requests); list: the users, the
/// buckets, the user's keys (3); delete: key, user, policy, bucket (4).
async fn bare_tenants(b: &Bare, count: usize, conc: usize, tag: &str) -> [f64; 3] {
    const VERSIONING: &str = r#"<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>"#;
    let run = |step: Step| steps(b, count, conc, tag, step);
    let provision = run(|b, n, key| {
        Box::pin(async move {
            let bucket = format!("/{n}-data");
            b.send("PUT", &bucket, String::new()).await?;
            b.send("PUT", &format!("{bucket}?versioning="), VERSIONING.into())
                .await?;
            let user = format!("{n}--owner");
            let body = serde_json::json!({"secretKey": rand_hex(40), "status": "enabled"});
            b.call("PUT", "add-user", &format!("?accessKey={user}"), Some(body))
                .await?;
            let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["s3:*"], "Resource": [format!("arn:aws:s3:::{n}-data"), format!("arn:aws:s3:::{n}-data/*")]}]});
            b.send(
                "PUT",
                &format!("/rustfs/admin/v3/add-canned-policy?name={n}--rw"),
                doc.to_string(),
            )
            .await?;
            let body = serde_json::json!({"policies": [format!("{n}--rw")], "user": user});
            b.call("POST", "idp/builtin/policy/attach", "", Some(body))
                .await?;
            let body =
                serde_json::json!({"targetUser": user, "accessKey": key, "secretKey": rand_hex(40)});
            b.call("PUT", "add-service-account", "", Some(body)).await
        })
    })
    .await;
    let list = run(|b, n, _| {
        Box::pin(async move {
            let user = format!("?user={n}--owner");
            let (u, l, k) = futures::join!(
                b.call("GET", "list-users", "", None),
                b.send("GET", "/", String::new()),
                b.call("GET", "list-service-accounts", &user, None)
            );
            u.and(l).and(k)
        })
    })
    .await;
    let delete = run(|b, n, key| {
        Box::pin(async move {
            b.call(
                "DELETE",
                "delete-service-account",
                &format!("?accessKey={key}"),
                None,
            )
            .await?;
            b.call(
                "DELETE",
                "remove-user",
                &format!("?accessKey={n}--owner"),
                None,
            )
            .await?;
            b.call(
                "DELETE",
                "remove-canned-policy",
                &format!("?name={n}--rw"),
                None,
            )
            .await?;
            b.send("DELETE", &format!("/{n}-data"), String::new()).await
        })
    })
    .await;
    [provision, list, delete]
}

/// Desired state over `count` unchanged tenants: `apply` makes them, then `plan` reads them all
/// again (it must find nothing to do), beside one bare listing pass over the same tenants (per
/// tenant: its users, the buckets, its user's keys). Prints the times and reads.
async fn plan_side(p: RustfsProvider, b: &Bare, count: usize) {
    use s3aas::IntoClient;
    use s3aas::state::{self, ApplyOptions, Spec};
    let tenants: Vec<Value> = (0..count)
        .map(|i| {
            let n = format!("pl{i:05}");
            serde_json::json!({"instance": n,
                "buckets": [{"name": format!("{n}-data"), "versioning": true}],
                "users": [{"name": "owner", "policies": ["rw"], "keys": [{"name": "ci"}]}],
                "policies": [{"name": "rw", "document": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": ["s3:*"], "Resource": [
                        format!("arn:aws:s3:::{n}-data"), format!("arn:aws:s3:::{n}-data/*")]}]}}]})
        })
        .collect();
    let spec =
        Spec::from_json(&serde_json::json!({ "tenants": tenants }).to_string()).expect("spec");
    let client = p.into_client();
    let start = Instant::now();
    let first = state::plan(&client, &spec).await.expect("plan");
    let report = state::apply(&client, &first, ApplyOptions::default()).await;
    assert!(report.is_complete(), "apply: {report:?}");
    let applied = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let again = state::plan(&client, &spec).await.expect("plan again");
    let planned = start.elapsed().as_secs_f64();
    assert!(again.is_empty(), "unchanged tenants plan nothing: {again}");
    // The same facts with bare requests, two ways. Per tenant: its record, users (with their
    // attachments), bucket markers, the bucket's versioning, the policy, the user's keys, all
    // at once. Estate-wide: the three server-wide listings once, then per tenant only what has
    // no server-wide form (record, versioning, keys).
    let per_tenant = count as f64
        / steps(b, count, 8, "pl", |b, n, _| {
            Box::pin(async move {
                let (record, markers) = (
                    format!("/s3aas-system/v1/instances/{n}"),
                    format!("/s3aas-system?list-type=2&prefix=v1%2Fbuckets%2F{n}%2F"),
                );
                let (versioning, policy, keys) = (
                    format!("/{n}-data?versioning"),
                    format!("?name={n}--rw"),
                    format!("?user={n}--owner"),
                );
                let (r, u, l, v, p, k) = futures::join!(
                    b.send("GET", &record, String::new()),
                    b.call("GET", "list-users", "", None),
                    b.send("GET", &markers, String::new()),
                    b.send("GET", &versioning, String::new()),
                    b.call("GET", "info-canned-policy", &policy, None),
                    b.call("GET", "list-service-accounts", &keys, None)
                );
                r.and(u).and(l).and(v).and(p).and(k)
            })
        })
        .await;
    let start = Instant::now();
    let (u, l, p) = futures::join!(
        b.call("GET", "list-users", "", None),
        b.send("GET", "/", String::new()),
        b.call("GET", "list-canned-policies", "", None)
    );
    u.and(l).and(p).expect("server-wide listings");
    let wide = start.elapsed().as_secs_f64();
    let rest = count as f64
        / steps(b, count, 8, "pl", |b, n, _| {
            Box::pin(async move {
                let (record, versioning, keys) = (
                    format!("/s3aas-system/v1/instances/{n}"),
                    format!("/{n}-data?versioning"),
                    format!("?user={n}--owner"),
                );
                let (r, v, k) = futures::join!(
                    b.send("GET", &record, String::new()),
                    b.send("GET", &versioning, String::new()),
                    b.call("GET", "list-service-accounts", &keys, None)
                );
                r.and(v).and(k)
            })
        })
        .await;
    let estate = wide + rest;
    println!(
        "Desired state, {count} tenants: plan + apply {applied:.1} s; plan again (nothing to do) {planned:.2} s, {} reads ({:.1} per tenant)",
        again.reads(),
        f64::from(again.reads()) / count as f64,
    );
    println!(
        "  bare, per tenant (6 requests at once each, 8 tenants at once): {per_tenant:.2} s; plan / bare = {:.1}x",
        planned / per_tenant
    );
    println!(
        "  bare, estate-wide (3 server-wide listings {wide:.2} s, then 3 requests per tenant): {estate:.2} s; plan / bare = {:.1}x",
        planned / estate
    );
}

fn cell(r: Option<&Rate>) -> String {
    match r {
        Some(Ok(v)) => format!("{v:.0}"),
        Some(Err(e)) => {
            let e: String = e.chars().take(60).collect();
            format!("fails: `{}`", e.replace('|', "/").replace('`', "'"))
        }
        None => "not run".into(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let conc: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(8);
    let count: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let Some(server) = RustfsServer::start_or_skip("the side-by-side comparison") else {
        std::process::exit(2);
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let secret = || SecretString::from(server.secret_key.clone());
    let rustfs = RustfsProvider::builder(&server.endpoint, &server.access_key, secret())
        .build()
        .expect("rustfs");
    let minio = MinioProvider::builder(&server.endpoint, &server.access_key, secret())
        .build()
        .expect("minio");
    let url = url::Url::parse(&server.endpoint).expect("endpoint");
    let bare = Bare {
        client: reqwest::Client::new(),
        signer: SigV4Signer::new(server.access_key.clone(), secret(), "us-east-1"),
        endpoint: server.endpoint.clone(),
        host: format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port().unwrap_or(80)
        ),
    };
    let hostport = server.endpoint.trim_start_matches("http://").to_string();
    let peer_args = |prefix: &str| {
        vec![
            hostport.clone(),
            server.access_key.clone(),
            server.secret_key.clone(),
            n.to_string(),
            conc.to_string(),
            prefix.to_string(),
        ]
    };

    if args.get(4).is_some_and(|a| a == "plan") {
        // Only the desired-state section (it makes its own tenants).
        rt.block_on(plan_side(rustfs, &bare, count));
        return;
    }
    // Cold start: a provider from a URI, then its first call, against the same call warm.
    let (cold, warm) = rt.block_on(async {
        rustfs
            .create_instance(CreateInstance::new("cold"))
            .await
            .expect("instance");
        rustfs
            .create_user("cold", CreateUser::new("u"))
            .await
            .expect("user");
        let uri = server.endpoint.replace("http://", "rustfs://");
        let start = Instant::now();
        let p = s3aas::from_uri(
            &uri,
            [
                ("access_key", server.access_key.as_str()),
                ("secret_key", server.secret_key.as_str()),
            ],
        )
        .expect("from_uri");
        p.get_user("cold", "u").await.expect("first call");
        let cold = start.elapsed();
        let mut warm = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            p.get_user("cold", "u").await.expect("warm call");
            warm.push(t.elapsed());
        }
        warm.sort();
        rustfs
            .delete_instance("cold", DeleteInstance::new())
            .await
            .expect("cleanup");
        (cold, warm[warm.len() / 2])
    });

    let mut cols: Vec<(String, BTreeMap<String, Rate>)> = Vec::new();
    let own =
        |m: BTreeMap<&'static str, Rate>| m.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    cols.push((
        "s3aas trait, `/rustfs/admin/v3`".into(),
        own(rt.block_on(s3aas_side(&rustfs, n, conc, "cmp-r"))),
    ));
    cols.push((
        "s3aas trait, `/minio/admin/v3` (encrypted)".into(),
        own(rt.block_on(s3aas_side(&minio, n, conc, "cmp-m"))),
    ));
    cols.push((
        "one bare signed request, `/rustfs/admin/v3`".into(),
        own(rt.block_on(bare_side(&bare, n, conc, "cmp-b"))),
    ));
    let go = match madmin_go() {
        Ok(bin) => {
            let r = peer(Command::new(&bin).args(peer_args("cmp-g")));
            let _ = std::fs::remove_file(bin);
            r
        }
        Err(e) => OPS
            .iter()
            .map(|op| (op.to_string(), Err(e.clone())))
            .collect(),
    };
    cols.push(("madmin-go 2.0.7".into(), go));
    let install = repo::script(env!("CARGO_MANIFEST_DIR"), "install-python-minio.sh");
    let py = match s3aas_fakes::python::installed("S3AAS_MINIO_PYTHON", &install) {
        Some(py) => peer(
            Command::new(py)
                .arg(repo::script(
                    env!("CARGO_MANIFEST_DIR"),
                    "compare_minioadmin.py",
                ))
                .args(peer_args("cmp-p")),
        ),
        None => OPS
            .iter()
            .map(|op| {
                (
                    op.to_string(),
                    Err("not installed: run scripts/install-python-minio.sh".into()),
                )
            })
            .collect(),
    };
    cols.push(("minio-py `MinioAdmin`".into(), py));

    println!(
        "RustFS {} on 127.0.0.1, {} cores, N = {n}, concurrency = {conc}; operations per second",
        s3aas_fakes::rustfs::RUSTFS_VERSION,
        std::thread::available_parallelism()
            .map(|c| c.get())
            .unwrap_or(1)
    );
    println!();
    let head: Vec<&str> = cols.iter().map(|(h, _)| h.as_str()).collect();
    println!("| call | {} |", head.join(" | "));
    println!("|---{}|", "|---".repeat(cols.len()));
    for op in OPS {
        let cells: Vec<String> = cols.iter().map(|(_, m)| cell(m.get(op))).collect();
        println!("| {op} | {} |", cells.join(" | "));
    }
    println!();
    println!(
        "Cold start: `from_uri` + the first `get_user` {:.2} ms; the same call warm (median of 20) {:.2} ms",
        cold.as_secs_f64() * 1e3,
        warm.as_secs_f64() * 1e3
    );
    println!();
    println!(
        "Whole tenants (instance, versioned bucket, user, policy attached, key), {count} of them; tenants per second:"
    );
    println!();
    println!("| backend | concurrency | provision | list users, buckets, keys | delete (forced) |");
    println!("|---|---|---|---|---|");
    for c in [8, 32] {
        let [a, b, d] = rt.block_on(bare_tenants(&bare, count, c, &format!("tb{c}-")));
        println!("| one bare signed request per step | {c} | {a:.1} | {b:.1} | {d:.1} |");
        for (name, p, tag) in [
            ("s3aas RustFS", &rustfs as &dyn ObjectStoreProvider, "tr"),
            (
                "s3aas MinIO (encrypted)",
                &minio as &dyn ObjectStoreProvider,
                "tm",
            ),
        ] {
            let [a, b, d] = rt.block_on(tenants(p, count, c, &format!("{tag}{c}-")));
            println!("| {name} | {c} | {a:.1} | {b:.1} | {d:.1} |");
        }
    }
}
