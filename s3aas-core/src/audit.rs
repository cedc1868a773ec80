//! Audit events: one structured record of every change the SDK makes.
//!
//! [`Client`](crate::Client) emits an [`AuditEvent`] for every call that changes the server
//! (creates, updates, deletes, enabling and disabling, attaching, rotating) — whether it came
//! from a caller directly or from [`state::apply`](crate::state::apply)(crate::state::apply) — once the call has
//! finished, successfully or not. Reads emit nothing. The event goes to an [`AuditSink`]:
//! [`TracingSink`] (the default: an `INFO` event on the target `s3aas::audit`) or
//! [`JsonLinesSink`] (one JSON object per line in a file), or the caller's own.
//!
//! Events never hold a secret: access keys appear by id, secret keys never; a policy document is
//! not secret and is recorded whole; instance options are recorded by name only, because a
//! backend option may carry a credential.
//!
//! Field-level `before` is known only where the SDK read it first:
//! [`state::apply`](crate::state::apply) records the values it planned from; a direct trait
//! call records the requested values as `after` and leaves `before` empty, rather than spend a
//! read on it.

use crate::error::{Error, ErrorKind, ResourceKind};
use crate::model::{
    CreateAccessKey, CreateBucket, CreateInstance, ReplicationRule, UpdateBucket, UpdateInstance,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use time::OffsetDateTime;

/// One change the SDK made or tried to make.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuditEvent {
    /// When the call finished.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// The backend's name (`memory`, `rustfs`, ...).
    pub backend: String,
    /// The instance, for calls inside one.
    pub instance: Option<String>,
    /// What kind of resource changed.
    pub resource_kind: String,
    /// The resource's name (a key's id for access keys).
    pub resource: String,
    /// The trait operation (`create_bucket`, `set_user_enabled`, ...).
    pub operation: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The server's request id, when the backend reported one (on failures).
    pub request_id: Option<String>,
    /// The fields the call set, with their values before (where known) and after.
    pub changes: Vec<FieldChange>,
}

/// How a call ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// The server accepted the change.
    Ok,
    /// The call failed; the change may or may not have happened (see `kind`: `Partial` says
    /// what was left).
    Failed {
        /// The error kind.
        kind: String,
        /// The backend's error code, when it sent one.
        code: Option<String>,
        /// The error message.
        message: String,
    },
}

impl Outcome {
    /// The outcome of a call that returned `e`.
    pub fn from_error(e: &Error) -> Outcome {
        Outcome::Failed {
            kind: kind_name(e.kind()).to_string(),
            code: e.code().map(String::from),
            message: e.message().to_string(),
        }
    }
}

fn kind_name(kind: ErrorKind) -> String {
    format!("{kind:?}")
}

/// One field a change set: its value before (where the SDK knew it) and after.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldChange {
    /// The field's name (`versioning`, `policy`, `enabled`, `attached`, ...).
    pub field: String,
    /// The value before the change; `None` when unknown or when the resource did not exist.
    pub before: Option<serde_json::Value>,
    /// The value after the change; `None` when the change removes it.
    pub after: Option<serde_json::Value>,
}

impl FieldChange {
    /// A field going from `before` to `after`.
    pub fn new(
        field: impl Into<String>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Self {
        FieldChange {
            field: field.into(),
            before,
            after,
        }
    }

    /// A field set to `after`, its earlier value unknown.
    pub fn set(field: impl Into<String>, after: impl Serialize) -> Self {
        FieldChange::new(field, None, serde_json::to_value(after).ok())
    }
}

impl fmt::Display for FieldChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<serde_json::Value>| match v {
            None => "(none)".to_string(),
            Some(v) => v.to_string(),
        };
        write!(
            f,
            "{}: {} -> {}",
            self.field,
            show(&self.before),
            show(&self.after)
        )
    }
}

/// Where audit events go. Implementations must be quick or hand the event off: the call that
/// made the change waits for `record`.
pub trait AuditSink: Send + Sync + fmt::Debug {
    /// Records one event.
    fn record(&self, event: &AuditEvent);
}

/// The default sink: each event as an `INFO` `tracing` event on the target `s3aas::audit`, with
/// the event's JSON in the field `event`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracingSink;

