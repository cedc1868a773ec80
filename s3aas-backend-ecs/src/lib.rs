//! # s3aas-backend-ecs
//!
//! The Dell ECS backend of s3aas, on the ECS Management REST API (port 4443) plus the S3 calls
//! that only the data API offers (versioning, lifecycle, CORS, the object-lock default
//! retention).
//!
//! ```no_run
//! # async fn f() -> s3aas_core::Result<()> {
//! use s3aas_backend_ecs::EcsProvider;
//! use s3aas_core::prelude::*;
//! let ecs = EcsProvider::builder("https://ecs.example.com:4443", "svc-s3aas", SecretString::from("...".to_string()))
//!     .s3_endpoint("https://ecs.example.com:9021")
//!     .replication_group("urn:storageos:ReplicationGroupInfo:0e9d...:global")
//!     .version("3.8")
//!     .build()?;
//! ecs.create_instance(CreateInstance::new("acme").default_bucket("acme-data")).await?;
//! ecs.close().await?; // releases the management token
//! # Ok(()) }
//! ```
//!
//! ## How s3aas maps onto ECS
//! | s3aas | ECS |
//! |---|---|
//! | instance | a namespace (`/object/namespaces/namespace/{ns}`), created with the configured replication group as default and the requested encryption (D@RE, fixed at creation), **marked by its service user** (below) |
//! | instance's service user | object user `<user_prefix>s3aas_<ns>` with the tags `s3aas-instance=<ns>` and `s3aas-versioning=true\|false` (and `s3aas-adopted-namespace=true` for an adopted namespace). ECS namespaces carry no tags or metadata (Dell's spec lists every field), so this user is what tells an s3aas instance from any other namespace, from ECS alone. It owns the buckets s3aas makes without an owner, so that s3aas can sign their S3 calls as their owner. It is not a user of the instance (never listed) |
//! | instance's default bucket | a bucket of the namespace tagged `s3aas-default-bucket=true` (the tag is hidden from [`Bucket::tags`](s3aas_core::model::Bucket) and counts against ECS's 10 tags), so it is rediscovered from ECS alone |
//! | user `alice` of instance `acme` | object user `<user_prefix>acme--alice` in namespace `acme` (object user ids are global on ECS, hence the instance in the id), tagged `s3aas-managed=true` (hidden); or named by [`EcsBuilder::user_name_template`] |
//! | buckets of the instance | buckets of the namespace owned by the service user or by one of the instance's users, and the default bucket; others in the namespace are not the instance's |
//! | access key | one of the object user's secret keys; the access key id is the object user id, the key's id the SHA-256 of the secret (what ECS 4.x calls `secret_key_id`) |
//! | disable / enable user | lock / unlock (`PUT /object/users/lock`) |
//! | bucket quota | `blockSize` / `notificationSize` in whole GiB |
//! | bucket policy | `/object/bucket/{b}/policy` |
//! | bucket usage | billing, `sizeunit=BYTE` (sampled about every 5 minutes: see [`BucketUsage::as_of`](s3aas_core::model::BucketUsage)) |
//! | lifecycle rules, CORS rules, default retention | the bucket's S3 `?lifecycle`, `?cors` and `?object-lock` configurations, signed as its owner (below) |
//! | instance usage | namespace billing with bucket details, summed over the instance's own buckets ([`UsageSource::Billing`](s3aas_core::model::UsageSource)) |
//! | public read (with listing) | a bucket policy granting `*` `s3:GetObject` (and `s3:ListBucket`), through `/object/bucket/{b}/policy` |
//!
//! ## IAM mode (ECS 3.6+)
//! [`EcsBuilder::iam`] (config `iam=true`) manages users, access keys and named policies through
//! the ECS IAM API (`POST /iam?Action=...` with the token and `x-emc-namespace`) instead of
//! object users and secret keys:
//!
//! | s3aas | ECS, IAM mode |
//! |---|---|
//! | user `alice` of instance `acme` | IAM user `<user_prefix>alice` of namespace `acme` |
//! | access key | one of the IAM user's (at most two) access keys; `Active`/`Inactive` is [`AccessKey::enabled`](s3aas_core::model::AccessKey) |
//! | policy `p` | managed policy `urn:ecs:iam::acme:policy/p`; a new document becomes the default version and older versions are deleted |
//! | attach / detach | `AttachUserPolicy` / `DetachUserPolicy` |
//! | disable / enable user | IAM users have no such flag: the active keys are set `Inactive` and recorded in the user tag `s3aas-disabled` (hidden from the user's tags); enabling re-activates exactly those |
//!
//! Capabilities then say: policies and attachment yes, disabling single keys yes, rotation grace
//! no (IAM keys cannot expire), bucket owners no (ECS makes the namespace's root user own what
//! IAM users create; s3aas's own buckets belong to the service user). IAM users s3aas made carry
//! the tag `s3aas-managed`; the policies it made, the description `managed by s3aas` (how
//! `delete_instance` tells them from others' in the namespace). ECS documents that IAM
//! changes may take effect with a delay and apply to the S3 protocol only; deleting and
//! re-creating a user or policy gives it a new unique id.
//!
//! ## A shared ECS: what s3aas touches
//! A CloudStack ECS is shared by zones, tools and people. s3aas lists as instances only the
//! namespaces its service user marks, and within them sees, changes and deletes only its own
//! users (the naming template) and buckets (owned by the service user or its users).
//! `delete_instance` without `force` refuses with `Conflict`, naming them, when the namespace
//! holds anything else (another tool's users, buckets or IAM policies, or *adopted* users that
//! s3aas found rather than made); with `force` it deletes what it made and what it adopted, and
//! leaves the namespace in place while anything of others remains in it (and always when the
//! namespace itself was adopted).
//!
//! Adopting what exists, as the CloudStack plugin does: [`EcsBuilder::namespace`] (option
//! `namespace`) uses an existing namespace as the provider's one instance, and
//! [`EcsBuilder::user_name_template`] (option `user_name_template`, e.g. `cs-{user}`) finds
//! CloudStack's `cs-<account uuid>` object users instead of duplicating them.
//!
//! ## S3 calls, as ECS demands them
//! ECS takes a signed S3 request's namespace from the user who signs it, and lets only a
//! bucket's owner (or a user a bucket policy grants) reconfigure it. So versioning, lifecycle,
//! CORS, the default retention and emptiness checks are signed with the bucket owner's secret key, read from ECS; where ECS
//! hides secret keys, a temporary key is made for the call and deleted after it (which needs a
//! free key slot: ECS allows two per user). A real deployment must configure: the S3 endpoint
//! the SDK reaches (`s3_endpoint`, ports 9020/9021) and a management user that may create
//! namespaces and object users (System Admin; Namespace Admin suffices with `namespace`).
//!
//! ## Bucket features: lifecycle, CORS, default retention, replication
//! ECS keeps lifecycle and CORS in its S3 head only (the management API has no endpoint for
//! either), so s3aas sets and reads them through S3 as the bucket's owner, exactly as it does
//! versioning: one owner client (and, where secrets are hidden, one temporary key) per
//! `create_bucket`, `update_bucket` or `get_bucket`. What ECS supports, from its Data Access
//! Guide ("S3 API supported and unsupported features", 3.5 to 3.6.2): PUT/GET/DELETE bucket
//! lifecycle, "only the expiration part" (expiry, noncurrent expiry, multipart abort; no
//! transitions) and not on file-system-enabled buckets (s3aas makes none); PUT/GET/DELETE
//! bucket CORS.
//!
//! **Default retention** is the S3 object-lock configuration (`?object-lock`, mode GOVERNANCE
//! or COMPLIANCE, days or years), which ECS has from 3.6.2 ("Better Protection with Dell EMC
//! ECS Object Lock", unstructureddatatips.com; VMware OSE's docs say 3.6) on buckets made with
//! `is_object_lock_enabled`: capability `bucket_retention` needs the S3 endpoint and 3.6.2,
//! like `bucket_object_lock`. The management API offers two other things, not used: the bucket
//! `retention` (`GET/PUT /object/bucket/{b}/retention`, a period in seconds, no mode) is ECS's
//! own WORM retention, older than its S3 object lock (the blog above: "ECS supported WORM
//! based retention from ECS 2.X"), so it cannot say GOVERNANCE or COMPLIANCE and is not what
//! S3 clients read as the bucket's object-lock configuration (inferred from the two);
//! `GET/PUT /object/bucket/{b}/object-lock-config` (JSON
//! `ObjectLockEnabled`, `Rule.DefaultRetention`) is the same configuration as S3's, but it is
//! in Dell's 4.x spec only, with no release named, while `?object-lock` works from 3.6.2 and
//! shares the versioning path. A retention asked of a bucket made without object lock is
//! `Conflict`, before anything is sent: ECS can turn object lock on for an existing bucket
//! (`?enable-object-lock`, Dell KB 000222410; Dell's Veeam guide), which can never be undone,
//! and s3aas does not do that as a side effect. In a namespace whose buckets allow reads during
//! an outage (ADO, `is_stale_allowed`) by default, ECS refuses object lock unless the bucket is
//! made with `is_object_lock_with_ado_allowed` (Dell's spec), a one-way flag with a risk of data
//! loss: s3aas sets neither, so ECS's refusal reaches the caller as `InvalidInput`.
//!
//! **Replication** (`bucket_replication` = no): ECS replicates between sites by *replication
//! group* (geo-replication of every bucket in it, chosen with the namespace's or bucket's
//! `vpool` at creation: [`EcsBuilder::replication_group`]); it has no per-bucket S3 replication
//! to a remote endpoint (not among the S3 APIs ECS supports), so replication rules are refused
//! with `Unsupported` before any request. No per-bucket durability mode either
//! (`bucket_durability` = false): protection is the replication group's.
//!
//! **Public read with listing** ([`BucketAccess::PublicReadList`](s3aas_core::BucketAccess)) is
//! a bucket policy like any other. Anonymous S3 clients must put the namespace in the address
//! (host `bucket.namespace.<base URL>` where a base URL is registered, or the header
//! `x-emc-namespace`): ECS takes a signed request's namespace from its signer, but an
//! anonymous request has none ("Bucket and namespace addressing").
//!
//! ## Instance usage
//! [`instance_usage`](s3aas_core::provider::BucketAdmin::instance_usage) reads
//! `GET /object/billing/namespace/{ns}/info?sizeunit=BYTE&include_bucket_detail=true` (paged
//! with `marker`/`next_marker`) and sums the figures of the instance's own buckets, which the
//! namespace's bucket listing tells (the ownership rules above): on a shared ECS the namespace
//! total would count others' buckets. That is one bucket listing and one billing read per page,
//! not one read per bucket. **How stale**: ECS samples billing every 5 minutes
//! (python-ecsclient's docs; the billing sample API accepts only multiples of 5 minutes, ECS 3.2
//! REST API reference) and sampling a whole namespace takes time ("the values for the buckets
//! will not sum to equal the namespace's values", Dell's spec); `uptodate_till` may lag further
//! "during data reconstruction". So the figure can miss the last few minutes of writes (more
//! on a busy or recovering cluster), `as_of` is the oldest sample time among its parts, and a
//! bucket made since the last sample counts (in `buckets`) with nothing in it. Per-bucket
//! usage stays the bucket billing read.
//!
//! ## What ECS cannot do (refused with `Unsupported` before any request)
//! - Attached (named) policies on object users: they have none; only bucket policies exist.
//!   Use IAM mode for them.
//! - Access key name, description, expiry, session policy; disabling a single key (object
//!   users; IAM mode can).
//! - Changing a bucket's or an instance's encryption after creation (ECS sets D@RE only at
//!   creation).
//! - Object lock unless the configured ECS version is 3.6.2 or later; forced deletion of a
//!   non-empty bucket unless it is 3.8 or later (`emptyBucket=true`).
//! - Versioning, lifecycle rules, CORS rules and a default retention without an S3 endpoint
//!   (they go through the S3 API); a default retention before 3.6.2.
//! - Replication rules: ECS replicates by replication group, not per bucket (above).
//! - Instance labels: ECS namespaces carry no labels.
//! - More than 10 tags on a bucket (9 on an instance's default bucket): `InvalidInput`.
//!
//! ## Checked against Dell's references
//! The simulator in `s3aas-fakes` (and so every test of this crate) was checked endpoint by
//! endpoint against Dell's OpenAPI spec of the ECS management API (`ecs_metadata_openapi_4.1.json`
//! in dell/terraform-provider-objectscale, and that repository's generated Go client), Dell's
//! python-ecsclient 1.1.12 (which also drives the simulator in `tests/python_ecsclient.rs`), the
//! CloudStack ECS plugin (`EcsObjectStoreDriverImpl.java`), Dell's CF service broker
//! (thecodeteam/ecs-cf-service-broker) and Dell's ECS guides. `tests/fidelity.rs` holds the
//! checks that once found the simulator more permissive than ECS.
//!
//! **Verified** (reference in parentheses): login with Basic auth and the `X-SDS-AUTH-TOKEN`
//! header, logout (spec, guides, plugin, broker); expiry as 401 or a 302 to `/login` (guides);
//! `/user/whoami` (spec); namespace create fields, `is_encryption_enabled` answered as a string,
//! listing with `limit`/`marker`/`name=p*`, deactivate as a POST (spec, python-ecsclient,
//! broker); namespace encryption fixed after creation (ECS Admin Guide, broker);
//! namespaces carry no tags or metadata (spec); object users `{user, namespace, tags}`, lock,
//! info, deactivate, user tags through `/object/users/{uid}/tags` (spec, python-ecsclient,
//! plugin); secret keys (create with `existing_key_expiry_time_mins`, list, deactivate by
//! secret or `secret_key_id`, at most two) (spec, python-ecsclient, guides, plugin); bucket
//! create fields with `TagSet{Key,Value}` and GB quotas, info, listing with `NextMarker`,
//! deactivate with `emptyBucket` and `empty-bucket-status` (spec, plugin, broker); at most 10
//! bucket tags, deleting a missing tag is an error (spec); quota PUT/DELETE (spec,
//! python-ecsclient, plugin); notification quota above the hard quota accepted
//! (python-ecsclient's recorded answers); bucket policy as JSON, none as 204/404/`{}` (spec,
//! broker, plugin); billing with `sizeunit=BYTE`, `KB`/`MB`/`GB` meaning KiB/MiB/GiB (spec); the
//! IAM transport (`POST /iam?Action=`, `x-emc-namespace`) and every action and parameter used,
//! including `PolicyScope` and `Description` on `CreatePolicy` (spec, Terraform client, broker);
//! an S3 request's namespace is its signer's (ECS Admin Guide, "Bucket and namespace
//! addressing").
//!
//! Bucket features and usage (issue #17), **verified**: namespace billing's fields (totals,
//! `bucket_billing_info` items with `name`, `namespace`, `vpool_id`, `total_size` as a double,
//! `total_size_unit` as asked, `total_objects`, `sample_time` as `yyyy-MM-dd'T'HH:mm:ss'Z'`,
//! `uptodate_till`, tags, MPU figures), `include_bucket_detail`, `marker`/`next_marker`, units
//! `KB`/`MB`/`GB` = KiB/MiB/GiB and `KiB`/`MiB`/`GiB`/`BYTE` (Dell's spec
//! `BillingService_getNamespaceBillingInfo`, ECS 3.2 REST API reference, python-ecsclient
//! 1.1.12's `get_namespace_billing_info`, which drives the simulator in
//! `tests/python_ecsclient.rs`); sampling every 5 minutes (python-ecsclient, 3.2 reference);
//! lifecycle expiry-only, CORS, no S3 replication (ECS Data Access Guide 3.5–3.6.2); object
//! lock from 3.6.2 with versioning forced on (Dell blog, KB 000222410); the object-lock and
//! management retention endpoints' shapes (spec; python-ecsclient's `get_retention` and
//! `set_retention` drive the simulator's, which the tests show s3aas leaves at 0); that the simulator speaks S3 as an S3 client
//! reads it for these configurations: their XML, their "none" errors
//! (`NoSuchLifecycleConfiguration`, `NoSuchCORSConfiguration`,
//! `ObjectLockConfigurationNotFoundError`, 404) and the actions a bucket policy names for them
//! (boto3's S3 client against the simulator, `tests/python_boto3_iam.rs`; AWS's S3 reference
//! and action list); anonymous requests need the namespace in the address (ECS Admin Guide).
//! **Assumed**: that ECS answers those S3 shapes and codes as AWS does (ECS claims S3
//! compatibility for these APIs; no Dell page lists their errors); the answers to what ECS
//! lacks (`501
//! NotImplemented` for `?replication` and for lifecycle transitions) and to an anonymous request
//! without a namespace (`403 AccessDenied`); that ECS reads lifecycle rules in the `<Filter>`
//! form s3aas writes (AWS's since 2016; s3aas reads the older rule-level `<Prefix>` too) and
//! that filters on object tags work as in S3 (Dell's guides mention neither); that only the
//! bucket's owner (or a bucket policy) may set lifecycle, CORS and object lock, as in AWS and as
//! ECS documents for bucket reconfiguration; that ECS wants `Content-MD5` on these PUTs (s3aas
//! sends it; boto3 1.36+ sends CRC32 checksums instead, which a release before flexible
//! checksums may not know); the page size of billing bucket details (100 in the simulator).
//!
//! **Assumed** (no reference settles it; the simulator follows the assumption): the exact
//! `Location` of the 302 on an expired token (any one containing `/login` is taken); what ECS
//! answers for an unknown path (405/1007, as the simulator does); HTTP statuses and codes for a
//! missing namespace, bucket or user (404 with 1004 for entities in the URL) and for a duplicate
//! object user; whether a namespace may be deleted while it still holds object users; whether
//! `marker` is honoured on `/object/users/{namespace}` (a listing that does not advance is
//! therefore an error, never a short list); the encoding of `secret_key_id` (hex SHA-256 taken);
//! IAM error HTTP statuses (errors are read by code); whether `ListPolicyVersions` answers
//! `Versions` or `PolicyVersions` (both read); that only the bucket owner (or a bucket policy)
//! may set versioning, as in AWS; that a newly made secret key works on S3 at once (Dell
//! documents that nodes may cache keys for up to two minutes: a temporary key on a real ECS may
//! be refused at first).
//!
//! ## Sessions
//! One management token per provider, refreshed on expiry with a single login in flight
//! (see [`session`]). Call [`EcsProvider::close`] when done: ECS allows about 100 live tokens
//! per user. Dropping the provider also logs out, in the background, when a Tokio runtime runs.

