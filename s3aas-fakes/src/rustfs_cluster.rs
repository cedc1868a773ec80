//! Starts a real distributed, erasure-coded RustFS cluster on loopback for tests.
//!
//! [`RustfsCluster::start`] launches four `rustfs server` processes on 127.0.0.1, each with its
//! own port and its own drive directory under one temporary directory, and gives every process
//! the full list of drive endpoints (`http://127.0.0.1:<port>/<dir>`, one URL per drive). The
//! processes find out which drives are theirs by matching the URL's port to their own
//! `--address`, exactly as MinIO's `http://host:{9001...9004}/data{1...N}` form does. Explicit
//! URLs are used rather than the `{a...b}` ellipsis because the ellipsis expands only consecutive
//! ports, and free ports handed out by the kernel are not consecutive.
//!
//! With one drive per node the four drives form one erasure set with two parity shards, so the
//! cluster keeps writing with one node down and keeps only read quorum with two down: tests can
//! stop and restart single nodes ([`RustfsCluster::stop_node`], [`RustfsCluster::start_node`]) to
//! see both. Every process is killed by its pid, and waited for, when the cluster is dropped.
//!
//! The binary is found like the single server's, see [`crate::rustfs::find_binary`].

use rand::Rng;
use rand::distributions::Alphanumeric;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a node (or the whole cluster) may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// One process of the cluster.
#[derive(Debug)]
struct NodeProc {
    port: u16,
    dir: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

/// A running multi-node RustFS cluster on loopback.
#[derive(Debug)]
pub struct RustfsCluster {
    bin: PathBuf,
    dir: PathBuf,
    nodes: Vec<NodeProc>,
    volumes: Vec<String>,
    master_key: String,
    /// Root access key (the same on every node).
    pub access_key: String,
    /// Root secret key (random per cluster; test-only).
    pub secret_key: String,
    /// How long the cluster took until every node was ready and it had write quorum.
    pub startup: Duration,
}

impl RustfsCluster {
    /// The number of nodes [`RustfsCluster::start`] launches.
    pub const NODES: usize = 4;

    /// Starts a 4-node cluster with one drive per node and waits (up to 60 s) until every node
    /// answers `/health/ready` with 200 and the cluster has write quorum.
    pub fn start(bin: &Path) -> std::io::Result<Self> {
        Self::start_with(bin, Self::NODES, 1)
    }

    /// Starts `nodes` processes with `drives_per_node` drive directories each.
    pub fn start_with(bin: &Path, nodes: usize, drives_per_node: usize) -> std::io::Result<Self> {
        if nodes == 0 || drives_per_node == 0 {
            return Err(std::io::Error::other("a cluster needs nodes and drives"));
        }
        let dir =
            std::env::temp_dir().join(format!("s3aas-rustfs-cluster-{}", random(8).to_lowercase()));
        std::fs::create_dir_all(&dir)?;
        let ports = free_ports(nodes)?;
        let mut volumes = Vec::new();
        let mut procs = Vec::new();
        for (i, port) in ports.iter().enumerate() {
            let ndir = dir.join(format!("node{}", i + 1));
            for d in 1..=drives_per_node {
                let drive = ndir.join(format!("drive{d}"));
                std::fs::create_dir_all(&drive)?;
                volumes.push(format!("http://127.0.0.1:{port}{}", drive.display()));
            }
            procs.push(NodeProc {
                port: *port,
                log: ndir.join("rustfs.log"),
                dir: ndir,
                child: None,
            });
        }
        let master: [u8; 32] = rand::thread_rng().r#gen();
        let mut cluster = RustfsCluster {
            bin: bin.to_path_buf(),
            dir,
            nodes: procs,
            volumes,
            master_key: base64_encode(&master),
            access_key: format!("root{}", random(12).to_lowercase()),
            secret_key: random(32),
            startup: Duration::ZERO,
        };
        let started = Instant::now();
        // All processes start together: none becomes ready before it sees a quorum of peers.
        for i in 0..nodes {
            cluster.spawn(i)?;
        }
        let deadline = started + READY_TIMEOUT;
        for i in 0..nodes {
            cluster.wait_ready(i, deadline)?;
        }
        // `/health/ready` means read quorum; tests write straight away, so wait for write quorum.
        cluster.wait_write_quorum(0, deadline.saturating_duration_since(Instant::now()))?;
        cluster.startup = started.elapsed();
        Ok(cluster)
    }

