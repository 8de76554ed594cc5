//! A throwaway copy of the project in a temporary directory, for trying the fix on: everything
//! but version control, virtualenvs and caches, with the import roots and paths mapped into it.

use std::path::{Path, PathBuf};

use super::live::ListedDir;
use super::VerifyError;
use crate::index::{Index, Scope};
use crate::paths::project_root;
use crate::plan::Plan;

pub struct Scratch {
    /// Removed with everything in it when the copy is dropped.
    _dir: ListedDir,
    /// The real directory that was copied.
    base: PathBuf,
    /// Its copy (symlinks in the temporary directory's path resolved, as Python reports paths).
    root: PathBuf,
}

impl Scratch {
    /// Copies the directory holding every project the scope scans.
    pub fn new(scope: &Scope) -> Result<Scratch, VerifyError> {
        Scratch::of(common_ancestor(scope.paths.iter().map(|p| project_root(p))))
    }

    /// Copies `base`.
    pub fn of(base: PathBuf) -> Result<Scratch, VerifyError> {
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
        let dir = ListedDir::new(tempfile::Builder::new().prefix("dedupe-models-verify-"))
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

    /// The scope that scans the copy as `scope` scans the project.
    pub fn scope(&self, scope: &Scope) -> Scope {
        let cwd = if scope.cwd.starts_with(&self.base) {
            self.map(&scope.cwd)
        } else {
            self.root.clone()
        };
        // The progress line counts the project's files, not the copy's.
        Scope::new(scope.paths.iter().map(|p| self.map(p)).collect(), cwd)
    }

    /// Writes the plan's new contents over the copy's files.
    pub fn write(&self, index: &Index, plan: &Plan) -> Result<(), VerifyError> {
        for (&file, file_plan) in &plan.files {
            let source = &index.files[file];
            let bytes = crate::apply::planned_bytes(source, file_plan)
                .map_err(|e| VerifyError::Plan(e.to_string()))?;
            self.put(&source.path, &source.display, &bytes)?;
        }
        Ok(())
    }

    /// Writes the other front-ends' rewrites (the Rust fix) over the copy's files.
    pub fn write_rewrites(&self, rewrites: &[crate::apply::Rewrite]) -> Result<(), VerifyError> {
        for rewrite in rewrites {
            self.put(&rewrite.path, &rewrite.display, rewrite.new.as_bytes())?;
        }
        Ok(())
    }

    /// Writes the copy of the real file `real`.
    fn put(&self, real: &Path, display: &str, bytes: &[u8]) -> Result<(), VerifyError> {
        let target = self.map(real);
        let write_error = |e: std::io::Error| VerifyError::Copy {
            path: target.display().to_string(),
            message: e.to_string().to_lowercase(),
        };
        // As `apply` does, through a symlink, but never through one that leads out of the
        // copy: such a link is replaced by the file.
        if let Some(inside) = std::fs::canonicalize(&target)
            .ok()
            .filter(|t| t.starts_with(&self.root))
        {
            return std::fs::write(inside, bytes).map_err(write_error);
        }
        let parent = target.parent().unwrap_or(&self.root);
        let real_parent = std::fs::canonicalize(parent).map_err(write_error)?;
        if !real_parent.starts_with(&self.root) {
            return Err(VerifyError::Copy {
                path: display.to_owned(),
                message: "it is below a symlinked directory that leads out of the project"
                    .to_owned(),
            });
        }
        match std::fs::remove_file(&target) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(write_error(e)),
            _ => {}
        }
        std::fs::write(&target, bytes).map_err(write_error)
    }
}

