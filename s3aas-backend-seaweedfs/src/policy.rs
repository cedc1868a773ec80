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
            // It exists (or a lost answer made it): replace the document unless it is the same.
            // (An unchanged document is not sent again: SeaweedFS 4.48 validates
            // `CreatePolicyVersion` more strictly than `CreatePolicy` and refuses some valid
            // actions, e.g. `s3:ListBucketMultipartUploads`, that the first version holds.)
            Err(e) if e.kind() == ErrorKind::AlreadyExists || e.outcome_unknown() => {
                if let Some(cur) = self.find_policy(instance, &req.name, OP).await? {
                    if cur.document.semantically_eq(&req.document) {
                        return Ok(cur);
                    }
                }
                self.iam
                    .replace_policy(OP, &policy_arn(&iam_name), &doc)
                    .await
                    .map_err(fail)?;
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
