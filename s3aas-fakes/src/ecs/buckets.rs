//! Buckets of the management API (create, list, info, deactivate with or without emptying,
//! quota, policy, tags); billing is in `billing`.

use super::mgmt::unsupported;
use super::state::{BucketMeta, EcsState};
use super::wire::{Ctx, fmt_time, limit_of, now_str, page, strict_bool, strict_int, tag_list};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use wiremock::ResponseTemplate;

/// Tags a bucket can carry (Dell's spec for `POST /object/bucket/{b}/tags`).
pub const MAX_BUCKET_TAGS: usize = 10;
fn valid_mgmt_bucket_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() < 255
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
}
/// `/object/bucket/...` and `/object/billing/...`.
pub(super) fn route(st: &mut EcsState, c: &Ctx<'_>, method: &str, s: &[&str]) -> ResponseTemplate {
    match (method, s) {
        // Buckets.
        ("POST", ["object", "bucket"]) => create_bucket(st, c),
        ("GET", ["object", "bucket"]) => {
            let ns = c.q("namespace");
            if let Some(n) = &ns {
                if !st.namespaces.contains_key(n) {
                    return c.not_found_param(&format!("Namespace {n}"));
                }
            }
            let limit = limit_of(c);
            let prefix = c.q("name").map(|n| n.trim_end_matches('*').to_string());
            let marker = c.q("marker");
            let (items, next) = page(
                st.buckets.iter().filter(|(n, m)| {
                    ns.as_deref().is_none_or(|x| m.namespace == x)
                        && prefix.as_deref().is_none_or(|p| n.starts_with(p))
                }),
                marker.as_deref(),
                limit,
            );
            let list: Vec<Value> = items.iter().map(|(n, m)| bucket_info(st, n, m)).collect();
            let mut body = json!({"object_bucket": list, "MaxBuckets": limit, "Filter": ""});
            if let Some(n) = next {
                body["NextMarker"] = json!(n);
            }
            c.ok(body)
        }
        (_, ["object", "bucket", b, rest @ ..]) => bucket_route(st, c, method, b, rest),
        (_, ["object", "billing", ..]) => super::billing::route(st, c, method, s),
        _ => unsupported(c, method, s),
    }
}

