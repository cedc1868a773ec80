//! Instances: a marker IAM user whose tags hold the settings, and an optional default bucket.

use crate::provider::*;
use futures::{StreamExt, TryStreamExt};
use time::format_description::well_known::Rfc3339;

/// How many per-item reads a listing sends at once.
pub(crate) const LIST_CONCURRENCY: usize = 8;

/// The marker user's tags for a new instance.
fn marker_tags(req: &CreateInstance, created: OffsetDateTime) -> Tags {
    let mut t = req.labels.clone();
    if let Some(b) = &req.default_bucket {
        t.insert(TAG_DEFAULT_BUCKET.into(), b.clone());
    }
    t.insert(TAG_VERSIONING.into(), req.versioning.to_string());
    t.insert(
        TAG_ENCRYPTION.into(),
        encryption_word(req.encryption).into(),
    );
    t.insert(
        TAG_CREATED.into(),
        created.format(&Rfc3339).expect("UTC times format"),
    );
    t
}

fn encryption_word(e: Encryption) -> &'static str {
    if e.is_enabled() { "aes256" } else { "none" }
}

/// Whether a user-name lookup failed because the user is not there.
pub(crate) fn is_missing(e: &Error) -> bool {
    e.kind() == ErrorKind::NotFound
}

impl SeaweedfsProvider {
    /// An instance from its marker user's tags.
    fn instance_from_tags(&self, id: &str, tags: Tags) -> Instance {
        let mut i = Instance::new(id);
        i.default_bucket = tags.get(TAG_DEFAULT_BUCKET).cloned();
        i.versioning = tags.get(TAG_VERSIONING).is_some_and(|v| v == "true");
        i.encryption = match tags.get(TAG_ENCRYPTION).map(String::as_str) {
            Some("aes256") => Encryption::Aes256,
            _ => Encryption::None,
        };
        i.created = tags
            .get(TAG_CREATED)
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
        i.labels = tags
            .into_iter()
            .filter(|(k, _)| !is_reserved_tag(k))
            .collect();
        // The gateway this provider talks to is the node it knows: the master and volume
        // servers behind it are not reachable through the S3 port. It just answered (the
        // marker's tags were read through it), so it is online.
        let ep = self.s3.endpoint();
        i.nodes = vec![Node::new(
            ep.as_str().trim_end_matches('/'),
            ep.host_str().unwrap_or_default(),
            ep.port_or_known_default(),
            NodeState::Online,
        )];
        i.endpoints = Endpoints::new(
            Some(self.public_endpoint.clone()),
            Some(self.s3.endpoint().clone()),
            Some(self.s3.endpoint().clone()),
        );
        i
    }

    /// The marker user's tags; `NotFound` (instance) when there is none.
    pub(crate) async fn marker(&self, id: &str, op: &'static str) -> Result<Tags> {
        // A missing marker answers `404 NoSuchEntity`: kept as it is (status, code, message,
        // request id), named as the instance.
        self.iam
            .list_user_tags(op, &marker_user(id))
            .await
            .map_err(|e| ctx(e, op).with_resource(ResourceKind::Instance, id))
    }

    /// Fails with `NotFound` unless instance `id` exists.
    pub(crate) async fn require_instance(&self, id: &str, op: &'static str) -> Result<Tags> {
        self.marker(id, op).await
    }

    /// Creates IAM user `name` and tags it. SeaweedFS 4.48 ignores the tags of `CreateUser`, so
    /// they follow in a `TagUser`; if that fails, the user (this call's) is deleted again, and
    /// the error is `Partial`, naming it, if that fails too. A lost answer to the create is
    /// resolved by asking whether the user exists: it did not a moment before (the create
    /// would have said `EntityAlreadyExists`), so if it does it is this call's.
    pub(crate) async fn create_iam_user(
        &self,
        op: &'static str,
        name: &str,
        tags: &Tags,
    ) -> Result<()> {
        let created = match self.iam.create_user(op, name, tags).await {
            Ok(()) => Ok(()),
            Err(e) if e.outcome_unknown() => match self.iam.get_user(Some(name)).await {
                Ok(_) => Ok(()),
                Err(m) if is_missing(&m) => self.iam.create_user(op, name, tags).await,
                Err(_) => Err(e),
            },
            Err(e) => Err(e),
        };
        created.map_err(|e| ctx(e, op))?;
        let Err(e) = self.iam.tag_user(op, name, tags).await else {
            return Ok(());
        };
        let e = ctx(e, op);
        Err(match self.iam.delete_user(op, name).await {
            Ok(()) => e,
            Err(d) => ctx(
                Error::new(
                    ErrorKind::Partial,
                    format!(
                        "tagging new IAM user '{name}' failed ({e}) and deleting it failed too ({d}); delete it"
                    ),
                ),
                op,
            ),
        })
    }
}

