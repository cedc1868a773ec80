//! A small signed S3 client for the bucket features that live in S3, not in admin APIs.
//!
//! Path-style addressing (`{endpoint}/{bucket}?{subresource}`), SigV4 service `s3`. Errors are
//! parsed from S3 XML into [`s3aas_core::Error`] keeping status, code, message and request id.

use crate::client::{HttpClient, Idempotency, Request, Response};
use crate::sigv4::SigV4Signer;
use http::Method;
use s3aas_core::model::{Bucket, BucketParts, Encryption, Tags, Versioning};
use s3aas_core::{Error, ErrorKind, PolicyDocument, ResourceKind, Result};
use serde::Deserialize;
use url::Url;

mod error;
mod features;
mod object;
mod replication;
mod xml;

pub use error::{kind_for_s3_code, parse_xml_error, s3_error};
pub use features::{
    cors_xml, lifecycle_xml, lock_checked_update, object_lock_xml, parse_cors, parse_lifecycle,
    parse_object_lock,
};
pub use replication::{
    ReplicationConfig, ServerReplicationRule, parse_replication, replication_xml,
};
use xml::{content_md5, parse_xml, require_root};
pub use xml::{parse_bucket_list, xml_escape};

/// `read`'s answer when `on`, else `None` without running it: for reading only the bucket
/// settings a caller asked for (`get_bucket_parts`), all at once.
pub async fn read_if<T>(on: bool, read: impl Future<Output = Result<T>>) -> Result<Option<T>> {
    if on { read.await.map(Some) } else { Ok(None) }
}

/// An object version, for listing and deleting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectVersion {
    /// Key.
    pub key: String,
    /// Version id (`None` in unversioned buckets).
    pub version_id: Option<String>,
}

/// What a PUT of an object returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PutObjectOutput {
    /// `x-amz-version-id`, in versioned buckets.
    pub version_id: Option<String>,
    /// `x-amz-server-side-encryption`, when the object was encrypted.
    pub server_side_encryption: Option<String>,
}

/// A multipart upload that was initiated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartUpload {
    /// The upload id.
    pub upload_id: String,
    /// `x-amz-server-side-encryption`, when the upload will be encrypted.
    pub server_side_encryption: Option<String>,
}

/// A fetched object.
#[derive(Clone, Debug)]
pub struct GetObjectOutput {
    /// The body.
    pub body: bytes::Bytes,
    /// `x-amz-version-id`.
    pub version_id: Option<String>,
    /// `x-amz-server-side-encryption`.
    pub server_side_encryption: Option<String>,
}

/// A signed S3 client for one endpoint and credential.
#[derive(Clone, Debug)]
pub struct S3Client {
    http: HttpClient,
    endpoint: Url,
    signer: SigV4Signer,
    backend: &'static str,
}

impl S3Client {
    /// A client for `endpoint` (e.g. `http://127.0.0.1:9000`), sharing `http`'s pool.
    pub fn new(
        backend: &'static str,
        http: HttpClient,
        endpoint: Url,
        signer: SigV4Signer,
    ) -> Self {
        S3Client {
            http,
            endpoint,
            signer,
            backend,
        }
    }

