//! IAM API answers, read leniently: `{<Action>Result, ResponseMetadata}` with or without an
//! enclosing `<Action>Response`; lists as JSON arrays, a single object, or `{member: [...]}`
//! (how XML-shaped lists come through JSON); booleans and numbers also as strings.

use super::parse_time;
use s3aas_core::policy::PolicyDocument;
use s3aas_core::{Error, ErrorKind, Result};
use serde_json::Value;
use time::OffsetDateTime;

/// An IAM user as listed or read.
#[derive(Clone, Debug, Default)]
pub(crate) struct IamUser {
    pub(crate) name: String,
    pub(crate) created: Option<OffsetDateTime>,
    /// `None` when the answer did not carry tags (they are read with `ListUserTags` then).
    pub(crate) tags: Option<Vec<(String, String)>>,
}

/// An access key's metadata.
#[derive(Clone, Debug)]
pub(crate) struct IamKey {
    pub(crate) id: String,
    pub(crate) active: bool,
    pub(crate) created: Option<OffsetDateTime>,
}

/// A managed policy's metadata.
#[derive(Clone, Debug)]
pub(crate) struct IamPolicy {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) default_version: Option<String>,
    pub(crate) attachments: Option<u64>,
    /// The policy's description (s3aas marks its own policies with one).
    pub(crate) description: Option<String>,
    pub(crate) created: Option<OffsetDateTime>,
    pub(crate) updated: Option<OffsetDateTime>,
}

pub(crate) fn malformed(action: &str, what: &str) -> Error {
    Error::new(
        ErrorKind::Backend,
        format!("unexpected answer to IAM {action}: {what}"),
    )
}

/// The `<Action>Result` of an answer (`null` when the action has none).
pub(crate) fn result(action: &str, body: &[u8]) -> Result<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorKind::Backend,
            format!("cannot decode the answer of IAM {action}: {e}"),
        )
    })?;
    let v = match v.get(format!("{action}Response")) {
        Some(inner) => inner.clone(),
        None => v,
    };
    Ok(v.get(format!("{action}Result"))
        .cloned()
        .unwrap_or(Value::Null))
}

/// The items of a list field, whatever its shape.
pub(crate) fn members(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(o)) if o.len() == 1 && o.contains_key("member") => {
            members(o.get("member"))
        }
        Some(other) => vec![other],
    }
}

