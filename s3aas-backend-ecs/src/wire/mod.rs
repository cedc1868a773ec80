//! The ECS Management API's JSON shapes, read leniently: booleans that come as strings
//! (`"true"`), numbers that come as strings, timestamps in several formats, fields that older
//! releases leave out.

use s3aas_core::{Error, ErrorKind, Result};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub(crate) mod iam;

/// `true`, `"true"`, `"True"`, `1`; anything else (and absent) is `false`.
pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::String(s) => s.eq_ignore_ascii_case("true"),
        Value::Number(n) => n.as_i64() == Some(1),
        _ => false,
    })
}

/// An integer given as a number or a string; absent, null or empty is `None`.
pub(crate) fn lenient_i64<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(
            s.trim()
                .parse::<i64>()
                .or_else(|_| s.trim().parse::<f64>().map(|f| f as i64))
                .map_err(|_| de::Error::custom(format!("'{s}' is not a number")))?,
        ),
        _ => None,
    })
}

/// A number (possibly fractional) given as a number or a string.
pub(crate) fn lenient_f64<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(
            s.trim()
                .parse::<f64>()
                .map_err(|_| de::Error::custom(format!("'{s}' is not a number")))?,
        ),
        _ => None,
    })
}

/// A timestamp as ECS writes them: RFC 3339 (`2015-06-15T18:39:11.957Z`), `2015-05-21 05:43:33.281`
/// (UTC), or epoch milliseconds (number or string). Unparseable values are `None`, never an error:
/// a timestamp is never worth failing a call for.
pub(crate) fn lenient_time<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<OffsetDateTime>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => parse_time(&s),
        Value::Number(n) => n.as_i64().and_then(from_epoch),
        _ => None,
    })
}

fn from_epoch(v: i64) -> Option<OffsetDateTime> {
    // Seconds or milliseconds: anything past year 2400 in seconds is milliseconds.
    if v.abs() > 13_569_465_600 {
        OffsetDateTime::from_unix_timestamp_nanos(v as i128 * 1_000_000).ok()
    } else {
        OffsetDateTime::from_unix_timestamp(v).ok()
    }
}

/// Parses one ECS timestamp (see [`lenient_time`]).
pub(crate) fn parse_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    if let Ok(n) = s.parse::<i64>() {
        return from_epoch(n);
    }
    // `2015-05-21 05:43:33.281` or `2015-05-21T05:43:33` without a zone: UTC.
    let t = s.replacen(' ', "T", 1);
    let with_zone = if t.ends_with('Z') { t } else { format!("{t}Z") };
    OffsetDateTime::parse(&with_zone, &Rfc3339).ok()
}

/// `{name, value}` tag of object users.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct UserTag {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) value: String,
}

/// `{Key, Value}` tag of buckets.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct BucketTag {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "Value", default)]
    pub(crate) value: String,
}

/// A list response's items: a list, a single object (XML-to-JSON converters collapse one-element
/// lists), or absent.
pub(crate) fn one_or_many<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => a
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(de::Error::custom))
            .collect(),
        v @ Value::Object(_) => Ok(vec![serde_json::from_value(v).map_err(de::Error::custom)?]),
        _ => Ok(Vec::new()),
    }
}

/// `GET /object/namespaces/namespace/{id}`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Namespace {
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub(crate) is_encryption_enabled: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub(crate) inactive: bool,
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) creation_time: Option<OffsetDateTime>,
}

/// An item of `GET /object/namespaces`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct NamespaceRef {
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) name: String,
}

/// `GET /object/namespaces`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct NamespaceList {
    #[serde(default, deserialize_with = "one_or_many")]
    pub(crate) namespace: Vec<NamespaceRef>,
    #[serde(rename = "NextMarker", default)]
    pub(crate) next_marker: Option<String>,
}

/// An item of `GET /object/users/{namespace}`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct BlobUser {
    pub(crate) userid: String,
}

/// `GET /object/users[/{namespace}]`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct UserList {
    #[serde(default, deserialize_with = "one_or_many")]
    pub(crate) blobuser: Vec<BlobUser>,
    #[serde(rename = "NextMarker", default)]
    pub(crate) next_marker: Option<String>,
}

/// `GET /object/users/{uid}/info`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct UserInfo {
    #[serde(default)]
    pub(crate) namespace: String,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub(crate) locked: bool,
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) created: Option<OffsetDateTime>,
    #[serde(default, alias = "tags", deserialize_with = "one_or_many")]
    pub(crate) tag: Vec<UserTag>,
}

