//! What a user of the command sees: flags, exit codes, warnings, colour, configuration.

use std::path::Path;

pub use crate::sample::{duplicated, USER_B};
use crate::sample::{DB, MAIN, USER_A};
use crate::support::{project, run, stderr, stdout};

#[test]
fn help_documents_every_flag() {
    let output = run(Path::new("."), &["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = stdout(&output);
    for flag in [
        "--format",
        "--color",
        "--help",
        "--version",
        "[PATH]",
        "Exit status",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let output = run(Path::new("."), &["--format", "xml"]);
    assert_eq!(output.status.code(), Some(2));
    let output = run(Path::new("."), &["does/not/exist"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output).trim(),
        "error: cannot scan does/not/exist: no such file or directory"
    );
}

#[test]
fn findings_exit_1_and_name_both_definitions() {
    let dir = duplicated();
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.starts_with(
            "app/b.py:4:7: DM001 table `users` is defined again by `User`; `User` at app/a.py:4"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("Scanned 5 files: 1 table, 1 finding.\n"),
        "{text}"
    );
    // Paths are relative to where the tool runs, whatever PATH says.
    let output = run(
        dir.path().parent().unwrap(),
        &["--format", "json", dir.path().to_str().unwrap()],
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    assert_eq!(report["findings"][0]["path"], format!("{name}/app/b.py"));
}

#[test]
fn definitions_that_never_load_together_are_not_duplicates() {
    // Two scripts, each run on its own, each with its own base and users table.
    let own_base = |user: &[u8]| -> Vec<u8> {
        String::from_utf8_lossy(user)
            .replace(
                "from app.db import Base",
                "from sqlalchemy.orm import declarative_base\nBase = declarative_base()",
            )
            .into_bytes()
    };
    let (a, b) = (own_base(USER_A), own_base(USER_B));
    let dir = project(&[("app/__init__.py", b""), ("app/a.py", &a), ("app/b.py", &b)]);
    let output = run(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn one_metadata_with_a_table_twice_is_a_duplicate_even_if_nothing_loads_both() {
    // Both on app.db.Base: whatever imports both (a plugin loader, a test) raises.
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("app/a.py", USER_A),
        ("app/b.py", USER_B),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).starts_with(
            "app/b.py:4:7: DM001 table `users` is defined again by `User`; `User` at app/a.py:4 is \
             the canonical definition; nothing loads both today, but they share one MetaData"
        ),
        "{}",
        stdout(&output)
    );
}

#[test]
fn model_like_code_the_index_cannot_place_is_never_silent() {
    let settings: &[u8] = b"from app.loader import load_settings\nsettings = load_settings()\n";
    let models: &[u8] = b"from sqlalchemy import Column, Integer\nfrom app.settings import settings\n\nclass Tag(settings.Base):\n    __tablename__ = 'tags'\n    id = Column(Integer, primary_key=True)\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/settings.py", settings),
        ("app/models.py", models),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stderr(&output),
        "warning: app/models.py:4: model-like `Tag` not understood: base `settings.Base` could not \
         be resolved to a declarative base\n"
    );
    assert_eq!(
        stdout(&output),
        "Scanned 3 files: 0 tables, 1 model-like definition not understood (see the warnings), no \
         findings in what was understood.\n"
    );
    let json = run(dir.path(), &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(report["summary"]["not_understood"], 1);
    assert_eq!(report["warnings"][0]["line"], 4);
}

#[test]
fn models_take_their_table_name_from_the_cls_of_their_base_or_a_library_base() {
    // `declarative_base(cls=PreBase)`: PreBase is no model, its `__tablename__` names every
    // model on Base. fastapi-users' user table is `user`; a class of that library whose table
    // name the index does not know is listed, whatever its body.
    let db: &[u8] = b"from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base, declared_attr\n\nclass PreBase:\n    @declared_attr\n    def __tablename__(cls):\n        return cls.__name__.lower()\n\n    id = Column(Integer, primary_key=True)\n\nBase = declarative_base(cls=PreBase)\n";
    let user: &[u8] = b"from fastapi_users_db_sqlalchemy import SQLAlchemyBaseUserTable\nfrom fastapi_users_db_sqlalchemy.sessions import SQLAlchemyBaseSessionTable\nfrom app.db import Base\n\nclass User(SQLAlchemyBaseUserTable[int], Base):\n    pass\n\nclass Session(SQLAlchemyBaseSessionTable[int], Base):\n    pass\n";
    let legacy: &[u8] = b"from sqlalchemy import Column, String\nfrom app.db import Base\n\nclass Account(Base):\n    __tablename__ = 'user'\n    email = Column(String)\n\nclass Donation(Base):\n    comment = Column(String)\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", db),
        ("app/user.py", user),
        ("app/legacy.py", legacy),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(
        stderr(&output),
        "warning: app/user.py:8: model-like `Session` not understood: its `__tablename__` comes \
         from `fastapi_users_db_sqlalchemy.sessions.SQLAlchemyBaseSessionTable`, a library class \
         whose table name the index does not know\n"
    );
    let text = stdout(&output);
    assert!(
        text.contains("app/user.py:5:7: DM001 table `user` is defined again by `User`"),
        "{text}"
    );
    assert!(
        text.contains("Scanned 4 files: 2 tables, 1 model-like definition not understood"),
        "{text}"
    );
}

#[test]
fn flask_appbuilder_models_share_its_global_base() {
    // Superset's layout: `from flask_appbuilder import Model`, `metadata = Model.metadata` for
    // association tables, Flask-SQLAlchemy's naming; before, every model was "not understood".
    // `Table("bar", "foo")` is the project's own `sql_parse.Table`, no SQLAlchemy table.
    let core: &[u8] = b"from flask_appbuilder import Model\nfrom sqlalchemy import Column, ForeignKey, Integer, String, Table\n\nmetadata = Model.metadata\n\nslice_user = Table('slice_user', metadata, Column('id', Integer, primary_key=True), Column('slice_id', Integer, ForeignKey('slices.id')))\n\nclass Slice(Model):\n    __tablename__ = 'slices'\n    id = Column(Integer, primary_key=True)\n    name = Column(String(250))\n\nclass KeyValue(Model):\n    id = Column(Integer, primary_key=True)\n";
    let legacy: &[u8] = b"from flask_appbuilder.models.sqla import Model\nfrom sqlalchemy import Column, Integer\n\nclass OldSlice(Model):\n    __tablename__ = 'slices'\n    id = Column(Integer, primary_key=True)\n";
    let parse: &[u8] =
        b"class Table:\n    def __init__(self, table, schema=None):\n        self.table = table\n";
    let test: &[u8] = b"from app.sql_parse import Table\n\ndef test_table():\n    assert Table('bar', 'foo').table == 'bar'\n";
    let dir = project(&[
        ("app/__init__.py", b"from app import core, legacy\n"),
        ("app/core.py", core),
        ("app/legacy.py", legacy),
        ("app/sql_parse.py", parse),
        ("tests/test_sql_parse.py", test),
    ]);
    let output = run(dir.path(), &["--color", "never", "--show-tables"]);
    assert_eq!(stderr(&output), "");
    assert_eq!(
        stdout(&output),
        "app/core.py:6:1: slice_user  `slice_user` (table) on `flask_appbuilder.Model`\n\
         app/core.py:8:7: slices  `Slice` (class) on `flask_appbuilder.Model`\n\
         app/core.py:13:7: key_value  `KeyValue` (class) on `flask_appbuilder.Model`\n\
         app/legacy.py:4:7: slices  `OldSlice` (class) on `flask_appbuilder.Model`\n\
         4 definitions of 3 tables (5 files scanned).\n"
    );
    let check = stdout(&run(dir.path(), &["--color", "never"]));
    assert!(
        check.contains("app/legacy.py:4:7: DM001 table `slices` is defined again by `OldSlice`"),
        "{check}"
    );
}

#[test]
fn a_foreign_key_to_a_column_object_connects_no_metadata() {
    // `ForeignKey(t1.c.id)` holds the column itself; it is no string `"t1.c.id"` naming a table
    // `c` that another base has (SQLAlchemy's own typing tests: a false DM003 claiming
    // NoReferencedTableError, while `t1` is on the same MetaData).
    let core: &[u8] = b"from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table\n\nm = MetaData()\n\nt1 = Table('t1', m, Column('id', Integer, primary_key=True))\n\nt3 = Table('t3', m, Column('t1id', ForeignKey(t1.c.id)))\n";
    let orm: &[u8] = b"from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\nclass C(Base):\n    __tablename__ = 'c'\n    id = Column(Integer, primary_key=True)\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/core.py", core),
        ("app/orm.py", orm),
        ("app/main.py", b"import app.core\nimport app.orm\n"),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(stderr(&output), "");
    assert_eq!(stdout(&output), "Scanned 4 files: 3 tables, no findings.\n");
}

#[test]
fn merged_columns_never_need_an_import_a_script_cannot_find() {
    // `python src/add_supplier.py` loads the canonical as `models.suppliers` with only `src/`
    // on `sys.path`: copying `status` with `from src.enums import Status` would break it.
    let canonical: &[u8] = b"from sqlalchemy import Column, Integer, String\n\nfrom database import Base\n\n\nclass Supplier(Base):\n    __tablename__ = 'suppliers'\n\n    id = Column(Integer, primary_key=True)\n    name = Column(String(80), nullable=False, unique=True)\n    email = Column(String(120))\n";
    let legacy: &[u8] = b"from sqlalchemy import Column, Enum, Integer, String\n\nfrom database import Base\nfrom src.enums import Status\n\n\nclass Supplier(Base):\n    __tablename__ = 'suppliers'\n\n    id = Column(Integer, primary_key=True)\n    name = Column(String(80), nullable=False)\n    status = Column(Enum(Status))\n";
    let script: &[u8] = b"from models.suppliers import Supplier\n\nif __name__ == '__main__':\n    print(Supplier.__table__.name)\n";
    let dir = project(&[
        (
            "pyproject.toml",
            b"[project]\nname = 'depot'\nversion = '0.1.0'\n\n[tool.pytest.ini_options]\npythonpath = ['.', 'src']\n",
        ),
        ("src/__init__.py", b""),
        ("src/database.py", b"from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"),
        ("src/enums.py", b"import enum\n\n\nclass Status(enum.Enum):\n    active = 'active'\n"),
        ("src/models/__init__.py", b""),
        ("src/models/suppliers.py", canonical),
        ("src/models/legacy.py", legacy),
        ("src/api.py", b"from src.models.legacy import Supplier\nfrom src.models.suppliers import Supplier as Current\n"),
        ("src/add_supplier.py", script),
    ]);
    let output = run(
        dir.path(),
        &["--diff", "--merge-columns", "--color", "never"],
    );
    let skipped = stderr(&output);
    assert!(
        skipped.contains("the copied columns need `src.enums`, but `python src/add_supplier.py`"),
        "{skipped}"
    );
    assert!(!stdout(&output).contains("+from src.enums import Status"));
}

#[test]
fn a_sqlmodel_field_built_by_a_helper_is_a_column_the_fix_does_not_lose() {
    // `text: str = TextField()`, a project helper returning `Field(...)`: a column of the table.
    // Uncounted, demo's `Chunk` looked like a subset and the fix replaced it, losing `text`.
    let fields: &[u8] =
        b"from sqlmodel import Field\n\ndef TextField():\n    return Field(default='')\n";
    let models: &[u8] = b"from sqlmodel import Field, SQLModel\n\nclass Chunk(SQLModel, table=True):\n    __tablename__ = 'chunks'\n    id: int = Field(primary_key=True)\n    user_id: int = Field()\n";
    let demo: &[u8] = b"from sqlmodel import Field, SQLModel\nfrom app.fields import TextField\n\nclass Chunk(SQLModel, table=True):\n    __tablename__ = 'chunks'\n    id: int = Field(primary_key=True)\n    text: str = TextField()\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/fields.py", fields),
        ("app/models.py", models),
        ("app/demo.py", demo),
        ("app/main.py", b"import app.demo, app.models\n"),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    let text = stdout(&output);
    assert!(
        text.contains("= only in the canonical `Chunk`: `text`"),
        "{text}"
    );
    let diff = run(dir.path(), &["--color", "never", "--diff"]);
    assert_eq!(stdout(&diff), "");
    assert!(
        stderr(&diff).contains("table `chunks` is not fixed"),
        "{}",
        stderr(&diff)
    );
}

