//! Lifecycle rules of a bucket: expiry of current and noncurrent versions, and clean-up of
//! incomplete multipart uploads.

use super::Tags;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Most lifecycle rules on one bucket (the S3 limit).
pub const MAX_LIFECYCLE_RULES: usize = 1000;

/// One lifecycle rule. A bucket's rules are set and read as a whole (see
/// [`UpdateBucket::lifecycle`](super::UpdateBucket)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LifecycleRule {
    /// Rule id, unique in the bucket (1–255 characters).
    pub id: String,
    /// Whether the rule runs (`Status` `Enabled`/`Disabled`).
    pub enabled: bool,
    /// Only objects whose key starts with this prefix.
    pub prefix: Option<String>,
    /// Only objects carrying all these tags.
    #[serde(default)]
    pub tags: Tags,
    /// Current versions expire this many days after creation.
    pub expiration_days: Option<u32>,
    /// Noncurrent versions are removed this many days after they became noncurrent.
    pub noncurrent_expiration_days: Option<u32>,
    /// Incomplete multipart uploads are aborted this many days after they started.
    pub abort_incomplete_multipart_days: Option<u32>,
}

impl LifecycleRule {
    /// An enabled rule with no filter and no action yet.
    pub fn new(id: impl Into<String>) -> Self {
        LifecycleRule {
            id: id.into(),
            enabled: true,
            prefix: None,
            tags: Tags::new(),
            expiration_days: None,
            noncurrent_expiration_days: None,
            abort_incomplete_multipart_days: None,
        }
    }

    /// Enables or disables the rule.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// Limits the rule to keys with this prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Limits the rule to objects with this tag (all tags given must match).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Expires current versions after `days`.
    pub fn expire_after_days(mut self, days: u32) -> Self {
        self.expiration_days = Some(days);
        self
    }

    /// Removes noncurrent versions `days` after they became noncurrent.
    pub fn expire_noncurrent_after_days(mut self, days: u32) -> Self {
        self.noncurrent_expiration_days = Some(days);
        self
    }

    /// Aborts multipart uploads left incomplete for `days`.
    pub fn abort_incomplete_multipart_after_days(mut self, days: u32) -> Self {
        self.abort_incomplete_multipart_days = Some(days);
        self
    }
}

/// Checks a bucket's lifecycle rules: at most 1,000, unique ids of 1–255 characters, each with
/// at least one action, every day count at least 1, prefixes at most 1,024 bytes, valid tag
/// filters, and no multipart abort on a tag-filtered rule (S3 refuses that combination).
pub fn validate_lifecycle(field: &str, rules: &[LifecycleRule]) -> Result<()> {
    if rules.len() > MAX_LIFECYCLE_RULES {
        return Err(Error::invalid_input(
            field,
            format!(
                "at most {MAX_LIFECYCLE_RULES} lifecycle rules (got {})",
                rules.len()
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in rules.iter().enumerate() {
        let f = format!("{field}[{i}]");
        rule_id(&format!("{f}.id"), &r.id, 255)?;
        if !seen.insert(r.id.as_str()) {
            return Err(Error::invalid_input(
                format!("{f}.id"),
                format!("rule id {:?} is used twice", r.id),
            ));
        }
        if r.expiration_days.is_none()
            && r.noncurrent_expiration_days.is_none()
            && r.abort_incomplete_multipart_days.is_none()
        {
            return Err(Error::invalid_input(
                &f,
                "a rule needs at least one action (expiration_days, noncurrent_expiration_days \
                 or abort_incomplete_multipart_days)",
            ));
        }
        for (name, days) in [
            ("expiration_days", r.expiration_days),
            ("noncurrent_expiration_days", r.noncurrent_expiration_days),
            (
                "abort_incomplete_multipart_days",
                r.abort_incomplete_multipart_days,
            ),
        ] {
            if days == Some(0) {
                return Err(Error::invalid_input(
                    format!("{f}.{name}"),
                    "must be at least 1 day",
                ));
            }
        }
        if let Some(p) = &r.prefix {
            key_prefix(&format!("{f}.prefix"), p)?;
        }
        crate::validate::tags(&format!("{f}.tags"), &r.tags)?;
        if !r.tags.is_empty() && r.abort_incomplete_multipart_days.is_some() {
            return Err(Error::invalid_input(
                format!("{f}.abort_incomplete_multipart_days"),
                "cannot be combined with a tag filter (S3 refuses it: uploads carry no tags)",
            ));
        }
    }
    Ok(())
}

/// A rule id: 1 to `max` characters, printable, no control characters.
pub(crate) fn rule_id(field: &str, id: &str, max: usize) -> Result<()> {
    let n = id.chars().count();
    if n == 0 || n > max {
        return Err(Error::invalid_input(
            field,
            format!("must be 1 to {max} characters long (got {n})"),
        ));
    }
    if id.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// An object-key prefix filter: at most 1,024 bytes, no control characters.
pub(crate) fn key_prefix(field: &str, prefix: &str) -> Result<()> {
    if prefix.len() > 1024 {
        return Err(Error::invalid_input(
            field,
            format!("must be at most 1024 bytes (got {})", prefix.len()),
        ));
    }
    if prefix.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_without_action_is_refused_by_field() {
        let e = validate_lifecycle("bucket.lifecycle", &[LifecycleRule::new("a")]).unwrap_err();
        assert_eq!(e.field(), Some("bucket.lifecycle[0]"));
        let ok = LifecycleRule::new("a").expire_after_days(3);
        validate_lifecycle("l", std::slice::from_ref(&ok)).unwrap();
        let e = validate_lifecycle("l", &[ok.clone(), ok]).unwrap_err();
        assert_eq!(e.field(), Some("l[1].id"));
    }

    #[test]
    fn zero_days_empty_ids_and_tagged_abort_are_refused() {
        let e =
            validate_lifecycle("l", &[LifecycleRule::new("a").expire_after_days(0)]).unwrap_err();
        assert_eq!(e.field(), Some("l[0].expiration_days"));
        let e =
            validate_lifecycle("l", &[LifecycleRule::new("").expire_after_days(1)]).unwrap_err();
        assert_eq!(e.field(), Some("l[0].id"));
        let r = LifecycleRule::new("a")
            .tag("k", "v")
            .abort_incomplete_multipart_after_days(2);
        let e = validate_lifecycle("l", &[r]).unwrap_err();
        assert_eq!(e.field(), Some("l[0].abort_incomplete_multipart_days"));
        let long = "p".repeat(1025);
        let e = validate_lifecycle(
            "l",
            &[LifecycleRule::new("a").prefix(long).expire_after_days(1)],
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("l[0].prefix"));
    }
}