impl AuditSink for TracingSink {
    fn record(&self, event: &AuditEvent) {
        let json = serde_json::to_string(event).unwrap_or_default();
        tracing::info!(
            target: "s3aas::audit",
            backend = %event.backend,
            operation = %event.operation,
            resource = %event.resource,
            ok = matches!(event.outcome, Outcome::Ok),
            event = %json,
            "s3aas change"
        );
    }
}

/// A sink that appends one JSON object per line to a file (opened for appending, created if
/// missing). A write error is reported through `tracing` and does not fail the change, which
/// has already happened.
#[derive(Debug)]
pub struct JsonLinesSink {
    file: Mutex<std::fs::File>,
}

impl JsonLinesSink {
    /// Opens (or creates) `path` for appending.
    pub fn open(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(JsonLinesSink {
            file: Mutex::new(file),
        })
    }
}

impl AuditSink for JsonLinesSink {
    fn record(&self, event: &AuditEvent) {
        let mut line = match serde_json::to_vec(event) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(target: "s3aas::audit", "cannot encode an audit event: {e}");
                return;
            }
        };
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = file.write_all(&line).and_then(|()| file.flush()) {
            tracing::warn!(target: "s3aas::audit", "cannot write an audit event: {e}");
        }
    }
}

/// A sink that keeps events in memory, for tests and for callers that forward them in batches.
#[derive(Debug, Default)]
pub struct MemorySink {
    events: Mutex<Vec<AuditEvent>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// The events recorded so far, oldest first.
    pub fn events(&self) -> Vec<AuditEvent> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Removes and returns the events recorded so far.
    pub fn take(&self) -> Vec<AuditEvent> {
        std::mem::take(&mut *self.events.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl AuditSink for MemorySink {
    fn record(&self, event: &AuditEvent) {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event.clone());
    }
}

/// What a changing call is about, as [`Client`](crate::Client) records it.
#[derive(Clone, Debug)]
pub(crate) struct Mutation {
    pub(crate) instance: Option<String>,
    pub(crate) kind: ResourceKind,
    pub(crate) name: String,
    pub(crate) changes: Vec<FieldChange>,
}

impl Mutation {
    pub(crate) fn new(
        instance: Option<&str>,
        kind: ResourceKind,
        name: &str,
        changes: Vec<FieldChange>,
    ) -> Self {
        Mutation {
            instance: instance.map(String::from),
            kind,
            name: name.to_string(),
            changes,
        }
    }

    pub(crate) fn into_event(
        self,
        backend: &str,
        operation: &str,
        result: std::result::Result<(), &Error>,
    ) -> AuditEvent {
        AuditEvent {
            time: OffsetDateTime::now_utc(),
            backend: backend.to_string(),
            instance: self.instance,
            resource_kind: self.kind.as_str().to_string(),
            resource: self.name,
            operation: operation.to_string(),
            outcome: match result {
                Ok(()) => Outcome::Ok,
                Err(e) => Outcome::from_error(e),
            },
            request_id: result.err().and_then(|e| e.request_id().map(String::from)),
            changes: self.changes,
        }
    }
}

/// A time as RFC 3339 text, as events record times.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

pub(crate) fn instance_fields(req: &CreateInstance) -> Vec<FieldChange> {
    let option_names: Vec<&String> = req.options.keys().collect();
    vec![
        FieldChange::set("default_bucket", &req.default_bucket),
        FieldChange::set("encryption", req.encryption),
        FieldChange::set("versioning", req.versioning),
        FieldChange::set("mfa_delete", req.mfa_delete),
        FieldChange::set("labels", &req.labels),
        // Names only: a backend option may carry a credential.
        FieldChange::set("options", option_names),
    ]
}

pub(crate) fn update_instance_fields(req: &UpdateInstance) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let mut set = |field: &str, v: Option<serde_json::Value>| {
        if let Some(v) = v {
            out.push(FieldChange::new(field, None, Some(v)));
        }
    };
    set("versioning", req.versioning.map(Into::into));
    set("mfa_delete", req.mfa_delete.map(Into::into));
    set(
        "encryption",
        req.encryption.and_then(|e| serde_json::to_value(e).ok()),
    );
    set("name", req.name.clone().map(Into::into));
    set("default_bucket", req.default_bucket.clone().map(Into::into));
    out
}

pub(crate) fn create_bucket_fields(req: &CreateBucket) -> Vec<FieldChange> {
    vec![
        FieldChange::set("encryption", req.encryption),
        FieldChange::set("versioning", req.versioning),
        FieldChange::set("object_lock", req.object_lock),
        FieldChange::set("quota", req.quota),
        FieldChange::set("policy", req.policy.as_ref().map(|p| p.as_value())),
        FieldChange::set("tags", &req.tags),
        FieldChange::set("owner", &req.owner),
        FieldChange::set("lifecycle", &req.lifecycle),
        FieldChange::set("cors", &req.cors),
        FieldChange::set("retention", req.retention),
        FieldChange::set("replication", replication_fields(&req.replication)),
    ]
}

/// Replication rules as the audit shows them: every setting but the destination's secret.
fn replication_fields(rules: &[ReplicationRule]) -> serde_json::Value {
    rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id,
                "enabled": r.enabled,
                "priority": r.priority,
                "prefix": r.prefix,
                "tags": r.tags,
                "delete_markers": r.delete_markers,
                "deletes": r.deletes,
                "endpoint": r.destination.endpoint,
                "bucket": r.destination.bucket,
                "region": r.destination.region,
                "access_key": r.destination.access_key,
                "bandwidth_limit": r.destination.bandwidth_limit,
                "synchronous": r.destination.synchronous,
            })
        })
        .collect()
}

