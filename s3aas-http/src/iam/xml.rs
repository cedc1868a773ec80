//! The XML answers of the AWS IAM query protocol, read into serde types.

use s3aas_core::{Error, ErrorKind, Result};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::fmt;

/// An AWS `<member>` list (`<Users><member>..</member>...</Users>`); absent or empty is empty.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Members<T> {
    /// The items.
    #[serde(default)]
    pub member: Vec<T>,
}

impl<T> Default for Members<T> {
    fn default() -> Self {
        Members { member: Vec::new() }
    }
}

/// A `<User>` (or a `<member>` of `<Users>`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct IamUser {
    /// `UserName`.
    pub user_name: String,
    /// `UserId`.
    pub user_id: Option<String>,
    /// `Arn`.
    pub arn: Option<String>,
    /// `CreateDate` as sent (ISO 8601).
    pub create_date: Option<String>,
    /// `Tags` (`<member><Key/><Value/></member>`).
    pub tags: Members<IamTag>,
}

/// A `<Tag>`: `Key` and `Value`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct IamTag {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
}

/// An `<AccessKey>` (from `CreateAccessKey`, with its secret) or an `<AccessKeyMetadata>`
/// member (from `ListAccessKeys`, without). `Debug` never shows the secret.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase", default)]
pub struct IamAccessKey {
    /// `UserName`.
    pub user_name: Option<String>,
    /// `AccessKeyId`.
    pub access_key_id: String,
    /// `Status`: `Active` or `Inactive`.
    pub status: Option<String>,
    /// `SecretAccessKey`, only in `CreateAccessKey` answers.
    pub secret_access_key: Option<String>,
    /// `CreateDate` as sent.
    pub create_date: Option<String>,
}

impl IamAccessKey {
    /// Whether `Status` is not `Inactive` (a key without a status is active).
    pub fn is_active(&self) -> bool {
        !self
            .status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("Inactive"))
    }
}

impl fmt::Debug for IamAccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IamAccessKey")
            .field("user_name", &self.user_name)
            .field("access_key_id", &self.access_key_id)
            .field("status", &self.status)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "[REDACTED]"),
            )
            .field("create_date", &self.create_date)
            .finish()
    }
}

fn malformed(action: &str, what: impl fmt::Display) -> Error {
    Error::new(
        ErrorKind::Backend,
        format!("unexpected answer to IAM {action}: {what}"),
    )
}

/// Parses the `<{action}Result>` of an answer into `T`. An answer with a
/// `<{action}Response>` but no result (e.g. `DeleteUser`), or an empty result, is
/// `T::default()`; a body that is not this action's answer is a `Backend` error quoting it.
pub fn parse_result<T: DeserializeOwned + Default>(action: &str, body: &[u8]) -> Result<T> {
    let text =
        std::str::from_utf8(body).map_err(|e| malformed(action, format!("not UTF-8: {e}")))?;
    let open = format!("<{action}Result");
    let Some(start) = text.find(&open) else {
        if text.contains(&format!("<{action}Response")) {
            return Ok(T::default());
        }
        let snippet: String = text.chars().take(200).collect();
        return Err(malformed(
            action,
            format!("no {action}Result in {snippet:?}"),
        ));
    };
    let after = &text[start + open.len()..];
    // `<XResult/>` or `<XResult attr="..."/>`: empty.
    let Some(gt) = after.find('>') else {
        return Err(malformed(action, "unterminated result element"));
    };
    if after[..gt].ends_with('/') {
        return Ok(T::default());
    }
    // The next character must end the name (not e.g. `<XResultSet>`).
    if !after[..gt].is_empty() && !after.starts_with(char::is_whitespace) {
        return Err(malformed(action, "unexpected result element"));
    }
    let close = format!("</{action}Result>");
    let inner_start = gt + 1;
    let Some(end) = after[inner_start..].find(&close) else {
        return Err(malformed(action, format!("no closing {close}")));
    };
    let inner = &after[inner_start..inner_start + end];
    if inner.trim().is_empty() {
        return Ok(T::default());
    }
    let wrapped = format!("<r>{inner}</r>");
    quick_xml::de::from_str(&wrapped).map_err(|e| {
        let snippet: String = inner.chars().take(200).collect();
        malformed(action, format!("{e} in {snippet:?}"))
    })
}
