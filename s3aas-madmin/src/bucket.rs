//! Buckets: made and configured through S3, quotas through the admin API.

use crate::provider::*;

/// A quota read's answer as the bucket reports it: the quota lives in the admin API, which can
/// fail on its own (RustFS answers 503 while its quota subsystem starts), so a failed read is
/// an unknown quota rather than a failed bucket read.
fn quota_or_unknown(bucket: &str, read: Option<Result<Option<Quota>>>) -> Option<Option<Quota>> {
    match read? {
        Ok(q) => Some(q),
        Err(e) => {
            tracing::warn!(bucket = %bucket, error = %e, "bucket quota unknown: reading it failed");
            None
        }
    }
}

impl<D: Dialect> MadminProvider<D> {
    pub(crate) async fn require_bucket(
        &self,
        instance: &str,
        bucket: &str,
        op: &'static str,
    ) -> Result<Option<OffsetDateTime>> {
        // The bucket's registry marker proves the instance (see `name_missing`).
        match self
            .system
            .bucket_created(instance, bucket)
            .await
            .map_err(|e| ctx::<D>(e, op))?
        {
            Some(created) => Ok(created),
            None => {
                let e = ctx::<D>(Error::not_found(ResourceKind::Bucket, bucket), op);
                Err(self.name_missing(instance, op, e).await)
            }
        }
    }

    /// Runs `read` (a bucket's settings) while the bucket's registry marker is read, and answers
    /// only when the marker proves the bucket is the instance's: one wait instead of two, and
    /// safe because the reads change nothing and what they found is dropped otherwise. The
    /// marker's answer always wins: a missing marker answers at once (reads of a missing bucket
    /// would wait out `settle`), and an error of the reads is reported only for an owned bucket.
    async fn read_if_owned(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
        read: impl Future<Output = Result<Bucket>>,
    ) -> Result<Bucket> {
        let (created, bucket) = Self::gated(self.require_bucket(instance, name, op), read).await?;
        let mut b = bucket.map_err(|e| ctx::<D>(e, op))?;
        b.created = created;
        Ok(b)
    }

    pub(crate) async fn bucket_state(
        &self,
        instance: &str,
        name: &str,
        created: Option<OffsetDateTime>,
    ) -> Result<Bucket> {
        let caps = self.capabilities();
        let settings = async {
            futures::try_join!(
                self.settle(|| self.s3.get_versioning(name)),
                self.settle(|| self.s3.get_encryption(name)),
                self.settle(|| self.s3.get_policy(name)),
                self.settle(|| self.s3.get_tagging(name)),
                // Lifecycle, CORS, and object lock with its default retention.
                self.settle(|| async {
                    let mut f = Bucket::new(instance, name);
                    self.s3.read_features(name, &mut f, &caps).await.map(|()| f)
                }),
                self.settle(|| self.read_replication(name)),
                self.settle(|| async {
                    if self.admin.dialect.bucket_durability() {
                        self.read_durability(name).await
                    } else {
                        Ok(None)
                    }
                }),
            )
        };
        let (settings, quota) = futures::join!(settings, self.settle(|| self.get_quota(name)));
        let (versioning, encryption, policy, tags, features, replication, durability) = settings?;
        let mut b = features;
        b.created = created;
        b.versioning = Some(versioning);
        b.encryption = Some(encryption);
        // The quota lives in the admin API, which can fail on its own (RustFS answers 503 while
        // its quota subsystem starts): report it as unknown rather than failing the whole read.
        b.quota = quota_or_unknown(name, Some(quota));
        b.policy = Some(policy);
        b.tags = Some(tags);
        b.replication = Some(replication);
        b.durability = durability;
        Ok(b)
    }

    /// The settings `parts` names, each one request (all at once), beside the marker's time.
    async fn bucket_parts(
        &self,
        instance: &str,
        name: &str,
        created: Option<OffsetDateTime>,
        parts: BucketParts,
    ) -> Result<Bucket> {
        let settings = async {
            futures::try_join!(
                self.settle_if(parts.versioning, || self.s3.get_versioning(name)),
                self.settle_if(parts.encryption, || self.s3.get_encryption(name)),
                self.settle_if(parts.policy, || self.s3.get_policy(name)),
                self.settle_if(parts.tags, || self.s3.get_tagging(name)),
                self.settle_if(parts.object_lock, || self.s3.get_object_lock_config(name)),
            )
        };
        let (settings, quota) = futures::join!(
            settings,
            self.settle_if(parts.quota, || self.get_quota(name))
        );
        let (versioning, encryption, policy, tags, lock) = settings?;
        let mut b = Bucket::new(instance, name);
        b.created = created;
        b.versioning = versioning;
        b.encryption = encryption;
        b.policy = policy;
        b.tags = tags;
        if let Some((lock, retention)) = lock {
            b.object_lock = Some(lock);
            b.retention = Some(retention);
        }
        b.quota = quota_or_unknown(name, quota.transpose());
        Ok(b)
    }

