//! AWS Signature Version 4 signing (through `aws-sigv4`), for admin APIs and S3.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use s3aas_core::{Error, ErrorKind, Result};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::time::SystemTime;

/// Signs requests with one credential. `Debug` shows the access key id, never the secret.
#[derive(Clone)]
pub struct SigV4Signer {
    access_key: String,
    secret_key: SecretString,
    region: String,
    service: String,
    identity: Identity,
}

impl fmt::Debug for SigV4Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigV4Signer")
            .field("access_key", &self.access_key)
            .field("secret_key", &"[REDACTED]")
            .field("region", &self.region)
            .field("service", &self.service)
            .finish()
    }
}

impl SigV4Signer {
    /// A signer for service `s3` in `region`.
    pub fn new(
        access_key: impl Into<String>,
        secret_key: SecretString,
        region: impl Into<String>,
    ) -> Self {
        let access_key = access_key.into();
        let identity =
            Credentials::new(&access_key, secret_key.expose_secret(), None, None, "s3aas").into();
        SigV4Signer {
            access_key,
            secret_key,
            region: region.into(),
            service: "s3".to_string(),
            identity,
        }
    }

    /// The same credential signing for another service (e.g. `iam` for the AWS IAM query API).
    pub fn with_service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    /// The service signed for (`s3` unless [`SigV4Signer::with_service`] changed it).
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The access key id.
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// The secret (the madmin payload codec keys on it).
    pub fn secret_key(&self) -> &SecretString {
        &self.secret_key
    }

    /// The region signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Adds `x-amz-date`, `x-amz-content-sha256` (SHA-256 of the body) and `authorization` to a
    /// request, signing every header already present. S3 rules: the path is encoded once and not
    /// normalised.
    pub fn sign(&self, req: &mut http::Request<bytes::Bytes>, time: SystemTime) -> Result<()> {
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name(&self.service)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::ConfigInvalid,
                    format!("cannot build signing parameters: {e}"),
                )
            })?
            .into();
        let uri = req.uri().to_string();
        let headers: Vec<(&str, &str)> = req
            .headers()
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v)))
            .collect();
        let signable = SignableRequest::new(
            req.method().as_str(),
            &uri,
            headers.into_iter(),
            SignableBody::Bytes(req.body()),
        )
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("request cannot be signed: {e}"),
            )
        })?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!("request cannot be signed: {e}"),
                )
            })?
            .into_parts();
        instructions.apply_to_request_http1x(req);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn signs_with_content_hash_and_never_debugs_the_secret() {
        let s = SigV4Signer::new(
            "AKIDEXAMPLE",
            SecretString::from("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_string()),
            "us-east-1",
        );
        assert!(!format!("{s:?}").contains("wJalr"));
        let mut req = http::Request::builder()
            .method("PUT")
            .uri("http://127.0.0.1:9000/rustfs/admin/v3/add-user?accessKey=alice")
            .header("host", "127.0.0.1:9000")
            .body(bytes::Bytes::from_static(b"{}"))
            .unwrap();
        s.sign(&mut req, UNIX_EPOCH + Duration::from_secs(1_700_000_000))
            .unwrap();
        let h = req.headers();
        assert_eq!(
            h["x-amz-content-sha256"],
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(h["x-amz-date"], "20231114T221320Z");
        let auth = h["authorization"].to_str().unwrap();
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/s3/aws4_request"
            ),
            "{auth}"
        );
        assert!(
            auth.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date"),
            "{auth}"
        );
        // Same inputs, same signature: signing is deterministic for a fixed time.
        let mut again = http::Request::builder()
            .method("PUT")
            .uri("http://127.0.0.1:9000/rustfs/admin/v3/add-user?accessKey=alice")
            .header("host", "127.0.0.1:9000")
            .body(bytes::Bytes::from_static(b"{}"))
            .unwrap();
        s.sign(&mut again, UNIX_EPOCH + Duration::from_secs(1_700_000_000))
            .unwrap();
        assert_eq!(again.headers()["authorization"], h["authorization"]);
    }
}
