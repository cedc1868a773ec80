//! # s3aas-backend-ceph
//!
//! The Ceph RADOS Gateway (RGW) backend of s3aas: the RGW Admin Ops API (`/admin/user`,
//! `/admin/bucket`, `/admin/metadata`) for tenants, users, keys, quotas and usage, RGW's AWS IAM
//! API for user policies, and signed S3 for bucket settings — all on the one RGW endpoint, all
//! signed with SigV4. Built and proven against Ceph 16.2 "Pacific" (`tests/ceph_server.rs` runs
//! the conformance suite against a real single-node cluster started by
//! `scripts/ceph-rgw-server.sh`).
//!
//! ```no_run
//! # async fn f() -> s3aas_core::Result<()> {
//! use s3aas_backend_ceph::CephProvider;
//! use s3aas_core::prelude::*;
//! let rgw = CephProvider::builder("http://127.0.0.1:7480", "ADMINKEY", SecretString::from("...".to_string()))
//!     .build()?;
//! rgw.create_instance(CreateInstance::new("acme").default_bucket("acme-data")).await?;
//! # Ok(()) }
//! ```
//!
//! ## Configuration
//! [`CephProvider::from_config`] (scheme `ceph`, variables `S3AAS_CEPH_<KEY>`) reads:
//!
//! | key | meaning |
//! |---|---|
//! | `endpoint` | the RGW endpoint: Admin Ops API, S3 and IAM (required) |
//! | `access_key` | the admin user's S3 access key (required) |
//! | `secret_key` | its secret key (required; never logged or shown) |
//! | `s3_public_endpoint` | the S3 endpoint shown to tenants (default: `endpoint`) |
//! | `region` | the SigV4 region (default `us-east-1`) |
//! | `capabilities` | restrictions such as `policies=no` (they only switch things off) |
//!
//! plus the transport options of [`s3aas_http::HttpConfig::KEYS`].
//!
//! ## The admin user
//! The configured key is an RGW user's S3 key with the caps
//! `users=*;buckets=*;usage=read;metadata=*;user-policy=*` (`radosgw-admin caps add`):
//! `users` and `buckets` for the Admin Ops calls, `metadata=*` to list users and to write a
//! bucket's quota (below), `user-policy=*` for `PutUserPolicy` and friends (without it RGW
//! answers `403 AccessDenied` to every IAM call). `health` and
//! [`CephProvider::probe_capabilities`] read the admin user's own caps
//! (`GET /admin/user?access-key=`): without `user-policy=*` the capabilities `policies` and
//! `policy_attach` are switched off, without `metadata=write` `bucket_quota` is, and without
//! `users`, `buckets` or `metadata=read` the backend is not ready (`PermissionDenied`, the
//! detail naming the missing caps).
//!
//! ## How s3aas maps onto RGW
//! | s3aas | RGW |
//! |---|---|
//! | instance `acme-1` | tenant `acme_1`: RGW tenant names allow letters, digits and `_` (a `-` is `400 InvalidTenantName`) and instance names allow lower-case letters, digits and `-`, so `-` ↔ `_` maps them both ways ([`tenant_of`], [`instance_of`]) |
//! | the instance's mark and settings | the system user `acme_1$s3aas`, whose display name is `s3aas-instance:` + JSON (`default_bucket`, `versioning`, `labels`, `created`). RGW tenants have no metadata of their own; a display name is free text that `GET /admin/user` returns, so an instance is rediscovered from RGW alone. `list_instances` lists the users (`/admin/metadata/user`) named `<tenant>$s3aas` whose display name carries the mark |
//! | the system user's keys | sign every S3 call for the instance's buckets: RGW names buckets inside the signer's tenant and lets the owner configure them. The admin reads them with `GET /admin/user` (which returns secrets to the admin); they are kept in memory only, never logged or shown by `Debug` |
//! | user `alice` | user `acme_1$alice` (display name `alice`); `s3aas` and `s3aas-policies` are reserved names (`InvalidInput` before any call) |
//! | disable / enable user | suspend / unsuspend (`POST /admin/user?suspended=`): a suspended user's keys are refused with `403` |
//! | access key | one of the user's S3 keys, several per user (RGW sets no limit). The key id and secret are chosen by s3aas (20 upper-case letters and digits; 40 characters from the OS-seeded CSPRNG) and sent with `PUT /admin/user?key&access-key=&secret-key=`: RGW sets the same secret again when that call is repeated, so it is retried safely |
//! | named policy `p` | the inline IAM policy `p` of the instance's keyless, suspended user `acme_1$s3aas-policies` (it can sign nothing, so the document grants nothing there) |
//! | attach `p` to `alice` | `PutUserPolicy(acme_1$alice, p, document)`; a user's inline policy names are its attached policies; `put_policy` puts a changed document on every user it is attached to |
//! | bucket | a bucket of the tenant owned by the system user (made with S3 `PUT /bucket` signed as it). Buckets owned by other users of the tenant are not the instance's buckets (but `delete_user` and `delete_instance` remove them with their users: `purge-data`) |
//! | bucket quota | the bucket's own quota in its instance metadata (see below) |
//! | (Ceph only) user quota | the user's RGW `user_quota`: [`CephProvider::set_user_quota`] (see below) |
//! | bucket usage | `GET /admin/bucket?stats`: sizes and object counts over all usage categories |
//! | instance usage | `GET /admin/bucket?uid=<tenant>$s3aas&stats=true`: every bucket of the instance with its stats in one answer, summed ([`UsageSource::BucketScan`](s3aas_core::model::UsageSource)) |
//! | lifecycle, CORS, default retention | S3 `?lifecycle`, `?cors`, `?object-lock` signed as the system user (see "Bucket features" below) |
//! | forced bucket delete | `DELETE /admin/bucket?purge-objects=true`; a bucket with object lock is emptied through S3 instead (locks kept) |
//!
//! ## Secrets on the wire
//! RGW's Admin Ops API takes a new key's secret as a query parameter
//! (`PUT /admin/user?key&access-key=..&secret-key=..`) and returns users' secrets to the admin
//! in `GET /admin/user`. s3aas never logs, traces or reports URLs with their query (transport
//! errors drop them) nor answer bodies, and `Debug` of everything holding a secret redacts it.
//! RGW's own ops log, when enabled with request URIs, would record such a query: keep it off or
//! protected on gateways that s3aas manages. Use TLS outside loopback.
//!
//! ## Policies name buckets as `arn:aws:s3:::<bucket>`
//! RGW resolves a bucket ARN without a tenant inside the *user's* tenant, so a policy attached
//! to `acme_1$alice` naming `arn:aws:s3:::data` means bucket `data` of tenant `acme_1`, and no
//! translation is needed. The tenant form `arn:aws:s3::acme_1:data` is refused by
//! `PutUserPolicy` with `400 MalformedPolicyDocument` on Pacific. A user policy grants access
//! to buckets of the system user without any bucket policy (seen: `GetObject` on the allowed
//! bucket works, every other bucket answers `403 AccessDenied`).
//!
//! ## What RGW (Pacific) cannot do, refused with `Unsupported` before any request
//! - Default bucket encryption (SSE-S3): `PutBucketEncryption` with `AES256` is
//!   `400 InvalidArgument` without an SSE-S3 key backend (Quincy and later with Vault), and
//!   `GET ?encryption` is not implemented (it lists the bucket). So no instance or bucket
//!   encryption, and [`Bucket::encryption`](s3aas_core::model::Bucket) is unknown (`None`).
//! - MFA delete; a notification (soft) quota; bucket owners other than the system user.
//! - Disabling a single access key: RGW keys have no state (only the whole user is suspended);
//!   key names, descriptions, expiry and session policies; rotation with a grace period (the
//!   old key is deleted at once).
//! - User tags: RGW users have none.
//! - Replication (`bucket_replication`): Pacific has no S3 replication API. Its replication
//!   is between zones of a multisite configuration (realm, zonegroup, zones, and from Octopus
//!   on, sync policies set with `radosgw-admin sync policy`), not per bucket to a remote S3
//!   endpoint with credentials. Seen on 16.2: `PUT /<bucket>?replication` signed by the
//!   bucket's owner is `405 MethodNotAllowed`, `GET ?replication` answers an empty
//!   `<ReplicationConfiguration>` (no rules), and `DELETE ?replication` answers `204` and
//!   changes nothing (proved in `tests/ceph_server.rs`).
//! - Per-bucket durability (`bucket_durability`): the data pool's replication or erasure
//!   coding decides it, per placement target, not per bucket.
//!
//! ## Bucket features (seen on Pacific 16.2, proved in `tests/ceph_server.rs`)
//! Lifecycle rules, CORS rules and the object-lock default retention are S3 configurations of
//! the bucket, written and read with the shared S3 code (`S3Client::apply_created_features`,
//! `apply_updated_features`, `read_features`) signed as the instance's system user. A create
//! whose feature is refused deletes the bucket again (`purge-objects`) and names the feature;
//! if that delete fails too the error is `Partial`.
//! - **Lifecycle** (`?lifecycle`): expiry after days, noncurrent-version expiry, abort of
//!   incomplete multipart uploads, prefix, tag and prefix-and-tags filters are stored and read
//!   back. RGW answers the rules **sorted by id**, not in the order given, and a rule without a
//!   filter comes back with an empty rule-level `<Prefix>` (read as no filter). RGW checks
//!   them itself too: a rule without action is `400 MalformedXML`, duplicate ids or `0` days
//!   `400 InvalidArgument` (the SDK refuses these before any request). No configuration is
//!   `404 NoSuchLifecycleConfiguration` (read as none); deleting one that is not there
//!   succeeds. RGW applies the rules: its lifecycle thread runs them in the work window
//!   `rgw_lifecycle_work_time` (default `00:00-06:00`), and `radosgw-admin lc process` runs
//!   them at once. Proved with a lifecycle day shortened to 2 s (`rgw_lc_debug_interval=2`):
//!   the expiry rule puts a delete marker on the object under its prefix only, the noncurrent
//!   rule removes the older version of another key, and the multipart rule aborts an
//!   incomplete upload (its parts are then `404 NoSuchUpload`). (Pacific's `lc process`
//!   ignores `--bucket` and processes every bucket with rules.)
//! - **CORS** (`?cors`): stored and read back as given (a rule without `MaxAgeSeconds` has
//!   none); enforced: an anonymous preflight (`OPTIONS` with `Origin` and
//!   `Access-Control-Request-Method`) from an allowed origin and method is `200` with
//!   `Access-Control-Allow-Origin`, another origin or method `403`, and with no configuration
//!   every preflight is `403`. No configuration is `404 NoSuchCORSConfiguration`.
//! - **Default retention** (`?object-lock`): only on a bucket created with object lock;
//!   `PUT ?object-lock` on another bucket is `409 InvalidBucketState`, which s3aas answers as
//!   `Conflict` before any write (reading the lock first), and clearing the retention of such
//!   a bucket changes nothing. `GET ?object-lock` of a bucket without lock is
//!   `404 ObjectLockConfigurationNotFoundError` (read as no lock). Days and years, governance
//!   and compliance are kept. Enforced: an object written afterwards carries the mode and a
//!   retain-until date (`x-amz-object-lock-mode`, `x-amz-object-lock-retain-until-date` on
//!   `HEAD`), and deleting its version is `403 AccessDenied` ("forbidden by object lock", i.e.
//!   `PermissionDenied`) unless a governance lock is bypassed with
//!   `x-amz-bypass-governance-retention` by a user allowed to; objects written before the
//!   retention, or after it is cleared, are not locked, and clearing it does not unlock what it
//!   locked. `DELETE /admin/bucket?purge-objects=true` ignores object lock and removes locked
//!   versions, compliance mode included (seen with a compliance retention of a day), so a
//!   forced bucket or instance delete never purges a bucket with object lock: it empties it
//!   through S3, where a locked version refuses its delete and the call fails naming it (the
//!   instance's other buckets are still whole: every locked bucket is emptied before anything
//!   is deleted). Buckets that users made with their own keys still go with `purge-data`.
//! - **Canned access levels**: RGW enforces bucket policies for unsigned requests.
//!   `BucketAccess::PublicReadList` lets an anonymous client list the bucket (ListObjectsV2,
//!   `GET /<tenant>:<bucket>?list-type=2`) and read objects; with `PublicRead` the listing is
//!   `403` and reads work; `Private` refuses both.
//! - **Usage of an instance**: `GET /admin/bucket?uid=<tenant>$s3aas&stats=true` answers every
//!   bucket the system user owns with its bucket-index stats, so `instance_usage` is two
//!   requests (the system user, which must exist, then the stats) whatever the number of
//!   buckets, source [`UsageSource::BucketScan`](s3aas_core::model::UsageSource), `as_of` the
//!   time of the read. Bucket-index stats follow writes as they complete (seen: exact right
//!   after the writes); user-level stats (`GET /admin/user?stats=true`) lag behind (synced in
//!   the background) and count the buckets a user owns, not the instance's, so they are not
//!   used. Buckets users made with their own keys are not the instance's buckets and are not
//!   counted. A missing user answers `[]` to the stats call, hence the system user is read
//!   first.
//!
//! ## Per-bucket quotas
//! Pacific answers `501 NotImplemented` to the documented `PUT /admin/bucket?quota&uid=&bucket=`,
//! and the user-level `quota-type=bucket` applies to every bucket of the owner (all of an
//! instance's buckets share one). So the quota is written into the bucket's instance metadata
//! (`/admin/metadata/bucket.instance`, read-modify-write of `bucket_info.quota`), which is what
//! `radosgw-admin quota set --quota-scope=bucket` changes. RGW enforces it: a write over it is
//! `403 QuotaExceeded`.
//!
//! ## Per-user quotas (Ceph only)
//! The core traits have no user quota, so [`CephProvider::set_user_quota`] and
//! [`CephProvider::get_user_quota`] are methods of this backend only, taking a [`UserQuota`]
//! (`max_size_bytes`, `max_objects`; at least one, neither `0`, checked before any request;
//! `None` removes it). It is RGW's `user_quota`:
//! `PUT /admin/user?quota&uid=<tenant>$<user>&quota-type=user&enabled=&max-size=&max-objects=`
//! and `GET /admin/user?quota&uid=&quota-type=user`. Seen on Pacific 16.2:
//! - The `PUT` takes the settings as query parameters only: the JSON body RGW documents is
//!   answered `501 NotImplemented`. `max-size` is in bytes; a parameter left out keeps its old
//!   value, so s3aas always sends all three (`-1` for no limit).
//! - It counts the buckets the user *owns*, i.e. those it made with its own key; the instance's
//!   buckets belong to the system user and are not counted, whoever writes into them.
//! - RGW enforces it per request on the gateway that takes the write: the write that would
//!   cross the limit is `403 QuotaExceeded` (`Conflict`) at once, without a user stats sync
//!   (`?stats&sync-stats`), and writes pass again as soon as the quota is removed (proved in
//!   `tests/ceph_server.rs` on one gateway; with several, RGW's own caveat applies: each
//!   gateway caches the user's stats, so concurrent writes can overshoot).
//! - The `PUT` rewrites the user without its inline policies like the other Admin Ops user
//!   changes below (seen: the attached policy is gone afterwards), so they are put back the
//!   same way.
//!
//! ## Admin Ops user changes drop inline policies
//! On Pacific every Admin Ops change of a user — adding or removing a key
//! (`PUT`/`DELETE /admin/user?key`), suspending or unsuspending, changing the display name
//! (`POST /admin/user`), setting a user quota (`PUT /admin/user?quota`) — rewrites the user *without* its inline IAM policies: afterwards
//! `ListUserPolicies` answers `404 NoSuchEntity` and the user's keys are refused where the
//! policies allowed them. So s3aas reads a user's inline policies before such a change and
//! puts back those that are gone after it. A policy attached by another client *during* that
//! change can still be lost; attaching it again restores it.
//!
//! ## Deleting an instance
//! Buckets a user made with its own key belong to that user, not to the system user: they are
//! not listed as the instance's buckets, but they go with their user (`purge-data`), so
//! `delete_instance` without `force` also refuses (`BucketNotEmpty`, before deleting anything)
//! when one of them holds objects. The system user is deleted last, so an interrupted delete
//! leaves an instance that a second delete finishes.
//!
//! ## Differences from AWS seen on RGW
//! - `PUT /admin/user` of an existing user is `409 UserAlreadyExists` even with identical
//!   parameters; a missing user is `404 NoSuchUser`; RGW's admin errors carry an empty
//!   `Message`, so the code is the message.
//! - Creating an existing bucket again as its owner succeeds (`200`), as on AWS us-east-1: s3aas
//!   checks first and answers `AlreadyExists`.
//! - `PUT /admin/user?key` with an existing access key id of the same user silently replaces its
//!   secret; of another user it is `409 KeyExists`. Deleting a key the user does not hold is
//!   `403 InvalidAccessKeyId`.
//! - `PUT /admin/user?key` answers the user's whole key list (secrets included), not the new key.
//! - Usage: bucket stats follow writes closely; user stats lag (synced in the background). The
//!   usage's `as_of` is the time the stats were read.
//! - `ListUserPolicies` of a user without inline policies is `404 NoSuchEntity`, not an empty
//!   list (read as empty).
//! - A write over a bucket quota is `403 QuotaExceeded` with an empty message (mapped to
//!   `Conflict`, like the other backends' quota refusals).
//! - `/admin/metadata/user` lists the users of every tenant (`tenant$user`); there is no
//!   per-tenant filter, so listings page through all of them.
//! - Bucket policies name the bucket as `arn:aws:s3:::<bucket>` too (resolved in the bucket's
//!   tenant). An anonymous client has no tenant, so it reaches a public-read bucket of tenant
//!   `acme_1` as `/acme_1:<bucket>/<key>` (path style); `/<bucket>/<key>` names a bucket of the
//!   empty tenant (proved in `tests/ceph_server.rs`).
//! - Bucket names must be 3–63 characters (`InvalidBucketName` for shorter), as on AWS.
//! - Admin queries must be signed with strictly percent-encoded, sorted query parameters
//!   (`%20`, never `+`): RGW rebuilds the canonical query itself; `curl --aws-sigv4` gets
//!   `SignatureDoesNotMatch` on queries with several parameters.

