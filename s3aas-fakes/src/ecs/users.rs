//! Object users of the management API: create, list, delete, lock, tags, info, and their
//! secret keys (two per user, a grace period for the older, "hide secret key" mode).

use super::mgmt::unsupported;
use super::state::{EcsState, ObjectUser, SecretKey};
use super::wire::{Ctx, fmt_time, key_id, limit_of, new_secret, strict_bool, strict_int, tag_list};
use serde_json::{Value, json};
use std::ops::Bound;
use time::OffsetDateTime;
use wiremock::ResponseTemplate;

/// `/object/users/...` and `/object/user-secret-keys/...`.
pub(super) fn route(st: &mut EcsState, c: &Ctx<'_>, method: &str, s: &[&str]) -> ResponseTemplate {
    match (method, s) {
        // Object users.
        ("POST", ["object", "users"]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let (Some(uid), Some(ns)) = (b["user"].as_str(), b["namespace"].as_str()) else {
                return c.err(
                    400,
                    1005,
                    "Required parameter is missing or empty",
                    "user and namespace are required",
                );
            };
            if !st.namespaces.contains_key(ns) {
                return c.not_found_param(&format!("Namespace {ns}"));
            }
            if uid.is_empty()
                || uid.len() > 255
                || !uid
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "-_.@".contains(ch))
            {
                return c.invalid(&format!("Invalid user name {uid}"));
            }
            if st.users.contains_key(uid) {
                return c.err(
                    400,
                    1015,
                    "Resource already exists",
                    &format!("User {uid} already exists"),
                );
            }
            let tags = tag_list(&b["tags"], "name", "value");
            st.users.insert(
                uid.to_string(),
                ObjectUser {
                    namespace: ns.to_string(),
                    locked: false,
                    created: OffsetDateTime::now_utc(),
                    tags,
                    keys: Vec::new(),
                },
            );
            c.ok(
                json!({"link": {"rel": "self", "href": format!("/object/user-secret-keys/{uid}")}}),
            )
        }
        ("GET", ["object", "users"]) => user_list(st, c, None),
        ("POST", ["object", "users", "deactivate"]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let uid = b["user"].as_str().unwrap_or_default();
            match st.users.get(uid) {
                Some(u) if b["namespace"].as_str().is_none_or(|ns| ns == u.namespace) => {
                    st.users.remove(uid);
                    ResponseTemplate::new(200)
                }
                _ => c.not_found_param(&format!("User {uid}")),
            }
        }
        ("PUT", ["object", "users", "lock"]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let uid = b["user"].as_str().unwrap_or_default();
            let locked = match strict_bool(b.get("isLocked"), "isLocked") {
                Ok(Some(l)) => l,
                Ok(None) => {
                    return c.err(
                        400,
                        1005,
                        "Required parameter is missing or empty",
                        "isLocked",
                    );
                }
                Err(e) => return c.err(400, 1013, "Bad request body", &e),
            };
            match st.users.get_mut(uid) {
                Some(u) => {
                    u.locked = locked;
                    ResponseTemplate::new(200)
                }
                None => c.not_found_param(&format!("User {uid}")),
            }
        }
        ("GET", ["object", "users", "lock", uid, ..]) => match st.users.get(*uid) {
            Some(u) => c.ok(json!({"user_name": uid, "isLocked": u.locked})),
            None => c.not_found_url(&format!("User {uid}")),
        },
        // User tags (Dell's spec: GET lists, POST appends, PUT updates existing, DELETE removes).
        (m @ ("GET" | "POST" | "PUT" | "DELETE"), ["object", "users", uid, "tags"]) => {
            let b = if m == "GET" {
                json!({})
            } else {
                match c.body() {
                    Ok(b) => b,
                    Err(r) => return r,
                }
            };
            let ns = c
                .q("namespace")
                .or_else(|| b["namespace"].as_str().map(str::to_string));
            let Some(u) = st
                .users
                .get_mut(*uid)
                .filter(|u| ns.as_deref().is_none_or(|n| n == u.namespace))
            else {
                return c.not_found_url(&format!("User {uid}"));
            };
            let given = tag_list(&b["tags"], "name", "value");
            match m {
                "GET" => {
                    return c.ok(json!({"tags": u.tags.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>()}));
                }
                "POST" => {
                    if let Some((k, _)) = given
                        .iter()
                        .find(|(k, _)| u.tags.iter().any(|(x, _)| x == k))
                    {
                        return c.invalid(&format!("Tag {k} already exists on user {uid}"));
                    }
                    u.tags.extend(given);
                }
                "PUT" => {
                    for (k, v) in given {
                        let Some(slot) = u.tags.iter_mut().find(|(x, _)| *x == k) else {
                            return c.invalid(&format!("Tag {k} does not exist on user {uid}"));
                        };
                        slot.1 = v;
                    }
                }
                _ => {
                    if let Some((k, _)) = given
                        .iter()
                        .find(|(k, _)| !u.tags.iter().any(|(x, _)| x == k))
                    {
                        return c.invalid(&format!("Tag {k} does not exist on user {uid}"));
                    }
                    u.tags.retain(|(x, _)| !given.iter().any(|(k, _)| k == x));
                }
            }
            ResponseTemplate::new(200)
        }
        ("GET", ["object", "users", uid, "info"]) => {
            let ns = c.q("namespace");
            match st.users.get(*uid) {
                Some(u) if ns.as_deref().is_none_or(|n| n == u.namespace) => c.ok(json!({
                    "name": uid,
                    "namespace": u.namespace,
                    "locked": u.locked,
                    "created": fmt_time(u.created),
                    "tag": u.tags.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
                })),
                _ => c.not_found_url(&format!("User {uid}")),
            }
        }
        ("GET", ["object", "users", ns]) => user_list(st, c, Some(ns)),
        // Secret keys.
        ("POST", ["object", "user-secret-keys", uid]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let hide = st.hide_secret_keys;
            let Some(u) = st.users.get_mut(*uid) else {
                return c.not_found_url(&format!("User {uid}"));
            };
            if b["namespace"].as_str().is_some_and(|ns| ns != u.namespace) {
                return c.not_found_url(&format!("User {uid}"));
            }
            if u.keys.len() >= 2 {
                return c.invalid(&format!("User {uid} already has 2 valid keys"));
            }
            let grace = match strict_int(
                b.get("existing_key_expiry_time_mins"),
                "existing_key_expiry_time_mins",
            ) {
                Ok(g) => g,
                Err(e) => return c.err(400, 1013, "Bad request body", &e),
            };
            let now = OffsetDateTime::now_utc();
            let mut expiry = None;
            if let (Some(m), Some(old)) = (grace, u.keys.last_mut()) {
                let at = now + time::Duration::minutes(m.max(0));
                old.expires = Some(at);
                expiry = Some(at);
            }
            let secret = b["secretkey"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(new_secret);
            u.keys.push(SecretKey {
                secret: secret.clone(),
                created: now,
                expires: None,
            });
            u.keys.retain(|k| k.expires.is_none_or(|e| e > now));
            let mut body = json!({
                "secret_key": secret,
                "key_timestamp": fmt_time(now),
                "key_expiry_timestamp": "",
                "link": {"rel": "self", "href": format!("/object/user-secret-keys/{uid}")},
            });
            if hide {
                body["secret_key_id"] = json!(key_id(&secret));
            }
            if let Some(at) = expiry {
                st.earliest_expiry = Some(st.earliest_expiry.map_or(at, |e| e.min(at)));
            }
            st.issued_secrets.push(secret);
            c.ok(body)
        }
        ("GET", ["object", "user-secret-keys", uid, rest @ ..]) if rest.len() <= 1 => {
            let hide = st.hide_secret_keys;
            let Some(u) = st.users.get(*uid) else {
                return c.not_found_url(&format!("User {uid}"));
            };
            if rest.first().is_some_and(|ns| *ns != u.namespace) {
                return c.not_found_url(&format!("User {uid}"));
            }
            let mut body =
                json!({"link": {"rel": "self", "href": format!("/object/user-secret-keys/{uid}")}});
            for i in 0..2 {
                let n = i + 1;
                match u.keys.get(i) {
                    Some(k) => {
                        body[format!("secret_key_{n}")] =
                            json!(if hide { "" } else { k.secret.as_str() });
                        body[format!("secret_key_{n}_exist")] = json!(true);
                        body[format!("key_timestamp_{n}")] = json!(fmt_time(k.created));
                        body[format!("key_expiry_timestamp_{n}")] =
                            json!(k.expires.map(fmt_time).unwrap_or_default());
                        if hide {
                            body[format!("secret_key_{n}_id")] = json!(key_id(&k.secret));
                        }
                    }
                    None => {
                        body[format!("secret_key_{n}")] = json!("");
                        body[format!("secret_key_{n}_exist")] = json!(false);
                        body[format!("key_timestamp_{n}")] = json!("");
                        body[format!("key_expiry_timestamp_{n}")] = json!("");
                    }
                }
            }
            c.ok(body)
        }
        ("POST", ["object", "user-secret-keys", uid, "deactivate"]) => {
            let b = match c.body() {
                Ok(b) => b,
                Err(r) => return r,
            };
            let hide = st.hide_secret_keys;
            let Some(u) = st.users.get_mut(*uid) else {
                return c.not_found_url(&format!("User {uid}"));
            };
            match (b["secret_key"].as_str(), b["secret_key_id"].as_str()) {
                (Some(_), None) if hide => {
                    c.invalid("secret_key_id is required when secret keys are hidden")
                }
                (Some(s), _) => {
                    let before = u.keys.len();
                    u.keys.retain(|k| k.secret != s);
                    if u.keys.len() == before {
                        return c.not_found_param("Secret key");
                    }
                    ResponseTemplate::new(200)
                }
                (None, Some(id)) => {
                    let before = u.keys.len();
                    u.keys.retain(|k| key_id(&k.secret) != id);
                    if u.keys.len() == before {
                        return c.not_found_param("Secret key id");
                    }
                    ResponseTemplate::new(200)
                }
                (None, None) => {
                    u.keys.clear();
                    ResponseTemplate::new(200)
                }
            }
        }
        _ => unsupported(c, method, s),
    }
}

fn user_list(st: &EcsState, c: &Ctx<'_>, ns: Option<&str>) -> ResponseTemplate {
    let ns = ns.map(str::to_string).or_else(|| c.q("namespace"));
    if let Some(n) = &ns {
        if !st.namespaces.contains_key(n) {
            return c.not_found_url(&format!("Namespace {n}"));
        }
    }
    let limit = limit_of(c);
    let marker = c.q("marker");
    let start = match &marker {
        Some(m) => Bound::Excluded(m.clone()),
        None => Bound::Unbounded,
    };
    let mut items = Vec::new();
    let mut next = None;
    for (uid, u) in st
        .users
        .range((start, Bound::Unbounded))
        .filter(|(_, u)| ns.as_deref().is_none_or(|n| u.namespace == n))
    {
        if items.len() == limit {
            next = items
                .last()
                .and_then(|v: &Value| v["userid"].as_str().map(str::to_string));
            break;
        }
        items.push(json!({"userid": uid, "namespace": u.namespace}));
    }
    let mut body = json!({"blobuser": items, "MaxUsers": limit, "Filter": ns.map(|n| format!("namespace={n}")).unwrap_or_default()});
    if let Some(n) = next {
        body["NextMarker"] = json!(n);
    }
    c.ok(body)
}
