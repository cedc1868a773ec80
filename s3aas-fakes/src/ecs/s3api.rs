//! The S3 server: SigV4 checked against object users' secret keys and IAM users' access keys,
//! who may do what decided by `s3auth`, objects and versions kept by [`S3State`](crate::s3::S3State).

use super::state::EcsState;
use super::{iam, lock, s3auth};
use crate::s3::xml_error;
use crate::sigv4::{access_key_of, signature_ok};
use std::sync::{Arc, Mutex};
use wiremock::{Request, Respond, ResponseTemplate};

/// Answers the S3 API from the shared state.
#[derive(Clone)]
pub(super) struct S3Responder(pub(super) Arc<Mutex<EcsState>>);

impl Respond for S3Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = lock(&self.0);
        if st.record_calls {
            let q = req.url.query().map(|q| format!("?{q}")).unwrap_or_default();
            st.s3_calls
                .push(format!("{} {}{q}", req.method.as_str(), req.url.path()));
        }
        if let Some(r) = st.take_fault(true, req) {
            return r;
        }
        st.drop_expired_keys();
        if req.headers.get("authorization").is_none() {
            // Anonymous: allowed only where the bucket's policy grants it to everyone.
            if let Some(refusal) = s3auth::anonymous(&st, req) {
                return refusal;
            }
            if let Some(refusal) = ecs_subresources(req) {
                return refusal;
            }
            return st.s3.handle(req);
        }
        let Some(ak) = access_key_of(req) else {
            return xml_error(403, "AccessDenied", "Access Denied");
        };
        if let Some(k) = iam::key_owner(&st, &ak) {
            // An IAM user's key: it must be active and sign correctly.
            if !k.active {
                return xml_error(403, "InvalidAccessKeyId", "The access key is inactive.");
            }
            if !signature_ok(req, &ak, &k.secret) {
                return xml_error(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.",
                );
            }
        } else {
            let Some(user) = st.users.get(&ak).cloned() else {
                return xml_error(
                    403,
                    "InvalidAccessKeyId",
                    "The Access Key Id you provided does not exist in our records.",
                );
            };
            if !user.keys.iter().any(|k| signature_ok(req, &ak, &k.secret)) {
                return xml_error(
                    403,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.",
                );
            }
            if user.locked {
                return xml_error(403, "AccessDenied", "Access Denied: the user is locked");
            }
        }
        let Some(caller) = s3auth::caller(&st, &ak) else {
            return xml_error(403, "InvalidAccessKeyId", "Unknown access key");
        };
        let path = req.url.path().trim_start_matches('/');
        if path.is_empty() && req.method.as_str() == "GET" {
            return s3auth::list_buckets(&st, &caller);
        }
        if let Some(refusal) = s3auth::refuse(&st, req, &caller) {
            return refusal;
        }
        if !path.is_empty()
            && !path.contains('/')
            && req.method.as_str() == "PUT"
            && req.url.query().is_none()
        {
            return xml_error(
                501,
                "NotImplemented",
                "The simulator creates buckets through the management API only",
            );
        }
        if let Some(refusal) = ecs_subresources(req) {
            return refusal;
        }
        let bucket = path.split('/').next().unwrap_or_default().to_string();
        if st
            .empty_tasks
            .get(&bucket)
            .is_some_and(|(s, _)| s != "DONE")
            && req.method.as_str() != "GET"
        {
            return xml_error(
                409,
                "OperationAborted",
                "The bucket is being emptied and is read-only",
            );
        }
        st.s3.handle(req)
    }
}

/// What ECS's S3 head does not have of the bucket configurations the shared fake S3 keeps
/// (ECS Data Access Guide, "S3 API supported and unsupported features"): per-bucket
/// replication is not among the supported APIs (ECS replicates by replication group), and
/// lifecycle supports "only the expiration part", no transitions to other storage classes.
/// The answer to both (`501 NotImplemented`, S3's code for an API a server lacks) is assumed.
fn ecs_subresources(req: &Request) -> Option<ResponseTemplate> {
    let query = req.url.query().unwrap_or_default();
    let has = |q: &str| {
        query
            .split('&')
            .any(|p| p == q || p.starts_with(&format!("{q}=")))
    };
    let bucket_level = !req.url.path().trim_start_matches('/').contains('/');
    if !bucket_level {
        return None;
    }
    if has("replication") {
        return Some(xml_error(
            501,
            "NotImplemented",
            "ECS does not support bucket replication through S3; geo-replication is set by the bucket's replication group",
        ));
    }
    if has("lifecycle") && req.method.as_str() == "PUT" {
        let body = String::from_utf8_lossy(&req.body);
        if body.contains("<Transition>") || body.contains("<NoncurrentVersionTransition>") {
            return Some(xml_error(
                501,
                "NotImplemented",
                "Only the expiration part is supported in life cycle",
            ));
        }
    }
    None
}
