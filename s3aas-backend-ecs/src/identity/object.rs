//! The object-user strategy: users are object users, keys their secret keys.

use crate::instance::Holdings;
use crate::naming::MANAGED_TAG;
use crate::provider::*;

/// Object users and secret keys (every ECS release).
#[derive(Debug)]
pub(crate) struct ObjectUsers;

#[async_trait]
impl Identity for ObjectUsers {
    fn name(&self) -> &'static str {
        "object-user mode"
    }

    fn min_version(&self) -> Option<(u32, u32, u32)> {
        None
    }

    /// Object users are what the shared capabilities describe: secret keys with an expiry
    /// (rotation grace), bucket owners, no named policies.
    fn declare(&self, _c: &mut Capabilities) {}

    async fn create_user(&self, p: &EcsProvider, instance: &str, req: CreateUser) -> Result<User> {
        let op = "create_user";
        p.require_instance(instance, op).await?;
        let uid = p.object_user_id(instance, &req.name);
        let mut tags: Vec<UserTag> = req
            .tags
            .iter()
            .map(|(k, v)| UserTag {
                name: k.clone(),
                value: v.clone(),
            })
            .collect();
        // Marks the user as made by s3aas (not adopted), for delete_instance.
        tags.push(UserTag {
            name: MANAGED_TAG.into(),
            value: "true".into(),
        });
        let body = json!({"user": uid, "namespace": instance, "tags": tags});
        let resp = p.send(Call::post(op, "/object/users", body)).await?;
        if !resp.is_success() {
            let e = p.fail(op, &resp, Some((Missing::Instance, instance)));
            return Err(if e.kind() == ErrorKind::AlreadyExists {
                e.with_resource(ResourceKind::User, &req.name)
            } else {
                e
            });
        }
        if !req.enabled {
            if let Err(e) = p.set_user_enabled(instance, &req.name, false).await {
                let cleanup = p
                    .send(
                        Call::post(
                            op,
                            "/object/users/deactivate",
                            json!({"user": uid, "namespace": instance}),
                        )
                        .idempotent(),
                    )
                    .await;
                let msg = format!("locking the new user failed: {}", e.message());
                return Err(if matches!(&cleanup, Ok(r) if r.is_success()) {
                    e.with_message(format!("{msg}; the user was removed again"))
                } else {
                    e.with_kind(ErrorKind::Partial)
                        .with_message(format!("{msg}; user '{uid}' is left on ECS, unlocked"))
                });
            }
        }
        let mut u = User::new(instance, &req.name);
        u.enabled = req.enabled;
        u.tags = Some(req.tags);
        if let Ok(info) = p.user_info(instance, &req.name, op).await {
            u = p.to_user(instance, &req.name, &info);
        }
        Ok(u)
    }

    async fn get_user(&self, p: &EcsProvider, instance: &str, name: &str) -> Result<User> {
        let op = "get_user";
        let info = p.user_info(instance, name, op).await?;
        Ok(p.to_user(instance, name, &info))
    }

    async fn list_users(
        &self,
        p: &EcsProvider,
        instance: &str,
        opts: ListOptions,
    ) -> Result<Page<User>> {
        let op = "list_users";
        p.require_instance(instance, op).await?;
        let page = p
            .user_page(
                instance,
                opts.limit.map(|l| l.max(1)),
                opts.continuation.as_deref(),
                op,
            )
            .await?;
        let names: Vec<String> = page
            .blobuser
            .iter()
            .filter_map(|u| p.user_name_of(instance, &u.userid))
            .filter(|n| opts.prefix.as_deref().is_none_or(|p| n.starts_with(p)))
            .map(str::to_string)
            .collect();
        // The list carries ids only; lock state and tags come from each user's info.
        let items = each_present(names, |n| async move {
            let info = p.user_info(instance, &n, op).await?;
            Ok(p.to_user(instance, &n, &info))
        })
        .await?;
        Ok(Page::new(items, page.next_marker.filter(|m| !m.is_empty())))
    }

    async fn set_user_enabled(
        &self,
        p: &EcsProvider,
        instance: &str,
        name: &str,
        enabled: bool,
    ) -> Result<()> {
        let op = "set_user_enabled";
        p.user_info(instance, name, op).await?;
        let uid = p.object_user_id(instance, name);
        p.ok(
            Call::put(
                op,
                "/object/users/lock",
                json!({"user": uid, "namespace": instance, "isLocked": !enabled}),
            ),
            Some((Missing::User, name)),
        )
        .await
        .map(drop)
    }

    async fn delete_user(&self, p: &EcsProvider, instance: &str, name: &str) -> Result<()> {
        let op = "delete_user";
        p.require_instance(instance, op).await?;
        let uid = p.object_user_id(instance, name);
        let resp = p
            .send(
                Call::post(
                    op,
                    "/object/users/deactivate",
                    json!({"user": uid, "namespace": instance}),
                )
                .idempotent(),
            )
            .await?;
        if resp.is_success() || is_not_found(&resp) {
            Ok(())
        } else {
            Err(p.fail(op, &resp, None))
        }
    }

    async fn put_policy(
        &self,
        _p: &EcsProvider,
        _instance: &str,
        _req: PutPolicy,
    ) -> Result<Policy> {
        Err(EcsProvider::no_named_policies("put_policy"))
    }

    async fn get_policy(&self, _p: &EcsProvider, _instance: &str, _name: &str) -> Result<Policy> {
        Err(EcsProvider::no_named_policies("get_policy"))
    }

    async fn list_policies(
        &self,
        _p: &EcsProvider,
        _instance: &str,
        _opts: ListOptions,
    ) -> Result<Page<Policy>> {
        Err(EcsProvider::no_named_policies("list_policies"))
    }

    async fn delete_policy(&self, _p: &EcsProvider, _instance: &str, _name: &str) -> Result<()> {
        Err(EcsProvider::no_named_policies("delete_policy"))
    }

    async fn attach_policy(
        &self,
        _p: &EcsProvider,
        _instance: &str,
        _user: &str,
        _policy: &str,
    ) -> Result<()> {
        Err(EcsProvider::no_named_policies("attach_policy"))
    }

    async fn detach_policy(
        &self,
        _p: &EcsProvider,
        _instance: &str,
        _user: &str,
        _policy: &str,
    ) -> Result<()> {
        Err(EcsProvider::no_named_policies("detach_policy"))
    }

    async fn list_attached_policies(
        &self,
        _p: &EcsProvider,
        _instance: &str,
        _user: &str,
    ) -> Result<Vec<String>> {
        Err(EcsProvider::no_named_policies("list_attached_policies"))
    }

    /// Creates one of the user's (at most two) secret keys. A second key leaves the first valid
    /// with no expiry. ECS nodes cache keys for up to two minutes, so a new key may take that
    /// long to work everywhere.
    async fn create_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        _req: CreateAccessKey,
    ) -> Result<NewAccessKey> {
        let op = "create_access_key";
        let existing = p.keys_of(instance, user, op).await?;
        if existing.len() >= 2 {
            return Err(ctx(
                Error::new(
                    ErrorKind::Conflict,
                    format!("user '{user}' already holds the two secret keys ECS allows; delete one first"),
                ),
                op,
            )
            .with_resource(ResourceKind::User, user));
        }
        Ok(p.new_key(instance, user, None, op).await?.0)
    }

    async fn list_access_keys(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
    ) -> Result<Vec<AccessKey>> {
        let op = "list_access_keys";
        Ok(p.keys_of(instance, user, op)
            .await?
            .into_iter()
            .map(|(_, a)| a)
            .collect())
    }

    async fn get_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        key_id: &str,
    ) -> Result<AccessKey> {
        let op = "get_access_key";
        p.keys_of(instance, user, op)
            .await?
            .into_iter()
            .find(|(_, a)| a.id == key_id)
            .map(|(_, a)| a)
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::AccessKey, key_id), op))
    }

    async fn set_access_key_enabled(
        &self,
        _p: &EcsProvider,
        _instance: &str,
        _user: &str,
        _key_id: &str,
        _enabled: bool,
    ) -> Result<()> {
        let op = "set_access_key_enabled";
        Err(ctx(
            Error::unsupported(
                "the ecs backend cannot disable a single secret key (capability `access_key_disable`); disable the user or delete the key",
            ),
            op,
        ))
    }

    async fn delete_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        key_id: &str,
    ) -> Result<()> {
        let op = "delete_access_key";
        let keys = match p.keys_of(instance, user, op).await {
            Ok(k) => k,
            Err(e)
                if e.kind() == ErrorKind::NotFound
                    && e.resource().is_some_and(|(k, _)| k == ResourceKind::User) =>
            {
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let Some((slot, _)) = keys.into_iter().find(|(_, a)| a.id == key_id) else {
            return Ok(());
        };
        let uid = p.object_user_id(instance, user);
        p.delete_key(instance, &uid, &slot, op).await
    }

    /// Rotation on ECS: the new key is created with `existing_key_expiry_time_mins` set to the
    /// grace period (whole minutes, as the core validates), so ECS itself expires the old key; without a
    /// grace period the old key is deleted at once. Fails with `Conflict` when the user already
    /// holds two keys. ECS nodes cache keys for up to two minutes.
    async fn rotate_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        key_id: &str,
        req: RotateAccessKey,
    ) -> Result<RotatedAccessKey> {
        let op = "rotate_access_key";
        let keys = p.keys_of(instance, user, op).await?;
        let Some((old, _)) = keys.iter().find(|(_, a)| a.id == key_id).cloned() else {
            return Err(ctx(Error::not_found(ResourceKind::AccessKey, key_id), op));
        };
        if keys.len() >= 2 {
            return Err(ctx(
                Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "user '{user}' holds two secret keys, the most ECS allows; delete the other one before rotating"
                    ),
                ),
                op,
            ));
        }
        let grace = req.grace.filter(|g| !g.is_zero());
        let minutes = grace.map(|g| g.as_secs().div_ceil(60).max(1));
        let started = OffsetDateTime::now_utc();
        let (new, _) = p.new_key(instance, user, minutes, op).await?;
        let uid = p.object_user_id(instance, user);
        match minutes {
            Some(m) => {
                let expires = p
                    .keys_of(instance, user, op)
                    .await
                    .ok()
                    .and_then(|ks| ks.into_iter().find(|(_, a)| a.id == key_id))
                    .and_then(|(_, a)| a.expiration)
                    .unwrap_or(started + time::Duration::minutes(m as i64));
                Ok(RotatedAccessKey::new(new, OldKey::ExpiresAt(expires)))
            }
            None => {
                if let Err(e) = p.delete_key(instance, &uid, &old, op).await {
                    let new_slot = SlotKey {
                        secret: Some(new.secret_access_key.expose_secret().to_string()),
                        id: new.key.id.clone(),
                        server_id: false,
                        created: None,
                        expires: None,
                    };
                    let cleanup = p.delete_key(instance, &uid, &new_slot, op).await;
                    return Err(rotation_failed(e, cleanup, &new.key.id));
                }
                Ok(RotatedAccessKey::new(new, OldKey::Deleted))
            }
        }
    }

    fn user_id(&self, p: &EcsProvider, ns: &str, name: &str) -> String {
        p.object_user_id(ns, name)
    }

    async fn holdings(
        &self,
        _p: &EcsProvider,
        _ns: &str,
        _h: &mut Holdings,
        _op: &'static str,
    ) -> Result<()> {
        // The object users are sorted by `EcsProvider::holdings` itself (every mode has them).
        Ok(())
    }

    async fn remove_all(
        &self,
        _p: &EcsProvider,
        _ns: &str,
        _h: &Holdings,
        _done: &mut Vec<String>,
        _op: &'static str,
    ) -> Result<()> {
        Ok(())
    }
}

