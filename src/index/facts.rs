//! What one file says about imports and models, extracted once from its syntax tree so that the
//! tree can be dropped. Offsets are byte offsets into the decoded text; later stages resolve names
//! across files.

use super::table_name::NameRule;

pub type Span = (u32, u32);

/// A name or a short piece of source kept in the facts: identifiers, dotted paths, column types.
/// Up to 24 bytes live inline, without an allocation of their own: most of what the facts hold,
/// for every file of the project, for the whole run.
pub type Name = compact_str::CompactString;

#[derive(Debug, Default)]
pub struct FileFacts {
    pub imports: Vec<ImportSite>,
    /// Module-level names and what they are bound to (the last binding wins, as at run time).
    pub bindings: Bindings,
    pub classes: Vec<ClassFacts>,
    pub tables: Vec<TableCall>,
    pub decls: Vec<Decl>,
    /// Module-level functions whose return value may be a base (`def versioned_base(...)`).
    pub functions: Vec<FunctionFacts>,
    pub create_alls: Vec<CreateAll>,
    /// Model-like classes and `Table(...)` calls inside functions, and `Table(...)` calls with a
    /// computed name: what the index does not read.
    pub nested_models: Vec<NestedModel>,
    /// Module-level `warnings.filterwarnings(...)` statements that silence SQLAlchemy's
    /// duplicate-class and duplicate-table warnings: band-aids too.
    pub warning_filters: Vec<Span>,
    /// Module-level imperative mappings of a plain class onto a `Table`.
    pub imperative_maps: Vec<ImperativeMap>,
    /// A module-level `if __name__ == "__main__":`: the file is meant to run as a program.
    pub main_guard: bool,
    /// Work at its top level beyond defining things, a call or a loop (`create_all(engine)`,
    /// `main()`, `app.run()`): importing the module runs it.
    pub works_at_import: bool,
    /// Builds a web application at its top level (`app = FastAPI()`, `app = Flask(__name__)`):
    /// a server (`uvicorn main:app`, `flask run`) runs it in a process of its own.
    pub serves_app: bool,
    /// Statements that are a string and nothing else, at any depth: docstrings. A name they
    /// mention is no use of it (`"""Return the value as a String."""` keeps no import alive).
    pub string_statements: Vec<Span>,
}

impl FileFacts {
    /// Gives back the room the vectors grew into while extracting: the facts of every file are
    /// kept for the whole run, and that slack is a large part of its peak memory.
    pub fn shrink_to_fit(&mut self) {
        for site in &mut self.imports {
            site.names.shrink_to_fit();
        }
        self.imports.shrink_to_fit();
        for class in &mut self.classes {
            class.columns.shrink_to_fit();
            class.relationships.shrink_to_fit();
            class.annotated_fields.shrink_to_fit();
        }
        self.classes.shrink_to_fit();
        self.tables.shrink_to_fit();
        self.decls.shrink_to_fit();
        self.functions.shrink_to_fit();
        self.nested_models.shrink_to_fit();
        self.string_statements.shrink_to_fit();
        self.create_alls.shrink_to_fit();
        self.warning_filters.shrink_to_fit();
        self.imperative_maps.shrink_to_fit();
    }
}

/// A file's module-level names, sorted for lookup. Not a hash map: every file's bindings live for
/// the whole run, and a hash map's spare buckets were the largest part of the facts' memory.
#[derive(Debug, Default)]
pub struct Bindings(Vec<(Name, Binding)>);

impl Bindings {
    /// From the bindings in the order the module makes them: the last one of a name wins.
    pub fn from_ordered(bindings: Vec<(Name, Binding)>) -> Bindings {
        // Positions sorted by name, the last binding of each name first, then one per name: a
        // sort of the bindings themselves (72 bytes each, stable) was a quarter of the
        // extraction's time.
        let name = |i: u32| bindings[i as usize].0.as_str();
        let mut order: Vec<u32> = (0..bindings.len() as u32).collect();
        order.sort_unstable_by(|&i, &j| name(i).cmp(name(j)).then(j.cmp(&i)));
        order.dedup_by(|later, kept| name(*later) == name(*kept));
        let mut slots: Vec<Option<(Name, Binding)>> = bindings.into_iter().map(Some).collect();
        let mut sorted = Vec::with_capacity(order.len());
        sorted.extend(order.into_iter().filter_map(|i| slots[i as usize].take()));
        Bindings(sorted)
    }

