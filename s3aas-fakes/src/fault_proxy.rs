//! A fault-injecting TCP proxy for HTTP/1.1 on loopback.
//!
//! [`FaultProxy::start`] listens on `127.0.0.1:<free port>` and forwards every connection to an
//! upstream server (a real RustFS, say), injecting faults at random with a seeded RNG:
//!
//! - **reset**: the client's connection is reset (TCP RST). Half of the resets (chosen by the
//!   RNG) happen before the request reaches the server, the other half after the server has
//!   answered, so the client cannot tell whether the call took effect;
//! - **delay**: the server's answer is held for [`FaultConfig::delay`] (set it past the client's
//!   timeout) before it is forwarded: the call took effect, the client gave up;
//! - **truncate**: the answer's head and only part of its body are forwarded (part of the head
//!   when there is no body), then the connection is closed;
//! - **blackhole**: for [`FaultConfig::blackhole`], every request (this one and any other that
//!   arrives meanwhile, on any connection) is swallowed: not forwarded, never answered; the
//!   connections are closed when the window ends.
//!
//! Faults are drawn per request, not per connection, so they also hit requests on pooled
//! keep-alive connections. The proxy understands just enough HTTP/1.1 for that: it reads each
//! request and answer whole (`Content-Length`, `chunked`, or until close; no body for `HEAD`,
//! 1xx, 204 and 304), so it is meant for management traffic with small bodies, not for large
//! uploads. Requests are taken in turn per connection (clients such as hyper do not pipeline);
//! a request with `Expect: 100-continue` switches its connection to plain forwarding.
//!
//! The sequence of fault decisions is fixed by [`FaultConfig::seed`]; which request receives
//! which decision depends on the order in which concurrent requests arrive.
//!
//! ```no_run
//! # async fn f() -> std::io::Result<()> {
//! use s3aas_fakes::fault_proxy::{FaultConfig, FaultProxy};
//! let proxy = FaultProxy::start("127.0.0.1:9000".parse().unwrap(), FaultConfig::new(42).reset(0.05)).await?;
//! println!("talk to {} instead; {}", proxy.endpoint(), proxy.stats());
//! # Ok(()) }
//! ```

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Largest request or answer head the proxy accepts (larger ones end the connection).
const MAX_HEAD: usize = 64 * 1024;

/// How often faults are injected, and how long delays and blackholes last.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FaultConfig {
    /// Seed of the RNG that draws the faults.
    pub seed: u64,
    /// Probability that a request's connection is reset.
    pub reset: f64,
    /// Probability that an answer is held for [`FaultConfig::delay`].
    pub delay_rate: f64,
    /// Probability that an answer is truncated.
    pub truncate: f64,
    /// Probability that a request starts a blackhole window.
    pub blackhole_rate: f64,
    /// How long a delayed answer is held (past the client's timeout).
    pub delay: Duration,
    /// How long a blackhole window lasts.
    pub blackhole: Duration,
    /// Record every request in [`FaultProxy::events`], not only the faulted ones (to trace
    /// what a client did).
    pub record_all: bool,
}

impl FaultConfig {
    /// No faults (plain forwarding) until rates are set; 3 s delays, 2 s blackholes.
    pub fn new(seed: u64) -> Self {
        FaultConfig {
            seed,
            reset: 0.0,
            delay_rate: 0.0,
            truncate: 0.0,
            blackhole_rate: 0.0,
            delay: Duration::from_secs(3),
            blackhole: Duration::from_secs(2),
            record_all: false,
        }
    }

    /// Records every request, not only the faulted ones (see [`FaultProxy::events`]).
    pub fn record_all(mut self, on: bool) -> Self {
        self.record_all = on;
        self
    }

    /// Sets the probability of a reset per request.
    pub fn reset(mut self, p: f64) -> Self {
        self.reset = p;
        self
    }

    /// Sets the probability of a delayed answer per request, and how long it is held.
    pub fn delay(mut self, p: f64, hold: Duration) -> Self {
        self.delay_rate = p;
        self.delay = hold;
        self
    }

    /// Sets the probability of a truncated answer per request.
    pub fn truncate(mut self, p: f64) -> Self {
        self.truncate = p;
        self
    }

    /// Sets the probability that a request starts a blackhole window, and its length.
    pub fn blackhole(mut self, p: f64, window: Duration) -> Self {
        self.blackhole_rate = p;
        self.blackhole = window;
        self
    }
}

