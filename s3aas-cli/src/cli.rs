//! The command line's grammar (clap). Parsing only: the commands live in `commands/`.

use crate::config::parse_option;
use crate::output::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const ABOUT: &str = "Provision and manage S3 object storage as a service: instances (tenants), \
buckets, users, policies and access keys on RustFS, MinIO, Dell ECS, SeaweedFS, Ceph RGW or the \
in-memory provider.";

const EXAMPLES: &str = "\
Examples:
  # The embedded in-memory provider (the default; it starts empty on every run)
  s3aas capabilities
  # A RustFS server, configured as s3aas::from_env reads it
  export S3AAS_BACKEND=rustfs S3AAS_RUSTFS_ENDPOINT=http://127.0.0.1:9000
  export S3AAS_RUSTFS_ACCESS_KEY=rustfsadmin S3AAS_RUSTFS_SECRET_KEY=...
  s3aas provision acme --bucket acme-data --owner alice --versioning
  s3aas user list acme --output json
  s3aas key rotate acme alice AKIA... --grace 1h
  # A profile of ~/.config/s3aas/config.toml, or a URI as s3aas::from_uri reads it
  s3aas --profile lab health
  s3aas --uri ceph://127.0.0.1:7480 -O access_key=ADMIN -O secret_key=... instance list
  # Desired state
  s3aas plan tenants.yaml --exit-code && s3aas apply tenants.yaml
";

