//! `--verify` with the real SQLAlchemy, SQLModel and Flask-SQLAlchemy of the test virtualenv:
//! every fixture's story error is seen by SQLAlchemy itself before the fix and gone after it;
//! a plan that loses a column is refused with the tree unchanged; what is not the models' fault
//! is reported without a crash.

use std::path::Path;
use std::time::{Duration, Instant};

use dedupe_models::apply::Safety;
use dedupe_models::config::Config;
use dedupe_models::index::facts::TextEdit;
use dedupe_models::index::Index;
use dedupe_models::plan::{Change, DroppedColumn, FilePlan, Plan, PlannedEdit};

use crate::python::python;
use crate::support::{
    copy_tree, fix_args, fixture_dirs, fixture_name, fixture_toml, project, run, snapshot, stderr,
    stdout, tree,
};

fn venv() -> String {
    python().display().to_string()
}

/// The lines of a text report that come from `--verify`.
fn verify_lines(report: &str) -> String {
    report
        .lines()
        .filter(|l| {
            l.split(' ')
                .nth(1)
                .is_some_and(|code| code.starts_with("DM1"))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn fixtures_show_their_error_under_python_before_the_fix_and_none_after() {
    let python = venv();
    let mut problems = Vec::new();
    for dir in fixture_dirs() {
        let name = fixture_name(&dir);
        let toml = fixture_toml(&dir);
        if toml.contains_key("cargo") {
            continue; // Rust: verified with cargo in cargo_fixtures.rs
        }
        let fix_args = fix_args(&toml);
        let before: Vec<&str> = toml
            .get("verify")
            .and_then(|v| v.get("before"))
            .and_then(|b| b.as_array())
            .into_iter()
            .flatten()
            .filter_map(|b| b.as_str())
            .collect();
        let scratch = tempfile::tempdir().unwrap();
        copy_tree(&dir, scratch.path());
        let verify = ["--verify", "--python", &python, "--color", "never"];

        let output = run(scratch.path(), &verify);
        let report = stdout(&output);
        snapshot(&format!("{name}__verify"), &verify_lines(&report));
        if !report.contains(&format!("Verified with {python} (Python 3.")) {
            problems.push(format!(
                "{name}: no verify summary:\n{report}{}",
                stderr(&output)
            ));
        }
        for error in &before {
            if !report.contains(error) {
                problems.push(format!(
                    "{name}: --verify did not report `{error}`:\n{report}"
                ));
            }
        }
        if before.is_empty() && !verify_lines(&report).is_empty() {
            problems.push(format!("{name}: --verify reports errors:\n{report}"));
        }

        let fix = [
            &["--fix", "--yes", "--allow-no-vcs"][..],
            &verify,
            &fix_args,
        ]
        .concat();
        let output = run(scratch.path(), &fix);
        let printed = stdout(&output);
        // Where SQLAlchemy minded something, the fix was tried on a copy and found better, or
        // (`[verify] after`: what stays) there was nothing it could safely change.
        let stays = toml.get("verify").is_some_and(|v| v.get("after").is_some());
        let verified = before.is_empty()
            || printed.contains("Verified the fix with ")
            || (stays && printed.contains("No file was changed"));
        if output.status.code() == Some(2) || !verified {
            problems.push(format!(
                "{name}: --fix --verify refused:\n{printed}{}",
                stderr(&output)
            ));
            continue;
        }
        let after = stdout(&run(scratch.path(), &verify));
        // A fixture whose fix must leave a duplicate (`[verify] after`) names what stays.
        let left: Vec<&str> = toml
            .get("verify")
            .and_then(|v| v.get("after"))
            .and_then(|b| b.as_array())
            .into_iter()
            .flatten()
            .filter_map(|b| b.as_str())
            .collect();
        let lines = verify_lines(&after);
        let unexpected = lines.lines().any(|l| !left.iter().any(|e| l.contains(e)));
        if unexpected || left.iter().any(|e| !lines.contains(e)) {
            problems.push(format!("{name}: errors remain after the fix:\n{after}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

const DB: &str = "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n";
const USERS: &str = "from sqlalchemy import Column, Integer, String\nfrom app.db import Base\n\n\nclass User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n    email = Column(String)\n    name = Column(String)\n";
const POSTS: &str = "from sqlalchemy import Column, ForeignKey, Integer\nfrom app.db import Base\n\n\nclass Post(Base):\n    __tablename__ = 'posts'\n    id = Column(Integer, primary_key=True)\n    user_id = Column(Integer, ForeignKey('users.id'))\n";

fn healthy() -> tempfile::TempDir {
    project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB.as_bytes()),
        ("app/users.py", USERS.as_bytes()),
        ("app/posts.py", POSTS.as_bytes()),
    ])
}

/// Checks `dir` with `--verify` under the test virtualenv.
fn config(dir: &Path) -> Config {
    Config {
        verify: Some(dedupe_models::verify::Settings {
            python: Some(python()),
            timeout: Duration::from_secs(60),
            cargo_timeout: Duration::from_secs(600),
        }),
        ..crate::support::config(dir)
    }
}

/// A plan of one edit: `old` replaced by `new` in `path`.
fn plan_replacing(index: &Index, path: &str, old: &str, new: &str) -> Plan {
    let file = index.files.iter().position(|f| f.display == path).unwrap();
    let start = index.files[file].text.find(old).unwrap() as u32;
    let mut file_plan = FilePlan::default();
    file_plan.edits.push(PlannedEdit {
        edit: TextEdit {
            start,
            end: start + old.len() as u32,
            content: new.to_owned(),
        },
        change: Change::Cleanup,
        reason: "by hand".to_owned(),
    });
    let mut plan = Plan::default();
    plan.files.insert(file, file_plan);
    plan
}

const ANYWHERE: Safety = Safety {
    allow_dirty: true,
    allow_no_vcs: true,
};

#[test]
fn a_plan_that_loses_a_column_is_refused_and_the_tree_is_unchanged() {
    let dir = healthy();
    let config = config(dir.path());
    let index = Index::build(&config.scope).unwrap();
    let plan = plan_replacing(&index, "app/users.py", "    email = Column(String)\n", "");
    let before = tree(dir.path());
    let err = match dedupe_models::apply_plan(&config, &index, &plan, ANYWHERE) {
        Err(dedupe_models::Error::Worse(verdict)) => verdict,
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("a plan that loses users.email was applied"),
    };
    assert_eq!(err.worse, ["table `users` lost column `email`"]);
    assert!(dedupe_models::Error::Worse(err)
        .to_string()
        .ends_with("nothing was changed. What got worse:\n  table `users` lost column `email`"),);
    assert_eq!(tree(dir.path()), before, "the tree must be byte-identical");

    // The same loss, chosen by a person, may go.
    let mut chosen = plan;
    chosen.dropped.push(DroppedColumn {
        table: "users".into(),
        column: "email".into(),
    });
    let applied = dedupe_models::apply_plan(&config, &index, &chosen, ANYWHERE).unwrap();
    assert_eq!(applied.written, 1);
    assert!(applied.verdict.unwrap().worse.is_empty());
    let users = std::fs::read_to_string(dir.path().join("app/users.py")).unwrap();
    assert!(!users.contains("email"), "{users}");
}

#[test]
fn columns_a_person_chose_to_drop_may_go_and_no_others() {
    // Seed 004: the chat API's duplicates have columns the canonical classes lack.
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &crate::support::repo().join("codemods/duplicate-table/fixtures/two_bases_chat"),
        dir.path(),
    );
    let config = config(dir.path());
    let index = Index::build(&config.scope).unwrap();
    let context = dedupe_models::analyze::Context::new(&index);
    let mut options = dedupe_models::plan::PlanOptions::default();
    for cluster in 0..context.duplicates.len() {
        options
            .choices
            .lossy
            .insert(cluster, dedupe_models::plan::Lossy::Drop);
    }
    let mut plan = dedupe_models::plan::plan(&context, &options);
    let dropped: Vec<String> = plan
        .dropped
        .iter()
        .map(|d| format!("{}.{}", d.table, d.column))
        .collect();
    assert_eq!(
        dropped,
        [
            "conversations.created_at",
            "conversations.persona_id",
            "conversations.title",
            "conversations.updated_at",
            "messages.file_attachments",
        ]
    );
    let chosen = std::mem::take(&mut plan.dropped);
    let before = tree(dir.path());
    let Err(dedupe_models::Error::Worse(verdict)) =
        dedupe_models::apply_plan(&config, &index, &plan, ANYWHERE)
    else {
        panic!("dropping columns nobody chose to drop was not refused");
    };
    assert_eq!(
        verdict.worse,
        [
            "table `conversations` lost columns `created_at`, `persona_id`, `title`, `updated_at`",
            "table `messages` lost column `file_attachments`",
        ]
    );
    assert_eq!(tree(dir.path()), before);
    plan.dropped = chosen;
    let applied = dedupe_models::apply_plan(&config, &index, &plan, ANYWHERE).unwrap();
    assert!(applied.written > 0);
    let summary = applied.verdict.unwrap().summary();
    assert!(
        summary.ends_with("none lost but the 5 columns you chose to drop."),
        "{summary}"
    );
}

#[test]
fn a_plan_that_breaks_an_import_is_refused() {
    let dir = healthy();
    let config = config(dir.path());
    let index = Index::build(&config.scope).unwrap();
    let plan = plan_replacing(&index, "app/posts.py", "from app.db", "from app.database");
    let before = tree(dir.path());
    let Err(dedupe_models::Error::Worse(verdict)) =
        dedupe_models::apply_plan(&config, &index, &plan, ANYWHERE)
    else {
        panic!("a plan that breaks app.posts was not refused");
    };
    assert_eq!(
        verdict.worse,
        [
            "new error: app/posts.py:2: ModuleNotFoundError: No module named 'app.database' (importing `app.posts`)",
            "table `posts` is gone",
        ]
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn a_missing_dependency_or_database_is_a_warning_and_the_static_findings_stand() {
    // `invoices` is defined before the import that fails; `app.payments` runs billing.py again.
    let billing = "from sqlalchemy import Column, Integer\nfrom app.db import Base\n\n\nclass Invoice(Base):\n    __tablename__ = 'invoices'\n    id = Column(Integer, primary_key=True)\n\n\nimport stripe\n";
    let payments = "from sqlalchemy import Column, ForeignKey, Integer\nfrom app.billing import Invoice\nfrom app.db import Base\n\n\nclass Payment(Base):\n    __tablename__ = 'payments'\n    id = Column(Integer, primary_key=True)\n    invoice_id = Column(ForeignKey('invoices.id'))\n";
    // A module that connects when imported, to a database that is not there.
    let reports = "from sqlalchemy import Column, Integer, create_engine\nfrom app.db import Base\n\n\nclass Report(Base):\n    __tablename__ = 'reports'\n    id = Column(Integer, primary_key=True)\n\n\nconnection = create_engine('sqlite:////no/such/dir/app.db').connect()\n";
    // A second `users` table: a static finding that must still be reported.
    let legacy = "from sqlalchemy import Column, Integer\nfrom app.db import Base\n\nprint('loading legacy models')\n\n\nclass LegacyUser(Base):\n    __tablename__ = 'users'\n    __table_args__ = {'extend_existing': True}\n    id = Column(Integer, primary_key=True)\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB.as_bytes()),
        ("app/users.py", USERS.as_bytes()),
        ("app/legacy.py", legacy.as_bytes()),
        ("app/billing.py", billing.as_bytes()),
        ("app/payments.py", payments.as_bytes()),
        ("app/reports.py", reports.as_bytes()),
        (
            "main.py",
            b"import app.users\nimport app.legacy\nimport app.payments\nimport app.reports\n",
        ),
    ]);
    let python = venv();
    let output = run(
        dir.path(),
        &["--verify", "--python", &python, "--color", "never"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(
        report.contains("app/legacy.py:7:7: DM001 table `users` is defined again by `LegacyUser`"),
        "{report}"
    );
    // Neither the failure again nor `invoices` defined twice by running billing.py again.
    assert!(!report.contains("DM101"), "{report}");
    assert!(report.contains("imported 2 of 5 modules"), "{report}");
    assert_eq!(
        stderr(&output),
        format!("warning: app/billing.py:10: cannot import `app.billing`: ModuleNotFoundError: No module named 'stripe'; `stripe` is not installed in {python} (a missing dependency: install the project's requirements there, or pass --python). The models it defines were not verified\n\
                 warning: app/reports.py:10: cannot import `app.reports`: OperationalError: (sqlite3.OperationalError) unable to open database file (Background on this error at: https://sqlalche.me/e/20/e3q8); it tries to reach a database when imported, and could not. The models it defines were not verified\n")
    );

    let output = run(
        dir.path(),
        &["--verify", "--python", &python, "--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["version"], 2);
    assert_eq!(json["findings"][0]["code"], "DM001");
    assert_eq!(json["warnings"][0]["path"], "app/billing.py");
    let verify = &json["verify"];
    assert_eq!(verify["python"], python.as_str());
    assert!(verify["sqlalchemy_version"]
        .as_str()
        .unwrap()
        .starts_with("2.0."));
    assert_eq!(
        verify["modules"],
        serde_json::json!([
            {"module": "app.billing", "path": "app/billing.py", "imported": false},
            {"module": "app.payments", "path": "app/payments.py", "imported": false},
            {"module": "app.reports", "path": "app/reports.py", "imported": false},
            {"module": "app.users", "path": "app/users.py", "imported": true},
            // The duplicate last, so that an error would land on it.
            {"module": "app.legacy", "path": "app/legacy.py", "imported": true},
        ])
    );
    assert_eq!(
        verify["metadata"],
        serde_json::json!([{"name": "app.db:Base.metadata", "tables": {
            "invoices": ["id"],
            "reports": ["id"],
            "users": ["id", "email", "name"],
        }}])
    );
}

#[test]
fn no_interpreter_or_no_sqlalchemy_is_a_clear_error() {
    let dir = healthy();
    let output = run(dir.path(), &["--verify", "--python", "no/such/python"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        format!(
            "error: --python {}: no such file\n",
            dir.path().join("no/such/python").display()
        )
    );
    // The test virtualenv's Python without its site-packages: no SQLAlchemy.
    let bare = dir.path().join("bare-python");
    std::fs::write(&bare, format!("#!/bin/sh\nexec {} -S \"$@\"\n", venv())).unwrap();
    let mut permissions = std::fs::metadata(&bare).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&bare, permissions).unwrap();
    let output = run(dir.path(), &["--verify", "--python", "bare-python"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("error: bare-python cannot import SQLAlchemy (ModuleNotFoundError: No module named 'sqlalchemy'); --verify needs the interpreter the project runs with"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_module_that_hangs_is_stopped_with_what_it_was_doing() {
    // It also starts a process that would hold the probe's output open.
    let slow = "import subprocess, time\nsubprocess.Popen(['sleep', '60'])\ntime.sleep(60)\nfrom app.users import User\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB.as_bytes()),
        ("app/users.py", USERS.as_bytes()),
        ("app/slow.py", slow.as_bytes()),
        ("app/zmodels.py", b"from app.slow import User\nfrom app.db import Base\nfrom sqlalchemy import Column, Integer\n\n\nclass Z(Base):\n    __tablename__ = 'z'\n    id = Column(Integer, primary_key=True)\n"),
    ]);
    // An interpreter slower to start than the timeout (a fresh virtualenv, a loaded machine):
    // the timeout is for the project's imports, so it still names the module that hangs.
    let slow_start = dir.path().join("slow-python");
    std::fs::write(
        &slow_start,
        format!("#!/bin/sh\nsleep 3\nexec '{}' \"$@\"\n", venv()),
    )
    .unwrap();
    std::fs::set_permissions(
        &slow_start,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let started = Instant::now();
    let output = run(
        dir.path(),
        &[
            "--verify",
            "--python",
            slow_start.to_str().unwrap(),
            "--verify-timeout",
            "2",
        ],
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: the verify probe did not finish within 2 s; it was importing app.zmodels: a module may wait for a network, a database or input when imported. Pass --verify-timeout to wait longer\n"
    );
}

#[test]
fn verify_flags_are_checked() {
    let dir = healthy();
    for (args, message) in [
        (
            &["--python", "python3"][..],
            "required arguments were not provided",
        ),
        (
            &["--verify", "--diff"][..],
            "'--verify' cannot be used with '--diff'",
        ),
        (
            &["--verify", "--verify-timeout", "0"][..],
            "0 is not in 1..",
        ),
    ] {
        let output = run(dir.path(), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(message),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn ctrl_c_during_the_fix_gate_stops_the_probe_and_removes_the_copy() {
    // TMPDIR for the run, where the copy of the project goes, and where the probe says its pid.
    let temp = tempfile::tempdir().unwrap();
    let pid_file = temp.path().join("probe.pid");
    let slow = format!(
        "import os, time\nwith open({:?}, 'w') as f:\n    f.write(str(os.getpid()))\ntime.sleep(60)\n",
        pid_file.display().to_string()
    );
    let legacy = USERS.replace(
        "from app.db",
        "from app import slow  # noqa: F401\nfrom app.db",
    );
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB.as_bytes()),
        ("app/users.py", USERS.as_bytes()),
        ("app/legacy.py", legacy.as_bytes()),
        ("app/slow.py", slow.as_bytes()),
        // Loads both definitions of `users` in one process: a duplicate to fix.
        (
            "app/main.py",
            b"from app import legacy, users  # noqa: F401\n",
        ),
    ]);
    let before = tree(dir.path());
    let python = venv();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dedupe-models"))
        .args([
            "--fix",
            "--yes",
            "--allow-no-vcs",
            "--verify",
            "--python",
            &python,
        ])
        .current_dir(dir.path())
        .env("TMPDIR", temp.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let probe_pid: i32 = loop {
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|p| p.trim().parse().ok())
        {
            break pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the probe never imported app.slow"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let copies = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("dedupe-models-verify-"))
            .collect()
    };
    assert_eq!(copies(temp.path()).len(), 1, "the gate works on a copy");

    // SAFETY: kill(2) on the child this test started and has not reaped.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "Ctrl-C did not stop the run");
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(
        stderr(&output).ends_with("Interrupted: nothing was written.\n"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tree(dir.path()), before);
    assert!(copies(temp.path()).is_empty(), "the copy was left behind");
    // The probe, stuck in its import, is gone too (killed, and reaped by init).
    let deadline = Instant::now() + Duration::from_secs(5);
    // SAFETY: kill(2) with signal 0 only asks whether the process exists.
    while unsafe { libc::kill(probe_pid, 0) } == 0 {
        assert!(
            Instant::now() < deadline,
            "the probe {probe_pid} still runs"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