#[test]
fn a_sqlmodel_class_under_a_metaclass_the_index_cannot_read_is_never_silent() {
    // A project metaclass that may turn `table=True` on in a way the index does not read.
    let schema: &[u8] = b"from sqlmodel import SQLModel\nfrom sqlmodel.main import SQLModelMetaclass\nfrom app.options import configure\n\nclass TableModelMeta(SQLModelMetaclass):\n    def __new__(mcs, name, bases, namespace, **kwargs):\n        return super().__new__(mcs, name, bases, namespace, **configure(name, kwargs))\n\nclass TableModel(SQLModel, metaclass=TableModelMeta):\n    pass\n";
    let models: &[u8] = b"from sqlmodel import Field, SQLModel\nfrom app.schema import TableModel\n\nclass Item(TableModel):\n    __tablename__ = 'items'\n    id: int = Field(primary_key=True)\n\nclass ItemRead(TableModel):\n    name: str\n\nclass Plain(SQLModel):\n    id: int = Field(primary_key=True)\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        (
            "app/options.py",
            b"def configure(name, kwargs):\n    return kwargs\n",
        ),
        ("app/schema.py", schema),
        ("app/models.py", models),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(
        stderr(&output),
        "warning: app/models.py:4: model-like `Item` not understood: it is a SQLModel class \
         without `table=True`, but its base `TableModel` has metaclass `TableModelMeta`, which \
         may turn `table=True` on; the index cannot tell whether it is a table\n"
    );
    assert_eq!(
        stdout(&output),
        "Scanned 4 files: 0 tables, 1 model-like definition not understood (see the warnings), no \
         findings in what was understood.\n"
    );
}

