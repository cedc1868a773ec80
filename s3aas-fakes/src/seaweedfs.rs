//! A real SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in one process) on free
//! loopback ports, started and stopped by `scripts/seaweedfs-server.sh` (stopped by pid), with an
//! admin identity and the IAM API writable: what the SeaweedFS backend's real-server tests run
//! against. Needs `scripts/install-seaweedfs.sh`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// How to reach the server as its admin identity. `Debug` does not show the secret.
#[derive(Clone)]
pub struct Conn {
    /// `http://127.0.0.1:<port>` of the S3 gateway (IAM answers there too).
    pub endpoint: String,
    /// The admin identity's access key.
    pub access_key: String,
    /// Its secret key.
    pub secret_key: String,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("endpoint", &self.endpoint)
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

/// A running server; dropping it stops the server and removes its data (the log stays).
#[derive(Debug)]
pub struct SeaweedfsServer {
    /// The admin connection.
    pub conn: Conn,
    dir: PathBuf,
}

fn script(name: &str) -> PathBuf {
    crate::repo::script(env!("CARGO_MANIFEST_DIR"), name)
}

/// Whether the real-server tests must run (`S3AAS_REQUIRE_SEAWEEDFS` set to anything but `0`).
pub fn required() -> bool {
    std::env::var("S3AAS_REQUIRE_SEAWEEDFS").is_ok_and(|v| !v.is_empty() && v != "0")
}

impl SeaweedfsServer {
    /// Starts a server, or prints why not and returns `None` when `weed` is not installed (a
    /// failure instead when [`required`], as in CI).
    pub fn start_or_skip(what: &str) -> Option<SeaweedfsServer> {
        let installed = Command::new(script("install-seaweedfs.sh"))
            .arg("--print")
            .output()
            .is_ok_and(|o| o.status.success());
        if !installed {
            if required() {
                panic!(
                    "{what}: the weed binary is missing but S3AAS_REQUIRE_SEAWEEDFS is set (run scripts/install-seaweedfs.sh)"
                );
            }
            println!(
                "real-server tests SKIPPED: {what}: no weed binary (run scripts/install-seaweedfs.sh)"
            );
            return None;
        }
        let dir = std::env::temp_dir().join(format!("s3aas-weed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let started = Instant::now();
        let out = Command::new(script("seaweedfs-server.sh"))
            .arg("start")
            .arg(&dir)
            .output()
            .expect("run scripts/seaweedfs-server.sh");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let get = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .map(str::to_string)
                .unwrap_or_default()
        };
        let server = SeaweedfsServer {
            conn: Conn {
                endpoint: get("ENDPOINT"),
                access_key: get("ACCESS_KEY"),
                secret_key: get("SECRET_KEY"),
            },
            dir,
        };
        assert!(
            out.status.success() && !server.conn.endpoint.is_empty(),
            "starting SeaweedFS failed: {}{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "seaweedfs: started at {} in {:.1} s",
            server.conn.endpoint,
            started.elapsed().as_secs_f64()
        );
        Some(server)
    }

    /// The server's log file.
    pub fn log(&self) -> PathBuf {
        self.dir.join("weed.log")
    }
}

impl Drop for SeaweedfsServer {
    fn drop(&mut self) {
        let _ = Command::new(script("seaweedfs-server.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
        let _ = std::fs::remove_dir_all(self.dir.join("data"));
    }
}
