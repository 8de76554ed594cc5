//! `--verify` for the Rust fix: `cargo check` of every Cargo workspace the fix touches, on a copy
//! of the project before and after the fix, compared the way the Python gate compares its runs:
//! the fix may be applied when no compiler error is new.
//!
//! Cargo runs offline (`--offline`, from the workspace's own Cargo.lock and the machine's cargo
//! registry cache) and builds in `dedupe-models-verify/` inside the workspace's target directory
//! (`cargo metadata` says where it is; `CARGO_TARGET_DIR` and `.cargo/config.toml` are
//! honoured): the first `--verify` compiles the dependencies there once, later ones only what
//! changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::scratch::{common_ancestor, Scratch};
use super::{errors, live, probe, Settings, VerifyError};
use crate::apply::Rewrite;
use crate::index::Scope;
use crate::paths::{display_path, project_root};

/// The outcome of trying the Rust fix on a copy of the project.
#[derive(Debug)]
pub struct CargoVerdict {
    /// `cargo 1.95.0 (...)`.
    pub cargo: String,
    /// The workspaces checked, as shown.
    pub workspaces: Vec<String>,
    /// What got worse, one line each; empty when the fix may be applied.
    pub worse: Vec<String>,
    pub errors_before: usize,
    pub errors_after: usize,
    /// Wall time of the copy and both checks.
    pub elapsed: Duration,
}

impl CargoVerdict {
    /// One line for people when the fix passed.
    pub fn summary(&self) -> String {
        format!(
            "Verified the Rust fix with `cargo check` in {} ({}): {} before, {} after ({:.1} s).",
            self.workspaces.join(", "),
            self.cargo,
            errors(self.errors_before),
            errors(self.errors_after),
            self.elapsed.as_secs_f64()
        )
    }

    /// What to tell people when the fix is refused.
    pub fn refusal(&self) -> String {
        let mut out = format!(
            "the fix was not applied: `cargo check` in a fixed copy of {} has errors the project as it is does not have; nothing was changed. What got worse:",
            self.workspaces.join(", ")
        );
        for line in &self.worse {
            out.push_str("\n  ");
            out.push_str(line);
        }
        out
    }
}

/// One `cargo check`: its errors by what they say (code, message, file), with how to show each.
#[derive(Debug, Default)]
struct Checked {
    errors: BTreeMap<(String, String, String), String>,
    /// Whether cargo got as far as the compiler (or found everything fresh).
    compiled: bool,
    /// What cargo itself said when it failed before the compiler did.
    failure: Option<String>,
}

/// Checks each workspace in `workspaces` (real paths) on a copy of the project, then writes
/// `rewrites` over the copy and checks again; the project itself is not touched.
pub fn gate(
    scope: &Scope,
    rewrites: &[Rewrite],
    workspaces: &[PathBuf],
    settings: &Settings,
) -> Result<CargoVerdict, VerifyError> {
    let started = Instant::now();
    let cargo = cargo_program();
    let version = version(&cargo);
    let base = common_ancestor(
        scope
            .paths
            .iter()
            .map(|p| project_root(p))
            .chain(workspaces.iter().cloned()),
    );
    let scratch = Scratch::of(base)?;
    // A directory of its own inside the workspace's target directory: cargo names a
    // workspace crate's artifacts without its path, so the copy's crates would otherwise share
    // them with the project's own builds (rust-analyzer's check on save), and a build of the
    // project between our two checks could make cargo take its artifacts for the copy's.
    let targets: Vec<PathBuf> = workspaces
        .iter()
        .map(|w| target_dir(&cargo, w).join("dedupe-models-verify"))
        .collect();
    let run = |scratch: &Scratch| -> Result<Vec<Checked>, VerifyError> {
        workspaces
            .iter()
            .zip(&targets)
            .map(|(w, target)| {
                let shown = display_path(w, &scope.cwd);
                check(
                    &cargo,
                    &scratch.map(w),
                    target,
                    w,
                    &shown,
                    &scope.cwd,
                    settings.cargo_timeout,
                )
            })
            .collect()
    };
    let before = run(&scratch)?;
    for (checked, w) in before.iter().zip(workspaces) {
        if let (false, Some(failure)) = (checked.compiled, &checked.failure) {
            return Err(VerifyError::Cargo(format!(
                "`cargo check --offline` cannot build {} as it is: {failure}; run `cargo fetch` (or `cargo check`) there once, so that its dependencies are in the cargo registry cache, then verify again; nothing was changed",
                display_path(w, &scope.cwd)
            )));
        }
    }
    scratch.write_rewrites(rewrites)?;
    let after = run(&scratch)?;
    let mut worse = Vec::new();
    for (b, a) in before.iter().zip(&after) {
        worse.extend(
            a.errors
                .iter()
                .filter(|(key, _)| !b.errors.contains_key(*key))
                .map(|(_, shown)| format!("new error: {shown}")),
        );
    }
    Ok(CargoVerdict {
        cargo: version,
        workspaces: workspaces
            .iter()
            .map(|w| display_path(w, &scope.cwd))
            .collect(),
        worse,
        errors_before: before.iter().map(|c| c.errors.len()).sum(),
        errors_after: after.iter().map(|c| c.errors.len()).sum(),
        elapsed: started.elapsed(),
    })
}

/// The cargo that runs the check: `$CARGO` (set by `cargo run` and cargo's own tools), else
/// `cargo` on PATH.
fn cargo_program() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

