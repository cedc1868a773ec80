//! A stateful Dell ECS simulator: the Management REST API (port 4443 role) and the S3 data API
//! (port 9020 role) as two local servers sharing one state, following `ecs-and-cloudstack.md`
//! sections 1 and 2.
//!
//! What it reproduces:
//! - Sessions: `GET /login` with HTTP Basic answers `200` and an `X-SDS-AUTH-TOKEN` header; every
//!   other call needs that token (header or cookie). An expired token is answered with a `302`
//!   to `/login` (what a client that does not follow redirects sees), an unknown one with `401`.
//!   At most [`EcsState::max_tokens`] live tokens per user (ECS: 100); the next login is `401`
//!   with code 4000 "Max number of tokens exceeded for this user". `GET /logout` releases one
//!   (`?force=true`: all of the user's).
//! - JSON when the request's `Accept` asks for it, XML otherwise (ECS's default), for errors
//!   and the login answer; error bodies are `{code, description, details, retryable}`.
//! - Namespaces, object users (tags, lock), secret keys (two per user, the second with
//!   `existing_key_expiry_time_mins` expiring the first, "hide secret key" mode with SHA-256
//!   `secret_key_id`s), buckets (create body checks incl. Jackson-style errors for non-boolean
//!   booleans, info with `is_encryption_enabled` as a string, `marker`/`limit` paging, tags,
//!   quota in GB with the documented rules, policy, deactivate refusing a non-empty bucket,
//!   3.8's `emptyBucket=true` with `202` and `empty-bucket-status`), billing (`sizeunit`), nodes.
//! - S3: SigV4-verified with the object users' secret keys (locked users and expired keys are
//!   refused); objects, versioning and listing through [`S3State`]. Bucket ACLs and policies
//!   are not evaluated: any valid, unlocked object user may act on any bucket. Bucket creation over S3 is
//!   not simulated (create buckets through the management API).
//! - The IAM API of ECS 3.6+ (`/iam?Action=...`; see the `iam` module): IAM users, tags,
//!   access keys (two, Active/Inactive), managed policies with versions, attachments; IAM keys
//!   sign S3 requests too (inactive ones are refused), and what they may do is decided by the
//!   user's attached policies (Allow/Deny, `*`/`?` wildcards on common S3 actions and ARNs;
//!   no policy, no access — IAM users own no bucket). Conditions are not evaluated.
//! - Fault injection ([`Fault`]) for the reliability tests.
//!
//! Assumptions where the reference is silent (so a reader can check them): deactivating a
//! namespace that still holds buckets is refused with `400`/1008; a missing entity named in the
//! URL is `404`/1004 and one named in the body is `400`/1004; `NextMarker` is the last id of the
//! page.

mod iam;
mod s3auth;

pub use iam::{IamKey, IamPolicy, IamUser};

use crate::s3::{S3State, xml_error};
use crate::sigv4::{access_key_of, signature_ok};
use base64::Engine as _;
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A namespace.
#[derive(Clone, Debug)]
pub struct Namespace {
    /// Default replication group.
    pub vpool: Option<String>,
    /// D@RE default for new buckets.
    pub encryption: bool,
    /// Default hard quota (GB) of new buckets; -1 for none.
    pub default_bucket_block_size: i64,
    /// Whether reads of possibly stale data are allowed during a site outage.
    pub is_stale_allowed: bool,
    /// Creation time.
    pub created: OffsetDateTime,
}

/// A secret key of an object user.
#[derive(Clone, Debug)]
pub struct SecretKey {
    /// The secret.
    pub secret: String,
    /// Created.
    pub created: OffsetDateTime,
    /// When it stops working (set when a newer key was made with a grace period).
    pub expires: Option<OffsetDateTime>,
}

/// An object user.
#[derive(Clone, Debug)]
pub struct ObjectUser {
    /// Namespace.
    pub namespace: String,
    /// Locked (disabled).
    pub locked: bool,
    /// Created.
    pub created: OffsetDateTime,
    /// Tags (name, value).
    pub tags: Vec<(String, String)>,
    /// Secret keys, oldest first (at most two).
    pub keys: Vec<SecretKey>,
}

/// Management-side data of a bucket (the objects live in [`S3State`]).
#[derive(Clone, Debug)]
pub struct BucketMeta {
    /// Namespace.
    pub namespace: String,
    /// Owner (object user id), if any.
    pub owner: Option<String>,
    /// D@RE.
    pub encryption: bool,
    /// Object lock.
    pub object_lock: bool,
    /// Hard quota in GB (-1 none).
    pub block_size: i64,
    /// Soft quota in GB (-1 none).
    pub notification_size: i64,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// Bucket policy.
    pub policy: Option<Value>,
    /// Created.
    pub created: OffsetDateTime,
    /// Replication group.
    pub vpool: Option<String>,
}

/// A canned failure: the next `times` requests whose path contains `path_contains` (and whose
/// method matches, if given) get this answer instead of the real one.
#[derive(Clone, Debug)]
pub struct Fault {
    /// Method to match, or any.
    pub method: Option<String>,
    /// Substring of the path to match.
    pub path_contains: String,
    /// How many requests it hits.
    pub times: u32,
    /// Status.
    pub status: u16,
    /// Body.
    pub body: String,
    /// Content type.
    pub content_type: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Delay before answering.
    pub delay: Option<Duration>,
    /// Only requests whose query string contains this (e.g. `Action=CreateAccessKey`).
    pub query_contains: Option<String>,
}

impl Fault {
    /// A fault answering `status` with `body` (JSON content type) once.
    pub fn new(path_contains: &str, status: u16, body: &str) -> Self {
        Fault {
            method: None,
            path_contains: path_contains.into(),
            times: 1,
            status,
            body: body.into(),
            content_type: "application/json".into(),
            headers: Vec::new(),
            delay: None,
            query_contains: None,
        }
    }

    /// Only for requests whose query string contains `q` (e.g. `Action=CreateAccessKey`).
    pub fn query(mut self, q: &str) -> Self {
        self.query_contains = Some(q.into());
        self
    }

    /// Only for this method.
    pub fn method(mut self, m: &str) -> Self {
        self.method = Some(m.into());
        self
    }

    /// Hits this many requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }

    /// Adds a header.
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }

    /// Sets the content type.
    pub fn content_type(mut self, ct: &str) -> Self {
        self.content_type = ct.into();
        self
    }

    /// Answers after a delay.
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = Some(d);
        self
    }
}

/// Everything the simulator holds.
#[derive(Debug)]
pub struct EcsState {
    /// Management users: name → password.
    pub mgmt_users: BTreeMap<String, String>,
    /// Live tokens: token → (user, expired).
    pub tokens: BTreeMap<String, (String, bool)>,
    /// Live tokens allowed per user (ECS: 100).
    pub max_tokens: usize,
    /// Logins accepted so far.
    pub logins: u64,
    /// Logouts so far.
    pub logouts: u64,
    /// Answer an expired token with `401` instead of a `302` to `/login`.
    pub expired_as_401: bool,
    /// Namespaces.
    pub namespaces: BTreeMap<String, Namespace>,
    /// Object users by id.
    pub users: BTreeMap<String, ObjectUser>,
    /// Bucket metadata by name.
    pub buckets: BTreeMap<String, BucketMeta>,
    /// IAM users by (namespace, name).
    pub iam_users: BTreeMap<(String, String), IamUser>,
    /// Managed policies by (namespace, name); namespace `""` holds the system policies.
    pub iam_policies: BTreeMap<(String, String), IamPolicy>,
    /// Whether the IAM API answers (ECS 3.6+); off, `/iam` is a bare `404` as on older ECS.
    pub iam_enabled: bool,
    /// The S3 side.
    pub s3: S3State,
    /// "Hide secret key" is on: GETs show no secrets, deletes need `secret_key_id`.
    pub hide_secret_keys: bool,
    /// ECS 3.8+ behaviour: `emptyBucket=true` on deactivate.
    pub empty_bucket_supported: bool,
    /// Polls of `empty-bucket-status` before an emptying task is DONE.
    pub empty_bucket_polls: u32,
    /// Emptying tasks: bucket → (status, polls left).
    pub empty_tasks: BTreeMap<String, (String, u32)>,
    /// Reported version (on `/vdc/nodes`).
    pub version: String,
    /// Pending faults.
    pub faults: VecDeque<Fault>,
    /// The soonest key expiry, if any (when expired keys must be swept).
    pub earliest_expiry: Option<OffsetDateTime>,
    /// Every management call: `METHOD path` (while `record_calls` is on).
    pub calls: Vec<String>,
    /// Whether to keep `calls` (turn off for long runs whose memory is measured).
    pub record_calls: bool,
    seq: u64,
}

