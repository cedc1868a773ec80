//! A stateful MinIO server: the S3 part plus `/minio/admin/v3` as described in `minio-admin.md`.
//!
//! Requests are checked for a valid SigV4 signature. Admin bodies MinIO encrypts are decrypted
//! with the caller's secret (a wrong key is `400 XMinioAdminConfigBadJSON`), and answers MinIO
//! encrypts are encrypted with it, by default with algorithm id 0 (Argon2id + AES-GCM, what an x86
//! MinIO server sends). IAM policies are stored and attached but not evaluated on S3 calls.
//! Bucket remote targets for replication are kept as MinIO keeps them (see `remote_targets.rs`):
//! `set-remote-target` encrypted, and a replication configuration must name existing targets.

mod admin;
mod policies;
mod remote_targets;
mod service_accounts;
mod users;

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
    /// What `/minio/health/ready` answers: 200 when true, 503 when false.
    pub ready: bool,
    /// How many `/minio/health/*` probes were received.
    pub health_probes: u64,
    /// Bucket remote targets (`BucketTarget` JSON, secrets included) by source bucket.
    pub remote_targets: BTreeMap<String, Vec<Value>>,
    /// The fake's own `host:port` (a remote target pointing here is checked like MinIO checks
    /// a remote: the target bucket must exist with versioning).
    own_host: String,
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
                ready: true,
                health_probes: 0,
                remote_targets: BTreeMap::new(),
                own_host: String::new(),
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
            st.health_probes += 1;
            return ResponseTemplate::new(if st.ready { 200 } else { 503 });
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
            let q = query(req);
            let bucket = path.trim_start_matches('/');
            if req.method.as_str() == "PUT"
                && q.contains_key("replication")
                && !bucket.contains('/')
                && let Some(refused) =
                    st.check_replication_arns(bucket, &String::from_utf8_lossy(&req.body))
            {
                return refused;
            }
            let answer = st.s3.handle(req);
            // A deleted bucket takes its remote targets along.
            let MinioState {
                s3, remote_targets, ..
            } = &mut *st;
            remote_targets.retain(|b, _| s3.buckets.contains_key(b));
            return answer;
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
        st.own_host = match (req.url.host_str(), req.url.port_or_known_default()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            _ => String::new(),
        };
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
            | "set-remote-target"
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
}
