//! The canonical choice as a user reads it: one schema scores the same whichever style writes
//! it, the schema comparison sees table-level constraints, and a tie says what broke it.

use crate::support::{project, run, stdout};

const DB: &[u8] =
    b"from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n";

const COLUMN_STYLE: &[u8] = b"from sqlalchemy import Column, Integer, String

from app.db import Base


class Account(Base):
    __tablename__ = \"accounts\"

    id = Column(Integer, primary_key=True)
    email = Column(String(255), unique=True)
";

const TABLE_STYLE: &[u8] =
    b"from sqlalchemy import Column, Integer, PrimaryKeyConstraint, String, UniqueConstraint

from app.db import Base


class Account(Base):
    __tablename__ = \"accounts\"
    __table_args__ = (PrimaryKeyConstraint(\"id\"), UniqueConstraint(\"email\"))

    id = Column(Integer)
    email = Column(String(255))
";

#[test]
fn one_schema_in_two_styles_scores_the_same_and_does_not_differ() {
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("app/a.py", COLUMN_STYLE),
        ("app/b.py", TABLE_STYLE),
        (
            "app/main.py",
            b"from app.a import Account\nfrom app.b import Account as Old\n",
        ),
    ]);
    let text = stdout(&run(dir.path(), &["--color", "never"]));
    let score = "score 8 (2 columns +2, primary key +2, 1 unique constraint +1, primary base +3)";
    assert_eq!(text.matches(score).count(), 2, "{text}");
    // `PrimaryKeyConstraint("id")` makes `id` primary and `UniqueConstraint("email")` makes
    // `email` unique: no `primary key false vs true`, no `unique false vs true`.
    assert!(!text.contains("differ"), "{text}");
    assert!(
        text.contains(
            "  = kept: tied at score 8 with `Account` at app/b.py:6 and as often imported (1 import each); kept the first by path\n"
        ),
        "{text}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(dir.path(), &["--format", "json"]))).unwrap();
    let finding = &json["findings"][0];
    assert_eq!(finding["canonical"]["score"]["total"], 8, "{finding}");
    assert_eq!(finding["score"]["total"], 8, "{finding}");
    assert_eq!(
        finding["canonical"]["score"]["reasons"],
        serde_json::json!([
            "2 columns +2",
            "primary key +2",
            "1 unique constraint +1",
            "primary base +3"
        ])
    );
    assert!(
        finding["canonical"]["chosen_by"]
            .as_str()
            .is_some_and(|c| c.starts_with("tied at score 8 with `Account` at app/b.py:6")),
        "{finding}"
    );
}

#[test]
fn a_tie_broken_by_imports_says_so_and_a_higher_score_says_nothing() {
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("app/a.py", COLUMN_STYLE),
        ("app/b.py", COLUMN_STYLE),
        ("app/main.py", b"from app.a import Account\n"),
        ("app/jobs.py", b"from app.b import Account\n"),
        ("app/admin.py", b"from app.b import Account\n"),
    ]);
    let text = stdout(&run(dir.path(), &["--color", "never"]));
    assert!(
        text.contains(
            "  = kept: tied at score 8 with `Account` at app/a.py:6; kept the one whose module is imported more often (2 imports vs 1)\n"
        ),
        "{text}"
    );

    // One more column decides by score: nothing to explain beyond the scores.
    let richer =
        String::from_utf8(COLUMN_STYLE.to_vec()).unwrap() + "    name = Column(String(80))\n";
    std::fs::write(dir.path().join("app/a.py"), richer).unwrap();
    let text = stdout(&run(dir.path(), &["--color", "never"]));
    assert!(
        text.contains("`Account` at app/a.py:6 is the canonical"),
        "{text}"
    );
    assert!(!text.contains("kept:"), "{text}");
    let json = stdout(&run(dir.path(), &["--format", "json"]));
    assert!(!json.contains("chosen_by"), "{json}");
}

#[test]
fn foreign_key_options_and_references_are_named_in_the_score() {
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        (
            "app/links.py",
            b"from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Integer, Table

from app.db import Base

links = Table(
    \"links\",
    Base.metadata,
    Column(\"id\", Integer, primary_key=True),
    Column(\"user_id\", Integer, ForeignKey(\"users.id\", ondelete=\"CASCADE\", onupdate=\"CASCADE\")),
    Column(\"group_id\", Integer),
    ForeignKeyConstraint([\"group_id\"], [\"groups.id\"], ondelete=\"SET NULL\"),
)
",
        ),
        (
            "app/copy.py",
            b"from sqlalchemy import Column, ForeignKey, Integer, Table

from app.db import Base

links = Table(
    \"links\",
    Base.metadata,
    Column(\"id\", Integer, primary_key=True),
    Column(\"user_id\", Integer, ForeignKey(\"users.id\")),
    Column(\"group_id\", Integer, ForeignKey(\"groups.id\")),
)
",
        ),
        (
            "app/models.py",
            b"from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import relationship

from app.db import Base
from app.links import links


class User(Base):
    __tablename__ = \"users\"
    id = Column(Integer, primary_key=True)
    groups = relationship(\"Group\", secondary=lambda: links)


class Group(Base):
    __tablename__ = \"groups\"
    id = Column(Integer, primary_key=True)
    users = relationship(\"User\", secondary=\"links\")


class Audit(Base):
    __tablename__ = \"audits\"
    id = Column(Integer, primary_key=True)
    link_id = Column(Integer, ForeignKey(\"links.id\"))
",
        ),
        ("app/main.py", b"import app.copy\nimport app.models\n"),
    ]);
    let text = stdout(&run(dir.path(), &["--color", "never"]));
    // `secondary=lambda: links` resolves to app/links.py; `secondary="links"` names the table on
    // the MetaData, so it counts for both; the foreign key from `audits` too.
    assert!(
        text.contains(
            "score 20 (3 columns +3, primary key +2, 2 foreign keys +4, 3 foreign-key options (ondelete, onupdate) +3, `secondary=` of 2 relationships +4, foreign keys from 1 other table +1, primary base +3)"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "score 15 (3 columns +3, primary key +2, 2 foreign keys +4, `secondary=` of 1 relationship +2, foreign keys from 1 other table +1, primary base +3)"
        ),
        "{text}"
    );
    assert!(
        text.contains("`user_id` (foreign-key options none vs ondelete=CASCADE onupdate=CASCADE)"),
        "{text}"
    );
}