impl EcsProvider {
    /// `GET /object/users/{uid}/info?namespace=ns`; `Ok(Err(status))` when ECS has no such
    /// user (with the status it answered). The one read of an object user: users, the instance
    /// marker and `delete_instance` share it.
    pub(crate) async fn object_user_info(
        &self,
        uid: &str,
        ns: &str,
        op: &'static str,
    ) -> Result<std::result::Result<wire::UserInfo, u16>> {
        let resp = self
            .send(Call::get(op, format!("/object/users/{uid}/info")).q("namespace", ns))
            .await?;
        if is_not_found(&resp) {
            return Ok(Err(resp.status));
        }
        if !resp.is_success() {
            return Err(self.fail(op, &resp, None));
        }
        decode("user info", &resp.body)
            .map(Ok)
            .map_err(|e| ctx(e, op))
    }

    pub(crate) async fn user_info(
        &self,
        ns: &str,
        name: &str,
        op: &'static str,
    ) -> Result<wire::UserInfo> {
        let uid = self.object_user_id(ns, name);
        let info = match self.object_user_info(&uid, ns, op).await? {
            Ok(info) => info,
            Err(status) => {
                self.require_instance(ns, op).await?;
                return Err(
                    ctx(Error::not_found(ResourceKind::User, name), op).with_http_status(status)
                );
            }
        };
        if !info.namespace.is_empty() && info.namespace != ns {
            return Err(ctx(Error::not_found(ResourceKind::User, name), op));
        }
        Ok(info)
    }

