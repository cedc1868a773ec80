//! Buckets: made and configured through S3, owned by the instance their `s3aas:instance` tag
//! names.

use crate::instance::{LIST_CONCURRENCY, is_missing};
use crate::provider::*;
use futures::{StreamExt, TryStreamExt};

impl SeaweedfsProvider {
    /// The bucket's tags if it belongs to `instance`; `None` if it is missing or another's.
    async fn owned_tags(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<Option<Tags>> {
        match self.s3.get_tagging(name).await {
            Ok(t) if t.get(TAG_INSTANCE).map(String::as_str) == Some(instance) => Ok(Some(t)),
            Ok(_) => Ok(None),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(ctx(e, op).with_resource(ResourceKind::Bucket, name)),
        }
    }

    /// The bucket's tags; `NotFound` unless the instance exists and owns the bucket.
    async fn require_bucket(&self, instance: &str, name: &str, op: &'static str) -> Result<Tags> {
        self.require_instance(instance, op).await?;
        self.owned_tags(instance, name, op)
            .await?
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::Bucket, name), op))
    }

    /// The names of the buckets `instance` owns, sorted.
    pub(crate) async fn owned_bucket_names(
        &self,
        instance: &str,
        op: &'static str,
    ) -> Result<Vec<String>> {
        let all = self.s3.list_buckets().await.map_err(|e| ctx(e, op))?;
        let mut names: Vec<String> =
            futures::stream::iter(all)
                .map(|b| async move {
                    Ok::<_, Error>(self.owned_tags(instance, &b, op).await?.map(|_| b))
                })
                .buffered(LIST_CONCURRENCY)
                .try_filter_map(|b| async move { Ok(b) })
                .try_collect()
                .await?;
        names.sort();
        Ok(names)
    }

    /// A bucket's full state (its settings read at once).
    async fn bucket_state(
        &self,
        instance: &str,
        name: &str,
        tags: Tags,
        op: &'static str,
    ) -> Result<Bucket> {
        let caps = self.capabilities();
        let mut b = Bucket::new(instance, name);
        // Lifecycle, CORS and the object-lock configuration (lock and default retention).
        let (versioning, encryption, policy, ()) = futures::try_join!(
            self.s3.get_versioning(name),
            self.s3.get_encryption(name),
            self.s3.get_policy(name),
            self.s3.read_features(name, &mut b, &caps),
        )
        .map_err(|e| ctx(e, op).with_resource(ResourceKind::Bucket, name))?;
        if b.object_lock.is_none() {
            // Retention switched off by configuration: the lock alone.
            b.object_lock = Some(
                self.s3
                    .get_object_lock(name)
                    .await
                    .map_err(|e| ctx(e, op).with_resource(ResourceKind::Bucket, name))?,
            );
        }
        if let Some(rules) = &mut b.cors {
            crate::features::normalize_cors(rules);
        }
        b.versioning = Some(versioning);
        b.encryption = Some(encryption);
        b.policy = Some(policy);
        b.tags = Some(visible(tags));
        Ok(b)
    }

    /// Creates and configures a bucket for `instance`. A failure after the bucket was made
    /// deletes it again (it is empty and this call's); `Partial` names it when that fails too.
    pub(crate) async fn make_bucket(
        &self,
        instance: &str,
        req: &CreateBucket,
        op: &'static str,
    ) -> Result<()> {
        let name = req.name.as_str();
        let made = match self
            .s3
            .create_bucket(name, req.object_lock, Some(&self.region))
            .await
        {
            Ok(()) => Ok(()),
            // A lost answer: the bucket was absent a moment before, so if it is there now it
            // is this call's.
            Err(e) if e.outcome_unknown() => match self.s3.bucket_exists(name).await {
                Ok(true) => Ok(()),
                Ok(false) => {
                    self.s3
                        .create_bucket(name, req.object_lock, Some(&self.region))
                        .await
                }
                Err(_) => Err(e),
            },
            Err(e) => Err(e),
        };
        made.map_err(|e| ctx(e, op).with_resource(ResourceKind::Bucket, name))?;
        if let Err(e) = self.configure_new(instance, req).await {
            let e = ctx(e, op).with_resource(ResourceKind::Bucket, name);
            return Err(match self.s3.delete_bucket(name, None).await {
                Ok(()) => e,
                Err(d) => ctx(
                    Error::new(
                        ErrorKind::Partial,
                        format!("configuring bucket '{name}' failed ({e}) and deleting it again failed too ({d}); it is left, tagged as instance '{instance}''s"),
                    ),
                    op,
                )
                .with_resource(ResourceKind::Bucket, name),
            });
        }
        Ok(())
    }

    /// The settings of a new bucket: the ownership tag first, so that whatever follows, the
    /// bucket is found and cleaned up with its instance.
    async fn configure_new(&self, instance: &str, req: &CreateBucket) -> Result<()> {
        let name = req.name.as_str();
        let mut tags = req.tags.clone();
        tags.insert(TAG_INSTANCE.into(), instance.into());
        self.s3.put_tagging(name, &tags).await?;
        if req.versioning == Some(true) && !req.object_lock {
            self.s3.put_versioning(name, true).await?;
        }
        if req.encryption.is_some_and(Encryption::is_enabled) {
            self.s3.put_encryption_aes256(name).await?;
        }
        if let Some(p) = &req.policy {
            self.s3.put_policy(name, p).await?;
        }
        self.s3.apply_created_features(name, req).await
    }

    /// Deletes a bucket this instance owns, emptying it first when `force`. SeaweedFS deletes
    /// non-empty buckets itself, so without `force` emptiness is checked here.
    pub(crate) async fn remove_bucket(
        &self,
        name: &str,
        force: bool,
        op: &'static str,
    ) -> Result<()> {
        let res = async {
            if force {
                self.s3.empty_bucket(name).await?;
            } else if !self.s3.is_empty(name).await? {
                return Err(Error::new(
                    ErrorKind::BucketNotEmpty,
                    format!("bucket '{name}' is not empty"),
                ));
            }
            self.s3.delete_bucket(name, None).await
        };
        res.await
            .map_err(|e| ctx(e, op).with_resource(ResourceKind::Bucket, name))
    }
}

