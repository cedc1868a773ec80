//! Instances: namespaces marked by their service user, adopted namespaces, and deletes that
//! touch only what s3aas made (see [`crate::naming`]).

use crate::naming::{ADOPTED_TAG, INSTANCE_TAG, MANAGED_TAG, VERSIONING_TAG};
use crate::provider::*;

/// What an instance's service user says about it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Marker {
    /// Versioning of new buckets (the instance's `versioning`).
    pub(crate) versioning: bool,
    /// The namespace existed before s3aas used it: never delete the namespace itself.
    pub(crate) adopted: bool,
}

impl Marker {
    fn from_tags(tags: &[UserTag]) -> Option<Marker> {
        let get = |k: &str| tags.iter().find(|t| t.name == k).map(|t| t.value.as_str());
        get(INSTANCE_TAG)?;
        Some(Marker {
            versioning: get(VERSIONING_TAG) == Some("true"),
            adopted: get(ADOPTED_TAG) == Some("true"),
        })
    }

    fn tags(&self, ns: &str) -> Vec<UserTag> {
        let mut t = vec![
            UserTag {
                name: INSTANCE_TAG.into(),
                value: ns.into(),
            },
            UserTag {
                name: VERSIONING_TAG.into(),
                value: self.versioning.to_string(),
            },
        ];
        if self.adopted {
            t.push(UserTag {
                name: ADOPTED_TAG.into(),
                value: "true".into(),
            });
        }
        t
    }
}

/// What a namespace holds, sorted by whose it is.
#[derive(Debug, Default)]
pub(crate) struct Holdings {
    /// Buckets of the instance (owned by the service user or by one of its users), as listed.
    pub(crate) buckets: Vec<BucketInfo>,
    /// Object user ids of the instance's users (made or adopted), without the service user.
    pub(crate) users: Vec<String>,
    /// IAM user names of the instance's users, made or adopted (IAM mode).
    pub(crate) iam_users: Vec<String>,
    /// IAM policies s3aas made (IAM mode).
    pub(crate) policies: Vec<String>,
    /// Users that follow the naming template but that s3aas did not make, described.
    pub(crate) adopted: Vec<String>,
    /// Everything else in the namespace, described for the error message.
    pub(crate) foreign: Vec<String>,
}

impl EcsProvider {
    /// The instance's marker, or `None` when `ns` is not an s3aas instance (no namespace, no
    /// service user, or outside the namespace this provider is bound to).
    pub(crate) async fn marker(&self, ns: &str, op: &'static str) -> Result<Option<Marker>> {
        if self.bound_namespace.as_deref().is_some_and(|b| b != ns) {
            return Ok(None);
        }
        let svc = self.naming.service_user(ns);
        let Ok(info) = self.object_user_info(&svc, ns, op).await? else {
            return Ok(None);
        };
        if !info.namespace.is_empty() && info.namespace != ns {
            return Ok(None);
        }
        Ok(Marker::from_tags(&info.tag))
    }

