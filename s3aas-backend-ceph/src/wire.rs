//! The RGW Admin Ops API on the wire: how requests are addressed and signed, and the JSON
//! answers decoded into small structs that keep only what the backend reads (unknown fields are
//! ignored; missing ones take defaults, so a release that drops a field does not break decoding).

use s3aas_core::{Error, ErrorKind, Result, SecretString};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Percent-encodes a query component the way SigV4 canonicalises it: everything but
/// `A-Z a-z 0-9 - _ . ~` as `%XX`. Not `application/x-www-form-urlencoded`: RGW reads `+` in a
/// query as a space when it rebuilds the canonical request, so a `+` for a space (or a literal
/// `+` left as is) gives `SignatureDoesNotMatch`.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query string of an admin call: the sub-resource flag (`key`, `quota`, ...) first, as RGW
/// documents it, then `name=value` pairs, all strictly encoded.
pub(crate) fn query(flag: Option<&str>, params: &[(&str, String)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(f) = flag {
        parts.push(encode(f));
    }
    for (k, v) in params {
        parts.push(format!("{}={}", encode(k), encode(v)));
    }
    parts.join("&")
}

/// A secret read from an answer: never shown by `Debug`.
#[derive(Clone)]
pub(crate) struct Secret(pub(crate) SecretString);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(Secret(SecretString::from(String::deserialize(d)?)))
    }
}

/// RGW answers flags as `0`/`1`, `"true"`/`"false"` or booleans, by field and release.
fn flag<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::Number(n) => n.as_i64().unwrap_or(0) != 0,
        serde_json::Value::String(s) => s == "true" || s == "1",
        _ => false,
    })
}

/// One S3 key of a user (`GET /admin/user?uid=`; the admin sees secrets).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct KeyInfo {
    /// `tenant$uid`, or `tenant$uid:subuser` for a subuser's key.
    #[serde(default)]
    pub(crate) user: String,
    pub(crate) access_key: String,
    #[serde(default)]
    pub(crate) secret_key: Option<Secret>,
}

/// Quota settings as RGW reports them (`max_size` in bytes, `-1` for none).
#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub(crate) struct QuotaInfo {
    #[serde(default, deserialize_with = "flag")]
    pub(crate) enabled: bool,
    #[serde(default)]
    pub(crate) max_size: i64,
}

fn unlimited() -> i64 {
    -1
}

/// A user's quota (`GET /admin/user?quota&quota-type=user`): `max_size` in bytes and
/// `max_objects`, each `-1` (or any negative) for no limit. A missing field is no limit.
#[derive(Clone, Copy, Debug, Deserialize)]
pub(crate) struct UserQuotaInfo {
    #[serde(default, deserialize_with = "flag")]
    pub(crate) enabled: bool,
    #[serde(default = "unlimited")]
    pub(crate) max_size: i64,
    #[serde(default = "unlimited")]
    pub(crate) max_objects: i64,
}

/// A user (`GET /admin/user?uid=`).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct UserInfo {
    #[serde(default)]
    pub(crate) tenant: String,
    pub(crate) user_id: String,
    #[serde(default)]
    pub(crate) display_name: String,
    #[serde(default, deserialize_with = "flag")]
    pub(crate) suspended: bool,
    #[serde(default)]
    pub(crate) keys: Vec<KeyInfo>,
}

impl UserInfo {
    /// The user's own S3 keys (not its subusers'), sorted by access key id.
    pub(crate) fn own_keys(&self) -> Vec<&KeyInfo> {
        let uid = if self.tenant.is_empty() {
            self.user_id.clone()
        } else {
            format!("{}${}", self.tenant, self.user_id)
        };
        let mut keys: Vec<&KeyInfo> = self
            .keys
            .iter()
            .filter(|k| k.user.is_empty() || k.user == uid)
            .collect();
        keys.sort_by(|a, b| a.access_key.cmp(&b.access_key));
        keys
    }
}

/// One usage category of a bucket (`rgw.main`, `rgw.multimeta`, ...).
#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub(crate) struct UsageEntry {
    #[serde(default)]
    pub(crate) size: u64,
    #[serde(default)]
    pub(crate) num_objects: u64,
}

/// A bucket with its stats (`GET /admin/bucket?bucket=tenant/name&stats=true`).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct BucketStats {
    #[serde(default)]
    pub(crate) owner: String,
    #[serde(default)]
    pub(crate) creation_time: Option<String>,
    /// RGW answers `[]` instead of `{}` for a bucket that never held anything on some releases.
    #[serde(default, deserialize_with = "usage_map")]
    pub(crate) usage: HashMap<String, UsageEntry>,
    #[serde(default)]
    pub(crate) bucket_quota: QuotaInfo,
    #[serde(default)]
    pub(crate) tagset: Option<BTreeMap<String, String>>,
}

fn usage_map<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<HashMap<String, UsageEntry>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Object(m) => Ok(m
            .into_iter()
            .filter_map(|(k, v)| serde_json::from_value(v).ok().map(|u| (k, u)))
            .collect()),
        _ => Ok(HashMap::new()),
    }
}

