//! Input validation, run before any request is sent.
//!
//! Each function returns an [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error
//! that names the field and the rule it breaks. The rules are the portable intersection of what
//! every supported server accepts, so a name that passes here works on every backend.

use crate::error::{Error, Result};
use crate::model::Tags;
use crate::policy::{MAX_POLICY_BYTES, MAX_SESSION_POLICY_BYTES, PolicyDocument, PolicyKind};
use std::time::Duration;
use time::OffsetDateTime;

/// Shortest access-key expiry accepted, from now (the strictest server's lower bound).
pub const MIN_KEY_EXPIRY: Duration = Duration::from_secs(15 * 60);
/// Longest access-key expiry accepted, from now (the strictest server's upper bound).
pub const MAX_KEY_EXPIRY: Duration = Duration::from_secs(365 * 24 * 3600);
/// Most tags on a bucket, user or instance (the S3 limit).
pub const MAX_TAGS: usize = 50;

/// S3 bucket-name rules: 3–63 characters; lower-case letters, digits, `.` and `-`; starts and ends
/// with a letter or digit; no `..`, `.-` or `-.`; not an IPv4 address; none of the reserved
/// prefixes (`xn--`, `sthree-`, `amzn-s3-demo-`) or suffixes (`-s3alias`, `--ol-s3`, `.mrap`,
/// `--x-s3`, `--table-s3`).
pub fn bucket_name(field: &str, name: &str) -> Result<()> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return Err(Error::invalid_input(
            field,
            format!("bucket name must be 3 to 63 characters long (got {len})"),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return Err(Error::invalid_input(
            field,
            format!(
                "bucket name may contain only lower-case letters, digits, '.' and '-' (found {c:?})"
            ),
        ));
    }
    let first = name.as_bytes()[0];
    let last = name.as_bytes()[len - 1];
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return Err(Error::invalid_input(
            field,
            "bucket name must start and end with a letter or digit",
        ));
    }
    for bad in ["..", ".-", "-."] {
        if name.contains(bad) {
            return Err(Error::invalid_input(
                field,
                format!("bucket name must not contain '{bad}'"),
            ));
        }
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(Error::invalid_input(
            field,
            "bucket name must not be formatted as an IP address",
        ));
    }
    for p in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(p) {
            return Err(Error::invalid_input(
                field,
                format!("bucket name must not start with the reserved prefix '{p}'"),
            ));
        }
    }
    for s in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(s) {
            return Err(Error::invalid_input(
                field,
                format!("bucket name must not end with the reserved suffix '{s}'"),
            ));
        }
    }
    Ok(())
}

