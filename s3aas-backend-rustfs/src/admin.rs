//! Calls to `/rustfs/admin/v3` and the server's health endpoints.

use http::Method;
use s3aas_core::{Error, ErrorKind, ResourceKind, Result};
use s3aas_http::{HttpClient, Idempotency, Request, Response, SigV4Signer, s3::s3_error};
use serde::de::DeserializeOwned;
use url::Url;

pub(crate) const BACKEND: &str = "rustfs";

#[derive(Clone, Debug)]
pub(crate) struct Admin {
    pub(crate) http: HttpClient,
    pub(crate) endpoint: Url,
    pub(crate) signer: SigV4Signer,
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

impl Admin {
    fn url(&self, cmd: &str, query: &[(&str, &str)]) -> Url {
        let mut u = self.endpoint.clone();
        u.path_segments_mut()
            .expect("http URL")
            .pop_if_empty()
            .extend(["rustfs", "admin", "v3"])
            .extend(cmd.split('/'));
        if !query.is_empty() {
            let mut qp = u.query_pairs_mut();
            for (k, v) in query {
                qp.append_pair(k, v);
            }
        }
        u
    }

    /// Sends a call and returns the raw response, whatever its status.
    pub(crate) async fn send(&self, call: &Call<'_>) -> Result<Response> {
        let url = self.url(call.cmd, &call.query);
        self.http
            .execute(call.op, call.idempotency, Some(&self.signer), || {
                let mut r = Request::new(call.method.clone(), url.clone());
                if let Some(b) = &call.body {
                    r = r.header("content-type", "application/json").body(b.clone());
                }
                Ok(r)
            })
            .await
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
        decode(op, &resp)
    }

    /// Maps a RustFS admin error: S3 XML codes, then the status.
    pub(crate) fn error(
        &self,
        op: &'static str,
        resp: &Response,
        resource: Option<(ResourceKind, &str)>,
    ) -> Error {
        let mut e = s3_error(BACKEND, op, resp);
        // RustFS reports "in use" (a policy attached somewhere) as 500 InternalError.
        if resp.status == 500 && e.message().to_ascii_lowercase().contains("in use") {
            e = e.with_kind(ErrorKind::Conflict);
        }
        if let Some((k, n)) = resource {
            e = e.with_resource(k, n);
        }
        e
    }

    /// `GET /health/ready` (unsigned): whether the node has quorum and IAM is up.
    pub(crate) async fn ready(&self) -> Result<(bool, String)> {
        let mut u = self.endpoint.clone();
        u.path_segments_mut()
            .expect("http URL")
            .pop_if_empty()
            .extend(["health", "ready"]);
        let resp = self
            .http
            .execute("health", Idempotency::Idempotent, None, || {
                Ok(Request::new(Method::GET, u.clone()))
            })
            .await?;
        Ok((resp.status == 200, resp.body_snippet(300)))
    }
}

pub(crate) fn decode<T: DeserializeOwned>(op: &'static str, resp: &Response) -> Result<T> {
    serde_json::from_slice(&resp.body).map_err(|e| {
        Error::decode(
            format!("the {op} response"),
            format!("{e} in {}", resp.body_snippet(200)),
        )
        .with_backend(BACKEND)
        .with_operation(op)
    })
}
