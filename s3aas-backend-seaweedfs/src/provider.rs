//! [`SeaweedfsProvider`]: the clients it holds and the provider-wide operations (backend name,
//! capabilities, health). The resource operations live in their own files.

pub(crate) use async_trait::async_trait;
pub(crate) use s3aas_core::model::*;
pub(crate) use s3aas_core::provider::*;
pub(crate) use s3aas_core::{
    Capabilities, Error, ErrorKind, Policy, PolicyDocument, PutPolicy, ResourceKind, Result,
    SecretString,
};
pub(crate) use s3aas_http::{IamClient, S3Client, SigV4Signer};
pub(crate) use time::OffsetDateTime;
pub(crate) use url::Url;

pub(crate) use crate::naming::*;
pub(crate) use crate::wire::Iam;

/// A provider for one SeaweedFS S3 gateway, signing as an identity with the `Admin` action
/// (IAM calls and every bucket call go to the same S3 port).
pub struct SeaweedfsProvider {
    pub(crate) iam: Iam,
    pub(crate) s3: S3Client,
    pub(crate) region: String,
    pub(crate) public_endpoint: Url,
    pub(crate) caps: Capabilities,
}

impl std::fmt::Debug for SeaweedfsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeaweedfsProvider")
            .field("endpoint", &self.s3.endpoint().as_str())
            .field("region", &self.region)
            .field("public_endpoint", &self.public_endpoint.as_str())
            .finish_non_exhaustive()
    }
}

impl SeaweedfsProvider {
    /// An S3 client for the same server signing with another credential (e.g. a tenant's key),
    /// sharing this provider's connection pool.
    pub fn s3_client_for(&self, access_key: &str, secret_key: SecretString) -> S3Client {
        self.s3
            .with_signer(SigV4Signer::new(access_key, secret_key, &self.region))
    }

    /// The S3 client signing as the admin identity.
    pub fn admin_s3(&self) -> &S3Client {
        &self.s3
    }
}

/// Adds this backend's name and the operation to an error.
pub(crate) fn ctx(e: Error, op: &'static str) -> Error {
    let e = if e.backend().is_none() {
        e.with_backend(crate::SCHEME)
    } else {
        e
    };
    if e.operation().is_none() {
        e.with_operation(op)
    } else {
        e
    }
}

#[async_trait]
impl ObjectStoreProvider for SeaweedfsProvider {
    fn backend(&self) -> &'static str {
        crate::SCHEME
    }

    fn capabilities(&self) -> Capabilities {
        self.caps
    }

    async fn health(&self) -> Result<Health> {
        // `GetUser` without a name answers for the signing identity: it proves both that the
        // gateway answers and that the admin credential is valid and may use IAM.
        match self.iam.get_user(None).await {
            Ok(_) => Ok(Health::new(true, None, None)),
            Err(e) => Ok(Health::failed(&e)),
        }
    }
}
