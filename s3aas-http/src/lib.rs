//! # s3aas-http
//!
//! The HTTP plumbing every s3aas backend shares, so that transport behaviour is the same
//! everywhere:
//!
//! - [`HttpClient`]: one reqwest client (one connection pool) per provider; connect and
//!   per-attempt timeouts; TLS verification on by default, extra CA certificates, and an explicit
//!   [`HttpConfig::danger_accept_invalid_certs`] for lab systems; no redirect following.
//! - Retries with exponential backoff and full jitter, bounded by [`RetryConfig`], for idempotent
//!   calls on connection errors, timeouts, 5xx and 429 (honouring `Retry-After`). Every attempt
//!   is rebuilt and re-signed, so SigV4 dates and encrypted payloads are fresh.
//! - [`SigV4Signer`]: AWS SigV4 through `aws-sigv4` (service `s3`, configurable region,
//!   `x-amz-content-sha256` always sent).
//! - [`S3Client`]: the signed S3 calls for bucket features (create with object lock, versioning,
//!   default encryption, policy, tagging, listing, emptying), with S3 XML errors parsed into
//!   [`s3aas_core::Error`].
//! - [`IamClient`]: the AWS IAM query protocol (signed form-encoded `POST`,
//!   `Action=...&Version=2010-05-08`, XML answers, AWS IAM error XML), as SeaweedFS and Ceph RGW
//!   answer it on their S3 port.
//! - `tracing` spans per call (`backend`, `operation`) that never record secrets, bodies or
//!   authorization headers.

mod client;
mod config;
mod error_body;
pub mod iam;
pub mod s3;
mod sigv4;

pub use client::{HttpClient, Idempotency, Request, Response};
pub use config::{HttpConfig, RetryConfig, TlsConfig, parse_endpoint};
pub use error_body::ErrorBody;
pub use iam::IamClient;
pub use s3::S3Client;
pub use sigv4::SigV4Signer;
