//! Starts a real RustFS server on loopback for tests.
//!
//! The binary is found through `S3AAS_RUSTFS_BIN`, then the cache directory that
//! `scripts/install-rustfs.sh` fills (`$S3AAS_CACHE_DIR`, else `$XDG_CACHE_HOME/s3aas`, else
//! `~/.cache/s3aas`, then `rustfs-<version>/bin/rustfs`), then `PATH`. Each server gets a free
//! port on 127.0.0.1, a fresh data directory, random root credentials and (unless started
//! *stock*, see [`StartOptions::stock`]) a random SSE-S3 master key, and is killed (and its data
//! removed) when dropped.

use rand::Rng;
use rand::distributions::Alphanumeric;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The RustFS version the project installs and tests.
pub const RUSTFS_VERSION: &str = "1.0.1";

/// The one line printed when the real-server tests are skipped.
pub const SKIP_MESSAGE: &str = "real-server tests SKIPPED: no RustFS binary found (set S3AAS_RUSTFS_BIN, or run scripts/install-rustfs.sh once: it builds rustfs 1.0.1 into ~/.cache/s3aas, two hours or more on 2 cores, resumable)";

/// Whether the real-server tests must run (`S3AAS_REQUIRE_RUSTFS` set to anything but `0`).
pub fn required() -> bool {
    std::env::var("S3AAS_REQUIRE_RUSTFS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Finds the RustFS server binary.
pub fn find_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("S3AAS_RUSTFS_BIN") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Some(p);
        }
    }
    let cache = std::env::var_os("S3AAS_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CACHE_HOME")
                .map(|x| PathBuf::from(x).join("s3aas"))
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("s3aas"))
                })
        });
    if let Some(c) = cache {
        let p = c
            .join(format!("rustfs-{RUSTFS_VERSION}"))
            .join("bin")
            .join("rustfs");
        if p.is_file() {
            return Some(p);
        }
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("rustfs"))
            .find(|p| p.is_file())
    })
}

fn random(n: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// How a test server is started.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StartOptions {
    /// Start with a random `RUSTFS_SSE_S3_MASTER_KEY`, so that SSE-S3 writes work (default).
    /// Off, the server is *stock*: no master key and no KMS, as RustFS ships. It still stores
    /// SSE-S3 bucket defaults, but refuses every encrypted write (`400 InvalidRequest` "SSE-S3
    /// requires RUSTFS_SSE_S3_MASTER_KEY …").
    pub sse_s3_master_key: bool,
    /// Start with `RUSTFS_REPLICATION_ALLOW_LOOPBACK_TARGET=true` (default), so that a bucket can
    /// replicate to another test server on 127.0.0.1. RustFS 1.0.1 refuses loopback remote
    /// targets otherwise (`400 InvalidRequest` "target endpoint is not allowed: outbound URL host
    /// '127.0.0.1' is not allowed: loopback address"); private addresses are always allowed.
    pub loopback_replication: bool,
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions {
            sse_s3_master_key: true,
            loopback_replication: true,
        }
    }
}

impl StartOptions {
    /// A stock server: no SSE-S3 master key, no KMS (loopback replication targets allowed, as
    /// by default).
    pub fn stock() -> Self {
        StartOptions {
            sse_s3_master_key: false,
            ..StartOptions::default()
        }
    }

    /// Whether loopback replication targets are allowed (see [`Self::loopback_replication`]).
    pub fn loopback_replication(mut self, on: bool) -> Self {
        self.loopback_replication = on;
        self
    }
}

/// A running RustFS server.
#[derive(Debug)]
pub struct RustfsServer {
    child: Child,
    dir: PathBuf,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// Root access key.
    pub access_key: String,
    /// Root secret key (random per server; test-only).
    pub secret_key: String,
    /// Where the server's log goes.
    pub log: PathBuf,
    /// How long the server took to become ready.
    pub startup: Duration,
    /// Whether it was started with an SSE-S3 master key (see [`StartOptions`]).
    pub sse_s3_master_key: bool,
}

impl RustfsServer {
    /// Starts a server (with an SSE-S3 master key) and waits (up to 60 s) until
    /// `/health/ready` answers 200.
    pub fn start(bin: &Path) -> std::io::Result<Self> {
        Self::start_with(bin, &StartOptions::default())
    }

