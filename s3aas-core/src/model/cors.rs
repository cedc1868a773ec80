//! CORS rules of a bucket, so browsers (CloudStack's S3 browser, web consoles) may call S3.

use super::lifecycle::rule_id;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Most CORS rules on one bucket (the S3 limit).
pub const MAX_CORS_RULES: usize = 100;

/// The methods a CORS rule may allow (the S3 set).
pub const CORS_METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];

/// One CORS rule. A bucket's rules are set and read as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CorsRule {
    /// Optional rule id (at most 255 characters).
    pub id: Option<String>,
    /// Origins allowed (`https://app.example.com`, or with one `*` wildcard).
    pub allowed_origins: Vec<String>,
    /// Methods allowed, from `GET`, `PUT`, `POST`, `DELETE`, `HEAD`.
    pub allowed_methods: Vec<String>,
    /// Request headers allowed in a preflight (each with at most one `*`).
    #[serde(default)]
    pub allowed_headers: Vec<String>,
    /// Response headers the browser may read.
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// How long a browser may cache the preflight answer.
    pub max_age_seconds: Option<u32>,
}

impl CorsRule {
    /// A rule allowing `methods` from `origins`.
    pub fn new<O, M>(origins: O, methods: M) -> Self
    where
        O: IntoIterator,
        O::Item: Into<String>,
        M: IntoIterator,
        M::Item: Into<String>,
    {
        CorsRule {
            id: None,
            allowed_origins: origins.into_iter().map(Into::into).collect(),
            allowed_methods: methods.into_iter().map(Into::into).collect(),
            allowed_headers: Vec::new(),
            expose_headers: Vec::new(),
            max_age_seconds: None,
        }
    }

    /// Sets the rule id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Allows a request header.
    pub fn allow_header(mut self, header: impl Into<String>) -> Self {
        self.allowed_headers.push(header.into());
        self
    }

    /// Exposes a response header.
    pub fn expose_header(mut self, header: impl Into<String>) -> Self {
        self.expose_headers.push(header.into());
        self
    }

    /// Sets the preflight cache time.
    pub fn max_age_seconds(mut self, seconds: u32) -> Self {
        self.max_age_seconds = Some(seconds);
        self
    }
}

/// Checks a bucket's CORS rules: at most 100; each with at least one origin and one method;
/// methods from the S3 set (upper case); origins and allowed headers with at most one `*`;
/// no empty or control-character values; ids of at most 255 characters.
pub fn validate_cors(field: &str, rules: &[CorsRule]) -> Result<()> {
    if rules.len() > MAX_CORS_RULES {
        return Err(Error::invalid_input(
            field,
            format!("at most {MAX_CORS_RULES} CORS rules (got {})", rules.len()),
        ));
    }
    for (i, r) in rules.iter().enumerate() {
        let f = format!("{field}[{i}]");
        if let Some(id) = &r.id {
            rule_id(&format!("{f}.id"), id, 255)?;
        }
        if r.allowed_origins.is_empty() {
            return Err(Error::invalid_input(
                format!("{f}.allowed_origins"),
                "needs at least one origin",
            ));
        }
        if r.allowed_methods.is_empty() {
            return Err(Error::invalid_input(
                format!("{f}.allowed_methods"),
                "needs at least one method",
            ));
        }
        for m in &r.allowed_methods {
            if !CORS_METHODS.contains(&m.as_str()) {
                return Err(Error::invalid_input(
                    format!("{f}.allowed_methods"),
                    format!("{m:?} is not one of GET, PUT, POST, DELETE, HEAD"),
                ));
            }
        }
        for (name, values, one_star) in [
            ("allowed_origins", &r.allowed_origins, true),
            ("allowed_headers", &r.allowed_headers, true),
            ("expose_headers", &r.expose_headers, false),
        ] {
            for v in values {
                let bad = v.is_empty()
                    || v.chars().any(|c| c.is_control() || c == ' ')
                    || (one_star && v.matches('*').count() > 1)
                    || (!one_star && v.contains('*'));
                if bad {
                    let rule = if one_star {
                        "must be non-empty, without spaces, with at most one '*'"
                    } else {
                        "must be a non-empty header name without spaces or '*'"
                    };
                    return Err(Error::invalid_input(
                        format!("{f}.{name}"),
                        format!("{v:?} {rule}"),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rules_name_their_field() {
        let ok = CorsRule::new(["https://a.example"], ["GET"]);
        validate_cors("c", std::slice::from_ref(&ok)).unwrap();
        let e = validate_cors("c", &[CorsRule::new(["*"], ["PATCH"])]).unwrap_err();
        assert_eq!(e.field(), Some("c[0].allowed_methods"));
        let e = validate_cors("c", &[CorsRule::new(Vec::<String>::new(), ["GET"])]).unwrap_err();
        assert_eq!(e.field(), Some("c[0].allowed_origins"));
        let e = validate_cors("c", &[CorsRule::new(["https://*.*.x"], ["GET"])]).unwrap_err();
        assert_eq!(e.field(), Some("c[0].allowed_origins"));
        let e = validate_cors("c", &[ok.clone().expose_header("x-*")]).unwrap_err();
        assert_eq!(e.field(), Some("c[0].expose_headers"));
        let many = vec![ok; 101];
        assert_eq!(validate_cors("c", &many).unwrap_err().field(), Some("c"));
    }
}
