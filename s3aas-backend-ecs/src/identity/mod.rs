//! How users, access keys and named policies are kept on ECS: the identity strategy, chosen
//! once when the provider is built ([`EcsBuilder::iam`](crate::EcsBuilder::iam)).
//!
//! - [`object::ObjectUsers`]: object users and their (at most two) secret keys; no named
//!   policies (ECS object users have none).
//! - [`iam::IamUsers`] (ECS 3.6+): IAM users, access keys with an Active/Inactive status, and
//!   managed policies attached to users, through the IAM API.
//!
//! The resource files (`user.rs`, `policy.rs`, `access_key.rs`) hand every call to the strategy,
//! so neither has a mode fork.

use crate::instance::Holdings;
use crate::provider::*;

pub(crate) mod iam;
pub(crate) mod object;

/// One way of keeping users, keys and policies on ECS. Each method is the trait method of the
/// same name, with the provider to call through.
#[async_trait]
pub(crate) trait Identity: Send + Sync + std::fmt::Debug {
    /// What the strategy is called in messages.
    fn name(&self) -> &'static str;

    /// The oldest ECS release the strategy works with.
    fn min_version(&self) -> Option<(u32, u32, u32)>;

    /// Adjusts the capabilities every mode shares to this strategy's.
    fn declare(&self, c: &mut Capabilities);

    async fn create_user(&self, p: &EcsProvider, instance: &str, req: CreateUser) -> Result<User>;

    async fn get_user(&self, p: &EcsProvider, instance: &str, name: &str) -> Result<User>;

    async fn list_users(
        &self,
        p: &EcsProvider,
        instance: &str,
        opts: ListOptions,
    ) -> Result<Page<User>>;

    async fn set_user_enabled(
        &self,
        p: &EcsProvider,
        instance: &str,
        name: &str,
        enabled: bool,
    ) -> Result<()>;

    async fn delete_user(&self, p: &EcsProvider, instance: &str, name: &str) -> Result<()>;

    async fn put_policy(&self, p: &EcsProvider, instance: &str, req: PutPolicy) -> Result<Policy>;

    async fn get_policy(&self, p: &EcsProvider, instance: &str, name: &str) -> Result<Policy>;

    async fn list_policies(
        &self,
        p: &EcsProvider,
        instance: &str,
        opts: ListOptions,
    ) -> Result<Page<Policy>>;

    async fn delete_policy(&self, p: &EcsProvider, instance: &str, name: &str) -> Result<()>;

    async fn attach_policy(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        policy: &str,
    ) -> Result<()>;

    async fn detach_policy(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        policy: &str,
    ) -> Result<()>;

    async fn list_attached_policies(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
    ) -> Result<Vec<String>>;

    async fn create_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        _req: CreateAccessKey,
    ) -> Result<NewAccessKey>;

    async fn list_access_keys(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
    ) -> Result<Vec<AccessKey>>;

    async fn get_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        key_id: &str,
    ) -> Result<AccessKey>;

    async fn set_access_key_enabled(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        key_id: &str,
        enabled: bool,
    ) -> Result<()>;

    async fn delete_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        key_id: &str,
    ) -> Result<()>;

    async fn rotate_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        key_id: &str,
        req: RotateAccessKey,
    ) -> Result<RotatedAccessKey>;

    /// The ECS name of user `name` of instance `ns` (object user id or IAM user name).
    fn user_id(&self, p: &EcsProvider, ns: &str, name: &str) -> String;

    /// Adds the users (and policies) of namespace `ns` to `h`, sorted by whose they are.
    async fn holdings(
        &self,
        p: &EcsProvider,
        ns: &str,
        h: &mut Holdings,
        op: &'static str,
    ) -> Result<()>;

    /// Removes the users and policies `h` lists as the instance's, recording each in `done`.
    async fn remove_all(
        &self,
        p: &EcsProvider,
        ns: &str,
        h: &Holdings,
        done: &mut Vec<String>,
        op: &'static str,
    ) -> Result<()>;
}