    /// The same endpoint and pool, signing with another credential.
    pub fn with_signer(&self, signer: SigV4Signer) -> Self {
        S3Client {
            signer,
            ..self.clone()
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    fn url(&self, bucket: &str, key: Option<&str>, query: Option<&str>) -> Url {
        let mut u = self.endpoint.clone();
        {
            let mut seg = u.path_segments_mut().expect("http(s) URLs have paths");
            seg.pop_if_empty().push(bucket);
            if let Some(k) = key {
                seg.extend(k.split('/'));
            }
        }
        u.set_query(query);
        u
    }

    async fn call(
        &self,
        op: &'static str,
        idem: Idempotency,
        build: impl Fn() -> Request + Send + Sync,
    ) -> Result<Response> {
        self.http
            .execute(op, idem, Some(&self.signer), || Ok(build()))
            .await
    }

    fn fail(&self, op: &'static str, bucket: &str, resp: &Response) -> Error {
        let e = s3_error(self.backend, op, resp);
        if e.kind() == ErrorKind::NotFound
            || e.kind() == ErrorKind::AlreadyExists
            || e.kind() == ErrorKind::BucketNotEmpty
        {
            e.with_resource(ResourceKind::Bucket, bucket)
        } else {
            e
        }
    }

    /// `PUT /{bucket}`, with `x-amz-bucket-object-lock-enabled: true` when asked and a
    /// `LocationConstraint` unless the region is `us-east-1`.
    pub async fn create_bucket(
        &self,
        bucket: &str,
        object_lock: bool,
        region: Option<&str>,
    ) -> Result<()> {
        let body = match region {
            Some(r) if r != "us-east-1" && !r.is_empty() => format!(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
                xml_escape(r)
            ),
            _ => String::new(),
        };
        let resp = self
            .call("create_bucket", Idempotency::NonIdempotent, || {
                let mut r =
                    Request::new(Method::PUT, self.url(bucket, None, None)).body(body.clone());
                if object_lock {
                    r = r.header("x-amz-bucket-object-lock-enabled", "true");
                }
                r
            })
            .await?;
        if resp.is_success() {
            Ok(())
        } else {
            Err(self.fail("create_bucket", bucket, &resp))
        }
    }

    /// `GET /`: the names of every bucket this credential can see.
    pub async fn list_buckets(&self) -> Result<Vec<String>> {
        let resp = self
            .call("list_buckets", Idempotency::Idempotent, || {
                Request::new(Method::GET, self.endpoint.clone())
            })
            .await?;
        if !resp.is_success() {
            return Err(s3_error(self.backend, "list_buckets", &resp));
        }
        parse_bucket_list(&resp.body)
    }

    /// `HEAD /{bucket}`: whether the bucket exists (and is visible to this credential).
    pub async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        let resp = self
            .call("head_bucket", Idempotency::Idempotent, || {
                Request::new(Method::HEAD, self.url(bucket, None, None))
            })
            .await?;
        match resp.status {
            200..=299 => Ok(true),
            404 => Ok(false),
            _ => Err(self.fail("head_bucket", bucket, &resp)),
        }
    }

    /// `DELETE /{bucket}`, optionally with a backend's force header (e.g. `x-minio-force-delete`).
    /// A missing bucket is success.
    pub async fn delete_bucket(
        &self,
        bucket: &str,
        force_header: Option<&'static str>,
    ) -> Result<()> {
        let resp = self
            .call("delete_bucket", Idempotency::Idempotent, || {
                let mut r = Request::new(Method::DELETE, self.url(bucket, None, None));
                if let Some(h) = force_header {
                    r = r.header(h, "true");
                }
                r
            })
            .await?;
        if resp.is_success()
            || resp.status == 404
                && parse_xml_error(&resp.body).is_none_or(|(c, _, _)| c == "NoSuchBucket")
        {
            return Ok(());
        }
        Err(self.fail("delete_bucket", bucket, &resp))
    }

    /// `GET /{bucket}?versioning`.
    pub async fn get_versioning(&self, bucket: &str) -> Result<Versioning> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct V {
            status: Option<String>,
        }
        let resp = self
            .call("get_bucket_versioning", Idempotency::Idempotent, || {
                Request::new(Method::GET, self.url(bucket, None, Some("versioning")))
            })
            .await?;
        if !resp.is_success() {
            return Err(self.fail("get_bucket_versioning", bucket, &resp));
        }
        let v: V = parse_xml(&resp.body, "versioning configuration")?;
        Ok(match v.status.as_deref() {
            Some("Enabled") => Versioning::Enabled,
            Some("Suspended") => Versioning::Suspended,
            _ => Versioning::Unversioned,
        })
    }

    /// `PUT /{bucket}?versioning` with `Enabled` or `Suspended`.
    pub async fn put_versioning(&self, bucket: &str, enabled: bool) -> Result<()> {
        let body = format!(
            "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>{}</Status></VersioningConfiguration>",
            if enabled { "Enabled" } else { "Suspended" }
        );
        self.put_sub("put_bucket_versioning", bucket, "versioning", body, false)
            .await
    }

    /// `GET /{bucket}?encryption`: `Aes256` for an SSE-S3 default, `None` when there is none.
    /// An SSE-KMS default is reported as `Aes256` only if its algorithm is AES256.
    pub async fn get_encryption(&self, bucket: &str) -> Result<Encryption> {
        let resp = self
            .call("get_bucket_encryption", Idempotency::Idempotent, || {
                Request::new(Method::GET, self.url(bucket, None, Some("encryption")))
            })
            .await?;
        // RustFS answers these "not configured" codes with 400 where AWS uses 404.
        if matches!(resp.status, 400 | 404)
            && parse_xml_error(&resp.body)
                .is_some_and(|(c, _, _)| c == "ServerSideEncryptionConfigurationNotFoundError")
        {
            return Ok(Encryption::None);
        }
        if !resp.is_success() {
            return Err(self.fail("get_bucket_encryption", bucket, &resp));
        }
        let text = String::from_utf8_lossy(&resp.body);
        Ok(if text.contains(">AES256<") {
            Encryption::Aes256
        } else {
            Encryption::None
        })
    }

