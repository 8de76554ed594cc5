//! The `cargo fix` convention: only touch files git can give back, checked on the real files
//! that would be written; and one fix at a time in a work tree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{io_message, ApplyError, Safety};
use crate::index::Index;

/// Checks the files to write, as `(path, display)`.
pub(super) fn check(files: &[(&Path, &str)], safety: Safety) -> Result<(), ApplyError> {
    if files.is_empty() || (safety.allow_no_vcs && safety.allow_dirty) {
        return Ok(());
    }
    // The real files, grouped by the work tree that holds them.
    let mut by_top: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for &(path, display) in files {
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        match top(&real) {
            Ok(Some(top)) => by_top.entry(top).or_default().push(real),
            Ok(None) if safety.allow_no_vcs => {}
            Ok(None) => {
                return Err(ApplyError::NoVcs {
                    path: display.to_owned(),
                })
            }
            Err(_) if safety.allow_no_vcs => {}
            Err(err) => {
                return Err(ApplyError::NoGit {
                    path: display.to_owned(),
                    message: io_message(&err),
                })
            }
        }
    }
    if safety.allow_dirty {
        return Ok(());
    }
    let mut dirty = Vec::new();
    for (top, reals) in by_top {
        let output = Command::new("git")
            .args(["status", "--porcelain", "--"])
            .args(&reals)
            .current_dir(&top)
            .output()
            .map_err(|e| ApplyError::NoGit {
                path: top.display().to_string(),
                message: io_message(&e),
            })?;
        dirty.extend(
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter_map(|l| l.get(3..))
                .map(str::to_owned),
        );
    }
    if dirty.is_empty() {
        Ok(())
    } else {
        Err(ApplyError::Dirty {
            paths: dirty.join(", "),
        })
    }
}

/// The git work tree holding `file`: `None` outside one, an error when git cannot run.
fn top(file: &Path) -> std::io::Result<Option<PathBuf>> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let output = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(dir)
        .output()?;
    Ok(output
        .status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())))
}

/// Held while a fix writes: a lock on the work tree's top directory (or the project's, outside
/// git), so that a second `--fix` at the same time refuses instead of writing over the first.
pub(super) struct Lock {
    #[allow(dead_code)] // held for its lock, released when dropped
    dir: std::fs::File,
}

/// Locks the work tree holding `path` (outside git: its project, as the index knows it).
pub(super) fn lock(index: &Index, path: &Path) -> Result<Lock, ApplyError> {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = match top(&real) {
        Ok(Some(top)) => top,
        _ => index
            .settings
            .iter()
            .map(|(dir, _)| dir.clone())
            .filter(|dir| path.starts_with(dir))
            .max_by_key(|dir| dir.components().count())
            .unwrap_or_else(|| real.parent().unwrap_or(Path::new(".")).to_path_buf()),
    };
    let handle = std::fs::File::open(&dir)
        .map_err(|e| super::write_error(&dir.display().to_string(), &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock(2) on a descriptor this function owns.
        let locked = unsafe { libc::flock(handle.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if locked != 0 {
            return Err(ApplyError::Locked {
                dir: dir.display().to_string(),
            });
        }
    }
    Ok(Lock { dir: handle })
}
