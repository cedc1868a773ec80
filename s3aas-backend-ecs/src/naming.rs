//! How s3aas names what it makes on ECS, and how it recognises it again from ECS alone.
//!
//! An ECS cluster is shared: other tools, CloudStack zones and people make namespaces, object
//! users and buckets on it. s3aas touches only what these rules call its own:
//! - **instance** = a namespace that holds the instance's *service user* (below); a namespace
//!   without one is not an instance, whatever it holds;
//! - **users** = object users (or IAM users) whose id follows the user-name template; those
//!   s3aas made carry the tag [`MANAGED_TAG`], those it found (e.g. CloudStack's
//!   `cs-<account uuid>`) are *adopted*;
//! - **buckets** = buckets owned by the service user or by one of the instance's users.

use s3aas_core::{Error, ErrorKind, Result};

/// The user tag on every object user or IAM user s3aas made (hidden from [`User::tags`]).
///
/// [`User::tags`]: s3aas_core::model::User
pub const MANAGED_TAG: &str = "s3aas-managed";
/// The service user's tag naming the instance it marks.
pub(crate) const INSTANCE_TAG: &str = "s3aas-instance";
/// The service user's tag holding the instance's default versioning (`true`/`false`).
pub(crate) const VERSIONING_TAG: &str = "s3aas-versioning";
/// The service user's tag saying the namespace existed before s3aas used it (so s3aas never
/// deletes the namespace itself).
pub(crate) const ADOPTED_TAG: &str = "s3aas-adopted-namespace";

/// Characters ECS allows in an object user id besides letters and digits.
const ID_CHARS: &str = "-_.@";

/// A user-name template: `{user}` once, `{instance}` at most once, other characters literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template(String);

impl Template {
    /// Parses and checks a template (`ConfigInvalid` naming `option` when it is malformed).
    pub(crate) fn parse(option: &str, raw: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::new(
                ErrorKind::ConfigInvalid,
                format!("{option} '{raw}' {why} (example: 'cs-{{user}}')"),
            )
        };
        if raw.matches("{user}").count() != 1 {
            return Err(bad("must contain {user} exactly once"));
        }
        if raw.matches("{instance}").count() > 1 {
            return Err(bad("may contain {instance} at most once"));
        }
        let literal = raw.replace("{user}", "").replace("{instance}", "");
        if let Some(c) = literal
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || ID_CHARS.contains(*c)))
        {
            return Err(bad(&format!(
                "holds {c:?}; besides the placeholders only letters, digits and - _ . @ are allowed"
            )));
        }
        Ok(Template(raw.to_string()))
    }

    /// The ECS id of `user` in `instance`.
    pub(crate) fn render(&self, instance: &str, user: &str) -> String {
        self.0
            .replace("{instance}", instance)
            .replace("{user}", user)
    }

    /// The user name inside `id`, if `id` follows the template for `instance`.
    pub(crate) fn user_of<'a>(&self, instance: &str, id: &'a str) -> Option<&'a str> {
        let fixed = self.0.replace("{instance}", instance);
        let (pre, post) = fixed.split_once("{user}")?;
        let name = id.strip_prefix(pre)?.strip_suffix(post)?;
        (!name.is_empty() && s3aas_core::validate::user_name("user", name).is_ok()).then_some(name)
    }
}

/// The naming rules of one provider.
#[derive(Clone, Debug)]
pub(crate) struct Naming {
    /// Object users (ids are global on ECS, so the default holds the instance).
    pub(crate) object: Template,
    /// IAM users (names are per namespace).
    pub(crate) iam: Template,
    /// Prefix of the service user's id.
    prefix: String,
}

impl Naming {
    /// From the `user_prefix` and `user_name_template` options (at most one of them).
    pub(crate) fn new(prefix: &str, template: Option<&str>) -> Result<Self> {
        if prefix
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || ID_CHARS.contains(c)))
        {
            return Err(Error::new(
                ErrorKind::ConfigInvalid,
                "user_prefix may hold only letters, digits and - _ . @",
            ));
        }
        let (object, iam) = match template {
            Some(t) if !prefix.is_empty() => {
                return Err(Error::new(
                    ErrorKind::ConfigInvalid,
                    format!(
                        "give user_prefix ('{prefix}') or user_name_template ('{t}'), not both: put the prefix into the template"
                    ),
                ));
            }
            Some(t) => {
                let t = Template::parse("user_name_template", t)?;
                (t.clone(), t)
            }
            None => (
                Template(format!("{prefix}{{instance}}--{{user}}")),
                Template(format!("{prefix}{{user}}")),
            ),
        };
        Ok(Naming {
            object,
            iam,
            prefix: prefix.to_string(),
        })
    }

    /// The service user of instance `ns`: `<user_prefix>s3aas_<ns>`. No user name maps to it
    /// under the default template (instance names have no `_`); under a custom template a user
    /// that would is refused.
    pub(crate) fn service_user(&self, ns: &str) -> String {
        format!("{}s3aas_{ns}", self.prefix)
    }

    /// The user name behind object user `uid` of instance `ns` (never the service user).
    pub(crate) fn object_user_of<'a>(&self, ns: &str, uid: &'a str) -> Option<&'a str> {
        if uid == self.service_user(ns) {
            return None;
        }
        self.object.user_of(ns, uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_templates_round_trip() {
        let n = Naming::new("", None).unwrap();
        assert_eq!(n.object.render("acme", "alice"), "acme--alice");
        assert_eq!(n.object_user_of("acme", "acme--alice"), Some("alice"));
        assert_eq!(n.object_user_of("acme", "other--alice"), None);
        assert_eq!(n.object_user_of("acme", "acme--"), None);
        assert_eq!(n.object_user_of("acme", "s3aas_acme"), None);
        assert_eq!(n.iam.render("acme", "alice"), "alice");
        let p = Naming::new("cs-", None).unwrap();
        assert_eq!(p.object.render("acme", "bob"), "cs-acme--bob");
        assert_eq!(p.service_user("acme"), "cs-s3aas_acme");
    }

    #[test]
    fn cloudstack_template_finds_account_users() {
        let n = Naming::new("", Some("cs-{user}")).unwrap();
        let uuid = "0f3a9c2e-1b7d-4e8a-9f00-5d1c2b3a4e5f";
        assert_eq!(n.object.render("zone1", uuid), format!("cs-{uuid}"));
        assert_eq!(n.object_user_of("zone1", &format!("cs-{uuid}")), Some(uuid));
        assert_eq!(n.object_user_of("zone1", "someone-else"), None);
        let with_ns = Naming::new("", Some("{instance}.{user}")).unwrap();
        assert_eq!(with_ns.object_user_of("acme", "acme.alice"), Some("alice"));
        assert_eq!(with_ns.object_user_of("acme", "beta.alice"), None);
    }

    #[test]
    fn bad_templates_are_config_errors() {
        for t in [
            "cs-",
            "{user}{user}",
            "{instance}{instance}{user}",
            "cs/{user}",
        ] {
            let e = Naming::new("", Some(t)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ConfigInvalid, "{t}");
            assert!(e.to_string().contains("user_name_template"), "{e}");
        }
        assert_eq!(
            Naming::new("x-", Some("cs-{user}")).unwrap_err().kind(),
            ErrorKind::ConfigInvalid
        );
        assert_eq!(
            Naming::new("a/b", None).unwrap_err().kind(),
            ErrorKind::ConfigInvalid
        );
    }
}
