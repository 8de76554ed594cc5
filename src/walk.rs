//! Finding the Python files under the paths the user gave, the way a Python developer expects:
//! .gitignore respected, virtualenvs, caches, node_modules and migration folders left out.

use std::path::{Path, PathBuf};

use crate::pyproject::Exclude;

/// Directory names that never hold project code: virtualenvs, caches, vendored JS.
pub(crate) const SKIPPED_DIRS: &[&str] = &[
    ".venv",
    "venv",
    "site-packages",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".git",
];

pub struct Walked {
    pub files: Vec<PathBuf>,
    /// Directories that hold project configuration (pyproject.toml, setup.cfg, ...) and are not
    /// packages themselves: import roots. A package's module that happens to be called
    /// `setup.py` makes no project.
    pub project_dirs: Vec<PathBuf>,
    /// Python files in migration folders (`migrations/`, `dbmigrate/`, ...): a model snapshot
    /// there can define a live table again, which decides whether a band-aid flag can go.
    pub aside: Vec<PathBuf>,
    pub errors: Vec<(PathBuf, String)>,
    /// `.rs` files, `Cargo.toml` and `diesel.toml`: the Rust front-end's input.
    pub rust: Vec<PathBuf>,
    /// The `.py` files in `files` and `aside` that are symbolic links: each may be a second path
    /// to another file of the project (`real_files`).
    pub symlinks: Vec<PathBuf>,
}

const PROJECT_MARKERS: &[&str] = &[
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "pytest.ini",
    "tox.ini",
];

pub fn walk(paths: &[PathBuf], exclude: &Exclude, exclude_base: &Path) -> Walked {
    let mut walked = Walked {
        files: Vec::new(),
        project_dirs: Vec::new(),
        aside: Vec::new(),
        errors: Vec::new(),
        rust: Vec::new(),
        symlinks: Vec::new(),
    };
    for root in paths {
        if root.is_file() {
            // A file named on the command line is scanned, unless `force-exclude` says no.
            // A Rust source or manifest goes to the Rust front-end; anything else is read as
            // Python, whatever its name, as ruff reads a file it is given.
            let relative = root.strip_prefix(exclude_base).unwrap_or(root);
            if !(exclude.force && exclude.is_match(relative)) {
                if is_rust(root) {
                    walked.rust.push(root.clone());
                } else {
                    walked.files.push(root.clone());
                }
            }
            continue;
        }
        let mut builder = ignore::WalkBuilder::new(root);
        builder
            .require_git(false)
            .hidden(true)
            .sort_by_file_name(|a, b| a.cmp(b));
        let (excluded, base) = (exclude.clone(), exclude_base.to_path_buf());
        builder.filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if !is_dir || entry.depth() == 0 {
                return true;
            }
            let name = entry.file_name().to_string_lossy();
            let relative = entry.path().strip_prefix(&base).unwrap_or(entry.path());
            !SKIPPED_DIRS.contains(&name.as_ref())
                && !entry.path().join("pyvenv.cfg").exists()
                && (excluded.is_empty() || !excluded.is_match(relative))
        });
        for entry in builder.build() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let (path, message) = describe(&err);
                    walked
                        .errors
                        .push((path.unwrap_or_else(|| root.clone()), message));
                    continue;
                }
            };
            let path = entry.path();
            let Some(file_type) = entry.file_type() else {
                continue;
            };
            let in_migrations = path
                .strip_prefix(root)
                .unwrap_or(path)
                .components()
                .any(|c| exclude.skips_dir(&c.as_os_str().to_string_lossy()));
            if file_type.is_dir() {
                if !in_migrations
                    && PROJECT_MARKERS.iter().any(|m| path.join(m).is_file())
                    && !path.join("__init__.py").is_file()
                {
                    walked.project_dirs.push(path.to_path_buf());
                }
                continue;
            }
            // Only `.py`: stubs (`.pyi`) describe modules and never define tables at run time.
            if path.extension().is_some_and(|e| e == "py") {
                let relative = path.strip_prefix(exclude_base).unwrap_or(path);
                if !exclude.is_empty() && exclude.is_match(relative) {
                    continue;
                }
                if entry.path_is_symlink() {
                    walked.symlinks.push(path.to_path_buf());
                }
                if in_migrations {
                    walked.aside.push(path.to_path_buf());
                } else {
                    walked.files.push(path.to_path_buf());
                }
            } else if !in_migrations && is_rust(path) {
                let relative = path.strip_prefix(exclude_base).unwrap_or(path);
                if exclude.is_empty() || !exclude.is_match(relative) {
                    walked.rust.push(path.to_path_buf());
                }
            }
        }
    }
    walked.files.sort();
    walked.files.dedup();
    walked.aside.sort();
    walked.aside.dedup();
    walked.rust.sort();
    walked.rust.dedup();
    walked
}

