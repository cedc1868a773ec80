//! S3 calls signed as the bucket's owner.
//!
//! ECS takes a signed S3 request's namespace from the user who signs it, and lets only the
//! bucket's owner (or a user a bucket policy grants) reconfigure the bucket. So s3aas signs
//! each bucket's S3 calls (versioning, lifecycle, CORS, default retention, emptiness) with its owner's secret key: the instance's
//! service user for the buckets s3aas makes, the user for buckets made with an owner. When ECS
//! hides secret keys, a temporary key is made for the call and deleted after it.

use crate::provider::*;

/// An S3 client signing as a bucket's owner, and the temporary key to delete after use.
pub(crate) struct OwnerS3 {
    pub(crate) client: S3Client,
    temp: Option<(String, SlotKey)>,
}

impl EcsProvider {
    /// An S3 client signing as the owner of bucket `info`. With `temporary`, a key is made
    /// for the purpose when none of the owner's secrets can be read (release it with
    /// [`release_owner_s3`](Self::release_owner_s3)); without, that case is `Unsupported`.
    pub(crate) async fn owner_s3(
        &self,
        ns: &str,
        info: &BucketInfo,
        temporary: bool,
        op: &'static str,
    ) -> Result<OwnerS3> {
        let Some(endpoint) = &self.s3_endpoint else {
            return Err(ctx(
                Error::unsupported(
                    "the ecs backend sets versioning, lifecycle, CORS and retention through the S3 API and no S3 endpoint is configured (s3_endpoint)",
                ),
                op,
            ));
        };
        let owner = info
            .owner
            .clone()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| {
                ctx(
                    Error::unsupported(format!(
                        "bucket '{}' has no owner object user, and ECS lets only a bucket's owner configure it through S3",
                        info.name
                    )),
                    op,
                )
            })?;
        let client = |ak: &str, secret: String| {
            S3Client::new(
                SCHEME,
                self.http.clone(),
                endpoint.clone(),
                SigV4Signer::new(ak, SecretString::from(secret), &self.region),
            )
        };
        let now = OffsetDateTime::now_utc();
        let readable = self
            .secret_keys(&owner, ns, op)
            .await?
            .into_iter()
            .filter(|k| k.expires.is_none_or(|e| e > now))
            .find_map(|k| k.secret);
        if let Some(secret) = readable {
            return Ok(OwnerS3 {
                client: client(&owner, secret),
                temp: None,
            });
        }
        if !temporary {
            return Err(ctx(
                Error::unsupported(format!(
                    "ECS shows no secret key of '{owner}', the owner of bucket '{}'",
                    info.name
                )),
                op,
            ));
        }
        // Hidden secret keys: make one for this call (ECS allows two per user).
        let resp = self
            .send(Call::post(
                op,
                format!("/object/user-secret-keys/{owner}"),
                json!({"namespace": ns}),
            ))
            .await?;
        if !resp.is_success() {
            let e = self.fail(op, &resp, None);
            let msg = format!(
                "bucket '{}' is configured through S3 signed by its owner '{owner}', whose secret keys ECS hides; making a temporary key failed: {}",
                info.name,
                e.message()
            );
            return Err(e.with_message(msg));
        }
        let k: wire::NewSecretKey = decode("new secret key", &resp.body).map_err(|e| ctx(e, op))?;
        let slot = SlotKey {
            id: k.id(),
            secret: Some(k.secret_key.clone()),
            server_id: k.secret_key_id.is_some(),
            created: None,
            expires: None,
        };
        Ok(OwnerS3 {
            client: client(&owner, k.secret_key),
            temp: Some((owner, slot)),
        })
    }

    /// Deletes the temporary key of `o`, if one was made; `Partial` (after `result` succeeded)
    /// naming the key when that fails.
    pub(crate) async fn release_owner_s3<T>(
        &self,
        ns: &str,
        o: OwnerS3,
        result: Result<T>,
        op: &'static str,
    ) -> Result<T> {
        let Some((owner, key)) = o.temp else {
            return result;
        };
        match (self.delete_key(ns, &owner, &key, op).await, result) {
            (Ok(()), r) => r,
            (Err(_), Err(e)) => Err(e),
            (Err(d), Ok(_)) => Err(ctx(
                Error::new(
                    ErrorKind::Partial,
                    format!(
                        "the S3 call succeeded, but deleting the temporary secret key {} of '{owner}' failed: {}; delete it with delete_access_key",
                        key.id,
                        d.message()
                    ),
                ),
                op,
            )),
        }
    }
}
