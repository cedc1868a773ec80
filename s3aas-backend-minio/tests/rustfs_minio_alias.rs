//! The MinIO backend against a real RustFS server's `/minio/admin/v3` alias, which speaks the
//! madmin payload encryption: the shared conformance suite, plus a check that the encrypted
//! calls really travel encrypted, and replication to a second RustFS server set up through the
//! encrypted `set-remote-target` (an object written to the source arrives). Skipped, with one
//! line saying so, without a RustFS binary.

use s3aas_backend_minio::MinioProvider;
use s3aas_core::prelude::*;
use s3aas_fakes::rustfs::RustfsServer;
use s3aas_testkit::{S3Seeder, Suite, run};
use std::sync::Arc;

fn main() {
    let Some(server) = RustfsServer::start_or_skip("the MinIO backend against /minio/admin/v3")
    else {
        return;
    };
    let p = Arc::new(
        MinioProvider::builder(
            &server.endpoint,
            &server.access_key,
            SecretString::from(server.secret_key.clone()),
        )
        .build()
        .expect("provider"),
    );
    // The replication destination: a second server with a versioned bucket.
    let dest = RustfsServer::start_or_skip("the replication destination of the MinIO backend")
        .expect("the binary was found for the first server");
    let dp = MinioProvider::builder(
        &dest.endpoint,
        &dest.access_key,
        SecretString::from(dest.secret_key.clone()),
    )
    .build()
    .expect("destination provider");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        dp.admin_s3()
            .create_bucket("replica", false, None)
            .await
            .expect("destination bucket");
        dp.admin_s3()
            .put_versioning("replica", true)
            .await
            .expect("destination versioning");
    });
    let destination = ReplicationDestination::new(
        &dest.endpoint,
        "replica",
        &dest.access_key,
        SecretString::from(dest.secret_key.clone()),
    )
    .allow_local(true);
    let report = run(Suite::new(p.clone())
        .seeder(Arc::new(S3Seeder(p.admin_s3().clone())))
        .replication_destination(destination.clone())
        .label("minio-on-rustfs"));
    let enc = encrypted_round_trip(&server);
    let repl = rt.block_on(replication_arrives(&p, &dp, destination));
    println!("{}", report.summary("real-server minio-on-rustfs"));
    println!(
        "real-server minio-on-rustfs: encrypted round trip {}",
        if enc { "ok" } else { "FAILED" }
    );
    match &repl {
        Ok(ms) => println!(
            "real-server minio-on-rustfs: replication through the encrypted set-remote-target ok (object arrived in {ms} ms, rule removed, target gone)"
        ),
        Err(e) => println!("real-server minio-on-rustfs: replication FAILED: {e}"),
    }
    let ok = report.passed() && enc && repl.is_ok();
    drop(server);
    drop(dest);
    std::process::exit(if ok { 0 } else { 101 });
}

