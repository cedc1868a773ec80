//! The MinIO backend against a real RustFS server's `/minio/admin/v3` alias, which speaks the
//! madmin payload encryption: the shared conformance suite, plus a check that the encrypted
//! calls really travel encrypted. Skipped, with one line saying so, without a RustFS binary.

use s3aas_backend_minio::MinioProvider;
use s3aas_core::prelude::*;
use s3aas_testkit::rustfs::RustfsServer;
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
    let ok = report.passed() && encrypted_round_trip(&server);
    drop(server);
    std::process::exit(if ok { 0 } else { 101 });
}

/// `list-users` on the alias answers with a madmin-encrypted body that only the caller's secret
/// opens; the raw bytes are not JSON.
fn encrypted_round_trip(server: &RustfsServer) -> bool {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let p = MinioProvider::builder(&server.endpoint, &server.access_key, SecretString::from(server.secret_key.clone())).build().unwrap();
        let raw = p.admin_raw(http::Method::GET, "list-users", &[], None).await.unwrap();
        let encrypted = s3aas_madmin::looks_encrypted(&raw.body) && serde_json::from_slice::<serde_json::Value>(&raw.body).is_err();
        let opened = s3aas_madmin::decrypt(server.secret_key.as_bytes(), &raw.body).map(|b| serde_json::from_slice::<serde_json::Value>(&b).is_ok());
        println!("minio-on-rustfs: list-users body encrypted: {encrypted} (algorithm id {:?}), decrypts to JSON: {opened:?}", raw.body.get(32));
        encrypted && opened == Ok(true)
    })
}
