//! The MinIO backend against the stateful MinIO fake (s3aas-fakes): the conformance suite and
//! MinIO protocol checks.

use s3aas_backend_minio::MinioProvider;
use s3aas_core::prelude::*;
use s3aas_fakes::minio::FakeMinio;
use s3aas_http::{HttpConfig, RetryConfig};
use s3aas_testkit::{S3Seeder, Suite, run};
use std::sync::Arc;

const ROOT: (&str, &str) = ("minioadmin", "minio-root-secret-1");

fn provider(uri: &str) -> MinioProvider {
    MinioProvider::builder(uri, ROOT.0, SecretString::from(ROOT.1.to_string()))
        .http(HttpConfig::new().retry(RetryConfig::disabled()))
        .build()
        .unwrap()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (server, fake) = rt.block_on(FakeMinio::start(ROOT.0, ROOT.1));
    // The fake answers with id 0 (Argon2id) like an x86 MinIO; keep the suite quick with id 2 and
    // exercise id 0 in the protocol checks below.
    fake.state().response_algorithm = s3aas_madmin::Algorithm::Pbkdf2AesGcm;
    let p = Arc::new(provider(&server.uri()));
    // Replication cases replicate to a versioned bucket of the fake itself (which checks it
    // exists with versioning, as MinIO checks a remote).
    rt.block_on(async {
        p.admin_s3()
            .create_bucket("replica", false, None)
            .await
            .unwrap();
        p.admin_s3().put_versioning("replica", true).await.unwrap();
    });
    let report = run(Suite::new(p.clone())
        .seeder(Arc::new(S3Seeder(p.admin_s3().clone())))
        .replication_destination(
            ReplicationDestination::new(
                server.uri(),
                "replica",
                ROOT.0,
                SecretString::from(ROOT.1.to_string()),
            )
            .allow_local(true),
        )
        .label("minio-fake"));
    let checks = rt.block_on(async {
        protocol_checks(&server.uri(), &fake).await?;
        readiness_checks(&server.uri(), &fake).await
    });
    match &checks {
        Ok(()) => println!("minio-fake: protocol checks passed"),
        Err(e) => println!("minio-fake: protocol check FAILED: {e}"),
    }
    drop(server);
    std::process::exit(if report.passed() && checks.is_ok() {
        0
    } else {
        101
    });
}