#[async_trait]
impl InstanceAdmin for SeaweedfsProvider {
    async fn create_instance(&self, req: CreateInstance) -> Result<Instance> {
        const OP: &str = "create_instance";
        check_instance_name(&req.name).map_err(|e| ctx(e, OP))?;
        if let Some(k) = req.options.keys().next() {
            return Err(ctx(
                Error::invalid_input(
                    format!("instance.options.{k}"),
                    "the seaweedfs backend takes no instance options",
                ),
                OP,
            ));
        }
        let id = req.name.clone();
        match self.marker(&id, OP).await {
            Ok(_) => {
                return Err(ctx(Error::already_exists(ResourceKind::Instance, &id), OP));
            }
            Err(e) if is_missing(&e) => {}
            Err(e) => return Err(e),
        }
        if let Some(b) = &req.default_bucket {
            if self.s3.bucket_exists(b).await.map_err(|e| ctx(e, OP))? {
                return Err(ctx(Error::already_exists(ResourceKind::Bucket, b), OP));
            }
        }
        let now = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .expect("0 is valid");
        let tags = marker_tags(&req, now);
        let marker = marker_user(&id);
        self.create_iam_user(OP, &marker, &tags)
            .await
            .map_err(|e| e.with_resource(ResourceKind::Instance, &id))?;
        if let Some(b) = &req.default_bucket {
            let mut breq = CreateBucket::new(b).versioning(req.versioning);
            breq.encryption = Some(req.encryption);
            if let Err(e) = self.make_bucket(&id, &breq, OP).await {
                // The marker is this call's: take it away so no half-made instance stays.
                return Err(match self.iam.delete_user(OP, &marker).await {
                    Ok(()) => e,
                    Err(d) => ctx(
                        Error::new(
                            ErrorKind::Partial,
                            format!(
                                "creating the default bucket failed ({e}) and removing the instance marker user '{marker}' failed too ({d}); delete instance '{id}' to clean up"
                            ),
                        ),
                        OP,
                    )
                    .with_resource(ResourceKind::Instance, &id),
                });
            }
        }
        Ok(self.instance_from_tags(&id, tags))
    }

    async fn get_instance(&self, id: &str) -> Result<Instance> {
        let tags = self.marker(id, "get_instance").await?;
        Ok(self.instance_from_tags(id, tags))
    }