    pub(crate) async fn get_quota(&self, bucket: &str) -> Result<Option<Quota>> {
        #[derive(Deserialize, Default)]
        struct Q {
            #[serde(default)]
            quota: u64,
            #[serde(default)]
            size: u64,
        }
        let op = "get_bucket_quota";
        let resp = self
            .admin
            .send(&Call::new(op, Method::GET, "get-bucket-quota").q("bucket", bucket))
            .await?;
        // MinIO answers 404 XMinioAdminNoSuchQuotaConfiguration for a bucket without a quota.
        if resp.status == 404 && resp.body_snippet(1000).contains("NoSuchQuota") {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(self
                .admin
                .error(op, &resp, Some((ResourceKind::Bucket, bucket))));
        }
        let q: Q = crate::admin::decode::<D, _>(op, &resp)?;
        let n = if q.size > 0 { q.size } else { q.quota };
        Ok((n > 0).then(|| Quota::hard(n)))
    }

    /// Sets or clears a bucket's hard quota. Retried for a while on RustFS's passing answers
    /// (see [`settling`]): a server that started seconds ago refuses quotas with 503.
    pub(crate) async fn set_quota(&self, bucket: &str, quota: Option<Quota>) -> Result<()> {
        let body = match quota {
            Some(q) => {
                json!({"size": q.hard_limit_bytes, "quota": q.hard_limit_bytes, "quotatype": "hard"})
            }
            None => json!({"size": 0, "quota": 0}),
        };
        self.settle(|| {
            self.admin.ok(
                Call::new("set_bucket_quota", Method::PUT, "set-bucket-quota")
                    .q("bucket", bucket)
                    .json(&body),
                Some((ResourceKind::Bucket, bucket)),
            )
        })
        .await
        .map(drop)
    }

