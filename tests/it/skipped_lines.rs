//! `skipped:` lines are whole sentences that say what to do instead.

use crate::sample::DB;
use crate::support::{project, run, stderr};

#[test]
fn a_base_the_fix_cannot_replace_says_what_to_use_instead() {
    let dir = project(&[
        ("app/__init__.py", b""),
        (
            "app/db.py",
            b"from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
        ),
        (
            "app/models.py",
            b"from sqlalchemy import Column, Integer\n\nfrom app.db import Base\n\n\nclass User(Base):\n    __tablename__ = \"users\"\n    id = Column(Integer, primary_key=True)\n",
        ),
        (
            "app/chat.py",
            b"from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table\n\nchat_metadata = MetaData()\n\nmessages = Table(\n    \"messages\",\n    chat_metadata,\n    Column(\"id\", Integer, primary_key=True),\n    Column(\"user_id\", Integer, ForeignKey(\"users.id\")),\n)\n",
        ),
        ("app/main.py", b"import app.chat\nimport app.models\n"),
    ]);
    let output = run(dir.path(), &["--diff", "--color", "never"]);
    assert_eq!(
        stderr(&output),
        "skipped: app/chat.py:3: base `chat_metadata` is not unified: the fix replaces only a \
         `declarative_base()` assignment or a `DeclarativeBase` subclass by an import, and this \
         one is built another way; use `Base.metadata` from app/db.py in its place by hand\n"
    );
}

/// Two bare `Table(...)` duplicates in one file of two classes kept in one module: each fix
/// becomes `name = Class.__table__` and imports its class at the same place. The plan wrote the
/// first import only (`users_table = User.__table__` with `User` never imported: the module no
/// longer imported). Fixing one table alone would load both definitions of the other, so neither
/// is fixed now, and the file is left as it is.
#[test]
fn two_tables_made_class_tables_in_one_file_are_never_half_fixed() {
    let table = |name: &str| {
        format!(
            "{name}_table = Table(\n    \"{name}\",\n    Base.metadata,\n    Column(\"id\", Integer, primary_key=True),\n    Column(\"name\", String(40)),\n)\n"
        )
    };
    let tables = format!(
        "from sqlalchemy import Column, Integer, String, Table\n\nfrom app.db import Base\n\n\n{}\n\n{}",
        table("users"),
        table("tags")
    );
    let class = |class: &str, name: &str| {
        format!(
            "class {class}(Base):\n    __tablename__ = \"{name}\"\n\n    id = Column(Integer, primary_key=True)\n    name = Column(String(40))\n    extra = Column(String(20))\n"
        )
    };
    let models = format!(
        "from sqlalchemy import Column, Integer, String\n\nfrom app.db import Base\n\n\n{}\n\n{}",
        class("User", "users"),
        class("Tag", "tags")
    );
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("app/models.py", models.as_bytes()),
        ("app/tables.py", tables.as_bytes()),
        ("main.py", b"import app.models\nimport app.tables\n"),
    ]);
    let output = run(dir.path(), &["--diff", "--color", "never"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "skipped: app/tables.py:6: table `users` is not fixed: its re-export would make \
         app/tables.py load both definitions of table `tags`, which stays duplicated; fix that \
         table first\n\
         skipped: app/tables.py:14: table `tags` is not fixed: its re-export would make \
         app/tables.py load both definitions of table `users`, which stays duplicated; fix that \
         table first\n"
    );
}