pub(super) fn common_ancestor(paths: impl Iterator<Item = PathBuf>) -> PathBuf {
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

    fn scope(path: PathBuf, cwd: &Path) -> Scope {
        Scope::new(vec![path], cwd.to_path_buf())
    }

    #[test]
    fn the_copy_leaves_out_history_virtualenvs_and_caches_and_maps_paths() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("proj");
        for (path, content) in [
            ("app/models.py", "x = 1\n"),
            ("app/data.json", "{}"),
            (".git/HEAD", "ref: refs/heads/main\n"),
            (".venv/pyvenv.cfg", ""),
            ("env/pyvenv.cfg", ""),
            ("app/__pycache__/models.pyc", ""),
            (".pytest_cache/CACHEDIR.TAG", ""),
        ] {
            let path = project.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        std::os::unix::fs::symlink("app", project.join("alias")).unwrap();
        let scope = scope(project.join("app"), &project);
        let scratch = Scratch::new(&scope).unwrap();
        let copy = scratch.map(&project);
        assert_eq!(copy.file_name(), project.file_name());
        assert_eq!(
            std::fs::read_to_string(scratch.map(&project.join("app/models.py"))).unwrap(),
            "x = 1\n"
        );
        assert!(copy.join("app/data.json").is_file());
        // An empty marker keeps the project root where it was.
        assert!(copy.join(".git").is_dir() && !copy.join(".git/HEAD").exists());
        for gone in [".venv", "env", "app/__pycache__", ".pytest_cache"] {
            assert!(!copy.join(gone).exists(), "{gone} was copied");
        }
        assert!(
            copy.join("alias/models.py").is_file(),
            "relative links point into the copy"
        );
        assert_eq!(
            scratch.map(Path::new("/elsewhere/x.py")),
            Path::new("/elsewhere/x.py")
        );
        let moved = scratch.scope(&scope);
        assert_eq!(moved.paths, [copy.join("app")]);
        assert_eq!(moved.cwd, copy);
        drop(scratch);
        assert!(!copy.exists(), "the copy is removed");
    }

    #[test]
    fn the_plan_is_written_into_the_copy_and_never_through_a_link_out_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("proj");
        std::fs::create_dir_all(project.join("app")).unwrap();
        std::fs::create_dir_all(dir.path().join("shared")).unwrap();
        let original = "from sqlalchemy import Column\nx = 1\n";
        std::fs::write(project.join("app/inside.py"), original).unwrap();
        std::fs::write(dir.path().join("shared/outside.py"), original).unwrap();
        std::os::unix::fs::symlink("inside.py", project.join("app/linked.py")).unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("shared/outside.py"),
            project.join("app/out.py"),
        )
        .unwrap();
        let scope = scope(project.clone(), &project);
        let index = Index::build(&scope).unwrap();
        // The link inside the project is a second name of inside.py, not a file of its own.
        assert!(!index.files.iter().any(|f| f.display == "app/linked.py"));
        let mut plan = Plan::default();
        for name in ["app/inside.py", "app/out.py"] {
            let file = index.files.iter().position(|f| f.display == name).unwrap();
            let mut file_plan = crate::plan::FilePlan::default();
            file_plan.edits.push(crate::plan::PlannedEdit {
                edit: crate::index::facts::TextEdit {
                    start: original.len() as u32 - 2,
                    end: original.len() as u32 - 1,
                    content: "2".to_owned(),
                },
                change: crate::plan::Change::Cleanup,
                reason: String::new(),
            });
            plan.files.insert(file, file_plan);
        }
        let scratch = Scratch::new(&scope).unwrap();
        scratch.write(&index, &plan).unwrap();
        let read = |p: &Path| std::fs::read_to_string(p).unwrap();
        let changed = original.replace("x = 1", "x = 2");
        assert_eq!(read(&scratch.map(&project.join("app/inside.py"))), changed);
        assert_eq!(read(&scratch.map(&project.join("app/linked.py"))), changed);
        assert_eq!(read(&scratch.map(&project.join("app/out.py"))), changed);
        assert!(
            !std::fs::symlink_metadata(scratch.map(&project.join("app/out.py")))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // The project and what it links to are untouched.
        assert_eq!(read(&project.join("app/inside.py")), original);
        assert_eq!(read(&dir.path().join("shared/outside.py")), original);
    }

    #[test]
    fn common_ancestors() {
        let paths = ["/w/repo/a/b", "/w/repo/a/c", "/w/repo/d"].map(PathBuf::from);
        assert_eq!(common_ancestor(paths.into_iter()), PathBuf::from("/w/repo"));
        let one = [PathBuf::from("/w/repo")];
        assert_eq!(common_ancestor(one.into_iter()), PathBuf::from("/w/repo"));
    }
}
