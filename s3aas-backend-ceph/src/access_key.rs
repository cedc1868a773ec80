//! Access keys: a user's S3 keys (`/admin/user?key`), several per user. RGW keeps no per-key
//! state (no enable flag, name, description or expiry), so those are unsupported.

use crate::provider::*;
use rand::Rng;

/// A new key pair, chosen here rather than by RGW: 20 upper-case letters and digits (as RGW
/// makes them) and a 40-character secret from the OS-seeded CSPRNG. Knowing the id before the
/// call makes the create safe to repeat (RGW sets the same secret again) and lets a lost
/// answer be checked.
pub(crate) fn generate() -> (String, SecretString) {
    const ID: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let id: String = (0..20)
        .map(|_| ID[rng.gen_range(0..ID.len())] as char)
        .collect();
    let secret: String = (0..40)
        .map(|_| SECRET[rng.gen_range(0..SECRET.len())] as char)
        .collect();
    (id, SecretString::from(secret))
}

fn to_key(instance: &str, user: &str, id: &str, enabled: bool) -> AccessKey {
    let mut k = AccessKey::new(instance, user, id, id);
    // A suspended user's keys are all refused: RGW's only way to switch keys off.
    k.enabled = enabled;
    k
}

impl CephProvider {
    async fn keys_of(
        &self,
        instance: &str,
        user: &str,
        op: &'static str,
    ) -> Result<Vec<AccessKey>> {
        check_user_name(user, op)?;
        let info = self.instance_user(instance, user, op).await?;
        Ok(info
            .own_keys()
            .into_iter()
            .map(|k| to_key(instance, user, &k.access_key, !info.suspended))
            .collect())
    }

    async fn new_key(&self, instance: &str, user: &str, op: &'static str) -> Result<NewAccessKey> {
        let info = self.instance_user(instance, user, op).await?;
        let uid = uid(instance, user);
        // An id already held by another user is `409 KeyExists`: a fresh pair is tried again
        // (ids are random, so a second collision means something else is wrong).
        let mut last = None;
        for _ in 0..2 {
            let (id, secret) = generate();
            match self
                .keeping_policies(&uid, op, self.put_key(&uid, &id, &secret, op))
                .await
            {
                Ok(()) => {
                    return Ok(NewAccessKey::new(
                        to_key(instance, user, &id, !info.suspended),
                        secret,
                    ));
                }
                Err(e) if e.code() == Some("KeyExists") => last = Some(e),
                Err(e) => {
                    if e.kind() == ErrorKind::NotFound {
                        return Err(e.with_resource(ResourceKind::User, user));
                    }
                    return Err(e);
                }
            }
        }
        Err(last.expect("the loop ran"))
    }
}

#[async_trait]
impl AccessKeyAdmin for CephProvider {
    async fn create_access_key(
        &self,
        instance: &str,
        user: &str,
        _req: CreateAccessKey,
    ) -> Result<NewAccessKey> {
        const OP: &str = "create_access_key";
        check_user_name(user, OP)?;
        // Name, description, expiry and session policy are refused by the capability check
        // (`Client`) before this runs: RGW keys carry none of them.
        self.new_key(instance, user, OP).await
    }

    async fn list_access_keys(&self, instance: &str, user: &str) -> Result<Vec<AccessKey>> {
        self.keys_of(instance, user, "list_access_keys").await
    }

    async fn get_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<AccessKey> {
        const OP: &str = "get_access_key";
        self.keys_of(instance, user, OP)
            .await?
            .into_iter()
            .find(|k| k.id == key_id)
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::AccessKey, key_id), OP))
    }

    async fn set_access_key_enabled(
        &self,
        _instance: &str,
        _user: &str,
        _key_id: &str,
        _enabled: bool,
    ) -> Result<()> {
        // Reached only without the core `Client` (which refuses by capability first).
        Err(ctx(
            Error::unsupported(
                "the ceph backend cannot disable a single access key (capability `access_key_disable`): RGW keys have no state; suspend the user or delete the key",
            ),
            "set_access_key_enabled",
        ))
    }

    async fn delete_access_key(&self, instance: &str, user: &str, key_id: &str) -> Result<()> {
        const OP: &str = "delete_access_key";
        // Only a key the user holds is removed: the id is checked against the user's own keys
        // first, so another user's key is never touched.
        let keys = self.keys_of(instance, user, OP).await?;
        if !keys.iter().any(|k| k.id == key_id) {
            return Ok(());
        }
        let id = uid(instance, user);
        let call = AdminCall::delete(OP, "user")
            .flag("key")
            .q("uid", id.clone())
            .q("key-type", "s3")
            .q("access-key", key_id);
        let resp = self.keeping_policies(&id, OP, self.send(&call)).await?;
        // `403 InvalidAccessKeyId`: gone meanwhile.
        if resp.is_success()
            || crate::error::parse_error(&resp.body)
                .and_then(|e| e.code)
                .as_deref()
                == Some("InvalidAccessKeyId")
        {
            return Ok(());
        }
        Err(fail(OP, &resp, Some((ResourceKind::User, user))))
    }

    async fn rotate_access_key(
        &self,
        instance: &str,
        user: &str,
        key_id: &str,
        _req: RotateAccessKey,
    ) -> Result<RotatedAccessKey> {
        const OP: &str = "rotate_access_key";
        // A grace period is refused by the capability check: RGW keys cannot expire.
        self.get_access_key(instance, user, key_id)
            .await
            .map_err(|e| ctx(e, OP))?;
        let new = self.new_key(instance, user, OP).await?;
        if let Err(e) = self.delete_access_key(instance, user, key_id).await {
            let undo = self.delete_access_key(instance, user, &new.key.id).await;
            return Err(match undo {
                Ok(()) => e,
                Err(u) => ctx(
                    Error::new(
                        ErrorKind::Partial,
                        format!(
                            "rotating key '{key_id}' of user '{user}': the old key could not be deleted ({e}) and the new key '{}' could not be deleted again ({u})",
                            new.key.id
                        ),
                    ),
                    OP,
                ),
            });
        }
        Ok(RotatedAccessKey::new(new, OldKey::Deleted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_look_like_rgw_keys_and_differ() {
        let (a, sa) = generate();
        let (b, sb) = generate();
        assert_eq!(a.len(), 20);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_eq!(sa.expose_secret().len(), 40);
        assert_ne!(a, b);
        assert_ne!(sa.expose_secret(), sb.expose_secret());
    }
}
