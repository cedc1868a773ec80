//! Instances: RGW tenants marked by their system user `<tenant>$s3aas`, whose display name
//! holds the instance's settings.

use crate::provider::*;
use serde::{Deserialize, Serialize};

/// What the system user's display name starts with: the mark of an s3aas instance.
pub const MARKER: &str = "s3aas-instance:";

/// An instance's settings, as JSON after [`MARKER`] in its system user's display name: RGW
/// tenants carry no metadata of their own, and the display name is free text that
/// `GET /admin/user` returns, so the settings are rediscovered from RGW alone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) default_bucket: Option<String>,
    #[serde(default)]
    pub(crate) versioning: bool,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub(crate) labels: Tags,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub(crate) created: Option<OffsetDateTime>,
}

impl Settings {
    /// The settings in a display name; `None` when it is not an s3aas instance's.
    pub(crate) fn parse(display_name: &str) -> Option<Settings> {
        serde_json::from_str(display_name.strip_prefix(MARKER)?).ok()
    }

    /// The display name that holds these settings.
    pub(crate) fn display_name(&self) -> String {
        format!(
            "{MARKER}{}",
            serde_json::to_string(self).expect("settings serialise")
        )
    }
}

impl CephProvider {
    pub(crate) fn to_instance(&self, id: &str, s: &Settings) -> Instance {
        let mut i = Instance::new(id);
        i.name = s.name.clone().unwrap_or_else(|| id.to_string());
        i.default_bucket = s.default_bucket.clone();
        i.versioning = s.versioning;
        i.labels = s.labels.clone();
        i.created = s.created;
        i.status = InstanceStatus::Active;
        // The gateway s3aas talks to: RGW reports no cluster topology over HTTP, and a
        // configured endpoint may be a load balancer in front of several gateways.
        i.nodes = vec![Node::new(
            self.endpoint.host_str().unwrap_or_default(),
            self.endpoint.host_str().unwrap_or_default(),
            self.endpoint.port_or_known_default(),
            NodeState::Online,
        )];
        i.endpoints = Endpoints::new(
            Some(self.s3_public.clone()),
            Some(self.endpoint.clone()),
            Some(self.endpoint.clone()),
        );
        i
    }

    async fn save_settings(&self, instance: &str, s: &Settings, op: &'static str) -> Result<()> {
        self.ok(
            AdminCall::post(op, "user")
                .q("uid", uid(instance, SYSTEM_USER))
                .q("display-name", s.display_name())
                .idempotent(),
            Some((ResourceKind::Instance, instance)),
        )
        .await
        .map(drop)
    }

    /// Deletes a user with its data (`purge-data`: its own buckets and objects); a missing user
    /// is success.
    pub(crate) async fn purge_user(&self, uid: &str, op: &'static str) -> Result<()> {
        let resp = self
            .send(
                &AdminCall::delete(op, "user")
                    .q("uid", uid)
                    .q("purge-data", "true"),
            )
            .await?;
        if resp.is_success() || resp.status == 404 {
            return Ok(());
        }
        Err(fail(op, &resp, None))
    }