/// The tags a user sees: the reserved ones are the backend's.
fn visible(tags: Tags) -> Tags {
    tags.into_iter()
        .filter(|(k, _)| !is_reserved_tag(k))
        .collect()
}

#[async_trait]
impl BucketAdmin for SeaweedfsProvider {
    async fn create_bucket(&self, instance: &str, req: CreateBucket) -> Result<Bucket> {
        const OP: &str = "create_bucket";
        let marker = self.require_instance(instance, OP).await?;
        if self
            .s3
            .bucket_exists(&req.name)
            .await
            .map_err(|e| ctx(e, OP))?
        {
            return Err(ctx(
                Error::already_exists(ResourceKind::Bucket, &req.name),
                OP,
            ));
        }
        // The instance's settings are the defaults of its buckets.
        let mut req = req;
        if req.versioning.is_none() {
            req.versioning = Some(marker.get(TAG_VERSIONING).is_some_and(|v| v == "true"));
        }
        if req.encryption.is_none() && marker.get(TAG_ENCRYPTION).is_some_and(|v| v == "aes256") {
            req.encryption = Some(Encryption::Aes256);
        }
        self.make_bucket(instance, &req, OP).await?;
        let mut tags = req.tags.clone();
        tags.insert(TAG_INSTANCE.into(), instance.into());
        self.bucket_state(instance, &req.name, tags, OP).await
    }

    async fn get_bucket(&self, instance: &str, name: &str) -> Result<Bucket> {
        const OP: &str = "get_bucket";
        let tags = self.require_bucket(instance, name, OP).await?;
        self.bucket_state(instance, name, tags, OP).await
    }