#[test]
fn a_computed_schema_that_hides_a_comparison_is_never_silent() {
    // Indico's idiom: `__table_args__` from a project helper. The index cannot tell whether two
    // `logs` tables are one table or two schemas' tables, so it must say it did not compare them.
    let logs: &[u8] = b"from sqlalchemy import Column, Integer\nfrom app.db import Base, table_args\n\n\nclass EventLog(Base):\n    __tablename__ = 'logs'\n    __table_args__ = table_args(schema='events')\n    id = Column(Integer, primary_key=True)\n\n\nclass CategoryLog(Base):\n    __tablename__ = 'logs'\n    __table_args__ = table_args(schema='categories')\n    id = Column(Integer, primary_key=True)\n\n\nclass AuditLog(Base):\n    __tablename__ = 'logs'\n    __table_args__ = {'schema': 'audit'}\n    id = Column(Integer, primary_key=True)\n\n\nclass Item(Base):\n    __tablename__ = 'items'\n    __table_args__ = table_args(schema='shop')\n    id = Column(Integer, primary_key=True)\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        (
            "app/db.py",
            b"from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\ndef table_args(**kwargs):\n    return kwargs\n",
        ),
        ("app/logs.py", logs),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    let warning = |line: u32, class: &str, others: &str| {
        format!(
            "warning: app/logs.py:{line}: model-like `{class}` not understood: its schema cannot \
             be read (its `__table_args__` is computed), so it is not compared with the other \
             definitions of table `logs` on its metadata ({others}); a literal \
             `{{\"schema\": \"...\"}}` in `__table_args__` can be read\n"
        )
    };
    assert_eq!(
        stderr(&output),
        warning(5, "EventLog", "app/logs.py:11, app/logs.py:17")
            + &warning(11, "CategoryLog", "app/logs.py:5, app/logs.py:17")
    );
    assert_eq!(
        stdout(&output),
        "Scanned 3 files: 3 tables, 2 model-like definitions not understood (see the warnings), no \
         findings in what was understood.\n"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn a_module_level_table_with_a_computed_name_is_never_silent() {
    // JupyterHub's role maps: one `Table` per entity, made in a module-level loop. A function's
    // `Table(table_name, ...)` is a tool for any table (a backup, a drop) and no definition.
    let orm: &[u8] = b"from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\nfor entity in ('user', 'group'):\n    Table(\n        f'{entity}_role_map',\n        Base.metadata,\n        Column(f'{entity}_id', ForeignKey(f'{entity}s.id'), primary_key=True),\n    )\n\n\ndef drop(engine, table_name):\n    Table(table_name, MetaData(), Column('id', Integer)).drop(engine)\n";
    let dir = project(&[("app/__init__.py", b""), ("app/orm.py", orm)]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(
        stderr(&output),
        "warning: app/orm.py:7: model-like `Table(f'{entity}_role_map', ...)` not understood: its \
         table name is computed, and the index reads a string literal only\n"
    );
    assert_eq!(
        stdout(&output),
        "Scanned 2 files: 0 tables, 1 model-like definition not understood (see the warnings), no \
         findings in what was understood.\n"
    );
}

#[test]
fn a_path_with_no_python_or_rust_files_is_said() {
    // As ruff's "No Python files found": a mistyped or empty folder is no clean codebase.
    let dir = project(&[
        ("docs/index.md", b"# docs\n"),
        ("app/models.py", b"x = 1\n"),
    ]);
    let output = run(dir.path(), &["--color", "never", "docs", "app"]);
    assert_eq!(
        stderr(&output),
        "warning: docs: no Python or Rust files found under it\n"
    );
    assert_eq!(stdout(&output), "Scanned 1 file: 0 tables, no findings.\n");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn a_table_class_whose_bases_all_look_plain_is_never_silent() {
    // A project class named like SQLModel's, in a package that is not SQLModel: the index does
    // not take it for a declarative base; `table=True` still says it is a table.
    let own: &[u8] = b"from pydantic import BaseModel\n\nclass SQLModel(BaseModel):\n    pass\n";
    let hero = |package: &str| {
        format!("from {package} import SQLModel\n\nclass Hero(SQLModel, table=True):\n    id: int | None = None\n")
    };
    let lookalike = hero("ormlike");
    let dir = project(&[
        ("ormlike/__init__.py", b"from .main import SQLModel\n"),
        ("ormlike/main.py", own),
        ("docs_src/tutorial001.py", lookalike.as_bytes()),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(
        stderr(&output),
        "warning: docs_src/tutorial001.py:3: model-like `Hero` not understood: it declares a \
         table, but none of its bases (`SQLModel`) leads to a declarative base the index knows\n"
    );
    assert!(stdout(&output).contains("1 model-like definition not understood"));
    // SQLModel's own repository: its package is `sqlmodel`, and `from sqlmodel import SQLModel`
    // means what it means to every user of the library.
    let tutorial = hero("sqlmodel");
    let dir = project(&[
        ("sqlmodel/__init__.py", b"from .main import SQLModel\n"),
        ("sqlmodel/main.py", own),
        ("docs_src/tutorial001.py", tutorial.as_bytes()),
    ]);
    let output = run(dir.path(), &["--show-tables", "--color", "never"]);
    assert_eq!(stderr(&output), "");
    assert!(
        stdout(&output)
            .starts_with("docs_src/tutorial001.py:3:7: hero  `Hero` (class) on `SQLModel`"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_sqlmodel_class_with_a_tablename_but_no_table_keyword_is_never_silent() {
    // A `__tablename__` without `table=True` and nothing that passes it: a forgotten keyword.
    // (pytidb's `TableModel`, whose metaclass passes `table=True` to every subclass, is followed:
    // fixture metaclass_table_models.) Schemas without a `__tablename__` stay plain SQLModel
    // classes.
    let schema: &[u8] = b"from sqlmodel import SQLModel\nfrom sqlmodel.main import SQLModelMetaclass\n\n\nclass TableModelMeta(SQLModelMetaclass):\n    def __new__(mcs, name, bases, namespace, **kwargs):\n        if name != \"TableModel\":\n            kwargs.setdefault(\"table\", True)\n        return super().__new__(mcs, name, bases, namespace, **kwargs)\n\n\nclass TableModel(SQLModel, metaclass=TableModelMeta):\n    pass\n";
    let models: &[u8] = b"from sqlmodel import Field, SQLModel\nfrom app.schema import TableModel\n\n\nclass Item(SQLModel):\n    __tablename__ = \"items\"\n    id: int = Field(primary_key=True)\n\n\nclass ItemPublic(SQLModel):\n    id: int\n";
    let dir = project(&[
        ("pyproject.toml", b""),
        ("app/__init__.py", b""),
        ("app/schema.py", schema),
        ("app/models.py", models),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(
        stderr(&output),
        "warning: app/models.py:5: model-like `Item` not understood: it sets `__tablename__` on a \
         SQLModel class without `table=True`: SQLModel makes a table of it only when \
         `table=True` is passed (by the class, or by a metaclass or base the index does not \
         follow)\n"
    );
    assert_eq!(
        stdout(&output),
        "Scanned 3 files: 0 tables, 1 model-like definition not understood (see the warnings), no \
         findings in what was understood.\n"
    );
}

#[test]
fn a_fallback_binding_in_an_except_handler_is_not_the_projects_base() {
    // A public Flask ERP: `try: from src.database import db` with `except ImportError: db =
    // SQLAlchemy()` for a run outside the project. The handler runs only when the import failed;
    // taking its `db` made every model of the module a second base (false DM003) and hid the
    // duplicate `Role` behind it.
    let database: &[u8] = b"from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n";
    let role = |extra: &str| {
        format!(
            "{extra}\n\nclass Role(db.Model):\n    __tablename__ = \"roles\"\n    id = db.Column(db.Integer, primary_key=True)\n    name = db.Column(db.String(50))\n"
        )
    };
    let fallback = role(
        "try:\n    from app.database import db\nexcept ImportError:\n    from flask_sqlalchemy import SQLAlchemy\n\n    db = SQLAlchemy()",
    );
    let plain = role("from app.database import db");
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/database.py", database),
        ("app/admin.py", plain.as_bytes()),
        ("app/user.py", fallback.as_bytes()),
    ]);
    let output = run(dir.path(), &["--color", "never", "--show-tables"]);
    let tables = stdout(&output);
    assert_eq!(
        tables.matches("on `db` (app/database.py:3)").count(),
        2,
        "both `Role`s are on the project's `db`:\n{tables}"
    );
    let output = run(dir.path(), &["--color", "never"]);
    let text = stdout(&output);
    assert!(!text.contains("DM003"), "{text}");
    assert!(
        text.contains("DM001 table `roles` is defined again by `Role`"),
        "{text}"
    );
}

#[test]
fn a_fallback_import_makes_no_root_and_no_second_module_name() {
    // The same ERP: every model module ends its import chain with `except ImportError: from user
    // import db`. Taken as a sign of a root, it put `app/models` on `sys.path`, reported the
    // fallback as a second module name (DM002), and the fix re-exported the canonical class as
    // `from payment import Payment`, which is an ImportError in the app.
    let database: &[u8] = b"from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n";
    let payment = |extra: &str| {
        format!(
            "try:\n    from app.database import db\nexcept ImportError:\n    from user import db\n\n\nclass Payment(db.Model):\n    __tablename__ = \"payments\"\n    id = db.Column(db.Integer, primary_key=True)\n{extra}"
        )
    };
    let canonical = payment("    amount = db.Column(db.Float)\n    note = db.Column(db.Text)\n");
    let copy = payment("    amount = db.Column(db.Float)\n");
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/database.py", database),
        ("app/models/__init__.py", b""),
        ("app/models/user.py", b"from app.database import db\n"),
        ("app/models/payment.py", canonical.as_bytes()),
        ("app/models/supporting.py", copy.as_bytes()),
    ]);
    let text = stdout(&run(dir.path(), &["--color", "never"]));
    assert!(!text.contains("DM002"), "{text}");
    assert!(text.contains("DM001 table `payments`"), "{text}");
    let diff = stdout(&run(dir.path(), &["--diff", "--color", "never"]));
    assert!(
        diff.contains("+from app.models.payment import Payment")
            || diff.contains("+from .payment import Payment"),
        "the re-export names a module the app can import:\n{diff}"
    );
}

#[test]
fn a_canonical_module_that_cannot_be_imported_is_not_re_exported() {
    // The same ERP: the canonical `Payment`'s module imports `app.models.invoice`, a module that
    // no longer exists, so it never imports. Re-exporting it from the copy's module broke that
    // module, which imported before.
    let database: &[u8] = b"from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n";
    let payment = |head: &str, extra: &str| {
        format!(
            "from app.database import db\n{head}\n\nclass Payment(db.Model):\n    __tablename__ = \"payments\"\n    id = db.Column(db.Integer, primary_key=True)\n{extra}"
        )
    };
    let canonical = payment(
        "from app.models.invoice import Invoice",
        "    amount = db.Column(db.Float)\n    note = db.Column(db.Text)\n",
    );
    let copy = payment("", "    amount = db.Column(db.Float)\n");
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/database.py", database),
        ("app/models/__init__.py", b""),
        ("app/models/payment.py", canonical.as_bytes()),
        ("app/models/supporting.py", copy.as_bytes()),
    ]);
    let output = run(dir.path(), &["--diff", "--color", "never"]);
    let (diff, err) = (stdout(&output), stderr(&output));
    assert!(!diff.contains("import Payment"), "{diff}");
    assert!(
        err.contains(
            "app/models/payment.py cannot be imported: it imports `app.models.invoice`, which is no module of the project"
        ),
        "{err}"
    );
}

#[test]
fn a_file_that_may_hold_models_and_does_not_parse_fails_the_check() {
    let dir = project(&[("app/__init__.py", b""), ("app/db.py", DB)]);
    std::fs::write(dir.path().join("app/notes.py"), "def f(:\n    pass\n").unwrap();
    assert_eq!(
        run(dir.path(), &[]).status.code(),
        Some(0),
        "no model in it"
    );
    std::fs::write(
        dir.path().join("app/models.py"),
        "from sqlalchemy import Column\nclass User(Base:\n    id = Column()\n",
    )
    .unwrap();
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "CI must not pass on a model file it could not see"
    );
    assert!(stdout(&output).ends_with(
        "no findings in what was understood (2 files could not be parsed, 1 of them may hold models).\n"
    ));
    let json = run(dir.path(), &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(report["summary"]["unseen_model_files"], 1);
}

#[test]
fn imports_under_type_checking_do_not_load() {
    let main: &[u8] =
        b"import app.a\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import app.b\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("app/a.py", USER_A),
        ("app/b.py", USER_B),
        ("main.py", main),
    ]);
    // Both classes are on one Base, so they are duplicates anyway; but nothing loads both.
    let unloaded = "nothing loads both today";
    assert!(stdout(&run(dir.path(), &[])).contains(unloaded));
    let main: &[u8] = b"import app.a\ndef later():\n    import app.b\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("app/a.py", USER_A),
        ("app/b.py", USER_B),
        ("main.py", main),
    ]);
    let output = run(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        !stdout(&output).contains(unloaded),
        "function-local imports load when called"
    );
}

