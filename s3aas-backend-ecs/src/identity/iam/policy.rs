//! IAM mode: the namespace's managed policies (versions pruned under five) and attachments.

use super::*;
use crate::error::is_iam_not_found;
use crate::wire::iam as w;

impl EcsProvider {
    pub(crate) async fn iam_policy(
        &self,
        ns: &str,
        name: &str,
        op: &'static str,
    ) -> Result<Option<w::IamPolicy>> {
        match self
            .iam(
                op,
                ns,
                "GetPolicy",
                vec![p("PolicyArn", policy_arn(ns, name))],
            )
            .await
        {
            Ok(r) => w::policy(r.get("Policy").unwrap_or(&r))
                .map(Some)
                .ok_or_else(|| ctx(w::malformed("GetPolicy", "no Policy"), op)),
            Err(e) if is_iam_not_found(&e) => {
                self.require_instance(ns, op).await?;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn iam_document(
        &self,
        ns: &str,
        pol: &w::IamPolicy,
        op: &'static str,
    ) -> Result<PolicyDocument> {
        let version = pol.default_version.clone().unwrap_or_else(|| "v1".into());
        let r = self
            .iam(
                op,
                ns,
                "GetPolicyVersion",
                vec![p("PolicyArn", &pol.arn), p("VersionId", version)],
            )
            .await?;
        let v = r.get("PolicyVersion").unwrap_or(&r);
        let doc = w::str_field(v, "Document")
            .ok_or_else(|| ctx(w::malformed("GetPolicyVersion", "no Document"), op))?;
        w::document(&doc).map_err(|e| ctx(e, op))
    }

    pub(crate) fn iam_to_policy(ns: &str, pol: &w::IamPolicy, doc: PolicyDocument) -> Policy {
        let mut out = Policy::new(ns, &pol.name, doc);
        out.created = pol.created;
        out.updated = pol.updated.or(pol.created);
        out
    }

    pub(crate) async fn iam_versions(
        &self,
        ns: &str,
        arn: &str,
        op: &'static str,
    ) -> Result<Vec<(String, bool)>> {
        let v = self
            .iam_all(
                op,
                ns,
                "ListPolicyVersions",
                vec![p("PolicyArn", arn)],
                // Dell's spec names the list `PolicyVersions`; its Terraform provider reads
                // `Versions`. Both are read.
                "Versions|PolicyVersions",
            )
            .await?;
        Ok(v.iter()
            .filter_map(|x| {
                Some((
                    w::str_field(x, "VersionId")?,
                    w::truthy(x.get("IsDefaultVersion")),
                ))
            })
            .collect())
    }

    pub(crate) async fn iam_prune_versions(
        &self,
        ns: &str,
        arn: &str,
        op: &'static str,
    ) -> Result<()> {
        for (id, default) in self.iam_versions(ns, arn, op).await? {
            if default {
                continue;
            }
            match self
                .iam(
                    op,
                    ns,
                    "DeletePolicyVersion",
                    vec![p("PolicyArn", arn), p("VersionId", id)],
                )
                .await
            {
                Ok(_) => {}
                // Gone already, or made the default by a concurrent writer meanwhile.
                Err(e) if is_iam_not_found(&e) || e.code() == Some("DeleteConflict") => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    pub(crate) async fn iam_put_policy(&self, ns: &str, req: PutPolicy) -> Result<Policy> {
        let op = "put_policy";
        let arn = policy_arn(ns, &req.name);
        let doc = req.document.to_json();
        // Two rounds: a policy created by someone else between our GetPolicy and CreatePolicy
        // (EntityAlreadyExists) is then updated like any existing one.
        for round in 0..2 {
            if let Some(pol) = self.iam_policy(ns, &req.name, op).await? {
                let current = self.iam_document(ns, &pol, op).await?;
                if current.semantically_eq(&req.document) {
                    return Ok(Self::iam_to_policy(ns, &pol, current));
                }
                // At most five versions per policy: make room, add the new default, drop the
                // rest. Concurrent writers can fill the room again between the two steps
                // (LimitExceeded): prune and try again, a bounded number of times.
                let mut attempt = 0;
                loop {
                    self.iam_prune_versions(ns, &arn, op).await?;
                    match self
                        .iam(
                            op,
                            ns,
                            "CreatePolicyVersion",
                            vec![
                                p("PolicyArn", &arn),
                                p("PolicyDocument", doc.as_str()),
                                p("SetAsDefault", "true"),
                            ],
                        )
                        .await
                    {
                        Ok(_) => break,
                        Err(e) if e.code() == Some("LimitExceeded") && attempt < 8 => {
                            attempt += 1;
                        }
                        Err(e) => return Err(e),
                    }
                }
                self.iam_prune_versions(ns, &arn, op).await?;
                break;
            }
            match self
                .iam(
                    op,
                    ns,
                    "CreatePolicy",
                    vec![
                        p("PolicyName", &req.name),
                        p("PolicyDocument", doc.as_str()),
                        p("Path", "/"),
                        p("Description", POLICY_DESCRIPTION),
                    ],
                )
                .await
            {
                // CreatePolicy answers with the new policy: no GetPolicy needed to report it.
                Ok(r) => {
                    if let Some(pol) = w::policy(r.get("Policy").unwrap_or(&r)) {
                        return Ok(Self::iam_to_policy(ns, &pol, req.document));
                    }
                    break;
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists && round == 0 => continue,
                Err(e) => return Err(e),
            }
        }
        let pol = self
            .iam_policy(ns, &req.name, op)
            .await?
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::Policy, &req.name), op))?;
        Ok(Self::iam_to_policy(ns, &pol, req.document))
    }

    pub(crate) async fn iam_get_policy(&self, ns: &str, name: &str) -> Result<Policy> {
        let op = "get_policy";
        let pol = self
            .iam_policy(ns, name, op)
            .await?
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::Policy, name), op))?;
        let doc = self.iam_document(ns, &pol, op).await?;
        Ok(Self::iam_to_policy(ns, &pol, doc))
    }

    /// The namespace's own managed policies (not the system ones every namespace sees).
    pub(crate) async fn iam_local_policies(
        &self,
        ns: &str,
        op: &'static str,
    ) -> Result<Vec<w::IamPolicy>> {
        let local = policy_arn(ns, "");
        Ok(self
            .iam_all(
                op,
                ns,
                "ListPolicies",
                vec![p("PolicyScope", "Local")],
                "Policies",
            )
            .await?
            .iter()
            .filter_map(w::policy)
            .filter(|x| x.arn.starts_with(&local))
            .collect())
    }

    pub(crate) async fn iam_list_policies(
        &self,
        ns: &str,
        opts: ListOptions,
    ) -> Result<Page<Policy>> {
        let op = "list_policies";
        self.require_instance(ns, op).await?;
        let mut params = vec![
            p("PolicyScope", "Local"),
            p("MaxItems", opts.limit.unwrap_or(1000).max(1).to_string()),
        ];
        if let Some(m) = &opts.continuation {
            params.push(p("Marker", m));
        }
        let r = self.iam(op, ns, "ListPolicies", params).await?;
        let local = policy_arn(ns, "");
        let pols: Vec<w::IamPolicy> = w::members(r.get("Policies"))
            .into_iter()
            .filter_map(w::policy)
            .filter(|x| x.arn.starts_with(&local))
            .filter(|x| {
                opts.prefix
                    .as_deref()
                    .is_none_or(|pre| x.name.starts_with(pre))
            })
            .collect();
        let mut items: Vec<Policy> = futures::stream::iter(pols)
            .map(|pol| async move {
                let doc = self.iam_document(ns, &pol, op).await?;
                Ok::<_, Error>(Self::iam_to_policy(ns, &pol, doc))
            })
            .buffered(LIST_CONCURRENCY)
            .try_collect()
            .await?;
        items.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Page::new(items, w::next_marker(&r)))
    }

