//! Named policies: inline IAM policies of the instance's keyless, suspended user
//! `<tenant>$s3aas-policies` (the store: it holds the documents and signs nothing, so they
//! grant nothing there); attaching one puts the same document, under the same name, as an
//! inline policy of the user (`PutUserPolicy` on RGW's IAM API, admin signed, `user-policy=*`
//! cap). A user's inline policy names are its attached policies.

use crate::provider::*;
use s3aas_http::iam::Members;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct ListUserPoliciesResult {
    policy_names: Members<String>,
    is_truncated: bool,
    marker: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct GetUserPolicyResult {
    policy_document: String,
}

/// RGW answers the document as it was put; AWS URL-encodes it. Both are read.
fn parse_document(raw: &str) -> Result<PolicyDocument> {
    let text = raw.trim();
    if text.starts_with('%') {
        let decoded: String = url::form_urlencoded::parse(format!("d={text}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        return PolicyDocument::parse(&decoded);
    }
    PolicyDocument::parse(text)
}

impl CephProvider {
    /// The inline policy names of a user, sorted; `None` when RGW says the user is missing.
    async fn inline_names(&self, uid: &str, op: &'static str) -> Result<Option<Vec<String>>> {
        let mut names = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut params = vec![("UserName", uid.to_string())];
            if let Some(m) = &marker {
                params.push(("Marker", m.clone()));
            }
            let p: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r: ListUserPoliciesResult = match self
                .iam
                .call(op, "ListUserPolicies", &p, Idempotency::Idempotent)
                .await
            {
                Ok(r) => r,
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            names.extend(r.policy_names.member);
            match r.marker.filter(|m| r.is_truncated && !m.is_empty()) {
                Some(m) if marker.as_deref() != Some(m.as_str()) => marker = Some(m),
                _ => break,
            }
        }
        names.sort();
        names.dedup();
        Ok(Some(names))
    }

    /// An inline policy's document; `None` when the user or policy is missing.
    async fn inline_get(
        &self,
        uid: &str,
        name: &str,
        op: &'static str,
    ) -> Result<Option<PolicyDocument>> {
        match self
            .iam
            .call::<GetUserPolicyResult>(
                op,
                "GetUserPolicy",
                &[("UserName", uid), ("PolicyName", name)],
                Idempotency::Idempotent,
            )
            .await
        {
            Ok(r) => parse_document(&r.policy_document)
                .map(Some)
                .map_err(|e| ctx(e, op)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn inline_put(
        &self,
        uid: &str,
        name: &str,
        doc: &PolicyDocument,
        op: &'static str,
    ) -> Result<()> {
        let json = doc.to_json();
        self.iam
            .send(
                op,
                "PutUserPolicy",
                &[
                    ("UserName", uid),
                    ("PolicyName", name),
                    ("PolicyDocument", &json),
                ],
                Idempotency::Idempotent,
            )
            .await
            .map(drop)
    }

    async fn inline_delete(&self, uid: &str, name: &str, op: &'static str) -> Result<()> {
        match self
            .iam
            .send(
                op,
                "DeleteUserPolicy",
                &[("UserName", uid), ("PolicyName", name)],
                Idempotency::Idempotent,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Runs `change` (an Admin Ops change of user `uid`: a key added or removed, suspend or
    /// unsuspend, a user quota set) and puts the user's inline policies back afterwards. Ceph Pacific's Admin
    /// Ops user changes rewrite the user without its inline policies (seen: after
    /// `PUT /admin/user?key`, `DELETE /admin/user?key`, `POST /admin/user?suspended=` or
    /// `PUT /admin/user?quota`, `ListUserPolicies` is empty and the user's keys are refused), so the documents are read
    /// first and put again.
    pub(crate) async fn keeping_policies<T, Fut>(
        &self,
        uid: &str,
        op: &'static str,
        change: Fut,
    ) -> Result<T>
    where
        Fut: std::future::Future<Output = Result<T>> + Send,
    {
        if !self.caps.policy_attach {
            return change.await;
        }
        let names = self.inline_names(uid, op).await?.unwrap_or_default();
        let mut docs = Vec::with_capacity(names.len());
        for n in names {
            if let Some(d) = self.inline_get(uid, &n, op).await? {
                docs.push((n, d));
            }
        }
        let out = change.await?;
        if !docs.is_empty() {
            let now = self.inline_names(uid, op).await?.unwrap_or_default();
            for (n, d) in &docs {
                if !now.contains(n) {
                    self.inline_put(uid, n, d, op).await?;
                }
            }
        }
        Ok(out)
    }

    /// The instance's users that have `policy` attached.
    async fn holders(&self, instance: &str, policy: &str, op: &'static str) -> Result<Vec<String>> {
        let users = self.user_names(instance, op).await?;
        let found = each_present(users, |u| async move {
            let names = self
                .inline_names(&uid(instance, &u), op)
                .await?
                .unwrap_or_default();
            Ok((u, names.iter().any(|n| n == policy)))
        })
        .await?;
        Ok(found
            .into_iter()
            .filter(|(_, has)| *has)
            .map(|(u, _)| u)
            .collect())
    }

    async fn stored(&self, instance: &str, name: &str, op: &'static str) -> Result<PolicyDocument> {
        self.inline_get(&uid(instance, POLICY_USER), name, op)
            .await?
            .ok_or_else(|| ctx(Error::not_found(ResourceKind::Policy, name), op))
    }
}

#[async_trait]
impl PolicyAdmin for CephProvider {
    async fn put_policy(&self, instance: &str, req: PutPolicy) -> Result<Policy> {
        const OP: &str = "put_policy";
        self.system(instance, OP).await?;
        let holder = uid(instance, POLICY_USER);
        self.inline_put(&holder, &req.name, &req.document, OP)
            .await?;
        // A changed document reaches every user it is attached to.
        for u in self.holders(instance, &req.name, OP).await? {
            self.inline_put(&uid(instance, &u), &req.name, &req.document, OP)
                .await?;
        }
        Ok(Policy::new(instance, &req.name, req.document))
    }

    async fn get_policy(&self, instance: &str, name: &str) -> Result<Policy> {
        const OP: &str = "get_policy";
        self.system(instance, OP).await?;
        let doc = self.stored(instance, name, OP).await?;
        Ok(Policy::new(instance, name, doc))
    }

    async fn list_policies(&self, instance: &str, opts: ListOptions) -> Result<Page<Policy>> {
        const OP: &str = "list_policies";
        self.system(instance, OP).await?;
        let names = self
            .inline_names(&uid(instance, POLICY_USER), OP)
            .await?
            .unwrap_or_default();
        let page = Page::from_sorted(names, &opts, |n| n);
        let items = each_present(page.items, |n| async move {
            let doc = self.stored(instance, &n, OP).await?;
            Ok(Policy::new(instance, &n, doc))
        })
        .await?;
        Ok(Page::new(items, page.next))
    }

    async fn delete_policy(&self, instance: &str, name: &str) -> Result<()> {
        const OP: &str = "delete_policy";
        self.system(instance, OP).await?;
        let holders = self.holders(instance, name, OP).await?;
        if !holders.is_empty() {
            return Err(ctx(
                Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "policy '{name}' is attached to user(s) {}: detach it first",
                        holders.join(", ")
                    ),
                )
                .with_resource(ResourceKind::Policy, name),
                OP,
            ));
        }
        self.inline_delete(&uid(instance, POLICY_USER), name, OP)
            .await
    }

    async fn attach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        const OP: &str = "attach_policy";
        check_user_name(user, OP)?;
        self.instance_user(instance, user, OP).await?;
        let doc = self.stored(instance, policy, OP).await?;
        self.inline_put(&uid(instance, user), policy, &doc, OP)
            .await
    }

    async fn detach_policy(&self, instance: &str, user: &str, policy: &str) -> Result<()> {
        const OP: &str = "detach_policy";
        check_user_name(user, OP)?;
        self.instance_user(instance, user, OP).await?;
        self.inline_delete(&uid(instance, user), policy, OP).await
    }

    async fn list_attached_policies(&self, instance: &str, user: &str) -> Result<Vec<String>> {
        const OP: &str = "list_attached_policies";
        check_user_name(user, OP)?;
        self.instance_user(instance, user, OP).await?;
        Ok(self
            .inline_names(&uid(instance, user), OP)
            .await?
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_plain_or_url_encoded() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        let a = parse_document(plain).unwrap();
        let enc: String = url::form_urlencoded::byte_serialize(plain.as_bytes()).collect();
        let b = parse_document(&enc).unwrap();
        assert!(a.semantically_eq(&b));
        assert!(parse_document("nope").is_err());
    }
}