/// Instance names: 3–32 characters; lower-case letters, digits and `-`; starts with a letter;
/// does not end with `-` and has no `--`. They fit in bucket names, group names and
/// namespace names.
pub fn instance_name(field: &str, name: &str) -> Result<()> {
    let len = name.len();
    if !(3..=32).contains(&len) {
        return Err(Error::invalid_input(
            field,
            format!("instance name must be 3 to 32 characters long (got {len})"),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(Error::invalid_input(
            field,
            format!(
                "instance name may contain only lower-case letters, digits and '-' (found {c:?})"
            ),
        ));
    }
    if !name.as_bytes()[0].is_ascii_lowercase() {
        return Err(Error::invalid_input(
            field,
            "instance name must start with a letter",
        ));
    }
    if name.ends_with('-') || name.contains("--") {
        return Err(Error::invalid_input(
            field,
            "instance name must not end with '-' or contain '--'",
        ));
    }
    Ok(())
}

/// User names: 2–64 characters; letters, digits, `.`, `_`, `@` and `-`; starts with a letter or
/// digit.
pub fn user_name(field: &str, name: &str) -> Result<()> {
    ident(field, name, "user name", 2, 64, &['.', '_', '@', '-'])
}

/// Policy names: 1–128 characters; letters, digits, `.`, `_`, `@` and `-`; starts with a letter
/// or digit. (No `,`: some admin APIs use it as a list separator.)
pub fn policy_name(field: &str, name: &str) -> Result<()> {
    ident(field, name, "policy name", 1, 128, &['.', '_', '@', '-'])
}

/// Access-key names: up to 32 characters; a letter, then letters, digits, `_` and `-`.
pub fn access_key_name(field: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 32 {
        return Err(Error::invalid_input(
            field,
            format!(
                "access key name must be 1 to 32 characters long (got {})",
                name.len()
            ),
        ));
    }
    if !name.as_bytes()[0].is_ascii_alphabetic() {
        return Err(Error::invalid_input(
            field,
            "access key name must start with a letter",
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(Error::invalid_input(
            field,
            format!("access key name may contain only letters, digits, '_' and '-' (found {c:?})"),
        ));
    }
    Ok(())
}

/// Descriptions: at most 256 bytes, no control characters.
pub fn description(field: &str, text: &str) -> Result<()> {
    if text.len() > 256 {
        return Err(Error::invalid_input(
            field,
            format!("must be at most 256 bytes (got {})", text.len()),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Access key ids given by a caller: 3–128 printable ASCII characters without whitespace, `=`
/// or `,`.
pub fn access_key_id(field: &str, id: &str) -> Result<()> {
    if !(3..=128).contains(&id.len()) {
        return Err(Error::invalid_input(
            field,
            "access key id must be 3 to 128 characters long",
        ));
    }
    if id
        .chars()
        .any(|c| !c.is_ascii_graphic() || c == '=' || c == ',')
    {
        return Err(Error::invalid_input(
            field,
            "access key id may contain only printable ASCII characters other than '=' and ','",
        ));
    }
    Ok(())
}

/// Access-key expiry: between [`MIN_KEY_EXPIRY`] and [`MAX_KEY_EXPIRY`] from `now`.
pub fn expiration(field: &str, at: OffsetDateTime, now: OffsetDateTime) -> Result<()> {
    let min = now + MIN_KEY_EXPIRY;
    let max = now + MAX_KEY_EXPIRY;
    if at < min {
        return Err(Error::invalid_input(
            field,
            "expiry must be at least 15 minutes in the future",
        ));
    }
    if at > max {
        return Err(Error::invalid_input(
            field,
            "expiry must be at most 365 days in the future",
        ));
    }
    Ok(())
}

/// Rotation grace periods: at least 15 minutes, at most 365 days, whole minutes.
pub fn grace(field: &str, grace: Duration) -> Result<()> {
    if grace < MIN_KEY_EXPIRY || grace > MAX_KEY_EXPIRY {
        return Err(Error::invalid_input(
            field,
            "grace period must be between 15 minutes and 365 days",
        ));
    }
    if grace.as_secs() % 60 != 0 || grace.subsec_nanos() != 0 {
        return Err(Error::invalid_input(
            field,
            "grace period must be a whole number of minutes",
        ));
    }
    Ok(())
}

/// Tags: at most 50; keys 1–128 characters, values at most 256; no control characters; keys do
/// not start with the reserved `aws:` or `s3aas:` prefixes.
pub fn tags(field: &str, tags: &Tags) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(Error::invalid_input(
            field,
            format!("at most {MAX_TAGS} tags are allowed (got {})", tags.len()),
        ));
    }
    for (k, v) in tags {
        let path = format!("{field}[{k:?}]");
        if k.is_empty() || k.chars().count() > 128 {
            return Err(Error::invalid_input(
                path,
                "tag key must be 1 to 128 characters long",
            ));
        }
        if v.chars().count() > 256 {
            return Err(Error::invalid_input(
                path,
                "tag value must be at most 256 characters long",
            ));
        }
        if k.chars().chain(v.chars()).any(char::is_control) {
            return Err(Error::invalid_input(
                path,
                "tags must not contain control characters",
            ));
        }
        if k.starts_with("aws:") || k.starts_with("s3aas:") {
            return Err(Error::invalid_input(
                path,
                "tag keys starting with 'aws:' or 's3aas:' are reserved",
            ));
        }
    }
    Ok(())
}

/// A named (identity) policy: identity rules and at most 20 KiB.
pub fn identity_policy(field: &str, doc: &PolicyDocument) -> Result<()> {
    doc.validate_as(PolicyKind::Identity)
        .map_err(|e| prefix_field(e, field))?;
    size(field, doc, MAX_POLICY_BYTES)
}

/// A session policy: identity rules and at most 4 KiB.
pub fn session_policy(field: &str, doc: &PolicyDocument) -> Result<()> {
    doc.validate_as(PolicyKind::Identity)
        .map_err(|e| prefix_field(e, field))?;
    size(field, doc, MAX_SESSION_POLICY_BYTES)
}

/// A bucket policy: every statement names a principal, at most 20 KiB, and every resource is in
/// the bucket.
pub fn bucket_policy(field: &str, bucket: &str, doc: &PolicyDocument) -> Result<()> {
    doc.validate_as(PolicyKind::Bucket)
        .map_err(|e| prefix_field(e, field))?;
    size(field, doc, MAX_POLICY_BYTES)?;
    let own = format!("arn:aws:s3:::{bucket}");
    let own_objects = format!("arn:aws:s3:::{bucket}/");
    let statements = match doc.as_value().get("Statement") {
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(s) => vec![s.clone()],
        None => vec![],
    };
    for (i, st) in statements.iter().enumerate() {
        let res = st.get("Resource").or_else(|| st.get("NotResource"));
        let list: Vec<&str> = match res {
            Some(serde_json::Value::String(s)) => vec![s.as_str()],
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|x| x.as_str()).collect(),
            _ => vec![],
        };
        for r in list {
            if r != own && !r.starts_with(&own_objects) {
                return Err(Error::invalid_input(
                    format!("{field}.Statement[{i}].Resource"),
                    format!(
                        "resource '{r}' is not in bucket '{bucket}' (a bucket policy may only name {own} or {own}/...)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn size(field: &str, doc: &PolicyDocument, max: usize) -> Result<()> {
    let n = doc.json_len();
    if n > max {
        return Err(Error::invalid_input(
            field,
            format!("policy must be at most {max} bytes of JSON (got {n})"),
        ));
    }
    Ok(())
}

fn prefix_field(e: Error, field: &str) -> Error {
    match e.field() {
        Some(f) if f.starts_with("policy") && field != "policy" => {
            let new_field = format!("{field}{}", &f["policy".len()..]);
            let rule = e
                .message()
                .split_once(": ")
                .map(|(_, r)| r.to_string())
                .unwrap_or_default();
            Error::invalid_input(new_field, rule)
        }
        _ => e,
    }
}

fn ident(
    field: &str,
    name: &str,
    what: &str,
    min: usize,
    max: usize,
    extra: &[char],
) -> Result<()> {
    let len = name.chars().count();
    if len < min || len > max {
        return Err(Error::invalid_input(
            field,
            format!("{what} must be {min} to {max} characters long (got {len})"),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || extra.contains(c)))
    {
        let allowed: String = extra.iter().map(|c| format!("'{c}' ")).collect();
        return Err(Error::invalid_input(
            field,
            format!(
                "{what} may contain only letters, digits and {}(found {c:?})",
                allowed
            ),
        ));
    }
    if !name.as_bytes()[0].is_ascii_alphanumeric() {
        return Err(Error::invalid_input(
            field,
            format!("{what} must start with a letter or digit"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for ok in ["abc", "my-bucket.data", "a1b2c3", &"a".repeat(63)] {
            bucket_name("name", ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        let cases = [
            ("ab", "3 to 63"),
            (&"a".repeat(64) as &str, "3 to 63"),
            ("My-Bucket", "lower-case"),
            ("under_score", "lower-case"),
            ("-abc", "start and end"),
            ("abc-", "start and end"),
            ("a..b", "'..'"),
            ("a.-b", "'.-'"),
            ("192.168.1.1", "IP address"),
            ("xn--abc", "reserved prefix"),
            ("sthree-abc", "reserved prefix"),
            ("abc-s3alias", "reserved suffix"),
            ("abc--ol-s3", "reserved suffix"),
            ("abc.mrap", "reserved suffix"),
        ];
        for (bad, rule) in cases {
            let e = bucket_name("bucket.name", bad).unwrap_err();
            assert_eq!(e.field(), Some("bucket.name"));
            assert!(e.message().contains(rule), "{bad}: {e}");
        }
    }

    #[test]
    fn other_names() {
        instance_name("n", "acme-prod-1").unwrap();
        for bad in ["ab", "Acme", "1acme", "acme-", "ac--me", "acme_x"] {
            assert!(instance_name("n", bad).is_err(), "{bad}");
        }
        user_name("n", "alice.smith@corp").unwrap();
        for bad in ["a", "-alice", "al ice", "al,ice", "al=ice", &"u".repeat(65)] {
            assert!(user_name("n", bad).is_err(), "{bad}");
        }
        policy_name("n", "readwrite-b1").unwrap();
        assert!(policy_name("n", "a,b").is_err());
        assert!(policy_name("n", "").is_err());
        access_key_name("n", "ci_key-1").unwrap();
        for bad in ["1key", "", "key.1", &"k".repeat(33)] {
            assert!(access_key_name("n", bad).is_err(), "{bad}");
        }
        assert!(description("d", &"x".repeat(257)).is_err());
        assert!(description("d", "tab\there").is_err());
        access_key_id("id", "AKIAEXAMPLE").unwrap();
        assert!(access_key_id("id", "a b c").is_err());
    }

    #[test]
    fn expiry_and_grace_bounds() {
        let now = OffsetDateTime::now_utc();
        assert!(expiration("e", now + time::Duration::minutes(10), now).is_err());
        assert!(expiration("e", now - time::Duration::minutes(10), now).is_err());
        expiration("e", now + time::Duration::hours(1), now).unwrap();
        assert!(expiration("e", now + time::Duration::days(400), now).is_err());
        grace("g", Duration::from_secs(3600)).unwrap();
        assert!(grace("g", Duration::from_secs(60)).is_err());
        assert!(grace("g", Duration::from_secs(3601)).is_err());
    }

    #[test]
    fn tag_rules() {
        let mut t = Tags::new();
        t.insert("team".into(), "storage".into());
        tags("tags", &t).unwrap();
        t.insert("aws:x".into(), "y".into());
        assert!(
            tags("tags", &t)
                .unwrap_err()
                .field()
                .unwrap()
                .starts_with("tags[")
        );
        let many: Tags = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(tags("tags", &many).is_err());
    }

    #[test]
    fn bucket_policy_resources_must_be_in_the_bucket() {
        let p = PolicyDocument::bucket_public_read("b1");
        bucket_policy("policy", "b1", &p).unwrap();
        let e = bucket_policy("bucket.policy", "b2", &p).unwrap_err();
        assert_eq!(e.field(), Some("bucket.policy.Statement[0].Resource"));
        let e = session_policy("key.session_policy", &p).unwrap_err();
        assert_eq!(e.field(), Some("key.session_policy.Statement[0].Principal"));
    }
}
