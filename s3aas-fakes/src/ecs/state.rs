//! What the simulator holds: namespaces, object users and their secret keys, bucket metadata,
//! sessions, IAM entities, the S3 side, and the faults queued for the reliability tests.

use super::iam::{IamPolicy, IamUser};
use crate::s3::S3State;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;
use time::OffsetDateTime;
use wiremock::{Request, ResponseTemplate};

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
    /// ECS's own bucket retention in seconds (`/object/bucket/{b}/retention`; 0 = none), not
    /// S3 object lock.
    pub retention: i64,
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
    /// Hits the S3 server instead of the management server.
    pub s3: bool,
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
            s3: false,
        }
    }

    /// A fault of the S3 server (answered before the signature is checked), with an S3 XML
    /// error body of `code`.
    pub fn s3(path_contains: &str, status: u16, code: &str) -> Self {
        let mut f = Fault::new(
            path_contains,
            status,
            &format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected</Message></Error>"
            ),
        );
        f.content_type = "application/xml".into();
        f.s3 = true;
        f
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
    /// Buckets per page of a namespace's billing details (`next_marker` beyond).
    pub billing_page: usize,
    /// Reported version (on `/vdc/nodes`).
    pub version: String,
    /// Pending faults.
    pub faults: VecDeque<Fault>,
    /// The soonest key expiry, if any (when expired keys must be swept).
    pub earliest_expiry: Option<OffsetDateTime>,
    /// Every management call: `METHOD path` (while `record_calls` is on).
    pub calls: Vec<String>,
    /// Every secret key the management API handed out, deleted ones too (for redaction
    /// audits: a temporary key lives only during one call).
    pub issued_secrets: Vec<String>,
    /// Every S3 call: `METHOD path?query` (while `record_calls` is on).
    pub s3_calls: Vec<String>,
    /// Whether to keep `calls` (turn off for long runs whose memory is measured).
    pub record_calls: bool,
    pub(super) seq: u64,
}

impl EcsState {
    pub(super) fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The answer of the first queued fault (of the S3 server when `s3`, else of the
    /// management server) that matches the request, used up by one hit.
    pub(super) fn take_fault(&mut self, s3: bool, req: &Request) -> Option<ResponseTemplate> {
        let (path, method) = (req.url.path(), req.method.as_str());
        let query = req.url.query().unwrap_or_default();
        let i = self.faults.iter().position(|f| {
            f.s3 == s3
                && path.contains(&f.path_contains)
                && f.method.as_ref().is_none_or(|m| m == method)
                && f.query_contains
                    .as_ref()
                    .is_none_or(|q| query.contains(q.as_str()))
        })?;
        let f = self.faults[i].clone();
        if f.times <= 1 {
            self.faults.remove(i);
        } else {
            self.faults[i].times -= 1;
        }
        let mut r = ResponseTemplate::new(f.status).set_body_raw(f.body, f.content_type.as_str());
        for (k, v) in &f.headers {
            r = r.insert_header(k.as_str(), v.as_str());
        }
        if let Some(d) = f.delay {
            r = r.set_delay(d);
        }
        Some(r)
    }

    pub(super) fn drop_expired_keys(&mut self) {
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
                retention: 0,
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
