//! Buckets: made through the management API, configured through S3 as their owner.

use crate::features::S3Changes;
use crate::provider::*;

/// Tags an ECS bucket can carry (Dell's spec: an error "when the total number of existing tags
/// and the tags specified exceeds 10").
pub(crate) const MAX_BUCKET_TAGS: usize = 10;

/// Refuses more tags than fit beside s3aas's own tag on an instance's default bucket.
pub(crate) fn check_tag_count(n: usize, default_bucket: bool) -> Result<()> {
    let room = MAX_BUCKET_TAGS - usize::from(default_bucket);
    if n > room {
        let why = if default_bucket {
            format!(
                "ECS allows {MAX_BUCKET_TAGS} tags per bucket and this is the instance's default bucket, whose tag '{DEFAULT_BUCKET_TAG}' takes one: at most {room} (got {n})"
            )
        } else {
            format!("ECS allows at most {MAX_BUCKET_TAGS} tags per bucket (got {n})")
        };
        return Err(Error::invalid_input("bucket.tags", why));
    }
    Ok(())
}

/// Bytes to whole GiB for an ECS quota; refuses what is not a whole number of GiB.
pub(crate) fn quota_gib(field: &str, bytes: u64) -> Result<i64> {
    if bytes == 0 || bytes % GIB != 0 {
        return Err(Error::invalid_input(
            field,
            format!(
                "ECS quotas are whole GiB (1 GiB = {GIB} bytes); {bytes} bytes is not, and s3aas does not round"
            ),
        ));
    }
    Ok((bytes / GIB) as i64)
}

pub(crate) fn check_quota(q: &Quota) -> Result<(i64, i64)> {
    let hard = quota_gib("bucket.quota.hard_limit_bytes", q.hard_limit_bytes)?;
    let soft = match q.notification_bytes {
        Some(n) => quota_gib("bucket.quota.notification_bytes", n)?,
        None => -1,
    };
    Ok((hard, soft))
}

pub(crate) fn quota_from_gib(block: Option<f64>, notification: Option<f64>) -> Option<Quota> {
    let block = block.filter(|b| *b > 0.0)?;
    let mut q = Quota::hard((block * GIB as f64).round() as u64);
    if let Some(n) = notification.filter(|n| *n > 0.0) {
        q = q.with_notification((n * GIB as f64).round() as u64);
    }
    Some(q)
}

impl EcsProvider {
    pub(crate) async fn bucket_info(
        &self,
        ns: &str,
        bucket: &str,
        op: &'static str,
    ) -> Result<BucketInfo> {
        let resp = self
            .send(Call::get(op, format!("/object/bucket/{bucket}/info")).q("namespace", ns))
            .await?;
        if is_not_found(&resp) {
            // Name the instance when it is the instance that is missing.
            self.require_instance(ns, op).await?;
            return Err(ctx(Error::not_found(ResourceKind::Bucket, bucket), op)
                .with_http_status(resp.status));
        }
        if !resp.is_success() {
            return Err(self.fail(op, &resp, None));
        }
        let info: BucketInfo = decode("get bucket info", &resp.body).map_err(|e| ctx(e, op))?;
        // A bucket of another namespace, or one in this namespace that is not the instance's
        // (made by another tool or person), is not there for s3aas.
        if (!info.namespace.is_empty() && info.namespace != ns)
            || !self.is_instance_bucket(ns, &info)
        {
            return Err(ctx(Error::not_found(ResourceKind::Bucket, bucket), op));
        }
        Ok(info)
    }

    pub(crate) async fn bucket_policy(
        &self,
        ns: &str,
        bucket: &str,
        op: &'static str,
    ) -> Result<Option<PolicyDocument>> {
        let resp = self
            .send(Call::get(op, format!("/object/bucket/{bucket}/policy")).q("namespace", ns))
            .await?;
        if resp.status == 204 || resp.status == 404 || resp.body.iter().all(u8::is_ascii_whitespace)
        {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(self.fail(op, &resp, Some((Missing::Bucket, bucket))));
        }
        let v: Value = decode("get bucket policy", &resp.body).map_err(|e| ctx(e, op))?;
        if v.as_object().is_some_and(|o| o.is_empty()) {
            return Ok(None);
        }
        PolicyDocument::from_value(v)
            .map(Some)
            .map_err(|e| ctx(e, op))
    }

