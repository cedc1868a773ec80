//! Bucket replication: remote targets through the admin API, rules through S3.
//!
//! A rule's destination becomes a *remote target* of the source bucket
//! (`PUT set-remote-target?bucket=B`, answered with the target's ARN), and the rule in the S3
//! replication configuration names that ARN. One target per destination (endpoint, TLS and
//! bucket): a matching target is reused and, since its secret cannot be read back to compare,
//! updated with the given credentials (and the bandwidth limit and synchronous mode when they
//! differ) through `set-remote-target?update=true&creds=true[&sync=true][&bandwidth=true]`.
//!
//! Rules other tools made are kept verbatim, and so are the targets they use. Targets only the
//! SDK's removed rules used are removed (`DELETE remove-remote-target?bucket=B&arn=ARN`) after
//! the new configuration is written (the servers refuse to remove a target a rule still names;
//! RustFS 1.0.1 also drops a bucket's targets by itself when its configuration is deleted, so
//! a target already gone counts as removed).
//!
//! Failures: everything that can be refused without writing is checked first (a priority a
//! foreign rule already has, a region change of a reused target). A failure after a write
//! undoes the targets this call made; what cannot be undone (a reused target's updated
//! settings, a target that could not be removed) is reported as `Partial`, naming it. On a
//! bucket `create_bucket` just made, nothing is undone here: the bucket is removed, and its
//! targets (part of its metadata) go with it, as measured on RustFS 1.0.1.
//!
//! Secrets: the destination secret is serialised into the request body only (sealed with the
//! madmin payload encryption on MinIO) and appears in no `Debug`, log line or error.

use crate::provider::*;
use s3aas_http::s3::{ReplicationConfig, ServerReplicationRule};

/// A remote target as `list-remote-targets` gives it (the secret comes back empty).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub(crate) struct RemoteTarget {
    #[serde(default)]
    pub(crate) endpoint: String,
    #[serde(default)]
    pub(crate) targetbucket: String,
    #[serde(default)]
    pub(crate) secure: bool,
    #[serde(default)]
    pub(crate) arn: String,
    #[serde(default, rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) bandwidthlimit: i64,
    #[serde(default, rename = "replicationSync")]
    pub(crate) replication_sync: bool,
    #[serde(default)]
    pub(crate) credentials: Option<TargetCredentials>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub(crate) struct TargetCredentials {
    #[serde(default, rename = "accessKey")]
    pub(crate) access_key: String,
}

impl RemoteTarget {
    fn access_key(&self) -> &str {
        self.credentials
            .as_ref()
            .map(|c| c.access_key.as_str())
            .unwrap_or("")
    }

    fn matches(&self, d: &ReplicationDestination) -> bool {
        let Some((host, tls)) = d.host_and_tls() else {
            return false;
        };
        (self.kind.is_empty() || self.kind == "replication")
            && self.endpoint.eq_ignore_ascii_case(&host)
            && self.secure == tls
            && self.targetbucket == d.bucket
    }

    /// The destination as read back: no secret, the ARN; the endpoint without the scheme's
    /// default port.
    pub(crate) fn destination(&self) -> ReplicationDestination {
        let scheme = if self.secure { "https" } else { "http" };
        let default_port = if self.secure { ":443" } else { ":80" };
        let host = self
            .endpoint
            .strip_suffix(default_port)
            .unwrap_or(&self.endpoint);
        let mut d = ReplicationDestination::new(
            format!("{scheme}://{host}"),
            self.targetbucket.clone(),
            self.access_key(),
            SecretString::from(String::new()),
        );
        d.secret_key = None;
        d.region = Some(self.region.clone()).filter(|r| !r.is_empty());
        d.bandwidth_limit = u64::try_from(self.bandwidthlimit).ok().filter(|b| *b > 0);
        d.synchronous = self.replication_sync;
        d.arn = Some(self.arn.clone());
        d
    }
}

/// The `BucketTarget` body of `set-remote-target` (the secret exposed here only, into the
/// body, which the dialect seals where the server expects it).
fn target_body(source: &str, d: &ReplicationDestination, arn: Option<&str>) -> Result<Vec<u8>> {
    let (host, tls) = d
        .host_and_tls()
        .ok_or_else(|| Error::invalid_input("destination.endpoint", "has no host and port"))?;
    let secret = d
        .secret_key
        .as_ref()
        .ok_or_else(|| Error::invalid_input("destination.secret_key", "is needed"))?;
    let mut v = json!({
        "sourcebucket": source,
        "endpoint": host,
        "targetbucket": d.bucket,
        "secure": tls,
        "credentials": {"accessKey": d.access_key, "secretKey": secret.expose_secret()},
        "type": "replication",
        "api": "s3v4",
        "region": d.region.clone().unwrap_or_default(),
        "bandwidthlimit": d.bandwidth_limit.unwrap_or(0),
        "replicationSync": d.synchronous,
    });
    if let Some(a) = arn {
        v["arn"] = json!(a);
    }
    Ok(serde_json::to_vec(&v).expect("JSON values serialise"))
}

