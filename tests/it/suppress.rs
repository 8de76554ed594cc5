//! Choosing what is reported, as in ruff: `# noqa`, `select` / `ignore` / `per-file-ignores` /
//! `extend-exclude` / `force-exclude` / `skip-dirs` in pyproject.toml and on the command line,
//! `--exit-zero`, `--quiet`, `--statistics`; loud configuration errors; `rule` and `completions`.

use crate::sample::{duplicated_with, DB, USER_B_BAND_AID};
use crate::support::{project, run, stderr, stdout};

const USER_B: &str = USER_B_BAND_AID;

/// The sample duplicate with `b` as app/b.py and `pyproject` as pyproject.toml (none if empty).
fn duplicated(b: &str, pyproject: &str) -> tempfile::TempDir {
    if pyproject.is_empty() {
        duplicated_with(b.as_bytes(), &[])
    } else {
        duplicated_with(b.as_bytes(), &[("pyproject.toml", pyproject.as_bytes())])
    }
}

/// The codes reported, in order.
fn codes(dir: &std::path::Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["--output-format", "json"];
    all.extend(args);
    let output = run(dir, &all);
    assert_ne!(output.status.code(), Some(2), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}:{}", f["code"].as_str().unwrap(), f["line"]))
        .collect()
}

#[test]
fn noqa_on_the_line_of_a_definition_silences_it_and_its_fix() {
    let dir = duplicated(USER_B, "");
    assert_eq!(codes(dir.path(), &[]), ["DM001:4", "DM004:6"]);
    let coded = USER_B.replace("class User(Base):", "class User(Base):  # noqa: DM001");
    let dir = duplicated(&coded, "");
    assert_eq!(codes(dir.path(), &[]), ["DM004:6"]);
    // What is not reported is not fixed: the class stays, and nothing says why it was left.
    let output = run(dir.path(), &["--diff"]);
    assert!(
        !stdout(&output).contains("from app.a import User"),
        "{}",
        stdout(&output)
    );
    assert!(
        !stderr(&output).contains("app/b.py:4"),
        "{}",
        stderr(&output)
    );
    // Another code on the line silences nothing here; a bare noqa silences the line.
    let other = USER_B.replace("class User(Base):", "class User(Base):  # noqa: DM004");
    assert_eq!(
        codes(duplicated(&other, "").path(), &[]),
        ["DM001:4", "DM004:6"]
    );
    let bare = USER_B
        .replace("class User(Base):", "class User(Base):  # noqa")
        .replace("True}", "True}  # noqa");
    let dir = duplicated(&bare, "");
    assert!(codes(dir.path(), &[]).is_empty());
    let output = run(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn select_and_ignore_from_pyproject_and_the_command_line() {
    let dir = duplicated(USER_B, "[tool.dedupe-models]\nignore = [\"DM004\"]\n");
    assert_eq!(codes(dir.path(), &[]), ["DM001:4"]);
    assert!(codes(dir.path(), &["--ignore", "DM001"]).is_empty());
    let dir = duplicated(USER_B, "[tool.dedupe-models]\nselect = [\"DM004\"]\n");
    assert_eq!(codes(dir.path(), &[]), ["DM004:6"]);
    // The command line's select replaces the project's.
    assert_eq!(codes(dir.path(), &["--select", "DM001"]), ["DM001:4"]);
    assert_eq!(
        codes(dir.path(), &["--select", "DM00"]),
        ["DM001:4", "DM004:6"]
    );
    let dir = duplicated(
        USER_B,
        "[tool.dedupe-models.per-file-ignores]\n\"app/b.py\" = [\"DM001\"]\n",
    );
    assert_eq!(codes(dir.path(), &[]), ["DM004:6"]);
    let output = run(dir.path(), &["--select", "DM9"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown code `DM9` in --select"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn exit_zero_quiet_and_statistics() {
    let dir = duplicated(USER_B, "");
    let output = run(dir.path(), &["--exit-zero"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("DM001"));
    let output = run(dir.path(), &["--quiet", "--color", "never"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!stdout(&output).contains("Scanned"), "{}", stdout(&output));
    assert!(stdout(&output).starts_with("app/b.py:4:7: DM001"));
    let output = run(dir.path(), &["--statistics"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        "    1\tDM001\tduplicate-table\n    1\tDM004\textend-existing\n"
    );
}

#[test]
fn excludes_match_as_ruffs_and_force_exclude_covers_named_files() {
    // `b.py` matches app/b.py, as in ruff.
    let dir = duplicated(USER_B, "[tool.dedupe-models]\nexclude = [\"b.py\"]\n");
    assert!(codes(dir.path(), &[]).is_empty());
    let dir = duplicated(
        USER_B,
        "[tool.dedupe-models]\nextend-exclude = [\"app/b.py\"]\n",
    );
    assert!(codes(dir.path(), &[]).is_empty());
    let dir = duplicated(USER_B, "");
    assert!(codes(dir.path(), &["--extend-exclude", "b.py"]).is_empty());
    assert!(codes(dir.path(), &["--exclude", "app/b.py"]).is_empty());
    // A file named on the command line is scanned, unless force-exclude.
    let dir = duplicated(USER_B, "[tool.dedupe-models]\nexclude = [\"b.py\"]\n");
    let files = |dir: &tempfile::TempDir, args: &[&str]| {
        let mut all = vec!["--output-format", "json"];
        all.extend(args);
        let report: serde_json::Value =
            serde_json::from_str(&stdout(&run(dir.path(), &all))).unwrap();
        report["summary"]["files"].as_u64().unwrap()
    };
    let named = files(&dir, &["app/b.py"]);
    let forced = files(&dir, &["--force-exclude", "app/b.py"]);
    assert_eq!(
        named,
        forced + 1,
        "app/b.py is scanned when named, not with --force-exclude"
    );
    let dir = duplicated(
        USER_B,
        "[tool.dedupe-models]\nexclude = [\"b.py\"]\nforce-exclude = true\n",
    );
    assert_eq!(files(&dir, &["app/b.py"]), forced);
}

#[test]
fn migration_folders_can_be_scanned_again() {
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("app/migrations/__init__.py", b""),
        ("app/migrations/models.py", USER_B.as_bytes()),
        ("main.py", b"import app.migrations.models\n"),
    ]);
    assert!(codes(dir.path(), &[]).is_empty());
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.dedupe-models]\nskip-dirs = []\n",
    )
    .unwrap();
    assert_eq!(codes(dir.path(), &[]), ["DM004:6"]);
}

#[test]
fn an_unknown_key_is_an_error_naming_the_closest() {
    let dir = duplicated(USER_B, "[tool.dedupe-models]\nexlude = [\"b.py\"]\n");
    let output = run(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("unknown key `exlude` in [tool.dedupe-models] (did you mean `exclude`?)"),
        "{err}"
    );
    assert_eq!(stdout(&output), "");
    let dir = duplicated(USER_B, "[tool.dedupe-models]\nignore = [\"DM01\"]\n");
    let output = run(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown code `DM01`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn rule_explains_a_code_from_its_codemod_readme() {
    let output = run(std::path::Path::new("."), &["rule", "DM001"]);
    assert_eq!(output.status.code(), Some(0));
    let readme =
        std::fs::read_to_string(crate::support::repo().join("codemods/duplicate-table/README.md"))
            .unwrap();
    assert_eq!(stdout(&output), readme);
    let output = run(std::path::Path::new("."), &["rule", "extend-existing"]);
    assert!(stdout(&output).starts_with("# DM004 extend-existing"));
    let output = run(std::path::Path::new("."), &["rule", "DM999"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, check) in [
        ("bash", &["bash", "-n"][..]),
        ("zsh", &[][..]),
        ("fish", &[][..]),
    ] {
        let output = run(dir.path(), &["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        assert!(script.contains("--output-format"), "{shell}");
        assert!(script.contains("dedupe-models"), "{shell}");
        if let Some((program, args)) = check.split_first() {
            let file = dir.path().join(shell);
            std::fs::write(&file, &script).unwrap();
            let status = std::process::Command::new(program)
                .args(args)
                .arg(&file)
                .status()
                .unwrap();
            assert!(status.success(), "{shell} rejects its completion script");
        }
    }
}

/// A copy of a Rust fixture, with `text` written to `path` in it (a pyproject.toml) when given.
fn rust_fixture(name: &str, path: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    crate::support::copy_tree(
        &crate::support::repo()
            .join("codemods/duplicate-table/fixtures")
            .join(name),
        dir.path(),
    );
    if !path.is_empty() {
        std::fs::write(dir.path().join(path), text).unwrap();
    }
    dir
}

/// Appends `comment` to line `line` (1-based) of `path` in `dir`.
fn comment_line(dir: &std::path::Path, path: &str, line: usize, comment: &str) {
    let text = std::fs::read_to_string(dir.join(path)).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                format!("{l} {comment}")
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(dir.join(path), lines.join("\n") + "\n").unwrap();
}

/// What the check, `--diff` and `--fix --yes` say about `dir` when its one Rust finding is
/// hidden: no finding, no diff, nothing written.
fn assert_rust_finding_hidden(dir: &std::path::Path, summary: &str) {
    let output = run(dir, &["--color", "never"]);
    assert_eq!(
        (output.status.code(), stdout(&output), stderr(&output)),
        (Some(0), summary.to_owned(), String::new())
    );
    assert!(codes(dir, &[]).is_empty());
    let output = run(dir, &["--diff", "--color", "never"]);
    assert_eq!(
        (output.status.code(), stdout(&output), stderr(&output)),
        (Some(0), String::new(), String::new())
    );
    let before = crate::support::tree(dir);
    let output = run(dir, &["--fix", "--yes", "--allow-no-vcs"]);
    assert_eq!(
        (output.status.code(), stdout(&output), stderr(&output)),
        (Some(0), "No file was changed.\n".to_owned(), String::new())
    );
    assert_eq!(crate::support::tree(dir), before);
}

/// pyproject.toml's `ignore`, `select` and `per-file-ignores` hide a Rust finding, and its fix,
/// as they hide a Python one: only `--select` and `--ignore` on the command line did.
#[test]
fn pyproject_settings_silence_a_rust_finding_and_its_fix() {
    let summary = "Scanned 4 files: 1 table, no findings.\n";
    for settings in [
        "[tool.dedupe-models]\nignore = [\"DM001\"]\n",
        "[tool.dedupe-models]\nselect = [\"DM004\", \"DM005\"]\n",
        "[tool.dedupe-models.per-file-ignores]\n\"src/models.rs\" = [\"DM001\"]\n",
        "[tool.dedupe-models.per-file-ignores]\n\"models.rs\" = [\"DM00\"]\n",
    ] {
        let dir = rust_fixture("diesel_leftover_block", "pyproject.toml", settings);
        assert_rust_finding_hidden(dir.path(), summary);
    }
    // Another file's ignores do not reach it; the command line's select replaces the project's.
    for (settings, args) in [
        (
            "[tool.dedupe-models.per-file-ignores]\n\"src/schema.rs\" = [\"DM001\"]\n",
            &[][..],
        ),
        (
            "[tool.dedupe-models]\nselect = [\"DM004\"]\n",
            &["--select", "DM001"][..],
        ),
    ] {
        let dir = rust_fixture("diesel_leftover_block", "pyproject.toml", settings);
        assert_eq!(codes(dir.path(), args), ["DM001:5"], "{settings}");
        let mut all = vec!["--diff", "--color", "never"];
        all.extend(args);
        let output = run(dir.path(), &all);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        assert!(
            stdout(&output).contains("+pub use crate::schema::comments;\n"),
            "{}",
            stdout(&output)
        );
    }
    // A SeaORM entity in a workspace member that is a project of its own.
    let dir = rust_fixture(
        "seaorm_entity_copy",
        "service/pyproject.toml",
        "[tool.dedupe-models.per-file-ignores]\n\"src/entities/*.rs\" = [\"DM001\"]\n",
    );
    assert_rust_finding_hidden(dir.path(), "Scanned 8 files: 2 tables, no findings.\n");
}

/// `// noqa` and `// noqa: DM001` on the line a Rust finding points at (the table's name in a
/// `table!` block, the first line of a SeaORM entity's `Model`) hide it and its fix.
#[test]
fn noqa_on_the_line_of_a_rust_finding_silences_it_and_its_fix() {
    for comment in ["// noqa: DM001", "// noqa", "//NOQA:DM005,DM001"] {
        let dir = rust_fixture("diesel_leftover_block", "", "");
        comment_line(dir.path(), "src/models.rs", 5, comment);
        assert_rust_finding_hidden(dir.path(), "Scanned 4 files: 1 table, no findings.\n");
    }
    // Another code, a Python comment, or the `table!` line itself silence nothing.
    for (line, comment) in [(5, "// noqa: DM005"), (5, "/* # noqa */"), (4, "// noqa")] {
        let dir = rust_fixture("diesel_leftover_block", "", "");
        comment_line(dir.path(), "src/models.rs", line, comment);
        assert_eq!(codes(dir.path(), &[]), ["DM001:5"], "{comment}");
    }
    let dir = rust_fixture("seaorm_entity_copy", "", "");
    comment_line(
        dir.path(),
        "service/src/entities/users.rs",
        3,
        "// noqa: DM001",
    );
    assert_rust_finding_hidden(dir.path(), "Scanned 8 files: 2 tables, no findings.\n");
}

/// Two duplicates in one `table!` call, one under `// noqa`: the other's fix, in the JSON report
/// as in `--diff` and `--fix`, re-exports it alone and keeps the silenced one's block. The JSON
/// `fix` was the whole plan's: the call replaced by both re-exports.
#[test]
fn a_rust_fix_leaves_the_duplicate_silenced_beside_it() {
    let dir = rust_fixture("diesel_leftover_block", "", "");
    let schema = dir.path().join("src/schema.rs");
    let mut text = std::fs::read_to_string(&schema).unwrap();
    text.push_str("\ndiesel::table! {\n    posts (id) {\n        id -> Int4,\n        title -> Text,\n    }\n}\n");
    std::fs::write(&schema, text).unwrap();
    let models = dir.path().join("src/models.rs");
    let text = std::fs::read_to_string(&models).unwrap().replacen(
        "        body -> Text,\n    }\n",
        "        body -> Text,\n    }\n    posts (id) { // noqa: DM001\n        id -> Int4,\n        title -> Text,\n    }\n",
        1,
    );
    std::fs::write(&models, text).unwrap();
    assert_eq!(codes(dir.path(), &[]), ["DM001:5"]);
    let output = run(dir.path(), &["--output-format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let fix = &report["findings"][0]["fix"];
    assert_eq!(
        fix["message"],
        "re-export the canonical `pub use crate::schema::comments;`: one declaration of table `comments`",
        "{fix:#}"
    );
    let contents: Vec<&str> = fix["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["", "\npub use crate::schema::comments;"]);
    let output = run(dir.path(), &["--diff", "--color", "never"]);
    let diff = stdout(&output);
    assert!(
        diff.contains("-    comments (id) {\n")
            && diff.contains("+pub use crate::schema::comments;\n"),
        "{diff}"
    );
    assert!(!diff.contains("-    posts (id)"), "{diff}");
    let output = run(dir.path(), &["--fix", "--yes", "--allow-no-vcs"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&models).unwrap();
    assert!(
        text.contains("table! {\n    posts (id) { // noqa: DM001\n")
            && text.contains("}\npub use crate::schema::comments;\n"),
        "{text}"
    );
}
