//! Running the built binary and finding the fixtures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dedupe_models::config::Config;
use dedupe_models::index::Scope;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dedupe-models"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 output")
}

/// Both streams of a finished command, stdout first: what a person would have seen.
pub fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `command` to the end: whether it succeeded, and what it printed.
pub fn outcome(command: &mut Command) -> (bool, String) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?} does not run: {e}"));
    (output.status.success(), printed(&output))
}

/// Every `codemods/<kind>/fixtures/<case>/` directory, sorted.
pub fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for kind in std::fs::read_dir(repo().join("codemods"))
        .unwrap()
        .flatten()
    {
        let fixtures = kind.path().join("fixtures");
        let Ok(cases) = std::fs::read_dir(&fixtures) else {
            continue;
        };
        dirs.extend(
            cases
                .flatten()
                .map(|c| c.path())
                .filter(|p| p.join("fixture.toml").is_file()),
        );
    }
    dirs.sort();
    dirs
}

/// `duplicate-table/user_reexport` for a fixture directory.
pub fn fixture_name(dir: &Path) -> String {
    let case = dir.file_name().unwrap().to_string_lossy();
    let kind = dir
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy();
    format!("{kind}__{case}")
}

pub fn fixture_toml(dir: &Path) -> toml::Table {
    std::fs::read_to_string(dir.join("fixture.toml"))
        .unwrap()
        .parse()
        .unwrap()
}

/// Copies a directory tree (for tests that run code or change files).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A throwaway project made of `(path, content)` files. Outside the repository, whose
/// .gitignore would hide it from the walk.
pub fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

/// Options a fixture's fix needs, e.g. `fix_args = ["--merge-columns"]`.
pub fn fix_args(toml: &toml::Table) -> Vec<&str> {
    toml.get("fix_args")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str())
        .collect()
}

/// An insta snapshot in snapshots/, named without the test module.
pub fn snapshot(name: &str, value: &str) {
    insta::with_settings!({
        snapshot_path => "../../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name.to_owned(), value);
    });
}

/// Every file below `dir` (hidden ones too) with its bytes, to compare trees byte for byte.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in ignore::WalkBuilder::new(dir)
        .hidden(false)
        .build()
        .flatten()
    {
        if entry.file_type().is_some_and(|t| t.is_file()) {
            out.insert(
                entry.path().to_path_buf(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    out
}

/// The configuration of a plain check of `dir`, for tests that call the library.
pub fn config(dir: &Path) -> Config {
    Config::check(Scope::new(vec![dir.to_path_buf()], dir.to_path_buf()))
}
