//! Which Python runs the probe: `--python`, else the project's virtualenv, else `python3` on PATH.

use std::path::{Path, PathBuf};

use super::VerifyError;

/// The Python that runs the probe, and how to name it to the user.
#[derive(Debug, Clone)]
pub struct Interpreter {
    pub path: PathBuf,
    /// Relative to the working directory when below it.
    pub shown: String,
}

/// Where a virtualenv keeps its interpreter, on Unix and on Windows.
const VENV_PYTHONS: &[&str] = &["bin/python", "Scripts/python.exe"];
const VENV_DIRS: &[&str] = &[".venv", "venv"];

/// `explicit` is `--python` (absolute; a file, or a virtualenv directory). Otherwise the
/// nearest `.venv` or `venv` from `start` up to the project (the git work tree's top, else the
/// project directory), else `python3` (then `python`) on PATH.
pub fn find(explicit: Option<&Path>, start: &Path) -> Result<PathBuf, VerifyError> {
    if let Some(path) = explicit {
        if path.is_dir() {
            return in_venv(path).ok_or_else(|| VerifyError::NoPython {
                message: format!(
                    "--python {}: a directory without {}",
                    path.display(),
                    VENV_PYTHONS.join(" or ")
                ),
            });
        }
        if !path.exists() {
            return Err(VerifyError::NoPython {
                message: format!("--python {}: no such file", path.display()),
            });
        }
        return Ok(path.to_path_buf());
    }
    let start = if start.is_file() {
        start.parent().unwrap_or(start)
    } else {
        start
    };
    let top = start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map_or_else(|| crate::paths::project_root(start), Path::to_path_buf);
    for dir in start.ancestors() {
        if let Some(python) = VENV_DIRS.iter().find_map(|v| in_venv(&dir.join(v))) {
            return Ok(python);
        }
        if dir == top {
            break;
        }
    }
    for name in ["python3", "python"] {
        if let Some(found) = on_path(name) {
            return Ok(found);
        }
    }
    Err(VerifyError::NoPython {
        message: "no Python found: no .venv or venv in the project and no python3 on PATH; pass --python with the project's interpreter".to_owned(),
    })
}

fn in_venv(dir: &Path) -> Option<PathBuf> {
    VENV_PYTHONS
        .iter()
        .map(|p| dir.join(p))
        .find(|p| p.is_file())
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_venv_wins_over_path_and_stops_at_the_work_tree() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let app = repo.join("apps/api");
        std::fs::create_dir_all(app.join("pkg")).unwrap();
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join(".venv/bin")).unwrap();
        std::fs::write(repo.join(".venv/bin/python"), "").unwrap();
        // A virtualenv above the work tree is someone else's.
        std::fs::create_dir_all(dir.path().join("venv/bin")).unwrap();
        std::fs::write(dir.path().join("venv/bin/python"), "").unwrap();
        assert_eq!(
            find(None, &app.join("pkg")).unwrap(),
            repo.join(".venv/bin/python")
        );
        std::fs::remove_dir_all(repo.join(".venv")).unwrap();
        let found = find(None, &app);
        assert!(found.map_or(true, |p| p != dir.path().join("venv/bin/python")));
    }

    #[test]
    fn an_explicit_python_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let err = find(Some(&dir.path().join("nope/python")), dir.path()).unwrap_err();
        assert!(
            err.to_string().ends_with("nope/python: no such file"),
            "{err}"
        );
        std::fs::create_dir_all(dir.path().join("env/bin")).unwrap();
        std::fs::write(dir.path().join("env/bin/python"), "").unwrap();
        assert_eq!(
            find(Some(&dir.path().join("env")), dir.path()).unwrap(),
            dir.path().join("env/bin/python")
        );
    }
}
