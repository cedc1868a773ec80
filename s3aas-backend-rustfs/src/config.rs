//! Building a provider: the builder and the options (declared once, for the madmin family, in
//! `s3aas-madmin`'s typed options struct; the README's section "RustFS and MinIO" lists them).

/// The configuration keys this backend reads (besides the transport keys).
pub use s3aas_madmin::KEYS;
/// Builds a provider (options and defaults: see [`s3aas_madmin::MadminProvider::from_config`]).
pub use s3aas_madmin::MadminBuilder as RustfsBuilder;
