//! Proofs through S3 with the issued keys, and cross-checks with boto3.

use crate::*;

pub(crate) fn all_proofs() -> Vec<(&'static str, ProofFn)> {
    vec![
        ("key_works_only_where_its_policy_allows", |p, n| {
            Box::pin(key_scoped_by_policy(p, n))
        }),
        (
            "disabled_or_deleted_key_and_disabled_user_are_refused",
            |p, n| Box::pin(disabled_and_deleted(p, n)),
        ),
        ("rotation_new_key_works_old_one_stops", |p, n| {
            Box::pin(rotation(p, n))
        }),
        ("detaching_and_changing_policies_take_effect", |p, n| {
            Box::pin(policy_changes(p, n))
        }),
        ("versioning_and_encryption_apply_to_writes", |p, n| {
            Box::pin(bucket_settings(p, n))
        }),
        ("instances_rediscovered_by_a_new_process", |p, n| {
            Box::pin(rediscovery(p, n))
        }),
        ("provision_tenant_key_works_on_its_bucket", |p, n| {
            Box::pin(provisioned_tenant(p, n))
        }),
        ("foreign_buckets_and_users_are_never_touched", |p, n| {
            Box::pin(foreign(p, n))
        }),
        ("boto3_sees_what_the_sdk_reports", |p, n| {
            Box::pin(boto3_cross_check(p, n))
        }),
        ("desired_state_drift_is_reported_and_repaired", |p, n| {
            Box::pin(desired_state_drift(p, n))
        }),
        ("eight_keys_on_one_user_no_limit_enforced", |p, n| {
            Box::pin(no_key_limit(p, n))
        }),
        ("lifecycle_rules_kept_replaced_and_removed", |p, n| {
            Box::pin(crate::features::lifecycle_kept(p, n))
        }),
        ("cors_rules_answer_preflights_by_origin", |p, n| {
            Box::pin(crate::features::cors_preflights(p, n))
        }),
        ("default_retention_locks_new_objects_only", |p, n| {
            Box::pin(crate::features::retention_locks_new_objects(p, n))
        }),
        (
            "public_read_list_lists_anonymously_public_read_does_not",
            |p, n| Box::pin(crate::features::access_levels_anonymous(p, n)),
        ),
        ("replication_routes_are_no_replication_api", |p, n| {
            Box::pin(crate::features::replication_routes_are_not_replication(
                p, n,
            ))
        }),
    ]
}

async fn key_scoped_by_policy(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    let other = format!("{inst}-other");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            p.create_bucket(&inst, CreateBucket::new(&other))
                .await
                .map_err(s)?;
            let (_, s3) = tenant(&p, &inst, "alice", &b).await?;
            let put = |bucket: String| {
                let s3 = s3.clone();
                move || {
                    let (s3, bucket) = (s3.clone(), bucket.clone());
                    async move { s3.put_object(&bucket, "k", "v".into(), &[]).await.map(drop) }
                }
            };
            eventually("put on the granted bucket", true, put(b.clone())).await?;
            eventually(
                "put on another bucket of the instance",
                false,
                put(other.clone()),
            )
            .await?;
            let got = s3.get_object(&b, "k", None).await.map_err(s)?;
            ensure(got.body.as_ref() == b"v", "reads back what it wrote")
        },
    )
    .await
}

async fn disabled_and_deleted(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            let (k, s3) = tenant(&p, &inst, "bob", &b).await?;
            let list = || async { s3.list_objects(&b, "", None, 10).await.map(drop) };
            eventually("active key", true, list).await?;
            p.set_access_key_enabled(&inst, "bob", &k.key.id, false)
                .await
                .map_err(s)?;
            ensure(
                !p.get_access_key(&inst, "bob", &k.key.id)
                    .await
                    .map_err(s)?
                    .enabled,
                "key reads disabled",
            )?;
            eventually("disabled key", false, list).await?;
            p.set_access_key_enabled(&inst, "bob", &k.key.id, true)
                .await
                .map_err(s)?;
            eventually("re-enabled key", true, list).await?;
            p.set_user_enabled(&inst, "bob", false).await.map_err(s)?;
            ensure(
                !p.get_user(&inst, "bob").await.map_err(s)?.enabled,
                "user reads disabled",
            )?;
            eventually("key of a disabled user", false, list).await?;
            p.set_user_enabled(&inst, "bob", true).await.map_err(s)?;
            ensure(
                p.get_user(&inst, "bob").await.map_err(s)?.enabled,
                "user reads enabled",
            )?;
            eventually("key of a re-enabled user", true, list).await?;
            p.delete_access_key(&inst, "bob", &k.key.id)
                .await
                .map_err(s)?;
            eventually("deleted key", false, list).await?;
            // A second key, then the user goes: every key of it stops.
            let k2 = p
                .create_access_key(&inst, "bob", CreateAccessKey::new())
                .await
                .map_err(s)?;
            let s3b = p.s3_client_for(&k2.key.access_key_id, k2.secret_access_key.clone());
            let list2 = || async { s3b.list_objects(&b, "", None, 10).await.map(drop) };
            eventually("second key", true, list2).await?;
            p.delete_user(&inst, "bob").await.map_err(s)?;
            eventually("key of a deleted user", false, list2).await
        },
    )
    .await
}