    async fn get_bucket_parts(
        &self,
        instance: &str,
        name: &str,
        parts: BucketParts,
    ) -> Result<Bucket> {
        const OP: &str = "get_bucket";
        // The ownership check reads the tags: they come for free.
        let tags = self.require_bucket(instance, name, OP).await?;
        let mut b = Bucket::new(instance, name);
        self.s3
            .read_parts(name, parts, &mut b)
            .await
            .map_err(|e| ctx(e, OP).with_resource(ResourceKind::Bucket, name))?;
        b.tags = Some(visible(tags));
        Ok(b)
    }

    async fn list_buckets(&self, instance: &str, opts: ListOptions) -> Result<Page<Bucket>> {
        const OP: &str = "list_buckets";
        self.require_instance(instance, OP).await?;
        let names = self.owned_bucket_names(instance, OP).await?;
        let page = Page::from_sorted(names, &opts, |s| s.as_str());
        // Listed buckets carry their name only; `get_bucket` reads the settings.
        let items = page
            .items
            .iter()
            .map(|n| Bucket::new(instance, n))
            .collect();
        Ok(Page::new(items, page.next))
    }

    async fn update_bucket(&self, instance: &str, name: &str, req: UpdateBucket) -> Result<Bucket> {
        const OP: &str = "update_bucket";
        let tags = self.require_bucket(instance, name, OP).await?;
        let fail = |e: Error| ctx(e, OP).with_resource(ResourceKind::Bucket, name);
        let locked = if req.versioning == Some(false) || req.retention.is_some() {
            self.s3.get_object_lock(name).await.map_err(fail)?
        } else {
            false
        };
        // Checked before any change: SeaweedFS would turn object lock on for a bucket made
        // without it rather than refuse the retention.
        let features = s3aas_http::s3::lock_checked_update(name, &req, locked).map_err(fail)?;
        if req.versioning == Some(false) && locked {
            return Err(fail(Error::new(
                ErrorKind::Conflict,
                "versioning cannot be suspended on an object-lock bucket",
            )));
        }
        if let Some(v) = req.versioning {
            self.s3.put_versioning(name, v).await.map_err(fail)?;
        }
        match req.encryption {
            Some(e) if e.is_enabled() => self.s3.put_encryption_aes256(name).await.map_err(fail)?,
            Some(_) => self.s3.delete_encryption(name).await.map_err(fail)?,
            None => {}
        }
        match &req.policy {
            Some(Some(p)) => self.s3.put_policy(name, p).await.map_err(fail)?,
            Some(None) => self.s3.delete_policy(name).await.map_err(fail)?,
            None => {}
        }
        self.s3
            .apply_updated_features(name, &features)
            .await
            .map_err(fail)?;
        let tags = match req.tags {
            Some(mut t) => {
                t.insert(TAG_INSTANCE.into(), instance.into());
                self.s3.put_tagging(name, &t).await.map_err(fail)?;
                t
            }
            None => tags,
        };
        self.bucket_state(instance, name, tags, OP).await
    }

    async fn delete_bucket(&self, instance: &str, name: &str, req: DeleteBucket) -> Result<()> {
        const OP: &str = "delete_bucket";
        self.require_instance(instance, OP).await?;
        // Missing, or not this instance's: nothing of this instance to delete.
        if self.owned_tags(instance, name, OP).await?.is_none() {
            return Ok(());
        }
        self.remove_bucket(name, req.force, OP).await
    }

    async fn bucket_usage(&self, _instance: &str, _name: &str) -> Result<BucketUsage> {
        Err(ctx(
            Error::unsupported(
                "SeaweedFS has no bucket usage API over HTTP (capability bucket_usage = false)",
            ),
            "bucket_usage",
        ))
    }

    /// SeaweedFS has no usage API over HTTP, for a bucket or for anything larger.
    async fn instance_usage(&self, _instance: &str) -> Result<InstanceUsage> {
        Err(ctx(
            Error::unsupported(
                "SeaweedFS has no usage API over HTTP (capability instance_usage = false)",
            ),
            "instance_usage",
        ))
    }
}
