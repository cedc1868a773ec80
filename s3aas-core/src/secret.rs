//! Secrets: the redacting string type and generators for keys and secrets.
//!
//! Secrets are held in [`SecretString`] (from `secrecy`), whose `Debug` prints `[REDACTED]` and
//! which has no `Display`. Use `expose_secret()` only where the value is sent or shown on purpose.

use rand::Rng;
use rand::distributions::Alphanumeric;
pub use secrecy::{ExposeSecret, SecretString};

/// A random 20-character access key id (upper-case letters and digits), like AWS.
pub fn random_access_key_id() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

/// A random 40-character secret access key (letters and digits) from the OS-seeded CSPRNG.
pub fn random_secret_key() -> SecretString {
    let s: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    SecretString::from(s)
}

/// Compares two byte strings in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_shapes_and_redaction() {
        let id = random_access_key_id();
        assert_eq!(id.len(), 20);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        let s = random_secret_key();
        assert_eq!(s.expose_secret().len(), 40);
        let dbg = format!("{s:?}");
        assert!(!dbg.contains(s.expose_secret()), "{dbg}");
        assert_ne!(random_access_key_id(), random_access_key_id());
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