    pub(crate) fn to_bucket(&self, instance: &str, info: &BucketInfo) -> Bucket {
        let mut b = Bucket::new(instance, &info.name);
        b.created = info.created;
        // The service user owns what s3aas made without an owner: no user of the instance.
        let svc = self.naming.service_user(instance);
        b.owner = info
            .owner
            .as_deref()
            .filter(|o| !o.is_empty() && *o != svc)
            .map(|o| {
                self.user_name_of(instance, o)
                    .map(str::to_string)
                    .unwrap_or_else(|| o.to_string())
            });
        b.encryption = Some(if info.is_encryption_enabled {
            Encryption::Aes256
        } else {
            Encryption::None
        });
        b.object_lock = Some(info.is_object_lock_enabled);
        b.versioning = info.versioning_status.as_deref().map(|v| {
            if v.eq_ignore_ascii_case("enabled") {
                Versioning::Enabled
            } else if v.eq_ignore_ascii_case("suspended") {
                Versioning::Suspended
            } else {
                Versioning::Unversioned
            }
        });
        b.quota = Some(quota_from_gib(info.block_size, info.notification_size));
        b.tags = Some(
            info.tag_set
                .iter()
                .filter(|t| t.key != DEFAULT_BUCKET_TAG)
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
        );
        b
    }

    pub(crate) async fn full_bucket(
        &self,
        ns: &str,
        name: &str,
        op: &'static str,
    ) -> Result<Bucket> {
        let info = self.bucket_info(ns, name, op).await?;
        let mut b = self.to_bucket(ns, &info);
        // Versioning (on releases without `versioning_status` in bucket info), lifecycle, CORS
        // and retention: from S3, as the owner.
        self.read_s3_side(ns, &info, &mut b, op).await?;
        b.policy = Some(self.bucket_policy(ns, name, op).await?);
        Ok(b)
    }

    pub(crate) async fn set_versioning(
        &self,
        ns: &str,
        info: &BucketInfo,
        enabled: bool,
        op: &'static str,
    ) -> Result<()> {
        let o = self.owner_s3(ns, info, true, op).await?;
        let r = o
            .client
            .put_versioning(&info.name, enabled)
            .await
            .map_err(|e| ctx(e, op));
        self.release_owner_s3(ns, o, r, op).await
    }

    pub(crate) async fn set_policy(
        &self,
        ns: &str,
        bucket: &str,
        doc: Option<&PolicyDocument>,
        op: &'static str,
    ) -> Result<()> {
        let call = match doc {
            Some(d) => Call::put(
                op,
                format!("/object/bucket/{bucket}/policy"),
                d.as_value().clone(),
            )
            .q("namespace", ns),
            None => Call::delete(op, format!("/object/bucket/{bucket}/policy")).q("namespace", ns),
        };
        let resp = self.send(call).await?;
        if resp.is_success() || (doc.is_none() && is_not_found(&resp)) {
            return Ok(());
        }
        Err(self.fail(op, &resp, Some((Missing::Bucket, bucket))))
    }

    pub(crate) async fn set_quota(
        &self,
        ns: &str,
        bucket: &str,
        q: Option<&Quota>,
        op: &'static str,
    ) -> Result<()> {
        let call = match q {
            Some(q) => {
                let (hard, soft) = check_quota(q).map_err(|e| ctx(e, op))?;
                Call::put(
                    op,
                    format!("/object/bucket/{bucket}/quota"),
                    json!({"blockSize": hard, "notificationSize": soft, "namespace": ns}),
                )
            }
            None => Call::delete(op, format!("/object/bucket/{bucket}/quota")).q("namespace", ns),
        };
        self.ok(call, Some((Missing::Bucket, bucket)))
            .await
            .map(drop)
    }

    pub(crate) async fn set_tags(
        &self,
        ns: &str,
        info: &BucketInfo,
        tags: &Tags,
        op: &'static str,
    ) -> Result<()> {
        // The count was checked by the caller, before any change (`update_bucket`).
        let bucket = &info.name;
        let current: Vec<&BucketTag> = info
            .tag_set
            .iter()
            .filter(|t| t.key != DEFAULT_BUCKET_TAG)
            .collect();
        let tag = |k: &String, v: &String| BucketTag {
            key: k.clone(),
            value: v.clone(),
        };
        // Only what differs is sent (as Dell's CF broker does): removed keys are deleted,
        // changed values updated, new keys added. Deleting first keeps the count under ECS's
        // limit of 10 at every step; a failure midway never loses the tags that stay.
        let removed: Vec<BucketTag> = current
            .iter()
            .filter(|t| !tags.contains_key(&t.key))
            .map(|t| (*t).clone())
            .collect();
        let changed: Vec<BucketTag> = tags
            .iter()
            .filter(|(k, v)| current.iter().any(|t| t.key == **k && t.value != **v))
            .map(|(k, v)| tag(k, v))
            .collect();
        let added: Vec<BucketTag> = tags
            .iter()
            .filter(|(k, _)| !current.iter().any(|t| t.key == **k))
            .map(|(k, v)| tag(k, v))
            .collect();
        let path = format!("/object/bucket/{bucket}/tags");
        if !removed.is_empty() {
            let mut call = Call::delete(op, path.clone());
            call.body = Some(json!({"TagSet": removed, "namespace": ns}));
            self.ok(call, Some((Missing::Bucket, bucket))).await?;
        }
        if !changed.is_empty() {
            let body = json!({"TagSet": changed, "namespace": ns});
            self.ok(
                Call::put(op, path.clone(), body),
                Some((Missing::Bucket, bucket)),
            )
            .await?;
        }
        if !added.is_empty() {
            let body = json!({"TagSet": added, "namespace": ns});
            self.ok(Call::post(op, path, body), Some((Missing::Bucket, bucket)))
                .await?;
        }
        Ok(())
    }

