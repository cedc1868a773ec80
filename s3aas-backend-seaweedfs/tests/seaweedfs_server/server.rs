//! The test server: scripts/seaweedfs-server.sh starts `weed mini` on free loopback ports; the
//! guard stops it by pid when dropped (also when a test panics).

use crate::*;

/// How to reach the server as its admin identity.
#[derive(Clone)]
pub(crate) struct Conn {
    pub(crate) endpoint: String,
    pub(crate) access_key: String,
    pub(crate) secret_key: String,
}

/// The running server (for proofs that need a second provider or boto3).
pub(crate) static SERVER: std::sync::OnceLock<Conn> = std::sync::OnceLock::new();

pub(crate) struct Weed {
    pub(crate) conn: Conn,
    dir: PathBuf,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

impl Weed {
    /// Starts a server, or prints why not and returns `None` when `weed` is not installed
    /// (a failure instead when `S3AAS_REQUIRE_SEAWEEDFS=1`, as in CI).
    pub(crate) fn start_or_skip(what: &str) -> Option<Weed> {
        let installed = Command::new(repo().join("scripts/install-seaweedfs.sh"))
            .arg("--print")
            .output()
            .is_ok_and(|o| o.status.success());
        if !installed {
            if std::env::var("S3AAS_REQUIRE_SEAWEEDFS").is_ok_and(|v| !v.is_empty() && v != "0") {
                panic!(
                    "{what}: the weed binary is missing but real servers are required (run scripts/install-seaweedfs.sh)"
                );
            }
            println!("SKIPPED {what}: no weed binary (run scripts/install-seaweedfs.sh)");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("s3aas-weed-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let started = Instant::now();
        let out = Command::new(repo().join("scripts/seaweedfs-server.sh"))
            .arg("start")
            .arg(&dir)
            .output()
            .expect("run scripts/seaweedfs-server.sh");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let get = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .map(str::to_string)
        };
        let weed = Weed {
            conn: Conn {
                endpoint: get("ENDPOINT").unwrap_or_default(),
                access_key: get("ACCESS_KEY").unwrap_or_default(),
                secret_key: get("SECRET_KEY").unwrap_or_default(),
            },
            dir,
        };
        assert!(
            out.status.success() && !weed.conn.endpoint.is_empty(),
            "starting SeaweedFS failed: {}{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "seaweedfs: started at {} in {:.1} s",
            weed.conn.endpoint,
            started.elapsed().as_secs_f64()
        );
        let _ = SERVER.set(weed.conn.clone());
        Some(weed)
    }

    pub(crate) fn log(&self) -> PathBuf {
        self.dir.join("weed.log")
    }
}

impl Drop for Weed {
    fn drop(&mut self) {
        let _ = Command::new(repo().join("scripts/seaweedfs-server.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
        // Keep the log when something failed; the data goes.
        let _ = std::fs::remove_dir_all(self.dir.join("data"));
    }
}

/// The names of every IAM user and managed policy, as boto3 (an independent client) lists them.
pub(crate) fn boto3_iam_names(server: &Conn) -> (Vec<String>, Vec<String>) {
    let v = boto3(server, "names", &[]);
    let names = |k: &str| {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    (names("users"), names("policies"))
}

/// Runs `tests/python/boto3_iam.py COMMAND ARGS` with boto3 against the server; its JSON answer.
pub(crate) fn boto3(server: &Conn, command: &str, args: &[&str]) -> serde_json::Value {
    let py = Command::new(repo().join("scripts/install-python-boto3.sh"))
        .output()
        .expect("scripts/install-python-boto3.sh");
    assert!(
        py.status.success(),
        "boto3 is required: {}",
        String::from_utf8_lossy(&py.stderr)
    );
    let py = String::from_utf8_lossy(&py.stdout).trim().to_string();
    let out = Command::new(py)
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/boto3_iam.py"))
        .arg(command)
        .args(args)
        .env("ENDPOINT", &server.endpoint)
        .env("ACCESS_KEY", &server.access_key)
        .env("SECRET_KEY", &server.secret_key)
        .output()
        .expect("run boto3_iam.py");
    assert!(
        out.status.success(),
        "boto3_iam.py {command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("boto3_iam.py prints JSON")
}
