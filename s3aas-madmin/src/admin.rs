//! Admin calls of a madmin-family server, shaped by its [`Dialect`].

use crate::Dialect;
use crate::codec::Algorithm;
#[cfg(feature = "encryption")]
use crate::codec::{decrypt, encrypt};
use http::Method;
#[cfg(feature = "encryption")]
use s3aas_core::ExposeSecret;
use s3aas_core::{Error, ErrorKind, ResourceKind, Result};
use s3aas_http::{HttpClient, Idempotency, Request, Response, SigV4Signer};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use url::Url;

#[derive(Debug)]
pub(crate) struct Admin<D: Dialect> {
    pub(crate) http: HttpClient,
    pub(crate) endpoint: Url,
    pub(crate) signer: SigV4Signer,
    pub(crate) dialect: Arc<D>,
    /// The algorithm sealed bodies use (read only when the `encryption` feature seals).
    #[cfg_attr(not(feature = "encryption"), allow(dead_code))]
    pub(crate) algorithm: Algorithm,
}

/// One admin call.
pub(crate) struct Call<'a> {
    pub(crate) op: &'static str,
    pub(crate) method: Method,
    pub(crate) cmd: &'a str,
    pub(crate) query: Vec<(&'a str, &'a str)>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) idempotency: Idempotency,
}

impl<'a> Call<'a> {
    pub(crate) fn new(op: &'static str, method: Method, cmd: &'a str) -> Self {
        let idempotency = if method == Method::POST {
            Idempotency::NonIdempotent
        } else {
            Idempotency::Idempotent
        };
        Call {
            op,
            method,
            cmd,
            query: Vec::new(),
            body: None,
            idempotency,
        }
    }

    pub(crate) fn q(mut self, k: &'a str, v: &'a str) -> Self {
        self.query.push((k, v));
        self
    }

    pub(crate) fn json(mut self, v: &serde_json::Value) -> Self {
        self.body = Some(serde_json::to_vec(v).expect("JSON values serialise"));
        self
    }

    pub(crate) fn raw(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }

    pub(crate) fn idempotency(mut self, i: Idempotency) -> Self {
        self.idempotency = i;
        self
    }
}

impl<D: Dialect> Admin<D> {
    fn url(&self, cmd: &str, query: &[(&str, &str)]) -> Url {
        let mut u = self.endpoint.clone();
        {
            let mut seg = u.path_segments_mut().expect("http URL");
            seg.pop_if_empty()
                .extend(self.dialect.admin_path())
                .extend(cmd.split('/'));
        }
        if !query.is_empty() {
            let mut qp = u.query_pairs_mut();
            for (k, v) in query {
                qp.append_pair(k, v);
            }
        }
        u
    }

