//! # s3aas-fakes: what s3aas's own tests run against
//!
//! The server simulators, fakes and launchers the s3aas tests use. This is test support, not a
//! contract (the contract is the conformance suite in `s3aas-testkit`), and it is not published.
//!
//! - [`s3`]: an in-memory S3 server (buckets, versioning, default encryption, object lock,
//!   policy, tagging, objects and versions, listing), with S3 XML errors.
//! - [`minio`]: a MinIO server: the S3 part plus the `/minio/admin/v3` API, following
//!   `minio-admin.md` (paths, query parameters, madmin-encrypted bodies keyed on the caller's
//!   secret, status codes, JSON error bodies).
//! - [`ecs`]: a Dell ECS simulator (Management REST API, IAM and S3 on two local servers).
//! - [`rustfs`] and [`rustfs_cluster`]: start a real RustFS server, or a four-node cluster, on
//!   loopback; [`ceph`] a real single-node Ceph cluster with one RADOS Gateway; [`seaweedfs`] a
//!   real SeaweedFS (`weed mini`).
//! - [`fault_proxy`]: a fault-injecting TCP proxy for HTTP/1.1.
//! - [`proof`]: bounded polling for proofs of an effect through S3.
//! - [`logs`]: capturing `tracing` output, to prove no secret is logged.
//! - [`python`] and [`repo`]: independent Python clients installed by the repository's scripts.
//!
//! The fakes are built on `wiremock`. Each checks the SigV4 signature of every signed request
//! against the secret of the credential it names, so a signing bug fails here too.

pub mod ceph;
pub mod ecs;
pub mod fault_proxy;
pub mod logs;
pub mod minio;
pub mod proof;
pub mod python;
pub mod repo;
pub mod rustfs;
pub mod rustfs_cluster;
pub mod s3;
pub mod seaweedfs;
mod sigv4;

/// Transport settings for fault tests: `timeout` per request and three attempts with millisecond
/// backoff, so retries and timeouts are exercised without slowing the suite.
pub fn fault_test_http(timeout: std::time::Duration) -> s3aas_http::HttpConfig {
    s3aas_http::HttpConfig::new()
        .request_timeout(timeout)
        .retry(
            s3aas_http::RetryConfig::default()
                .max_attempts(3)
                .initial_backoff(std::time::Duration::from_millis(5))
                .max_backoff(std::time::Duration::from_millis(20)),
        )
}
