//! Creates whose answers are lost.
//!
//! A server can act on a request and the answer still never reach the SDK: the connection is
//! reset after the server answered, the answer is cut short, or it comes after the client gave
//! up. The SDK then holds an error whose [`Error::outcome_unknown`] is true for a create that may
//! have happened. Blindly sending the create again is not always safe or telling (RustFS answers
//! `200` to root re-creating a bucket that exists, so a repeat cannot tell the bucket it made
//! from one that was there), so the provider first asks the server whether the thing exists now
//! ([`confirm`]): it checked just before that it did not, so if it does, this call made it, and
//! creation carries on as if the answer had come. If it does not, the create did not take
//! effect: a create the transport does not repeat itself (a bucket, an access key with an id
//! chosen by the SDK) is sent once more ([`CREATE_SENDS`]), else the call fails cleanly. When
//! even that cannot be found out, the thing is removed in case it exists, and the error is
//! `Partial`, naming it, if that fails too.

use s3aas_core::{Error, ErrorKind, Result};
use std::future::Future;
use std::time::Duration;

/// How often a create that is not repeated by the transport (a bucket, an access key) is sent
/// at most: once more after the server confirmed that a first attempt whose answer was lost did
/// not take effect.
pub(super) const CREATE_SENDS: u32 = 2;

/// How often the server is asked whether a create took effect.
const CONFIRM_ATTEMPTS: u32 = 4;

/// The pause before the second question; it doubles after each one (200, 400, 800 ms).
const CONFIRM_FIRST_PAUSE: Duration = Duration::from_millis(200);

/// Asks `check` (a read saying whether something exists) until it answers, at most
/// [`CONFIRM_ATTEMPTS`] times with growing pauses between. Each call is already retried by the
/// transport; these rounds outlast a short outage (the same fault that lost the create's answer).
/// Only failures that may pass are asked again; the last error is returned when none answered.
pub(super) async fn confirm<T, F, Fut>(what: &str, check: F) -> Result<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut pause = CONFIRM_FIRST_PAUSE;
    let mut attempt = 1;
    loop {
        match check().await {
            Ok(v) => return Ok(v),
            Err(e)
                if attempt < CONFIRM_ATTEMPTS
                    && (e.kind().is_transient() || e.outcome_unknown()) =>
            {
                tracing::debug!(what, attempt, error = %e, "cannot tell yet whether a create took effect; asking again");
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// `e` with `note` appended to its message (status, code and request id are kept).
pub(super) fn noted(e: Error, note: impl std::fmt::Display) -> Error {
    let msg = format!("{}; {note}", e.message());
    e.with_message(msg)
}

/// `e` as [`ErrorKind::Partial`], with `note` (which names what was left) appended.
pub(super) fn partial(e: Error, note: impl std::fmt::Display) -> Error {
    noted(e, note).with_kind(ErrorKind::Partial)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn asks_again_while_the_answer_may_pass_then_gives_up() {
        let calls = AtomicU32::new(0);
        let r: Result<bool> = confirm("thing", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(ErrorKind::Unavailable, "reset"))
        })
        .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Unavailable);
        assert_eq!(calls.load(Ordering::SeqCst), CONFIRM_ATTEMPTS);

        // A definite answer ends the questions at once, whatever it is.
        let calls = AtomicU32::new(0);
        let r: Result<bool> = confirm("thing", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(ErrorKind::PermissionDenied, "no").with_http_status(403))
        })
        .await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::PermissionDenied);
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = AtomicU32::new(0);
        let r = confirm("thing", || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(Error::new(ErrorKind::Timeout, "slow")),
                _ => Ok(true),
            }
        })
        .await;
        assert!(r.unwrap());
    }

    #[test]
    fn notes_keep_what_the_server_said() {
        let e = Error::new(ErrorKind::Unavailable, "reset")
            .with_http_status(503)
            .with_code("SlowDown")
            .with_request_id("R1");
        let p = partial(e, "bucket 'b' may have been left behind");
        assert_eq!(p.kind(), ErrorKind::Partial);
        assert_eq!(p.message(), "reset; bucket 'b' may have been left behind");
        assert_eq!(
            (p.http_status(), p.code(), p.request_id()),
            (Some(503), Some("SlowDown"), Some("R1"))
        );
    }
}