impl BucketStats {
    /// Bytes and objects over every usage category (`rgw.main` holds objects; `rgw.multimeta`
    /// holds parts of unfinished multipart uploads, which count against quotas too).
    pub(crate) fn totals(&self) -> (u64, u64) {
        self.usage.values().fold((0, 0), |(b, o), u| {
            (b.saturating_add(u.size), o.saturating_add(u.num_objects))
        })
    }
}

/// A page of `GET /admin/metadata/user?max-entries=N` (without `max-entries`, RGW answers a bare
/// array: both are read).
#[derive(Clone, Debug, Default)]
pub(crate) struct MetadataPage {
    pub(crate) keys: Vec<String>,
    pub(crate) marker: Option<String>,
    pub(crate) truncated: bool,
}

pub(crate) fn parse_metadata_page(body: &[u8]) -> Result<MetadataPage> {
    #[derive(Deserialize)]
    struct Paged {
        #[serde(default)]
        keys: Vec<String>,
        #[serde(default)]
        marker: Option<String>,
        #[serde(default, deserialize_with = "flag")]
        truncated: bool,
    }
    if let Ok(keys) = serde_json::from_slice::<Vec<String>>(body) {
        return Ok(MetadataPage {
            keys,
            marker: None,
            truncated: false,
        });
    }
    let p: Paged = decode("GET /admin/metadata/user", body)?;
    Ok(MetadataPage {
        keys: p.keys,
        marker: p.marker.filter(|m| !m.is_empty()),
        truncated: p.truncated,
    })
}

/// Decodes a JSON answer, naming the call in the error (never quoting the body: user answers
/// carry secrets).
pub(crate) fn decode<T: serde::de::DeserializeOwned>(what: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorKind::Backend,
            format!(
                "cannot decode the answer of {what} (line {}, column {}): {}",
                e.line(),
                e.column(),
                e.classify_kind()
            ),
        )
    })
}

trait Classify {
    fn classify_kind(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_kind(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "unexpected shape",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

/// Feeds one body to every decoder (for fuzzing; never panics).
pub(crate) fn fuzz_all(body: &[u8]) {
    let _ = decode::<UserInfo>("fuzz", body).map(|u| u.own_keys().len());
    let _ = decode::<BucketStats>("fuzz", body).map(|b| b.totals());
    let _ =
        decode::<Vec<BucketStats>>("fuzz", body).map(|all| crate::features::sum_bucket_stats(&all));
    let _ = decode::<UserQuotaInfo>("fuzz", body).map(|q| crate::UserQuota::from_rgw(&q));
    let _ = parse_metadata_page(body);
    let _ = crate::error::parse_error(body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_strictly_encoded_with_the_flag_first() {
        let q = query(
            Some("key"),
            &[
                ("uid", "t1$alice".to_string()),
                ("display-name", "a b+c/é".to_string()),
            ],
        );
        assert_eq!(q, "key&uid=t1%24alice&display-name=a%20b%2Bc%2F%C3%A9");
        assert_eq!(query(None, &[]), "");
    }

    #[test]
    fn user_answer_keeps_own_keys_and_never_debugs_secrets() {
        let body = br#"{"tenant":"t1","user_id":"alice","display_name":"alice","suspended":1,
            "keys":[{"user":"t1$alice","access_key":"BBB","secret_key":"s3cr3t-b"},
                    {"user":"t1$alice:sub","access_key":"CCC","secret_key":"s3cr3t-c"},
                    {"user":"t1$alice","access_key":"AAA","secret_key":"s3cr3t-a"}],
            "bucket_quota":{"enabled":false,"max_size":-1}}"#;
        let u: UserInfo = decode("x", body).unwrap();
        assert!(u.suspended);
        let ids: Vec<&str> = u.own_keys().iter().map(|k| k.access_key.as_str()).collect();
        assert_eq!(ids, vec!["AAA", "BBB"]);
        let dbg = format!("{u:?}");
        assert!(!dbg.contains("s3cr3t"), "{dbg}");
        let e = decode::<UserInfo>("GET /admin/user", b"{\"secret_key\":\"s3cr3t\"").unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"));
    }

    #[test]
    fn bucket_stats_and_metadata_pages() {
        let b: BucketStats = decode(
            "x",
            br#"{"bucket":"b","owner":"t1$s3aas","creation_time":"2026-12-04T14:36:47.047765Z",
            "usage":{"rgw.main":{"size":5,"size_actual":4096,"num_objects":1},"rgw.multimeta":{"size":0,"num_objects":2}},
            "bucket_quota":{"enabled":true,"max_size":1024,"max_objects":-1},"tagset":{"a":"b"}}"#,
        )
        .unwrap();
        assert_eq!(b.totals(), (5, 3));
        assert!(b.bucket_quota.enabled);
        let empty: BucketStats = decode("x", br#"{"owner":"o","usage":[]}"#).unwrap();
        assert_eq!(empty.totals(), (0, 0));
        let p = parse_metadata_page(br#"["a","t$b"]"#).unwrap();
        assert_eq!(p.keys, vec!["a", "t$b"]);
        assert!(!p.truncated);
        let p =
            parse_metadata_page(br#"{"keys":["a"],"truncated":"true","count":1,"marker":"NTo4"}"#)
                .unwrap();
        assert!(p.truncated);
        assert_eq!(p.marker.as_deref(), Some("NTo4"));
        assert!(parse_metadata_page(b"<html>").is_err());
    }
}
