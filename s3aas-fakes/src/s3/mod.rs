//! An in-memory S3 server: the bucket features s3aas uses, with S3 XML errors.

use std::collections::BTreeMap;
use wiremock::{Request, ResponseTemplate};

mod features;
pub use features::Configs;

/// One stored version of an object (or a delete marker).
#[derive(Clone, Debug)]
pub struct Version {
    /// Version id (`null` in unversioned buckets).
    pub id: String,
    /// Contents.
    pub data: Vec<u8>,
    /// Whether this is a delete marker.
    pub delete_marker: bool,
}

/// A bucket.
#[derive(Clone, Debug, Default)]
pub struct Bucket {
    /// `None` unversioned, `Some(true)` enabled, `Some(false)` suspended.
    pub versioning: Option<bool>,
    /// Object lock enabled at creation.
    pub object_lock: bool,
    /// SSE-S3 default encryption.
    pub sse: bool,
    /// Bucket policy JSON.
    pub policy: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// Object versions, newest last.
    pub objects: BTreeMap<String, Vec<Version>>,
    /// Lifecycle, CORS, default retention and replication configurations.
    pub configs: Configs,
}

impl Bucket {
    /// Bytes and objects held (all versions), as a usage scanner would count them.
    pub fn usage(&self) -> (u64, u64) {
        self.objects
            .values()
            .flatten()
            .filter(|v| !v.delete_marker)
            .fold((0, 0), |(b, n), v| (b + v.data.len() as u64, n + 1))
    }
}

/// The S3 side of a fake server.
#[derive(Debug)]
pub struct S3State {
    /// Buckets by name.
    pub buckets: BTreeMap<String, Bucket>,
    /// Whether SSE-S3 works (MinIO needs a KMS for it; without one it answers 501).
    pub kms: bool,
    /// Header that force-deletes a non-empty bucket.
    pub force_header: &'static str,
    /// Multipart uploads in progress: upload id to `(bucket, key)`.
    pub uploads: BTreeMap<String, (String, String)>,
    seq: u64,
}

/// An S3-style XML error response.
pub fn xml_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("x-amz-request-id", "FAKE-REQ-1")
        .set_body_raw(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>FAKE-REQ-1</RequestId></Error>"), "application/xml")
}

