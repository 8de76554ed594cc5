//! Input meant to break the tool (absurd flags, code nested past what any parser takes, a 4 GiB
//! file): each is a message or a warning naming its file, never a crash, and the scan goes on.

use crate::cli::{duplicated, USER_B};
use crate::sample::duplicated_with;
use crate::support::{run, stderr, stdout};

#[test]
fn a_verify_timeout_past_a_day_is_refused_with_its_range() {
    let dir = duplicated();
    let output = run(
        dir.path(),
        &["--verify", "--verify-timeout", "9999999999999999999"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("invalid value '9999999999999999999' for '--verify-timeout <SECONDS>'")
            && err.contains("not in 1..=86400"),
        "{err}"
    );
}

#[test]
fn code_nested_past_the_parser_is_a_warning_and_the_scan_goes_on() {
    let dir = duplicated();
    // 10,000 terms in one expression, and brackets 7,700 deep: CPython refuses both.
    let terms = format!("x = {}\n", vec!["1"; 10_000].join(" + "));
    let brackets = format!("y = {}1{}\n", "(".repeat(7_700), ")".repeat(7_700));
    std::fs::write(dir.path().join("terms.py"), terms).unwrap();
    std::fs::write(dir.path().join("brackets.py"), brackets).unwrap();
    // 2,900 terms: CPython compiles it, so it is read, and its model counts.
    let deep_but_valid = format!(
        "{}\nLIMIT = {}\n",
        String::from_utf8_lossy(USER_B),
        vec!["1"; 2_900].join(" + ")
    );
    std::fs::write(dir.path().join("app/c.py"), deep_but_valid).unwrap();
    std::fs::write(
        dir.path().join("main.py"),
        "import app.a\nimport app.b\nimport app.c\n",
    )
    .unwrap();
    let output = run(dir.path(), &["--color", "never"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("warning: brackets.py:1: could not parse: nested too deeply to analyze")
            && err.contains("warning: terms.py:1: could not parse: nested too deeply to analyze"),
        "{err}"
    );
    assert!(!err.contains("app/c.py"), "{err}");
    let out = stdout(&output);
    assert!(
        out.contains("app/c.py:4:7: DM001 table `users` is defined again by `User`"),
        "{out}"
    );
    assert!(
        out.ends_with("Scanned 8 files: 1 table, 2 findings (2 files could not be parsed).\n"),
        "{out}"
    );
}

#[test]
fn a_deeply_nested_file_the_fix_rewrites_is_read_again_without_a_crash() {
    // Within the nesting limit, but deeper than the main thread's stack takes in a debug build:
    // the plan parses each file it rewrites again, and must do so on the parse threads (the
    // main thread overflowed: exit 134).
    let views = format!(
        "from app.b import User\n\nVALUE = {}x\n\n\ndef get():\n    return User\n",
        "not ".repeat(3_990)
    );
    let dir = duplicated_with(USER_B, &[("app/views.py", views.as_bytes())]);
    let output = run(dir.path(), &["--diff", "--color", "never"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("-from app.b import User\n+from app.a import User\n"),
        "{out}"
    );
}

#[test]
fn a_file_over_4_gib_is_skipped_unread() {
    let dir = duplicated();
    // Sparse: no disk space, and the tool must not read it to know its size.
    let big = std::fs::File::create(dir.path().join("huge.py")).unwrap();
    big.set_len((4 << 30) + 1).unwrap();
    let output = run(dir.path(), &["--color", "never"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "warning: huge.py: skipped: the file is 4294967297 bytes; files over 4 GiB are not analyzed"
        ),
        "{err}"
    );
    assert!(stdout(&output).contains("DM001"));
}

#[test]
fn a_mistyped_canonical_pin_is_an_error_naming_it_and_nothing_is_written() {
    let dir = duplicated();
    let pin = |choice: &str| {
        std::fs::write(
            dir.path().join("pyproject.toml"),
            format!("[tool.dedupe-models.canonical]\nusers = \"{choice}\"\n"),
        )
        .unwrap();
    };
    // The class is `User`: the pin meant to keep app/b.py's.
    pin("app.b:Users");
    let before = crate::support::tree(dir.path());
    for args in [&["--fix", "--yes", "--allow-no-vcs"][..], &["--diff"], &[]] {
        let output = run(dir.path(), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&output),
            "error: pyproject.toml: [tool.dedupe-models.canonical] users = \"app.b:Users\" names no definition of table `users` (write it as \"module:Class\"); its definitions are \"app.a:User\" (app/a.py:4), \"app.b:User\" (app/b.py:4)\n",
            "{args:?}"
        );
    }
    assert_eq!(crate::support::tree(dir.path()), before);
    // Spelled right, it is the definition kept (app/a.py's extra column merged into it).
    pin("app.b:User");
    let output = run(
        dir.path(),
        &["--fix", "--yes", "--allow-no-vcs", "--merge-columns"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let b = std::fs::read_to_string(dir.path().join("app/b.py")).unwrap();
    assert!(b.contains("class User(Base):"), "{b}");
}
