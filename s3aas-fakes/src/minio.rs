//! A stateful MinIO server: the S3 part plus `/minio/admin/v3` as described in `minio-admin.md`.
//!
//! Requests are checked for a valid SigV4 signature. Admin bodies MinIO encrypts are decrypted
//! with the caller's secret (a wrong key is `400 XMinioAdminConfigBadJSON`), and answers MinIO
//! encrypts are encrypted with it, by default with algorithm id 0 (Argon2id + AES-GCM, what an x86
//! MinIO server sends). IAM policies are stored and attached but not evaluated on S3 calls.

use crate::s3::{S3State, query};
use crate::sigv4::{access_key_of, signature_ok};
use s3aas_madmin::Algorithm;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A user.
#[derive(Clone, Debug)]
pub struct User {
    /// Secret key.
    pub secret: String,
    /// `enabled` or `disabled`.
    pub status: String,
    /// Attached policies.
    pub policies: BTreeSet<String>,
}

/// A service account.
#[derive(Clone, Debug)]
pub struct ServiceAccount {
    /// Secret key.
    pub secret: String,
    /// Parent user.
    pub parent: String,
    /// `on` or `off`.
    pub status: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Expiry (RFC 3339), if any.
    pub expiration: Option<OffsetDateTime>,
    /// Session policy.
    pub policy: Option<Value>,
}

/// Everything the fake server holds.
#[derive(Debug)]
pub struct MinioState {
    /// The S3 side.
    pub s3: S3State,
    /// Root credential.
    pub root: (String, String),
    /// Users.
    pub users: BTreeMap<String, User>,
    /// Groups: members.
    pub groups: BTreeMap<String, BTreeSet<String>>,
    /// Canned policies.
    pub policies: BTreeMap<String, Value>,
    /// Service accounts by access key.
    pub service_accounts: BTreeMap<String, ServiceAccount>,
    /// Bucket quotas in bytes.
    pub quotas: BTreeMap<String, u64>,
    /// The admin API version the server speaks (3 = community, 4 = AIStor).
    pub api_version: u8,
    /// Algorithm of encrypted answers.
    pub response_algorithm: Algorithm,
    /// Behave like a server older than RELEASE.2023-06-23: no `idp/builtin/policy/attach|detach`
    /// (426), only `set-user-or-group-policy`.
    pub legacy_policy_api: bool,
    /// The server has `list-access-keys-bulk` (RELEASE.2024-09-22 and later); off = an older
    /// server answering 501.
    pub bulk_keys: bool,
    /// Every admin call received: `METHOD command`.
    pub admin_calls: Vec<String>,
    /// Behave like a server (or a proxy in between) that ignores `targetUser` in
    /// `add-service-account`: keys are created for the caller, here root.
    pub ignore_target_user: bool,
    seq: u64,
}

/// The fake; clone it to inspect state while the server runs.
#[derive(Clone, Debug)]
pub struct FakeMinio {
    state: Arc<Mutex<MinioState>>,
}

fn jerr(status: u16, code: &str, message: &str, resource: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json")
        .insert_header("x-amz-request-id", "FAKE-REQ-1")
        .set_body_json(json!({"Code": code, "Message": message, "Resource": resource, "RequestId": "FAKE-REQ-1", "HostId": "fake-host"}))
}

const BUILTIN: &[&str] = &[
    "consoleAdmin",
    "diagnostics",
    "readonly",
    "readwrite",
    "writeonly",
];

