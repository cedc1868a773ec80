//! Decoding large list responses: 10,000 users (admin JSON) and 10,000 buckets (S3 XML).

#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{Criterion, criterion_group, criterion_main};
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct UserInfo {
    #[serde(default)]
    policy_name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    member_of: Option<Vec<String>>,
    #[serde(default)]
    updated_at: Option<String>,
}

fn decode(c: &mut Criterion) {
    let mut users = String::from("{");
    for i in 0..10_000 {
        if i > 0 {
            users.push(',');
        }
        users.push_str(&format!(r#""tenant-{i:05}--user":{{"policyName":"tenant-{i:05}--rw","status":"enabled","memberOf":["s3aas-tenant-{i:05}"],"updatedAt":"2026-11-23T07:00:00Z"}}"#));
    }
    users.push('}');
    let mut buckets = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Owner><ID>x</ID></Owner><Buckets>"#,
    );
    for i in 0..10_000 {
        buckets.push_str(&format!("<Bucket><Name>tenant-{i:05}-data</Name><CreationDate>2026-11-23T07:00:00.000Z</CreationDate></Bucket>"));
    }
    buckets.push_str("</Buckets></ListAllMyBucketsResult>");

    let mut g = c.benchmark_group("decode");
    g.sample_size(20);
    g.bench_function("list-users JSON, 10k users", |b| {
        b.iter(|| {
            serde_json::from_str::<BTreeMap<String, UserInfo>>(&users)
                .unwrap()
                .len()
        })
    });
    g.bench_function("ListAllMyBuckets XML, 10k buckets", |b| {
        b.iter(|| {
            s3aas::http::s3::parse_bucket_list(buckets.as_bytes())
                .unwrap()
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
