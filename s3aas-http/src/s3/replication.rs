//! A bucket's S3 replication configuration, split into the SDK's rules and everybody else's.
//!
//! The SDK's rules carry ids starting with [`REPLICATION_RULE_PREFIX`]; they are parsed and
//! rewritten. Rules other tools made are kept verbatim (their `<Rule>` element as the server
//! gave it), so writing the configuration back never changes them.

use super::features::{FilterXml, filter_xml};
use super::*;
use s3aas_core::model::REPLICATION_RULE_PREFIX;

/// One of the SDK's rules as the server stores it: the destination is a remote-target ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerReplicationRule {
    /// The rule id without the SDK's prefix.
    pub id: String,
    /// `Status` Enabled.
    pub enabled: bool,
    /// Priority.
    pub priority: u32,
    /// Key prefix filter.
    pub prefix: Option<String>,
    /// Tag filter.
    pub tags: Tags,
    /// `DeleteMarkerReplication` Enabled.
    pub delete_markers: bool,
    /// `DeleteReplication` Enabled (a MinIO extension RustFS shares).
    pub deletes: bool,
    /// `Destination/Bucket`: the remote target's ARN.
    pub destination_arn: String,
}

/// A bucket's replication configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplicationConfig {
    /// The SDK's rules.
    pub ours: Vec<ServerReplicationRule>,
    /// Other tools' rules, verbatim `<Rule>…</Rule>` elements.
    pub foreign: Vec<String>,
    /// The foreign rules' priorities (an SDK rule may not reuse one).
    pub foreign_priorities: Vec<u32>,
}

#[derive(Deserialize, Default)]
struct StatusXml {
    #[serde(rename = "Status", default)]
    status: String,
}

#[derive(Deserialize)]
struct RuleXml {
    #[serde(rename = "ID", default)]
    id: String,
    #[serde(rename = "Status", default)]
    status: String,
    #[serde(rename = "Priority", default)]
    priority: u32,
    #[serde(rename = "Prefix")]
    prefix: Option<String>,
    #[serde(rename = "Filter", default)]
    filter: FilterXml,
    #[serde(rename = "DeleteMarkerReplication", default)]
    delete_markers: StatusXml,
    #[serde(rename = "DeleteReplication", default)]
    deletes: StatusXml,
    #[serde(rename = "Destination")]
    destination: DestXml,
}

#[derive(Deserialize)]
struct DestXml {
    #[serde(rename = "Bucket")]
    bucket: String,
}

/// Reads a `ReplicationConfiguration` body.
pub fn parse_replication(body: &[u8]) -> Result<ReplicationConfig> {
    require_root(
        body,
        "ReplicationConfiguration",
        "replication configuration",
    )?;
    let text = std::str::from_utf8(body).map_err(|e| Error::decode("replication", e))?;
    let mut out = ReplicationConfig::default();
    for raw in rule_elements(text) {
        let r: RuleXml = parse_xml(raw.as_bytes(), "replication rule")?;
        let Some(id) = r.id.strip_prefix(REPLICATION_RULE_PREFIX) else {
            out.foreign_priorities.push(r.priority);
            out.foreign.push(raw.to_string());
            continue;
        };
        let (prefix, tags) = r.filter.split(r.prefix);
        out.ours.push(ServerReplicationRule {
            id: id.to_string(),
            enabled: r.status == "Enabled",
            priority: r.priority,
            prefix,
            tags,
            delete_markers: r.delete_markers.status == "Enabled",
            deletes: r.deletes.status == "Enabled",
            destination_arn: r.destination.bucket,
        });
    }
    Ok(out)
}

/// The `<Rule>…</Rule>` elements of a configuration, as written (rules do not nest).
fn rule_elements(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find_open(rest, "Rule") {
        let Some(end) = rest[start..].find("</Rule>") else {
            break;
        };
        let stop = start + end + "</Rule>".len();
        out.push(&rest[start..stop]);
        rest = &rest[stop..];
    }
    out
}

