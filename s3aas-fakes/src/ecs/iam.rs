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

mod actions;
mod eval;

pub(super) use eval::{glob, key_owner, s3_action, s3_allowed, strings};

use super::EcsState;
use super::wire::{Ctx, fmt_time, rand_hex, xml_escape};
use actions::run;
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
