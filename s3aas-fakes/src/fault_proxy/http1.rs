//! Just enough HTTP/1.1 for the proxy: buffered reads of each side, message heads, and bodies
//! by `Content-Length`, `chunked` or until close.

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Largest request or answer head the proxy accepts (larger ones end the connection).
const MAX_HEAD: usize = 64 * 1024;

/// A buffered reader over one side of the connection.
pub(super) struct Side {
    pub(super) s: TcpStream,
    pub(super) buf: Vec<u8>,
}

impl Side {
    pub(super) fn new(s: TcpStream) -> Self {
        Side { s, buf: Vec::new() }
    }

    /// Reads more bytes into the buffer; `false` at end of stream.
    pub(super) async fn fill(&mut self) -> std::io::Result<bool> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.s.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// The next message head, through the blank line; `None` at a clean end of stream.
    pub(super) async fn head(&mut self) -> std::io::Result<Option<Vec<u8>>> {
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
    pub(super) async fn take(&mut self, n: usize) -> std::io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// One line through its CRLF.
    pub(super) async fn line(&mut self) -> std::io::Result<Vec<u8>> {
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
    pub(super) async fn chunked(&mut self) -> std::io::Result<Vec<u8>> {
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
    pub(super) async fn rest(&mut self) -> std::io::Result<Vec<u8>> {
        while self.fill().await? {}
        Ok(std::mem::take(&mut self.buf))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What a message head says about its body.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Body {
    None,
    Length(usize),
    Chunked,
    UntilClose,
}

pub(super) struct Head {
    /// Request method, or the answer's status code as text.
    pub(super) first: String,
    pub(super) status: u16,
    pub(super) body: Body,
    pub(super) expect_continue: bool,
}

pub(super) fn parse_head(raw: &[u8], request: bool) -> std::io::Result<Head> {
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

pub(super) async fn read_body(side: &mut Side, body: &Body) -> std::io::Result<Vec<u8>> {
    match body {
        Body::None => Ok(Vec::new()),
        Body::Length(n) => side.take(*n).await,
        Body::Chunked => side.chunked().await,
        Body::UntilClose => side.rest().await,
    }
}