    /// Creates a bucket and applies what the create body cannot carry; removes it again if a
    /// later step fails.
    pub(crate) async fn create_bucket_inner(
        &self,
        ns: &str,
        req: &CreateBucket,
        default_of_instance: bool,
        op: &'static str,
    ) -> Result<()> {
        let quota = req
            .quota
            .as_ref()
            .map(check_quota)
            .transpose()
            .map_err(|e| ctx(e, op))?;
        let mut body = json!({
            "name": req.name,
            "namespace": ns,
            "head_type": "s3",
        });
        let o = body.as_object_mut().expect("object");
        if let Some(rg) = &self.replication_group {
            o.insert("vpool".into(), json!(rg));
        }
        // Every bucket s3aas makes has an object user of the instance as owner (the service
        // user unless one is asked for): ECS lets only the owner configure it through S3, and
        // the owner tells the instance's buckets from others in a shared namespace.
        let owner = match &req.owner {
            Some(owner) => self.object_user_id(ns, owner),
            None => self.naming.service_user(ns),
        };
        o.insert("owner".into(), json!(owner));
        if let Some(enc) = req.encryption {
            o.insert("is_encryption_enabled".into(), json!(enc.is_enabled()));
        }
        if let Some((hard, soft)) = quota {
            o.insert("blockSize".into(), json!(hard));
            o.insert("notificationSize".into(), json!(soft));
        }
        if req.object_lock {
            o.insert("is_object_lock_enabled".into(), json!(true));
        }
        let mut tags: Vec<BucketTag> = req
            .tags
            .iter()
            .map(|(k, v)| BucketTag {
                key: k.clone(),
                value: v.clone(),
            })
            .collect();
        if default_of_instance {
            tags.push(BucketTag {
                key: DEFAULT_BUCKET_TAG.into(),
                value: "true".into(),
            });
        }
        if !tags.is_empty() {
            o.insert("TagSet".into(), json!(tags));
        }
        let resp = self.send(Call::post(op, "/object/bucket", body)).await?;
        if !resp.is_success() {
            let e = self.fail(op, &resp, Some((Missing::Instance, ns)));
            return Err(match e.kind() {
                ErrorKind::AlreadyExists => e.with_resource(ResourceKind::Bucket, &req.name),
                ErrorKind::InvalidInput if req.owner.is_some() && e.code() == Some("40010") => e
                    .with_kind(ErrorKind::NotFound)
                    .with_resource(ResourceKind::User, req.owner.clone().unwrap_or_default()),
                _ => e,
            });
        }
        let configure = async {
            // Object lock turns versioning on by itself (ECS, as S3).
            let changes = S3Changes::Created {
                versioning: req.versioning == Some(true) && !req.object_lock,
                req,
            };
            if !changes.is_empty() {
                let info = self.bucket_info(ns, &req.name, op).await?;
                self.apply_s3_changes(ns, &info, changes, op).await?;
            }
            if let Some(p) = &req.policy {
                self.set_policy(ns, &req.name, Some(p), op)
                    .await
                    .map_err(|e| step(e, "policy"))?;
            }
            Ok::<(), Error>(())
        };
        if let Err(e) = configure.await {
            return Err(match self.deactivate_bucket(ns, &req.name, op).await {
                Ok(()) => e,
                Err(cleanup) => Error::new(
                    ErrorKind::Partial,
                    format!(
                        "{e}; and removing the half-made bucket '{}' failed: {cleanup}; it is left on ECS",
                        req.name
                    ),
                )
                .with_backend(SCHEME)
                .with_operation(op)
                .with_resource(ResourceKind::Bucket, &req.name),
            });
        }
        Ok(())
    }

