//! Tests of the fault proxy against tiny loopback upstreams.

use super::http1::{Body, Side, parse_head, read_body};
use super::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

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
