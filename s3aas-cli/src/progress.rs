//! Progress of bulk commands: a bar on stderr when stderr is a terminal, nothing when piped or
//! with `--quiet` (so scripts and logs see only the result).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A progress bar that may be hidden.
#[derive(Debug)]
pub(crate) struct Progress(ProgressBar);

impl Progress {
    /// A bar of `len` steps labelled `what`, drawn only on a terminal and without `--quiet`.
    pub(crate) fn new(len: u64, what: &str, quiet: bool) -> Progress {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(len), target);
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left)")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        Progress(bar)
    }

    /// One step done.
    pub(crate) fn inc(&self) {
        self.0.inc(1);
    }

    /// Changes the label (the phase of a multi-phase command).
    pub(crate) fn phase(&self, what: &str, len: u64) {
        self.0.set_message(what.to_string());
        self.0.set_length(len);
        self.0.set_position(0);
    }

    /// Whether the bar is drawn.
    pub(crate) fn is_visible(&self) -> bool {
        !self.0.is_hidden()
    }

    /// Removes the bar from the terminal.
    pub(crate) fn finish(&self) {
        self.0.finish_and_clear();
    }
}
