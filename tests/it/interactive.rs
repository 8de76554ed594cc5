//! The interactive `--fix`, driven through a pseudo-terminal the way a person would: the prompts
//! are read, keys are sent, and the files on disk are checked afterwards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};

use crate::support::{copy_tree, project, repo};

const ENTER: &str = "\r";
const DOWN: &str = "\x1b[B";
const CTRL_C: &str = "\x03";

/// The session and everything it printed so far.
struct Pty {
    session: Session<expectrl::process::unix::UnixProcess, expectrl::process::unix::PtyStream>,
    transcript: String,
}

fn spawn(dir: &Path) -> Pty {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dedupe-models"));
    command
        .args(["--fix", "--allow-no-vcs"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let mut session = Session::spawn(command).expect("the binary starts in a pty");
    session
        .get_process_mut()
        .set_window_size(200, 60)
        .expect("window size");
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    Pty {
        session,
        transcript: String::new(),
    }
}

/// Waits for `prompt`, then sends `keys`.
fn answer(pty: &mut Pty, prompt: &str, keys: &str) {
    match pty.session.expect(prompt) {
        Ok(found) => {
            pty.transcript
                .push_str(&String::from_utf8_lossy(found.before()));
            pty.transcript.push_str(prompt);
        }
        Err(err) => panic!(
            "waiting for {prompt:?}: {err}\n--- the session so far:\n{}",
            pty.transcript
        ),
    }
    pty.session.send(keys).unwrap();
}

/// Reads everything up to the end; returns the whole transcript and the exit code.
fn finish(mut pty: Pty) -> (String, i32) {
    let rest = pty.session.expect(Eof).expect("the session ends");
    pty.transcript
        .push_str(&String::from_utf8_lossy(rest.as_bytes()));
    let code = match pty.session.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("the binary did not exit normally: {other:?}"),
    };
    (pty.transcript, code)
}

fn fixture(path: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join(path), dir.path());
    dir
}

fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap().flatten() {
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                out.insert(entry.path(), std::fs::read(entry.path()).unwrap());
            }
        }
    }
    out
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap()
}

