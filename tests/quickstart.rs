//! Runs the README's first command, `examples/quickstart.rs`, as a user would (the built example
//! binary, configured through `S3AAS_*` variables) on every backend that runs here: the embedded
//! default, the ECS simulator in both modes, the MinIO fake, and a real RustFS when its binary is
//! installed. Then the two ways a user's first run fails: a wrong password and an endpoint that
//! does not answer must stop it with that reason.

use s3aas_fakes::ecs::EcsSimulator;
use s3aas_fakes::minio::FakeMinio;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The example binary, built (or found up to date) by the cargo that runs this test: `cargo
/// test --test quickstart` alone does not build examples.
fn example() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let st = Command::new(cargo)
                .args(["build", "--quiet", "--example", "quickstart"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("cargo runs");
            assert!(st.success(), "building the quickstart example failed");
            let exe = std::env::current_exe().expect("test binary path");
            let dir = exe
                .parent()
                .and_then(|deps| deps.parent())
                .expect("target/<profile>");
            dir.join("examples")
                .join(format!("quickstart{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}

/// Runs the quickstart with exactly `vars` (and the process basics), off the async runtime.
async fn quickstart(vars: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut c = Command::new(example());
        c.env_clear();
        for k in ["PATH", "HOME", "TMPDIR"] {
            if let Some(v) = std::env::var_os(k) {
                c.env(k, v);
            }
        }
        c.envs(vars).output().expect("quickstart runs")
    })
    .await
    .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn succeeded(o: &Output, backend: &str) {
    let all = text(o);
    assert!(o.status.success(), "quickstart on {backend} failed:\n{all}");
    assert!(all.contains(&format!("backend: {backend}")), "{all}");
    assert!(all.contains("deleted instance"), "torn down:\n{all}");
    assert!(all.contains("invalid bucket name refused"), "{all}");
}

const ECS_ADMIN: (&str, &str) = ("root", "ecs-sim-password-1");

fn ecs_vars(sim: &EcsSimulator, password: &str) -> Vec<(&'static str, String)> {
    vec![
        ("S3AAS_BACKEND", "ecs".into()),
        ("S3AAS_ECS_ENDPOINT", sim.mgmt.uri()),
        ("S3AAS_ECS_USERNAME", ECS_ADMIN.0.into()),
        ("S3AAS_ECS_PASSWORD", password.into()),
        ("S3AAS_ECS_S3_ENDPOINT", sim.s3.uri()),
        ("S3AAS_ECS_VERSION", "3.8".into()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_on_the_embedded_default() {
    let o = quickstart(Vec::new()).await;
    succeeded(&o, "memory");
    // The embedded default has every bucket feature: the example shows them.
    let out = text(&o);
    assert!(
        out.contains("lifecycle [\"expire-tmp\"], CORS origins [\"https://console.example.com\"]"),
        "{out}"
    );
    assert!(
        out.contains("instance usage: 0 bytes in 1 bucket(s) (source exact"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_on_ecs_in_both_modes() {
    let sim = EcsSimulator::start(ECS_ADMIN.0, ECS_ADMIN.1).await;
    let o = quickstart(ecs_vars(&sim, ECS_ADMIN.1)).await;
    succeeded(&o, "ecs");
    let out = text(&o);
    assert!(out.contains("instance labels unsupported on ecs"), "{out}");
    assert!(out.contains("user policies unsupported on ecs"), "{out}");
    let mut iam = ecs_vars(&sim, ECS_ADMIN.1);
    iam.push(("S3AAS_ECS_IAM", "true".into()));
    let o = quickstart(iam).await;
    succeeded(&o, "ecs");
    assert!(
        text(&o).contains("attached policy alice-rw"),
        "{}",
        text(&o)
    );
    let st = sim.state();
    assert!(st.namespaces.is_empty(), "left: {:?}", st.namespaces.keys());
    assert!(st.users.is_empty() && st.iam_users.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_on_minio() {
    let (server, _fake) = FakeMinio::start("minioadmin", "minioadmin-secret").await;
    let o = quickstart(vec![
        ("S3AAS_BACKEND", "minio".into()),
        ("S3AAS_MINIO_ENDPOINT", server.uri()),
        ("S3AAS_MINIO_ACCESS_KEY", "minioadmin".into()),
        ("S3AAS_MINIO_SECRET_KEY", "minioadmin-secret".into()),
    ])
    .await;
    succeeded(&o, "minio");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_on_a_real_rustfs_when_installed() {
    let Some(server) = s3aas_fakes::rustfs::RustfsServer::start_or_skip("the quickstart") else {
        return;
    };
    let o = quickstart(vec![
        ("S3AAS_BACKEND", "rustfs".into()),
        ("S3AAS_RUSTFS_ENDPOINT", server.endpoint.clone()),
        ("S3AAS_RUSTFS_ACCESS_KEY", server.access_key.clone()),
        ("S3AAS_RUSTFS_SECRET_KEY", server.secret_key.clone()),
    ])
    .await;
    succeeded(&o, "rustfs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_stops_it_as_unauthenticated() {
    let sim = EcsSimulator::start(ECS_ADMIN.0, ECS_ADMIN.1).await;
    let o = quickstart(ecs_vars(&sim, "not-the-password")).await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("ready: false"), "{out}");
    assert!(out.contains("is not ready: unauthenticated"), "{out}");
    assert!(
        !out.contains("not-the-password"),
        "the password leaked:\n{out}"
    );
    assert!(sim.state().namespaces.is_empty(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_does_not_answer_stops_it_as_unreachable() {
    // A port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = quickstart(vec![
        ("S3AAS_BACKEND", "ecs".into()),
        ("S3AAS_ECS_ENDPOINT", format!("http://127.0.0.1:{port}")),
        ("S3AAS_ECS_USERNAME", "root".into()),
        ("S3AAS_ECS_PASSWORD", "pw".into()),
        ("S3AAS_ECS_MAX_ATTEMPTS", "1".into()),
    ])
    .await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("is not ready: unreachable"), "{out}");
}
