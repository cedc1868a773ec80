//! How instances, users and policies are named on SeaweedFS, and the reserved tags the backend
//! keeps its state in. SeaweedFS has no tenants: everything lives in one IAM namespace and one
//! bucket namespace, so each name carries its instance and each bucket carries a tag.

use crate::provider::*;

/// Separates the instance from the name in IAM user and policy names. Instance names cannot
/// contain it (see [`s3aas_core::validate::instance_name`]), so the split is unambiguous.
pub(crate) const SEP: &str = "--";

/// The instance name that is refused: its user prefix (`s3aas--`) is the marker users' prefix.
pub(crate) const RESERVED_INSTANCE: &str = "s3aas";

/// Bucket tag naming the instance a bucket belongs to (hidden from [`Bucket::tags`]).
pub(crate) const TAG_INSTANCE: &str = "s3aas:instance";

/// User tag mirroring the user's status: SeaweedFS enforces `SetUserStatus` but does not report
/// it back (`GetUser` has no status), so the backend writes it here after the status call.
pub(crate) const TAG_DISABLED: &str = "s3aas:disabled";

/// Marker-user tags holding an instance's settings.
pub(crate) const TAG_DEFAULT_BUCKET: &str = "s3aas:default-bucket";
pub(crate) const TAG_VERSIONING: &str = "s3aas:versioning";
pub(crate) const TAG_ENCRYPTION: &str = "s3aas:encryption";
pub(crate) const TAG_CREATED: &str = "s3aas:created";

/// Whether a tag key is one the backend keeps for itself.
pub(crate) fn is_reserved_tag(key: &str) -> bool {
    key.starts_with("s3aas:")
}

/// The IAM user that marks instance `id` (no keys, no policies; its tags hold the settings).
pub(crate) fn marker_user(id: &str) -> String {
    format!("{RESERVED_INSTANCE}{SEP}{id}")
}

/// The instance a marker user stands for.
pub(crate) fn instance_of_marker(iam_name: &str) -> Option<&str> {
    iam_name
        .strip_prefix(RESERVED_INSTANCE)?
        .strip_prefix(SEP)
        .filter(|id| s3aas_core::validate::instance_name("instance", id).is_ok())
}

/// The IAM name of user or policy `name` of instance `instance`.
pub(crate) fn scoped(instance: &str, name: &str) -> String {
    format!("{instance}{SEP}{name}")
}

/// The name within `instance` of an IAM user or policy name, when it belongs to it.
pub(crate) fn unscoped<'a>(instance: &str, iam_name: &'a str) -> Option<&'a str> {
    iam_name
        .strip_prefix(instance)?
        .strip_prefix(SEP)
        .filter(|n| !n.is_empty())
}

/// The ARN SeaweedFS gives a managed policy (it reads the name after `policy/`).
pub(crate) fn policy_arn(iam_name: &str) -> String {
    format!("arn:aws:iam:::policy/{iam_name}")
}

/// Refuses the reserved instance name before any call.
pub(crate) fn check_instance_name(id: &str) -> Result<()> {
    if id == RESERVED_INSTANCE {
        return Err(Error::invalid_input(
            "instance.name",
            format!(
                "'{RESERVED_INSTANCE}' is reserved on SeaweedFS (its users' prefix marks instances)"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_do_not_collide() {
        assert_eq!(marker_user("acme"), "s3aas--acme");
        assert_eq!(instance_of_marker("s3aas--acme"), Some("acme"));
        assert_eq!(instance_of_marker("s3aas-x--acme"), None);
        assert_eq!(instance_of_marker("s3aas--Bad_Name"), None);
        assert_eq!(scoped("acme", "alice"), "acme--alice");
        assert_eq!(unscoped("acme", "acme--alice"), Some("alice"));
        assert_eq!(unscoped("acme", "acme2--alice"), None);
        assert_eq!(unscoped("acme", "acme--"), None);
        // A user of instance `s3aas-x` is not a marker, and a marker is no user of `s3aas`,
        // which cannot exist.
        assert_eq!(unscoped("s3aas-x", "s3aas--acme"), None);
        assert!(check_instance_name("s3aas").is_err());
        assert!(check_instance_name("s3aas-x").is_ok());
        assert_eq!(policy_arn("acme--rw"), "arn:aws:iam:::policy/acme--rw");
        assert!(is_reserved_tag(TAG_INSTANCE) && !is_reserved_tag("team"));
    }
}