/// `s3aas`: the command line of the s3aas SDK.
#[derive(Debug, Parser)]
#[command(name = "s3aas", version, about = ABOUT, after_help = after_help())]
pub(crate) struct Cli {
    /// Connection and output options, valid before or after the subcommand.
    #[command(flatten)]
    pub(crate) global: Global,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

fn after_help() -> String {
    format!(
        "{EXAMPLES}\nConfiguration (weakest first): a profile of the config file, the environment \
(S3AAS_BACKEND, S3AAS_<BACKEND>_<KEY>), --uri, then --backend/--endpoint/--option.\n\n{}",
        crate::exit::help()
    )
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The config file with `[profiles.<name>]` tables [default: $XDG_CONFIG_HOME/s3aas/config.toml
    /// or ~/.config/s3aas/config.toml].
    #[arg(long, global = true, env = "S3AAS_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The profile of the config file to use [default: the profile `default`, if any].
    #[arg(long, global = true, env = "S3AAS_PROFILE")]
    pub(crate) profile: Option<String>,
    /// The provider as a URI, as s3aas::from_uri reads it: `<backend>://host[:port]?key=value`
    /// (never with credentials).
    #[arg(long, global = true)]
    pub(crate) uri: Option<String>,
    /// The backend: memory, rustfs, minio, ecs, seaweedfs or ceph [default: S3AAS_BACKEND,
    /// else the profile's, else memory].
    #[arg(long, global = true)]
    pub(crate) backend: Option<String>,
    /// The backend's endpoint (the option `endpoint`).
    #[arg(long, global = true)]
    pub(crate) endpoint: Option<String>,
    /// Any backend option, as `key=value` (the names of S3AAS_<BACKEND>_<KEY>, lower case);
    /// repeatable.
    #[arg(short = 'O', long = "option", global = true, value_name = "KEY=VALUE", value_parser = parse_option)]
    pub(crate) options: Vec<(String, String)>,
    /// Output format.
    #[arg(short, long, global = true, value_enum, default_value_t = Format::Table)]
    pub(crate) output: Format,
    /// No progress bars (they are drawn only when stderr is a terminal anyway).
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// How many calls bulk commands make at once.
    #[arg(long, global = true, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) concurrency: u16,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Instances (tenants): create, get, list, update, delete, usage.
    #[command(subcommand)]
    Instance(InstanceCmd),
    /// Buckets of an instance.
    #[command(subcommand)]
    Bucket(BucketCmd),
    /// IAM users of an instance.
    #[command(subcommand)]
    User(UserCmd),
    /// Named policies of an instance, and their attachment to users.
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// Access keys of a user. Secrets are printed once, by create and rotate, to stdout.
    #[command(subcommand)]
    Key(KeyCmd),
    /// A whole tenant in one call, all or nothing: instance, bucket, owner, read-write policy
    /// attached, access key (its secret printed once).
    Provision(ProvisionArgs),
    /// Shows what must change for the server to match a desired-state spec (YAML or JSON).
    Plan(StateArgs),
    /// Makes the server match a desired-state spec: plans, then applies. New keys' secrets are
    /// printed once.
    Apply(ApplyArgs),
    /// Shows what differs from a spec on the server, and the orphans (resources the spec does
    /// not hold), tenant by tenant.
    Drift(StateArgs),
    /// Whether the backend is reachable and ready, and its version.
    Health,
    /// What the backend can do (a call needing a missing capability is refused before any
    /// request).
    Capabilities,
    /// Prints a shell completion script: `s3aas completions bash > /etc/bash_completion.d/s3aas`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Instance commands.
#[derive(Debug, Subcommand)]
pub(crate) enum InstanceCmd {
    /// Creates an instance.
    #[command(
        after_help = "Example:\n  s3aas instance create acme --default-bucket acme-data --versioning --label team=storage"
    )]
    Create {
        /// The instance's name (its id on most backends).
        name: String,
        /// A bucket made with the instance.
        #[arg(long)]
        default_bucket: Option<String>,
        /// Versioning on for the instance's buckets.
        #[arg(long)]
        versioning: bool,
        /// Default encryption of the instance's buckets.
        #[arg(long, value_enum)]
        encryption: Option<EncryptionArg>,
        /// MFA delete (where the backend offers it).
        #[arg(long)]
        mfa_delete: bool,
        /// A label `key=value`; repeatable.
        #[arg(long = "label", value_parser = parse_option)]
        labels: Vec<(String, String)>,
        /// A backend-specific instance option `key=value`; repeatable.
        #[arg(long = "instance-option", value_parser = parse_option)]
        options: Vec<(String, String)>,
    },
    /// Shows an instance.
    Get {
        /// The instance id.
        id: String,
    },
    /// Lists instances (every page).
    List {
        /// Only ids starting with this.
        #[arg(long)]
        prefix: Option<String>,
    },
    /// Changes an instance's settings.
    Update {
        /// The instance id.
        id: String,
        /// Versioning on or off.
        #[arg(long)]
        versioning: Option<bool>,
        /// Default encryption.
        #[arg(long, value_enum)]
        encryption: Option<EncryptionArg>,
        /// MFA delete on or off.
        #[arg(long)]
        mfa_delete: Option<bool>,
        /// A new display name.
        #[arg(long)]
        name: Option<String>,
        /// A new default bucket.
        #[arg(long)]
        default_bucket: Option<String>,
    },
    /// Deletes an instance. With --force, first deletes its keys, users, policies and buckets
    /// (objects included) with a progress bar, then the instance.
    #[command(after_help = "Example:\n  s3aas instance delete acme --force")]
    Delete {
        /// The instance id.
        id: String,
        /// Delete what it holds too.
        #[arg(long)]
        force: bool,
    },
    /// Usage of the whole instance (bytes, objects), and how it was measured.
    Usage {
        /// The instance id.
        id: String,
    },
}

/// Encryption choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum EncryptionArg {
    /// No default encryption.
    None,
    /// SSE-S3 (AES-256) or the backend's data-at-rest encryption.
    Aes256,
}

/// Canned bucket access levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum AccessArg {
    /// No bucket policy.
    Private,
    /// Anonymous read of objects.
    PublicRead,
    /// Anonymous read and listing.
    PublicReadList,
}

