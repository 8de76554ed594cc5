//! Ctrl-C and the writes: an interrupt before `apply` starts writing ends the run with nothing
//! written; one that comes while it writes waits for it to finish, so that the tree is never
//! left mixed; one after it wrote says so. One atomic state decides which came first, so
//! "nothing was written" is never said after a write.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use super::ApplyError;

const IDLE: u8 = 0;
const WRITING: u8 = 1;
const WRITTEN: u8 = 2;
const INTERRUPTED: u8 = 3;

static STATE: AtomicU8 = AtomicU8::new(IDLE);
static DEFERRED: AtomicBool = AtomicBool::new(false);

/// What an interrupt means now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// Nothing was written and nothing will be: the caller ends the run.
    NothingWritten,
    /// `apply` is writing: it finishes, and the run says what it wrote.
    Deferred,
    /// The fix was written already: the caller ends the run and says so.
    Written,
}

/// Records a Ctrl-C (from the signal handler or the terminal).
pub fn interrupt() -> Interrupt {
    match STATE.compare_exchange(IDLE, INTERRUPTED, Ordering::SeqCst, Ordering::SeqCst) {
        Ok(_) | Err(INTERRUPTED) => Interrupt::NothingWritten,
        Err(WRITING) => {
            DEFERRED.store(true, Ordering::SeqCst);
            Interrupt::Deferred
        }
        Err(_) => Interrupt::Written,
    }
}

/// Whether a Ctrl-C came while `apply` wrote (the run then exits 130 after saying what it did).
pub fn interrupted_while_writing() -> bool {
    DEFERRED.load(Ordering::SeqCst)
}

/// Held while `apply` may write.
pub(super) struct Writing {
    wrote: bool,
}

impl Writing {
    /// Fails when Ctrl-C came first: the process is exiting, and nothing may be written.
    pub(super) fn begin() -> Result<Writing, ApplyError> {
        match STATE.compare_exchange(IDLE, WRITING, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) | Err(WRITTEN) => {
                STATE.store(WRITING, Ordering::SeqCst);
                Ok(Writing { wrote: false })
            }
            Err(_) => Err(ApplyError::Interrupted),
        }
    }

    /// From here on, some file may hold its new text.
    pub(super) fn wrote(&mut self) {
        self.wrote = true;
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        STATE.store(if self.wrote { WRITTEN } else { IDLE }, Ordering::SeqCst);
    }
}
