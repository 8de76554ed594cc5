//! Each Rust fixture with a `[cargo]` table proves its story with the real compiler: `cargo
//! check` (Diesel and SeaORM from crates.io, the fixture's own Cargo.lock) fails with the
//! fixture's `error` code before the fix, or passes where the story is drift rather than a
//! compile error; after `--fix --yes` it passes, and `cargo fmt --check` still passes.
//!
//! One target directory under target/ serves every fixture, so Diesel and SeaORM are compiled
//! once per machine, with minimal features (no database drivers); `.ci/run` compiles them
//! before the tests start. The fix is applied with `--verify`, whose own `cargo check` of a
//! fixed copy must accept it; the same fix broken on purpose (a fault hook) must be refused.

use std::path::Path;
use std::process::Command;

use crate::support::{
    copy_tree, fix_args, fixture_dirs, fixture_name, fixture_toml, outcome, repo, stderr, stdout,
    tree,
};

/// The fixtures' shared target directory, one job (the other tests, some of them timed, run
/// beside these), and no flags that would make cargo compile the dependencies again.
fn cargo_env(command: &mut Command) -> &mut Command {
    command
        .env("CARGO_BUILD_JOBS", "1")
        .env("CARGO_TARGET_DIR", repo().join("target/rust-fixtures"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_MAKEFLAGS")
}

fn cargo(dir: &Path, args: &[&str]) -> (bool, String) {
    outcome(cargo_env(
        Command::new(env!("CARGO")).args(args).current_dir(dir),
    ))
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
        let args = [&["--fix", "--yes", "--verify"][..], &fix_args(&toml)].concat();
        let fixes = toml.get("expect").is_some();
        if fixes {
            // The same fix broken on purpose (a fault hook of debug builds adds
            // `const BROKEN_BY_A_TEST: u32 = "not a number";` to its first `.rs` rewrite) is
            // refused, naming the new error, and nothing is written. In this loop, not in a test
            // of its own: two checks of one package beside each other would share artifacts.
            let before = tree(scratch.path());
            let refused = dedupe_models(scratch.path(), &args, Some("rust-break:1"));
            let said = stderr(&refused);
            let refusal = "error: the fix was not applied: `cargo check` in a fixed copy of . has errors the project as it is does not have; nothing was changed. What got worse:\n  new error: ";
            if refused.status.code() != Some(2)
                || !said.starts_with(refusal)
                || !said.ends_with(": error[E0308]: mismatched types\n")
                || said.lines().count() != 2
            {
                problems.push(format!(
                    "{name}: a broken fix was not refused as it should be:\n{said}{}",
                    stdout(&refused)
                ));
            }
            if tree(scratch.path()) != before {
                problems.push(format!("{name}: the refused fix changed the tree"));
            }
        }
        let fixed = dedupe_models(scratch.path(), &args, None);
        if fixed.status.code() != Some(0) {
            problems.push(format!(
                "{name}: --fix --yes --verify did not fix everything: {}",
                stderr(&fixed)
            ));
        }
        // `--verify` checked the fix with cargo wherever there is one.
        let verdict = stdout(&fixed)
            .lines()
            .find(|l| l.starts_with("Verified the Rust fix with `cargo check` in . (cargo "))
            .map(str::to_owned);
        match (&verdict, fixes) {
            // The story's compiler errors before (or none, where the story is drift), none after.
            (Some(line), true)
                if line.contains(", none after (")
                    && (toml["cargo"].get("error").is_none()
                        || !line.contains(": none before")) => {}
            (None, false) => {}
            _ => problems.push(format!(
                "{name}: unexpected --verify verdict {verdict:?}:\n{}",
                stdout(&fixed)
            )),
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

/// The built binary with the fixtures' cargo settings, outside version control.
fn dedupe_models(dir: &Path, args: &[&str], fault: Option<&str>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dedupe-models"));
    command
        .args(args)
        .arg("--allow-no-vcs")
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("DEDUPE_MODELS_FAULT");
    if let Some(fault) = fault {
        command.env("DEDUPE_MODELS_FAULT", fault);
    }
    cargo_env(&mut command).output().expect("the binary runs")
}