impl EcsState {
    fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn drop_expired_keys(&mut self) {
        // Scan only when some key's expiry has passed (a scan per request would make large
        // estates quadratic).
        let now = OffsetDateTime::now_utc();
        if self.earliest_expiry.is_none_or(|e| e > now) {
            return;
        }
        let mut earliest = None;
        for u in self.users.values_mut() {
            u.keys.retain(|k| k.expires.is_none_or(|e| e > now));
            for e in u.keys.iter().filter_map(|k| k.expires) {
                earliest = Some(earliest.map_or(e, |x: OffsetDateTime| x.min(e)));
            }
        }
        self.earliest_expiry = earliest;
    }

    /// Marks every live token expired (as after ECS's 2-hour idle timeout).
    pub fn expire_tokens(&mut self) {
        for t in self.tokens.values_mut() {
            t.1 = true;
        }
    }

    /// Live (unexpired) tokens of a user.
    pub fn live_tokens(&self, user: &str) -> usize {
        self.tokens
            .values()
            .filter(|(u, expired)| u == user && !expired)
            .count()
    }

    /// Adds a bucket owned by object user `owner` in `namespace`, as another tool would make it
    /// (for tests of a shared cluster).
    pub fn add_bucket(&mut self, namespace: &str, name: &str, owner: &str) {
        self.buckets.insert(
            name.into(),
            BucketMeta {
                namespace: namespace.into(),
                owner: Some(owner.into()),
                encryption: false,
                object_lock: false,
                block_size: -1,
                notification_size: -1,
                tags: Vec::new(),
                policy: None,
                created: OffsetDateTime::now_utc(),
                vpool: None,
            },
        );
        self.s3
            .buckets
            .insert(name.into(), crate::s3::Bucket::default());
    }

    /// Adds an object user with one secret key (for S3 credentials in tests).
    pub fn add_object_user(&mut self, namespace: &str, uid: &str, secret: &str) {
        self.namespaces
            .entry(namespace.into())
            .or_insert_with(|| Namespace {
                vpool: None,
                encryption: false,
                default_bucket_block_size: -1,
                is_stale_allowed: false,
                created: OffsetDateTime::now_utc(),
            });
        self.users.insert(
            uid.into(),
            ObjectUser {
                namespace: namespace.into(),
                locked: false,
                created: OffsetDateTime::now_utc(),
                tags: Vec::new(),
                keys: vec![SecretKey {
                    secret: secret.into(),
                    created: OffsetDateTime::now_utc(),
                    expires: None,
                }],
            },
        );
    }
}

/// The simulator: the management server, the S3 server and their shared state.
#[derive(Debug)]
pub struct EcsSimulator {
    /// Management API (`/login`, `/object/...`, `/vdc/...`).
    pub mgmt: MockServer,
    /// S3 data API.
    pub s3: MockServer,
    state: Arc<Mutex<EcsState>>,
}

#[derive(Clone)]
struct MgmtResponder(Arc<Mutex<EcsState>>);
#[derive(Clone)]
struct S3Responder(Arc<Mutex<EcsState>>);

fn lock(s: &Arc<Mutex<EcsState>>) -> MutexGuard<'_, EcsState> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

impl EcsSimulator {
    /// Starts a simulator with one System Admin management user.
    pub async fn start(user: &str, password: &str) -> EcsSimulator {
        let mut mgmt_users = BTreeMap::new();
        mgmt_users.insert(user.to_string(), password.to_string());
        let state = Arc::new(Mutex::new(EcsState {
            mgmt_users,
            tokens: BTreeMap::new(),
            max_tokens: 100,
            logins: 0,
            logouts: 0,
            expired_as_401: false,
            namespaces: BTreeMap::new(),
            users: BTreeMap::new(),
            buckets: BTreeMap::new(),
            iam_users: BTreeMap::new(),
            iam_policies: iam::system_policies(),
            iam_enabled: true,
            s3: S3State::new(true, "x-emc-empty-bucket"),
            hide_secret_keys: false,
            empty_bucket_supported: true,
            empty_bucket_polls: 2,
            empty_tasks: BTreeMap::new(),
            version: "3.8.0.1".into(),
            faults: VecDeque::new(),
            earliest_expiry: None,
            calls: Vec::new(),
            record_calls: true,
            seq: 0,
        }));
        // wiremock's own request journal would grow with every call: off (see `calls`).
        let mgmt = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(MgmtResponder(state.clone()))
            .mount(&mgmt)
            .await;
        let s3 = MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(S3Responder(state.clone()))
            .mount(&s3)
            .await;
        EcsSimulator { mgmt, s3, state }
    }

    /// The state (lock held while the guard lives).
    pub fn state(&self) -> MutexGuard<'_, EcsState> {
        lock(&self.state)
    }

    /// An S3 client of the simulator's S3 side signing with `key` (no retries: a refusal
    /// surfaces at once).
    pub fn s3_client(&self, key: &s3aas_core::model::NewAccessKey) -> s3aas_http::S3Client {
        use s3aas_http::{HttpClient, HttpConfig, RetryConfig, S3Client, SigV4Signer};
        S3Client::new(
            "ecs",
            HttpClient::new("ecs", HttpConfig::new().retry(RetryConfig::disabled()))
                .expect("a plain HTTP client builds"),
            url::Url::parse(&self.s3.uri()).expect("the simulator's URL parses"),
            SigV4Signer::new(
                key.key.access_key_id.clone(),
                key.secret_access_key.clone(),
                "us-east-1",
            ),
        )
    }

    /// Queues a fault.
    pub fn inject(&self, f: Fault) {
        self.state().faults.push_back(f);
    }

    /// An object seeder for the conformance suite that writes as ECS lets it: each call signed
    /// by the bucket's owner (with the owner's first secret key).
    pub fn seeder(&self) -> EcsSeeder {
        EcsSeeder {
            state: self.state.clone(),
            s3: url::Url::parse(&self.s3.uri()).expect("the simulator's URL parses"),
        }
    }
}

/// Seeds buckets through the simulator's S3 side, signed by each bucket's owner.
#[derive(Debug, Clone)]
pub struct EcsSeeder {
    state: Arc<Mutex<EcsState>>,
    s3: url::Url,
}

impl EcsSeeder {
    fn owner_client(&self, bucket: &str) -> s3aas_core::Result<s3aas_http::S3Client> {
        use s3aas_http::{HttpClient, HttpConfig, S3Client, SigV4Signer};
        let (owner, secret) = {
            let st = lock(&self.state);
            let owner = st
                .buckets
                .get(bucket)
                .and_then(|m| m.owner.clone())
                .ok_or_else(|| {
                    s3aas_core::Error::not_found(s3aas_core::ResourceKind::Bucket, bucket)
                })?;
            let secret = st
                .users
                .get(&owner)
                .and_then(|u| u.keys.first())
                .map(|k| k.secret.clone())
                .ok_or_else(|| {
                    s3aas_core::Error::new(
                        s3aas_core::ErrorKind::Unsupported,
                        format!(
                            "the owner {owner} of bucket {bucket} has no secret key to seed with"
                        ),
                    )
                })?;
            (owner, secret)
        };
        Ok(S3Client::new(
            "ecs",
            HttpClient::new("ecs", HttpConfig::new())?,
            self.s3.clone(),
            SigV4Signer::new(owner, s3aas_core::SecretString::from(secret), "us-east-1"),
        ))
    }
}