    /// `PUT /{bucket}?encryption` with an SSE-S3 (AES256) default rule.
    pub async fn put_encryption_aes256(&self, bucket: &str) -> Result<()> {
        let body = "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>".to_string();
        self.put_sub("put_bucket_encryption", bucket, "encryption", body, true)
            .await
    }

    /// `DELETE /{bucket}?encryption`.
    pub async fn delete_encryption(&self, bucket: &str) -> Result<()> {
        self.delete_sub(
            "delete_bucket_encryption",
            bucket,
            "encryption",
            &["ServerSideEncryptionConfigurationNotFoundError"],
        )
        .await
    }

    /// `GET /{bucket}?policy`: the bucket policy, or `None`.
    pub async fn get_policy(&self, bucket: &str) -> Result<Option<PolicyDocument>> {
        let resp = self
            .call("get_bucket_policy", Idempotency::Idempotent, || {
                Request::new(Method::GET, self.url(bucket, None, Some("policy")))
            })
            .await?;
        // RustFS answers these "not configured" codes with 400 where AWS uses 404.
        if matches!(resp.status, 400 | 404)
            && parse_xml_error(&resp.body).is_some_and(|(c, _, _)| c == "NoSuchBucketPolicy")
        {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(self.fail("get_bucket_policy", bucket, &resp));
        }
        let text =
            std::str::from_utf8(&resp.body).map_err(|e| Error::decode("bucket policy", e))?;
        if text.trim().is_empty() {
            return Ok(None);
        }
        PolicyDocument::parse(text).map(Some).map_err(|e| {
            Error::decode("bucket policy", e.message())
                .with_backend(self.backend)
                .with_operation("get_bucket_policy")
        })
    }

    /// `PUT /{bucket}?policy`.
    pub async fn put_policy(&self, bucket: &str, doc: &PolicyDocument) -> Result<()> {
        self.put_sub("put_bucket_policy", bucket, "policy", doc.to_json(), false)
            .await
    }

    /// `DELETE /{bucket}?policy` (missing policy is success).
    pub async fn delete_policy(&self, bucket: &str) -> Result<()> {
        self.delete_sub(
            "delete_bucket_policy",
            bucket,
            "policy",
            &["NoSuchBucketPolicy"],
        )
        .await
    }

