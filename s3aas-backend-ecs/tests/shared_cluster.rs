//! An ECS shared with other tools and people (as CloudStack runs it): s3aas lists, changes and
//! deletes only what it made, adopts what it is told to, and signs S3 calls as ECS demands.

use s3aas_backend_ecs::EcsProvider;
use s3aas_core::prelude::*;
use s3aas_fakes::ecs::EcsSimulator;
use s3aas_http::{HttpConfig, RetryConfig};
use std::time::Duration;

const ADMIN: (&str, &str) = ("root", "ecs-sim-password-1");

fn builder(sim: &EcsSimulator) -> s3aas_backend_ecs::EcsBuilder {
    EcsProvider::builder(
        sim.mgmt.uri(),
        ADMIN.0,
        SecretString::from(ADMIN.1.to_string()),
    )
    .s3_endpoint(sim.s3.uri())
    .version("3.8")
    .empty_bucket_poll(Duration::from_millis(5))
    .http(HttpConfig::new().retry(RetryConfig::disabled()))
}

/// What another tool made on the cluster: an object user with a key and a bucket it owns, in
/// namespace `ns` (created when missing).
fn foreign(sim: &EcsSimulator, ns: &str, uid: &str, bucket: &str) {
    let mut st = sim.state();
    st.add_object_user(ns, uid, "foreign-secret-0123456789");
    st.add_bucket(ns, bucket, uid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_namespaces_s3aas_made_are_instances() {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("ours"))
        .await
        .unwrap();
    // Namespaces made by others, one of them with users and buckets.
    foreign(&sim, "theirs", "someone", "their-bucket");
    sim.state()
        .add_object_user("empty-ns", "nobody", "secret-0123456789");
    let names: Vec<String> = p
        .list_instances(ListOptions::new())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, vec!["ours".to_string()]);
    // A fresh provider (a restarted process) rediscovers it from ECS alone.
    let fresh = builder(&sim).build().unwrap();
    assert_eq!(
        fresh
            .list_instances(ListOptions::new())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    for other in ["theirs", "empty-ns"] {
        let e = fresh.get_instance(other).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{other}: {e}");
        // Deleting what is not an instance touches nothing.
        fresh
            .delete_instance(other, DeleteInstance::new().force(true))
            .await
            .unwrap();
    }
    let st = sim.state();
    assert!(st.namespaces.contains_key("theirs") && st.users.contains_key("someone"));
    assert!(st.buckets.contains_key("their-bucket"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_user_and_bucket_survive_the_delete_of_an_instance_in_their_namespace() {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("shared").default_bucket("shared-data"))
        .await
        .unwrap();
    p.create_user("shared", CreateUser::new("alice"))
        .await
        .unwrap();
    p.create_bucket("shared", CreateBucket::new("shared-alice").owner("alice"))
        .await
        .unwrap();
    // Another tool puts a user and a bucket into the same namespace.
    foreign(&sim, "shared", "ops-backup", "ops-bucket");
    // They are not the instance's: not listed, not readable, not deletable through s3aas.
    let buckets: Vec<String> = p
        .list_buckets("shared", ListOptions::new())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(buckets, vec!["shared-alice", "shared-data"]);
    assert_eq!(
        p.get_bucket("shared", "ops-bucket")
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let users = p.list_users("shared", ListOptions::new()).await.unwrap();
    assert_eq!(users.items.len(), 1);
    // Without force: refused, naming what s3aas did not make; nothing deleted.
    let e = p
        .delete_instance("shared", DeleteInstance::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("ops-backup") && msg.contains("ops-bucket"),
        "{msg}"
    );
    assert!(sim.state().buckets.contains_key("shared-data"));
    // With force: what s3aas made goes; the namespace stays with what others made in it.
    p.delete_instance("shared", DeleteInstance::new().force(true))
        .await
        .unwrap();
    {
        let st = sim.state();
        assert!(st.namespaces.contains_key("shared"), "namespace kept");
        assert!(st.users.contains_key("ops-backup"), "foreign user kept");
        assert!(st.buckets.contains_key("ops-bucket"), "foreign bucket kept");
        assert!(
            !st.buckets.contains_key("shared-data") && !st.buckets.contains_key("shared-alice")
        );
        assert!(
            !st.users
                .keys()
                .any(|u| u.starts_with("shared--") || u == "s3aas_shared")
        );
    }
    assert_eq!(
        p.get_instance("shared").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_namespace_and_cloudstack_users_are_adopted_not_duplicated() {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let account = "0f3a9c2e-1b7d-4e8a-9f00-5d1c2b3a4e5f";
    // CloudStack made the namespace and an account's object user with a key.
    sim.state()
        .add_object_user("cs-zone1", &format!("cs-{account}"), "cs-secret-0123456789");
    let p = builder(&sim)
        .namespace("cs-zone1")
        .user_name_template("cs-{user}")
        .build()
        .unwrap();
    assert!(
        p.list_instances(ListOptions::new())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let e = p
        .create_instance(CreateInstance::new("other"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    p.create_instance(CreateInstance::new("cs-zone1").versioning(true))
        .await
        .unwrap();
    assert_eq!(
        p.create_instance(CreateInstance::new("cs-zone1"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::AlreadyExists
    );
    // The account's user is found and managed, not duplicated.
    let u = p.get_user("cs-zone1", account).await.unwrap();
    assert_eq!(u.name, account);
    assert_eq!(
        p.create_user("cs-zone1", CreateUser::new(account))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::AlreadyExists
    );
    assert_eq!(
        p.list_access_keys("cs-zone1", account).await.unwrap().len(),
        1
    );
    // A bucket for the account, versioned by the instance's default, signed as its owner.
    let b = p
        .create_bucket("cs-zone1", CreateBucket::new("acct-bucket").owner(account))
        .await
        .unwrap();
    assert_eq!(b.versioning, Some(Versioning::Enabled));
    p.create_user("cs-zone1", CreateUser::new("new-account"))
        .await
        .unwrap();
    // Without force the adopted user blocks the delete; with force it goes, but the namespace
    // (adopted, never made by s3aas) stays.
    let e = p
        .delete_instance("cs-zone1", DeleteInstance::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert!(e.to_string().contains(account), "{e}");
    assert!(sim.state().users.contains_key(&format!("cs-{account}")));
    p.delete_instance("cs-zone1", DeleteInstance::new().force(true))
        .await
        .unwrap();
    let st = sim.state();
    assert!(
        st.namespaces.contains_key("cs-zone1"),
        "adopted namespace kept"
    );
    assert!(st.users.is_empty(), "users left: {:?}", st.users.keys());
    assert!(st.buckets.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_calls_are_judged_by_the_signers_namespace_and_ownership() {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let p = builder(&sim).build().unwrap();
    for ns in ["ns-a", "ns-b"] {
        p.create_instance(CreateInstance::new(ns)).await.unwrap();
        p.create_user(ns, CreateUser::new("uu")).await.unwrap();
        p.create_bucket(ns, CreateBucket::new(format!("{ns}-own")).owner("uu"))
            .await
            .unwrap();
        p.create_bucket(ns, CreateBucket::new(format!("{ns}-svc")))
            .await
            .unwrap();
    }
    let ka = p
        .create_access_key("ns-a", "uu", CreateAccessKey::new())
        .await
        .unwrap();
    let a = sim.s3_client(&ka);
    // Its own bucket: read, write, reconfigure.
    a.put_object("ns-a-own", "k", bytes::Bytes::from_static(b"x"), &[])
        .await
        .unwrap();
    a.put_versioning("ns-a-own", true).await.unwrap();
    // Another owner's bucket in its namespace: refused, until a bucket policy grants it.
    let e = a
        .put_object("ns-a-svc", "k", bytes::Bytes::from_static(b"x"), &[])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert_eq!(
        a.put_versioning("ns-a-svc", true).await.unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
    let grant = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":["{}"]}},"Action":["s3:PutObject"],"Resource":["arn:aws:s3:::ns-a-svc/*"]}}]}}"#,
        p.object_user_id("ns-a", "uu")
    ))
    .unwrap();
    p.update_bucket("ns-a", "ns-a-svc", UpdateBucket::new().policy(grant))
        .await
        .unwrap();
    a.put_object("ns-a-svc", "k", bytes::Bytes::from_static(b"x"), &[])
        .await
        .unwrap();
    // A bucket of another namespace does not exist for this signer, even with its name.
    let e = a
        .put_object("ns-b-own", "k", bytes::Bytes::from_static(b"x"), &[])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    // ListBuckets: its own buckets only.
    assert_eq!(
        a.list_buckets().await.unwrap(),
        vec!["ns-a-own".to_string()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_tags_stay_within_ecs_limit_of_ten() {
    let sim = EcsSimulator::start(ADMIN.0, ADMIN.1).await;
    let p = builder(&sim).build().unwrap();
    p.create_instance(CreateInstance::new("tags").default_bucket("tags-default"))
        .await
        .unwrap();
    let tags = |n: usize| {
        (0..n).fold(Tags::new(), |mut t, i| {
            t.insert(format!("k{i}"), format!("v{i}"));
            t
        })
    };
    let calls = sim.state().calls.len();
    let mut req = CreateBucket::new("tags-b");
    for (k, v) in tags(11) {
        req = req.tag(k, v);
    }
    let e = p.create_bucket("tags", req).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("at most 10"), "{e}");
    let e = p
        .update_bucket("tags", "tags-default", UpdateBucket::new().tags(tags(11)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(sim.state().calls.len(), calls, "refused before any request");
    // The default bucket's own tag takes one of the ten.
    let e = p
        .update_bucket("tags", "tags-default", UpdateBucket::new().tags(tags(10)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("s3aas-default-bucket"), "{e}");
    let b = p
        .update_bucket("tags", "tags-default", UpdateBucket::new().tags(tags(9)))
        .await
        .unwrap();
    assert_eq!(b.tags.unwrap().len(), 9);
    // A change sends only what differs: one key dropped, one changed, one added.
    let mut next = tags(9);
    next.remove("k0");
    next.insert("k1".into(), "changed".into());
    next.insert("new".into(), "x".into());
    let before = sim.state().calls.len();
    let b = p
        .update_bucket(
            "tags",
            "tags-default",
            UpdateBucket::new().tags(next.clone()),
        )
        .await
        .unwrap();
    assert_eq!(b.tags.unwrap(), next);
    let sent: Vec<String> = sim.state().calls[before..]
        .iter()
        .filter(|c| c.contains("/object/bucket/") && c.ends_with("/tags"))
        .cloned()
        .collect();
    assert_eq!(
        sent,
        vec![
            "DELETE /object/bucket/tags-default/tags",
            "PUT /object/bucket/tags-default/tags",
            "POST /object/bucket/tags-default/tags"
        ]
    );
}
