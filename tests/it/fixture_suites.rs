//! Each fixture that claims to reproduce a failure proves it: its own pytest suite, run with real
//! SQLAlchemy, fails with the error of its story; healthy fixtures pass.

use crate::python::pytest as run_pytest;
use crate::support::{copy_tree, fixture_dirs, fixture_name, fixture_toml};

#[test]
fn fixture_suites_fail_with_their_story_error() {
    let mut problems = Vec::new();
    for dir in fixture_dirs() {
        let name = fixture_name(&dir);
        let toml = fixture_toml(&dir);
        let Some(pytest) = toml.get("pytest").and_then(|p| p.as_table()) else {
            continue;
        };
        let scratch = tempfile::tempdir().unwrap();
        copy_tree(&dir, scratch.path());
        let cwd = scratch
            .path()
            .join(pytest.get("cwd").and_then(|c| c.as_str()).unwrap_or("."));
        let (passed, printed) = run_pytest(&cwd);
        if pytest.get("passes").and_then(|p| p.as_bool()) == Some(true) {
            if !passed {
                problems.push(format!("{name}: its suite should pass:\n{printed}"));
            }
            continue;
        }
        if passed {
            problems.push(format!(
                "{name}: its suite passed, but the fixture claims it fails"
            ));
        }
        let errors = pytest.get("error").into_iter().chain(
            pytest
                .get("also")
                .and_then(|a| a.as_array())
                .into_iter()
                .flatten(),
        );
        for error in errors.filter_map(|e| e.as_str()) {
            if !printed.contains(error) {
                problems.push(format!(
                    "{name}: pytest did not print `{error}`:\n{printed}"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
