//! The madmin payload encryption.
//!
//! MinIO's admin API encrypts bodies that carry secrets (add-user, service accounts, policy
//! attach, list-users, ...) with the secret key of the signing credential as password. The format
//! is madmin-go's `EncryptData`/`DecryptData`:
//!
//! ```text
//! salt (32) | algorithm id (1) | nonce (8) | sio-go stream
//! ```
//!
//! The stream cuts the plaintext into 16 KiB fragments, each sealed with nonce
//! `nonce8 || LE32(seq)` (seq from 1) and associated data `flag || tag0`, where `flag` is `0x80`
//! on the last fragment and `tag0` is the tag of an empty message sealed with seq 0. Every
//! message ends with a final fragment (an empty plaintext is a lone 16-byte tag).
//!
//! | id | key derivation | AEAD |
//! | --- | --- | --- |
//! | 0 | Argon2id (t=1, m=64 MiB, p=4) | AES-256-GCM |
//! | 1 | Argon2id (t=1, m=64 MiB, p=4) | ChaCha20-Poly1305 |
//! | 2 | PBKDF2-HMAC-SHA256 (8192 rounds) | AES-256-GCM |
//!
//! [`decrypt`] accepts all three ids. [`encrypt`] uses [`Algorithm::default`] =
//! [`Algorithm::Pbkdf2AesGcm`] (id 2): MinIO and RustFS both accept it, RustFS answers with it,
//! and it avoids Argon2id's 64 MiB allocation per call — see the measured figures in the
//! workspace README. Key derivation is CPU-bound (milliseconds for PBKDF2, tens of milliseconds
//! for Argon2id): async callers should run these functions on a blocking thread.
//!
//! ```
//! use s3aas_madmin_codec::{Algorithm, decrypt, encrypt};
//! let sealed = encrypt(b"admin-secret", br#"{"status":"enabled"}"#, Algorithm::Pbkdf2AesGcm);
//! assert_eq!(decrypt(b"admin-secret", &sealed).unwrap(), br#"{"status":"enabled"}"#);
//! assert!(decrypt(b"wrong", &sealed).is_err());
//! ```

use std::fmt;

#[cfg(feature = "crypto")]
mod seal;
#[cfg(feature = "crypto")]
pub use seal::{decrypt, derive_key, encrypt, encrypt_with};

/// Bytes before the stream: salt, id, nonce.
pub const HEADER_LEN: usize = 41;
/// Plaintext bytes per fragment.
pub const FRAGMENT: usize = 16 * 1024;
/// Authentication tag bytes per fragment.
#[cfg(feature = "crypto")]
const TAG: usize = 16;

/// The algorithm of a message (the byte after the salt).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// id 0: Argon2id + AES-256-GCM (madmin's choice on CPUs with AES instructions).
    Argon2idAesGcm,
    /// id 1: Argon2id + ChaCha20-Poly1305 (madmin's choice without AES instructions).
    Argon2idChaCha20Poly1305,
    /// id 2: PBKDF2-HMAC-SHA256 + AES-256-GCM (madmin's FIPS choice; what RustFS sends).
    #[default]
    Pbkdf2AesGcm,
}

impl Algorithm {
    /// The id byte.
    pub fn id(self) -> u8 {
        match self {
            Algorithm::Argon2idAesGcm => 0,
            Algorithm::Argon2idChaCha20Poly1305 => 1,
            Algorithm::Pbkdf2AesGcm => 2,
        }
    }

    /// The algorithm of an id byte.
    pub fn from_id(id: u8) -> Option<Self> {
        match id {
            0 => Some(Algorithm::Argon2idAesGcm),
            1 => Some(Algorithm::Argon2idChaCha20Poly1305),
            2 => Some(Algorithm::Pbkdf2AesGcm),
            _ => None,
        }
    }
}

/// Why a message could not be decrypted. Never contains the password or plaintext.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// Shorter than the 41-byte header.
    TooShort(usize),
    /// The id byte is not 0, 1 or 2.
    UnknownAlgorithm(u8),
    /// A fragment failed authentication: wrong password, or the data was truncated, reordered or
    /// changed.
    NotAuthentic,
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::TooShort(n) => write!(f, "encrypted payload too short ({n} bytes; the header alone is {HEADER_LEN})"),
            CodecError::UnknownAlgorithm(id) => write!(f, "unknown payload encryption algorithm id {id} (expected 0, 1 or 2)"),
            CodecError::NotAuthentic => f.write_str("encrypted payload is not authentic: wrong secret key, or the data was truncated or modified"),
        }
    }
}

impl std::error::Error for CodecError {}

/// Whether data looks like a madmin-encrypted message (madmin's `IsEncrypted`: longer than the
/// salt and a known id byte).
pub fn looks_encrypted(data: &[u8]) -> bool {
    data.len() > 32 && data[32] <= 2
}
