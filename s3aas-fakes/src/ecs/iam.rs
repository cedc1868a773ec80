//! The simulator's IAM API (ECS 3.6+, `ecs-and-cloudstack.md` §1.1, §1.4, §2.8).
//!
//! `POST /iam?Action=<Action>&...` (parameters in the query string, or form-encoded in the
//! body as AWS SDKs send them) with a management token and `x-emc-namespace`. Answers are
//! `{<Action>Result, ResponseMetadata{RequestId}}` in JSON when `Accept` asks for it, else
//! AWS-style XML (`<Action>Response>` with `<member>` lists); errors are
//! `{Error{Type, Code, Message}, RequestId}` / `<ErrorResponse>`, with AWS IAM's statuses
//! (`NoSuchEntity` 404, `EntityAlreadyExists`/`LimitExceeded`/`DeleteConflict` 409,
//! `InvalidInput`/`ValidationError`/`MalformedPolicyDocument` 400).
//!
//! Rules kept (from the reference and AWS IAM, which ECS follows): two access keys per user;
//! `Path` must be `/`; at most five versions per policy; a user with keys or attached policies
//! cannot be deleted, nor a policy that is attached or has non-default versions, nor a
//! policy's default version; detaching a policy that is not attached is `NoSuchEntity`;
//! policy documents come back URL-encoded; on S3, an IAM key may do what its user's attached
//! policies allow ([`s3_allowed`]). System policies (`urn:ecs:iam:::policy/...`) are
//! visible in every namespace (`PolicyScope` or `Scope` `AWS`/`All`), the namespace's own with `Local`.
//!
//! Assumptions where the reference is silent: a missing `x-emc-namespace` is `400
//! InvalidInput`, an unknown namespace `404 NoSuchEntity`; list markers are the last name of
//! the page.

// Handlers return the answer to send as their error: built once per request, never stored.
#![allow(clippy::result_large_err)]

use super::EcsState;
use super::wire::{Ctx, fmt_time, new_secret, rand_hex, xml_escape};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use wiremock::ResponseTemplate;

const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// An IAM user.
#[derive(Clone, Debug)]
pub struct IamUser {
    /// Unique id.
    pub id: String,
    /// Created.
    pub created: OffsetDateTime,
    /// Tags, in the order set.
    pub tags: Vec<(String, String)>,
    /// Access keys (at most two).
    pub keys: Vec<IamKey>,
    /// Attached policy ARNs.
    pub attached: BTreeSet<String>,
}

/// An IAM access key.
#[derive(Clone, Debug)]
pub struct IamKey {
    /// Access key id.
    pub id: String,
    /// Secret.
    pub secret: String,
    /// `Active` (true) or `Inactive`.
    pub active: bool,
    /// Created.
    pub created: OffsetDateTime,
}

/// A managed policy.
#[derive(Clone, Debug)]
pub struct IamPolicy {
    /// Unique id.
    pub id: String,
    /// Created.
    pub created: OffsetDateTime,
    /// Last new default version.
    pub updated: OffsetDateTime,
    /// Versions: (id, document, created).
    pub versions: Vec<(String, String, OffsetDateTime)>,
    /// The default version's id.
    pub default_version: String,
    /// The number the next version gets.
    pub next_version: u32,
    /// The description given at creation (immutable, as in AWS).
    pub description: String,
}

impl IamPolicy {
    fn new(doc: String) -> Self {
        let now = OffsetDateTime::now_utc();
        IamPolicy {
            id: format!("ANPA{}", rand_hex(8).to_uppercase()),
            created: now,
            updated: now,
            versions: vec![("v1".into(), doc, now)],
            default_version: "v1".into(),
            next_version: 2,
            description: String::new(),
        }
    }
}

/// The system policies every namespace sees.
pub(super) fn system_policies() -> BTreeMap<(String, String), IamPolicy> {
    let full = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["*"]}]}"#;
    let ro = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":["*"]}]}"#;
    let mut m = BTreeMap::new();
    m.insert(
        (String::new(), "ECSS3FullAccess".to_string()),
        IamPolicy::new(full.into()),
    );
    m.insert(
        (String::new(), "ECSS3ReadOnlyAccess".to_string()),
        IamPolicy::new(ro.into()),
    );
    m
}

fn user_arn(ns: &str, name: &str) -> String {
    format!("urn:ecs:iam::{ns}:user/{name}")
}

fn policy_arn(ns: &str, name: &str) -> String {
    format!("urn:ecs:iam::{ns}:policy/{name}")
}

