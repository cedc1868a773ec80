//! Buckets: made and configured through S3 signed as the instance's system user (their
//! owner); read, counted and force-deleted through `/admin/bucket`.

use crate::provider::*;

/// RGW's creation times (`2026-12-04T14:36:47.047765Z`).
fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

impl CephProvider {
    /// An instance's bucket, for reading it: its Admin Ops stats (which say whether it is the
    /// instance's) and the instance's S3 client. `NotFound` for a missing instance or bucket.
    async fn owned_bucket(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<(BucketStats, S3Client)> {
        self.system(instance, op).await?;
        let stats = self
            .bucket_stats(instance, name, op)
            .await?
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::Bucket, name), op))?;
        Ok((stats, self.tenant_s3(instance, op).await?))
    }

    /// Deletes a bucket with everything in it (`DELETE /admin/bucket?purge-objects=true`); a
    /// missing bucket is success.
    pub(crate) async fn purge_bucket(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<()> {
        let call = AdminCall::delete(op, "bucket")
            .q("bucket", format!("{}/{name}", tenant_of(instance)))
            .q("purge-objects", "true");
        let resp = self.send(&call).await?;
        if resp.is_success() || resp.status == 404 {
            return Ok(());
        }
        Err(fail(op, &resp, Some((ResourceKind::Bucket, name))))
    }

    /// Deletes a bucket with its objects without breaking object lock: RGW's Admin Ops purge
    /// removes locked versions too, compliance mode included (measured on 16.2), so a bucket
    /// with object lock is emptied through S3 instead, where a locked version refuses its delete
    /// and the call fails naming it; other buckets are purged in one admin call.
    pub(crate) async fn force_delete_bucket(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<()> {
        if self.empty_if_locked(instance, name, op).await? {
            let s3 = self.tenant_s3(instance, op).await?;
            return s3.delete_bucket(name, None).await.map_err(|e| ctx(e, op));
        }
        self.purge_bucket(instance, name, op).await
    }

    /// Empties a lock-enabled bucket through S3 (locked versions refuse, failing the call);
    /// whether the bucket has object lock.
    pub(crate) async fn empty_if_locked(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<bool> {
        let s3 = self.tenant_s3(instance, op).await?;
        match s3.get_object_lock(name).await {
            Ok(true) => {}
            Ok(false) => return Ok(false),
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(ctx(e, op)),
        }
        s3.empty_bucket(name).await.map_err(|e| {
            let why = format!(
                "{} (bucket '{name}' has object lock: its locked versions are kept, so it is \
                 not deleted)",
                e.message()
            );
            ctx(e.with_message(why), op)
        })?;
        Ok(true)
    }

    async fn apply_settings(
        &self,
        s3: &S3Client,
        instance: &str,
        req: &CreateBucket,
        default_versioning: bool,
        op: &'static str,
    ) -> std::result::Result<(), (&'static str, Error)> {
        let name = req.name.as_str();
        if req.versioning.unwrap_or(default_versioning) {
            s3.put_versioning(name, true)
                .await
                .map_err(|e| ("versioning", e))?;
        }
        if let Some(p) = &req.policy {
            s3.put_policy(name, p).await.map_err(|e| ("policy", e))?;
        }
        if !req.tags.is_empty() {
            s3.put_tagging(name, &req.tags)
                .await
                .map_err(|e| ("tags", e))?;
        }
        if let Some(q) = &req.quota {
            self.set_bucket_quota(instance, name, Some(q), op)
                .await
                .map_err(|e| ("quota", e))?;
        }
        s3.apply_created_features(name, req)
            .await
            .map_err(|e| (crate::features::feature_of(&e), e))?;
        Ok(())
    }

    /// Sets or clears a bucket's own quota.
    pub(crate) async fn set_bucket_quota(
        &self,
        instance: &str,
        name: &str,
        quota: Option<&Quota>,
        op: &'static str,
    ) -> Result<()> {
        crate::quota::set(self, instance, name, quota, op).await
    }
}

#[async_trait]
impl BucketAdmin for CephProvider {
    async fn create_bucket(&self, instance: &str, req: CreateBucket) -> Result<Bucket> {
        const OP: &str = "create_bucket";
        let (_, settings) = self.system(instance, OP).await?;
        // RGW answers 200 to a repeated create by the same owner (as AWS's us-east-1 does), so
        // an existing bucket is found first.
        let exists = self
            .send(
                &AdminCall::get(OP, "bucket")
                    .q("bucket", format!("{}/{}", tenant_of(instance), req.name)),
            )
            .await?;
        if exists.is_success() {
            return Err(ctx(
                Error::already_exists(ResourceKind::Bucket, &req.name),
                OP,
            ));
        }
        let s3 = self.tenant_s3(instance, OP).await?;
        s3.create_bucket(&req.name, req.object_lock, None)
            .await
            .map_err(|e| ctx(e, OP))?;
        if let Err((what, e)) = self
            .apply_settings(&s3, instance, &req, settings.versioning, OP)
            .await
        {
            let msg = format!(
                "bucket '{}' was created but its {what} could not be set ({}); the bucket was deleted again",
                req.name,
                e.message()
            );
            let cleanup = self.purge_bucket(instance, &req.name, OP).await;
            let e = ctx(e, OP);
            return Err(match cleanup {
                Ok(()) => e.with_message(msg),
                Err(c) => {
                    let text = format!(
                        "bucket '{}' was created but its {what} could not be set ({}), and deleting it again failed: {c}",
                        req.name,
                        e.message()
                    );
                    e.with_kind(ErrorKind::Partial).with_message(text)
                }
            });
        }
        self.get_bucket(instance, &req.name).await
    }

    async fn get_bucket(&self, instance: &str, name: &str) -> Result<Bucket> {
        const OP: &str = "get_bucket";
        let (stats, s3) = self.owned_bucket(instance, name, OP).await?;
        let caps = self.capabilities();
        // Lifecycle, CORS and the object-lock configuration (lock and default retention).
        let mut b = Bucket::new(instance, name);
        let (versioning, policy, ()) = futures::try_join!(
            s3.get_versioning(name),
            s3.get_policy(name),
            s3.read_features(name, &mut b, &caps),
        )
        .map_err(|e| ctx(e, OP))?;
        if b.object_lock.is_none() {
            // Retention switched off by configuration: the lock alone.
            b.object_lock = Some(s3.get_object_lock(name).await.map_err(|e| ctx(e, OP))?);
        }
        b.created = stats.creation_time.as_deref().and_then(parse_time);
        b.owner = None;
        b.versioning = Some(versioning);
        b.policy = Some(policy);
        b.tags = Some(stats.tagset.clone().unwrap_or_default());
        b.quota = Some(crate::quota::from_rgw(&stats.bucket_quota));
        Ok(b)
    }

    async fn get_bucket_parts(
        &self,
        instance: &str,
        name: &str,
        parts: BucketParts,
    ) -> Result<Bucket> {
        const OP: &str = "get_bucket";
        // The stats carry the tags, quota and creation time; the S3 reads are made only for
        // the settings asked for. RGW does not report encryption (`get_bucket` leaves it
        // unknown too), so it is never read.
        let (stats, s3) = self.owned_bucket(instance, name, OP).await?;
        let mut parts = parts;
        parts.encryption = false;
        let mut b = Bucket::new(instance, name);
        s3.read_parts(name, parts, &mut b)
            .await
            .map_err(|e| ctx(e, OP))?;
        b.created = stats.creation_time.as_deref().and_then(parse_time);
        b.tags = Some(stats.tagset.clone().unwrap_or_default());
        b.quota = Some(crate::quota::from_rgw(&stats.bucket_quota));
        Ok(b)
    }

    async fn list_buckets(&self, instance: &str, opts: ListOptions) -> Result<Page<Bucket>> {
        const OP: &str = "list_buckets";
        self.system(instance, OP).await?;
        let names = self.bucket_names(instance, OP).await?;
        let page = Page::from_sorted(names, &opts, |n| n);
        Ok(Page::new(
            page.items
                .into_iter()
                .map(|n| Bucket::new(instance, n))
                .collect(),
            page.next,
        ))
    }

    async fn update_bucket(&self, instance: &str, name: &str, req: UpdateBucket) -> Result<Bucket> {
        const OP: &str = "update_bucket";
        self.system(instance, OP).await?;
        if self.bucket_stats(instance, name, OP).await?.is_none() {
            return Err(ctx(Error::not_found(ResourceKind::Bucket, name), OP));
        }
        let s3 = self.tenant_s3(instance, OP).await?;
        let locked = if req.versioning.is_some() || req.retention.is_some() {
            s3.get_object_lock(name).await.map_err(|e| ctx(e, OP))?
        } else {
            false
        };
        // Checked before any change.
        let features =
            s3aas_http::s3::lock_checked_update(name, &req, locked).map_err(|e| ctx(e, OP))?;
        if let Some(v) = req.versioning {
            if v && locked {
                // Already on: object lock keeps versioning on.
            } else if !v && locked {
                return Err(ctx(
                    Error::new(
                        ErrorKind::Conflict,
                        format!(
                            "bucket '{name}' has object lock: its versioning cannot be suspended"
                        ),
                    )
                    .with_resource(ResourceKind::Bucket, name),
                    OP,
                ));
            } else {
                s3.put_versioning(name, v).await.map_err(|e| ctx(e, OP))?;
            }
        }
        if let Some(p) = &req.policy {
            match p {
                Some(doc) => s3.put_policy(name, doc).await,
                None => s3.delete_policy(name).await,
            }
            .map_err(|e| ctx(e, OP))?;
        }
        if let Some(t) = &req.tags {
            s3.put_tagging(name, t).await.map_err(|e| ctx(e, OP))?;
        }
        s3.apply_updated_features(name, &features)
            .await
            .map_err(|e| ctx(e, OP))?;
        if let Some(q) = &req.quota {
            self.set_bucket_quota(instance, name, q.as_ref(), OP)
                .await?;
        }
        self.get_bucket(instance, name).await
    }

    async fn delete_bucket(&self, instance: &str, name: &str, req: DeleteBucket) -> Result<()> {
        const OP: &str = "delete_bucket";
        self.system(instance, OP).await?;
        if self.bucket_stats(instance, name, OP).await?.is_none() {
            return Ok(());
        }
        if req.force {
            return self.force_delete_bucket(instance, name, OP).await;
        }
        let s3 = self.tenant_s3(instance, OP).await?;
        s3.delete_bucket(name, None).await.map_err(|e| ctx(e, OP))
    }

    /// From `/admin/bucket?stats`: the bucket index's figures, summed over its categories. RGW
    /// updates them as writes complete, but user-level stats lag (they are synced in the
    /// background), and these may too under load: `as_of` is the time they were read.
    async fn bucket_usage(&self, instance: &str, name: &str) -> Result<BucketUsage> {
        const OP: &str = "bucket_usage";
        self.system(instance, OP).await?;
        let stats = self
            .bucket_stats(instance, name, OP)
            .await?
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::Bucket, name), OP))?;
        let (bytes, objects) = stats.totals();
        Ok(BucketUsage::new(
            bytes,
            Some(objects),
            Some(OffsetDateTime::now_utc()),
        ))
    }

    /// The sum of the stats of all the instance's buckets, read in one
    /// `GET /admin/bucket?uid=<tenant>$s3aas&stats=true` ([`UsageSource::BucketScan`]; each
    /// bucket's figure is its bucket index's, which RGW updates as writes complete; `as_of` is
    /// the time of the read). Buckets that users made with their own keys are not the
    /// instance's and are not counted (see the crate docs).
    async fn instance_usage(&self, instance: &str) -> Result<InstanceUsage> {
        self.usage_of_instance(instance).await
    }
}
