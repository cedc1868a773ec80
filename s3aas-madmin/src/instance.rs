//! Instances: a registry record in the system bucket, an IAM group, a default bucket.

use crate::provider::*;

impl<D: Dialect> MadminProvider<D> {
    /// The instance a record describes, its status from the server's readiness.
    pub(crate) async fn to_instance(&self, r: Record) -> Result<Instance> {
        let ready = self.readiness().await;
        self.instance_with(r, &ready).await
    }

    /// The instance a record describes, given the server's readiness: asked once per listing
    /// page, and not at all right after a create (the server has just answered every call).
    pub(crate) async fn instance_with(
        &self,
        r: Record,
        ready: &Result<(bool, String)>,
    ) -> Result<Instance> {
        let mut i = Instance::new(&r.name);
        i.default_bucket = r.default_bucket;
        i.encryption = r.encryption;
        i.versioning = r.versioning;
        i.labels = r.labels;
        i.created = Some(r.created);
        i.endpoints = Endpoints::new(
            Some(self.public_endpoint.clone()),
            Some(self.admin.endpoint.clone()),
            Some(self.admin.endpoint.clone()),
        );
        i.status = match r.state {
            State::Creating => InstanceStatus::Creating,
            State::Error => InstanceStatus::Error {
                reason: r.reason.unwrap_or_else(|| "provisioning failed".into()),
            },
            State::Active => match ready {
                Ok((true, _)) => InstanceStatus::Active,
                Ok((false, body)) => InstanceStatus::Error {
                    reason: format!("server not ready: {body}"),
                },
                Err(e) => InstanceStatus::Error {
                    reason: format!("server unreachable: {e}"),
                },
            },
        };
        if let Ok(info) = self.server_info().await {
            i.backend_version = info.servers.iter().find_map(|s| s.version.clone());
            i.nodes = info
                .servers
                .iter()
                .map(|s| {
                    let (host, port) = split_host_port(&s.endpoint);
                    let state = match s.state.as_deref() {
                        Some("online" | "ok") => NodeState::Online,
                        Some("offline") => NodeState::Offline,
                        Some(o) => NodeState::Other(o.to_string()),
                        None => NodeState::Other("unknown".into()),
                    };
                    Node::new(&s.endpoint, host, port, state)
                })
                .collect();
        }
        Ok(i)
    }
}

impl<D: Dialect> MadminProvider<D> {
    /// Writes a new instance's first registry record (state `creating`). If the answer is lost,
    /// asks whether the record exists: it did not a moment before, so if it does it is this
    /// call's and creation carries on; if that cannot be found out, it is deleted in case, and
    /// the error is `Partial` naming it when that fails too (a record left in state `creating`
    /// would list an instance nobody finishes).
    pub(crate) async fn write_first_record(&self, rec: &Record, op: &'static str) -> Result<()> {
        let name = rec.name.as_str();
        let e = match self.system.put(rec).await {
            Ok(()) => return Ok(()),
            Err(e) => ctx::<D>(e, op).with_resource(ResourceKind::Instance, name),
        };
        if !e.outcome_unknown() {
            return Err(e);
        }
        match lost::confirm("registry record", || self.system.exists(name)).await {
            Ok(true) => {
                tracing::debug!(instance = name, error = %e, "the answer to writing the registry record was lost, but it exists: carrying on");
                Ok(())
            }
            Ok(false) => Err(e),
            Err(c) => Err(match self.system.delete(name).await {
                Ok(()) => lost::noted(
                    e,
                    format!(
                        "whether the registry record was written could not be checked ({c}), so it was deleted in case"
                    ),
                ),
                Err(d) => lost::partial(
                    e,
                    format!(
                        "whether the registry record was written could not be checked ({c}) and deleting it in case failed too ({d}); the registry record of instance '{name}' may have been left behind (delete the instance to finish)"
                    ),
                ),
            }),
        }
    }

    /// Undoes a failed `create_instance` in reverse order (default bucket, group, record) and
    /// returns the error to report: `e` itself when everything was removed, else `Partial`
    /// naming what was left. Then the record stays, in state `error`, so that deleting the
    /// instance finds and finishes it.
    pub(crate) async fn undo_instance(
        &self,
        mut rec: Record,
        made_bucket: bool,
        e: Error,
        op: &'static str,
    ) -> Error {
        let name = rec.name.clone();
        let mut left = Vec::new();
        if made_bucket {
            let b = rec.default_bucket.clone().unwrap_or_default();
            match self
                .s3
                .delete_bucket(&b, Some(self.admin.dialect.force_delete_header()))
                .await
            {
                Ok(()) => {
                    if let Err(m) = self.system.delete_bucket(&name, &b).await {
                        left.push(format!("the registry marker of bucket '{b}' ({m})"));
                    }
                }
                Err(c) => left.push(format!("bucket '{b}' ({c})")),
            }
        } else if e.kind() == ErrorKind::Partial {
            // Creating the default bucket failed and left it (its error names it): keep the
            // record, so that deleting the instance can finish.
            left.push(format!(
                "bucket '{}' (as the bucket error says)",
                rec.default_bucket.as_deref().unwrap_or_default()
            ));
        }
        // The group may exist even if making it failed (its answer lost): delete it whatever.
        if let Err(g) = self.delete_instance_group(&name, op).await {
            left.push(g);
        }
        if left.is_empty() {
            match self.system.delete(&name).await {
                Ok(()) => return ctx::<D>(e, op),
                Err(c) => left.push(format!("registry record ({c})")),
            }
        } else {
            rec.state = State::Error;
            rec.reason = Some(format!("creation failed: {}", e.message()));
            if let Err(c) = self.system.put(&rec).await {
                tracing::warn!(instance = %name, error = %c, "marking the half-made instance as failed did not work; its record still says creating");
            }
        }
        let note = format!(
            "cleanup incomplete, left behind: {}; the registry record of instance '{name}' is kept (delete the instance to finish)",
            left.join(", ")
        );
        ctx::<D>(lost::partial(e, note), op)
    }
}

