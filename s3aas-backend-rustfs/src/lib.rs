//! # s3aas-backend-rustfs
//!
//! The RustFS backend of s3aas. It speaks the RustFS admin API at `/rustfs/admin/v3` (plain JSON,
//! SigV4 service `s3`, S3-style XML errors) and signed S3 calls for bucket features. The provider
//! logic it shares with the MinIO backend (instance mapping, users, policies, service accounts as
//! access keys) lives in [`s3aas_madmin`]; this crate is what is RustFS's own: the [`Rustfs`]
//! dialect. See [`s3aas_madmin`] for how instances are mapped onto the server.
//!
//! ```no_run
//! # async fn f() -> s3aas_core::Result<()> {
//! use s3aas_backend_rustfs::RustfsProvider;
//! use s3aas_core::prelude::*;
//! let p = RustfsProvider::builder("http://127.0.0.1:9000", "rustfsadmin", SecretString::from("secret".to_string())).build()?;
//! p.create_instance(CreateInstance::new("acme").default_bucket("acme-data").versioning(true)).await?;
//! # Ok(()) }
//! ```
//!
//! ## What RustFS does differently (and how this backend copes)
//! - Admin bodies are plain JSON on `/rustfs/admin` (the `/minio/admin` alias encrypts like
//!   MinIO; the MinIO backend is tested against it).
//! - Admin errors are S3 XML with generic codes (`NoSuchResource`, `InvalidRequest`,
//!   `InternalError`); "policy in use" comes as 500 and is mapped to `Conflict`; existence is
//!   checked first where RustFS answers 400/500 for a missing resource.
//! - `add-user` is an upsert and the root credential re-creating an existing bucket gets 200, so
//!   creates check for existence first (`AlreadyExists`).
//! - `info` is wrapped in `{"info": …}` and `datausageinfo` uses snake_case keys.
//! - MFA delete is not offered (capability `instance_mfa_delete = no`); quotas are hard only.
//!
//! Found against a real RustFS 1.0.1 (the `rustfs_server` test target):
//! - "Not configured" S3 answers (bucket encryption, and the same handling for policy, tags
//!   and object lock) come as `400` where AWS uses `404`; read as "none".
//! - An expired or unknown service-account key is refused with `400 InvalidRequest` "check key
//!   failed" instead of `403`; mapped to `Unauthenticated`.
//! - Right after a bucket quota is set, RustFS 1.0.1 answers every write to that bucket, even
//!   100 bytes, with `503 ServiceUnavailable` "Bucket quota check temporarily unavailable" for
//!   about 5–10 seconds; then it meters writes and refuses those past the limit with
//!   `400 InvalidRequest` "Bucket quota exceeded" (mapped to `Conflict`). Tenants writing
//!   straight after provisioning should retry 503s for a few seconds.
//! - The `/minio/admin/v3` alias requires `groupStatus` in `update-group-members` bodies and
//!   answers "policy in use" with `500`.
//! - Group membership changes are an unlocked read-modify-write of the whole member list on the
//!   server: 8 concurrent `update-group-members` calls lose updates (100 concurrent adds left 16
//!   members; 40 concurrent removals left 33 members of deleted users). Such a member cannot be
//!   removed (`404` "user … does not exist") and blocks deleting the group (`400 InvalidRequest`
//!   "group is not empty"; `500` "group not empty" through `update-group-members`). The provider
//!   therefore changes each instance group under its own lock, leaves the group before a user
//!   is removed (and keeps the user if that fails), and on instance delete re-reads the group and
//!   clears members of deleted users by re-creating them as disabled placeholders, removing them
//!   in one call and deleting the placeholders. Other processes and tools can still race; the
//!   clean-up on delete covers what they leave.
//! - A stock server (no `RUSTFS_SSE_S3_MASTER_KEY`, no KMS) accepts an `AES256` bucket default but
//!   refuses every SSE-S3 write with `400 InvalidRequest` "SSE-S3 requires
//!   RUSTFS_SSE_S3_MASTER_KEY …"; no admin endpoint tells (KMS status, server info and runtime
//!   capabilities are identical with and without the key). So encryption is probed with an
//!   SSE-S3 multipart upload in the system bucket (aborted at once, cached 30 s) and refused as
//!   `Unsupported` before anything is created; `capabilities()` and
//!   [`MadminProvider::probe_capabilities`] report encryption as unsupported on such a server.
//! - Quotas: setting one can answer `503` "durable quota capability is not confirmed across the
//!   cluster" for a while after startup, and a bucket that was just created (or just answered
//!   `HEAD`) can answer `NoSuchBucket` to the next call; both are retried for a bounded time. A
//!   quota that cannot be read is reported as unknown (`Bucket::quota = None`).
//! - New access keys are read back and must belong to the user they were made for: a server (or
//!   proxy) that ignored `targetUser` would create them for root, so such a key is deleted again
//!   and the call fails.
//! - Canned policies hidden by a concurrent listing: `list-canned-policies` reloads every policy
//!   from storage and replaces the server's policy cache, so a policy saved while it runs drops
//!   out of the cache although it is stored. Until the next listing, `info-canned-policy`
//!   answers `404 NoSuchResource` and attaching it `500 InternalError` "policy does not exist"
//!   (deleting an instance lists policies, so this hits tenants provisioned beside one being
//!   deleted). For a policy this provider wrote in the last minute, those answers are met by
//!   writing the same document again (which puts it back into the cache and touches nothing
//!   else) and asking again, up to five times; other policies get the answer as it is.
//!
//! Found by provisioning 200 tenants, 8 at a time, through a fault-injecting proxy (connection
//! resets before and after the server answered, answers cut short or held past the client's
//! timeout, requests swallowed; the `rustfs_wire_faults` test target), with the server audited
//! afterwards. A create whose answer is lost may have happened, and the SDK reported it as
//! `Unavailable`/`Timeout` while the thing stayed: a bucket, unregistered, so that deleting the
//! instance did not find it; an instance registry record left in state `creating`. Now every
//! create resolves a lost answer (see [`s3aas_core::Error::outcome_unknown`]) by asking the
//! server whether the thing exists (bounded retries): it was absent just before, so if it exists
//! it is this call's and creation carries on; if it does not, a create the transport does not
//! repeat (`PUT /{bucket}`, `add-service-account`) is sent once more; if that cannot be found
//! out, it is removed in case, and the error is `Partial`, naming it, if removing fails too:
//! - buckets (`HEAD`), with their registry marker removed too when a later step fails;
//! - the instance's first registry record (and its last write, which marks it `active`), and a
//!   failed `create_instance` removes its group as well as its default bucket and record;
//! - users (`user-info`), removed again, leaving the instance group first, when joining the
//!   group fails;
//! - access keys: their id and secret are chosen by the SDK and sent (`accessKey`/`secretKey`),
//!   so a key whose answer was lost is looked up by its id (`info-service-account`) and handed
//!   out if it belongs to the user, never made twice;
//! - policies (`info-canned-policy`, same document) and attachments (`user-info`).
//!
//! ## Bucket features (measured on RustFS 1.0.1, the `rustfs_server` test target)
//! - Lifecycle, CORS and the object-lock default retention are S3 configurations; "not
//!   configured" is `404` (`NoSuchLifecycleConfiguration`, `NoSuchCORSConfiguration`,
//!   `ObjectLockConfigurationNotFoundError`, `ReplicationConfigurationNotFoundError`). Proven:
//!   lifecycle rules (with `AbortIncompleteMultipartUpload`, which RustFS keeps) and a CORS rule
//!   read back equal and the server answers a preflight with the rule's origin; a `GOVERNANCE`
//!   1-day default retention gives an object a tenant writes (with an issued key) the lock mode
//!   and a retain-until date a day ahead (`HEAD`), and deleting that version is refused even to
//!   root. RustFS accepts an object-lock configuration on a versioned bucket made *without*
//!   lock (turning lock on, one-way), so the provider refuses a retention on such a bucket as
//!   `Conflict` before any request (AWS and MinIO refuse it themselves).
//! - Replication: remote targets through `/rustfs/admin/v3/set-remote-target?bucket=B` with a
//!   **plain** JSON `BucketTarget` (the `/minio/admin/v3` alias takes it madmin-encrypted, also
//!   proven), answered with the ARN as a JSON string (`"arn:minio:replication::<uuid>:<bucket>"`);
//!   `list-remote-targets` gives the targets with an empty `secretKey`; setting an identical
//!   target again answers the existing ARN and changes nothing, so settings are changed with
//!   `update=true` plus `creds`/`sync`/`bandwidth` flags (as madmin-go sends them).
//!   `remove-remote-target` is refused (`400` "Remote target removal disallowed") while a rule
//!   names the target, and deleting a bucket's replication configuration drops its targets by
//!   itself (a later removal answers `400` "Remote target not found", read as removed).
//!   RustFS refuses loopback targets unless the *source* server runs with
//!   `RUSTFS_REPLICATION_ALLOW_LOOPBACK_TARGET=true` (test-only; private addresses are always
//!   allowed). Proven between two servers on loopback: an object a tenant writes arrives on the
//!   other server (about 260 ms), stops arriving once the rule is removed (and the target is
//!   gone), suspending versioning under replication is refused (by the SDK first, and by the
//!   server with `409 InvalidBucketState`), and another tool's rule survives the SDK's updates
//!   verbatim with its target.
//! - Durability: `GET /rustfs/admin/v3/bucket-durability/{bucket}` answers
//!   `{"bucket":..,"mode":null}` (`null` = no override; modes `strict`, `relaxed`, `none` are set
//!   with `PUT` of `{"mode":..}`), `DELETE` on the same path clears an override, and a missing
//!   bucket also reads `null`. A new bucket reports `Durability::ServerDefault`; `create_bucket`
//!   clears an override the new bucket has; a hand-set override reads `Override("relaxed")`.
//!   A server without the route (`404`/`405`/`501`, assumed for releases before it existed)
//!   reads as unknown (`None`) and creates carry on.
//! - Instance usage comes from `datausageinfo` (the scanner's cache; see `instance_usage`).
//!
//! `health()` on a cluster: `/health/ready` reflects read quorum (it stays `200` with one or two
//! of four nodes down, listing the missing drives), so the provider also asks
//! `/minio/health/cluster`, which answers `503` without write quorum, and server info, which
//! names offline nodes. With a node down, `health()` is ready but
//! [`s3aas_core::HealthProblem::Degraded`], its detail naming the node; without write quorum it
//! is not ready (`NotReady`) with the server's answer.

use s3aas_core::{Capabilities, ObjectStoreProvider, ProviderConfig, Registry, Result};
use s3aas_madmin::MadminProvider;
use std::sync::Arc;

pub use config::{KEYS, RustfsBuilder};

mod config;
mod dialect;
mod error;
mod wire;

pub use dialect::Rustfs;

mod quorum;

/// The backend name and URI scheme.
pub const SCHEME: &str = "rustfs";

/// A RustFS provider.
pub type RustfsProvider = MadminProvider<Rustfs>;

/// What this backend supports on RustFS 1.0: the madmin-family set (see
/// [`s3aas_madmin::CAPABILITIES`]) plus the per-bucket durability mode.
pub const CAPABILITIES: Capabilities = {
    let mut c = s3aas_madmin::CAPABILITIES;
    c.bucket_durability = true;
    c
};

/// Registers the `rustfs` backend (options: see [`MadminProvider::from_config`]).
pub fn register(registry: &mut Registry) {
    registry.register(SCHEME, factory);
}

fn factory(cfg: &ProviderConfig) -> Result<Arc<dyn ObjectStoreProvider>> {
    Ok(Arc::new(RustfsProvider::from_config(cfg)?))
}