    /// The marker of an existing instance, else `NotFound` naming the instance.
    pub(crate) async fn require_instance(&self, ns: &str, op: &'static str) -> Result<Marker> {
        self.marker(ns, op)
            .await?
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::Instance, ns), op))
    }

    /// Rewrites one of the service user's marker tags (`PUT /object/users/{uid}/tags`).
    async fn set_marker_tag(
        &self,
        ns: &str,
        key: &str,
        value: &str,
        op: &'static str,
    ) -> Result<()> {
        let svc = self.naming.service_user(ns);
        let body =
            json!({"tags": [UserTag { name: key.into(), value: value.into() }], "namespace": ns});
        self.ok(
            Call::put(op, format!("/object/users/{svc}/tags"), body),
            Some((Missing::Instance, ns)),
        )
        .await
        .map(drop)
    }

    /// Makes the service user that marks `ns` as an instance and owns the buckets s3aas makes,
    /// with one secret key so that s3aas can sign their S3 configuration calls as their owner.
    async fn make_service_user(&self, ns: &str, marker: &Marker, op: &'static str) -> Result<()> {
        let svc = self.naming.service_user(ns);
        let mut tags = marker.tags(ns);
        tags.push(UserTag {
            name: MANAGED_TAG.into(),
            value: "true".into(),
        });
        let resp = self
            .send(Call::post(
                op,
                "/object/users",
                json!({"user": svc, "namespace": ns, "tags": tags}),
            ))
            .await?;
        if !resp.is_success() {
            let e = self.fail(op, &resp, Some((Missing::Instance, ns)));
            return Err(if e.kind() == ErrorKind::AlreadyExists {
                e.with_resource(ResourceKind::Instance, ns)
                    .with_message(format!("namespace '{ns}' is already an s3aas instance (its service user '{svc}' exists)"))
            } else {
                e
            });
        }
        self.ok(
            Call::post(
                op,
                format!("/object/user-secret-keys/{svc}"),
                json!({"namespace": ns}),
            ),
            Some((Missing::Instance, ns)),
        )
        .await
        .map(drop)
    }

    /// Removes what `create_instance` made so far: the service user, then the namespace unless
    /// it was adopted. Returns what could not be removed.
    async fn undo_instance(&self, ns: &str, adopted: bool, op: &'static str) -> Vec<String> {
        let mut left = Vec::new();
        let svc = self.naming.service_user(ns);
        let user = self
            .send(
                Call::post(
                    op,
                    "/object/users/deactivate",
                    json!({"user": svc, "namespace": ns}),
                )
                .idempotent(),
            )
            .await;
        if !matches!(&user, Ok(r) if r.is_success() || is_not_found(r)) {
            left.push(format!("service user '{svc}'"));
        }
        if !adopted {
            let resp = self
                .send(
                    Call::post(
                        op,
                        format!("/object/namespaces/namespace/{ns}/deactivate"),
                        json!({}),
                    )
                    .idempotent(),
                )
                .await;
            if !matches!(&resp, Ok(r) if r.is_success() || is_not_found(r)) {
                left.push(format!("namespace '{ns}'"));
            }
        }
        left
    }

    /// Sorts what namespace `ns` holds by whose it is (one user read per user that follows the
    /// naming template, to tell made from adopted).
    async fn holdings(&self, ns: &str, op: &'static str) -> Result<Holdings> {
        let svc = self.naming.service_user(ns);
        let mut h = Holdings::default();
        let mut ours_or_adopted: Vec<String> = vec![svc.clone()];
        let uids = self.all_user_ids(ns, op).await?;
        let named: Vec<String> = uids
            .iter()
            .filter(|u| self.naming.object_user_of(ns, u).is_some())
            .cloned()
            .collect();
        for uid in uids.iter().filter(|u| **u != svc) {
            if self.naming.object_user_of(ns, uid).is_none() {
                h.foreign.push(format!("object user '{uid}'"));
            }
        }
        let infos = each_present(named, |uid| async move {
            match self.object_user_info(&uid, ns, op).await? {
                Ok(info) => Ok((uid, info)),
                // Deleted since the listing: skipped, as `each_present` skips `NotFound`.
                Err(_) => Err(Error::not_found(ResourceKind::User, uid)),
            }
        })
        .await?;
        for (uid, info) in infos {
            ours_or_adopted.push(uid.clone());
            if !info.tag.iter().any(|t| t.name == MANAGED_TAG) {
                h.adopted.push(format!("object user '{uid}'"));
            }
            h.users.push(uid);
        }
        for b in self.all_buckets(ns, op).await? {
            let owner = b.owner.clone().unwrap_or_default();
            let is_default = b.is_default();
            if is_default || ours_or_adopted.contains(&owner) {
                h.buckets.push(b);
            } else if owner.is_empty() {
                h.foreign.push(format!("bucket '{}'", b.name));
            } else {
                h.foreign
                    .push(format!("bucket '{}' (owner '{owner}')", b.name));
            }
        }
        self.identity.holdings(self, ns, &mut h, op).await?;
        Ok(h)
    }

    /// Whether `info` is a bucket of instance `ns` (see [`crate::naming`]).
    pub(crate) fn is_instance_bucket(&self, ns: &str, info: &BucketInfo) -> bool {
        let owner = info.owner.as_deref().unwrap_or_default();
        info.is_default()
            || owner == self.naming.service_user(ns)
            || self.naming.object_user_of(ns, owner).is_some()
    }
}

fn list_some(items: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut s = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        s.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    s
}

