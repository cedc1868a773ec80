//! IAM mode: users, access keys and named policies through the ECS IAM API (ECS 3.6+), chosen
//! with [`EcsBuilder::iam`](crate::EcsBuilder::iam).
//!
//! Every call is `POST /iam?Action=<Action>&<params>` on the management port, with the
//! session's token and `x-emc-namespace: <namespace>` (`ecs-and-cloudstack.md` §2.8). Answers
//! are `{<Action>Result, ResponseMetadata}` (an enclosing `<Action>Response` is accepted too);
//! errors are AWS-style `{Error: {Type, Code, Message}, RequestId}`, in JSON or XML.
//!
//! How the s3aas model maps:
//! - user `alice` of instance `acme` = IAM user `<user_prefix>alice` in namespace `acme` (IAM
//!   user names are per namespace, so the instance is not part of the name);
//! - access key = IAM access key (at most two, `Active`/`Inactive`);
//! - policy `p` = the namespace's managed policy `urn:ecs:iam::acme:policy/p`; replacing its
//!   document makes a new default version and deletes the older ones;
//! - disabling a user: IAM users have no enabled state, so s3aas records the user's active keys
//!   in the tag `s3aas-disabled` and sets them `Inactive`; enabling sets exactly those keys
//!   `Active` again and removes the tag. Keys made or enabled while the user is disabled stay
//!   inactive and join that record. The tag is hidden from [`User::tags`].

use crate::error::{iam_error, is_iam_not_found};
use crate::instance::Holdings;
use crate::naming::MANAGED_TAG;
use crate::provider::*;
use crate::wire::iam as w;

/// IAM users, access keys and managed policies (ECS 3.6+).
#[derive(Debug)]
pub(crate) struct IamUsers;

#[async_trait]
impl Identity for IamUsers {
    fn name(&self) -> &'static str {
        "IAM mode"
    }

    fn min_version(&self) -> Option<(u32, u32, u32)> {
        Some((3, 6, 0))
    }

    /// Managed policies attached to users, keys with an Active/Inactive status, no key expiry
    /// (so no rotation grace), and no bucket owner (the namespace's root user owns what IAM
    /// users create; s3aas's own buckets belong to the service user).
    fn declare(&self, c: &mut Capabilities) {
        c.policies = true;
        c.policy_attach = true;
        c.access_key_disable = true;
        c.access_key_rotation_grace = false;
        c.bucket_owner = false;
    }

    async fn create_user(&self, p: &EcsProvider, instance: &str, req: CreateUser) -> Result<User> {
        p.iam_create_user(instance, req).await
    }

    async fn get_user(&self, p: &EcsProvider, instance: &str, name: &str) -> Result<User> {
        p.iam_get(instance, name).await
    }

    async fn list_users(
        &self,
        p: &EcsProvider,
        instance: &str,
        opts: ListOptions,
    ) -> Result<Page<User>> {
        p.iam_list_users(instance, opts).await
    }

    async fn set_user_enabled(
        &self,
        p: &EcsProvider,
        instance: &str,
        name: &str,
        enabled: bool,
    ) -> Result<()> {
        p.iam_set_enabled(instance, name, enabled).await
    }

    async fn delete_user(&self, p: &EcsProvider, instance: &str, name: &str) -> Result<()> {
        p.iam_delete_user(instance, name).await
    }

    async fn put_policy(&self, p: &EcsProvider, instance: &str, req: PutPolicy) -> Result<Policy> {
        p.iam_put_policy(instance, req).await
    }

    async fn get_policy(&self, p: &EcsProvider, instance: &str, name: &str) -> Result<Policy> {
        p.iam_get_policy(instance, name).await
    }

    async fn list_policies(
        &self,
        p: &EcsProvider,
        instance: &str,
        opts: ListOptions,
    ) -> Result<Page<Policy>> {
        p.iam_list_policies(instance, opts).await
    }

    async fn delete_policy(&self, p: &EcsProvider, instance: &str, name: &str) -> Result<()> {
        p.iam_delete_policy(instance, name).await
    }

    async fn attach_policy(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        policy: &str,
    ) -> Result<()> {
        p.iam_attach(instance, user, policy, true).await
    }

    async fn detach_policy(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        policy: &str,
    ) -> Result<()> {
        p.iam_attach(instance, user, policy, false).await
    }

    async fn list_attached_policies(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
    ) -> Result<Vec<String>> {
        p.iam_attached(instance, user).await
    }

    async fn create_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        _req: CreateAccessKey,
    ) -> Result<NewAccessKey> {
        p.iam_create_key(instance, user).await
    }

    async fn list_access_keys(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
    ) -> Result<Vec<AccessKey>> {
        p.iam_list_keys(instance, user).await
    }

    async fn get_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        key_id: &str,
    ) -> Result<AccessKey> {
        p.iam_get_key(instance, user, key_id).await
    }

    async fn set_access_key_enabled(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        key_id: &str,
        enabled: bool,
    ) -> Result<()> {
        p.iam_set_key_enabled(instance, user, key_id, enabled).await
    }

    async fn delete_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        key_id: &str,
    ) -> Result<()> {
        p.iam_delete_key(instance, user, key_id).await
    }

    async fn rotate_access_key(
        &self,
        p: &EcsProvider,
        instance: &str,
        user: &str,
        key_id: &str,
        req: RotateAccessKey,
    ) -> Result<RotatedAccessKey> {
        let op = "rotate_access_key";
        if req.grace.is_some_and(|g| !g.is_zero()) {
            return Err(ctx(
                Error::unsupported(
                    "ECS IAM access keys cannot expire, so a rotation cannot keep the old key for a grace period (capability `access_key_rotation_grace`)",
                ),
                op,
            ));
        }
        p.iam_rotate_key(instance, user, key_id).await
    }

    fn user_id(&self, p: &EcsProvider, ns: &str, name: &str) -> String {
        p.iam_user_name(ns, name)
    }

    async fn holdings(
        &self,
        p: &EcsProvider,
        ns: &str,
        h: &mut Holdings,
        op: &'static str,
    ) -> Result<()> {
        p.iam_holdings(ns, h, op).await
    }

    async fn remove_all(
        &self,
        p: &EcsProvider,
        ns: &str,
        h: &Holdings,
        done: &mut Vec<String>,
        op: &'static str,
    ) -> Result<()> {
        p.iam_remove_all(ns, &h.iam_users, &h.policies, done, op)
            .await
    }
}

