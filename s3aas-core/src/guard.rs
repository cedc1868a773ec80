//! Checks every provider runs first: input validation and the capability gate.
//!
//! Each function checks one operation's request against the validation rules and the backend's
//! [`Capabilities`], and fails with `InvalidInput` or `Unsupported` before any request is sent.
//! [`Client`](crate::Client) runs them before every call, so the checks are the same for every
//! backend.

use crate::capabilities::Capabilities;
use crate::error::{Error, Result};
use crate::model::*;
use crate::policy::PutPolicy;
use crate::validate;
use time::OffsetDateTime;

fn unsupported(backend: &'static str, what: &str, cap: &str) -> Error {
    Error::unsupported(format!(
        "the {backend} backend does not support {what} (capability `{cap}`)"
    ))
    .with_backend(backend)
}

fn creation_only(backend: &'static str, what: &str, cap: &str) -> Error {
    Error::unsupported(format!(
        "the {backend} backend can set {what} only at creation, not change it (capability `{cap}` = creation_only)"
    ))
    .with_backend(backend)
}

fn need(ok: bool, backend: &'static str, what: &str, cap: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(unsupported(backend, what, cap))
    }
}

/// Names used to look something up (not to create it): non-empty, at most 255 bytes, no
/// whitespace, control characters or `/`. Existing resources made outside s3aas may not follow
/// the creation rules, so lookups only refuse what cannot be a name on any backend.
pub(crate) fn lookup_name(field: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    if name.len() > 255 {
        return Err(Error::invalid_input(field, "must be at most 255 bytes"));
    }
    if name
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        return Err(Error::invalid_input(
            field,
            "must not contain whitespace, control characters or '/'",
        ));
    }
    Ok(())
}

/// `create_instance`.
pub(crate) fn create_instance(
    caps: &Capabilities,
    backend: &'static str,
    req: &CreateInstance,
) -> Result<()> {
    validate::instance_name("instance.name", &req.name)?;
    need(
        caps.instance_create,
        backend,
        "creating instances",
        "instance_create",
    )?;
    if let Some(b) = &req.default_bucket {
        validate::bucket_name("instance.default_bucket", b)?;
    }
    validate::tags("instance.labels", &req.labels)?;
    if !req.labels.is_empty() {
        need(
            caps.instance_labels,
            backend,
            "instance labels",
            "instance_labels",
        )?;
    }
    if req.versioning {
        need(
            caps.instance_versioning.at_creation(),
            backend,
            "instance versioning",
            "instance_versioning",
        )?;
    }
    if req.encryption.is_enabled() {
        need(
            caps.instance_encryption.at_creation(),
            backend,
            "instance encryption",
            "instance_encryption",
        )?;
    }
    if req.mfa_delete {
        need(
            caps.instance_mfa_delete.at_creation(),
            backend,
            "MFA delete",
            "instance_mfa_delete",
        )?;
        if !req.versioning {
            return Err(Error::invalid_input(
                "instance.mfa_delete",
                "MFA delete requires versioning",
            ));
        }
    }
    Ok(())
}

/// `update_instance`.
pub(crate) fn update_instance(
    caps: &Capabilities,
    backend: &'static str,
    id: &str,
    req: &UpdateInstance,
) -> Result<()> {
    lookup_name("instance", id)?;
    if req.name.is_some() {
        return Err(Error::invalid_input(
            "instance.name",
            "is immutable after creation",
        ));
    }
    if req.default_bucket.is_some() {
        return Err(Error::invalid_input(
            "instance.default_bucket",
            "is immutable after creation",
        ));
    }
    if req.versioning.is_some() {
        check_update(
            caps.instance_versioning,
            backend,
            "instance versioning",
            "instance_versioning",
        )?;
    }
    if req.encryption.is_some() {
        check_update(
            caps.instance_encryption,
            backend,
            "instance encryption",
            "instance_encryption",
        )?;
    }
    if req.mfa_delete.is_some() {
        check_update(
            caps.instance_mfa_delete,
            backend,
            "MFA delete",
            "instance_mfa_delete",
        )?;
    }
    if req.mfa_delete == Some(true) && req.versioning == Some(false) {
        return Err(Error::invalid_input(
            "instance.mfa_delete",
            "MFA delete requires versioning",
        ));
    }
    Ok(())
}

fn check_update(s: Support, backend: &'static str, what: &str, cap: &str) -> Result<()> {
    match s {
        Support::Yes => Ok(()),
        Support::CreationOnly => Err(creation_only(backend, what, cap)),
        Support::No => Err(unsupported(backend, what, cap)),
    }
}

