//! A small signed S3 client for the bucket features that live in S3, not in admin APIs.
//!
//! Path-style addressing (`{endpoint}/{bucket}?{subresource}`), SigV4 service `s3`. Errors are
//! parsed from S3 XML into [`s3aas_core::Error`] keeping status, code, message and request id.

use crate::client::{HttpClient, Idempotency, Request, Response};
use crate::sigv4::SigV4Signer;
use base64::Engine;
use http::Method;
use md5::Digest;
use s3aas_core::model::{Encryption, Tags, Versioning};
use s3aas_core::{Error, ErrorKind, PolicyDocument, ResourceKind, Result};
use serde::Deserialize;
use url::Url;

/// Parses an S3-style XML error body: `<Error><Code/><Message/><RequestId/></Error>`.
pub fn parse_xml_error(body: &[u8]) -> Option<(String, String, Option<String>)> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct ErrorXml {
        code: Option<String>,
        message: Option<String>,
        request_id: Option<String>,
    }
    let text = std::str::from_utf8(body).ok()?;
    if !text.contains("<Error") {
        return None;
    }
    let e: ErrorXml = quick_xml::de::from_str(text).ok()?;
    Some((
        e.code.unwrap_or_default(),
        e.message.unwrap_or_default(),
        e.request_id,
    ))
}

/// The [`ErrorKind`] of an S3 error code, if the code decides it.
pub fn kind_for_s3_code(code: &str) -> Option<ErrorKind> {
    Some(match code {
        "NoSuchBucket" | "NoSuchKey" | "NoSuchVersion" | "NoSuchResource" | "NoSuchUpload" => {
            ErrorKind::NotFound
        }
        "BucketAlreadyExists" | "BucketAlreadyOwnedByYou" => ErrorKind::AlreadyExists,
        "BucketNotEmpty" => ErrorKind::BucketNotEmpty,
        "AccessDenied" | "AllAccessDisabled" => ErrorKind::PermissionDenied,
        "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "InvalidToken"
        | "RequestTimeTooSkewed" => ErrorKind::Unauthenticated,
        "SlowDown" | "Throttling" | "TooManyRequests" | "RequestLimitExceeded" => {
            ErrorKind::Throttled
        }
        "InvalidBucketState" | "OperationAborted" | "PreconditionFailed" => ErrorKind::Conflict,
        "NotImplemented" => ErrorKind::Unsupported,
        "ServiceUnavailable" | "XMinioServerNotInitialized" => ErrorKind::Unavailable,
        "RequestTimeout" => ErrorKind::Timeout,
        "InvalidBucketName"
        | "MalformedXML"
        | "MalformedPolicy"
        | "InvalidArgument"
        | "InvalidRequest"
        | "InvalidPolicyDocument"
        | "InvalidTag"
        | "EntityTooLarge"
        | "MissingContentLength"
        | "InvalidDigest" => ErrorKind::InvalidInput,
        "InternalError" => ErrorKind::Backend,
        _ => return None,
    })
}

/// Turns a non-2xx S3 response into an [`Error`]: kind from the code (else the status), with
/// status, code, message and request id kept. A body that is not S3 XML is quoted, truncated.
pub fn s3_error(backend: &'static str, operation: &'static str, resp: &Response) -> Error {
    let (code, message, rid) = match parse_xml_error(&resp.body) {
        Some((c, m, r)) => (c, m, r),
        None => (String::new(), String::new(), None),
    };
    let mut kind =
        kind_for_s3_code(&code).unwrap_or_else(|| s3aas_core::error::kind_for_status(resp.status));
    // RustFS refuses an expired or unknown service-account key with `400 InvalidRequest` "check
    // key failed" rather than 403: it is an authentication failure, not bad input.
    if code == "InvalidRequest" && message.contains("check key failed") {
        kind = ErrorKind::Unauthenticated;
    }
    // A write refused by a bucket quota (RustFS: `400 InvalidRequest` "Bucket quota exceeded";
    // MinIO: `XMinioAdminBucketQuotaExceeded`) is a conflict with the bucket's state, not bad input.
    if message.contains("quota exceeded") || code == "XMinioAdminBucketQuotaExceeded" {
        kind = ErrorKind::Conflict;
    }
    let message = if !message.is_empty() {
        message
    } else if !code.is_empty() {
        code.clone()
    } else if resp.body.is_empty() {
        format!("HTTP {} with an empty body", resp.status)
    } else {
        format!("unexpected response: {}", resp.body_snippet(200))
    };
    let mut e = Error::new(kind, message)
        .with_backend(backend)
        .with_operation(operation)
        .with_http_status(resp.status)
        .with_code(code);
    if let Some(r) = rid.as_deref().or(resp.request_id()) {
        e = e.with_request_id(r);
    }
    if resp.retries_exhausted {
        e.set_retries_exhausted();
    }
    e
}

