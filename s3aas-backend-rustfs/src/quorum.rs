//! Lost erasure quorum, as RustFS's admin API reports it.
//!
//! Measured on a 4-node RustFS 1.0.1 cluster with two nodes down (the `rustfs_cluster` test
//! target): the S3 side refuses writes with `503 ServiceUnavailable`, but the admin handlers wrap
//! the storage error in `500 InternalError`, e.g. "failed to create user: io error: Storage
//! resources are insufficient for the write operation: .rustfs.sys/config/iam/users/…" or
//! "create service account failed, e: Io(Custom { kind: Other, error:
//! InsufficientWriteQuorum(…) })". Read as a generic 500 that is a non-transient `Backend` error,
//! so callers would give up on a cluster that recovers as soon as a node returns; it is the same
//! condition as the S3 side's 503, so it is reported as `Unavailable` (transient), keeping the
//! server's message.

use s3aas_core::{Error, ErrorKind};
use s3aas_http::Response;

/// The phrases RustFS (`rustfs-ecstore`'s `StorageError`) uses for a missing read or write
/// quorum, in its `Display` and `Debug` forms.
const QUORUM_LOSS: &[&str] = &[
    "storage resources are insufficient",
    "insufficientwritequorum",
    "insufficientreadquorum",
    "erasure write quorum",
    "erasure read quorum",
];

/// Whether an admin error message says the cluster lacks quorum.
pub(crate) fn is_quorum_loss(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    QUORUM_LOSS.iter().any(|p| m.contains(p))
}

/// Re-kinds a 500 that reports lost quorum as `Unavailable`; other errors pass unchanged.
///
/// The transport already retried the 500 as far as configured (it retries 5xx on idempotent
/// calls), so when it says so the error is marked exhausted, as a retried 503 would be: callers
/// see a transient kind and know the SDK's own retries are spent.
pub(crate) fn classify(resp: &Response, e: Error) -> Error {
    if resp.status == 500 && is_quorum_loss(e.message()) {
        let mut e = e.with_kind(ErrorKind::Unavailable);
        if resp.retries_exhausted {
            e.set_retries_exhausted();
        }
        e
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, retries_exhausted: bool) -> Response {
        Response {
            status,
            headers: Default::default(),
            body: Default::default(),
            attempts: if retries_exhausted { 2 } else { 1 },
            retries_exhausted,
        }
    }

    #[test]
    fn recognises_what_rustfs_1_0_1_says_without_write_quorum() {
        for m in [
            "failed to create user: io error: Storage resources are insufficient for the write operation: .rustfs.sys/config/iam/users/a--u2/identity.json",
            "io error: Storage resources are insufficient for the write operation: .rustfs.sys/config/iam/policies/a--p2/policy.json",
            "create service account failed, e: Io(Custom { kind: Other, error: InsufficientWriteQuorum(\".rustfs.sys\", \"config/iam/service-accounts/X/identity.json\") })",
        ] {
            assert!(is_quorum_loss(m), "{m}");
            let e = classify(&resp(500, false), Error::new(ErrorKind::Backend, m));
            assert_eq!(e.kind(), ErrorKind::Unavailable);
            assert!(e.kind().is_transient() && e.is_retryable());
            assert_eq!(e.message(), m, "the server's message is kept");
        }
    }

    #[test]
    fn a_retried_quorum_loss_is_marked_exhausted() {
        let e = classify(
            &resp(500, true),
            Error::new(ErrorKind::Backend, "Storage resources are insufficient"),
        );
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert!(e.retries_exhausted() && !e.is_retryable());
    }

    #[test]
    fn leaves_other_errors_alone() {
        let e = classify(
            &resp(500, false),
            Error::new(ErrorKind::Backend, "policy is in use"),
        );
        assert_eq!(e.kind(), ErrorKind::Backend);
        // Only a 500 is re-kinded: a 400 that happens to quote the phrase stays what it was.
        let e = classify(
            &resp(400, false),
            Error::new(
                ErrorKind::InvalidInput,
                "Storage resources are insufficient",
            ),
        );
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}
