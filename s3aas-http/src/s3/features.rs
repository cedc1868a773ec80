//! Bucket configurations kept in S3 itself: lifecycle, CORS and the object-lock default
//! retention. The XML is built and read by pure functions (tested without a server); the
//! client methods only move it.

use super::*;
use s3aas_core::Capabilities;
use s3aas_core::model::{
    Bucket, CorsRule, CreateBucket, DefaultRetention, LifecycleRule, RetentionMode,
    RetentionPeriod, UpdateBucket,
};

const NS: &str = "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";

/// `<Filter>` of a lifecycle or replication rule: nothing, one prefix, one tag, or `<And>`.
pub(super) fn filter_xml(prefix: Option<&str>, tags: &Tags) -> String {
    let tag = |k: &str, v: &str| {
        format!(
            "<Tag><Key>{}</Key><Value>{}</Value></Tag>",
            xml_escape(k),
            xml_escape(v)
        )
    };
    let prefix_xml = prefix.map(|p| format!("<Prefix>{}</Prefix>", xml_escape(p)));
    let inner = match (prefix_xml, tags.len()) {
        (None, 0) => String::new(),
        (Some(p), 0) => p,
        (None, 1) => {
            let (k, v) = tags.iter().next().expect("one tag");
            tag(k, v)
        }
        (p, _) => {
            let mut s = String::from("<And>");
            s.push_str(&p.unwrap_or_default());
            for (k, v) in tags {
                s.push_str(&tag(k, v));
            }
            s.push_str("</And>");
            s
        }
    };
    format!("<Filter>{inner}</Filter>")
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TagXml {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(super) struct AndXml {
    pub prefix: Option<String>,
    #[serde(default)]
    pub tag: Vec<TagXml>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(super) struct FilterXml {
    pub prefix: Option<String>,
    pub tag: Option<TagXml>,
    pub and: Option<AndXml>,
}

impl FilterXml {
    /// The prefix (empty = none) and tags, with a rule-level `<Prefix>` (the older form) as
    /// a fallback.
    pub(super) fn split(self, rule_prefix: Option<String>) -> (Option<String>, Tags) {
        let mut tags = Tags::new();
        let mut prefix = self.prefix.or(rule_prefix);
        if let Some(t) = self.tag {
            tags.insert(t.key, t.value);
        }
        if let Some(a) = self.and {
            prefix = prefix.or(a.prefix);
            tags.extend(a.tag.into_iter().map(|t| (t.key, t.value)));
        }
        (prefix.filter(|p| !p.is_empty()), tags)
    }
}

/// The `LifecycleConfiguration` body of a set of rules.
pub fn lifecycle_xml(rules: &[LifecycleRule]) -> String {
    let mut s = format!("<LifecycleConfiguration {NS}>");
    for r in rules {
        s.push_str(&format!(
            "<Rule><ID>{}</ID>{}<Status>{}</Status>",
            xml_escape(&r.id),
            filter_xml(r.prefix.as_deref(), &r.tags),
            if r.enabled { "Enabled" } else { "Disabled" }
        ));
        if let Some(d) = r.expiration_days {
            s.push_str(&format!("<Expiration><Days>{d}</Days></Expiration>"));
        }
        if let Some(d) = r.noncurrent_expiration_days {
            s.push_str(&format!(
                "<NoncurrentVersionExpiration><NoncurrentDays>{d}</NoncurrentDays></NoncurrentVersionExpiration>"
            ));
        }
        if let Some(d) = r.abort_incomplete_multipart_days {
            s.push_str(&format!(
                "<AbortIncompleteMultipartUpload><DaysAfterInitiation>{d}</DaysAfterInitiation></AbortIncompleteMultipartUpload>"
            ));
        }
        s.push_str("</Rule>");
    }
    s.push_str("</LifecycleConfiguration>");
    s
}

/// Reads a `LifecycleConfiguration` body. Actions the model has no field for (transitions,
/// dates) are refused as a decode error rather than dropped, so an update never erases them
/// unknowingly.
pub fn parse_lifecycle(body: &[u8]) -> Result<Vec<LifecycleRule>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Days {
        days: Option<u32>,
        date: Option<String>,
        expired_object_delete_marker: Option<bool>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Noncurrent {
        noncurrent_days: Option<u32>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Abort {
        days_after_initiation: Option<u32>,
    }
    #[derive(Deserialize)]
    struct Rule {
        #[serde(rename = "ID", default)]
        id: String,
        #[serde(rename = "Status")]
        status: String,
        #[serde(rename = "Filter", default)]
        filter: FilterXml,
        #[serde(rename = "Prefix")]
        prefix: Option<String>,
        #[serde(rename = "Expiration")]
        expiration: Option<Days>,
        #[serde(rename = "NoncurrentVersionExpiration")]
        noncurrent: Option<Noncurrent>,
        #[serde(rename = "AbortIncompleteMultipartUpload")]
        abort: Option<Abort>,
        #[serde(rename = "Transition", default)]
        transition: Vec<serde::de::IgnoredAny>,
    }
    #[derive(Deserialize)]
    struct Config {
        #[serde(rename = "Rule", default)]
        rule: Vec<Rule>,
    }
    require_root(body, "LifecycleConfiguration", "lifecycle configuration")?;
    let c: Config = parse_xml(body, "lifecycle configuration")?;
    c.rule
        .into_iter()
        .map(|r| {
            if !r.transition.is_empty()
                || r.expiration.as_ref().is_some_and(|e| {
                    e.date.is_some() || e.expired_object_delete_marker == Some(true)
                })
            {
                return Err(Error::decode(
                    "lifecycle configuration",
                    format!(
                        "rule {:?} uses transitions, dates or delete-marker expiry, which \
                         this SDK does not manage",
                        r.id
                    ),
                ));
            }
            let (prefix, tags) = r.filter.split(r.prefix);
            let mut out = LifecycleRule::new(r.id).enabled(r.status == "Enabled");
            out.prefix = prefix;
            out.tags = tags;
            out.expiration_days = r.expiration.and_then(|e| e.days);
            out.noncurrent_expiration_days = r.noncurrent.and_then(|n| n.noncurrent_days);
            out.abort_incomplete_multipart_days = r.abort.and_then(|a| a.days_after_initiation);
            Ok(out)
        })
        .collect()
}

/// The `CORSConfiguration` body of a set of rules.
pub fn cors_xml(rules: &[CorsRule]) -> String {
    let mut s = format!("<CORSConfiguration {NS}>");
    for r in rules {
        s.push_str("<CORSRule>");
        if let Some(id) = &r.id {
            s.push_str(&format!("<ID>{}</ID>", xml_escape(id)));
        }
        for (tag, values) in [
            ("AllowedOrigin", &r.allowed_origins),
            ("AllowedMethod", &r.allowed_methods),
            ("AllowedHeader", &r.allowed_headers),
            ("ExposeHeader", &r.expose_headers),
        ] {
            for v in values {
                s.push_str(&format!("<{tag}>{}</{tag}>", xml_escape(v)));
            }
        }
        if let Some(m) = r.max_age_seconds {
            s.push_str(&format!("<MaxAgeSeconds>{m}</MaxAgeSeconds>"));
        }
        s.push_str("</CORSRule>");
    }
    s.push_str("</CORSConfiguration>");
    s
}

/// Reads a `CORSConfiguration` body.
pub fn parse_cors(body: &[u8]) -> Result<Vec<CorsRule>> {
    #[derive(Deserialize)]
    struct Rule {
        #[serde(rename = "ID")]
        id: Option<String>,
        #[serde(rename = "AllowedOrigin", default)]
        origins: Vec<String>,
        #[serde(rename = "AllowedMethod", default)]
        methods: Vec<String>,
        #[serde(rename = "AllowedHeader", default)]
        headers: Vec<String>,
        #[serde(rename = "ExposeHeader", default)]
        expose: Vec<String>,
        #[serde(rename = "MaxAgeSeconds")]
        max_age: Option<u32>,
    }
    #[derive(Deserialize)]
    struct Config {
        #[serde(rename = "CORSRule", default)]
        rule: Vec<Rule>,
    }
    require_root(body, "CORSConfiguration", "CORS configuration")?;
    let c: Config = parse_xml(body, "CORS configuration")?;
    Ok(c.rule
        .into_iter()
        .map(|r| {
            let mut out = CorsRule::new(r.origins, r.methods);
            out.id = r.id.filter(|i| !i.is_empty());
            out.allowed_headers = r.headers;
            out.expose_headers = r.expose;
            out.max_age_seconds = r.max_age;
            out
        })
        .collect())
}

/// The `ObjectLockConfiguration` body: lock enabled, with the default retention if any.
pub fn object_lock_xml(retention: Option<&DefaultRetention>) -> String {
    let rule = retention
        .map(|r| {
            let period = match r.period {
                RetentionPeriod::Days(d) => format!("<Days>{d}</Days>"),
                RetentionPeriod::Years(y) => format!("<Years>{y}</Years>"),
            };
            format!(
                "<Rule><DefaultRetention><Mode>{}</Mode>{period}</DefaultRetention></Rule>",
                r.mode.as_str()
            )
        })
        .unwrap_or_default();
    format!(
        "<ObjectLockConfiguration {NS}><ObjectLockEnabled>Enabled</ObjectLockEnabled>{rule}</ObjectLockConfiguration>"
    )
}

/// Reads an `ObjectLockConfiguration` body: whether lock is on, and the default retention.
pub fn parse_object_lock(body: &[u8]) -> Result<(bool, Option<DefaultRetention>)> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Ret {
        mode: Option<String>,
        days: Option<u32>,
        years: Option<u32>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Rule {
        default_retention: Option<Ret>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Config {
        object_lock_enabled: Option<String>,
        rule: Option<Rule>,
    }
    require_root(body, "ObjectLockConfiguration", "object lock configuration")?;
    let c: Config = parse_xml(body, "object lock configuration")?;
    let enabled = c.object_lock_enabled.as_deref() == Some("Enabled");
    let retention = match c.rule.and_then(|r| r.default_retention) {
        None => None,
        Some(r) => {
            let mode = r
                .mode
                .as_deref()
                .and_then(RetentionMode::parse)
                .ok_or_else(|| {
                    Error::decode(
                        "object lock configuration",
                        "default retention without a mode",
                    )
                })?;
            let period = match (r.days, r.years) {
                (Some(d), _) if d > 0 => RetentionPeriod::Days(d),
                (_, Some(y)) if y > 0 => RetentionPeriod::Years(y),
                _ => {
                    return Err(Error::decode(
                        "object lock configuration",
                        "default retention without days or years",
                    ));
                }
            };
            Some(DefaultRetention::new(mode, period))
        }
    };
    Ok((enabled, retention))
}

impl S3Client {
    /// `GET /{bucket}?lifecycle` (none = empty).
    pub async fn get_lifecycle(&self, bucket: &str) -> Result<Vec<LifecycleRule>> {
        match self
            .get_sub(
                "get_bucket_lifecycle",
                bucket,
                "lifecycle",
                &["NoSuchLifecycleConfiguration"],
            )
            .await?
        {
            Some(body) => parse_lifecycle(&body),
            None => Ok(Vec::new()),
        }
    }

    /// `PUT /{bucket}?lifecycle` (with `Content-MD5`, which MinIO requires); an empty list
    /// deletes the configuration instead.
    pub async fn put_lifecycle(&self, bucket: &str, rules: &[LifecycleRule]) -> Result<()> {
        if rules.is_empty() {
            return self
                .delete_sub(
                    "delete_bucket_lifecycle",
                    bucket,
                    "lifecycle",
                    &["NoSuchLifecycleConfiguration"],
                )
                .await;
        }
        self.put_sub(
            "put_bucket_lifecycle",
            bucket,
            "lifecycle",
            lifecycle_xml(rules),
            true,
        )
        .await
    }

    /// `GET /{bucket}?cors` (none = empty).
    pub async fn get_cors(&self, bucket: &str) -> Result<Vec<CorsRule>> {
        match self
            .get_sub(
                "get_bucket_cors",
                bucket,
                "cors",
                &["NoSuchCORSConfiguration"],
            )
            .await?
        {
            Some(body) => parse_cors(&body),
            None => Ok(Vec::new()),
        }
    }

    /// `PUT /{bucket}?cors`; an empty list deletes the configuration instead.
    pub async fn put_cors(&self, bucket: &str, rules: &[CorsRule]) -> Result<()> {
        if rules.is_empty() {
            return self
                .delete_sub(
                    "delete_bucket_cors",
                    bucket,
                    "cors",
                    &["NoSuchCORSConfiguration"],
                )
                .await;
        }
        self.put_sub("put_bucket_cors", bucket, "cors", cors_xml(rules), true)
            .await
    }

    /// `GET /{bucket}?object-lock`: whether lock is on and the default retention.
    pub async fn get_object_lock_config(
        &self,
        bucket: &str,
    ) -> Result<(bool, Option<DefaultRetention>)> {
        match self
            .get_sub(
                "get_object_lock_configuration",
                bucket,
                "object-lock",
                &[
                    "ObjectLockConfigurationNotFoundError",
                    "ObjectLockConfigurationNotFound",
                ],
            )
            .await?
        {
            Some(body) => parse_object_lock(&body),
            None => Ok((false, None)),
        }
    }

    /// `PUT /{bucket}?object-lock` keeping lock enabled, with or without a default retention.
    pub async fn put_default_retention(
        &self,
        bucket: &str,
        retention: Option<&DefaultRetention>,
    ) -> Result<()> {
        self.put_sub(
            "put_object_lock_configuration",
            bucket,
            "object-lock",
            object_lock_xml(retention),
            true,
        )
        .await
    }

    /// `GET /{bucket}?{sub}`: the body, or `None` when the server answers one of the
    /// "not configured" codes.
    pub(super) async fn get_sub(
        &self,
        op: &'static str,
        bucket: &str,
        sub: &'static str,
        missing_codes: &[&str],
    ) -> Result<Option<bytes::Bytes>> {
        let resp = self
            .call(op, Idempotency::Idempotent, || {
                Request::new(Method::GET, self.url(bucket, None, Some(sub)))
            })
            .await?;
        // RustFS answers these "not configured" codes with 400 where AWS uses 404.
        if matches!(resp.status, 400 | 404)
            && parse_xml_error(&resp.body)
                .is_some_and(|(c, _, _)| missing_codes.contains(&c.as_str()))
        {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(self.fail(op, bucket, &resp));
        }
        Ok(Some(resp.body.clone()))
    }
}

/// The part of an update that [`S3Client::apply_updated_features`] sends (lifecycle, CORS,
/// default retention), checked against whether the bucket has object lock. A default retention
/// on a bucket made without lock is `Conflict`: RustFS, SeaweedFS and ECS would turn lock on
/// instead of refusing, and that cannot be undone. Clearing a retention such a bucket never had
/// is dropped, since sending it would turn lock on too (or be refused, on RGW).
pub fn lock_checked_update(bucket: &str, req: &UpdateBucket, locked: bool) -> Result<UpdateBucket> {
    let mut out = UpdateBucket::new();
    out.lifecycle = req.lifecycle.clone();
    out.cors = req.cors.clone();
    match req.retention {
        Some(Some(_)) if !locked => {
            return Err(Error::new(
                ErrorKind::Conflict,
                format!(
                    "bucket '{bucket}' was made without object lock, so it cannot take a default \
                     retention (s3aas does not turn object lock on for an existing bucket: that \
                     cannot be undone)"
                ),
            )
            .with_resource(ResourceKind::Bucket, bucket));
        }
        Some(None) if !locked => {}
        r => out.retention = r,
    }
    Ok(out)
}

/// The S3-side bucket features every backend with a signed S3 client handles the same way:
/// lifecycle, CORS and the default retention. Backends call these from `create_bucket`,
/// `update_bucket` and `get_bucket` so the three stay one code path.
impl S3Client {
    /// Sets what a create request asks for, on the bucket just made. Replication is the
    /// backend's (it needs remote targets first).
    pub async fn apply_created_features(&self, bucket: &str, req: &CreateBucket) -> Result<()> {
        if let Some(r) = &req.retention {
            self.put_default_retention(bucket, Some(r)).await?;
        }
        if !req.lifecycle.is_empty() {
            self.put_lifecycle(bucket, &req.lifecycle).await?;
        }
        if !req.cors.is_empty() {
            self.put_cors(bucket, &req.cors).await?;
        }
        Ok(())
    }

    /// Applies what an update changes of lifecycle, CORS and default retention.
    pub async fn apply_updated_features(&self, bucket: &str, req: &UpdateBucket) -> Result<()> {
        if let Some(r) = &req.retention {
            self.put_default_retention(bucket, r.as_ref()).await?;
        }
        if let Some(l) = &req.lifecycle {
            self.put_lifecycle(bucket, l).await?;
        }
        if let Some(c) = &req.cors {
            self.put_cors(bucket, c).await?;
        }
        Ok(())
    }

    /// Reads lifecycle, CORS and default retention into `b`, each only where `caps` say the
    /// backend has it (a feature it lacks stays `None`: unknown). `b.object_lock` is filled
    /// from the same read as the retention.
    pub async fn read_features(
        &self,
        bucket: &str,
        b: &mut Bucket,
        caps: &Capabilities,
    ) -> Result<()> {
        if caps.bucket_lifecycle.at_creation() {
            b.lifecycle = Some(self.get_lifecycle(bucket).await?);
        }
        if caps.bucket_cors.at_creation() {
            b.cors = Some(self.get_cors(bucket).await?);
        }
        if caps.bucket_retention.at_creation() {
            let (lock, retention) = self.get_object_lock_config(bucket).await?;
            b.object_lock = Some(lock);
            b.retention = Some(retention);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_round_trips() {
        let rules = vec![
            LifecycleRule::new("logs")
                .prefix("logs/")
                .expire_after_days(30)
                .abort_incomplete_multipart_after_days(2),
            LifecycleRule::new("tmp")
                .enabled(false)
                .tag("kind", "tmp")
                .tag("team", "a&b")
                .expire_noncurrent_after_days(7),
            LifecycleRule::new("all").expire_after_days(365),
        ];
        let xml = lifecycle_xml(&rules);
        assert!(xml.contains("<Filter><Prefix>logs/</Prefix></Filter>"));
        assert!(xml.contains("<Filter></Filter>"));
        assert!(xml.contains("<And><Tag><Key>kind</Key>"));
        assert_eq!(parse_lifecycle(xml.as_bytes()).unwrap(), rules);
        let transition = b"<LifecycleConfiguration><Rule><ID>t</ID><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>X</StorageClass></Transition></Rule></LifecycleConfiguration>";
        assert!(parse_lifecycle(transition).is_err());
        let old = b"<LifecycleConfiguration><Rule><ID>o</ID><Prefix>p/</Prefix><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>";
        let r = parse_lifecycle(old).unwrap();
        assert_eq!(r[0].prefix.as_deref(), Some("p/"));
    }

    #[test]
    fn cors_round_trips() {
        let rules = vec![
            CorsRule::new(["https://a.example", "https://*.b.example"], ["GET", "PUT"])
                .id("web")
                .allow_header("*")
                .expose_header("ETag")
                .max_age_seconds(600),
            CorsRule::new(["*"], ["HEAD"]),
        ];
        assert_eq!(parse_cors(cors_xml(&rules).as_bytes()).unwrap(), rules);
    }

    #[test]
    fn object_lock_round_trips() {
        for r in [
            None,
            Some(DefaultRetention::days(RetentionMode::Governance, 3)),
            Some(DefaultRetention::years(RetentionMode::Compliance, 2)),
        ] {
            let xml = object_lock_xml(r.as_ref());
            assert_eq!(parse_object_lock(xml.as_bytes()).unwrap(), (true, r));
        }
        assert_eq!(
            parse_object_lock(b"<ObjectLockConfiguration/>").unwrap(),
            (false, None)
        );
    }

    #[test]
    fn retention_needs_lock_and_clearing_an_unlocked_bucket_sends_nothing() {
        let r = DefaultRetention::days(RetentionMode::Governance, 1);
        let e = lock_checked_update("b", &UpdateBucket::new().retention(r), false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert_eq!(e.resource(), Some((ResourceKind::Bucket, "b")));
        let u = lock_checked_update("b", &UpdateBucket::new().clear_retention(), false).unwrap();
        assert!(u.is_empty());
        let u = lock_checked_update("b", &UpdateBucket::new().clear_retention(), true).unwrap();
        assert_eq!(u.retention, Some(None));
        let u = lock_checked_update(
            "b",
            &UpdateBucket::new()
                .retention(r)
                .cors(Vec::new())
                .lifecycle(vec![LifecycleRule::new("x").expire_after_days(1)])
                .versioning(true)
                .tags(Tags::new()),
            true,
        )
        .unwrap();
        assert_eq!(u.retention, Some(Some(r)));
        assert_eq!(u.cors, Some(Vec::new()));
        assert_eq!(u.lifecycle.as_ref().map(Vec::len), Some(1));
        assert_eq!(
            (u.versioning, u.tags),
            (None, None),
            "only the S3 features are kept"
        );
    }

    /// A page that is not the configuration (a proxy's HTML answered with 200) is an error,
    /// never an empty configuration that a write-back would then impose.
    #[test]
    fn other_documents_are_not_empty_configurations() {
        let html = b"<html><body>maintenance</body></html>";
        assert!(parse_lifecycle(html).is_err());
        assert!(parse_cors(html).is_err());
        assert!(parse_object_lock(html).is_err());
        assert!(crate::s3::parse_replication(html).is_err());
        let declared = b"<?xml version=\"1.0\"?>\n<!-- c --><CORSConfiguration xmlns=\"x\"></CORSConfiguration>";
        assert_eq!(parse_cors(declared).unwrap(), Vec::new());
    }
}
