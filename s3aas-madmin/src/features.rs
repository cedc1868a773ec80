//! Bucket features beyond the basics: where the dialects differ on lifecycle rules, and the
//! per-bucket durability mode (RustFS).

use crate::provider::*;

impl<D: Dialect> MadminProvider<D> {
    /// Refuses lifecycle rules the server would accept but not carry out (MinIO ignores
    /// `AbortIncompleteMultipartUpload`), before any request.
    pub(crate) fn check_lifecycle(&self, op: &'static str, rules: &[LifecycleRule]) -> Result<()> {
        if self.admin.dialect.lifecycle_abort_multipart() {
            return Ok(());
        }
        if let Some((i, r)) = rules
            .iter()
            .enumerate()
            .find(|(_, r)| r.abort_incomplete_multipart_days.is_some())
        {
            return Err(ctx::<D>(
                Error::unsupported(format!(
                    "lifecycle rule '{}' (bucket.lifecycle[{i}]) aborts incomplete multipart \
                     uploads, which {} accepts but silently ignores: leave \
                     abort_incomplete_multipart_days unset on this backend",
                    r.id,
                    D::NAME
                )),
                op,
            ));
        }
        Ok(())
    }

    /// `GET {admin}/bucket-durability/{bucket}`: `{"bucket":..,"mode":null|"strict"|"relaxed"|"none"}`
    /// (measured on RustFS 1.0.1; `null` = no override, also for a missing bucket). `None`: the
    /// server has no such route (`404`, `405` or `501`, an older server), so the mode is unknown.
    pub(crate) async fn read_durability(&self, bucket: &str) -> Result<Option<Durability>> {
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            mode: Option<String>,
        }
        let op = "get_bucket_durability";
        let cmd = format!("bucket-durability/{bucket}");
        let resp = self.admin.send(&Call::new(op, Method::GET, &cmd)).await?;
        if matches!(resp.status, 404 | 405 | 501) {
            tracing::debug!(
                bucket,
                status = resp.status,
                "no bucket-durability route: durability unknown"
            );
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(self
                .admin
                .error(op, &resp, Some((ResourceKind::Bucket, bucket))));
        }
        let a: Answer = crate::admin::decode::<D, _>(op, &resp)?;
        Ok(Some(match a.mode.filter(|m| !m.is_empty()) {
            None => Durability::ServerDefault,
            Some(m) => Durability::Override(m),
        }))
    }

    /// `DELETE {admin}/bucket-durability/{bucket}`: back to the server's mode.
    pub(crate) async fn clear_durability(&self, bucket: &str) -> Result<()> {
        let cmd = format!("bucket-durability/{bucket}");
        self.admin
            .ok(
                Call::new("delete_bucket_durability", Method::DELETE, &cmd),
                Some((ResourceKind::Bucket, bucket)),
            )
            .await
            .map(drop)
    }

    /// A new bucket keeps the server's (safe) durability: an override it has (left by an
    /// earlier bucket of the same name, say) is cleared.
    /// Returns the durability the bucket is left with (`None` where the server has no such
    /// route, as `bucket_state` reads it).
    pub(crate) async fn keep_default_durability(&self, bucket: &str) -> Result<Option<Durability>> {
        if !self.admin.dialect.bucket_durability() {
            return Ok(None);
        }
        match self.settle(|| self.read_durability(bucket)).await? {
            Some(Durability::Override(m)) => {
                tracing::info!(bucket, mode = %m, "a new bucket had a durability override: clearing it");
                self.settle(|| self.clear_durability(bucket)).await?;
                Ok(Some(Durability::ServerDefault))
            }
            other => Ok(other),
        }
    }
}
