//! Each Rust fixture with a `[cargo]` table proves its story with the real compiler: `cargo
//! check` (Diesel and SeaORM from crates.io, the fixture's own Cargo.lock) fails with the
//! fixture's `error` code before the fix, or passes where the story is drift rather than a
//! compile error; after `--fix --yes` it passes, and `cargo fmt --check` still passes.
//!
//! One target directory under target/ serves every fixture, so Diesel and SeaORM are compiled
//! once per machine, with minimal features (no database drivers); `.ci/run` compiles them
//! before the tests start.

use std::path::Path;
use std::process::Command;

use crate::support::{
    copy_tree, fixture_dirs, fixture_name, fixture_toml, outcome, repo, run, stderr,
};

fn cargo(dir: &Path, args: &[&str]) -> (bool, String) {
    // One job: the other tests (some of them timed) run beside this one.
    outcome(
        Command::new(env!("CARGO"))
            .args(args)
            .env("CARGO_BUILD_JOBS", "1")
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", repo().join("target/rust-fixtures"))
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_MAKEFLAGS"),
    )
}

#[test]
fn rust_fixtures_compile_after_the_fix() {
    let mut problems = Vec::new();
    for dir in fixture_dirs() {
        let toml = fixture_toml(&dir);
        let Some(story) = toml.get("cargo").and_then(|c| c.as_table()) else {
            continue;
        };
        let name = fixture_name(&dir);
        let scratch = tempfile::tempdir().unwrap();
        copy_tree(&dir, scratch.path());
        let check = ["check", "--quiet", "--all-targets", "--locked"];
        let (passed, printed) = cargo(scratch.path(), &check);
        match story.get("error").and_then(|e| e.as_str()) {
            Some(code) => {
                if passed {
                    problems.push(format!(
                        "{name}: cargo check passed before the fix, but the fixture claims {code}"
                    ));
                } else if !printed.contains(&format!("error[{code}]")) {
                    problems.push(format!(
                        "{name}: cargo check did not fail with {code}:\n{printed}"
                    ));
                }
            }
            None if !passed => {
                problems.push(format!(
                    "{name}: cargo check fails before the fix:\n{printed}"
                ));
            }
            None => {}
        }
        let (formatted, _) = cargo(scratch.path(), &["fmt", "--check"]);
        let fixed = run(scratch.path(), &["--fix", "--yes", "--allow-no-vcs"]);
        if fixed.status.code() != Some(0) {
            problems.push(format!(
                "{name}: --fix --yes did not fix everything: {}",
                stderr(&fixed)
            ));
        }
        // Not `--locked`: a fix that adds a path dependency changes the lock file (and only
        // that: the registry packages stay at their locked versions).
        let (passed, printed) = cargo(scratch.path(), &check[..3]);
        if !passed {
            problems.push(format!(
                "{name}: cargo check fails after the fix:\n{printed}"
            ));
        }
        if formatted {
            let (still, printed) = cargo(scratch.path(), &["fmt", "--check"]);
            if !still {
                problems.push(format!(
                    "{name}: rustfmt --check fails after the fix:\n{printed}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