    async fn create_instance_steps(&self, req: &CreateInstance, op: &'static str) -> Result<()> {
        let id = req.name.as_str();
        // The policy holder first: the system user is the mark, made last among the users so
        // a tenant is never seen as an instance without its policy holder.
        let call = AdminCall::put(op, "user")
            .q("uid", uid(id, POLICY_USER))
            .q("display-name", "s3aas policy documents")
            .q("generate-key", "False")
            .q("suspended", "true")
            .once();
        let resp = self.send(&call).await?;
        if !resp.is_success() {
            let e = fail(op, &resp, None);
            if e.kind() == ErrorKind::AlreadyExists {
                return Err(ctx(Error::already_exists(ResourceKind::Instance, id), op));
            }
            return Err(e);
        }
        let settings = Settings {
            name: (req.name != id).then(|| req.name.clone()),
            default_bucket: req.default_bucket.clone(),
            versioning: req.versioning,
            labels: req.labels.clone(),
            created: Some(
                OffsetDateTime::now_utc()
                    .replace_nanosecond(0)
                    .unwrap_or(OffsetDateTime::now_utc()),
            ),
        };
        let (key, secret) = crate::access_key::generate();
        let call = AdminCall::put(op, "user")
            .q("uid", uid(id, SYSTEM_USER))
            .q("display-name", settings.display_name())
            .q("key-type", "s3")
            .q("access-key", key)
            .q("secret-key", secret.expose_secret())
            .once();
        let resp = self.send(&call).await?;
        if !resp.is_success() {
            let e = fail(op, &resp, None);
            if e.kind() == ErrorKind::AlreadyExists {
                return Err(ctx(Error::already_exists(ResourceKind::Instance, id), op));
            }
            return Err(e);
        }
        if let Some(b) = &req.default_bucket {
            let mut cb = CreateBucket::new(b).versioning(req.versioning);
            if req.encryption.is_enabled() {
                cb = cb.encryption(req.encryption);
            }
            self.create_bucket(id, cb).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl InstanceAdmin for CephProvider {
    async fn create_instance(&self, req: CreateInstance) -> Result<Instance> {
        const OP: &str = "create_instance";
        let id = req.name.clone();
        // An existing instance (or a tenant with either reserved user) is refused before
        // anything is made, so the clean-up below never removes what was there.
        for u in [SYSTEM_USER, POLICY_USER] {
            if self.user_info(&uid(&id, u), OP).await?.is_some() {
                return Err(ctx(Error::already_exists(ResourceKind::Instance, &id), OP));
            }
        }
        if let Err(e) = self.create_instance_steps(&req, OP).await {
            if e.kind() == ErrorKind::AlreadyExists
                && e.resource()
                    .is_some_and(|(k, _)| k == ResourceKind::Instance)
            {
                return Err(e);
            }
            let cleanup = self
                .delete_instance(&id, DeleteInstance::new().force(true))
                .await;
            // The system user may not exist yet, so delete_instance may not see an instance:
            // remove the policy holder directly too.
            let holder = self.purge_user(&uid(&id, POLICY_USER), OP).await;
            self.forget_tenant(&id);
            return match cleanup.and(holder) {
                Ok(()) => Err(e),
                Err(c) => Err(ctx(
                    Error::new(
                        ErrorKind::Partial,
                        format!(
                            "creating instance '{id}' failed ({e}) and removing what was made failed too ({c}): tenant '{}' may hold users '{SYSTEM_USER}'/'{POLICY_USER}' and buckets; delete_instance with force removes them",
                            tenant_of(&id)
                        ),
                    ),
                    OP,
                )),
            };
        }
        self.get_instance(&id).await
    }

    async fn get_instance(&self, id: &str) -> Result<Instance> {
        let (_, s) = self.system(id, "get_instance").await?;
        Ok(self.to_instance(id, &s))
    }

    async fn list_instances(&self, opts: ListOptions) -> Result<Page<Instance>> {
        const OP: &str = "list_instances";
        let suffix = format!("${SYSTEM_USER}");
        let mut ids: Vec<String> = self
            .all_uids(OP)
            .await?
            .into_iter()
            .filter_map(|u| u.strip_suffix(&suffix).map(instance_of))
            .filter(|id| opts.prefix.as_deref().is_none_or(|p| id.starts_with(p)))
            .filter(|id| opts.continuation.as_deref().is_none_or(|c| id.as_str() > c))
            .collect();
        ids.sort();
        ids.dedup();
        // Read candidates until the page is full: a tenant whose `s3aas` user is not marked
        // is not an instance and must not shorten the page.
        let limit = opts.limit.map(|l| l.max(1) as usize).unwrap_or(usize::MAX);
        let mut items = Vec::new();
        let mut next = None;
        for chunk in ids.chunks(LIST_CONCURRENCY * 4) {
            let found = each_present(chunk.to_vec(), |id| async move {
                let i = self.get_instance(&id).await?;
                Ok(i)
            })
            .await?;
            for i in found {
                if items.len() == limit {
                    next = items.last().map(|i: &Instance| i.id.clone());
                    break;
                }
                items.push(i);
            }
            if next.is_some() {
                break;
            }
        }
        Ok(Page::new(items, next))
    }

    async fn update_instance(&self, id: &str, req: UpdateInstance) -> Result<Instance> {
        const OP: &str = "update_instance";
        let (_, mut s) = self.system(id, OP).await?;
        let before = s.clone();
        if let Some(b) = &req.default_bucket {
            if self.bucket_stats(id, b, OP).await?.is_none() {
                return Err(ctx(Error::not_found(ResourceKind::Bucket, b), OP));
            }
            s.default_bucket = Some(b.clone());
        }
        if let Some(n) = &req.name {
            s.name = (n != id).then(|| n.clone());
        }
        if let Some(v) = req.versioning {
            s.versioning = v;
            // The default bucket follows the instance's versioning (RGW has no tenant-wide
            // setting: new buckets take it from these settings when made).
            if let Some(b) = &s.default_bucket {
                if self.bucket_stats(id, b, OP).await?.is_some() {
                    let s3 = self.tenant_s3(id, OP).await?;
                    let current = s3.get_versioning(b).await.map_err(|e| ctx(e, OP))?;
                    if v || current != Versioning::Unversioned {
                        s3.put_versioning(b, v).await.map_err(|e| ctx(e, OP))?;
                    }
                }
            }
        }
        if s != before {
            self.save_settings(id, &s, OP).await?;
        }
        Ok(self.to_instance(id, &s))
    }

    async fn delete_instance(&self, id: &str, req: DeleteInstance) -> Result<()> {
        const OP: &str = "delete_instance";
        if self
            .system(id, OP)
            .await
            .is_err_and(|e| e.kind() == ErrorKind::NotFound)
        {
            return Ok(());
        }
        let buckets = self.bucket_names(id, OP).await?;
        let users = self.user_names(id, OP).await?;
        if !req.force {
            // Buckets the instance's users made with their own keys go with them
            // (`purge-data`), so they count too.
            for u in &users {
                for b in self.owned_buckets(id, u, OP).await? {
                    let objects = self
                        .any_bucket_stats(id, &b, OP)
                        .await?
                        .map_or(0, |s| s.totals().1);
                    if objects > 0 {
                        return Err(ctx(
                            Error::new(
                                ErrorKind::BucketNotEmpty,
                                format!(
                                    "instance '{id}' holds the non-empty bucket '{b}' (made by its user '{u}')"
                                ),
                            )
                            .with_resource(ResourceKind::Bucket, &b),
                            OP,
                        ));
                    }
                }
            }
            // Refuse before deleting anything: every bucket is checked first.
            for b in &buckets {
                if let Some(stats) = self.bucket_stats(id, b, OP).await? {
                    let s3 = self.tenant_s3(id, OP).await?;
                    if stats.totals().1 > 0 || !s3.is_empty(b).await.map_err(|e| ctx(e, OP))? {
                        return Err(ctx(
                            Error::new(
                                ErrorKind::BucketNotEmpty,
                                format!("instance '{id}' holds the non-empty bucket '{b}'"),
                            )
                            .with_resource(ResourceKind::Bucket, b),
                            OP,
                        ));
                    }
                }
            }
        }
        // Lock-enabled buckets are emptied through S3 first, before anything is deleted: a
        // locked version stops the delete with the instance whole but for what could go.
        let mut locked = Vec::new();
        for b in &buckets {
            if self.empty_if_locked(id, b, OP).await? {
                locked.push(b);
            }
        }
        for b in &buckets {
            if locked.contains(&b) {
                self.force_delete_bucket(id, b, OP).await?;
            } else {
                self.purge_bucket(id, b, OP).await?;
            }
        }
        for name in &users {
            self.purge_user(&uid(id, name), OP).await?;
        }
        self.purge_user(&uid(id, POLICY_USER), OP).await?;
        // The mark goes last: an interrupted delete leaves a rediscoverable instance that a
        // second delete finishes.
        self.purge_user(&uid(id, SYSTEM_USER), OP).await?;
        self.forget_tenant(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_the_display_name() {
        let s = Settings {
            name: None,
            default_bucket: Some("data".into()),
            versioning: true,
            labels: [("team".to_string(), "a b&c".to_string())].into(),
            created: Some(time::macros::datetime!(2026-12-04 14:00:00 UTC)),
        };
        let d = s.display_name();
        assert!(d.starts_with(MARKER));
        assert_eq!(Settings::parse(&d), Some(s));
        assert_eq!(Settings::parse("alice"), None);
        assert_eq!(Settings::parse("s3aas-instance:{broken"), None);
        assert_eq!(
            Settings::parse("s3aas-instance:{}"),
            Some(Settings::default())
        );
    }

    #[test]
    fn tenants_and_instances_map_both_ways() {
        assert_eq!(tenant_of("s3t-ab-i0"), "s3t_ab_i0");
        assert_eq!(instance_of("s3t_ab_i0"), "s3t-ab-i0");
        assert_eq!(uid("acme-1", "alice"), "acme_1$alice");
    }
}