/// Bucket commands.
#[derive(Debug, Subcommand)]
pub(crate) enum BucketCmd {
    /// Creates a bucket.
    #[command(
        after_help = "Example:\n  s3aas bucket create acme logs --versioning --quota 10GiB --tag env=prod"
    )]
    Create {
        /// The instance.
        instance: String,
        /// The bucket name.
        name: String,
        /// Versioning on.
        #[arg(long)]
        versioning: bool,
        /// Object lock on (only at creation; turns versioning on).
        #[arg(long)]
        object_lock: bool,
        /// Default encryption.
        #[arg(long, value_enum)]
        encryption: Option<EncryptionArg>,
        /// A hard quota: bytes, or with a unit (10GiB, 500MB).
        #[arg(long, value_parser = parse_bytes)]
        quota: Option<u64>,
        /// Canned access (a bucket policy).
        #[arg(long, value_enum)]
        access: Option<AccessArg>,
        /// A bucket policy from a JSON file (`-` for stdin).
        #[arg(long, value_name = "FILE", conflicts_with = "access")]
        policy_file: Option<PathBuf>,
        /// A tag `key=value`; repeatable.
        #[arg(long = "tag", value_parser = parse_option)]
        tags: Vec<(String, String)>,
        /// The owning user (where the backend has bucket owners).
        #[arg(long)]
        owner: Option<String>,
    },
    /// Shows a bucket with its settings.
    Get {
        /// The instance.
        instance: String,
        /// The bucket.
        name: String,
    },
    /// Lists an instance's buckets (every page).
    List {
        /// The instance.
        instance: String,
        /// Only names starting with this.
        #[arg(long)]
        prefix: Option<String>,
    },
    /// Changes a bucket's settings; what is not given is left as it is.
    Update {
        /// The instance.
        instance: String,
        /// The bucket.
        name: String,
        /// Versioning on or off.
        #[arg(long)]
        versioning: Option<bool>,
        /// A new hard quota.
        #[arg(long, value_parser = parse_bytes, conflicts_with = "clear_quota")]
        quota: Option<u64>,
        /// Removes the quota.
        #[arg(long)]
        clear_quota: bool,
        /// Canned access.
        #[arg(long, value_enum, conflicts_with_all = ["policy_file", "clear_policy"])]
        access: Option<AccessArg>,
        /// A new bucket policy from a JSON file (`-` for stdin).
        #[arg(long, value_name = "FILE", conflicts_with = "clear_policy")]
        policy_file: Option<PathBuf>,
        /// Removes the bucket policy.
        #[arg(long)]
        clear_policy: bool,
        /// Replaces the tags with these `key=value` (repeatable).
        #[arg(long = "tag", value_parser = parse_option)]
        tags: Vec<(String, String)>,
        /// Removes every tag.
        #[arg(long, conflicts_with = "tags")]
        clear_tags: bool,
        /// Default encryption.
        #[arg(long, value_enum)]
        encryption: Option<EncryptionArg>,
    },
    /// Deletes a bucket (an empty one, unless --force).
    Delete {
        /// The instance.
        instance: String,
        /// The bucket.
        name: String,
        /// Delete its objects too.
        #[arg(long)]
        force: bool,
    },
    /// A bucket's usage (bytes, objects).
    Usage {
        /// The instance.
        instance: String,
        /// The bucket.
        name: String,
    },
}

/// User commands.
#[derive(Debug, Subcommand)]
pub(crate) enum UserCmd {
    /// Creates a user.
    Create {
        /// The instance.
        instance: String,
        /// The user name.
        name: String,
        /// Create it disabled.
        #[arg(long)]
        disabled: bool,
        /// A tag `key=value`; repeatable.
        #[arg(long = "tag", value_parser = parse_option)]
        tags: Vec<(String, String)>,
    },
    /// Creates many users, from a file with one name per line (`-` for stdin); each user's own
    /// outcome is printed, and the exit code is that of the first failure.
    #[command(after_help = "Example:\n  seq -f 'user%03g' 1 500 | s3aas user create-many acme -")]
    CreateMany {
        /// The instance.
        instance: String,
        /// The file of names.
        file: PathBuf,
    },
    /// Shows a user.
    Get {
        /// The instance.
        instance: String,
        /// The user.
        name: String,
    },
    /// Lists an instance's users (every page).
    List {
        /// The instance.
        instance: String,
        /// Only names starting with this.
        #[arg(long)]
        prefix: Option<String>,
    },
    /// Enables a user.
    Enable {
        /// The instance.
        instance: String,
        /// The user.
        name: String,
    },
    /// Disables a user (its keys stop working).
    Disable {
        /// The instance.
        instance: String,
        /// The user.
        name: String,
    },
    /// Deletes a user and its keys.
    Delete {
        /// The instance.
        instance: String,
        /// The user.
        name: String,
    },
    /// Deletes many users, from a file with one name per line (`-` for stdin).
    DeleteMany {
        /// The instance.
        instance: String,
        /// The file of names.
        file: PathBuf,
    },
}