    /// Starts a server as `opts` say and waits (up to 60 s) until `/health/ready` answers 200.
    pub fn start_with(bin: &Path, opts: &StartOptions) -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!("s3aas-rustfs-{}", random(8).to_lowercase()));
        let data = dir.join("data");
        std::fs::create_dir_all(&data)?;
        let port = {
            let l = TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let access_key = format!("root{}", random(12).to_lowercase());
        let secret_key = random(32);
        let master: [u8; 32] = rand::thread_rng().r#gen();
        let log = dir.join("rustfs.log");
        let logf = std::fs::File::create(&log)?;
        let started = Instant::now();
        let mut cmd = Command::new(bin);
        // What SSE-S3 does depends only on the options, never on this process's environment:
        // an inherited master key or KMS setting would make a stock server serve SSE-S3.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("RUSTFS_SSE_") || k.starts_with("RUSTFS_KMS_") {
                cmd.env_remove(k.as_ref());
            }
        }
        if opts.sse_s3_master_key {
            cmd.env("RUSTFS_SSE_S3_MASTER_KEY", base64(&master));
        }
        if opts.loopback_replication {
            cmd.env("RUSTFS_REPLICATION_ALLOW_LOOPBACK_TARGET", "true");
        } else {
            cmd.env_remove("RUSTFS_REPLICATION_ALLOW_LOOPBACK_TARGET");
        }
        let child = cmd
            .arg("server")
            .arg("--address")
            .arg(format!("127.0.0.1:{port}"))
            .arg(&data)
            .env("RUSTFS_ACCESS_KEY", &access_key)
            .env("RUSTFS_SECRET_KEY", &secret_key)
            .env("RUSTFS_CONSOLE_ENABLE", "false")
            .env("RUST_LOG", "warn")
            .env("RUSTFS_OBS_LOGGER_LEVEL", "warn")
            .env("RUSTFS_OBS_LOG_DIRECTORY", dir.join("logs"))
            .stdin(Stdio::null())
            .stdout(logf.try_clone()?)
            .stderr(logf)
            .spawn()?;
        let mut server = RustfsServer {
            child,
            dir,
            endpoint: format!("http://127.0.0.1:{port}"),
            access_key,
            secret_key,
            log,
            startup: Duration::ZERO,
            sse_s3_master_key: opts.sse_s3_master_key,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = server.child.try_wait()? {
                let tail = std::fs::read_to_string(&server.log).unwrap_or_default();
                let tail: String = tail
                    .chars()
                    .rev()
                    .take(2000)
                    .collect::<String>()
                    .chars()
                    .rev()
                    .collect();
                return Err(std::io::Error::other(format!(
                    "rustfs exited with {status} before it was ready; log tail:\n{tail}"
                )));
            }
            if http_status(port, "/health/ready") == Some(200) {
                server.startup = started.elapsed();
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(std::io::Error::other("rustfs was not ready within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// For a real-server test target: finds the binary and starts a server, printing one line
    /// that says what runs (`purpose`) against which server; or prints [`SKIP_MESSAGE`] and
    /// returns `None` when no binary is installed. Panics if an installed binary cannot start.
    ///
    /// With `S3AAS_REQUIRE_RUSTFS=1` (CI sets it whenever a binary is installed) a missing binary
    /// panics instead: a skipped real-server target must not pass unnoticed.
    pub fn start_or_skip(purpose: &str) -> Option<Self> {
        Self::start_or_skip_with(purpose, &StartOptions::default())
    }

    /// [`Self::start_or_skip`] with [`StartOptions`] (e.g. a stock server).
    pub fn start_or_skip_with(purpose: &str, opts: &StartOptions) -> Option<Self> {
        let Some(bin) = find_binary() else {
            if required() {
                panic!(
                    "S3AAS_REQUIRE_RUSTFS is set but no RustFS binary was found: {SKIP_MESSAGE}"
                );
            }
            println!("{SKIP_MESSAGE}");
            return None;
        };
        let server = RustfsServer::start_with(&bin, opts)
            .unwrap_or_else(|e| panic!("cannot start rustfs from {}: {e}", bin.display()));
        println!(
            "RustFS {} ready in {:?} at {} (binary {}, {}): {purpose}",
            RustfsServer::version(&bin),
            server.startup,
            server.endpoint,
            bin.display(),
            if opts.sse_s3_master_key {
                "SSE-S3 master key set"
            } else {
                "stock: no SSE-S3 master key, no KMS"
            }
        );
        Some(server)
    }

    /// The server's version line (`rustfs --version`).
    pub fn version(bin: &Path) -> String {
        Command::new(bin)
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    }
}

impl Drop for RustfsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::env::var_os("S3AAS_KEEP_RUSTFS_DATA").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect_timeout(
        &format!("127.0.0.1:{port}").parse().ok()?,
        Duration::from_millis(500),
    )
    .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).ok()?;
    let line = std::str::from_utf8(&buf[..n]).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"f"), "Zg==");
    }
}