/// `delete_instance`.
pub(crate) fn delete_instance(
    caps: &Capabilities,
    backend: &'static str,
    id: &str,
    req: &DeleteInstance,
) -> Result<()> {
    lookup_name("instance", id)?;
    need(
        caps.instance_create,
        backend,
        "deleting instances",
        "instance_create",
    )?;
    if req.force {
        need(
            caps.bucket_force_delete,
            backend,
            "forced deletion of non-empty buckets",
            "bucket_force_delete",
        )?;
    }
    Ok(())
}

/// `create_bucket`.
pub(crate) fn create_bucket(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    req: &CreateBucket,
) -> Result<()> {
    lookup_name("instance", instance)?;
    validate::bucket_name("bucket.name", &req.name)?;
    if req.encryption.is_some_and(Encryption::is_enabled) {
        need(
            caps.bucket_encryption.at_creation(),
            backend,
            "bucket encryption",
            "bucket_encryption",
        )?;
    }
    if req.versioning == Some(true) {
        need(
            caps.bucket_versioning.at_creation(),
            backend,
            "bucket versioning",
            "bucket_versioning",
        )?;
    }
    if req.object_lock {
        need(
            caps.bucket_object_lock.at_creation(),
            backend,
            "object lock",
            "bucket_object_lock",
        )?;
        if req.versioning == Some(false) {
            return Err(Error::invalid_input(
                "bucket.versioning",
                "object lock requires versioning",
            ));
        }
    }
    if let Some(q) = &req.quota {
        need(
            caps.bucket_quota.at_creation(),
            backend,
            "bucket quotas",
            "bucket_quota",
        )?;
        quota(caps, backend, "bucket.quota", q)?;
    }
    if let Some(p) = &req.policy {
        need(
            caps.bucket_policy.at_creation(),
            backend,
            "bucket policies",
            "bucket_policy",
        )?;
        validate::bucket_policy("bucket.policy", &req.name, p)?;
    }
    if !req.tags.is_empty() {
        need(
            caps.bucket_tags.at_creation(),
            backend,
            "bucket tags",
            "bucket_tags",
        )?;
        validate::tags("bucket.tags", &req.tags)?;
    }
    if let Some(o) = &req.owner {
        need(caps.bucket_owner, backend, "bucket owners", "bucket_owner")?;
        lookup_name("bucket.owner", o)?;
    }
    if !req.lifecycle.is_empty() {
        need(
            caps.bucket_lifecycle.at_creation(),
            backend,
            "lifecycle rules",
            "bucket_lifecycle",
        )?;
        validate_lifecycle("bucket.lifecycle", &req.lifecycle)?;
    }
    if !req.cors.is_empty() {
        need(
            caps.bucket_cors.at_creation(),
            backend,
            "CORS rules",
            "bucket_cors",
        )?;
        validate_cors("bucket.cors", &req.cors)?;
    }
    if let Some(r) = &req.retention {
        need(
            caps.bucket_retention.at_creation(),
            backend,
            "default retention",
            "bucket_retention",
        )?;
        validate_retention("bucket.retention", r)?;
        if !req.object_lock {
            return Err(Error::invalid_input(
                "bucket.retention",
                "a default retention needs object lock (set bucket.object_lock)",
            ));
        }
    }
    if !req.replication.is_empty() {
        need(
            caps.bucket_replication.at_creation(),
            backend,
            "replication",
            "bucket_replication",
        )?;
        validate_replication("bucket.replication", &req.replication)?;
        if req.versioning != Some(true) && !req.object_lock {
            return Err(Error::invalid_input(
                "bucket.versioning",
                "replication needs versioning: set it to true explicitly",
            ));
        }
    }
    Ok(())
}

fn quota(caps: &Capabilities, backend: &'static str, field: &str, q: &Quota) -> Result<()> {
    if q.hard_limit_bytes == 0 {
        return Err(Error::invalid_input(
            format!("{field}.hard_limit_bytes"),
            "must be greater than 0 (remove the quota instead)",
        ));
    }
    if let Some(n) = q.notification_bytes {
        need(
            caps.bucket_quota_notification.at_creation(),
            backend,
            "notification quotas",
            "bucket_quota_notification",
        )?;
        if n == 0 || n > q.hard_limit_bytes {
            return Err(Error::invalid_input(
                format!("{field}.notification_bytes"),
                "must be greater than 0 and at most the hard limit",
            ));
        }
    }
    Ok(())
}

