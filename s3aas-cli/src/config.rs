//! Which backend to talk to, and with what options.
//!
//! The option names are those of the library's `ProviderConfig` (so `from_env`, `from_uri`, a
//! profile and the flags all say `endpoint`, `access_key`, `secret_key`, ...). Sources, weakest
//! first, each overriding the ones before it:
//!
//! 1. a profile of the config file (`--profile`, `S3AAS_PROFILE`, else the profile `default` if
//!    the file has one);
//! 2. the environment, exactly as `s3aas::from_env` reads it (`S3AAS_BACKEND`,
//!    `S3AAS_<BACKEND>_<KEY>`);
//! 3. `--uri <backend>://host:port?key=value`, exactly as `s3aas::from_uri` reads it;
//! 4. `--backend`, `--endpoint` and `--option key=value`.

use s3aas::{Error, ErrorKind, ProviderConfig, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the command line says about the connection (flags and the variables clap reads).
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnectArgs {
    /// `--config`/`S3AAS_CONFIG`.
    pub(crate) config: Option<PathBuf>,
    /// `--profile`/`S3AAS_PROFILE`.
    pub(crate) profile: Option<String>,
    /// `--uri`.
    pub(crate) uri: Option<String>,
    /// `--backend`.
    pub(crate) backend: Option<String>,
    /// `--endpoint`.
    pub(crate) endpoint: Option<String>,
    /// `--option key=value`, in order.
    pub(crate) options: Vec<(String, String)>,
}

/// One profile of the config file: a backend and its options.
#[derive(Clone, Debug, Default, PartialEq)]
struct Profile {
    backend: Option<String>,
    options: BTreeMap<String, String>,
}

/// The default config file: `$XDG_CONFIG_HOME/s3aas/config.toml`, else
/// `$HOME/.config/s3aas/config.toml`.
pub(crate) fn default_config_path(env: &[(String, String)]) -> Option<PathBuf> {
    let var = |k: &str| {
        env.iter()
            .find(|(name, v)| name == k && !v.is_empty())
            .map(|(_, v)| PathBuf::from(v))
    };
    var("XDG_CONFIG_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".config")))
        .map(|dir| dir.join("s3aas").join("config.toml"))
}

/// Builds the provider configuration from the arguments and the environment `env` (passed in,
/// not read here, so that tests need not change the process's environment).
pub(crate) fn resolve(args: &ConnectArgs, env: &[(String, String)]) -> Result<ProviderConfig> {
    let profile = load_profile(args, env)?;
    let uri = args
        .uri
        .as_deref()
        .map(|u| ProviderConfig::from_uri(u, std::iter::empty::<(String, String)>()))
        .transpose()?;
    let env_backend = env
        .iter()
        .find(|(k, v)| k == "S3AAS_BACKEND" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string());
    let backend = args
        .backend
        .clone()
        .or_else(|| uri.as_ref().map(|u| u.backend().to_string()))
        .or(env_backend)
        .or_else(|| profile.as_ref().and_then(|p| p.backend.clone()))
        .unwrap_or_else(|| "memory".to_string())
        .to_ascii_lowercase();

    // The environment, read the way `from_env` reads it, for the backend chosen above.
    let vars = env
        .iter()
        .filter(|(k, _)| k != "S3AAS_BACKEND")
        .cloned()
        .chain([("S3AAS_BACKEND".to_string(), backend.clone())]);
    let mut cfg = ProviderConfig::from_vars(vars);
    // The profile fills in what the environment left unset (a profile of another backend
    // contributes nothing: its options mean something else).
    if let Some(p) = profile {
        if p.backend.as_deref().is_none_or(|b| b == backend) {
            let set: Vec<String> = cfg.keys().into_iter().map(str::to_string).collect();
            for (k, v) in p.options {
                if !set.contains(&k) {
                    cfg.set(k, v);
                }
            }
        }
    }
    if let Some(u) = &uri {
        if u.backend() != backend {
            return Err(config_error(format!(
                "--backend {backend} contradicts --uri {}://",
                u.backend()
            )));
        }
        for k in u.keys() {
            if let Some(v) = u.get(k) {
                cfg.set(k, v);
            }
        }
    }
    if let Some(e) = &args.endpoint {
        cfg.set("endpoint", e.clone());
    }
    for (k, v) in &args.options {
        cfg.set(k.to_ascii_lowercase(), v.clone());
    }
    Ok(cfg)
}

/// Parses `key=value` (for `--option`).
pub(crate) fn parse_option(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected key=value, got '{s}'")),
    }
}

fn config_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::ConfigInvalid, message)
}

