//! Installed the way Python teams install ruff: a wheel built with maturin from a clean tree,
//! installed into a fresh virtualenv; and the pre-commit hook, through `pre-commit try-repo`.
//!
//! Both build with the `wheel-test` profile (unoptimised, no debug info) into a target directory
//! kept under target/, so that CI recompiles only this crate; the wheel users get is built with
//! `release` (pyproject.toml), which takes minutes on two cores.

use std::process::{Command, Output};

use crate::sample::duplicated;
use crate::tools::{self, clean_tree, wheel_target};

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
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
