//! IAM policy documents: parsing, validation and the common per-bucket policies.
//!
//! A [`PolicyDocument`] is AWS IAM policy JSON that has passed a shape check: `Version` is
//! `2012-10-17` or `2008-10-17`, `Statement` is a non-empty list (or one object), and every
//! statement has `Effect` (`Allow`/`Deny`), `Action` or `NotAction`, and `Resource` or
//! `NotResource`. Bucket policies also need `Principal` or `NotPrincipal`. Each rejection names
//! the JSON path and the rule. Backends store policies in their own normalised form, so compare
//! documents with [`PolicyDocument::semantically_eq`], not textually.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// Largest identity (canned) policy accepted, in bytes of compact JSON (the strictest server's limit).
pub const MAX_POLICY_BYTES: usize = 20 * 1024;
/// Largest session policy on an access key, in bytes of compact JSON (the strictest server's limit).
pub const MAX_SESSION_POLICY_BYTES: usize = 4096;

/// What a policy document is for; bucket policies need principals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum PolicyKind {
    /// Attached to users, or used as an access key's session policy: no `Principal`.
    Identity,
    /// Set on a bucket: every statement names a `Principal`.
    Bucket,
}

/// A validated IAM policy document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub struct PolicyDocument {
    value: Value,
}

impl TryFrom<Value> for PolicyDocument {
    type Error = Error;
    fn try_from(value: Value) -> Result<Self> {
        PolicyDocument::from_value(value)
    }
}

impl From<PolicyDocument> for Value {
    fn from(p: PolicyDocument) -> Value {
        p.value
    }
}

impl std::str::FromStr for PolicyDocument {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        PolicyDocument::parse(s)
    }
}

impl PolicyDocument {
    /// Parses and checks JSON text.
    pub fn parse(json: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::invalid_input("policy", format!("is not valid JSON: {e}")))?;
        PolicyDocument::from_value(value)
    }

    /// Checks a JSON value (the shape common to identity and bucket policies).
    pub fn from_value(value: Value) -> Result<Self> {
        check_shape(&value, None)?;
        Ok(PolicyDocument { value })
    }

    /// Checks the rules of a kind on top of the common shape.
    pub fn validate_as(&self, kind: PolicyKind) -> Result<()> {
        check_shape(&self.value, Some(kind))
    }

    /// The JSON value.
    pub fn as_value(&self) -> &Value {
        &self.value
    }

    /// Compact JSON text.
    pub fn to_json(&self) -> String {
        self.value.to_string()
    }

    /// Size of the compact JSON in bytes.
    pub fn json_len(&self) -> usize {
        self.to_json().len()
    }

    /// Whether two documents mean the same, ignoring what servers change when they store a
    /// policy: key order, one-element lists written as scalars, list order of actions and
    /// resources, and empty `Sid`/`Id`/`Condition` fields.
    pub fn semantically_eq(&self, other: &PolicyDocument) -> bool {
        normalise(&self.value) == normalise(&other.value)
    }

    /// Identity policy: full read and write on one bucket and its objects.
    pub fn bucket_read_write(bucket: &str) -> Self {
        PolicyDocument {
            value: json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions"],
                        "Resource": [format!("arn:aws:s3:::{bucket}")]
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                        "Resource": [format!("arn:aws:s3:::{bucket}/*")]
                    }
                ]
            }),
        }
    }

    /// Identity policy: read-only access to one bucket and its objects.
    pub fn bucket_read_only(bucket: &str) -> Self {
        PolicyDocument {
            value: json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                        "Resource": [format!("arn:aws:s3:::{bucket}")]
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["s3:GetObject"],
                        "Resource": [format!("arn:aws:s3:::{bucket}/*")]
                    }
                ]
            }),
        }
    }

    /// Bucket policy: anyone, signed or not, may read objects of the bucket and list them.
    pub fn bucket_public_read_list(bucket: &str) -> Self {
        PolicyDocument {
            value: json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": ["*"]},
                        "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                        "Resource": [format!("arn:aws:s3:::{bucket}")]
                    },
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": ["*"]},
                        "Action": ["s3:GetObject"],
                        "Resource": [format!("arn:aws:s3:::{bucket}/*")]
                    }
                ]
            }),
        }
    }

    /// Bucket policy: anyone, signed or not, may read objects of the bucket (not list them).
    pub fn bucket_public_read(bucket: &str) -> Self {
        PolicyDocument {
            value: json!({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": ["*"]},
                        "Action": ["s3:GetObject"],
                        "Resource": [format!("arn:aws:s3:::{bucket}/*")]
                    }
                ]
            }),
        }
    }
}

/// The canned access levels of a bucket, as bucket policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum BucketAccess {
    /// Only users whose identity policies allow it: no bucket policy.
    Private,
    /// Anonymous read of objects (not listing: a reader must know the keys).
    PublicRead,
    /// Anonymous read of objects and anonymous listing of the bucket.
    PublicReadList,
}