/// Seed 004: merge the columns of one table, drop those of the other after a refused
/// non-default choice, leave one file out at review, accept the rest.
#[test]
fn a_whole_session_on_the_two_bases_chat_seed() {
    let dir = fixture("codemods/duplicate-table/fixtures/two_bases_chat");
    let before = tree(dir.path());
    let mut pty = spawn(dir.path());
    answer(&mut pty, "Keep which definition of `conversations`?", ENTER);
    answer(&mut pty, "What about them?", ENTER); // merge
                                                 // The chat module's `Message` cannot be the one kept: the database module would import it
                                                 // while it imports the database module's `Base`. The session says so and asks again.
    answer(
        &mut pty,
        "Keep which definition of `messages`?",
        &format!("{DOWN}{ENTER}"),
    );
    answer(&mut pty, "What about them?", ENTER);
    answer(
        &mut pty,
        "so a re-export would be circular; keep the other definition, or move that import into the function that needs it. Choose again.",
        "",
    );
    answer(&mut pty, "Keep which definition of `messages`?", ENTER);
    answer(&mut pty, "What about them?", &format!("{DOWN}{ENTER}")); // drop
    answer(&mut pty, "use the one declarative base `Base`", "");
    answer(&mut pty, "Make this change?", "y");
    answer(
        &mut pty,
        "Apply the changes to src/miachat/api/chat_routes.py?",
        "n",
    );
    answer(
        &mut pty,
        "Apply the changes to src/miachat/api/models/__init__.py?",
        "?",
    );
    answer(&mut pty, "q - quit; nothing is written", "");
    answer(
        &mut pty,
        "Apply the changes to src/miachat/api/models/__init__.py?",
        "y",
    );
    answer(
        &mut pty,
        "Apply the changes to src/miachat/api/models/chat.py?",
        "y",
    );
    answer(
        &mut pty,
        "Apply the changes to src/miachat/database/models.py?",
        "a",
    );
    answer(&mut pty, "Ready: 3 files, 2 duplicated tables", "");
    answer(&mut pty, "Write these changes?", "y");
    let (output, code) = finish(pty);

    let after = tree(dir.path());
    let changed: Vec<String> = after
        .iter()
        .filter(|(path, content)| before.get(*path) != Some(content))
        .map(|(path, _)| path.strip_prefix(dir.path()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        changed,
        [
            "src/miachat/api/models/__init__.py",
            "src/miachat/api/models/chat.py",
            "src/miachat/database/models.py",
        ],
        "exactly the accepted files are written\n{output}"
    );
    let chat = read(dir.path(), "src/miachat/api/models/chat.py");
    // One statement per module in the import block; the aliased base on a statement of its own.
    assert!(
        chat.contains("from miachat.database.models import Conversation, Message  # noqa: F401"),
        "{chat}"
    );
    assert!(chat.contains("from miachat.database.models import Base as ChatBase  # noqa: F401"));
    assert!(!chat.contains("class "), "{chat}");
    let models = read(dir.path(), "src/miachat/database/models.py");
    assert!(
        models.contains("persona_id = Column(Integer, nullable=True)"),
        "the conversation columns are merged\n{models}"
    );
    assert!(
        !models.contains("file_attachments"),
        "the message column is dropped, as chosen\n{models}"
    );
    assert!(
        output.contains(
            "skipped: src/miachat/api/chat_routes.py:1: left unchanged: you chose so in the review"
        ),
        "{output}"
    );
    assert!(
        output.contains("loses column `file_attachments`: you chose to drop them"),
        "{output}"
    );
    assert!(output.contains("Fixed 3 files."), "{output}");
    assert_eq!(code, 0, "no finding is left\n{output}");
}

/// A definition other than the best-scored one is kept when the person picks it.
#[test]
fn the_definition_picked_is_the_one_kept() {
    let dir = project(&[
        ("app/__init__.py", b""),
        (
            "app/db.py",
            b"from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n",
        ),
        (
            "app/models.py",
            b"from sqlalchemy import Column, Integer, String\n\nfrom app.db import Base\n\n\nclass User(Base):\n    __tablename__ = \"users\"\n\n    id = Column(Integer, primary_key=True)\n    name = Column(String(50))\n    email = Column(String(200))\n",
        ),
        (
            "app/legacy.py",
            b"from sqlalchemy import Column, Integer, String\n\nfrom app.db import Base\n\n\nclass User(Base):\n    __tablename__ = \"users\"\n    __table_args__ = {\"extend_existing\": True}\n\n    id = Column(Integer, primary_key=True)\n    name = Column(String(50))\n",
        ),
        ("main.py", b"import app.legacy\nimport app.models\n"),
    ]);
    let mut pty = spawn(dir.path());
    answer(&mut pty, "1. `User` at app/models.py:6", "");
    answer(
        &mut pty,
        "Keep which definition of `users`?",
        &format!("{DOWN}{ENTER}"),
    );
    answer(&mut pty, "has column `email` that `User` lacks", "");
    answer(&mut pty, "What about them?", ENTER); // merge
    answer(&mut pty, "remove `extend_existing` from table `users`", "");
    answer(&mut pty, "Make this change?", "y");
    answer(&mut pty, "Apply the changes to app/legacy.py?", "y");
    answer(&mut pty, "Apply the changes to app/models.py?", "y");
    answer(&mut pty, "Write these changes?", "y");
    let (output, code) = finish(pty);
    assert_eq!(code, 0, "{output}");
    let models = read(dir.path(), "app/models.py");
    assert!(
        models.contains("from app.legacy import User  # noqa: F401")
            && !models.contains("class User"),
        "{models}"
    );
    let legacy = read(dir.path(), "app/legacy.py");
    assert!(legacy.contains("class User(Base):"), "{legacy}");
    assert!(legacy.contains("email = Column(String(200))"), "{legacy}");
    assert!(!legacy.contains("extend_existing"), "{legacy}");
}

/// Seed 002/003: `q` at the review quits and leaves the tree byte-identical.
#[test]
fn quitting_at_the_review_writes_nothing() {
    let dir = fixture("codemods/duplicate-table/fixtures/user_reexport");
    let before = tree(dir.path());
    let mut pty = spawn(dir.path());
    answer(&mut pty, "Keep which definition of `users`?", ENTER);
    answer(
        &mut pty,
        "remove the filter that hid duplicate-model warnings",
        "",
    );
    answer(&mut pty, "Make this change?", "y");
    answer(&mut pty, "Apply the changes to", "y");
    answer(&mut pty, "Apply the changes to", "q");
    let (output, code) = finish(pty);
    assert!(output.contains("Quit: nothing was written."), "{output}");
    assert_eq!(code, 1, "findings remain\n{output}");
    assert!(tree(dir.path()) == before, "a file changed");
}

/// Ctrl-C at any prompt writes nothing and exits 130.
#[test]
fn ctrl_c_writes_nothing_and_exits_130() {
    for steps in [0, 2] {
        let dir = fixture("codemods/duplicate-table/fixtures/two_bases_chat");
        let before = tree(dir.path());
        let mut pty = spawn(dir.path());
        if steps > 0 {
            answer(&mut pty, "Keep which definition of `conversations`?", ENTER);
            answer(&mut pty, "What about them?", ENTER);
        }
        answer(&mut pty, "Keep which definition of", CTRL_C);
        let (output, code) = finish(pty);
        assert!(
            output.contains("Interrupted: nothing was written."),
            "{output}"
        );
        assert_eq!(code, 130, "{output}");
        assert!(tree(dir.path()) == before, "a file changed");
    }
}

/// Rust duplicates are offered one by one, each with the diff of its own fix: here `posts` is
/// fixed and `users` left, and exactly that is written.
#[test]
fn rust_duplicates_are_offered_with_their_diff_and_only_the_accepted_are_fixed() {
    let dir = fixture("codemods/duplicate-table/fixtures/diesel_two_schemas");
    let before = tree(dir.path());
    let mut pty = spawn(dir.path());
    answer(
        &mut pty,
        "DM001 Rust api/src/schema.rs:5: table `posts` declared again (1 of 2)",
        "",
    );
    answer(
        &mut pty,
        "keep      `table!` `db::schema::posts` at db/src/schema.rs:4",
        "",
    );
    answer(&mut pty, "+++ b/api/src/schema.rs", "");
    answer(&mut pty, "+pub use db::schema::posts;", "");
    answer(&mut pty, "Fix this duplicate?", ENTER);
    answer(
        &mut pty,
        "DM001 Rust api/src/schema.rs:13: table `users` declared again (2 of 2)",
        "",
    );
    answer(&mut pty, "+pub use db::schema::users;", "");
    answer(&mut pty, "Fix this duplicate?", &format!("{DOWN}{ENTER}"));
    answer(&mut pty, "1 duplicated table", "");
    answer(&mut pty, "Write these changes?", "y");
    let (output, code) = finish(pty);
    assert_eq!(code, 1, "the `users` duplicate remains\n{output}");
    assert!(
        output.contains("table `users` left as it is: left unchanged: you chose so"),
        "{output}"
    );
    let schema = read(dir.path(), "api/src/schema.rs");
    assert!(schema.contains("pub use db::schema::posts;"), "{schema}");
    assert!(!schema.contains("posts (id)"), "{schema}");
    assert!(schema.contains("users (id)"), "users is left\n{schema}");
    assert!(!schema.contains("pub use db::schema::users;"), "{schema}");
    let changed: Vec<PathBuf> = tree(dir.path())
        .into_iter()
        .filter(|(path, content)| before.get(path) != Some(content))
        .map(|(path, _)| path.strip_prefix(dir.path()).unwrap().to_path_buf())
        .collect();
    assert!(
        changed.iter().all(|p| p.starts_with("api/src")),
        "{changed:?}"
    );
}

/// A Rust duplicate under `// noqa: DM001` is not offered, and its fix is not written: only
/// `users` is asked about (1 of 1), and `posts` keeps its `table!` block.
#[test]
fn a_rust_duplicate_under_noqa_is_not_offered() {
    let dir = fixture("codemods/duplicate-table/fixtures/diesel_two_schemas");
    let schema = dir.path().join("api/src/schema.rs");
    let text = read(dir.path(), "api/src/schema.rs").replacen(
        "    posts (id) {\n",
        "    posts (id) { // noqa: DM001\n",
        1,
    );
    std::fs::write(&schema, text).unwrap();
    let mut pty = spawn(dir.path());
    answer(
        &mut pty,
        "DM001 Rust api/src/schema.rs:13: table `users` declared again (1 of 1)",
        "",
    );
    answer(&mut pty, "+pub use db::schema::users;", "");
    answer(&mut pty, "Fix this duplicate?", ENTER);
    answer(&mut pty, "Write these changes?", "y");
    let (output, code) = finish(pty);
    assert_eq!(code, 0, "{output}");
    assert!(!output.contains("posts` declared again"), "{output}");
    let schema = read(dir.path(), "api/src/schema.rs");
    assert!(
        schema.contains("    posts (id) { // noqa: DM001\n"),
        "{schema}"
    );
    assert!(!schema.contains("pub use db::schema::posts;"), "{schema}");
    assert!(schema.contains("pub use db::schema::users;"), "{schema}");
    assert!(!schema.contains("users (id)"), "{schema}");
}