#[async_trait]
impl<D: Dialect> InstanceAdmin for MadminProvider<D> {
    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "create_instance"))]
    async fn create_instance(&self, req: CreateInstance) -> Result<Instance> {
        let op = "create_instance";
        if self
            .system
            .exists(&req.name)
            .await
            .map_err(|e| ctx::<D>(e, op))?
        {
            return Err(ctx::<D>(
                Error::already_exists(ResourceKind::Instance, &req.name),
                op,
            ));
        }
        if req.encryption == Encryption::Aes256 {
            // Before the record or the default bucket exist: RustFS would accept the bucket
            // default and then refuse every write into the bucket.
            self.require_sse_s3(op, "instance encryption", "instance_encryption")
                .await?;
        }
        let mut rec = Record {
            v: 1,
            name: req.name.clone(),
            default_bucket: req.default_bucket.clone(),
            encryption: req.encryption,
            versioning: req.versioning,
            labels: req.labels.clone(),
            created: OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .expect("0 is valid"),
            state: State::Creating,
            reason: None,
            policy_markers: true,
        };
        if let Some(b) = &req.default_bucket {
            // Refuse a taken default bucket before anything is written.
            if self
                .s3
                .bucket_exists(b)
                .await
                .map_err(|e| ctx::<D>(e, op))?
            {
                return Err(ctx::<D>(Error::already_exists(ResourceKind::Bucket, b), op));
            }
        }
        self.write_first_record(&rec, op).await?;
        let mut made_bucket = false;
        let result: Result<()> = async {
            if let Some(b) = &req.default_bucket {
                // Checked free just above, before the record was written.
                self.create_bucket_inner(&req.name, &rec, &CreateBucket::new(b), true)
                    .await?;
                made_bucket = true;
            }
            self.create_group(&req.name).await?;
            rec.state = State::Active;
            match self.system.put(&rec).await {
                // The answer was lost: the instance is made if the record now says so.
                Err(e) if e.outcome_unknown() => {
                    match lost::confirm("registry record", || self.system.get(&req.name)).await {
                        Ok(Some(r)) if r.state == State::Active => Ok(()),
                        _ => Err(e),
                    }
                }
                r => r,
            }
        }
        .await;
        if let Err(e) = result {
            return Err(self.undo_instance(rec, made_bucket, e, op).await);
        }
        self.instance_with(rec, &Ok((true, String::new()))).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "get_instance", instance = %id))]
    async fn get_instance(&self, id: &str) -> Result<Instance> {
        // The record and the server's readiness at once: one wait instead of two. A missing
        // record answers without waiting for the probe (an unauthenticated health check).
        let (rec, ready) = Self::gated(self.record(id, "get_instance"), self.readiness()).await?;
        self.instance_with(rec, &ready).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_instances"))]
    async fn list_instances(&self, opts: ListOptions) -> Result<Page<Instance>> {
        let op = "list_instances";
        let limit = opts.limit.unwrap_or(100).clamp(1, 1000);
        let (names, more) = self
            .system
            .list(
                opts.prefix.as_deref().unwrap_or(""),
                opts.continuation.as_deref(),
                limit,
            )
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        let next = if more { names.last().cloned() } else { None };
        // One readiness probe for the page, not one per instance.
        let ready = if names.is_empty() {
            Ok((true, String::new()))
        } else {
            self.readiness().await
        };
        let ready = &ready;
        let items: Vec<Instance> = futures::stream::iter(names)
            .map(|n| async move {
                match self.system.get(&n).await? {
                    Some(r) => self.instance_with(r, ready).await.map(Some),
                    None => Ok(None),
                }
            })
            .buffered(8)
            .try_filter_map(|x| async move { Ok(x) })
            .try_collect()
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        Ok(Page::new(items, next))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "update_instance", instance = %id))]
    async fn update_instance(&self, id: &str, req: UpdateInstance) -> Result<Instance> {
        let op = "update_instance";
        let mut rec = self.record(id, op).await?;
        if req.encryption == Some(Encryption::Aes256) {
            self.require_sse_s3(op, "instance encryption", "instance_encryption")
                .await?;
        }
        if let Some(db) = rec.default_bucket.clone() {
            if let Some(v) = req.versioning {
                if v || self.settle(|| self.s3.get_versioning(&db)).await?
                    != Versioning::Unversioned
                {
                    self.settle(|| self.s3.put_versioning(&db, v))
                        .await
                        .map_err(|e| ctx::<D>(e, op))?;
                }
            }
            if let Some(e) = req.encryption {
                match e {
                    Encryption::Aes256 => self.settle(|| self.s3.put_encryption_aes256(&db)).await,
                    _ => self.settle(|| self.s3.delete_encryption(&db)).await,
                }
                .map_err(|e| ctx::<D>(e, op))?;
            }
        }
        if let Some(v) = req.versioning {
            rec.versioning = v;
        }
        if let Some(e) = req.encryption {
            rec.encryption = e;
        }
        self.system.put(&rec).await.map_err(|e| ctx::<D>(e, op))?;
        self.to_instance(rec).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "delete_instance", instance = %id))]
    async fn delete_instance(&self, id: &str, req: DeleteInstance) -> Result<()> {
        let op = "delete_instance";
        let Some(record) = self.system.get(id).await.map_err(|e| ctx::<D>(e, op))? else {
            return Ok(());
        };
        let buckets = self
            .system
            .all_buckets(id)
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        if !req.force {
            for b in &buckets {
                match self.s3.is_empty(b).await {
                    Ok(true) => {}
                    Ok(false) => {
                        return Err(ctx::<D>(
                            Error::new(ErrorKind::BucketNotEmpty, format!("instance '{id}' holds non-empty bucket '{b}'; nothing was deleted (use force)")).with_resource(ResourceKind::Bucket, b.clone()),
                            op,
                        ));
                    }
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(ctx::<D>(e, op)),
                }
            }
        }
        let mut left: Vec<String> = Vec::new();
        let users = self.instance_users(id).await.map_err(|e| ctx::<D>(e, op))?;
        // All users leave the group in one rewrite (instead of one per user), under the group
        // lock. If that fails (e.g. 404: a user vanished meanwhile), each user leaves on its own
        // below, and the group clean-up catches whatever is left.
        let left_group = users.is_empty() || {
            let names: Vec<String> = users.iter().map(|(n, _)| iam(id, n)).collect();
            let _lock = self.lock_group(id).await;
            matches!(self.send_group_update(id, &names, true, op).await, Ok(r) if r.is_success())
        };
        let names: Vec<String> = users.into_iter().map(|(n, _)| n).collect();
        let deleted: Vec<(String, Result<()>)> = futures::stream::iter(names)
            .map(|name| async move {
                let r = self.delete_user_inner(id, &name, !left_group).await;
                (name, r)
            })
            .buffer_unordered(8)
            .collect()
            .await;
        for (name, r) in deleted {
            if let Err(e) = r {
                left.push(format!("user '{name}' ({e})"));
            }
        }
        if let Err(g) = self.delete_instance_group(id, op).await {
            left.push(g);
        }
        // Every marker goes, also one whose policy is already gone.
        let policies = if record.policy_markers {
            self.system.all_policies(id).await
        } else {
            self.listed_policies(id, op)
                .await
                .map(|l| l.into_iter().map(|p| p.name).collect())
        }
        .map_err(|e| ctx::<D>(e, op))?;
        let failed: Vec<String> = futures::stream::iter(policies)
            .map(|name| async move {
                let r = self.remove_policy(id, &name, op).await;
                r.err()
                    .map(|e| format!("policy '{name}' ({})", ctx::<D>(e, op)))
            })
            .buffer_unordered(8)
            .filter_map(|f| async move { f })
            .collect()
            .await;
        left.extend(failed);
        // Buckets are independent of each other: delete 8 at a time (an instance can hold
        // thousands). A bucket's registry marker goes only once the bucket is gone.
        let force = req
            .force
            .then_some(self.admin.dialect.force_delete_header());
        let failed: Vec<String> = futures::stream::iter(buckets)
            .map(|b| async move {
                match self.s3.delete_bucket(&b, force).await {
                    // A marker left behind would list the deleted bucket again (and under a
                    // re-created instance of the same name): report it, deleting again retries.
                    Ok(()) => match self.system.delete_bucket(id, &b).await {
                        Ok(()) => None,
                        Err(e) => Some(format!("registry marker of bucket '{b}' ({e})")),
                    },
                    Err(e) => Some(format!("bucket '{b}' ({e})")),
                }
            })
            .buffer_unordered(8)
            .filter_map(|f| async move { f })
            .collect()
            .await;
        left.extend(failed);
        if !left.is_empty() {
            return Err(ctx::<D>(
                Error::new(ErrorKind::Partial, format!("instance '{id}' was only partly deleted; left: {} (deleting again retries)", left.join(", "))).with_resource(ResourceKind::Instance, id),
                op,
            ));
        }
        self.system.delete(id).await.map_err(|e| ctx::<D>(e, op))
    }
}