    /// `POST /object/bucket/{b}/deactivate`: missing is success, non-empty is `BucketNotEmpty`.
    pub(crate) async fn deactivate_bucket(
        &self,
        ns: &str,
        bucket: &str,
        op: &'static str,
    ) -> Result<()> {
        let resp = self
            .send(
                Call::post(op, format!("/object/bucket/{bucket}/deactivate"), json!({}))
                    .q("namespace", ns)
                    .idempotent(),
            )
            .await?;
        if resp.is_success() || is_not_found(&resp) {
            return Ok(());
        }
        let e = self.fail(op, &resp, None);
        Err(if e.kind() == ErrorKind::BucketNotEmpty {
            e.with_resource(ResourceKind::Bucket, bucket)
        } else {
            e
        })
    }

    /// ECS 3.8+: `deactivate?emptyBucket=true` (202, emptied in the background), then polls
    /// `empty-bucket-status` until the bucket is gone.
    pub(crate) async fn force_delete_bucket(
        &self,
        ns: &str,
        bucket: &str,
        op: &'static str,
    ) -> Result<()> {
        let resp = self
            .send(
                Call::post(op, format!("/object/bucket/{bucket}/deactivate"), json!({}))
                    .q("namespace", ns)
                    .q("emptyBucket", "true")
                    .idempotent(),
            )
            .await?;
        if is_not_found(&resp) {
            return Ok(());
        }
        if !resp.is_success() {
            return Err(self.fail(op, &resp, Some((Missing::Bucket, bucket))));
        }
        if resp.status != 202 {
            return Ok(());
        }
        let deadline = Instant::now() + self.empty_bucket_timeout;
        loop {
            let resp = self
                .send(
                    Call::get(op, format!("/object/bucket/{bucket}/empty-bucket-status"))
                        .q("namespace", ns),
                )
                .await?;
            if is_not_found(&resp) {
                return Ok(());
            }
            if !resp.is_success() {
                return Err(self.fail(op, &resp, None));
            }
            let st: wire::EmptyBucketStatus =
                decode("empty-bucket-status", &resp.body).map_err(|e| ctx(e, op))?;
            match st.status.as_str() {
                "DONE" => {
                    // Normally gone already; make sure.
                    return self.deactivate_bucket(ns, bucket, op).await;
                }
                "FAILED" | "ABORTED" => {
                    return Err(ctx(
                        Error::new(
                            ErrorKind::Backend,
                            format!(
                                "ECS could not empty bucket '{bucket}' ({}): {}; the bucket is writable again and was not deleted",
                                st.status,
                                st.message.unwrap_or_default()
                            ),
                        ),
                        op,
                    )
                    .with_resource(ResourceKind::Bucket, bucket));
                }
                _ => {}
            }
            if Instant::now() >= deadline {
                return Err(ctx(
                    Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "ECS is still emptying bucket '{bucket}' (status {}) after {:?}; it is read-only until done and will then be deleted",
                            st.status, self.empty_bucket_timeout
                        ),
                    ),
                    op,
                ));
            }
            tokio::time::sleep(self.empty_bucket_poll).await;
        }
    }

    /// Whether bucket `info` (as listed) holds nothing.
    pub(crate) async fn is_bucket_empty(
        &self,
        ns: &str,
        info: &BucketInfo,
        op: &'static str,
    ) -> Result<bool> {
        // The owner's own listing is exact; billing (below) lags writes.
        if let Ok(o) = self.owner_s3(ns, info, false, op).await {
            if let Ok(empty) = o.client.is_empty(&info.name).await {
                return Ok(empty);
            }
        }
        // Billing lags writes by up to a sampling interval; ECS's own refusal backs this up.
        let b = self.billing(ns, &info.name, op).await?;
        Ok(b.total_objects.unwrap_or(0) == 0 && b.bytes().map_err(|e| ctx(e, op))? == 0)
    }

    /// `GET /object/billing/buckets/{ns}/{bucket}/info` in bytes.
    pub(crate) async fn billing(
        &self,
        ns: &str,
        bucket: &str,
        op: &'static str,
    ) -> Result<wire::BucketBilling> {
        let resp = self
            .ok(
                Call::get(op, format!("/object/billing/buckets/{ns}/{bucket}/info"))
                    .q("sizeunit", "BYTE"),
                Some((Missing::Bucket, bucket)),
            )
            .await?;
        decode("bucket billing", &resp.body).map_err(|e| ctx(e, op))
    }
}