#[async_trait]
impl InstanceAdmin for EcsProvider {
    async fn create_instance(&self, req: CreateInstance) -> Result<Instance> {
        let op = "create_instance";
        let adopted = self.bound_namespace.is_some();
        if let Some(bound) = &self.bound_namespace {
            if req.name != *bound {
                return Err(ctx(
                    Error::invalid_input(
                        "instance.name",
                        format!(
                            "this provider adopts the existing namespace '{bound}' (option namespace); the instance must be named '{bound}'"
                        ),
                    ),
                    op,
                ));
            }
            if self.marker(bound, op).await?.is_some() {
                return Err(ctx(
                    Error::already_exists(ResourceKind::Instance, bound),
                    op,
                ));
            }
            // The namespace must exist: adopting never creates it.
            if self.namespace(bound, op).await?.is_none() {
                return Err(ctx(Error::not_found(ResourceKind::Instance, bound), op).with_message(
                    format!("namespace '{bound}' (option namespace) does not exist on ECS; s3aas adopts it but does not create it"),
                ));
            }
        } else {
            let mut body = json!({
                "namespace": req.name,
                "is_encryption_enabled": req.encryption.is_enabled(),
            });
            if let Some(rg) = &self.replication_group {
                body["default_data_services_vpool"] = json!(rg);
            }
            let resp = self
                .send(Call::post(op, "/object/namespaces/namespace", body))
                .await?;
            if !resp.is_success() {
                let e = self.fail(op, &resp, None);
                return Err(if e.kind() == ErrorKind::AlreadyExists {
                    let msg = format!(
                        "namespace '{}' already exists on ECS; if s3aas did not make it, give option namespace={} to adopt it",
                        req.name, req.name
                    );
                    e.with_resource(ResourceKind::Instance, &req.name)
                        .with_message(msg)
                } else {
                    e
                });
            }
        }
        let marker = Marker {
            versioning: req.versioning,
            adopted,
        };
        let made = async {
            self.make_service_user(&req.name, &marker, op).await?;
            if let Some(b) = &req.default_bucket {
                let mut breq = CreateBucket::new(b).encryption(req.encryption);
                if req.versioning {
                    breq = breq.versioning(true);
                }
                self.create_bucket_inner(&req.name, &breq, true, op)
                    .await
                    .map_err(|e| {
                        let msg =
                            format!("creating the default bucket '{b}' failed: {}", e.message());
                        e.with_message(msg)
                    })?;
            }
            Ok::<(), Error>(())
        };
        if let Err(e) = made.await {
            let left = self.undo_instance(&req.name, adopted, op).await;
            return Err(if left.is_empty() && e.kind() != ErrorKind::Partial {
                let msg = format!("{}; what this call made was removed again", e.message());
                e.with_message(msg)
            } else {
                Error::new(
                    ErrorKind::Partial,
                    format!(
                        "{}; left on ECS (cleanup failed): {}; delete the instance to finish",
                        e.message(),
                        if left.is_empty() {
                            "see above".to_string()
                        } else {
                            left.join(", ")
                        }
                    ),
                )
                .with_backend(SCHEME)
                .with_operation(op)
                .with_resource(ResourceKind::Instance, &req.name)
            });
        }
        self.get_instance(&req.name).await
    }

