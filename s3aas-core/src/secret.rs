//! Secrets: the redacting string type and generators for keys and secrets.
//!
//! Secrets are held in [`SecretString`] (from `secrecy`), whose `Debug` prints `[REDACTED]` and
//! which has no `Display`. Use `expose_secret()` only where the value is sent or shown on purpose.

use rand::Rng;
use rand::distributions::Alphanumeric;
pub use secrecy::{ExposeSecret, SecretString};

/// Serialises `T` with its secrets in clear: `serde_json::to_string(&ExposeSecrets(&new_key))`.
///
/// Without this wrapper every secret field of the model (a new key's secret, a replication
/// destination's secret) serialises as `"[REDACTED]"`, so logging or storing a resource never
/// leaks one by accident. Wrap only what is shown or kept on purpose, once (the command line
/// prints a new key's secret this way).
///
/// Serialisation is synchronous, so the wrapper marks the current thread for exactly the
/// duration of the inner `serialize` call; a serialisation made meanwhile on another thread
/// stays redacted.
///
/// The wrapper exists with or without the `serde` feature (it serialises any `Serialize` value);
/// without the feature the model's types have no `Serialize` to wrap.
#[derive(Debug, Clone, Copy)]
pub struct ExposeSecrets<'a, T: ?Sized>(pub &'a T);

thread_local! {
    static EXPOSING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Raises the thread's exposure depth; restores the previous depth when dropped (also on a
/// panic mid-way, as the stack unwinds).
struct ExposingGuard {
    previous: u32,
}

impl ExposingGuard {
    fn enter() -> Self {
        let previous = EXPOSING.with(|d| d.replace(d.get().saturating_add(1)));
        ExposingGuard { previous }
    }
}

impl Drop for ExposingGuard {
    fn drop(&mut self) {
        EXPOSING.with(|d| d.set(self.previous));
    }
}

impl<T: serde::Serialize + ?Sized> serde::Serialize for ExposeSecrets<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let _guard = ExposingGuard::enter();
        self.0.serialize(s)
    }
}

/// What a secret serialises as outside [`ExposeSecrets`].
pub const REDACTED: &str = "[REDACTED]";

/// Serde helpers for secret fields (`#[serde(with = "crate::secret::serde_secret")]`).
#[cfg(feature = "serde")]
pub(crate) mod serde_secret {
    use super::{EXPOSING, REDACTED};
    use secrecy::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &SecretString, s: S) -> Result<S::Ok, S::Error> {
        if EXPOSING.with(|d| d.get() > 0) {
            s.serialize_str(v.expose_secret())
        } else {
            s.serialize_str(REDACTED)
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
        let text = String::deserialize(d)?;
        if text == REDACTED {
            return Err(serde::de::Error::custom(
                "the secret was serialised redacted; serialise through ExposeSecrets to keep it",
            ));
        }
        Ok(SecretString::from(text))
    }

    /// The same, for `Option<SecretString>`.
    pub(crate) mod option {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(
            v: &Option<SecretString>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match v {
                Some(v) => super::serialize(v, s),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<SecretString>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(t) if t == REDACTED => Err(serde::de::Error::custom(
                    "the secret was serialised redacted; serialise through ExposeSecrets to keep it",
                )),
                Some(t) => Ok(Some(SecretString::from(t))),
            }
        }
    }
}

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

    #[test]
    fn exposure_depth_is_restored_by_nested_guards() {
        let depth = || EXPOSING.with(|d| d.get());
        assert_eq!(depth(), 0);
        {
            let _outer = ExposingGuard::enter();
            assert_eq!(depth(), 1);
            {
                let _inner = ExposingGuard::enter();
                assert_eq!(depth(), 2);
            }
            assert_eq!(depth(), 1);
        }
        assert_eq!(depth(), 0);
    }
}
