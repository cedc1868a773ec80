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
        st.drop_expired_keys();
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
