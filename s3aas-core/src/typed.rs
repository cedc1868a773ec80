//! Typed backend options: each backend declares its options once, as a struct that derives
//! `serde::Deserialize` with `#[serde(deny_unknown_fields)]`, and reads a [`ProviderConfig`]
//! into it with [`ProviderConfig::typed`]. The key list comes from that struct
//! ([`option_keys`]), unknown keys are refused naming the known ones, and a value of the wrong
//! type is refused naming its key.
//!
//! Values are strings wherever they come from (environment, URI, options), so the reader parses
//! them by the field's type: `true`/`false` for booleans, digits for numbers, the text for
//! strings, and [`SecretOption`] for secrets (kept redacted).

use crate::error::{Error, ErrorKind, Result};
use crate::registry::ProviderConfig;
use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, DeserializeOwned, IntoDeserializer, MapAccess, Visitor};
use std::fmt;

/// A secret option (a password, a secret key): read as text, held redacted.
#[derive(Clone)]
pub struct SecretOption(pub SecretString);

impl fmt::Debug for SecretOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretOption([REDACTED])")
    }
}

impl<'de> serde::Deserialize<'de> for SecretOption {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(SecretOption(SecretString::from(s)))
    }
}

/// The option keys of a typed options struct, in declaration order (read from its
/// `Deserialize` implementation, so they cannot drift from it).
pub fn option_keys<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Capture(&'static [&'static str]);
    #[derive(Debug)]
    struct Stop;
    impl fmt::Display for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("stop")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> de::Deserializer<'de> for &mut Capture {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> std::result::Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> std::result::Result<V::Value, Stop> {
            self.0 = fields;
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut c = Capture(&[]);
    let _ = T::deserialize(&mut c);
    c.0
}

/// One option value: a string that parses itself into the type the field asks for.
struct Value<'a> {
    key: &'a str,
    text: &'a str,
}

#[derive(Debug)]
struct OptError(String);

impl fmt::Display for OptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for OptError {}
impl de::Error for OptError {
    fn custom<M: fmt::Display>(m: M) -> Self {
        OptError(m.to_string())
    }
}

impl<'de> de::Deserializer<'de> for Value<'_> {
    type Error = OptError;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> std::result::Result<V::Value, OptError> {
        v.visit_str(self.text)
    }
    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> std::result::Result<V::Value, OptError> {
        match self.text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => v.visit_bool(true),
            "false" | "no" | "0" => v.visit_bool(false),
            _ => Err(OptError(format!(
                "option '{}' takes true or false, not '{}'",
                self.key, self.text
            ))),
        }
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> std::result::Result<V::Value, OptError> {
        self.text
            .trim()
            .parse()
            .map(|n| v.visit_u64(n))
            .map_err(|_| {
                OptError(format!(
                    "option '{}' takes a whole number, not '{}'",
                    self.key, self.text
                ))
            })?
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> std::result::Result<V::Value, OptError> {
        self.deserialize_u64(v)
    }
    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> std::result::Result<V::Value, OptError> {
        v.visit_some(self)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> std::result::Result<V::Value, OptError> {
        v.visit_newtype_struct(self)
    }
    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The options of a config, as a map of self-parsing values.
struct Options<'a> {
    items: std::vec::IntoIter<(&'a str, &'a str)>,
    pending: Option<(&'a str, &'a str)>,
}

impl<'de, 'a> MapAccess<'de> for Options<'a> {
    type Error = OptError;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> std::result::Result<Option<K::Value>, OptError> {
        match self.items.next() {
            None => Ok(None),
            Some((k, v)) => {
                self.pending = Some((k, v));
                let key: de::value::StrDeserializer<'_, OptError> = k.into_deserializer();
                seed.deserialize(key).map(Some)
            }
        }
    }
    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> std::result::Result<V::Value, OptError> {
        let (key, text) = self.pending.take().expect("a key comes first");
        seed.deserialize(Value { key, text })
    }
}

struct Whole<'a>(Options<'a>);

impl<'de, 'a> de::Deserializer<'de> for Whole<'a> {
    type Error = OptError;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> std::result::Result<V::Value, OptError> {
        v.visit_map(self.0)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl ProviderConfig {
    /// Reads the options into a typed options struct `T` (see the [module docs](self)).
    /// Keys in `shared` (e.g. the transport options every HTTP backend reads) are left to their
    /// own reader and neither refused nor passed to `T`.
    pub fn typed<T: DeserializeOwned>(&self, shared: &[&str]) -> Result<T> {
        let exposed: Vec<(&str, &str)> = self
            .keys()
            .into_iter()
            .filter(|k| !shared.contains(k))
            .map(|k| {
                let v = self
                    .get(k)
                    .or_else(|| self.secret(k).map(|s| s.expose_secret()))
                    .unwrap_or_default();
                (k, v)
            })
            .collect();
        let whole = Whole(Options {
            items: exposed.into_iter(),
            pending: None,
        });
        T::deserialize(whole).map_err(|e| {
            let msg = e.0;
            let mut known: Vec<&str> = option_keys::<T>().to_vec();
            known.extend(shared);
            let msg = if msg.starts_with("unknown field") {
                format!(
                    "{}: unknown option {} (known: {})",
                    self.backend(),
                    msg.trim_start_matches("unknown field ")
                        .split(", expected")
                        .next()
                        .unwrap_or_default(),
                    known.join(", ")
                )
            } else if let Some(field) = msg.strip_prefix("missing field ") {
                format!(
                    "{}: option {field} is required (S3AAS_{}_{})",
                    self.backend(),
                    self.backend().to_ascii_uppercase(),
                    field.trim_matches('`').to_ascii_uppercase()
                )
            } else {
                format!("{}: {msg}", self.backend())
            };
            Error::new(ErrorKind::ConfigInvalid, msg)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Opts {
        endpoint: String,
        password: SecretOption,
        #[serde(default)]
        iam: bool,
        #[serde(default)]
        timeout_secs: Option<u64>,
        #[serde(default)]
        prefix: Option<String>,
    }

    #[test]
    fn options_are_typed_and_unknown_ones_refused() {
        assert_eq!(
            option_keys::<Opts>(),
            &["endpoint", "password", "iam", "timeout_secs", "prefix"]
        );
        let cfg = ProviderConfig::new("acme")
            .with("endpoint", "http://127.0.0.1:1")
            .with("password", "hunter2")
            .with("iam", "TRUE")
            .with("timeout_secs", "30")
            .with("connect_timeout_ms", "5");
        let o: Opts = cfg.typed(&["connect_timeout_ms"]).unwrap();
        assert!(o.iam);
        assert_eq!(o.timeout_secs, Some(30));
        assert_eq!(o.password.0.expose_secret(), "hunter2");
        assert!(!format!("{o:?}").contains("hunter2"));
        let e = cfg
            .clone()
            .with("typo", "1")
            .typed::<Opts>(&["connect_timeout_ms"])
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(
            e.message().contains("typo") && e.message().contains("timeout_secs"),
            "{e}"
        );
        let e = cfg
            .clone()
            .with("iam", "maybe")
            .typed::<Opts>(&["connect_timeout_ms"])
            .unwrap_err();
        assert!(e.message().contains("'iam' takes true or false"), "{e}");
        let e = ProviderConfig::new("acme").typed::<Opts>(&[]).unwrap_err();
        assert!(
            e.message().contains("endpoint") && e.message().contains("S3AAS_ACME_ENDPOINT"),
            "{e}"
        );
        assert!(!format!("{e}").contains("hunter2"));
    }
}
