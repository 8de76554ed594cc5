//! What one file says about imports and models, extracted once from its syntax tree so that the
//! tree can be dropped. Offsets are byte offsets into the decoded text; later stages resolve names
//! across files.

use super::table_name::NameRule;

pub type Span = (u32, u32);

#[derive(Debug, Default)]
pub struct FileFacts {
    pub imports: Vec<ImportSite>,
    /// Module-level names and what they are bound to (the last binding wins, as at run time).
    pub bindings: Bindings,
    pub classes: Vec<ClassFacts>,
    pub tables: Vec<TableCall>,
    pub decls: Vec<Decl>,
    pub create_alls: Vec<CreateAll>,
    /// Module-level `warnings.filterwarnings(...)` statements that silence SQLAlchemy's
    /// duplicate-class and duplicate-table warnings: band-aids too.
    pub warning_filters: Vec<Span>,
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
        self.create_alls.shrink_to_fit();
        self.warning_filters.shrink_to_fit();
    }
}

/// A file's module-level names, sorted for lookup. Not a hash map: every file's bindings live for
/// the whole run, and a hash map's spare buckets were the largest part of the facts' memory.
#[derive(Debug, Default)]
pub struct Bindings(Vec<(Box<str>, Binding)>);

impl Bindings {
    /// From the bindings in the order the module makes them: the last one of a name wins.
    pub fn from_ordered(bindings: Vec<(Box<str>, Binding)>) -> Bindings {
        let mut numbered: Vec<(usize, (Box<str>, Binding))> =
            bindings.into_iter().enumerate().collect();
        numbered.sort_by(|(i, (a, _)), (j, (b, _))| a.cmp(b).then(j.cmp(i)));
        numbered.dedup_by(|(_, (later, _)), (_, (kept, _))| later == kept);
        let mut sorted: Vec<(Box<str>, Binding)> = numbered.into_iter().map(|(_, b)| b).collect();
        sorted.shrink_to_fit();
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
    pub module: Option<String>,
    /// Where the `from` module is written (`src.pkg.models` in `from src.pkg.models import X`).
    pub module_span: Option<Span>,
    pub names: Vec<ImportedName>,
    pub type_checking: bool,
    pub in_function: bool,
}

#[derive(Debug, Clone)]
pub struct ImportedName {
    /// The imported module (plain `import`) or the imported attribute (`from`); `*` for star imports.
    pub name: String,
    pub asname: Option<String>,
    /// The whole `name as asname`.
    pub span: Span,
    /// Just `name`.
    pub name_span: Span,
}

#[derive(Debug, Clone)]
pub enum Binding {
    /// `import a.b as m` binds `m` to `a.b`; `import a.b` binds `a` to `a`.
    Module(String),
    /// `from m import n as x`: index of the import site and the imported name.
    FromImport {
        site: usize,
        name: String,
    },
    Class(usize),
    Decl(usize),
    Table(usize),
    /// `Base = db.Model`, `Model = Base`: another dotted name.
    Alias(String),
    Other,
}

/// An object that owns a class registry or a MetaData: `declarative_base()`, `registry()`,
/// `reg.generate_base()`, `MetaData()`, Flask-SQLAlchemy's `SQLAlchemy()`.
#[derive(Debug, Clone)]
pub struct Decl {
    pub name: String,
    pub stmt: Span,
    pub kind: DeclKind,
    pub metadata: MetadataArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclKind {
    DeclarativeBase,
    Registry,
    GenerateBase,
    MetaData,
    FlaskSqlalchemy,
}

/// The `metadata=` a base is built with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MetadataArg {
    #[default]
    Own,
    /// `metadata=md`, or for `generate_base` the registry it is called on.
    Ref(String),
    /// `MetaData(schema="x")` built in place.
    Inline { schema: Option<String> },
}

#[derive(Debug, Clone)]
pub struct ClassFacts {
    pub name: String,
    /// From the first decorator to the end of the body.
    pub span: Span,
    pub name_offset: u32,
    pub bases: Vec<String>,
    /// SQLModel's `table=True`.
    pub table_kw: bool,
    pub decorators: Vec<String>,
    pub tablename: Option<TableName>,
    pub table_args: Option<TableArgs>,
    pub table_attr: Option<TableAttr>,
    pub is_abstract: bool,
    pub bind_key: Option<String>,
    /// `metadata = MetaData(...)` in a `DeclarativeBase` subclass.
    pub metadata: Option<MetadataArg>,
    pub columns: Vec<Column>,
    pub relationships: Vec<Relationship>,
    /// Plain annotations (`name: str`), columns only for SQLModel classes.
    pub annotated_fields: Vec<Column>,
    pub mapped_typing: bool,
    pub in_tests: bool,
}

#[derive(Debug, Clone)]
pub enum TableName {
    Literal {
        value: String,
        span: Span,
    },
    /// A `@declared_attr` computed from the class name.
    Rule(NameRule),
    /// Something we cannot evaluate (a `declared_attr` returning `None` for some classes, ...).
    Unknown,
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
    pub schema: Option<String>,
    /// False when the schema cannot be read (a computed value).
    pub known: bool,
    pub flags: Vec<BandAid>,
    pub constraints: Vec<Constraint>,
    pub reflected: bool,
}

/// `extend_existing`, `keep_existing` or `useexisting`.
#[derive(Debug, Clone)]
pub struct BandAid {
    pub flag: String,
    /// The `key: value` dict entry or the `key=value` keyword.
    pub span: Span,
    /// The edits that remove the flag and leave everything else as it was: the entry, the dict
    /// it leaves empty, the `__table_args__` it leaves empty.
    pub removal: Vec<TextEdit>,
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
    pub kind: String,
    pub span: Span,
    pub fk_targets: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Column {
    /// The attribute name on the class (or the column name of a `Table`).
    pub attr: String,
    /// The database column name.
    pub name: String,
    pub span: Span,
    pub type_text: Option<String>,
    pub foreign_key: Option<String>,
    pub primary_key: bool,
    pub nullable: Option<bool>,
    pub unique: bool,
    /// `default=`, `server_default=` or a SQLModel `Field(default...)`.
    pub has_default: bool,
    /// `type_text` is a Python annotation (`Mapped[str]`, SQLModel fields), not an SQL type.
    pub python_type: bool,
}

#[derive(Debug, Clone)]
pub struct Relationship {
    pub attr: String,
    pub span: Span,
    pub target: Option<String>,
    /// `relationship("User")`: the string's span, for the report and for qualifying it later.
    pub target_string: Option<Span>,
    pub back_populates: Option<String>,
}

/// An imperative `Table("name", metadata, ...)` or `db.Table("name", ...)` at module level or as
/// a class's `__table__`.
#[derive(Debug, Clone)]
pub struct TableCall {
    pub name: String,
    pub assigned: Option<String>,
    pub stmt: Span,
    pub callee: String,
    /// The metadata argument (`Base.metadata`, `metadata`); `None` for `db.Table("t", db.Column...)`.
    pub metadata: Option<String>,
    pub schema: Option<String>,
    pub bind_key: Option<String>,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub flags: Vec<BandAid>,
    pub reflected: bool,
    /// The class whose `__table__` this is.
    pub class: Option<usize>,
    pub in_tests: bool,
}

/// `X.create_all(engine)`: which metadata, on what, and in which function.
#[derive(Debug, Clone)]
pub struct CreateAll {
    /// 0 for module level, otherwise a number unique to the enclosing function in this file.
    pub scope: usize,
    pub scope_name: String,
    pub target: String,
    pub engine: String,
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