#[async_trait::async_trait]
impl s3aas_testkit::ObjectSeeder for EcsSeeder {
    async fn put_object(
        &self,
        _instance: &str,
        bucket: &str,
        key: &str,
        data: Vec<u8>,
    ) -> s3aas_core::Result<()> {
        self.owner_client(bucket)?
            .put_object(bucket, key, data.into(), &[])
            .await
            .map(drop)
    }

    async fn empty_bucket(&self, _instance: &str, bucket: &str) -> s3aas_core::Result<()> {
        self.owner_client(bucket)?.empty_bucket(bucket).await
    }
}

fn now_str() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn wants_json(req: &Request) -> bool {
    req.headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("json"))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn to_xml(name: &str, v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in m {
                to_xml(k, v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(a) => {
            for v in a {
                to_xml(name, v, out);
            }
        }
        Value::Null => out.push_str(&format!("<{name}/>")),
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", xml_escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

struct Ctx<'a> {
    json: bool,
    req: &'a Request,
}

impl Ctx<'_> {
    fn ok(&self, body: Value) -> ResponseTemplate {
        self.status(200, "root", body)
    }

    fn status(&self, status: u16, root: &str, body: Value) -> ResponseTemplate {
        let id = format!("ecs-req-{}", rand_hex(6));
        let r = ResponseTemplate::new(status).insert_header("x-emc-request-id", id.as_str());
        if self.json {
            r.set_body_raw(body.to_string(), "application/json")
        } else {
            let mut s =
                String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>");
            to_xml(root, &body, &mut s);
            r.set_body_raw(s, "application/xml")
        }
    }

    fn err(&self, status: u16, code: u32, description: &str, details: &str) -> ResponseTemplate {
        self.status(
            status,
            "error",
            json!({"code": code, "description": description, "details": details, "retryable": false}),
        )
    }

    fn not_found_url(&self, what: &str) -> ResponseTemplate {
        self.err(
            404,
            1004,
            "Unable to find entity specified in URL",
            &format!("{what} not found"),
        )
    }

    fn not_found_param(&self, what: &str) -> ResponseTemplate {
        self.err(
            400,
            1004,
            "The request parameter cannot be found",
            &format!("{what} not found"),
        )
    }

    fn invalid(&self, details: &str) -> ResponseTemplate {
        self.err(400, 1008, "Parameter was provided but invalid", details)
    }

    #[allow(clippy::result_large_err)] // the error is the answer to send, built once per request
    fn body(&self) -> Result<Value, ResponseTemplate> {
        if self.req.body.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice(&self.req.body).map_err(|e| {
            self.err(
                400,
                1013,
                "Bad request body",
                &format!("Unable to parse the request body: {e}"),
            )
        })
    }

    /// A boolean query parameter as ECS reads it: `true`/`false` in any case (python-ecsclient
    /// sends `True`); anything else is a 400.
    #[allow(clippy::result_large_err)]
    fn qbool(&self, k: &str) -> Result<Option<bool>, ResponseTemplate> {
        match self.q(k) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(self.invalid(&format!("Invalid value {v} for boolean parameter {k}"))),
        }
    }

    fn q(&self, k: &str) -> Option<String> {
        self.req
            .url
            .query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.into_owned())
    }
}

/// Tags a bucket can carry (Dell's spec for `POST /object/bucket/{b}/tags`).
pub const MAX_BUCKET_TAGS: usize = 10;

fn rand_hex(n: usize) -> String {
    use rand::Rng;
    let mut r = rand::thread_rng();
    (0..n).map(|_| format!("{:02x}", r.r#gen::<u8>())).collect()
}

fn new_secret() -> String {
    use rand::Rng;
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut r = rand::thread_rng();
    (0..40)
        .map(|_| ALPHA[r.gen_range(0..ALPHA.len())] as char)
        .collect()
}

fn key_id(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// A strict boolean as Jackson reads it: true/false or "true"/"false"; anything else is an error.
fn strict_bool(v: Option<&Value>, field: &str) -> Result<Option<bool>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(other) => Err(format!(
            "Cannot deserialize value of type `boolean` from {other} for field \"{field}\" (through reference chain: com.emc.storageos.objcontrol.object.ObjectBucketParam[\"{field}\"])"
        )),
    }
}

/// A whole number as Jackson reads it: a JSON integer or a numeric string (scalar coercion);
/// anything else (`"abc"`, `1.5`, `true`) is a deserialisation error, which ECS answers with 400.
fn strict_int(v: Option<&Value>, field: &str) -> Result<Option<i64>, String> {
    let bad = |other: &Value| {
        format!(
            "Cannot deserialize value of type `long` from {other} for field \"{field}\": not a valid representation"
        )
    };
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(n @ Value::Number(x)) => x.as_i64().map(Some).ok_or_else(|| bad(n)),
        Some(s @ Value::String(x)) => x.trim().parse().map(Some).map_err(|_| bad(s)),
        Some(other) => Err(bad(other)),
    }
}

/// A list of `{<key>: .., <value>: ..}` tag objects (`name`/`value` on users, `Key`/`Value` on
/// buckets) as pairs; entries without a key are skipped.
fn tag_list(v: &Value, key: &str, value: &str) -> Vec<(String, String)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    Some((
                        t[key].as_str()?.to_string(),
                        t[value].as_str().unwrap_or("").to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn valid_mgmt_bucket_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() < 255
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
}

impl Respond for MgmtResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = lock(&self.0);
        let path = req.url.path().to_string();
        let method = req.method.as_str().to_string();
        if st.record_calls {
            st.calls.push(format!("{method} {path}"));
        }
        if let Some(i) = st.faults.iter().position(|f| {
            path.contains(&f.path_contains)
                && f.method.as_ref().is_none_or(|m| *m == method)
                && f.query_contains
                    .as_ref()
                    .is_none_or(|q| req.url.query().unwrap_or_default().contains(q.as_str()))
        }) {
            let f = st.faults[i].clone();
            if f.times <= 1 {
                st.faults.remove(i);
            } else {
                st.faults[i].times -= 1;
            }
            let mut r = ResponseTemplate::new(f.status)
                .set_body_raw(f.body.clone(), f.content_type.as_str());
            for (k, v) in &f.headers {
                r = r.insert_header(k.as_str(), v.as_str());
            }
            if let Some(d) = f.delay {
                r = r.set_delay(d);
            }
            return r;
        }
        let c = Ctx {
            json: wants_json(req),
            req,
        };
        if path == "/login" {
            return login(&mut st, &c);
        }
        // Every other call needs a live token.
        let token = req
            .headers
            .get("x-sds-auth-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| {
                req.headers
                    .get("cookie")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|c| {
                        c.split(';')
                            .find_map(|p| p.trim().strip_prefix("X-SDS-AUTH-TOKEN="))
                            .map(str::to_string)
                    })
            });
        let user = match token.as_ref().and_then(|t| st.tokens.get(t).cloned()) {
            Some((_, true)) if !st.expired_as_401 => {
                // The Host header carries the port the client used (the request URL the mock
                // server builds does not), and ECS redirects to the same host and port.
                let host = req
                    .headers
                    .get("host")
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_string)
                    .unwrap_or_else(|| req.url.authority().to_string());
                let base = format!("{}://{host}", req.url.scheme());
                return ResponseTemplate::new(302).insert_header(
                    "location",
                    format!("{base}/login?using-cookies=true").as_str(),
                );
            }
            Some((u, false)) => u,
            _ => {
                return c.err(
                    401,
                    4000,
                    "Invalid credentials",
                    "Authentication is required or the token is invalid or expired",
                );
            }
        };
        if path == "/iam" || path == "/iam/" {
            return iam::handle(&mut st, &c);
        }
        if path == "/logout" {
            let force = match c.qbool("force") {
                Ok(f) => f.unwrap_or(false),
                Err(r) => return r,
            };
            if force {
                st.tokens.retain(|_, (u, _)| *u != user);
            } else if let Some(t) = &token {
                st.tokens.remove(t);
            }
            st.logouts += 1;
            return c.ok(json!({"user": user}));
        }
        st.drop_expired_keys();
        let segs: Vec<String> = path
            .trim_start_matches('/')
            .split('/')
            .map(|s| {
                url::form_urlencoded::parse(s.as_bytes())
                    .map(|(k, v)| {
                        if v.is_empty() {
                            k.into_owned()
                        } else {
                            format!("{k}={v}")
                        }
                    })
                    .collect::<String>()
            })
            .collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        route(&mut st, &c, &method, &segs, &user)
    }
}