/// `GET /object/user-secret-keys/{uid}/{namespace}`.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct UserSecretKeys {
    #[serde(default)]
    pub(crate) secret_key_1: Option<String>,
    #[serde(default)]
    pub(crate) secret_key_1_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt_bool")]
    pub(crate) secret_key_1_exist: Option<bool>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) key_timestamp_1: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) key_expiry_timestamp_1: Option<OffsetDateTime>,
    #[serde(default)]
    pub(crate) secret_key_2: Option<String>,
    #[serde(default)]
    pub(crate) secret_key_2_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_opt_bool")]
    pub(crate) secret_key_2_exist: Option<bool>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) key_timestamp_2: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) key_expiry_timestamp_2: Option<OffsetDateTime>,
}

fn lenient_opt_bool<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::Bool(b) => Some(b),
        Value::String(s) => Some(s.eq_ignore_ascii_case("true")),
        _ => None,
    })
}

/// One of a user's (at most two) secret keys as the API shows it.
#[derive(Clone, Debug)]
pub(crate) struct SlotKey {
    /// The secret, unless the system hides secrets.
    pub(crate) secret: Option<String>,
    /// The SHA-256 id (ECS 4.x), or computed here from the secret.
    pub(crate) id: String,
    /// Whether the server gave the id (then deletes go by id).
    pub(crate) server_id: bool,
    pub(crate) created: Option<OffsetDateTime>,
    pub(crate) expires: Option<OffsetDateTime>,
}

impl UserSecretKeys {
    /// The keys that exist, oldest slot first. A slot exists when it has a secret or an id
    /// (and its `_exist` flag, where sent, is not `false`).
    pub(crate) fn keys(&self) -> Vec<SlotKey> {
        let slots = [
            (
                &self.secret_key_1,
                &self.secret_key_1_id,
                self.secret_key_1_exist,
                self.key_timestamp_1,
                self.key_expiry_timestamp_1,
            ),
            (
                &self.secret_key_2,
                &self.secret_key_2_id,
                self.secret_key_2_exist,
                self.key_timestamp_2,
                self.key_expiry_timestamp_2,
            ),
        ];
        let mut out = Vec::new();
        for (secret, id, exist, created, expires) in slots {
            if exist == Some(false) {
                continue;
            }
            let secret = secret.as_ref().filter(|s| !s.is_empty()).cloned();
            let server_id = id.as_ref().filter(|s| !s.is_empty()).cloned();
            let id = match (&server_id, &secret) {
                (Some(id), _) => id.clone(),
                (None, Some(s)) => secret_key_id(s),
                (None, None) => continue,
            };
            out.push(SlotKey {
                secret,
                id,
                server_id: server_id.is_some(),
                created,
                expires,
            });
        }
        out
    }
}

/// The id ECS 4.x gives a secret key: the lowercase hex SHA-256 of the secret.
pub fn secret_key_id(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// `POST /object/user-secret-keys/{uid}` answer.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct NewSecretKey {
    pub(crate) secret_key: String,
    #[serde(default)]
    pub(crate) secret_key_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) key_timestamp: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) key_expiry_timestamp: Option<OffsetDateTime>,
}

impl NewSecretKey {
    /// The key's id: the server's `secret_key_id` (ECS 4.x), else the SHA-256 of the secret.
    pub(crate) fn id(&self) -> String {
        self.secret_key_id
            .clone()
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| secret_key_id(&self.secret_key))
    }
}

/// `GET /object/bucket/{b}/info` and the items of `GET /object/bucket`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct BucketInfo {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) namespace: String,
    #[serde(default)]
    pub(crate) owner: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) created: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub(crate) is_encryption_enabled: bool,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub(crate) is_object_lock_enabled: bool,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub(crate) block_size: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub(crate) notification_size: Option<f64>,
    #[serde(rename = "TagSet", default, deserialize_with = "one_or_many")]
    pub(crate) tag_set: Vec<BucketTag>,
    #[serde(default)]
    pub(crate) versioning_status: Option<String>,
}

impl BucketInfo {
    /// Whether this is an instance's default bucket (it carries s3aas's tag).
    pub(crate) fn is_default(&self) -> bool {
        self.tag_set
            .iter()
            .any(|t| t.key == crate::DEFAULT_BUCKET_TAG)
    }
}

/// `GET /object/bucket`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct BucketList {
    #[serde(default, deserialize_with = "one_or_many")]
    pub(crate) object_bucket: Vec<BucketInfo>,
    #[serde(rename = "NextMarker", default)]
    pub(crate) next_marker: Option<String>,
}