/// A string (or number) field.
pub(crate) fn str_field(v: &Value, k: &str) -> Option<String> {
    match v.get(k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn truthy(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn time_field(v: &Value, k: &str) -> Option<OffsetDateTime> {
    match v.get(k)? {
        Value::String(s) => parse_time(s),
        Value::Number(n) => n
            .as_i64()
            .and_then(|ms| OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).ok()),
        _ => None,
    }
}

/// The marker of the next page, when the answer says it is truncated.
pub(crate) fn next_marker(r: &Value) -> Option<String> {
    if !truthy(r.get("IsTruncated")) {
        return None;
    }
    str_field(r, "Marker").filter(|m| !m.is_empty())
}

pub(crate) fn tag(v: &Value) -> Option<(String, String)> {
    Some((
        str_field(v, "Key")?,
        str_field(v, "Value").unwrap_or_default(),
    ))
}

pub(crate) fn user(v: &Value) -> Option<IamUser> {
    Some(IamUser {
        name: str_field(v, "UserName").filter(|n| !n.is_empty())?,
        created: time_field(v, "CreateDate"),
        tags: v
            .get("Tags")
            .map(|t| members(Some(t)).into_iter().filter_map(tag).collect()),
    })
}

pub(crate) fn key(v: &Value) -> Option<IamKey> {
    Some(IamKey {
        id: str_field(v, "AccessKeyId").filter(|n| !n.is_empty())?,
        // A key is active unless ECS says otherwise.
        active: str_field(v, "Status").is_none_or(|s| !s.eq_ignore_ascii_case("inactive")),
        created: time_field(v, "CreateDate"),
    })
}

pub(crate) fn policy(v: &Value) -> Option<IamPolicy> {
    let arn = str_field(v, "Arn").or_else(|| str_field(v, "PolicyArn"))?;
    let name = str_field(v, "PolicyName")
        .or_else(|| arn.rsplit_once("policy/").map(|(_, n)| n.to_string()))?;
    Some(IamPolicy {
        name,
        arn,
        default_version: str_field(v, "DefaultVersionId").filter(|d| !d.is_empty()),
        attachments: str_field(v, "AttachmentCount").and_then(|n| n.parse().ok()),
        description: str_field(v, "Description").filter(|d| !d.is_empty()),
        created: time_field(v, "CreateDate"),
        updated: time_field(v, "UpdateDate"),
    })
}

/// A policy document as IAM returns it: JSON, or URL-encoded JSON (as AWS does).
pub(crate) fn document(s: &str) -> Result<PolicyDocument> {
    if let Ok(d) = PolicyDocument::parse(s.trim()) {
        return Ok(d);
    }
    // RFC 3986 percent-encoding keeps `+` as is; form encoding means a space by it.
    let decode = |raw: &str| -> String {
        url::form_urlencoded::parse(format!("d={raw}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let mut last = None;
    for candidate in [decode(&s.replace('+', "%2B")), decode(s)] {
        match PolicyDocument::parse(candidate.trim()) {
            Ok(d) => return Ok(d),
            Err(e) => last = Some(e),
        }
    }
    Err(Error::new(
        ErrorKind::Backend,
        format!(
            "the policy document ECS returned is not a valid policy: {}",
            last.map(|e| e.message().to_string()).unwrap_or_default()
        ),
    ))
}

/// Runs the IAM decoders on `body` (fuzzing entry point).
pub(crate) fn fuzz(body: &[u8]) {
    for action in ["GetUser", "ListUsers", "ListAccessKeys", "GetPolicy"] {
        if let Ok(r) = result(action, body) {
            let _ = next_marker(&r);
            for k in [
                "User",
                "Users",
                "AccessKeyMetadata",
                "Policy",
                "Policies",
                "Tags",
            ] {
                for m in members(r.get(k)) {
                    let _ = (user(m), key(m), policy(m), tag(m));
                }
            }
        }
    }
    if let Ok(s) = std::str::from_utf8(body) {
        let _ = document(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_with_and_without_the_response_wrapper() {
        let flat = br#"{"GetUserResult":{"User":{"UserName":"a","CreateDate":"2024-01-02T03:04:05Z","Tags":[{"Key":"k","Value":"v"}]}},"ResponseMetadata":{"RequestId":"r1"}}"#;
        let wrapped = br#"{"GetUserResponse":{"GetUserResult":{"User":{"UserName":"a","Tags":{"member":{"Key":"k","Value":"v"}}}}}}"#;
        for body in [&flat[..], &wrapped[..]] {
            let r = result("GetUser", body).unwrap();
            let u = user(&r["User"]).unwrap();
            assert_eq!(u.name, "a");
            assert_eq!(u.tags, Some(vec![("k".into(), "v".into())]));
        }
        assert_eq!(result("DeleteUser", b"").unwrap(), Value::Null);
        assert!(result("GetUser", b"<xml/>").is_err());
    }

    #[test]
    fn keys_policies_markers_and_documents() {
        let k = key(&serde_json::json!({"AccessKeyId": "AK1", "Status": "Inactive"})).unwrap();
        assert!(!k.active);
        let pol = policy(&serde_json::json!({"Arn": "urn:ecs:iam::ns:policy/p1", "AttachmentCount": "2", "DefaultVersionId": "v3"})).unwrap();
        assert_eq!((pol.name.as_str(), pol.attachments), ("p1", Some(2)));
        assert_eq!(
            next_marker(&serde_json::json!({"IsTruncated": "true", "Marker": "m"})),
            Some("m".into())
        );
        assert_eq!(
            next_marker(&serde_json::json!({"IsTruncated": false, "Marker": "m"})),
            None
        );
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}"#;
        let enc: String = url::form_urlencoded::byte_serialize(doc.as_bytes()).collect();
        assert!(
            document(doc)
                .unwrap()
                .semantically_eq(&document(&enc).unwrap())
        );
        assert!(document("not a policy").is_err());
    }

    #[test]
    fn fuzz_entry_never_panics() {
        for b in [
            &b""[..],
            b"{}",
            b"[]",
            b"{\"GetUserResult\":{\"User\":[1,2]}}",
            b"\xff",
        ] {
            fuzz(b);
        }
    }
}