/// A destination of the new rules, with what is done to its target.
struct Planned<'a> {
    dest: &'a ReplicationDestination,
    existing: Option<RemoteTarget>,
}

/// What a replication change did so far (for rollback and `Partial`).
#[derive(Default)]
struct Done {
    created: Vec<String>,
    updated: Vec<String>,
}

impl<D: Dialect> MadminProvider<D> {
    /// `GET list-remote-targets?bucket=B&type=replication`.
    pub(crate) async fn list_remote_targets(&self, bucket: &str) -> Result<Vec<RemoteTarget>> {
        let resp = self
            .admin
            .ok(
                Call::new("list_remote_targets", Method::GET, "list-remote-targets")
                    .q("bucket", bucket)
                    .q("type", "replication"),
                Some((ResourceKind::Bucket, bucket)),
            )
            .await?;
        if resp.body.is_empty() || resp.body.as_ref() == b"null" {
            return Ok(Vec::new());
        }
        crate::admin::decode::<D, Vec<RemoteTarget>>("list_remote_targets", &resp)
    }

    /// `PUT set-remote-target?bucket=B[&update=true&…]`: the ARN.
    async fn set_remote_target(
        &self,
        bucket: &str,
        d: &ReplicationDestination,
        update: Option<&RemoteTarget>,
    ) -> Result<String> {
        let body = target_body(bucket, d, update.map(|t| t.arn.as_str()))?;
        let mut call = Call::new("set_remote_target", Method::PUT, "set-remote-target")
            .q("bucket", bucket)
            .raw(body);
        if let Some(t) = update {
            call = call.q("update", "true").q("creds", "true");
            if t.replication_sync != d.synchronous {
                call = call.q("sync", "true");
            }
            if u64::try_from(t.bandwidthlimit).unwrap_or(0) != d.bandwidth_limit.unwrap_or(0) {
                call = call.q("bandwidth", "true");
            }
        }
        let resp = self
            .admin
            .ok(call, Some((ResourceKind::Bucket, bucket)))
            .await
            .map_err(|e| scrub(e, d))?;
        let text = String::from_utf8_lossy(&resp.body);
        let arn = serde_json::from_slice::<String>(&resp.body)
            .unwrap_or_else(|_| text.trim().trim_matches('"').to_string());
        if arn.is_empty() {
            return Err(
                Error::decode("the set_remote_target response", "no ARN in the answer")
                    .with_backend(D::NAME),
            );
        }
        Ok(arn)
    }

    /// `DELETE remove-remote-target?bucket=B&arn=ARN`; a target already gone counts as removed.
    pub(crate) async fn remove_remote_target(&self, bucket: &str, arn: &str) -> Result<()> {
        let resp = self
            .admin
            .send(
                &Call::new(
                    "remove_remote_target",
                    Method::DELETE,
                    "remove-remote-target",
                )
                .q("bucket", bucket)
                .q("arn", arn),
            )
            .await?;
        if resp.is_success() {
            return Ok(());
        }
        let text = resp.body_snippet(1000);
        // RustFS: 400 InvalidRequest "Remote target not found for bucket"; MinIO: 404
        // XMinioAdminRemoteTargetNotFoundError.
        if matches!(resp.status, 400 | 404)
            && (text.contains("Remote target not found") || text.contains("RemoteTargetNotFound"))
        {
            return Ok(());
        }
        Err(self.admin.error(
            "remove_remote_target",
            &resp,
            Some((ResourceKind::Bucket, bucket)),
        ))
    }

    /// The SDK's rules of a bucket, with their destinations from its remote targets.
    pub(crate) async fn read_replication(&self, bucket: &str) -> Result<Vec<ReplicationRule>> {
        let cfg = self.s3.get_replication(bucket).await?;
        if cfg.ours.is_empty() {
            return Ok(Vec::new());
        }
        let targets = self.list_remote_targets(bucket).await?;
        Ok(cfg
            .ours
            .into_iter()
            .map(|r| {
                let dest = match targets.iter().find(|t| t.arn == r.destination_arn) {
                    Some(t) => t.destination(),
                    None => {
                        tracing::warn!(bucket, arn = %r.destination_arn, "a replication rule names a remote target the server does not list");
                        let mut d = ReplicationDestination::new(
                            "",
                            r.destination_arn.rsplit(':').next().unwrap_or(""),
                            "",
                            SecretString::from(String::new()),
                        );
                        d.secret_key = None;
                        d.arn = Some(r.destination_arn.clone());
                        d
                    }
                };
                let mut out = ReplicationRule::new(r.id, r.priority, dest);
                out.enabled = r.enabled;
                out.prefix = r.prefix;
                out.tags = r.tags;
                out.delete_markers = r.delete_markers;
                out.deletes = r.deletes;
                out
            })
            .collect())
    }