impl BucketAccess {
    /// The bucket policy for this level (`None` = remove any bucket policy).
    pub fn bucket_policy(self, bucket: &str) -> Option<PolicyDocument> {
        match self {
            BucketAccess::Private => None,
            BucketAccess::PublicRead => Some(PolicyDocument::bucket_public_read(bucket)),
            BucketAccess::PublicReadList => Some(PolicyDocument::bucket_public_read_list(bucket)),
        }
    }

    /// The level a bucket policy amounts to (`None` = no policy = [`BucketAccess::Private`]),
    /// compared by meaning; `None` for any other policy.
    pub fn of(bucket: &str, policy: Option<&PolicyDocument>) -> Option<BucketAccess> {
        let Some(policy) = policy else {
            return Some(BucketAccess::Private);
        };
        [BucketAccess::PublicRead, BucketAccess::PublicReadList]
            .into_iter()
            .find(|a| {
                a.bucket_policy(bucket)
                    .is_some_and(|p| p.semantically_eq(policy))
            })
    }
}

/// A named policy stored in an instance, attachable to users.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Policy {
    /// Name inside the instance.
    pub name: String,
    /// The instance.
    pub instance: String,
    /// The document.
    pub document: PolicyDocument,
    /// Creation time, when known.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "time::serde::rfc3339::option")
    )]
    pub created: Option<OffsetDateTime>,
    /// Last update, when known.
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "time::serde::rfc3339::option")
    )]
    pub updated: Option<OffsetDateTime>,
}

impl Policy {
    /// A policy with no times known.
    pub fn new(
        instance: impl Into<String>,
        name: impl Into<String>,
        document: PolicyDocument,
    ) -> Self {
        Policy {
            name: name.into(),
            instance: instance.into(),
            document,
            created: None,
            updated: None,
        }
    }
}

/// Request to create or replace a named policy.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct PutPolicy {
    /// Name: 1–128 characters of letters, digits, `.`, `_`, `@`, `-`.
    pub name: String,
    /// The identity policy document.
    pub document: PolicyDocument,
}

impl PutPolicy {
    /// A request.
    pub fn new(name: impl Into<String>, document: PolicyDocument) -> Self {
        PutPolicy {
            name: name.into(),
            document,
        }
    }
}

