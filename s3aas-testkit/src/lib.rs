//! # s3aas-testkit: the conformance suite
//!
//! One contract, run against every provider. [`run`] takes any `ObjectStoreProvider`, selects the
//! cases its [`Capabilities`] allow, runs each as a test (through `libtest-mimic`, so the usual
//! `cargo test` filters and output apply), then checks that nothing it made is left behind and
//! prints which cases were skipped for which capability, so a skip is never mistaken for a pass.
//!
//! Cases that need objects in buckets (non-empty delete refusal, forced delete, usage) run when
//! an [`ObjectSeeder`] is given: the in-memory seeder here, or a signed S3 `PUT` for real servers.
//!
//! This crate is the contract only: the servers s3aas's own tests run it against (the ECS
//! simulator, the MinIO and S3 fakes, the RustFS launcher) are in the unpublished `s3aas-fakes`.
//!
//! ```no_run
//! // tests/conformance.rs, with `harness = false` in Cargo.toml
//! use std::sync::Arc;
//! fn main() {
//!     let p = Arc::new(s3aas_core::MemoryProvider::new());
//!     let seeder = Arc::new(s3aas_testkit::MemorySeeder(p.clone()));
//!     s3aas_testkit::run(s3aas_testkit::Suite::new(p).seeder(seeder)).exit();
//! }
//! ```

mod cases;

use async_trait::async_trait;
use futures::future::BoxFuture;
use s3aas_core::{Capabilities, Error, ErrorKind, MemoryProvider, ObjectStoreProvider, Result};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub use cases::all_cases;

/// Writes objects into buckets, so the suite can test what depends on bucket contents.
#[async_trait]
pub trait ObjectSeeder: Send + Sync {
    /// Stores `data` under `key`.
    async fn put_object(
        &self,
        instance: &str,
        bucket: &str,
        key: &str,
        data: Vec<u8>,
    ) -> Result<()>;

    /// Deletes every object (and version) in a bucket, so it can be deleted without force.
    async fn empty_bucket(&self, instance: &str, bucket: &str) -> Result<()>;
}

/// Seeds a [`MemoryProvider`].
#[derive(Debug, Clone)]
pub struct MemorySeeder(pub Arc<MemoryProvider>);

#[async_trait]
impl ObjectSeeder for MemorySeeder {
    async fn put_object(
        &self,
        instance: &str,
        bucket: &str,
        key: &str,
        data: Vec<u8>,
    ) -> Result<()> {
        self.0.put_object(instance, bucket, key, data.len() as u64)
    }

    async fn empty_bucket(&self, instance: &str, bucket: &str) -> Result<()> {
        self.0.empty_bucket(instance, bucket)
    }
}

/// Seeds buckets through signed S3 calls (for real servers and S3 fakes).
#[derive(Debug, Clone)]
pub struct S3Seeder(pub s3aas_http::S3Client);

#[async_trait]
impl ObjectSeeder for S3Seeder {
    async fn put_object(
        &self,
        _instance: &str,
        bucket: &str,
        key: &str,
        data: Vec<u8>,
    ) -> Result<()> {
        self.0
            .put_object(bucket, key, data.into(), &[])
            .await
            .map(drop)
    }

    async fn empty_bucket(&self, _instance: &str, bucket: &str) -> Result<()> {
        self.0.empty_bucket(bucket).await
    }
}

/// A failed check, with the reason.
#[derive(Debug)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure(format!("unexpected error: {e}"))
    }
}

/// The result of a case.
pub type CaseResult = std::result::Result<(), Failure>;

/// What a case runs with.
pub struct Ctx {
    /// The provider under test.
    pub provider: Arc<dyn ObjectStoreProvider>,
    /// Writes objects, when available.
    pub seeder: Option<Arc<dyn ObjectSeeder>>,
    /// The capabilities the cases were selected by.
    pub caps: Capabilities,
    /// Where replication cases replicate to (see [`Suite::replication_destination`]).
    pub replication_destination: Option<s3aas_core::model::ReplicationDestination>,
    prefix: String,
    counter: AtomicU32,
}

