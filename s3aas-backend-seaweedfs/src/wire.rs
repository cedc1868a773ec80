//! The IAM actions this backend sends, typed: one method per action over [`IamClient`]. Pure
//! request shapes and answer types; no provider logic.

use s3aas_core::model::Tags;
use s3aas_core::{Result, SecretString};
use s3aas_http::iam::{IamAccessKey, IamTag, IamUser, Members};
use s3aas_http::{IamClient, Idempotency};
use serde::Deserialize;

/// The IAM client of a provider.
#[derive(Clone, Debug)]
pub(crate) struct Iam(pub(crate) IamClient);

/// The marker of the next page of a list answer, if any. AWS pages with `IsTruncated` and
/// `Marker`; SeaweedFS 4.48 answers everything at once, but a server that pages is followed.
/// (The paging fields are repeated in each answer type: quick-xml cannot `flatten`.)
fn next_marker(is_truncated: bool, marker: Option<String>) -> Option<String> {
    marker.filter(|m| is_truncated && !m.is_empty())
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct UsersPage {
    users: Members<IamUser>,
    is_truncated: bool,
    marker: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct UserResult {
    user: IamUser,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct TagsPage {
    tags: Members<IamTag>,
    is_truncated: bool,
    marker: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct PolicyName {
    policy_name: String,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct PoliciesPage {
    policies: Members<PolicyName>,
    is_truncated: bool,
    marker: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct AttachedPage {
    attached_policies: Members<PolicyName>,
    is_truncated: bool,
    marker: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct PolicyResult {
    policy: PolicyInfo,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct PolicyInfo {
    default_version_id: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct VersionResult {
    policy_version: PolicyVersion,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct PolicyVersion {
    document: String,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct KeysPage {
    access_key_metadata: Members<IamAccessKey>,
    is_truncated: bool,
    marker: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct NewKey {
    access_key: IamAccessKey,
}

/// A policy document as IAM returns it: AWS URL-encodes it (RFC 3986), SeaweedFS sends the JSON
/// as it is. A document that does not start like JSON is decoded.
pub(crate) fn policy_document_text(raw: &str) -> String {
    let t = raw.trim();
    if t.starts_with('{') {
        return t.to_string();
    }
    url::form_urlencoded::parse(format!("d={}", t.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A list answer: its items and where the next page starts.
trait Paged: serde::de::DeserializeOwned + Default {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

macro_rules! paged {
    ($page:ty, $field:ident, $item:ty) => {
        impl Paged for $page {
            type Item = $item;
            fn into_parts(self) -> (Vec<$item>, Option<String>) {
                (
                    self.$field.member,
                    next_marker(self.is_truncated, self.marker),
                )
            }
        }
    };
}

paged!(UsersPage, users, IamUser);
paged!(TagsPage, tags, IamTag);
paged!(PoliciesPage, policies, PolicyName);
paged!(AttachedPage, attached_policies, PolicyName);
paged!(KeysPage, access_key_metadata, IamAccessKey);

fn tag_params(tags: &Tags) -> Vec<(String, String)> {
    let mut p = Vec::with_capacity(tags.len() * 2);
    for (i, (k, v)) in tags.iter().enumerate() {
        p.push((format!("Tags.member.{}.Key", i + 1), k.clone()));
        p.push((format!("Tags.member.{}.Value", i + 1), v.clone()));
    }
    p
}

fn refs(p: &[(String, String)]) -> Vec<(&str, &str)> {
    p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

impl Iam {
    /// Sends an action whose answer carries nothing the backend reads.
    async fn act(
        &self,
        op: &'static str,
        action: &str,
        params: &[(&str, &str)],
        idempotency: Idempotency,
    ) -> Result<()> {
        self.0.send(op, action, params, idempotency).await.map(drop)
    }

    /// Every page of a list action: `params`, then `Marker` from the second page on.
    async fn all<P: Paged>(
        &self,
        op: &'static str,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<P::Item>> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut p = params.to_vec();
            if let Some(m) = &marker {
                p.push(("Marker", m));
            }
            let page: P = self.0.call(op, action, &p, Idempotency::Idempotent).await?;
            let (items, next) = page.into_parts();
            out.extend(items);
            marker = next;
            if marker.is_none() {
                return Ok(out);
            }
        }
    }

    /// `GetUser`; `None` asks about the signing identity.
    pub(crate) async fn get_user(&self, name: Option<&str>) -> Result<IamUser> {
        let params: Vec<(&str, &str)> = name.map(|n| ("UserName", n)).into_iter().collect();
        let r: UserResult = self
            .0
            .call("get_user", "GetUser", &params, Idempotency::Idempotent)
            .await?;
        Ok(r.user)
    }

    /// `CreateUser` with tags.
    pub(crate) async fn create_user(
        &self,
        op: &'static str,
        name: &str,
        tags: &Tags,
    ) -> Result<()> {
        let mut p = vec![("UserName".to_string(), name.to_string())];
        p.extend(tag_params(tags));
        self.act(op, "CreateUser", &refs(&p), Idempotency::NonIdempotent)
            .await
    }

    /// `DeleteUser` (SeaweedFS also drops the user's keys and attachments).
    pub(crate) async fn delete_user(&self, op: &'static str, name: &str) -> Result<()> {
        self.act(
            op,
            "DeleteUser",
            &[("UserName", name)],
            Idempotency::Idempotent,
        )
        .await
    }

    /// `ListUsers`, every page.
    pub(crate) async fn list_users(&self, op: &'static str) -> Result<Vec<IamUser>> {
        self.all::<UsersPage>(op, "ListUsers", &[("MaxItems", "1000")])
            .await
    }

    /// `TagUser`: adds or replaces these tags.
    pub(crate) async fn tag_user(&self, op: &'static str, name: &str, tags: &Tags) -> Result<()> {
        if tags.is_empty() {
            return Ok(());
        }
        let mut p = vec![("UserName".to_string(), name.to_string())];
        p.extend(tag_params(tags));
        self.act(op, "TagUser", &refs(&p), Idempotency::Idempotent)
            .await
    }

    /// `UntagUser`: removes these tag keys.
    pub(crate) async fn untag_user(
        &self,
        op: &'static str,
        name: &str,
        keys: &[&str],
    ) -> Result<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut p = vec![("UserName".to_string(), name.to_string())];
        for (i, k) in keys.iter().enumerate() {
            p.push((format!("TagKeys.member.{}", i + 1), k.to_string()));
        }
        self.act(op, "UntagUser", &refs(&p), Idempotency::Idempotent)
            .await
    }

    /// `ListUserTags`, every page.
    pub(crate) async fn list_user_tags(&self, op: &'static str, name: &str) -> Result<Tags> {
        let tags = self
            .all::<TagsPage>(op, "ListUserTags", &[("UserName", name)])
            .await?;
        Ok(tags.into_iter().map(|t| (t.key, t.value)).collect())
    }

    /// SeaweedFS's own `SetUserStatus` (`Active`/`Inactive`): an inactive user's keys are
    /// refused (`InvalidAccessKeyId`).
    pub(crate) async fn set_user_status(
        &self,
        op: &'static str,
        name: &str,
        active: bool,
    ) -> Result<()> {
        let status = if active { "Active" } else { "Inactive" };
        self.act(
            op,
            "SetUserStatus",
            &[("UserName", name), ("Status", status)],
            Idempotency::Idempotent,
        )
        .await
    }

    /// `CreatePolicy`.
    pub(crate) async fn create_policy(
        &self,
        op: &'static str,
        name: &str,
        doc: &str,
    ) -> Result<()> {
        self.act(
            op,
            "CreatePolicy",
            &[("PolicyName", name), ("PolicyDocument", doc)],
            Idempotency::NonIdempotent,
        )
        .await
    }

    /// `CreatePolicyVersion` as the default: replaces the document (SeaweedFS keeps one
    /// version, `v1`, and overwrites it).
    pub(crate) async fn replace_policy(
        &self,
        op: &'static str,
        arn: &str,
        doc: &str,
    ) -> Result<()> {
        self.act(
            op,
            "CreatePolicyVersion",
            &[
                ("PolicyArn", arn),
                ("PolicyDocument", doc),
                ("SetAsDefault", "true"),
            ],
            Idempotency::Idempotent,
        )
        .await
    }

    /// The default version's document of a policy (`GetPolicy`, then `GetPolicyVersion`).
    pub(crate) async fn policy_document(&self, op: &'static str, arn: &str) -> Result<String> {
        let p: PolicyResult = self
            .0
            .call(
                op,
                "GetPolicy",
                &[("PolicyArn", arn)],
                Idempotency::Idempotent,
            )
            .await?;
        let version = p.policy.default_version_id.unwrap_or_else(|| "v1".into());
        let v: VersionResult = self
            .0
            .call(
                op,
                "GetPolicyVersion",
                &[("PolicyArn", arn), ("VersionId", &version)],
                Idempotency::Idempotent,
            )
            .await?;
        Ok(policy_document_text(&v.policy_version.document))
    }

    /// `ListPolicies` (local scope), every page: the names.
    pub(crate) async fn list_policies(&self, op: &'static str) -> Result<Vec<String>> {
        let p = self
            .all::<PoliciesPage>(
                op,
                "ListPolicies",
                &[("Scope", "Local"), ("MaxItems", "1000")],
            )
            .await?;
        Ok(p.into_iter().map(|p| p.policy_name).collect())
    }

    /// `DeletePolicy` (`DeleteConflict` while attached).
    pub(crate) async fn delete_policy(&self, op: &'static str, arn: &str) -> Result<()> {
        self.act(
            op,
            "DeletePolicy",
            &[("PolicyArn", arn)],
            Idempotency::Idempotent,
        )
        .await
    }

    /// `AttachUserPolicy` or `DetachUserPolicy`.
    pub(crate) async fn attachment(
        &self,
        op: &'static str,
        attach: bool,
        user: &str,
        arn: &str,
    ) -> Result<()> {
        let action = if attach {
            "AttachUserPolicy"
        } else {
            "DetachUserPolicy"
        };
        self.act(
            op,
            action,
            &[("UserName", user), ("PolicyArn", arn)],
            Idempotency::Idempotent,
        )
        .await
    }

    /// `ListAttachedUserPolicies`, every page: the policy names.
    pub(crate) async fn attached_policies(
        &self,
        op: &'static str,
        user: &str,
    ) -> Result<Vec<String>> {
        let p = self
            .all::<AttachedPage>(op, "ListAttachedUserPolicies", &[("UserName", user)])
            .await?;
        Ok(p.into_iter().map(|p| p.policy_name).collect())
    }

    /// `CreateAccessKey`: the server picks the id and the secret.
    pub(crate) async fn create_access_key(
        &self,
        op: &'static str,
        user: &str,
    ) -> Result<(String, SecretString)> {
        let r: NewKey = self
            .0
            .call(
                op,
                "CreateAccessKey",
                &[("UserName", user)],
                Idempotency::NonIdempotent,
            )
            .await?;
        let k = r.access_key;
        match k.secret_access_key {
            Some(s) if !k.access_key_id.is_empty() => Ok((k.access_key_id, SecretString::from(s))),
            _ => Err(s3aas_core::Error::new(
                s3aas_core::ErrorKind::Backend,
                "CreateAccessKey answered without an access key id or secret",
            )
            .with_backend(crate::SCHEME)
            .with_operation(op)),
        }
    }

    /// `UpdateAccessKey` to `Active` or `Inactive`.
    pub(crate) async fn set_access_key_status(
        &self,
        op: &'static str,
        user: &str,
        id: &str,
        active: bool,
    ) -> Result<()> {
        let status = if active { "Active" } else { "Inactive" };
        self.act(
            op,
            "UpdateAccessKey",
            &[("UserName", user), ("AccessKeyId", id), ("Status", status)],
            Idempotency::Idempotent,
        )
        .await
    }

    /// `DeleteAccessKey` (a missing key is success on SeaweedFS).
    pub(crate) async fn delete_access_key(
        &self,
        op: &'static str,
        user: &str,
        id: &str,
    ) -> Result<()> {
        self.act(
            op,
            "DeleteAccessKey",
            &[("UserName", user), ("AccessKeyId", id)],
            Idempotency::Idempotent,
        )
        .await
    }

    /// `ListAccessKeys`, every page (no secrets).
    pub(crate) async fn list_access_keys(
        &self,
        op: &'static str,
        user: &str,
    ) -> Result<Vec<IamAccessKey>> {
        self.all::<KeysPage>(op, "ListAccessKeys", &[("UserName", user)])
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use s3aas_http::iam::parse_result;

    #[test]
    fn documents_are_read_raw_or_url_encoded() {
        let json = r#"{"Version":"2012-10-17","Statement":[]}"#;
        assert_eq!(policy_document_text(json), json);
        let enc: String = url::form_urlencoded::byte_serialize(json.as_bytes()).collect();
        assert_eq!(policy_document_text(&enc.replace('+', "%20")), json);
    }

    #[test]
    fn seaweedfs_answers_parse() {
        // Bodies as SeaweedFS 4.48 sent them (request ids shortened).
        let b = br#"<?xml version="1.0" encoding="UTF-8"?>
<GetPolicyVersionResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetPolicyVersionResult><PolicyVersion><Document>{&#34;Version&#34;:&#34;2012-10-17&#34;,&#34;Statement&#34;:[]}</Document><IsDefaultVersion>true</IsDefaultVersion><VersionId>v1</VersionId></PolicyVersion></GetPolicyVersionResult><ResponseMetadata><RequestId>18EE</RequestId></ResponseMetadata></GetPolicyVersionResponse>"#;
        let v: VersionResult = parse_result("GetPolicyVersion", b).unwrap();
        assert_eq!(
            policy_document_text(&v.policy_version.document),
            r#"{"Version":"2012-10-17","Statement":[]}"#
        );
        let b = br#"<ListAttachedUserPoliciesResponse><ListAttachedUserPoliciesResult><AttachedPolicies><member><PolicyName>acme--p1</PolicyName><PolicyArn>arn:aws:iam:::policy/acme--p1</PolicyArn></member></AttachedPolicies><IsTruncated>false</IsTruncated></ListAttachedUserPoliciesResult></ListAttachedUserPoliciesResponse>"#;
        let a: AttachedPage = parse_result("ListAttachedUserPolicies", b).unwrap();
        assert_eq!(a.attached_policies.member[0].policy_name, "acme--p1");
        assert_eq!(next_marker(a.is_truncated, a.marker), None);
        let b = br#"<ListUserTagsResponse><ListUserTagsResult><Tags><member><Key>s3aas:instance</Key><Value>acme</Value></member></Tags><IsTruncated>true</IsTruncated><Marker>m1</Marker></ListUserTagsResult></ListUserTagsResponse>"#;
        let t: TagsPage = parse_result("ListUserTags", b).unwrap();
        assert_eq!(t.tags.member[0].value, "acme");
        assert_eq!(next_marker(t.is_truncated, t.marker), Some("m1".into()));
        let b = br#"<ListUserTagsResponse><ListUserTagsResult><Tags></Tags><IsTruncated>false</IsTruncated></ListUserTagsResult></ListUserTagsResponse>"#;
        let t: TagsPage = parse_result("ListUserTags", b).unwrap();
        assert!(t.tags.member.is_empty());
    }

    #[test]
    fn tags_are_numbered_members() {
        let tags = Tags::from([("a".into(), "1".into()), ("b".into(), "2".into())]);
        assert_eq!(
            tag_params(&tags),
            [
                ("Tags.member.1.Key".to_string(), "a".to_string()),
                ("Tags.member.1.Value".into(), "1".into()),
                ("Tags.member.2.Key".into(), "b".into()),
                ("Tags.member.2.Value".into(), "2".into()),
            ]
        );
    }
}
