//! One admin call end to end against a local RustFS server: through the SDK (request building,
//! SigV4, the retrying transport, tracing spans, error mapping, JSON decoding) versus a bare
//! signed reqwest call to the same endpoint decoded the same way. The difference is the SDK's own
//! overhead. Also the trait-level `get_user` (one `user-info`: the user answering proves its
//! instance, so there is no registry lookup).
//!
//! Needs the RustFS binary (scripts/install-rustfs.sh); prints why it was skipped otherwise.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{Criterion, criterion_group, criterion_main};
use s3aas::SecretString;
use s3aas::http::SigV4Signer;
use s3aas::prelude::*;
use s3aas::rustfs::RustfsProvider;
use s3aas_fakes::rustfs::RustfsServer;
use std::time::SystemTime;

fn e2e(c: &mut Criterion) {
    let Some(server) = RustfsServer::start_or_skip("the end-to-end benchmark") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let p = RustfsProvider::builder(
        &server.endpoint,
        &server.access_key,
        SecretString::from(server.secret_key.clone()),
    )
    .build()
    .unwrap();
    rt.block_on(async {
        p.create_instance(CreateInstance::new("bench"))
            .await
            .unwrap();
        p.create_user("bench", CreateUser::new("alice"))
            .await
            .unwrap();
    });
    let query = [("accessKey", "bench--alice")];

    let mut g = c.benchmark_group("e2e/rustfs user-info");
    g.bench_function("s3aas admin call", |b| {
        b.to_async(&rt).iter(|| async {
            let r = p
                .admin_raw(http::Method::GET, "user-info", &query, None)
                .await
                .unwrap();
            assert_eq!(r.status, 200);
            serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()
        })
    });

    let client = reqwest::Client::builder().build().unwrap();
    let signer = SigV4Signer::new(
        server.access_key.clone(),
        SecretString::from(server.secret_key.clone()),
        "us-east-1",
    );
    let url = format!(
        "{}/rustfs/admin/v3/user-info?accessKey=bench--alice",
        server.endpoint
    );
    let host = url::Url::parse(&url).unwrap();
    let host = format!("{}:{}", host.host_str().unwrap(), host.port().unwrap());
    g.bench_function("bare signed reqwest", |b| {
        b.to_async(&rt).iter(|| async {
            let mut req = http::Request::builder()
                .method("GET")
                .uri(&url)
                .header("host", &host)
                .body(bytes::Bytes::new())
                .unwrap();
            signer.sign(&mut req, SystemTime::now()).unwrap();
            let (parts, _) = req.into_parts();
            let mut rb = client.get(&url);
            for (k, v) in &parts.headers {
                if k != http::header::HOST {
                    rb = rb.header(k, v);
                }
            }
            let resp = rb.send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 200);
            let body = resp.bytes().await.unwrap();
            serde_json::from_slice::<serde_json::Value>(&body).unwrap()
        })
    });
    g.bench_function("s3aas get_user (one user-info)", |b| {
        b.to_async(&rt)
            .iter(|| async { p.get_user("bench", "alice").await.unwrap() })
    });
    g.finish();
    rt.block_on(async {
        p.delete_instance("bench", DeleteInstance::new())
            .await
            .unwrap();
    });
}

criterion_group!(benches, e2e);
criterion_main!(benches);
