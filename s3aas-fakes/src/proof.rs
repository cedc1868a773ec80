//! Proofs against real servers poll: IAM and policy changes reach a gateway's request path
//! asynchronously (RustFS, SeaweedFS), so an S3 call that proves an effect is retried for a
//! bounded time.

use s3aas_core::ErrorKind;
use std::future::Future;
use std::time::{Duration, Instant};

/// How long [`eventually`] polls.
pub const EVENTUALLY: Duration = Duration::from_secs(15);

/// Polls an S3 call (every 200 ms, for at most [`EVENTUALLY`]) until it succeeds (`want_ok`) or
/// is refused as AccessDenied/Unauthenticated (`!want_ok`).
pub async fn eventually<F, Fut>(what: &str, want_ok: bool, f: F) -> Result<(), String>
where
    F: Fn() -> Fut,
    Fut: Future<Output = s3aas_core::Result<()>>,
{
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < EVENTUALLY {
        match (f().await, want_ok) {
            (Ok(()), true) => return Ok(()),
            (Err(e), false)
                if matches!(
                    e.kind(),
                    ErrorKind::PermissionDenied | ErrorKind::Unauthenticated
                ) =>
            {
                return Ok(());
            }
            (r, _) => last = format!("{r:?}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!(
        "{what}: expected {} within {EVENTUALLY:?}, last result {last}",
        if want_ok {
            "success"
        } else {
            "AccessDenied/Unauthenticated"
        }
    ))
}

/// Whether a tenant's plan (or drift) holds an update of `field` on resource `name` with both
/// its value before and after: what the desired-state proofs expect of a change made behind
/// the SDK's back.
pub fn reports_update(plan: &s3aas_core::state::TenantPlan, name: &str, field: &str) -> bool {
    plan.changes.iter().any(|ch| {
        ch.op == s3aas_core::state::Op::Update
            && ch.name == name
            && ch
                .fields
                .iter()
                .any(|f| f.field == field && f.before.is_some() && f.after.is_some())
    })
}
