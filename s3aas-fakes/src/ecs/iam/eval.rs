//! IAM on the S3 side: which action and resource an S3 request asks for, and whether an IAM
//! user's attached policies allow it.

use super::{IamKey, parse_policy_arn};
use crate::ecs::EcsState;
use serde_json::Value;

/// The IAM user holding access key `ak` and the key, if any.
pub(in crate::ecs) fn key_owner<'a>(st: &'a EcsState, ak: &str) -> Option<&'a IamKey> {
    st.iam_users
        .values()
        .flat_map(|u| u.keys.iter())
        .find(|k| k.id == ak)
}

/// The S3 action and resource ARN a request asks for (the common ones; anything else maps to
/// an action no s3aas helper policy grants, so only `s3:*` allows it).
pub(in crate::ecs) fn s3_action(method: &str, path: &str, query: &str) -> (String, String) {
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
            // Sub-resources have their own actions (AWS's action list, which ECS's bucket
            // policies follow): a policy granting s3:ListBucket does not reveal the CORS or
            // lifecycle configuration.
            "GET" if has("lifecycle") => "s3:GetLifecycleConfiguration",
            "PUT" | "DELETE" if has("lifecycle") => "s3:PutLifecycleConfiguration",
            "GET" if has("cors") => "s3:GetBucketCORS",
            "PUT" | "DELETE" if has("cors") => "s3:PutBucketCORS",
            "GET" if has("object-lock") => "s3:GetBucketObjectLockConfiguration",
            "PUT" if has("object-lock") => "s3:PutBucketObjectLockConfiguration",
            "GET" if has("replication") => "s3:GetReplicationConfiguration",
            "PUT" | "DELETE" if has("replication") => "s3:PutReplicationConfiguration",
            "GET" if has("tagging") => "s3:GetBucketTagging",
            "PUT" | "DELETE" if has("tagging") => "s3:PutBucketTagging",
            "GET" if has("acl") => "s3:GetBucketAcl",
            "PUT" if has("acl") => "s3:PutBucketAcl",
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
pub(in crate::ecs) fn glob(pattern: &str, text: &str, fold: bool) -> bool {
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

pub(in crate::ecs) fn strings(v: Option<&Value>) -> Vec<String> {
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
pub(in crate::ecs) fn s3_allowed(
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
        for (m, q, action) in [
            ("GET", "lifecycle", "s3:GetLifecycleConfiguration"),
            ("DELETE", "lifecycle=", "s3:PutLifecycleConfiguration"),
            ("GET", "cors", "s3:GetBucketCORS"),
            ("PUT", "cors", "s3:PutBucketCORS"),
            ("PUT", "object-lock", "s3:PutBucketObjectLockConfiguration"),
        ] {
            assert_eq!(
                s3_action(m, "/b", q),
                (action.into(), "arn:aws:s3:::b".into())
            );
        }
        assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/k/x", false));
        assert!(!glob("arn:aws:s3:::b/*", "arn:aws:s3:::bb/k", false));
        assert!(glob("s3:Get*", "s3:getobject", true));
        assert!(glob("*", "anything", false));
        assert!(!glob("s3:List?", "s3:ListBucket", true));
    }
}
