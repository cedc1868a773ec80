//! Users: the identity strategy does the work; names are checked here for every mode.

use crate::provider::*;

#[async_trait]
impl UserAdmin for EcsProvider {
    async fn create_user(&self, instance: &str, req: CreateUser) -> Result<User> {
        // Names that would collide with s3aas's own bookkeeping are refused in every mode.
        self.check_new_user(instance, &req)
            .map_err(|e| ctx(e, "create_user"))?;
        self.identity.create_user(self, instance, req).await
    }

    async fn get_user(&self, instance: &str, name: &str) -> Result<User> {
        self.identity.get_user(self, instance, name).await
    }

    async fn list_users(&self, instance: &str, opts: ListOptions) -> Result<Page<User>> {
        self.identity.list_users(self, instance, opts).await
    }

    async fn set_user_enabled(&self, instance: &str, name: &str, enabled: bool) -> Result<()> {
        self.identity
            .set_user_enabled(self, instance, name, enabled)
            .await
    }

    async fn delete_user(&self, instance: &str, name: &str) -> Result<()> {
        self.identity.delete_user(self, instance, name).await
    }
}
