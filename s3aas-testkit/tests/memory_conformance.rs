//! The conformance suite against the in-memory provider: once with every capability, once with a
//! reduced set (ECS-like) so that capability refusals and key limits are exercised too.

use s3aas_core::model::ReplicationDestination;
use s3aas_core::{Capabilities, MemoryProvider, SecretString};
use s3aas_testkit::{MemorySeeder, Suite, run};
use std::sync::Arc;

fn main() {
    let full = Arc::new(MemoryProvider::new());
    // The in-memory provider never contacts a destination: any well-formed one does.
    let destination = ReplicationDestination::new(
        "https://dr.example.com",
        "dr-bucket",
        "AKIDRREPLICATION",
        SecretString::from("dr-secret"),
    );
    let report = run(Suite::new(full.clone())
        .seeder(Arc::new(MemorySeeder(full)))
        .replication_destination(destination)
        .label("memory"));
    let reduced_caps = Capabilities::all()
        .with_overrides(
            "bucket_object_lock=no,bucket_encryption=creation_only,access_keys_per_user=2,\
             access_key_name=no,access_key_description=no,access_key_session_policy=no,\
             access_key_disable=no,instance_mfa_delete=no,user_tags=no,bucket_owner=no,\
             bucket_quota_notification=no,policy_attach=no,bucket_force_delete=no,\
             bucket_lifecycle=no,bucket_cors=creation_only,bucket_retention=no,\
             bucket_replication=no,bucket_durability=no,instance_usage=no",
        )
        .expect("valid overrides");
    let reduced = Arc::new(MemoryProvider::with_capabilities(reduced_caps));
    let report2 = run(Suite::new(reduced.clone())
        .seeder(Arc::new(MemorySeeder(reduced)))
        .label("memory-reduced"));
    let ok = report.passed() && report2.passed();
    std::process::exit(if ok { 0 } else { 101 });
}
