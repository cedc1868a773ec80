//! The IAM actions: users, tags, access keys, managed policies and their versions, attachments.

use super::{
    Answer, Iam, IamKey, IamPolicy, IamUser, attachments, encode_doc, iam_name_ok, paged,
    parse_policy_arn, policy_arn, policy_json, tags_json, user_json, valid_document,
};
use crate::ecs::EcsState;
use crate::ecs::wire::{fmt_time, new_secret, rand_hex};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use time::OffsetDateTime;
use wiremock::ResponseTemplate;

pub(super) fn run(st: &mut EcsState, iam: &Iam<'_>, ns: &str) -> Answer {
    let key = |name: &str| (ns.to_string(), name.to_string());
    let no_user = |name: &str| iam.no_such(&format!("user with name {name}"));
    let user_name = || -> Result<String, ResponseTemplate> {
        let n = iam.need("UserName")?;
        if !iam_name_ok(n, 64) {
            return Err(iam.err(
                400,
                "ValidationError",
                &format!("The specified value for userName is invalid: {n}"),
            ));
        }
        Ok(n.to_string())
    };
    // The policy an ARN names, if this namespace may use it.
    let policy_of = |st: &EcsState, arn: &str| -> Result<(String, String), ResponseTemplate> {
        match parse_policy_arn(arn) {
            Some((pns, name))
                if (pns.is_empty() || pns == ns)
                    && st.iam_policies.contains_key(&(pns.clone(), name.clone())) =>
            {
                Ok((pns, name))
            }
            Some(_) => Err(iam.err(
                404,
                "NoSuchEntity",
                &format!("Policy {arn} does not exist or is not attachable."),
            )),
            None => Err(iam.err(400, "InvalidInput", &format!("ARN {arn} is not valid."))),
        }
    };
    match iam.action.as_str() {
        "CreateUser" => {
            let name = user_name()?;
            if iam.get("Path").is_some_and(|p| p != "/") {
                return Err(iam.err(400, "InvalidInput", "Path must be \"/\""));
            }
            if st.iam_users.contains_key(&key(&name)) {
                return Err(iam.err(
                    409,
                    "EntityAlreadyExists",
                    &format!("User with name {name} already exists."),
                ));
            }
            let tags = iam.tags();
            if tags.len() > 50 {
                return Err(iam.err(
                    409,
                    "LimitExceeded",
                    "Cannot exceed quota for TagsPerUser: 50",
                ));
            }
            let u = IamUser {
                id: format!("AIDA{}", rand_hex(8).to_uppercase()),
                created: OffsetDateTime::now_utc(),
                tags,
                keys: Vec::new(),
                attached: BTreeSet::new(),
            };
            let v = user_json(ns, &name, &u, true);
            st.iam_users.insert(key(&name), u);
            Ok(json!({"User": v}))
        }
        "GetUser" => {
            let name = user_name()?;
            let u = st
                .iam_users
                .get(&key(&name))
                .ok_or_else(|| no_user(&name))?;
            Ok(json!({"User": user_json(ns, &name, u, true)}))
        }
        "ListUsers" => {
            let items = st
                .iam_users
                .iter()
                .filter(|((n, _), _)| n == ns)
                .map(|((_, name), u)| (name.clone(), user_json(ns, name, u, false)))
                .collect();
            paged(iam, items, "Users")
        }
        "DeleteUser" => {
            let name = user_name()?;
            let u = st
                .iam_users
                .get(&key(&name))
                .ok_or_else(|| no_user(&name))?;
            if !u.keys.is_empty() {
                return Err(iam.err(
                    409,
                    "DeleteConflict",
                    "Cannot delete entity, must delete access keys first.",
                ));
            }
            if !u.attached.is_empty() {
                return Err(iam.err(
                    409,
                    "DeleteConflict",
                    "Cannot delete entity, must detach all policies first.",
                ));
            }
            st.iam_users.remove(&key(&name));
            Ok(Value::Null)
        }
        "TagUser" => {
            let name = user_name()?;
            let tags = iam.tags();
            let u = st
                .iam_users
                .get_mut(&key(&name))
                .ok_or_else(|| no_user(&name))?;
            for (k, v) in tags {
                match u.tags.iter_mut().find(|(tk, _)| *tk == k) {
                    Some(t) => t.1 = v,
                    None => u.tags.push((k, v)),
                }
            }
            if u.tags.len() > 50 {
                return Err(iam.err(
                    409,
                    "LimitExceeded",
                    "Cannot exceed quota for TagsPerUser: 50",
                ));
            }
            Ok(Value::Null)
        }
        "UntagUser" => {
            let name = user_name()?;
            let keys = iam.members("TagKeys", "");
            let u = st
                .iam_users
                .get_mut(&key(&name))
                .ok_or_else(|| no_user(&name))?;
            u.tags.retain(|(k, _)| !keys.contains(k));
            Ok(Value::Null)
        }
        "ListUserTags" => {
            let name = user_name()?;
            let u = st
                .iam_users
                .get(&key(&name))
                .ok_or_else(|| no_user(&name))?;
            Ok(json!({"Tags": tags_json(&u.tags), "IsTruncated": false}))
        }
        "CreateAccessKey" => {
            let name = user_name()?;
            let u = st
                .iam_users
                .get_mut(&key(&name))
                .ok_or_else(|| no_user(&name))?;
            if u.keys.len() >= 2 {
                return Err(iam.err(
                    409,
                    "LimitExceeded",
                    "Cannot exceed quota for AccessKeysPerUser: 2",
                ));
            }
            let k = IamKey {
                id: format!("AKIA{}", rand_hex(8).to_uppercase()),
                secret: new_secret(),
                active: true,
                created: OffsetDateTime::now_utc(),
            };
            let v = json!({"AccessKey": {
                "UserName": name,
                "AccessKeyId": k.id,
                "Status": "Active",
                "SecretAccessKey": k.secret,
                "CreateDate": fmt_time(k.created),
            }});
            u.keys.push(k);
            Ok(v)
        }
        "ListAccessKeys" => {
            let name = user_name()?;
            let u = st
                .iam_users
                .get(&key(&name))
                .ok_or_else(|| no_user(&name))?;
            let items = u
                .keys
                .iter()
                .map(|k| {
                    (
                        k.id.clone(),
                        json!({
                            "UserName": name,
                            "AccessKeyId": k.id,
                            "Status": if k.active { "Active" } else { "Inactive" },
                            "CreateDate": fmt_time(k.created),
                        }),
                    )
                })
                .collect();
            paged(iam, items, "AccessKeyMetadata")
        }
        "UpdateAccessKey" => {
            let name = user_name()?;
            let id = iam.need("AccessKeyId")?.to_string();
            let active = match iam.need("Status")? {
                "Active" => true,
                "Inactive" => false,
                other => {
                    return Err(iam.err(400, "ValidationError", &format!("Value '{other}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")));
                }
            };
            let u = st
                .iam_users
                .get_mut(&key(&name))
                .ok_or_else(|| no_user(&name))?;
            let k = u
                .keys
                .iter_mut()
                .find(|k| k.id == id)
                .ok_or_else(|| iam.no_such(&format!("Access Key with id {id}")))?;
            k.active = active;
            Ok(Value::Null)
        }
        "DeleteAccessKey" => {
            let name = user_name()?;
            let id = iam.need("AccessKeyId")?.to_string();
            let u = st
                .iam_users
                .get_mut(&key(&name))
                .ok_or_else(|| no_user(&name))?;
            let before = u.keys.len();
            u.keys.retain(|k| k.id != id);
            if u.keys.len() == before {
                return Err(iam.no_such(&format!("Access Key with id {id}")));
            }
            Ok(Value::Null)
        }
        "CreatePolicy" => {
            let name = iam.need("PolicyName")?.to_string();
            if !iam_name_ok(&name, 128) {
                return Err(iam.err(
                    400,
                    "ValidationError",
                    &format!("The specified value for policyName is invalid: {name}"),
                ));
            }
            if iam.get("Path").is_some_and(|p| p != "/") {
                return Err(iam.err(400, "InvalidInput", "Path must be \"/\""));
            }
            let doc = iam.need("PolicyDocument")?.to_string();
            valid_document(iam, &doc)?;
            if st.iam_policies.contains_key(&key(&name)) {
                return Err(iam.err(
                    409,
                    "EntityAlreadyExists",
                    &format!(
                        "A policy called {name} already exists. Duplicate names are not allowed."
                    ),
                ));
            }
            let mut pol = IamPolicy::new(doc);
            pol.description = iam.get("Description").unwrap_or_default().to_string();
            let v = policy_json(st, ns, &name, &pol);
            st.iam_policies.insert(key(&name), pol);
            Ok(json!({"Policy": v}))
        }
        "GetPolicy" => {
            let (pns, name) = policy_of(st, iam.need("PolicyArn")?)?;
            let pol = &st.iam_policies[&(pns.clone(), name.clone())];
            Ok(json!({"Policy": policy_json(st, &pns, &name, pol)}))
        }
        "ListPolicies" => {
            // Dell's spec names it `PolicyScope` (All, ECS, AWS, Local); AWS clients such as
            // boto3 send AWS's `Scope`. The references disagree, so both are read.
            let scope = iam
                .get("PolicyScope")
                .or_else(|| iam.get("Scope"))
                .unwrap_or("All");
            let only_attached = iam.get("OnlyAttached") == Some("true");
            let items = st
                .iam_policies
                .iter()
                .filter(|((pns, _), _)| match scope {
                    "Local" => pns == ns,
                    "AWS" | "ECS" => pns.is_empty(),
                    _ => pns == ns || pns.is_empty(),
                })
                .filter(|((pns, name), _)| {
                    !only_attached || attachments(st, &policy_arn(pns, name)) > 0
                })
                .map(|((pns, name), p)| (policy_arn(pns, name), policy_json(st, pns, name, p)))
                .collect();
            paged(iam, items, "Policies")
        }
        "GetPolicyVersion" => {
            let (pns, name) = policy_of(st, iam.need("PolicyArn")?)?;
            let vid = iam.need("VersionId")?;
            let pol = &st.iam_policies[&(pns, name)];
            let (id, doc, created) = pol
                .versions
                .iter()
                .find(|(id, _, _)| id == vid)
                .ok_or_else(|| iam.no_such(&format!("policy version {vid}")))?;
            Ok(json!({"PolicyVersion": {
                "Document": encode_doc(doc),
                "VersionId": id,
                "IsDefaultVersion": *id == pol.default_version,
                "CreateDate": fmt_time(*created),
            }}))
        }
        "ListPolicyVersions" => {
            let (pns, name) = policy_of(st, iam.need("PolicyArn")?)?;
            let pol = &st.iam_policies[&(pns, name)];
            let items = pol
                .versions
                .iter()
                .map(|(id, _, created)| {
                    (
                        id.clone(),
                        json!({"VersionId": id, "IsDefaultVersion": *id == pol.default_version, "CreateDate": fmt_time(*created)}),
                    )
                })
                .collect();
            paged(iam, items, "Versions")
        }
        "CreatePolicyVersion" => {
            let (pns, name) = policy_of(st, iam.need("PolicyArn")?)?;
            if pns.is_empty() {
                return Err(iam.err(400, "InvalidInput", "System policies cannot be changed"));
            }
            let doc = iam.need("PolicyDocument")?.to_string();
            valid_document(iam, &doc)?;
            let default = iam.get("SetAsDefault") == Some("true");
            let pol = st
                .iam_policies
                .get_mut(&(pns, name))
                .expect("checked above");
            if pol.versions.len() >= 5 {
                return Err(iam.err(409, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."));
            }
            let id = format!("v{}", pol.next_version);
            pol.next_version += 1;
            let now = OffsetDateTime::now_utc();
            pol.versions.push((id.clone(), doc, now));
            if default {
                pol.default_version = id.clone();
                pol.updated = now;
            }
            Ok(
                json!({"PolicyVersion": {"VersionId": id, "IsDefaultVersion": default, "CreateDate": fmt_time(now)}}),
            )
        }
        "DeletePolicyVersion" => {
            let (pns, name) = policy_of(st, iam.need("PolicyArn")?)?;
            let vid = iam.need("VersionId")?.to_string();
            let pol = st
                .iam_policies
                .get_mut(&(pns, name))
                .expect("checked above");
            if pol.default_version == vid {
                return Err(iam.err(
                    409,
                    "DeleteConflict",
                    "Cannot delete the default version of a policy.",
                ));
            }
            let before = pol.versions.len();
            pol.versions.retain(|(id, _, _)| *id != vid);
            if pol.versions.len() == before {
                return Err(iam.no_such(&format!("policy version {vid}")));
            }
            Ok(Value::Null)
        }
        "DeletePolicy" => {
            let arn = iam.need("PolicyArn")?.to_string();
            let (pns, name) = policy_of(st, &arn)?;
            if pns.is_empty() {
                return Err(iam.err(400, "InvalidInput", "System policies cannot be deleted"));
            }
            if attachments(st, &arn) > 0 {
                return Err(iam.err(
                    409,
                    "DeleteConflict",
                    "Cannot delete a policy attached to entities.",
                ));
            }
            if st.iam_policies[&(pns.clone(), name.clone())].versions.len() > 1 {
                return Err(iam.err(409, "DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."));
            }
            st.iam_policies.remove(&(pns, name));
            Ok(Value::Null)
        }
        "AttachUserPolicy" | "DetachUserPolicy" => {
            let name = user_name()?;
            let arn = iam.need("PolicyArn")?.to_string();
            if !st.iam_users.contains_key(&key(&name)) {
                return Err(no_user(&name));
            }
            let attach = iam.action == "AttachUserPolicy";
            if attach {
                policy_of(st, &arn)?;
            }
            let u = st.iam_users.get_mut(&key(&name)).expect("checked above");
            if attach {
                if !u.attached.contains(&arn) && u.attached.len() >= 10 {
                    return Err(iam.err(
                        409,
                        "LimitExceeded",
                        "Cannot exceed quota for PoliciesPerUser: 10",
                    ));
                }
                u.attached.insert(arn);
            } else if !u.attached.remove(&arn) {
                return Err(iam.err(404, "NoSuchEntity", &format!("Policy {arn} was not found.")));
            }
            Ok(Value::Null)
        }
        "ListAttachedUserPolicies" => {
            let name = user_name()?;
            let u = st
                .iam_users
                .get(&key(&name))
                .ok_or_else(|| no_user(&name))?;
            let items = u
                .attached
                .iter()
                .map(|arn| {
                    let pname = parse_policy_arn(arn).map(|(_, n)| n).unwrap_or_default();
                    (arn.clone(), json!({"PolicyName": pname, "PolicyArn": arn}))
                })
                .collect();
            paged(iam, items, "AttachedPolicies")
        }
        "" => Err(iam.err(400, "MissingAction", "Action is required")),
        other => Err(iam.err(
            400,
            "InvalidAction",
            &format!("The action {other} is not valid for this endpoint."),
        )),
    }
}
