//! Users: IAM users named `<instance>--<user>`, members of the instance's group.

use crate::provider::*;

impl<D: Dialect> MadminProvider<D> {
    pub(crate) async fn user_info(
        &self,
        instance: &str,
        user: &str,
        op: &'static str,
    ) -> Result<UserInfo> {
        let iam = iam(instance, user);
        let resp = self
            .admin
            .send(&Call::new(op, Method::GET, "user-info").q("accessKey", &iam))
            .await?;
        if resp.status == 404 || resp.status == 500 && resp.body_snippet(500).contains("NoSuchUser")
        {
            // The server's answer, with its code and request id, as a plain "not found" (RustFS
            // and MinIO word it with the IAM name, which is not the caller's).
            return Err(self
                .admin
                .error(op, &resp, Some((ResourceKind::User, user)))
                .with_kind(ErrorKind::NotFound)
                .with_retryable(false)
                .with_message(format!("user '{user}' does not exist")));
        }
        if !resp.is_success() {
            return Err(self
                .admin
                .error(op, &resp, Some((ResourceKind::User, user))));
        }
        crate::admin::decode::<D, _>(op, &resp)
    }

    /// Whether a user of the instance exists.
    pub(crate) async fn user_exists(
        &self,
        instance: &str,
        user: &str,
        op: &'static str,
    ) -> Result<bool> {
        match self.user_info(instance, user, op).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `remove-user` by IAM name; a user already gone is success.
    pub(crate) async fn remove_iam_user(&self, iam: &str, op: &'static str) -> Result<()> {
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "remove-user").q("accessKey", iam))
            .await?;
        if resp.is_success() || resp.status == 404 {
            Ok(())
        } else {
            Err(self.admin.error(op, &resp, None))
        }
    }

    /// Everything named for an instance: users and policies (by prefix).
    pub(crate) async fn instance_users(&self, instance: &str) -> Result<Vec<(String, UserInfo)>> {
        let all: BTreeMap<String, UserInfo> = self
            .admin
            .json(Call::new("list_users", Method::GET, "list-users"), None)
            .await?;
        let prefix = iam(instance, "");
        Ok(all
            .into_iter()
            .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|n| (n.to_string(), v)))
            .collect())
    }
}

