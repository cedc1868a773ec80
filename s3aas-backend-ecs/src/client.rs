//! The management session: one `X-SDS-AUTH-TOKEN` per provider, shared by every call.
//!
//! - Log in with `GET /login` (HTTP Basic) the first time a call needs a token; reuse it.
//! - A `401`, or a `302` to `/login`, means the token expired: log in again once and resend.
//! - Only one login is ever in flight: concurrent callers wait for it and share its token, so a
//!   burst of calls after an expiry costs one token, not one per task. ECS allows about 100
//!   live tokens per user and refuses further logins (`401`, code 4000) until some expire.
//! - [`Session::logout`] releases the token (`GET /logout`); the provider calls it on close and,
//!   best effort, on drop.
//!
//! The token and the password never appear in `Debug` output, logs or errors.

use crate::error::ecs_error;
use base64::Engine;
use http::Method;
use s3aas_core::{Error, ErrorKind, ExposeSecret, Result, SecretString};
use s3aas_http::{HttpClient, Idempotency, Request, Response};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;
use url::Url;

/// The header carrying the token.
pub const TOKEN_HEADER: &str = "x-sds-auth-token";

#[derive(Clone)]
struct Token {
    generation: u64,
    value: SecretString,
}

/// A management API session.
pub struct Session {
    http: HttpClient,
    base: Url,
    user: String,
    password: SecretString,
    token: Mutex<Option<Token>>,
    generation: AtomicU64,
    logins: AtomicU64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("base", &self.base.as_str())
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("logins", &self.logins.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// One management call.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub(crate) op: &'static str,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<serde_json::Value>,
    pub(crate) idem: Idempotency,
}

impl Call {
    pub(crate) fn get(op: &'static str, path: impl Into<String>) -> Self {
        Call {
            op,
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            idem: Idempotency::Idempotent,
        }
    }

    pub(crate) fn post(op: &'static str, path: impl Into<String>, body: serde_json::Value) -> Self {
        Call {
            op,
            method: Method::POST,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Some(body),
            idem: Idempotency::NonIdempotent,
        }
    }

    /// A POST with no body (IAM actions carry their parameters in the query string).
    pub(crate) fn action(op: &'static str, path: impl Into<String>) -> Self {
        Call {
            op,
            method: Method::POST,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            idem: Idempotency::NonIdempotent,
        }
    }

    pub(crate) fn put(op: &'static str, path: impl Into<String>, body: serde_json::Value) -> Self {
        Call {
            op,
            method: Method::PUT,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Some(body),
            idem: Idempotency::Idempotent,
        }
    }

    pub(crate) fn delete(op: &'static str, path: impl Into<String>) -> Self {
        Call {
            op,
            method: Method::DELETE,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            idem: Idempotency::Idempotent,
        }
    }

    pub(crate) fn q(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.query.push((k.into(), v.into()));
        self
    }

    /// Adds a request header (e.g. `x-emc-namespace` on IAM calls).
    pub(crate) fn header(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.headers.push((k, v.into()));
        self
    }

    /// Marks a POST that is safe to repeat (e.g. deactivations, which ECS treats as "make it so").
    pub(crate) fn idempotent(mut self) -> Self {
        self.idem = Idempotency::Idempotent;
        self
    }
}

fn is_login_redirect(resp: &Response) -> bool {
    resp.status == 302
        && resp
            .header("location")
            .is_some_and(|l| l.contains("/login"))
}

impl Session {
    pub(crate) fn new(http: HttpClient, base: Url, user: String, password: SecretString) -> Self {
        Session {
            http,
            base,
            user,
            password,
            token: Mutex::new(None),
            generation: AtomicU64::new(0),
            logins: AtomicU64::new(0),
        }
    }

    /// How many logins this session has made (each costs one of the user's ~100 tokens).
    pub fn logins(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }

    /// The management endpoint.
    pub fn base(&self) -> &Url {
        &self.base
    }

    fn url<K: AsRef<str>>(&self, path: &str, query: &[(K, String)]) -> Url {
        let mut u = self.base.clone();
        let base_path = u.path().trim_end_matches('/').to_string();
        u.set_path(&format!("{base_path}{path}"));
        if !query.is_empty() {
            // Percent-encoding with spaces as `%20`, not the form encoding's `+`: IAM calls put
            // whole policy documents in the query string, and `+` is read as a space by some
            // decoders and as a plus by others.
            let enc = |s: &str| {
                url::form_urlencoded::byte_serialize(s.as_bytes())
                    .collect::<String>()
                    .replace('+', "%20")
            };
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", enc(k.as_ref()), enc(v)))
                .collect();
            u.set_query(Some(&q.join("&")));
        }
        u
    }