/// A Rust source, or a manifest the Rust front-end reads.
fn is_rust(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
        || path.ends_with("Cargo.toml")
        || path.ends_with("diesel.toml")
}

/// Each file once: a symbolic link to a file that `files` also holds (or that another link
/// reaches first) is taken out of `files`, and returned as `(link, kept path)`. Python loads the
/// file under each path's module name, so the links stay module names of the kept file; but a
/// fix must plan and write the file once, under its real path.
pub fn real_files(files: &mut Vec<PathBuf>, symlinks: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
    if symlinks.is_empty() {
        return Vec::new();
    }
    let links: std::collections::HashSet<&PathBuf> = symlinks.iter().collect();
    let reals: std::collections::HashMap<&PathBuf, PathBuf> = symlinks
        .iter()
        .filter_map(|link| Some((link, std::fs::canonicalize(link).ok()?)))
        .collect();
    // Only a file with the link target's name can be it: those are resolved, no others.
    let wanted: std::collections::HashSet<&std::ffi::OsStr> =
        reals.values().filter_map(|real| real.file_name()).collect();
    let mut by_real: std::collections::BTreeMap<PathBuf, Vec<&PathBuf>> = Default::default();
    for file in files.iter() {
        let real = match reals.get(file) {
            Some(real) => real.clone(),
            None if file.file_name().is_some_and(|n| wanted.contains(n)) => {
                match std::fs::canonicalize(file) {
                    Ok(real) => real,
                    Err(_) => continue,
                }
            }
            None => continue,
        };
        by_real.entry(real).or_default().push(file);
    }
    let mut aliases = Vec::new();
    for paths in by_real.into_values().filter(|p| p.len() > 1) {
        // The path that is no link, else the first link (sorted, so the same every run).
        let kept = paths
            .iter()
            .find(|p| !links.contains(**p))
            .unwrap_or(&paths[0]);
        for &path in &paths {
            if path != *kept {
                aliases.push((path.clone(), (*kept).clone()));
            }
        }
    }
    let gone: std::collections::HashSet<PathBuf> =
        aliases.iter().map(|(alias, _)| alias.clone()).collect();
    files.retain(|f| !gone.contains(f));
    aliases
}

/// What went wrong in the walk, said once: the folder or file it happened to, and why.
/// (`ignore`'s own text repeats the path: `/abs/secret: IO error for operation on /abs/secret`.)
fn describe(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => (Some(path.clone()), describe(err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe(err)
        }
        ignore::Error::Loop { ancestor, child } => (
            Some(child.clone()),
            format!(
                "skipped: a symbolic link loop back to {}",
                crate::paths::escape(&ancestor.display().to_string())
            ),
        ),
        ignore::Error::Io(io) => {
            let why = match io.kind() {
                std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
                _ => io.to_string().to_lowercase(),
            };
            (None, format!("cannot read: {why}"))
        }
        other => (None, other.to_string()),
    }
}

#[cfg(test)]
mod describe_tests {
    use super::describe;
    use std::path::PathBuf;

    #[test]
    fn an_unreadable_folder_is_named_once_with_why() {
        let err = ignore::Error::WithDepth {
            depth: 1,
            err: Box::new(ignore::Error::WithPath {
                path: PathBuf::from("/abs/secret"),
                err: Box::new(ignore::Error::Io(std::io::Error::from(
                    std::io::ErrorKind::PermissionDenied,
                ))),
            }),
        };
        assert_eq!(
            describe(&err),
            (
                Some(PathBuf::from("/abs/secret")),
                "cannot read: permission denied".to_owned()
            )
        );
    }
}