    /// Creates and configures a bucket; removes it again if any setting fails, or if it cannot
    /// be read back. A `PUT /{bucket}` whose answer was lost is resolved by asking whether the
    /// bucket exists (see [`lost`]): it did not a moment before, so if it does it is this call's
    /// and is configured as if the answer had come.
    pub(crate) async fn create_bucket_inner(
        &self,
        instance: &str,
        rec: &Record,
        req: &CreateBucket,
        checked_free: bool,
    ) -> Result<Bucket> {
        let op = "create_bucket";
        let name = req.name.as_str();
        if !checked_free && self.s3.bucket_exists(name).await? {
            return Err(ctx::<D>(
                Error::already_exists(ResourceKind::Bucket, name),
                op,
            ));
        }
        let mut sent = 0;
        loop {
            sent += 1;
            let e = match self
                .s3
                .create_bucket(name, req.object_lock, Some(&self.region))
                .await
            {
                Ok(()) => break,
                Err(e) => ctx::<D>(e, op).with_resource(ResourceKind::Bucket, name),
            };
            // The bucket was absent before the first PUT: "exists" on a repeat means that PUT
            // landed after all (MinIO answers 409 to its owner; RustFS 200 to root).
            if sent > 1 && e.kind() == ErrorKind::AlreadyExists {
                break;
            }
            if !e.outcome_unknown() {
                return Err(e);
            }
            match lost::confirm("bucket", || self.s3.bucket_exists(name)).await {
                Ok(true) => {
                    tracing::debug!(bucket = name, error = %e, "the answer to creating the bucket was lost, but it exists: carrying on");
                    break;
                }
                // It did not take effect (the request never reached the server, say): send it
                // again, which also settles a PUT still on its way.
                Ok(false) if sent < lost::CREATE_SENDS => {}
                Ok(false) => return Err(e),
                Err(c) => {
                    // Whether it exists cannot be found out: remove it in case, so that nothing
                    // unregistered (which deleting the instance would not find) stays behind.
                    return Err(
                        match self
                            .s3
                            .delete_bucket(name, Some(self.admin.dialect.force_delete_header()))
                            .await
                        {
                            Ok(()) => lost::noted(
                                e,
                                format!(
                                    "whether the bucket was created could not be checked ({c}), so it was deleted in case"
                                ),
                            ),
                            Err(d) => lost::partial(
                                e,
                                format!(
                                    "whether the bucket was created could not be checked ({c}) and deleting it in case failed too ({d}); bucket '{name}' may have been left behind"
                                ),
                            ),
                        },
                    );
                }
            }
        }
        let made = match self.configure_new_bucket(instance, rec, req).await {
            Ok(durability) => match self.bucket_as_created(instance, rec, req, durability) {
                Some(b) => Ok(b),
                None => self
                    .bucket_state(instance, name, Some(OffsetDateTime::now_utc()))
                    .await
                    .map_err(|e| ("reading it back".to_string(), e)),
            },
            Err((step, e)) => Err((format!("setting {step}"), e)),
        };
        let (step, e) = match made {
            Ok(b) => return Ok(b),
            Err(x) => x,
        };
        // Undo: the bucket first, then its registry marker (which the last setting step may
        // have written, even if its answer was lost). If the bucket stays, so does the marker,
        // so that deleting the instance still finds the bucket.
        let cleanup = match self
            .s3
            .delete_bucket(name, Some(self.admin.dialect.force_delete_header()))
            .await
        {
            Ok(()) => match self.system.delete_bucket(instance, name).await {
                Ok(()) => Ok("the bucket was removed again".to_string()),
                Err(m) => Err(format!(
                    "the bucket was removed again, but removing its registry marker failed ({m}); the registry marker of bucket '{name}' was left behind (deleting the bucket again retries)"
                )),
            },
            Err(c) => Err(format!(
                "removing the bucket failed too ({c}); bucket '{name}' was left behind"
            )),
        };
        let (kind, left) = match cleanup {
            Ok(m) => (e.kind(), m),
            Err(m) => (ErrorKind::Partial, m),
        };
        let msg = format!("{step} failed: {}; {left}", e.message());
        Err(e
            .with_kind(kind)
            .with_message(msg)
            .with_backend(D::NAME)
            .with_operation(op)
            .with_resource(ResourceKind::Bucket, name))
    }

    /// Applies a new bucket's settings. Each call is retried briefly on `NoSuchBucket`: RustFS
    /// can deny a bucket it has just created (see [`settling`]).
    pub(crate) async fn configure_new_bucket(
        &self,
        instance: &str,
        rec: &Record,
        req: &CreateBucket,
    ) -> std::result::Result<Option<Durability>, (&'static str, Error)> {
        let b = req.name.as_str();
        let versioning = req.versioning.unwrap_or(rec.versioning);
        if versioning && !req.object_lock {
            self.settle(|| self.s3.put_versioning(b, true))
                .await
                .map_err(|e| ("versioning", e))?;
        }
        if req.encryption.unwrap_or(rec.encryption) == Encryption::Aes256 {
            self.settle(|| self.s3.put_encryption_aes256(b))
                .await
                .map_err(|e| ("encryption", e))?;
        }
        if let Some(q) = req.quota {
            self.set_quota(b, Some(q)).await.map_err(|e| ("quota", e))?;
        }
        if let Some(p) = &req.policy {
            self.settle(|| self.s3.put_policy(b, p))
                .await
                .map_err(|e| ("policy", e))?;
        }
        if !req.tags.is_empty() {
            self.settle(|| self.s3.put_tagging(b, &req.tags))
                .await
                .map_err(|e| ("tags", e))?;
        }
        self.settle(|| self.s3.apply_created_features(b, req))
            .await
            .map_err(|e| ("lifecycle, CORS or default retention", e))?;
        if !req.replication.is_empty() {
            self.apply_replication(b, &req.replication, true)
                .await
                .map_err(|e| ("replication", e))?;
        }
        let durability = self
            .keep_default_durability(b)
            .await
            .map_err(|e| ("durability", e))?;
        self.system
            .put_bucket(instance, b)
            .await
            .map_err(|e| ("registration", e))?;
        Ok(durability)
    }

