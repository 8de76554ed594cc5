//! The progress line of long runs: how many files have been parsed out of how many, counted by
//! the parallel parse and drawn on standard error by a thread of its own, only on a terminal, only
//! in text mode, and only once a run has taken longer than `DELAY`.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A run that ends sooner shows nothing.
pub const DELAY: Duration = Duration::from_secs(1);
const REDRAW: Duration = Duration::from_millis(100);

/// Files parsed so far and how many there are; shared by the parse and the progress line.
#[derive(Debug, Default)]
pub struct Progress {
    parsed: AtomicUsize,
    total: AtomicUsize,
}

impl Progress {
    /// A new parse of `total` files begins (`--fix` parses twice: before and after).
    pub fn start(&self, total: usize) {
        self.parsed.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    pub fn parsed_one(&self) {
        self.parsed.fetch_add(1, Ordering::Relaxed);
    }

    /// (parsed, total)
    pub fn get(&self) -> (usize, usize) {
        (
            self.parsed.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}

/// Whether a run shows the progress line: standard error is a terminal and the report is text.
/// JSON is for programs, and off a terminal the line would only litter logs.
pub fn shown(text_report: bool, stderr_is_terminal: bool) -> bool {
    text_report && stderr_is_terminal
}

/// The progress line while it is alive; dropping it stops the drawing and clears the line.
pub struct ProgressLine {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ProgressLine {
    /// Draws `parsed N/M files` on `out` every 100 ms, starting `delay` from now.
    pub fn start(
        progress: Arc<Progress>,
        mut out: impl Write + Send + 'static,
        delay: Duration,
    ) -> ProgressLine {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if stopped.recv_timeout(delay) != Err(RecvTimeoutError::Timeout) {
                return;
            }
            loop {
                let (parsed, total) = progress.get();
                let _ = write!(out, "\r\x1b[2Kparsed {parsed}/{total} files");
                let _ = out.flush();
                if stopped.recv_timeout(REDRAW) != Err(RecvTimeoutError::Timeout) {
                    break;
                }
            }
            let _ = write!(out, "\r\x1b[2K");
            let _ = out.flush();
        });
        ProgressLine {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    #[test]
    fn only_text_reports_on_a_terminal_show_progress() {
        assert!(shown(true, true));
        assert!(!shown(true, false));
        assert!(!shown(false, true));
        assert!(!shown(false, false));
    }

    #[test]
    fn a_run_shorter_than_the_delay_draws_nothing() {
        let out = Shared::default();
        let progress = Arc::new(Progress::default());
        progress.start(10);
        drop(ProgressLine::start(
            progress,
            out.clone(),
            Duration::from_secs(60),
        ));
        assert_eq!(out.text(), "");
    }

    #[test]
    fn a_long_run_draws_parsed_over_total_and_clears_the_line() {
        let out = Shared::default();
        let progress = Arc::new(Progress::default());
        progress.start(10);
        for _ in 0..3 {
            progress.parsed_one();
        }
        let line = ProgressLine::start(progress, out.clone(), Duration::ZERO);
        while !out.text().contains("parsed 3/10 files") {
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(line);
        assert!(out.text().ends_with("\r\x1b[2K"), "{:?}", out.text());
    }
}
