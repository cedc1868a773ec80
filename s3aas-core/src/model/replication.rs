//! Bucket replication to a remote S3 bucket.
//!
//! A rule names its destination (endpoint, bucket, credentials). Backends that keep remote
//! targets apart from rules (RustFS, MinIO) make one target per destination and reuse it for
//! every rule that names it.
//!
//! Only the rules the SDK made are read, changed and removed: their ids carry the
//! [`REPLICATION_RULE_PREFIX`] on the server. Rules another tool made are kept as they are.
//!
//! Ordering, enforced: replication needs versioning on the source (and on the destination,
//! which the destination's owner must enable); versioning cannot be suspended while
//! replication is configured. An update that removes replication and suspends versioning
//! removes the replication first.

use super::Tags;
use super::lifecycle::{key_prefix, rule_id};
use crate::error::{Error, Result};
use secrecy::SecretString;
use std::net::IpAddr;

/// Prefix of the rule ids the SDK makes on the server (`s3aas-<id>`).
pub const REPLICATION_RULE_PREFIX: &str = "s3aas-";

/// Where a rule replicates to.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ReplicationDestination {
    /// `http://host:port` or `https://host:port` of the destination S3 server.
    pub endpoint: String,
    /// Destination bucket (must exist, with versioning enabled).
    pub bucket: String,
    /// Destination region, when the server checks one.
    pub region: Option<String>,
    /// Access key id the source server uses to write to the destination.
    pub access_key: String,
    /// Its secret: needed to set a rule, never read back (reported rules have `None`).
    #[cfg_attr(
        feature = "serde",
        serde(default, with = "crate::secret::serde_secret::option")
    )]
    pub secret_key: Option<SecretString>,
    /// Bandwidth limit in bytes per second (`None` = unlimited).
    pub bandwidth_limit: Option<u64>,
    /// Replicate synchronously (the write waits for the copy).
    pub synchronous: bool,
    /// Allow an endpoint on loopback, link-local or `localhost`. Off by default: a tenant
    /// could otherwise point the server at its own internal services.
    pub allow_local: bool,
    /// The server's id of the remote target (RustFS/MinIO ARN), when read back.
    pub arn: Option<String>,
}

impl PartialEq for ReplicationDestination {
    /// Equal when every setting matches; the secret and the server's ARN are not compared
    /// (the secret is never read back).
    fn eq(&self, o: &Self) -> bool {
        self.endpoint == o.endpoint
            && self.bucket == o.bucket
            && self.region == o.region
            && self.access_key == o.access_key
            && self.bandwidth_limit == o.bandwidth_limit
            && self.synchronous == o.synchronous
    }
}

impl ReplicationDestination {
    /// A destination with credentials; asynchronous, unlimited bandwidth.
    pub fn new(
        endpoint: impl Into<String>,
        bucket: impl Into<String>,
        access_key: impl Into<String>,
        secret_key: SecretString,
    ) -> Self {
        ReplicationDestination {
            endpoint: endpoint.into(),
            bucket: bucket.into(),
            region: None,
            access_key: access_key.into(),
            secret_key: Some(secret_key),
            bandwidth_limit: None,
            synchronous: false,
            allow_local: false,
            arn: None,
        }
    }

    /// Sets the region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Limits bandwidth (bytes per second).
    pub fn bandwidth_limit(mut self, bytes_per_second: u64) -> Self {
        self.bandwidth_limit = Some(bytes_per_second);
        self
    }

    /// Replicates synchronously.
    pub fn synchronous(mut self, on: bool) -> Self {
        self.synchronous = on;
        self
    }

    /// Allows a loopback, link-local or `localhost` endpoint (tests, single-host setups).
    pub fn allow_local(mut self, on: bool) -> Self {
        self.allow_local = on;
        self
    }

    /// `host:port` and whether TLS is used, from the endpoint (after validation).
    pub fn host_and_tls(&self) -> Option<(String, bool)> {
        let url = url::Url::parse(&self.endpoint).ok()?;
        let tls = url.scheme() == "https";
        let host = url.host_str()?;
        let port = url.port_or_known_default()?;
        Some((format!("{host}:{port}"), tls))
    }
}

/// One replication rule the SDK manages.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ReplicationRule {
    /// Rule id (1–249 characters; stored as `s3aas-<id>`).
    pub id: String,
    /// Whether the rule runs.
    pub enabled: bool,
    /// Priority; unique among the bucket's rules (higher wins where rules overlap).
    pub priority: u32,
    /// Only keys with this prefix.
    pub prefix: Option<String>,
    /// Only objects with all these tags.
    pub tags: Tags,
    /// Replicate delete markers.
    pub delete_markers: bool,
    /// Replicate deletes of versions.
    pub deletes: bool,
    /// Where to.
    pub destination: ReplicationDestination,
}

impl ReplicationRule {
    /// An enabled rule replicating everything (no deletes) to `destination`.
    pub fn new(id: impl Into<String>, priority: u32, destination: ReplicationDestination) -> Self {
        ReplicationRule {
            id: id.into(),
            enabled: true,
            priority,
            prefix: None,
            tags: Tags::new(),
            delete_markers: false,
            deletes: false,
            destination,
        }
    }

    /// Enables or disables the rule.
    pub fn enabled(mut self, on: bool) -> Self {
        self.enabled = on;
        self
    }

    /// Limits the rule to a key prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Limits the rule to objects with this tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Replicates delete markers.
    pub fn delete_markers(mut self, on: bool) -> Self {
        self.delete_markers = on;
        self
    }

    /// Replicates version deletes.
    pub fn deletes(mut self, on: bool) -> Self {
        self.deletes = on;
        self
    }

    /// The id the rule has on the server.
    pub fn server_id(&self) -> String {
        format!("{REPLICATION_RULE_PREFIX}{}", self.id)
    }
}