    pub(crate) fn to_user(&self, ns: &str, name: &str, info: &wire::UserInfo) -> User {
        let mut u = User::new(ns, name);
        u.enabled = !info.locked;
        u.created = info.created;
        u.tags = Some(
            info.tag
                .iter()
                .filter(|t| t.name != MANAGED_TAG)
                .map(|t| (t.name.clone(), t.value.clone()))
                .collect(),
        );
        u
    }

    /// Refuses a user s3aas could not tell apart from its own bookkeeping: a reserved tag, or a
    /// name that a custom template turns into the instance's service user.
    pub(crate) fn check_new_user(&self, instance: &str, req: &CreateUser) -> Result<()> {
        if req.tags.contains_key(MANAGED_TAG) {
            return Err(Error::invalid_input(
                "user.tags",
                format!(
                    "the tag '{MANAGED_TAG}' is reserved by s3aas (it marks the users s3aas made)"
                ),
            ));
        }
        let id = self.identity.user_id(self, instance, &req.name);
        if id == self.naming.service_user(instance) {
            return Err(Error::invalid_input(
                "user.name",
                format!(
                    "'{}' names the instance's service user '{id}' under the configured user_name_template",
                    req.name
                ),
            ));
        }
        Ok(())
    }

    pub(crate) async fn secret_keys(
        &self,
        uid: &str,
        ns: &str,
        op: &'static str,
    ) -> Result<Vec<SlotKey>> {
        let resp = self
            .ok(
                Call::get(op, format!("/object/user-secret-keys/{uid}/{ns}")),
                None,
            )
            .await?;
        let keys: wire::UserSecretKeys =
            decode("user secret keys", &resp.body).map_err(|e| ctx(e, op))?;
        Ok(keys.keys())
    }

