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

    pub(crate) async fn instance_policies(
        &self,
        instance: &str,
    ) -> Result<Vec<(String, serde_json::Value)>> {
        let all: BTreeMap<String, serde_json::Value> = self
            .admin
            .json(
                Call::new("list_policies", Method::GET, "list-canned-policies"),
                None,
            )
            .await?;
        let prefix = iam(instance, "");
        Ok(all
            .into_iter()
            .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|n| (n.to_string(), v)))
            .collect())
    }
}

#[async_trait]
impl<D: Dialect> PolicyAdmin for MadminProvider<D> {
    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "put_policy", instance = %instance))]
    async fn put_policy(&self, instance: &str, req: PutPolicy) -> Result<Policy> {
        let op = "put_policy";
        self.require_instance(instance, op).await?;
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
        let all: Vec<Policy> = self
            .instance_policies(instance)
            .await
            .map_err(|e| ctx::<D>(e, op))?
            .into_iter()
            .filter_map(|(n, v)| {
                PolicyDocument::from_value(strip_empty(v))
                    .ok()
                    .map(|d| Policy::new(instance, n, d))
            })
            .collect();
        // A policy of the instance proves it exists (see `name_missing`); none: ask.
        if all.is_empty() {
            self.require_instance(instance, op).await?;
        }
        Ok(Page::from_sorted(all, &opts, |p| &p.name))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "delete_policy", instance = %instance))]
    async fn delete_policy(&self, instance: &str, name: &str) -> Result<()> {
        let op = "delete_policy";
        self.require_instance(instance, op).await?;
        let iam = iam(instance, name);
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "remove-canned-policy").q("name", &iam))
            .await?;
        if resp.is_success() || resp.status == 404 {
            self.forget_policy(&iam);
            return Ok(());
        }
        Err(self
            .admin
            .error(op, &resp, Some((ResourceKind::Policy, name))))
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
