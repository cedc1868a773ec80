//! `s3aas health` and `s3aas capabilities`.

use super::{Code, Ctx};
use s3aas::{Error, ErrorKind, HealthProblem, ObjectStoreProvider, Result};

/// Prints the backend's health; exits non-zero when it is not ready (with the code of the
/// matching error kind: 9 for refused credentials, 10 for unreachable or not ready).
pub(crate) async fn health(ctx: &Ctx) -> Result<Code> {
    let h = ctx.client.health().await?;
    ctx.out.one(&h)?;
    if h.ready {
        return Ok(0);
    }
    let kind = match h.problem {
        Some(HealthProblem::Unauthenticated) => ErrorKind::Unauthenticated,
        Some(HealthProblem::PermissionDenied) => ErrorKind::PermissionDenied,
        _ => ErrorKind::Unavailable,
    };
    Err(Error::new(
        kind,
        format!(
            "{} is not ready: {}",
            ctx.client.backend(),
            h.detail.as_deref().unwrap_or("no detail")
        ),
    ))
}

/// Prints the effective capabilities (no request: they are known when the provider is built).
pub(crate) fn capabilities(ctx: &Ctx) -> Result<Code> {
    ctx.out.one(&ctx.client.capabilities())?;
    Ok(0)
}
