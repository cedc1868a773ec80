//! SigV4 checks shared by the fakes: each verifies the signature of every signed request against
//! the secret of the credential it names, so a signing bug fails there too.

use wiremock::Request;

/// The access key named in a SigV4 `Authorization` header.
pub(crate) fn access_key_of(req: &Request) -> Option<String> {
    let auth = req.headers.get("authorization")?.to_str().ok()?;
    let cred = auth.split("Credential=").nth(1)?;
    Some(cred.split('/').next()?.to_string())
}

/// Re-signs the request with `secret` at its own `x-amz-date` and compares signatures.
pub(crate) fn signature_ok(req: &Request, access_key: &str, secret: &str) -> bool {
    let Some(auth) = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(date) = req.headers.get("x-amz-date").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Ok(t) = time::PrimitiveDateTime::parse(
        date,
        time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
    ) else {
        return false;
    };
    let region = auth
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split('/').nth(2))
        .unwrap_or("us-east-1")
        .to_string();
    let signed: Vec<&str> = auth
        .split("SignedHeaders=")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .map(|s| s.split(';').collect())
        .unwrap_or_default();
    let mut b = http::Request::builder()
        .method(req.method.as_str())
        .uri(req.url.as_str());
    for name in &signed {
        if *name == "x-amz-date" || *name == "x-amz-content-sha256" {
            continue;
        }
        if let Some(v) = req.headers.get(*name) {
            b = b.header(*name, v.as_bytes());
        }
    }
    let Ok(mut hreq) = b.body(bytes::Bytes::from(req.body.clone())) else {
        return false;
    };
    let signer = s3aas_http::SigV4Signer::new(
        access_key,
        s3aas_core::SecretString::from(secret.to_string()),
        region,
    );
    if signer.sign(&mut hreq, t.assume_utc().into()).is_err() {
        return false;
    }
    let mine = hreq
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let sig = |a: &str| a.split("Signature=").nth(1).map(str::to_string);
    sig(mine).is_some() && sig(mine) == sig(auth)
}
