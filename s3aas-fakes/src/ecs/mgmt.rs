//! The management server: fault injection, sessions (login, tokens, logout), and routing of
//! `/object/...` and `/vdc/...` calls; namespaces are kept here, users and buckets in their
//! modules.

use super::state::{EcsState, Namespace};
use super::wire::{Ctx, limit_of, page, rand_hex, strict_bool, strict_int, wants_json};
use super::{buckets, iam, lock, users};
use base64::Engine as _;
use serde_json::json;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use wiremock::{Request, Respond, ResponseTemplate};

/// Answers the management API from the shared state.
#[derive(Clone)]
pub(super) struct MgmtResponder(pub(super) Arc<Mutex<EcsState>>);

impl Respond for MgmtResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = lock(&self.0);
        let path = req.url.path().to_string();
        let method = req.method.as_str().to_string();
        if st.record_calls {
            st.calls.push(format!("{method} {path}"));
        }
        if let Some(r) = st.take_fault(false, req) {
            return r;
        }
        let c = Ctx {
            json: wants_json(req),
            req,
        };
        if path == "/login" {
            return login(&mut st, &c);
        }
        // Every other call needs a live token.
        let token = req
            .headers
            .get("x-sds-auth-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| {
                req.headers
                    .get("cookie")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|c| {
                        c.split(';')
                            .find_map(|p| p.trim().strip_prefix("X-SDS-AUTH-TOKEN="))
                            .map(str::to_string)
                    })
            });
        let user = match token.as_ref().and_then(|t| st.tokens.get(t).cloned()) {
            Some((_, true)) if !st.expired_as_401 => {
                // The Host header carries the port the client used (the request URL the mock
                // server builds does not), and ECS redirects to the same host and port.
                let host = req
                    .headers
                    .get("host")
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_string)
                    .unwrap_or_else(|| req.url.authority().to_string());
                let base = format!("{}://{host}", req.url.scheme());
                return ResponseTemplate::new(302).insert_header(
                    "location",
                    format!("{base}/login?using-cookies=true").as_str(),
                );
            }
            Some((u, false)) => u,
            _ => {
                return c.err(
                    401,
                    4000,
                    "Invalid credentials",
                    "Authentication is required or the token is invalid or expired",
                );
            }
        };
        if path == "/iam" || path == "/iam/" {
            return iam::handle(&mut st, &c);
        }
        if path == "/logout" {
            let force = match c.qbool("force") {
                Ok(f) => f.unwrap_or(false),
                Err(r) => return r,
            };
            if force {
                st.tokens.retain(|_, (u, _)| *u != user);
            } else if let Some(t) = &token {
                st.tokens.remove(t);
            }
            st.logouts += 1;
            return c.ok(json!({"user": user}));
        }
        st.drop_expired_keys();
        let segs: Vec<String> = path
            .trim_start_matches('/')
            .split('/')
            .map(|s| {
                url::form_urlencoded::parse(s.as_bytes())
                    .map(|(k, v)| {
                        if v.is_empty() {
                            k.into_owned()
                        } else {
                            format!("{k}={v}")
                        }
                    })
                    .collect::<String>()
            })
            .collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        route(&mut st, &c, &method, &segs, &user)
    }
}

