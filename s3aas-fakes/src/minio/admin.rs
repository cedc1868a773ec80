//! The fake's `/minio/admin/v3` commands: one request ([`Call`]), dispatched by command to the
//! modules that keep users, policies and service accounts; server and bucket commands here.

use super::{MinioState, jerr, rfc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use wiremock::ResponseTemplate;

// The error side is a ready response; its size does not matter in a test fake.
#[allow(clippy::result_large_err)]
pub(super) type Answer = Result<(u16, Option<Value>), ResponseTemplate>;

/// One admin request: its query parameters, its (decrypted) body and its path, with the answers
/// commands share.
pub(super) struct Call<'a> {
    q: &'a BTreeMap<String, String>,
    body: &'a [u8],
    pub(super) path: &'a str,
}

#[allow(clippy::result_large_err)]
impl Call<'_> {
    /// A query parameter, empty when absent.
    pub(super) fn arg(&self, k: &str) -> String {
        self.q.get(k).cloned().unwrap_or_default()
    }

    /// The body as JSON.
    pub(super) fn parse(&self) -> Result<Value, ResponseTemplate> {
        serde_json::from_slice::<Value>(self.body).map_err(|_| {
            jerr(
                400,
                "XMinioAdminConfigBadJSON",
                "JSON configuration provided is of incorrect format",
                self.path,
            )
        })
    }

    pub(super) fn no_user(&self) -> ResponseTemplate {
        jerr(
            404,
            "XMinioAdminNoSuchUser",
            "The specified user does not exist",
            self.path,
        )
    }

    pub(super) fn no_sa(&self) -> ResponseTemplate {
        jerr(
            404,
            "XMinioInvalidIAMCredentials",
            "The security token included in the request is invalid",
            self.path,
        )
    }

    /// What MinIO answers for an admin command it does not have.
    pub(super) fn unsupported(&self) -> ResponseTemplate {
        jerr(
            426,
            "XMinioAdminVersionMismatch",
            "This 'admin' API is not supported by server in 'mode-server-xl'",
            self.path,
        )
    }
}

#[allow(clippy::result_large_err)]
impl MinioState {
    /// Runs admin command `cmd`; `q` holds its query parameters, `body` its decrypted body.
    pub(super) fn admin(
        &mut self,
        method: &str,
        cmd: &str,
        q: &BTreeMap<String, String>,
        body: &[u8],
        path: &str,
    ) -> Answer {
        let c = Call { q, body, path };
        match cmd {
            "add-user"
            | "user-info"
            | "list-users"
            | "set-user-status"
            | "remove-user"
            | "group"
            | "update-group-members" => self.user_command(method, cmd, &c),
            "add-canned-policy"
            | "info-canned-policy"
            | "list-canned-policies"
            | "remove-canned-policy"
            | "idp/builtin/policy/attach"
            | "idp/builtin/policy/detach"
            | "set-user-or-group-policy" => self.policy_command(method, cmd, &c),
            "add-service-account"
            | "update-service-account"
            | "info-service-account"
            | "list-service-accounts"
            | "list-access-keys-bulk"
            | "delete-service-account" => self.service_account_command(method, cmd, &c),
            "set-remote-target" | "list-remote-targets" | "remove-remote-target" => {
                let host = self.own_host.clone();
                self.remote_target_command(method, cmd, &c, &host)
            }
            _ => self.server_command(method, cmd, &c),
        }
    }

    /// Bucket quotas (`set-bucket-quota`, `get-bucket-quota`), `info` and `datausageinfo`.
    fn server_command(&mut self, method: &str, cmd: &str, c: &Call<'_>) -> Answer {
        match (method, cmd) {
            ("PUT", "set-bucket-quota") => {
                let b = c.arg("bucket");
                if !self.s3.buckets.contains_key(&b) {
                    return Err(jerr(
                        404,
                        "NoSuchBucket",
                        "The specified bucket does not exist",
                        c.path,
                    ));
                }
                let v = c.parse()?;
                let size = v["size"]
                    .as_u64()
                    .or_else(|| v["quota"].as_u64())
                    .unwrap_or(0);
                if size > 0 && v["quotatype"].as_str() != Some("hard") {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidArgument",
                        "Invalid arguments specified.",
                        c.path,
                    ));
                }
                if size == 0 {
                    self.quotas.remove(&b);
                } else {
                    self.quotas.insert(b, size);
                }
                Ok((200, None))
            }
            ("GET", "get-bucket-quota") => {
                let b = c.arg("bucket");
                if !self.s3.buckets.contains_key(&b) {
                    return Err(jerr(
                        404,
                        "NoSuchBucket",
                        "The specified bucket does not exist",
                        c.path,
                    ));
                }
                match self.quotas.get(&b) {
                    Some(n) => Ok((
                        200,
                        Some(
                            json!({"quota": n, "size": n, "rate": 0, "requests": 0, "quotatype": "hard"}),
                        ),
                    )),
                    None => Err(jerr(
                        404,
                        "XMinioAdminNoSuchQuotaConfiguration",
                        "The quota configuration does not exist",
                        c.path,
                    )),
                }
            }
            ("GET", "info") => Ok((
                200,
                Some(
                    json!({"mode": "online", "region": "us-east-1", "deploymentID": "fake", "servers": [{"state": "online", "endpoint": "127.0.0.1:9000", "scheme": "http", "version": "2025-10-15T17:29:55Z", "commitID": "fake"}]}),
                ),
            )),
            ("GET", "datausageinfo") => {
                let usage: serde_json::Map<String, Value> = self
                    .s3
                    .buckets
                    .iter()
                    .map(|(k, b)| {
                        let (size, n) = b.usage();
                        (k.clone(), json!({"size": size, "objectsCount": n}))
                    })
                    .collect();
                Ok((
                    200,
                    Some(
                        json!({"lastUpdate": rfc(OffsetDateTime::now_utc()), "bucketsCount": usage.len(), "bucketsUsageInfo": usage}),
                    ),
                ))
            }
            _ => Err(c.unsupported()),
        }
    }
}