mod access_key;
mod bucket;
mod config;
mod error;
mod features;
mod identity;
mod instance;
mod naming;
mod owner_s3;
mod policy;
mod provider;
#[path = "client.rs"]
pub mod session;
mod usage;
mod user;
mod wire;

pub use config::EcsBuilder;
pub use naming::MANAGED_TAG;
pub use provider::EcsProvider;
pub use wire::secret_key_id;

use s3aas_core::{ObjectStoreProvider, ProviderConfig, Registry, Result};
use std::sync::Arc;

/// The backend name and URI scheme.
pub const SCHEME: &str = "ecs";

/// The configuration keys this backend reads (besides the transport keys of
/// [`s3aas_http::HttpConfig::KEYS`]), read from the options struct itself so the list cannot
/// drift from what [`EcsProvider::from_config`] accepts.
pub static KEYS: std::sync::LazyLock<&'static [&'static str]> =
    std::sync::LazyLock::new(s3aas_core::typed::option_keys::<config::EcsOptions>);

/// Feeds one answer body to every management-API decoder this backend has (for the fuzz targets
/// in `fuzz/`; never panics, whatever the input).
#[doc(hidden)]
pub fn fuzz_decoders(body: &[u8]) {
    wire::fuzz_all(body);
}

/// Feeds one body to this backend's error parsers (management API and IAM), as an answer with
/// each of a few statuses (for the fuzz targets in `fuzz/`; never panics, whatever the input).
#[doc(hidden)]
pub fn fuzz_errors(body: &[u8]) {
    let _ = error::parse_error(body);
    let _ = error::parse_iam_error(body);
    for status in [400, 404, 500, 503] {
        let resp = s3aas_http::Response {
            status,
            headers: http::HeaderMap::new(),
            body: body.to_vec().into(),
            attempts: 1,
            retries_exhausted: false,
        };
        let e = error::ecs_error("fuzz", &resp);
        let _ = format!("{e} {e:?}");
    }
}

/// The tag that marks an instance's default bucket.
pub const DEFAULT_BUCKET_TAG: &str = "s3aas-default-bucket";

/// Registers the `ecs` scheme.
pub fn register(registry: &mut Registry) {
    registry.register(SCHEME, factory);
}

fn factory(cfg: &ProviderConfig) -> Result<Arc<dyn ObjectStoreProvider>> {
    Ok(Arc::new(EcsProvider::from_config(cfg)?))
}