#[async_trait]
impl BucketAdmin for EcsProvider {
    async fn create_bucket(&self, instance: &str, req: CreateBucket) -> Result<Bucket> {
        let op = "create_bucket";
        if let Some(q) = &req.quota {
            check_quota(q).map_err(|e| ctx(e, op))?;
        }
        check_tag_count(req.tags.len(), false).map_err(|e| ctx(e, op))?;
        let marker = self.require_instance(instance, op).await?;
        if let Some(owner) = &req.owner {
            self.user_info(instance, owner, op).await?;
        }
        let mut req = req;
        // The instance's versioning reaches every bucket made in it later.
        if req.versioning.is_none() && marker.versioning && !req.object_lock {
            req.versioning = Some(true);
        }
        self.create_bucket_inner(instance, &req, false, op).await?;
        self.full_bucket(instance, &req.name, op).await
    }

    async fn get_bucket(&self, instance: &str, name: &str) -> Result<Bucket> {
        let op = "get_bucket";
        self.full_bucket(instance, name, op).await
    }

    async fn list_buckets(&self, instance: &str, opts: ListOptions) -> Result<Page<Bucket>> {
        let op = "list_buckets";
        self.require_instance(instance, op).await?;
        let page = self
            .bucket_page(
                instance,
                opts.limit.map(|l| l.max(1)),
                opts.continuation.as_deref(),
                opts.prefix.as_deref(),
                op,
            )
            .await?;
        let items = page
            .object_bucket
            .iter()
            .filter(|b| opts.prefix.as_deref().is_none_or(|p| b.name.starts_with(p)))
            .filter(|b| self.is_instance_bucket(instance, b))
            .map(|b| self.to_bucket(instance, b))
            .collect();
        Ok(Page::new(items, page.next_marker.filter(|m| !m.is_empty())))
    }

    async fn update_bucket(&self, instance: &str, name: &str, req: UpdateBucket) -> Result<Bucket> {
        let op = "update_bucket";
        if let Some(Some(q)) = &req.quota {
            check_quota(q).map_err(|e| ctx(e, op))?;
        }
        if let Some(t) = &req.tags {
            check_tag_count(t.len(), false).map_err(|e| ctx(e, op))?;
        }
        let info = self.bucket_info(instance, name, op).await?;
        if let Some(t) = &req.tags {
            // Before any change: the default bucket has room for one tag less.
            check_tag_count(t.len(), info.is_default()).map_err(|e| ctx(e, op))?;
        }
        if let Some(v) = req.versioning {
            if !v && info.is_object_lock_enabled {
                return Err(ctx(
                    Error::new(
                        ErrorKind::Conflict,
                        format!(
                            "bucket '{name}' has object lock; its versioning cannot be suspended"
                        ),
                    ),
                    op,
                ));
            }
        }
        // Clearing the retention of a bucket without object lock asks nothing of S3, so an
        // update that then asks nothing makes no owner client (nor temporary key).
        let features = s3aas_http::s3::lock_checked_update(name, &req, info.is_object_lock_enabled)
            .map_err(|e| ctx(e, op))?;
        self.apply_s3_changes(
            instance,
            &info,
            S3Changes::Updated {
                versioning: req.versioning,
                req: &features,
            },
            op,
        )
        .await?;
        if let Some(q) = &req.quota {
            self.set_quota(instance, name, q.as_ref(), op).await?;
        }
        if let Some(p) = &req.policy {
            self.set_policy(instance, name, p.as_ref(), op).await?;
        }
        if let Some(t) = &req.tags {
            self.set_tags(instance, &info, t, op).await?;
        }
        self.full_bucket(instance, name, op).await
    }

    async fn delete_bucket(&self, instance: &str, name: &str, req: DeleteBucket) -> Result<()> {
        let op = "delete_bucket";
        self.require_instance(instance, op).await?;
        if req.force {
            self.force_delete_bucket(instance, name, op).await
        } else {
            self.deactivate_bucket(instance, name, op).await
        }
    }

    async fn instance_usage(&self, instance: &str) -> Result<InstanceUsage> {
        self.namespace_usage(instance, "instance_usage").await
    }

    async fn bucket_usage(&self, instance: &str, name: &str) -> Result<BucketUsage> {
        let op = "bucket_usage";
        self.bucket_info(instance, name, op).await?;
        let b = self.billing(instance, name, op).await?;
        Ok(BucketUsage::new(
            b.bytes().map_err(|e| ctx(e, op))?,
            b.total_objects.map(|n| n.max(0) as u64),
            b.sample_time.or(b.uptodate_till),
        ))
    }
}