fn check_shape(v: &Value, kind: Option<PolicyKind>) -> Result<()> {
    let obj = v
        .as_object()
        .ok_or_else(|| Error::invalid_input("policy", "must be a JSON object"))?;
    match obj.get("Version") {
        Some(Value::String(s)) if s == "2012-10-17" || s == "2008-10-17" => {}
        Some(_) => {
            return Err(Error::invalid_input(
                "policy.Version",
                "must be \"2012-10-17\" or \"2008-10-17\"",
            ));
        }
        None => return Err(Error::invalid_input("policy.Version", "is required")),
    }
    for key in obj.keys() {
        if !matches!(key.as_str(), "Version" | "Statement" | "Id") {
            return Err(Error::invalid_input(
                format!("policy.{key}"),
                "is not a policy element (expected Version, Id, Statement)",
            ));
        }
    }
    let statements: Vec<&Value> = match obj.get("Statement") {
        Some(Value::Array(a)) if !a.is_empty() => a.iter().collect(),
        Some(Value::Array(_)) => {
            return Err(Error::invalid_input(
                "policy.Statement",
                "must not be empty",
            ));
        }
        Some(s @ Value::Object(_)) => vec![s],
        Some(_) => {
            return Err(Error::invalid_input(
                "policy.Statement",
                "must be an object or a list of objects",
            ));
        }
        None => return Err(Error::invalid_input("policy.Statement", "is required")),
    };
    for (i, st) in statements.iter().enumerate() {
        let path = format!("policy.Statement[{i}]");
        let st = st
            .as_object()
            .ok_or_else(|| Error::invalid_input(&path, "must be an object"))?;
        for key in st.keys() {
            if !matches!(
                key.as_str(),
                "Sid"
                    | "Effect"
                    | "Principal"
                    | "NotPrincipal"
                    | "Action"
                    | "NotAction"
                    | "Resource"
                    | "NotResource"
                    | "Condition"
            ) {
                return Err(Error::invalid_input(
                    format!("{path}.{key}"),
                    "is not a statement element",
                ));
            }
        }
        match st.get("Effect") {
            Some(Value::String(e)) if e == "Allow" || e == "Deny" => {}
            Some(_) => {
                return Err(Error::invalid_input(
                    format!("{path}.Effect"),
                    "must be \"Allow\" or \"Deny\"",
                ));
            }
            None => {
                return Err(Error::invalid_input(
                    format!("{path}.Effect"),
                    "is required",
                ));
            }
        }
        exactly_one(st, &path, "Action", "NotAction")?;
        exactly_one(st, &path, "Resource", "NotResource")?;
        for key in ["Action", "NotAction", "Resource", "NotResource"] {
            if let Some(val) = st.get(key) {
                string_or_list(val, &format!("{path}.{key}"))?;
            }
        }
        for key in ["Action", "NotAction"] {
            if let Some(val) = st.get(key) {
                for a in strings(val) {
                    if a != "*" && !a.contains(':') {
                        return Err(Error::invalid_input(
                            format!("{path}.{key}"),
                            format!(
                                "action '{a}' must have the form service:Action (e.g. s3:GetObject)"
                            ),
                        ));
                    }
                }
            }
        }
        if let Some(c) = st.get("Condition") {
            if !c.is_object() {
                return Err(Error::invalid_input(
                    format!("{path}.Condition"),
                    "must be an object",
                ));
            }
        }
        let has_principal = st.contains_key("Principal") || st.contains_key("NotPrincipal");
        match kind {
            Some(PolicyKind::Bucket) if !has_principal => {
                return Err(Error::invalid_input(
                    format!("{path}.Principal"),
                    "is required in a bucket policy",
                ));
            }
            Some(PolicyKind::Identity) if has_principal => {
                return Err(Error::invalid_input(
                    format!("{path}.Principal"),
                    "is not allowed in an identity (user) policy",
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn exactly_one(st: &serde_json::Map<String, Value>, path: &str, a: &str, b: &str) -> Result<()> {
    match (st.contains_key(a), st.contains_key(b)) {
        (true, true) => Err(Error::invalid_input(
            format!("{path}.{a}"),
            format!("cannot be combined with {b}"),
        )),
        (false, false) => Err(Error::invalid_input(
            format!("{path}.{a}"),
            format!("is required (or {b})"),
        )),
        _ => Ok(()),
    }
}

fn string_or_list(v: &Value, path: &str) -> Result<()> {
    match v {
        Value::String(s) if !s.is_empty() => Ok(()),
        Value::Array(a)
            if !a.is_empty()
                && a.iter()
                    .all(|x| matches!(x, Value::String(s) if !s.is_empty())) =>
        {
            Ok(())
        }
        _ => Err(Error::invalid_input(
            path,
            "must be a non-empty string or a non-empty list of strings",
        )),
    }
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn normalise(v: &Value) -> Value {
    fn norm_list(v: &Value) -> Value {
        let mut items: Vec<String> = match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect(),
            other => return other.clone(),
        };
        items.sort();
        items.dedup();
        Value::Array(items.into_iter().map(Value::String).collect())
    }
    // `{"StringEquals": {"aws:SourceIp": "10.0.0.1"}}` and the same with `["10.0.0.1"]` are
    // one condition: values become sorted lists of strings (servers return `true` as `"true"`).
    fn norm_condition(v: &Value) -> Value {
        match v {
            Value::Object(ops) => Value::Object(
                ops.iter()
                    .map(|(op, keys)| {
                        let keys = match keys {
                            Value::Object(k) => Value::Object(
                                k.iter()
                                    .map(|(k, x)| {
                                        let x = match x {
                                            Value::Bool(_) | Value::Number(_) => {
                                                Value::String(x.to_string())
                                            }
                                            x => x.clone(),
                                        };
                                        (k.clone(), norm_list(&x))
                                    })
                                    .collect(),
                            ),
                            other => other.clone(),
                        };
                        (op.clone(), keys)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    fn norm_principal(v: &Value) -> Value {
        match v {
            Value::String(s) if s == "*" => json!({"AWS": ["*"]}),
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, x)| (k.clone(), norm_list(x))).collect())
            }
            other => other.clone(),
        }
    }
    let Some(obj) = v.as_object() else {
        return v.clone();
    };
    let mut out = serde_json::Map::new();
    out.insert(
        "Version".into(),
        obj.get("Version").cloned().unwrap_or(Value::Null),
    );
    if let Some(Value::String(id)) = obj.get("Id") {
        if !id.is_empty() {
            out.insert("Id".into(), Value::String(id.clone()));
        }
    }
    let sts: Vec<Value> = match obj.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(s) => vec![s.clone()],
        None => vec![],
    };
    let mut norm: Vec<Value> = sts
        .iter()
        .map(|st| {
            let mut m = serde_json::Map::new();
            if let Some(st) = st.as_object() {
                for (k, x) in st {
                    match k.as_str() {
                        "Sid" if x.as_str().is_none_or(str::is_empty) => {}
                        "Condition" if x.as_object().is_none_or(|c| c.is_empty()) => {}
                        "Condition" => {
                            m.insert(k.clone(), norm_condition(x));
                        }
                        "Action" | "NotAction" | "Resource" | "NotResource" => {
                            m.insert(k.clone(), norm_list(x));
                        }
                        "Principal" | "NotPrincipal" => {
                            m.insert(k.clone(), norm_principal(x));
                        }
                        _ => {
                            m.insert(k.clone(), x.clone());
                        }
                    }
                }
            }
            Value::Object(m)
        })
        .collect();
    norm.sort_by_key(|s| s.to_string());
    out.insert("Statement".into(), Value::Array(norm));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_compare_by_meaning_and_are_never_dropped() {
        let doc = |cond: Value| {
            PolicyDocument::from_value(json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                "Condition": cond}]}))
            .unwrap()
        };
        let single = doc(
            json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "Bool": {"aws:SecureTransport": true}}),
        );
        let listed = doc(
            json!({"Bool": {"aws:SecureTransport": ["true"]}, "IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}),
        );
        assert!(single.semantically_eq(&listed));
        let other_ip = doc(
            json!({"IpAddress": {"aws:SourceIp": "192.168.0.0/16"}, "Bool": {"aws:SecureTransport": true}}),
        );
        assert!(!single.semantically_eq(&other_ip));
        let none = doc(json!({}));
        assert!(!single.semantically_eq(&none));
        let two = doc(
            json!({"IpAddress": {"aws:SourceIp": ["10.1.0.0/16", "10.0.0.0/8"]}, "Bool": {"aws:SecureTransport": "true"}}),
        );
        let two_swapped = doc(
            json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "10.1.0.0/16"]}, "Bool": {"aws:SecureTransport": true}}),
        );
        assert!(two.semantically_eq(&two_swapped));
    }

    fn err(json: &str) -> Error {
        PolicyDocument::parse(json).unwrap_err()
    }

    #[test]
    fn accepts_the_helpers() {
        for p in [
            PolicyDocument::bucket_read_write("b1"),
            PolicyDocument::bucket_read_only("b1"),
        ] {
            PolicyDocument::from_value(p.as_value().clone()).unwrap();
            p.validate_as(PolicyKind::Identity).unwrap();
        }
        let p = PolicyDocument::bucket_public_read("b1");
        p.validate_as(PolicyKind::Bucket).unwrap();
        assert!(p.validate_as(PolicyKind::Identity).is_err());
        assert_eq!(BucketAccess::Private.bucket_policy("b"), None);
    }

    #[test]
    fn rejections_name_the_path_and_rule() {
        assert_eq!(err("nope").field(), Some("policy"));
        assert_eq!(err(r#"{"Statement":[]}"#).field(), Some("policy.Version"));
        assert_eq!(
            err(r#"{"Version":"2012-10-17"}"#).field(),
            Some("policy.Statement")
        );
        assert_eq!(
            err(r#"{"Version":"2012-10-17","Statement":[]}"#).field(),
            Some("policy.Statement")
        );
        let e = err(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}"#,
        );
        assert_eq!(e.field(), Some("policy.Statement[0].Effect"));
        let e = err(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}"#);
        assert_eq!(e.field(), Some("policy.Statement[0].Action"));
        let e = err(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}"#);
        assert_eq!(e.field(), Some("policy.Statement[0].Resource"));
        let e = err(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}"#,
        );
        assert!(e.message().contains("service:Action"), "{e}");
        let e = err(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}"#,
        );
        assert_eq!(e.field(), Some("policy.Statement[0].Action"));
        let e = err(r#"{"Version":"2012-10-17","Statment":[]}"#);
        assert_eq!(e.field(), Some("policy.Statment"));
        let e = PolicyDocument::parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#)
            .unwrap()
            .validate_as(PolicyKind::Bucket)
            .unwrap_err();
        assert_eq!(e.field(), Some("policy.Statement[0].Principal"));
    }

    #[test]
    fn semantic_equality_ignores_server_normalisation() {
        let a = PolicyDocument::parse(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*"]}]}"#).unwrap();
        let b = PolicyDocument::parse(r#"{"Statement":[{"Sid":"","Condition":{},"Resource":"arn:aws:s3:::b/*","Action":["s3:GetObject"],"Effect":"Allow"}],"Version":"2012-10-17","Id":""}"#).unwrap();
        assert!(a.semantically_eq(&b));
        let c = PolicyDocument::parse(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*"]}]}"#).unwrap();
        assert!(!a.semantically_eq(&c));
    }

    #[test]
    fn serde_round_trip_validates() {
        let p = PolicyDocument::bucket_read_write("x");
        let s = serde_json::to_string(&p).unwrap();
        let q: PolicyDocument = serde_json::from_str(&s).unwrap();
        assert_eq!(p, q);
        assert!(serde_json::from_str::<PolicyDocument>(r#"{"Version":"1"}"#).is_err());
    }
}