    async fn get_instance(&self, id: &str) -> Result<Instance> {
        let op = "get_instance";
        let marker = self.require_instance(id, op).await?;
        let ns = self
            .namespace(id, op)
            .await?
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::Instance, id), op))?;
        self.to_instance(ns, &marker, op).await
    }

    async fn list_instances(&self, opts: ListOptions) -> Result<Page<Instance>> {
        let op = "list_instances";
        let (names, next) = if let Some(bound) = &self.bound_namespace {
            let wanted = opts.prefix.as_deref().is_none_or(|p| bound.starts_with(p))
                && opts.continuation.is_none();
            (
                if wanted {
                    vec![bound.clone()]
                } else {
                    Vec::new()
                },
                None,
            )
        } else {
            let mut call = Call::get(op, "/object/namespaces");
            if let Some(l) = opts.limit {
                call = call.q("limit", l.max(1).to_string());
            }
            if let Some(m) = &opts.continuation {
                call = call.q("marker", m.clone());
            }
            if let Some(p) = &opts.prefix {
                call = call.q("name", format!("{p}*"));
            }
            let resp = self.ok(call, None).await?;
            let list: wire::NamespaceList =
                decode("GET /object/namespaces", &resp.body).map_err(|e| ctx(e, op))?;
            let names = list
                .namespace
                .into_iter()
                .map(|n| if n.name.is_empty() { n.id } else { n.name })
                .filter(|n| opts.prefix.as_deref().is_none_or(|p| n.starts_with(p)))
                .collect();
            (names, list.next_marker.filter(|m| !m.is_empty()))
        };
        // Only namespaces marked by a service user are instances; others (made by people or
        // other tools on a shared ECS) are left out, and so never touched.
        let items: Vec<Instance> = futures::stream::iter(names)
            .map(|name| async move {
                let Some(marker) = self.marker(&name, op).await? else {
                    return Ok(None);
                };
                let found = match self.namespace(&name, op).await? {
                    Some(ns) => self.to_instance(ns, &marker, op).await.map(Some),
                    None => Ok(None),
                };
                match found {
                    // A namespace deleted while listing is left out, not an error.
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                    other => other,
                }
            })
            .buffered(LIST_CONCURRENCY)
            .try_filter_map(|i| async move { Ok(i) })
            .try_collect()
            .await?;
        Ok(Page::new(items, next))
    }

    async fn update_instance(&self, id: &str, req: UpdateInstance) -> Result<Instance> {
        let op = "update_instance";
        let marker = self.require_instance(id, op).await?;
        if let Some(v) = req.versioning {
            let buckets = self.all_buckets(id, op).await?;
            if let Some(default) = buckets.into_iter().find(|b| b.is_default()) {
                if !v && default.is_object_lock_enabled {
                    return Err(ctx(
                        Error::new(
                            ErrorKind::Conflict,
                            "versioning cannot be suspended on an object-lock bucket",
                        )
                        .with_resource(ResourceKind::Bucket, &default.name),
                        op,
                    ));
                }
                self.set_versioning(id, &default, v, op).await?;
            }
            if v != marker.versioning {
                self.set_marker_tag(id, VERSIONING_TAG, &v.to_string(), op)
                    .await?;
            }
        }
        self.get_instance(id).await
    }

    async fn delete_instance(&self, id: &str, req: DeleteInstance) -> Result<()> {
        let op = "delete_instance";
        let Some(marker) = self.marker(id, op).await? else {
            return Ok(());
        };
        let h = self.holdings(id, op).await?;
        let others = !(h.foreign.is_empty() && h.adopted.is_empty());
        if others && !req.force {
            let mut what = h.adopted.clone();
            what.extend(h.foreign.iter().cloned());
            return Err(ctx(
                Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "namespace '{id}' also holds what s3aas did not make: {}; nothing was deleted. With force, s3aas deletes what it made and adopted and leaves the rest (and then the namespace)",
                        list_some(&what)
                    ),
                ),
                op,
            )
            .with_resource(ResourceKind::Instance, id));
        }
        if !req.force {
            for b in &h.buckets {
                if !self.is_bucket_empty(id, b, op).await? {
                    return Err(ctx(
                        Error::new(
                            ErrorKind::BucketNotEmpty,
                            format!(
                                "instance '{id}' holds non-empty bucket '{}'; nothing was deleted (use force)",
                                b.name
                            ),
                        ),
                        op,
                    )
                    .with_resource(ResourceKind::Bucket, &b.name));
                }
            }
        }
        let svc = self.naming.service_user(id);
        let mut done = Vec::new();
        let result: Result<()> = async {
            for b in h.buckets.iter().map(|b| &b.name) {
                if req.force {
                    self.force_delete_bucket(id, b, op).await?;
                } else {
                    self.deactivate_bucket(id, b, op).await?;
                }
                done.push(format!("bucket {b}"));
            }
            self.identity
                .remove_all(self, id, &h, &mut done, op)
                .await?;
            // The service user goes last but one: until then the instance is still listed,
            // so a failed delete can be run again.
            for uid in h.users.iter().chain(std::iter::once(&svc)) {
                let resp = self
                    .send(
                        Call::post(
                            op,
                            "/object/users/deactivate",
                            json!({"user": uid, "namespace": id}),
                        )
                        .idempotent(),
                    )
                    .await?;
                if !(resp.is_success() || is_not_found(&resp)) {
                    return Err(self.fail(op, &resp, None));
                }
                done.push(format!("user {uid}"));
            }
            if marker.adopted || !h.foreign.is_empty() {
                // Not s3aas's to delete: the namespace stays, with what others made in it.
                if !h.foreign.is_empty() {
                    tracing::info!(
                        backend = SCHEME,
                        instance = id,
                        left = %list_some(&h.foreign),
                        "instance deleted; its namespace stays with what s3aas did not make"
                    );
                }
                return Ok(());
            }
            let resp = self
                .send(
                    Call::post(
                        op,
                        format!("/object/namespaces/namespace/{id}/deactivate"),
                        json!({}),
                    )
                    .idempotent(),
                )
                .await?;
            if !(resp.is_success() || is_not_found(&resp)) {
                return Err(self.fail(op, &resp, None));
            }
            Ok(())
        }
        .await;
        result.map_err(|e| stopped_midway(e, &format!("deleting instance '{id}'"), &done))
    }
}
