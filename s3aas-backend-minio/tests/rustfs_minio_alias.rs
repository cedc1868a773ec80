//! The MinIO backend against a real RustFS server's `/minio/admin/v3` alias, which speaks the
//! madmin payload encryption: the shared conformance suite, plus a check that the encrypted
//! calls really travel encrypted. Skipped, with one line saying so, without a RustFS binary.

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
    let report = run(Suite::new(p.clone())
        .seeder(Arc::new(S3Seeder(p.admin_s3().clone())))
        .label("minio-on-rustfs"));
    let enc = encrypted_round_trip(&server);
    println!("{}", report.summary("real-server minio-on-rustfs"));
    println!(
        "real-server minio-on-rustfs: encrypted round trip {}",
        if enc { "ok" } else { "FAILED" }
    );
    let ok = report.passed() && enc;
    drop(server);
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
