//! `list_instance_access_keys`: one `list-access-keys-bulk` call on servers that have it, one
//! `list-service-accounts` per user on older ones, same keys either way.

use s3aas_backend_minio::MinioProvider;
use s3aas_core::prelude::*;
use s3aas_fakes::minio::FakeMinio;

#[tokio::test]
async fn bulk_listing_with_fallback() {
    let (server, fake) = FakeMinio::start("minioadmin", "bulk-secret-123").await;
    fake.state().response_algorithm = s3aas_madmin::Algorithm::Pbkdf2AesGcm;
    let p = MinioProvider::builder(
        server.uri(),
        "minioadmin",
        SecretString::from("bulk-secret-123".to_string()),
    )
    .build()
    .unwrap();
    p.create_instance(CreateInstance::new("bulk"))
        .await
        .unwrap();
    let mut made = Vec::new();
    for u in ["ann", "bob", "cid"] {
        p.create_user("bulk", CreateUser::new(u)).await.unwrap();
        for _ in 0..2 {
            let k = p
                .create_access_key("bulk", u, CreateAccessKey::new())
                .await
                .unwrap();
            made.push((u.to_string(), k.key.id.clone()));
        }
    }
    // Another instance's keys never show up.
    p.create_instance(CreateInstance::new("other"))
        .await
        .unwrap();
    p.create_user("other", CreateUser::new("ann"))
        .await
        .unwrap();
    p.create_access_key("other", "ann", CreateAccessKey::new())
        .await
        .unwrap();
    made.sort();

    let calls = |f: &FakeMinio, cmd: &str| {
        f.state()
            .admin_calls
            .iter()
            .filter(|c| c.ends_with(cmd))
            .count()
    };
    let before = calls(&fake, "list-service-accounts");
    let keys = p.list_instance_access_keys("bulk").await.unwrap();
    let got: Vec<(String, String)> = keys
        .iter()
        .map(|k| (k.user.clone(), k.id.clone()))
        .collect();
    assert_eq!(got, made);
    assert_eq!(calls(&fake, "list-access-keys-bulk"), 1);
    assert_eq!(
        calls(&fake, "list-service-accounts"),
        before,
        "one bulk call, no per-user calls"
    );

    fake.state().bulk_keys = false;
    let keys = p.list_instance_access_keys("bulk").await.unwrap();
    let got: Vec<(String, String)> = keys
        .iter()
        .map(|k| (k.user.clone(), k.id.clone()))
        .collect();
    assert_eq!(got, made, "the fallback finds the same keys");
    assert_eq!(
        calls(&fake, "list-service-accounts") - before,
        3,
        "one call per user"
    );
    assert!(
        keys.iter().all(|k| k.enabled),
        "the fallback has full details"
    );

    assert_eq!(
        p.list_instance_access_keys("missing")
            .await
            .unwrap_err()
            .kind(),
        s3aas_core::ErrorKind::NotFound
    );
}