impl fmt::Debug for Ctx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx")
            .field("backend", &self.provider.backend())
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl Ctx {
    /// A fresh name unique to this run: `<prefix><tag><n>`, valid as an instance, bucket, user
    /// and policy name.
    pub fn name(&self, tag: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{}{}{}", self.prefix, tag, n)
    }

    /// The prefix of every name this run makes.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Creates an instance, runs `body` with its name, then deletes the instance (forced when the
    /// backend can), whatever `body` returned. A failed cleanup fails the case.
    pub async fn with_instance<F, Fut>(
        &self,
        req: s3aas_core::model::CreateInstance,
        body: F,
    ) -> CaseResult
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = CaseResult>,
    {
        let inst = self.provider.create_instance(req).await?;
        let result = body(inst.id.clone()).await;
        let cleanup = self.delete_instance(&inst.id).await;
        match (result, cleanup) {
            (Err(f), _) => Err(f),
            (Ok(()), Err(e)) => Err(Failure(format!(
                "cleanup of instance '{}' failed: {e}",
                inst.id
            ))),
            (Ok(()), Ok(())) => Ok(()),
        }
    }

    /// Deletes an instance made by the suite: forced where the backend can force, otherwise after
    /// emptying its buckets through the seeder.
    pub async fn delete_instance(&self, id: &str) -> Result<()> {
        use s3aas_core::model::{DeleteInstance, ListOptions};
        let force = self.caps.bucket_force_delete;
        if !force {
            if let Some(seeder) = &self.seeder {
                let mut opts = ListOptions::new();
                loop {
                    let page = match self.provider.list_buckets(id, opts.clone()).await {
                        Ok(p) => p,
                        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
                        Err(e) => return Err(e),
                    };
                    for b in &page.items {
                        seeder.empty_bucket(id, &b.name).await?;
                    }
                    match page.next {
                        Some(n) => opts = opts.continuation(n),
                        None => break,
                    }
                }
            }
        }
        self.provider
            .delete_instance(id, DeleteInstance::new().force(force))
            .await
    }

    /// A new instance named for this run, with no default bucket.
    pub fn instance_req(&self) -> s3aas_core::model::CreateInstance {
        s3aas_core::model::CreateInstance::new(self.name("i"))
    }
}

/// A case of the suite.
pub struct Case {
    /// Unique name, `area::what`.
    pub name: &'static str,
    /// Why the case does not apply to these capabilities, or `None` when it runs.
    pub skip: fn(&Capabilities, bool) -> Option<&'static str>,
    /// The case.
    pub run: for<'a> fn(&'a Ctx) -> BoxFuture<'a, CaseResult>,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Case").field("name", &self.name).finish()
    }
}

/// A suite run: a provider plus options.
pub struct Suite {
    provider: Arc<dyn ObjectStoreProvider>,
    seeder: Option<Arc<dyn ObjectSeeder>>,
    replication_destination: Option<s3aas_core::model::ReplicationDestination>,
    label: String,
    args: Option<libtest_mimic::Arguments>,
}

impl fmt::Debug for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Suite").field("label", &self.label).finish()
    }
}

impl Suite {
    /// A suite for a provider; test names are prefixed with the backend name. The provider is
    /// exercised behind a [`Client`](s3aas_core::Client), as the registry hands it to users,
    /// so the shared checks (validation, capability gate, error context) are part of the
    /// contract the suite verifies.
    pub fn new(provider: Arc<dyn ObjectStoreProvider>) -> Self {
        let label = provider.backend().to_string();
        Suite {
            provider: Arc::new(s3aas_core::Client::new(provider)),
            seeder: None,
            replication_destination: None,
            label,
            args: None,
        }
    }

    /// A destination the replication cases may point rules at: an existing, versioned bucket
    /// on another server (its `bucket` is used as given). Required when the backend declares
    /// `bucket_replication`: the replication case fails without one rather than pass unchecked.
    pub fn replication_destination(
        mut self,
        destination: s3aas_core::model::ReplicationDestination,
    ) -> Self {
        self.replication_destination = Some(destination);
        self
    }

    /// Adds an object seeder.
    pub fn seeder(mut self, seeder: Arc<dyn ObjectSeeder>) -> Self {
        self.seeder = Some(seeder);
        self
    }

    /// Sets the label test names start with (default: the backend name).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Uses these test-runner arguments instead of the command line.
    pub fn args(mut self, args: libtest_mimic::Arguments) -> Self {
        self.args = Some(args);
        self
    }
}

/// What a suite run did.
#[derive(Debug)]
pub struct Report {
    conclusion: libtest_mimic::Conclusion,
    leftovers: Option<String>,
}

impl Report {
    /// Whether every selected case passed and nothing was left behind.
    pub fn passed(&self) -> bool {
        !self.conclusion.has_failed() && self.leftovers.is_none()
    }

    /// Number of cases that passed.
    pub fn num_passed(&self) -> u64 {
        self.conclusion.num_passed
    }

    /// Number of cases that failed.
    pub fn num_failed(&self) -> u64 {
        self.conclusion.num_failed
    }

    /// Number of cases skipped (by capability, or filtered out on the command line).
    pub fn num_skipped(&self) -> u64 {
        self.conclusion.num_ignored + self.conclusion.num_filtered_out
    }