    async fn list_instances(&self, opts: ListOptions) -> Result<Page<Instance>> {
        const OP: &str = "list_instances";
        let users = self.iam.list_users(OP).await.map_err(|e| ctx(e, OP))?;
        let mut ids: Vec<String> = users
            .iter()
            .filter_map(|u| instance_of_marker(&u.user_name).map(str::to_string))
            .collect();
        ids.sort();
        // Page first, then read only the page's markers.
        let page = Page::from_sorted(ids, &opts, |s| s.as_str());
        let items = futures::stream::iter(page.items)
            .map(|id| async move {
                match self.marker(&id, OP).await {
                    Ok(tags) => Ok(Some(self.instance_from_tags(&id, tags))),
                    // Deleted since the listing.
                    Err(e) if is_missing(&e) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .buffered(LIST_CONCURRENCY)
            .try_filter_map(|i| async move { Ok(i) })
            .try_collect()
            .await?;
        Ok(Page::new(items, page.next))
    }

    async fn update_instance(&self, id: &str, req: UpdateInstance) -> Result<Instance> {
        const OP: &str = "update_instance";
        let mut tags = self.marker(id, OP).await?;
        if let Some(v) = req.versioning {
            if let Some(db) = tags.get(TAG_DEFAULT_BUCKET).cloned() {
                // The default bucket follows the instance's versioning, as at creation.
                let upd = UpdateBucket::new().versioning(v);
                match self.update_bucket(id, &db, upd).await {
                    Ok(_) => {}
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(ctx(e, OP)),
                }
            }
        }
        let mut set = Tags::new();
        if let Some(v) = req.versioning {
            set.insert(TAG_VERSIONING.into(), v.to_string());
        }
        if let Some(e) = req.encryption {
            set.insert(TAG_ENCRYPTION.into(), encryption_word(e).into());
        }
        self.iam
            .tag_user(OP, &marker_user(id), &set)
            .await
            .map_err(|e| ctx(e, OP).with_resource(ResourceKind::Instance, id))?;
        tags.extend(set);
        Ok(self.instance_from_tags(id, tags))
    }

    async fn delete_instance(&self, id: &str, req: DeleteInstance) -> Result<()> {
        const OP: &str = "delete_instance";
        match self.marker(id, OP).await {
            Ok(_) => {}
            Err(e) if is_missing(&e) => return Ok(()),
            Err(e) => return Err(e),
        }
        let buckets = self.owned_bucket_names(id, OP).await?;
        if !req.force {
            for b in &buckets {
                if !self.s3.is_empty(b).await.map_err(|e| ctx(e, OP))? {
                    return Err(ctx(
                        Error::new(
                            ErrorKind::BucketNotEmpty,
                            format!("instance '{id}' holds non-empty bucket '{b}'; nothing was deleted (use force)"),
                        )
                        .with_resource(ResourceKind::Bucket, b),
                        OP,
                    ));
                }
            }
        }
        // Everything but the marker first: if a step fails, the marker still lists the
        // instance, and deleting it again finishes the job.
        let partial = |e: Error, what: String| {
            let msg = format!(
                "instance '{id}' was partly deleted: {what} failed ({}); its marker user is kept, so deleting the instance again finishes",
                e.message()
            );
            ctx(e.with_kind(ErrorKind::Partial).with_message(msg), OP)
                .with_resource(ResourceKind::Instance, id)
        };
        for b in &buckets {
            self.remove_bucket(b, true, OP)
                .await
                .map_err(|e| partial(e, format!("deleting bucket '{b}'")))?;
        }
        let users = self.iam.list_users(OP).await.map_err(|e| ctx(e, OP))?;
        for u in users
            .iter()
            .filter(|u| unscoped(id, &u.user_name).is_some())
        {
            // Only users this SDK made carry the instance tag; anything else is left alone.
            let tags = match self.iam.list_user_tags(OP, &u.user_name).await {
                Ok(t) => t,
                Err(e) if is_missing(&e) => continue,
                Err(e) => return Err(partial(e, format!("reading user '{}'", u.user_name))),
            };
            if tags.get(TAG_INSTANCE).map(String::as_str) != Some(id) {
                continue;
            }
            match self.iam.delete_user(OP, &u.user_name).await {
                Ok(()) => {}
                Err(e) if is_missing(&e) => {}
                Err(e) => return Err(partial(e, format!("deleting user '{}'", u.user_name))),
            }
        }
        let policies = self.iam.list_policies(OP).await.map_err(|e| ctx(e, OP))?;
        for p in policies.iter().filter(|p| unscoped(id, p).is_some()) {
            match self.iam.delete_policy(OP, &policy_arn(p)).await {
                Ok(()) => {}
                Err(e) if is_missing(&e) => {}
                Err(e) => return Err(partial(e, format!("deleting policy '{p}'"))),
            }
        }
        match self.iam.delete_user(OP, &marker_user(id)).await {
            Ok(()) => Ok(()),
            Err(e) if is_missing(&e) => Ok(()),
            Err(e) => Err(partial(e, "deleting the marker user".into())),
        }
    }
}
