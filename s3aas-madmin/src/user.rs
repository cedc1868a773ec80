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
        let op = "list_users";
        let resp = self
            .admin
            .ok(Call::new(op, Method::GET, "list-users"), None)
            .await?;
        let prefix = iam(instance, "");
        let users = crate::admin::decode_with::<D, _>(op, &resp, UsersNamed(&prefix))?;
        Ok(users.into_iter().collect())
    }
}

#[async_trait]
impl<D: Dialect> UserAdmin for MadminProvider<D> {
    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "create_user", instance = %instance))]
    async fn create_user(&self, instance: &str, req: CreateUser) -> Result<User> {
        let op = "create_user";
        // Nothing about the user is asked before the instance is known to exist.
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
        if let Err(e) = self.join_group(instance, &iam).await {
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
        Ok(self
            .instance_user(instance, name, op)
            .await?
            .to_user(instance, name))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "list_users", instance = %instance))]
    async fn list_users(&self, instance: &str, opts: ListOptions) -> Result<Page<User>> {
        let op = "list_users";
        let users = self
            .instance_users(instance)
            .await
            .map_err(|e| ctx::<D>(e, op))?;
        // A user of the instance proves it exists (see `name_missing`); none: ask.
        if users.is_empty() {
            self.require_instance(instance, op).await?;
        }
        let all = users
            .into_iter()
            .map(|(n, i)| i.to_user(instance, &n))
            .collect();
        Ok(Page::from_sorted(all, &opts, |u| &u.name))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(backend = D::NAME, operation = "set_user_enabled", instance = %instance))]
    async fn set_user_enabled(&self, instance: &str, name: &str, enabled: bool) -> Result<()> {
        let op = "set_user_enabled";
        // Asked first: RustFS answers 500 to `set-user-status` for a missing user.
        self.instance_user(instance, name, op).await?;
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
        // Two requests: leave the group, remove the user. The instance is asked about only when
        // the group or the user is missing (404): the group exists exactly while the instance
        // does, so leaving it proves the instance (see `name_missing`).
        if !self.leave_group(instance, name, op).await? {
            self.require_instance(instance, op).await?;
        }
        self.remove_user(instance, name, op).await
    }
}

impl<D: Dialect> MadminProvider<D> {
    /// Deletes a user of an existing instance: leaves the instance group (unless `leave_group`
    /// is false because the caller already removed it), then removes the user. A user already
    /// gone is success.
    pub(crate) async fn delete_user_inner(
        &self,
        instance: &str,
        name: &str,
        leave_group: bool,
    ) -> Result<()> {
        let op = "delete_user";
        if leave_group {
            self.leave_group(instance, name, op).await?;
        }
        self.remove_user(instance, name, op).await
    }

    /// Takes the user out of the instance group; `Ok(false)` when the group or the user is
    /// missing (404), which is what this step wants.
    ///
    /// The server would do it itself as part of `remove-user` (MinIO and RustFS 1.0.1 both drop
    /// the user's group memberships and policy mappings there), but RustFS does so without a
    /// lock: removing 24 members of one group concurrently left 21 of them listed in it, and a
    /// member that is no longer a user can neither be removed nor lets the group be deleted.
    /// So members leave first, one group update at a time per instance (concurrent leaves
    /// share one, see `change_member`), and a failure here keeps the user (deleting again
    /// retries).
    async fn leave_group(&self, instance: &str, name: &str, op: &'static str) -> Result<bool> {
        let resp = self
            .change_member(instance, &iam(instance, name), true, op)
            .await?;
        if resp.is_success() {
            return Ok(true);
        }
        if resp.status == 404 {
            return Ok(false);
        }
        let e = self
            .admin
            .error(op, &resp, Some((ResourceKind::User, name)));
        let msg = format!(
            "leaving group '{}' failed, so the user was kept (deleting again retries): {}",
            Self::group(instance),
            e.message()
        );
        Err(e.with_message(msg))
    }

    /// `remove-user`; its policy mappings and keys go with it (on the server). Missing is
    /// success.
    async fn remove_user(&self, instance: &str, name: &str, op: &'static str) -> Result<()> {
        self.remove_iam_user(&iam(instance, name), op)
            .await
            .map_err(|e| e.with_resource(ResourceKind::User, name))
    }
}