    pub fn get(&self, name: &str) -> Option<&Binding> {
        self.0
            .binary_search_by(|(key, _)| (**key).cmp(name))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// One `import ...` or `from ... import ...` statement, wherever it stands.
#[derive(Debug, Clone)]
pub struct ImportSite {
    pub stmt: Span,
    pub is_from: bool,
    /// Dots of a relative `from` import; 0 for absolute ones.
    pub level: u32,
    /// The `from` module; `None` for `from . import x` and for plain `import` statements.
    pub module: Option<Name>,
    /// Where the `from` module is written (`src.pkg.models` in `from src.pkg.models import X`).
    pub module_span: Option<Span>,
    pub names: Vec<ImportedName>,
    pub type_checking: bool,
    pub in_function: bool,
    /// In an `except` handler: runs only when its `try` body failed (`except ImportError: from
    /// models import db`), a fallback for runs outside the project's own layout.
    pub fallback: bool,
    /// In the body of a `try` that has handlers: a failure there is caught.
    pub guarded: bool,
}

#[derive(Debug, Clone)]
pub struct ImportedName {
    /// The imported module (plain `import`) or the imported attribute (`from`); `*` for star imports.
    pub name: Name,
    pub asname: Option<Name>,
    /// The whole `name as asname`.
    pub span: Span,
    /// Just `name`.
    pub name_span: Span,
}

#[derive(Debug, Clone)]
pub enum Binding {
    /// `import a.b as m` binds `m` to `a.b`; `import a.b` binds `a` to `a`.
    Module(Name),
    /// `from m import n as x`: index of the import site and the imported name.
    FromImport {
        site: usize,
        name: Name,
    },
    Class(usize),
    Decl(usize),
    Table(usize),
    /// A module-level function: index into `FileFacts::functions`.
    Function(usize),
    /// `Base = db.Model`, `Model = Base`: another dotted name.
    Alias(Name),
    /// `CAMEL_TO_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")`: the pattern, for table name rules.
    Pattern(Name),
    Other,
}

/// An object that owns a class registry or a MetaData: `declarative_base()`, `registry()`,
/// `reg.generate_base()`, `MetaData()`, Flask-SQLAlchemy's `SQLAlchemy()`; or a module-level
/// call that may build one (`DeclKind::Call`).
#[derive(Debug, Clone)]
pub struct Decl {
    /// The bound name; `Class.attr` for one held on a class (`class Settings: Base = ...`).
    pub name: Name,
    pub stmt: Span,
    pub kind: DeclKind,
    pub metadata: MetadataArg,
    /// The callee of a `DeclKind::Call`, as written (`SA`, `AppSQLAlchemy`, `versioned_base`).
    pub callee: Name,
    /// The `cls=` class of `declarative_base(cls=PreBase)` / `reg.generate_base(cls=PreBase)`:
    /// not a model, but every model on the base inherits its `__tablename__` and columns.
    pub cls: Option<Name>,
}

/// The web application classes a server runs, by the module they are imported from.
const WEB_APPS: &[(&str, &str)] = &[
    ("fastapi", "FastAPI"),
    ("flask", "Flask"),
    ("starlette.applications", "Starlette"),
    ("quart", "Quart"),
    ("litestar", "Litestar"),
    ("sanic", "Sanic"),
];

impl FileFacts {
    /// Whether the module is meant to run as a program of its own: an `if __name__ ==
    /// "__main__":` block, work at its top level, or a web application a server runs.
    pub fn runs_as_program(&self) -> bool {
        self.main_guard || self.works_at_import || self.serves_app
    }

    /// Whether `callee`, as written in this module (`FastAPI`, `fastapi.FastAPI`, `fa.FastAPI`),
    /// is a web application class, through the module's own imports.
    pub fn is_web_app_class(&self, callee: &str) -> bool {
        let is_app = |module: &str, class: &str| WEB_APPS.contains(&(module, class));
        let sites = self
            .imports
            .iter()
            .filter(|s| s.level == 0 && !s.type_checking && !s.in_function);
        match callee.rsplit_once('.') {
            None => sites
                .filter_map(|s| Some((s.module.as_deref()?, &s.names)))
                .any(|(module, names)| {
                    names.iter().any(|n| {
                        n.asname.as_deref().unwrap_or(&n.name) == callee && is_app(module, &n.name)
                    })
                }),
            Some((prefix, class)) => sites.filter(|s| !s.is_from).any(|s| {
                s.names.iter().any(|n| match &n.asname {
                    Some(alias) => alias == prefix && is_app(&n.name, class),
                    None => n.name == prefix && is_app(prefix, class),
                })
            }),
        }
    }

    /// A module-level `import streamlit` / `from streamlit import ...`: a script `streamlit run`
    /// executes as a program, again in the same process on every rerun.
    pub fn imports_streamlit(&self) -> bool {
        let is_streamlit = |m: &str| m == "streamlit" || m.starts_with("streamlit.");
        self.imports.iter().any(|site| {
            !site.in_function
                && !site.type_checking
                && match &site.module {
                    Some(module) => site.level == 0 && is_streamlit(module),
                    None => !site.is_from && site.names.iter().any(|n| is_streamlit(&n.name)),
                }
        })
    }
}

impl Decl {
    /// Held on a class body rather than bound at module level.
    pub fn is_held(&self) -> bool {
        self.name.contains('.')
    }
}

/// A module-level function, kept only when what it returns may be a base or a table name.
#[derive(Debug, Clone)]
pub struct FunctionFacts {
    pub name: Name,
    pub returns: Returned,
}

/// What a function returns, as far as one file can tell.
#[derive(Debug, Clone)]
pub enum Returned {
    /// `return factory(...)`, or a local bound to it: the callee, and its `metadata=` argument.
    Call {
        callee: Name,
        metadata: Option<Name>,
    },
    /// A class defined in the function: its first base (`class _Base(Base): ...; return _Base`).
    SubclassOf(Name),
    /// A name of the module (`return Base`).
    Name(Name),
    /// A class defined in the function with `@as_declarative(metadata=...)`: a new base on that
    /// metadata (`None`: its own).
    Declarative { metadata: Option<Name> },
    /// A function of one string that computes a table name from it (`resolve_table_name(name)`):
    /// its rule, `ClassName` standing for the argument.
    TableName(NameRule),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclKind {
    DeclarativeBase,
    Registry,
    GenerateBase,
    MetaData,
    FlaskSqlalchemy,
    /// A call the index resolves across files: an aliased factory (`SA()`, `make_base()`), a
    /// subclass of `SQLAlchemy`, a project function that returns a base, an instance of a
    /// project class that holds one.
    Call,
}

/// The `metadata=` a base is built with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MetadataArg {
    #[default]
    Own,
    /// `metadata=md`, or for `generate_base` the registry it is called on.
    Ref(Name),
    /// `MetaData(schema="x")` built in place.
    Inline { schema: Option<Name> },
}

#[derive(Debug, Clone)]
pub struct ClassFacts {
    pub name: Name,
    /// From the first decorator to the end of the body.
    pub span: Span,
    pub name_offset: u32,
    pub bases: Vec<Name>,
    /// SQLModel's `table=True`.
    pub table_kw: bool,
    pub decorators: Vec<Name>,
    pub tablename: Option<TableName>,
    pub table_args: Option<TableArgs>,
    pub table_attr: Option<TableAttr>,
    pub is_abstract: bool,
    pub bind_key: Option<Name>,
    /// `metadata = MetaData(...)` in a `DeclarativeBase` subclass.
    pub metadata: Option<MetadataArg>,
    pub columns: Vec<Column>,
    pub relationships: Vec<Relationship>,
    /// Plain annotations (`name: str`), columns only for SQLModel classes.
    pub annotated_fields: Vec<Column>,
    pub mapped_typing: bool,
    pub in_tests: bool,
    /// Its body has what only a model has: `__tablename__`, `__table__`, `table=True`, `Column` /
    /// `mapped_column` attributes or `Mapped[...]` annotations. Such a class that the index
    /// cannot tie to a metadata is reported as not understood.
    pub looks_like_model: bool,
    /// `__tablename__ = user_table.name`: the expression naming the `Table` (`user_table`).
    pub tablename_of: Option<Name>,
    /// The class body's own `__tablename__ = ...` statement, whatever its value.
    pub tablename_stmt: Option<Span>,
    /// The `metaclass=` keyword of the class statement, as written.
    pub metaclass: Option<Name>,
    /// This class is a metaclass whose `__new__` turns SQLModel's `table=True` on for the
    /// classes it builds (`kwargs.setdefault("table", True)`, `kwargs["table"] = True`).
    pub sets_table: bool,
}

/// A model-like class or `Table("name", ...)` call inside a function, or a `Table(...)` call
/// anywhere whose table name is computed: definitions the index does not read.
#[derive(Debug, Clone)]
pub struct NestedModel {
    pub offset: u32,
    /// The class name, the table name of a `Table(...)` call, or its source when computed.
    pub name: Name,
    /// The enclosing function; none for a module-level `Table(...)` whose name is computed
    /// (`f"{entity}_role_map"`), whose source `name` then holds.
    pub function: Option<Name>,
    /// A `Table(...)` call's callee (`Table`, `sa.Table`, `db.Table`); none for a class.
    pub callee: Option<Name>,
}

#[derive(Debug, Clone)]
pub enum TableName {
    Literal {
        value: Name,
        span: Span,
    },
    /// A `@declared_attr` computed from the class name.
    Rule(NameRule),
    /// Something we cannot evaluate (a `declared_attr` returning `None` for some classes, ...),
    /// with the reason where one is known (`uses re.sub(...), which is not ...`).
    Unknown(Option<String>),
}

#[derive(Debug, Clone)]
pub enum TableAttr {
    /// `__table__ = Table(...)`: index into `FileFacts::tables`.
    Call(usize),
    /// `__table__ = some_table`: maps a table defined elsewhere.
    Existing,
}

#[derive(Debug, Clone, Default)]
pub struct TableArgs {
    pub stmt: Span,
    pub schema: Option<Name>,
    /// False when the schema cannot be read (a computed value).
    pub known: bool,
    pub flags: Vec<BandAid>,
    pub constraints: Vec<Constraint>,
    pub reflected: bool,
}

/// `extend_existing`, `keep_existing` or `useexisting`.
#[derive(Debug, Clone)]
pub struct BandAid {
    pub flag: Name,
    /// The `key: value` dict entry or the `key=value` keyword.
    pub span: Span,
    /// The edits that remove the flag and leave everything else as it was: the entry, the dict
    /// it leaves empty, the `__table_args__` it leaves empty.
    pub removal: Vec<TextEdit>,
    /// Where `removal` deletes the whole `__table_args__` statement: the edits that keep it as
    /// `__table_args__ = {}` instead, for a class whose statement overrides a parent's
    /// `__table_args__` (deleting it would let the parent's constraints apply).
    pub emptied: Vec<TextEdit>,
}

/// A replacement of `start..end` by `content`, in byte offsets of the decoded text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TextEdit {
    pub start: u32,
    pub end: u32,
    pub content: String,
}

#[derive(Debug, Clone)]
pub struct Constraint {
    pub kind: Name,
    pub span: Span,
    pub fk_targets: Vec<Name>,
    /// The columns it names (`UniqueConstraint("a", "b")`, `Index("ix", "a")`,
    /// `PrimaryKeyConstraint("a", "b")`; the local columns of a `ForeignKeyConstraint`).
    pub columns: Vec<Name>,
    /// `Index(..., unique=True)`.
    pub unique: bool,
    /// `ondelete=` and `onupdate=` of a `ForeignKeyConstraint`, as `ondelete=CASCADE`.
    pub fk_options: Vec<Name>,
}

#[derive(Debug, Clone)]
pub struct Column {
    /// The attribute name on the class (or the column name of a `Table`).
    pub attr: Name,
    /// The database column name.
    pub name: Name,
    pub span: Span,
    pub type_text: Option<Name>,
    pub foreign_key: Option<Name>,
    /// The foreign key is a Python expression (`ForeignKey(users.c.id)`), not a string naming a
    /// table on the MetaData.
    pub foreign_key_expr: bool,
    pub primary_key: bool,
    pub nullable: Option<bool>,
    pub unique: bool,
    /// `index=True`.
    pub index: bool,
    /// `ondelete=` and `onupdate=` of its foreign key, as `ondelete=CASCADE`.
    pub fk_options: Vec<Name>,
    /// `default=`, `server_default=` or a SQLModel `Field(default...)`.
    pub has_default: bool,
    /// `type_text` is a Python annotation (`Mapped[str]`, SQLModel fields), not an SQL type.
    pub python_type: bool,
}

#[derive(Debug, Clone)]
pub struct Relationship {
    pub attr: Name,
    pub span: Span,
    pub target: Option<Name>,
    /// `relationship("User")`: the string's span, for the report and for qualifying it later.
    pub target_string: Option<Span>,
    pub back_populates: Option<Name>,
    /// `secondary=`: the association table it goes through.
    pub secondary: Option<Secondary>,
}

/// The `secondary=` of a relationship.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secondary {
    /// `secondary=post_tags` or `secondary=lambda: post_tags`: a name the index resolves.
    Name(Name),
    /// `secondary="post_tags"`: a table name looked up on the class's MetaData.
    Table(Name),
}