    /// For a real-server test target: finds the binary and starts a cluster, printing one line
    /// that says what runs (`purpose`); or prints [`crate::rustfs::SKIP_MESSAGE`] and returns
    /// `None` when no binary is installed. With `S3AAS_REQUIRE_RUSTFS` set (see
    /// [`crate::rustfs::required`]) a missing binary panics instead. Panics if an installed
    /// binary cannot form a cluster.
    pub fn start_or_skip(purpose: &str) -> Option<Self> {
        let Some(bin) = crate::rustfs::find_binary() else {
            if crate::rustfs::required() {
                panic!(
                    "S3AAS_REQUIRE_RUSTFS is set but no RustFS binary was found: {}",
                    crate::rustfs::SKIP_MESSAGE
                );
            }
            println!("{}", crate::rustfs::SKIP_MESSAGE);
            return None;
        };
        let cluster = RustfsCluster::start(&bin).unwrap_or_else(|e| {
            panic!("cannot start a rustfs cluster from {}: {e}", bin.display())
        });
        println!(
            "RustFS {} cluster of {} nodes ready in {:?} at {} (binary {}): {purpose}",
            crate::rustfs::RustfsServer::version(&bin),
            cluster.nodes.len(),
            cluster.startup,
            cluster.endpoints().join(" "),
            bin.display()
        );
        Some(cluster)
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the cluster has no nodes (never true for a started cluster).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The S3/admin endpoint of every node, `http://127.0.0.1:<port>`, in node order.
    pub fn endpoints(&self) -> Vec<String> {
        (0..self.nodes.len()).map(|i| self.endpoint(i)).collect()
    }

    /// The S3/admin endpoint of node `i` (0-based).
    pub fn endpoint(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.nodes[i].port)
    }

    /// The port of node `i`.
    pub fn port(&self, i: usize) -> u16 {
        self.nodes[i].port
    }

    /// The drive endpoints every node was given, in order.
    pub fn volumes(&self) -> &[String] {
        &self.volumes
    }

    /// The log file of node `i` (kept across restarts of the node).
    pub fn log(&self, i: usize) -> &Path {
        &self.nodes[i].log
    }

    /// The pid of node `i`'s process, while it runs.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.nodes[i].child.as_ref().map(Child::id)
    }