async fn rotation(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            let (k, old) = tenant(&p, &inst, "carol", &b).await?;
            let r = p
                .rotate_access_key(&inst, "carol", &k.key.id, RotateAccessKey::new())
                .await
                .map_err(s)?;
            ensure(r.old == OldKey::Deleted, "old key deleted")?;
            let new = p.s3_client_for(&r.new.key.access_key_id, r.new.secret_access_key.clone());
            eventually("new key", true, || async {
                new.list_objects(&b, "", None, 1).await.map(drop)
            })
            .await?;
            eventually("old key", false, || async {
                old.list_objects(&b, "", None, 1).await.map(drop)
            })
            .await?;
            let keys = p.list_access_keys(&inst, "carol").await.map_err(s)?;
            ensure(
                keys.len() == 1 && keys[0].id == r.new.key.id,
                format!("one key left: {keys:?}"),
            )
        },
    )
    .await
}

async fn policy_changes(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            p.admin_s3()
                .put_object(&b, "seed", "s".into(), &[])
                .await
                .map_err(s)?;
            let (_, s3) = tenant(&p, &inst, "dora", &b).await?;
            let put = || async { s3.put_object(&b, "new", "n".into(), &[]).await.map(drop) };
            let get = || async { s3.get_object(&b, "seed", None).await.map(drop) };
            eventually("attached read-write", true, put).await?;
            p.detach_policy(&inst, "dora", "dora-rw").await.map_err(s)?;
            eventually("detached: put", false, put).await?;
            eventually("detached: get", false, get).await?;
            p.attach_policy(&inst, "dora", "dora-rw").await.map_err(s)?;
            eventually("re-attached", true, put).await?;
            p.put_policy(
                &inst,
                PutPolicy::new("dora-rw", PolicyDocument::bucket_read_only(&b)),
            )
            .await
            .map_err(s)?;
            eventually("read-only: get", true, get).await?;
            eventually("read-only: put", false, put).await?;
            let pol = p.get_policy(&inst, "dora-rw").await.map_err(s)?;
            ensure(
                pol.document
                    .semantically_eq(&PolicyDocument::bucket_read_only(&b)),
                "the changed document reads back",
            )
        },
    )
    .await
}

async fn bucket_settings(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    let req = CreateInstance::new(&inst)
        .default_bucket(&b)
        .versioning(true)
        .encryption(Encryption::Aes256);
    with_instance(p, inst.clone(), req, |p, inst| async move {
        let got = p.get_bucket(&inst, &b).await.map_err(s)?;
        ensure(
            got.versioning == Some(Versioning::Enabled),
            format!("versioning {:?}", got.versioning),
        )?;
        ensure(
            got.encryption == Some(Encryption::Aes256),
            format!("encryption {:?}", got.encryption),
        )?;
        let s3 = p.admin_s3();
        let v1 = s3.put_object(&b, "k", "one".into(), &[]).await.map_err(s)?;
        s3.put_object(&b, "k", "two".into(), &[]).await.map_err(s)?;
        let (versions, _) = s3.list_object_versions(&b, 10, None).await.map_err(s)?;
        ensure(
            versions.len() == 2,
            format!("two versions kept: {versions:?}"),
        )?;
        ensure(
            v1.server_side_encryption.as_deref() == Some("AES256"),
            format!(
                "plain put encrypted by default: {:?}",
                v1.server_side_encryption
            ),
        )?;
        // Not empty: a delete without force is refused (SeaweedFS itself would delete it).
        let e = p.delete_bucket(&inst, &b, DeleteBucket::new()).await;
        ensure(
            matches!(&e, Err(e) if e.kind() == ErrorKind::BucketNotEmpty),
            format!("non-empty bucket kept: {e:?}"),
        )?;
        ensure(s3.bucket_exists(&b).await.map_err(s)?, "bucket still there")
    })
    .await
}

