//! Users: IAM users named `<instance>--<name>`, tagged with their instance.

use crate::instance::{LIST_CONCURRENCY, is_missing};
use crate::provider::*;
use futures::{StreamExt, TryStreamExt};

impl SeaweedfsProvider {
    /// A user from its IAM tags.
    fn user_from_tags(instance: &str, name: &str, tags: Tags) -> User {
        let mut u = User::new(instance, name);
        u.enabled = tags.get(TAG_DISABLED).is_none_or(|v| v != "true");
        u.tags = Some(
            tags.into_iter()
                .filter(|(k, _)| !is_reserved_tag(k))
                .collect(),
        );
        u
    }

    /// The user's IAM tags; `NotFound` (user) when the instance has no such user.
    pub(crate) async fn require_user(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<Tags> {
        self.require_instance(instance, op).await?;
        self.iam
            .list_user_tags(op, &scoped(instance, name))
            .await
            .map_err(|e| ctx(e, op).with_resource(ResourceKind::User, name))
    }
}

#[async_trait]
impl UserAdmin for SeaweedfsProvider {
    async fn create_user(&self, instance: &str, req: CreateUser) -> Result<User> {
        const OP: &str = "create_user";
        self.require_instance(instance, OP).await?;
        let iam_name = scoped(instance, &req.name);
        let mut tags = req.tags.clone();
        tags.insert(TAG_INSTANCE.into(), instance.into());
        if !req.enabled {
            tags.insert(TAG_DISABLED.into(), "true".into());
        }
        self.create_iam_user(OP, &iam_name, &tags)
            .await
            .map_err(|e| e.with_resource(ResourceKind::User, &req.name))?;
        if !req.enabled {
            if let Err(e) = self.iam.set_user_status(OP, &iam_name, false).await {
                // A user that should be disabled but is not must not stay.
                let e = ctx(e, OP).with_resource(ResourceKind::User, &req.name);
                return Err(match self.iam.delete_user(OP, &iam_name).await {
                    Ok(()) => e,
                    Err(d) => ctx(
                        Error::new(
                            ErrorKind::Partial,
                            format!("disabling new user '{}' failed ({e}) and deleting it failed too ({d}); it is left enabled, without keys", req.name),
                        ),
                        OP,
                    )
                    .with_resource(ResourceKind::User, &req.name),
                });
            }
        }
        Ok(Self::user_from_tags(instance, &req.name, tags))
    }

    async fn get_user(&self, instance: &str, name: &str) -> Result<User> {
        let tags = self.require_user(instance, name, "get_user").await?;
        Ok(Self::user_from_tags(instance, name, tags))
    }

    async fn list_users(&self, instance: &str, opts: ListOptions) -> Result<Page<User>> {
        const OP: &str = "list_users";
        self.require_instance(instance, OP).await?;
        let all = self.iam.list_users(OP).await.map_err(|e| ctx(e, OP))?;
        let mut names: Vec<String> = all
            .iter()
            .filter_map(|u| unscoped(instance, &u.user_name).map(str::to_string))
            .collect();
        names.sort();
        let page = Page::from_sorted(names, &opts, |s| s.as_str());
        let items = futures::stream::iter(page.items)
            .map(|n| async move {
                match self.iam.list_user_tags(OP, &scoped(instance, &n)).await {
                    Ok(t) => Ok(Some(Self::user_from_tags(instance, &n, t))),
                    Err(e) if is_missing(&e) => Ok(None),
                    Err(e) => Err(ctx(e, OP).with_resource(ResourceKind::User, n)),
                }
            })
            .buffered(LIST_CONCURRENCY)
            .try_filter_map(|u| async move { Ok(u) })
            .try_collect()
            .await?;
        Ok(Page::new(items, page.next))
    }

    async fn set_user_enabled(&self, instance: &str, name: &str, enabled: bool) -> Result<()> {
        const OP: &str = "set_user_enabled";
        self.require_user(instance, name, OP).await?;
        let iam_name = scoped(instance, name);
        let fail = |e: Error| ctx(e, OP).with_resource(ResourceKind::User, name);
        // The status first (it is what SeaweedFS enforces), then its mirror tag.
        self.iam
            .set_user_status(OP, &iam_name, enabled)
            .await
            .map_err(fail)?;
        if enabled {
            self.iam
                .untag_user(OP, &iam_name, &[TAG_DISABLED])
                .await
                .map_err(fail)
        } else {
            let t = Tags::from([(TAG_DISABLED.to_string(), "true".to_string())]);
            self.iam.tag_user(OP, &iam_name, &t).await.map_err(fail)
        }
    }

    async fn delete_user(&self, instance: &str, name: &str) -> Result<()> {
        const OP: &str = "delete_user";
        self.require_instance(instance, OP).await?;
        // SeaweedFS drops the user's keys and policy attachments with it.
        match self.iam.delete_user(OP, &scoped(instance, name)).await {
            Ok(()) => Ok(()),
            Err(e) if is_missing(&e) => Ok(()),
            Err(e) => Err(ctx(e, OP).with_resource(ResourceKind::User, name)),
        }
    }
}
