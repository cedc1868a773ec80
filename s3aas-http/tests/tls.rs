//! TLS against a local HTTPS server with a self-signed certificate: refused by default, accepted
//! with its CA configured, and accepted by the explicit insecure switch (which logs a warning).

use http::Method;
use s3aas_core::ErrorKind;
use s3aas_http::{HttpClient, HttpConfig, Idempotency, Request, RetryConfig};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

/// Serves `200 ok` over TLS on 127.0.0.1 with a fresh self-signed certificate for `localhost`.
async fn https_server() -> (Url, String) {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let pem = cert.cert.pem();
    let der = cert.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut buf = [0u8; 4096];
                    let _ = tls.read(&mut buf).await;
                    let _ = tls
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                        )
                        .await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    (
        Url::parse(&format!("https://localhost:{port}/health")).unwrap(),
        pem,
    )
}

async fn get(cfg: HttpConfig, url: &Url) -> s3aas_core::Result<u16> {
    let c = HttpClient::new("test", cfg.retry(RetryConfig::disabled()))?;
    c.execute("tls_probe", Idempotency::Idempotent, None, || {
        Ok(Request::new(Method::GET, url.clone()))
    })
    .await
    .map(|r| r.status)
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tls_is_verified_by_default_and_relaxed_only_on_request() {
    let (url, pem) = https_server().await;

    let e = get(HttpConfig::new(), &url).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(
        e.to_string().to_lowercase().contains("certificate"),
        "the TLS reason is kept: {e}"
    );

    assert_eq!(
        get(HttpConfig::new().ca_pem(pem.clone()), &url)
            .await
            .unwrap(),
        200,
        "a configured CA is trusted"
    );

    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let status = {
        let _guard = tracing::subscriber::set_default(subscriber);
        get(HttpConfig::new().danger_accept_invalid_certs(true), &url)
            .await
            .unwrap()
    };
    assert_eq!(
        status, 200,
        "the insecure switch accepts a self-signed certificate"
    );
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("WARN") && logged.contains("DISABLED"),
        "the insecure switch is logged as a warning: {logged}"
    );

    let e = HttpClient::new("test", HttpConfig::new().ca_pem("not a certificate")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
}
