//! Sealing and opening (feature `crypto`): the key derivations and AEADs.

use crate::{Algorithm, CodecError, FRAGMENT, HEADER_LEN, TAG};
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use rand::RngCore;
use zeroize::Zeroizing;

/// Derives the 32-byte key of an algorithm from a password and salt.
pub fn derive_key(password: &[u8], salt: &[u8; 32], alg: Algorithm) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    match alg {
        Algorithm::Argon2idAesGcm | Algorithm::Argon2idChaCha20Poly1305 => {
            let params =
                argon2::Params::new(64 * 1024, 1, 4, Some(32)).expect("valid Argon2 parameters");
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password_into(password, salt, key.as_mut())
                .expect("Argon2id accepts any password and a 32-byte salt");
        }
        Algorithm::Pbkdf2AesGcm => {
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, 8192, key.as_mut())
        }
    }
    key
}

enum Cipher {
    Aes(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
}

impl Cipher {
    fn new(alg: Algorithm, key: &[u8; 32]) -> Self {
        match alg {
            Algorithm::Argon2idChaCha20Poly1305 => {
                Cipher::ChaCha(Box::new(ChaCha20Poly1305::new(key.into())))
            }
            _ => Cipher::Aes(Box::new(Aes256Gcm::new(key.into()))),
        }
    }

    fn seal(&self, nonce: &[u8; 12], msg: &[u8], aad: &[u8]) -> Vec<u8> {
        let p = Payload { msg, aad };
        match self {
            Cipher::Aes(c) => c.encrypt(nonce.into(), p),
            Cipher::ChaCha(c) => c.encrypt(nonce.into(), p),
        }
        .expect("sealing cannot fail for in-memory fragments")
    }

    fn open(&self, nonce: &[u8; 12], msg: &[u8], aad: &[u8]) -> Result<Vec<u8>, CodecError> {
        let p = Payload { msg, aad };
        match self {
            Cipher::Aes(c) => c.decrypt(nonce.into(), p),
            Cipher::ChaCha(c) => c.decrypt(nonce.into(), p),
        }
        .map_err(|_| CodecError::NotAuthentic)
    }
}

fn nonce(prefix: &[u8; 8], seq: u32) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[..8].copy_from_slice(prefix);
    n[8..].copy_from_slice(&seq.to_le_bytes());
    n
}

fn ad(cipher: &Cipher, prefix: &[u8; 8], last: bool) -> [u8; 17] {
    let tag0 = cipher.seal(&nonce(prefix, 0), &[], &[]);
    let mut a = [0u8; 17];
    a[0] = if last { 0x80 } else { 0x00 };
    a[1..].copy_from_slice(&tag0);
    a
}

/// Encrypts with fresh random salt and nonce.
pub fn encrypt(password: &[u8], plaintext: &[u8], alg: Algorithm) -> Vec<u8> {
    let mut salt = [0u8; 32];
    let mut n = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    rand::rngs::OsRng.fill_bytes(&mut n);
    encrypt_with(password, plaintext, alg, &salt, &n)
}

/// Encrypts with a given salt and nonce (for known-answer tests; never reuse them in practice).
pub fn encrypt_with(
    password: &[u8],
    plaintext: &[u8],
    alg: Algorithm,
    salt: &[u8; 32],
    nonce8: &[u8; 8],
) -> Vec<u8> {
    let key = derive_key(password, salt, alg);
    let cipher = Cipher::new(alg, &key);
    let fragments = plaintext.len().div_ceil(FRAGMENT).max(1);
    let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG * fragments);
    out.extend_from_slice(salt);
    out.push(alg.id());
    out.extend_from_slice(nonce8);
    let mid = ad(&cipher, nonce8, false);
    let last = ad(&cipher, nonce8, true);
    for i in 0..fragments {
        let start = i * FRAGMENT;
        let end = (start + FRAGMENT).min(plaintext.len());
        let is_last = i + 1 == fragments;
        let seq = u32::try_from(i + 1).expect("payloads stay far below 64 TiB");
        out.extend(cipher.seal(
            &nonce(nonce8, seq),
            &plaintext[start..end],
            if is_last { &last } else { &mid },
        ));
    }
    out
}

/// Decrypts a message of any of the three algorithms.
///
/// A header with no fragment at all is accepted as an empty plaintext: RustFS encodes empty
/// payloads that way (sio-go would write one empty final fragment).
pub fn decrypt(password: &[u8], data: &[u8]) -> Result<Vec<u8>, CodecError> {
    if data.len() < HEADER_LEN {
        return Err(CodecError::TooShort(data.len()));
    }
    let alg = Algorithm::from_id(data[32]).ok_or(CodecError::UnknownAlgorithm(data[32]))?;
    let salt: &[u8; 32] = data[..32].try_into().expect("32 bytes");
    let nonce8: &[u8; 8] = data[33..41].try_into().expect("8 bytes");
    let body = &data[HEADER_LEN..];
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let key = derive_key(password, salt, alg);
    let cipher = Cipher::new(alg, &key);
    let mid = ad(&cipher, nonce8, false);
    let last = ad(&cipher, nonce8, true);
    let sealed = FRAGMENT + TAG;
    let count = body.len().div_ceil(sealed);
    let mut out = Vec::with_capacity(body.len());
    for (i, chunk) in body.chunks(sealed).enumerate() {
        if chunk.len() < TAG {
            return Err(CodecError::NotAuthentic);
        }
        let is_last = i + 1 == count;
        let seq = u32::try_from(i + 1).map_err(|_| CodecError::NotAuthentic)?;
        out.extend(cipher.open(
            &nonce(nonce8, seq),
            chunk,
            if is_last { &last } else { &mid },
        )?);
    }
    Ok(out)
}
