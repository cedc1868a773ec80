//! `health()`: readiness, write quorum, and which nodes or drives of a cluster are missing.
//!
//! Measured on a 4-node RustFS 1.0.1 cluster (one drive per node, the `rustfs_cluster` test
//! target): `/health/ready` reflects read quorum, so it stays `200` with one and with two nodes
//! down; its JSON body lists the missing drives (`details.storage.unavailableDrives`, entries
//! with `poolIndex`, `setIndex`, `diskIndex`, `runtimeState` and `hostOnline: false`) and says
//! `writeQuorum: false` with two down. `/minio/health/cluster` answers `503` (`"status":
//! "degraded"`) without write quorum. Server info (`info`) names the nodes: a killed node's
//! state is `unknown` for a few seconds, then `offline`, and so are its drives.
//!
//! So: not ready when the readiness probe or the write-quorum probe says so (management calls
//! that write would fail); ready but [`HealthProblem::Degraded`] when nodes or drives are missing
//! while writes still have quorum, naming them.
//!
//! [`HealthProblem::Degraded`]: s3aas_core::HealthProblem::Degraded

use crate::Dialect;
use crate::provider::MadminProvider;
use crate::wire::ServerInfo;
use s3aas_core::{ErrorKind, Health, Result};

impl<D: Dialect> MadminProvider<D> {
    pub(super) async fn check_health(&self) -> Result<Health> {
        // The readiness probe is anonymous; the server-info call then proves the credentials,
        // so a wrong secret reads `unauthenticated`, not ready.
        let (ready, body) = match self.admin.ready().await {
            Ok(r) => r,
            Err(e) => return Ok(Health::failed(&e)),
        };
        // Fresh, not the 5 s cache: a node that has just gone must show.
        let info = self.fresh_server_info().await;
        let version = info
            .as_ref()
            .ok()
            .and_then(|i| i.servers.iter().find_map(|s| s.version.clone()));
        if let Err(e) = &info {
            if matches!(
                e.kind(),
                ErrorKind::Unauthenticated | ErrorKind::PermissionDenied
            ) {
                return Ok(Health::failed(e));
            }
        }
        let missing = missing_parts(
            info.as_ref().ok(),
            &serde_json::from_str(&body).unwrap_or_default(),
        );
        let with_missing = |what: String| {
            if missing.is_empty() {
                what
            } else {
                format!("{what}; missing: {}", missing.join(", "))
            }
        };
        if !ready {
            return Ok(Health::new(false, version, Some(with_missing(body))));
        }
        if let Some(path) = self.admin.dialect.write_quorum_path() {
            match self.admin.probe(path).await {
                // 404/405/501: a server without this probe; nothing to learn from it.
                Ok((200 | 404 | 405 | 501, _)) => {}
                Ok((status, answer)) => {
                    let what = format!(
                        "no write quorum: /{} answered HTTP {status}: {answer}",
                        path.join("/")
                    );
                    return Ok(Health::new(false, version, Some(with_missing(what))));
                }
                Err(e) => return Ok(Health::failed(&e)),
            }
        }
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if doc.pointer("/details/storage/writeQuorum") == Some(&serde_json::Value::Bool(false)) {
            let what = format!("no write quorum: the readiness probe says {body}");
            return Ok(Health::new(false, version, Some(with_missing(what))));
        }
        if !missing.is_empty() {
            return Ok(Health::degraded(
                version,
                format!(
                    "degraded (ready, with reduced redundancy): {}",
                    missing.join(", ")
                ),
            ));
        }
        Ok(Health::new(true, version, None))
    }
}

/// What of the cluster is missing: nodes whose state is not online (from server info), drives
/// of online nodes that are not ok, and, if server info named nothing, the drives the
/// readiness answer lists as unavailable.
fn missing_parts(info: Option<&ServerInfo>, ready: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for s in info.map(|i| i.servers.as_slice()).unwrap_or_default() {
        match s.state.as_deref() {
            // No state at all says nothing (a server or fake that does not report it).
            Some("online" | "ok") | None => {
                for d in &s.drives {
                    match d.state.as_deref() {
                        Some("ok") | None => {}
                        Some(st) => out.push(format!("drive {} ({st})", d.endpoint)),
                    }
                }
            }
            Some(st) => out.push(format!("node {} ({st})", s.endpoint)),
        }
    }
    if out.is_empty() {
        let drives = ready
            .pointer("/details/storage/unavailableDrives")
            .and_then(|d| d.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for d in drives {
            let n = |k: &str| d.get(k).and_then(|v| v.as_u64()).unwrap_or_default();
            let state = d
                .get("runtimeState")
                .and_then(|v| v.as_str())
                .unwrap_or("unavailable");
            let host = if d.get("hostOnline") == Some(&serde_json::Value::Bool(false)) {
                ", its host offline"
            } else {
                ""
            };
            out.push(format!(
                "drive {} of pool {} set {} ({state}{host})",
                n("diskIndex"),
                n("poolIndex"),
                n("setIndex")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn info(v: serde_json::Value) -> ServerInfo {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn names_offline_nodes_and_bad_drives_from_server_info() {
        // What RustFS 1.0.1 reports with node :47314 killed (`info`, then `/health/ready`).
        let i = info(json!({"servers": [
            {"endpoint": "127.0.0.1:47311", "state": "online", "drives": [{"endpoint": "http://127.0.0.1:47311/d", "state": "ok"}]},
            {"endpoint": "127.0.0.1:47312", "state": "online", "drives": [{"endpoint": "http://127.0.0.1:47312/d", "state": "faulty"}]},
            {"endpoint": "127.0.0.1:47314", "state": "offline", "drives": [{"endpoint": "http://127.0.0.1:47314/d", "state": "offline"}]},
        ]}));
        let ready = json!({"details": {"storage": {"writeQuorum": true, "unavailableDrives": [
            {"poolIndex": 0, "setIndex": 0, "diskIndex": 3, "runtimeState": "offline", "hostOnline": false}
        ]}}});
        assert_eq!(
            missing_parts(Some(&i), &ready),
            [
                "drive http://127.0.0.1:47312/d (faulty)",
                "node 127.0.0.1:47314 (offline)"
            ]
        );
        // Without server info, the readiness answer's drive list is what there is.
        assert_eq!(
            missing_parts(None, &ready),
            ["drive 3 of pool 0 set 0 (offline, its host offline)"]
        );
    }

    #[test]
    fn a_healthy_or_silent_server_misses_nothing() {
        let i = info(json!({"servers": [
            {"endpoint": "127.0.0.1:9000", "state": "online", "drives": [{"endpoint": "/data", "state": "ok"}]},
            {"endpoint": "127.0.0.1:9001"},
        ]}));
        let ready = json!({"details": {"storage": {"unavailableDrives": []}}});
        assert!(missing_parts(Some(&i), &ready).is_empty());
        assert!(missing_parts(None, &serde_json::Value::Null).is_empty());
    }
}
