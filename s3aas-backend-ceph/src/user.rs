//! Users: `<tenant>$<name>`; disabling is RGW's suspend (a suspended user's keys are refused).

use crate::provider::*;

fn to_user(instance: &str, name: &str, info: &UserInfo) -> User {
    let mut u = User::new(instance, name);
    u.enabled = !info.suspended;
    u
}

#[async_trait]
impl UserAdmin for CephProvider {
    async fn create_user(&self, instance: &str, req: CreateUser) -> Result<User> {
        const OP: &str = "create_user";
        check_user_name(&req.name, OP)?;
        // RGW makes a tenant on the fly for any `tenant$user`: the instance is checked first.
        self.system(instance, OP).await?;
        let mut call = AdminCall::put(OP, "user")
            .q("uid", uid(instance, &req.name))
            .q("display-name", req.name.clone())
            .q("generate-key", "False")
            .once();
        if !req.enabled {
            call = call.q("suspended", "true");
        }
        let resp = self.send(&call).await?;
        if !resp.is_success() {
            let e = fail(OP, &resp, None);
            if e.kind() == ErrorKind::AlreadyExists {
                return Err(e.with_resource(ResourceKind::User, &req.name));
            }
            return Err(e);
        }
        let info: UserInfo = decode("PUT /admin/user", &resp.body).map_err(|e| ctx(e, OP))?;
        Ok(to_user(instance, &req.name, &info))
    }

    async fn get_user(&self, instance: &str, name: &str) -> Result<User> {
        const OP: &str = "get_user";
        if is_reserved(name) {
            return Err(ctx(Error::not_found(ResourceKind::User, name), OP));
        }
        let info = self.instance_user(instance, name, OP).await?;
        Ok(to_user(instance, name, &info))
    }

    async fn list_users(&self, instance: &str, opts: ListOptions) -> Result<Page<User>> {
        const OP: &str = "list_users";
        self.system(instance, OP).await?;
        let names = self.user_names(instance, OP).await?;
        let page = Page::from_sorted(names, &opts, |n| n);
        let users = each_present(page.items, |n| async move {
            let info = self
                .user_info(&uid(instance, &n), OP)
                .await?
                .ok_or_else(|| Error::not_found(ResourceKind::User, &n))?;
            Ok(to_user(instance, &n, &info))
        })
        .await?;
        Ok(Page::new(users, page.next))
    }

    async fn set_user_enabled(&self, instance: &str, name: &str, enabled: bool) -> Result<()> {
        const OP: &str = "set_user_enabled";
        check_user_name(name, OP)?;
        self.instance_user(instance, name, OP).await?;
        let id = uid(instance, name);
        self.keeping_policies(
            &id,
            OP,
            self.ok(
                AdminCall::post(OP, "user")
                    .q("uid", id.clone())
                    .q("suspended", if enabled { "false" } else { "true" })
                    .idempotent(),
                Some((ResourceKind::User, name)),
            ),
        )
        .await
        .map(drop)
    }

    async fn delete_user(&self, instance: &str, name: &str) -> Result<()> {
        const OP: &str = "delete_user";
        check_user_name(name, OP)?;
        self.system(instance, OP).await?;
        // With its keys, inline policies (attachments) and any buckets it made itself.
        self.purge_user(&uid(instance, name), OP).await
    }
}
