//! Answer shapes of the admin API that differ from madmin's.

/// The server-info answer, unwrapped to madmin's shape.
pub(crate) fn server_info(mut v: serde_json::Value) -> serde_json::Value {
    // RustFS's alias wraps the message in {"info": ...}; MinIO does not.
    if v.get("servers").is_none() {
        if let Some(i) = v.get_mut("info") {
            return i.take();
        }
    }
    v
}

/// A bucket's (bytes, objects) in the data-usage answer, and when it was sampled (Unix time).
pub(crate) fn bucket_usage(
    v: &serde_json::Value,
    bucket: &str,
) -> (Option<(u64, u64)>, Option<i64>) {
    let num = |b: &serde_json::Value, keys: &[&str]| {
        keys.iter()
            .find_map(|k| b.get(*k).and_then(serde_json::Value::as_u64))
            .unwrap_or(0)
    };
    let sampled = v
        .get("lastUpdate")
        .and_then(|t| t.as_str())
        .and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
        .map(|t| t.unix_timestamp())
        .or_else(|| {
            v.pointer("/last_update/secs_since_epoch")
                .and_then(serde_json::Value::as_i64)
        });
    let b = v
        .get("bucketsUsageInfo")
        .or_else(|| v.get("buckets_usage"))
        .and_then(|m| m.get(bucket));
    (
        b.map(|b| {
            (
                num(b, &["size"]),
                num(b, &["objectsCount", "objects_count"]),
            )
        }),
        sampled,
    )
}