/// `urn:ecs:iam::<ns>:policy/<name>` → (ns, name).
fn parse_policy_arn(arn: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("urn:ecs:iam::")?;
    let (ns, name) = rest.split_once(":policy/")?;
    Some((ns.to_string(), name.to_string()))
}

fn encode_doc(doc: &str) -> String {
    url::form_urlencoded::byte_serialize(doc.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn iam_name_ok(n: &str, max: usize) -> bool {
    !n.is_empty()
        && n.len() <= max
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

struct Iam<'a> {
    c: &'a Ctx<'a>,
    params: Vec<(String, String)>,
    action: String,
    request_id: String,
}

type Answer = Result<Value, ResponseTemplate>;

impl Iam<'_> {
    fn get(&self, k: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }

    fn need(&self, k: &str) -> Result<&str, ResponseTemplate> {
        self.get(k).filter(|v| !v.is_empty()).ok_or_else(|| {
            self.err(
                400,
                "ValidationError",
                &format!("1 validation error detected: Value null at '{k}' failed to satisfy constraint: Member must not be null"),
            )
        })
    }

    /// `Prefix.member.N[.suffix]` values in order of N.
    fn members(&self, prefix: &str, suffix: &str) -> Vec<String> {
        let mut out: Vec<(u32, String)> = self
            .params
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix(prefix)?.strip_prefix(".member.")?;
                let n = if suffix.is_empty() {
                    rest
                } else {
                    rest.strip_suffix(suffix)?.strip_suffix('.')?
                };
                Some((n.parse().ok()?, v.clone()))
            })
            .collect();
        out.sort();
        out.into_iter().map(|(_, v)| v).collect()
    }

    fn tags(&self) -> Vec<(String, String)> {
        let keys = self.members("Tags", "Key");
        let values = self.members("Tags", "Value");
        keys.into_iter()
            .enumerate()
            .map(|(i, k)| (k, values.get(i).cloned().unwrap_or_default()))
            .collect()
    }

    fn err(&self, status: u16, code: &str, message: &str) -> ResponseTemplate {
        let kind = if status >= 500 { "Receiver" } else { "Sender" };
        let r = ResponseTemplate::new(status)
            .insert_header("x-emc-request-id", self.request_id.as_str());
        if self.c.json {
            r.insert_header("content-type", "application/json").set_body_string(
                json!({"Error": {"Type": kind, "Code": code, "Message": message}, "RequestId": self.request_id})
                    .to_string(),
            )
        } else {
            r.insert_header("content-type", "text/xml").set_body_string(format!(
                "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
                xml_escape(message),
                self.request_id
            ))
        }
    }

    fn no_such(&self, what: &str) -> ResponseTemplate {
        self.err(404, "NoSuchEntity", &format!("The {what} cannot be found."))
    }

    fn answer(&self, result: Value) -> ResponseTemplate {
        let action = &self.action;
        let r =
            ResponseTemplate::new(200).insert_header("x-emc-request-id", self.request_id.as_str());
        if self.c.json {
            let mut body = json!({"ResponseMetadata": {"RequestId": self.request_id}});
            if !result.is_null() {
                body[format!("{action}Result")] = result;
            }
            r.insert_header("content-type", "application/json")
                .set_body_string(body.to_string())
        } else {
            let mut s = format!("<{action}Response xmlns=\"{XMLNS}\">");
            if !result.is_null() {
                xml(&format!("{action}Result"), &result, &mut s);
            }
            s.push_str(&format!(
                "<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
                self.request_id
            ));
            r.insert_header("content-type", "text/xml")
                .set_body_string(s)
        }
    }
}

