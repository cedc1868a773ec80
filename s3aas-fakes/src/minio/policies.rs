//! Canned-policy commands of the fake's admin API, and attaching policies to users.

use super::admin::{Answer, Call};
use super::{MinioState, jerr};
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[allow(clippy::result_large_err)]
impl MinioState {
    /// Canned policies (`add-canned-policy`, `info-canned-policy`, `list-canned-policies`,
    /// `remove-canned-policy`) and attachments (`idp/builtin/policy/attach|detach`,
    /// `set-user-or-group-policy`).
    pub(super) fn policy_command(&mut self, method: &str, cmd: &str, c: &Call<'_>) -> Answer {
        match (method, cmd) {
            ("PUT", "add-canned-policy") => {
                let name = c.arg("name");
                if name.contains(',') {
                    return Err(jerr(
                        400,
                        "PolicyInvalidName",
                        "Policy name may not contain comma",
                        c.path,
                    ));
                }
                let v = c.parse().map_err(|_| {
                    jerr(
                        400,
                        "XMinioMalformedIAMPolicy",
                        "Policy has invalid format",
                        c.path,
                    )
                })?;
                if v.get("Version").is_none() {
                    return Err(jerr(
                        400,
                        "MalformedPolicy",
                        "Policy has invalid resource.",
                        c.path,
                    ));
                }
                self.policies.insert(name, v);
                Ok((200, None))
            }
            ("GET", "info-canned-policy") => {
                let p = self.policies.get(&c.arg("name")).ok_or_else(|| {
                    jerr(
                        404,
                        "XMinioAdminNoSuchPolicy",
                        "The canned policy does not exist",
                        c.path,
                    )
                })?;
                if c.arg("v") == "2" {
                    Ok((
                        200,
                        Some(
                            json!({"PolicyName": c.arg("name"), "Policy": p, "CreateDate": "2026-11-23T07:00:00Z", "UpdateDate": "2026-11-23T07:00:00Z"}),
                        ),
                    ))
                } else {
                    Ok((200, Some(p.clone())))
                }
            }
            ("GET", "list-canned-policies") => Ok((
                200,
                Some(Value::Object(
                    self.policies
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                )),
            )),
            ("DELETE", "remove-canned-policy") => {
                let name = c.arg("name");
                if self.users.values().any(|u| u.policies.contains(&name)) {
                    return Err(jerr(
                        400,
                        "XMinioIAMPolicyInUse",
                        "The policy cannot be removed, as it is in use",
                        c.path,
                    ));
                }
                self.policies.remove(&name);
                Ok((200, None))
            }
            ("POST", "idp/builtin/policy/attach") | ("POST", "idp/builtin/policy/detach")
                if self.legacy_policy_api =>
            {
                Err(jerr(
                    426,
                    "XMinioAdminVersionMismatch",
                    "This 'admin' API is not supported by server in 'mode-server-xl'",
                    c.path,
                ))
            }
            ("PUT", "set-user-or-group-policy") => {
                if c.arg("isGroup") != "false" && c.arg("isGroup") != "true" {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidArgument",
                        "Invalid arguments specified.",
                        c.path,
                    ));
                }
                let names: BTreeSet<String> = c
                    .arg("policyName")
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(String::from)
                    .collect();
                for n in &names {
                    if !self.policies.contains_key(n) {
                        return Err(jerr(
                            404,
                            "XMinioAdminNoSuchPolicy",
                            "The canned policy does not exist",
                            c.path,
                        ));
                    }
                }
                let u = self
                    .users
                    .get_mut(&c.arg("userOrGroup"))
                    .ok_or_else(|| c.no_user())?;
                u.policies = names;
                Ok((200, None))
            }
            ("POST", "idp/builtin/policy/attach") | ("POST", "idp/builtin/policy/detach") => {
                let attach = cmd.ends_with("attach");
                let v = c.parse()?;
                let user = v["user"].as_str().unwrap_or_default().to_string();
                let names: Vec<String> = v["policies"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|p| p.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                if names.is_empty() || user.is_empty() {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidArgument",
                        "Invalid arguments specified.",
                        c.path,
                    ));
                }
                for n in &names {
                    if !self.policies.contains_key(n) {
                        return Err(jerr(
                            404,
                            "XMinioAdminNoSuchPolicy",
                            "The canned policy does not exist",
                            c.path,
                        ));
                    }
                }
                let u = self.users.get_mut(&user).ok_or_else(|| c.no_user())?;
                let changed: Vec<String> = names
                    .into_iter()
                    .filter(|n| {
                        if attach {
                            u.policies.insert(n.clone())
                        } else {
                            u.policies.remove(n)
                        }
                    })
                    .collect();
                if changed.is_empty() {
                    return Err(jerr(
                        400,
                        "XMinioAdminPolicyChangeAlreadyApplied",
                        "The specified policy change is already in effect.",
                        c.path,
                    ));
                }
                let key = if attach {
                    "policiesAttached"
                } else {
                    "policiesDetached"
                };
                Ok((
                    200,
                    Some(json!({key: changed, "updatedAt": "2026-11-23T07:00:00Z"})),
                ))
            }
            _ => Err(c.unsupported()),
        }
    }
}
