//! Access keys: the identity strategy does the work (secret keys or IAM access keys).

use crate::provider::*;

#[async_trait]
impl AccessKeyAdmin for EcsProvider {
    /// Creates one of the user's (at most two) secret keys. A second key leaves the first valid
    /// with no expiry. ECS nodes cache keys for up to two minutes, so a new key may take that
    /// long to work everywhere.
    async fn create_access_key(
        &self,
        instance: &str,
        user: &str,
        req: CreateAccessKey,
    ) -> Result<NewAccessKey> {
        self.identity
            .create_access_key(self, instance, user, req)
            .await
    }

    async fn list_access_keys(&self, instance: &str, user: &str) -> Result<Vec<AccessKey>> {
        self.identity.list_access_keys(self, instance, user).await
    }

    async fn get_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<AccessKey> {
        self.identity
            .get_access_key(self, instance, user, key_id)
            .await
    }

    async fn set_access_key_enabled(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        enabled: bool,
    ) -> Result<()> {
        self.identity
            .set_access_key_enabled(self, instance, user, key_id, enabled)
            .await
    }

    async fn delete_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<()> {
        self.identity
            .delete_access_key(self, instance, user, key_id)
            .await
    }

    /// Rotation on ECS: the new key is created with `existing_key_expiry_time_mins` set to the
    /// grace period (whole minutes, as the core validates), so ECS itself expires the old key; without a
    /// grace period the old key is deleted at once. Fails with `Conflict` when the user already
    /// holds two keys. ECS nodes cache keys for up to two minutes.
    async fn rotate_access_key(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        req: RotateAccessKey,
    ) -> Result<RotatedAccessKey> {
        self.identity
            .rotate_access_key(self, instance, user, key_id, req)
            .await
    }
}
