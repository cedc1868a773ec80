//! Answer shapes of the admin API that differ from madmin's.

/// The server-info answer, unwrapped to madmin's shape.
pub(crate) fn server_info(mut v: serde_json::Value) -> serde_json::Value {
    match v.get_mut("info") {
        Some(i) => i.take(),
        None => v,
    }
}

/// A bucket's (bytes, objects) in the data-usage answer, and when it was sampled (Unix time).
pub(crate) fn bucket_usage(
    v: &serde_json::Value,
    bucket: &str,
) -> (Option<(u64, u64)>, Option<i64>) {
    let sampled = v
        .pointer("/last_update/secs_since_epoch")
        .and_then(serde_json::Value::as_i64);
    let b = v.get("buckets_usage").and_then(|m| m.get(bucket));
    let usage = b.map(|b| {
        (
            b.get("size")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
            b.get("objects_count")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
        )
    });
    (usage, sampled)
}
