//! Named policies: the identity strategy does the work (object users have none).

use crate::provider::*;

#[async_trait]
impl PolicyAdmin for EcsProvider {
    async fn put_policy(&self, instance: &str, req: PutPolicy) -> Result<Policy> {
        self.identity.put_policy(self, instance, req).await
    }

    async fn get_policy(&self, instance: &str, name: &str) -> Result<Policy> {
        self.identity.get_policy(self, instance, name).await
    }

    async fn list_policies(&self, instance: &str, opts: ListOptions) -> Result<Page<Policy>> {
        self.identity.list_policies(self, instance, opts).await
    }

    async fn delete_policy(&self, instance: &str, name: &str) -> Result<()> {
        self.identity.delete_policy(self, instance, name).await
    }

    async fn attach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        self.identity
            .attach_policy(self, instance, user, policy)
            .await
    }

    async fn detach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        self.identity
            .detach_policy(self, instance, user, policy)
            .await
    }

    async fn list_attached_policies(&self, instance: &str, user: &str) -> Result<Vec<String>> {
        self.identity
            .list_attached_policies(self, instance, user)
            .await
    }
}
