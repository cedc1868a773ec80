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

/// Fails unless the document's root element is `root` (after an XML declaration, comments
/// and whitespace). quick-xml's serde reader ignores the root's name, so without this an HTML
/// error page answered with `200` would read as an empty configuration, and writing it back
/// would erase what the server holds.
pub(super) fn require_root(body: &[u8], root: &str, what: &str) -> Result<()> {
    let text = std::str::from_utf8(body).map_err(|e| Error::decode(what, e))?;
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("<?") {
            rest = r
                .split_once("?>")
                .map(|(_, r)| r)
                .unwrap_or("")
                .trim_start();
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = r
                .split_once("-->")
                .map(|(_, r)| r)
                .unwrap_or("")
                .trim_start();
        } else {
            break;
        }
    }
    let name: String = rest
        .strip_prefix('<')
        .unwrap_or("")
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    if name == root {
        return Ok(());
    }
    let snippet: String = text.chars().take(80).collect();
    Err(Error::decode(
        what,
        format!("expected a <{root}> document, got {snippet:?}"),
    ))
}