impl FakeMinio {
    /// Starts a fake MinIO (admin API v3, KMS configured) with a root credential.
    pub async fn start(root_access_key: &str, root_secret_key: &str) -> (MockServer, FakeMinio) {
        let mut policies = BTreeMap::new();
        for p in BUILTIN {
            policies.insert(p.to_string(), json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]}));
        }
        let fake = FakeMinio {
            state: Arc::new(Mutex::new(MinioState {
                s3: S3State::new(true, "x-minio-force-delete"),
                root: (root_access_key.to_string(), root_secret_key.to_string()),
                users: BTreeMap::new(),
                groups: BTreeMap::new(),
                policies,
                service_accounts: BTreeMap::new(),
                quotas: BTreeMap::new(),
                api_version: 3,
                legacy_policy_api: false,
                bulk_keys: true,
                response_algorithm: Algorithm::Argon2idAesGcm,
                admin_calls: Vec::new(),
                ignore_target_user: false,
                seq: 0,
            })),
        };
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(fake.clone())
            .mount(&server)
            .await;
        (server, fake)
    }

    /// The server state (lock held while the guard lives).
    pub fn state(&self) -> MutexGuard<'_, MinioState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Respond for FakeMinio {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state();
        let path = req.url.path().to_string();
        if path.starts_with("/minio/health/") {
            return ResponseTemplate::new(200);
        }
        let admin = path.starts_with("/minio/admin/");
        let deny = |code: &str, msg: &str| {
            if admin {
                jerr(403, code, msg, &path)
            } else {
                crate::s3::xml_error(403, code, msg)
            }
        };
        let Some(ak) = access_key_of(req) else {
            return deny("AccessDenied", "Signature is required");
        };
        if req.headers.get("x-amz-content-sha256").is_none() {
            return deny("AccessDenied", "Access Denied.");
        }
        let Some(secret) = st.secret_of(&ak) else {
            return deny(
                "InvalidAccessKeyId",
                "The Access Key Id you provided does not exist in our records.",
            );
        };
        if !signature_ok(req, &ak, &secret) {
            return deny(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            );
        }
        if !admin {
            return st.s3.handle(req);
        }
        if ak != st.root.0 {
            return jerr(403, "AccessDenied", "Access Denied.", &path);
        }
        let rest = path.trim_start_matches("/minio/admin/");
        let (version, cmd) = rest.split_once('/').unwrap_or((rest, ""));
        let want = format!("v{}", st.api_version);
        if version != want {
            let msg = if st.api_version == 4 {
                format!(
                    "Server expects client requests with 'admin' API version '{want}', found '{version}', please upgrade the client to latest releases"
                )
            } else {
                format!(
                    "Server expects client requests with 'admin' API version '{want}', found '{version}', please downgrade the client to older releases"
                )
            };
            return jerr(426, "XMinioAdminVersionMismatch", &msg, &path);
        }
        st.admin_calls.push(format!("{} {cmd}", req.method));
        let (enc_req, enc_resp) = encryption(cmd);
        let body: Vec<u8> = if enc_req {
            match s3aas_madmin::decrypt(secret.as_bytes(), &req.body) {
                Ok(b) => b,
                Err(_) => {
                    return jerr(
                        400,
                        "XMinioAdminConfigBadJSON",
                        "JSON configuration provided is of incorrect format",
                        &path,
                    );
                }
            }
        } else {
            req.body.clone()
        };
        if matches!(
            cmd,
            "idp/builtin/policy/attach" | "idp/builtin/policy/detach"
        ) && req.headers.get("content-type").map(|v| v.as_bytes())
            != Some(b"application/octet-stream")
        {
            return jerr(
                400,
                "BadRequest",
                "Content-Type must be application/octet-stream",
                &path,
            );
        }
        let mut q = query(req);
        // `users` repeats in list-access-keys-bulk: keep every value, one per line.
        let users: Vec<String> = req
            .url
            .query_pairs()
            .filter(|(k, _)| k == "users")
            .map(|(_, v)| v.into_owned())
            .collect();
        if !users.is_empty() {
            q.insert("users".into(), users.join("\n"));
        }
        match st.admin(req.method.as_str(), cmd, &q, &body, &path) {
            Ok((status, Some(v))) => {
                let bytes = serde_json::to_vec(&v).expect("JSON");
                let bytes = if enc_resp {
                    s3aas_madmin::encrypt(secret.as_bytes(), &bytes, st.response_algorithm)
                } else {
                    bytes
                };
                ResponseTemplate::new(status)
                    .insert_header("content-type", "application/json")
                    .set_body_bytes(bytes)
            }
            Ok((status, None)) => ResponseTemplate::new(status),
            Err(r) => r,
        }
    }
}

