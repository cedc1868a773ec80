//! XML helpers of the S3 client (escaping, checksums, bucket lists, typed answers).

use base64::Engine;
use md5::Digest;
use s3aas_core::{Error, Result};
use serde::Deserialize;

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

pub(super) fn content_md5(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(body))
}

/// Parses a `ListAllMyBucketsResult` body into bucket names (no I/O; used by
/// [`S3Client::list_buckets`](super::S3Client::list_buckets) and the benches).
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

pub(super) fn parse_xml<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    let text = std::str::from_utf8(body).map_err(|e| Error::decode(what, e))?;
    quick_xml::de::from_str(text).map_err(|e| {
        let snippet: String = text.chars().take(200).collect();
        Error::decode(what, format!("{e} in {snippet:?}"))
    })
}