/// The offset of `<name>` or `<name ` (not `<names>`).
fn find_open(text: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(&format!("<{name}")) {
        let at = from + i;
        let next = text.as_bytes().get(at + 1 + name.len());
        if matches!(next, Some(b'>' | b' ' | b'/')) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The `ReplicationConfiguration` body: foreign rules first, verbatim, then the SDK's.
pub fn replication_xml(config: &ReplicationConfig) -> String {
    let status = |on: bool| if on { "Enabled" } else { "Disabled" };
    let mut s = String::from(
        "<ReplicationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Role></Role>",
    );
    for raw in &config.foreign {
        s.push_str(raw);
    }
    for r in &config.ours {
        s.push_str(&format!(
            "<Rule><ID>{}{}</ID><Priority>{}</Priority><Status>{}</Status>{}\
             <ExistingObjectReplication><Status>Disabled</Status></ExistingObjectReplication>\
             <DeleteMarkerReplication><Status>{}</Status></DeleteMarkerReplication>\
             <DeleteReplication><Status>{}</Status></DeleteReplication>\
             <SourceSelectionCriteria><ReplicaModifications><Status>Disabled</Status></ReplicaModifications></SourceSelectionCriteria>\
             <Destination><Bucket>{}</Bucket></Destination></Rule>",
            REPLICATION_RULE_PREFIX,
            xml_escape(&r.id),
            r.priority,
            status(r.enabled),
            filter_xml(r.prefix.as_deref(), &r.tags),
            status(r.delete_markers),
            status(r.deletes),
            xml_escape(&r.destination_arn),
        ));
    }
    s.push_str("</ReplicationConfiguration>");
    s
}

impl S3Client {
    /// `GET /{bucket}?replication` (none = an empty configuration).
    pub async fn get_replication(&self, bucket: &str) -> Result<ReplicationConfig> {
        match self
            .get_sub(
                "get_bucket_replication",
                bucket,
                "replication",
                &["ReplicationConfigurationNotFoundError"],
            )
            .await?
        {
            Some(body) => parse_replication(&body),
            None => Ok(ReplicationConfig::default()),
        }
    }

    /// `PUT /{bucket}?replication`, or `DELETE` when no rule is left.
    pub async fn put_replication(&self, bucket: &str, config: &ReplicationConfig) -> Result<()> {
        if config.ours.is_empty() && config.foreign.is_empty() {
            return self
                .delete_sub(
                    "delete_bucket_replication",
                    bucket,
                    "replication",
                    &["ReplicationConfigurationNotFoundError"],
                )
                .await;
        }
        self.put_sub(
            "put_bucket_replication",
            bucket,
            "replication",
            replication_xml(config),
            true,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_rules_survive_and_ours_round_trip() {
        let foreign = "<Rule><ID>theirs</ID><Priority>9</Priority><Status>Enabled</Status><Filter><Prefix>x/</Prefix></Filter><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>arn:minio:replication::1:other</Bucket></Destination></Rule>";
        let mut tags = Tags::new();
        tags.insert("k".into(), "v".into());
        let ours = ServerReplicationRule {
            id: "to-dr".into(),
            enabled: true,
            priority: 1,
            prefix: Some("data/".into()),
            tags,
            delete_markers: true,
            deletes: false,
            destination_arn: "arn:rustfs:replication::abc:dst".into(),
        };
        let cfg = ReplicationConfig {
            ours: vec![ours],
            foreign: vec![foreign.to_string()],
            foreign_priorities: vec![9],
        };
        let xml = replication_xml(&cfg);
        assert!(xml.contains("<ID>s3aas-to-dr</ID>"));
        // What RustFS gives back: no namespace, the same elements.
        let back = parse_replication(
            xml.replace(" xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"", "")
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(back, cfg);
        assert!(
            parse_replication(b"<ReplicationConfiguration><Role/></ReplicationConfiguration>")
                .unwrap()
                .ours
                .is_empty()
        );
    }
}
