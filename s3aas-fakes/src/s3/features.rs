//! Bucket configurations of the fake S3 server: lifecycle, CORS, object-lock default retention
//! and replication, stored as the XML the client sent, with the checks the servers make
//! (documented per check; AWS S3 API reference, MinIO and RustFS behaviour from
//! `../shared/reference`).

use super::{Bucket, all_between, xml, xml_error};
use wiremock::{Request, ResponseTemplate};

/// The stored configurations of a bucket.
#[derive(Clone, Debug, Default)]
pub struct Configs {
    /// `LifecycleConfiguration` as sent.
    pub lifecycle: Option<String>,
    /// `CORSConfiguration` as sent.
    pub cors: Option<String>,
    /// `Rule` element of the `ObjectLockConfiguration` (the default retention), as sent.
    pub retention: Option<String>,
    /// `ReplicationConfiguration` as sent.
    pub replication: Option<String>,
}

fn needs_md5(req: &Request) -> Option<ResponseTemplate> {
    req.headers.get("content-md5").is_none().then(|| {
        xml_error(
            400,
            "MissingContentMD5",
            "Missing required header for this request: Content-Md5.",
        )
    })
}

fn malformed() -> ResponseTemplate {
    xml_error(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
    )
}

/// Handles `?lifecycle`, `?cors`, `?object-lock` and `?replication`; `None` for anything else.
pub(super) fn handle(
    b: &mut Bucket,
    method: &str,
    sub: &str,
    body: &str,
    req: &Request,
) -> Option<ResponseTemplate> {
    let c = &mut b.configs;
    Some(match (method, sub) {
        ("GET", "lifecycle") => match &c.lifecycle {
            Some(x) => xml(x.clone()),
            None => xml_error(
                404,
                "NoSuchLifecycleConfiguration",
                "The lifecycle configuration does not exist",
            ),
        },
        ("PUT", "lifecycle") => {
            // MinIO refuses a lifecycle PUT without Content-MD5.
            if let Some(e) = needs_md5(req) {
                return Some(e);
            }
            let rules = all_between(body, "Rule");
            let mut ids: Vec<String> = rules
                .iter()
                .map(|r| all_between(r, "ID").first().cloned().unwrap_or_default())
                .collect();
            let n = ids.len();
            ids.sort();
            ids.dedup();
            let statuses_ok = rules.iter().all(|r| {
                matches!(
                    all_between(r, "Status").first().map(String::as_str),
                    Some("Enabled" | "Disabled")
                )
            });
            if rules.is_empty() || ids.len() != n || !statuses_ok {
                return Some(malformed());
            }
            c.lifecycle = Some(body.to_string());
            ResponseTemplate::new(200)
        }
        ("DELETE", "lifecycle") => {
            c.lifecycle = None;
            ResponseTemplate::new(204)
        }
        ("GET", "cors") => match &c.cors {
            Some(x) => xml(x.clone()),
            None => xml_error(
                404,
                "NoSuchCORSConfiguration",
                "The CORS configuration does not exist",
            ),
        },
        ("PUT", "cors") => {
            let rules = all_between(body, "CORSRule");
            let ok = !rules.is_empty()
                && rules.iter().all(|r| {
                    let methods = all_between(r, "AllowedMethod");
                    !all_between(r, "AllowedOrigin").is_empty()
                        && !methods.is_empty()
                        && methods
                            .iter()
                            .all(|m| ["GET", "PUT", "POST", "DELETE", "HEAD"].contains(&m.as_str()))
                });
            if !ok {
                return Some(malformed());
            }
            c.cors = Some(body.to_string());
            ResponseTemplate::new(200)
        }
        ("DELETE", "cors") => {
            c.cors = None;
            ResponseTemplate::new(204)
        }
        ("GET", "object-lock") if b.object_lock => {
            let rule = c.retention.clone().unwrap_or_default();
            xml(format!(
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>{rule}</ObjectLockConfiguration>"
            ))
        }
        ("GET", "object-lock") => xml_error(
            404,
            "ObjectLockConfigurationNotFoundError",
            "Object Lock configuration does not exist for this bucket",
        ),
        ("PUT", "object-lock") => {
            if !b.object_lock {
                return Some(xml_error(
                    409,
                    "InvalidBucketState",
                    "Object Lock configuration cannot be enabled on existing buckets",
                ));
            }
            let rule = all_between(body, "Rule").first().cloned();
            if let Some(r) = &rule {
                let mode = all_between(r, "Mode");
                let days = all_between(r, "Days");
                let years = all_between(r, "Years");
                let mode_ok = matches!(
                    mode.first().map(String::as_str),
                    Some("GOVERNANCE" | "COMPLIANCE")
                );
                // S3: exactly one of Days and Years, a positive number.
                let period_ok = days.len() + years.len() == 1
                    && days
                        .iter()
                        .chain(&years)
                        .all(|n| n.parse::<u32>().is_ok_and(|n| n > 0));
                if !mode_ok || !period_ok {
                    return Some(malformed());
                }
            }
            b.configs.retention = rule.map(|r| format!("<Rule>{r}</Rule>"));
            ResponseTemplate::new(200)
        }
        ("GET", "replication") => match &c.replication {
            Some(x) => xml(x.clone()),
            None => xml_error(
                404,
                "ReplicationConfigurationNotFoundError",
                "The replication configuration was not found",
            ),
        },
        ("PUT", "replication") => {
            // AWS, MinIO and RustFS: replication needs versioning enabled on the source.
            if b.versioning != Some(true) {
                return Some(xml_error(
                    400,
                    "InvalidRequest",
                    "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
                ));
            }
            let rules = all_between(body, "Rule");
            let mut priorities: Vec<String> = rules
                .iter()
                .map(|r| {
                    all_between(r, "Priority")
                        .first()
                        .cloned()
                        .unwrap_or_default()
                })
                .collect();
            let n = priorities.len();
            priorities.sort();
            priorities.dedup();
            if rules.is_empty() || priorities.len() != n {
                return Some(malformed());
            }
            b.configs.replication = Some(body.to_string());
            ResponseTemplate::new(200)
        }
        ("DELETE", "replication") => {
            c.replication = None;
            ResponseTemplate::new(204)
        }
        _ => return None,
    })
}