pub(crate) fn update_bucket_fields(req: &UpdateBucket) -> Vec<FieldChange> {
    let mut out = Vec::new();
    if let Some(v) = req.versioning {
        out.push(FieldChange::set("versioning", v));
    }
    if let Some(q) = req.quota {
        out.push(FieldChange::set("quota", q));
    }
    if let Some(p) = &req.policy {
        out.push(FieldChange::set("policy", p.as_ref().map(|p| p.as_value())));
    }
    if let Some(t) = &req.tags {
        out.push(FieldChange::set("tags", t));
    }
    if let Some(e) = req.encryption {
        out.push(FieldChange::set("encryption", e));
    }
    if let Some(l) = &req.lifecycle {
        out.push(FieldChange::set("lifecycle", l));
    }
    if let Some(c) = &req.cors {
        out.push(FieldChange::set("cors", c));
    }
    if let Some(r) = req.retention {
        out.push(FieldChange::set("retention", r));
    }
    if let Some(r) = &req.replication {
        out.push(FieldChange::set("replication", replication_fields(r)));
    }
    out
}

pub(crate) fn create_key_fields(user: &str, req: &CreateAccessKey) -> Vec<FieldChange> {
    vec![
        FieldChange::set("user", user),
        FieldChange::set("name", &req.name),
        FieldChange::set("description", &req.description),
        FieldChange::set("expiration", req.expiration.map(rfc3339)),
        FieldChange::set(
            "session_policy",
            req.session_policy.as_ref().map(|p| p.as_value()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_sink_appends_one_parseable_line_per_event() {
        let dir = std::env::temp_dir().join(format!("s3aas-audit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.jsonl");
        let _ = std::fs::remove_file(&path);
        let sink = JsonLinesSink::open(&path).unwrap();
        let err = Error::new(ErrorKind::Conflict, "busy").with_request_id("req-1");
        for result in [Ok(()), Err(&err)] {
            let m = Mutation::new(
                Some("acme"),
                ResourceKind::Bucket,
                "b1",
                vec![FieldChange::new(
                    "versioning",
                    Some(false.into()),
                    Some(true.into()),
                )],
            );
            sink.record(&m.into_event("memory", "update_bucket", result));
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let events: Vec<AuditEvent> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].outcome, Outcome::Ok);
        assert_eq!(events[1].request_id.as_deref(), Some("req-1"));
        assert!(matches!(&events[1].outcome, Outcome::Failed { kind, .. } if kind == "Conflict"));
        assert_eq!(
            events[0].changes[0].to_string(),
            "versioning: false -> true"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
