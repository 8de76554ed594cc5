//! The only code that writes: a plan's new file contents, all or nothing.
//!
//! Every file is encoded as it was stored (BOM, PEP 263 encoding, CRLF or CR line endings) and
//! written to a temporary file beside the real one (through symlinks) with its permissions,
//! owner and extended attributes. Then, at the last moment, every file the plan was made from is
//! checked to be as it was read; each original is kept as a hard link beside it, and the
//! temporary files are renamed into place. A failed rename renames the originals back, so every
//! file is always wholly old or wholly new, and the directories are synced before the run says
//! what happened.

mod interrupt;
mod scope;
mod store;
mod vcs;

use std::path::PathBuf;

use crate::index::{Index, SourceFile, Stamp};
use crate::plan::{apply_edits, verify, FilePlan, Plan};
use crate::source::{decode, FileEncoding};

pub use interrupt::{interrupt, interrupted_while_writing, Interrupt};
pub use scope::{protected, second_paths};

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{0}")]
    Unparsable(String),
    #[error("{path} changed since it was read; nothing was changed. Run again")]
    Changed { path: String },
    #[error("cannot write {path}: {message}; nothing was changed")]
    Write { path: String, message: String },
    /// A rename failed and a file already renamed could not be put back either.
    #[error("cannot write {path}: {message}; {written} now hold the new text and the others the old one ({kept}); `git diff` shows what changed")]
    Partial {
        path: String,
        message: String,
        written: String,
        kept: String,
    },
    #[error("every file was written, but syncing their directories failed ({message}): a crash now could lose part of the fix; check with `git status`")]
    Unsynced { message: String },
    #[error("cannot store {path} as {encoding}: the new text has a character it cannot hold; nothing was changed")]
    Encode { path: String, encoding: String },
    #[error("{path} is not in a git work tree, so the fix could not be undone with git; pass --allow-no-vcs to fix anyway")]
    NoVcs { path: String },
    #[error("cannot run git to check {path} ({message}); install git or pass --allow-no-vcs --allow-dirty to fix without it")]
    NoGit { path: String, message: String },
    #[error("uncommitted changes in {paths}; commit or stash them first, or pass --allow-dirty")]
    Dirty { paths: String },
    #[error("{path} has {links} hard links, which writing it by rename would break; nothing was changed. Copy it to a file of its own (`cp --remove-destination`), or fix it by hand")]
    HardLinked { path: String, links: u64 },
    #[error("{path} is {real}, outside the project; nothing was changed")]
    Outside { path: String, real: String },
    #[error("{path} and {other} are one file; nothing was changed")]
    TwoPaths { path: String, other: String },
    #[error("another dedupe-models --fix is writing in {dir}; nothing was changed. Run again when it is done")]
    Locked { dir: String },
    #[error("interrupted: nothing was written")]
    Interrupted,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Safety {
    pub allow_dirty: bool,
    pub allow_no_vcs: bool,
}

