//! A second virtualenv with the tools the packaging and output-format tests run (maturin,
//! pre-commit, jsonschema from PyPI), made under target/ on first use; and a clean copy of the
//! repository as a git repository, for building the wheel and for `pre-commit try-repo`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::repo;

/// The tools virtualenv's `bin` directory; panics with the reason when it cannot be made.
pub fn bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(create).clone()
}

fn create() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tools-venv");
    let bin = venv.join("bin");
    let requirements = repo().join("tests").join("tool-requirements.txt");
    let marker = venv.join(".installed");
    let wanted = std::fs::read_to_string(&requirements).unwrap();
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted) && bin.join("python").exists() {
        return bin;
    }
    fresh_venv(&venv);
    pip_install(&bin, &["-r", requirements.to_str().unwrap()]);
    std::fs::write(&marker, wanted).unwrap();
    bin
}

/// A new, empty virtualenv at `dir`.
pub fn fresh_venv(dir: &Path) {
    let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let status = Command::new(&host)
        .args(["-m", "venv", "--clear"])
        .arg(dir)
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "cannot create a virtualenv with `{host} -m venv` in {}",
        dir.display()
    );
}

pub fn pip_install(bin: &Path, args: &[&str]) {
    let output = Command::new(bin.join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(args)
        .output()
        .expect("pip runs");
    assert!(
        output.status.success(),
        "pip install {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A copy of the repository's files (tracked and new, as `git` lists them; no `target/`),
/// committed in a git repository of its own.
pub fn clean_tree() -> PathBuf {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| {
        let tree = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("clean-tree");
        let _ = std::fs::remove_dir_all(&tree);
        std::fs::create_dir_all(&tree).unwrap();
        let listed = git(
            &repo(),
            &[
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
        );
        for name in listed.split('\0').filter(|n| !n.is_empty()) {
            let from = repo().join(name);
            if !from.is_file() {
                continue; // deleted in the work tree
            }
            let to = tree.join(name);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to).unwrap();
        }
        git(&tree, &["init", "-q"]);
        git(&tree, &["add", "-A"]);
        git(&tree, &["commit", "-q", "-m", "clean tree"]);
        tree
    })
    .clone()
}

/// Runs git in `dir` with a fixed identity; panics on failure; returns standard output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed in {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Where the packaging tests build: a target directory of their own (the tests' own is in use
/// by the `cargo test` that runs them), kept between runs so that only this crate recompiles.
pub fn wheel_target() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("wheel-target")
}
