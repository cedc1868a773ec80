//! Access keys: IAM access keys of the user, chosen by the server.

use crate::provider::*;
use s3aas_http::iam::IamAccessKey;

fn to_key(instance: &str, user: &str, k: &IamAccessKey) -> AccessKey {
    let mut a = AccessKey::new(instance, user, &k.access_key_id, &k.access_key_id);
    a.enabled = k.is_active();
    a
}

impl SeaweedfsProvider {
    async fn keys(
        &self,
        instance: &str,
        user: &str,
        op: &'static str,
    ) -> Result<Vec<IamAccessKey>> {
        self.require_user(instance, user, op).await?;
        let mut k = self
            .iam
            .list_access_keys(op, &scoped(instance, user))
            .await
            .map_err(|e| ctx(e, op).with_resource(ResourceKind::User, user))?;
        k.sort_by(|a, b| a.access_key_id.cmp(&b.access_key_id));
        Ok(k)
    }

    async fn require_key(
        &self,
        instance: &str,
        user: &str,
        id: &str,
        op: &'static str,
    ) -> Result<IamAccessKey> {
        self.keys(instance, user, op)
            .await?
            .into_iter()
            .find(|k| k.access_key_id == id)
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::AccessKey, id), op))
    }

    /// Makes a key. The server picks its id, so a lost answer cannot be matched to a key
    /// directly: any key that was not there before is this call's, but its secret is gone, so
    /// it is deleted and the call fails (`Partial`, naming it, if that fails too).
    async fn make_key(&self, instance: &str, user: &str, op: &'static str) -> Result<NewAccessKey> {
        let before = self.keys(instance, user, op).await?;
        let iam_user = scoped(instance, user);
        let e = match self.iam.create_access_key(op, &iam_user).await {
            Ok((id, secret)) => {
                let mut k = AccessKey::new(instance, user, &id, &id);
                k.enabled = true;
                return Ok(NewAccessKey::new(k, secret));
            }
            Err(e) => ctx(e, op).with_resource(ResourceKind::User, user),
        };
        if !e.outcome_unknown() {
            return Err(e);
        }
        let after = match self.iam.list_access_keys(op, &iam_user).await {
            Ok(k) => k,
            Err(_) => return Err(e),
        };
        for k in after
            .iter()
            .filter(|k| !before.iter().any(|b| b.access_key_id == k.access_key_id))
        {
            if let Err(d) = self
                .iam
                .delete_access_key(op, &iam_user, &k.access_key_id)
                .await
            {
                return Err(ctx(
                    Error::new(
                        ErrorKind::Partial,
                        format!("the answer to creating a key was lost ({e}); key '{}' appeared and could not be deleted ({d}): delete it", k.access_key_id),
                    ),
                    op,
                )
                .with_resource(ResourceKind::AccessKey, &k.access_key_id));
            }
        }
        Err(e)
    }
}

#[async_trait]
impl AccessKeyAdmin for SeaweedfsProvider {
    async fn create_access_key(
        &self,
        instance: &str,
        user: &str,
        _req: CreateAccessKey,
    ) -> Result<NewAccessKey> {
        // The request's name, description, expiry and session policy are refused by the
        // client's capability checks: SeaweedFS keys have none of them.
        self.make_key(instance, user, "create_access_key").await
    }

    async fn list_access_keys(&self, instance: &str, user: &str) -> Result<Vec<AccessKey>> {
        let keys = self.keys(instance, user, "list_access_keys").await?;
        Ok(keys.iter().map(|k| to_key(instance, user, k)).collect())
    }

    async fn get_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<AccessKey> {
        let k = self
            .require_key(instance, user, key_id, "get_access_key")
            .await?;
        Ok(to_key(instance, user, &k))
    }

    async fn set_access_key_enabled(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        enabled: bool,
    ) -> Result<()> {
        const OP: &str = "set_access_key_enabled";
        self.require_key(instance, user, key_id, OP).await?;
        self.iam
            .set_access_key_status(OP, &scoped(instance, user), key_id, enabled)
            .await
            .map_err(|e| ctx(e, OP).with_resource(ResourceKind::AccessKey, key_id))
    }

    async fn delete_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<()> {
        const OP: &str = "delete_access_key";
        // Only a key of this user is deleted: SeaweedFS would delete another user's key too.
        if !self
            .keys(instance, user, OP)
            .await?
            .iter()
            .any(|k| k.access_key_id == key_id)
        {
            return Ok(());
        }
        self.iam
            .delete_access_key(OP, &scoped(instance, user), key_id)
            .await
            .map_err(|e| ctx(e, OP).with_resource(ResourceKind::AccessKey, key_id))
    }

    async fn rotate_access_key(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        _req: RotateAccessKey,
    ) -> Result<RotatedAccessKey> {
        const OP: &str = "rotate_access_key";
        // No grace period (no key expiry): the client refuses one before this is called.
        self.require_key(instance, user, key_id, OP).await?;
        let new = self.make_key(instance, user, OP).await?;
        let iam_user = scoped(instance, user);
        if let Err(e) = self.iam.delete_access_key(OP, &iam_user, key_id).await {
            let e = ctx(e, OP).with_resource(ResourceKind::AccessKey, key_id);
            let new_id = new.key.access_key_id.clone();
            return Err(match self.iam.delete_access_key(OP, &iam_user, &new_id).await {
                Ok(()) => e,
                Err(d) => ctx(
                    Error::new(
                        ErrorKind::Partial,
                        format!("retiring key '{key_id}' failed ({e}) and deleting the new key '{new_id}' failed too ({d}): delete it"),
                    ),
                    OP,
                )
                .with_resource(ResourceKind::AccessKey, new_id),
            });
        }
        Ok(RotatedAccessKey::new(new, OldKey::Deleted))
    }
}
