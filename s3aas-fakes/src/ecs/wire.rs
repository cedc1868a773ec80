//! How the management API talks: JSON or XML answers with ECS's error bodies, request bodies
//! and query parameters read as ECS (Jackson) reads them, paging, and the random ids and
//! secrets it hands out.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wiremock::{Request, ResponseTemplate};

pub(super) fn now_str() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub(super) fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub(super) fn wants_json(req: &Request) -> bool {
    req.headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("json"))
}

pub(super) fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(super) fn to_xml(name: &str, v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in m {
                to_xml(k, v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(a) => {
            for v in a {
                to_xml(name, v, out);
            }
        }
        Value::Null => out.push_str(&format!("<{name}/>")),
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", xml_escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

/// One management request, and how to answer it (JSON or XML, as its `Accept` asks).
pub(super) struct Ctx<'a> {
    pub(super) json: bool,
    pub(super) req: &'a Request,
}

impl Ctx<'_> {
    pub(super) fn ok(&self, body: Value) -> ResponseTemplate {
        self.status(200, "root", body)
    }

    pub(super) fn status(&self, status: u16, root: &str, body: Value) -> ResponseTemplate {
        let id = format!("ecs-req-{}", rand_hex(6));
        let r = ResponseTemplate::new(status).insert_header("x-emc-request-id", id.as_str());
        if self.json {
            r.set_body_raw(body.to_string(), "application/json")
        } else {
            let mut s =
                String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>");
            to_xml(root, &body, &mut s);
            r.set_body_raw(s, "application/xml")
        }
    }

    pub(super) fn err(
        &self,
        status: u16,
        code: u32,
        description: &str,
        details: &str,
    ) -> ResponseTemplate {
        self.status(
            status,
            "error",
            json!({"code": code, "description": description, "details": details, "retryable": false}),
        )
    }

    pub(super) fn not_found_url(&self, what: &str) -> ResponseTemplate {
        self.err(
            404,
            1004,
            "Unable to find entity specified in URL",
            &format!("{what} not found"),
        )
    }

    pub(super) fn not_found_param(&self, what: &str) -> ResponseTemplate {
        self.err(
            400,
            1004,
            "The request parameter cannot be found",
            &format!("{what} not found"),
        )
    }

    pub(super) fn invalid(&self, details: &str) -> ResponseTemplate {
        self.err(400, 1008, "Parameter was provided but invalid", details)
    }

    #[allow(clippy::result_large_err)] // the error is the answer to send, built once per request
    pub(super) fn body(&self) -> Result<Value, ResponseTemplate> {
        if self.req.body.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice(&self.req.body).map_err(|e| {
            self.err(
                400,
                1013,
                "Bad request body",
                &format!("Unable to parse the request body: {e}"),
            )
        })
    }

    /// A boolean query parameter as ECS reads it: `true`/`false` in any case (python-ecsclient
    /// sends `True`); anything else is a 400.
    #[allow(clippy::result_large_err)]
    pub(super) fn qbool(&self, k: &str) -> Result<Option<bool>, ResponseTemplate> {
        match self.q(k) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(self.invalid(&format!("Invalid value {v} for boolean parameter {k}"))),
        }
    }

    pub(super) fn q(&self, k: &str) -> Option<String> {
        self.req
            .url
            .query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
    }
}
pub(super) fn rand_hex(n: usize) -> String {
    use rand::Rng;
    let mut r = rand::thread_rng();
    (0..n).map(|_| format!("{:02x}", r.r#gen::<u8>())).collect()
}

pub(super) fn new_secret() -> String {
    use rand::Rng;
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut r = rand::thread_rng();
    (0..40)
        .map(|_| ALPHA[r.gen_range(0..ALPHA.len())] as char)
        .collect()
}

pub(super) fn key_id(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// A strict boolean as Jackson reads it: true/false or "true"/"false"; anything else is an error.
pub(super) fn strict_bool(v: Option<&Value>, field: &str) -> Result<Option<bool>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(other) => Err(format!(
            "Cannot deserialize value of type `boolean` from {other} for field \"{field}\" (through reference chain: com.emc.storageos.objcontrol.object.ObjectBucketParam[\"{field}\"])"
        )),
    }
}

/// A whole number as Jackson reads it: a JSON integer or a numeric string (scalar coercion);
/// anything else (`"abc"`, `1.5`, `true`) is a deserialisation error, which ECS answers with 400.
pub(super) fn strict_int(v: Option<&Value>, field: &str) -> Result<Option<i64>, String> {
    let bad = |other: &Value| {
        format!(
            "Cannot deserialize value of type `long` from {other} for field \"{field}\": not a valid representation"
        )
    };
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(n @ Value::Number(x)) => x.as_i64().map(Some).ok_or_else(|| bad(n)),
        Some(s @ Value::String(x)) => x.trim().parse().map(Some).map_err(|_| bad(s)),
        Some(other) => Err(bad(other)),
    }
}

/// A list of `{<key>: .., <value>: ..}` tag objects (`name`/`value` on users, `Key`/`Value` on
/// buckets) as pairs; entries without a key are skipped.
pub(super) fn tag_list(v: &Value, key: &str, value: &str) -> Vec<(String, String)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    Some((
                        t[key].as_str()?.to_string(),
                        t[value].as_str().unwrap_or("").to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}
pub(super) fn page<'a, T: 'a>(
    items: impl Iterator<Item = (&'a String, T)>,
    marker: Option<&str>,
    limit: usize,
) -> (Vec<(&'a String, T)>, Option<String>) {
    let mut out = Vec::new();
    let mut next = None;
    for (k, v) in items {
        if marker.is_some_and(|m| k.as_str() <= m) {
            continue;
        }
        if out.len() == limit {
            next = out.last().map(|(k, _): &(&String, T)| (*k).clone());
            break;
        }
        out.push((k, v));
    }
    (out, next)
}

pub(super) fn limit_of(c: &Ctx<'_>) -> usize {
    c.q("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l: &usize| *l > 0)
        .unwrap_or(1000)
        .min(10_000)
}
