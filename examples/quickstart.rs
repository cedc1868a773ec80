//! Provision a tenant end to end, list it, and tear it down.
//!
//! ```text
//! cargo run --example quickstart                       # embedded in-memory provider
//! S3AAS_BACKEND=rustfs S3AAS_RUSTFS_ENDPOINT=http://127.0.0.1:9000 \
//!   S3AAS_RUSTFS_ACCESS_KEY=... S3AAS_RUSTFS_SECRET_KEY=... cargo run --example quickstart
//! S3AAS_BACKEND=ecs S3AAS_ECS_ENDPOINT=https://ecs:4443 S3AAS_ECS_USERNAME=... \
//!   S3AAS_ECS_PASSWORD=... S3AAS_ECS_S3_ENDPOINT=https://ecs:9021 cargo run --example quickstart
//! ```
//!
//! It runs on every backend: what a backend cannot do (per its capabilities) is skipped and
//! said so, never faked. A backend that is not ready (unreachable, wrong credentials) stops it
//! at once with the reason. `tests/quickstart.rs` runs it on each backend that runs here.

use s3aas::model::*;
use s3aas::{ErrorKind, ExposeSecret, PolicyDocument, PutPolicy, Support};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    if let Err(e) = run().await {
        eprintln!("quickstart failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> s3aas::Result<()> {
    let p = s3aas::from_env()?;
    let caps = p.capabilities();
    let health = p.health().await?;
    println!(
        "backend: {} (version {}), ready: {}",
        p.backend(),
        health.version.as_deref().unwrap_or("unknown"),
        health.ready
    );
    if !health.ready {
        let why = health
            .problem
            .map(|pr| pr.to_string())
            .unwrap_or_else(|| "not ready".into());
        return Err(s3aas::Error::new(
            ErrorKind::Unavailable,
            format!(
                "backend {} is not ready: {why}: {}",
                p.backend(),
                health.detail.as_deref().unwrap_or("no detail")
            ),
        ));
    }

    let suffix: String = format!(
        "{:06x}",
        std::process::id()
            ^ (std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .subsec_nanos())
                & 0xffffff
    );
    let instance_name = format!("quickstart-{suffix}");
    let bucket = format!("{instance_name}-data");

    let mut req = CreateInstance::new(&instance_name).default_bucket(&bucket);
    if caps.instance_labels {
        req = req.label("example", "quickstart");
    } else {
        println!("instance labels unsupported on {}: skipped", p.backend());
    }
    if caps.instance_versioning.at_creation() {
        req = req.versioning(true);
    }
    if caps.instance_encryption.at_creation() && caps.bucket_encryption != Support::No {
        req = req.encryption(Encryption::Aes256);
    }
    let instance = p.create_instance(req).await?;
    println!(
        "created instance {} (status {:?}, default bucket {})",
        instance.name, instance.status, bucket
    );

    let result = provision(&*p, &instance.id, &bucket).await;

    // Tear down whatever happened above.
    let force = caps.bucket_force_delete;
    match p
        .delete_instance(&instance.id, DeleteInstance::new().force(force))
        .await
    {
        Ok(()) => println!("deleted instance {} and everything in it", instance.name),
        Err(e) => eprintln!("teardown of {} failed: {e}", instance.name),
    }
    result
}

async fn provision(
    p: &dyn s3aas::ObjectStoreProvider,
    instance: &str,
    bucket: &str,
) -> s3aas::Result<()> {
    let caps = p.capabilities();
    let b = p.get_bucket(instance, bucket).await?;
    println!(
        "bucket {}: versioning {:?}, encryption {:?}",
        b.name, b.versioning, b.encryption
    );

    let user = p.create_user(instance, CreateUser::new("alice")).await?;
    println!("created user {} (enabled: {})", user.name, user.enabled);

    if caps.policies && caps.policy_attach {
        let policy = p
            .put_policy(
                instance,
                PutPolicy::new("alice-rw", PolicyDocument::bucket_read_write(bucket)),
            )
            .await?;
        p.attach_policy(instance, "alice", &policy.name).await?;
        println!(
            "attached policy {} to alice: {:?}",
            policy.name,
            p.list_attached_policies(instance, "alice").await?
        );
    } else if caps.bucket_policy.at_creation() {
        println!(
            "user policies unsupported on {}; bucket policies are the way to grant access there",
            p.backend()
        );
    }

    let key = p
        .create_access_key(instance, "alice", CreateAccessKey::new())
        .await?;
    println!(
        "created access key {} for alice (secret shown once, {} characters; Debug prints: {:?})",
        key.key.access_key_id,
        key.secret_access_key.expose_secret().len(),
        key.secret_access_key
    );

    // Bucket features, where the backend has them: expire temporary objects, let a web
    // console call S3 from the browser, and read what the whole instance holds.
    let mut update = UpdateBucket::new();
    if caps.bucket_lifecycle.in_update() {
        update = update.lifecycle(vec![
            LifecycleRule::new("expire-tmp")
                .prefix("tmp/")
                .expire_after_days(7),
        ]);
    }
    if caps.bucket_cors.in_update() {
        update = update.cors(vec![CorsRule::new(
            ["https://console.example.com"],
            ["GET", "PUT"],
        )]);
    }
    if !update.is_empty() {
        let b = p.update_bucket(instance, bucket, update).await?;
        println!(
            "bucket {}: lifecycle {:?}, CORS origins {:?}",
            b.name,
            b.lifecycle
                .unwrap_or_default()
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>(),
            b.cors
                .unwrap_or_default()
                .iter()
                .flat_map(|r| r.allowed_origins.clone())
                .collect::<Vec<_>>()
        );
    }
    if caps.instance_usage {
        let u = p.instance_usage(instance).await?;
        println!(
            "instance usage: {} bytes in {} bucket(s) (source {}, as of {})",
            u.bytes,
            u.buckets,
            u.source.as_str(),
            u.as_of
                .map(|t| t.to_string())
                .unwrap_or_else(|| "unknown".into())
        );
    }

    let buckets = p.list_buckets(instance, ListOptions::new()).await?;
    let users = p.list_users(instance, ListOptions::new()).await?;
    let keys = p.list_access_keys(instance, "alice").await?;
    println!(
        "instance holds {} bucket(s) {:?}, {} user(s) {:?}, alice has {} key(s)",
        buckets.items.len(),
        buckets
            .items
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>(),
        users.items.len(),
        users
            .items
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>(),
        keys.len()
    );

    // Bad input is refused before any request, naming the field and the rule.
    let e = p
        .create_bucket(instance, CreateBucket::new("Not_A_Bucket"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    println!("invalid bucket name refused: {e}");
    Ok(())
}