fn login(st: &mut EcsState, c: &Ctx<'_>) -> ResponseTemplate {
    let creds = c
        .req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(u, p)| (u.to_string(), p.to_string()))
        });
    let Some((user, pass)) = creds else {
        return c.err(
            401,
            4000,
            "Invalid credentials",
            "Missing HTTP Basic credentials",
        );
    };
    if st.mgmt_users.get(&user) != Some(&pass) {
        return c.err(
            401,
            4000,
            "Invalid credentials",
            "Invalid username or password",
        );
    }
    if st.live_tokens(&user) >= st.max_tokens {
        return c.err(
            401,
            4000,
            "Invalid credentials",
            "Max number of tokens exceeded for this user",
        );
    }
    let token = format!("BAAc{}", rand_hex(24));
    st.tokens.insert(token.clone(), (user.clone(), false));
    st.logins += 1;
    c.status(200, "loggedIn", json!({"user": user}))
        .insert_header("x-sds-auth-token", token.as_str())
        .insert_header(
            "set-cookie",
            format!("X-SDS-AUTH-TOKEN={token}; Path=/; Secure; HttpOnly").as_str(),
        )
}
fn route(st: &mut EcsState, c: &Ctx<'_>, method: &str, s: &[&str], user: &str) -> ResponseTemplate {
    match (method, s) {
        ("GET", ["user", "whoami"]) => c.ok(json!({
            "common_name": user,
            "distinguished_name": format!("{user}@sim"),
            "namespace": "",
            "roles": ["SYSTEM_ADMIN"],
        })),
        ("GET", ["vdc", "nodes"]) => c.ok(json!({"node": [
            {"ip": "127.0.0.1", "nodename": "sim-node-1", "nodeid": "sim-node-1", "rackId": "red", "version": st.version, "isLocal": true},
            {"ip": "127.0.0.2", "nodename": "sim-node-2", "nodeid": "sim-node-2", "rackId": "red", "version": st.version, "isLocal": false},
        ]})),
        ("GET", ["vdc", "data-service", "vpools"]) => c.ok(json!({"data_service_vpool": [
            {"id": "urn:storageos:ReplicationGroupInfo:sim-rg:global", "name": "sim-rg", "description": "simulated", "isAllowAllNamespaces": true, "isFullRep": false, "inactive": false}
        ]})),
        ("GET", ["object", "capacity"]) => c.ok(json!({"totalProvisioned_gb": 1024, "totalFree_gb": 1000})),
        // Namespaces.
        ("GET", ["object", "namespaces"]) => {
            let limit = limit_of(c);
            let prefix = c.q("name").map(|n| n.trim_end_matches('*').to_string());
            let marker = c.q("marker");
            let (items, next) = page(
                st.namespaces
                    .iter()
                    .filter(|(n, _)| prefix.as_deref().is_none_or(|p| n.starts_with(p))),
                marker.as_deref(),
                limit,
            );
            let mut body = json!({
                "namespace": items.iter().map(|(n, _)| json!({"id": n, "name": n, "link": {"rel": "self", "href": format!("/object/namespaces/namespace/{n}")}})).collect::<Vec<_>>(),
                "MaxNamespaces": limit,
                "Filter": prefix.map(|p| format!("name={p}*")).unwrap_or_default(),
            });
            if let Some(n) = next {
                body["NextMarker"] = json!(n);
                body["NextPageLink"] = json!(format!("/object/namespaces?marker={n}&limit={limit}"));
            }
            c.ok(body)
        }
        ("GET", ["object", "namespaces", "namespace", ns]) => match st.namespaces.get(*ns) {
            None => c.not_found_url(&format!("Namespace {ns}")),
            Some(n) => c.ok(json!({
                "id": ns, "name": ns,
                "default_data_services_vpool": n.vpool.clone().unwrap_or_default(),
                "allowed_vpools_list": [], "disallowed_vpools_list": [],
                "namespace_admins": "",
                "is_encryption_enabled": if n.encryption { "true" } else { "false" },
                "default_bucket_block_size": n.default_bucket_block_size,
                "is_stale_allowed": n.is_stale_allowed,
                "is_compliance_enabled": false,
                "inactive": false, "global": true, "remote": false,
                "creation_time": n.created.unix_timestamp() * 1000,
                "link": {"rel": "self", "href": format!("/object/namespaces/namespace/{ns}")},
            })),
        },
        ("POST", ["object", "namespaces", "namespace"]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let Some(name) = b["namespace"].as_str().filter(|n| !n.is_empty()) else {
                return c.err(400, 1005, "Required parameter is missing or empty", "namespace");
            };
            if name.contains('.') || name.contains('/') {
                return c.invalid(&format!("Namespace name {name} contains an invalid character"));
            }
            if st.namespaces.contains_key(name) {
                return c.err(400, 1015, "Resource already exists", &format!("Namespace {name} already exists"));
            }
            let fields = (
                strict_bool(b.get("is_encryption_enabled"), "is_encryption_enabled"),
                strict_bool(b.get("is_stale_allowed"), "is_stale_allowed"),
                strict_int(b.get("default_bucket_block_size"), "default_bucket_block_size"),
            );
            let (enc, stale, block) = match fields {
                (Ok(e), Ok(s), Ok(bs)) => (e.unwrap_or(false), s.unwrap_or(false), bs.unwrap_or(-1)),
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                    return c.err(400, 1013, "Bad request body", &e);
                }
            };
            st.namespaces.insert(
                name.to_string(),
                Namespace {
                    vpool: b["default_data_services_vpool"].as_str().map(str::to_string),
                    encryption: enc,
                    default_bucket_block_size: block,
                    is_stale_allowed: stale,
                    created: OffsetDateTime::now_utc(),
                },
            );
            c.ok(json!({"id": name, "name": name, "link": {"rel": "self", "href": format!("/object/namespaces/namespace/{name}")}}))
        }
        ("PUT", ["object", "namespaces", "namespace", ns]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let Some(n) = st.namespaces.get_mut(*ns) else {
                return c.not_found_url(&format!("Namespace {ns}"));
            };
            // Only the fields sent change; the others (default bucket quota, stale reads, ...)
            // keep their values.
            // "You cannot edit the Name, Server-side Encryption, or Compliance fields after the
            // namespace has been created" (ECS Admin Guide, "Edit a namespace").
            match strict_bool(b.get("is_encryption_enabled"), "is_encryption_enabled") {
                Ok(Some(e)) if e != n.encryption => {
                    return c.invalid(&format!("Server-side encryption of namespace {ns} cannot be changed after creation"));
                }
                Ok(_) => {}
                Err(e) => return c.err(400, 1013, "Bad request body", &e),
            }
            match strict_bool(b.get("is_stale_allowed"), "is_stale_allowed") {
                Ok(Some(v)) => n.is_stale_allowed = v,
                Ok(None) => {}
                Err(e) => return c.err(400, 1013, "Bad request body", &e),
            }
            match strict_int(b.get("default_bucket_block_size"), "default_bucket_block_size") {
                Ok(Some(v)) => n.default_bucket_block_size = v,
                Ok(None) => {}
                Err(e) => return c.err(400, 1013, "Bad request body", &e),
            }
            if let Some(v) = b["default_data_services_vpool"].as_str() {
                n.vpool = Some(v.into());
            }
            ResponseTemplate::new(200)
        }
        ("POST", ["object", "namespaces", "namespace", ns, "deactivate"]) => {
            if !st.namespaces.contains_key(*ns) {
                return c.not_found_url(&format!("Namespace {ns}"));
            }
            if st.buckets.values().any(|b| b.namespace == *ns) {
                return c.invalid(&format!("Namespace {ns} still has buckets"));
            }
            st.namespaces.remove(*ns);
            st.users.retain(|_, u| u.namespace != *ns);
            ResponseTemplate::new(200)
        }
        (_, ["object", "users" | "user-secret-keys", ..]) => users::route(st, c, method, s),
        (_, ["object", "bucket" | "billing", ..]) => buckets::route(st, c, method, s),
        _ => unsupported(c, method, s),
    }
}

/// The answer to a call the simulator does not have: `405`/1007, as ECS answers it.
pub(super) fn unsupported(c: &Ctx<'_>, method: &str, s: &[&str]) -> ResponseTemplate {
    c.err(
        405,
        1007,
        "Method not supported",
        &format!(
            "{method} /{} is not supported by the simulator",
            s.join("/")
        ),
    )
}