/// `GET /object/billing/buckets/{ns}/{bucket}/info?sizeunit=BYTE`, and an item of
/// [`NamespaceBilling::bucket_billing_info`].
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct BucketBilling {
    /// The bucket (in a namespace's bucket details).
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub(crate) total_size: Option<f64>,
    #[serde(default)]
    pub(crate) total_size_unit: Option<String>,
    /// Older releases answer the size in GiB under this name only.
    #[serde(default, deserialize_with = "lenient_f64")]
    pub(crate) total_size_in_gb: Option<f64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub(crate) total_objects: Option<i64>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) sample_time: Option<OffsetDateTime>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) uptodate_till: Option<OffsetDateTime>,
}

impl BucketBilling {
    /// Total size in bytes, converting from the unit ECS reports (binary units for the legacy
    /// `KB`/`MB`/`GB` names, as ECS documents).
    /// An answer without any size is an error, never "0 bytes" (which would make a bucket
    /// look empty).
    pub(crate) fn bytes(&self) -> Result<u64> {
        let (size, unit) = match (self.total_size, self.total_size_in_gb) {
            (Some(s), _) => (s, self.total_size_unit.as_deref().unwrap_or("BYTE")),
            (None, Some(gb)) => (gb, "GB"),
            (None, None) => {
                return Err(Error::new(
                    ErrorKind::Backend,
                    "billing answered without total_size (or total_size_in_gb)",
                ));
            }
        };
        let mult: f64 = match unit.to_ascii_uppercase().as_str() {
            "BYTE" | "BYTES" | "B" => 1.0,
            "KB" | "KIB" => 1024.0,
            "MB" | "MIB" => 1024.0 * 1024.0,
            "GB" | "GIB" => 1024.0 * 1024.0 * 1024.0,
            "TB" | "TIB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
            other => {
                return Err(Error::new(
                    ErrorKind::Backend,
                    format!("billing answered an unknown size unit '{other}'"),
                ));
            }
        };
        Ok((size * mult).round().max(0.0) as u64)
    }
}

/// `GET /object/billing/namespace/{ns}/info?sizeunit=BYTE&include_bucket_detail=true`: the
/// namespace's totals and one page of its buckets' figures (`next_marker` continues).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct NamespaceBilling {
    /// The namespace's own figures (size, unit, objects, sample time).
    #[serde(flatten)]
    pub(crate) totals: BucketBilling,
    #[serde(default, deserialize_with = "one_or_many")]
    pub(crate) bucket_billing_info: Vec<BucketBilling>,
    #[serde(default)]
    pub(crate) next_marker: Option<String>,
}

/// `GET /object/bucket/{b}/empty-bucket-status`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct EmptyBucketStatus {
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) message: Option<String>,
}

/// An item of `GET /vdc/nodes`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct VdcNode {
    #[serde(default, alias = "nodeid", alias = "nodeId")]
    pub(crate) id: Option<String>,
    #[serde(default, alias = "nodename", alias = "nodeName")]
    pub(crate) name: Option<String>,
    #[serde(default, alias = "ip", alias = "data_ip", alias = "public_ip")]
    pub(crate) ip: Option<String>,
    #[serde(default)]
    pub(crate) version: Option<String>,
    #[serde(default, alias = "isOnline")]
    pub(crate) status: Option<Value>,
}

/// `GET /vdc/nodes`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct VdcNodes {
    #[serde(default, deserialize_with = "one_or_many")]
    pub(crate) node: Vec<VdcNode>,
}

/// Decodes a JSON answer, naming the call on failure (and never echoing the body, which may hold
/// secrets).
pub(crate) fn decode<T: serde::de::DeserializeOwned>(what: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorKind::Backend,
            format!("cannot decode the answer of {what}: {e}"),
        )
    })
}

