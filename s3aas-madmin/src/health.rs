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
        // Both asked afresh, not kept answers: a node that has just gone must show.
        let (ready, body) = match self.fresh_readiness().await {
            Ok(r) => r,
            Err(e) => return Ok(Health::failed(&e)),
        };
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
        let stale = self.scanner_problem().await;
        if !missing.is_empty() {
            let stale = stale.map(|s| format!("; {s}")).unwrap_or_default();
            return Ok(Health::degraded(
                version,
                format!(
                    "degraded (ready, with reduced redundancy): {}{stale}",
                    missing.join(", ")
                ),
            ));
        }
        if let Some(s) = stale {
            return Ok(Health::usage_stale(version, s));
        }
        Ok(Health::new(true, version, None))
    }

    /// Why the server's usage figures are stale, if they are: read from the scanner status
    /// where the dialect has one. A failed read says nothing (older servers lack the command).
    async fn scanner_problem(&self) -> Option<String> {
        let cmd = self.admin.dialect.scanner_status_cmd()?;
        let call = crate::admin::Call::new("health", http::Method::GET, cmd);
        match self.admin.json::<serde_json::Value>(call, None).await {
            Ok(v) => scanner_stale(&v, time::OffsetDateTime::now_utc().unix_timestamp()),
            Err(e) => {
                tracing::debug!(error = %e, "scanner status unknown");
                None
            }
        }
    }
}

/// Reads a RustFS `scanner/status` answer (measured on RustFS 1.0.1: `enabled`,
/// `disabled_reason`, `freshness{state, last_cycle_end_unix_secs, max_expected_age_seconds,
/// reason}`, `metrics{leader_lock_state, ...}`). Stale when the scanner is disabled, when it
/// stopped on a usage floor it cannot load (`leader_lock_state: usage_floor_load_failed`,
/// which RustFS 1.0 reports after an upgrade from 1.0.0-beta.4 and never leaves without a
/// usage-state rebuild), or when its last cycle ended longer ago than twice the age the server
/// itself expects.
pub(crate) fn scanner_stale(v: &serde_json::Value, now: i64) -> Option<String> {
    let text = |p: &str| v.pointer(p).and_then(|x| x.as_str());
    if v.get("enabled") == Some(&serde_json::Value::Bool(false)) {
        return Some(format!(
            "usage scanner disabled ({}): usage figures and quotas are not updated",
            text("/disabled_reason").unwrap_or("no reason given")
        ));
    }
    if let Some(state) = text("/metrics/leader_lock_state")
        && state == "usage_floor_load_failed"
    {
        return Some(format!(
            "usage scanner stopped ({state}): usage figures and quotas are not updated until \
             the usage state is rebuilt (RustFS admin POST scanner/usage-state/reset)"
        ));
    }
    let fresh = text("/freshness/state") == Some("fresh");
    let last = v
        .pointer("/freshness/last_cycle_end_unix_secs")
        .and_then(|x| x.as_i64());
    let max_age = v
        .pointer("/freshness/max_expected_age_seconds")
        .and_then(|x| x.as_i64());
    if let (false, Some(last), Some(max_age)) = (fresh, last, max_age)
        && last > 0
        && now - last > 2 * max_age
    {
        return Some(format!(
            "usage scanner behind: its last cycle ended {} s ago (expected within {max_age} s; \
             state {}{})",
            now - last,
            text("/freshness/state").unwrap_or("unknown"),
            text("/freshness/reason")
                .map(|r| format!(", {r}"))
                .unwrap_or_default()
        ));
    }
    None
}

#[cfg(test)]
mod scanner_tests {
    use super::scanner_stale;
    use serde_json::json;

    #[test]
    fn a_fresh_scanner_is_fine_and_stuck_ones_are_named() {
        let now = 1_796_406_500;
        let fresh = json!({"enabled": true, "freshness": {"state": "fresh",
            "last_cycle_end_unix_secs": now - 10, "max_expected_age_seconds": 120},
            "metrics": {"leader_lock_state": "acquired"}});
        assert_eq!(scanner_stale(&fresh, now), None);
        let floor =
            json!({"enabled": true, "metrics": {"leader_lock_state": "usage_floor_load_failed"}});
        assert!(
            scanner_stale(&floor, now)
                .unwrap()
                .contains("usage_floor_load_failed")
        );
        let off = json!({"enabled": false, "disabled_reason": "env"});
        assert!(scanner_stale(&off, now).unwrap().contains("disabled (env)"));
        let behind = json!({"enabled": true, "freshness": {"state": "stale",
            "last_cycle_end_unix_secs": now - 1000, "max_expected_age_seconds": 120, "reason": "slow"}});
        let s = scanner_stale(&behind, now).unwrap();
        assert!(s.contains("1000 s ago") && s.contains("slow"), "{s}");
        // Not fresh yet, but within the expected age (a server just started): fine.
        let starting = json!({"enabled": true, "freshness": {"state": "warming",
            "last_cycle_end_unix_secs": now - 100, "max_expected_age_seconds": 120}});
        assert_eq!(scanner_stale(&starting, now), None);
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