fn encryption(cmd: &str) -> (bool, bool) {
    let req = matches!(
        cmd,
        "add-user"
            | "add-service-account"
            | "update-service-account"
            | "idp/builtin/policy/attach"
            | "idp/builtin/policy/detach"
    );
    let resp = matches!(
        cmd,
        "list-users"
            | "add-service-account"
            | "info-service-account"
            | "list-service-accounts"
            | "list-access-keys-bulk"
            | "idp/builtin/policy/attach"
            | "idp/builtin/policy/detach"
            | "idp/builtin/policy-entities"
    );
    (req, resp)
}

// The error side is a ready response; its size does not matter in a test fake.
#[allow(clippy::result_large_err)]
type Answer = Result<(u16, Option<Value>), ResponseTemplate>;

fn rfc(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("format")
}

#[allow(clippy::result_large_err)]
impl MinioState {
    fn secret_of(&self, ak: &str) -> Option<String> {
        if ak == self.root.0 {
            return Some(self.root.1.clone());
        }
        if let Some(u) = self.users.get(ak) {
            return (u.status == "enabled").then(|| u.secret.clone());
        }
        let sa = self.service_accounts.get(ak)?;
        let parent_ok = self
            .users
            .get(&sa.parent)
            .is_some_and(|u| u.status == "enabled")
            || sa.parent == self.root.0;
        let live = sa.expiration.is_none_or(|e| e > OffsetDateTime::now_utc());
        (sa.status == "on" && parent_ok && live).then(|| sa.secret.clone())
    }

    fn next_key(&mut self, n: usize) -> String {
        self.seq += 1;
        let base = format!("FAKE{:016}", self.seq * 7919);
        let mut s = base.repeat(3);
        s.truncate(n);
        s
    }

