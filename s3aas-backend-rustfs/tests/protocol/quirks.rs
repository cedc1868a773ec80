//! RustFS quirks the provider handles: quota warm-up, passing NoSuchBucket, keys made for someone else, group membership, SSE-S3 on a stock server.

use crate::*;

/// Bucket `b1` of `acme`: registered, with nothing configured (RustFS's "not configured"
/// answers).
pub(crate) async fn with_bucket(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/s3aas-system/v1/buckets/acme/b1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"created":"2026-11-23T07:00:00Z"})),
        )
        .mount(server)
        .await;
    let sub = |q: &'static str, resp: ResponseTemplate| {
        Mock::given(method("GET"))
            .and(path("/b1"))
            .and(query_param(q, ""))
            .respond_with(resp)
            .with_priority(5)
    };
    sub(
        "versioning",
        ResponseTemplate::new(200).set_body_string("<VersioningConfiguration/>"),
    )
    .mount(server)
    .await;
    sub(
        "encryption",
        xml_error(
            400,
            "ServerSideEncryptionConfigurationNotFoundError",
            "none",
        ),
    )
    .mount(server)
    .await;
    sub(
        "object-lock",
        xml_error(404, "ObjectLockConfigurationNotFoundError", "none"),
    )
    .mount(server)
    .await;
    sub("policy", xml_error(404, "NoSuchBucketPolicy", "none"))
        .mount(server)
        .await;
    sub("tagging", xml_error(404, "NoSuchTagSet", "none"))
        .mount(server)
        .await;
    // Lifecycle, CORS and replication as RustFS 1.0.1 answers them when not configured.
    sub(
        "lifecycle",
        xml_error(404, "NoSuchLifecycleConfiguration", "none"),
    )
    .mount(server)
    .await;
    sub("cors", xml_error(404, "NoSuchCORSConfiguration", "none"))
        .mount(server)
        .await;
    sub(
        "replication",
        xml_error(404, "ReplicationConfigurationNotFoundError", "none"),
    )
    .mount(server)
    .await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/bucket-durability/b1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"bucket":"b1","mode":null})))
        .with_priority(5)
        .mount(server)
        .await;
}

#[tokio::test]
async fn failed_quota_read_leaves_the_quota_unknown() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/get-bucket-quota"))
        .respond_with(xml_error(500, "InternalError", "quota subsystem not ready"))
        .mount(&server)
        .await;
    let b = provider(&server).get_bucket("acme", "b1").await.unwrap();
    assert_eq!(b.quota, None, "unknown, not 'no quota'");
    assert_eq!(b.versioning, Some(Versioning::Unversioned));
}

