//! The negative direction of capability selection: what a backend lacks is refused.

use super::*;

/// Every capability the backend lacks must be refused with `Unsupported` (the negative
/// direction of capability selection).
pub(super) async fn capability_refusals(ctx: &Ctx) -> CaseResult {
    let c = ctx.caps;
    let p = &ctx.provider;
    let mut checked = 0;
    if !c.instance_create {
        expect_kind(
            p.create_instance(ctx.instance_req()).await,
            ErrorKind::Unsupported,
            "instance_create",
        )?;
        checked += 1;
        return check(checked > 0, "");
    }
    if !c.instance_labels {
        expect_kind(
            p.create_instance(ctx.instance_req().label("k", "v")).await,
            ErrorKind::Unsupported,
            "instance_labels",
        )?;
    }
    ctx.with_instance(ctx.instance_req(), |id| async move {
        let mut checked = 0;
        let b = ctx.name("b");
        let unsupported = |what: &'static str| {
            move |r: s3aas_core::Result<Bucket>| {
                expect_kind(r, ErrorKind::Unsupported, what).map(drop)
            }
        };
        if !c.bucket_object_lock.at_creation() {
            unsupported("bucket_object_lock")(
                p.create_bucket(&id, CreateBucket::new(&b).object_lock(true))
                    .await,
            )?;
            checked += 1;
        }
        if !c.bucket_encryption.at_creation() {
            unsupported("bucket_encryption")(
                p.create_bucket(&id, CreateBucket::new(&b).encryption(Encryption::Aes256))
                    .await,
            )?;
            checked += 1;
        }
        if !c.bucket_versioning.at_creation() {
            unsupported("bucket_versioning")(
                p.create_bucket(&id, CreateBucket::new(&b).versioning(true))
                    .await,
            )?;
            checked += 1;
        }
        if !c.bucket_quota.at_creation() {
            unsupported("bucket_quota")(
                p.create_bucket(&id, CreateBucket::new(&b).quota(Quota::hard(1 << 30)))
                    .await,
            )?;
            checked += 1;
        }
        if !c.bucket_quota_notification.at_creation() && c.bucket_quota.at_creation() {
            unsupported("bucket_quota_notification")(
                p.create_bucket(
                    &id,
                    CreateBucket::new(&b).quota(Quota::hard(2 << 30).with_notification(1 << 30)),
                )
                .await,
            )?;
            checked += 1;
        }
        if !c.bucket_tags.at_creation() {
            unsupported("bucket_tags")(
                p.create_bucket(&id, CreateBucket::new(&b).tag("a", "b"))
                    .await,
            )?;
            checked += 1;
        }
        if !c.bucket_owner {
            unsupported("bucket_owner")(
                p.create_bucket(&id, CreateBucket::new(&b).owner("someone"))
                    .await,
            )?;
            checked += 1;
        }
        if !c.instance_mfa_delete.at_creation() {
            expect_kind(
                p.create_instance(
                    CreateInstance::new(ctx.name("i"))
                        .versioning(true)
                        .mfa_delete(true),
                )
                .await,
                ErrorKind::Unsupported,
                "instance_mfa_delete",
            )?;
            checked += 1;
        }
        if !c.instance_mfa_delete.in_update() {
            expect_kind(
                p.update_instance(&id, UpdateInstance::new().mfa_delete(true))
                    .await,
                ErrorKind::Unsupported,
                "instance_mfa_delete update",
            )?;
            checked += 1;
        }
        if !c.policies {
            expect_kind(
                p.put_policy(
                    &id,
                    PutPolicy::new("p1", PolicyDocument::bucket_read_only("x1")),
                )
                .await,
                ErrorKind::Unsupported,
                "policies",
            )?;
            expect_kind(
                p.list_policies(&id, ListOptions::new()).await,
                ErrorKind::Unsupported,
                "policies list",
            )?;
            checked += 1;
        }
        let user = ctx.name("u");
        p.create_user(&id, CreateUser::new(&user)).await?;
        if !c.policy_attach {
            expect_kind(
                p.attach_policy(&id, &user, "p1").await,
                ErrorKind::Unsupported,
                "policy_attach",
            )?;
            expect_kind(
                p.list_attached_policies(&id, &user).await,
                ErrorKind::Unsupported,
                "policy_attach list",
            )?;
            checked += 1;
        }
        if !c.user_disable {
            expect_kind(
                p.set_user_enabled(&id, &user, false).await,
                ErrorKind::Unsupported,
                "user_disable",
            )?;
            checked += 1;
        }
        if !c.user_tags {
            expect_kind(
                p.create_user(&id, CreateUser::new(ctx.name("u")).tag("a", "b"))
                    .await,
                ErrorKind::Unsupported,
                "user_tags",
            )?;
            checked += 1;
        }
        let key_checks: [(bool, &str, CreateAccessKey); 4] = [
            (
                c.access_key_name,
                "access_key_name",
                CreateAccessKey::new().name("k1"),
            ),
            (
                c.access_key_description,
                "access_key_description",
                CreateAccessKey::new().description("d"),
            ),
            (
                c.access_key_expiry,
                "access_key_expiry",
                CreateAccessKey::new()
                    .expiration(OffsetDateTime::now_utc() + time::Duration::days(1)),
            ),
            (
                c.access_key_session_policy,
                "access_key_session_policy",
                CreateAccessKey::new().session_policy(PolicyDocument::bucket_read_only("x1")),
            ),
        ];
        for (supported, what, req) in key_checks {
            if !supported {
                expect_kind(
                    p.create_access_key(&id, &user, req).await,
                    ErrorKind::Unsupported,
                    what,
                )?;
                checked += 1;
            }
        }
        if !c.access_key_disable {
            expect_kind(
                p.set_access_key_enabled(&id, &user, "ANYKEY0001", false)
                    .await,
                ErrorKind::Unsupported,
                "access_key_disable",
            )?;
            checked += 1;
        }
        if !c.access_key_rotation_grace {
            expect_kind(
                p.rotate_access_key(
                    &id,
                    &user,
                    "ANYKEY0001",
                    RotateAccessKey::new().grace(Duration::from_secs(3600)),
                )
                .await,
                ErrorKind::Unsupported,
                "access_key_rotation_grace",
            )?;
            checked += 1;
        }
        if !c.bucket_usage {
            expect_kind(
                p.bucket_usage(&id, &b).await,
                ErrorKind::Unsupported,
                "bucket_usage",
            )?;
            checked += 1;
        }
        if !c.instance_usage {
            expect_kind(
                p.instance_usage(&id).await,
                ErrorKind::Unsupported,
                "instance_usage",
            )?;
            checked += 1;
        }
        checked += feature_refusals(ctx, &id, &b).await?;
        expect_kind(
            p.get_bucket(&id, &b).await,
            ErrorKind::NotFound,
            "no bucket made by a refused call",
        )?;
        let _ = checked;
        Ok(())
    })
    .await
}