/// Policy commands.
#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCmd {
    /// Creates or replaces a named policy.
    #[command(
        after_help = "Examples:\n  s3aas policy put acme rw --bucket-read-write acme-data\n  s3aas policy put acme custom --file policy.json"
    )]
    Put {
        /// The instance.
        instance: String,
        /// The policy name.
        name: String,
        /// The IAM policy document, a JSON file (`-` for stdin).
        #[arg(long, value_name = "FILE", required_unless_present_any = ["bucket_read_write", "bucket_read_only"])]
        file: Option<PathBuf>,
        /// The canned read-write policy of a bucket.
        #[arg(long, value_name = "BUCKET", conflicts_with_all = ["file", "bucket_read_only"])]
        bucket_read_write: Option<String>,
        /// The canned read-only policy of a bucket.
        #[arg(long, value_name = "BUCKET", conflicts_with = "file")]
        bucket_read_only: Option<String>,
    },
    /// Shows a policy and its document.
    Get {
        /// The instance.
        instance: String,
        /// The policy.
        name: String,
    },
    /// Lists an instance's policies (every page).
    List {
        /// The instance.
        instance: String,
        /// Only names starting with this.
        #[arg(long)]
        prefix: Option<String>,
    },
    /// Deletes a policy.
    Delete {
        /// The instance.
        instance: String,
        /// The policy.
        name: String,
    },
    /// Attaches a policy to a user.
    Attach {
        /// The instance.
        instance: String,
        /// The user.
        user: String,
        /// The policy.
        policy: String,
    },
    /// Detaches a policy from a user.
    Detach {
        /// The instance.
        instance: String,
        /// The user.
        user: String,
        /// The policy.
        policy: String,
    },
    /// Lists the policies attached to a user.
    Attached {
        /// The instance.
        instance: String,
        /// The user.
        user: String,
    },
}

/// Access key commands.
#[derive(Debug, Subcommand)]
pub(crate) enum KeyCmd {
    /// Creates an access key; prints its secret, once.
    #[command(
        after_help = "Example:\n  s3aas key create acme alice --name ci --expires 30d --output json"
    )]
    Create {
        /// The instance.
        instance: String,
        /// The user.
        user: String,
        /// A name.
        #[arg(long)]
        name: Option<String>,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        /// When it stops working: an RFC 3339 time, or a duration from now (90m, 12h, 30d).
        #[arg(long, value_parser = parse_expiry)]
        expires: Option<time::OffsetDateTime>,
        /// A session policy (JSON file, `-` for stdin) narrowing what the key may do.
        #[arg(long, value_name = "FILE")]
        session_policy_file: Option<PathBuf>,
    },
    /// Creates one key for each user named in a file (one per line, `-` for stdin); prints each
    /// secret, once.
    CreateMany {
        /// The instance.
        instance: String,
        /// The file of user names.
        file: PathBuf,
        /// A name for every key.
        #[arg(long)]
        name: Option<String>,
    },
    /// Lists a user's keys (never a secret).
    List {
        /// The instance.
        instance: String,
        /// The user.
        user: String,
    },
    /// Shows a key (never its secret).
    Get {
        /// The instance.
        instance: String,
        /// The user.
        user: String,
        /// The key id.
        key: String,
    },
    /// Enables a key.
    Enable {
        /// The instance.
        instance: String,
        /// The user.
        user: String,
        /// The key id.
        key: String,
    },
    /// Disables a key.
    Disable {
        /// The instance.
        instance: String,
        /// The user.
        user: String,
        /// The key id.
        key: String,
    },
    /// Deletes a key.
    Delete {
        /// The instance.
        instance: String,
        /// The user.
        user: String,
        /// The key id.
        key: String,
    },
    /// Replaces a key with a new one (same name, description, session policy); the old one is
    /// deleted, or keeps working for --grace. Prints the new secret, once.
    #[command(after_help = "Example:\n  s3aas key rotate acme alice AKIAEXAMPLE --grace 1h")]
    Rotate {
        /// The instance.
        instance: String,
        /// The user.
        user: String,
        /// The key id to replace.
        key: String,
        /// How long the old key keeps working (90s, 30m, 1h, 7d).
        #[arg(long, value_parser = parse_duration)]
        grace: Option<std::time::Duration>,
    },
}

