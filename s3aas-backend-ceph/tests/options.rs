//! The options are declared once (the typed options struct); the README, which users read,
//! must name every one, so the two cannot drift apart.

#[test]
fn the_readme_names_every_option() {
    let keys = &s3aas_backend_ceph::KEYS;
    assert!(keys.contains(&"s3_public_endpoint"));
    let missing = s3aas_fakes::repo::readme_lacks(env!("CARGO_MANIFEST_DIR"), "Ceph RGW", keys);
    assert!(
        missing.is_empty(),
        "the README's Ceph RGW section lacks {missing:?}"
    );
}