/// AWS query-protocol XML: arrays become `<member>` lists.
fn xml(name: &str, v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in m {
                xml(k, v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Array(a) => {
            out.push_str(&format!("<{name}>"));
            for v in a {
                xml("member", v, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Null => {}
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", xml_escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

/// Answers one `/iam` request.
pub(super) fn handle(st: &mut EcsState, c: &Ctx<'_>) -> ResponseTemplate {
    let mut params: Vec<(String, String)> = c
        .req
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let form = c
        .req
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("x-www-form-urlencoded"));
    if form {
        params.extend(
            url::form_urlencoded::parse(&c.req.body).map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }
    let action = params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let iam = Iam {
        c,
        params,
        action,
        request_id: format!("{}-{}-{}", rand_hex(4), rand_hex(2), rand_hex(6)),
    };
    if c.req.method.as_str() != "POST" {
        return iam.err(405, "InvalidAction", "The IAM API is called with POST");
    }
    if !st.iam_enabled {
        return ResponseTemplate::new(404);
    }
    let ns = c
        .req
        .headers
        .get("x-emc-namespace")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if ns.is_empty() {
        return iam.err(
            400,
            "InvalidInput",
            "The x-emc-namespace header is required when a management user calls the IAM API",
        );
    }
    if !st.namespaces.contains_key(&ns) {
        return iam.err(404, "NoSuchEntity", &format!("Namespace {ns} not found"));
    }
    match run(st, &iam, &ns) {
        Ok(v) => iam.answer(v),
        Err(r) => r,
    }
}

fn user_json(ns: &str, name: &str, u: &IamUser, with_tags: bool) -> Value {
    let mut v = json!({
        "Path": "/",
        "UserName": name,
        "UserId": u.id,
        "Arn": user_arn(ns, name),
        "CreateDate": fmt_time(u.created),
    });
    if with_tags && !u.tags.is_empty() {
        v["Tags"] = tags_json(&u.tags);
    }
    v
}

fn tags_json(tags: &[(String, String)]) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

fn attachments(st: &EcsState, arn: &str) -> usize {
    st.iam_users
        .values()
        .filter(|u| u.attached.contains(arn))
        .count()
}

fn policy_json(st: &EcsState, pns: &str, name: &str, p: &IamPolicy) -> Value {
    let arn = policy_arn(pns, name);
    json!({
        "PolicyName": name,
        "PolicyId": p.id,
        "Arn": arn,
        "Path": "/",
        "Description": p.description,
        "DefaultVersionId": p.default_version,
        "AttachmentCount": attachments(st, &arn),
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": true,
        "CreateDate": fmt_time(p.created),
        "UpdateDate": fmt_time(p.updated),
    })
}

/// One page of `items` after `Marker`, at most `MaxItems` (default 100).
fn paged(iam: &Iam<'_>, items: Vec<(String, Value)>, field: &str) -> Answer {
    let max: usize = match iam.get("MaxItems") {
        None => 100,
        Some(m) => match m.parse() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(iam.err(
                    400,
                    "ValidationError",
                    "MaxItems must be between 1 and 1000",
                ));
            }
        },
    };
    let marker = iam.get("Marker").map(str::to_string);
    let mut items = items;
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let rest: Vec<(String, Value)> = items
        .into_iter()
        .filter(|(k, _)| marker.as_deref().is_none_or(|m| k.as_str() > m))
        .collect();
    let truncated = rest.len() > max;
    let page: Vec<(String, Value)> = rest.into_iter().take(max).collect();
    let mut r = json!({"IsTruncated": truncated});
    if truncated {
        r["Marker"] = json!(page.last().map(|(k, _)| k.clone()).unwrap_or_default());
    }
    r[field] = Value::Array(page.into_iter().map(|(_, v)| v).collect());
    Ok(r)
}

fn valid_document(iam: &Iam<'_>, doc: &str) -> Result<(), ResponseTemplate> {
    let ok = serde_json::from_str::<Value>(doc).ok().is_some_and(|v| {
        v.get("Version").is_some()
            && v.get("Statement")
                .is_some_and(|s| s.is_array() || s.is_object())
    });
    if ok {
        Ok(())
    } else {
        Err(iam.err(
            400,
            "MalformedPolicyDocument",
            "The policy document is not valid JSON with Version and Statement",
        ))
    }
}

fn run(st: &mut EcsState, iam: &Iam<'_>, ns: &str) -> Answer {
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

/// The IAM user holding access key `ak` and the key, if any.
pub(super) fn key_owner<'a>(st: &'a EcsState, ak: &str) -> Option<&'a IamKey> {
    st.iam_users
        .values()
        .flat_map(|u| u.keys.iter())
        .find(|k| k.id == ak)
}

/// The S3 action and resource ARN a request asks for (the common ones; anything else maps to
/// an action no s3aas helper policy grants, so only `s3:*` allows it).
pub(super) fn s3_action(method: &str, path: &str, query: &str) -> (String, String) {
    let path = path.trim_start_matches('/');
    let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
    let has = |q: &str| {
        query
            .split('&')
            .any(|p| p == q || p.starts_with(&format!("{q}=")))
    };
    if bucket.is_empty() {
        return ("s3:ListAllMyBuckets".into(), "*".into());
    }
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    if key.is_empty() {
        let action = match method {
            "GET" | "HEAD" if has("versions") => "s3:ListBucketVersions",
            "GET" if has("location") => "s3:GetBucketLocation",
            "GET" if has("versioning") => "s3:GetBucketVersioning",
            "PUT" if has("versioning") => "s3:PutBucketVersioning",
            "GET" if has("policy") => "s3:GetBucketPolicy",
            "PUT" if has("policy") => "s3:PutBucketPolicy",
            "DELETE" if has("policy") => "s3:DeleteBucketPolicy",
            "POST" if has("delete") => "s3:DeleteObject",
            "GET" | "HEAD" => "s3:ListBucket",
            "PUT" => "s3:CreateBucket",
            "DELETE" => "s3:DeleteBucket",
            _ => "s3:UnknownBucketAction",
        };
        let resource = if action == "s3:DeleteObject" {
            format!("{bucket_arn}/*")
        } else {
            bucket_arn
        };
        return (action.into(), resource);
    }
    let versioned = has("versionId");
    let action = match method {
        "GET" | "HEAD" if versioned => "s3:GetObjectVersion",
        "GET" | "HEAD" => "s3:GetObject",
        "PUT" => "s3:PutObject",
        "DELETE" if versioned => "s3:DeleteObjectVersion",
        "DELETE" => "s3:DeleteObject",
        _ => "s3:UnknownObjectAction",
    };
    (action.into(), format!("{bucket_arn}/{key}"))
}

/// `*` and `?` wildcards, case-insensitive for actions as IAM matches them.
pub(super) fn glob(pattern: &str, text: &str, fold: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if fold {
        (
            pattern.to_ascii_lowercase().chars().collect(),
            text.to_ascii_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

pub(super) fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether the IAM user holding key `ak` may make this S3 request, by its attached policies'
/// default versions (an explicit `Deny` wins; no matching `Allow` denies, as for any IAM user,
/// who owns no bucket). `None` if `ak` is not an IAM key.
pub(super) fn s3_allowed(
    st: &EcsState,
    ak: &str,
    method: &str,
    path: &str,
    query: &str,
) -> Option<bool> {
    let user = st
        .iam_users
        .values()
        .find(|u| u.keys.iter().any(|k| k.id == ak))?;
    let (action, resource) = s3_action(method, path, query);
    let mut allowed = false;
    for arn in &user.attached {
        let Some(pol) = parse_policy_arn(arn).and_then(|k| st.iam_policies.get(&k)) else {
            continue;
        };
        let Some((_, doc, _)) = pol
            .versions
            .iter()
            .find(|(id, _, _)| *id == pol.default_version)
        else {
            continue;
        };
        let Ok(doc) = serde_json::from_str::<Value>(doc) else {
            continue;
        };
        let statements = match doc.get("Statement") {
            Some(Value::Array(a)) => a.clone(),
            Some(one) => vec![one.clone()],
            None => Vec::new(),
        };
        for s in statements {
            let acts = strings(s.get("Action"));
            let ress = strings(s.get("Resource"));
            if acts.iter().any(|a| glob(a, &action, true))
                && ress.iter().any(|r| glob(r, &resource, false))
            {
                match s.get("Effect").and_then(Value::as_str) {
                    Some("Deny") => return Some(false),
                    Some("Allow") => allowed = true,
                    _ => {}
                }
            }
        }
    }
    Some(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_and_globs() {
        assert_eq!(s3_action("GET", "/b/k/x.txt", "").0, "s3:GetObject");
        assert_eq!(s3_action("GET", "/b", "list-type=2").0, "s3:ListBucket");
        assert_eq!(
            s3_action("GET", "/b", "versions").0,
            "s3:ListBucketVersions"
        );
        assert_eq!(
            s3_action("PUT", "/b", "versioning").0,
            "s3:PutBucketVersioning"
        );
        assert_eq!(
            s3_action("DELETE", "/b/k", "versionId=3").0,
            "s3:DeleteObjectVersion"
        );
        assert_eq!(s3_action("GET", "/", "").0, "s3:ListAllMyBuckets");
        assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/k/x", false));
        assert!(!glob("arn:aws:s3:::b/*", "arn:aws:s3:::bb/k", false));
        assert!(glob("s3:Get*", "s3:getobject", true));
        assert!(glob("*", "anything", false));
        assert!(!glob("s3:List?", "s3:ListBucket", true));
    }
}