/// `list-users` on the alias answers with a madmin-encrypted body that only the caller's secret
/// opens (fetched here with a bare signed request: the provider itself would open it), and the
/// provider reads the same list.
fn encrypted_round_trip(server: &RustfsServer) -> bool {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let p = MinioProvider::builder(&server.endpoint, &server.access_key, SecretString::from(server.secret_key.clone())).build().unwrap();
        p.create_instance(CreateInstance::new("enc-check")).await.unwrap();
        p.create_user("enc-check", CreateUser::new("alice")).await.unwrap();
        let http = s3aas_http::HttpClient::new("minio", s3aas_http::HttpConfig::new()).unwrap();
        let signer = s3aas_http::SigV4Signer::new(server.access_key.clone(), SecretString::from(server.secret_key.clone()), "us-east-1");
        let url = url::Url::parse(&format!("{}/minio/admin/v3/list-users", server.endpoint)).unwrap();
        let raw = http
            .execute("list_users_raw", s3aas_http::Idempotency::Idempotent, Some(&signer), || {
                Ok(s3aas_http::Request::new(http::Method::GET, url.clone()))
            })
            .await
            .unwrap();
        let encrypted = raw.status == 200
            && s3aas_madmin::looks_encrypted(&raw.body)
            && serde_json::from_slice::<serde_json::Value>(&raw.body).is_err();
        let opened = s3aas_madmin::decrypt(server.secret_key.as_bytes(), &raw.body)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
        let has_alice = opened.as_ref().is_some_and(|v| v.get("enc-check--alice").is_some());
        let listed = p.list_users("enc-check", ListOptions::new()).await.unwrap();
        let k = p.create_access_key("enc-check", "alice", CreateAccessKey::new()).await.unwrap();
        let all = p.list_instance_access_keys("enc-check").await.unwrap();
        println!(
            "minio-on-rustfs: list_instance_access_keys found {} key(s) (bulk call answered, else per-user fallback)",
            all.len()
        );
        let keys_ok = all.len() == 1 && all[0].id == k.key.id;
        p.delete_instance("enc-check", DeleteInstance::new()).await.unwrap();
        println!(
            "minio-on-rustfs: list-users answer encrypted: {encrypted} (algorithm id {:?}), opens to a list holding the user: {has_alice}, provider lists {} user(s)",
            raw.body.get(32),
            listed.items.len()
        );
        encrypted && has_alice && listed.items.len() == 1 && keys_ok
    })
}

/// A bucket replicating to the destination server through the MinIO backend: the remote target
/// is set with the encrypted `set-remote-target` of `/minio/admin/v3`, an object written to the
/// source arrives (bounded, 60 s), and removing the rule removes the target. Milliseconds taken.
async fn replication_arrives(
    p: &MinioProvider,
    dp: &MinioProvider,
    destination: ReplicationDestination,
) -> Result<u128, String> {
    let (inst, b) = ("repl-check", "repl-check-src");
    p.create_instance(CreateInstance::new(inst))
        .await
        .map_err(|e| e.to_string())?;
    let r: Result<u128, String> = async {
        let rule = ReplicationRule::new("to-replica", 1, destination);
        let made = p
            .create_bucket(
                inst,
                CreateBucket::new(b)
                    .versioning(true)
                    .replication_rule(rule.clone()),
            )
            .await
            .map_err(|e| format!("create with a rule: {e}"))?;
        if made.replication != Some(vec![rule]) {
            return Err(format!("rule read back: {:?}", made.replication));
        }
        p.admin_s3()
            .put_object(b, "via-minio-api", "hello".into(), &[])
            .await
            .map_err(|e| e.to_string())?;
        let started = std::time::Instant::now();
        loop {
            if dp
                .admin_s3()
                .get_object("replica", "via-minio-api", None)
                .await
                .is_ok_and(|o| o.body.as_ref() == b"hello")
            {
                break;
            }
            if started.elapsed() > std::time::Duration::from_secs(60) {
                return Err("the object did not arrive within 60 s".into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        let took = started.elapsed().as_millis();
        p.update_bucket(inst, b, UpdateBucket::new().replication(Vec::new()))
            .await
            .map_err(|e| format!("remove the rule: {e}"))?;
        let targets = p
            .admin_raw(
                http::Method::GET,
                "list-remote-targets",
                &[("bucket", b), ("type", "replication")],
                None,
            )
            .await
            .map_err(|e| e.to_string())?;
        let v: serde_json::Value = serde_json::from_slice(&targets.body).unwrap_or_default();
        if v.as_array().is_some_and(|a| !a.is_empty()) {
            return Err(format!("remote target left: {v}"));
        }
        Ok(took)
    }
    .await;
    let c = p
        .delete_instance(inst, DeleteInstance::new().force(true))
        .await
        .map_err(|e| format!("cleanup: {e}"));
    r.and_then(|t| c.map(|()| t))
}
