//! Billing (`/object/billing/...`): a bucket's and a namespace's size and object count, in the
//! unit asked for, as Dell's OpenAPI spec (`BillingService_getBucketBillingInfo`,
//! `BillingService_getNamespaceBillingInfo`) and python-ecsclient's recorded answers shape
//! them: `total_size` a double, `total_size_unit` the unit asked for (default `GB`; `KB`/`MB`/
//! `GB` are binary units, as the spec says), `total_objects`, `sample_time` as
//! `yyyy-MM-dd'T'HH:mm:ss'Z'`, `uptodate_till`, the bucket's tags (`Tag` in JSON, `TagSet` in
//! XML, as a recorded XML answer shows), MPU figures; a namespace's answer carries its buckets
//! with `include_bucket_detail=true`, a page at a time (`marker`, `next_marker`).
//!
//! The simulator's figures are live (ECS samples every 5 minutes); `sample_time` is the time of
//! the answer. Assumed: the page size of bucket details ([`EcsState::billing_page`]; Dell
//! documents the paging but not its size) and the XML root of a namespace's answer
//! (`namespace_billing_info`; a bucket's, `bucket_billing_info`, is from a recorded answer).

use super::mgmt::unsupported;
use super::state::{BucketMeta, EcsState};
use super::wire::Ctx;
use serde_json::{Value, json};
use time::OffsetDateTime;
use wiremock::ResponseTemplate;

const DEFAULT_VPOOL: &str = "urn:storageos:ReplicationGroupInfo:sim-rg:global";

/// A sample time as ECS writes it (`yyyy-MM-dd'T'HH:mm:ss'Z'`).
fn sample_time() -> String {
    OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default()
}

/// Bytes per unit; `None` for a unit ECS does not know.
fn unit_size(unit: &str) -> Option<f64> {
    Some(match unit {
        "BYTE" => 1.0,
        "KB" | "KiB" => 1024.0,
        "MB" | "MiB" => 1024.0 * 1024.0,
        "GB" | "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    })
}

/// `/object/billing/...`.
pub(super) fn route(st: &mut EcsState, c: &Ctx<'_>, method: &str, s: &[&str]) -> ResponseTemplate {
    let unit = c.q("sizeunit").unwrap_or_else(|| "GB".into());
    let Some(div) = unit_size(&unit) else {
        return c.invalid(&format!("Invalid sizeunit {unit}"));
    };
    match (method, s) {
        ("GET", ["object", "billing", "buckets", ns, b, "info"]) => {
            let Some(m) = st.buckets.get(*b).filter(|m| m.namespace == *ns) else {
                return c.not_found_url(&format!("Bucket {b}"));
            };
            let body = bucket_billing(st, c, b, m, &unit, div);
            c.status(200, "bucket_billing_info", body)
        }
        ("GET", ["object", "billing", "namespace", ns, "info"]) => {
            if !st.namespaces.contains_key(*ns) {
                return c.not_found_url(&format!("Namespace {ns}"));
            }
            let detail = match c.qbool("include_bucket_detail") {
                Ok(f) => f.unwrap_or(false),
                Err(r) => return r,
            };
            let marker = c.q("marker");
            let (mut bytes, mut objects) = (0u64, 0u64);
            let mut items = Vec::new();
            let mut next = None;
            for (n, m) in st.buckets.iter().filter(|(_, m)| m.namespace == *ns) {
                let (b, o) = st.s3.buckets.get(n).map(|x| x.usage()).unwrap_or((0, 0));
                bytes += b;
                objects += o;
                if !detail || marker.as_deref().is_some_and(|x| n.as_str() <= x) {
                    continue;
                }
                if items.len() == st.billing_page.max(1) {
                    next = Some(items.last().map(|(n, _): &(&String, _)| (*n).clone()));
                    continue;
                }
                items.push((n, m));
            }
            let mut body = figures(bytes, objects, &unit, div);
            body["namespace"] = json!(ns);
            if detail {
                body["bucket_billing_info"] = Value::Array(
                    items
                        .iter()
                        .map(|(n, m)| bucket_billing(st, c, n, m, &unit, div))
                        .collect(),
                );
            }
            if let Some(Some(n)) = next {
                body["next_marker"] = json!(n);
            }
            c.status(200, "namespace_billing_info", body)
        }
        _ => unsupported(c, method, s),
    }
}

/// The figures a bucket's and a namespace's billing share.
fn figures(bytes: u64, objects: u64, unit: &str, div: f64) -> Value {
    json!({
        "total_size": bytes as f64 / div,
        "total_size_unit": unit,
        "total_objects": objects,
        "sample_time": sample_time(),
        "uptodate_till": sample_time(),
        "total_mpu_size": 0.0,
        "total_mpu_parts": 0,
    })
}

fn bucket_billing(
    st: &EcsState,
    c: &Ctx<'_>,
    name: &str,
    m: &BucketMeta,
    unit: &str,
    div: f64,
) -> Value {
    let (bytes, objects) = st.s3.buckets.get(name).map(|x| x.usage()).unwrap_or((0, 0));
    let tags: Vec<Value> = m
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    let mut v = figures(bytes, objects, unit, div);
    v["name"] = json!(name);
    v["namespace"] = json!(m.namespace);
    v["vpool_id"] = json!(m.vpool.clone().unwrap_or_else(|| DEFAULT_VPOOL.into()));
    if c.json {
        v["Tag"] = Value::Array(tags);
    } else {
        v["TagSet"] = json!({"Tag": tags});
    }
    v
}
