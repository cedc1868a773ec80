//! Per-user quotas (Ceph only; the core trait model has no user quota): RGW's `user_quota`,
//! which caps the bytes and objects of every bucket the user *owns*, summed. Written with
//! `PUT /admin/user?quota&uid=&quota-type=user&enabled=&max-size=&max-objects=` and read with
//! `GET /admin/user?quota&uid=&quota-type=user`.
//!
//! Seen on Pacific 16.2: the `PUT` takes the settings as query parameters only — a JSON body
//! (which RGW documents) is answered `501 NotImplemented` before authentication; a parameter
//! left out keeps its old value, so all three are always sent; `max-size` is taken in bytes
//! (`max-size-kb=-1` would store `-1024`). The change rewrites the user without its inline
//! policies like every Admin Ops user change (seen: the attached policy is gone), so it runs
//! under `keeping_policies`.

use crate::provider::*;

/// A per-user quota on RGW: the most bytes and objects that all the buckets a user owns may
/// hold together (RGW refuses a write over it with `403 QuotaExceeded`, which s3aas maps to
/// [`ErrorKind::Conflict`]). Buckets of the instance belong to its system user, not to the
/// user, so only buckets the user made with its own key count. `None` in a field means no
/// limit of that kind; at least one must be set, and neither may be `0` (use no quota at all
/// to lift the limits). See [`CephProvider::set_user_quota`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct UserQuota {
    /// The most bytes the user's buckets may hold together; `None`: no size limit.
    pub max_size_bytes: Option<u64>,
    /// The most objects the user's buckets may hold together; `None`: no object limit.
    pub max_objects: Option<u64>,
}

impl UserQuota {
    /// Refuses a quota RGW cannot hold or that limits nothing (before any request).
    fn check(&self) -> Result<()> {
        if self.max_size_bytes.is_none() && self.max_objects.is_none() {
            return Err(Error::invalid_input(
                "quota",
                "set max_size_bytes or max_objects (or pass None to remove the quota)",
            ));
        }
        for (field, v) in [
            ("max_size_bytes", self.max_size_bytes),
            ("max_objects", self.max_objects),
        ] {
            match v {
                Some(0) => {
                    return Err(Error::invalid_input(
                        field,
                        "must be at least 1 (pass None to remove the quota)",
                    ));
                }
                Some(n) if n > i64::MAX as u64 => {
                    return Err(Error::invalid_input(field, "too large for RGW"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The quota RGW reports, `None` when it is disabled or limits nothing.
    pub(crate) fn from_rgw(q: &wire::UserQuotaInfo) -> Option<UserQuota> {
        let limit = |v: i64| u64::try_from(v).ok();
        let quota = UserQuota {
            max_size_bytes: limit(q.max_size),
            max_objects: limit(q.max_objects),
        };
        (q.enabled && (quota.max_size_bytes.is_some() || quota.max_objects.is_some()))
            .then_some(quota)
    }
}

/// The query parameters that set `quota` (or disable it).
fn params(quota: Option<&UserQuota>) -> [(&'static str, String); 3] {
    let value = |v: Option<u64>| v.map_or_else(|| "-1".to_string(), |n| n.to_string());
    match quota {
        Some(q) => [
            ("enabled", "true".into()),
            ("max-size", value(q.max_size_bytes)),
            ("max-objects", value(q.max_objects)),
        ],
        None => [
            ("enabled", "false".into()),
            ("max-size", "-1".into()),
            ("max-objects", "-1".into()),
        ],
    }
}

impl CephProvider {
    /// Sets (`Some`) or removes (`None`) the quota of user `user` of `instance`: the most
    /// bytes and objects all the buckets the user owns may hold together. RGW enforces it on
    /// each write (`403 QuotaExceeded`, mapped to [`ErrorKind::Conflict`]); seen on one
    /// Pacific gateway: the write that would cross it is refused at once, no stats sync
    /// needed, and writes pass again as soon as it is removed. Buckets of the instance are
    /// owned by its system user, so a user quota does not count the user's writes into them.
    ///
    /// `InvalidInput` (naming the field) before any request for a quota without limits, a
    /// limit of `0` or one over `i64::MAX`, and for the reserved user names; `NotFound` for a
    /// missing instance or user.
    pub async fn set_user_quota(
        &self,
        instance: &str,
        user: &str,
        quota: Option<UserQuota>,
    ) -> Result<()> {
        const OP: &str = "set_user_quota";
        if let Some(q) = &quota {
            q.check().map_err(|e| ctx(e, OP))?;
        }
        check_user_name(user, OP)?;
        self.instance_user(instance, user, OP).await?;
        let id = uid(instance, user);
        let mut call = AdminCall::put(OP, "user")
            .flag("quota")
            .q("uid", id.clone())
            .q("quota-type", "user");
        for (k, v) in params(quota.as_ref()) {
            call = call.q(k, v);
        }
        self.keeping_policies(&id, OP, self.ok(call, Some((ResourceKind::User, user))))
            .await
            .map(drop)
    }

    /// The quota of user `user` of `instance`; `None` when it has none (disabled, or no
    /// limit set). `NotFound` for a missing instance or user.
    pub async fn get_user_quota(&self, instance: &str, user: &str) -> Result<Option<UserQuota>> {
        const OP: &str = "get_user_quota";
        if is_reserved(user) {
            return Err(ctx(Error::not_found(ResourceKind::User, user), OP));
        }
        self.instance_user(instance, user, OP).await?;
        let resp = self
            .ok(
                AdminCall::get(OP, "user")
                    .flag("quota")
                    .q("uid", uid(instance, user))
                    .q("quota-type", "user"),
                Some((ResourceKind::User, user)),
            )
            .await?;
        let q: wire::UserQuotaInfo =
            decode("GET /admin/user?quota", &resp.body).map_err(|e| ctx(e, OP))?;
        Ok(UserQuota::from_rgw(&q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_and_mapping() {
        let e = UserQuota::default().check().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(e.field(), Some("quota"));
        let zero = UserQuota {
            max_size_bytes: Some(0),
            max_objects: Some(5),
        };
        assert_eq!(zero.check().unwrap_err().field(), Some("max_size_bytes"));
        let huge = UserQuota {
            max_size_bytes: None,
            max_objects: Some(u64::MAX),
        };
        assert_eq!(huge.check().unwrap_err().field(), Some("max_objects"));
        let size = UserQuota {
            max_size_bytes: Some(65536),
            max_objects: None,
        };
        size.check().unwrap();
        let p = params(Some(&size));
        assert_eq!(p[0].1, "true");
        assert_eq!(p[1].1, "65536");
        assert_eq!(p[2].1, "-1");
        assert_eq!(params(None)[0].1, "false");
        let read = |body: &[u8]| UserQuota::from_rgw(&decode("x", body).unwrap());
        assert_eq!(
            read(br#"{"enabled":true,"check_on_raw":false,"max_size":65536,"max_size_kb":64,"max_objects":-1}"#),
            Some(size)
        );
        assert_eq!(
            read(br#"{"enabled":false,"max_size":65536,"max_objects":-1}"#),
            None
        );
        assert_eq!(
            read(br#"{"enabled":true,"max_size":-1,"max_objects":-1}"#),
            None
        );
        // `max_size_kb=-1` as query parameter stores -1024: still no limit.
        assert_eq!(
            read(br#"{"enabled":true,"max_size":-1024,"max_objects":3}"#),
            Some(UserQuota {
                max_size_bytes: None,
                max_objects: Some(3)
            })
        );
    }
}
