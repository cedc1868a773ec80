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

mod http1;
mod serve;
#[cfg(test)]
mod tests;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serve::accept_loop;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio::time::Instant;

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