/// `provision` arguments.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  s3aas provision acme --bucket acme-data --owner alice --versioning --quota 10GiB"
)]
pub(crate) struct ProvisionArgs {
    /// The instance to create.
    pub(crate) instance: String,
    /// Its bucket.
    #[arg(long)]
    pub(crate) bucket: String,
    /// Its owner (a user given read-write on the bucket and an access key).
    #[arg(long)]
    pub(crate) owner: String,
    /// Versioning on the bucket.
    #[arg(long)]
    pub(crate) versioning: bool,
    /// A hard quota on the bucket.
    #[arg(long, value_parser = parse_bytes)]
    pub(crate) quota: Option<u64>,
    /// The name of the owner's policy [default: <owner>-rw].
    #[arg(long)]
    pub(crate) policy_name: Option<String>,
    /// A name for the access key.
    #[arg(long)]
    pub(crate) key_name: Option<String>,
}

/// `plan`/`drift` arguments.
#[derive(Debug, Args)]
pub(crate) struct StateArgs {
    /// The spec: YAML (.yaml/.yml) or JSON, `-` for JSON on stdin.
    pub(crate) spec: PathBuf,
    /// Exit with 12 when something differs (0 when nothing does).
    #[arg(long)]
    pub(crate) exit_code: bool,
}

/// `apply` arguments.
#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// The spec: YAML (.yaml/.yml) or JSON, `-` for JSON on stdin.
    pub(crate) spec: PathBuf,
    /// Only plan, change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

/// Parses a byte count: digits, optionally followed by B, KB, MB, GB, TB (powers of 1000) or
/// KiB, MiB, GiB, TiB (powers of 1024).
pub(crate) fn parse_bytes(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a size (e.g. 1048576, 500MB, 10GiB)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        other => {
            return Err(format!(
                "unknown size unit '{other}' (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("'{s}' is too large"))
}

/// Parses a duration: a whole number followed by s, m, h or d.
pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (digits, unit) = s.split_at(s.len().saturating_sub(1));
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (e.g. 90s, 30m, 1h, 7d)"))?;
    let secs = match unit {
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3_600),
        "d" => n.checked_mul(86_400),
        _ => return Err(format!("'{s}' is not a duration (e.g. 90s, 30m, 1h, 7d)")),
    }
    .ok_or_else(|| format!("'{s}' is too long"))?;
    Ok(std::time::Duration::from_secs(secs))
}

/// Parses an expiry: an RFC 3339 time, or a duration from now.
pub(crate) fn parse_expiry(s: &str) -> Result<time::OffsetDateTime, String> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let d = parse_duration(s)
        .map_err(|_| format!("'{s}' is neither an RFC 3339 time nor a duration (30d)"))?;
    Ok(time::OffsetDateTime::now_utc() + d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert_eq!(parse_bytes("10GiB"), Ok(10 << 30));
        assert_eq!(parse_bytes("500MB"), Ok(500_000_000));
        assert!(
            parse_bytes("10 parsecs")
                .unwrap_err()
                .contains("unknown size unit")
        );
        assert!(parse_bytes("GiB").is_err());
        assert!(
            parse_bytes("99999999999TiB")
                .unwrap_err()
                .contains("too large")
        );
        assert_eq!(
            parse_duration("90s"),
            Ok(std::time::Duration::from_secs(90))
        );
        assert_eq!(
            parse_duration("1h"),
            Ok(std::time::Duration::from_secs(3600))
        );
        assert_eq!(
            parse_duration("7d"),
            Ok(std::time::Duration::from_secs(604_800))
        );
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("h").is_err());
        let t = parse_expiry("2031-01-02T03:04:05Z").unwrap();
        assert_eq!(t.year(), 2031);
        let soon = parse_expiry("1d").unwrap() - time::OffsetDateTime::now_utc();
        assert!(soon > time::Duration::hours(23) && soon <= time::Duration::hours(24));
    }
}