/// The user tag that marks a user disabled by s3aas and lists the keys to re-enable.
pub(crate) const DISABLED_TAG: &str = "s3aas-disabled";
/// The description s3aas gives the managed policies it makes (Dell's spec: `CreatePolicy`
/// takes `Description`, and `GetPolicy`/`ListPolicies` return it), by which `delete_instance`
/// tells them from policies others made in the namespace.
pub(crate) const POLICY_DESCRIPTION: &str = "managed by s3aas";
/// What ECS allows in an IAM user name.
const IAM_USER_NAME_MAX: usize = 64;
const MAX_ITEMS: &str = "1000";

fn p(k: impl Into<String>, v: impl Into<String>) -> (String, String) {
    (k.into(), v.into())
}

/// The ARN of managed policy `name` of namespace `ns`.
pub(crate) fn policy_arn(ns: &str, name: &str) -> String {
    format!("urn:ecs:iam::{ns}:policy/{name}")
}

fn tag_params(tags: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, (k, v)) in tags.iter().enumerate() {
        out.push(p(format!("Tags.member.{}.Key", i + 1), k));
        out.push(p(format!("Tags.member.{}.Value", i + 1), v));
    }
    out
}

/// The key ids a disabled user's tag lists.
fn restore_list(tags: &[(String, String)]) -> Option<Vec<String>> {
    tags.iter()
        .find(|(k, _)| k == DISABLED_TAG)
        .map(|(_, v)| v.split_whitespace().map(str::to_string).collect())
}

mod key;
mod policy;

impl EcsProvider {
    /// One IAM call; returns the `<Action>Result` (or `null` when there is none).
    pub(crate) async fn iam(
        &self,
        op: &'static str,
        ns: &str,
        action: &str,
        params: Vec<(String, String)>,
    ) -> Result<Value> {
        let mut call = Call::action(op, "/iam")
            .q("Action", action)
            .header("x-emc-namespace", ns);
        for (k, v) in params {
            call = call.q(k, v);
        }
        // Everything but the creations can be repeated safely (a repeated delete answers
        // NoSuchEntity, which the callers treat as done).
        if !action.starts_with("Create") {
            call = call.idempotent();
        }
        let resp = self.send(call).await?;
        if !resp.is_success() {
            return Err(ctx(iam_error(op, &resp), op));
        }
        w::result(action, &resp.body).map_err(|e| ctx(e, op))
    }