async fn protocol_checks(uri: &str, fake: &FakeMinio) -> Result<(), String> {
    let p = provider(uri);
    let e = |x: s3aas_core::Error| x.to_string();
    fake.state().response_algorithm = s3aas_madmin::Algorithm::Argon2idAesGcm;
    p.create_instance(CreateInstance::new("proto").default_bucket("proto-data"))
        .await
        .map_err(e)?;
    p.create_user("proto", CreateUser::new("alice"))
        .await
        .map_err(e)?;

    // Encrypted calls reach the server encrypted (the fake refuses plaintext) and Argon2id
    // answers (id 0) are opened.
    let listed = p.list_users("proto", ListOptions::new()).await.map_err(e)?;
    if listed.items.len() != 1 {
        return Err(format!("list-users through id-0 encryption: {listed:?}"));
    }

    // The session policy survives disabling the key: MinIO drops it unless it is resent.
    let session = PolicyDocument::bucket_read_only("proto-data");
    let k = p
        .create_access_key(
            "proto",
            "alice",
            CreateAccessKey::new().session_policy(session.clone()),
        )
        .await
        .map_err(e)?;
    p.set_access_key_enabled("proto", "alice", &k.key.id, false)
        .await
        .map_err(e)?;
    let got = p
        .get_access_key("proto", "alice", &k.key.id)
        .await
        .map_err(e)?;
    if got.enabled
        || !got
            .session_policy
            .as_ref()
            .is_some_and(|s| s.semantically_eq(&session))
    {
        return Err(format!("disable kept the session policy? {got:?}"));
    }
    let stored = fake.state().service_accounts[&k.key.id].policy.clone();
    if stored.is_none() {
        return Err("the fake lost the session policy: it was not resent".into());
    }

    // A server that ignores targetUser makes the key for the caller (root): the SDK reads the
    // key back, deletes it and fails instead of handing out a root-powered key.
    let before = fake.state().service_accounts.len();
    fake.state().ignore_target_user = true;
    let err = p
        .create_access_key("proto", "alice", CreateAccessKey::new())
        .await
        .expect_err("key made for root");
    fake.state().ignore_target_user = false;
    if err.kind() != ErrorKind::Backend
        || !err.message().contains("ignored targetUser")
        || !err.message().contains("deleted again")
        || fake.state().service_accounts.len() != before
    {
        return Err(format!("targetUser ignored: {err}"));
    }

    // Policy in use: 400 XMinioIAMPolicyInUse is a Conflict with the code kept.
    p.put_policy(
        "proto",
        PutPolicy::new("rw", PolicyDocument::bucket_read_write("proto-data")),
    )
    .await
    .map_err(e)?;
    p.attach_policy("proto", "alice", "rw").await.map_err(e)?;
    p.attach_policy("proto", "alice", "rw")
        .await
        .map_err(|x| format!("attach twice is idempotent: {x}"))?;
    let err = p
        .delete_policy("proto", "rw")
        .await
        .expect_err("policy in use");
    if err.kind() != ErrorKind::Conflict
        || err.code() != Some("XMinioIAMPolicyInUse")
        || err.http_status() != Some(400)
    {
        return Err(format!("policy in use: {err}"));
    }

    // SSE-S3 without a KMS: the probe upload gets MinIO's 501, and the bucket is refused as
    // Unsupported before it is made, naming the capability and how to configure the server.
    fake.state().s3.kms = false;
    let err = p
        .create_bucket(
            "proto",
            CreateBucket::new("proto-enc").encryption(Encryption::Aes256),
        )
        .await
        .expect_err("no KMS");
    if err.kind() != ErrorKind::Unsupported
        || err.http_status() != Some(501)
        || err.code() != Some("NotImplemented")
        || !err.message().contains("capability `bucket_encryption`")
        || !err.message().contains("MINIO_KMS_SECRET_KEY")
        || !err.message().contains("nothing was created")
    {
        return Err(format!("SSE without KMS: {err}"));
    }
    if fake.state().s3.buckets.contains_key("proto-enc") {
        return Err("a bucket was made although SSE-S3 cannot be served".into());
    }
    if p.capabilities().bucket_encryption != Support::No
        || p.capabilities().instance_encryption != Support::No
    {
        return Err("capabilities do not follow the probe".into());
    }
    // The KMS comes back: a fresh probe says so.
    fake.state().s3.kms = true;
    let caps = p.probe_capabilities().await.map_err(e)?;
    if caps.bucket_encryption != Support::Yes || !fake.state().s3.uploads.is_empty() {
        return Err(format!(
            "probe with KMS: {:?}, uploads left {}",
            caps.bucket_encryption,
            fake.state().s3.uploads.len()
        ));
    }
    // The KMS goes away while the probe's "yes" is cached: MinIO's 501 on the bucket default is
    // still Unsupported, and the half-made bucket is removed again.
    fake.state().s3.kms = false;
    let err = p
        .create_bucket(
            "proto",
            CreateBucket::new("proto-enc").encryption(Encryption::Aes256),
        )
        .await
        .expect_err("no KMS");
    fake.state().s3.kms = true;
    if err.kind() != ErrorKind::Unsupported || !err.message().contains("was removed again") {
        return Err(format!("SSE default refused after the probe: {err}"));
    }
    if fake.state().s3.buckets.contains_key("proto-enc") {
        return Err("the half-made bucket was left behind".into());
    }

    // An older server without attach/detach (426): the whole mapping is set instead, keeping the
    // other attached policy.
    p.put_policy(
        "proto",
        PutPolicy::new("ro", PolicyDocument::bucket_read_only("proto-data")),
    )
    .await
    .map_err(e)?;
    fake.state().legacy_policy_api = true;
    p.attach_policy("proto", "alice", "ro")
        .await
        .map_err(|x| format!("legacy attach: {x}"))?;
    let attached = p
        .list_attached_policies("proto", "alice")
        .await
        .map_err(e)?;
    if attached != vec!["ro".to_string(), "rw".to_string()] {
        return Err(format!(
            "legacy attach keeps the other policy: {attached:?}"
        ));
    }
    p.detach_policy("proto", "alice", "ro")
        .await
        .map_err(|x| format!("legacy detach: {x}"))?;
    let calls = fake
        .state()
        .admin_calls
        .iter()
        .filter(|c| c.ends_with("set-user-or-group-policy"))
        .count();
    fake.state().legacy_policy_api = false;
    if p.list_attached_policies("proto", "alice")
        .await
        .map_err(e)?
        != vec!["rw".to_string()]
        || calls != 2
    {
        return Err(format!(
            "legacy detach ({calls} set-user-or-group-policy calls)"
        ));
    }

    // A v4 (AIStor) server: the first call gets 426 and the provider switches to /v4.
    fake.state().api_version = 4;
    let p4 = provider(uri);
    let u = p4
        .get_user("proto", "alice")
        .await
        .map_err(|x| format!("after v4 negotiation: {x}"))?;
    fake.state().api_version = 3;
    if u.name != "alice" {
        return Err("v4 user".into());
    }

    // MinIO ignores AbortIncompleteMultipartUpload: refused before any request, on create and
    // on update.
    let calls = fake.state().admin_calls.len();
    let abort = LifecycleRule::new("uploads").abort_incomplete_multipart_after_days(2);
    for r in [
        p.create_bucket(
            "proto",
            CreateBucket::new("proto-lc").lifecycle_rule(abort.clone()),
        )
        .await
        .map(drop),
        p.update_bucket(
            "proto",
            "proto-data",
            UpdateBucket::new().lifecycle(vec![abort.clone()]),
        )
        .await
        .map(drop),
    ] {
        match r {
            Err(x) if x.kind() == s3aas_core::ErrorKind::Unsupported => {}
            other => return Err(format!("abort multipart on MinIO: {other:?}")),
        }
    }
    if fake.state().admin_calls.len() != calls
        || fake.state().s3.buckets.contains_key("proto-lc")
        || fake.state().s3.buckets["proto-data"]
            .configs
            .lifecycle
            .is_some()
    {
        return Err("a refused lifecycle rule reached the server".into());
    }

    // Replication: the remote target is set with an encrypted body (the fake opens it with the
    // root secret), reused by a second rule to the same destination, and a rule naming an ARN
    // that is not a target is refused by the server (as MinIO does).
    p.admin_s3()
        .create_bucket("proto-replica", false, None)
        .await
        .map_err(e)?;
    p.admin_s3()
        .put_versioning("proto-replica", true)
        .await
        .map_err(e)?;
    let dest = ReplicationDestination::new(
        uri,
        "proto-replica",
        ROOT.0,
        SecretString::from(ROOT.1.to_string()),
    )
    .allow_local(true);
    let count_sets = || {
        fake.state()
            .admin_calls
            .iter()
            .filter(|c| c.as_str() == "PUT set-remote-target")
            .count()
    };
    let sets_before = count_sets();
    p.create_bucket(
        "proto",
        CreateBucket::new("proto-src")
            .versioning(true)
            .replication_rule(ReplicationRule::new("a", 1, dest.clone()).prefix("a/"))
            .replication_rule(ReplicationRule::new("b", 2, dest.clone()).prefix("b/")),
    )
    .await
    .map_err(e)?;
    let targets = fake.state().remote_targets["proto-src"].len();
    let sets = count_sets() - sets_before;
    if targets != 1 || sets != 1 {
        return Err(format!(
            "one target per destination: {targets} target(s), {sets} set call(s)"
        ));
    }
    let got = p.get_bucket("proto", "proto-src").await.map_err(e)?;
    let rules = got.replication.unwrap_or_default();
    if rules.len() != 2 || rules.iter().any(|r| r.destination != dest) {
        return Err(format!("rules read back: {rules:?}"));
    }
    let bogus = "<ReplicationConfiguration><Role></Role><Rule><ID>x</ID><Priority>5</Priority><Status>Enabled</Status><Filter></Filter><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>arn:minio:replication::nope:proto-replica</Bucket></Destination></Rule></ReplicationConfiguration>";
    let refused = p
        .admin_s3()
        .put_replication(
            "proto-src",
            &s3aas_http::s3::parse_replication(bogus.as_bytes()).map_err(e)?,
        )
        .await;
    if refused.is_ok() {
        return Err("a rule naming an unknown ARN was accepted".into());
    }
    p.update_bucket(
        "proto",
        "proto-src",
        UpdateBucket::new().replication(Vec::new()),
    )
    .await
    .map_err(e)?;
    if !fake.state().remote_targets["proto-src"].is_empty() {
        return Err("the unused target was not removed".into());
    }

    p.delete_instance("proto", DeleteInstance::new().force(true))
        .await
        .map_err(e)?;
    let st = fake.state();
    if !st.users.is_empty()
        || st.policies.keys().any(|k| k.starts_with("proto--"))
        || st.groups.contains_key("s3aas-proto")
    {
        return Err(format!(
            "leftovers: users {:?}, groups {:?}",
            st.users.keys().collect::<Vec<_>>(),
            st.groups.keys().collect::<Vec<_>>()
        ));
    }
    Ok(())
}

