//! Object calls of the S3 client: listings, emptying, puts, gets, deletes, multipart.

use super::*;

impl S3Client {
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
        parse_versions(&resp.body)
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
}

/// A page of versions and the `(key, version id)` marker of the next page.
type VersionPage = (Vec<ObjectVersion>, Option<(String, String)>);

/// Reads a `ListVersionsResult`: versions and delete markers sorted by key (servers interleave
/// them), and the marker of the next page.
fn parse_versions(body: &[u8]) -> Result<VersionPage> {
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
    let l: L = parse_xml(body, "object version list")?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Ceph (after a lifecycle expiry) and SeaweedFS interleave versions and delete markers;
    /// every entry is kept.
    #[test]
    fn interleaved_versions_and_delete_markers_parse() {
        let body = br#"<ListVersionsResult><IsTruncated>true</IsTruncated><NextKeyMarker>c</NextKeyMarker><NextVersionIdMarker>v5</NextVersionIdMarker>
<DeleteMarker><Key>a</Key><VersionId>v1</VersionId></DeleteMarker>
<Version><Key>a</Key><VersionId>v2</VersionId></Version>
<Version><Key>b</Key><VersionId>v3</VersionId></Version>
<DeleteMarker><Key>b</Key><VersionId>v4</VersionId></DeleteMarker>
<Version><Key>c</Key><VersionId>null</VersionId></Version></ListVersionsResult>"#;
        let (v, next) = parse_versions(body).unwrap();
        assert_eq!(v.len(), 5, "{v:?}");
        assert_eq!(
            v.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
            ["a", "a", "b", "b", "c"]
        );
        assert_eq!(v[4].version_id, None);
        assert_eq!(next, Some(("c".into(), "v5".into())));
    }
}