/// Fault injection for the tests, in debug builds only (`DEDUPE_MODELS_FAULT`, see
/// `store::fault`); always `Ok` in release builds.
pub fn fault(step: &str) -> std::io::Result<()> {
    store::fault(step)
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

/// One file to write.
struct Pending {
    /// What it must still hold at the last moment.
    expected: Expected,
    display: String,
    /// The real file (symlinks followed).
    target: PathBuf,
    new: Vec<u8>,
    /// The new text, written beside the target.
    temp: Option<PathBuf>,
    /// The original, hard-linked beside the target while the renames run.
    backup: Option<PathBuf>,
}

enum Expected {
    /// The text of this index file.
    Source(usize),
    /// These bytes (a `Rewrite`'s original).
    Bytes(Vec<u8>),
}

/// The checks `apply` makes before it reads anything: every rewrite parses, and git can give
/// back every file it would touch. Cheap, so callers run it before slower checks of their own.
pub fn preflight(index: &Index, plan: &Plan, safety: Safety) -> Result<(), ApplyError> {
    preflight_with(index, plan, &[], safety)
}

/// `preflight` for the plan and the other front-ends' rewrites together.
pub fn preflight_with(
    index: &Index,
    plan: &Plan,
    rewrites: &[Rewrite],
    safety: Safety,
) -> Result<(), ApplyError> {
    verify(index, plan).map_err(ApplyError::Unparsable)?;
    let mut files: Vec<(&std::path::Path, &str)> = plan
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
    vcs::check(&files, safety)
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
    if plan.files.is_empty() && rewrites.is_empty() {
        return Ok(0);
    }
    preflight_with(index, plan, rewrites, safety)?;
    let first = plan
        .files
        .keys()
        .next()
        .map(|&f| index.files[f].path.as_path())
        .or_else(|| rewrites.first().map(|r| r.path.as_path()))
        .expect("not empty");
    let _lock = vcs::lock(index, first)?;
    store::fault("sigint").ok();
    // From here on Ctrl-C waits for the end; before, it ends the run with nothing written.
    let mut writing = interrupt::Writing::begin()?;
    let mut pending = Vec::new();
    for (&file, file_plan) in &plan.files {
        let source = &index.files[file];
        let target = scope::writable(index, &source.path, &source.display)?;
        unchanged(source)?;
        let new = planned_bytes(source, file_plan)?;
        add(
            &mut pending,
            Expected::Source(file),
            &source.display,
            target,
            new,
        )?;
    }
    for rewrite in rewrites {
        let target = scope::writable(index, &rewrite.path, &rewrite.display)?;
        let expected = Expected::Bytes(rewrite.original.clone().into_bytes());
        check_expected(index, &rewrite.display, &rewrite.path, &expected)?;
        let new = rewrite.new.clone().into_bytes();
        add(&mut pending, expected, &rewrite.display, target, new)?;
    }
    store::remove_stale(&pending);
    let result = store::write_temporaries(&mut pending)
        .and_then(|()| {
            // The last moment: nothing the plan was made from may have changed meanwhile.
            index.files.iter().try_for_each(unchanged_since_read)?;
            pending
                .iter()
                .try_for_each(|p| check_expected(index, &p.display, &p.target, &p.expected))
        })
        .and_then(|()| store::keep_originals(&mut pending));
    if let Err(err) = result {
        store::discard(&pending);
        return Err(err);
    }
    let replaced = store::replace(&pending);
    // A failed rename whose files were all put back wrote nothing.
    if !matches!(replaced, Err(ApplyError::Write { .. })) {
        writing.wrote();
    }
    replaced?;
    Ok(pending.len())
}

/// Removes the temporary files and kept originals a killed `--fix` left beside the project's
/// files (each file holds its old or its new text; these are only copies). Skipped while another
/// fix holds the lock: they may be its own.
pub fn remove_leftovers(index: &Index) {
    let Some(first) = index.files.first() else {
        return;
    };
    let Ok(_lock) = vcs::lock(index, &first.path) else {
        return;
    };
    let dirs = index.files.iter().filter_map(|f| f.path.parent()).collect();
    store::remove_stale_in(dirs);
}

/// Adds a file to write, once per real file, unless hard links would break.
fn add(
    pending: &mut Vec<Pending>,
    expected: Expected,
    display: &str,
    target: PathBuf,
    new: Vec<u8>,
) -> Result<(), ApplyError> {
    if let Some(other) = pending.iter().find(|p| p.target == target) {
        return Err(ApplyError::TwoPaths {
            path: display.to_owned(),
            other: other.display.clone(),
        });
    }
    store::check_links(display, &target)?;
    pending.push(Pending {
        expected,
        display: display.to_owned(),
        target,
        new,
        temp: None,
        backup: None,
    });
    Ok(())
}

fn check_expected(
    index: &Index,
    display: &str,
    path: &std::path::Path,
    expected: &Expected,
) -> Result<(), ApplyError> {
    match expected {
        Expected::Source(file) => unchanged(&index.files[*file]),
        Expected::Bytes(bytes) => match std::fs::read(path) {
            Ok(now) if &now == bytes => Ok(()),
            _ => Err(ApplyError::Changed {
                path: display.to_owned(),
            }),
        },
    }
}

/// The file holds exactly the text the plan was made from.
fn unchanged(source: &SourceFile) -> Result<(), ApplyError> {
    let changed = || ApplyError::Changed {
        path: source.display.clone(),
    };
    let now = std::fs::read(&source.path).map_err(|_| changed())?;
    match decode(now) {
        Ok(now) if now.text == source.text && now.encoding == source.encoding => Ok(()),
        _ => Err(changed()),
    }
}

/// The file's size, time and identity are as when it was read (every file of the index: the
/// plan depends on the ones it does not write too, such as the canonical definition's module).
fn unchanged_since_read(source: &SourceFile) -> Result<(), ApplyError> {
    let now = std::fs::metadata(&source.path).ok().map(|m| Stamp::of(&m));
    if now == source.stamp {
        Ok(())
    } else {
        Err(ApplyError::Changed {
            path: source.display.clone(),
        })
    }
}

/// A file's new content as it will be stored: its line endings and encoding kept.
pub fn planned_bytes(source: &SourceFile, file_plan: &FilePlan) -> Result<Vec<u8>, ApplyError> {
    let text = apply_edits(&source.text, &line_endings(source, file_plan));
    encode(&text, &source.encoding).ok_or_else(|| ApplyError::Encode {
        path: source.display.clone(),
        encoding: encoding_name(&source.encoding),
    })
}

/// The plan's edits with the file's own line ending: the planner writes `\n`, a CRLF file gets
/// `\r\n` and a classic Mac file `\r`.
pub fn line_endings(source: &SourceFile, file_plan: &FilePlan) -> Vec<crate::plan::PlannedEdit> {
    let ending = if source.text.contains("\r\n") {
        "\r\n"
    } else if source.text.contains('\r') && !source.text.contains('\n') {
        "\r"
    } else {
        return file_plan.edits.clone();
    };
    let mut edits = file_plan.edits.clone();
    for e in &mut edits {
        e.edit.content = e.edit.content.replace("\r\n", "\n").replace('\n', ending);
    }
    edits
}

/// A text as its file stores it, or `None` when the encoding cannot hold a character of it.
pub fn encode(text: &str, encoding: &FileEncoding) -> Option<Vec<u8>> {
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

fn write_error(path: &str, err: &std::io::Error) -> ApplyError {
    ApplyError::Write {
        path: path.to_owned(),
        message: io_message(err),
    }
}

fn io_message(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        _ => err.to_string().to_lowercase(),
    }
}