fn bucket_info(st: &EcsState, name: &str, m: &BucketMeta) -> Value {
    let versioning = match st.s3.buckets.get(name).and_then(|b| b.versioning) {
        None => "",
        Some(true) => "Enabled",
        Some(false) => "Suspended",
    };
    json!({
        "name": name,
        "id": format!("{}.{name}", m.namespace),
        "link": {"rel": "self", "href": format!("/object/bucket/{name}/info")},
        "namespace": m.namespace,
        "owner": m.owner.clone().unwrap_or_default(),
        "created": fmt_time(m.created),
        "vpool": m.vpool.clone().unwrap_or_else(|| "urn:storageos:ReplicationGroupInfo:sim-rg:global".into()),
        "fs_access_enabled": false,
        "locked": false,
        "softquota": "-1",
        // ECS answers this boolean as a string.
        "is_encryption_enabled": if m.encryption { "true" } else { "false" },
        "is_object_lock_enabled": m.object_lock,
        "is_stale_allowed": false,
        "is_tso_read_only": false,
        "block_size": m.block_size,
        "notification_size": m.notification_size,
        "blockSizeInCount": -1,
        "notificationSizeInCount": -1,
        "api_type": "S3",
        "TagSet": m.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
        "versioning_status": versioning,
        "default_retention": m.retention,
        "retention": m.retention,
        "is_empty_bucket_in_progress": st.empty_tasks.get(name).is_some_and(|(s, _)| s != "DONE"),
    })
}
fn create_bucket(st: &mut EcsState, c: &Ctx<'_>) -> ResponseTemplate {
    let b = match c.body() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(name) = b["name"].as_str() else {
        return c.err(400, 1005, "Required parameter is missing or empty", "name");
    };
    let Some(ns) = b["namespace"].as_str() else {
        return c.err(
            400,
            1005,
            "Required parameter is missing or empty",
            "namespace",
        );
    };
    if !valid_mgmt_bucket_name(name) {
        return c.err(
            400,
            40009,
            "Invalid bucket name",
            &format!("Bucket name {name} is invalid"),
        );
    }
    let Some(nsrec) = st.namespaces.get(ns).cloned() else {
        return c.not_found_param(&format!("Namespace {ns}"));
    };
    let mut flags = BTreeMap::new();
    for f in [
        "is_encryption_enabled",
        "is_object_lock_enabled",
        "filesystem_enabled",
        "is_stale_allowed",
        "is_object_lock_with_ado_allowed",
    ] {
        match strict_bool(b.get(f), f) {
            Ok(v) => {
                flags.insert(f, v);
            }
            Err(e) => return c.err(400, 1013, "Bad request body", &e),
        }
    }
    if st.buckets.contains_key(name) {
        return c.err(
            400,
            40008,
            "Bucket already exists",
            &format!("Bucket {name} already exists"),
        );
    }
    let owner = b["owner"]
        .as_str()
        .filter(|o| !o.is_empty())
        .map(str::to_string);
    if let Some(o) = &owner {
        if st.users.get(o).is_none_or(|u| u.namespace != ns) {
            return c.err(
                400,
                40010,
                "Bucket owner not valid",
                &format!("Owner {o} is not an object user of namespace {ns}"),
            );
        }
    }
    let (block, notify) = match (
        strict_int(b.get("blockSize"), "blockSize"),
        strict_int(b.get("notificationSize"), "notificationSize"),
    ) {
        (Ok(x), Ok(y)) => (x.unwrap_or(-1), y.unwrap_or(-1)),
        (Err(e), _) | (_, Err(e)) => return c.err(400, 1013, "Bad request body", &e),
    };
    // A notification quota above the hard quota is accepted (python-ecsclient's recorded
    // answers hold blockSize 1 with notificationSize 2).
    if block == 0 || block < -1 || notify == 0 || notify < -1 {
        return c.invalid("blockSize and notificationSize must be positive GB values or -1");
    }
    let retention = match strict_int(b.get("retention"), "retention") {
        Ok(r) => r.unwrap_or(0).max(0),
        Err(e) => return c.err(400, 1013, "Bad request body", &e),
    };
    let object_lock = flags["is_object_lock_enabled"].unwrap_or(false);
    // Dell's spec (`is_object_lock_with_ado_allowed`): a bucket with Access During Outage (its
    // own `is_stale_allowed`, else the namespace's) may not enable object lock unless that flag
    // allows it. The status and code of the refusal are assumed.
    let ado = flags["is_stale_allowed"].unwrap_or(nsrec.is_stale_allowed);
    if object_lock && ado && !flags["is_object_lock_with_ado_allowed"].unwrap_or(false) {
        return c.invalid(&format!(
            "Object Lock cannot be enabled on bucket {name} with Access During Outage unless is_object_lock_with_ado_allowed is set"
        ));
    }
    let tags = tag_list(&b["TagSet"], "Key", "Value");
    if tags.len() > MAX_BUCKET_TAGS {
        return c.invalid(&format!(
            "A bucket can have at most {MAX_BUCKET_TAGS} tags; {} were given",
            tags.len()
        ));
    }
    let meta = BucketMeta {
        namespace: ns.into(),
        owner,
        encryption: flags["is_encryption_enabled"].unwrap_or(nsrec.encryption),
        object_lock,
        block_size: block,
        notification_size: notify,
        tags,
        policy: None,
        created: OffsetDateTime::now_utc(),
        vpool: b["vpool"]
            .as_str()
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .or(nsrec.vpool),
        retention,
    };
    st.buckets.insert(name.into(), meta.clone());
    st.s3.buckets.insert(
        name.into(),
        crate::s3::Bucket {
            versioning: object_lock.then_some(true),
            object_lock,
            sse: meta.encryption,
            ..Default::default()
        },
    );
    let _ = st.next();
    c.ok(json!({"name": name, "id": format!("{ns}.{name}"), "link": {"rel": "self", "href": format!("/object/bucket/{name}")}, "inactive": false, "global": true, "remote": false, "vdc": {"id": "sim-vdc"}}))
}

