//! Progress display and warnings on stderr. The bar draws only when stderr is a terminal and
//! progress was not disabled, so machine-readable stdout is never touched.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::time::Duration;

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::scan::Stats;

/// A progress spinner (or nothing) plus the warning printer.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    /// Shows a spinner when `enabled` and stderr is a terminal.
    pub fn new(enabled: bool, label: &str) -> Self {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            pb.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {elapsed} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            pb.set_prefix(label.to_string());
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        });
        Progress { bar, quiet: false }
    }

    /// No display and no warnings printed (tests, library use).
    pub fn hidden() -> Self {
        Progress {
            bar: None,
            quiet: true,
        }
    }

    /// Prints a warning above the bar.
    pub fn warn(&self, msg: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(b) => b.suspend(|| eprintln!("warning: {msg}")),
            None => eprintln!("warning: {msg}"),
        }
    }

    /// Refreshes the counters shown.
    pub fn update(&self, s: &Stats) {
        if let Some(b) = &self.bar {
            b.set_message(format!(
                "{} files, {}, {} findings",
                s.files.load(Ordering::Relaxed),
                HumanBytes(s.bytes.load(Ordering::Relaxed)),
                s.findings.load(Ordering::Relaxed)
            ));
        }
    }

    /// Replaces the label in front of the counters (e.g. a source's current stage).
    pub fn set_label(&self, label: &str) {
        if let Some(b) = &self.bar {
            b.set_prefix(label.to_string());
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