    pub(crate) async fn keys_of(
        &self,
        ns: &str,
        user: &str,
        op: &'static str,
    ) -> Result<Vec<(SlotKey, AccessKey)>> {
        self.user_info(ns, user, op).await?;
        let uid = self.object_user_id(ns, user);
        let now = OffsetDateTime::now_utc();
        let mut out: Vec<(SlotKey, AccessKey)> = self
            .secret_keys(&uid, ns, op)
            .await?
            .into_iter()
            .filter(|k| k.expires.is_none_or(|e| e > now))
            .map(|k| {
                let mut a = AccessKey::new(ns, user, &k.id, &uid);
                a.created = k.created;
                a.expiration = k.expires;
                (k, a)
            })
            .collect();
        out.sort_by(|a, b| a.1.id.cmp(&b.1.id));
        Ok(out)
    }

    pub(crate) async fn delete_key(
        &self,
        ns: &str,
        uid: &str,
        k: &SlotKey,
        op: &'static str,
    ) -> Result<()> {
        let mut body = json!({"namespace": ns});
        let o = body.as_object_mut().expect("object");
        match (&k.secret, k.server_id) {
            (Some(s), false) => {
                o.insert("secret_key".into(), json!(s));
            }
            _ => {
                o.insert("secret_key_id".into(), json!(k.id));
            }
        }
        let resp = self
            .send(
                Call::post(
                    op,
                    format!("/object/user-secret-keys/{uid}/deactivate"),
                    body,
                )
                .idempotent(),
            )
            .await?;
        if resp.is_success() || is_not_found(&resp) {
            Ok(())
        } else {
            Err(self.fail(op, &resp, None))
        }
    }

    pub(crate) async fn new_key(
        &self,
        ns: &str,
        user: &str,
        grace_minutes: Option<u64>,
        op: &'static str,
    ) -> Result<(NewAccessKey, wire::NewSecretKey)> {
        let uid = self.object_user_id(ns, user);
        let mut body = json!({"namespace": ns});
        if let Some(m) = grace_minutes {
            body["existing_key_expiry_time_mins"] = json!(m);
        }
        let resp = self
            .send(Call::post(
                op,
                format!("/object/user-secret-keys/{uid}"),
                body,
            ))
            .await?;
        if !resp.is_success() {
            return Err(self.fail(op, &resp, Some((Missing::User, user))));
        }
        let k: wire::NewSecretKey = decode("new secret key", &resp.body).map_err(|e| ctx(e, op))?;
        let mut a = AccessKey::new(ns, user, k.id(), &uid);
        a.created = k.key_timestamp.or(Some(OffsetDateTime::now_utc()));
        a.expiration = k.key_expiry_timestamp;
        let secret = SecretString::from(k.secret_key.clone());
        Ok((NewAccessKey::new(a, secret), k))
    }
}