/// The readiness shown as an instance's status is probed at most once a second per provider
/// (not once per instance), is never older than that, and `health()` always probes afresh.
async fn readiness_checks(uri: &str, fake: &FakeMinio) -> Result<(), String> {
    let p = provider(uri);
    let e = |x: s3aas_core::Error| x.to_string();
    p.create_instance(CreateInstance::new("ready"))
        .await
        .map_err(e)?;
    let probes = || fake.state().health_probes;
    let (before, started) = (probes(), std::time::Instant::now());
    for _ in 0..50 {
        let i = p.get_instance("ready").await.map_err(e)?;
        if i.status != InstanceStatus::Active {
            return Err(format!("a ready server shows {:?}", i.status));
        }
        p.list_instances(ListOptions::new()).await.map_err(e)?;
    }
    let (asked, allowed) = (probes() - before, started.elapsed().as_secs() + 1);
    if asked == 0 || asked > allowed {
        return Err(format!(
            "100 instance reads probed readiness {asked} times (at most {allowed} in {:?})",
            started.elapsed()
        ));
    }
    fake.state().ready = false;
    let health = p.health().await.map_err(e)?;
    if health.ready {
        return Err("health() answered from a kept probe".into());
    }
    // health()'s fresh answer is kept too: the instance shows it at once.
    if p.get_instance("ready").await.map_err(e)?.status == InstanceStatus::Active {
        return Err("an instance read right after health() ignored its answer".into());
    }
    fake.state().ready = true;
    if !p.health().await.map_err(e)?.ready {
        return Err("health() missed the server getting ready".into());
    }
    if p.get_instance("ready").await.map_err(e)?.status != InstanceStatus::Active {
        return Err("an instance read right after health() ignored its answer".into());
    }
    fake.state().ready = false;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let status = p.get_instance("ready").await.map_err(e)?.status;
    fake.state().ready = true;
    if status == InstanceStatus::Active {
        return Err("a kept readiness answer outlived its second".into());
    }
    p.delete_instance("ready", DeleteInstance::new())
        .await
        .map_err(e)
}