/// Runs every decoder on `body` (fuzzing entry point).
pub(crate) fn fuzz_all(body: &[u8]) {
    iam::fuzz(body);
    let _ = decode::<Namespace>("x", body);
    let _ = decode::<NamespaceList>("x", body);
    let _ = decode::<UserList>("x", body);
    let _ = decode::<UserInfo>("x", body);
    if let Ok(k) = decode::<UserSecretKeys>("x", body) {
        let _ = k.keys();
    }
    let _ = decode::<NewSecretKey>("x", body);
    let _ = decode::<BucketInfo>("x", body);
    let _ = decode::<BucketList>("x", body);
    if let Ok(b) = decode::<BucketBilling>("x", body) {
        let _ = b.bytes();
    }
    if let Ok(n) = decode::<NamespaceBilling>("x", body) {
        let _ = n.totals.bytes();
        n.bucket_billing_info.iter().for_each(|b| drop(b.bytes()));
    }
    let _ = decode::<EmptyBucketStatus>("x", body);
    let _ = decode::<VdcNodes>("x", body);
    if let Ok(s) = std::str::from_utf8(body) {
        let _ = parse_time(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_numbers_as_strings() {
        let b: BucketInfo = serde_json::from_str(
            r#"{"name":"b","is_encryption_enabled":"true","block_size":"5","notification_size":-1,"TagSet":{"Key":"k","Value":"v"}}"#,
        )
        .unwrap();
        assert!(b.is_encryption_enabled);
        assert_eq!(b.block_size, Some(5.0));
        assert_eq!(b.notification_size, Some(-1.0));
        assert_eq!(b.tag_set.len(), 1);
        let n: Namespace =
            serde_json::from_str(r#"{"id":"ns","name":"ns","is_encryption_enabled":"False"}"#)
                .unwrap();
        assert!(!n.is_encryption_enabled);
    }

    #[test]
    fn namespace_billing() {
        // One bucket detail as an object rather than a list, numbers as strings, the legacy
        // GiB field on the namespace: all read.
        let n: NamespaceBilling = serde_json::from_str(
            r#"{"namespace":"ns","total_size_in_gb":"1.5","total_objects":"7","sample_time":"2015-06-18T22:28:59Z",
                "bucket_billing_info":{"name":"b","total_size":"2048","total_size_unit":"KB","total_objects":3},
                "next_marker":"b"}"#,
        )
        .unwrap();
        assert_eq!(n.totals.bytes().unwrap(), 3 * (1 << 29));
        assert_eq!(n.totals.total_objects, Some(7));
        assert!(n.totals.sample_time.is_some());
        assert_eq!(n.bucket_billing_info.len(), 1);
        assert_eq!(n.bucket_billing_info[0].name.as_deref(), Some("b"));
        assert_eq!(n.bucket_billing_info[0].bytes().unwrap(), 2 << 20);
        assert_eq!(n.next_marker.as_deref(), Some("b"));
        let empty: NamespaceBilling = serde_json::from_str(r#"{"namespace":"ns"}"#).unwrap();
        assert!(empty.bucket_billing_info.is_empty() && empty.totals.bytes().is_err());
    }

    #[test]
    fn timestamps() {
        assert!(parse_time("2015-06-15T18:39:11.957Z").is_some());
        assert_eq!(
            parse_time("2015-05-21 05:43:33.281").map(|t| t.year()),
            Some(2015)
        );
        assert_eq!(
            parse_time("1434393551957").map(|t| t.unix_timestamp()),
            Some(1_434_393_551)
        );
        assert_eq!(
            parse_time("1434393551").map(|t| t.unix_timestamp()),
            Some(1_434_393_551)
        );
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn key_slots() {
        let k: UserSecretKeys = serde_json::from_str(
            r#"{"secret_key_1":"abc","secret_key_1_exist":true,"key_timestamp_1":"2024-01-01 00:00:00.000","secret_key_2":"","secret_key_2_exist":false}"#,
        )
        .unwrap();
        let keys = k.keys();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].id, secret_key_id("abc"));
        assert!(!keys[0].server_id);
        let hidden: UserSecretKeys = serde_json::from_str(
            r#"{"secret_key_1":"","secret_key_1_id":"deadbeef","secret_key_2_id":"cafe"}"#,
        )
        .unwrap();
        let keys = hidden.keys();
        assert_eq!(keys.len(), 2);
        assert!(keys.iter().all(|k| k.server_id && k.secret.is_none()));
    }

    #[test]
    fn billing_units() {
        let b: BucketBilling =
            serde_json::from_str(r#"{"total_size":"1.5","total_size_unit":"KB"}"#).unwrap();
        assert_eq!(b.bytes().unwrap(), 1536);
        let b: BucketBilling =
            serde_json::from_str(r#"{"total_size":1000,"total_size_unit":"BYTE"}"#).unwrap();
        assert_eq!(b.bytes().unwrap(), 1000);
        let b: BucketBilling =
            serde_json::from_str(r#"{"total_size":1,"total_size_unit":"PB?"}"#).unwrap();
        assert!(b.bytes().is_err());
        let b: BucketBilling = serde_json::from_str(r#"{"total_size_in_gb":"2"}"#).unwrap();
        assert_eq!(b.bytes().unwrap(), 2 << 30);
        let b: BucketBilling = serde_json::from_str(r#"{"total_objects":0}"#).unwrap();
        assert!(b.bytes().is_err());
    }
}