/// What the proxy did so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FaultStats {
    /// Connections accepted.
    pub connections: u64,
    /// Requests seen.
    pub requests: u64,
    /// Connections reset.
    pub resets: u64,
    /// Of those, resets after the server had answered (the call took effect).
    pub resets_after_answer: u64,
    /// Answers held past the client's timeout.
    pub delays: u64,
    /// Answers truncated.
    pub truncations: u64,
    /// Blackhole windows started.
    pub blackholes: u64,
    /// Requests swallowed by blackholes (the ones that started them included).
    pub blackholed_requests: u64,
}

impl FaultStats {
    /// Faults injected: resets, delays, truncations and blackhole windows.
    pub fn injected(&self) -> u64 {
        self.resets + self.delays + self.truncations + self.blackholes
    }
}

impl fmt::Display for FaultStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "faults injected={} (resets={} delays={} truncations={} blackholes={})",
            self.injected(),
            self.resets,
            self.delays,
            self.truncations,
            self.blackholes
        )
    }
}

/// One injected fault: when, on which request, which kind.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FaultEvent {
    /// Time since the proxy started.
    pub at: Duration,
    /// The request line (`PUT /path?query HTTP/1.1`); it carries names, never secrets, which
    /// travel in headers and bodies.
    pub request: String,
    /// `reset` (before the request reached the server), `reset-after-answer`, `delay`,
    /// `truncate`, `blackhole` (the request that opened a window), `blackholed` (one swallowed
    /// by an open window), or `none` (only with [`FaultConfig::record_all`]).
    pub fault: &'static str,
    /// The status the server answered, when the request reached it.
    pub status: Option<u16>,
}

/// At most this many events are kept (the counters go on counting).
const MAX_EVENTS: usize = 100_000;

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    requests: AtomicU64,
    resets: AtomicU64,
    resets_after_answer: AtomicU64,
    delays: AtomicU64,
    truncations: AtomicU64,
    blackholes: AtomicU64,
    blackholed_requests: AtomicU64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    None,
    Reset {
        after_answer: bool,
    },
    Delay,
    Truncate,
    /// `opened`: this request opened the window (else it arrived in an open one).
    Blackhole {
        opened: bool,
    },
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::Reset {
                after_answer: false,
            } => "reset",
            Fault::Reset { after_answer: true } => "reset-after-answer",
            Fault::Delay => "delay",
            Fault::Truncate => "truncate",
            Fault::Blackhole { opened: true } => "blackhole",
            Fault::Blackhole { opened: false } => "blackholed",
        }
    }
}

struct Shared {
    upstream: SocketAddr,
    cfg: FaultConfig,
    rng: Mutex<StdRng>,
    enabled: AtomicBool,
    /// End of the current blackhole window, if one is open.
    blackhole_until: Mutex<Option<Instant>>,
    n: Counters,
    started: Instant,
    events: Mutex<Vec<FaultEvent>>,
}

