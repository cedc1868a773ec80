//! Service-account (access key) commands of the fake's admin API.

use super::admin::{Answer, Call};
use super::{MinioState, ServiceAccount, jerr, rfc};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[allow(clippy::result_large_err)]
impl MinioState {
    fn next_key(&mut self, n: usize) -> String {
        self.seq += 1;
        let base = format!("FAKE{:016}", self.seq * 7919);
        let mut s = base.repeat(3);
        s.truncate(n);
        s
    }
    fn sa_info(&self, ak: &str, sa: &ServiceAccount, list: bool) -> Value {
        let mut v = json!({"parentUser": sa.parent, "accountStatus": sa.status, "impliedPolicy": sa.policy.is_none(), "name": sa.name, "description": sa.description});
        if list {
            v["accessKey"] = json!(ak);
            v["expiration"] = json!(
                sa.expiration
                    .map(rfc)
                    .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
            );
        } else {
            if let Some(e) = sa.expiration {
                v["expiration"] = json!(rfc(e));
            }
            let policy = sa
                .policy
                .clone()
                .unwrap_or_else(|| json!({"Version":"2012-10-17","Statement":[]}));
            v["policy"] = json!(serde_json::to_string_pretty(&policy).expect("JSON"));
        }
        v
    }
    /// Service accounts: `add-service-account`, `update-service-account`,
    /// `info-service-account`, `list-service-accounts`, `list-access-keys-bulk`,
    /// `delete-service-account`.
    pub(super) fn service_account_command(
        &mut self,
        method: &str,
        cmd: &str,
        c: &Call<'_>,
    ) -> Answer {
        match (method, cmd) {
            ("PUT", "add-service-account") => {
                let v = c.parse()?;
                let target = match v["targetUser"].as_str() {
                    Some(t) if !self.ignore_target_user => t.to_string(),
                    _ => self.root.0.clone(),
                };
                if target != self.root.0 && !self.users.contains_key(&target) {
                    return Err(c.no_user());
                }
                let policy = match v.get("policy") {
                    None | Some(Value::Null) => None,
                    Some(p @ Value::Object(_)) => Some(p.clone()),
                    Some(_) => {
                        return Err(jerr(
                            400,
                            "XMinioMalformedIAMPolicy",
                            "Policy has invalid format",
                            c.path,
                        ));
                    }
                };
                if policy.as_ref().is_some_and(|p| p.to_string().len() > 4096) {
                    return Err(jerr(
                        400,
                        "XMinioIAMServiceAccountSessionPolicyTooLarge",
                        "Session policy should not exceed 4096 characters",
                        c.path,
                    ));
                }
                let name = v["name"].as_str().unwrap_or_default().to_string();
                if name.len() > 32
                    || (!name.is_empty()
                        && !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
                {
                    return Err(jerr(
                        400,
                        "XMinioInvalidResource",
                        "Invalid resource",
                        c.path,
                    ));
                }
                let expiration = match v["expiration"].as_str() {
                    Some(e) => {
                        let t = OffsetDateTime::parse(e, &Rfc3339).map_err(|_| {
                            jerr(400, "XMinioAdminConfigBadJSON", "bad expiration", c.path)
                        })?;
                        let now = OffsetDateTime::now_utc();
                        if t < now + time::Duration::minutes(15)
                            || t > now + time::Duration::days(365)
                        {
                            return Err(jerr(
                                500,
                                "InternalError",
                                "invalid service account expiration",
                                c.path,
                            ));
                        }
                        Some(t.replace_nanosecond(0).expect("0"))
                    }
                    None => None,
                };
                // Like MinIO: `accessKey` and `secretKey` are taken when the client chose them
                // (both or neither), else generated.
                let (ak, sk) = match (v["accessKey"].as_str(), v["secretKey"].as_str()) {
                    (Some(a), Some(s)) if !a.is_empty() && !s.is_empty() => {
                        if !(3..=20).contains(&a.len()) || !(8..=40).contains(&s.len()) {
                            return Err(jerr(
                                400,
                                "XMinioAdminInvalidAccessKey",
                                "invalid access key or secret key length",
                                c.path,
                            ));
                        }
                        if self.service_accounts.contains_key(a) || self.users.contains_key(a) {
                            // The real server's code for this was not checked; the SDK reads
                            // the key back by id whatever a repeat is refused with.
                            return Err(jerr(
                                409,
                                "XMinioAdminServiceAccountAlreadyExists",
                                "the access key is already in use",
                                c.path,
                            ));
                        }
                        (a.to_string(), s.to_string())
                    }
                    _ => (
                        self.next_key(20),
                        format!("{}{}", self.next_key(20), self.next_key(20)),
                    ),
                };
                self.service_accounts.insert(
                    ak.clone(),
                    ServiceAccount {
                        secret: sk.clone(),
                        parent: target,
                        status: "on".into(),
                        name,
                        description: v["description"].as_str().unwrap_or_default().to_string(),
                        expiration,
                        policy,
                    },
                );
                let exp = expiration
                    .map(rfc)
                    .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
                Ok((
                    200,
                    Some(
                        json!({"credentials": {"accessKey": ak, "secretKey": sk, "expiration": exp}}),
                    ),
                ))
            }
            ("POST", "update-service-account") => {
                let v = c.parse()?;
                let sa = self
                    .service_accounts
                    .get_mut(&c.arg("accessKey"))
                    .ok_or_else(|| c.no_sa())?;
                // MinIO drops the session policy when an update does not resend it.
                sa.policy = match v.get("newPolicy") {
                    Some(p @ Value::Object(m)) if !m.is_empty() => Some(p.clone()),
                    _ => None,
                };
                if let Some(s) = v["newStatus"].as_str() {
                    sa.status = if matches!(s, "on" | "enabled") {
                        "on".into()
                    } else {
                        "off".into()
                    };
                }
                if let Some(n) = v["newName"].as_str().filter(|n| !n.is_empty()) {
                    sa.name = n.to_string();
                }
                if let Some(d) = v["newDescription"].as_str().filter(|d| !d.is_empty()) {
                    sa.description = d.to_string();
                }
                if let Some(e) = v["newExpiration"].as_str() {
                    sa.expiration = OffsetDateTime::parse(e, &Rfc3339)
                        .ok()
                        .filter(|t| t.unix_timestamp() > 0);
                }
                if let Some(s) = v["newSecretKey"].as_str() {
                    sa.secret = s.to_string();
                }
                Ok((204, None))
            }
            ("GET", "info-service-account") => {
                let ak = c.arg("accessKey");
                let sa = self.service_accounts.get(&ak).ok_or_else(|| c.no_sa())?;
                Ok((200, Some(self.sa_info(&ak, sa, false))))
            }
            ("GET", "list-service-accounts") => {
                let user = c.arg("user");
                let accounts: Vec<Value> = self
                    .service_accounts
                    .iter()
                    .filter(|(_, sa)| sa.parent == user)
                    .map(|(k, sa)| self.sa_info(k, sa, true))
                    .collect();
                Ok((200, Some(json!({"accounts": accounts}))))
            }
            ("GET", "list-access-keys-bulk") if self.bulk_keys => {
                let list_type = c.arg("listType");
                if !["users-only", "sts-only", "svcacc-only", "all"].contains(&list_type.as_str()) {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidArgument",
                        "invalid listType",
                        c.path,
                    ));
                }
                let mut out = serde_json::Map::new();
                for user in c.arg("users").split('\n').filter(|u| !u.is_empty()) {
                    if !self.users.contains_key(user) {
                        continue; // unknown users are skipped, as MinIO does
                    }
                    let keys: Vec<Value> = self
                        .service_accounts
                        .iter()
                        .filter(|(_, sa)| sa.parent == user)
                        .map(|(k, sa)| {
                            let mut v = json!({"accessKey": k});
                            if let Some(e) = sa.expiration {
                                v["expiration"] = json!(rfc(e));
                            }
                            v
                        })
                        .collect();
                    out.insert(
                        user.to_string(),
                        json!({"serviceAccounts": keys, "stsKeys": []}),
                    );
                }
                Ok((200, Some(Value::Object(out))))
            }
            ("GET", "list-access-keys-bulk") => Err(jerr(
                501,
                "NotImplemented",
                "A header you provided implies functionality that is not implemented",
                c.path,
            )),
            ("DELETE", "delete-service-account") => {
                self.service_accounts
                    .remove(&c.arg("accessKey"))
                    .ok_or_else(|| c.no_sa())?;
                Ok((204, None))
            }
            _ => Err(c.unsupported()),
        }
    }
}
