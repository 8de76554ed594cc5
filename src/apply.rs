//! The only code that writes: a plan's new file contents, all or nothing.
//!
//! Every file is checked against the text it was planned from, encoded as it was stored (BOM,
//! PEP 263 encoding, CRLF line endings), written to a temporary file beside the real one (through
//! symlinks) with the same permissions, and renamed into place only once every temporary file is
//! written. On any error before the renames nothing has changed; a failed rename puts back the
//! files already renamed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::index::{Index, SourceFile};
use crate::plan::{apply_edits, verify, FilePlan, Plan};
use crate::source::{decode, FileEncoding};

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{0}")]
    Unparsable(String),
    #[error("{path} changed since it was read; nothing was changed. Run again")]
    Changed { path: String },
    #[error("cannot write {path}: {message}; nothing was changed")]
    Write { path: String, message: String },
    #[error("cannot store {path} as {encoding}: the new text has a character it cannot hold; nothing was changed")]
    Encode { path: String, encoding: String },
    #[error("{path} is not in a git work tree, so the fix could not be undone with git; pass --allow-no-vcs to fix anyway")]
    NoVcs { path: String },
    #[error("uncommitted changes in {paths}; commit or stash them first, or pass --allow-dirty")]
    Dirty { paths: String },
}

/// Set while `apply` runs: an interrupt must let it finish, since it is all or nothing only as a
/// whole.
pub static WRITING: AtomicBool = AtomicBool::new(false);

/// Clears `WRITING` however `apply` ends.
struct Writing;

