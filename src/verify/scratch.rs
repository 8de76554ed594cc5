//! A throwaway copy of the project in a temporary directory, for trying the fix on: everything
//! but version control, virtualenvs and caches, with the import roots and paths mapped into it.

use std::path::{Path, PathBuf};

use super::VerifyError;
use crate::config::{project_root, Config};
use crate::index::Index;
use crate::plan::Plan;

pub struct Scratch {
    /// Removed with everything in it when the copy is dropped.
    _dir: tempfile::TempDir,
    /// The real directory that was copied.
    base: PathBuf,
    /// Its copy (symlinks in the temporary directory's path resolved, as Python reports paths).
    root: PathBuf,
}

impl Scratch {
    /// Copies the directory holding every project the configuration scans.
    pub fn new(config: &Config) -> Result<Scratch, VerifyError> {
        let base = common_ancestor(config.paths.iter().map(|p| project_root(p)));
        if base.parent().is_none() {
            return Err(VerifyError::Copy {
                path: base.display().to_string(),
                message: "the scanned paths share no directory but the root; verify one project at a time".to_owned(),
            });
        }
        let copy_error = |path: &Path, e: std::io::Error| VerifyError::Copy {
            path: path.display().to_string(),
            message: e.to_string().to_lowercase(),
        };
        let dir = tempfile::Builder::new()
            .prefix("dedupe-models-verify-")
            .tempdir()
            .map_err(|e| copy_error(&std::env::temp_dir(), e))?;
        let root = std::fs::canonicalize(dir.path())
            .map_err(|e| copy_error(dir.path(), e))?
            .join(base.file_name().unwrap_or_else(|| "project".as_ref()));
        if root.starts_with(&base) {
            return Err(VerifyError::Copy {
                path: base.display().to_string(),
                message: "the temporary directory is inside the project; set TMPDIR to a directory outside it".to_owned(),
            });
        }
        copy_dir(&base, &root).map_err(|(path, e)| copy_error(&path, e))?;
        Ok(Scratch {
            _dir: dir,
            base,
            root,
        })
    }

    /// Where a real path is in the copy; paths outside the copied directory stay as they are.
    pub fn map(&self, real: &Path) -> PathBuf {
        match real.strip_prefix(&self.base) {
            Ok(relative) => self.root.join(relative),
            Err(_) => real.to_path_buf(),
        }
    }

    /// The configuration that scans the copy as `config` scans the project.
    pub fn config(&self, config: &Config) -> Config {
        let cwd = if config.cwd.starts_with(&self.base) {
            self.map(&config.cwd)
        } else {
            self.root.clone()
        };
        Config {
            paths: config.paths.iter().map(|p| self.map(p)).collect(),
            cwd,
            ..config.clone()
        }
    }

    /// Writes the plan's new contents over the copy's files.
    pub fn write(&self, index: &Index, plan: &Plan) -> Result<(), VerifyError> {
        for (&file, file_plan) in &plan.files {
            let source = &index.files[file];
            let bytes = crate::apply::planned_bytes(source, file_plan)
                .map_err(|e| VerifyError::Plan(e.to_string()))?;
            let target = self.map(&source.path);
            let write_error = |e: std::io::Error| VerifyError::Copy {
                path: target.display().to_string(),
                message: e.to_string().to_lowercase(),
            };
            // Never through a symlink that leads out of the copy.
            let parent = target.parent().unwrap_or(&self.root);
            let real_parent = std::fs::canonicalize(parent).map_err(write_error)?;
            if !real_parent.starts_with(&self.root) {
                return Err(VerifyError::Copy {
                    path: source.display.clone(),
                    message: "it is below a symlinked directory that leads out of the project"
                        .to_owned(),
                });
            }
            match std::fs::remove_file(&target) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(write_error(e)),
                _ => {}
            }
            std::fs::write(&target, bytes).map_err(write_error)?;
        }
        Ok(())
    }
}

fn common_ancestor(paths: impl Iterator<Item = PathBuf>) -> PathBuf {
    let mut common: Option<PathBuf> = None;
    for path in paths {
        common = Some(match common {
            None => path,
            Some(c) => c
                .ancestors()
                .find(|a| path.starts_with(a))
                .map_or_else(PathBuf::new, Path::to_path_buf),
        });
    }
    common.unwrap_or_default()
}

/// Whether a directory holds nothing the project's code needs: version control, a
/// virtualenv, a cache (`CACHEDIR.TAG`: pytest, ruff, mypy, cargo's target/).
fn skipped(dir: &Path) -> bool {
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    crate::walk::SKIPPED_DIRS.contains(&name.as_ref())
        || dir.join("pyvenv.cfg").exists()
        || dir.join("CACHEDIR.TAG").exists()
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), (PathBuf, std::io::Error)> {
    let at = |path: &Path| {
        let path = path.to_path_buf();
        move |e| (path, e)
    };
    std::fs::create_dir_all(to).map_err(at(to))?;
    for entry in std::fs::read_dir(from).map_err(at(from))? {
        let entry = entry.map_err(at(from))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(at(&path))?;
        if entry.file_name() == ".git" {
            // An empty marker keeps the project root where it is; the history is not needed.
            std::fs::create_dir_all(&target).map_err(at(&target))?;
        } else if kind.is_symlink() {
            link(&path, &target).map_err(at(&path))?;
        } else if kind.is_dir() {
            if !skipped(&path) {
                copy_dir(&path, &target)?;
            }
        } else {
            std::fs::copy(&path, &target).map_err(at(&path))?;
        }
    }
    Ok(())
}

/// A symlink is copied as the same link: relative ones then point into the copy.
#[cfg(unix)]
fn link(path: &Path, target: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(std::fs::read_link(path)?, target)
}

#[cfg(not(unix))]
fn link(path: &Path, target: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        Ok(())
    } else {
        std::fs::copy(path, target).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_ancestors() {
        let paths = ["/w/repo/a/b", "/w/repo/a/c", "/w/repo/d"].map(PathBuf::from);
        assert_eq!(common_ancestor(paths.into_iter()), PathBuf::from("/w/repo"));
        let one = [PathBuf::from("/w/repo")];
        assert_eq!(common_ancestor(one.into_iter()), PathBuf::from("/w/repo"));
    }
}