fn bucket_route(
    st: &mut EcsState,
    c: &Ctx<'_>,
    method: &str,
    b: &str,
    rest: &[&str],
) -> ResponseTemplate {
    let ns = c.q("namespace");
    let body = if method == "GET" {
        json!({})
    } else {
        match c.body() {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
    let ns = ns.or_else(|| body["namespace"].as_str().map(str::to_string));
    // Empty-bucket status outlives the bucket.
    if rest == ["empty-bucket-status"] && method == "GET" {
        return match st.empty_tasks.get_mut(b) {
            None => c.not_found_url(&format!("Empty bucket task for {b}")),
            Some((status, left)) => {
                if *left > 0 {
                    *left -= 1;
                    if *left == 0 {
                        *status = "DONE".into();
                    }
                }
                let status = status.clone();
                if status == "DONE" {
                    st.buckets.remove(b);
                    st.s3.buckets.remove(b);
                }
                c.ok(json!({"status": status, "created": now_str(), "last_updated": now_str(), "entries_deleted": 0, "failed_to_delete_due_to_retention": 0, "failed_to_delete_due_to_permission": 0, "failed_to_delete_due_to_other": 0, "approx_object_count": 0, "approx_total_size": 0, "approx_total_size_unit_string": "B", "message": ""}))
            }
        };
    }
    // An endpoint ECS does not have answers 405/1007 whether or not the bucket exists, never a
    // 404 that reads like "no such bucket".
    let known = matches!(
        (method, rest),
        ("GET", ["info"])
            | ("POST", ["deactivate"])
            | ("GET" | "PUT" | "DELETE", ["quota"])
            | ("GET" | "PUT" | "DELETE", ["policy"])
            | ("POST" | "PUT" | "DELETE", ["tags"])
            | ("GET" | "PUT", ["retention" | "object-lock-config"])
    );
    if !known {
        return c.err(
            405,
            1007,
            "Method not supported",
            &format!("{method} bucket/{}", rest.join("/")),
        );
    }
    let Some(meta) = st
        .buckets
        .get(b)
        .filter(|m| ns.as_deref().is_none_or(|n| n == m.namespace))
        .cloned()
    else {
        return c.not_found_url(&format!("Bucket {b}"));
    };
    match (method, rest) {
        ("GET", ["info"]) => c.ok(bucket_info(st, b, &meta)),
        ("POST", ["deactivate"]) => {
            let empty = st.s3.buckets.get(b).is_none_or(|x| x.objects.is_empty());
            let empty_bucket = match c.qbool("emptyBucket") {
                Ok(f) => f.unwrap_or(false),
                Err(r) => return r,
            };
            if empty_bucket {
                if !st.empty_bucket_supported {
                    return c.invalid("emptyBucket is not supported by this release");
                }
                if empty {
                    st.buckets.remove(b);
                    st.s3.buckets.remove(b);
                    return ResponseTemplate::new(200);
                }
                if let Some(x) = st.s3.buckets.get_mut(b) {
                    x.objects.clear();
                }
                let polls = st.empty_bucket_polls.max(1);
                st.empty_tasks.insert(b.into(), ("IN_PROGRESS".into(), polls));
                return ResponseTemplate::new(202);
            }
            if !empty {
                return c.invalid(&format!("Bucket {b} is not empty"));
            }
            st.buckets.remove(b);
            st.s3.buckets.remove(b);
            ResponseTemplate::new(200)
        }
        ("GET", ["quota"]) => c.ok(json!({"bucketname": b, "namespace": meta.namespace, "blockSize": meta.block_size, "notificationSize": meta.notification_size, "blockSizeInCount": -1, "notificationSizeInCount": -1})),
        ("PUT", ["quota"]) => {
            let (block, notify) = match (strict_int(body.get("blockSize"), "blockSize"), strict_int(body.get("notificationSize"), "notificationSize")) {
                (Ok(Some(x)), Ok(Some(y))) => (x, y),
                (Err(e), _) | (_, Err(e)) => return c.err(400, 1013, "Bad request body", &e),
                _ => return c.err(400, 1005, "Required parameter is missing or empty", "blockSize and notificationSize are both required"),
            };
            if block == -1 && notify == -1 {
                return c.invalid("blockSize and notificationSize cannot both be -1; delete the quota instead");
            }
            if block == 0 || block < -1 || notify == 0 || notify < -1 {
                return c.invalid("invalid quota values");
            }
            let m = st.buckets.get_mut(b).expect("checked");
            m.block_size = block;
            m.notification_size = notify;
            ResponseTemplate::new(200)
        }
        ("DELETE", ["quota"]) => {
            let m = st.buckets.get_mut(b).expect("checked");
            m.block_size = -1;
            m.notification_size = -1;
            ResponseTemplate::new(200)
        }
        ("GET", ["policy"]) => match &meta.policy {
            None => ResponseTemplate::new(204),
            Some(p) => ResponseTemplate::new(200).set_body_raw(p.to_string(), "application/json"),
        },
        ("PUT", ["policy"]) => {
            if body.get("Statement").is_none() {
                return c.invalid("Missing required field Statement");
            }
            st.buckets.get_mut(b).expect("checked").policy = Some(body);
            ResponseTemplate::new(200)
        }
        ("DELETE", ["policy"]) => {
            st.buckets.get_mut(b).expect("checked").policy = None;
            ResponseTemplate::new(200)
        }
        (m, ["retention"]) => super::retention::bucket_retention(st, c, m, b, &meta, &body),
        (m, ["object-lock-config"]) => {
            super::retention::object_lock_config(st, c, m, b, &meta, &body)
        }
        (m @ ("POST" | "PUT" | "DELETE"), ["tags"]) => {
            let tags: Vec<(String, String)> = tag_list(&body["TagSet"], "Key", "Value");
            let meta = st.buckets.get_mut(b).expect("checked");
            match m {
                "POST" => {
                    // Dell's spec: an ERROR "when the total number of existing tags and the
                    // tags specified exceeds 10".
                    if meta.tags.len() + tags.len() > MAX_BUCKET_TAGS {
                        return c.invalid(&format!(
                            "Bucket {b} has {} tags; adding {} would exceed the limit of {MAX_BUCKET_TAGS}",
                            meta.tags.len(),
                            tags.len()
                        ));
                    }
                    for (k, v) in tags {
                        if meta.tags.iter().any(|(x, _)| *x == k) {
                            return c.invalid(&format!("Tag {k} already exists on bucket {b}"));
                        }
                        meta.tags.push((k, v));
                    }
                }
                "PUT" => {
                    for (k, v) in tags {
                        let Some(slot) = meta.tags.iter_mut().find(|(x, _)| *x == k) else {
                            return c.invalid(&format!("Tag {k} does not exist"));
                        };
                        slot.1 = v;
                    }
                }
                _ => {
                    if let Some((k, _)) = tags.iter().find(|(k, _)| !meta.tags.iter().any(|(x, _)| x == k)) {
                        return c.invalid(&format!("Tag {k} does not exist on bucket {b}"));
                    }
                    for (k, _) in tags {
                        meta.tags.retain(|(x, _)| *x != k);
                    }
                }
            }
            ResponseTemplate::new(200)
        }
        _ => c.err(405, 1007, "Method not supported", &format!("{method} bucket/{}", rest.join("/"))),
    }
}