    /// The bucket a create has just configured, as [`Self::bucket_state`] would read it back,
    /// built from what was set: a new bucket holds exactly that and the server's empty
    /// defaults, so reading it back would cost ten requests to learn nothing. `None` when the
    /// request set something the server may rewrite (a policy, lifecycle, CORS, object lock,
    /// default retention, replication): then the answer is read back, in the server's form.
    pub(crate) fn bucket_as_created(
        &self,
        instance: &str,
        rec: &Record,
        req: &CreateBucket,
        durability: Option<Durability>,
    ) -> Option<Bucket> {
        let rewritten = req.policy.is_some()
            || !req.lifecycle.is_empty()
            || !req.cors.is_empty()
            || req.object_lock
            || req.retention.is_some()
            || !req.replication.is_empty();
        if rewritten {
            return None;
        }
        let caps = self.capabilities();
        let mut b = Bucket::new(instance, &req.name);
        b.created = Some(OffsetDateTime::now_utc());
        b.versioning = Some(if req.versioning.unwrap_or(rec.versioning) {
            Versioning::Enabled
        } else {
            Versioning::Unversioned
        });
        b.encryption = Some(req.encryption.unwrap_or(rec.encryption));
        b.quota = Some(req.quota);
        b.policy = Some(None);
        b.tags = Some(req.tags.clone());
        if caps.bucket_lifecycle.at_creation() {
            b.lifecycle = Some(Vec::new());
        }
        if caps.bucket_cors.at_creation() {
            b.cors = Some(Vec::new());
        }
        if caps.bucket_retention.at_creation() {
            b.object_lock = Some(false);
            b.retention = Some(None);
        }
        b.replication = Some(Vec::new());
        b.durability = durability;
        Some(b)
    }
}

