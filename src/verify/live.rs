//! What a `--verify` run has going that an interrupted run must not leave behind: the probe's
//! process group (an import may hang on a database or a network for good) and the temporary copy
//! of the project. `stop_all` is called on Ctrl-C, from whichever thread sees it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Mutex;

use tempfile::TempDir;

struct Live {
    /// Process groups of running probes (their leaders' pids), not reaped yet.
    groups: Vec<i32>,
    /// Temporary copies of the project.
    copies: Vec<PathBuf>,
}

static LIVE: Mutex<Live> = Mutex::new(Live {
    groups: Vec::new(),
    copies: Vec::new(),
});

fn live() -> std::sync::MutexGuard<'static, Live> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts a probe (in a process group of its own) and lists it, under the lock, so that an
/// interrupt either comes before it starts or stops it.
pub(super) fn spawn(command: &mut Command) -> std::io::Result<Child> {
    let mut live = live();
    let child = command.spawn()?;
    live.groups
        .push(i32::try_from(child.id()).unwrap_or(i32::MAX));
    Ok(child)
}

/// Unlists a probe; before its leader is reaped, after which the pid may name another process.
pub(super) fn reaping(child: &Child) {
    let pid = i32::try_from(child.id()).unwrap_or(i32::MAX);
    live().groups.retain(|&p| p != pid);
}

/// A temporary directory for a copy of the project, listed while it exists; removed when
/// dropped.
pub(super) struct ListedDir(TempDir);

impl ListedDir {
    /// Makes the directory and lists it, under the lock.
    pub(super) fn new(builder: &tempfile::Builder) -> std::io::Result<ListedDir> {
        let mut live = live();
        let dir = builder.tempdir()?;
        live.copies.push(dir.path().to_path_buf());
        Ok(ListedDir(dir))
    }

    pub(super) fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for ListedDir {
    fn drop(&mut self) {
        let dir = self.0.path();
        live().copies.retain(|d| d != dir);
    }
}

/// Kills every running probe with what it started and removes every temporary copy. The lock
/// stays held, so that nothing starts or is reaped while the process exits.
pub fn stop_all() {
    let mut live = live();
    for &pid in &live.groups {
        #[cfg(unix)]
        // SAFETY: kill(2) on a probe's process group, whose leader is not reaped while it is
        // listed here (`reaping` unlists it first, under this lock).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        #[cfg(not(unix))]
        let _ = pid;
    }
    for dir in &live.copies {
        let _ = std::fs::remove_dir_all(dir);
    }
    live.groups.clear();
    live.copies.clear();
    std::mem::forget(live);
}