/// The selected profile, if any. A named profile must exist; the file must exist when named
/// explicitly; the default file may be absent.
fn load_profile(args: &ConnectArgs, env: &[(String, String)]) -> Result<Option<Profile>> {
    let (path, explicit) = match &args.config {
        Some(p) => (Some(p.clone()), true),
        None => (default_config_path(env), false),
    };
    let Some(path) = path else {
        return match &args.profile {
            Some(name) => Err(config_error(format!(
                "profile '{name}' named but no config file (set --config or S3AAS_CONFIG)"
            ))),
            None => Ok(None),
        };
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return match &args.profile {
                Some(name) => Err(config_error(format!(
                    "profile '{name}' named but {} does not exist",
                    path.display()
                ))),
                None => Ok(None),
            };
        }
        Err(e) => {
            return Err(config_error(format!("cannot read {}: {e}", path.display())));
        }
    };
    let mut profiles = parse_profiles(&text, &path)?;
    match &args.profile {
        Some(name) => profiles.remove(name).map(Some).ok_or_else(|| {
            let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
            config_error(format!(
                "no profile '{name}' in {} (profiles: {})",
                path.display(),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        }),
        None => Ok(profiles.remove("default")),
    }
}

/// Reads `[profiles.<name>]` tables: `backend` and option keys, whose values may be strings,
/// numbers or booleans (options are strings to the library, as in the environment).
fn parse_profiles(text: &str, path: &Path) -> Result<BTreeMap<String, Profile>> {
    let doc: toml::Table = text
        .parse()
        .map_err(|e| config_error(format!("{}: {e}", path.display())))?;
    let mut out = BTreeMap::new();
    for (key, value) in doc {
        if key != "profiles" {
            return Err(config_error(format!(
                "{}: unknown top-level key '{key}' (expected [profiles.<name>] tables)",
                path.display()
            )));
        }
        let toml::Value::Table(profiles) = value else {
            return Err(config_error(format!(
                "{}: 'profiles' must be a table",
                path.display()
            )));
        };
        for (name, body) in profiles {
            let toml::Value::Table(body) = body else {
                return Err(config_error(format!(
                    "{}: profile '{name}' must be a table",
                    path.display()
                )));
            };
            let mut p = Profile::default();
            for (k, v) in body {
                let v = match v {
                    toml::Value::String(s) => s,
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    other => {
                        return Err(config_error(format!(
                            "{}: profile '{name}': option '{k}' must be a string, number or boolean (got {})",
                            path.display(),
                            other.type_str()
                        )));
                    }
                };
                if k == "backend" {
                    p.backend = Some(v.to_ascii_lowercase());
                } else {
                    p.options.insert(k.to_ascii_lowercase(), v);
                }
            }
            out.insert(name, p);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn write_config(text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "s3aas-cli-config-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn rand_suffix() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        N.fetch_add(1, Ordering::Relaxed)
    }

    const FILE: &str = r#"
[profiles.default]
backend = "memory"
capabilities = "policies=no"

[profiles.lab]
backend = "rustfs"
endpoint = "http://127.0.0.1:9000"
access_key = "admin"
secret_key = "from-file"
max_attempts = 2
"#;

    #[test]
    fn nothing_set_is_memory() {
        let cfg = resolve(&ConnectArgs::default(), &env(&[])).unwrap();
        assert_eq!(cfg.backend(), "memory");
        assert!(cfg.keys().is_empty());
    }

    #[test]
    fn the_environment_is_read_as_from_env_reads_it() {
        let e = env(&[
            ("S3AAS_BACKEND", "rustfs"),
            ("S3AAS_RUSTFS_ENDPOINT", "http://127.0.0.1:9000"),
            ("S3AAS_RUSTFS_SECRET_KEY", "s"),
            ("S3AAS_MINIO_ENDPOINT", "http://elsewhere"),
        ]);
        let cfg = resolve(&ConnectArgs::default(), &e).unwrap();
        assert_eq!(cfg.backend(), "rustfs");
        assert_eq!(cfg.get("endpoint"), Some("http://127.0.0.1:9000"));
        assert!(cfg.secret("secret_key").is_some());
        assert_eq!(cfg.keys(), ["endpoint", "secret_key"]);
    }

    #[test]
    fn profile_then_environment_then_uri_then_flags() {
        let path = write_config(FILE);
        let args = ConnectArgs {
            config: Some(path.clone()),
            profile: Some("lab".into()),
            ..Default::default()
        };
        // The profile alone.
        let cfg = resolve(&args, &env(&[])).unwrap();
        assert_eq!(cfg.backend(), "rustfs");
        assert_eq!(cfg.get("endpoint"), Some("http://127.0.0.1:9000"));
        assert_eq!(cfg.get("max_attempts"), Some("2"));
        assert!(cfg.secret("secret_key").is_some());
        // The environment overrides the profile key by key.
        let e = env(&[("S3AAS_RUSTFS_ENDPOINT", "http://127.0.0.1:9100")]);
        let cfg = resolve(&args, &e).unwrap();
        assert_eq!(cfg.get("endpoint"), Some("http://127.0.0.1:9100"));
        assert_eq!(cfg.get("access_key"), Some("admin"));
        // The URI overrides the environment; the flags override the URI.
        let args = ConnectArgs {
            uri: Some("rustfs://127.0.0.1:9200?region=eu-west-1".into()),
            ..args
        };
        let cfg = resolve(&args, &e).unwrap();
        assert_eq!(cfg.get("endpoint"), Some("http://127.0.0.1:9200"));
        assert_eq!(cfg.get("region"), Some("eu-west-1"));
        let args = ConnectArgs {
            endpoint: Some("http://127.0.0.1:9300".into()),
            options: vec![("region".into(), "us-east-2".into())],
            ..args
        };
        let cfg = resolve(&args, &e).unwrap();
        assert_eq!(cfg.get("endpoint"), Some("http://127.0.0.1:9300"));
        assert_eq!(cfg.get("region"), Some("us-east-2"));
    }

    #[test]
    fn the_default_profile_is_used_unless_another_backend_is_chosen() {
        let path = write_config(FILE);
        let args = ConnectArgs {
            config: Some(path),
            ..Default::default()
        };
        let cfg = resolve(&args, &env(&[])).unwrap();
        assert_eq!(cfg.get("capabilities"), Some("policies=no"));
        // S3AAS_BACKEND picks another backend: the memory profile's options do not apply.
        let cfg = resolve(&args, &env(&[("S3AAS_BACKEND", "ceph")])).unwrap();
        assert_eq!(cfg.backend(), "ceph");
        assert!(cfg.keys().is_empty());
    }

    #[test]
    fn mistakes_are_config_errors_naming_what_is_wrong() {
        let path = write_config(FILE);
        let args = ConnectArgs {
            config: Some(path),
            profile: Some("nope".into()),
            ..Default::default()
        };
        let e = resolve(&args, &env(&[])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(e.message().contains("profiles: default, lab"), "{e}");

        let bad = write_config("[profiles.x]\nendpoint = [1]\n");
        let args = ConnectArgs {
            config: Some(bad),
            profile: Some("x".into()),
            ..Default::default()
        };
        let e = resolve(&args, &env(&[])).unwrap_err();
        assert!(e.message().contains("option 'endpoint'"), "{e}");

        let args = ConnectArgs {
            config: Some(PathBuf::from("/nonexistent/s3aas.toml")),
            ..Default::default()
        };
        let e = resolve(&args, &env(&[])).unwrap_err();
        assert!(
            e.message().contains("cannot read /nonexistent/s3aas.toml"),
            "{e}"
        );

        let args = ConnectArgs {
            backend: Some("ceph".into()),
            uri: Some("rustfs://127.0.0.1:9000".into()),
            ..Default::default()
        };
        let e = resolve(&args, &env(&[])).unwrap_err();
        assert!(e.message().contains("contradicts"), "{e}");

        assert!(parse_option("=x").is_err());
        assert_eq!(
            parse_option("a=b=c").unwrap(),
            ("a".to_string(), "b=c".to_string())
        );
    }

    #[test]
    fn the_default_path_follows_xdg() {
        assert_eq!(
            default_config_path(&env(&[("HOME", "/home/u")])),
            Some(PathBuf::from("/home/u/.config/s3aas/config.toml"))
        );
        assert_eq!(
            default_config_path(&env(&[("HOME", "/home/u"), ("XDG_CONFIG_HOME", "/x")])),
            Some(PathBuf::from("/x/s3aas/config.toml"))
        );
    }
}
