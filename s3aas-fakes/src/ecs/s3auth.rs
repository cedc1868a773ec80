//! Who may do what on the simulator's S3 side, as ECS decides it (ECS 3.5 Admin Guide, "Bucket
//! and namespace addressing"; ECS Data Access Guide, bucket policies; AWS S3 ownership rules,
//! which ECS follows):
//! - a request's namespace is its signer's: ECS "infers the namespace by using the namespace
//!   that the authenticated user is a member of"; an `x-emc-namespace` header naming another
//!   namespace is refused;
//! - a bucket of another namespace does not exist for the caller (`NoSuchBucket`);
//! - `ListBuckets` lists the caller's own buckets only;
//! - reconfiguring a bucket (any sub-resource: `?versioning`, `?policy`, `?tagging`, ...) and
//!   reading or writing its objects needs the bucket's owner, or a bucket policy that allows
//!   the action to the caller, or (IAM users) an attached policy that allows it. An explicit
//!   `Deny` wins.

use super::EcsState;
use super::iam::{glob, s3_action, s3_allowed, strings};
use crate::s3::{xml, xml_error};
use serde_json::Value;
use wiremock::{Request, ResponseTemplate};

/// The signer of an S3 request.
#[derive(Debug)]
pub(super) struct Caller {
    /// Its namespace.
    pub(super) ns: String,
    /// Object user id, or IAM user name.
    pub(super) id: String,
    /// The access key that signed (IAM users' keys are evaluated against their policies).
    pub(super) access_key: String,
    /// Whether it is an IAM user.
    pub(super) iam: bool,
}

/// Who signed with access key `ak` (an object user's id, or an IAM user's key).
pub(super) fn caller(st: &EcsState, ak: &str) -> Option<Caller> {
    if let Some(u) = st.users.get(ak) {
        return Some(Caller {
            ns: u.namespace.clone(),
            id: ak.to_string(),
            access_key: ak.to_string(),
            iam: false,
        });
    }
    st.iam_users
        .iter()
        .find(|(_, u)| u.keys.iter().any(|k| k.id == ak))
        .map(|((ns, name), _)| Caller {
            ns: ns.clone(),
            id: name.clone(),
            access_key: ak.to_string(),
            iam: true,
        })
}

/// `None` when `c` may make request `req`, else the refusal to answer with.
pub(super) fn refuse(st: &EcsState, req: &Request, c: &Caller) -> Option<ResponseTemplate> {
    if let Some(h) = req
        .headers
        .get("x-emc-namespace")
        .and_then(|v| v.to_str().ok())
    {
        if h != c.ns {
            return Some(xml_error(
                403,
                "AccessDenied",
                &format!(
                    "The signer belongs to namespace {}, not to namespace {h}",
                    c.ns
                ),
            ));
        }
    }
    let path = req.url.path().trim_start_matches('/');
    let bucket = path.split('/').next().unwrap_or_default();
    if bucket.is_empty() {
        return None; // ListBuckets: filtered by `list_buckets`.
    }
    let Some(meta) = st.buckets.get(bucket).filter(|m| m.namespace == c.ns) else {
        return Some(xml_error(
            404,
            "NoSuchBucket",
            "The specified bucket does not exist",
        ));
    };
    if !c.iam && meta.owner.as_deref() == Some(c.id.as_str()) {
        return None;
    }
    let query = req.url.query().unwrap_or_default();
    let (action, resource) = s3_action(req.method.as_str(), req.url.path(), query);
    let refused = |why: String| Some(xml_error(403, "AccessDenied", &why));
    if c.iam {
        // IAM users are judged by their attached policies (no policy, no access).
        return match s3_allowed(
            st,
            &c.access_key,
            req.method.as_str(),
            req.url.path(),
            query,
        ) {
            Some(true) => None,
            _ => refused(format!(
                "Access Denied: no attached policy of IAM user {} allows {action}",
                c.id
            )),
        };
    }
    match bucket_policy(st, bucket).and_then(|doc| decide(&doc, &c.id, &c.ns, &action, &resource)) {
        Some(true) => None,
        Some(false) => refused(format!(
            "Access Denied: the policy of bucket {bucket} denies {action} to {}",
            c.id
        )),
        None => refused(format!(
            "Access Denied: {} is not the owner of bucket {bucket} and no bucket policy allows {action}",
            c.id
        )),
    }
}

