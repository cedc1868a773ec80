//! Dell ECS in IAM mode (ECS 3.6+): a tenant whose owner is an IAM user with an attached
//! managed policy, a user disabled and enabled again, then everything removed.
//!
//! ```text
//! cargo run --example ecs_iam                  # against the local ECS simulator (s3aas-fakes)
//! S3AAS_ECS_ENDPOINT=https://ecs:4443 S3AAS_ECS_USERNAME=svc S3AAS_ECS_PASSWORD=... \
//!   S3AAS_ECS_S3_ENDPOINT=https://ecs:9021 S3AAS_ECS_VERSION=3.8 cargo run --example ecs_iam
//! ```
//!
//! No ECS can run here, so without `S3AAS_ECS_ENDPOINT` the example starts the simulator the
//! tests use (management API, IAM API and S3 on loopback) and says so.

use s3aas::ecs::EcsProvider;
use s3aas::model::*;
use s3aas::prelude::*;
use s3aas::{TenantSpec, provision_tenant};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("ecs_iam failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> s3aas::Result<()> {
    let var = |k: &str| std::env::var(k).ok();
    let (_sim, endpoint, user, password, s3) = match var("S3AAS_ECS_ENDPOINT") {
        Some(e) => (
            None,
            e,
            var("S3AAS_ECS_USERNAME").unwrap_or_default(),
            var("S3AAS_ECS_PASSWORD").unwrap_or_default(),
            var("S3AAS_ECS_S3_ENDPOINT"),
        ),
        None => {
            let sim = s3aas_fakes::ecs::EcsSimulator::start("root", "example-pw").await;
            println!(
                "no S3AAS_ECS_ENDPOINT: using the local ECS simulator at {}",
                sim.mgmt.uri()
            );
            let (m, s) = (sim.mgmt.uri(), sim.s3.uri());
            (Some(sim), m, "root".into(), "example-pw".into(), Some(s))
        }
    };
    let mut b = EcsProvider::builder(endpoint, user, SecretString::from(password))
        .version(var("S3AAS_ECS_VERSION").unwrap_or_else(|| "3.6".into()))
        .iam(true);
    if let Some(s) = s3 {
        b = b.s3_endpoint(s);
    }
    let p = b.build()?;
    let caps = p.capabilities();
    println!(
        "IAM mode: named policies {}, attach {}, disable one key {}, bucket owners {}",
        caps.policies, caps.policy_attach, caps.access_key_disable, caps.bucket_owner
    );

    let suffix = format!("{:06x}", std::process::id() & 0xff_ffff);
    let tenant = format!("iam-demo-{suffix}");
    let spec = TenantSpec::new(&tenant, format!("{tenant}-data"), "owner");
    let t = provision_tenant(&p, &spec).await?;
    let policy = t.policy.as_ref().map(|p| p.name.as_str()).unwrap_or("-");
    println!(
        "tenant {}: bucket {}, IAM user {} with policy {policy} attached, access key {} (secret of {} characters, shown once)",
        t.instance.id,
        t.bucket.name,
        t.owner.name,
        t.access_key.key.access_key_id,
        t.access_key.secret_access_key.expose_secret().len()
    );
    println!(
        "attached to {}: {:?}",
        t.owner.name,
        p.list_attached_policies(&tenant, "owner").await?
    );

    p.set_user_enabled(&tenant, "owner", false).await?;
    let keys = p.list_access_keys(&tenant, "owner").await?;
    println!(
        "owner disabled: enabled={}, its keys active: {:?}",
        p.get_user(&tenant, "owner").await?.enabled,
        keys.iter().map(|k| k.enabled).collect::<Vec<_>>()
    );
    p.set_user_enabled(&tenant, "owner", true).await?;
    let keys = p.list_access_keys(&tenant, "owner").await?;
    println!(
        "owner enabled again: its keys active: {:?}",
        keys.iter().map(|k| k.enabled).collect::<Vec<_>>()
    );

    // The bucket is empty, so no forced delete (which needs ECS 3.8) is asked for.
    p.delete_instance(&tenant, DeleteInstance::new()).await?;
    println!("tenant {tenant} deleted with its IAM user, keys and policy");
    p.close().await?;
    Ok(())
}
