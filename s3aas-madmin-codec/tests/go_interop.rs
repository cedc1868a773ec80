//! Interoperability with the real madmin-go: s3aas encrypts, madmin-go decrypts, and the other way
//! round, for random data and passwords and every algorithm id. Needs Debian's `golang-go` and
//! `golang-github-minio-madmin-go-dev` (scripts/install-go-madmin.sh); without them it prints one
//! line saying it was skipped.

use rand::{Rng, RngCore};
use s3aas_madmin_codec::{Algorithm, decrypt, encrypt};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn gopath() -> Option<PathBuf> {
    let out = Command::new("dpkg")
        .args(["-L", "golang-github-minio-madmin-go-dev"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains("/gocode/"))?;
    Some(PathBuf::from(
        &line[..line.find("/gocode/")? + "/gocode".len()],
    ))
}

fn build(gopath: &Path) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("s3aas-go-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let bin = dir.join("madmin_interop");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/madmin_interop.go");
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(&src)
        .env("GOPATH", gopath)
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOCACHE", std::env::temp_dir().join("s3aas-go-build-cache"))
        .env("GOPROXY", "off")
        .output()
        .map_err(|e| format!("cannot run go: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "go build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(bin)
}

fn go(bin: &Path, mode: &str, password: &str, input: &[u8]) -> Result<Vec<u8>, String> {
    let mut child = Command::new(bin)
        .args([mode, password])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn s3aas_and_madmin_go_read_each_other() {
    let Some(gopath) = gopath().filter(|_| Command::new("go").arg("version").output().is_ok())
    else {
        println!(
            "madmin-go interop test SKIPPED: install Debian's Go and madmin-go with scripts/install-go-madmin.sh"
        );
        return;
    };
    let bin = build(&gopath).expect("build the Go side");
    let mut rng = rand::thread_rng();
    let mut checked = 0;
    for size in [0usize, 1, 100, 16383, 16384, 16385, 100_000] {
        let mut data = vec![0u8; size];
        rng.fill_bytes(&mut data);
        let password: String = (0..rng.gen_range(8..40))
            .map(|_| rng.gen_range(b'!'..=b'~') as char)
            .collect();
        for alg in [
            Algorithm::Argon2idAesGcm,
            Algorithm::Argon2idChaCha20Poly1305,
            Algorithm::Pbkdf2AesGcm,
        ] {
            let sealed = encrypt(password.as_bytes(), &data, alg);
            let opened = go(&bin, "dec", &password, &sealed).unwrap_or_else(|e| {
                panic!(
                    "madmin-go cannot decrypt s3aas id {} ({size} B): {e}",
                    alg.id()
                )
            });
            assert_eq!(
                opened,
                data,
                "madmin-go decrypts s3aas id {} of {size} B",
                alg.id()
            );
            checked += 1;
        }
        let sealed = go(&bin, "enc", &password, &data).expect("madmin-go encrypts");
        assert_eq!(
            decrypt(password.as_bytes(), &sealed).unwrap_or_else(|e| panic!(
                "s3aas cannot decrypt madmin-go ({size} B, id {}): {e}",
                sealed[32]
            )),
            data
        );
        assert!(
            go(&bin, "dec", "not-the-password", &sealed).is_err(),
            "madmin-go refuses a wrong password"
        );
        checked += 1;
    }
    println!("madmin-go interop: {checked} payloads checked in both directions");
}