mod access_key;
mod bucket;
mod caps;
mod config;
mod error;
mod features;
mod instance;
mod policy;
mod provider;
mod quota;
mod user;
mod user_quota;
mod wire;

pub use config::CephBuilder;
pub use instance::MARKER;
pub use provider::{CephProvider, POLICY_USER, SYSTEM_USER, instance_of, tenant_of};
pub use user_quota::UserQuota;

use s3aas_core::model::Support;
use s3aas_core::{Capabilities, ObjectStoreProvider, ProviderConfig, Registry, Result};
use std::sync::Arc;

/// The backend name and URI scheme.
pub const SCHEME: &str = "ceph";

/// What RGW (Pacific) allows through this backend; see the crate docs for why each is off.
pub const CAPABILITIES: Capabilities = {
    let mut c = Capabilities::none();
    c.instance_create = true;
    c.instance_versioning = Support::Yes;
    c.instance_labels = true;
    c.bucket_versioning = Support::Yes;
    c.bucket_object_lock = Support::CreationOnly;
    c.bucket_quota = Support::Yes;
    c.bucket_policy = Support::Yes;
    c.bucket_tags = Support::Yes;
    c.bucket_force_delete = true;
    c.bucket_usage = true;
    c.bucket_lifecycle = Support::Yes;
    c.bucket_cors = Support::Yes;
    c.bucket_retention = Support::Yes;
    // Pacific has no S3 replication API (`PUT ?replication` is `405`): it replicates zones.
    c.bucket_replication = Support::No;
    c.bucket_durability = false;
    c.instance_usage = true;
    c.user_disable = true;
    c.policies = true;
    c.policy_attach = true;
    c
};

/// The configuration keys this backend reads (besides the transport keys of
/// [`s3aas_http::HttpConfig::KEYS`]), read from the options struct itself.
pub static KEYS: std::sync::LazyLock<&'static [&'static str]> =
    std::sync::LazyLock::new(s3aas_core::typed::option_keys::<config::CephOptions>);

/// Feeds one answer body to every Admin Ops decoder and error parser (for fuzz targets; never
/// panics, whatever the input).
#[doc(hidden)]
pub fn fuzz_decoders(body: &[u8]) {
    wire::fuzz_all(body);
    for status in [400, 404, 409, 500, 503] {
        let resp = s3aas_http::Response {
            status,
            headers: http::HeaderMap::new(),
            body: body.to_vec().into(),
            attempts: 1,
            retries_exhausted: false,
        };
        let e = error::rgw_error("fuzz", &resp);
        let _ = format!("{e} {e:?}");
    }
}

/// Registers the `ceph` scheme.
pub fn register(registry: &mut Registry) {
    registry.register(SCHEME, factory);
}

fn factory(cfg: &ProviderConfig) -> Result<Arc<dyn ObjectStoreProvider>> {
    Ok(Arc::new(CephProvider::from_config(cfg)?))
}