/// `update_bucket`.
pub(crate) fn update_bucket(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    name: &str,
    req: &UpdateBucket,
) -> Result<()> {
    lookup_name("instance", instance)?;
    lookup_name("bucket", name)?;
    if req.versioning.is_some() {
        check_update(
            caps.bucket_versioning,
            backend,
            "bucket versioning",
            "bucket_versioning",
        )?;
    }
    if req.encryption.is_some() {
        check_update(
            caps.bucket_encryption,
            backend,
            "bucket encryption",
            "bucket_encryption",
        )?;
    }
    if let Some(q) = &req.quota {
        check_update(caps.bucket_quota, backend, "bucket quotas", "bucket_quota")?;
        if let Some(q) = q {
            quota(caps, backend, "bucket.quota", q)?;
        }
    }
    if let Some(p) = &req.policy {
        check_update(
            caps.bucket_policy,
            backend,
            "bucket policies",
            "bucket_policy",
        )?;
        if let Some(p) = p {
            validate::bucket_policy("bucket.policy", name, p)?;
        }
    }
    if let Some(t) = &req.tags {
        check_update(caps.bucket_tags, backend, "bucket tags", "bucket_tags")?;
        validate::tags("bucket.tags", t)?;
    }
    if let Some(l) = &req.lifecycle {
        check_update(
            caps.bucket_lifecycle,
            backend,
            "lifecycle rules",
            "bucket_lifecycle",
        )?;
        validate_lifecycle("bucket.lifecycle", l)?;
    }
    if let Some(c) = &req.cors {
        check_update(caps.bucket_cors, backend, "CORS rules", "bucket_cors")?;
        validate_cors("bucket.cors", c)?;
    }
    if let Some(r) = &req.retention {
        check_update(
            caps.bucket_retention,
            backend,
            "default retention",
            "bucket_retention",
        )?;
        if let Some(r) = r {
            validate_retention("bucket.retention", r)?;
        }
    }
    if let Some(r) = &req.replication {
        check_update(
            caps.bucket_replication,
            backend,
            "replication",
            "bucket_replication",
        )?;
        validate_replication("bucket.replication", r)?;
        if !r.is_empty() && req.versioning == Some(false) {
            return Err(Error::invalid_input(
                "bucket.versioning",
                "replication needs versioning: it cannot be suspended in the same update that \
                 sets replication rules",
            ));
        }
    }
    Ok(())
}

/// `delete_bucket`.
pub(crate) fn delete_bucket(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    name: &str,
    req: &DeleteBucket,
) -> Result<()> {
    lookup_name("instance", instance)?;
    lookup_name("bucket", name)?;
    if req.force {
        need(
            caps.bucket_force_delete,
            backend,
            "forced deletion of non-empty buckets",
            "bucket_force_delete",
        )?;
    }
    Ok(())
}

/// `bucket_usage`.
pub(crate) fn bucket_usage(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    name: &str,
) -> Result<()> {
    lookup_name("instance", instance)?;
    lookup_name("bucket", name)?;
    need(caps.bucket_usage, backend, "bucket usage", "bucket_usage")
}

/// `instance_usage`.
pub(crate) fn instance_usage(caps: &Capabilities, backend: &'static str, id: &str) -> Result<()> {
    lookup_name("instance", id)?;
    need(
        caps.instance_usage,
        backend,
        "instance usage",
        "instance_usage",
    )
}

/// `create_user`.
pub(crate) fn create_user(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    req: &CreateUser,
) -> Result<()> {
    lookup_name("instance", instance)?;
    validate::user_name("user.name", &req.name)?;
    if !req.tags.is_empty() {
        need(caps.user_tags, backend, "user tags", "user_tags")?;
        validate::tags("user.tags", &req.tags)?;
    }
    if !req.enabled {
        need(caps.user_disable, backend, "disabled users", "user_disable")?;
    }
    Ok(())
}

/// `set_user_enabled`.
pub(crate) fn set_user_enabled(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    name: &str,
) -> Result<()> {
    lookup_name("instance", instance)?;
    lookup_name("user", name)?;
    need(
        caps.user_disable,
        backend,
        "disabling users",
        "user_disable",
    )
}

/// `put_policy`.
pub(crate) fn put_policy(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    req: &PutPolicy,
) -> Result<()> {
    lookup_name("instance", instance)?;
    need(caps.policies, backend, "named policies", "policies")?;
    validate::policy_name("policy.name", &req.name)?;
    validate::identity_policy("policy.document", &req.document)
}

/// `get_policy`, `list_policies`, `delete_policy` (pass `name = None` for list).
pub(crate) fn policy_lookup(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    name: Option<&str>,
) -> Result<()> {
    lookup_name("instance", instance)?;
    need(caps.policies, backend, "named policies", "policies")?;
    if let Some(n) = name {
        lookup_name("policy", n)?;
    }
    Ok(())
}

