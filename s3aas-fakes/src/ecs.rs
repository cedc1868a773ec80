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
//!   quota in GB with the documented rules, policy, ECS's bucket retention in seconds and the
//!   JSON object-lock configuration (see `retention`), deactivate refusing a non-empty bucket,
//!   3.8's `emptyBucket=true` with `202` and `empty-bucket-status`), billing (bucket and
//!   namespace, `sizeunit`, bucket details paged with `next_marker`; see `billing`), nodes.
//! - S3: SigV4-verified with the object users' secret keys (locked users and expired keys are
//!   refused); objects, versioning, listing and the bucket configurations ECS's S3 head has
//!   (lifecycle, CORS, object-lock default retention) through [`S3State`]. Who may do what is
//!   ECS's rule (`s3auth`): a request's namespace is its signer's, a bucket's owner may do
//!   anything with it, others what its bucket policy grants (each sub-resource with its own
//!   action: `s3:PutLifecycleConfiguration`, `s3:GetBucketCORS`, ...). Anonymous requests must
//!   name the namespace in `x-emc-namespace` and are judged by the policy's statements for
//!   everyone. What ECS's S3 head lacks answers `501 NotImplemented`: `?replication` and
//!   lifecycle transitions. Bucket creation over S3 is not simulated (create buckets through
//!   the management API).
//! - The IAM API of ECS 3.6+ (`/iam?Action=...`; see the `iam` module): IAM users, tags,
//!   access keys (two, Active/Inactive), managed policies with versions, attachments; IAM keys
//!   sign S3 requests too (inactive ones are refused), and what they may do is decided by the
//!   user's attached policies (Allow/Deny, `*`/`?` wildcards on common S3 actions and ARNs;
//!   no policy, no access — IAM users own no bucket). Conditions are not evaluated.
//! - Fault injection ([`Fault`], on the management or the S3 server) for the reliability
//!   tests; every call is logged (`calls`, `s3_calls`) and every secret key handed out kept
//!   (`issued_secrets`) for the redaction audits.
//!
//! Assumptions where the reference is silent (so a reader can check them): deactivating a
//! namespace that still holds buckets is refused with `400`/1008; a missing entity named in the
//! URL is `404`/1004 and one named in the body is `400`/1004; `NextMarker` is the last id of the
//! page; namespace billing pages bucket details 100 at a time ([`EcsState::billing_page`]); an
//! anonymous S3 request without a namespace is `403 AccessDenied`; what ECS's S3 head lacks is
//! `501 NotImplemented`.

mod billing;
mod buckets;
mod iam;
mod mgmt;
mod retention;
mod s3api;
mod s3auth;
mod state;
mod users;
mod wire;

pub use buckets::MAX_BUCKET_TAGS;
pub use iam::{IamKey, IamPolicy, IamUser};
pub use state::{BucketMeta, EcsState, Fault, Namespace, ObjectUser, SecretKey};

use crate::s3::S3State;
use mgmt::MgmtResponder;
use s3api::S3Responder;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use wiremock::{Mock, MockServer};

/// The simulator: the management server, the S3 server and their shared state.
#[derive(Debug)]
pub struct EcsSimulator {
    /// Management API (`/login`, `/object/...`, `/vdc/...`).
    pub mgmt: MockServer,
    /// S3 data API.
    pub s3: MockServer,
    state: Arc<Mutex<EcsState>>,
}

/// The state, also after a panic while it was held.
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
            billing_page: 100,
            version: "3.8.0.1".into(),
            faults: VecDeque::new(),
            earliest_expiry: None,
            calls: Vec::new(),
            s3_calls: Vec::new(),
            issued_secrets: Vec::new(),
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
