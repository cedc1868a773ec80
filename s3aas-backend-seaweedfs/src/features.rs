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
}