/// `attach_policy`, `detach_policy`, `list_attached_policies` (pass `policy = None` for list).
pub(crate) fn policy_attachment(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    user: &str,
    policy: Option<&str>,
) -> Result<()> {
    lookup_name("instance", instance)?;
    lookup_name("user", user)?;
    need(
        caps.policy_attach,
        backend,
        "attaching policies to users",
        "policy_attach",
    )?;
    if let Some(p) = policy {
        lookup_name("policy", p)?;
    }
    Ok(())
}

/// `create_access_key`.
pub(crate) fn create_access_key(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    user: &str,
    req: &CreateAccessKey,
    now: OffsetDateTime,
) -> Result<()> {
    lookup_name("instance", instance)?;
    lookup_name("user", user)?;
    if let Some(n) = &req.name {
        need(
            caps.access_key_name,
            backend,
            "access key names",
            "access_key_name",
        )?;
        validate::access_key_name("access_key.name", n)?;
    }
    if let Some(d) = &req.description {
        need(
            caps.access_key_description,
            backend,
            "access key descriptions",
            "access_key_description",
        )?;
        validate::description("access_key.description", d)?;
    }
    if let Some(e) = req.expiration {
        need(
            caps.access_key_expiry,
            backend,
            "access key expiry",
            "access_key_expiry",
        )?;
        validate::expiration("access_key.expiration", e, now)?;
    }
    if let Some(p) = &req.session_policy {
        need(
            caps.access_key_session_policy,
            backend,
            "session policies on access keys",
            "access_key_session_policy",
        )?;
        validate::session_policy("access_key.session_policy", p)?;
    }
    Ok(())
}

/// `list_access_keys`, `get_access_key`, `delete_access_key` (pass `key = None` for list).
pub(crate) fn access_key_lookup(instance: &str, user: &str, key: Option<&str>) -> Result<()> {
    lookup_name("instance", instance)?;
    lookup_name("user", user)?;
    if let Some(k) = key {
        lookup_name("access_key", k)?;
    }
    Ok(())
}

/// `set_access_key_enabled`.
pub(crate) fn set_access_key_enabled(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    user: &str,
    key: &str,
) -> Result<()> {
    access_key_lookup(instance, user, Some(key))?;
    need(
        caps.access_key_disable,
        backend,
        "disabling single access keys",
        "access_key_disable",
    )
}

/// `rotate_access_key`.
pub(crate) fn rotate_access_key(
    caps: &Capabilities,
    backend: &'static str,
    instance: &str,
    user: &str,
    key: &str,
    req: &RotateAccessKey,
) -> Result<()> {
    access_key_lookup(instance, user, Some(key))?;
    if let Some(g) = req.grace {
        need(
            caps.access_key_rotation_grace,
            backend,
            "a grace period for rotated keys",
            "access_key_rotation_grace",
        )?;
        validate::grace("rotate.grace", g)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_names_backend_and_capability() {
        let caps = Capabilities::all()
            .with_overrides("bucket_object_lock=no")
            .unwrap();
        let e = create_bucket(
            &caps,
            "acme",
            "i1",
            &CreateBucket::new("b-1").object_lock(true),
        )
        .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Unsupported);
        assert!(
            e.message().contains("acme") && e.message().contains("bucket_object_lock"),
            "{e}"
        );
    }

    #[test]
    fn creation_only_refuses_updates() {
        let caps = Capabilities::all()
            .with_overrides("bucket_encryption=creation_only")
            .unwrap();
        create_bucket(
            &caps,
            "acme",
            "i1",
            &CreateBucket::new("b-1").encryption(Encryption::Aes256),
        )
        .unwrap();
        let e = update_bucket(
            &caps,
            "acme",
            "i1",
            "b-1",
            &UpdateBucket::new().encryption(Encryption::None),
        )
        .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Unsupported);
        assert!(e.message().contains("only at creation"), "{e}");
    }

    #[test]
    fn immutable_instance_fields() {
        let caps = Capabilities::all();
        let e =
            update_instance(&caps, "memory", "i1", &UpdateInstance::new().name("x")).unwrap_err();
        assert_eq!(e.field(), Some("instance.name"));
        let e = update_instance(
            &caps,
            "memory",
            "i1",
            &UpdateInstance::new().default_bucket("x"),
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("instance.default_bucket"));
    }

    #[test]
    fn lookups_refuse_impossible_names() {
        assert!(lookup_name("user", "").is_err());
        assert!(lookup_name("user", "a b").is_err());
        assert!(lookup_name("user", "a/b").is_err());
        lookup_name("user", "Legacy_User.1").unwrap();
    }
}
