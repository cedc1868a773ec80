//! Serde forms of model fields whose default form would be lossy or unreadable.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `Option<Option<T>>`, where the outer `None` means "unknown" (or "leave as it is" in an
/// update) and `Some(None)` means "none": the field is left out for `None` (use with
/// `skip_serializing_if = "Option::is_none"` and `default`) and is `null` for `Some(None)`, so
/// the two survive a round trip.
pub(crate) mod double_option {
    use super::*;

    pub(crate) fn serialize<S: Serializer, T: Serialize>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// `Option<Duration>` as whole seconds (`"grace": 3600`).
pub(crate) mod secs_option {
    use super::*;
    use std::time::Duration;

    pub(crate) fn serialize<S: Serializer>(v: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_some(&d.as_secs()),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_secs))
    }
}