    /// Whether the bucket keeps a replication rule after an update that sets the SDK's rules
    /// to `ours` (`None`: unchanged): the SDK's rules, or another tool's.
    pub(crate) async fn keeps_replication(
        &self,
        bucket: &str,
        ours: Option<&[ReplicationRule]>,
    ) -> Result<bool> {
        let cfg = self.s3.get_replication(bucket).await?;
        let ours_left = match ours {
            Some(r) => !r.is_empty(),
            None => !cfg.ours.is_empty(),
        };
        Ok(ours_left || !cfg.foreign.is_empty())
    }

    /// Replaces the SDK's replication rules of `bucket` with `rules` (see the module docs).
    /// `new_bucket`: the bucket was just made and is removed again on failure, taking its
    /// remote targets with it (on both servers a bucket's targets are part of its metadata),
    /// so nothing is undone here.
    pub(crate) async fn apply_replication(
        &self,
        bucket: &str,
        rules: &[ReplicationRule],
        new_bucket: bool,
    ) -> Result<()> {
        let current = self.settle(|| self.s3.get_replication(bucket)).await?;
        if rules.is_empty() && current.ours.is_empty() {
            return Ok(());
        }
        let conflict = |msg: String| {
            Err(Error::new(ErrorKind::Conflict, msg).with_resource(ResourceKind::Bucket, bucket))
        };
        for r in rules {
            if current.foreign_priorities.contains(&r.priority) {
                return conflict(format!(
                    "replication rule '{}' has priority {}, which a rule another tool made \
                     already has: choose another priority",
                    r.id, r.priority
                ));
            }
        }
        let targets = self.list_remote_targets(bucket).await?;
        // One target per destination: plan them, refusing what cannot be done, before writing.
        let mut plan: Vec<Planned<'_>> = Vec::new();
        for r in rules {
            let d = &r.destination;
            if plan.iter().any(|p| same_destination(p.dest, d)) {
                if let Some(p) = plan.iter().find(|p| same_destination(p.dest, d))
                    && (p.dest.access_key != d.access_key
                        || p.dest.bandwidth_limit != d.bandwidth_limit
                        || p.dest.synchronous != d.synchronous
                        || p.dest.region != d.region)
                {
                    return Err(Error::invalid_input(
                        "bucket.replication",
                        format!(
                            "rules to the same destination ({} bucket {}) must use the same \
                             credentials, region, bandwidth limit and mode (one remote target)",
                            d.endpoint, d.bucket
                        ),
                    ));
                }
                continue;
            }
            let existing = targets.iter().find(|t| t.matches(d)).cloned();
            if let Some(t) = &existing
                && t.region != d.region.clone().unwrap_or_default()
            {
                return conflict(format!(
                    "the remote target {} for {} bucket {} has region '{}'; a target's region \
                     cannot be changed: remove the rules to it first",
                    t.arn, d.endpoint, d.bucket, t.region
                ));
            }
            plan.push(Planned { dest: d, existing });
        }
        let mut done = Done::default();
        let mut arns: Vec<(&ReplicationDestination, String)> = Vec::new();
        for p in &plan {
            let r = self
                .set_remote_target(bucket, p.dest, p.existing.as_ref())
                .await;
            match r {
                Ok(arn) => {
                    match &p.existing {
                        Some(t) if t.arn == arn => done.updated.push(arn.clone()),
                        _ => done.created.push(arn.clone()),
                    }
                    arns.push((p.dest, arn));
                }
                Err(e) if new_bucket => return Err(e),
                Err(e) => return Err(self.undo(bucket, e, &done, "setting a remote target").await),
            }
        }
        let ours = rules
            .iter()
            .map(|r| ServerReplicationRule {
                id: r.id.clone(),
                enabled: r.enabled,
                priority: r.priority,
                prefix: r.prefix.clone(),
                tags: r.tags.clone(),
                delete_markers: r.delete_markers,
                deletes: r.deletes,
                destination_arn: arns
                    .iter()
                    .find(|(d, _)| same_destination(d, &r.destination))
                    .map(|(_, a)| a.clone())
                    .expect("every destination was planned"),
            })
            .collect::<Vec<_>>();
        let cfg = ReplicationConfig {
            ours,
            foreign: current.foreign.clone(),
            foreign_priorities: current.foreign_priorities.clone(),
        };
        if let Err(e) = self.settle(|| self.s3.put_replication(bucket, &cfg)).await {
            if new_bucket {
                return Err(e);
            }
            return Err(self
                .undo(bucket, e, &done, "writing the replication configuration")
                .await);
        }
        // Targets only the SDK's old rules used, and nothing uses now.
        let mut stale: Vec<&str> = Vec::new();
        for r in &current.ours {
            let a = r.destination_arn.as_str();
            if cfg.ours.iter().any(|n| n.destination_arn == a)
                || current.foreign.iter().any(|f| f.contains(a))
                || stale.contains(&a)
            {
                continue;
            }
            stale.push(a);
        }
        let mut left = Vec::new();
        for a in stale {
            if let Err(e) = self.remove_remote_target(bucket, a).await {
                left.push(format!("remote target {a} could not be removed ({e})"));
            }
        }
        if left.is_empty() {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Partial,
                format!(
                    "the replication configuration was written, but {}; it is unused and can \
                     be removed by hand (remove-remote-target)",
                    left.join("; ")
                ),
            )
            .with_resource(ResourceKind::Bucket, bucket))
        }
    }

    /// After a failure: removes the targets this change made; `Partial` naming what stays.
    async fn undo(&self, bucket: &str, e: Error, done: &Done, step: &str) -> Error {
        let mut left = Vec::new();
        for a in &done.created {
            if let Err(c) = self.remove_remote_target(bucket, a).await {
                left.push(format!(
                    "remote target {a} made for it could not be removed ({c})"
                ));
            }
        }
        if !done.updated.is_empty() {
            left.push(format!(
                "remote target(s) {} were updated with the new credentials and settings",
                done.updated.join(", ")
            ));
        }
        let msg = format!("{step} failed: {}", e.message());
        if left.is_empty() {
            let note = if done.created.is_empty() {
                String::new()
            } else {
                "; the remote targets made for it were removed again".to_string()
            };
            e.with_message(format!("{msg}{note}"))
        } else {
            e.with_kind(ErrorKind::Partial)
                .with_message(format!("{msg}; {}", left.join("; ")))
        }
    }
}

