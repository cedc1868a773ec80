//! Capturing `tracing` output in tests, e.g. to prove that no secret is ever logged.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Captures every `tracing` event of every crate (TRACE and up) while the guard from
/// [`LogCapture::install`] lives.
#[derive(Clone, Debug, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl Write for LogCapture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// Starts capturing on this thread (and the tasks it polls) at TRACE level; keep the guard.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        let sink = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    /// Everything captured so far, with a positive control: emits a TRACE event as a dependency
    /// would and panics unless it (and at least one s3aas event) was captured, so a test reading
    /// this cannot pass by capturing nothing.
    pub fn text_checked(&self) -> String {
        tracing::trace!(target: "hyper_util::client", "control-event-7f3a");
        let text =
            String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
        assert!(
            text.contains("control-event-7f3a") && text.contains("s3aas"),
            "tracing was not captured ({} bytes)",
            text.len()
        );
        text
    }
}

/// Asserts that none of `secrets` occurs in `haystack` (naming only the first characters).
pub fn assert_no_secret(haystack: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !haystack.contains(s.as_str()),
            "a secret leaked into logs or formatted output: {}...",
            &s[..s.len().min(4)]
        );
    }
}
