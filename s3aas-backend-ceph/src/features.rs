//! Bucket features RGW keeps as S3 configurations (lifecycle, CORS, object-lock default
//! retention), read and written with the shared S3 code, and the usage of a whole instance
//! from one Admin Ops call. What RGW (Pacific) does with each is in the crate docs.

use crate::provider::*;

/// What a failed S3 feature call set, for the message of a create that is undone.
pub(crate) fn feature_of(e: &Error) -> &'static str {
    match e.operation() {
        Some("put_object_lock_configuration") => "default retention",
        Some("put_bucket_lifecycle" | "delete_bucket_lifecycle") => "lifecycle rules",
        Some("put_bucket_cors" | "delete_bucket_cors") => "CORS rules",
        _ => "lifecycle, CORS or retention",
    }
}

/// Sums the stats of every bucket `GET /admin/bucket?uid=&stats=true` lists (the answer is an
/// array of bucket entries, each with its `usage` categories).
pub(crate) fn sum_bucket_stats(stats: &[BucketStats]) -> (u64, u64) {
    stats.iter().fold((0, 0), |(b, o), s| {
        let (sb, so) = s.totals();
        (b.saturating_add(sb), o.saturating_add(so))
    })
}

impl CephProvider {
    /// `instance_usage`: the instance's system user (it must exist: `NotFound` otherwise), then
    /// the stats of all the buckets it owns in one `GET /admin/bucket?uid=<tenant>$s3aas&stats=true`.
    /// Two requests whatever the number of buckets.
    pub(crate) async fn usage_of_instance(&self, instance: &str) -> Result<InstanceUsage> {
        const OP: &str = "instance_usage";
        self.system(instance, OP).await?;
        let resp = self
            .ok(
                AdminCall::get(OP, "bucket")
                    .q("uid", uid(instance, SYSTEM_USER))
                    .q("stats", "true"),
                Some((ResourceKind::Instance, instance)),
            )
            .await?;
        let stats: Vec<BucketStats> =
            decode("GET /admin/bucket?uid=&stats=true", &resp.body).map_err(|e| ctx(e, OP))?;
        // Only the system user's buckets are the instance's (as `list_buckets` lists them).
        let own = uid(instance, SYSTEM_USER);
        let stats: Vec<BucketStats> = stats
            .into_iter()
            .filter(|s| s.owner.is_empty() || s.owner == own)
            .collect();
        let (bytes, objects) = sum_bucket_stats(&stats);
        Ok(InstanceUsage::new(
            instance,
            bytes,
            Some(objects),
            stats.len() as u64,
            Some(OffsetDateTime::now_utc()),
            UsageSource::BucketScan,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_stats_sum_every_category_of_every_bucket() {
        let body = br#"[
            {"bucket":"a","owner":"t$s3aas","usage":{"rgw.main":{"size":1000,"num_objects":1},
              "rgw.multimeta":{"size":0,"num_objects":2}}},
            {"bucket":"b","owner":"t$s3aas","usage":[]},
            {"bucket":"c","owner":"t$s3aas","usage":{"rgw.main":{"size":24,"num_objects":1}}}
        ]"#;
        let stats: Vec<BucketStats> = decode("t", body).unwrap();
        assert_eq!(sum_bucket_stats(&stats), (1024, 4));
        assert_eq!(sum_bucket_stats(&[]), (0, 0));
    }

    #[test]
    fn failed_features_are_named() {
        let e = Error::new(ErrorKind::Conflict, "x").with_operation("put_bucket_cors");
        assert_eq!(feature_of(&e), "CORS rules");
        let e = Error::new(ErrorKind::Conflict, "x").with_operation("put_bucket_lifecycle");
        assert_eq!(feature_of(&e), "lifecycle rules");
        let e =
            Error::new(ErrorKind::Conflict, "x").with_operation("put_object_lock_configuration");
        assert_eq!(feature_of(&e), "default retention");
    }
}
