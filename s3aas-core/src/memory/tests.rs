//! Unit tests of the memory provider.

use super::*;

#[tokio::test]
async fn authenticate_follows_key_and_user_state() {
    let p = MemoryProvider::new();
    p.create_instance(CreateInstance::new("acme"))
        .await
        .unwrap();
    p.create_user("acme", CreateUser::new("alice"))
        .await
        .unwrap();
    let k = p
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap();
    let id = k.key.access_key_id.clone();
    let sk = k.secret_access_key.expose_secret().to_string();
    assert_eq!(
        p.authenticate(&id, &sk).unwrap(),
        ("acme".into(), "alice".into())
    );
    assert!(p.authenticate(&id, "wrong-secret").is_err());
    p.set_access_key_enabled("acme", "alice", &k.key.id, false)
        .await
        .unwrap();
    assert!(p.authenticate(&id, &sk).is_err());
    p.set_access_key_enabled("acme", "alice", &k.key.id, true)
        .await
        .unwrap();
    p.set_user_enabled("acme", "alice", false).await.unwrap();
    assert!(p.authenticate(&id, &sk).is_err());
    p.set_user_enabled("acme", "alice", true).await.unwrap();
    let r = p
        .rotate_access_key("acme", "alice", &k.key.id, RotateAccessKey::new())
        .await
        .unwrap();
    assert_eq!(r.old, OldKey::Deleted);
    assert!(p.authenticate(&id, &sk).is_err());
    p.authenticate(
        &r.new.key.access_key_id,
        r.new.secret_access_key.expose_secret(),
    )
    .unwrap();
}