async fn rediscovery(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    let req = CreateInstance::new(&inst)
        .default_bucket(&b)
        .versioning(true)
        .label("team", "storage");
    with_instance(p, inst.clone(), req, |p, inst| async move {
        p.create_user(&inst, CreateUser::new("erin").tag("cost", "42"))
            .await
            .map_err(s)?;
        p.put_policy(
            &inst,
            PutPolicy::new("ro", PolicyDocument::bucket_read_only(&b)),
        )
        .await
        .map_err(s)?;
        p.attach_policy(&inst, "erin", "ro").await.map_err(s)?;
        // A new provider (as after a restart): everything is read from the server.
        let p = provider(SERVER.get().expect("server known"));
        let i = p.get_instance(&inst).await.map_err(s)?;
        ensure(
            i.default_bucket.as_deref() == Some(b.as_str()),
            "default bucket",
        )?;
        ensure(i.versioning, "versioning")?;
        ensure(
            i.labels.get("team").map(String::as_str) == Some("storage"),
            "labels",
        )?;
        ensure(i.created.is_some(), "creation time")?;
        let listed = p.list_instances(ListOptions::new()).await.map_err(s)?;
        ensure(listed.items.iter().any(|x| x.id == inst), "listed")?;
        let u = p.get_user(&inst, "erin").await.map_err(s)?;
        ensure(
            u.tags
                .as_ref()
                .and_then(|t| t.get("cost"))
                .map(String::as_str)
                == Some("42"),
            format!("user tags {:?}", u.tags),
        )?;
        ensure(
            p.list_attached_policies(&inst, "erin").await.map_err(s)? == ["ro"],
            "attachment",
        )?;
        let bs = p.list_buckets(&inst, ListOptions::new()).await.map_err(s)?;
        ensure(
            bs.items.iter().map(|b| b.name.as_str()).collect::<Vec<_>>() == [b.as_str()],
            "buckets",
        )
    })
    .await
}

async fn provisioned_tenant(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    let spec = s3aas_core::TenantSpec::new(&inst, &b, "owner")
        .bucket(CreateBucket::new(&b).versioning(true));
    let client = s3aas_core::Client::new(p.clone());
    let t = s3aas_core::provision_tenant(&client, &spec)
        .await
        .map_err(s)?;
    let r: R = async {
        let s3 = p.s3_client_for(
            &t.access_key.key.access_key_id,
            t.access_key.secret_access_key.clone(),
        );
        eventually("tenant key writes its bucket", true, || async {
            s3.put_object(&b, "hello.txt", "hi".into(), &[])
                .await
                .map(drop)
        })
        .await?;
        let again = s3aas_core::provision_tenant(&client, &spec)
            .await
            .map_err(|e| format!("re-run converges: {e}"))?;
        ensure(
            again.instance.id == t.instance.id,
            "same instance on re-run",
        )
    }
    .await;
    let c = p
        .delete_instance(&inst, DeleteInstance::new().force(true))
        .await
        .map_err(s);
    r.and(c)
}

async fn foreign(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    // A bucket and a user that another tool made, named as if they were the instance's.
    let fb = format!("{inst}-foreign");
    let s3 = p.admin_s3().clone();
    s3.create_bucket(&fb, false, None).await.map_err(s)?;
    let r = with_instance(
        p.clone(),
        inst.clone(),
        CreateInstance::new(&inst),
        |p, inst| async move {
            let bs = p.list_buckets(&inst, ListOptions::new()).await.map_err(s)?;
            ensure(
                bs.items.is_empty(),
                "an untagged bucket is not the instance's",
            )?;
            let e = p.get_bucket(&inst, &format!("{inst}-foreign")).await;
            ensure(
                matches!(&e, Err(e) if e.kind() == ErrorKind::NotFound),
                "not found through the instance",
            )?;
            p.delete_bucket(
                &inst,
                &format!("{inst}-foreign"),
                DeleteBucket::new().force(true),
            )
            .await
            .map_err(s)
        },
    )
    .await;
    let kept = s3.bucket_exists(&fb).await.map_err(s)?;
    s3.delete_bucket(&fb, None).await.map_err(s)?;
    r?;
    ensure(kept, "the foreign bucket survived a forced instance delete")
}