/// Checks replication rules: unique ids of 1–249 characters, unique priorities, a valid
/// destination (an `http`/`https` endpoint with a host and no path, not on loopback,
/// link-local or `localhost` unless allowed; a valid bucket name; an access key and, since it
/// is being set, its secret; a bandwidth limit above 0), valid prefix and tags.
pub fn validate_replication(field: &str, rules: &[ReplicationRule]) -> Result<()> {
    let mut ids = std::collections::BTreeSet::new();
    let mut priorities = std::collections::BTreeSet::new();
    for (i, r) in rules.iter().enumerate() {
        let f = format!("{field}[{i}]");
        rule_id(
            &format!("{f}.id"),
            &r.id,
            255 - REPLICATION_RULE_PREFIX.len(),
        )?;
        if !ids.insert(r.id.as_str()) {
            return Err(Error::invalid_input(
                format!("{f}.id"),
                format!("rule id {:?} is used twice", r.id),
            ));
        }
        if !priorities.insert(r.priority) {
            return Err(Error::invalid_input(
                format!("{f}.priority"),
                format!("priority {} is used twice", r.priority),
            ));
        }
        if let Some(p) = &r.prefix {
            key_prefix(&format!("{f}.prefix"), p)?;
        }
        crate::validate::tags(&format!("{f}.tags"), &r.tags)?;
        destination(&format!("{f}.destination"), &r.destination)?;
    }
    Ok(())
}

fn destination(f: &str, d: &ReplicationDestination) -> Result<()> {
    let field = format!("{f}.endpoint");
    let url = url::Url::parse(&d.endpoint)
        .map_err(|e| Error::invalid_input(&field, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid_input(&field, "must be http:// or https://"));
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || !url.username().is_empty() {
        return Err(Error::invalid_input(
            &field,
            "must be scheme://host[:port] without path, query or user",
        ));
    }
    let local = match url.host() {
        None => return Err(Error::invalid_input(&field, "has no host")),
        Some(url::Host::Domain(h)) => {
            let h = h.trim_end_matches('.').to_ascii_lowercase();
            h == "localhost" || h.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => is_local(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_local(IpAddr::V6(ip)),
    };
    if local && !d.allow_local {
        return Err(Error::invalid_input(
            &field,
            "is on loopback, link-local or localhost: refused unless the destination allows \
             local endpoints (ReplicationDestination::allow_local)",
        ));
    }
    crate::validate::bucket_name(&format!("{f}.bucket"), &d.bucket)?;
    if d.access_key.is_empty() || d.access_key.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::invalid_input(
            format!("{f}.access_key"),
            "must be a non-empty key id without spaces",
        ));
    }
    if d.secret_key.is_none() {
        return Err(Error::invalid_input(
            format!("{f}.secret_key"),
            "is needed to set a replication rule",
        ));
    }
    if d.bandwidth_limit == Some(0) {
        return Err(Error::invalid_input(
            format!("{f}.bandwidth_limit"),
            "must be above 0 (None = unlimited)",
        ));
    }
    if let Some(r) = &d.region
        && (r.is_empty() || !r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return Err(Error::invalid_input(
            format!("{f}.region"),
            "must be letters, digits and '-'",
        ));
    }
    Ok(())
}

fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_link_local() || v4.is_unspecified(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_local(IpAddr::V4(v4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dest(endpoint: &str) -> ReplicationDestination {
        ReplicationDestination::new(endpoint, "dst-bucket", "AKID", SecretString::from("s"))
    }

    #[test]
    fn local_endpoints_are_refused_unless_allowed() {
        for e in [
            "http://127.0.0.1:9000",
            "http://localhost:9000",
            "http://[::1]:9000",
            "http://169.254.169.254",
            "http://[fe80::1]:80",
            "http://[::ffff:127.0.0.1]:9000",
            "http://0.0.0.0:9000",
        ] {
            let r = ReplicationRule::new("a", 1, dest(e));
            let err = validate_replication("b.replication", &[r]).unwrap_err();
            assert_eq!(
                err.field(),
                Some("b.replication[0].destination.endpoint"),
                "{e}"
            );
            let r = ReplicationRule::new("a", 1, dest(e).allow_local(true));
            validate_replication("b.replication", &[r]).unwrap();
        }
        let r = ReplicationRule::new("a", 1, dest("https://s3.example.com"));
        validate_replication("r", &[r]).unwrap();
    }

    #[test]
    fn ids_priorities_and_destinations_are_checked() {
        let a = ReplicationRule::new("a", 1, dest("https://s3.example.com"));
        let mut b = a.clone();
        b.id = "b".into();
        let e = validate_replication("r", &[a.clone(), b.clone()]).unwrap_err();
        assert_eq!(e.field(), Some("r[1].priority"));
        b.priority = 2;
        validate_replication("r", &[a.clone(), b]).unwrap();
        let mut c = a.clone();
        c.destination.secret_key = None;
        assert_eq!(
            validate_replication("r", &[c]).unwrap_err().field(),
            Some("r[0].destination.secret_key")
        );
        let mut c = a.clone();
        c.destination.endpoint = "ftp://x".into();
        assert!(validate_replication("r", &[c]).is_err());
        let mut c = a;
        c.destination.endpoint = "https://s3.example.com/path".into();
        assert!(validate_replication("r", &[c]).is_err());
    }

    #[test]
    fn equality_ignores_secret_and_arn() {
        let a = dest("https://s3.example.com");
        let mut b = a.clone();
        b.secret_key = None;
        b.arn = Some("arn:rustfs:replication::x:dst-bucket".into());
        assert_eq!(a, b);
        assert!(!format!("{a:?}").contains("\"s\""));
    }
}
