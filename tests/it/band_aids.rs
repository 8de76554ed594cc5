//! DM004: what a band-aid covers, and when the report may say it can go.

use crate::support::{project, run, stderr, stdout};

const DB: &str = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n";

/// An abstract base whose `__table_args__` carries the flag for every table below it (as in
/// rss-bot's `fastapi_app/core/models/base.py`).
const ABSTRACT: &str = "from sqlalchemy import Column, Integer\n\nfrom app.db import Base\n\n\nclass Model(Base):\n    __abstract__ = True\n    __table_args__ = {\"extend_existing\": True}\n\n    id = Column(Integer, primary_key=True)\n";

fn model(class: &str, table: &str) -> String {
    format!("from sqlalchemy import Column, String\n\nfrom app.base import Model\n\n\nclass {class}(Model):\n    __tablename__ = \"{table}\"\n    title = Column(String(100))\n")
}

#[test]
fn a_flag_on_a_base_names_every_table_it_covers_and_stays_while_one_has_a_duplicate() {
    let news = model("News", "news");
    let users = model("User", "users");
    // Each copy has a column the other lacks: the fix cannot merge them by itself.
    let old_users = model("User", "users")
        .replace("title = Column(String(100))", "email = Column(String(100))");
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB.as_bytes()),
        ("app/base.py", ABSTRACT.as_bytes()),
        ("app/news.py", news.as_bytes()),
        ("app/users.py", users.as_bytes()),
        ("app/old_users.py", old_users.as_bytes()),
    ]);
    let output = run(dir.path(), &["--color", "never", "--select", "DM004"]);
    let text = stdout(&output);
    assert!(
        text.starts_with("app/base.py:8:23: DM004 `extend_existing` on `Model` (app/base.py:8), which covers tables `news`, `users` is a band-aid: on `users`, it hides the other definition at app/users.py:6\n"),
        "{text}"
    );
    assert!(!text.contains("can go"), "{text}");
    // The flag stays while `users` has two definitions: removing it from the base removes it
    // from every table it covers.
    let output = run(dir.path(), &["--diff", "--color", "never"]);
    let diff = stdout(&output);
    assert!(!diff.contains("extend_existing"), "{diff}");
    assert!(
        stderr(&output).contains("skipped: app/base.py:8: `extend_existing` on `Model` (app/base.py:8), which covers tables `news`, `users` stays while table `users` is defined twice; fix the duplicate first (see its skipped line), then run again to remove it"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_flag_on_a_base_whose_tables_each_have_one_definition_can_go() {
    let news = model("News", "news");
    let users = model("User", "users");
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB.as_bytes()),
        ("app/base.py", ABSTRACT.as_bytes()),
        ("app/news.py", news.as_bytes()),
        ("app/users.py", users.as_bytes()),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(
        stdout(&output),
        "app/base.py:8:23: DM004 `extend_existing` on `Model` (app/base.py:8), which covers tables `news`, `users` is a band-aid: each of these tables has one definition, so the flag can go\n\nScanned 5 files: 2 tables, 1 finding.\n"
    );
    let output = run(dir.path(), &["--diff", "--color", "never"]);
    assert!(
        stdout(&output).contains("-    __table_args__ = {\"extend_existing\": True}\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_flag_is_never_said_to_go_while_a_file_that_may_define_its_table_could_not_be_parsed() {
    let users = "from sqlalchemy import Column, Integer\n\nfrom app.db import Base\n\n\nclass User(Base):\n    __tablename__ = \"users\"\n    __table_args__ = {\"extend_existing\": True}\n    id = Column(Integer, primary_key=True)\n";
    // A model snapshot in a migration folder (read aside, never reported on) that does not parse.
    let broken = "from app.db import Base\n\nclass User(Base):\n    __tablename__ = \"users\"\n    id = Column(Integer primary_key=True\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB.as_bytes()),
        ("app/users.py", users.as_bytes()),
        ("migrations/snapshot.py", broken.as_bytes()),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    let text = stdout(&output);
    assert!(
        text.starts_with("app/users.py:8:23: DM004 `extend_existing` on table `users` is a band-aid: whether it can go is unknown: migrations/snapshot.py could not be read or parsed and may define this table again\n"),
        "{text}"
    );
    let output = run(dir.path(), &["--diff", "--color", "never"]);
    assert_eq!(stdout(&output), "", "{}", stderr(&output));
    assert!(
        stderr(&output).contains("skipped: app/users.py:8: `extend_existing` on table `users` stays: whether it can go is unknown: migrations/snapshot.py could not be read or parsed and may define this table again; make those files readable (see their warnings) and run again\n"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_flag_in_a_streamlit_app_stays_because_every_rerun_defines_the_table_again() {
    // `streamlit run app.py` executes the script again in the same process on every rerun; the
    // flag is what lets the second run define the table (pytidb's examples say so in a comment).
    let app: &[u8] = b"import streamlit as st\nfrom sqlmodel import Field, SQLModel\n\nclass Document(SQLModel, table=True):\n    __tablename__ = 'documents'\n    __table_args__ = {'extend_existing': True}\n    id: int = Field(primary_key=True)\n\nst.write('hello')\n";
    let dir = project(&[("app.py", app)]);
    let output = run(dir.path(), &["--color", "never"]);
    assert!(
        stdout(&output).contains(
            "app.py:6:23: DM004 `extend_existing` on table `documents` is a band-aid: app.py \
             imports streamlit, which runs an app script again in the same process on every \
             rerun: each run defines the table again"
        ),
        "{}",
        stdout(&output)
    );
    let diff = run(dir.path(), &["--color", "never", "--diff"]);
    assert_eq!(stdout(&diff), "");
    assert!(
        stderr(&diff).contains("keep it while the script runs under streamlit"),
        "{}",
        stderr(&diff)
    );
}
