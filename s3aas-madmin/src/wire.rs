//! Answer shapes of the madmin admin API that the provider reads.

use crate::provider::*;

#[derive(Clone, Debug, Deserialize, Default)]
pub(crate) struct ServerInfo {
    #[serde(default)]
    pub(crate) servers: Vec<ServerEntry>,
}

#[derive(Clone, Debug, Deserialize, Default)]
pub(crate) struct ServerEntry {
    #[serde(default)]
    pub(crate) state: Option<String>,
    #[serde(default)]
    pub(crate) endpoint: String,
    #[serde(default)]
    pub(crate) version: Option<String>,
    #[serde(default)]
    pub(crate) drives: Vec<DriveEntry>,
}

#[derive(Clone, Debug, Deserialize, Default)]
pub(crate) struct DriveEntry {
    #[serde(default)]
    pub(crate) state: Option<String>,
    #[serde(default)]
    pub(crate) endpoint: String,
}

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserInfo {
    #[serde(default)]
    pub(crate) policy_name: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
}

/// Reads a `list-users` answer (IAM name -> user), keeping only the users whose names start
/// with a prefix (one instance's), without their prefix. The answer lists every user of the
/// server: on a server of 1,000 tenants, decoding all of them into a map for each tenant's
/// listing was the largest part of a plan's client time; the others are skipped unread.
pub(crate) struct UsersNamed<'p>(pub(crate) &'p str);

impl<'de> serde::de::DeserializeSeed<'de> for UsersNamed<'_> {
    type Value = BTreeMap<String, UserInfo>;

    fn deserialize<De: serde::Deserializer<'de>>(self, de: De) -> Result<Self::Value, De::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for UsersNamed<'_> {
    type Value = BTreeMap<String, UserInfo>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of users")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut out = BTreeMap::new();
        while let Some(name) = map.next_key_seed(Suffix(self.0))? {
            match name {
                Some(n) => {
                    out.insert(n, map.next_value()?);
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// A map key: what follows the prefix, or `None` (nothing allocated) for another name.
struct Suffix<'p>(&'p str);

impl<'de> serde::de::DeserializeSeed<'de> for Suffix<'_> {
    type Value = Option<String>;

    fn deserialize<De: serde::Deserializer<'de>>(self, de: De) -> Result<Self::Value, De::Error> {
        de.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Suffix<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a user name")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.strip_prefix(self.0).map(String::from))
    }
}

impl UserInfo {
    pub(crate) fn to_user(&self, instance: &str, name: &str) -> User {
        let mut u = User::new(instance, name);
        u.enabled = self.status.as_deref() != Some("disabled");
        u.created = parse_time(self.updated_at.as_deref());
        u.policies = Some(self.policies(instance));
        u
    }

    pub(crate) fn policies(&self, instance: &str) -> Vec<String> {
        let prefix = iam(instance, "");
        let mut v: Vec<String> = self
            .policy_name
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter_map(|p| p.trim().strip_prefix(&prefix).map(String::from))
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyInfo {
    #[serde(default)]
    pub(crate) parent_user: String,
    #[serde(default)]
    pub(crate) account_status: Option<String>,
    #[serde(default)]
    pub(crate) implied_policy: bool,
    #[serde(default)]
    pub(crate) policy: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) expiration: Option<String>,
    #[serde(default)]
    pub(crate) access_key: Option<String>,
}

impl KeyInfo {
    pub(crate) fn session_policy(&self) -> Option<PolicyDocument> {
        if self.implied_policy {
            return None;
        }
        let v = match self.policy.as_ref()? {
            serde_json::Value::String(s) if s.trim().is_empty() => return None,
            serde_json::Value::String(s) => serde_json::from_str(s).ok()?,
            v @ serde_json::Value::Object(_) => v.clone(),
            _ => return None,
        };
        PolicyDocument::from_value(v).ok()
    }

    pub(crate) fn to_key(&self, instance: &str, user: &str, key_id: &str) -> AccessKey {
        let id = self
            .access_key
            .clone()
            .unwrap_or_else(|| key_id.to_string());
        let mut k = AccessKey::new(instance, user, &id, &id);
        k.name = self.name.clone().filter(|n| !n.is_empty());
        k.description = self.description.clone().filter(|d| !d.is_empty());
        k.expiration = parse_time(self.expiration.as_deref());
        k.enabled = matches!(
            self.account_status.as_deref(),
            Some("on" | "enabled") | None
        );
        k.session_policy = self.session_policy();
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeSeed;

    fn users(body: &str, prefix: &str) -> serde_json::Result<BTreeMap<String, UserInfo>> {
        UsersNamed(prefix).deserialize(&mut serde_json::Deserializer::from_str(body))
    }

    #[test]
    fn a_listing_keeps_only_the_instances_users() {
        let body = r#"{
            "acme--alice": {"policyName": "acme--rw", "status": "enabled"},
            "other--bob": {"policyName": "x", "memberOf": ["s3aas-other"], "extra": {"deep": [1, {"a": null}]}},
            "acme--\u0063arol": {"status": "disabled"},
            "acme-x--dave": {},
            "acme--": {"status": "enabled"}
        }"#;
        let got = users(body, "acme--").unwrap();
        let names: Vec<&str> = got.keys().map(String::as_str).collect();
        assert_eq!(names, ["", "alice", "carol"], "escaped names are read too");
        assert_eq!(got["alice"].policy_name.as_deref(), Some("acme--rw"));
        assert_eq!(got["carol"].status.as_deref(), Some("disabled"));
        assert!(users("{}", "acme--").unwrap().is_empty());
    }

    #[test]
    fn a_malformed_listing_is_an_error_also_in_skipped_users() {
        assert!(users(r#"{"other--bob": {"status": }}"#, "acme--").is_err());
        assert!(users(r#"{"acme--alice": {"status": 5}}"#, "acme--").is_err());
        assert!(users(r#"["acme--alice"]"#, "acme--").is_err());
    }
}
