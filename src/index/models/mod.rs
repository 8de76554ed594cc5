//! Declarative bases, registries and MetaData objects, the classes mapped on them and the tables
//! they define, resolved across files. This is where "is this class a model, on which metadata,
//! and which table does it create?" is answered, inheritance rules included.

mod bases;
mod calls;
mod not_understood;
mod references;
mod roles;
mod tables;

use std::collections::{HashMap, HashSet};

use super::facts::*;
use super::module_map::{FileId, ModuleMap};
use super::resolve::Resolver;
use super::SourceFile;

pub type BaseId = usize;
pub type TableId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseKind {
    DeclarativeBase,
    DeclarativeClass,
    Registry,
    MetaData,
    Flask,
    SqlModel,
    /// A declarative base built by a project function or held on a class: subclasses are mapped
    /// on it as on any base, but it is not a statement the fix can replace by an import.
    Built,
}

/// Something that owns a class registry and/or a MetaData.
#[derive(Debug, Clone)]
pub struct BaseInfo {
    pub name: String,
    /// `None` for a library's global base: SQLModel's, Flask-AppBuilder's `Model`.
    pub file: Option<FileId>,
    pub offset: u32,
    pub kind: BaseKind,
    /// The base whose MetaData this one uses (itself unless built with `metadata=`).
    pub metadata: BaseId,
    pub schema: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    Class(usize),
    Table(usize),
}

/// One definition of a table: a mapped class that creates it, or an imperative `Table(...)`.
#[derive(Debug, Clone)]
pub struct TableDef {
    pub file: FileId,
    pub origin: Origin,
    pub symbol: String,
    /// Where to point in reports: the class name or the start of the statement.
    pub offset: u32,
    pub span: Span,
    pub name: String,
    pub schema: Option<String>,
    /// False when `__table_args__` is computed in a way we cannot read; such a definition is never
    /// called a duplicate.
    pub schema_known: bool,
    pub bind_key: Option<String>,
    pub registry: BaseId,
    pub metadata: BaseId,
    pub columns: Vec<Column>,
    pub relationships: Vec<Relationship>,
    pub constraints: Vec<Constraint>,
    /// Band-aid flags with the file they are written in (a mixin's `__table_args__` may be elsewhere).
    pub flags: Vec<(FileId, BandAid)>,
    pub mapped_typing: bool,
    pub in_tests: bool,
    /// What elsewhere in the project points at this definition.
    pub referenced: Referenced,
    /// A bare `Table` that a plain class is mapped onto imperatively (`map_imperatively`).
    pub imperative: Option<Imperative>,
}

/// The relationships that go through a definition (`secondary=`) and the other tables whose
/// foreign keys target it: a definition the rest of the schema is built on.
#[derive(Debug, Clone, Default)]
pub struct Referenced {
    /// `Class.attr` of each relationship whose `secondary=` is this table, sorted, once each.
    pub secondary: Vec<String>,
    /// The other tables (full names) with a foreign key to it, sorted, once each.
    pub foreign_keys: Vec<String>,
}

/// The class a `Table` is mapped onto by `registry.map_imperatively(Class, table, ...)`.
#[derive(Debug, Clone)]
pub struct Imperative {
    /// The module that maps it: importing it maps the class.
    pub file: FileId,
    /// The class's name in that module.
    pub name: String,
    /// Where the class is defined: file and index into its `classes`.
    pub class: (FileId, usize),
}

