//! The instance registry kept in the system bucket: instance records, and the markers that say
//! which buckets and policies belong to an instance.
//!
//! Policy markers exist because listing an instance's policies any other way costs a
//! server-wide `list-canned-policies`, which on RustFS 1.0.1 reloads every canned policy from
//! storage (366 ms with 1,000 tenants on the server) and, overlapping a write, hides the new
//! policy (see `canned.rs`). Instances recorded with `policy_markers` (every instance made since)
//! get them, others never do. A marker is written before its policy and removed after it, so a
//! policy of a marked instance always has one; a marker whose policy is gone (a write refused,
//! a delete cut short) is skipped by readers and removed with the instance.

use s3aas_core::model::{Encryption, Tags};
use s3aas_core::{Error, ErrorKind, Result};
use s3aas_http::S3Client;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::OnceCell;

/// Provisioning state stored with an instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum State {
    Creating,
    Active,
    Error,
}

/// What is stored for an instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub(crate) v: u32,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) default_bucket: Option<String>,
    #[serde(default)]
    pub(crate) encryption: Encryption,
    #[serde(default)]
    pub(crate) versioning: bool,
    #[serde(default)]
    pub(crate) labels: Tags,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created: OffsetDateTime,
    pub(crate) state: State,
    #[serde(default)]
    pub(crate) reason: Option<String>,
    /// Whether every policy of the instance has a marker (instances made before policy markers
    /// existed do not: their policies are found by the server-wide listing).
    #[serde(default)]
    pub(crate) policy_markers: bool,
}

#[derive(Debug)]
pub(crate) struct SystemBucket {
    pub(crate) s3: S3Client,
    pub(crate) bucket: String,
    ready: OnceCell<()>,
}

const INSTANCES: &str = "v1/instances/";
const BUCKETS: &str = "v1/buckets/";
const POLICIES: &str = "v1/policies/";

impl SystemBucket {
    pub(crate) fn new(s3: S3Client, bucket: String) -> Self {
        SystemBucket {
            s3,
            bucket,
            ready: OnceCell::new(),
        }
    }

    /// Creates the system bucket on first use (in this process).
    pub(crate) async fn ensure(&self) -> Result<()> {
        self.ready
            .get_or_try_init(|| async {
                if !self.s3.bucket_exists(&self.bucket).await? {
                    match self.s3.create_bucket(&self.bucket, false, None).await {
                        Ok(()) => {}
                        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                        Err(e) => {
                            return Err(e.with_message(format!(
                                "cannot create the s3aas system bucket '{}'",
                                self.bucket
                            )));
                        }
                    }
                }
                Ok(())
            })
            .await
            .map(|_| ())
    }

