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

/// Migration folders hold per-migration bases and model snapshots, never live models.
const MIGRATION_DIRS: &[&str] = &["migrations", "alembic", "versions", "dbmigrate"];

pub struct Walked {
    pub files: Vec<PathBuf>,
    /// Directories that hold project configuration (pyproject.toml, setup.cfg, ...): import roots.
    pub project_dirs: Vec<PathBuf>,
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
        builder.filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if !is_dir || entry.depth() == 0 {
                return true;
            }
            let name = entry.file_name().to_string_lossy();
            !SKIPPED_DIRS.contains(&name.as_ref())
                && !MIGRATION_DIRS.contains(&name.as_ref())
                && !entry.path().join("pyvenv.cfg").exists()
        });
        for entry in builder.build() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    walked.errors.push((root.clone(), err.to_string()));
                    continue;
                }
            };
            let path = entry.path();
            let Some(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                if PROJECT_MARKERS.iter().any(|m| path.join(m).is_file()) {
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
                walked.files.push(path.to_path_buf());
            } else if path.extension().is_some_and(|e| e == "rs")
                || path.ends_with("Cargo.toml")
                || path.ends_with("diesel.toml")
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
    walked.rust.sort();
    walked.rust.dedup();
    walked
}