pub(crate) fn xml(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/xml")
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn unesc(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The text of every `<tag>…</tag>` in `s`.
fn all_between(s: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(after[..j].to_string());
        rest = &after[j + close.len()..];
    }
    out
}

/// Query parameters of a request (a key without value maps to "").
pub fn query(req: &Request) -> BTreeMap<String, String> {
    req.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

impl S3State {
    /// An empty server.
    pub fn new(kms: bool, force_header: &'static str) -> Self {
        S3State {
            buckets: BTreeMap::new(),
            kms,
            force_header,
            uploads: BTreeMap::new(),
            seq: 0,
        }
    }

    fn next_id(&mut self) -> String {
        self.seq += 1;
        format!("v{:08}", self.seq)
    }

    /// Handles an S3 request (path-style).
    pub fn handle(&mut self, req: &Request) -> ResponseTemplate {
        let q = query(req);
        let path = req.url.path().trim_start_matches('/');
        let (bucket, key) = match path.split_once('/') {
            Some((b, k)) if !k.is_empty() => (b.to_string(), Some(percent_decode(k))),
            Some((b, _)) => (b.to_string(), None),
            None => (path.to_string(), None),
        };
        let m = req.method.as_str();
        if bucket.is_empty() {
            return self.list_buckets();
        }
        if let Some(k) = key {
            return self.object(m, &bucket, &k, &q, req);
        }
        if m == "PUT" && q.is_empty() {
            if self.buckets.contains_key(&bucket) {
                return xml_error(
                    409,
                    "BucketAlreadyOwnedByYou",
                    "Your previous request to create the named bucket succeeded and you already own it.",
                );
            }
            let lock = req
                .headers
                .get("x-amz-bucket-object-lock-enabled")
                .map(|v| v.as_bytes() == b"true")
                .unwrap_or(false);
            self.buckets.insert(
                bucket,
                Bucket {
                    object_lock: lock,
                    versioning: lock.then_some(true),
                    ..Bucket::default()
                },
            );
            return ResponseTemplate::new(200);
        }
        let Some(b) = self.buckets.get_mut(&bucket) else {
            return if m == "HEAD" {
                ResponseTemplate::new(404)
            } else {
                xml_error(404, "NoSuchBucket", "The specified bucket does not exist")
            };
        };
        let body = String::from_utf8_lossy(&req.body).to_string();
        match (m, q.keys().next().map(String::as_str).unwrap_or("")) {
            ("HEAD", _) => ResponseTemplate::new(200),
            ("DELETE", "") => {
                let force = req.headers.get(self.force_header).is_some_and(|v| v.as_bytes() == b"true");
                if !b.objects.is_empty() && !force {
                    return xml_error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty");
                }
                self.buckets.remove(&bucket);
                ResponseTemplate::new(204)
            }
            ("GET", "versioning") => {
                let status = match b.versioning {
                    Some(true) => "<Status>Enabled</Status>",
                    Some(false) => "<Status>Suspended</Status>",
                    None => "",
                };
                xml(format!("<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">{status}</VersioningConfiguration>"))
            }
            ("PUT", "versioning") => match all_between(&body, "Status").first().map(String::as_str) {
                Some("Enabled") => {
                    b.versioning = Some(true);
                    ResponseTemplate::new(200)
                }
                Some("Suspended") if b.object_lock => xml_error(400, "InvalidBucketState", "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed."),
                // MinIO and RustFS refuse suspending while replication is configured.
                Some("Suspended") if b.configs.replication.is_some() => xml_error(409, "InvalidBucketState", "A replication configuration is present on this bucket, so the versioning state cannot be changed."),
                Some("Suspended") => {
                    if b.versioning.is_some() {
                        b.versioning = Some(false);
                    }
                    ResponseTemplate::new(200)
                }
                _ => xml_error(400, "MalformedXML", "The XML you provided was not well-formed"),
            },
            ("GET", "encryption") if b.sse => xml("<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>".into()),
            ("GET", "encryption") => xml_error(404, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found"),
            ("PUT", "encryption") if !self.kms => xml_error(501, "NotImplemented", "Server side encryption specified but KMS is not configured"),
            ("PUT", "encryption") if body.contains("<SSEAlgorithm>AES256</SSEAlgorithm>") => {
                b.sse = true;
                ResponseTemplate::new(200)
            }
            ("PUT", "encryption") => xml_error(400, "MalformedXML", "The XML you provided was not well-formed"),
            ("DELETE", "encryption") => {
                b.sse = false;
                ResponseTemplate::new(204)
            }
            ("GET", "policy") => match &b.policy {
                Some(p) => ResponseTemplate::new(200).insert_header("content-type", "application/json").set_body_string(p.clone()),
                None => xml_error(404, "NoSuchBucketPolicy", "The bucket policy does not exist"),
            },
            ("PUT", "policy") => match serde_json::from_str::<serde_json::Value>(&body) {
                Ok(v) if v.get("Version").is_some() => {
                    b.policy = Some(body);
                    ResponseTemplate::new(204)
                }
                _ => xml_error(400, "MalformedPolicy", "Policy has invalid resource"),
            },
            ("DELETE", "policy") => {
                b.policy = None;
                ResponseTemplate::new(204)
            }
            ("GET", "tagging") if b.tags.is_empty() => xml_error(404, "NoSuchTagSet", "The TagSet does not exist"),
            ("GET", "tagging") => {
                let tags: String = b.tags.iter().map(|(k, v)| format!("<Tag><Key>{}</Key><Value>{}</Value></Tag>", esc(k), esc(v))).collect();
                xml(format!("<Tagging><TagSet>{tags}</TagSet></Tagging>"))
            }
            ("PUT", "tagging") => {
                if req.headers.get("content-md5").is_none() {
                    return xml_error(400, "MissingContentMD5", "Missing required header for this request: Content-Md5.");
                }
                b.tags = all_between(&body, "Tag")
                    .iter()
                    .map(|t| (unesc(all_between(t, "Key").first().map(String::as_str).unwrap_or("")), unesc(all_between(t, "Value").first().map(String::as_str).unwrap_or(""))))
                    .collect();
                ResponseTemplate::new(200)
            }
            ("DELETE", "tagging") => {
                b.tags.clear();
                ResponseTemplate::new(204)
            }
            (m, sub @ ("lifecycle" | "cors" | "object-lock" | "replication")) => {
                features::handle(b, m, sub, &body, req).unwrap_or_else(|| xml_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource."))
            }
            ("GET", _) if q.contains_key("versions") => {
                let max: usize = q.get("max-keys").and_then(|m| m.parse().ok()).unwrap_or(1000);
                let mut entries = String::new();
                let mut n = 0;
                let mut truncated = false;
                'outer: for (k, vs) in &b.objects {
                    for v in vs.iter().rev() {
                        if n == max {
                            truncated = true;
                            break 'outer;
                        }
                        let tag = if v.delete_marker { "DeleteMarker" } else { "Version" };
                        entries.push_str(&format!("<{tag}><Key>{}</Key><VersionId>{}</VersionId><Size>{}</Size></{tag}>", esc(k), v.id, v.data.len()));
                        n += 1;
                    }
                }
                xml(format!("<ListVersionsResult><IsTruncated>{truncated}</IsTruncated>{entries}</ListVersionsResult>"))
            }
            ("GET", _) if q.get("list-type").map(String::as_str) == Some("2") => {
                let prefix = q.get("prefix").cloned().unwrap_or_default();
                let after = q.get("start-after").cloned().unwrap_or_default();
                let max: usize = q.get("max-keys").and_then(|m| m.parse().ok()).unwrap_or(1000);
                let live: Vec<(&String, usize)> = b
                    .objects
                    .iter()
                    .filter(|(k, vs)| k.starts_with(&prefix) && k.as_str() > after.as_str() && vs.last().is_some_and(|v| !v.delete_marker))
                    .map(|(k, vs)| (k, vs.last().map(|v| v.data.len()).unwrap_or(0)))
                    .collect();
                let truncated = live.len() > max;
                let contents: String = live.iter().take(max).map(|(k, s)| format!("<Contents><Key>{}</Key><Size>{s}</Size></Contents>", esc(k))).collect();
                xml(format!("<ListBucketResult><Name>{}</Name><Prefix>{}</Prefix><IsTruncated>{truncated}</IsTruncated>{contents}</ListBucketResult>", esc(&bucket), esc(&prefix)))
            }
            ("POST", "delete") => {
                if req.headers.get("content-md5").is_none() {
                    return xml_error(400, "MissingContentMD5", "Missing required header for this request: Content-Md5.");
                }
                for o in all_between(&body, "Object") {
                    let k = unesc(all_between(&o, "Key").first().map(String::as_str).unwrap_or(""));
                    let vid = all_between(&o, "VersionId").first().cloned();
                    let versioned = b.versioning.is_some();
                    remove_version(b, &k, vid.as_deref(), versioned, &mut self.seq);
                }
                xml("<DeleteResult></DeleteResult>".into())
            }
            _ => xml_error(501, "NotImplemented", "A header you provided implies functionality that is not implemented"),
        }
    }

    fn list_buckets(&self) -> ResponseTemplate {
        let items: String = self.buckets.keys().map(|b| format!("<Bucket><Name>{}</Name><CreationDate>2026-11-23T00:00:00.000Z</CreationDate></Bucket>", esc(b))).collect();
        xml(format!(
            "<ListAllMyBucketsResult><Owner><ID>fake</ID></Owner><Buckets>{items}</Buckets></ListAllMyBucketsResult>"
        ))
    }

    fn object(
        &mut self,
        m: &str,
        bucket: &str,
        key: &str,
        q: &BTreeMap<String, String>,
        req: &Request,
    ) -> ResponseTemplate {
        let id = self.next_id();
        let Some(b) = self.buckets.get_mut(bucket) else {
            return xml_error(404, "NoSuchBucket", "The specified bucket does not exist");
        };
        let vid = q.get("versionId").cloned();
        let sse_requested = req.headers.get("x-amz-server-side-encryption").is_some();
        let bucket_sse = b.sse;
        // MinIO refuses any SSE-S3 write without a KMS (an SSE-S3 bucket default included).
        if matches!(m, "PUT" | "POST") && !self.kms && (sse_requested || bucket_sse) {
            return xml_error(
                501,
                "NotImplemented",
                "Server side encryption specified but KMS is not configured",
            );
        }
        match m {
            "POST" if q.contains_key("uploads") => {
                self.uploads
                    .insert(id.clone(), (bucket.to_string(), key.to_string()));
                let mut r = xml(format!(
                    "<InitiateMultipartUploadResult><Bucket>{}</Bucket><Key>{}</Key><UploadId>{id}</UploadId></InitiateMultipartUploadResult>",
                    esc(bucket),
                    esc(key)
                ));
                if sse_requested || bucket_sse {
                    r = r.insert_header("x-amz-server-side-encryption", "AES256");
                }
                r
            }
            "DELETE" if q.contains_key("uploadId") => match self.uploads.remove(&q["uploadId"]) {
                Some(_) => ResponseTemplate::new(204),
                None => xml_error(
                    404,
                    "NoSuchUpload",
                    "The specified multipart upload does not exist.",
                ),
            },
            "PUT" => {
                let versioned = b.versioning == Some(true);
                let v = Version {
                    id: if versioned { id } else { "null".into() },
                    data: req.body.clone(),
                    delete_marker: false,
                };
                let vs = b.objects.entry(key.to_string()).or_default();
                if !versioned {
                    vs.retain(|x| x.id != "null");
                }
                let out_id = v.id.clone();
                vs.push(v);
                let mut r = ResponseTemplate::new(200).insert_header("etag", "\"fake\"");
                if versioned {
                    r = r.insert_header("x-amz-version-id", out_id.as_str());
                }
                if b.sse || sse_requested {
                    r = r.insert_header("x-amz-server-side-encryption", "AES256");
                }
                r
            }
            "GET" | "HEAD" => {
                let found = b.objects.get(key).and_then(|vs| match &vid {
                    Some(id) => vs.iter().find(|v| &v.id == id),
                    None => vs.last().filter(|v| !v.delete_marker),
                });
                match found {
                    Some(v) => {
                        let mut r = ResponseTemplate::new(200)
                            .insert_header("x-amz-version-id", v.id.as_str());
                        if b.sse {
                            r = r.insert_header("x-amz-server-side-encryption", "AES256");
                        }
                        if m == "GET" {
                            r.set_body_bytes(v.data.clone())
                        } else {
                            r
                        }
                    }
                    None if m == "HEAD" => ResponseTemplate::new(404),
                    None => xml_error(404, "NoSuchKey", "The specified key does not exist."),
                }
            }
            "DELETE" => {
                let versioned = b.versioning.is_some();
                remove_version(b, key, vid.as_deref(), versioned, &mut self.seq);
                ResponseTemplate::new(204)
            }
            _ => xml_error(
                405,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
            ),
        }
    }
}

fn remove_version(b: &mut Bucket, key: &str, vid: Option<&str>, versioned: bool, seq: &mut u64) {
    match vid {
        Some(id) => {
            if let Some(vs) = b.objects.get_mut(key) {
                vs.retain(|v| v.id != id);
                if vs.is_empty() {
                    b.objects.remove(key);
                }
            }
        }
        None if versioned && b.objects.contains_key(key) => {
            *seq += 1;
            b.objects.entry(key.to_string()).or_default().push(Version {
                id: format!("v{:08}", *seq),
                data: Vec::new(),
                delete_marker: true,
            });
        }
        None => {
            b.objects.remove(key);
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
