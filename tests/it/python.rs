//! A Python virtualenv with real SQLAlchemy, SQLModel and Flask-SQLAlchemy from PyPI, made under
//! target/ on first use so that `cargo test` works on a fresh machine by itself.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::support::{outcome, repo};

/// The virtualenv's python; panics with the reason when it cannot be made (no silent skip).
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(create).clone()
}

fn create() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("py-venv");
    let python = venv.join("bin").join("python");
    let requirements = repo().join("tests").join("python-requirements.txt");
    let marker = venv.join(".installed");
    let wanted = std::fs::read_to_string(&requirements).unwrap();
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted) && python.exists() {
        return python;
    }
    crate::tools::fresh_venv(&venv);
    crate::tools::pip_install(&venv.join("bin"), &["-r", requirements.to_str().unwrap()]);
    std::fs::write(&marker, wanted).unwrap();
    python
}

/// Runs the project's own pytest suite in `cwd`: whether it passed, and what it printed.
pub fn pytest(cwd: &std::path::Path) -> (bool, String) {
    outcome(
        Command::new(python())
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "--color=no"])
            .current_dir(cwd)
            .env("PYTHONDONTWRITEBYTECODE", "1"),
    )
}

/// `ruff check --select <select>` over `paths`, run in `cwd`: its diagnostics as JSON values.
pub fn ruff(cwd: &std::path::Path, select: &str, paths: &[PathBuf]) -> Vec<serde_json::Value> {
    let ruff = python().with_file_name("ruff");
    let output = Command::new(ruff)
        .args(["check", "--no-cache", "--isolated", "--select", select])
        .args(["--output-format", "json"])
        .args(paths)
        .current_dir(cwd)
        .output()
        .expect("ruff runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("ruff: {}", String::from_utf8_lossy(&output.stderr)));
    report.as_array().unwrap().clone()
}