/// An imperative `Table("name", metadata, ...)` or `db.Table("name", ...)` at module level or as
/// a class's `__table__`.
#[derive(Debug, Clone)]
pub struct TableCall {
    pub name: Name,
    pub assigned: Option<Name>,
    pub stmt: Span,
    pub callee: Name,
    /// The metadata argument (`Base.metadata`, `metadata`); `None` for `db.Table("t", db.Column...)`.
    pub metadata: Option<Name>,
    pub schema: Option<Name>,
    pub bind_key: Option<Name>,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub flags: Vec<BandAid>,
    pub reflected: bool,
    /// The class whose `__table__` this is.
    pub class: Option<usize>,
    pub in_tests: bool,
}

/// `registry.map_imperatively(User, users, properties={...})` or the classic `mapper(User,
/// users, ...)`: a plain class (often a dataclass) mapped onto a `Table` defined apart.
#[derive(Debug, Clone)]
pub struct ImperativeMap {
    /// The mapped class and the table, as written (`User`, `tables.users`).
    pub class: Name,
    pub table: Name,
    pub stmt: Span,
    /// The `relationship(...)` values of `properties=`, keyed by their attribute name.
    pub relationships: Vec<Relationship>,
}

/// `X.create_all(engine)`: which metadata, on what, and in which function.
#[derive(Debug, Clone)]
pub struct CreateAll {
    /// 0 for module level, otherwise a number unique to the enclosing function in this file.
    pub scope: usize,
    pub scope_name: Name,
    pub target: Name,
    pub engine: Name,
    pub offset: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_binding_of_a_name_wins() {
        let bindings = Bindings::from_ordered(vec![
            ("b".into(), Binding::Class(0)),
            ("a".into(), Binding::Other),
            ("b".into(), Binding::Decl(1)),
            ("c".into(), Binding::Table(2)),
            ("b".into(), Binding::Alias("x.y".into())),
        ]);
        assert!(matches!(bindings.get("b"), Some(Binding::Alias(a)) if a == "x.y"));
        assert!(matches!(bindings.get("a"), Some(Binding::Other)));
        assert!(matches!(bindings.get("c"), Some(Binding::Table(2))));
        assert!(!bindings.contains_key("d"));
    }
}
