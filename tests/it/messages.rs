//! Messages that say what happened: a read error is not a parse error, a symlink loop is a loop,
//! a missing git is a missing git, names and parser output never reach the terminal raw, and
//! counts have their plurals.

use crate::cli::duplicated;
use crate::support::{project, run, stderr, stdout};

#[test]
fn a_file_that_cannot_be_read_is_not_counted_as_unparsable() {
    let dir = duplicated();
    std::os::unix::fs::symlink("nowhere.py", dir.path().join("gone.py")).unwrap();
    std::fs::write(dir.path().join("broken.py"), "def f(:\n").unwrap();
    let output = run(dir.path(), &["--color", "never"]);
    let err = stderr(&output);
    assert!(
        err.contains("warning: gone.py: cannot read: no such file or directory"),
        "{err}"
    );
    assert!(
        stdout(&output)
            // What could not be read may hold models: it counts as unseen (exit 1 on its own).
            .ends_with(
                "1 finding (1 file could not be parsed, 1 file could not be read, 1 of them may \
                 hold models).\n"
            ),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_symlink_loop_given_as_path_is_said_to_be_a_loop() {
    let dir = duplicated();
    std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
    let output = run(dir.path(), &["loop"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: cannot scan loop: a symbolic link loop\n"
    );
}

#[test]
fn git_missing_from_path_is_said_as_such() {
    let dir = duplicated();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dedupe-models"))
        .args(["--fix", "--yes"])
        .current_dir(dir.path())
        .env("PATH", dir.path().join("no-bin"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: cannot run git to check app/b.py (no such file or directory); install git or pass --allow-no-vcs --allow-dirty to fix without it\n"
    );
}

#[test]
fn control_characters_in_names_and_parser_output_are_escaped() {
    let dir = duplicated();
    std::fs::write(dir.path().join("new\nline.py"), "def f(:\n").unwrap();
    std::fs::write(dir.path().join("red\x1b[31m.py"), "x = 1 +\x1b\n").unwrap();
    let output = run(dir.path(), &["--color", "never"]);
    let err = stderr(&output);
    assert!(!err.contains('\x1b'), "{err:?}");
    assert!(
        err.contains("warning: new\\nline.py:1: could not parse"),
        "{err:?}"
    );
    assert!(
        err.contains("warning: red\\u{1b}[31m.py:1: could not parse: Got unexpected token \\u{1b}"),
        "{err:?}"
    );
    for line in err.lines() {
        assert!(line.starts_with("warning: "), "{line:?}");
    }
    let json = run(dir.path(), &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let shown: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["path"].as_str().unwrap())
        .collect();
    assert_eq!(shown, ["new\\nline.py", "red\\u{1b}[31m.py"]);
}

#[test]
fn one_finding_remains() {
    let dir = duplicated();
    // Keeping the smaller definition leaves its table unfixed without --merge-columns.
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.dedupe-models.canonical]\nusers = \"app.b:User\"\n",
    )
    .unwrap();
    let output = run(dir.path(), &["--fix", "--yes", "--allow-no-vcs"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "No file was changed. 1 finding remains; run dedupe-models to see them.\n"
    );
}

#[test]
fn a_second_base_shows_each_reason_once_and_at_most_three() {
    // Six foreign keys into `users` are one reason with its places; four kinds of reason show
    // three and count the rest, as DM004 does.
    let mut models =
        String::from("from sqlalchemy import Column, Integer\n\nfrom app.db import Base\n");
    for (class, table) in [
        ("User", "users"),
        ("Account", "accounts"),
        ("Org", "orgs"),
        ("Team", "teams"),
        ("Role", "roles"),
        ("Plan", "plans"),
    ] {
        models.push_str(&format!(
            "\n\nclass {class}(Base):\n    __tablename__ = \"{table}\"\n    id = Column(Integer, primary_key=True)\n"
        ));
    }
    let mut reports = String::from(
        "from sqlalchemy import Column, ForeignKey, Integer\nfrom sqlalchemy.orm import declarative_base\n\nReportBase = declarative_base()\n",
    );
    for (n, targets) in [
        (1, &["users", "accounts"][..]),
        (2, &["users", "orgs"]),
        (3, &["users", "teams"]),
        (4, &["users"]),
        (5, &["users", "users"]),
    ] {
        reports.push_str(&format!(
            "\n\nclass R{n}(ReportBase):\n    __tablename__ = \"r{n}\"\n    id = Column(Integer, primary_key=True)\n"
        ));
        for (i, target) in targets.iter().enumerate() {
            reports.push_str(&format!(
                "    ref{i}_id = Column(ForeignKey(\"{target}.id\"))\n"
            ));
        }
    }
    let dir = project(&[
        ("app/__init__.py", b""),
        (
            "app/db.py",
            b"from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        ),
        ("app/models.py", models.as_bytes()),
        ("app/reports.py", reports.as_bytes()),
    ]);
    let output = run(
        dir.path(),
        &["--color", "never", "--output-format", "concise"],
    );
    assert_eq!(
        stdout(&output),
        "app/reports.py:4:1: DM003 second declarative base `ReportBase` beside `Base` (app/db.py:3): \
         `ForeignKey(\"users.id\")` points into a table that only `Base` (app/db.py:3) defines, which \
         raises NoReferencedTableError: on `r1` (app/reports.py:10), `r2` (app/reports.py:17), `r3` \
         (app/reports.py:24) and 2 more; \
         `ForeignKey(\"accounts.id\")` on `r1` at app/reports.py:11 points into a table that only \
         `Base` (app/db.py:3) defines, which raises NoReferencedTableError; \
         `ForeignKey(\"orgs.id\")` on `r2` at app/reports.py:18 points into a table that only `Base` \
         (app/db.py:3) defines, which raises NoReferencedTableError; and 1 more reason\n"
    );
}

#[test]
fn a_file_shadowed_by_a_package_is_a_warning_where_it_may_hold_models() {
    let dir = project(&[
        ("app/__init__.py", b""),
        (
            "app/db.py",
            b"from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        ),
        (
            "app/models.py",
            b"from sqlalchemy import Column, Integer\n\nfrom .db import Base\n\n\nclass User(Base):\n    __tablename__ = \"users\"\n    id = Column(Integer, primary_key=True)\n",
        ),
        ("app/models/__init__.py", b"from .user import User\n"),
        (
            "app/models/user.py",
            b"from sqlalchemy import Column, Integer, String\n\nfrom app.db import Base\n\n\nclass User(Base):\n    __tablename__ = \"users\"\n    id = Column(Integer, primary_key=True)\n    email = Column(String)\n",
        ),
        // Dead too, but nothing of the database: not this tool's business.
        ("app/utils.py", b"def slug(s):\n    return s.lower()\n"),
        ("app/utils/__init__.py", b""),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(
        stderr(&output),
        "warning: app/models.py: never imported: the package app/models/ shadows it (`import \
         app.models` runs app/models/__init__.py); its model `User` never runs, so it is no \
         definition of its table, and the fix neither re-exports it nor merges its columns: \
         delete the file, or move what is still needed into the package\n"
    );
    assert_eq!(stdout(&output), "Scanned 7 files: 1 table, no findings.\n");
}

#[test]
fn a_band_aid_over_many_definitions_names_three_files_and_counts_the_rest() {
    // `users` defined again in five more files, two of them in app/m1.py: the message counts
    // them and names the first three files with their lines (hamfarid/store-erp listed 29
    // places in one line); two others keep the list as it was.
    let class = |name: &str, flag: bool| {
        format!(
            "\n\nclass {name}(Base):\n    __tablename__ = \"users\"\n{}    id = Column(Integer, primary_key=True)\n",
            if flag { "    __table_args__ = {\"extend_existing\": True}\n" } else { "" }
        )
    };
    let head = "from sqlalchemy import Column, Integer\n\nfrom app.db import Base\n";
    let mut files: Vec<(String, String)> = vec![
        ("app/__init__.py".into(), String::new()),
        (
            "app/db.py".into(),
            "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n".into(),
        ),
        ("app/m0.py".into(), format!("{head}{}", class("User", true))),
        (
            "app/m1.py".into(),
            format!("{head}{}{}", class("UserA", false), class("UserB", false)),
        ),
    ];
    for n in 2..=5 {
        files.push((
            format!("app/m{n}.py"),
            format!("{head}{}", class("User", false)),
        ));
    }
    let main: String = (0..=5).map(|n| format!("import app.m{n}\n")).collect();
    files.push(("main.py".into(), main));
    let listed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_bytes()))
        .collect();
    let dm004 = |files: &[(&str, &[u8])]| {
        let dir = project(files);
        let output = run(
            dir.path(),
            &[
                "--color",
                "never",
                "--output-format",
                "concise",
                "--select",
                "DM004",
            ],
        );
        stdout(&output)
    };
    assert_eq!(
        dm004(&listed),
        "app/m0.py:8:23: DM004 `extend_existing` on table `users` is a band-aid: it hides the 6 \
         other definitions at app/m1.py:6, 11, app/m2.py:6, app/m3.py:6 and 2 more\n"
    );
    // m0, m1 (two) only: the places as they were.
    let few: Vec<(&str, &[u8])> = listed
        .iter()
        .copied()
        .filter(|(p, _)| !p.starts_with("app/m") || p < &"app/m2")
        .map(|(p, t)| {
            if p == "main.py" {
                (p, &b"import app.m0\nimport app.m1\n"[..])
            } else {
                (p, t)
            }
        })
        .collect();
    assert_eq!(
        dm004(&few),
        "app/m0.py:8:23: DM004 `extend_existing` on table `users` is a band-aid: it hides the \
         other definition at app/m1.py:6, app/m1.py:11\n"
    );
}
