//! Bucket features ECS keeps in its S3 head: versioning, lifecycle, CORS and the object-lock
//! default retention, all set and read through S3 signed as the bucket's owner (see
//! [`owner_s3`](crate::owner_s3)), with one owner client (and at most one temporary key) per
//! create, update or read.

use crate::provider::*;

/// What one S3 session as the owner applies.
pub(crate) enum S3Changes<'a> {
    /// A new bucket: versioning (when asked and lock did not already force it), then what
    /// the create request asks of lifecycle, CORS and retention.
    Created {
        versioning: bool,
        req: &'a CreateBucket,
    },
    /// An update: versioning first (when asked), then lifecycle, CORS and retention.
    Updated {
        versioning: Option<bool>,
        req: &'a UpdateBucket,
    },
}

impl S3Changes<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            S3Changes::Created { versioning, req } => {
                !versioning
                    && req.lifecycle.is_empty()
                    && req.cors.is_empty()
                    && req.retention.is_none()
            }
            S3Changes::Updated { versioning, req } => {
                versioning.is_none()
                    && req.lifecycle.is_none()
                    && req.cors.is_none()
                    && req.retention.is_none()
            }
        }
    }
}

/// Whether an update changes anything ECS keeps in S3 besides versioning.
pub(crate) fn updates_s3_features(req: &UpdateBucket) -> bool {
    req.lifecycle.is_some() || req.cors.is_some() || req.retention.is_some()
}

impl EcsProvider {
    /// Applies `changes` to bucket `info` through one S3 client signing as its owner (a
    /// temporary key where ECS hides the owner's secrets, deleted after).
    pub(crate) async fn apply_s3_changes(
        &self,
        ns: &str,
        info: &BucketInfo,
        changes: S3Changes<'_>,
        op: &'static str,
    ) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let o = self.owner_s3(ns, info, true, op).await?;
        let bucket = info.name.as_str();
        let r = async {
            match changes {
                S3Changes::Created { versioning, req } => {
                    if versioning {
                        o.client
                            .put_versioning(bucket, true)
                            .await
                            .map_err(|e| step(ctx(e, op), "versioning"))?;
                    }
                    o.client
                        .apply_created_features(bucket, req)
                        .await
                        .map_err(|e| step(ctx(e, op), "lifecycle, CORS or default retention"))
                }
                S3Changes::Updated { versioning, req } => {
                    if let Some(v) = versioning {
                        o.client
                            .put_versioning(bucket, v)
                            .await
                            .map_err(|e| ctx(e, op))?;
                    }
                    if !updates_s3_features(req) {
                        return Ok(());
                    }
                    o.client
                        .apply_updated_features(bucket, req)
                        .await
                        .map_err(|e| ctx(e, op))
                }
            }
        }
        .await;
        self.release_owner_s3(ns, o, r, op).await
    }

    /// Fills what S3 alone knows of bucket `b` (versioning on releases whose bucket info
    /// lacks it; lifecycle, CORS and retention as the capabilities say), reading as the owner
    /// with a key ECS shows. Without one (hidden secret keys) they stay unknown: a read never
    /// makes a temporary key.
    pub(crate) async fn read_s3_side(
        &self,
        ns: &str,
        info: &BucketInfo,
        b: &mut Bucket,
        op: &'static str,
    ) -> Result<()> {
        if self.s3_endpoint.is_none() {
            return Ok(());
        }
        let caps = self.capabilities();
        let features = caps.bucket_lifecycle.at_creation()
            || caps.bucket_cors.at_creation()
            || caps.bucket_retention.at_creation();
        if b.versioning.is_some() && !features {
            return Ok(());
        }
        let Ok(o) = self.owner_s3(ns, info, false, op).await else {
            return Ok(());
        };
        if b.versioning.is_none() {
            b.versioning = Some(
                o.client
                    .get_versioning(&info.name)
                    .await
                    .map_err(|e| ctx(e, op))?,
            );
        }
        o.client
            .read_features(&info.name, b, &caps)
            .await
            .map_err(|e| ctx(e, op))
    }
}
