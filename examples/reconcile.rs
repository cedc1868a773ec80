//! Reconcile a backend with a desired state: read a spec file (YAML or JSON), print the plan,
//! apply it when asked (`--yes`), and print what still differs (drift) and the orphans.
//!
//! ```text
//! cargo run --example reconcile -- examples/reconcile.yaml          # plan only
//! cargo run --example reconcile -- examples/reconcile.yaml --yes    # plan, apply, drift
//!     [--audit audit.jsonl] [--show-secrets] [--concurrency 8]
//! ```
//!
//! The backend comes from the environment as for the quickstart (`S3AAS_BACKEND`, default the
//! embedded in-memory provider, which starts empty on every run). `--audit FILE` appends one JSON
//! line per change made; new keys' secrets are printed only with `--show-secrets`.

use s3aas::Client;
use s3aas::state::{self, ApplyOptions, Spec};
use std::sync::Arc;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("reconcile failed: {e}");
        std::process::exit(1);
    }
}

struct Args {
    spec: String,
    yes: bool,
    audit: Option<String>,
    show_secrets: bool,
    concurrency: usize,
}

fn args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        spec: String::new(),
        yes: false,
        audit: None,
        show_secrets: false,
        concurrency: 8,
    };
    while let Some(x) = it.next() {
        match x.as_str() {
            "--yes" => a.yes = true,
            "--show-secrets" => a.show_secrets = true,
            "--audit" => a.audit = Some(it.next().ok_or("--audit needs a file")?),
            "--concurrency" => {
                a.concurrency = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--concurrency needs a number")?
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => a.spec = s.to_string(),
        }
    }
    if a.spec.is_empty() {
        return Err("usage: reconcile SPEC.yaml|SPEC.json [--yes] [--audit FILE] [--show-secrets] [--concurrency N]".into());
    }
    Ok(a)
}

fn read_spec(path: &str) -> Result<Spec, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
    if path.ends_with(".yaml") || path.ends_with(".yml") {
        serde_yaml::from_str(&text).map_err(|e| format!("{path}: {e}"))
    } else {
        Spec::from_json(&text).map_err(|e| format!("{path}: {e}"))
    }
}

async fn run() -> Result<(), String> {
    let a = args()?;
    let spec = read_spec(&a.spec)?;
    let mut client = Client::new(s3aas::from_env().map_err(|e| e.to_string())?);
    if let Some(path) = &a.audit {
        let sink = s3aas::audit::JsonLinesSink::open(path).map_err(|e| format!("{path}: {e}"))?;
        client = client.with_audit_sink(Arc::new(sink));
    }
    let started = std::time::Instant::now();
    let plan = state::plan(&client, &spec)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "plan for {} tenant(s) on {} ({} reads, {:?}):",
        plan.tenants.len(),
        plan.backend,
        plan.reads(),
        started.elapsed()
    );
    print!("{plan}");
    if !a.yes {
        println!("(plan only: run again with --yes to apply)");
        return Ok(());
    }
    let report = state::apply(
        &client,
        &plan,
        ApplyOptions::default().concurrency(a.concurrency),
    )
    .await;
    print!("{report}");
    if a.show_secrets {
        for t in &report.tenants {
            for k in &t.new_keys {
                println!(
                    "secret of key {} ({}): {}",
                    k.name,
                    k.key.key.access_key_id,
                    s3aas::ExposeSecret::expose_secret(&k.key.secret_access_key)
                );
            }
        }
    }
    println!("drift after applying:");
    for t in &spec.tenants {
        let d = state::drift(&client, t).await.map_err(|e| e.to_string())?;
        let open: Vec<_> = d.changes.iter().collect();
        if open.is_empty() {
            println!("  {}: matches the spec", t.instance);
        }
        for c in open {
            println!("  {}: {c}", t.instance);
        }
        for o in &d.orphans {
            println!(
                "  {}: orphan {} {} ({:?})",
                t.instance, o.kind, o.name, o.origin
            );
        }
    }
    if report.is_complete() {
        Ok(())
    } else {
        Err("some changes failed (see above); run again to plan what remains".into())
    }
}