async fn boto3_cross_check(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            let (k, _) = tenant(&p, &inst, "frank", &b).await?;
            let k2 = p
                .create_access_key(&inst, "frank", CreateAccessKey::new())
                .await
                .map_err(s)?;
            p.set_access_key_enabled(&inst, "frank", &k2.key.id, false)
                .await
                .map_err(s)?;
            p.set_user_enabled(&inst, "frank", false).await.map_err(s)?;
            let server = SERVER.get().expect("server known");
            let v = boto3(server, "user", &[&format!("{inst}--frank")]);
            let keys = v["keys"].as_object().cloned().unwrap_or_default();
            ensure(keys.len() == 2, format!("boto3 sees two keys: {keys:?}"))?;
            ensure(keys[&k.key.access_key_id] == "Active", "first key active")?;
            ensure(
                keys[&k2.key.access_key_id] == "Inactive",
                "second key inactive",
            )?;
            ensure(
                v["attached"] == serde_json::json!([format!("{inst}--frank-rw")]),
                format!("attached {}", v["attached"]),
            )?;
            ensure(
                v["tags"]["s3aas:disabled"] == "true",
                "status mirrored in the tag",
            )?;
            let sdk: Vec<(String, bool)> = p
                .list_access_keys(&inst, "frank")
                .await
                .map_err(s)?
                .into_iter()
                .map(|k| (k.access_key_id, k.enabled))
                .collect();
            let mut want = vec![
                (k.key.access_key_id.clone(), true),
                (k2.key.access_key_id.clone(), false),
            ];
            want.sort();
            ensure(
                sdk == want,
                format!("SDK keys {sdk:?}, boto3 keys {keys:?}"),
            )?;
            let doc = boto3(server, "policy", &[&format!("{inst}--frank-rw")]);
            let doc = PolicyDocument::from_value(doc["document"].clone()).map_err(s)?;
            ensure(
                doc.semantically_eq(&PolicyDocument::bucket_read_write(&b)),
                "boto3 reads the same document",
            )
        },
    )
    .await
}

