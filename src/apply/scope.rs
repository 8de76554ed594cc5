//! Where a fix may write: only inside the scanned projects, and each real file once. A `.py`
//! reached through a symlink that leaves the project is read for the analysis but never
//! written, and a file seen under two paths is written under its real one only.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::ApplyError;
use crate::index::module_map::FileId;
use crate::index::Index;
use crate::plan::Plan;

/// The files the plan must leave unchanged, with why: planned around like files a person left
/// out, so that `--diff` shows exactly what `--fix` writes. Here, files whose real path lies
/// outside the project, and files that mix a bare CR with other line endings.
pub fn protected(index: &Index) -> BTreeMap<FileId, String> {
    let roots = roots(index);
    let mut real_paths = RealPaths {
        symlinks: &index.symlinks,
        folders: HashMap::new(),
    };
    let mut protected = BTreeMap::new();
    for (id, file) in index.files.iter().enumerate() {
        // A bare CR among other line endings (CR-only files are read with their lines): the
        // line-based parts of a rewrite cannot keep such a file's lines.
        if file.bare_cr {
            protected.insert(
                id,
                "left unchanged: it is a file whose lines end in a bare CR and in LF or CRLF too, which a rewrite cannot keep line by line; give it one kind of line ending, then run again".to_owned(),
            );
            continue;
        }
        let Some(real) = real_paths.get(&file.path) else {
            continue;
        };
        if !roots.iter().any(|r| real.starts_with(r)) {
            protected.insert(
                id,
                format!(
                    "left unchanged: it is {}, outside the project, which a fix never writes to",
                    real.display()
                ),
            );
        }
    }
    protected
}

/// Files the plan rewrites under two paths (a symlink to another project file): all but the
/// real path, to be left unchanged so that each file is planned once.
pub fn second_paths(index: &Index, plan: &Plan) -> BTreeMap<FileId, String> {
    let mut by_real: BTreeMap<PathBuf, Vec<FileId>> = BTreeMap::new();
    for &id in plan.files.keys() {
        if let Ok(real) = std::fs::canonicalize(&index.files[id].path) {
            by_real.entry(real).or_default().push(id);
        }
    }
    let mut second = BTreeMap::new();
    for (real, mut ids) in by_real {
        if ids.len() < 2 {
            continue;
        }
        ids.sort_by_key(|&id| index.files[id].path != real);
        let kept = &index.files[ids[0]].display;
        for &id in &ids[1..] {
            second.insert(
                id,
                format!("left unchanged: it is {kept} under another name; the fix writes that file once, under its real path"),
            );
        }
    }
    second
}

/// The real file `apply` writes for `path`, which must lie inside the project.
pub(super) fn writable(index: &Index, path: &Path, display: &str) -> Result<PathBuf, ApplyError> {
    let real = std::fs::canonicalize(path).map_err(|e| super::write_error(display, &e))?;
    if roots(index).iter().any(|r| real.starts_with(r)) {
        Ok(real)
    } else {
        Err(ApplyError::Outside {
            path: display.to_owned(),
            real: real.display().to_string(),
        })
    }
}

/// Real paths (`std::fs::canonicalize`) of the index's files, each folder resolved once: a file
/// the walk did not find as a symlink lies in its folder's real path. Resolving every file of a
/// 10,000-file project on its own (a `stat` per part of each path) took a tenth of a second.
struct RealPaths<'i> {
    symlinks: &'i HashSet<PathBuf>,
    folders: HashMap<PathBuf, Option<PathBuf>>,
}

impl RealPaths<'_> {
    fn get(&mut self, path: &Path) -> Option<PathBuf> {
        let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
            return std::fs::canonicalize(path).ok();
        };
        if self.symlinks.contains(path) {
            return std::fs::canonicalize(path).ok();
        }
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        let folder = self
            .folders
            .entry(folder.to_path_buf())
            .or_insert_with(|| std::fs::canonicalize(folder).ok());
        Some(folder.as_ref()?.join(name))
    }
}

/// The scanned projects' directories, symlinks resolved.
fn roots(index: &Index) -> Vec<PathBuf> {
    index
        .settings
        .iter()
        .map(|(dir, _)| dir.as_path())
        .filter_map(|dir: &Path| std::fs::canonicalize(dir).ok())
        .collect()
}
