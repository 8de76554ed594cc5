//! Installed the way Python teams install ruff: a wheel built with maturin from a clean tree,
//! installed into a fresh virtualenv; and the pre-commit hook, through `pre-commit try-repo`.
//!
//! Both build with the `wheel-test` profile (unoptimised, no debug info) into a target directory
//! kept under target/, so that CI recompiles only this crate; the wheel users get is built with
//! `release` (pyproject.toml), which takes minutes on two cores.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

use crate::sample::{duplicated, DB, MAIN, USER_A, USER_B};
use crate::support::{printed as text, project};
use crate::tools::{self, clean_tree, git, wheel_target};

/// One build into the shared target directory at a time: cargo locks the directory while it
/// compiles, but maturin then moves the binary out of it unlocked, and two builds at once made one
/// fail (`failed to rename file ... No such file or directory`).
static WHEEL_BUILDS: Mutex<()> = Mutex::new(());

fn one_build_at_a_time() -> MutexGuard<'static, ()> {
    WHEEL_BUILDS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Environment for a build of the wheel: the shared target directory and the quick profile
/// (maturin's PEP 517 backend reads `MATURIN_PEP517_ARGS`, for the builds pip and pre-commit run).
fn build_env(command: &mut Command) -> &mut Command {
    command
        .env("CARGO_TARGET_DIR", wheel_target())
        .env("MATURIN_PEP517_ARGS", "--profile wheel-test")
}

#[test]
fn the_wheel_installs_into_a_fresh_virtualenv_and_runs_from_there() {
    let _build = one_build_at_a_time();
    let tools = tools::bin();
    let tree = clean_tree();
    let wheels = tempfile::tempdir().unwrap();
    let output = build_env(&mut Command::new(tools.join("maturin")))
        .args(["build", "--profile", "wheel-test", "--out"])
        .arg(wheels.path())
        .current_dir(&tree)
        .output()
        .expect("maturin runs");
    assert!(output.status.success(), "maturin build:\n{}", text(&output));
    let wheel = std::fs::read_dir(wheels.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .expect("maturin wrote a wheel");

    let venv = tempfile::tempdir().unwrap();
    tools::fresh_venv(venv.path());
    let bin = venv.path().join("bin");
    tools::pip_install(&bin, &[wheel.to_str().unwrap()]);
    let installed = bin.join("dedupe-models");
    assert!(
        installed.is_file(),
        "pip put no dedupe-models in {}",
        bin.display()
    );

    let version = Command::new(&installed).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("dedupe-models {}", env!("CARGO_PKG_VERSION"))
    );
    let dir = duplicated();
    let check = Command::new(&installed)
        .args(["--output-format", "concise"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(
        String::from_utf8_lossy(&check.stdout).starts_with("app/b.py:4:7: DM001 table `users`"),
        "{}",
        text(&check)
    );
    // The rule texts are compiled in: the wheel needs no file from the repository.
    let rule = Command::new(&installed)
        .args(["rule", "DM001"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&rule.stdout).starts_with("# DM001 duplicate-table"));
}

/// A git project whose committed `app/a.py` defines `users`; the new `app/b.py` defines it again.
fn project_with_a_staged_duplicate() -> tempfile::TempDir {
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("app/a.py", USER_A),
        ("main.py", b"import app.a\n"),
    ]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "one user table"]);
    std::fs::write(dir.path().join("app/b.py"), USER_B).unwrap();
    std::fs::write(dir.path().join("main.py"), MAIN).unwrap();
    git(dir.path(), &["add", "-A"]);
    dir
}

/// `pre-commit try-repo` of the clean tree's hook `hook` in `project`; `home` is pre-commit's
/// cache (where it installs the hook's virtualenv), kept outside the project.
fn try_repo(project: &Path, home: &Path, hook: &str) -> Output {
    let tools = tools::bin();
    build_env(&mut Command::new(tools.join("pre-commit")))
        .arg("try-repo")
        .arg(clean_tree())
        .arg(hook)
        .arg("--color=never")
        .env("PRE_COMMIT_HOME", home)
        .current_dir(project)
        .output()
        .expect("pre-commit runs")
}

#[test]
fn the_pre_commit_hook_fails_on_a_duplicate_of_an_unchanged_file_then_passes_after_the_fix() {
    let _build = one_build_at_a_time();
    let dir = project_with_a_staged_duplicate();
    let home = tempfile::tempdir().unwrap();
    // pre-commit passes the staged files: app/b.py and main.py, not app/a.py.
    let output = try_repo(dir.path(), home.path(), "dedupe-models");
    let printed = text(&output);
    assert_eq!(output.status.code(), Some(1), "{printed}");
    assert!(
        printed.contains("dedupe-models") && printed.contains("Failed"),
        "{printed}"
    );
    assert!(
        printed.contains(
            "app/b.py:4:7: DM001 table `users` is defined again by `User`; `User` at app/a.py:4"
        ),
        "{printed}"
    );

    let output = try_repo(dir.path(), home.path(), "dedupe-models-fix");
    let printed = text(&output);
    // A hook that changes files fails once, as every pre-commit fixer does.
    assert_eq!(output.status.code(), Some(1), "{printed}");
    assert!(
        printed.contains("files were modified by this hook"),
        "{printed}"
    );
    assert!(
        std::fs::read_to_string(dir.path().join("app/b.py"))
            .unwrap()
            .contains("from app.a import User"),
        "{printed}"
    );
    git(dir.path(), &["add", "-A"]);
    let output = try_repo(dir.path(), home.path(), "dedupe-models");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("Passed"), "{}", text(&output));
}