    /// `GET /{bucket}?tagging` (no tags = empty map).
    pub async fn get_tagging(&self, bucket: &str) -> Result<Tags> {
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "PascalCase")]
        struct Tag {
            key: String,
            #[serde(default)]
            value: String,
        }
        #[derive(Deserialize, Default)]
        #[serde(rename_all = "PascalCase")]
        struct TagSet {
            #[serde(default)]
            tag: Vec<Tag>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Tagging {
            #[serde(default)]
            tag_set: TagSet,
        }
        let resp = self
            .call("get_bucket_tagging", Idempotency::Idempotent, || {
                Request::new(Method::GET, self.url(bucket, None, Some("tagging")))
            })
            .await?;
        // RustFS answers these "not configured" codes with 400 where AWS uses 404.
        if matches!(resp.status, 400 | 404)
            && parse_xml_error(&resp.body)
                .is_some_and(|(c, _, _)| c == "NoSuchTagSet" || c == "NoSuchTagSetError")
        {
            return Ok(Tags::new());
        }
        if !resp.is_success() {
            return Err(self.fail("get_bucket_tagging", bucket, &resp));
        }
        let t: Tagging = parse_xml(&resp.body, "bucket tagging")?;
        Ok(t.tag_set
            .tag
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect())
    }

    /// `PUT /{bucket}?tagging` (an empty map deletes the tags instead).
    pub async fn put_tagging(&self, bucket: &str, tags: &Tags) -> Result<()> {
        if tags.is_empty() {
            return self
                .delete_sub(
                    "delete_bucket_tagging",
                    bucket,
                    "tagging",
                    &["NoSuchTagSet", "NoSuchTagSetError"],
                )
                .await;
        }
        let mut body =
            String::from("<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>");
        for (k, v) in tags {
            body.push_str(&format!(
                "<Tag><Key>{}</Key><Value>{}</Value></Tag>",
                xml_escape(k),
                xml_escape(v)
            ));
        }
        body.push_str("</TagSet></Tagging>");
        self.put_sub("put_bucket_tagging", bucket, "tagging", body, true)
            .await
    }

    /// Reads, at once, the settings `parts` names that live in S3 (versioning, encryption,
    /// policy, whether object lock is on) into `b`; the others are left as they are. For
    /// `get_bucket_parts` on backends whose bucket settings are S3 reads.
    pub async fn read_parts(&self, bucket: &str, parts: BucketParts, b: &mut Bucket) -> Result<()> {
        let (versioning, encryption, policy, lock) = tokio::try_join!(
            read_if(parts.versioning, self.get_versioning(bucket)),
            read_if(parts.encryption, self.get_encryption(bucket)),
            read_if(parts.policy, self.get_policy(bucket)),
            read_if(parts.object_lock, self.get_object_lock(bucket)),
        )?;
        b.versioning = versioning.or(b.versioning);
        b.encryption = encryption.or(b.encryption);
        b.policy = policy.or(b.policy.take());
        b.object_lock = lock.or(b.object_lock);
        Ok(())
    }

    /// `GET /{bucket}?object-lock`: whether object lock is enabled.
    pub async fn get_object_lock(&self, bucket: &str) -> Result<bool> {
        let resp = self
            .call(
                "get_object_lock_configuration",
                Idempotency::Idempotent,
                || Request::new(Method::GET, self.url(bucket, None, Some("object-lock"))),
            )
            .await?;
        // AWS: 404 ObjectLockConfigurationNotFoundError; RustFS may use 400 for the same code.
        if parse_xml_error(&resp.body).is_some_and(|(c, _, _)| {
            (resp.status == 404 && c != "NoSuchBucket")
                || (resp.status == 400 && c.starts_with("ObjectLockConfigurationNotFound"))
        }) {
            return Ok(false);
        }
        if !resp.is_success() {
            return Err(self.fail("get_object_lock_configuration", bucket, &resp));
        }
        Ok(String::from_utf8_lossy(&resp.body).contains(">Enabled<"))
    }

    /// `PUT /{bucket}?{sub}` with an XML body (bucket configuration).
    async fn put_sub(
        &self,
        op: &'static str,
        bucket: &str,
        sub: &'static str,
        body: String,
        md5: bool,
    ) -> Result<()> {
        let digest = md5.then(|| content_md5(body.as_bytes()));
        let resp = self
            .call(op, Idempotency::Idempotent, || {
                let mut r =
                    Request::new(Method::PUT, self.url(bucket, None, Some(sub))).body(body.clone());
                if let Some(d) = &digest {
                    r = r.header("content-md5", d);
                }
                r
            })
            .await?;
        if resp.is_success() {
            Ok(())
        } else {
            Err(self.fail(op, bucket, &resp))
        }
    }

    async fn delete_sub(
        &self,
        op: &'static str,
        bucket: &str,
        sub: &'static str,
        missing_codes: &[&str],
    ) -> Result<()> {
        let resp = self
            .call(op, Idempotency::Idempotent, || {
                Request::new(Method::DELETE, self.url(bucket, None, Some(sub)))
            })
            .await?;
        if resp.is_success() {
            return Ok(());
        }
        // RustFS answers these "not configured" codes with 400 where AWS uses 404.
        if matches!(resp.status, 400 | 404)
            && parse_xml_error(&resp.body)
                .is_some_and(|(c, _, _)| missing_codes.contains(&c.as_str()))
        {
            return Ok(());
        }
        Err(self.fail(op, bucket, &resp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_errors_parse_and_map() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><RequestId>18A1</RequestId></Error>"#;
        let (c, m, r) = parse_xml_error(body).unwrap();
        assert_eq!(
            (c.as_str(), m.as_str(), r.as_deref()),
            (
                "NoSuchBucket",
                "The specified bucket does not exist",
                Some("18A1")
            )
        );
        assert_eq!(
            kind_for_s3_code("BucketNotEmpty"),
            Some(ErrorKind::BucketNotEmpty)
        );
        assert!(parse_xml_error(b"{\"Code\":\"x\"}").is_none());
        assert!(parse_xml_error(b"<Error><Code>").is_none());
        assert_eq!(xml_escape("a<b>&'\""), "a&lt;b&gt;&amp;&apos;&quot;");
        assert_eq!(content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
    }
}