impl Shared {
    /// The fault for the next request. Requests arriving in an open blackhole window are
    /// swallowed without a draw, so a window does not change the sequence of later decisions.
    fn draw(&self) -> Fault {
        let now = Instant::now();
        let mut hole = self
            .blackhole_until
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if hole.is_some_and(|until| now < until) {
            return Fault::Blackhole { opened: false };
        }
        if !self.enabled.load(Ordering::Relaxed) {
            return Fault::None;
        }
        let (x, coin): (f64, bool) = {
            let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
            (rng.r#gen(), rng.r#gen())
        };
        let c = &self.cfg;
        let mut edge = c.reset;
        if x < edge {
            return Fault::Reset { after_answer: coin };
        }
        edge += c.delay_rate;
        if x < edge {
            return Fault::Delay;
        }
        edge += c.truncate;
        if x < edge {
            return Fault::Truncate;
        }
        edge += c.blackhole_rate;
        if x < edge {
            *hole = Some(now + c.blackhole);
            self.n.blackholes.fetch_add(1, Ordering::Relaxed);
            return Fault::Blackhole { opened: true };
        }
        Fault::None
    }

    fn record(&self, request: &[u8], fault: Fault, status: Option<u16>) {
        if fault == Fault::None && !self.cfg.record_all {
            return;
        }
        let line = request.split(|&b| b == b'\r').next().unwrap_or_default();
        let mut ev = self.events.lock().unwrap_or_else(|p| p.into_inner());
        if ev.len() < MAX_EVENTS {
            ev.push(FaultEvent {
                at: self.started.elapsed(),
                request: String::from_utf8_lossy(line).into_owned(),
                fault: fault.name(),
                status,
            });
        }
    }

    fn hole_end(&self) -> Instant {
        self.blackhole_until
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unwrap_or_else(Instant::now)
    }
}

/// A running fault-injecting proxy. Dropping it stops the listener and every connection.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Arc<Mutex<JoinSet<()>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultProxy")
            .field("addr", &self.addr)
            .field("upstream", &self.shared.upstream)
            .field("cfg", &self.shared.cfg)
            .finish_non_exhaustive()
    }
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port forwarding to `upstream` (which must be a
    /// loopback address: the proxy is for tests on this machine only). Must be called within a
    /// tokio runtime, which then runs the proxy.
    pub async fn start(upstream: SocketAddr, cfg: FaultConfig) -> std::io::Result<Self> {
        if !upstream.ip().is_loopback() {
            return Err(std::io::Error::other(format!(
                "the fault proxy forwards to loopback addresses only, not {upstream}"
            )));
        }
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            rng: Mutex::new(StdRng::seed_from_u64(cfg.seed)),
            cfg,
            enabled: AtomicBool::new(true),
            blackhole_until: Mutex::new(None),
            n: Counters::default(),
            started: Instant::now(),
            events: Mutex::new(Vec::new()),
        });
        let tasks = Arc::new(Mutex::new(JoinSet::new()));
        let accept = tokio::spawn(accept_loop(listener, shared.clone(), tasks.clone()));
        Ok(FaultProxy {
            addr,
            shared,
            tasks,
            accept,
        })
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`: the endpoint to give clients instead of the server's.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Turns injection on or off (off: plain forwarding; an open blackhole window still ends
    /// as planned).
    pub fn set_enabled(&self, on: bool) {
        self.shared.enabled.store(on, Ordering::Relaxed);
    }

    /// Every fault injected so far, in order (the first 100 000).
    pub fn events(&self) -> Vec<FaultEvent> {
        self.shared
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// What the proxy did so far.
    pub fn stats(&self) -> FaultStats {
        let n = &self.shared.n;
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        FaultStats {
            connections: get(&n.connections),
            requests: get(&n.requests),
            resets: get(&n.resets),
            resets_after_answer: get(&n.resets_after_answer),
            delays: get(&n.delays),
            truncations: get(&n.truncations),
            blackholes: get(&n.blackholes),
            blackholed_requests: get(&n.blackholed_requests),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .abort_all();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, tasks: Arc<Mutex<JoinSet<()>>>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            // Out of descriptors or the like: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        shared.n.connections.fetch_add(1, Ordering::Relaxed);
        let s = shared.clone();
        let mut set = tasks.lock().unwrap_or_else(|p| p.into_inner());
        // Reap finished connections so the set does not grow with every connection ever made.
        while set.try_join_next().is_some() {}
        set.spawn(async move {
            // Errors only end this connection; the client sees it closed, as with a real fault.
            let _ = serve(client, &s).await;
        });
    }
}

/// A buffered reader over one side of the connection.
struct Side {
    s: TcpStream,
    buf: Vec<u8>,
}

impl Side {
    fn new(s: TcpStream) -> Self {
        Side { s, buf: Vec::new() }
    }

    /// Reads more bytes into the buffer; `false` at end of stream.
    async fn fill(&mut self) -> std::io::Result<bool> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.s.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// The next message head, through the blank line; `None` at a clean end of stream.
    async fn head(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                return Ok(Some(self.buf.drain(..end + 4).collect()));
            }
            if self.buf.len() > MAX_HEAD {
                return Err(std::io::Error::other("message head too large"));
            }
            if !self.fill().await? {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(std::io::ErrorKind::UnexpectedEof.into())
                };
            }
        }
    }

    /// Exactly `n` more bytes.
    async fn take(&mut self, n: usize) -> std::io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// One line through its CRLF.
    async fn line(&mut self) -> std::io::Result<Vec<u8>> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n") {
                return Ok(self.buf.drain(..end + 2).collect());
            }
            if self.buf.len() > MAX_HEAD || !self.fill().await? {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// A whole chunked body, as it was sent (sizes, data, trailers).
    async fn chunked(&mut self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            let line = self.line().await?;
            let size = std::str::from_utf8(&line)
                .ok()
                .and_then(|l| l.trim().split(';').next())
                .and_then(|h| usize::from_str_radix(h.trim(), 16).ok())
                .ok_or_else(|| std::io::Error::other("bad chunk size"))?;
            out.extend_from_slice(&line);
            if size == 0 {
                // Trailers, then the blank line that ends the body.
                loop {
                    let t = self.line().await?;
                    out.extend_from_slice(&t);
                    if t == b"\r\n" {
                        return Ok(out);
                    }
                }
            }
            out.extend(self.take(size + 2).await?);
        }
    }

    /// Everything until the peer closes.
    async fn rest(&mut self) -> std::io::Result<Vec<u8>> {
        while self.fill().await? {}
        Ok(std::mem::take(&mut self.buf))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What a message head says about its body.
#[derive(Debug, PartialEq, Eq)]
enum Body {
    None,
    Length(usize),
    Chunked,
    UntilClose,
}

struct Head {
    /// Request method, or the answer's status code as text.
    first: String,
    status: u16,
    body: Body,
    expect_continue: bool,
}

fn parse_head(raw: &[u8], request: bool) -> std::io::Result<Head> {
    let text = std::str::from_utf8(raw).map_err(|_| std::io::Error::other("head not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let start = lines.next().unwrap_or_default();
    let mut words = start.split_whitespace();
    let first = if request {
        words.next().unwrap_or_default().to_string()
    } else {
        words.nth(1).unwrap_or_default().to_string()
    };
    let status = if request {
        0
    } else {
        first
            .parse()
            .map_err(|_| std::io::Error::other("bad status line"))?
    };
    let (mut length, mut chunked, mut expect_continue) = (None, false, false);
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase());
        match k.as_str() {
            "content-length" => length = v.parse().ok(),
            "transfer-encoding" => chunked = v.contains("chunked"),
            "expect" => expect_continue = v == "100-continue",
            _ => {}
        }
    }
    let body = if chunked {
        Body::Chunked
    } else if let Some(n) = length {
        Body::Length(n)
    } else if request {
        Body::None
    } else {
        Body::UntilClose
    };
    Ok(Head {
        first,
        status,
        body,
        expect_continue,
    })
}

async fn read_body(side: &mut Side, body: &Body) -> std::io::Result<Vec<u8>> {
    match body {
        Body::None => Ok(Vec::new()),
        Body::Length(n) => side.take(*n).await,
        Body::Chunked => side.chunked().await,
        Body::UntilClose => side.rest().await,
    }
}

/// Resets a connection: SO_LINGER 0, then close, so the peer gets a RST instead of a FIN.
fn reset(s: TcpStream) {
    let _ = s.set_zero_linger();
    drop(s);
}

/// Serves one client connection, request by request.
async fn serve(client: TcpStream, sh: &Shared) -> std::io::Result<()> {
    let _ = client.set_nodelay(true);
    let mut client = Side::new(client);
    let mut server: Option<Side> = None;
    loop {
        let Some(req_head) = client.head().await? else {
            return Ok(());
        };
        sh.n.requests.fetch_add(1, Ordering::Relaxed);
        let req = parse_head(&req_head, true)?;
        let fault = sh.draw();
        match fault {
            Fault::Blackhole { .. }
            | Fault::Reset {
                after_answer: false,
            } => sh.record(&req_head, fault, None),
            _ => {}
        }
        match fault {
            Fault::Blackhole { .. } => {
                sh.n.blackholed_requests.fetch_add(1, Ordering::Relaxed);
                // Swallowed: nothing forwarded, nothing answered, until the window closes.
                tokio::time::sleep_until(sh.hole_end()).await;
                return Ok(());
            }
            Fault::Reset {
                after_answer: false,
            } => {
                sh.n.resets.fetch_add(1, Ordering::Relaxed);
                reset(client.s);
                return Ok(());
            }
            _ => {}
        }
        if req.expect_continue {
            // The client waits for "100 Continue" before its body: forward blindly from here.
            let mut up = match server.take() {
                Some(s) => s,
                None => connect(sh.upstream).await?,
            };
            up.s.write_all(&req_head).await?;
            return splice(client, up).await;
        }
        // The whole request first, so that it can be sent again on a fresh upstream connection
        // if the pooled one turns out to have been closed by the server meanwhile.
        let req_body = read_body(&mut client, &req.body).await?;
        let mut reused = server.is_some();
        let (head, answer) = loop {
            let up = match server.as_mut() {
                Some(s) => s,
                None => server.insert(connect(sh.upstream).await?),
            };
            let sent = async {
                up.s.write_all(&req_head).await?;
                up.s.write_all(&req_body).await?;
                // Skip interim 1xx answers (forwarded as they are) to the final one.
                loop {
                    let Some(raw) = up.head().await? else {
                        return Ok(None);
                    };
                    let h = parse_head(&raw, false)?;
                    if (100..200).contains(&h.status) {
                        client.s.write_all(&raw).await?;
                        continue;
                    }
                    return Ok::<_, std::io::Error>(Some((raw, h)));
                }
            }
            .await;
            match sent {
                Ok(Some(answer)) => break answer,
                // An idle upstream connection the server had closed: not a fault, go again once.
                Ok(None) | Err(_) if reused => {
                    reused = false;
                    server = None;
                }
                Ok(None) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                Err(e) => return Err(e),
            }
        };
        let up = server.as_mut().expect("connected");
        sh.record(&req_head, fault, Some(answer.status));
        let no_body = req.first.eq_ignore_ascii_case("HEAD") || matches!(answer.status, 204 | 304);
        let body = if no_body {
            Vec::new()
        } else {
            read_body(up, &answer.body).await?
        };
        match fault {
            Fault::Reset { .. } => {
                sh.n.resets.fetch_add(1, Ordering::Relaxed);
                sh.n.resets_after_answer.fetch_add(1, Ordering::Relaxed);
                reset(client.s);
                return Ok(());
            }
            Fault::Delay => {
                sh.n.delays.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(sh.cfg.delay).await;
                // The client has normally given up by now; if it still listens it gets the
                // answer late, and the connection closes either way.
                let _ = client.s.write_all(&head).await;
                let _ = client.s.write_all(&body).await;
                return Ok(());
            }
            Fault::Truncate => {
                sh.n.truncations.fetch_add(1, Ordering::Relaxed);
                if body.len() > 1 {
                    client.s.write_all(&head).await?;
                    client.s.write_all(&body[..body.len() / 2]).await?;
                } else {
                    // No body to cut: cut the head instead (mid-line).
                    client.s.write_all(&head[..head.len() / 2]).await?;
                }
                let _ = client.s.shutdown().await;
                return Ok(());
            }
            Fault::None | Fault::Blackhole { .. } => {
                client.s.write_all(&head).await?;
                client.s.write_all(&body).await?;
                if answer.body == Body::UntilClose && !no_body {
                    let _ = client.s.shutdown().await;
                    return Ok(());
                }
            }
        }
    }
}

async fn connect(upstream: SocketAddr) -> std::io::Result<Side> {
    let s = TcpStream::connect(upstream).await?;
    let _ = s.set_nodelay(true);
    Ok(Side::new(s))
}

/// Copies both ways until either side closes, with whatever the buffers already hold first.
async fn splice(mut c: Side, mut s: Side) -> std::io::Result<()> {
    s.s.write_all(&std::mem::take(&mut c.buf)).await?;
    c.s.write_all(&std::mem::take(&mut s.buf)).await?;
    tokio::io::copy_bidirectional(&mut c.s, &mut s.s)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny upstream: answers every request with `200` and `body` (keep-alive), and `HEAD`
    /// with the length but no body.
    async fn upstream(body: &'static str) -> SocketAddr {
        upstream_with(body, usize::MAX).await
    }

    /// Like [`upstream`], but closes each connection after `per_conn` answers (as a server
    /// dropping idle keep-alive connections does).
    async fn upstream_with(body: &'static str, per_conn: usize) -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let mut side = Side::new(s);
                    let mut served = 0;
                    while let Ok(Some(h)) = side.head().await {
                        if served == per_conn {
                            return;
                        }
                        served += 1;
                        let req = parse_head(&h, true).unwrap();
                        let _ = read_body(&mut side, &req.body).await;
                        let mut out =
                            format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len())
                                .into_bytes();
                        if req.first != "HEAD" {
                            out.extend_from_slice(body.as_bytes());
                        }
                        if side.s.write_all(&out).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        addr
    }

    /// Sends `n` requests on one keep-alive connection; returns how many got a whole answer.
    async fn requests(proxy: SocketAddr, n: usize, method: &str) -> usize {
        let mut ok = 0;
        let mut conn: Option<Side> = None;
        for _ in 0..n {
            let side = match conn.as_mut() {
                Some(s) => s,
                None => conn.insert(Side::new(TcpStream::connect(proxy).await.unwrap())),
            };
            let req = format!("{method} /x HTTP/1.1\r\nhost: t\r\ncontent-length: 3\r\n\r\nabc");
            let answered = async {
                side.s.write_all(req.as_bytes()).await?;
                let h = side
                    .head()
                    .await?
                    .ok_or(std::io::ErrorKind::UnexpectedEof)?;
                let a = parse_head(&h, false)?;
                if method != "HEAD" {
                    read_body(side, &a.body).await?;
                }
                Ok::<_, std::io::Error>(())
            };
            match tokio::time::timeout(Duration::from_millis(500), answered).await {
                Ok(Ok(())) => ok += 1,
                _ => conn = None,
            }
        }
        ok
    }

    #[tokio::test]
    async fn forwards_keep_alive_requests_and_head_without_faults() {
        let up = upstream("hello").await;
        let p = FaultProxy::start(up, FaultConfig::new(1)).await.unwrap();
        assert_eq!(requests(p.addr(), 5, "GET").await, 5);
        assert_eq!(requests(p.addr(), 3, "HEAD").await, 3);
        let s = p.stats();
        assert_eq!(
            (s.requests, s.connections, s.injected()),
            (8, 2, 0),
            "{s:?}"
        );
    }

    #[tokio::test]
    async fn every_mode_breaks_the_exchange_and_is_counted() {
        let up = upstream("hello world").await;
        for (cfg, count) in [
            (
                FaultConfig::new(7).reset(1.0),
                (|s: &FaultStats| s.resets) as fn(&FaultStats) -> u64,
            ),
            (
                FaultConfig::new(7).delay(1.0, Duration::from_secs(2)),
                |s| s.delays,
            ),
            (FaultConfig::new(7).truncate(1.0), |s| s.truncations),
            (
                FaultConfig::new(7).blackhole(1.0, Duration::from_secs(1)),
                |s| s.blackholes,
            ),
        ] {
            let p = FaultProxy::start(up, cfg.clone()).await.unwrap();
            assert_eq!(requests(p.addr(), 3, "GET").await, 0, "{cfg:?}");
            let s = p.stats();
            assert!(count(&s) >= 1 && s.injected() >= 1, "{cfg:?}: {s:?}");
            let ev = p.events();
            assert!(
                ev.len() >= 3 && ev.iter().all(|e| e.request == "GET /x HTTP/1.1"),
                "{ev:?}"
            );
        }
    }

    #[tokio::test]
    async fn the_seed_fixes_the_sequence_of_faults() {
        let up = upstream("x").await;
        let mut seen = Vec::new();
        for _ in 0..2 {
            let p = FaultProxy::start(up, FaultConfig::new(99).reset(0.3).truncate(0.3))
                .await
                .unwrap();
            requests(p.addr(), 40, "GET").await;
            let s = p.stats();
            seen.push((s.resets, s.truncations, s.resets_after_answer));
        }
        assert_eq!(seen[0], seen[1]);
        assert!(seen[0].0 > 0 && seen[0].1 > 0, "{seen:?}");
    }

    #[tokio::test]
    async fn an_upstream_connection_closed_while_idle_is_replaced() {
        let up = upstream_with("ok", 1).await;
        let p = FaultProxy::start(up, FaultConfig::new(5)).await.unwrap();
        assert_eq!(requests(p.addr(), 4, "GET").await, 4);
        assert_eq!(p.stats().connections, 1, "one client connection throughout");
    }

    #[tokio::test]
    async fn disabled_injection_forwards_plainly() {
        let up = upstream("ok").await;
        let p = FaultProxy::start(up, FaultConfig::new(3).reset(1.0))
            .await
            .unwrap();
        p.set_enabled(false);
        assert_eq!(requests(p.addr(), 4, "GET").await, 4);
        assert_eq!(p.stats().injected(), 0);
    }

    #[test]
    fn heads_say_how_bodies_end() {
        let h = parse_head(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            false,
        )
        .unwrap();
        assert_eq!((h.status, h.body), (200, Body::Chunked));
        let h = parse_head(b"HTTP/1.1 204 No Content\r\n\r\n", false).unwrap();
        assert_eq!(
            h.body,
            Body::UntilClose,
            "204 is treated as bodiless by the caller"
        );
        let h = parse_head(
            b"PUT /b HTTP/1.1\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n",
            true,
        )
        .unwrap();
        assert_eq!(
            (h.first.as_str(), h.body, h.expect_continue),
            ("PUT", Body::Length(12), true)
        );
    }

    #[tokio::test]
    async fn refuses_non_loopback_upstreams() {
        let e = FaultProxy::start("10.0.0.1:80".parse().unwrap(), FaultConfig::new(0))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("loopback"), "{e}");
    }
}
