//! Policies: managed IAM policies named `<instance>--<name>`, attached to users.

use crate::instance::{LIST_CONCURRENCY, is_missing};
use crate::provider::*;
use futures::{StreamExt, TryStreamExt};

impl SeaweedfsProvider {
    /// Reads a policy; a missing one is the server's `NoSuchEntity`, kept as it is.
    async fn read_policy(&self, instance: &str, name: &str, op: &'static str) -> Result<Policy> {
        let fail = |e: Error| ctx(e, op).with_resource(ResourceKind::Policy, name);
        let text = self
            .iam
            .policy_document(op, &policy_arn(&scoped(instance, name)))
            .await
            .map_err(fail)?;
        let doc = PolicyDocument::parse(&text).map_err(fail)?;
        Ok(Policy::new(instance, name, doc))
    }

    /// Reads a policy; `None` when it is missing.
    async fn find_policy(
        &self,
        instance: &str,
        name: &str,
        op: &'static str,
    ) -> Result<Option<Policy>> {
        match self.read_policy(instance, name, op).await {
            Ok(p) => Ok(Some(p)),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends an attach or detach; `NotFound` names the user or the policy, whichever is missing.
    /// Detaching a policy that is not attached succeeds.
    async fn attachment(
        &self,
        instance: &str,
        user: &str,
        policy: &str,
        attach: bool,
        op: &'static str,
    ) -> Result<()> {
        self.require_user(instance, user, op).await?;
        let arn = policy_arn(&scoped(instance, policy));
        match self
            .iam
            .attachment(op, attach, &scoped(instance, user), &arn)
            .await
        {
            Ok(()) => Ok(()),
            // The user was just found, so what is missing is the policy, or (detaching) the
            // attachment, which is what was asked.
            Err(e) if is_missing(&e) && !attach => {
                match self.find_policy(instance, policy, op).await? {
                    Some(_) => Ok(()),
                    None => Err(ctx(e, op).with_resource(ResourceKind::Policy, policy)),
                }
            }
            Err(e) => Err(ctx(e, op).with_resource(ResourceKind::Policy, policy)),
        }
    }
}

/// Whether SeaweedFS refused a document in `CreatePolicyVersion` for an action its version check
/// does not know. SeaweedFS 4.48 refuses `s3:ListBucketMultipartUploads` and
/// `s3:ListMultipartUploadParts` there (and in `PutUserPolicy`) but accepts them in
/// `CreatePolicy`.
fn refuses_action(e: &Error) -> bool {
    e.code() == Some("MalformedPolicyDocument") && e.message().contains("not a valid action")
}

impl SeaweedfsProvider {
    /// Replaces a policy's document the only other way SeaweedFS allows: detach it from the
    /// instance's users that hold it, delete it, create it with the new document, attach it
    /// again. Those users lack the policy for the moment in between. A failure midway is
    /// `Partial`, naming the users still detached (and the policy, if it is gone).
    async fn recreate(
        &self,
        instance: &str,
        name: &str,
        doc: &str,
        op: &'static str,
    ) -> Result<()> {
        let iam_name = scoped(instance, name);
        let arn = policy_arn(&iam_name);
        let fail = |e: Error| ctx(e, op).with_resource(ResourceKind::Policy, name);
        let mut holders = Vec::new();
        for u in self.iam.list_users(op).await.map_err(fail)? {
            if unscoped(instance, &u.user_name).is_none() {
                continue;
            }
            let attached = self
                .iam
                .attached_policies(op, &u.user_name)
                .await
                .map_err(fail)?;
            if attached.contains(&iam_name) {
                holders.push(u.user_name);
            }
        }
        let mut detached: Vec<&str> = Vec::new();
        let partial = |e: Error, detached: &[&str], gone: bool| {
            let msg = format!(
                "replacing policy '{name}' (SeaweedFS refuses this document as a new version, so it is recreated) failed: {}; {}{}",
                e.message(),
                if gone { "the policy is deleted; " } else { "" },
                if detached.is_empty() {
                    "no user was left without it".to_string()
                } else {
                    format!("users still without it: {}", detached.join(", "))
                }
            );
            fail(e.with_kind(ErrorKind::Partial).with_message(msg))
        };
        for u in &holders {
            if let Err(e) = self.iam.attachment(op, false, u, &arn).await {
                return Err(partial(e, &detached, false));
            }
            detached.push(u);
        }
        if let Err(e) = self.iam.delete_policy(op, &arn).await {
            return Err(partial(e, &detached, false));
        }
        if let Err(e) = self.iam.create_policy(op, &iam_name, doc).await {
            return Err(partial(e, &detached, true));
        }
        while let Some(u) = detached.first().copied() {
            if let Err(e) = self.iam.attachment(op, true, u, &arn).await {
                return Err(partial(e, &detached, false));
            }
            detached.remove(0);
        }
        Ok(())
    }
}

#[async_trait]
impl PolicyAdmin for SeaweedfsProvider {
    async fn put_policy(&self, instance: &str, req: PutPolicy) -> Result<Policy> {
        const OP: &str = "put_policy";
        self.require_instance(instance, OP).await?;
        let iam_name = scoped(instance, &req.name);
        let doc = req.document.to_json();
        let fail = |e: Error| ctx(e, OP).with_resource(ResourceKind::Policy, &req.name);
        match self.iam.create_policy(OP, &iam_name, &doc).await {
            Ok(()) => {}
            // It exists (or a lost answer made it): replace the document unless it is the same
            // (an unchanged document is not sent again), as a new version where SeaweedFS
            // accepts it, else by recreating the policy (see `refuses_action`).
            Err(e) if e.kind() == ErrorKind::AlreadyExists || e.outcome_unknown() => {
                if let Some(cur) = self.find_policy(instance, &req.name, OP).await? {
                    if cur.document.semantically_eq(&req.document) {
                        return Ok(cur);
                    }
                }
                match self
                    .iam
                    .replace_policy(OP, &policy_arn(&iam_name), &doc)
                    .await
                {
                    Ok(()) => {}
                    Err(e) if refuses_action(&e) => {
                        self.recreate(instance, &req.name, &doc, OP).await?;
                    }
                    Err(e) => return Err(fail(e)),
                }
            }
            Err(e) => return Err(fail(e)),
        }
        Ok(Policy::new(instance, &req.name, req.document))
    }

    async fn get_policy(&self, instance: &str, name: &str) -> Result<Policy> {
        const OP: &str = "get_policy";
        self.require_instance(instance, OP).await?;
        self.read_policy(instance, name, OP).await
    }

    async fn list_policies(&self, instance: &str, opts: ListOptions) -> Result<Page<Policy>> {
        const OP: &str = "list_policies";
        self.require_instance(instance, OP).await?;
        let all = self.iam.list_policies(OP).await.map_err(|e| ctx(e, OP))?;
        let mut names: Vec<String> = all
            .iter()
            .filter_map(|p| unscoped(instance, p).map(str::to_string))
            .collect();
        names.sort();
        let page = Page::from_sorted(names, &opts, |s| s.as_str());
        let items = futures::stream::iter(page.items)
            .map(|n| async move { self.find_policy(instance, &n, OP).await })
            .buffered(LIST_CONCURRENCY)
            .try_filter_map(|p| async move { Ok(p) })
            .try_collect()
            .await?;
        Ok(Page::new(items, page.next))
    }

    async fn delete_policy(&self, instance: &str, name: &str) -> Result<()> {
        const OP: &str = "delete_policy";
        self.require_instance(instance, OP).await?;
        match self
            .iam
            .delete_policy(OP, &policy_arn(&scoped(instance, name)))
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if is_missing(&e) => Ok(()),
            Err(e) => Err(ctx(e, OP).with_resource(ResourceKind::Policy, name)),
        }
    }

    async fn attach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        self.attachment(instance, user, policy, true, "attach_policy")
            .await
    }

    async fn detach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        self.attachment(instance, user, policy, false, "detach_policy")
            .await
    }

    async fn list_attached_policies(&self, instance: &str, user: &str) -> Result<Vec<String>> {
        const OP: &str = "list_attached_policies";
        self.require_user(instance, user, OP).await?;
        let names = self
            .iam
            .attached_policies(OP, &scoped(instance, user))
            .await
            .map_err(|e| ctx(e, OP).with_resource(ResourceKind::User, user))?;
        let mut out: Vec<String> = names
            .iter()
            .filter_map(|n| unscoped(instance, n).map(str::to_string))
            .collect();
        out.sort();
        Ok(out)
    }
}