#[async_trait]
impl<D: Dialect> UserAdmin for MadminProvider<D> {
    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "create_user", instance = %instance))]
    async fn create_user(&self, instance: &str, req: CreateUser) -> Result<User> {
        let op = "create_user";
        self.require_instance(instance, op).await?;
        match self.user_info(instance, &req.name, op).await {
            Ok(_) => {
                return Err(ctx::<D>(
                    Error::already_exists(ResourceKind::User, &req.name),
                    op,
                ));
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let name = req.name.as_str();
        let iam = iam(instance, name);
        let secret = secret::random_secret_key();
        let body = json!({"secretKey": secret.expose_secret(), "status": if req.enabled { "enabled" } else { "disabled" }});
        // `add-user` is an upsert of this very body, so the transport repeats it; when every
        // attempt lost its answer, the server is asked (it was absent a moment ago, so a user
        // there now is this call's).
        if let Err(e) = self
            .admin
            .ok(
                Call::new(op, Method::PUT, "add-user")
                    .q("accessKey", &iam)
                    .json(&body),
                Some((ResourceKind::User, name)),
            )
            .await
        {
            if !e.outcome_unknown() {
                return Err(e);
            }
            match lost::confirm("user", || self.user_exists(instance, name, op)).await {
                Ok(true) => {
                    tracing::debug!(user = %iam, error = %e, "the answer to adding the user was lost, but it exists: carrying on");
                }
                Ok(false) => return Err(e),
                Err(c) => {
                    return Err(match self.remove_iam_user(&iam, op).await {
                        Ok(()) => lost::noted(
                            e,
                            format!(
                                "whether the user was created could not be checked ({c}), so it was removed in case"
                            ),
                        ),
                        Err(d) => lost::partial(
                            e,
                            format!(
                                "whether the user was created could not be checked ({c}) and removing it in case failed too ({d}); user '{name}' may have been left behind"
                            ),
                        ),
                    });
                }
            }
        }
        if let Err(e) = self.group_members(instance, vec![iam.clone()], false).await {
            // A user outside the instance group is not part of the instance: remove it again,
            // leaving the group first in case the add took effect with its answer lost.
            let e = ctx::<D>(e, op).with_resource(ResourceKind::User, name);
            let msg = format!(
                "adding the user to the instance group failed: {}",
                e.message()
            );
            let e = e.with_message(msg);
            return Err(match self.delete_user_inner(instance, name, true).await {
                Ok(()) => lost::noted(e, "the user was removed again"),
                Err(d) => lost::partial(
                    e,
                    format!(
                        "removing the user failed too ({d}); user '{name}' was left behind (deleting it retries)"
                    ),
                ),
            });
        }
        let mut u = User::new(instance, &req.name);
        u.enabled = req.enabled;
        u.created = Some(OffsetDateTime::now_utc());
        Ok(u)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "get_user", instance = %instance))]
    async fn get_user(&self, instance: &str, name: &str) -> Result<User> {
        let op = "get_user";
        self.require_instance(instance, op).await?;
        Ok(self
            .user_info(instance, name, op)
            .await?
            .to_user(instance, name))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_users", instance = %instance))]
    async fn list_users(&self, instance: &str, opts: ListOptions) -> Result<Page<User>> {
        let op = "list_users";
        self.require_instance(instance, op).await?;
        let users = self
            .instance_users(instance)
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        let all = users
            .into_iter()
            .map(|(n, i)| i.to_user(instance, &n))
            .collect();
        Ok(Page::from_sorted(all, &opts, |u| &u.name))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "set_user_enabled", instance = %instance))]
    async fn set_user_enabled(&self, instance: &str, name: &str, enabled: bool) -> Result<()> {
        let op = "set_user_enabled";
        self.require_instance(instance, op).await?;
        self.user_info(instance, name, op).await?;
        let iam = iam(instance, name);
        let status = if enabled { "enabled" } else { "disabled" };
        self.admin
            .ok(
                Call::new(op, Method::PUT, "set-user-status")
                    .q("accessKey", &iam)
                    .q("status", status),
                Some((ResourceKind::User, name)),
            )
            .await
            .map(drop)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "delete_user", instance = %instance))]
    async fn delete_user(&self, instance: &str, name: &str) -> Result<()> {
        let op = "delete_user";
        self.require_instance(instance, op).await?;
        self.delete_user_inner(instance, name, true).await
    }
}

impl<D: Dialect> MadminProvider<D> {
    /// Deletes a user of an existing instance: detaches its policies, leaves the instance group
    /// (unless `leave_group` is false because the caller already removed it), then removes it.
    pub(crate) async fn delete_user_inner(
        &self,
        instance: &str,
        name: &str,
        leave_group: bool,
    ) -> Result<()> {
        let op = "delete_user";
        let info = match self.user_info(instance, name, op).await {
            Ok(i) => i,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        // Detach policies first, so that deleting them later is not refused as "in use".
        let attached = info.policies(instance);
        if !attached.is_empty() {
            self.change_policies(instance, name, &info, attached, false, op)
                .await?;
        }
        let iam = iam(instance, name);
        if leave_group {
            // Leave the group before the user goes: RustFS refuses to remove a member that is
            // no longer a user, and a member left behind blocks deleting the group. So a failure
            // here keeps the user (a retry can finish); 404 means the group or the user is
            // already gone, which is what this step wants.
            let resp = {
                let _lock = self.lock_group(instance).await;
                self.send_group_update(instance, std::slice::from_ref(&iam), true, op)
                    .await?
            };
            if !resp.is_success() && resp.status != 404 {
                let e = self
                    .admin
                    .error(op, &resp, Some((ResourceKind::User, name)));
                let msg = format!(
                    "leaving group '{}' failed, so the user was kept (deleting again retries): {}",
                    Self::group(instance),
                    e.message()
                );
                return Err(e.with_message(msg));
            }
        }
        let resp = self
            .admin
            .send(&Call::new(op, Method::DELETE, "remove-user").q("accessKey", &iam))
            .await?;
        if resp.is_success() || resp.status == 404 {
            return Ok(());
        }
        Err(self
            .admin
            .error(op, &resp, Some((ResourceKind::User, name))))
    }
}
