//! Bucket remote targets of the fake (`set-remote-target`, `list-remote-targets`,
//! `remove-remote-target`) and the check `PUT /{bucket}?replication` makes against them, as
//! MinIO does (`cmd/admin-bucket-handlers.go`, `cmd/bucket-targets.go`; `minio-admin.md` 2.4):
//!
//! - `set-remote-target` takes an **encrypted** `BucketTarget` body and answers the ARN as a
//!   JSON string. The source bucket must exist and have versioning enabled; the type must be
//!   `replication`; a target identical to the source (same endpoint and bucket) is refused.
//!   Setting a target that already exists (same endpoint, bucket and access key) answers the
//!   existing ARN and changes nothing; another target on an endpoint that already has one is
//!   refused (`XMinioAdminBucketRemoteAlreadyExists`). With `update=true` the body names the
//!   ARN, and only what the flags `creds`, `sync` and `bandwidth` say is changed.
//! - When the endpoint is the fake itself, the target bucket must exist with versioning, as
//!   MinIO checks by calling the remote.
//! - `list-remote-targets` answers the targets without their secret keys.
//! - `remove-remote-target` refuses a target the bucket's replication configuration names.
//! - A replication configuration naming an ARN that is not a target of the bucket is refused.

use super::admin::{Answer, Call};
use super::{MinioState, jerr};
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

fn not_found(path: &str) -> ResponseTemplate {
    jerr(
        404,
        "XMinioAdminRemoteTargetNotFoundError",
        "The remote target does not exist",
        path,
    )
}

/// The `<Bucket>` of every `<Destination>` in a replication configuration.
pub(super) fn destination_arns(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find("<Destination>") {
        rest = &rest[i + "<Destination>".len()..];
        let end = rest.find("</Destination>").unwrap_or(rest.len());
        let d = &rest[..end];
        if let (Some(a), Some(b)) = (d.find("<Bucket>"), d.find("</Bucket>"))
            && a < b
        {
            out.push(d[a + "<Bucket>".len()..b].to_string());
        }
        rest = &rest[end..];
    }
    out
}

