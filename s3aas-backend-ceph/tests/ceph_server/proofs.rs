//! Proofs through S3 with the keys s3aas issues: what the SDK configured is what RGW enforces.

use super::cluster::{Cluster, ClusterProvider};
use s3aas_backend_ceph::{CephProvider, UserQuota};
use s3aas_core::prelude::*;
use s3aas_http::S3Client;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod access;
mod admin;
mod features;
mod state;

use access::*;
use admin::*;
use features::*;
use state::*;

type Proof =
    fn(Arc<CephProvider>, String) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

fn proofs() -> Vec<(&'static str, Proof)> {
    vec![
        ("key_works_only_where_its_policy_allows", |p, n| {
            Box::pin(key_scoped_by_policy(p, n))
        }),
        ("suspended_user_is_refused_and_comes_back", |p, n| {
            Box::pin(suspended_user(p, n))
        }),
        ("deleted_key_and_deleted_user_are_refused", |p, n| {
            Box::pin(deleted_key_and_user(p, n))
        }),
        ("hard_quota_is_enforced", |p, n| {
            Box::pin(quota_enforced(p, n))
        }),
        ("instances_rediscovered_by_a_new_process", |p, n| {
            Box::pin(rediscovery(p, n))
        }),
        ("rotation_new_key_works_old_one_stops", |p, n| {
            Box::pin(rotation(p, n))
        }),
        ("provision_tenant_key_works_on_its_bucket", |p, n| {
            Box::pin(provisioned(p, n))
        }),
        (
            "admin_queries_with_awkward_characters_are_signed",
            |p, n| Box::pin(awkward_signing(p, n)),
        ),
        ("rgwadmin_sees_what_the_provider_reports", |p, n| {
            Box::pin(rgwadmin_cross_check(p, n))
        }),
        ("user_made_buckets_count_for_an_unforced_delete", |p, n| {
            Box::pin(user_buckets_block_delete(p, n))
        }),
        ("the_admin_users_caps_allow_everything_declared", |p, _| {
            Box::pin(caps_probed(p))
        }),
        (
            "listing_1010_users_pages_past_rgws_1000_entry_pages",
            |p, n| Box::pin(many_users(p, n)),
        ),
        ("anonymous_get_public_read_vs_private", |p, n| {
            Box::pin(anonymous_access(p, n))
        }),
        ("versioning_keeps_two_versions", |p, n| {
            Box::pin(two_versions(p, n))
        }),
        ("desired_state_drift_is_reported_and_repaired", |p, n| {
            Box::pin(desired_state_drift(p, n))
        }),
        ("user_quota_is_enforced_read_back_and_removed", |p, n| {
            Box::pin(user_quota(p, n))
        }),
        ("lifecycle_rules_read_back_and_expire_objects", |p, n| {
            Box::pin(lifecycle_applied(p, n))
        }),
        ("cors_rules_answer_preflights_until_removed", |p, n| {
            Box::pin(cors_answers_preflights(p, n))
        }),
        ("default_retention_locks_new_objects_only", |p, n| {
            Box::pin(retention_locks_new_objects(p, n))
        }),
        (
            "public_read_list_lists_anonymously_public_read_does_not",
            |p, n| Box::pin(access_levels_anonymous(p, n)),
        ),
        ("rgw_has_no_s3_replication_api", |p, n| {
            Box::pin(no_replication_api(p, n))
        }),
        ("instance_usage_counts_writes_of_issued_keys", |p, n| {
            Box::pin(instance_usage_counts_writes(p, n))
        }),
    ]
}

/// Makes a brand-new provider for the cluster under test.
static FRESH: std::sync::OnceLock<Box<dyn Fn() -> Arc<CephProvider> + Send + Sync>> =
    std::sync::OnceLock::new();

/// `host:port`, admin access key and secret file, for the rgwadmin cross-check.
static CROSS: std::sync::OnceLock<(String, String, std::path::PathBuf)> =
    std::sync::OnceLock::new();

/// Runs the proofs (filtered like tests by the command line's filter); returns (passed, run).
pub(crate) fn run_all(cluster: &Cluster, args: &libtest_mimic::Arguments) -> (usize, usize) {
    let (endpoint, access, secret) = cluster.credentials();
    let _ = FRESH.set(Box::new(move || {
        Arc::new(
            CephProvider::builder(&endpoint, &access, SecretString::from(secret.clone()))
                .build()
                .expect("provider"),
        )
    }));
    let _ = RADOSGW_ADMIN.set(cluster.radosgw_admin());
    let _ = CROSS.set((
        cluster.endpoint.trim_start_matches("http://").to_string(),
        cluster.access_key.clone(),
        cluster.secret_file(),
    ));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (mut passed, mut total) = (0, 0);
    for (i, (name, proof)) in proofs().into_iter().enumerate() {
        if args
            .filter
            .as_deref()
            .is_some_and(|f| !name.contains(f) && !"proofs".contains(f))
        {
            continue;
        }
        total += 1;
        // A fresh provider per proof, and unique names: no proof sees another's state.
        let p = cluster.provider();
        let inst = format!("proof{}-{}", i, std::process::id());
        let res = rt.block_on(async {
            let r = proof(p.clone(), inst.clone()).await;
            let cleanup = p
                .delete_instance(&inst, DeleteInstance::new().force(true))
                .await;
            match (r, cleanup) {
                (Err(e), _) => Err(e),
                (Ok(()), Err(e)) => Err(format!("cleanup failed: {e}")),
                (Ok(()), Ok(())) => Ok(()),
            }
        });
        match res {
            Ok(()) => {
                passed += 1;
                println!("proof ceph::{name} ... ok");
            }
            Err(e) => println!("proof ceph::{name} ... FAILED: {e}"),
        }
    }
    (passed, total)
}

fn err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Retries `check` until it returns `Ok` or 15 s pass (RGW applies user and key changes at
/// once on one gateway; the wait only absorbs its metadata cache).
async fn eventually<F, Fut>(what: &str, check: F) -> Result<(), String>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let start = Instant::now();
    loop {
        match check().await {
            Ok(()) => return Ok(()),
            Err(e) if start.elapsed() > Duration::from_secs(15) => {
                return Err(format!("{what}: still not so after 15 s: {e}"));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(300)).await,
        }
    }
}

async fn put(
    s3: &S3Client,
    bucket: &str,
    key: &str,
    data: Vec<u8>,
) -> Result<(), s3aas_core::Error> {
    s3.put_object(bucket, key, data.into(), &[]).await.map(drop)
}

fn refused(r: Result<(), s3aas_core::Error>, kinds: &[ErrorKind]) -> Result<(), String> {
    match r {
        Ok(()) => Err("the call was allowed".into()),
        Err(e) if kinds.contains(&e.kind()) => Ok(()),
        Err(e) => Err(format!("refused, but with an unexpected error: {e}")),
    }
}

async fn user_with_key(
    p: &CephProvider,
    inst: &str,
    user: &str,
) -> Result<(NewAccessKey, S3Client), String> {
    p.create_user(inst, CreateUser::new(user))
        .await
        .map_err(err("create user"))?;
    let k = p
        .create_access_key(inst, user, CreateAccessKey::new())
        .await
        .map_err(err("create key"))?;
    let s3 = p.s3_with_key(&k.key.access_key_id, k.secret_access_key.clone());
    Ok((k, s3))
}