fn login(st: &mut EcsState, c: &Ctx<'_>) -> ResponseTemplate {
    let creds = c
        .req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(u, p)| (u.to_string(), p.to_string()))
        });
    let Some((user, pass)) = creds else {
        return c.err(
            401,
            4000,
            "Invalid credentials",
            "Missing HTTP Basic credentials",
        );
    };
    if st.mgmt_users.get(&user) != Some(&pass) {
        return c.err(
            401,
            4000,
            "Invalid credentials",
            "Invalid username or password",
        );
    }
    if st.live_tokens(&user) >= st.max_tokens {
        return c.err(
            401,
            4000,
            "Invalid credentials",
            "Max number of tokens exceeded for this user",
        );
    }
    let token = format!("BAAc{}", rand_hex(24));
    st.tokens.insert(token.clone(), (user.clone(), false));
    st.logins += 1;
    c.status(200, "loggedIn", json!({"user": user}))
        .insert_header("x-sds-auth-token", token.as_str())
        .insert_header(
            "set-cookie",
            format!("X-SDS-AUTH-TOKEN={token}; Path=/; Secure; HttpOnly").as_str(),
        )
}

fn page<'a, T: 'a>(
    items: impl Iterator<Item = (&'a String, T)>,
    marker: Option<&str>,
    limit: usize,
) -> (Vec<(&'a String, T)>, Option<String>) {
    let mut out = Vec::new();
    let mut next = None;
    for (k, v) in items {
        if marker.is_some_and(|m| k.as_str() <= m) {
            continue;
        }
        if out.len() == limit {
            next = out.last().map(|(k, _): &(&String, T)| (*k).clone());
            break;
        }
        out.push((k, v));
    }
    (out, next)
}

fn limit_of(c: &Ctx<'_>) -> usize {
    c.q("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l: &usize| *l > 0)
        .unwrap_or(1000)
        .min(10_000)
}

fn bucket_info(st: &EcsState, name: &str, m: &BucketMeta) -> Value {
    let versioning = match st.s3.buckets.get(name).and_then(|b| b.versioning) {
        None => "",
        Some(true) => "Enabled",
        Some(false) => "Suspended",
    };
    json!({
        "name": name,
        "id": format!("{}.{name}", m.namespace),
        "link": {"rel": "self", "href": format!("/object/bucket/{name}/info")},
        "namespace": m.namespace,
        "owner": m.owner.clone().unwrap_or_default(),
        "created": fmt_time(m.created),
        "vpool": m.vpool.clone().unwrap_or_else(|| "urn:storageos:ReplicationGroupInfo:sim-rg:global".into()),
        "fs_access_enabled": false,
        "locked": false,
        "softquota": "-1",
        // ECS answers this boolean as a string.
        "is_encryption_enabled": if m.encryption { "true" } else { "false" },
        "is_object_lock_enabled": m.object_lock,
        "is_stale_allowed": false,
        "is_tso_read_only": false,
        "block_size": m.block_size,
        "notification_size": m.notification_size,
        "blockSizeInCount": -1,
        "notificationSizeInCount": -1,
        "api_type": "S3",
        "TagSet": m.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
        "versioning_status": versioning,
        "default_retention": 0,
        "is_empty_bucket_in_progress": st.empty_tasks.get(name).is_some_and(|(s, _)| s != "DONE"),
    })
}

fn route(st: &mut EcsState, c: &Ctx<'_>, method: &str, s: &[&str], user: &str) -> ResponseTemplate {
    match (method, s) {
        ("GET", ["user", "whoami"]) => c.ok(json!({
            "common_name": user,
            "distinguished_name": format!("{user}@sim"),
            "namespace": "",
            "roles": ["SYSTEM_ADMIN"],
        })),
        ("GET", ["vdc", "nodes"]) => c.ok(json!({"node": [
            {"ip": "127.0.0.1", "nodename": "sim-node-1", "nodeid": "sim-node-1", "rackId": "red", "version": st.version, "isLocal": true},
            {"ip": "127.0.0.2", "nodename": "sim-node-2", "nodeid": "sim-node-2", "rackId": "red", "version": st.version, "isLocal": false},
        ]})),
        ("GET", ["vdc", "data-service", "vpools"]) => c.ok(json!({"data_service_vpool": [
            {"id": "urn:storageos:ReplicationGroupInfo:sim-rg:global", "name": "sim-rg", "description": "simulated", "isAllowAllNamespaces": true, "isFullRep": false, "inactive": false}
        ]})),
        ("GET", ["object", "capacity"]) => c.ok(json!({"totalProvisioned_gb": 1024, "totalFree_gb": 1000})),
        // Namespaces.
        ("GET", ["object", "namespaces"]) => {
            let limit = limit_of(c);
            let prefix = c.q("name").map(|n| n.trim_end_matches('*').to_string());
            let marker = c.q("marker");
            let (items, next) = page(
                st.namespaces
                    .iter()
                    .filter(|(n, _)| prefix.as_deref().is_none_or(|p| n.starts_with(p))),
                marker.as_deref(),
                limit,
            );
            let mut body = json!({
                "namespace": items.iter().map(|(n, _)| json!({"id": n, "name": n, "link": {"rel": "self", "href": format!("/object/namespaces/namespace/{n}")}})).collect::<Vec<_>>(),
                "MaxNamespaces": limit,
                "Filter": prefix.map(|p| format!("name={p}*")).unwrap_or_default(),
            });
            if let Some(n) = next {
                body["NextMarker"] = json!(n);
                body["NextPageLink"] = json!(format!("/object/namespaces?marker={n}&limit={limit}"));
            }
            c.ok(body)
        }
        ("GET", ["object", "namespaces", "namespace", ns]) => match st.namespaces.get(*ns) {
            None => c.not_found_url(&format!("Namespace {ns}")),
            Some(n) => c.ok(json!({
                "id": ns, "name": ns,
                "default_data_services_vpool": n.vpool.clone().unwrap_or_default(),
                "allowed_vpools_list": [], "disallowed_vpools_list": [],
                "namespace_admins": "",
                "is_encryption_enabled": if n.encryption { "true" } else { "false" },
                "default_bucket_block_size": n.default_bucket_block_size,
                "is_stale_allowed": n.is_stale_allowed,
                "is_compliance_enabled": false,
                "inactive": false, "global": true, "remote": false,
                "creation_time": n.created.unix_timestamp() * 1000,
                "link": {"rel": "self", "href": format!("/object/namespaces/namespace/{ns}")},
            })),
        },
        ("POST", ["object", "namespaces", "namespace"]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let Some(name) = b["namespace"].as_str().filter(|n| !n.is_empty()) else {
                return c.err(400, 1005, "Required parameter is missing or empty", "namespace");
            };
            if name.contains('.') || name.contains('/') {
                return c.invalid(&format!("Namespace name {name} contains an invalid character"));
            }
            if st.namespaces.contains_key(name) {
                return c.err(400, 1015, "Resource already exists", &format!("Namespace {name} already exists"));
            }
            let fields = (
                strict_bool(b.get("is_encryption_enabled"), "is_encryption_enabled"),
                strict_bool(b.get("is_stale_allowed"), "is_stale_allowed"),
                strict_int(b.get("default_bucket_block_size"), "default_bucket_block_size"),
            );
            let (enc, stale, block) = match fields {
                (Ok(e), Ok(s), Ok(bs)) => (e.unwrap_or(false), s.unwrap_or(false), bs.unwrap_or(-1)),
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                    return c.err(400, 1013, "Bad request body", &e);
                }
            };
            st.namespaces.insert(
                name.to_string(),
                Namespace {
                    vpool: b["default_data_services_vpool"].as_str().map(str::to_string),
                    encryption: enc,
                    default_bucket_block_size: block,
                    is_stale_allowed: stale,
                    created: OffsetDateTime::now_utc(),
                },
            );
            c.ok(json!({"id": name, "name": name, "link": {"rel": "self", "href": format!("/object/namespaces/namespace/{name}")}}))
        }
        ("PUT", ["object", "namespaces", "namespace", ns]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let Some(n) = st.namespaces.get_mut(*ns) else {
                return c.not_found_url(&format!("Namespace {ns}"));
            };
            // Only the fields sent change; the others (default bucket quota, stale reads, ...)
            // keep their values.
            // "You cannot edit the Name, Server-side Encryption, or Compliance fields after the
            // namespace has been created" (ECS Admin Guide, "Edit a namespace").
            match strict_bool(b.get("is_encryption_enabled"), "is_encryption_enabled") {
                Ok(Some(e)) if e != n.encryption => {
                    return c.invalid(&format!("Server-side encryption of namespace {ns} cannot be changed after creation"));
                }
                Ok(_) => {}
                Err(e) => return c.err(400, 1013, "Bad request body", &e),
            }
            match strict_bool(b.get("is_stale_allowed"), "is_stale_allowed") {
                Ok(Some(v)) => n.is_stale_allowed = v,
                Ok(None) => {}
                Err(e) => return c.err(400, 1013, "Bad request body", &e),
            }
            match strict_int(b.get("default_bucket_block_size"), "default_bucket_block_size") {
                Ok(Some(v)) => n.default_bucket_block_size = v,
                Ok(None) => {}
                Err(e) => return c.err(400, 1013, "Bad request body", &e),
            }
            if let Some(v) = b["default_data_services_vpool"].as_str() {
                n.vpool = Some(v.into());
            }
            ResponseTemplate::new(200)
        }
        ("POST", ["object", "namespaces", "namespace", ns, "deactivate"]) => {
            if !st.namespaces.contains_key(*ns) {
                return c.not_found_url(&format!("Namespace {ns}"));
            }
            if st.buckets.values().any(|b| b.namespace == *ns) {
                return c.invalid(&format!("Namespace {ns} still has buckets"));
            }
            st.namespaces.remove(*ns);
            st.users.retain(|_, u| u.namespace != *ns);
            ResponseTemplate::new(200)
        }
        // Object users.
        ("POST", ["object", "users"]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let (Some(uid), Some(ns)) = (b["user"].as_str(), b["namespace"].as_str()) else {
                return c.err(400, 1005, "Required parameter is missing or empty", "user and namespace are required");
            };
            if !st.namespaces.contains_key(ns) {
                return c.not_found_param(&format!("Namespace {ns}"));
            }
            if uid.is_empty() || uid.len() > 255 || !uid.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.@".contains(ch)) {
                return c.invalid(&format!("Invalid user name {uid}"));
            }
            if st.users.contains_key(uid) {
                return c.err(400, 1015, "Resource already exists", &format!("User {uid} already exists"));
            }
            let tags = tag_list(&b["tags"], "name", "value");
            st.users.insert(
                uid.to_string(),
                ObjectUser {
                    namespace: ns.to_string(),
                    locked: false,
                    created: OffsetDateTime::now_utc(),
                    tags,
                    keys: Vec::new(),
                },
            );
            c.ok(json!({"link": {"rel": "self", "href": format!("/object/user-secret-keys/{uid}")}}))
        }
        ("GET", ["object", "users"]) => user_list(st, c, None),
        ("POST", ["object", "users", "deactivate"]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let uid = b["user"].as_str().unwrap_or_default();
            match st.users.get(uid) {
                Some(u) if b["namespace"].as_str().is_none_or(|ns| ns == u.namespace) => {
                    st.users.remove(uid);
                    ResponseTemplate::new(200)
                }
                _ => c.not_found_param(&format!("User {uid}")),
            }
        }
        ("PUT", ["object", "users", "lock"]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let uid = b["user"].as_str().unwrap_or_default();
            let locked = match strict_bool(b.get("isLocked"), "isLocked") {
                Ok(Some(l)) => l,
                Ok(None) => return c.err(400, 1005, "Required parameter is missing or empty", "isLocked"),
                Err(e) => return c.err(400, 1013, "Bad request body", &e),
            };
            match st.users.get_mut(uid) {
                Some(u) => {
                    u.locked = locked;
                    ResponseTemplate::new(200)
                }
                None => c.not_found_param(&format!("User {uid}")),
            }
        }
        ("GET", ["object", "users", "lock", uid, ..]) => match st.users.get(*uid) {
            Some(u) => c.ok(json!({"user_name": uid, "isLocked": u.locked})),
            None => c.not_found_url(&format!("User {uid}")),
        },
        // User tags (Dell's spec: GET lists, POST appends, PUT updates existing, DELETE removes).
        (m @ ("GET" | "POST" | "PUT" | "DELETE"), ["object", "users", uid, "tags"]) => {
            let b = if m == "GET" {
                json!({})
            } else {
                match c.body() {
                    Ok(b) => b,
                    Err(r) => return r,
                }
            };
            let ns = c.q("namespace").or_else(|| b["namespace"].as_str().map(str::to_string));
            let Some(u) = st.users.get_mut(*uid).filter(|u| ns.as_deref().is_none_or(|n| n == u.namespace)) else {
                return c.not_found_url(&format!("User {uid}"));
            };
            let given = tag_list(&b["tags"], "name", "value");
            match m {
                "GET" => {
                    return c.ok(json!({"tags": u.tags.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>()}));
                }
                "POST" => {
                    if let Some((k, _)) = given.iter().find(|(k, _)| u.tags.iter().any(|(x, _)| x == k)) {
                        return c.invalid(&format!("Tag {k} already exists on user {uid}"));
                    }
                    u.tags.extend(given);
                }
                "PUT" => {
                    for (k, v) in given {
                        let Some(slot) = u.tags.iter_mut().find(|(x, _)| *x == k) else {
                            return c.invalid(&format!("Tag {k} does not exist on user {uid}"));
                        };
                        slot.1 = v;
                    }
                }
                _ => {
                    if let Some((k, _)) = given.iter().find(|(k, _)| !u.tags.iter().any(|(x, _)| x == k)) {
                        return c.invalid(&format!("Tag {k} does not exist on user {uid}"));
                    }
                    u.tags.retain(|(x, _)| !given.iter().any(|(k, _)| k == x));
                }
            }
            ResponseTemplate::new(200)
        }
        ("GET", ["object", "users", uid, "info"]) => {
            let ns = c.q("namespace");
            match st.users.get(*uid) {
                Some(u) if ns.as_deref().is_none_or(|n| n == u.namespace) => c.ok(json!({
                    "name": uid,
                    "namespace": u.namespace,
                    "locked": u.locked,
                    "created": fmt_time(u.created),
                    "tag": u.tags.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
                })),
                _ => c.not_found_url(&format!("User {uid}")),
            }
        }
        ("GET", ["object", "users", ns]) => user_list(st, c, Some(ns)),
        // Secret keys.
        ("POST", ["object", "user-secret-keys", uid]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let hide = st.hide_secret_keys;
            let Some(u) = st.users.get_mut(*uid) else {
                return c.not_found_url(&format!("User {uid}"));
            };
            if b["namespace"].as_str().is_some_and(|ns| ns != u.namespace) {
                return c.not_found_url(&format!("User {uid}"));
            }
            if u.keys.len() >= 2 {
                return c.invalid(&format!("User {uid} already has 2 valid keys"));
            }
            let grace = match strict_int(b.get("existing_key_expiry_time_mins"), "existing_key_expiry_time_mins") {
                Ok(g) => g,
                Err(e) => return c.err(400, 1013, "Bad request body", &e),
            };
            let now = OffsetDateTime::now_utc();
            let mut expiry = None;
            if let (Some(m), Some(old)) = (grace, u.keys.last_mut()) {
                let at = now + time::Duration::minutes(m.max(0));
                old.expires = Some(at);
                expiry = Some(at);
            }
            let secret = b["secretkey"].as_str().map(str::to_string).unwrap_or_else(new_secret);
            u.keys.push(SecretKey {
                secret: secret.clone(),
                created: now,
                expires: None,
            });
            u.keys.retain(|k| k.expires.is_none_or(|e| e > now));
            let mut body = json!({
                "secret_key": secret,
                "key_timestamp": fmt_time(now),
                "key_expiry_timestamp": "",
                "link": {"rel": "self", "href": format!("/object/user-secret-keys/{uid}")},
            });
            if hide {
                body["secret_key_id"] = json!(key_id(&secret));
            }
            if let Some(at) = expiry {
                st.earliest_expiry = Some(st.earliest_expiry.map_or(at, |e| e.min(at)));
            }
            c.ok(body)
        }
        ("GET", ["object", "user-secret-keys", uid, rest @ ..]) if rest.len() <= 1 => {
            let hide = st.hide_secret_keys;
            let Some(u) = st.users.get(*uid) else {
                return c.not_found_url(&format!("User {uid}"));
            };
            if rest.first().is_some_and(|ns| *ns != u.namespace) {
                return c.not_found_url(&format!("User {uid}"));
            }
            let mut body = json!({"link": {"rel": "self", "href": format!("/object/user-secret-keys/{uid}")}});
            for i in 0..2 {
                let n = i + 1;
                match u.keys.get(i) {
                    Some(k) => {
                        body[format!("secret_key_{n}")] = json!(if hide { "" } else { k.secret.as_str() });
                        body[format!("secret_key_{n}_exist")] = json!(true);
                        body[format!("key_timestamp_{n}")] = json!(fmt_time(k.created));
                        body[format!("key_expiry_timestamp_{n}")] =
                            json!(k.expires.map(fmt_time).unwrap_or_default());
                        if hide {
                            body[format!("secret_key_{n}_id")] = json!(key_id(&k.secret));
                        }
                    }
                    None => {
                        body[format!("secret_key_{n}")] = json!("");
                        body[format!("secret_key_{n}_exist")] = json!(false);
                        body[format!("key_timestamp_{n}")] = json!("");
                        body[format!("key_expiry_timestamp_{n}")] = json!("");
                    }
                }
            }
            c.ok(body)
        }
        ("POST", ["object", "user-secret-keys", uid, "deactivate"]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let hide = st.hide_secret_keys;
            let Some(u) = st.users.get_mut(*uid) else {
                return c.not_found_url(&format!("User {uid}"));
            };
            match (b["secret_key"].as_str(), b["secret_key_id"].as_str()) {
                (Some(_), None) if hide => c.invalid("secret_key_id is required when secret keys are hidden"),
                (Some(s), _) => {
                    let before = u.keys.len();
                    u.keys.retain(|k| k.secret != s);
                    if u.keys.len() == before {
                        return c.not_found_param("Secret key");
                    }
                    ResponseTemplate::new(200)
                }
                (None, Some(id)) => {
                    let before = u.keys.len();
                    u.keys.retain(|k| key_id(&k.secret) != id);
                    if u.keys.len() == before {
                        return c.not_found_param("Secret key id");
                    }
                    ResponseTemplate::new(200)
                }
                (None, None) => {
                    u.keys.clear();
                    ResponseTemplate::new(200)
                }
            }
        }
        // Buckets.
        ("POST", ["object", "bucket"]) => create_bucket(st, c),
        ("GET", ["object", "bucket"]) => {
            let ns = c.q("namespace");
            if let Some(n) = &ns {
                if !st.namespaces.contains_key(n) {
                    return c.not_found_param(&format!("Namespace {n}"));
                }
            }
            let limit = limit_of(c);
            let prefix = c.q("name").map(|n| n.trim_end_matches('*').to_string());
            let marker = c.q("marker");
            let (items, next) = page(
                st.buckets.iter().filter(|(n, m)| {
                    ns.as_deref().is_none_or(|x| m.namespace == x)
                        && prefix.as_deref().is_none_or(|p| n.starts_with(p))
                }),
                marker.as_deref(),
                limit,
            );
            let list: Vec<Value> = items.iter().map(|(n, m)| bucket_info(st, n, m)).collect();
            let mut body = json!({"object_bucket": list, "MaxBuckets": limit, "Filter": ""});
            if let Some(n) = next {
                body["NextMarker"] = json!(n);
            }
            c.ok(body)
        }
        (_, ["object", "bucket", b, rest @ ..]) => bucket_route(st, c, method, b, rest),
        // Billing.
        ("GET", ["object", "billing", "buckets", ns, b, "info"]) => {
            let Some(m) = st.buckets.get(*b).filter(|m| m.namespace == *ns) else {
                return c.not_found_url(&format!("Bucket {b}"));
            };
            let (bytes, objects) = st.s3.buckets.get(*b).map(|x| x.usage()).unwrap_or((0, 0));
            let unit = c.q("sizeunit").unwrap_or_else(|| "GB".into());
            let div: f64 = match unit.as_str() {
                "BYTE" => 1.0,
                "KB" => 1024.0,
                "MB" => 1024.0 * 1024.0,
                "GB" => 1024.0 * 1024.0 * 1024.0,
                _ => return c.invalid(&format!("Invalid sizeunit {unit}")),
            };
            // KB, MB and GB are binary units (KiB, MiB, GiB) and sizes are JSON numbers.
            let size = bytes as f64 / div;
            c.ok(json!({
                "name": b, "namespace": ns,
                "vpool_id": m.vpool.clone().unwrap_or_else(|| "urn:storageos:ReplicationGroupInfo:sim-rg:global".into()),
                "total_size": if unit == "BYTE" { json!(bytes) } else { json!(size) },
                "total_size_unit": unit,
                "total_objects": objects,
                "sample_time": now_str(),
                "uptodate_till": now_str(),
                "total_mpu_size": 0, "total_mpu_parts": 0,
                "Tag": [],
            }))
        }
        ("GET", ["object", "billing", "namespace", ns, "info"]) => {
            if !st.namespaces.contains_key(*ns) {
                return c.not_found_url(&format!("Namespace {ns}"));
            }
            let unit = c.q("sizeunit").unwrap_or_else(|| "GB".into());
            let div: f64 = match unit.as_str() {
                "BYTE" => 1.0,
                "KB" => 1024.0,
                "MB" => 1024.0 * 1024.0,
                "GB" => 1024.0 * 1024.0 * 1024.0,
                _ => return c.invalid(&format!("Invalid sizeunit {unit}")),
            };
            let (mut bytes, mut objects) = (0u64, 0u64);
            let mut detail = Vec::new();
            for (n, m) in st.buckets.iter().filter(|(_, m)| m.namespace == *ns) {
                let (b, o) = st.s3.buckets.get(n).map(|x| x.usage()).unwrap_or((0, 0));
                bytes += b;
                objects += o;
                let _ = m;
                detail.push(json!({"name": n, "namespace": ns, "total_size": b, "total_size_unit": "BYTE", "total_objects": o}));
            }
            let mut body = json!({
                "namespace": ns,
                "total_size": if unit == "BYTE" { json!(bytes) } else { json!(bytes as f64 / div) },
                "total_size_unit": unit,
                "total_objects": objects,
                "sample_time": now_str(),
                "uptodate_till": now_str(),
            });
            let detail_wanted = match c.qbool("include_bucket_detail") {
                Ok(f) => f.unwrap_or(false),
                Err(r) => return r,
            };
            if detail_wanted {
                body["bucket_billing_info"] = json!(detail);
            }
            c.ok(body)
        }
        _ => c.err(
            405,
            1007,
            "Method not supported",
            &format!("{method} /{} is not supported by the simulator", s.join("/")),
        ),
    }
}

fn user_list(st: &EcsState, c: &Ctx<'_>, ns: Option<&str>) -> ResponseTemplate {
    let ns = ns.map(str::to_string).or_else(|| c.q("namespace"));
    if let Some(n) = &ns {
        if !st.namespaces.contains_key(n) {
            return c.not_found_url(&format!("Namespace {n}"));
        }
    }
    let limit = limit_of(c);
    let marker = c.q("marker");
    let start = match &marker {
        Some(m) => Bound::Excluded(m.clone()),
        None => Bound::Unbounded,
    };
    let mut items = Vec::new();
    let mut next = None;
    for (uid, u) in st
        .users
        .range((start, Bound::Unbounded))
        .filter(|(_, u)| ns.as_deref().is_none_or(|n| u.namespace == n))
    {
        if items.len() == limit {
            next = items
                .last()
                .and_then(|v: &Value| v["userid"].as_str().map(str::to_string));
            break;
        }
        items.push(json!({"userid": uid, "namespace": u.namespace}));
    }
    let mut body = json!({"blobuser": items, "MaxUsers": limit, "Filter": ns.map(|n| format!("namespace={n}")).unwrap_or_default()});
    if let Some(n) = next {
        body["NextMarker"] = json!(n);
    }
    c.ok(body)
}

fn create_bucket(st: &mut EcsState, c: &Ctx<'_>) -> ResponseTemplate {
    let b = match c.body() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(name) = b["name"].as_str() else {
        return c.err(400, 1005, "Required parameter is missing or empty", "name");
    };
    let Some(ns) = b["namespace"].as_str() else {
        return c.err(
            400,
            1005,
            "Required parameter is missing or empty",
            "namespace",
        );
    };
    if !valid_mgmt_bucket_name(name) {
        return c.err(
            400,
            40009,
            "Invalid bucket name",
            &format!("Bucket name {name} is invalid"),
        );
    }
    let Some(nsrec) = st.namespaces.get(ns).cloned() else {
        return c.not_found_param(&format!("Namespace {ns}"));
    };
    let mut flags = BTreeMap::new();
    for f in [
        "is_encryption_enabled",
        "is_object_lock_enabled",
        "filesystem_enabled",
        "is_stale_allowed",
    ] {
        match strict_bool(b.get(f), f) {
            Ok(v) => {
                flags.insert(f, v);
            }
            Err(e) => return c.err(400, 1013, "Bad request body", &e),
        }
    }
    if st.buckets.contains_key(name) {
        return c.err(
            400,
            40008,
            "Bucket already exists",
            &format!("Bucket {name} already exists"),
        );
    }
    let owner = b["owner"]
        .as_str()
        .filter(|o| !o.is_empty())
        .map(str::to_string);
    if let Some(o) = &owner {
        if st.users.get(o).is_none_or(|u| u.namespace != ns) {
            return c.err(
                400,
                40010,
                "Bucket owner not valid",
                &format!("Owner {o} is not an object user of namespace {ns}"),
            );
        }
    }
    let (block, notify) = match (
        strict_int(b.get("blockSize"), "blockSize"),
        strict_int(b.get("notificationSize"), "notificationSize"),
    ) {
        (Ok(x), Ok(y)) => (x.unwrap_or(-1), y.unwrap_or(-1)),
        (Err(e), _) | (_, Err(e)) => return c.err(400, 1013, "Bad request body", &e),
    };
    // A notification quota above the hard quota is accepted (python-ecsclient's recorded
    // answers hold blockSize 1 with notificationSize 2).
    if block == 0 || block < -1 || notify == 0 || notify < -1 {
        return c.invalid("blockSize and notificationSize must be positive GB values or -1");
    }
    let object_lock = flags["is_object_lock_enabled"].unwrap_or(false);
    let tags = tag_list(&b["TagSet"], "Key", "Value");
    if tags.len() > MAX_BUCKET_TAGS {
        return c.invalid(&format!(
            "A bucket can have at most {MAX_BUCKET_TAGS} tags; {} were given",
            tags.len()
        ));
    }
    let meta = BucketMeta {
        namespace: ns.into(),
        owner,
        encryption: flags["is_encryption_enabled"].unwrap_or(nsrec.encryption),
        object_lock,
        block_size: block,
        notification_size: notify,
        tags,
        policy: None,
        created: OffsetDateTime::now_utc(),
        vpool: b["vpool"]
            .as_str()
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .or(nsrec.vpool),
    };
    st.buckets.insert(name.into(), meta.clone());
    st.s3.buckets.insert(
        name.into(),
        crate::s3::Bucket {
            versioning: object_lock.then_some(true),
            object_lock,
            sse: meta.encryption,
            ..Default::default()
        },
    );
    let _ = st.next();
    c.ok(json!({"name": name, "id": format!("{ns}.{name}"), "link": {"rel": "self", "href": format!("/object/bucket/{name}")}, "inactive": false, "global": true, "remote": false, "vdc": {"id": "sim-vdc"}}))
}

fn bucket_route(
    st: &mut EcsState,
    c: &Ctx<'_>,
    method: &str,
    b: &str,
    rest: &[&str],
) -> ResponseTemplate {
    let ns = c.q("namespace");
    let body = if method == "GET" {
        json!({})
    } else {
        match c.body() {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
    let ns = ns.or_else(|| body["namespace"].as_str().map(str::to_string));
    // Empty-bucket status outlives the bucket.
    if rest == ["empty-bucket-status"] && method == "GET" {
        return match st.empty_tasks.get_mut(b) {
            None => c.not_found_url(&format!("Empty bucket task for {b}")),
            Some((status, left)) => {
                if *left > 0 {
                    *left -= 1;
                    if *left == 0 {
                        *status = "DONE".into();
                    }
                }
                let status = status.clone();
                if status == "DONE" {
                    st.buckets.remove(b);
                    st.s3.buckets.remove(b);
                }
                c.ok(json!({"status": status, "created": now_str(), "last_updated": now_str(), "entries_deleted": 0, "failed_to_delete_due_to_retention": 0, "failed_to_delete_due_to_permission": 0, "failed_to_delete_due_to_other": 0, "approx_object_count": 0, "approx_total_size": 0, "approx_total_size_unit_string": "B", "message": ""}))
            }
        };
    }
    // An endpoint ECS does not have answers 405/1007 whether or not the bucket exists, never a
    // 404 that reads like "no such bucket".
    let known = matches!(
        (method, rest),
        ("GET", ["info"])
            | ("POST", ["deactivate"])
            | ("GET" | "PUT" | "DELETE", ["quota"])
            | ("GET" | "PUT" | "DELETE", ["policy"])
            | ("POST" | "PUT" | "DELETE", ["tags"])
    );
    if !known {
        return c.err(
            405,
            1007,
            "Method not supported",
            &format!("{method} bucket/{}", rest.join("/")),
        );
    }
    let Some(meta) = st
        .buckets
        .get(b)
        .filter(|m| ns.as_deref().is_none_or(|n| n == m.namespace))
        .cloned()
    else {
        return c.not_found_url(&format!("Bucket {b}"));
    };
    match (method, rest) {
        ("GET", ["info"]) => c.ok(bucket_info(st, b, &meta)),
        ("POST", ["deactivate"]) => {
            let empty = st.s3.buckets.get(b).is_none_or(|x| x.objects.is_empty());
            let empty_bucket = match c.qbool("emptyBucket") {
                Ok(f) => f.unwrap_or(false),
                Err(r) => return r,
            };
            if empty_bucket {
                if !st.empty_bucket_supported {
                    return c.invalid("emptyBucket is not supported by this release");
                }
                if empty {
                    st.buckets.remove(b);
                    st.s3.buckets.remove(b);
                    return ResponseTemplate::new(200);
                }
                if let Some(x) = st.s3.buckets.get_mut(b) {
                    x.objects.clear();
                }
                let polls = st.empty_bucket_polls.max(1);
                st.empty_tasks.insert(b.into(), ("IN_PROGRESS".into(), polls));
                return ResponseTemplate::new(202);
            }
            if !empty {
                return c.invalid(&format!("Bucket {b} is not empty"));
            }
            st.buckets.remove(b);
            st.s3.buckets.remove(b);
            ResponseTemplate::new(200)
        }
        ("GET", ["quota"]) => c.ok(json!({"bucketname": b, "namespace": meta.namespace, "blockSize": meta.block_size, "notificationSize": meta.notification_size, "blockSizeInCount": -1, "notificationSizeInCount": -1})),
        ("PUT", ["quota"]) => {
            let (block, notify) = match (strict_int(body.get("blockSize"), "blockSize"), strict_int(body.get("notificationSize"), "notificationSize")) {
                (Ok(Some(x)), Ok(Some(y))) => (x, y),
                (Err(e), _) | (_, Err(e)) => return c.err(400, 1013, "Bad request body", &e),
                _ => return c.err(400, 1005, "Required parameter is missing or empty", "blockSize and notificationSize are both required"),
            };
            if block == -1 && notify == -1 {
                return c.invalid("blockSize and notificationSize cannot both be -1; delete the quota instead");
            }
            if block == 0 || block < -1 || notify == 0 || notify < -1 {
                return c.invalid("invalid quota values");
            }
            let m = st.buckets.get_mut(b).expect("checked");
            m.block_size = block;
            m.notification_size = notify;
            ResponseTemplate::new(200)
        }
        ("DELETE", ["quota"]) => {
            let m = st.buckets.get_mut(b).expect("checked");
            m.block_size = -1;
            m.notification_size = -1;
            ResponseTemplate::new(200)
        }
        ("GET", ["policy"]) => match &meta.policy {
            None => ResponseTemplate::new(204),
            Some(p) => ResponseTemplate::new(200).set_body_raw(p.to_string(), "application/json"),
        },
        ("PUT", ["policy"]) => {
            if body.get("Statement").is_none() {
                return c.invalid("Missing required field Statement");
            }
            st.buckets.get_mut(b).expect("checked").policy = Some(body);
            ResponseTemplate::new(200)
        }
        ("DELETE", ["policy"]) => {
            st.buckets.get_mut(b).expect("checked").policy = None;
            ResponseTemplate::new(200)
        }
        (m @ ("POST" | "PUT" | "DELETE"), ["tags"]) => {
            let tags: Vec<(String, String)> = tag_list(&body["TagSet"], "Key", "Value");
            let meta = st.buckets.get_mut(b).expect("checked");
            match m {
                "POST" => {
                    // Dell's spec: an ERROR "when the total number of existing tags and the
                    // tags specified exceeds 10".
                    if meta.tags.len() + tags.len() > MAX_BUCKET_TAGS {
                        return c.invalid(&format!(
                            "Bucket {b} has {} tags; adding {} would exceed the limit of {MAX_BUCKET_TAGS}",
                            meta.tags.len(),
                            tags.len()
                        ));
                    }
                    for (k, v) in tags {
                        if meta.tags.iter().any(|(x, _)| *x == k) {
                            return c.invalid(&format!("Tag {k} already exists on bucket {b}"));
                        }
                        meta.tags.push((k, v));
                    }
                }
                "PUT" => {
                    for (k, v) in tags {
                        let Some(slot) = meta.tags.iter_mut().find(|(x, _)| *x == k) else {
                            return c.invalid(&format!("Tag {k} does not exist"));
                        };
                        slot.1 = v;
                    }
                }
                _ => {
                    if let Some((k, _)) = tags.iter().find(|(k, _)| !meta.tags.iter().any(|(x, _)| x == k)) {
                        return c.invalid(&format!("Tag {k} does not exist on bucket {b}"));
                    }
                    for (k, _) in tags {
                        meta.tags.retain(|(x, _)| *x != k);
                    }
                }
            }
            ResponseTemplate::new(200)
        }
        _ => c.err(405, 1007, "Method not supported", &format!("{method} bucket/{}", rest.join("/"))),
    }
}

impl Respond for S3Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = lock(&self.0);
        st.drop_expired_keys();
        let Some(ak) = access_key_of(req) else {
            return xml_error(403, "AccessDenied", "Access Denied");
        };
        if let Some(k) = iam::key_owner(&st, &ak) {
            // An IAM user's key: it must be active and sign correctly.
            if !k.active {
                return xml_error(403, "InvalidAccessKeyId", "The access key is inactive.");
            }
            if !signature_ok(req, &ak, &k.secret) {
                return xml_error(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.",
                );
            }
        } else {
            let Some(user) = st.users.get(&ak).cloned() else {
                return xml_error(
                    403,
                    "InvalidAccessKeyId",
                    "The Access Key Id you provided does not exist in our records.",
                );
            };
            if !user.keys.iter().any(|k| signature_ok(req, &ak, &k.secret)) {
                return xml_error(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.",
                );
            }
            if user.locked {
                return xml_error(403, "AccessDenied", "Access Denied: the user is locked");
            }
        }
        let Some(caller) = s3auth::caller(&st, &ak) else {
            return xml_error(403, "InvalidAccessKeyId", "Unknown access key");
        };
        let path = req.url.path().trim_start_matches('/');
        if path.is_empty() && req.method.as_str() == "GET" {
            return s3auth::list_buckets(&st, &caller);
        }
        if let Some(refusal) = s3auth::refuse(&st, req, &caller) {
            return refusal;
        }
        if !path.is_empty()
            && !path.contains('/')
            && req.method.as_str() == "PUT"
            && req.url.query().is_none()
        {
            return xml_error(
                501,
                "NotImplemented",
                "The simulator creates buckets through the management API only",
            );
        }
        let bucket = path.split('/').next().unwrap_or_default().to_string();
        if st
            .empty_tasks
            .get(&bucket)
            .is_some_and(|(s, _)| s != "DONE")
            && req.method.as_str() != "GET"
        {
            return xml_error(
                409,
                "OperationAborted",
                "The bucket is being emptied and is read-only",
            );
        }
        st.s3.handle(req)
    }
}
