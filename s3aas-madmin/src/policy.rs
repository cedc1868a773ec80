//! Named policies: canned policies `<instance>--<name>`, attached to users.

use crate::provider::*;

impl<D: Dialect> MadminProvider<D> {
    /// Attaches or detaches policies (names inside the instance) with
    /// `idp/builtin/policy/attach|detach`. Servers older than that API (MinIO before
    /// RELEASE.2023-06-23 answers 426) get `set-user-or-group-policy` with the whole resulting
    /// list instead.
    pub(crate) async fn change_policies(
        &self,
        instance: &str,
        user: &str,
        info: &UserInfo,
        policies: Vec<String>,
        attach: bool,
        op: &'static str,
    ) -> Result<()> {
        let names: Vec<String> = policies.iter().map(|p| iam(instance, p)).collect();
        let cmd = if attach {
            "idp/builtin/policy/attach"
        } else {
            "idp/builtin/policy/detach"
        };
        let body = json!({"policies": names, "user": iam(instance, user)});
        let resp = self
            .admin
            .send(
                &Call::new(op, Method::POST, cmd)
                    .json(&body)
                    .idempotency(Idempotency::Idempotent),
            )
            .await?;
        if resp.is_success() {
            return Ok(());
        }
        // A concurrent change already did it (MinIO: 400 XMinioAdminPolicyChangeAlreadyApplied).
        if resp.status == 400
            && resp
                .body_snippet(1000)
                .contains("PolicyChangeAlreadyApplied")
        {
            return Ok(());
        }
        if resp.status != 426 && resp.status != 501 {
            return Err(self
                .admin
                .error(op, &resp, Some((ResourceKind::User, user))));
        }
        let mut all: std::collections::BTreeSet<String> = info
            .policy_name
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        for n in names {
            if attach {
                all.insert(n);
            } else {
                all.remove(&n);
            }
        }
        let list = all.into_iter().collect::<Vec<_>>().join(",");
        let target = iam(instance, user);
        self.admin
            .ok(
                Call::new(op, Method::PUT, "set-user-or-group-policy")
                    .q("policyName", &list)
                    .q("userOrGroup", &target)
                    .q("isGroup", "false"),
                Some((ResourceKind::User, user)),
            )
            .await
            .map(drop)
    }

    /// Every policy of `instance`: from its policy markers, one `info-canned-policy` each (at
    /// most 8 at once), or, for an instance made before markers existed, from the server-wide
    /// `list-canned-policies`. Only marked instances get markers (`put_policy`), so a marker
    /// says the instance is marked; a marker whose policy is gone is skipped (see
    /// `registry.rs`). The record is read only when no marked policy answered.
    pub(crate) async fn instance_policies(
        &self,
        instance: &str,
        op: &'static str,
    ) -> Result<Vec<Policy>> {
        let marked = self.system.all_policies(instance).await?;
        let read: Vec<Result<Option<Policy>>> = futures::stream::iter(marked)
            .map(|name| async move {
                match self.policy_info(instance, &name, op).await {
                    Ok(p) => Ok(Some(p)),
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .buffered(8)
            .collect()
            .await;
        let found: Vec<Policy> = read
            .into_iter()
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        if !found.is_empty() {
            return Ok(found);
        }
        match self.system.get(instance).await? {
            None => Err(Error::not_found(ResourceKind::Instance, instance)),
            Some(r) if !r.policy_markers => self.listed_policies(instance, op).await,
            Some(_) => Ok(found),
        }
    }

    /// Removes a policy (`remove-canned-policy`, 200 for a missing one), then its marker.
    pub(crate) async fn remove_policy(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<()> {
        let iam = iam(instance, name);
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "remove-canned-policy").q("name", &iam))
            .await?;
        if resp.is_success() || resp.status == 404 {
            self.forget_policy(&iam);
            // Only once the policy is gone: a marker left by a failure here is skipped by
            // readers and removed with the instance.
            return self.system.delete_policy(instance, name).await;
        }
        Err(self
            .admin
            .error(op, &resp, Some((ResourceKind::Policy, name))))
    }

    /// The instance's policies out of the server-wide `list-canned-policies`.
    pub(crate) async fn listed_policies(
        &self,
        instance: &str,
        op: &'static str,
    ) -> Result<Vec<Policy>> {
        let all: BTreeMap<String, serde_json::Value> = self
            .admin
            .json(Call::new(op, Method::GET, "list-canned-policies"), None)
            .await?;
        let prefix = iam(instance, "");
        Ok(all
            .into_iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix(&prefix)?;
                let doc = PolicyDocument::from_value(strip_empty(v)).ok()?;
                Some(Policy::new(instance, name, doc))
            })
            .collect())
    }
}

#[async_trait]
impl<D: Dialect> PolicyAdmin for MadminProvider<D> {
    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "put_policy", instance = %instance))]
    async fn put_policy(&self, instance: &str, req: PutPolicy) -> Result<Policy> {
        let op = "put_policy";
        // The record, not just its existence: the marker goes first, and only on an instance
        // recorded with markers (see `instance_policies`).
        let record = self
            .system
            .get(instance)
            .await
            .map_err(|e| ctx::<D>(e, op))?
            .ok_or_else(|| ctx::<D>(Error::not_found(ResourceKind::Instance, instance), op))?;
        if record.policy_markers {
            self.system
                .put_policy(instance, &req.name)
                .await
                .map_err(|e| ctx::<D>(e, op))?;
        }
        let doc = req.document.to_json();
        self.write_policy(instance, &req.name, &req.document, &doc, op)
            .await?;
        self.read_back_policy(instance, &req.name, &doc, op).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "get_policy", instance = %instance))]
    async fn get_policy(&self, instance: &str, name: &str) -> Result<Policy> {
        let op = "get_policy";
        match self.policy_info(instance, name, op).await {
            Err(e) => Err(self.name_missing(instance, op, e).await),
            ok => ok,
        }
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_policies", instance = %instance))]
    async fn list_policies(&self, instance: &str, opts: ListOptions) -> Result<Page<Policy>> {
        let op = "list_policies";
        let all = self
            .instance_policies(instance, op)
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        Ok(Page::from_sorted(all, &opts, |p| &p.name))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "delete_policy", instance = %instance))]
    async fn delete_policy(&self, instance: &str, name: &str) -> Result<()> {
        let op = "delete_policy";
        self.require_instance(instance, op).await?;
        self.remove_policy(instance, name, op)
            .await
            .map_err(|e| ctx::<D>(e, op))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "attach_policy", instance = %instance))]
    async fn attach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        let op = "attach_policy";
        let info = self.instance_user(instance, user, op).await?;
        if info.policies(instance).iter().any(|p| p == policy) {
            return Ok(());
        }
        self.attach_existing(instance, user, policy, &info, op)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "detach_policy", instance = %instance))]
    async fn detach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        let op = "detach_policy";
        let info = self.instance_user(instance, user, op).await?;
        if !info.policies(instance).iter().any(|p| p == policy) {
            return Ok(());
        }
        self.change_policies(instance, user, &info, vec![policy.to_string()], false, op)
            .await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_attached_policies", instance = %instance))]
    async fn list_attached_policies(&self, instance: &str, user: &str) -> Result<Vec<String>> {
        let op = "list_attached_policies";
        Ok(self
            .instance_user(instance, user, op)
            .await?
            .policies(instance))
    }
}