/// `None` when anonymous request `req` may proceed, else the refusal. ECS needs the namespace
/// of an anonymous request in its address ("Bucket and namespace addressing": the host, as
/// `bucket.namespace.baseurl`, or the `x-emc-namespace` header; the simulator models the
/// header), since no signer tells it; the request is then judged by the bucket policy's
/// statements whose principal is everyone (`*`). The answer without a namespace (`403
/// AccessDenied`) is assumed.
pub(super) fn anonymous(st: &EcsState, req: &Request) -> Option<ResponseTemplate> {
    let Some(ns) = req
        .headers
        .get("x-emc-namespace")
        .and_then(|v| v.to_str().ok())
    else {
        return Some(xml_error(
            403,
            "AccessDenied",
            "Access Denied: an anonymous request must name its namespace (x-emc-namespace or the host)",
        ));
    };
    let path = req.url.path().trim_start_matches('/');
    let bucket = path.split('/').next().unwrap_or_default();
    if bucket.is_empty() {
        return Some(xml_error(403, "AccessDenied", "Access Denied"));
    }
    if st.buckets.get(bucket).is_none_or(|m| m.namespace != ns) {
        return Some(xml_error(
            404,
            "NoSuchBucket",
            "The specified bucket does not exist",
        ));
    }
    let query = req.url.query().unwrap_or_default();
    let (action, resource) = s3_action(req.method.as_str(), req.url.path(), query);
    match bucket_policy(st, bucket).and_then(|doc| decide(&doc, "*", ns, &action, &resource)) {
        Some(true) => None,
        _ => Some(xml_error(
            403,
            "AccessDenied",
            &format!("Access Denied: no policy of bucket {bucket} allows {action} to everyone"),
        )),
    }
}

/// `GET /`: the caller's own buckets.
pub(super) fn list_buckets(st: &EcsState, c: &Caller) -> ResponseTemplate {
    let items: String = st
        .buckets
        .iter()
        .filter(|(_, m)| m.namespace == c.ns && !c.iam && m.owner.as_deref() == Some(c.id.as_str()))
        .map(|(b, m)| {
            format!(
                "<Bucket><Name>{b}</Name><CreationDate>{}</CreationDate></Bucket>",
                m.created
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            )
        })
        .collect();
    xml(format!(
        "<ListAllMyBucketsResult><Owner><ID>{}</ID></Owner><Buckets>{items}</Buckets></ListAllMyBucketsResult>",
        c.id
    ))
}

/// The bucket's policy, set through the management API or through S3.
fn bucket_policy(st: &EcsState, bucket: &str) -> Option<Value> {
    st.buckets
        .get(bucket)
        .and_then(|m| m.policy.clone())
        .or_else(|| {
            st.s3
                .buckets
                .get(bucket)
                .and_then(|b| b.policy.as_deref())
                .and_then(|p| serde_json::from_str(p).ok())
        })
}

/// What a bucket policy says about `principal` doing `action` on `resource`: `Some(false)` for
/// an explicit deny, `Some(true)` for an allow, `None` when no statement applies.
fn decide(doc: &Value, principal: &str, ns: &str, action: &str, resource: &str) -> Option<bool> {
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
        None => return None,
    };
    let mut verdict = None;
    for s in statements {
        if !principal_matches(s.get("Principal"), principal, ns) {
            continue;
        }
        let acts = strings(s.get("Action"));
        let ress = strings(s.get("Resource"));
        if !(acts.iter().any(|a| glob(a, action, true))
            && ress.iter().any(|r| glob(r, resource, false)))
        {
            continue;
        }
        match s.get("Effect").and_then(Value::as_str) {
            Some("Deny") => return Some(false),
            Some("Allow") => verdict = Some(true),
            _ => {}
        }
    }
    verdict
}

/// `*`, `{"AWS": "*"}`, the user id itself, or an ARN ending in `user/<id>` (or `:<id>`).
fn principal_matches(p: Option<&Value>, id: &str, ns: &str) -> bool {
    let names: Vec<String> = match p {
        Some(Value::Object(m)) => m.values().flat_map(|v| strings(Some(v))).collect(),
        other => strings(other),
    };
    names.iter().any(|n| {
        n == "*"
            || n == id
            || n.ends_with(&format!("user/{id}"))
            || n == &format!("urn:ecs:iam::{ns}:user/{id}")
    })
}
