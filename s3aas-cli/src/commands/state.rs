//! `s3aas plan`, `apply` and `drift`: the desired-state layer (`s3aas::state`) over a spec
//! file.

use super::{Code, Ctx, read_input};
use crate::cli::{ApplyArgs, StateArgs};
use crate::exit::CHANGES;
use crate::output::Format;
use crate::progress::Progress;
use futures::StreamExt;
use s3aas::state::{self, ApplyOptions, Change, Orphan, Spec, TenantPlan};
use s3aas::{Error, ErrorKind, Result};
use serde::Serialize;
use std::path::Path;

/// Reads a spec: YAML for `.yaml`/`.yml`, JSON otherwise (stdin: JSON if it starts with `{`,
/// else YAML).
fn read_spec(path: &Path) -> Result<Spec> {
    let text = read_input(path)?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let yaml = matches!(ext, "yaml" | "yml")
        || (path == Path::new("-") && !text.trim_start().starts_with('{'));
    let spec = if yaml {
        serde_yaml::from_str(&text).map_err(|e| e.to_string())
    } else {
        Spec::from_json(&text).map_err(|e| e.message().to_string())
    };
    spec.map_err(|e| Error::new(ErrorKind::InvalidInput, format!("{}: {e}", path.display())))
}

pub(crate) async fn plan(ctx: &Ctx, a: StateArgs) -> Result<Code> {
    let spec = read_spec(&a.spec)?;
    let plan = state::plan(&ctx.client, &spec).await?;
    match ctx.out.format {
        Format::Table => print!("{plan}"),
        Format::Json => ctx.out.one(&plan)?,
    }
    Ok(if a.exit_code && !plan.is_empty() {
        CHANGES
    } else {
        0
    })
}

pub(crate) async fn apply(ctx: &Ctx, a: ApplyArgs) -> Result<Code> {
    let spec = read_spec(&a.spec)?;
    let plan = state::plan(&ctx.client, &spec).await?;
    if a.dry_run || plan.is_empty() {
        match ctx.out.format {
            Format::Table => print!("{plan}"),
            Format::Json => ctx.out.one(&ApplyView::planned(&plan))?,
        }
        return Ok(0);
    }
    let bar = Progress::new(0, "applying", ctx.quiet);
    if bar.is_visible() {
        bar.phase(
            &format!("applying {} change(s)", plan.executable().count()),
            plan.tenants.len() as u64,
        );
    }
    let report = state::apply(
        &ctx.client,
        &plan,
        ApplyOptions::default().concurrency(ctx.concurrency),
    )
    .await;
    bar.finish();
    let view = ApplyView::of(&plan, &report);
    match ctx.out.format {
        Format::Table => {
            print!("{report}");
            // The report's own text never shows a secret; the new keys' secrets are printed
            // here, once, because this run issued them.
            let keys: Vec<&KeyView> = view.tenants.iter().flat_map(|t| &t.new_keys).collect();
            if !keys.is_empty() {
                ctx.out.list_with_secrets(
                    &keys,
                    &[
                        "instance",
                        "key.user",
                        "name",
                        "key.access_key_id",
                        "secret_access_key",
                    ],
                )?;
            }
        }
        Format::Json => ctx.out.one_with_secrets(&view)?,
    }
    match report.tenants.iter().find_map(|t| t.failed.as_ref()) {
        None => Ok(0),
        Some((change, e)) => {
            let failed = report.tenants.iter().filter(|t| t.failed.is_some()).count();
            Err(crate::exit::restate(
                e,
                format!(
                    "{failed} tenant(s) stopped; first at {change}: {}",
                    e.message()
                ),
            ))
        }
    }
}

pub(crate) async fn drift(ctx: &Ctx, a: StateArgs) -> Result<Code> {
    let spec = read_spec(&a.spec)?;
    let c = &ctx.client;
    let futs: Vec<_> = spec.tenants.iter().map(|t| state::drift(c, t)).collect();
    let tenants: Vec<TenantPlan> = futures::stream::iter(futs)
        .buffered(ctx.concurrency.max(1))
        .collect::<Vec<Result<TenantPlan>>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    let differs = tenants
        .iter()
        .any(|t| !t.changes.is_empty() || !t.orphans.is_empty());
    match ctx.out.format {
        Format::Json => ctx.out.one(&tenants)?,
        Format::Table => {
            if !differs {
                println!("no drift: the server matches the spec");
            }
            for t in tenants
                .iter()
                .filter(|t| !t.changes.is_empty() || !t.orphans.is_empty())
            {
                println!("instance {}:", t.instance);
                for c in &t.changes {
                    println!("  {c}");
                }
                for o in &t.orphans {
                    println!("  orphan {} {} ({:?})", o.kind.as_str(), o.name, o.origin);
                }
            }
        }
    }
    Ok(if a.exit_code && differs { CHANGES } else { 0 })
}

/// The JSON form of an apply: per tenant, what was done, what failed (with the error's kind,
/// code and request id), what was not done, and the keys issued (secrets shown only through
/// `ExposeSecrets`, since the report holds them once).
#[derive(Serialize)]
struct ApplyView<'a> {
    backend: &'a str,
    complete: bool,
    tenants: Vec<TenantView<'a>>,
}

#[derive(Serialize)]
struct TenantView<'a> {
    instance: &'a str,
    done: &'a [Change],
    failed: Option<FailedView<'a>>,
    not_done: &'a [Change],
    orphans: &'a [Orphan],
    new_keys: Vec<KeyView<'a>>,
}

#[derive(Serialize)]
struct FailedView<'a> {
    change: &'a Change,
    error: serde_json::Value,
}

/// A key the apply issued: the spec's name for it, and the new key (`key` and
/// `secret_access_key`, the secret redacted unless serialised through `ExposeSecrets`).
#[derive(Serialize)]
struct KeyView<'a> {
    instance: &'a str,
    name: &'a str,
    #[serde(flatten)]
    key: &'a s3aas::model::NewAccessKey,
}

impl<'a> ApplyView<'a> {
    fn planned(plan: &'a state::Plan) -> Self {
        ApplyView {
            backend: &plan.backend,
            complete: plan.is_empty(),
            tenants: plan
                .tenants
                .iter()
                .map(|t| TenantView {
                    instance: &t.instance,
                    done: &[],
                    failed: None,
                    not_done: &t.changes,
                    orphans: &t.orphans,
                    new_keys: Vec::new(),
                })
                .collect(),
        }
    }

    fn of(plan: &'a state::Plan, report: &'a state::ApplyReport) -> Self {
        ApplyView {
            backend: &plan.backend,
            complete: report.is_complete(),
            tenants: report
                .tenants
                .iter()
                .map(|t| TenantView {
                    instance: &t.instance,
                    done: &t.done,
                    failed: t.failed.as_ref().map(|(change, e)| FailedView {
                        change,
                        error: crate::exit::json(e),
                    }),
                    not_done: &t.not_done,
                    orphans: plan
                        .tenants
                        .iter()
                        .find(|p| p.instance == t.instance)
                        .map(|p| p.orphans.as_slice())
                        .unwrap_or(&[]),
                    new_keys: t
                        .new_keys
                        .iter()
                        .map(|k| KeyView {
                            instance: &t.instance,
                            name: &k.name,
                            key: &k.key,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
