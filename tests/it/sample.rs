//! The smallest project with a duplicate table, shared by the CLI tests: `users` defined in
//! app/a.py and again in app/b.py, both loaded by main.py.

use crate::support::project;

pub const DB: &[u8] = b"from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n";
pub const USER_A: &[u8] = b"from sqlalchemy import Column, Integer, String\nfrom app.db import Base\n\nclass User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n    email = Column(String)\n";
pub const USER_B: &[u8] = b"from sqlalchemy import Column, Integer\nfrom app.db import Base\n\nclass User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n";
/// app/b.py with a band-aid: DM001 at line 4, DM004 at line 6.
pub const USER_B_BAND_AID: &str = "from sqlalchemy import Column, Integer\nfrom app.db import Base\n\nclass User(Base):\n    __tablename__ = 'users'\n    __table_args__ = {'extend_existing': True}\n    id = Column(Integer, primary_key=True)\n";
pub const MAIN: &[u8] = b"import app.a\nimport app.b\n";

pub fn duplicated() -> tempfile::TempDir {
    duplicated_with(USER_B, &[])
}

/// The project with `b` as app/b.py, and `more` files.
pub fn duplicated_with(b: &[u8], more: &[(&str, &[u8])]) -> tempfile::TempDir {
    let mut files: Vec<(&str, &[u8])> = vec![
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("app/a.py", USER_A),
        ("app/b.py", b),
        ("main.py", MAIN),
    ];
    files.extend_from_slice(more);
    project(&files)
}