    /// All pages of a list action: the items under `field` of each result.
    pub(crate) async fn iam_all(
        &self,
        op: &'static str,
        ns: &str,
        action: &str,
        params: Vec<(String, String)>,
        field: &str,
    ) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut ps = params.clone();
            ps.push(p("MaxItems", MAX_ITEMS));
            if let Some(m) = &marker {
                ps.push(p("Marker", m));
            }
            let r = self.iam(op, ns, action, ps).await?;
            // `field` may name alternatives (`A|B`): the first one present is read.
            let items = field.split('|').find_map(|f| r.get(f));
            out.extend(w::members(items).into_iter().cloned());
            match w::next_marker(&r) {
                Some(m) if marker.as_deref() != Some(m.as_str()) => marker = Some(m),
                _ => return Ok(out),
            }
        }
    }

    pub(crate) fn iam_user_name(&self, ns: &str, name: &str) -> String {
        self.naming.iam.render(ns, name)
    }

    /// A missing user: the namespace is checked first, so a missing instance says so.
    pub(crate) async fn iam_user_missing(
        &self,
        ns: &str,
        name: &str,
        e: Error,
        op: &'static str,
    ) -> Error {
        if let Err(ns_err) = self.require_instance(ns, op).await {
            return ns_err;
        }
        e.with_resource(ResourceKind::User, name)
    }

    pub(crate) async fn iam_get_user(
        &self,
        ns: &str,
        name: &str,
        op: &'static str,
    ) -> Result<w::IamUser> {
        let uname = self.iam_user_name(ns, name);
        let r = match self
            .iam(op, ns, "GetUser", vec![p("UserName", &uname)])
            .await
        {
            Ok(r) => r,
            Err(e) if is_iam_not_found(&e) => {
                return Err(self.iam_user_missing(ns, name, e, op).await);
            }
            Err(e) => return Err(e),
        };
        let mut u = w::user(r.get("User").unwrap_or(&r))
            .ok_or_else(|| ctx(w::malformed("GetUser", "no User"), op))?;
        if u.tags.is_none() {
            let t = self
                .iam_user_list(op, ns, name, "ListUserTags", "Tags")
                .await?;
            u.tags = Some(t.iter().filter_map(w::tag).collect());
        }
        Ok(u)
    }

    pub(crate) fn iam_to_user(&self, ns: &str, name: &str, u: &w::IamUser) -> User {
        let tags = u.tags.clone().unwrap_or_default();
        let mut out = User::new(ns, name);
        out.enabled = restore_list(&tags).is_none();
        out.created = u.created;
        out.tags = Some(
            tags.into_iter()
                .filter(|(k, _)| k != DISABLED_TAG && k != MANAGED_TAG)
                .collect(),
        );
        out
    }

    pub(crate) async fn iam_create_user(&self, ns: &str, req: CreateUser) -> Result<User> {
        let op = "create_user";
        let uname = self.iam_user_name(ns, &req.name);
        if uname.len() > IAM_USER_NAME_MAX {
            return Err(ctx(
                Error::invalid_input(
                    "user.name",
                    format!(
                        "ECS IAM user names are at most {IAM_USER_NAME_MAX} characters; with the prefix '{}' this one is {}",
                        self.user_prefix,
                        uname.len()
                    ),
                ),
                op,
            ));
        }
        if req.tags.contains_key(DISABLED_TAG) {
            return Err(ctx(
                Error::invalid_input(
                    "user.tags",
                    format!(
                        "the tag '{DISABLED_TAG}' is reserved by s3aas (it records a disabled user)"
                    ),
                ),
                op,
            ));
        }
        self.require_instance(ns, op).await?;
        let mut tags: Vec<(String, String)> = req
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !req.enabled {
            tags.push((DISABLED_TAG.to_string(), String::new()));
        }
        // Marks the user as made by s3aas (not adopted), for delete_instance.
        tags.push((MANAGED_TAG.to_string(), "true".to_string()));
        let mut params = vec![p("UserName", &uname), p("Path", "/")];
        params.extend(tag_params(&tags));
        let r = self.iam(op, ns, "CreateUser", params).await.map_err(|e| {
            if e.kind() == ErrorKind::AlreadyExists {
                e.with_resource(ResourceKind::User, &req.name)
            } else {
                e
            }
        })?;
        let mut u = w::user(r.get("User").unwrap_or(&r)).unwrap_or_default();
        u.tags = Some(tags);
        Ok(self.iam_to_user(ns, &req.name, &u))
    }

    pub(crate) async fn iam_get(&self, ns: &str, name: &str) -> Result<User> {
        let u = self.iam_get_user(ns, name, "get_user").await?;
        Ok(self.iam_to_user(ns, name, &u))
    }

    pub(crate) async fn iam_list_users(&self, ns: &str, opts: ListOptions) -> Result<Page<User>> {
        let op = "list_users";
        self.require_instance(ns, op).await?;
        let mut params = vec![p("MaxItems", opts.limit.unwrap_or(1000).max(1).to_string())];
        if let Some(m) = &opts.continuation {
            params.push(p("Marker", m));
        }
        let r = self.iam(op, ns, "ListUsers", params).await?;
        let names: Vec<String> = w::members(r.get("Users"))
            .into_iter()
            .filter_map(w::user)
            .filter_map(|u| self.naming.iam.user_of(ns, &u.name).map(str::to_string))
            .filter(|n| opts.prefix.as_deref().is_none_or(|pre| n.starts_with(pre)))
            .collect();
        // The list carries no tags: the enabled state and tags come from each user.
        let items = each_present(names, |n| async move {
            let u = self.iam_get_user(ns, &n, op).await?;
            Ok(self.iam_to_user(ns, &n, &u))
        })
        .await?;
        Ok(Page::new(items, w::next_marker(&r)))
    }

    pub(crate) async fn iam_set_key_status(
        &self,
        ns: &str,
        uname: &str,
        key: &str,
        active: bool,
        op: &'static str,
    ) -> Result<()> {
        self.iam(
            op,
            ns,
            "UpdateAccessKey",
            vec![
                p("UserName", uname),
                p("AccessKeyId", key),
                p("Status", if active { "Active" } else { "Inactive" }),
            ],
        )
        .await
        .map(drop)
    }

    pub(crate) async fn iam_set_restore_list(
        &self,
        ns: &str,
        uname: &str,
        keys: &[String],
        op: &'static str,
    ) -> Result<()> {
        let tags = vec![(DISABLED_TAG.to_string(), keys.join(" "))];
        let mut params = vec![p("UserName", uname)];
        params.extend(tag_params(&tags));
        self.iam(op, ns, "TagUser", params).await.map(drop)
    }

    /// Disables (records the active keys, then sets them inactive) or enables (sets the recorded
    /// keys active again, then removes the record). Both can be run again after a failure.
    pub(crate) async fn iam_set_enabled(&self, ns: &str, name: &str, enabled: bool) -> Result<()> {
        let op = "set_user_enabled";
        let u = self.iam_get_user(ns, name, op).await?;
        let uname = self.iam_user_name(ns, name);
        let tags = u.tags.unwrap_or_default();
        let keys = self.iam_keys(ns, name, op).await?;
        match (enabled, restore_list(&tags)) {
            (false, recorded) => {
                if recorded.is_none() {
                    let active: Vec<String> = keys
                        .iter()
                        .filter(|k| k.enabled)
                        .map(|k| k.id.clone())
                        .collect();
                    self.iam_set_restore_list(ns, &uname, &active, op).await?;
                }
                for k in keys.iter().filter(|k| k.enabled) {
                    self.iam_set_key_status(ns, &uname, &k.id, false, op)
                        .await?;
                }
                Ok(())
            }
            (true, None) => Ok(()),
            (true, Some(ids)) => {
                for k in keys.iter().filter(|k| ids.contains(&k.id) && !k.enabled) {
                    self.iam_set_key_status(ns, &uname, &k.id, true, op).await?;
                }
                self.iam(
                    op,
                    ns,
                    "UntagUser",
                    vec![p("UserName", &uname), p("TagKeys.member.1", DISABLED_TAG)],
                )
                .await
                .map(drop)
            }
        }
    }

    /// Removes a user's policy attachments and keys, then the user. Missing is done.
    pub(crate) async fn iam_remove_user(
        &self,
        ns: &str,
        uname: &str,
        op: &'static str,
    ) -> Result<()> {
        let gone = |r: Result<Value>| match r {
            Ok(_) => Ok(()),
            Err(e) if is_iam_not_found(&e) => Ok(()),
            Err(e) => Err(e),
        };
        let user = vec![p("UserName", uname)];
        let attached = match self
            .iam_all(
                op,
                ns,
                "ListAttachedUserPolicies",
                user.clone(),
                "AttachedPolicies",
            )
            .await
        {
            Ok(a) => a,
            Err(e) if is_iam_not_found(&e) => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut done = Vec::new();
        let result: Result<()> = async {
            for a in attached.iter().filter_map(|v| w::str_field(v, "PolicyArn")) {
                gone(
                    self.iam(
                        op,
                        ns,
                        "DetachUserPolicy",
                        vec![p("UserName", uname), p("PolicyArn", &a)],
                    )
                    .await,
                )?;
                done.push(format!("policy {a} detached"));
            }
            let keys = self
                .iam_all(op, ns, "ListAccessKeys", user.clone(), "AccessKeyMetadata")
                .await;
            let keys = match keys {
                Ok(k) => k,
                Err(e) if is_iam_not_found(&e) => Vec::new(),
                Err(e) => return Err(e),
            };
            for k in keys.iter().filter_map(w::key) {
                gone(
                    self.iam(
                        op,
                        ns,
                        "DeleteAccessKey",
                        vec![p("UserName", uname), p("AccessKeyId", &k.id)],
                    )
                    .await,
                )?;
                done.push(format!("access key {} deleted", k.id));
            }
            gone(self.iam(op, ns, "DeleteUser", user.clone()).await)
        }
        .await;
        result.map_err(|e| stopped_midway(e, &format!("deleting IAM user '{uname}'"), &done))
    }

    pub(crate) async fn iam_delete_user(&self, ns: &str, name: &str) -> Result<()> {
        let op = "delete_user";
        self.require_instance(ns, op).await?;
        self.iam_remove_user(ns, &self.iam_user_name(ns, name), op)
            .await
    }

    /// Sorts the namespace's IAM users and local policies by whose they are (for
    /// `delete_instance`): users that follow the naming template are the instance's (adopted
    /// when they lack [`MANAGED_TAG`]); policies are s3aas's when their description says so.
    pub(crate) async fn iam_holdings(
        &self,
        ns: &str,
        h: &mut Holdings,
        op: &'static str,
    ) -> Result<()> {
        let users = self
            .iam_all(op, ns, "ListUsers", Vec::new(), "Users")
            .await?;
        for u in users.iter().filter_map(w::user) {
            let Some(name) = self.naming.iam.user_of(ns, &u.name) else {
                h.foreign.push(format!("IAM user '{}'", u.name));
                continue;
            };
            match self.iam_get_user(ns, name, op).await {
                Ok(full) => {
                    let tags = full.tags.unwrap_or_default();
                    if !tags.iter().any(|(k, _)| k == MANAGED_TAG) {
                        h.adopted.push(format!("IAM user '{}'", u.name));
                    }
                    h.iam_users.push(u.name.clone());
                }
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        for pol in self.iam_local_policies(ns, op).await? {
            if pol.description.as_deref() == Some(POLICY_DESCRIPTION) {
                h.policies.push(pol.name);
            } else {
                h.foreign.push(format!("IAM policy '{}'", pol.name));
            }
        }
        Ok(())
    }

    /// Removes the given IAM users (with their keys and attachments) and policies.
    pub(crate) async fn iam_remove_all(
        &self,
        ns: &str,
        users: &[String],
        policies: &[String],
        done: &mut Vec<String>,
        op: &'static str,
    ) -> Result<()> {
        for u in users {
            self.iam_remove_user(ns, u, op).await?;
            done.push(format!("IAM user {u}"));
        }
        for name in policies {
            if let Some(pol) = self.iam_policy(ns, name, op).await? {
                self.iam_remove_policy(ns, &pol, op).await?;
            }
            done.push(format!("policy {name}"));
        }
        Ok(())
    }

    /// All pages of a list about one user (`field` of each result); a missing user is
    /// `NotFound` naming it (or its instance).
    pub(crate) async fn iam_user_list(
        &self,
        op: &'static str,
        ns: &str,
        name: &str,
        action: &str,
        field: &str,
    ) -> Result<Vec<Value>> {
        let uname = self.iam_user_name(ns, name);
        match self
            .iam_all(op, ns, action, vec![p("UserName", &uname)], field)
            .await
        {
            Ok(i) => Ok(i),
            Err(e) if is_iam_not_found(&e) => Err(self.iam_user_missing(ns, name, e, op).await),
            Err(e) => Err(e),
        }
    }
}