/// The desired-state layer on the real server: a bucket's versioning and a policy's document
/// changed behind the SDK's back with raw S3 and IAM calls show in `drift` with before and
/// after, `apply` repairs them, and a key of the user proves the repaired access. (SeaweedFS keys have no names, so the key is made outside
/// the spec and reported as an orphan the desired state never touches.)
async fn desired_state_drift(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    use s3aas_core::state::{self, Origin, Spec};
    let b = format!("{inst}-data");
    let spec = Spec::from_json(
        &serde_json::json!({"tenants": [{
            "instance": inst,
            // Prune lists every key of the spec's users, so the key made outside the spec is
            // reported as an orphan (and, not made by the desired state, left alone).
            "prune": true,
            "buckets": [{"name": b, "versioning": true}],
            "policies": [{"name": "rw", "document": PolicyDocument::bucket_read_write(&b).as_value()}],
            "users": [{"name": "app", "policies": ["rw"]}]
        }]})
        .to_string(),
    )
    .map_err(s)?;
    let c = s3aas_core::Client::new(p.clone());
    let r: R = async {
        let plan = state::plan(&c, &spec).await.map_err(s)?;
        let report = state::apply(&c, &plan, Default::default()).await;
        ensure(report.is_complete(), format!("first apply: {report}"))?;
        ensure(
            state::plan(&c, &spec).await.map_err(s)?.is_empty(),
            "nothing differs after applying",
        )?;
        let k = p
            .create_access_key(&inst, "app", CreateAccessKey::new())
            .await
            .map_err(s)?;
        let s3 = p.s3_client_for(&k.key.access_key_id, k.secret_access_key.clone());
        let put = || async { s3.put_object(&b, "k", "v".into(), &[]).await.map(drop) };
        eventually("the user's key writes its bucket", true, put).await?;

        // Behind the SDK's back: raw S3 and IAM calls, signed as the admin.
        let conn = SERVER.get().expect("server known");
        p.admin_s3().put_versioning(&b, false).await.map_err(s)?;
        let iam = s3aas_http::IamClient::new(
            "raw",
            s3aas_http::HttpClient::new("raw", s3aas_http::HttpConfig::default()).map_err(s)?,
            conn.endpoint.parse().map_err(s)?,
            s3aas_http::SigV4Signer::new(
                &conn.access_key,
                SecretString::from(conn.secret_key.clone()),
                "us-east-1",
            )
            .with_service("iam"),
        );
        let arn = format!("arn:aws:iam:::policy/{inst}--rw");
        let ro = PolicyDocument::bucket_read_only(&b).to_json();
        let raw = |action: &'static str, params: Vec<(&'static str, String)>| {
            let iam = iam.clone();
            async move {
                let p: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                iam.send("raw", action, &p, s3aas_http::Idempotency::Idempotent)
                    .await
                    .map(drop)
                    .map_err(s)
            }
        };
        raw(
            "CreatePolicyVersion",
            vec![
                ("PolicyArn", arn.clone()),
                ("PolicyDocument", ro),
                ("SetAsDefault", "true".into()),
            ],
        )
        .await?;
        // (No raw `SetUserStatus` here: SeaweedFS enforces a status but does not report it, so
        // a status changed outside the SDK cannot be seen; the crate docs say so.)
        eventually("the key under the read-only document", false, put).await?;

        let d = state::drift(&c, &spec.tenants[0]).await.map_err(s)?;
        let updated = |name: &str, field: &str| s3aas_fakes::proof::reports_update(&d, name, field);
        ensure(
            updated(&b, "versioning"),
            format!("versioning drift: {:?}", d.changes),
        )?;
        ensure(
            updated("rw", "document"),
            format!("policy drift: {:?}", d.changes),
        )?;
        ensure(
            d.orphans
                .iter()
                .any(|o| o.name == format!("app/{}", k.key.id) && o.origin == Origin::Unknown),
            format!(
                "the key made outside the spec is an orphan: {:?}",
                d.orphans
            ),
        )?;
        let plan = state::plan(&c, &spec).await.map_err(s)?;
        let report = state::apply(&c, &plan, Default::default()).await;
        ensure(report.is_complete(), format!("repair: {report}"))?;
        let after = state::plan(&c, &spec).await.map_err(s)?;
        ensure(
            after.executable().next().is_none(),
            format!("left after repair:\n{after}"),
        )?;
        eventually("the repaired key writes again", true, put).await?;
        let v = p.admin_s3().get_versioning(&b).await.map_err(s)?;
        ensure(v == Versioning::Enabled, format!("versioning {v:?}"))
    }
    .await;
    let _ = p.admin_s3().empty_bucket(&b).await;
    let clean = p
        .delete_instance(&inst, DeleteInstance::new().force(true))
        .await
        .map_err(|e| format!("cleanup: {e}"));
    r.and(clean)
}

/// SeaweedFS enforces no per-user key limit (AWS allows 2): eight keys on one user are all made,
/// listed and usable, which is why `access_keys_per_user` is `None`.
async fn no_key_limit(p: Arc<SeaweedfsProvider>, inst: String) -> R {
    let b = format!("{inst}-data");
    with_instance(
        p,
        inst.clone(),
        CreateInstance::new(&inst).default_bucket(&b),
        |p, inst| async move {
            let (_, _) = tenant(&p, &inst, "many", &b).await?;
            let mut keys = Vec::new();
            for _ in 0..7 {
                keys.push(
                    p.create_access_key(&inst, "many", CreateAccessKey::new())
                        .await
                        .map_err(s)?,
                );
            }
            let listed = p.list_access_keys(&inst, "many").await.map_err(s)?;
            ensure(
                listed.len() == 8,
                format!("eight keys listed: {}", listed.len()),
            )?;
            let last = keys.last().expect("seven made");
            let s3 = p.s3_client_for(&last.key.access_key_id, last.secret_access_key.clone());
            eventually("the eighth key works", true, || async {
                s3.list_objects(&b, "", None, 1).await.map(drop)
            })
            .await
        },
    )
    .await
}
