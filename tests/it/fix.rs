//! The fix, end to end on every fixture: the `--diff` output is snapshotted, `git apply`
//! accepts it, a second run plans nothing, and each fixture's own test suite passes afterwards
//! where the plan fixes everything its story needs.

use std::collections::BTreeMap;
use std::process::Command;

use crate::python::{pytest as run_pytest, ruff};
use crate::support::{
    copy_tree, fix_args, fixture_dirs, fixture_name, fixture_toml, run, stderr, stdout, tree,
};

/// What a fix must not add, as issue 12 states it: syntax errors, unused or star imports,
/// redefinitions, undefined names and unsorted import blocks.
const RUFF_CODES: &str = "E9,F401,F403,F405,F811,F821,F823,I001";

/// `ruff check --select RUFF_CODES` as a count per `path: CODE message`, without line numbers
/// (the fix moves lines): a fixture may have findings before, and the fix must add none. Each
/// file is checked from its project's folder (the nearest with a pyproject.toml), as a developer
/// runs ruff there: that is where isort looks for first-party packages.
fn ruff_findings(dir: &std::path::Path) -> BTreeMap<String, usize> {
    let mut projects: Vec<std::path::PathBuf> = tree(dir)
        .into_keys()
        .filter(|path| path.ends_with("pyproject.toml"))
        .map(|path| path.parent().unwrap().to_path_buf())
        .collect();
    projects.push(dir.to_path_buf());
    let project_of = |file: &std::path::Path| {
        projects
            .iter()
            .filter(|p| file.starts_with(p))
            .max_by_key(|p| p.as_os_str().len())
            .cloned()
    };
    let mut counts = BTreeMap::new();
    for project in &projects {
        for d in ruff(project, RUFF_CODES, &[".".into()]) {
            let file = std::path::PathBuf::from(d["filename"].as_str().unwrap());
            if project_of(&file).as_ref() != Some(project) {
                continue;
            }
            let finding = format!(
                "{}: {} {}",
                file.strip_prefix(dir).unwrap_or(&file).display(),
                d["code"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            );
            *counts.entry(finding).or_default() += 1;
        }
    }
    counts
}

fn git(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs")
}

#[test]
fn fixture_diffs_apply_and_converge() {
    let mut problems = Vec::new();
    for dir in fixture_dirs() {
        let name = fixture_name(&dir);
        let toml = fixture_toml(&dir);
        let fix_args = fix_args(&toml);
        let diff_args = [&["--diff", "--color", "never"][..], &fix_args].concat();
        let output = run(&dir, &diff_args);
        let diff = stdout(&output);
        insta::with_settings!({
            snapshot_path => "../../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{name}__diff"), format!("{diff}---- skipped ----\n{}", stderr(&output)));
        });
        assert_eq!(
            output.status.code(),
            Some(if diff.is_empty() { 0 } else { 1 }),
            "{name}: {}",
            stderr(&output)
        );

        let scratch = tempfile::tempdir().unwrap();
        copy_tree(&dir, scratch.path());
        if !diff.is_empty() {
            git(scratch.path(), &["init", "-q"]);
            std::fs::write(scratch.path().join("fix.patch"), &diff).unwrap();
            let applied = git(scratch.path(), &["apply", "fix.patch"]);
            if !applied.status.success() {
                problems.push(format!(
                    "{name}: git apply refused the diff: {}",
                    String::from_utf8_lossy(&applied.stderr)
                ));
                continue;
            }
            std::fs::remove_file(scratch.path().join("fix.patch")).unwrap();
        }
        // `--fix --yes` writes exactly what the diff shows.
        let fixed = tempfile::tempdir().unwrap();
        copy_tree(&dir, fixed.path());
        let output = run(
            fixed.path(),
            &[&["--fix", "--yes", "--allow-no-vcs"][..], &fix_args].concat(),
        );
        assert_ne!(output.status.code(), Some(2), "{name}: {}", stderr(&output));
        for (path, content) in tree(fixed.path()) {
            let path = path.strip_prefix(fixed.path()).unwrap();
            let applied = std::fs::read(scratch.path().join(path)).unwrap_or_default();
            if applied != content {
                problems.push(format!(
                    "{name}: --fix wrote {} differently from the diff",
                    path.display()
                ));
            }
        }
        // Nothing new for ruff, file by file.
        let before = ruff_findings(&dir);
        for (finding, n) in ruff_findings(fixed.path()) {
            let was = before.get(&finding).copied().unwrap_or(0);
            if n > was {
                problems.push(format!(
                    "{name}: the fix introduced `{finding}` ({n} after, {was} before)"
                ));
            }
        }
        let again = run(scratch.path(), &diff_args);
        if !stdout(&again).is_empty() {
            problems.push(format!(
                "{name}: a second run still plans:\n{}",
                stdout(&again)
            ));
        }
        // Where the fixture says what its suite does after the fix, prove it: it passes
        // (`fixed_by = "diff"`), or it fails with the error a person must now decide on (`after_fix`).
        let Some(pytest) = toml.get("pytest").and_then(|p| p.as_table()) else {
            continue;
        };
        let after_fix = pytest.get("after_fix").and_then(|f| f.as_str());
        if pytest.get("fixed_by").and_then(|f| f.as_str()) != Some("diff") && after_fix.is_none() {
            continue;
        }
        let cwd = scratch
            .path()
            .join(pytest.get("cwd").and_then(|c| c.as_str()).unwrap_or("."));
        let (passed, printed) = run_pytest(&cwd);
        if let Some(expected) = after_fix {
            if passed || !printed.contains(expected) {
                problems.push(format!(
                    "{name}: after the fix its suite should fail with `{expected}`:\n{printed}"
                ));
            }
            // What else the suite must print then: the tests the fix must not break still pass.
            let also = pytest.get("after_fix_also").and_then(|a| a.as_array());
            for line in also.into_iter().flatten().filter_map(|a| a.as_str()) {
                if !printed.contains(line) {
                    problems.push(format!(
                        "{name}: after the fix pytest did not print `{line}`:\n{printed}"
                    ));
                }
            }
        } else if !passed {
            problems.push(format!(
                "{name}: its suite still fails after the fix:\n{printed}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