    /// Whether node `i`'s process is running (it may have exited on its own).
    pub fn is_running(&mut self, i: usize) -> bool {
        match self.nodes[i].child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills node `i` by its pid (SIGKILL: a crash, not a graceful shutdown) and waits for it.
    /// Its drive stays, so [`RustfsCluster::start_node`] brings the same node back.
    pub fn stop_node(&mut self, i: usize) -> std::io::Result<()> {
        match self.nodes[i].child.take() {
            Some(mut c) => {
                // kill() fails only if the process was already reaped; wait() then reports it.
                let _ = c.kill();
                c.wait().map(drop)
            }
            None => Ok(()),
        }
    }

    /// Starts node `i` again (same port, drives and credentials) and waits (up to 60 s) until it
    /// answers `/health/ready` with 200. Returns how long that took.
    pub fn start_node(&mut self, i: usize) -> std::io::Result<Duration> {
        if self.is_running(i) {
            return Ok(Duration::ZERO);
        }
        self.stop_node(i)?;
        let started = Instant::now();
        self.spawn(i)?;
        self.wait_ready(i, started + READY_TIMEOUT)?;
        Ok(started.elapsed())
    }

    /// Kills every node (see [`RustfsCluster::stop_node`]). Also done on drop.
    pub fn stop(&mut self) {
        for i in 0..self.nodes.len() {
            let _ = self.stop_node(i);
        }
    }

    /// `GET path` on node `i` without credentials: the status and body, or `None` when the node
    /// does not answer (for `/health/ready`, `/minio/health/cluster` and the like).
    pub fn http_get(&self, i: usize, path: &str) -> Option<(u16, String)> {
        http_get(self.nodes[i].port, path)
    }

    /// Waits (up to `limit`) until node `i` says the cluster has write quorum
    /// (`/minio/health/cluster` answers 200); returns how long that took.
    ///
    /// A node that answers `/health/ready` is only sure of read quorum, and after nodes return
    /// the others take a few more seconds to reconnect to them: until then writes are refused
    /// with 503 (S3) or 500 (admin), so tests wait for this before writing again.
    pub fn wait_write_quorum(&self, i: usize, limit: Duration) -> std::io::Result<Duration> {
        let started = Instant::now();
        loop {
            if self
                .http_get(i, "/minio/health/cluster")
                .is_some_and(|(s, _)| s == 200)
            {
                return Ok(started.elapsed());
            }
            if started.elapsed() > limit {
                return Err(std::io::Error::other(format!(
                    "rustfs node {i} reported no write quorum within {limit:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_ready(&mut self, i: usize, deadline: Instant) -> std::io::Result<()> {
        loop {
            let exited = match self.nodes[i].child.as_mut() {
                Some(c) => c.try_wait()?,
                None => return Err(std::io::Error::other(format!("node {i} is not running"))),
            };
            if let Some(status) = exited {
                self.nodes[i].child = None;
                return Err(std::io::Error::other(format!(
                    "rustfs node {i} exited with {status} before it was ready; log tail:\n{}",
                    tail(&self.nodes[i].log, 2000)
                )));
            }
            if self
                .http_get(i, "/health/ready")
                .is_some_and(|(s, _)| s == 200)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(std::io::Error::other(format!(
                    "rustfs node {i} ({}) was not ready in time; log tail:\n{}",
                    self.endpoint(i),
                    tail(&self.nodes[i].log, 2000)
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn spawn(&mut self, i: usize) -> std::io::Result<()> {
        let port = self.nodes[i].port;
        // RustFS binds with SO_REUSEPORT, so a second process on a taken port starts "fine" and
        // steals half the connections: refuse to start if anything already answers there.
        if TcpStream::connect_timeout(&loopback(port), Duration::from_millis(200)).is_ok() {
            return Err(std::io::Error::other(format!(
                "port {port} of rustfs node {i} is taken by another process"
            )));
        }
        let node = &self.nodes[i];
        let log = append(&node.log)?;
        let child = Command::new(&self.bin)
            .arg("server")
            .arg("--address")
            .arg(format!("127.0.0.1:{port}"))
            .args(&self.volumes)
            .env("RUSTFS_ACCESS_KEY", &self.access_key)
            .env("RUSTFS_SECRET_KEY", &self.secret_key)
            .env("RUSTFS_CONSOLE_ENABLE", "false")
            // Every node must hold the same SSE-S3 master key, or objects written through one
            // node cannot be decrypted through another.
            .env("RUSTFS_SSE_S3_MASTER_KEY", &self.master_key)
            .env("RUST_LOG", "warn")
            .env("RUSTFS_OBS_LOGGER_LEVEL", "warn")
            .env("RUSTFS_OBS_LOG_DIRECTORY", node.dir.join("logs"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.nodes[i].child = Some(child);
        Ok(())
    }
}

impl Drop for RustfsCluster {
    fn drop(&mut self) {
        self.stop();
        if std::env::var_os("S3AAS_KEEP_RUSTFS_DATA").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// `n` distinct free ports: all listeners are held until every port is known, so the kernel
/// cannot hand out the same port twice.
fn free_ports(n: usize) -> std::io::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect()
}

fn append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(n);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[start..].to_string()
}

fn random(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A one-shot `GET` over a fresh connection (`Connection: close`), reading the whole answer.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&loopback(port), Duration::from_millis(500)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = Vec::new();
    // A read error after some bytes (e.g. a reset) still leaves a usable status line.
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn free_ports_are_distinct() {
        let p = super::free_ports(4).unwrap();
        let mut q = p.clone();
        q.sort_unstable();
        q.dedup();
        assert_eq!(q.len(), 4, "{p:?}");
    }

    #[test]
    fn tail_keeps_the_end_on_a_char_boundary() {
        let dir = std::env::temp_dir().join(format!("s3aas-tail-{}", std::process::id()));
        std::fs::write(&dir, "aé€bc").unwrap();
        assert_eq!(super::tail(&dir, 3), "bc");
        assert_eq!(super::tail(&dir, 100), "aé€bc");
        let _ = std::fs::remove_file(&dir);
    }
}
