//! The shared conformance suite against the ECS simulator (s3aas-fakes), twice: with object
//! users and secret keys (the default), then in IAM mode (ECS 3.6+ IAM API: IAM users, access
//! keys, managed policies attached to users). Both with an S3 endpoint (versioning goes through
//! S3, signed by each bucket's owner, as the simulator's strict S3 side demands) and ECS 3.8
//! features. Each run must use one login, hold no token after `close`, and (IAM mode) leave no
//! IAM user or namespace policy behind.

use s3aas_backend_ecs::EcsProvider;
use s3aas_core::prelude::*;
use s3aas_fakes::ecs::EcsSimulator;
use s3aas_http::{HttpConfig, RetryConfig};
use s3aas_testkit::{Suite, run};
use std::sync::Arc;
use std::time::Duration;

const ADMIN: (&str, &str) = ("root", "ecs-sim-password-1");

/// One conformance run; true when it passed and left nothing behind.
fn conformance(rt: &tokio::runtime::Runtime, iam: bool) -> bool {
    let label = if iam {
        "ecs-simulator-iam"
    } else {
        "ecs-simulator"
    };
    let sim = rt.block_on(EcsSimulator::start(ADMIN.0, ADMIN.1));
    let p = Arc::new(
        EcsProvider::builder(
            sim.mgmt.uri(),
            ADMIN.0,
            SecretString::from(ADMIN.1.to_string()),
        )
        .s3_endpoint(sim.s3.uri())
        .version("3.8")
        .user_prefix("t-")
        .iam(iam)
        .empty_bucket_poll(Duration::from_millis(10))
        .http(HttpConfig::new().retry(RetryConfig::disabled()))
        .build()
        .unwrap(),
    );
    // Objects are seeded as ECS allows: signed by each bucket's owner.
    let report = run(Suite::new(p.clone())
        .seeder(Arc::new(sim.seeder()))
        .label(label));
    // One login for the whole suite (tokens are shared, never leaked), released on close.
    let logins = sim.state().logins;
    rt.block_on(p.close()).unwrap();
    let live = sim.state().live_tokens(ADMIN.0);
    let (users, policies) = {
        let st = sim.state();
        (
            st.iam_users.len(),
            st.iam_policies
                .keys()
                .filter(|(ns, _)| !ns.is_empty())
                .count(),
        )
    };
    println!(
        "{label}: {logins} login(s) for the whole suite; {live} token(s) live after close; {users} IAM user(s) and {policies} namespace policies left"
    );
    report.passed() && logins == 1 && live == 0 && users == 0 && policies == 0
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let object_users = conformance(&rt, false);
    let iam = conformance(&rt, true);
    std::process::exit(if object_users && iam { 0 } else { 101 });
}
