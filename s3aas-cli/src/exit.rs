//! Exit codes, by error kind, so that a script can tell "not there" from "refused" from "try
//! again" without reading the message.

use s3aas::{Error, ErrorKind};

/// Every exit code the command line uses, with its meaning, in the order `--help` lists them.
pub(crate) const TABLE: &[(u8, &str)] = &[
    (0, "success (for plan and drift: nothing to change)"),
    (
        1,
        "the backend failed or answered something unexpected (backend)",
    ),
    (
        2,
        "the command line is wrong (unknown flag, missing argument)",
    ),
    (
        3,
        "the configuration is invalid or incomplete (config_invalid)",
    ),
    (
        4,
        "the input is invalid: a name, a policy, a limit (invalid_input)",
    ),
    (5, "the resource does not exist (not_found)"),
    (6, "the resource already exists (already_exists)"),
    (
        7,
        "the resource's state forbids it: a non-empty bucket, an attached policy (conflict, bucket_not_empty)",
    ),
    (8, "the backend cannot do this (unsupported)"),
    (
        9,
        "the credentials were refused or lack the right (unauthenticated, permission_denied)",
    ),
    (
        10,
        "transient (unavailable, timeout, throttled): retrying later may work",
    ),
    (
        11,
        "partial: a multi-step change stopped part-way; the message says what was left",
    ),
    (
        12,
        "plan or drift with --exit-code: there are changes to make",
    ),
];

/// The exit code of a command line mistake (clap's own).
pub(crate) const USAGE: u8 = 2;
/// The exit code of `plan`/`drift --exit-code` when something differs.
pub(crate) const CHANGES: u8 = 12;

/// The exit code for an error.
pub(crate) fn code(e: &Error) -> u8 {
    match e.kind() {
        ErrorKind::ConfigInvalid => 3,
        ErrorKind::InvalidInput => 4,
        ErrorKind::NotFound => 5,
        ErrorKind::AlreadyExists => 6,
        ErrorKind::Conflict | ErrorKind::BucketNotEmpty => 7,
        ErrorKind::Unsupported => 8,
        ErrorKind::Unauthenticated | ErrorKind::PermissionDenied => 9,
        ErrorKind::Unavailable | ErrorKind::Timeout | ErrorKind::Throttled => 10,
        ErrorKind::Partial => 11,
        // `Backend`, and any kind a later version adds.
        _ => 1,
    }
}

/// The `--help` paragraph listing the codes.
pub(crate) fn help() -> String {
    let mut s = String::from("Exit codes:\n");
    for (code, meaning) in TABLE {
        s.push_str(&format!("  {code:>2}  {meaning}\n"));
    }
    s
}

/// The one line an error prints on stderr: `error: <kind> at <backend>.<op> ...: HTTP <status>
/// <code>: <message> (request id <id>)`, the library's own `Display`, on one line whatever the
/// backend's message held.
pub(crate) fn line(e: &Error) -> String {
    let text = e.to_string();
    let one: Vec<&str> = text.split_whitespace().collect();
    format!("error: {}", one.join(" "))
}

/// The same error (kind, backend, operation, resource, HTTP status, code, request id) with
/// another message: a summary of a bulk or multi-tenant command around its first failure.
pub(crate) fn restate(e: &Error, message: String) -> Error {
    let mut out = Error::new(e.kind(), message);
    if let Some(b) = e.backend() {
        out = out.with_backend(b);
    }
    if let Some(o) = e.operation() {
        out = out.with_operation(o);
    }
    if let Some((kind, name)) = e.resource() {
        out = out.with_resource(kind, name);
    }
    if let Some(s) = e.http_status() {
        out = out.with_http_status(s);
    }
    if let Some(c) = e.code() {
        out = out.with_code(c);
    }
    if let Some(r) = e.request_id() {
        out = out.with_request_id(r);
    }
    out
}

/// An error as JSON (in `--output json` reports of bulk and apply): the same parts as the
/// line, as fields.
pub(crate) fn json(e: &Error) -> serde_json::Value {
    serde_json::json!({
        "kind": e.kind().as_str(),
        "message": e.message(),
        "backend": e.backend(),
        "operation": e.operation(),
        "http_status": e.http_status(),
        "code": e.code(),
        "request_id": e.request_id(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_documented_code() {
        let kinds = [
            ErrorKind::NotFound,
            ErrorKind::AlreadyExists,
            ErrorKind::BucketNotEmpty,
            ErrorKind::InvalidInput,
            ErrorKind::ConfigInvalid,
            ErrorKind::Unsupported,
            ErrorKind::PermissionDenied,
            ErrorKind::Unauthenticated,
            ErrorKind::Conflict,
            ErrorKind::Throttled,
            ErrorKind::Unavailable,
            ErrorKind::Timeout,
            ErrorKind::Backend,
            ErrorKind::Partial,
        ];
        for k in kinds {
            let c = code(&Error::new(k, "x"));
            assert!(c != 0 && c != USAGE && c != CHANGES, "{k:?} -> {c}");
            let (_, meaning) = TABLE.iter().find(|(n, _)| *n == c).expect("documented");
            assert!(meaning.contains(k.as_str()), "{k:?}: {meaning}");
        }
    }

    #[test]
    fn the_readme_lists_every_code() {
        let readme = include_str!("../README.md");
        for (code, _) in TABLE {
            assert!(
                readme.contains(&format!("\n| {code} | ")),
                "README lacks code {code}"
            );
        }
    }

    #[test]
    fn the_line_keeps_code_and_request_id_on_one_line() {
        let e = Error::new(ErrorKind::NotFound, "The specified user\ndoes not exist")
            .with_backend("rustfs")
            .with_operation("get_user")
            .with_http_status(404)
            .with_code("NoSuchUser")
            .with_request_id("18A1");
        let l = line(&e);
        assert!(!l.contains('\n'), "{l}");
        assert!(l.starts_with("error: not_found at rustfs.get_user"), "{l}");
        assert!(
            l.contains("NoSuchUser") && l.contains("request id 18A1"),
            "{l}"
        );
    }
}