    pub(crate) async fn iam_remove_policy(
        &self,
        ns: &str,
        pol: &w::IamPolicy,
        op: &'static str,
    ) -> Result<()> {
        self.iam_prune_versions(ns, &pol.arn, op).await?;
        match self
            .iam(op, ns, "DeletePolicy", vec![p("PolicyArn", &pol.arn)])
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_iam_not_found(&e) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn iam_delete_policy(&self, ns: &str, name: &str) -> Result<()> {
        let op = "delete_policy";
        let Some(pol) = self.iam_policy(ns, name, op).await? else {
            return Ok(());
        };
        if pol.attachments.is_some_and(|n| n > 0) {
            return Err(ctx(
                Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "policy '{name}' is attached to {} user(s); detach it first",
                        pol.attachments.unwrap_or(0)
                    ),
                ),
                op,
            )
            .with_resource(ResourceKind::Policy, name));
        }
        self.iam_remove_policy(ns, &pol, op).await.map_err(|e| {
            if e.kind() == ErrorKind::Conflict {
                e.with_resource(ResourceKind::Policy, name)
            } else {
                e
            }
        })
    }

    pub(crate) async fn iam_attach(
        &self,
        ns: &str,
        user: &str,
        policy: &str,
        attach: bool,
    ) -> Result<()> {
        let op = if attach {
            "attach_policy"
        } else {
            "detach_policy"
        };
        let uname = self.iam_user_name(ns, user);
        let action = if attach {
            "AttachUserPolicy"
        } else {
            "DetachUserPolicy"
        };
        match self
            .iam(
                op,
                ns,
                action,
                vec![
                    p("UserName", &uname),
                    p("PolicyArn", policy_arn(ns, policy)),
                ],
            )
            .await
        {
            Ok(_) => Ok(()),
            // Which one is missing decides the answer: the user (always an error), or the
            // policy (an error to attach; nothing to detach).
            Err(e) if is_iam_not_found(&e) => {
                self.iam_get_user(ns, user, op).await?;
                if attach {
                    Err(e.with_resource(ResourceKind::Policy, policy))
                } else {
                    Ok(())
                }
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn iam_attached(&self, ns: &str, user: &str) -> Result<Vec<String>> {
        let op = "list_attached_policies";
        let items = self
            .iam_user_list(op, ns, user, "ListAttachedUserPolicies", "AttachedPolicies")
            .await?;
        let local = policy_arn(ns, "");
        let mut names: Vec<String> = items
            .iter()
            .filter_map(|v| w::str_field(v, "PolicyArn"))
            .filter_map(|a| a.strip_prefix(&local).map(str::to_string))
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }
}
