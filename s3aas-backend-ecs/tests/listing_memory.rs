//! Listing a large ECS estate streams: the client's peak memory while walking every user does not
//! grow with the number of users. Lists N1 and N2 = 10 x N1 users from the simulator through
//! `s3aas::bulk::stream_users` and compares the peak heap growth of the two walks.
//!
//! The simulator runs in a child process (this same test binary, re-run with
//! `S3AAS_ECS_SIM_CHILD=N`): wiremock keeps every request it matched, which would otherwise be
//! counted against the client.
//!
//! `S3AAS_LISTING_USERS=100000 cargo test -p s3aas-backend-ecs --release --test listing_memory`
//! measures a larger estate (the README's figure).

use futures::StreamExt;
use peak_alloc::PeakAlloc;
use s3aas_backend_ecs::EcsProvider;
use s3aas_core::bulk::stream_users;
use s3aas_core::prelude::*;
use s3aas_fakes::ecs::EcsSimulator;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Instant;

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

const PASSWORD: &str = "pw-listing";

/// Child: serve a simulator holding `n` users until stdin closes.
fn child(n: usize) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sim = EcsSimulator::start("root", PASSWORD).await;
        {
            let mut st = sim.state();
            st.record_calls = false;
            // The service user that marks namespace `big` as an s3aas instance.
            st.add_object_user("big", "s3aas_big", "s");
            st.users.get_mut("s3aas_big").unwrap().tags =
                vec![("s3aas-instance".into(), "big".into())];
            for i in 0..n {
                let uid = format!("big--user{i:07}");
                st.add_object_user("big", &uid, "s");
                st.users.get_mut(&uid).unwrap().keys.clear();
            }
        }
        println!("{}", sim.mgmt.uri());
        tokio::task::spawn_blocking(|| {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        })
        .await
        .unwrap();
    });
}

fn walk(rt: &tokio::runtime::Runtime, n: usize) -> (usize, f32, std::time::Duration) {
    let mut sim = Command::new(std::env::current_exe().unwrap())
        .env("S3AAS_ECS_SIM_CHILD", n.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut uri = String::new();
    BufReader::new(sim.stdout.take().unwrap())
        .read_line(&mut uri)
        .unwrap();
    let result = rt.block_on(async {
        let p = EcsProvider::builder(uri.trim(), "root", SecretString::from(PASSWORD.to_string()))
            .build()
            .unwrap();
        p.health().await.unwrap();
        let base = PEAK.current_usage();
        PEAK.reset_peak_usage();
        let started = Instant::now();
        let mut count = 0;
        let mut s = stream_users(&p, "big", 1000);
        while let Some(u) = s.next().await {
            assert!(u.unwrap().enabled);
            count += 1;
        }
        let took = started.elapsed();
        let growth = PEAK.peak_usage().saturating_sub(base) as f32 / (1024.0 * 1024.0);
        (count, growth, took)
    });
    drop(sim.stdin.take());
    sim.wait().unwrap();
    result
}

fn main() {
    if let Some(n) = std::env::var("S3AAS_ECS_SIM_CHILD")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return child(n);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let n2: usize = std::env::var("S3AAS_LISTING_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let n1 = (n2 / 10).max(1000);
    let (c1, m1, t1) = walk(&rt, n1);
    let (c2, m2, t2) = walk(&rt, n2);
    println!(
        "listing {c1} users: client peak heap growth {m1:.2} MiB in {t1:.1?}; {c2} users: {m2:.2} MiB in {t2:.1?}"
    );
    assert_eq!((c1, c2), (n1, n2), "every user listed once");
    // Flat: ten times the users may not cost more than 1.5 x the memory (+1 MiB of noise).
    assert!(
        m2 <= m1 * 1.5 + 1.0,
        "peak memory grows with the estate: {m1:.2} MiB for {n1} users, {m2:.2} MiB for {n2}"
    );
    println!("test result: ok. 1 passed; 0 failed; 0 ignored");
}