/// Escapes text for XML.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

fn content_md5(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(body))
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

    /// Whether the bucket holds any object version or delete marker.
    pub async fn is_empty(&self, bucket: &str) -> Result<bool> {
        let (versions, _) = self.list_object_versions(bucket, 1, None).await?;
        Ok(versions.is_empty())
    }

    /// `GET /{bucket}?versions`: up to `max` versions and delete markers, after a marker.
    /// Returns the page and the marker of the next page.
    pub async fn list_object_versions(
        &self,
        bucket: &str,
        max: u32,
        after: Option<(String, String)>,
    ) -> Result<(Vec<ObjectVersion>, Option<(String, String)>)> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct V {
            key: String,
            version_id: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct L {
            #[serde(default)]
            version: Vec<V>,
            #[serde(default)]
            delete_marker: Vec<V>,
            #[serde(default)]
            is_truncated: bool,
            next_key_marker: Option<String>,
            next_version_id_marker: Option<String>,
        }
        let mut q = format!("versions&max-keys={max}");
        if let Some((k, v)) = &after {
            let enc = |s: &str| {
                url::form_urlencoded::byte_serialize(s.as_bytes())
                    .collect::<String>()
                    .replace('+', "%20")
            };
            q.push_str(&format!(
                "&key-marker={}&version-id-marker={}",
                enc(k),
                enc(v)
            ));
        }
        let resp = self
            .call("list_object_versions", Idempotency::Idempotent, || {
                Request::new(Method::GET, self.url(bucket, None, Some(&q)))
            })
            .await?;
        if !resp.is_success() {
            return Err(self.fail("list_object_versions", bucket, &resp));
        }
        let l: L = parse_xml(&resp.body, "object version list")?;
        let mut out: Vec<ObjectVersion> = l
            .version
            .into_iter()
            .chain(l.delete_marker)
            .map(|v| ObjectVersion {
                key: v.key,
                version_id: v.version_id.filter(|id| !id.is_empty() && id != "null"),
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        let next = if l.is_truncated {
            l.next_key_marker
                .map(|k| (k, l.next_version_id_marker.unwrap_or_default()))
        } else {
            None
        };
        Ok((out, next))
    }

    /// `POST /{bucket}?delete` for up to 1000 versions. Fails if any could not be deleted (e.g.
    /// locked by object lock), naming the first.
    pub async fn delete_objects(&self, bucket: &str, versions: &[ObjectVersion]) -> Result<()> {
        if versions.is_empty() {
            return Ok(());
        }
        let mut body = String::from(
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>",
        );
        for v in versions {
            body.push_str("<Object><Key>");
            body.push_str(&xml_escape(&v.key));
            body.push_str("</Key>");
            if let Some(id) = &v.version_id {
                body.push_str(&format!("<VersionId>{}</VersionId>", xml_escape(id)));
            }
            body.push_str("</Object>");
        }
        body.push_str("</Delete>");
        let md5 = content_md5(body.as_bytes());
        let resp = self
            .call("delete_objects", Idempotency::Idempotent, || {
                Request::new(Method::POST, self.url(bucket, None, Some("delete")))
                    .header("content-md5", &md5)
                    .header("content-type", "application/xml")
                    .body(body.clone())
            })
            .await?;
        if !resp.is_success() {
            return Err(self.fail("delete_objects", bucket, &resp));
        }
        let text = String::from_utf8_lossy(&resp.body);
        if text.contains("<Error>") {
            #[derive(Deserialize)]
            #[serde(rename_all = "PascalCase")]
            struct E {
                key: Option<String>,
                code: Option<String>,
                message: Option<String>,
            }
            #[derive(Deserialize)]
            #[serde(rename_all = "PascalCase")]
            struct R {
                #[serde(default)]
                error: Vec<E>,
            }
            let r: R = parse_xml(&resp.body, "delete result")?;
            if let Some(e) = r.error.first() {
                let code = e.code.clone().unwrap_or_default();
                let kind = if code == "AccessDenied" {
                    ErrorKind::PermissionDenied
                } else {
                    ErrorKind::Conflict
                };
                return Err(Error::new(
                    kind,
                    format!(
                        "{} of {} object version(s) could not be deleted; first: '{}': {}",
                        r.error.len(),
                        versions.len(),
                        e.key.clone().unwrap_or_default(),
                        e.message.clone().unwrap_or_default()
                    ),
                )
                .with_backend(self.backend)
                .with_operation("delete_objects")
                .with_code(code)
                .with_resource(ResourceKind::Bucket, bucket));
            }
        }
        Ok(())
    }

    /// Deletes every object version and delete marker in a bucket.
    pub async fn empty_bucket(&self, bucket: &str) -> Result<()> {
        loop {
            let (page, _) = self.list_object_versions(bucket, 1000, None).await?;
            if page.is_empty() {
                return Ok(());
            }
            self.delete_objects(bucket, &page).await?;
        }
    }

    /// `GET /{bucket}?list-type=2`: up to `max_keys` keys under `prefix`, after `start_after`.
    /// Returns the keys (sorted, as S3 returns them) and whether more follow.
    pub async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        start_after: Option<&str>,
        max_keys: u32,
    ) -> Result<(Vec<String>, bool)> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct C {
            key: String,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct L {
            #[serde(default)]
            contents: Vec<C>,
            #[serde(default)]
            is_truncated: bool,
        }
        let enc = |s: &str| {
            url::form_urlencoded::byte_serialize(s.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        };
        let mut q = format!("list-type=2&max-keys={max_keys}&prefix={}", enc(prefix));
        if let Some(a) = start_after {
            q.push_str(&format!("&start-after={}", enc(a)));
        }
        let resp = self
            .call("list_objects", Idempotency::Idempotent, || {
                Request::new(Method::GET, self.url(bucket, None, Some(&q)))
            })
            .await?;
        if !resp.is_success() {
            return Err(self.fail("list_objects", bucket, &resp));
        }
        let l: L = parse_xml(&resp.body, "object list")?;
        Ok((
            l.contents.into_iter().map(|c| c.key).collect(),
            l.is_truncated,
        ))
    }

    /// `HEAD /{bucket}/{key}`: whether the object exists.
    pub async fn object_exists(&self, bucket: &str, key: &str) -> Result<bool> {
        let resp = self
            .call("head_object", Idempotency::Idempotent, || {
                Request::new(Method::HEAD, self.url(bucket, Some(key), None))
            })
            .await?;
        match resp.status {
            200..=299 => Ok(true),
            404 => Ok(false),
            _ => Err(s3_error(self.backend, "head_object", &resp)),
        }
    }

    /// `PUT /{bucket}/{key}` with extra headers (e.g. SSE).
    pub async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: bytes::Bytes,
        headers: &[(&'static str, &str)],
    ) -> Result<PutObjectOutput> {
        let md5 = content_md5(&body);
        let resp = self
            .call("put_object", Idempotency::Idempotent, || {
                let mut r = Request::new(Method::PUT, self.url(bucket, Some(key), None))
                    .header("content-md5", &md5)
                    .body(body.clone());
                for (k, v) in headers {
                    r = r.header(k, v);
                }
                r
            })
            .await?;
        if !resp.is_success() {
            return Err(self.fail("put_object", bucket, &resp));
        }
        Ok(PutObjectOutput {
            version_id: resp.header("x-amz-version-id").map(String::from),
            server_side_encryption: resp
                .header("x-amz-server-side-encryption")
                .map(String::from),
        })
    }

    /// `GET /{bucket}/{key}[?versionId=]`.
    pub async fn get_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<GetObjectOutput> {
        let q = version_id.map(|v| {
            format!(
                "versionId={}",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        });
        let resp = self
            .call("get_object", Idempotency::Idempotent, || {
                Request::new(Method::GET, self.url(bucket, Some(key), q.as_deref()))
            })
            .await?;
        if !resp.is_success() {
            return Err(s3_error(self.backend, "get_object", &resp));
        }
        Ok(GetObjectOutput {
            version_id: resp.header("x-amz-version-id").map(String::from),
            server_side_encryption: resp
                .header("x-amz-server-side-encryption")
                .map(String::from),
            body: resp.body,
        })
    }

    /// `DELETE /{bucket}/{key}[?versionId=]`.
    pub async fn delete_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<()> {
        let q = version_id.map(|v| {
            format!(
                "versionId={}",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        });
        let resp = self
            .call("delete_object", Idempotency::Idempotent, || {
                Request::new(Method::DELETE, self.url(bucket, Some(key), q.as_deref()))
            })
            .await?;
        if !resp.is_success() {
            return Err(s3_error(self.backend, "delete_object", &resp));
        }
        Ok(())
    }

    /// `POST /{bucket}/{key}?uploads` (CreateMultipartUpload) with extra headers (e.g. SSE).
    /// Never retried: a repeated initiate would leave a second upload behind.
    pub async fn create_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        headers: &[(&'static str, &str)],
    ) -> Result<MultipartUpload> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Init {
            upload_id: String,
        }
        let resp = self
            .call(
                "create_multipart_upload",
                Idempotency::NonIdempotent,
                || {
                    let mut r =
                        Request::new(Method::POST, self.url(bucket, Some(key), Some("uploads")));
                    for (k, v) in headers {
                        r = r.header(k, v);
                    }
                    r
                },
            )
            .await?;
        if !resp.is_success() {
            return Err(self.fail("create_multipart_upload", bucket, &resp));
        }
        let init: Init = parse_xml(&resp.body, "multipart upload")?;
        Ok(MultipartUpload {
            upload_id: init.upload_id,
            server_side_encryption: resp
                .header("x-amz-server-side-encryption")
                .map(String::from),
        })
    }

    /// `DELETE /{bucket}/{key}?uploadId=` (AbortMultipartUpload). An upload that is already gone
    /// (`NoSuchUpload`) is success.
    pub async fn abort_multipart_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<()> {
        let q = format!(
            "uploadId={}",
            url::form_urlencoded::byte_serialize(upload_id.as_bytes()).collect::<String>()
        );
        let resp = self
            .call("abort_multipart_upload", Idempotency::Idempotent, || {
                Request::new(Method::DELETE, self.url(bucket, Some(key), Some(&q)))
            })
            .await?;
        if resp.is_success()
            || resp.status == 404
                && parse_xml_error(&resp.body).is_some_and(|(c, _, _)| c == "NoSuchUpload")
        {
            return Ok(());
        }
        Err(s3_error(self.backend, "abort_multipart_upload", &resp))
    }

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

/// Parses a `ListAllMyBucketsResult` body into bucket names (no I/O; used by
/// [`S3Client::list_buckets`] and the benches).
pub fn parse_bucket_list(body: &[u8]) -> Result<Vec<String>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct B {
        name: String,
    }
    #[derive(Deserialize, Default)]
    #[serde(rename_all = "PascalCase")]
    struct Bs {
        #[serde(default)]
        bucket: Vec<B>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct L {
        #[serde(default)]
        buckets: Bs,
    }
    let l: L = parse_xml(body, "bucket list")?;
    Ok(l.buckets.bucket.into_iter().map(|b| b.name).collect())
}

fn parse_xml<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    let text = std::str::from_utf8(body).map_err(|e| Error::decode(what, e))?;
    quick_xml::de::from_str(text).map_err(|e| {
        let snippet: String = text.chars().take(200).collect();
        Error::decode(what, format!("{e} in {snippet:?}"))
    })
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