fn version(cargo: &Path) -> String {
    Command::new(cargo)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        // `cargo 1.95.0 (f2d3ce0bd 2026-03-21)` -> `cargo 1.95.0`
        .map(|o| {
            let said = String::from_utf8_lossy(&o.stdout);
            said.split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "cargo".to_owned())
}

/// Where cargo builds the real workspace; `<workspace>/target` when cargo cannot say.
fn target_dir(cargo: &Path, workspace: &Path) -> PathBuf {
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    output
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
        .and_then(|v| v["target_directory"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| workspace.join("target"))
}

/// `cargo check` of the workspace at `dir` (in the copy; `real` is where it is in the project),
/// stopped with everything it started after `timeout`.
fn check(
    cargo: &Path,
    dir: &Path,
    target: &Path,
    real: &Path,
    shown: &str,
    cwd: &Path,
    timeout: Duration,
) -> Result<Checked, VerifyError> {
    let mut command = Command::new(cargo);
    command
        .args([
            "check",
            "--workspace",
            "--all-targets",
            "--offline",
            // Every crate that can be checked is, so that one crate's failure hides no other's.
            "--keep-going",
            "--message-format=json",
        ])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = live::spawn(&mut command).map_err(|e| VerifyError::Spawn {
        python: cargo.display().to_string(),
        message: e.to_string().to_lowercase(),
    })?;
    let stdout = probe::reader(child.stdout.take(), None);
    let stderr = probe::reader(child.stderr.take(), None);
    let deadline = Instant::now() + timeout;
    let timed_out = loop {
        if probe::exited(&mut child) {
            break false;
        }
        if Instant::now() >= deadline {
            break true;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    probe::kill_group(&mut child);
    live::reaping(&child);
    let status = child.wait();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
    if timed_out {
        return Err(VerifyError::CargoTimeout {
            seconds: timeout.as_secs(),
            workspace: shown.to_owned(),
        });
    }
    let mut checked = read_messages(&String::from_utf8_lossy(&stdout), real, cwd);
    let success = status.is_ok_and(|s| s.success());
    checked.compiled |= success;
    if !success && checked.errors.is_empty() {
        // Cargo failed before the compiler did (a manifest, the lock file, a build script):
        // what it said, with the copy's paths put back.
        let copy = dir.display().to_string();
        let said: Vec<String> = stderr
            .lines()
            .skip_while(|l| !l.starts_with("error"))
            .take(6)
            .map(|l| l.replace(&copy, &real.display().to_string()))
            .collect();
        let said = if said.is_empty() {
            "cargo failed without saying why".to_owned()
        } else {
            said.join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        checked.errors.insert(
            ("cargo".to_owned(), said.clone(), String::new()),
            format!("{shown}: {said}"),
        );
        checked.failure = Some(said);
    }
    Ok(checked)
}

/// The compiler's errors in cargo's JSON messages; paths of the workspace's files are shown
/// relative to `cwd` as they are in the project at `real`.
fn read_messages(stdout: &str, real: &Path, cwd: &Path) -> Checked {
    let mut checked = Checked::default();
    for line in stdout.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        match value["reason"].as_str() {
            Some("compiler-artifact") => checked.compiled = true,
            Some("compiler-message") => {
                checked.compiled = true;
                let message = &value["message"];
                if message["level"].as_str() != Some("error") {
                    continue;
                }
                let text = message["message"].as_str().unwrap_or_default();
                if text.starts_with("aborting due to") {
                    continue;
                }
                let code = message["code"]["code"].as_str().unwrap_or_default();
                let spans = message["spans"].as_array();
                let primary = spans.and_then(|spans| {
                    spans
                        .iter()
                        .find(|s| s["is_primary"].as_bool() == Some(true))
                        .or_else(|| spans.first())
                });
                let file = primary
                    .and_then(|s| s["file_name"].as_str())
                    .unwrap_or_default();
                let line_no = primary.and_then(|s| s["line_start"].as_u64()).unwrap_or(0);
                let place = if file.is_empty() {
                    String::new()
                } else {
                    format!("{}:{line_no}: ", display_path(&real.join(file), cwd))
                };
                let headline = if code.is_empty() {
                    format!("error: {text}")
                } else {
                    format!("error[{code}]: {text}")
                };
                // One error per code, message and file: the lib and its test build repeat it,
                // and the fix moves lines.
                checked
                    .errors
                    .entry((code.to_owned(), text.to_owned(), file.to_owned()))
                    .or_insert(format!("{place}{headline}"));
            }
            _ => {}
        }
    }
    checked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_once_per_code_message_and_file() {
        let error = r#"{"reason":"compiler-message","message":{"level":"error","message":"cannot find type `User` in this scope","code":{"code":"E0412"},"spans":[{"file_name":"api/src/queries.rs","line_start":7,"is_primary":true}]}}"#;
        let again = error.replace("\"line_start\":7", "\"line_start\":9");
        let warning = r#"{"reason":"compiler-message","message":{"level":"warning","message":"unused import","code":null,"spans":[]}}"#;
        let aborting = r#"{"reason":"compiler-message","message":{"level":"error","message":"aborting due to 1 previous error","code":null,"spans":[]}}"#;
        let stdout = [error, &again, warning, aborting, "not json"].join("\n");
        let checked = read_messages(&stdout, Path::new("/w/proj"), Path::new("/w/proj"));
        assert!(checked.compiled);
        assert_eq!(
            checked.errors.values().collect::<Vec<_>>(),
            ["api/src/queries.rs:7: error[E0412]: cannot find type `User` in this scope"]
        );
    }
}