    pub(crate) async fn get(&self, name: &str) -> Result<Option<Record>> {
        self.ensure().await?;
        match self
            .s3
            .get_object(&self.bucket, &format!("{INSTANCES}{name}"), None)
            .await
        {
            Ok(o) => serde_json::from_slice(&o.body)
                .map(Some)
                .map_err(|e| Error::decode(format!("the s3aas record of instance '{name}'"), e)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn exists(&self, name: &str) -> Result<bool> {
        self.ensure().await?;
        self.s3
            .object_exists(&self.bucket, &format!("{INSTANCES}{name}"))
            .await
    }

    pub(crate) async fn put(&self, r: &Record) -> Result<()> {
        self.ensure().await?;
        let body = serde_json::to_vec(r).expect("records serialise");
        self.s3
            .put_object(
                &self.bucket,
                &format!("{INSTANCES}{}", r.name),
                body.into(),
                &[("content-type", "application/json")],
            )
            .await
            .map(drop)
    }

    pub(crate) async fn delete(&self, name: &str) -> Result<()> {
        self.s3
            .delete_object(&self.bucket, &format!("{INSTANCES}{name}"), None)
            .await
    }

    /// Instance names after `after` with `prefix`, at most `limit`, and whether more follow.
    pub(crate) async fn list(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<String>, bool)> {
        self.ensure().await?;
        let start = after.map(|a| format!("{INSTANCES}{a}"));
        let (keys, more) = self
            .s3
            .list_objects(
                &self.bucket,
                &format!("{INSTANCES}{prefix}"),
                start.as_deref(),
                limit,
            )
            .await?;
        Ok((
            keys.into_iter()
                .filter_map(|k| k.strip_prefix(INSTANCES).map(String::from))
                .collect(),
            more,
        ))
    }

    pub(crate) async fn put_bucket(&self, instance: &str, bucket: &str) -> Result<()> {
        self.put_marker(BUCKETS, instance, bucket).await
    }

    /// Marks `policy` as the instance's (before the policy is written).
    pub(crate) async fn put_policy(&self, instance: &str, policy: &str) -> Result<()> {
        self.ensure().await?;
        self.put_marker(POLICIES, instance, policy).await
    }

    async fn put_marker(&self, kind: &str, instance: &str, name: &str) -> Result<()> {
        let body = serde_json::json!({"v": 1, "created": OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()});
        self.s3
            .put_object(
                &self.bucket,
                &format!("{kind}{instance}/{name}"),
                body.to_string().into(),
                &[("content-type", "application/json")],
            )
            .await
            .map(drop)
    }

    /// When the bucket was registered to the instance, or `None` if it is not.
    pub(crate) async fn bucket_created(
        &self,
        instance: &str,
        bucket: &str,
    ) -> Result<Option<Option<OffsetDateTime>>> {
        self.ensure().await?;
        match self
            .s3
            .get_object(&self.bucket, &format!("{BUCKETS}{instance}/{bucket}"), None)
            .await
        {
            Ok(o) => {
                let v: serde_json::Value = serde_json::from_slice(&o.body).unwrap_or_default();
                let created = v.get("created").and_then(|c| c.as_str()).and_then(|c| {
                    OffsetDateTime::parse(c, &time::format_description::well_known::Rfc3339).ok()
                });
                Ok(Some(created))
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn delete_bucket(&self, instance: &str, bucket: &str) -> Result<()> {
        self.s3
            .delete_object(&self.bucket, &format!("{BUCKETS}{instance}/{bucket}"), None)
            .await
    }

    /// Removes a policy's marker (after the policy is gone).
    pub(crate) async fn delete_policy(&self, instance: &str, policy: &str) -> Result<()> {
        self.s3
            .delete_object(
                &self.bucket,
                &format!("{POLICIES}{instance}/{policy}"),
                None,
            )
            .await
    }

    pub(crate) async fn list_buckets(
        &self,
        instance: &str,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<String>, bool)> {
        self.list_markers(BUCKETS, instance, prefix, after, limit)
            .await
    }

    /// One page of the names under `kind`'s markers of `instance`, and whether more follow.
    async fn list_markers(
        &self,
        kind: &str,
        instance: &str,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<String>, bool)> {
        self.ensure().await?;
        let base = format!("{kind}{instance}/");
        let start = after.map(|a| format!("{base}{a}"));
        let (keys, more) = self
            .s3
            .list_objects(
                &self.bucket,
                &format!("{base}{prefix}"),
                start.as_deref(),
                limit,
            )
            .await?;
        Ok((
            keys.into_iter()
                .filter_map(|k| k.strip_prefix(&base).map(String::from))
                .collect(),
            more,
        ))
    }

    /// Every marked policy of an instance (the marker's policy may be gone: see the module docs).
    pub(crate) async fn all_policies(&self, instance: &str) -> Result<Vec<String>> {
        self.all_markers(POLICIES, instance).await
    }

    /// Every bucket of an instance.
    pub(crate) async fn all_buckets(&self, instance: &str) -> Result<Vec<String>> {
        self.all_markers(BUCKETS, instance).await
    }

    async fn all_markers(&self, kind: &str, instance: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        loop {
            let (page, more) = self
                .list_markers(kind, instance, "", out.last().map(String::as_str), 1000)
                .await?;
            out.extend(page);
            if !more {
                return Ok(out);
            }
        }
    }
}
