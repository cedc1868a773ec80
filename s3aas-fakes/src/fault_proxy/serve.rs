//! Serving one client connection: reading each request, drawing its fault, and forwarding (or
//! not) to the upstream server.

use super::http1::{Body, Side, parse_head, read_body};
use super::{Fault, Shared};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

pub(super) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    tasks: Arc<Mutex<JoinSet<()>>>,
) {
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