    /// One line for CI logs: `<label>: conformance passed=N failed=N skipped=N leftovers=none|...`.
    pub fn summary(&self, label: &str) -> String {
        format!(
            "{label}: conformance passed={} failed={} skipped={} leftovers={}",
            self.num_passed(),
            self.num_failed(),
            self.num_skipped(),
            self.leftovers.as_deref().unwrap_or("none")
        )
    }

    /// Exits the process: 0 if everything passed, 101 otherwise (like `cargo test`).
    pub fn exit(self) -> ! {
        if let Some(l) = &self.leftovers {
            eprintln!("conformance: {l}");
        }
        std::process::exit(if self.passed() { 0 } else { 101 })
    }
}

fn random_prefix() -> String {
    use rand::Rng;
    const HEX: &[u8] = b"0123456789abcdef";
    let mut rng = rand::thread_rng();
    let tag: String = (0..6).map(|_| HEX[rng.gen_range(0..16)] as char).collect();
    format!("s3t-{tag}-")
}

/// Runs the suite: every case the capabilities allow, then the leftover check.
pub fn run(suite: Suite) -> Report {
    let caps = suite.provider.capabilities();
    let has_seeder = suite.seeder.is_some();
    let ctx = Arc::new(Ctx {
        provider: suite.provider.clone(),
        seeder: suite.seeder.clone(),
        caps,
        replication_destination: suite.replication_destination.clone(),
        prefix: random_prefix(),
        counter: AtomicU32::new(0),
    });
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime"),
    );
    let mut skipped: Vec<(String, &'static str)> = Vec::new();
    let trials: Vec<libtest_mimic::Trial> = all_cases()
        .into_iter()
        .map(|case| {
            let name = format!("{}::{}", suite.label, case.name);
            match (case.skip)(&caps, has_seeder) {
                Some(reason) => {
                    skipped.push((name.clone(), reason));
                    libtest_mimic::Trial::test(name, || Ok(())).with_ignored_flag(true)
                }
                None => {
                    let ctx = ctx.clone();
                    let rt = rt.clone();
                    libtest_mimic::Trial::test(name, move || {
                        rt.block_on((case.run)(&ctx)).map_err(|f| f.0.into())
                    })
                }
            }
        })
        .collect();
    let args = suite
        .args
        .unwrap_or_else(libtest_mimic::Arguments::from_args);
    let listing = args.list;
    let conclusion = libtest_mimic::run(&args, trials);
    if listing {
        return Report {
            conclusion,
            leftovers: None,
        };
    }
    if !skipped.is_empty() {
        println!(
            "conformance: {} case(s) skipped by capability (not passed):",
            skipped.len()
        );
        for (name, reason) in &skipped {
            println!("  skipped {name}: {reason}");
        }
    }
    let leftovers = rt.block_on(async {
        let page = ctx
            .provider
            .list_instances(s3aas_core::model::ListOptions::new().prefix(ctx.prefix.clone()))
            .await;
        match page {
            Ok(p) if p.items.is_empty() => None,
            Ok(p) => Some(format!(
                "left behind {} instance(s): {}",
                p.items.len(),
                p.items
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Err(e) => Some(format!(
                "could not list instances for the leftover check: {e}"
            )),
        }
    });
    match &leftovers {
        None => println!(
            "conformance: no instances left behind (prefix {})",
            ctx.prefix
        ),
        Some(l) => println!("conformance: FAILED leftover check: {l}"),
    }
    Report {
        conclusion,
        leftovers,
    }
}

/// Fails unless `r` is an error of `kind`; returns the error for further checks.
pub fn expect_kind<T: fmt::Debug>(
    r: Result<T>,
    kind: ErrorKind,
    what: &str,
) -> std::result::Result<Error, Failure> {
    match r {
        Err(e) if e.kind() == kind => Ok(e),
        Err(e) => Err(Failure(format!("{what}: expected {kind}, got error {e}"))),
        Ok(v) => Err(Failure(format!(
            "{what}: expected {kind}, got success {v:?}"
        ))),
    }
}

/// Fails with `msg` unless `cond`.
pub fn check(cond: bool, msg: impl Into<String>) -> CaseResult {
    if cond {
        Ok(())
    } else {
        Err(Failure(msg.into()))
    }
}

/// Fails unless `a == b`.
pub fn check_eq<T: PartialEq + fmt::Debug>(a: T, b: T, what: &str) -> CaseResult {
    if a == b {
        Ok(())
    } else {
        Err(Failure(format!("{what}: expected {b:?}, got {a:?}")))
    }
}