/// RustFS 1.0.1 refuses quotas with 503 for a few seconds after startup, and can deny a bucket
/// that exists with `NoSuchBucket` right after it answered HEAD: both are retried (bounded),
/// even with the transport's own retries off.
#[tokio::test]
async fn quota_503_and_passing_no_such_bucket_are_retried() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    with_bucket(&server).await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/set-bucket-quota"))
        .respond_with(xml_error(
            503,
            "ServiceUnavailable",
            "durable quota capability is not confirmed across the cluster",
        ))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/set-bucket-quota"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .with_priority(5)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/get-bucket-quota"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"quota": 1048576, "size": 1048576, "quotatype": "hard"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .and(query_param("versioning", ""))
        .respond_with(xml_error(
            404,
            "NoSuchBucket",
            "The specified bucket does not exist",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/b1"))
        .and(query_param("versioning", ""))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .with_priority(5)
        .mount(&server)
        .await;
    let b = provider(&server)
        .update_bucket(
            "acme",
            "b1",
            UpdateBucket::new()
                .versioning(true)
                .quota(Quota::hard(1 << 20)),
        )
        .await
        .unwrap();
    assert_eq!(b.quota, Some(Some(Quota::hard(1 << 20))));
}

#[tokio::test]
async fn a_key_made_for_someone_else_is_deleted_and_refused() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"enabled"})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/add-service-account"))
        .and(body_partial_json(json!({"targetUser":"acme--alice"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"credentials":{"accessKey":"ROOTKEY1","secretKey":"root-powered-secret-1234"}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/info-service-account"))
        .and(query_param("accessKey", "ROOTKEY1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"parentUser":"admin","accountStatus":"on","impliedPolicy":true}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/delete-service-account"))
        .and(query_param("accessKey", "ROOTKEY1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let e = provider(&server)
        .create_access_key("acme", "alice", CreateAccessKey::new())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Backend, "{e}");
    assert!(
        e.message().contains("instead of 'acme--alice'") && e.message().contains("deleted again"),
        "{e}"
    );
    let shown = format!("{e} {e:?}");
    assert!(
        !shown.contains("root-powered-secret"),
        "the secret never shows: {shown}"
    );
}

#[tokio::test]
async fn delete_user_keeps_the_user_when_leaving_the_group_fails() {
    let server = MockServer::start().await;
    with_instance(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"enabled"})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/update-group-members"))
        .and(body_partial_json(
            json!({"group":"s3aas-acme","members":["acme--alice"],"isRemove":true}),
        ))
        .respond_with(xml_error(500, "InternalError", "storage write failed"))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/remove-user"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let e = provider(&server)
        .delete_user("acme", "alice")
        .await
        .unwrap_err();
    assert_eq!(
        (e.http_status(), e.code(), e.request_id()),
        (Some(500), Some("InternalError"), Some("RID-500"))
    );
    assert!(
        e.message().contains("the user was kept") && e.message().contains("storage write failed"),
        "{e}"
    );
    // 404 (group or user already gone) is what leaving wants: the user is then removed.
    server.reset().await;
    with_instance(&server).await;
    Mock::given(method("GET"))
        .and(path("/rustfs/admin/v3/user-info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"enabled"})))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rustfs/admin/v3/update-group-members"))
        .respond_with(xml_error(
            404,
            "NoSuchResource",
            "group 's3aas-acme' does not exist",
        ))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rustfs/admin/v3/remove-user"))
        .and(query_param("accessKey", "acme--alice"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    provider(&server)
        .delete_user("acme", "alice")
        .await
        .unwrap();
}

/// A stock RustFS (no master key, no KMS) refuses SSE-S3 writes: the probe (a multipart upload,
/// aborted) finds out, and an encrypted instance is refused before its record or bucket exist.
#[tokio::test]
async fn encryption_on_a_stock_server_is_refused_before_anything_is_written() {
    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .and(path("/s3aas-system"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/s3aas-system/v1/instances/acme"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/s3aas-system/.s3aas/probe/sse-s3"))
        .and(query_param("uploads", ""))
        .respond_with(xml_error(
            400,
            "InvalidRequest",
            "SSE-S3 requires RUSTFS_SSE_S3_MASTER_KEY to be set to a base64-encoded 32-byte key when KMS is not configured",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let p = provider(&server);
    assert_eq!(
        p.capabilities().bucket_encryption,
        Support::Yes,
        "not probed yet"
    );
    for _ in 0..2 {
        let e = p
            .create_instance(
                CreateInstance::new("acme")
                    .default_bucket("acme-data")
                    .encryption(Encryption::Aes256),
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
        assert_eq!(
            (e.http_status(), e.code()),
            (Some(400), Some("InvalidRequest"))
        );
        assert_eq!(e.request_id(), Some("RID-400"));
        assert!(
            e.message().contains("capability `instance_encryption`"),
            "{e}"
        );
        assert!(
            e.message()
                .contains("start RustFS with RUSTFS_SSE_S3_MASTER_KEY"),
            "{e}"
        );
    }
    assert_eq!(p.capabilities().bucket_encryption, Support::No);
    assert_eq!(p.capabilities().instance_encryption, Support::No);
    let reqs = server.received_requests().await.unwrap();
    assert!(
        reqs.iter().all(|r| r.method.as_str() != "PUT"),
        "nothing written: {:?}",
        reqs.iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect::<Vec<_>>()
    );
}

/// The probe's upload is aborted whatever it says; a server that accepts the upload without
/// confirming encryption does not count as serving SSE-S3.
#[tokio::test]
async fn sse_probe_aborts_its_upload_and_needs_the_encryption_header() {
    for confirmed in [true, false] {
        let server = MockServer::start().await;
        Mock::given(method("HEAD"))
            .and(path("/s3aas-system"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let mut init = ResponseTemplate::new(200).set_body_string(
            "<InitiateMultipartUploadResult><Bucket>s3aas-system</Bucket><Key>.s3aas/probe/sse-s3</Key><UploadId>UP-1</UploadId></InitiateMultipartUploadResult>",
        );
        if confirmed {
            init = init.insert_header("x-amz-server-side-encryption", "AES256");
        }
        Mock::given(method("POST"))
            .and(path("/s3aas-system/.s3aas/probe/sse-s3"))
            .and(query_param("uploads", ""))
            .and(wiremock::matchers::header(
                "x-amz-server-side-encryption",
                "AES256",
            ))
            .respond_with(init)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path("/s3aas-system/.s3aas/probe/sse-s3"))
            .and(query_param("uploadId", "UP-1"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
        let caps = provider(&server).probe_capabilities().await.unwrap();
        let want = if confirmed { Support::Yes } else { Support::No };
        assert_eq!(
            (caps.bucket_encryption, caps.instance_encryption),
            (want, want)
        );
    }
}
