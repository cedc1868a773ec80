//! s3aas facade (filled in below).
pub use s3aas_core::*;
