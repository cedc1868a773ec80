//! The options are declared once (the typed options struct); the README, which users read,
//! must name every one, so the two cannot drift apart.

#[test]
fn the_readme_names_every_option() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("### Dell ECS")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .expect("the README has a Dell ECS section");
    let missing: Vec<&str> = s3aas_backend_ecs::KEYS
        .iter()
        .copied()
        .filter(|k| !section.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "the README's ECS section lacks {missing:?}"
    );
    assert!(s3aas_backend_ecs::KEYS.contains(&"user_name_template"));
}
