//! The file-system steps of `apply`: temporary files beside their targets with the targets'
//! attributes, the originals kept as hard links while the renames run, renames back on a failure,
//! and directories synced.

use std::io::Write;
use std::path::Path;

use super::{io_message, write_error, ApplyError, Pending};

/// Every name `apply` makes starts with this and ends with `.tmp`: a run killed half-way leaves
/// nothing else, and the next run removes them.
const PREFIX: &str = ".dedupe-models-";
const SUFFIX: &str = ".tmp";

/// A file with more than one hard link would lose them in a rename: refused.
pub(super) fn check_links(display: &str, target: &Path) -> Result<(), ApplyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let metadata = std::fs::metadata(target).map_err(|e| write_error(display, &e))?;
        if metadata.nlink() > 1 {
            return Err(ApplyError::HardLinked {
                path: display.to_owned(),
                links: metadata.nlink(),
            });
        }
    }
    let _ = (display, target);
    Ok(())
}

/// Removes what a killed run left in the directories of the files this one writes to.
pub(super) fn remove_stale(pending: &[Pending]) {
    remove_stale_in(pending.iter().map(|p| parent(&p.target)).collect());
}

/// Removes what a killed run left in `dirs`.
pub(super) fn remove_stale_in(mut dirs: Vec<&Path>) {
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(PREFIX) && name.ends_with(SUFFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

pub(super) fn write_temporaries(pending: &mut [Pending]) -> Result<(), ApplyError> {
    for p in pending.iter_mut() {
        let fail = |e: std::io::Error| write_error(&p.display, &e);
        let metadata = std::fs::metadata(&p.target).map_err(fail)?;
        fault("create").map_err(fail)?;
        let mut temp = tempfile::Builder::new()
            .prefix(PREFIX)
            .suffix(SUFFIX)
            .tempfile_in(parent(&p.target))
            .map_err(fail)?;
        p.temp = Some(temp.path().to_path_buf());
        fault("write")
            .and_then(|()| temp.write_all(&p.new))
            .map_err(fail)?;
        same_attributes(&p.target, temp.as_file(), &metadata).map_err(fail)?;
        fault("fsync")
            .and_then(|()| temp.as_file().sync_all())
            .map_err(fail)?;
        temp.keep().map_err(|e| fail(e.error))?;
    }
    Ok(())
}

/// Permissions, owner and group (where the process may set them), extended attributes.
fn same_attributes(
    target: &Path,
    temp: &std::fs::File,
    metadata: &std::fs::Metadata,
) -> std::io::Result<()> {
    temp.set_permissions(metadata.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Only root may give a file away; others keep the group where they belong to it.
        let _ = std::os::unix::fs::fchown(temp, Some(metadata.uid()), Some(metadata.gid()));
        // chown clears set-id bits: set the mode again.
        temp.set_permissions(metadata.permissions())?;
    }
    #[cfg(target_os = "linux")]
    xattrs::copy(target, temp);
    let _ = target;
    Ok(())
}

/// Keeps each original as a hard link beside it: a failed rename is undone by renaming it back,
/// which is atomic, where writing its old text back is not.
pub(super) fn keep_originals(pending: &mut [Pending]) -> Result<(), ApplyError> {
    for p in pending.iter_mut() {
        let fail = |e: std::io::Error| write_error(&p.display, &e);
        let name = p.temp.as_ref().expect("written").with_extension("orig.tmp");
        fault("link")
            .and_then(|()| std::fs::hard_link(&p.target, &name))
            .map_err(fail)?;
        p.backup = Some(name);
    }
    sync_dirs(pending).map_err(|e| write_error(&pending[0].display, &e))
}

/// Renames every temporary file into place; on a failure, renames the originals back.
pub(super) fn replace(pending: &[Pending]) -> Result<(), ApplyError> {
    for (i, p) in pending.iter().enumerate() {
        let temp = p.temp.as_ref().expect("written");
        let renamed = fault("rename").and_then(|()| std::fs::rename(temp, &p.target));
        if let Err(err) = renamed {
            return Err(undo(pending, i, &err));
        }
        fault("kill").ok();
        fault("sigint").ok();
    }
    let synced = sync_dirs(pending);
    for p in pending {
        if let Some(backup) = &p.backup {
            let _ = std::fs::remove_file(backup);
        }
    }
    let _ = sync_dirs(pending);
    synced.map_err(|e| ApplyError::Unsynced {
        message: io_message(&e),
    })
}

/// Puts back the originals of the files renamed before `failed`, and says truly what is where.
fn undo(pending: &[Pending], failed: usize, err: &std::io::Error) -> ApplyError {
    let mut stuck = Vec::new();
    for p in &pending[..failed] {
        let backup = p.backup.as_ref().expect("kept");
        let restored = fault("restore").and_then(|()| std::fs::rename(backup, &p.target));
        if restored.is_err() {
            stuck.push(p);
        }
    }
    for p in &pending[failed..] {
        let _ = std::fs::remove_file(p.temp.as_ref().expect("written"));
        if let Some(backup) = &p.backup {
            let _ = std::fs::remove_file(backup);
        }
    }
    let _ = sync_dirs(pending);
    if stuck.is_empty() {
        return write_error(&pending[failed].display, err);
    }
    let written: Vec<&str> = stuck.iter().map(|p| p.display.as_str()).collect();
    let kept: Vec<String> = stuck
        .iter()
        .map(|p| {
            format!(
                "the original of {} is {}",
                p.display,
                p.backup.as_ref().expect("kept").display()
            )
        })
        .collect();
    ApplyError::Partial {
        path: pending[failed].display.clone(),
        message: io_message(err),
        written: written.join(", "),
        kept: kept.join("; "),
    }
}

/// Removes the temporary files and links of a run that stops before renaming anything.
pub(super) fn discard(pending: &[Pending]) {
    for p in pending {
        for path in [&p.temp, &p.backup].into_iter().flatten() {
            let _ = std::fs::remove_file(path);
        }
    }
    let _ = sync_dirs(pending);
}

/// Makes the renames in each directory durable.
fn sync_dirs(pending: &[Pending]) -> std::io::Result<()> {
    let mut dirs: Vec<&Path> = pending.iter().map(|p| parent(&p.target)).collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        fault("syncdir")?;
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// Fault injection for the tests, in debug builds only: `DEDUPE_MODELS_FAULT=<step>:<n>,...`
/// makes the n-th (from 1) call of each step fail with an I/O error; `kill:<n>` kills the process
/// after the n-th rename, `sigint:<n>` sends it Ctrl-C there (`sigint:1` before it writes).
/// Release builds have no such hook.
#[cfg(debug_assertions)]
pub(super) fn fault(step: &str) -> std::io::Result<()> {
    use std::sync::Mutex;
    static CALLS: Mutex<Vec<(String, usize)>> = Mutex::new(Vec::new());
    let Ok(spec) = std::env::var("DEDUPE_MODELS_FAULT") else {
        return Ok(());
    };
    let Some(n) = spec
        .split(',')
        .filter_map(|s| s.split_once(':'))
        .find_map(|(want, n)| (want == step).then_some(n))
    else {
        return Ok(());
    };
    let mut calls = CALLS.lock().unwrap_or_else(|e| e.into_inner());
    let count = match calls.iter_mut().find(|(s, _)| s == step) {
        Some((_, c)) => {
            *c += 1;
            *c
        }
        None => {
            calls.push((step.to_owned(), 1));
            1
        }
    };
    if n.parse() != Ok(count) {
        return Ok(());
    }
    #[cfg(unix)]
    match step {
        // SAFETY: kill(2) on this very process, as a crash, `kill -9` or Ctrl-C would.
        "kill" => unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        },
        "sigint" => {
            unsafe {
                libc::kill(libc::getpid(), libc::SIGINT);
            }
            // The handler runs on its own thread: give it the time to.
            std::thread::sleep(std::time::Duration::from_millis(300));
            return Ok(());
        }
        _ => {}
    }
    Err(std::io::Error::other(format!("injected {step} failure")))
}

#[cfg(not(debug_assertions))]
pub(super) fn fault(_step: &str) -> std::io::Result<()> {
    Ok(())
}

#[cfg(target_os = "linux")]
mod xattrs {
    //! Extended attributes (SELinux labels, user.* tags) copied to the new file where the
    //! process may set them.
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;
    use std::path::Path;

    pub fn copy(from: &Path, to: &std::fs::File) {
        let Ok(path) = CString::new(from.as_os_str().as_bytes()) else {
            return;
        };
        let names = list(&path);
        for name in names.split(|&b| b == 0).filter(|n| !n.is_empty()) {
            let Ok(name) = CString::new(name) else {
                continue;
            };
            if let Some(value) = get(&path, &name) {
                // SAFETY: valid C strings and a buffer of the given length; errors are ignored
                // (an attribute the process may not set stays unset, as with `cp -a`).
                unsafe {
                    libc::fsetxattr(
                        to.as_raw_fd(),
                        name.as_ptr(),
                        value.as_ptr().cast(),
                        value.len(),
                        0,
                    );
                }
            }
        }
    }

    fn list(path: &CString) -> Vec<u8> {
        // SAFETY: a null buffer of size 0 asks for the size; then a buffer of that size.
        unsafe {
            let size = libc::listxattr(path.as_ptr(), std::ptr::null_mut(), 0);
            if size <= 0 {
                return Vec::new();
            }
            let mut buf = vec![0u8; size as usize];
            let got = libc::listxattr(path.as_ptr(), buf.as_mut_ptr().cast(), buf.len());
            buf.truncate(got.max(0) as usize);
            buf
        }
    }

    fn get(path: &CString, name: &CString) -> Option<Vec<u8>> {
        // SAFETY: as in `list`.
        unsafe {
            let size = libc::getxattr(path.as_ptr(), name.as_ptr(), std::ptr::null_mut(), 0);
            if size < 0 {
                return None;
            }
            let mut buf = vec![0u8; size as usize];
            let got = libc::getxattr(
                path.as_ptr(),
                name.as_ptr(),
                buf.as_mut_ptr().cast(),
                buf.len(),
            );
            (got >= 0).then(|| {
                buf.truncate(got as usize);
                buf
            })
        }
    }
}
