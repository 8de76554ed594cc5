//! Finding the Python files under the paths the user gave, the way a Python developer expects:
//! .gitignore respected, virtualenvs, caches, node_modules and migration folders left out.

use std::path::{Path, PathBuf};

use globset::GlobSet;

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

/// Migration folders hold per-migration bases and model snapshots, never live models: their
/// files are read aside, for what they define on the live bases, and never reported on.
const MIGRATION_DIRS: &[&str] = &["migrations", "alembic", "versions", "dbmigrate"];

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
}

const PROJECT_MARKERS: &[&str] = &[
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "pytest.ini",
    "tox.ini",
];

pub fn walk(paths: &[PathBuf], exclude: &GlobSet, exclude_base: &Path) -> Walked {
    let mut walked = Walked {
        files: Vec::new(),
        project_dirs: Vec::new(),
        aside: Vec::new(),
        errors: Vec::new(),
        rust: Vec::new(),
    };
    for root in paths {
        if root.is_file() {
            walked.files.push(root.clone());
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
                .any(|c| MIGRATION_DIRS.contains(&c.as_os_str().to_string_lossy().as_ref()));
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
                if in_migrations {
                    walked.aside.push(path.to_path_buf());
                } else {
                    walked.files.push(path.to_path_buf());
                }
            } else if !in_migrations
                && (path.extension().is_some_and(|e| e == "rs")
                    || path.ends_with("Cargo.toml")
                    || path.ends_with("diesel.toml"))
            {
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
