//! The admin API's error answers.

use s3aas_core::{Error, ErrorKind};
use s3aas_http::Response;

/// The [`ErrorKind`] of a MinIO admin error code at a status, when the code decides it.
pub fn kind_for_code(code: &str, status: u16) -> Option<ErrorKind> {
    Some(match code {
        "XMinioAdminNoSuchUser"
        | "XMinioAdminNoSuchPolicy"
        | "XMinioAdminNoSuchGroup"
        | "XMinioAdminNoSuchAccessKey"
        | "XMinioAdminNoSuchQuotaConfiguration"
        | "NoSuchBucket" => ErrorKind::NotFound,
        "XMinioInvalidIAMCredentials" if status == 404 => ErrorKind::NotFound,
        "XMinioInvalidIAMCredentials" => ErrorKind::PermissionDenied,
        "XMinioAdminGroupNotEmpty"
        | "XMinioIAMPolicyInUse"
        | "XMinioAdminPolicyChangeAlreadyApplied" => ErrorKind::Conflict,
        "XMinioMalformedIAMPolicy"
        | "MalformedPolicy"
        | "PolicyInvalidName"
        | "XMinioInvalidResource"
        | "XMinioAdminConfigBadJSON"
        | "XMinioAdminInvalidAccessKey"
        | "XMinioAdminInvalidSecretKey"
        | "XMinioAdminInvalidArgument"
        | "XMinioAdminConfigTooLarge"
        | "XMinioIAMServiceAccountSessionPolicyTooLarge"
        | "EntityTooLarge" => ErrorKind::InvalidInput,
        "XMinioIAMActionNotAllowed" => ErrorKind::PermissionDenied,
        "XMinioAdminVersionMismatch" => ErrorKind::Unsupported,
        "XMinioServerNotInitialized" | "XMinioIAMNotInitialized" | "XMinioAdminConfigNoQuorum" => {
            ErrorKind::Unavailable
        }
        other => return s3aas_http::s3::kind_for_s3_code(other),
    })
}

/// The admin API's error answer as an [`Error`], keeping status, code, message and request id.
pub(crate) fn error(op: &'static str, resp: &Response) -> Error {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct J {
        code: Option<String>,
        message: Option<String>,
        request_id: Option<String>,
    }
    let Ok(j) = serde_json::from_slice::<J>(&resp.body) else {
        let e = s3aas_http::s3::s3_error(crate::SCHEME, op, resp);
        // RustFS's `/minio/admin` alias answers "policy in use" as 500 InternalError (XML).
        if resp.status == 500 && e.message().to_ascii_lowercase().contains("in use") {
            return e.with_kind(ErrorKind::Conflict);
        }
        return e;
    };
    let code = j.code.unwrap_or_default();
    let kind = kind_for_code(&code, resp.status)
        .unwrap_or_else(|| s3aas_core::error::kind_for_status(resp.status));
    s3aas_http::ErrorBody {
        code: Some(code),
        message: j.message.unwrap_or_default(),
        request_id: j.request_id,
        retryable: None,
    }
    .into_error(kind, crate::SCHEME, op, resp)
}