impl TableDef {
    /// `schema.name` or `name`, as SQLAlchemy's `Table.fullname`.
    pub fn full_name(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct MappedClass {
    pub file: FileId,
    pub class: usize,
    pub name: String,
    pub registry: BaseId,
    pub relationships: Vec<Relationship>,
}

impl MappedClass {
    /// Where this class's relationships name the class `name` by a string (`relationship("User")`).
    pub fn string_references_to<'m>(&'m self, name: &'m str) -> impl Iterator<Item = Span> + 'm {
        self.relationships
            .iter()
            .filter(move |r| r.target.as_deref() == Some(name))
            .filter_map(|r| r.target_string)
    }
}

#[derive(Debug, Clone)]
pub struct CreateAllSite {
    pub file: FileId,
    pub scope: usize,
    pub scope_name: String,
    pub engine: String,
    pub metadata: BaseId,
    pub offset: u32,
}

#[derive(Debug, Default)]
pub struct Models {
    pub bases: Vec<BaseInfo>,
    pub tables: Vec<TableDef>,
    pub mapped: Vec<MappedClass>,
    pub create_alls: Vec<CreateAllSite>,
    /// Model-like definitions that could not be tied to a metadata, in file order.
    pub not_understood: Vec<NotUnderstood>,
}

/// A class or `Table(...)` call that looks like a model but that the index cannot tie to a
/// metadata: a warning, and counted in the summary.
#[derive(Debug, Clone)]
pub struct NotUnderstood {
    pub file: FileId,
    pub offset: u32,
    pub symbol: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum BaseKey {
    Decl(FileId, usize),
    Class(FileId, usize),
    SqlModel,
    AppBuilder,
}

#[derive(Debug, Clone, PartialEq)]
enum Role {
    /// Not a model: a mixin, a plain class, or unknown.
    Plain,
    /// A declarative base (or an abstract class on one): subclasses are mapped on it.
    Base(BaseId),
    Mapped {
        registry: BaseId,
        table: Option<String>,
        flask: bool,
    },
    /// A SQLModel class without `table=True`: it only carries fields.
    SqlModelFields,
    InProgress,
}

/// What a class takes from itself and its non-mapped parents (mixins, abstract bases).
#[derive(Default)]
struct Inherited {
    /// With the file it is written in, where a rule's helpers are looked up.
    tablename: Option<(FileId, TableName)>,
    table_args: Option<(FileId, TableArgs)>,
    /// A parent's `__table_args__` that `table_args` overrides: removing the latter's statement
    /// would let the parent's apply.
    overrides_table_args: bool,
    bind_key: Option<String>,
    columns: Vec<Column>,
    fields: Vec<Column>,
    relationships: Vec<Relationship>,
    mapped_typing: bool,
}

struct Builder<'a> {
    files: &'a [SourceFile],
    resolver: Resolver<'a>,
    keys: HashMap<BaseKey, BaseId>,
    roles: HashMap<(FileId, usize), Role>,
    calls: HashMap<(FileId, usize), calls::CallTarget>,
    /// Classes some other class derives from: mixins and bases, never reported as not understood.
    parents: HashSet<(FileId, usize)>,
    /// Mapped classes whose `__tablename__` (own or inherited) cannot be evaluated.
    /// With the reason, where one is known.
    unnamed: HashMap<(FileId, usize), Option<String>>,
    /// SQLModel classes with a `__tablename__` or a primary key whose project base has a
    /// metaclass the index cannot read, with the reason.
    metaclass_unread: HashMap<(FileId, usize), String>,
    models: Models,
}

impl Models {
    /// The files that define a table or a mapped class (with repeats).
    pub fn files(&self) -> impl Iterator<Item = FileId> + '_ {
        self.tables
            .iter()
            .map(|t| t.file)
            .chain(self.mapped.iter().map(|m| m.file))
    }

    pub fn resolve(files: &[SourceFile], map: &ModuleMap) -> Models {
        let mut builder = Builder {
            files,
            resolver: Resolver { files, map },
            keys: HashMap::new(),
            roles: HashMap::new(),
            calls: HashMap::new(),
            parents: HashSet::new(),
            unnamed: HashMap::new(),
            metaclass_unread: HashMap::new(),
            models: Models::default(),
        };
        // The `cls=` of a base factory is every model's parent, never a model of its own.
        for (file, source) in files.iter().enumerate() {
            for decl in 0..source.facts.decls.len() {
                if let Some(mixin) = builder.decl_mixin(file, decl) {
                    builder.parents.insert(mixin);
                }
            }
        }
        for (file, source) in files.iter().enumerate() {
            for class in 0..source.facts.classes.len() {
                builder.role(file, class);
            }
        }
        builder.collect_tables();
        builder.collect_references();
        builder.collect_not_understood();
        builder.models
    }

    pub fn metadata_of(&self, base: BaseId) -> BaseId {
        self.bases[base].metadata
    }
}

impl<'a> Builder<'a> {
    fn facts(&self, file: FileId) -> &'a FileFacts {
        &self.files[file].facts
    }
}
