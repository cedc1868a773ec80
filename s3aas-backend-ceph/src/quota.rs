//! Per-bucket hard quotas. Ceph Pacific answers `501 NotImplemented` to the documented
//! `PUT /admin/bucket?quota&uid=&bucket=`, and `PUT /admin/user?quota&quota-type=bucket` sets
//! one quota for *every* bucket of the owner (all of an instance's buckets share the system
//! user as owner). So the quota is written into the bucket's own instance metadata, as
//! `radosgw-admin quota set --quota-scope=bucket --bucket=` does: read
//! `GET /admin/metadata/bucket.instance?key=<tenant>/<bucket>:<bucket id>`, change
//! `bucket_info.quota`, write it back with `PUT` (needs the `metadata=*` cap). RGW enforces it
//! on writes with `403 QuotaExceeded` (checked against its bucket stats, so a write racing
//! another may pass: RGW's own caveat).

use crate::provider::*;
use serde_json::Value;

/// The s3aas quota of RGW's settings (`None` when off or unlimited).
pub(crate) fn from_rgw(q: &wire::QuotaInfo) -> Option<Quota> {
    (q.enabled && q.max_size >= 0).then(|| Quota::hard(q.max_size as u64))
}

/// Writes `quota` (or none) into the bucket's instance metadata.
pub(crate) async fn set(
    p: &CephProvider,
    instance: &str,
    name: &str,
    quota: Option<&Quota>,
    op: &'static str,
) -> Result<()> {
    if let Some(q) = quota {
        if q.notification_bytes.is_some() {
            return Err(ctx(
                Error::unsupported(
                    "the ceph backend has no notification quota (capability `bucket_quota_notification`): RGW quotas are hard only",
                ),
                op,
            ));
        }
        if q.hard_limit_bytes > i64::MAX as u64 {
            return Err(ctx(
                Error::invalid_input("quota", "hard limit too large for RGW"),
                op,
            ));
        }
    }
    let tenant = tenant_of(instance);
    let resp = p
        .ok(
            AdminCall::get(op, "bucket").q("bucket", format!("{tenant}/{name}")),
            Some((ResourceKind::Bucket, name)),
        )
        .await?;
    let info: Value = decode("GET /admin/bucket", &resp.body).map_err(|e| ctx(e, op))?;
    let id = info.get("id").and_then(Value::as_str).ok_or_else(|| {
        ctx(
            Error::new(ErrorKind::Backend, "RGW's bucket answer has no id"),
            op,
        )
    })?;
    let key = format!("{tenant}/{name}:{id}");
    let resp = p
        .ok(
            AdminCall::get(op, "metadata/bucket.instance").q("key", key.clone()),
            Some((ResourceKind::Bucket, name)),
        )
        .await?;
    let mut meta: Value =
        decode("GET /admin/metadata/bucket.instance", &resp.body).map_err(|e| ctx(e, op))?;
    let slot = meta.pointer_mut("/data/bucket_info/quota").ok_or_else(|| {
        ctx(
            Error::new(
                ErrorKind::Backend,
                "RGW's bucket instance metadata has no data.bucket_info.quota",
            ),
            op,
        )
    })?;
    *slot = quota_value(slot, quota);
    let body = serde_json::to_vec(&meta).expect("JSON serialises");
    p.ok(
        AdminCall::put(op, "metadata/bucket.instance")
            .q("key", key)
            .body(body),
        Some((ResourceKind::Bucket, name)),
    )
    .await
    .map(drop)
}

/// RGW's quota object with `quota` applied, keeping fields this code does not know.
fn quota_value(current: &Value, quota: Option<&Quota>) -> Value {
    let mut q = current.as_object().cloned().unwrap_or_default();
    match quota {
        Some(quota) => {
            let bytes = quota.hard_limit_bytes;
            q.insert("enabled".into(), Value::Bool(true));
            q.insert("max_size".into(), Value::from(bytes));
            // The KiB figure older code paths read, rounded up so it never allows more.
            q.insert("max_size_kb".into(), Value::from(bytes.div_ceil(1024)));
            q.insert("max_objects".into(), Value::from(-1));
        }
        None => {
            q.insert("enabled".into(), Value::Bool(false));
            q.insert("max_size".into(), Value::from(-1));
            q.insert("max_size_kb".into(), Value::from(0));
            q.insert("max_objects".into(), Value::from(-1));
        }
    }
    Value::Object(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_values() {
        let cur = serde_json::json!({"enabled":false,"check_on_raw":false,"max_size":-1,"max_size_kb":0,"max_objects":-1});
        let on = quota_value(&cur, Some(&Quota::hard(1025)));
        assert_eq!(on["enabled"], true);
        assert_eq!(on["max_size"], 1025);
        assert_eq!(on["max_size_kb"], 2);
        assert_eq!(on["check_on_raw"], false, "unknown fields are kept");
        let off = quota_value(&on, None);
        assert_eq!(off["enabled"], false);
        assert_eq!(off["max_size"], -1);
        let info = wire::QuotaInfo {
            enabled: true,
            max_size: 1025,
        };
        assert_eq!(from_rgw(&info), Some(Quota::hard(1025)));
        assert_eq!(from_rgw(&wire::QuotaInfo::default()), None);
    }
}