#[async_trait]
impl<D: Dialect> BucketAdmin for MadminProvider<D> {
    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "create_bucket", instance = %instance))]
    async fn create_bucket(&self, instance: &str, req: CreateBucket) -> Result<Bucket> {
        let op = "create_bucket";
        self.check_lifecycle(op, &req.lifecycle)?;
        let rec = self.record(instance, op).await?;
        match req.encryption {
            Some(Encryption::Aes256) => {
                self.require_sse_s3(op, "bucket encryption", "bucket_encryption")
                    .await?;
            }
            None if rec.encryption == Encryption::Aes256 => {
                let what = format!("bucket encryption (the default of instance '{instance}')");
                self.require_sse_s3(op, &what, "bucket_encryption").await?;
            }
            _ => {}
        }
        self.create_bucket_inner(instance, &rec, &req, false).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "get_bucket", instance = %instance))]
    async fn get_bucket(&self, instance: &str, name: &str) -> Result<Bucket> {
        let op = "get_bucket";
        let read = self.bucket_state(instance, name, None);
        self.read_if_owned(instance, name, op, read).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "get_bucket", instance = %instance))]
    async fn get_bucket_parts(
        &self,
        instance: &str,
        name: &str,
        parts: BucketParts,
    ) -> Result<Bucket> {
        let op = "get_bucket";
        let read = self.bucket_parts(instance, name, None, parts);
        self.read_if_owned(instance, name, op, read).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_buckets", instance = %instance))]
    async fn list_buckets(&self, instance: &str, opts: ListOptions) -> Result<Page<Bucket>> {
        let op = "list_buckets";
        let limit = opts.limit.unwrap_or(100).clamp(1, 1000);
        let (names, more) = self
            .system
            .list_buckets(
                instance,
                opts.prefix.as_deref().unwrap_or(""),
                opts.continuation.as_deref(),
                limit,
            )
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        // A bucket marker proves the instance (see `name_missing`); none: ask.
        if names.is_empty() {
            self.require_instance(instance, op).await?;
        }
        let next = if more { names.last().cloned() } else { None };
        Ok(Page::new(
            names
                .into_iter()
                .map(|n| Bucket::new(instance, n))
                .collect(),
            next,
        ))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "update_bucket", instance = %instance))]
    async fn update_bucket(&self, instance: &str, name: &str, req: UpdateBucket) -> Result<Bucket> {
        let op = "update_bucket";
        if let Some(l) = &req.lifecycle {
            self.check_lifecycle(op, l)?;
        }
        let created = self.require_bucket(instance, name, op).await?;
        if req.encryption == Some(Encryption::Aes256) {
            self.require_sse_s3(op, "bucket encryption", "bucket_encryption")
                .await?;
        }
        let conflict = |msg: &str| {
            Err(ctx::<D>(Error::new(ErrorKind::Conflict, msg), op)
                .with_resource(ResourceKind::Bucket, name))
        };
        // Checked before anything changes: RustFS would turn object lock on for a versioned
        // bucket made without it (one-way) when given a retention, or the clearing of one, and a
        // half-applied update is worse than none.
        let locked = req.retention.is_some()
            && self
                .settle(|| self.s3.get_object_lock(name))
                .await
                .map_err(|e| ctx::<D>(e, op))?;
        let features =
            s3aas_http::s3::lock_checked_update(name, &req, locked).map_err(|e| ctx::<D>(e, op))?;
        let suspend = req.versioning == Some(false);
        if suspend
            && self
                .settle(|| self.keeps_replication(name, req.replication.as_deref()))
                .await
                .map_err(|e| ctx::<D>(e, op))?
        {
            return conflict(
                "versioning cannot be suspended while replication is configured (rules of this \
                 SDK, or of another tool): remove the replication rules first (in the same \
                 update, or before)",
            );
        }
        let r: Result<()> = async {
            // Replication needs versioning: removed before a suspension, added after enabling.
            if suspend && let Some(rules) = &req.replication {
                self.apply_replication(name, rules, false).await?;
            }
            if let Some(v) = req.versioning {
                if v || self.settle(|| self.s3.get_versioning(name)).await?
                    != Versioning::Unversioned
                {
                    self.settle(|| self.s3.put_versioning(name, v)).await?;
                }
            }
            if let Some(e) = req.encryption {
                match e {
                    Encryption::Aes256 => {
                        self.settle(|| self.s3.put_encryption_aes256(name)).await?
                    }
                    _ => self.settle(|| self.s3.delete_encryption(name)).await?,
                }
            }
            if let Some(q) = req.quota {
                self.set_quota(name, q).await?;
            }
            if let Some(p) = &req.policy {
                match p {
                    Some(doc) => self.settle(|| self.s3.put_policy(name, doc)).await?,
                    None => self.settle(|| self.s3.delete_policy(name)).await?,
                }
            }
            if let Some(t) = &req.tags {
                self.settle(|| self.s3.put_tagging(name, t)).await?;
            }
            self.settle(|| self.s3.apply_updated_features(name, &features))
                .await?;
            if !suspend && let Some(rules) = &req.replication {
                self.apply_replication(name, rules, false).await?;
            }
            Ok(())
        }
        .await;
        r.map_err(|e| ctx::<D>(e, op).with_resource(ResourceKind::Bucket, name))?;
        self.bucket_state(instance, name, created).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "delete_bucket", instance = %instance))]
    async fn delete_bucket(&self, instance: &str, name: &str, req: DeleteBucket) -> Result<()> {
        let op = "delete_bucket";
        if self
            .system
            .bucket_created(instance, name)
            .await
            .map_err(|e| ctx::<D>(e, op))?
            .is_none()
        {
            // Gone already is success, unless the instance itself is missing.
            return self.require_instance(instance, op).await;
        }
        self.s3
            .delete_bucket(
                name,
                req.force
                    .then_some(self.admin.dialect.force_delete_header()),
            )
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        self.system
            .delete_bucket(instance, name)
            .await
            .map_err(|e| ctx::<D>(e, op))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "bucket_usage", instance = %instance))]
    async fn bucket_usage(&self, instance: &str, name: &str) -> Result<BucketUsage> {
        let op = "bucket_usage";
        self.require_bucket(instance, name, op).await?;
        let raw: serde_json::Value = self
            .admin
            .json(Call::new(op, Method::GET, "datausageinfo"), None)
            .await?;
        let (usage, sampled) = self.admin.dialect.bucket_usage(&raw, name);
        let as_of = sampled
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .filter(|t| t.unix_timestamp() > 0);
        // A bucket the usage scanner has not visited yet is reported as empty, as of the last scan
        // (or now, if there was none): callers see how fresh the figures are.
        Ok(match usage {
            Some((bytes, objects)) => BucketUsage::new(bytes, Some(objects), as_of),
            None => BucketUsage::new(
                0,
                Some(0),
                as_of.or_else(|| Some(OffsetDateTime::now_utc())),
            ),
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "instance_usage", instance = %instance))]
    async fn instance_usage(&self, instance: &str) -> Result<InstanceUsage> {
        self.usage_of_instance(instance).await
    }
}
