//! User and group commands of the fake's admin API.

use super::admin::{Answer, Call};
use super::{MinioState, User, jerr};
use serde_json::{Value, json};

#[allow(clippy::result_large_err)]
impl MinioState {
    pub(super) fn user_info(&self, ak: &str) -> Value {
        let u = &self.users[ak];
        let member_of: Vec<&String> = self
            .groups
            .iter()
            .filter(|(_, m)| m.contains(ak))
            .map(|(g, _)| g)
            .collect();
        let mut v =
            json!({"status": u.status, "memberOf": member_of, "updatedAt": "2026-11-23T07:00:00Z"});
        if !u.policies.is_empty() {
            v["policyName"] = json!(u.policies.iter().cloned().collect::<Vec<_>>().join(","));
        }
        v
    }

    /// Users (`add-user`, `user-info`, `list-users`, `set-user-status`, `remove-user`) and
    /// groups (`group`, `update-group-members`).
    pub(super) fn user_command(&mut self, method: &str, cmd: &str, c: &Call<'_>) -> Answer {
        match (method, cmd) {
            ("PUT", "add-user") => {
                let ak = c.arg("accessKey");
                let v = c.parse()?;
                if ak.len() < 3 || ak.contains(['=', ',']) {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidAccessKey",
                        "The access key is invalid.",
                        c.path,
                    ));
                }
                let secret = v["secretKey"].as_str().unwrap_or_default().to_string();
                if secret.len() < 8 {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidSecretKey",
                        "The secret key is invalid.",
                        c.path,
                    ));
                }
                if ak == self.root.0 || self.service_accounts.contains_key(&ak) {
                    return Err(jerr(
                        403,
                        "XMinioInvalidIAMCredentials",
                        "The security token included in the request is invalid",
                        c.path,
                    ));
                }
                let status = if matches!(v["status"].as_str(), Some("enabled" | "on")) {
                    "enabled"
                } else {
                    "disabled"
                };
                let policies = self
                    .users
                    .get(&ak)
                    .map(|u| u.policies.clone())
                    .unwrap_or_default();
                self.users.insert(
                    ak,
                    User {
                        secret,
                        status: status.into(),
                        policies,
                    },
                );
                Ok((200, None))
            }
            ("GET", "user-info") => {
                let ak = c.arg("accessKey");
                if !self.users.contains_key(&ak) {
                    return Err(c.no_user());
                }
                Ok((200, Some(self.user_info(&ak))))
            }
            ("GET", "list-users") => {
                let all: serde_json::Map<String, Value> = self
                    .users
                    .keys()
                    .map(|k| (k.clone(), self.user_info(k)))
                    .collect();
                Ok((200, Some(Value::Object(all))))
            }
            ("PUT", "set-user-status") => {
                let status = c.arg("status");
                if status != "enabled" && status != "disabled" {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidArgument",
                        "Invalid arguments specified.",
                        c.path,
                    ));
                }
                let u = self
                    .users
                    .get_mut(&c.arg("accessKey"))
                    .ok_or_else(|| c.no_user())?;
                u.status = status;
                Ok((200, None))
            }
            ("DELETE", "remove-user") => {
                let ak = c.arg("accessKey");
                if self.users.remove(&ak).is_none() {
                    return Err(c.no_user());
                }
                self.service_accounts.retain(|_, sa| sa.parent != ak);
                for m in self.groups.values_mut() {
                    m.remove(&ak);
                }
                Ok((200, None))
            }
            ("GET", "group") => {
                let g = c.arg("group");
                let Some(members) = self.groups.get(&g) else {
                    return Err(jerr(
                        404,
                        "XMinioAdminNoSuchGroup",
                        "The specified group does not exist",
                        c.path,
                    ));
                };
                Ok((
                    200,
                    Some(json!({"name": g, "status": "enabled", "members": members, "policy": ""})),
                ))
            }
            ("PUT", "update-group-members") => {
                let v = c.parse()?;
                let group = v["group"].as_str().unwrap_or_default().to_string();
                let members: Vec<String> = v["members"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|m| m.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                let remove = v["isRemove"].as_bool().unwrap_or(false);
                // madmin-go always sends `groupStatus`; RustFS's alias refuses a body without it.
                if v.get("groupStatus").is_none() {
                    return Err(jerr(
                        400,
                        "XMinioAdminConfigBadJSON",
                        "missing field `groupStatus`",
                        "update-group-members",
                    ));
                }
                for m in &members {
                    if !self.users.contains_key(m) {
                        return Err(c.no_user());
                    }
                }
                if remove {
                    let Some(g) = self.groups.get_mut(&group) else {
                        return Err(jerr(
                            404,
                            "XMinioAdminNoSuchGroup",
                            "The specified group does not exist",
                            c.path,
                        ));
                    };
                    if members.is_empty() {
                        if !g.is_empty() {
                            return Err(jerr(
                                400,
                                "XMinioAdminGroupNotEmpty",
                                "The specified group is not empty - cannot remove it",
                                c.path,
                            ));
                        }
                        self.groups.remove(&group);
                    } else {
                        for m in &members {
                            g.remove(m);
                        }
                    }
                } else {
                    self.groups.entry(group).or_default().extend(members);
                }
                Ok((200, None))
            }
            _ => Err(c.unsupported()),
        }
    }
}
