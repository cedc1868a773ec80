//! What the admin user's RGW caps allow: read from RGW (`GET /admin/user?access-key=` answers
//! the admin user itself, caps included), so missing caps show in health and switch off what
//! they would make fail, instead of failing call by call with `403 AccessDenied`.

use crate::provider::*;
use serde::Deserialize;

/// One cap of a user: `{"type": "users", "perm": "*"}` (`*`, `read`, `write`, `read, write`).
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Cap {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) perm: String,
}

#[derive(Debug, Deserialize)]
struct AdminUser {
    #[serde(default)]
    caps: Vec<Cap>,
}

/// Whether `caps` grant `kind` with read (`write == false`) or write access.
fn has(caps: &[Cap], kind: &str, write: bool) -> bool {
    caps.iter().any(|c| {
        c.kind == kind && {
            let p = c.perm.replace(' ', "");
            p == "*"
                || p.split(',')
                    .any(|x| x == if write { "write" } else { "read" })
        }
    })
}

/// What the caps give: the capabilities they allow, and the caps missing for the core
/// (users, keys, buckets, listing) — without which the backend is not usable at all.
pub(crate) fn assess(caps: &[Cap]) -> (Capabilities, Vec<&'static str>) {
    let mut missing = Vec::new();
    for (kind, write, name) in [
        ("users", true, "users=write"),
        ("users", false, "users=read"),
        ("buckets", true, "buckets=write"),
        ("buckets", false, "buckets=read"),
        ("metadata", false, "metadata=read"),
    ] {
        if !has(caps, kind, write) {
            missing.push(name);
        }
    }
    let mut allowed = Capabilities::all();
    if !(has(caps, "user-policy", true) && has(caps, "user-policy", false)) {
        allowed.policies = false;
        allowed.policy_attach = false;
    }
    if !has(caps, "metadata", true) {
        allowed.bucket_quota = Support::No;
    }
    (allowed, missing)
}

impl CephProvider {
    /// Reads the admin user's caps and returns the capabilities they leave (`policies` and
    /// `policy_attach` need `user-policy=*`; `bucket_quota` needs `metadata=write`); later
    /// [`capabilities`](ObjectStoreProvider::capabilities) calls return the same.
    pub async fn probe_capabilities(&self) -> Result<Capabilities> {
        let (allowed, _) = self.read_caps("probe_capabilities").await?;
        Ok(self.caps.intersect(allowed))
    }

    /// Reads the caps, remembers what they allow, and says which core caps are missing.
    pub(crate) async fn read_caps(
        &self,
        op: &'static str,
    ) -> Result<(Capabilities, Vec<&'static str>)> {
        let resp = self
            .ok(
                AdminCall::get(op, "user").q("access-key", self.admin.access_key()),
                None,
            )
            .await?;
        let user: AdminUser =
            decode("GET /admin/user?access-key=", &resp.body).map_err(|e| ctx(e, op))?;
        let (allowed, missing) = assess(&user.caps);
        *self.probed.lock().unwrap_or_else(|p| p.into_inner()) = Some(allowed);
        Ok((allowed, missing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(spec: &[(&str, &str)]) -> Vec<Cap> {
        spec.iter()
            .map(|(k, p)| Cap {
                kind: k.to_string(),
                perm: p.to_string(),
            })
            .collect()
    }

    #[test]
    fn caps_decide_capabilities() {
        let full = caps(&[
            ("users", "*"),
            ("buckets", "*"),
            ("metadata", "*"),
            ("user-policy", "*"),
        ]);
        let (a, missing) = assess(&full);
        assert!(missing.is_empty());
        assert!(a.policies && a.policy_attach);
        assert_eq!(a.bucket_quota, Support::Yes);
        let scripted = caps(&[
            ("users", "read, write"),
            ("buckets", "*"),
            ("metadata", "read"),
        ]);
        let (a, missing) = assess(&scripted);
        assert!(missing.is_empty(), "{missing:?}");
        assert!(!a.policies && !a.policy_attach);
        assert_eq!(a.bucket_quota, Support::No);
        let (_, missing) = assess(&caps(&[("users", "read")]));
        assert_eq!(
            missing,
            vec![
                "users=write",
                "buckets=write",
                "buckets=read",
                "metadata=read"
            ]
        );
    }
}