#[allow(clippy::result_large_err)]
impl MinioState {
    /// `set-remote-target`, `list-remote-targets`, `remove-remote-target`; `host` is the
    /// fake's own `host:port`.
    pub(super) fn remote_target_command(
        &mut self,
        method: &str,
        cmd: &str,
        c: &Call<'_>,
        host: &str,
    ) -> Answer {
        let bucket = c.arg("bucket");
        let Some(b) = self.s3.buckets.get(&bucket) else {
            return Err(jerr(
                404,
                "NoSuchBucket",
                "The specified bucket does not exist",
                c.path,
            ));
        };
        let versioned = b.versioning == Some(true);
        let replication = b.configs.replication.clone().unwrap_or_default();
        match (method, cmd) {
            ("PUT", "set-remote-target") => {
                let mut t = c.parse()?;
                if !versioned {
                    return Err(jerr(
                        400,
                        "XMinioAdminReplicationSourceNotVersionedError",
                        "Replication source does not have versioning enabled",
                        c.path,
                    ));
                }
                if t["type"].as_str() != Some("replication") {
                    return Err(jerr(
                        400,
                        "XMinioAdminRemoteArnTypeInvalid",
                        "The bucket remote ARN type is not valid",
                        c.path,
                    ));
                }
                let endpoint = t["endpoint"].as_str().unwrap_or("").to_string();
                let target_bucket = t["targetbucket"].as_str().unwrap_or("").to_string();
                let ak = t["credentials"]["accessKey"].as_str().unwrap_or("");
                let sk = t["credentials"]["secretKey"].as_str().unwrap_or("");
                if endpoint.is_empty() || target_bucket.is_empty() || ak.is_empty() || sk.is_empty()
                {
                    return Err(jerr(
                        400,
                        "XMinioAdminConfigBadJSON",
                        "JSON configuration provided is of incorrect format",
                        c.path,
                    ));
                }
                let own = endpoint.eq_ignore_ascii_case(host);
                if own && target_bucket == bucket {
                    return Err(jerr(
                        400,
                        "XMinioAdminRemoteIdenticalToSource",
                        "The remote target cannot be identical to source",
                        c.path,
                    ));
                }
                if own
                    && self
                        .s3
                        .buckets
                        .get(&target_bucket)
                        .is_none_or(|d| d.versioning != Some(true))
                {
                    return Err(jerr(
                        400,
                        "XMinioAdminReplicationRemoteConnectionError",
                        "Remote service connection error - please check remote service credentials and target bucket (the target bucket must exist with versioning)",
                        c.path,
                    ));
                }
                let targets = self.remote_targets.entry(bucket.clone()).or_default();
                if c.arg("update") == "true" {
                    let arn = t["arn"].as_str().unwrap_or("").to_string();
                    let Some(old) = targets.iter_mut().find(|o| o["arn"] == json!(arn)) else {
                        return Err(not_found(c.path));
                    };
                    if c.arg("creds") == "true" {
                        old["credentials"] = t["credentials"].clone();
                    }
                    if c.arg("sync") == "true" {
                        old["replicationSync"] = t["replicationSync"].clone();
                    }
                    if c.arg("bandwidth") == "true" {
                        old["bandwidthlimit"] = t["bandwidthlimit"].clone();
                    }
                    return Ok((200, Some(json!(arn))));
                }
                if let Some(old) = targets.iter().find(|o| {
                    o["endpoint"] == json!(endpoint)
                        && o["targetbucket"] == json!(target_bucket)
                        && o["credentials"]["accessKey"] == json!(ak)
                }) {
                    return Ok((200, Some(old["arn"].clone())));
                }
                if targets.iter().any(|o| o["endpoint"] == json!(endpoint)) {
                    return Err(jerr(
                        400,
                        "XMinioAdminBucketRemoteAlreadyExists",
                        "The remote target already exists",
                        c.path,
                    ));
                }
                self.seq += 1;
                let arn = format!(
                    "arn:minio:replication:{}:{:08x}-fake:{target_bucket}",
                    t["region"].as_str().unwrap_or(""),
                    self.seq
                );
                t["arn"] = json!(arn);
                targets.push(t);
                Ok((200, Some(json!(arn))))
            }
            ("GET", "list-remote-targets") => {
                let kind = c.arg("type");
                let list: Vec<Value> = self
                    .remote_targets
                    .get(&bucket)
                    .map(|ts| {
                        ts.iter()
                            .filter(|t| kind.is_empty() || t["type"] == json!(kind))
                            .map(|t| {
                                let mut t = t.clone();
                                t["credentials"]["secretKey"] = json!("");
                                t
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Ok((200, Some(Value::Array(list))))
            }
            ("DELETE", "remove-remote-target") => {
                let arn = c.arg("arn");
                let targets = self.remote_targets.entry(bucket).or_default();
                let Some(i) = targets.iter().position(|t| t["arn"] == json!(arn)) else {
                    return Err(not_found(c.path));
                };
                if destination_arns(&replication).contains(&arn) {
                    return Err(jerr(
                        400,
                        "XMinioAdminRemoteRemoveDisallowed",
                        "Replication configuration exists with this ARN.",
                        c.path,
                    ));
                }
                targets.remove(i);
                Ok((204, None))
            }
            _ => Err(c.unsupported()),
        }
    }

    /// The check of `PUT /{bucket}?replication`: every destination ARN must be a remote target
    /// of the bucket (`None` = fine).
    pub(super) fn check_replication_arns(
        &self,
        bucket: &str,
        body: &str,
    ) -> Option<ResponseTemplate> {
        let targets = self.remote_targets.get(bucket);
        let missing = destination_arns(body)
            .into_iter()
            .find(|a| !targets.is_some_and(|ts| ts.iter().any(|t| t["arn"] == json!(a))))?;
        Some(crate::s3::xml_error(
            400,
            "XMinioAdminRemoteTargetNotFoundError",
            &format!("The remote target does not exist: {missing}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_arns_are_read() {
        let x = "<ReplicationConfiguration><Rule><Destination><Bucket>arn:a</Bucket></Destination></Rule><Rule><ID>x</ID><Destination><StorageClass>S</StorageClass><Bucket>arn:b</Bucket></Destination></Rule></ReplicationConfiguration>";
        assert_eq!(destination_arns(x), vec!["arn:a", "arn:b"]);
    }
}