/// An error answer that quotes the destination's secret (a server echoing the request) does
/// not carry it on.
fn scrub(e: Error, d: &ReplicationDestination) -> Error {
    match &d.secret_key {
        Some(s) if !s.expose_secret().is_empty() && e.message().contains(s.expose_secret()) => {
            let m = e.message().replace(s.expose_secret(), "[REDACTED]");
            e.with_message(m)
        }
        _ => e,
    }
}

/// Same destination: same endpoint (host, port, TLS) and bucket.
fn same_destination(a: &ReplicationDestination, b: &ReplicationDestination) -> bool {
    a.bucket == b.bucket && a.host_and_tls() == b.host_and_tls()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_match_and_read_back_without_secret() {
        let t: RemoteTarget = serde_json::from_str(
            r#"{"sourcebucket":"src1","endpoint":"127.0.0.1:19402","credentials":{"accessKey":"rootak2","secretKey":"","expiration":null,"sessionToken":null},"targetbucket":"dst1","secure":false,"path":"","api":"s3v4","arn":"arn:minio:replication::2d5d:dst1","type":"replication","region":"","offlineCount":0,"replicationSync":true,"bandwidthlimit":2000000}"#,
        )
        .unwrap();
        let d = ReplicationDestination::new(
            "http://127.0.0.1:19402",
            "dst1",
            "rootak2",
            SecretString::from("top-secret-value".to_string()),
        )
        .bandwidth_limit(2_000_000)
        .synchronous(true);
        assert!(t.matches(&d));
        let back = t.destination();
        assert_eq!(back, d);
        assert!(back.secret_key.is_none());
        assert_eq!(
            back.arn.as_deref(),
            Some("arn:minio:replication::2d5d:dst1")
        );
        let mut other = d.clone();
        other.endpoint = "https://127.0.0.1:19402".into();
        assert!(!t.matches(&other));
        let body = String::from_utf8(target_body("src1", &d, None).unwrap()).unwrap();
        assert!(body.contains("\"secretKey\":\"top-secret-value\""));
        assert!(body.contains("\"endpoint\":\"127.0.0.1:19402\""));
        assert!(!format!("{d:?}").contains("top-secret-value"));
    }

    #[test]
    fn default_ports_are_dropped_when_read_back() {
        let t = RemoteTarget {
            endpoint: "s3.example.com:443".into(),
            targetbucket: "b".into(),
            secure: true,
            ..Default::default()
        };
        assert_eq!(t.destination().endpoint, "https://s3.example.com");
        let d = ReplicationDestination::new(
            "https://s3.example.com",
            "b",
            "",
            SecretString::from("s".to_string()),
        );
        assert!(t.matches(&d));
    }
}