/// Lifecycle, CORS, retention and replication, refused at creation and in updates where the
/// backend lacks them. Returns how many refusals were checked.
async fn feature_refusals(ctx: &Ctx, id: &str, b: &str) -> Result<u32, Failure> {
    let (c, p) = (ctx.caps, &ctx.provider);
    let mut checked = 0;
    let lifecycle = LifecycleRule::new("r").expire_after_days(1);
    let cors = CorsRule::new(["*"], ["GET"]);
    let retention = DefaultRetention::days(RetentionMode::Governance, 1);
    let replication = ReplicationRule::new(
        "r",
        1,
        ReplicationDestination::new(
            "https://dr.example.com",
            "dr-bucket",
            "AKIDR",
            s3aas_core::SecretString::from("s"),
        ),
    );
    let creates = [
        (
            c.bucket_lifecycle.at_creation(),
            "bucket_lifecycle",
            CreateBucket::new(b).lifecycle_rule(lifecycle.clone()),
        ),
        (
            c.bucket_cors.at_creation(),
            "bucket_cors",
            CreateBucket::new(b).cors_rule(cors.clone()),
        ),
        (
            c.bucket_retention.at_creation() || !c.bucket_object_lock.at_creation(),
            "bucket_retention",
            CreateBucket::new(b).retention(retention),
        ),
        (
            c.bucket_replication.at_creation(),
            "bucket_replication",
            CreateBucket::new(b)
                .versioning(true)
                .replication_rule(replication.clone()),
        ),
    ];
    for (supported, what, req) in creates {
        if !supported {
            expect_kind(p.create_bucket(id, req).await, ErrorKind::Unsupported, what)?;
            checked += 1;
        }
    }
    let updates = [
        (
            c.bucket_lifecycle.in_update(),
            "bucket_lifecycle update",
            UpdateBucket::new().lifecycle(vec![lifecycle]),
        ),
        (
            c.bucket_cors.in_update(),
            "bucket_cors update",
            UpdateBucket::new().cors(vec![cors]),
        ),
        (
            c.bucket_retention.in_update(),
            "bucket_retention update",
            UpdateBucket::new().retention(retention),
        ),
        (
            c.bucket_replication.in_update(),
            "bucket_replication update",
            UpdateBucket::new().replication(vec![replication]),
        ),
    ];
    for (supported, what, req) in updates {
        if !supported {
            expect_kind(
                p.update_bucket(id, b, req).await,
                ErrorKind::Unsupported,
                what,
            )?;
            checked += 1;
        }
    }
    Ok(checked)
}
