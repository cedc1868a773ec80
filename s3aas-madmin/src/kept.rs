//! [`Kept`]: a server-wide fact kept for a bounded time.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A server-wide fact that no client's admin call changes (version and nodes, readiness), kept
/// for a bounded time so that instance calls do not ask the server for it each time. Only
/// answers are kept: a failed read is asked again by the next call. `health()` never reads from
/// here: it always asks afresh.
#[derive(Debug)]
pub(crate) struct Kept<T> {
    lifetime: Duration,
    slot: Mutex<Option<(Instant, T)>>,
}

impl<T: Clone> Kept<T> {
    pub(crate) fn new(lifetime: Duration) -> Self {
        Kept {
            lifetime,
            slot: Mutex::new(None),
        }
    }

    /// The kept value, unless it is older than the lifetime.
    pub(crate) fn get(&self) -> Option<T> {
        let slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.as_ref()
            .filter(|(at, _)| at.elapsed() < self.lifetime)
            .map(|(_, v)| v.clone())
    }

    /// Keeps `v`, read just now.
    pub(crate) fn put(&self, v: T) {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_for_its_lifetime_only() {
        let k = Kept::new(Duration::from_millis(50));
        assert_eq!(k.get(), None::<u8>);
        k.put(7);
        assert_eq!(k.get(), Some(7));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(k.get(), None, "expired");
        k.put(8);
        assert_eq!(k.get(), Some(8), "a new answer starts a new lifetime");
    }
}
