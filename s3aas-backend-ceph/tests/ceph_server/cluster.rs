//! The cluster under test: `s3aas_fakes::ceph::CephCluster` (started by
//! `scripts/ceph-rgw-server.sh`), plus a provider for it.

use s3aas_backend_ceph::CephProvider;
use s3aas_core::SecretString;
use std::sync::Arc;

pub(crate) use s3aas_fakes::ceph::CephCluster as Cluster;

/// A new provider for the cluster (nothing cached, like a restarted process).
pub(crate) trait ClusterProvider {
    fn provider(&self) -> Arc<CephProvider>;
}

impl ClusterProvider for Cluster {
    fn provider(&self) -> Arc<CephProvider> {
        let (endpoint, access, secret) = self.credentials();
        Arc::new(
            CephProvider::builder(&endpoint, &access, SecretString::from(secret))
                .build()
                .expect("provider"),
        )
    }
}
