//! The commands: one file per resource, each only turning arguments into library calls and
//! results into output. Validation and capability checks are the library's (`Client`), so a
//! bad name or a missing capability is refused before any request, as in a program.

mod bucket;
mod info;
mod instance;
mod key;
mod policy;
mod state;
mod tenant;
mod user;

use crate::cli::{Command, EncryptionArg};
use crate::output::Out;
use crate::progress::Progress;
use futures::StreamExt;
use s3aas::model::Encryption;
use s3aas::{Client, Error, ErrorKind, Result};
use serde_json::json;
use std::future::Future;
use std::io::Read;
use std::path::Path;

/// What every command works with.
#[derive(Debug)]
pub(crate) struct Ctx {
    /// The provider, behind the library's checks.
    pub(crate) client: Client,
    /// Where results go.
    pub(crate) out: Out,
    /// No progress bars.
    pub(crate) quiet: bool,
    /// Calls in flight in bulk commands.
    pub(crate) concurrency: usize,
}

/// How a command that ran ended: the process's exit code (0, or [`crate::exit::CHANGES`]).
pub(crate) type Code = u8;

/// Runs one command (everything but `completions`, which needs no provider).
pub(crate) async fn run(ctx: &Ctx, command: Command) -> Result<Code> {
    match command {
        Command::Instance(c) => instance::run(ctx, c).await,
        Command::Bucket(c) => bucket::run(ctx, c).await,
        Command::User(c) => user::run(ctx, c).await,
        Command::Policy(c) => policy::run(ctx, c).await,
        Command::Key(c) => key::run(ctx, c).await,
        Command::Provision(a) => tenant::provision(ctx, a).await,
        Command::Plan(a) => state::plan(ctx, a).await,
        Command::Apply(a) => state::apply(ctx, a).await,
        Command::Drift(a) => state::drift(ctx, a).await,
        Command::Health => info::health(ctx).await,
        Command::Capabilities => info::capabilities(ctx),
        Command::Completions { .. } => Err(Error::new(
            ErrorKind::InvalidInput,
            "completions are printed without a provider",
        )),
    }
}

/// Says what a command without a result did: a sentence on a table, an object in JSON.
fn done(ctx: &Ctx, action: &str, kind: &str, fields: serde_json::Value) -> Result<Code> {
    let what: Vec<String> = fields
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| format!("{k} {}", crate::output::cell(v)))
                .collect()
        })
        .unwrap_or_default();
    ctx.out.text_or_json(
        &format!("{action} {kind}: {}", what.join(", ")),
        json!({"action": action, "kind": kind, "resource": fields}),
    )?;
    Ok(0)
}

fn encryption(e: EncryptionArg) -> Encryption {
    match e {
        EncryptionArg::None => Encryption::None,
        EncryptionArg::Aes256 => Encryption::Aes256,
    }
}

/// Reads a file, or stdin for `-`.
fn read_input(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| input_error(format!("reading stdin: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path)
        .map_err(|e| input_error(format!("reading {}: {e}", path.display())))
}

/// Reads a policy document from a file (`-` for stdin), checked as the library checks one.
fn read_policy(path: &Path) -> Result<s3aas::PolicyDocument> {
    let text = read_input(path)?;
    s3aas::PolicyDocument::parse(&text).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("{}: {}", path.display(), e.message()),
        )
    })
}

/// Reads names, one per line (blank lines and `#` comments skipped). Duplicates are refused,
/// since the second would fail as `AlreadyExists` after the first succeeded.
fn read_names(path: &Path) -> Result<Vec<String>> {
    let text = read_input(path)?;
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        let name = line.trim();
        if name.is_empty() || name.starts_with('#') {
            continue;
        }
        if names.iter().any(|n| n == name) {
            return Err(input_error(format!(
                "{}: '{name}' is named twice",
                path.display()
            )));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

fn input_error(message: String) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
}

/// Runs `op` on every item with at most `ctx.concurrency` in flight, a progress bar counting
/// them; returns each item's own outcome in input order.
async fn bulk<T, R, F, Fut>(ctx: &Ctx, what: &str, items: Vec<T>, op: F) -> Vec<(T, Result<R>)>
where
    T: Clone + Send,
    R: Send,
    F: Fn(T) -> Fut + Send + Sync,
    Fut: Future<Output = Result<R>> + Send,
{
    let bar = Progress::new(items.len() as u64, what, ctx.quiet);
    let mut results: Vec<(usize, T, Result<R>)> =
        futures::stream::iter(items.into_iter().enumerate())
            .map(|(i, item)| {
                let fut = op(item.clone());
                let bar = &bar;
                async move {
                    let r = fut.await;
                    bar.inc();
                    (i, item, r)
                }
            })
            .buffer_unordered(ctx.concurrency.max(1))
            .collect()
            .await;
    bar.finish();
    results.sort_by_key(|(i, _, _)| *i);
    results.into_iter().map(|(_, t, r)| (t, r)).collect()
}

/// Every item of a paged listing (one request per page).
async fn all<T, F, Fut>(prefix: Option<String>, fetch: F) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(s3aas::model::ListOptions) -> Fut + Send + Sync,
    Fut: Future<Output = Result<s3aas::model::Page<T>>> + Send,
{
    s3aas::bulk::paged(1000, prefix, fetch)
        .collect::<Vec<Result<T>>>()
        .await
        .into_iter()
        .collect()
}

/// The outcome of a bulk command: each item's row (ok, or its error on one line), then the
/// first failure, restated with how many failed.
fn bulk_outcome<R>(
    ctx: &Ctx,
    results: Vec<(String, Result<R>)>,
    columns: &[&str],
    row: impl Fn(&str, &R) -> serde_json::Value,
) -> Result<Code> {
    let rows: Vec<serde_json::Value> = results
        .iter()
        .map(|(name, r)| match r {
            Ok(v) => row(name, v),
            Err(e) => json!({"name": name, "ok": false, "error": crate::exit::line(e)}),
        })
        .collect();
    ctx.out
        .value(serde_json::Value::Array(rows), Some(columns))?;
    let failed = results.iter().filter(|(_, r)| r.is_err()).count();
    match results
        .iter()
        .find_map(|(name, r)| r.as_ref().err().map(|e| (name, e)))
    {
        None => Ok(0),
        Some((name, e)) => Err(crate::exit::restate(
            e,
            format!(
                "{failed} of {} failed; first, {name}: {}",
                results.len(),
                e.message()
            ),
        )),
    }
}