impl Drop for Writing {
    fn drop(&mut self) {
        WRITING.store(false, Ordering::SeqCst);
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Safety {
    pub allow_dirty: bool,
    pub allow_no_vcs: bool,
}

struct Pending {
    display: String,
    /// The real file (symlinks followed).
    target: PathBuf,
    original: Vec<u8>,
    new: Vec<u8>,
    temp: Option<PathBuf>,
}

/// The checks `apply` makes before it reads anything: every rewrite parses, and git can give
/// back every file it would touch. Cheap, so callers run it before slower checks of their own.
pub fn preflight(index: &Index, plan: &Plan, safety: Safety) -> Result<(), ApplyError> {
    preflight_with(index, plan, &[], safety)
}

/// `preflight` for the plan and the other front-ends' rewrites together.
fn preflight_with(
    index: &Index,
    plan: &Plan,
    rewrites: &[Rewrite],
    safety: Safety,
) -> Result<(), ApplyError> {
    verify(index, plan).map_err(ApplyError::Unparsable)?;
    let mut files: Vec<(&Path, &str)> = plan
        .files
        .keys()
        .map(|&f| {
            (
                index.files[f].path.as_path(),
                index.files[f].display.as_str(),
            )
        })
        .collect();
    files.extend(
        rewrites
            .iter()
            .map(|r| (r.path.as_path(), r.display.as_str())),
    );
    check_vcs(&files, safety)
}

/// A whole file's new text planned outside the Python index (the Rust front-end's rewrites of
/// `.rs` files and Cargo manifests: UTF-8, no BOM, kept line endings are the planner's job).
#[derive(Debug, Clone)]
pub struct Rewrite {
    pub path: PathBuf,
    pub display: String,
    pub original: String,
    pub new: String,
}

/// Writes the plan; returns the number of files written.
pub fn apply(index: &Index, plan: &Plan, safety: Safety) -> Result<usize, ApplyError> {
    apply_with(index, plan, &[], safety)
}

/// Writes the plan and the other front-ends' rewrites, all or nothing; returns the number of
/// files written.
pub fn apply_with(
    index: &Index,
    plan: &Plan,
    rewrites: &[Rewrite],
    safety: Safety,
) -> Result<usize, ApplyError> {
    preflight_with(index, plan, rewrites, safety)?;
    WRITING.store(true, Ordering::SeqCst);
    let _writing = Writing;
    let mut pending = Vec::new();
    for (&file, file_plan) in &plan.files {
        let source = &index.files[file];
        let original = std::fs::read(&source.path).map_err(|e| write_error(&source.display, &e))?;
        match decode(original.clone()) {
            Ok(now) if now.text == source.text && now.encoding == source.encoding => {}
            _ => {
                return Err(ApplyError::Changed {
                    path: source.display.clone(),
                })
            }
        }
        let new = planned_bytes(source, file_plan)?;
        let target =
            std::fs::canonicalize(&source.path).map_err(|e| write_error(&source.display, &e))?;
        pending.push(Pending {
            display: source.display.clone(),
            target,
            original,
            new,
            temp: None,
        });
    }
    for rewrite in rewrites {
        let original =
            std::fs::read(&rewrite.path).map_err(|e| write_error(&rewrite.display, &e))?;
        if original != rewrite.original.as_bytes() {
            return Err(ApplyError::Changed {
                path: rewrite.display.clone(),
            });
        }
        let target =
            std::fs::canonicalize(&rewrite.path).map_err(|e| write_error(&rewrite.display, &e))?;
        pending.push(Pending {
            display: rewrite.display.clone(),
            target,
            original,
            new: rewrite.new.clone().into_bytes(),
            temp: None,
        });
    }
    if let Err(err) = write_temporaries(&mut pending) {
        remove_temporaries(&pending);
        return Err(err);
    }
    for i in 0..pending.len() {
        let temp = pending[i].temp.clone().expect("written");
        if let Err(e) = std::fs::rename(&temp, &pending[i].target) {
            // Put back what was already renamed, then report.
            for done in &pending[..i] {
                let _ = std::fs::write(&done.target, &done.original);
            }
            remove_temporaries(&pending[i..]);
            return Err(write_error(&pending[i].display, &e));
        }
    }
    Ok(pending.len())
}

/// A file's new content as it will be stored: its line endings and encoding kept.
pub fn planned_bytes(source: &SourceFile, file_plan: &FilePlan) -> Result<Vec<u8>, ApplyError> {
    let crlf = source.text.contains("\r\n");
    let mut edits = file_plan.edits.clone();
    if crlf {
        for e in &mut edits {
            e.edit.content = e.edit.content.replace("\r\n", "\n").replace('\n', "\r\n");
        }
    }
    let text = apply_edits(&source.text, &edits);
    encode(&text, &source.encoding).ok_or_else(|| ApplyError::Encode {
        path: source.display.clone(),
        encoding: encoding_name(&source.encoding),
    })
}

fn write_temporaries(pending: &mut [Pending]) -> Result<(), ApplyError> {
    for p in pending.iter_mut() {
        let dir = p.target.parent().unwrap_or(Path::new("."));
        let permissions = std::fs::metadata(&p.target)
            .map_err(|e| write_error(&p.display, &e))?
            .permissions();
        let mut temp = tempfile::Builder::new()
            .prefix(".dedupe-models-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| write_error(&p.display, &e))?;
        temp.write_all(&p.new)
            .and_then(|()| temp.as_file().sync_all())
            .map_err(|e| write_error(&p.display, &e))?;
        std::fs::set_permissions(temp.path(), permissions)
            .map_err(|e| write_error(&p.display, &e))?;
        let (_, path) = temp.keep().map_err(|e| write_error(&p.display, &e.error))?;
        p.temp = Some(path);
    }
    Ok(())
}

fn remove_temporaries(pending: &[Pending]) {
    for p in pending {
        if let Some(temp) = &p.temp {
            let _ = std::fs::remove_file(temp);
        }
    }
}

fn write_error(path: &str, err: &std::io::Error) -> ApplyError {
    let message = match err.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        _ => err.to_string().to_lowercase(),
    };
    ApplyError::Write {
        path: path.to_owned(),
        message,
    }
}

fn encode(text: &str, encoding: &FileEncoding) -> Option<Vec<u8>> {
    match encoding {
        FileEncoding::Utf8 { bom } => {
            let mut out = if *bom {
                b"\xEF\xBB\xBF".to_vec()
            } else {
                Vec::new()
            };
            out.extend_from_slice(text.as_bytes());
            Some(out)
        }
        FileEncoding::Latin1 => text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).ok())
            .collect(),
        FileEncoding::Other(encoding) => {
            let (bytes, _, unmappable) = encoding.encode(text);
            (!unmappable).then(|| bytes.into_owned())
        }
    }
}

fn encoding_name(encoding: &FileEncoding) -> String {
    match encoding {
        FileEncoding::Utf8 { .. } => "UTF-8".into(),
        FileEncoding::Latin1 => "latin-1".into(),
        FileEncoding::Other(e) => e.name().into(),
    }
}

/// The `cargo fix` convention: only touch files git can give back.
fn check_vcs(files: &[(&Path, &str)], safety: Safety) -> Result<(), ApplyError> {
    let Some(&(first, first_display)) = files.first() else {
        return Ok(());
    };
    if safety.allow_no_vcs && safety.allow_dirty {
        return Ok(());
    }
    let dir = first.parent().unwrap_or(Path::new("."));
    let top = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(dir)
        .output();
    let top = match top {
        Ok(out) if out.status.success() => {
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
        }
        _ if safety.allow_no_vcs => return Ok(()),
        _ => {
            return Err(ApplyError::NoVcs {
                path: first_display.to_owned(),
            })
        }
    };
    if safety.allow_dirty {
        return Ok(());
    }
    let mut command = Command::new("git");
    command
        .args(["status", "--porcelain", "--"])
        .current_dir(&top);
    for (path, _) in files {
        command.arg(path);
    }
    let output = command
        .output()
        .map_err(|e| write_error(first_display, &e))?;
    let dirty: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l[3..].to_owned())
        .collect();
    if dirty.is_empty() {
        Ok(())
    } else {
        Err(ApplyError::Dirty {
            paths: dirty.join(", "),
        })
    }
}