    fn user_info(&self, ak: &str) -> Value {
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

    fn admin(
        &mut self,
        method: &str,
        cmd: &str,
        q: &BTreeMap<String, String>,
        body: &[u8],
        path: &str,
    ) -> Answer {
        let arg = |k: &str| q.get(k).cloned().unwrap_or_default();
        let parse = |b: &[u8]| {
            serde_json::from_slice::<Value>(b).map_err(|_| {
                jerr(
                    400,
                    "XMinioAdminConfigBadJSON",
                    "JSON configuration provided is of incorrect format",
                    path,
                )
            })
        };
        let no_user = || {
            jerr(
                404,
                "XMinioAdminNoSuchUser",
                "The specified user does not exist",
                path,
            )
        };
        let no_sa = || {
            jerr(
                404,
                "XMinioInvalidIAMCredentials",
                "The security token included in the request is invalid",
                path,
            )
        };
        match (method, cmd) {
            ("PUT", "add-user") => {
                let ak = arg("accessKey");
                let v = parse(body)?;
                if ak.len() < 3 || ak.contains(['=', ',']) {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidAccessKey",
                        "The access key is invalid.",
                        path,
                    ));
                }
                let secret = v["secretKey"].as_str().unwrap_or_default().to_string();
                if secret.len() < 8 {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidSecretKey",
                        "The secret key is invalid.",
                        path,
                    ));
                }
                if ak == self.root.0 || self.service_accounts.contains_key(&ak) {
                    return Err(jerr(
                        403,
                        "XMinioInvalidIAMCredentials",
                        "The security token included in the request is invalid",
                        path,
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
                let ak = arg("accessKey");
                if !self.users.contains_key(&ak) {
                    return Err(no_user());
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
                let status = arg("status");
                if status != "enabled" && status != "disabled" {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidArgument",
                        "Invalid arguments specified.",
                        path,
                    ));
                }
                let u = self.users.get_mut(&arg("accessKey")).ok_or_else(no_user)?;
                u.status = status;
                Ok((200, None))
            }
            ("DELETE", "remove-user") => {
                let ak = arg("accessKey");
                if self.users.remove(&ak).is_none() {
                    return Err(no_user());
                }
                self.service_accounts.retain(|_, sa| sa.parent != ak);
                for m in self.groups.values_mut() {
                    m.remove(&ak);
                }
                Ok((200, None))
            }
            ("GET", "group") => {
                let g = arg("group");
                let Some(members) = self.groups.get(&g) else {
                    return Err(jerr(
                        404,
                        "XMinioAdminNoSuchGroup",
                        "The specified group does not exist",
                        path,
                    ));
                };
                Ok((
                    200,
                    Some(json!({"name": g, "status": "enabled", "members": members, "policy": ""})),
                ))
            }
            ("PUT", "update-group-members") => {
                let v = parse(body)?;
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
                        return Err(no_user());
                    }
                }
                if remove {
                    let Some(g) = self.groups.get_mut(&group) else {
                        return Err(jerr(
                            404,
                            "XMinioAdminNoSuchGroup",
                            "The specified group does not exist",
                            path,
                        ));
                    };
                    if members.is_empty() {
                        if !g.is_empty() {
                            return Err(jerr(
                                400,
                                "XMinioAdminGroupNotEmpty",
                                "The specified group is not empty - cannot remove it",
                                path,
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
            ("PUT", "add-canned-policy") => {
                let name = arg("name");
                if name.contains(',') {
                    return Err(jerr(
                        400,
                        "PolicyInvalidName",
                        "Policy name may not contain comma",
                        path,
                    ));
                }
                let v = parse(body).map_err(|_| {
                    jerr(
                        400,
                        "XMinioMalformedIAMPolicy",
                        "Policy has invalid format",
                        path,
                    )
                })?;
                if v.get("Version").is_none() {
                    return Err(jerr(
                        400,
                        "MalformedPolicy",
                        "Policy has invalid resource.",
                        path,
                    ));
                }
                self.policies.insert(name, v);
                Ok((200, None))
            }
            ("GET", "info-canned-policy") => {
                let p = self.policies.get(&arg("name")).ok_or_else(|| {
                    jerr(
                        404,
                        "XMinioAdminNoSuchPolicy",
                        "The canned policy does not exist",
                        path,
                    )
                })?;
                if arg("v") == "2" {
                    Ok((
                        200,
                        Some(
                            json!({"PolicyName": arg("name"), "Policy": p, "CreateDate": "2026-11-23T07:00:00Z", "UpdateDate": "2026-11-23T07:00:00Z"}),
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
                let name = arg("name");
                if self.users.values().any(|u| u.policies.contains(&name)) {
                    return Err(jerr(
                        400,
                        "XMinioIAMPolicyInUse",
                        "The policy cannot be removed, as it is in use",
                        path,
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
                    path,
                ))
            }
            ("PUT", "set-user-or-group-policy") => {
                if arg("isGroup") != "false" && arg("isGroup") != "true" {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidArgument",
                        "Invalid arguments specified.",
                        path,
                    ));
                }
                let names: BTreeSet<String> = arg("policyName")
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
                            path,
                        ));
                    }
                }
                let u = self
                    .users
                    .get_mut(&arg("userOrGroup"))
                    .ok_or_else(no_user)?;
                u.policies = names;
                Ok((200, None))
            }
            ("POST", "idp/builtin/policy/attach") | ("POST", "idp/builtin/policy/detach") => {
                let attach = cmd.ends_with("attach");
                let v = parse(body)?;
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
                        path,
                    ));
                }
                for n in &names {
                    if !self.policies.contains_key(n) {
                        return Err(jerr(
                            404,
                            "XMinioAdminNoSuchPolicy",
                            "The canned policy does not exist",
                            path,
                        ));
                    }
                }
                let u = self.users.get_mut(&user).ok_or_else(no_user)?;
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
                        path,
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
            ("PUT", "add-service-account") => {
                let v = parse(body)?;
                let target = match v["targetUser"].as_str() {
                    Some(t) if !self.ignore_target_user => t.to_string(),
                    _ => self.root.0.clone(),
                };
                if target != self.root.0 && !self.users.contains_key(&target) {
                    return Err(no_user());
                }
                let policy = match v.get("policy") {
                    None | Some(Value::Null) => None,
                    Some(p @ Value::Object(_)) => Some(p.clone()),
                    Some(_) => {
                        return Err(jerr(
                            400,
                            "XMinioMalformedIAMPolicy",
                            "Policy has invalid format",
                            path,
                        ));
                    }
                };
                if policy.as_ref().is_some_and(|p| p.to_string().len() > 4096) {
                    return Err(jerr(
                        400,
                        "XMinioIAMServiceAccountSessionPolicyTooLarge",
                        "Session policy should not exceed 4096 characters",
                        path,
                    ));
                }
                let name = v["name"].as_str().unwrap_or_default().to_string();
                if name.len() > 32
                    || (!name.is_empty()
                        && !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
                {
                    return Err(jerr(400, "XMinioInvalidResource", "Invalid resource", path));
                }
                let expiration = match v["expiration"].as_str() {
                    Some(e) => {
                        let t = OffsetDateTime::parse(e, &Rfc3339).map_err(|_| {
                            jerr(400, "XMinioAdminConfigBadJSON", "bad expiration", path)
                        })?;
                        let now = OffsetDateTime::now_utc();
                        if t < now + time::Duration::minutes(15)
                            || t > now + time::Duration::days(365)
                        {
                            return Err(jerr(
                                500,
                                "InternalError",
                                "invalid service account expiration",
                                path,
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
                                path,
                            ));
                        }
                        if self.service_accounts.contains_key(a) || self.users.contains_key(a) {
                            // The real server's code for this was not checked; the SDK reads
                            // the key back by id whatever a repeat is refused with.
                            return Err(jerr(
                                409,
                                "XMinioAdminServiceAccountAlreadyExists",
                                "the access key is already in use",
                                path,
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
                let v = parse(body)?;
                let sa = self
                    .service_accounts
                    .get_mut(&arg("accessKey"))
                    .ok_or_else(no_sa)?;
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
                let ak = arg("accessKey");
                let sa = self.service_accounts.get(&ak).ok_or_else(no_sa)?;
                Ok((200, Some(self.sa_info(&ak, sa, false))))
            }
            ("GET", "list-service-accounts") => {
                let user = arg("user");
                let accounts: Vec<Value> = self
                    .service_accounts
                    .iter()
                    .filter(|(_, sa)| sa.parent == user)
                    .map(|(k, sa)| self.sa_info(k, sa, true))
                    .collect();
                Ok((200, Some(json!({"accounts": accounts}))))
            }
            ("GET", "list-access-keys-bulk") if self.bulk_keys => {
                let list_type = arg("listType");
                if !["users-only", "sts-only", "svcacc-only", "all"].contains(&list_type.as_str()) {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidArgument",
                        "invalid listType",
                        path,
                    ));
                }
                let mut out = serde_json::Map::new();
                for user in arg("users").split('\n').filter(|u| !u.is_empty()) {
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
                path,
            )),
            ("DELETE", "delete-service-account") => {
                self.service_accounts
                    .remove(&arg("accessKey"))
                    .ok_or_else(no_sa)?;
                Ok((204, None))
            }
            ("PUT", "set-bucket-quota") => {
                let b = arg("bucket");
                if !self.s3.buckets.contains_key(&b) {
                    return Err(jerr(
                        404,
                        "NoSuchBucket",
                        "The specified bucket does not exist",
                        path,
                    ));
                }
                let v = parse(body)?;
                let size = v["size"]
                    .as_u64()
                    .or_else(|| v["quota"].as_u64())
                    .unwrap_or(0);
                if size > 0 && v["quotatype"].as_str() != Some("hard") {
                    return Err(jerr(
                        400,
                        "XMinioAdminInvalidArgument",
                        "Invalid arguments specified.",
                        path,
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
                let b = arg("bucket");
                if !self.s3.buckets.contains_key(&b) {
                    return Err(jerr(
                        404,
                        "NoSuchBucket",
                        "The specified bucket does not exist",
                        path,
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
                        path,
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
            _ => Err(jerr(
                426,
                "XMinioAdminVersionMismatch",
                "This 'admin' API is not supported by server in 'mode-server-xl'",
                path,
            )),
        }
    }
}