    /// Encrypts with the signing secret; the key derivation runs on a blocking thread.
    #[cfg(feature = "encryption")]
    async fn seal(&self, plain: Vec<u8>) -> Result<Vec<u8>> {
        let pw = self.signer.secret_key().expose_secret().as_bytes().to_vec();
        let alg = self.algorithm;
        tokio::task::spawn_blocking(move || encrypt(&pw, &plain, alg))
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::Backend,
                    format!("payload encryption task failed: {e}"),
                )
            })
    }

    #[cfg(feature = "encryption")]
    async fn open(&self, op: &'static str, sealed: bytes::Bytes) -> Result<bytes::Bytes> {
        let pw = self.signer.secret_key().expose_secret().as_bytes().to_vec();
        let out = tokio::task::spawn_blocking(move || decrypt(&pw, &sealed))
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::Backend,
                    format!("payload decryption task failed: {e}"),
                )
            })?;
        out.map(bytes::Bytes::from).map_err(|e| {
            Error::new(
                ErrorKind::Backend,
                format!("cannot decrypt the {op} response: {e}"),
            )
            .with_backend(D::NAME)
            .with_operation(op)
        })
    }

    /// Without the `encryption` feature a dialect that encrypts cannot be spoken.
    #[cfg(not(feature = "encryption"))]
    async fn seal(&self, _plain: Vec<u8>) -> Result<Vec<u8>> {
        Err(no_encryption())
    }

    #[cfg(not(feature = "encryption"))]
    async fn open(&self, _op: &'static str, _sealed: bytes::Bytes) -> Result<bytes::Bytes> {
        Err(no_encryption())
    }

    /// Sends a call and returns the response whatever its status; encrypted bodies are sealed
    /// (freshly for every attempt) and successful encrypted answers are opened.
    pub(crate) async fn send(&self, call: &Call<'_>) -> Result<Response> {
        let (enc_req, enc_resp) = self.dialect.encryption(call.cmd);
        for _ in 0..2 {
            let url = self.url(call.cmd, &call.query);
            // Encrypt once per send; retries inside the HTTP client reuse the sealed body, which
            // is safe because the server only checks that it decrypts (fresh salt per call).
            let body = match &call.body {
                Some(b) if enc_req => Some(self.seal(b.clone()).await?),
                Some(b) => Some(b.clone()),
                None => None,
            };
            let ct = self.dialect.content_type(call.cmd);
            let mut resp = self
                .http
                .execute(call.op, call.idempotency, Some(&self.signer), || {
                    let mut r = Request::new(call.method.clone(), url.clone());
                    if let Some(b) = &body {
                        r = r.header("content-type", ct).body(b.clone());
                    }
                    Ok(r)
                })
                .await?;
            if resp.status == 426 && self.dialect.on_version_mismatch(&resp) {
                continue;
            }
            if enc_resp && resp.is_success() && !resp.body.is_empty() {
                resp.body = self.open(call.op, resp.body).await?;
            }
            return Ok(resp);
        }
        Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "the server rejected every admin API version for {}",
                call.cmd
            ),
        )
        .with_backend(D::NAME)
        .with_operation(call.op))
    }

    /// Sends a call; a non-2xx answer becomes an error about `resource`.
    pub(crate) async fn ok(
        &self,
        call: Call<'_>,
        resource: Option<(ResourceKind, &str)>,
    ) -> Result<Response> {
        let resp = self.send(&call).await?;
        if resp.is_success() {
            return Ok(resp);
        }
        Err(self.error(call.op, &resp, resource))
    }

    /// Sends a call and decodes its JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
        resource: Option<(ResourceKind, &str)>,
    ) -> Result<T> {
        let op = call.op;
        let resp = self.ok(call, resource).await?;
        decode::<D, T>(op, &resp)
    }

    /// Maps an error answer through the dialect, naming the resource.
    pub(crate) fn error(
        &self,
        op: &'static str,
        resp: &Response,
        resource: Option<(ResourceKind, &str)>,
    ) -> Error {
        let e = self.dialect.error(op, resp);
        match resource {
            Some((k, n)) => e.with_resource(k, n),
            None => e,
        }
    }

    /// The unauthenticated readiness probe: whether the server is ready, and what it said.
    pub(crate) async fn ready(&self) -> Result<(bool, String)> {
        let (status, body) = self.probe(self.dialect.ready_path()).await?;
        Ok((status == 200, body))
    }

    /// An unauthenticated `GET` of a health path: the status and (the start of) the body.
    pub(crate) async fn probe(&self, path: &[&str]) -> Result<(u16, String)> {
        let mut u = self.endpoint.clone();
        u.path_segments_mut()
            .expect("http URL")
            .pop_if_empty()
            .extend(path);
        let resp = self
            .http
            .execute("health", Idempotency::Idempotent, None, || {
                Ok(Request::new(Method::GET, u.clone()))
            })
            .await?;
        Ok((resp.status, resp.body_snippet(2000)))
    }
}

pub(crate) fn decode<D: Dialect, T: DeserializeOwned>(
    op: &'static str,
    resp: &Response,
) -> Result<T> {
    decode_with::<D, _>(op, resp, std::marker::PhantomData::<T>)
}

/// Decodes a JSON answer with a seed (e.g. one that keeps only some entries of a large map).
pub(crate) fn decode_with<'a, D: Dialect, S: serde::de::DeserializeSeed<'a>>(
    op: &'static str,
    resp: &'a Response,
    seed: S,
) -> Result<S::Value> {
    let mut de = serde_json::Deserializer::from_slice(&resp.body);
    seed.deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| {
            Error::decode(
                format!("the {op} response"),
                format!("{e} in {}", resp.body_snippet(200)),
            )
            .with_backend(D::NAME)
            .with_operation(op)
        })
}

#[cfg(not(feature = "encryption"))]
fn no_encryption() -> Error {
    Error::new(
        ErrorKind::ConfigInvalid,
        "this admin API encrypts its payloads, and this build of s3aas-madmin has no payload encryption (enable its `encryption` feature, as the MinIO backend does)",
    )
}