#[test]
fn a_file_that_does_not_parse_is_a_warning_and_the_scan_goes_on() {
    let dir = duplicated();
    std::fs::write(dir.path().join("broken.py"), "def f(:\n    pass\n").unwrap();
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.starts_with("warning: broken.py:1: could not parse: "),
        "{err}"
    );
    assert!(stdout(&output)
        .ends_with("Scanned 6 files: 1 table, 1 finding (1 file could not be parsed).\n"));
    let json = run(dir.path(), &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(report["warnings"][0]["path"], "broken.py");
    assert_eq!(report["warnings"][0]["line"], 1);
}

#[test]
fn legacy_encodings_and_bom_are_decoded() {
    let latin1: &[u8] = b"# -*- coding: latin-1 -*-\nfrom sqlalchemy import Column, Integer\nfrom app.db import Base\n\nclass User(Base):\n    '''Utilisateur \xe9'''\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n";
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(USER_A);
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("app/a.py", &bom),
        ("app/b.py", latin1),
        ("main.py", MAIN),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("app/b.py:5:7: DM001"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = duplicated();
    assert!(
        !stdout(&run(dir.path(), &[])).contains('\x1b'),
        "not a terminal: no colour"
    );
    assert!(stdout(&run(dir.path(), &["--color", "always"])).contains("\x1b[1;31mDM001\x1b[0m"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dedupe-models"))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains('\x1b'));
}

#[test]
fn configured_excludes_and_roots_are_honoured() {
    let dir = duplicated();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.dedupe-models]\nexclude = [\"app/b.py\"]\n",
    )
    .unwrap();
    assert_eq!(run(dir.path(), &[]).status.code(), Some(0));
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.dedupe-models\nexclude = 3",
    )
    .unwrap();
    let output = run(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("pyproject.toml is not valid TOML"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn virtualenvs_and_ignored_files_are_not_scanned() {
    let dir = duplicated();
    std::fs::write(dir.path().join(".gitignore"), "generated/\n").unwrap();
    std::fs::create_dir_all(dir.path().join("env")).unwrap();
    std::fs::write(dir.path().join("env/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    for copy in [
        "venv/lib/python3.11/site-packages/app/b.py",
        "generated/app/b.py",
        "env/lib/app/b.py",
    ] {
        let path = dir.path().join(copy);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, USER_B).unwrap();
    }
    let output = run(dir.path(), &["--color", "never"]);
    assert!(
        stdout(&output).ends_with("Scanned 5 files: 1 table, 1 finding.\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn the_canonical_choice_can_be_configured() {
    let dir = duplicated();
    let output = run(dir.path(), &["--color", "never"]);
    assert!(
        stdout(&output).starts_with("app/b.py:4:7: DM001"),
        "by score, app/a.py is kept"
    );
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.dedupe-models.canonical]\nusers = \"app.b:User\"\n",
    )
    .unwrap();
    let output = run(dir.path(), &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["findings"][0]["path"], "app/a.py");
    assert_eq!(report["findings"][0]["canonical"]["path"], "app/b.py");
}

#[test]
fn every_conftest_loads_although_all_are_named_conftest() {
    let conftest_a: &[u8] = b"import app.a\n";
    let conftest_b: &[u8] = b"import app.b\n";
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("app/a.py", USER_A),
        ("app/b.py", USER_B),
        ("conftest.py", conftest_a),
        ("tests/conftest.py", conftest_b),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "one test process loads both:\n{}",
        stdout(&output)
    );
}

#[test]
fn the_paths_choose_what_is_reported_and_the_whole_project_is_indexed() {
    // What pre-commit does: it passes the changed files. A duplicate between a changed file and
    // an unchanged one is reported whichever side changed; a file with no finding reports none,
    // after indexing the whole project (a subfolder project rooted from its imports, too).
    let dir = crate::support::repo().join("codemods/duplicate-table/fixtures/monorepo_backend");
    for changed in ["backend/app/users/models.py", "backend/app/auth/models.py"] {
        let output = run(&dir, &["--color", "never", changed]);
        assert_eq!(output.status.code(), Some(1), "{changed}");
        let text = stdout(&output);
        assert!(
            text.starts_with("backend/app/users/models.py:6:7: DM001 table `users` is defined again by `User`; `User` at backend/app/auth/models.py:6"),
            "{changed}: {text}"
        );
        assert!(
            text.ends_with("Scanned 10 files: 1 table, 1 finding.\n"),
            "{changed}: {text}"
        );
    }
    for unrelated in ["backend/app/database.py", "backend/tests/conftest.py"] {
        let output = run(&dir, &["--color", "never", unrelated]);
        assert_eq!(output.status.code(), Some(0), "{unrelated}");
        assert_eq!(
            stdout(&output),
            "Scanned 10 files: 1 table, no findings.\n",
            "{unrelated}"
        );
    }
    let output = run(&dir, &["--color", "never", "backend/app"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_pyproject_that_does_not_apply_to_the_scan_never_stops_it() {
    let dir = duplicated();
    let broken = "[project]\nname = \"{{ cookiecutter.slug }}\"\n{% if cookiecutter.docker %}\n";
    for folder in ["vendor/tool", "templates/service"] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        std::fs::write(dir.path().join(folder).join("pyproject.toml"), broken).unwrap();
    }
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.dedupe-models]\nexclude = [\"vendor\"]\n",
    )
    .unwrap();
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).ends_with("Scanned 5 files: 1 table, 1 finding.\n"),
        "{}",
        stdout(&output)
    );
    // The excluded one is not read at all; the other is a warning.
    assert_eq!(
        stderr(&output),
        "warning: templates/service/pyproject.toml: not valid TOML (invalid key); the settings of this project are ignored\n"
    );
}

#[test]
fn show_tables_lists_every_definition_and_its_base() {
    let dir = duplicated();
    let output = run(dir.path(), &["--show-tables"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "app/a.py:4:7: users  `User` (class) on `Base` (app/db.py:2)\n\
         app/b.py:4:7: users  `User` (class) on `Base` (app/db.py:2)\n\
         2 definitions of 1 table (5 files scanned).\n"
    );
    let output = run(dir.path(), &["--show-tables", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let tables = json["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[1]["path"], "app/b.py");
    assert_eq!(tables[1]["kind"], "class");
    assert_eq!(tables[1]["base"]["line"], 2);
    let output = run(dir.path(), &["--show-tables", "--fix", "--yes"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn show_tables_lists_rust_definitions_by_their_module_path() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("codemods/duplicate-table/fixtures/seaorm_entity_copy");
    let output = run(&fixture, &["--show-tables"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "entity/src/posts.rs:5:1: posts  `entity::posts` (sea-orm)\n\
         entity/src/users.rs:5:1: users  `entity::users` (sea-orm)\n\
         service/src/entities/users.rs:3:1: users  `service::entities::users` (sea-orm)\n\
         3 definitions of 2 tables (8 files scanned).\n"
    );
    let fixture = fixture.with_file_name("diesel_two_schemas");
    let output = run(&fixture, &["--show-tables", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let tables = json["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 4);
    assert_eq!(tables[0]["path"], "api/src/schema.rs");
    assert_eq!(tables[0]["symbol"], "api::schema::posts");
    assert_eq!(tables[0]["kind"], "diesel");
    assert!(tables[0]["base"].is_null());
}

/// `--select`, `--ignore` and the PATHs choose the Rust findings that are reported and fixed, as
/// they do the Python ones: `--ignore DM001 --diff` printed the Rust fix of the DM001 it hid, and
/// a `.rs` file named as a PATH was parsed as Python ("could not parse").
#[test]
fn rules_and_paths_choose_what_the_rust_fix_rewrites() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("codemods/duplicate-table/fixtures/diesel_leftover_block");
    let diff = |args: &[&str]| {
        let mut all = vec!["--diff", "--color", "never"];
        all.extend_from_slice(args);
        let output = run(&fixture, &all);
        (output.status.code(), stdout(&output), stderr(&output))
    };
    let (code, whole, err) = diff(&[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(whole.starts_with("--- a/src/models.rs\n"), "{whole}");
    assert_eq!(
        diff(&["--ignore", "DM001"]),
        (Some(0), String::new(), String::new())
    );
    assert_eq!(
        diff(&["--select", "DM004"]),
        (Some(0), String::new(), String::new())
    );
    // The duplicate `table!` block is in src/models.rs; src/queries.rs has no finding.
    assert_eq!(diff(&["src/models.rs"]), (Some(1), whole, String::new()));
    assert_eq!(
        diff(&["src/queries.rs"]),
        (Some(0), String::new(), String::new())
    );
    let output = run(&fixture, &["--color", "never", "src/queries.rs"]);
    assert_eq!(
        (output.status.code(), stdout(&output), stderr(&output)),
        (
            Some(0),
            "Scanned 4 files: 1 table, no findings.\n".to_owned(),
            String::new()
        )
    );
    let copy = tempfile::tempdir().unwrap();
    crate::support::copy_tree(&fixture, copy.path());
    let before = crate::support::tree(copy.path());
    let output = run(
        copy.path(),
        &["--fix", "--yes", "--allow-no-vcs", "--ignore", "DM001"],
    );
    assert_eq!(stdout(&output), "No file was changed.\n");
    assert_eq!(crate::support::tree(copy.path()), before);
}

/// Two programs (scripts with `if __name__ == "__main__":` that nothing imports) never share a
/// process, so one MetaData in both is no clash; a program and a module of the app may one day
/// (a script that imports the app), so that one is a DM001.
#[test]
fn two_programs_on_one_metadata_are_no_duplicate_but_a_program_and_the_app_are() {
    let hero = |extra: &str| {
        format!("from typing import Optional\n\nfrom sqlmodel import Field, SQLModel\n\n\nclass Hero(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n    name: str\n{extra}")
    };
    let main = "\n\ndef main():\n    print(Hero(name=\"x\"))\n\n\nif __name__ == \"__main__\":\n    main()\n";
    let one = hero(main);
    let two = hero(&format!("    age: Optional[int] = None\n{main}"));
    let dir = project(&[
        ("docs_src/tutorial001.py", one.as_bytes()),
        ("docs_src/tutorial002.py", two.as_bytes()),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(
        (output.status.code(), stdout(&output)),
        (
            Some(0),
            "Scanned 2 files: 1 table, no findings.\n".to_owned()
        )
    );
    // The same copy in the app's models, which the app imports.
    let app = hero("");
    std::fs::create_dir_all(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("app/__init__.py"), "").unwrap();
    std::fs::write(dir.path().join("app/models.py"), app).unwrap();
    std::fs::write(
        dir.path().join("app/main.py"),
        "from app.models import Hero\n",
    )
    .unwrap();
    let output = run(dir.path(), &["--color", "never", "--select", "DM001"]);
    let text = stdout(&output);
    assert_eq!(text.matches(": DM001 ").count(), 2, "{text}");
    assert!(text.contains("nothing loads both today"), "{text}");
}

/// A test that imports a program to test it loads that program's tables as the program does:
/// no clash with another program. But the suite is still one process: two programs it imports
/// are loaded together (pytest's collection raises `already defined`), and the models a test
/// imports itself are the app's, which a program may import one day.
#[test]
fn a_suite_meets_what_it_loads_together_and_what_it_imports_itself() {
    let hero = |extra: &str| {
        format!("from typing import Optional\n\nfrom sqlmodel import Field, SQLModel\n\n\nclass Hero(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n    name: str\n{extra}")
    };
    let main = "\n\nif __name__ == \"__main__\":\n    print(Hero(name=\"x\"))\n";
    let served = "\n\napp = FastAPI()\n";
    let app_one = format!("from fastapi import FastAPI\n{}", hero(served));
    let app_two = format!(
        "from fastapi import FastAPI\n{}",
        hero(&format!("    age: Optional[int] = None\n{served}"))
    );
    let script = hero(main);
    let dir = project(&[
        ("docs_src/__init__.py", b""),
        ("docs_src/one/__init__.py", b""),
        ("docs_src/one/main.py", app_one.as_bytes()),
        ("docs_src/two/__init__.py", b""),
        ("docs_src/two/main.py", app_two.as_bytes()),
        ("docs_src/script.py", script.as_bytes()),
        ("tests/__init__.py", b""),
        (
            "tests/test_one.py",
            b"from docs_src.one import main\n\n\ndef test_app():\n    assert main.app\n",
        ),
    ]);
    let output = run(dir.path(), &["--color", "never"]);
    assert_eq!(
        (output.status.code(), stdout(&output)),
        (
            Some(0),
            "Scanned 8 files: 1 table, no findings.\n".to_owned()
        )
    );
    // A second test imports the other application: the suite loads both (the script stays
    // out: no process loads it with either).
    std::fs::write(
        dir.path().join("tests/test_two.py"),
        "from docs_src.two.main import app\n\n\ndef test_app():\n    assert app\n",
    )
    .unwrap();
    let output = run(dir.path(), &["--color", "never", "--select", "DM001"]);
    let text = stdout(&output);
    assert_eq!(text.matches(": DM001 ").count(), 1, "{text}");
    assert!(
        text.starts_with("docs_src/one/main.py:7:7: DM001 table `hero` is defined again by `Hero`; `Hero` at docs_src/two/main.py:7 is the canonical definition\n"),
        "{text}"
    );
    // Without it, a test that imports a module of models itself: the app's models, even when
    // the module does work at its top level (as a script nothing imports would).
    std::fs::remove_file(dir.path().join("tests/test_two.py")).unwrap();
    let models = hero("\n\nprint(Hero.__table__)\n");
    std::fs::write(dir.path().join("docs_src/models.py"), models).unwrap();
    std::fs::write(
        dir.path().join("tests/test_models.py"),
        "from docs_src.models import Hero\n\n\ndef test_hero():\n    assert Hero\n",
    )
    .unwrap();
    let output = run(dir.path(), &["--color", "never", "--select", "DM001"]);
    let text = stdout(&output);
    // All four definitions: the app's models meet each program's copy.
    assert_eq!(text.matches(": DM001 ").count(), 3, "{text}");
    assert!(text.contains("nothing loads both today"), "{text}");
}

/// On a MetaData the project defines, two programs are parts of one app: a copy of a table in a
/// second script is a duplicate, as a copy anywhere else is.
#[test]
fn two_programs_on_the_projects_own_metadata_are_a_duplicate() {
    let script = |extra: &str| {
        format!("from sqlalchemy import Column, Integer, String\n\nfrom app.db import Base\n\n\nclass User(Base):\n    __tablename__ = \"users\"\n    id = Column(Integer, primary_key=True)\n{extra}\n\nif __name__ == \"__main__\":\n    print(User.__table__)\n")
    };
    let one = script("");
    let two = script("    email = Column(String)\n");
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", DB),
        ("run.py", one.as_bytes()),
        ("migrate_users.py", two.as_bytes()),
    ]);
    let output = run(dir.path(), &["--color", "never", "--select", "DM001"]);
    let text = stdout(&output);
    assert!(
        text.starts_with("run.py:6:7: DM001 table `users` is defined again by `User`; `User` at migrate_users.py:6 is the canonical definition; nothing loads both today"),
        "{text}"
    );
}

#[test]
fn the_fix_with_paths_covers_only_the_findings_they_report() {
    // Two unrelated duplicates; the PATH names one. Its fix rewrites the importer outside the
    // PATH that the fix needs (app/service.py), and leaves the other duplicate alone.
    let db = "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n";
    let model = |class: &str, table: &str| {
        format!("from sqlalchemy import Column, Integer\n\nfrom app.db import Base\n\n\nclass {class}(Base):\n    __tablename__ = \"{table}\"\n    id = Column(Integer, primary_key=True)\n")
    };
    // The copies in app/ have one more column: they are the canonical definitions.
    let canonical =
        |class: &str, table: &str| model(class, table) + "    number = Column(Integer)\n";
    let (user, old_user) = (canonical("User", "users"), model("User", "users"));
    let (order, old_order) = (canonical("Order", "orders"), model("Order", "orders"));
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/db.py", db.as_bytes()),
        ("app/users.py", user.as_bytes()),
        ("app/orders.py", order.as_bytes()),
        ("app/legacy/__init__.py", b""),
        ("app/legacy/users.py", old_user.as_bytes()),
        ("app/legacy/orders.py", old_order.as_bytes()),
        (
            "app/service.py",
            b"from app.legacy.orders import Order\nfrom app.legacy.users import User\n\nMODELS = [Order, User]\n",
        ),
    ]);
    let output = run(
        dir.path(),
        &["--diff", "--color", "never", "app/legacy/users.py"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let diff = stdout(&output);
    assert!(diff.contains("+++ b/app/legacy/users.py\n"), "{diff}");
    assert!(
        diff.contains("-from app.legacy.users import User\n+from app.users import User\n"),
        "{diff}"
    );
    assert!(!diff.contains("+++ b/app/legacy/orders.py"), "{diff}");
    assert!(!diff.contains("-from app.legacy.orders"), "{diff}");
    assert!(!stderr(&output).contains("Order"), "{}", stderr(&output));

    let output = run(
        dir.path(),
        &["--fix", "--yes", "--allow-no-vcs", "app/legacy/users.py"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "Fixed 2 files.\n", "{}", stderr(&output));
    let read = |path: &str| std::fs::read_to_string(dir.path().join(path)).unwrap();
    assert_eq!(read("app/legacy/orders.py"), old_order);
    assert_eq!(
        read("app/service.py"),
        "from app.legacy.orders import Order\nfrom app.users import User\n\nMODELS = [Order, User]\n"
    );
    // The other duplicate is still there for a run over the whole project.
    let output = run(dir.path(), &["--color", "never"]);
    let text = stdout(&output);
    assert!(
        text.starts_with("app/legacy/orders.py:6:7: DM001 table `orders`"),
        "{text}"
    );
    assert!(text.ends_with("1 finding.\n"), "{text}");
}

/// SeaORM's `issues/630`: a hand copy of a generated entity whose file also holds a `#[cfg(test)]
/// mod tests`. A re-export in place of the file would delete the tests, so the copy is left
/// with a `skipped:` line naming them (before, the fix replaced the whole file). `--diff
/// issues/630`, where `sea_orm` is not scanned and resolves as a relative path, once panicked
/// on the `use sea_orm::Iterable;` in those tests.
#[test]
fn a_duplicate_entity_file_with_its_own_tests_is_not_replaced() {
    let entity = |extra: &str| {
        format!("use sea_orm::entity::prelude::*;\n\n#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n#[sea_orm(table_name = \"underscores\")]\npub struct Model {{\n    #[sea_orm(primary_key)]\n    pub id: u32,\n    pub a_b: i32,\n}}\n\n#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\npub enum Relation {{}}\n\nimpl ActiveModelBehavior for ActiveModel {{}}\n{extra}")
    };
    let generated = format!(
        "//! SeaORM Entity. @generated by sea-orm-codegen 0.6.0\n\n{}",
        entity("")
    );
    let copy = entity("\n#[cfg(test)]\nmod tests {\n    use sea_orm::Iterable;\n\n    #[test]\n    fn columns() {\n        assert_eq!(super::Column::iter().count(), 2);\n    }\n}\n");
    let dir = entity_crate(
        "issue",
        ("underscores", &generated),
        ("underscores_workaround", &copy),
    );
    let output = run(dir.path(), &["--diff", "--color", "never"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains(
            "skipped: src/entity/underscores_workaround.rs:3: table `underscores` left as it is: its module also holds `mod tests`, which a re-export would cut off\n"
        ),
        "{}",
        stderr(&output)
    );
    let check = run(dir.path(), &["--color", "never"]);
    assert_eq!(check.status.code(), Some(1));
}

/// A binary crate `package` on SeaORM whose `src/entity/` holds two entity modules, each
/// `(module name, source)`.
fn entity_crate(
    package: &str,
    (first, first_source): (&str, &str),
    (second, second_source): (&str, &str),
) -> tempfile::TempDir {
    let manifest = format!("[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nsea-orm = \"1\"\n");
    let modules = format!("pub mod {first};\npub mod {second};\n");
    let (first_path, second_path) = (
        format!("src/entity/{first}.rs"),
        format!("src/entity/{second}.rs"),
    );
    project(&[
        ("Cargo.toml", manifest.as_bytes()),
        ("src/main.rs", b"mod entity;\n\nfn main() {}\n"),
        ("src/entity/mod.rs", modules.as_bytes()),
        (&first_path, first_source.as_bytes()),
        (&second_path, second_source.as_bytes()),
    ])
}

/// A duplicate entity file whose `ActiveModelBehavior` has hooks of its own, or that holds a
/// macro call, `pub use` or `macro_rules!`: a re-export of the canonical would drop them.
#[test]
fn a_duplicate_entity_file_with_hooks_or_other_items_is_not_replaced() {
    let entity = |behavior: &str, extra: &str| {
        format!("use sea_orm::entity::prelude::*;\n\n#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n#[sea_orm(table_name = \"posts\")]\npub struct Model {{\n    #[sea_orm(primary_key)]\n    pub id: u32,\n}}\n\n#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\npub enum Relation {{}}\n\nimpl ActiveModelBehavior for ActiveModel {behavior}\n{extra}")
    };
    let generated = format!(
        "//! SeaORM Entity. @generated by sea-orm-codegen 0.6.0\n\n{}",
        entity("{}", "")
    );
    let copy = entity(
        "{\n    fn new() -> Self {\n        Self::default()\n    }\n}",
        "\npub use super::posts::Model as Post;\n\nmacro_rules! post {\n    () => {};\n}\n\nsea_orm::include_migrations!();\n",
    );
    let dir = entity_crate("blog", ("posts", &generated), ("posts_copy", &copy));
    let output = run(dir.path(), &["--diff", "--color", "never"]);
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "skipped: src/entity/posts_copy.rs:3: table `posts` left as it is: its module also holds \
         `impl ActiveModelBehavior for ActiveModel` with methods of its own, `pub use \
         super::posts::Model as Post`, `macro_rules! post {`, `sea_orm::include_migrations!`, \
         which a re-export would cut off\n"
    );
}

/// SeaORM's `issues/352`: entities for one table name whose primary keys differ. A re-export of
/// the six-key entity in place of the one-key one would break every `find_by_id(1)`.
#[test]
fn a_duplicate_entity_with_another_primary_key_is_not_replaced() {
    let entity = |keys: usize| {
        let fields: String = (1..=3)
            .map(|i| {
                let key = if i <= keys {
                    "    #[sea_orm(primary_key, auto_increment = false)]\n"
                } else {
                    ""
                };
                format!("{key}    pub id_{i}: i32,\n")
            })
            .collect();
        format!("use sea_orm::entity::prelude::*;\n\n#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n#[sea_orm(table_name = \"model\")]\npub struct Model {{\n{fields}}}\n\n#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\npub enum Relation {{}}\n\nimpl ActiveModelBehavior for ActiveModel {{}}\n")
    };
    let (unary, ternary) = (entity(1), entity(3));
    let manifest = "[package]\nname = \"keys\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nsea-orm = \"1\"\n";
    let dir = project(&[
        ("Cargo.toml", manifest.as_bytes()),
        ("src/main.rs", b"mod ternary;\nmod unary;\n\nfn main() {}\n"),
        ("src/unary.rs", unary.as_bytes()),
        ("src/ternary.rs", ternary.as_bytes()),
    ]);
    let output = run(dir.path(), &["--diff", "--color", "never"]);
    assert_eq!(stdout(&output), "");
    let skipped = stderr(&output);
    assert!(
        skipped.contains(
            "table `model` left as it is: its primary key (id_1) differs from the canonical's at \
             src/ternary.rs:3 (id_1, id_2, id_3); code that finds rows by key would stop \
             compiling, so decide which key is right first\n"
        ),
        "{skipped}"
    );
}
