//! SigV4 signing of a typical admin request (add-user with a small JSON body).

#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{Criterion, criterion_group, criterion_main};
use s3aas::SecretString;
use s3aas::http::SigV4Signer;
use std::time::SystemTime;

fn sign(c: &mut Criterion) {
    let signer = SigV4Signer::new(
        "AKIAIOSFODNN7EXAMPLE",
        SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string()),
        "us-east-1",
    );
    let body = bytes::Bytes::from_static(
        br#"{"secretKey":"0123456789abcdef0123456789abcdef01234567","status":"enabled"}"#,
    );
    c.bench_function("sigv4/admin add-user (74 B body)", |b| {
        b.iter(|| {
            let mut req = http::Request::builder()
                .method("PUT")
                .uri("http://127.0.0.1:9000/rustfs/admin/v3/add-user?accessKey=acme--alice")
                .header("host", "127.0.0.1:9000")
                .header("content-type", "application/json")
                .body(body.clone())
                .unwrap();
            signer.sign(&mut req, SystemTime::now()).unwrap();
            req
        })
    });
}

criterion_group!(benches, sign);
criterion_main!(benches);
