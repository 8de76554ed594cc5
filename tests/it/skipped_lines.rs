//! `skipped:` lines are whole sentences that say what to do instead.

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
