//! The options are declared once (the madmin family's typed options struct); the README, which
//! users read, must name every one, so the two cannot drift apart.

#[test]
fn the_readme_names_every_option() {
    let keys = &s3aas_backend_rustfs::KEYS;
    assert!(keys.contains(&"system_bucket"));
    let missing =
        s3aas_fakes::repo::readme_lacks(env!("CARGO_MANIFEST_DIR"), "RustFS and MinIO", keys);
    assert!(
        missing.is_empty(),
        "the README's RustFS and MinIO section lacks {missing:?}"
    );
}

#[test]
fn unknown_options_are_refused_naming_the_known_ones() {
    let cfg = s3aas_core::ProviderConfig::new("rustfs")
        .with("endpoint", "http://127.0.0.1:9")
        .with("access_key", "root")
        .with("secret_key", "root-secret-value")
        .with("sytem_bucket", "typo");
    let e = s3aas_backend_rustfs::RustfsProvider::from_config(&cfg).unwrap_err();
    assert_eq!(e.kind(), s3aas_core::ErrorKind::ConfigInvalid);
    assert!(
        e.message().contains("sytem_bucket") && e.message().contains("system_bucket"),
        "{e}"
    );
    assert!(!e.to_string().contains("root-secret-value"));
}
