//! Bucket features SeaweedFS keeps as S3 configurations (lifecycle, CORS, object-lock default
//! retention), read and written with the shared S3 code; the two places where SeaweedFS 4.48
//! differs from S3 are handled here. What SeaweedFS does with each is in the crate docs.

use crate::provider::*;

/// SeaweedFS stores a CORS rule's `MaxAgeSeconds` as a plain number and answers `0` for a
/// rule that had none, so `0` and "none" cannot be told apart: both read as none.
pub(crate) fn normalize_cors(rules: &mut [CorsRule]) {
    for r in rules {
        if r.max_age_seconds == Some(0) {
            r.max_age_seconds = None;
        }
    }
}

/// The part of an update that the shared S3 code applies, checked against the bucket's object
/// lock first. SeaweedFS accepts `PUT ?object-lock` on a bucket made without object lock and
/// turns lock on for it (seen on 4.48), where S3 refuses: a default retention on such a bucket
/// is refused here (`Conflict`) before any write, and clearing a retention it never had
/// changes nothing (sending it would turn lock on).
pub(crate) fn checked_update(name: &str, req: &UpdateBucket, locked: bool) -> Result<UpdateBucket> {
    let mut out = UpdateBucket::new();
    out.lifecycle = req.lifecycle.clone();
    out.cors = req.cors.clone();
    match req.retention {
        Some(Some(_)) if !locked => {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "bucket '{name}' was created without object lock: it cannot take a default \
                     retention"
                ),
            )
            .with_resource(ResourceKind::Bucket, name));
        }
        Some(None) if !locked => {}
        r => out.retention = r,
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_max_age_reads_as_none() {
        let mut rules = vec![
            CorsRule::new(["*"], ["GET"]).max_age_seconds(0),
            CorsRule::new(["*"], ["GET"]).max_age_seconds(60),
            CorsRule::new(["*"], ["GET"]),
        ];
        normalize_cors(&mut rules);
        let ages: Vec<_> = rules.iter().map(|r| r.max_age_seconds).collect();
        assert_eq!(ages, vec![None, Some(60), None]);
    }

    #[test]
    fn retention_needs_lock_and_clearing_an_unlocked_bucket_sends_nothing() {
        let r = DefaultRetention::days(RetentionMode::Governance, 1);
        let e = checked_update("b", &UpdateBucket::new().retention(r), false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert_eq!(e.resource(), Some((ResourceKind::Bucket, "b")));
        assert!(
            checked_update("b", &UpdateBucket::new().clear_retention(), false)
                .unwrap()
                .is_empty()
        );
        let u = checked_update("b", &UpdateBucket::new().clear_retention(), true).unwrap();
        assert_eq!(u.retention, Some(None));
        let u = checked_update(
            "b",
            &UpdateBucket::new()
                .lifecycle(vec![LifecycleRule::new("x").expire_after_days(1)])
                .tags(Tags::new()),
            false,
        )
        .unwrap();
        assert_eq!(u.lifecycle.as_ref().map(Vec::len), Some(1));
        assert_eq!(u.tags, None, "only the S3 features are kept");
    }
}
