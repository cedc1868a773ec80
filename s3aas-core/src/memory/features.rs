//! The bucket features of the in-memory provider that real servers keep as separate
//! configurations (lifecycle, CORS, default retention, replication), with the servers' rules:
//! a retention needs object lock, replication needs versioning, and versioning cannot be
//! suspended while replication is set.

use super::{BucketState, InstanceState};
use crate::error::{Error, ErrorKind, ResourceKind, Result};
use crate::model::*;
use time::OffsetDateTime;

/// What a server gives back of replication rules: the settings without the secret, with the
/// id of the remote target it made.
pub(super) fn stored_replication(bucket: &str, rules: &[ReplicationRule]) -> Vec<ReplicationRule> {
    rules
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.destination.secret_key = None;
            r.destination.arn = Some(format!(
                "arn:memory:replication::{bucket}:{}",
                r.destination.bucket
            ));
            r
        })
        .collect()
}

/// The new features of a created bucket.
pub(super) fn on_create(b: &mut Bucket, req: &CreateBucket) {
    b.lifecycle = Some(req.lifecycle.clone());
    b.cors = Some(req.cors.clone());
    b.retention = Some(req.retention);
    b.replication = Some(stored_replication(&req.name, &req.replication));
    b.durability = Some(Durability::ServerDefault);
}

/// Checks an update against the bucket's state, then applies its new features; nothing
/// changes when the check fails.
pub(super) fn update(b: &mut Bucket, req: &UpdateBucket) -> Result<()> {
    check_update(b, req)?;
    apply_update(b, req);
    Ok(())
}

/// Bytes and object versions a bucket holds.
pub(super) fn usage(b: &BucketState) -> (u64, u64) {
    b.objects
        .values()
        .fold((0, 0), |(s, n), (sz, v)| (s + sz, n + v))
}

/// Checks an update against the bucket's state, before anything changes.
fn check_update(b: &Bucket, req: &UpdateBucket) -> Result<()> {
    let conflict = |msg: &str| {
        Err(Error::new(ErrorKind::Conflict, msg).with_resource(ResourceKind::Bucket, &b.name))
    };
    if matches!(req.retention, Some(Some(_))) && b.object_lock != Some(true) {
        return conflict("a default retention needs a bucket created with object lock");
    }
    let replication_after = match &req.replication {
        Some(r) => !r.is_empty(),
        None => b.replication.as_ref().is_some_and(|r| !r.is_empty()),
    };
    let versioning_after = match req.versioning {
        Some(v) => v,
        None => b.versioning == Some(Versioning::Enabled),
    };
    if replication_after && !versioning_after {
        return if req.versioning == Some(false) {
            conflict("versioning cannot be suspended while replication is set: remove it first")
        } else {
            conflict("replication needs versioning enabled on the bucket")
        };
    }
    Ok(())
}

/// Applies the new features of an update (after [`check_update`]).
fn apply_update(b: &mut Bucket, req: &UpdateBucket) {
    if let Some(l) = &req.lifecycle {
        b.lifecycle = Some(l.clone());
    }
    if let Some(c) = &req.cors {
        b.cors = Some(c.clone());
    }
    if let Some(r) = req.retention {
        b.retention = Some(r);
    }
    if let Some(r) = &req.replication {
        b.replication = Some(stored_replication(&b.name, r));
    }
}

/// The usage of a whole instance, counted exactly now.
pub(super) fn instance_usage(inst: &str, i: &InstanceState) -> InstanceUsage {
    let (bytes, objects) = i
        .buckets
        .values()
        .map(usage)
        .fold((0, 0), |(s, n), (b, o)| (s + b, n + o));
    InstanceUsage::new(
        inst,
        bytes,
        Some(objects),
        i.buckets.len() as u64,
        Some(OffsetDateTime::now_utc()),
        UsageSource::Exact,
    )
}
