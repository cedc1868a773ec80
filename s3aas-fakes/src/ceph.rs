//! A real single-node Ceph cluster with one RADOS Gateway on loopback, started and stopped by
//! `scripts/ceph-rgw-server.sh` (its daemons are stopped by pid, never by name): what the Ceph
//! backend's real-server tests run against. Needs `scripts/install-ceph.sh`.

use s3aas_core::SecretString;
use s3aas_http::{HttpClient, HttpConfig, Idempotency, Request, SigV4Signer};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

/// A running cluster; dropping it stops every daemon.
pub struct CephCluster {
    /// `http://127.0.0.1:<port>` of the gateway.
    pub endpoint: String,
    /// The admin user's access key (caps for users, buckets, usage, metadata, user policies).
    pub access_key: String,
    secret_key: String,
    dir: PathBuf,
    stopped: AtomicBool,
}

fn script() -> PathBuf {
    crate::repo::script(env!("CARGO_MANIFEST_DIR"), "ceph-rgw-server.sh")
}

fn on_path(bin: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
}

impl CephCluster {
    /// Starts a cluster, or prints why not and returns `None` when Ceph is not installed (a
    /// failure instead when `S3AAS_REQUIRE_CEPH` is set, as in CI).
    pub fn start_or_skip(what: &str) -> Option<CephCluster> {
        if !on_path("radosgw") || !on_path("ceph-mon") {
            // In CI the packages are installed first: a skip there would hide a broken setup.
            if std::env::var("S3AAS_REQUIRE_CEPH").is_ok_and(|v| !v.is_empty() && v != "0") {
                panic!("S3AAS_REQUIRE_CEPH is set but radosgw/ceph-mon are not installed ({what})");
            }
            println!(
                "real-server tests SKIPPED: {what}: radosgw/ceph-mon not installed (run scripts/install-ceph.sh)"
            );
            return None;
        }
        let dir = std::env::temp_dir().join(format!("s3aas-ceph-{}", std::process::id()));
        let out = Command::new("bash")
            .arg(script())
            .arg("start")
            .arg(&dir)
            .output()
            .expect("run ceph-rgw-server.sh");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        if !out.status.success() {
            // The script stops what it started when it fails.
            panic!(
                "ceph-rgw-server.sh start failed: {}\n{}",
                stdout,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let field = |k: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .map(str::to_string)
                .unwrap_or_else(|| panic!("no {k}= in the script's output: {stdout}"))
        };
        let endpoint = field("ENDPOINT");
        let read = |p: String| {
            std::fs::read_to_string(p)
                .expect("key file")
                .trim()
                .to_string()
        };
        let access_key = read(field("ACCESS_KEY_FILE"));
        let secret_key = read(field("SECRET_KEY_FILE"));
        println!("ceph cluster: {endpoint} (pids {})", field("PIDS"));
        Some(CephCluster {
            endpoint,
            access_key,
            secret_key,
            dir,
            stopped: AtomicBool::new(false),
        })
    }

    /// Endpoint, admin access key and secret (for providers made elsewhere).
    pub fn credentials(&self) -> (String, String, String) {
        (
            self.endpoint.clone(),
            self.access_key.clone(),
            self.secret_key.clone(),
        )
    }

    /// The file holding the admin secret (for the Python cross-check).
    pub fn secret_file(&self) -> PathBuf {
        self.dir.join("admin.secret")
    }

    /// One signed admin GET (for the leftover check, independent of the provider's code).
    pub fn admin_get(&self, path_and_query: &str) -> (u16, String) {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let http = HttpClient::new("ceph", HttpConfig::default()).expect("http");
            let signer = SigV4Signer::new(
                &self.access_key,
                SecretString::from(self.secret_key.clone()),
                "us-east-1",
            );
            let url = url::Url::parse(&format!("{}{path_and_query}", self.endpoint)).expect("url");
            let resp = http
                .execute("leftovers", Idempotency::Idempotent, Some(&signer), || {
                    Ok(Request::new(http::Method::GET, url.clone()))
                })
                .await
                .expect("admin GET");
            (resp.status, String::from_utf8_lossy(&resp.body).to_string())
        })
    }

    /// What is left on the server besides the admin user: users and buckets.
    pub fn leftovers(&self) -> Option<String> {
        let (s, users) = self.admin_get("/admin/metadata/user");
        let (b, buckets) = self.admin_get("/admin/metadata/bucket");
        let users: Vec<String> = serde_json::from_str(&users).unwrap_or_default();
        let buckets: Vec<String> = serde_json::from_str(&buckets).unwrap_or_default();
        let users: Vec<String> = users.into_iter().filter(|u| u != "s3aas-admin").collect();
        if s != 200 || b != 200 {
            return Some(format!("cannot list users/buckets (HTTP {s}/{b})"));
        }
        if users.is_empty() && buckets.is_empty() {
            None
        } else {
            Some(format!("users {users:?} buckets {buckets:?}"))
        }
    }

    /// Stops every daemon by pid (idempotent).
    pub fn stop(&self) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        let st = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(&self.dir)
            .status();
        println!(
            "ceph cluster stopped ({st:?}); logs in {}",
            self.dir.display()
        );
    }
}

impl CephCluster {
    /// How to run `radosgw-admin` against this cluster (as `client.admin`, with its config):
    /// e.g. `lc process`, which applies lifecycle rules at once.
    pub fn radosgw_admin(&self) -> RadosgwAdmin {
        RadosgwAdmin {
            conf: self.dir.join("ceph.conf"),
        }
    }

    /// Removes the cluster's directory (config, keyrings, logs) after a passing run; a failing
    /// run keeps it for its logs.
    pub fn remove_dir(&self) {
        if self.stopped.load(Ordering::SeqCst) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl std::fmt::Debug for CephCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CephCluster")
            .field("endpoint", &self.endpoint)
            .field("access_key", &self.access_key)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Drop for CephCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs `radosgw-admin` on a cluster's config (cloneable and `'static`, for tests that hold it
/// past the cluster's borrow).
#[derive(Clone, Debug)]
pub struct RadosgwAdmin {
    conf: PathBuf,
}

impl RadosgwAdmin {
    /// Runs `radosgw-admin --conf <conf> -n client.admin <args>`; its stdout, or why it failed.
    pub fn run(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("radosgw-admin")
            .arg("--conf")
            .arg(&self.conf)
            .args(["-n", "client.admin"])
            .args(args)
            .output()
            .map_err(|e| format!("radosgw-admin: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "radosgw-admin {args:?}: {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).to_string())
    }
}
