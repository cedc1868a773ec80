//! The management API's two retention endpoints of a bucket (Dell's OpenAPI spec):
//!
//! - `GET/PUT /object/bucket/{b}/retention`: ECS's own bucket retention, a period in seconds
//!   (`{period}`; python-ecsclient's `get_retention`/`set_retention`, default 0 = none). It is
//!   not S3 object lock and s3aas never sets it; it is kept so that a test can tell the two
//!   apart.
//! - `GET/PUT /object/bucket/{b}/object-lock-config`: the object-lock configuration as JSON
//!   (`ObjectLockEnabled`, `Rule.DefaultRetention.{Mode, Days|Years}`), the same one S3's
//!   `?object-lock` reads and writes (one store: the bucket's S3 configuration).
//!
//! Assumed: the answer for a bucket without object lock (`400`/1008), and that a period below 0
//! is refused the same way.

use super::state::{BucketMeta, EcsState};
use super::wire::{Ctx, strict_int};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

/// The text of the first `<tag>` element in `s`.
fn first(s: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = s.find(&open)? + open.len();
    let end = s[start..].find(&format!("</{tag}>"))? + start;
    Some(s[start..end].to_string())
}

/// `/object/bucket/{b}/retention`.
pub(super) fn bucket_retention(
    st: &mut EcsState,
    c: &Ctx<'_>,
    method: &str,
    b: &str,
    meta: &BucketMeta,
    body: &Value,
) -> ResponseTemplate {
    if method == "GET" {
        return c.ok(json!({"period": meta.retention}));
    }
    let period = match strict_int(body.get("period"), "period") {
        Ok(Some(p)) if p >= 0 => p,
        Ok(Some(p)) => return c.invalid(&format!("Invalid retention period {p}")),
        Ok(None) => {
            return c.err(
                400,
                1005,
                "Required parameter is missing or empty",
                "period",
            );
        }
        Err(e) => return c.err(400, 1013, "Bad request body", &e),
    };
    if let Some(m) = st.buckets.get_mut(b) {
        m.retention = period;
    }
    ResponseTemplate::new(200)
}

/// `/object/bucket/{b}/object-lock-config`.
pub(super) fn object_lock_config(
    st: &mut EcsState,
    c: &Ctx<'_>,
    method: &str,
    b: &str,
    meta: &BucketMeta,
    body: &Value,
) -> ResponseTemplate {
    if !meta.object_lock {
        return c.invalid(&format!("Object Lock is not enabled on bucket {b}"));
    }
    let Some(s3) = st.s3.buckets.get_mut(b) else {
        return c.not_found_url(&format!("Bucket {b}"));
    };
    if method == "GET" {
        let mut out = json!({"ObjectLockEnabled": "Enabled"});
        if let Some(rule) = &s3.configs.retention {
            let n = |tag: &str| first(rule, tag).and_then(|v| v.parse::<i64>().ok());
            out["Rule"] = json!({"DefaultRetention": {
                "Mode": first(rule, "Mode"),
                "Days": n("Days"),
                "Years": n("Years"),
            }});
        }
        return c.ok(out);
    }
    let rule = &body["Rule"]["DefaultRetention"];
    if rule.is_null() {
        s3.configs.retention = None;
        return ResponseTemplate::new(200);
    }
    let mode = rule["Mode"].as_str().unwrap_or_default();
    let days = strict_int(rule.get("Days"), "Days");
    let years = strict_int(rule.get("Years"), "Years");
    let period = match (days, years) {
        (Ok(Some(d)), Ok(None)) if d > 0 => format!("<Days>{d}</Days>"),
        (Ok(None), Ok(Some(y))) if y > 0 => format!("<Years>{y}</Years>"),
        (Err(e), _) | (_, Err(e)) => return c.err(400, 1013, "Bad request body", &e),
        _ => return c.invalid("Either Days or Years must be specified, but not both"),
    };
    if !matches!(mode, "GOVERNANCE" | "COMPLIANCE") {
        return c.invalid(&format!("Invalid object lock mode {mode}"));
    }
    s3.configs.retention = Some(format!(
        "<Rule><DefaultRetention><Mode>{mode}</Mode>{period}</DefaultRetention></Rule>"
    ));
    ResponseTemplate::new(200)
}
