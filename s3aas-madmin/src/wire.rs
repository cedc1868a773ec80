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