    /// The current token, logging in if there is none. `stale` is a generation the caller saw
    /// rejected: if the current token is that one, it is dropped and a new login made.
    async fn token(&self, stale: Option<u64>) -> Result<Token> {
        let mut slot = self.token.lock().await;
        if let (Some(t), Some(g)) = (slot.as_ref(), stale) {
            if t.generation == g {
                *slot = None;
            }
        }
        if let Some(t) = slot.as_ref() {
            return Ok(t.clone());
        }
        // The lock is held across the login: one login in flight, everyone else waits for it.
        let value = self.login().await?;
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let t = Token { generation, value };
        *slot = Some(t.clone());
        Ok(t)
    }

    async fn login(&self) -> Result<SecretString> {
        let url = self.url::<&str>("/login", &[]);
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                self.user,
                self.password.expose_secret()
            ))
        );
        let resp = self
            .http
            .execute("login", Idempotency::Idempotent, None, || {
                Ok(Request::new(Method::GET, url.clone())
                    .header("authorization", &basic)
                    .header("accept", "application/json"))
            })
            .await?;
        self.logins.fetch_add(1, Ordering::Relaxed);
        if !(200..300).contains(&resp.status) {
            let e = ecs_error("login", &resp);
            let kind = if resp.status == 401 || resp.status == 403 {
                ErrorKind::Unauthenticated
            } else {
                e.kind()
            };
            return Err(e.with_kind(kind));
        }
        match resp.header(TOKEN_HEADER) {
            Some(t) if !t.is_empty() => Ok(SecretString::from(t.to_string())),
            _ => Err(Error::new(
                ErrorKind::Backend,
                "ECS answered the login without an X-SDS-AUTH-TOKEN header",
            )
            .with_backend(crate::SCHEME)
            .with_operation("login")
            .with_http_status(resp.status)),
        }
    }

    /// Sends a call with the session token; on an expired token logs in again once and resends.
    /// Returns the final response whatever its status (callers map errors), except that an
    /// authentication failure after the re-login is an error.
    pub(crate) async fn send(&self, call: &Call) -> Result<Response> {
        let url = self.url(&call.path, &call.query);
        let body = call
            .body
            .as_ref()
            .map(|b| serde_json::to_vec(b).expect("JSON values serialise"));
        let mut stale = None;
        for round in 0..2 {
            let token = self.token(stale).await?;
            let resp = self
                .http
                .execute(call.op, call.idem, None, || {
                    let mut r = Request::new(call.method.clone(), url.clone())
                        .header(TOKEN_HEADER, token.value.expose_secret())
                        .header("accept", "application/json");
                    for (k, v) in &call.headers {
                        r = r.header(k, v.as_str());
                    }
                    if let Some(b) = &body {
                        r = r.header("content-type", "application/json").body(b.clone());
                    }
                    Ok(r)
                })
                .await
                .map_err(|e| e.with_operation(call.op))?;
            let expired = resp.status == 401 || is_login_redirect(&resp);
            if !expired {
                return Ok(resp);
            }
            if round == 1 {
                let e = ecs_error(call.op, &resp).with_kind(ErrorKind::Unauthenticated);
                return Err(e.with_message(format!(
                    "ECS refused a freshly issued token ({}); check the management user's role",
                    if resp.status == 302 {
                        "redirect to /login".to_string()
                    } else {
                        format!("HTTP {}", resp.status)
                    }
                )));
            }
            tracing::debug!(
                op = call.op,
                status = resp.status,
                "management token expired; logging in again"
            );
            stale = Some(token.generation);
        }
        unreachable!("the loop returns on its second round")
    }

    /// Releases the token (`GET /logout`). Does nothing if there is none.
    pub async fn logout(&self) -> Result<()> {
        let token = self.token.lock().await.take();
        if let Some(t) = token {
            logout_with(&self.http, self.url::<&str>("/logout", &[]), t.value).await?;
        }
        Ok(())
    }

    /// Takes the token out for a logout that runs elsewhere (on drop).
    pub(crate) fn take_for_drop(&self) -> Option<(HttpClient, Url, SecretString)> {
        let t = self.token.try_lock().ok()?.take()?;
        Some((self.http.clone(), self.url::<&str>("/logout", &[]), t.value))
    }
}

pub(crate) async fn logout_with(http: &HttpClient, url: Url, token: SecretString) -> Result<()> {
    let resp = http
        .execute("logout", Idempotency::Idempotent, None, || {
            Ok(Request::new(Method::GET, url.clone())
                .header(TOKEN_HEADER, token.expose_secret())
                .header("accept", "application/json"))
        })
        .await?;
    // 401 means the token had already expired: released either way.
    if resp.is_success() || resp.status == 401 || resp.status == 302 {
        Ok(())
    } else {
        Err(ecs_error("logout", &resp))
    }
}

/// Shared handle, so the provider's drop can hand the token to a background logout.
pub(crate) type SharedSession = Arc<Session>;
