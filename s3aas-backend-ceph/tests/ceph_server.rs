//! Against a real Ceph RADOS Gateway started on loopback by `scripts/ceph-rgw-server.sh`
//! (single-node memstore cluster): the shared conformance suite, then proofs through S3 with
//! the keys s3aas issues that RGW enforces what the SDK configured, then a check that nothing
//! is left on the server. Skipped, with one line saying so, when `radosgw` is not installed
//! (see scripts/install-ceph.sh), unless `S3AAS_REQUIRE_CEPH=1` (as CI should set after
//! installing it): then a missing Ceph fails. The cluster is stopped by pid whatever happens.
//! The rgwadmin cross-check installs PyPI rgwadmin into a cache virtualenv when it is missing
//! (`scripts/install-ceph.sh --rgwadmin`).

mod ceph_server {
    pub(crate) mod cluster;
    pub(crate) mod proofs;
}

use ceph_server::cluster::{Cluster, ClusterProvider};
use s3aas_backend_ceph::CephProvider;
use s3aas_core::prelude::*;
use s3aas_testkit::{ObjectSeeder, Suite, run};
use std::sync::Arc;

/// Puts objects into an instance's buckets as the instance's system user (bucket names are
/// per tenant on RGW, so one fixed credential cannot reach them all).
struct TenantSeeder(Arc<CephProvider>);

#[async_trait::async_trait]
impl ObjectSeeder for TenantSeeder {
    async fn put_object(
        &self,
        instance: &str,
        bucket: &str,
        key: &str,
        data: Vec<u8>,
    ) -> Result<()> {
        self.0
            .instance_s3(instance)
            .await?
            .put_object(bucket, key, data.into(), &[])
            .await
            .map(drop)
    }

    async fn empty_bucket(&self, instance: &str, bucket: &str) -> Result<()> {
        self.0
            .instance_s3(instance)
            .await?
            .empty_bucket(bucket)
            .await
    }
}

fn main() {
    // Parsed before the cluster starts: a bad argument exits the process, which would skip the
    // clean-up.
    let args = libtest_mimic::Arguments::from_args();
    let Some(cluster) =
        Cluster::start_or_skip("conformance suite and proofs for the Ceph RGW backend")
    else {
        return;
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let p = cluster.provider();
        let report = run(Suite::new(p.clone())
            .seeder(Arc::new(TenantSeeder(p.clone())))
            .label("ceph")
            .args(args.clone()));
        let (passed, total) = ceph_server::proofs::run_all(&cluster, &args);
        let leftovers = cluster.leftovers();
        println!("{}", report.summary("real-server ceph"));
        println!("real-server ceph: proofs passed={passed}/{total}");
        match &leftovers {
            None => println!("real-server ceph: leftovers=none"),
            Some(l) => println!("real-server ceph: leftovers={l}"),
        }
        report.passed() && passed == total && leftovers.is_none()
    }));
    cluster.stop();
    let ok = matches!(outcome, Ok(true));
    if ok {
        cluster.remove_dir();
    }
    std::process::exit(if ok { 0 } else { 101 });
}
