//! Declarative bases, registries and MetaData objects, the classes mapped on them and the tables
//! they define, resolved across files. This is where "is this class a model, on which metadata,
//! and which table does it create?" is answered, inheritance rules included.

use std::collections::HashMap;

use super::facts::*;
use super::module_map::{FileId, ModuleMap};
use super::resolve::{Entity, Resolver};
use super::table_name::camel_to_snake;
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
}

/// Something that owns a class registry and/or a MetaData.
#[derive(Debug, Clone)]
pub struct BaseInfo {
    pub name: String,
    /// `None` for SQLModel's global base, which lives in the sqlmodel package.
    pub file: Option<FileId>,
    pub offset: u32,
    pub kind: BaseKind,
    /// The base whose MetaData this one uses (itself unless built with `metadata=`).
    pub metadata: BaseId,
    pub schema: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum BaseKey {
    Decl(FileId, usize),
    Class(FileId, usize),
    SqlModel,
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
    tablename: Option<TableName>,
    table_args: Option<(FileId, TableArgs)>,
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
            models: Models::default(),
        };
        for (file, source) in files.iter().enumerate() {
            for class in 0..source.facts.classes.len() {
                builder.role(file, class);
            }
        }
        builder.collect_tables();
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

    fn new_base(&mut self, key: BaseKey, info: BaseInfo) -> BaseId {
        if let Some(&id) = self.keys.get(&key) {
            return id;
        }
        let id = self.models.bases.len();
        self.models.bases.push(BaseInfo {
            metadata: id,
            ..info
        });
        self.keys.insert(key, id);
        id
    }

    fn sqlmodel_base(&mut self) -> BaseId {
        let info = BaseInfo {
            name: "SQLModel".into(),
            file: None,
            offset: 0,
            kind: BaseKind::SqlModel,
            metadata: 0,
            schema: None,
        };
        self.new_base(BaseKey::SqlModel, info)
    }

    fn base_for_decl(&mut self, file: FileId, index: usize) -> Option<BaseId> {
        let decl = &self.facts(file).decls[index];
        if decl.kind == DeclKind::GenerateBase {
            let MetadataArg::Ref(registry) = &decl.metadata else {
                return None;
            };
            return match self.resolver.resolve(file, registry).entity {
                Entity::Decl(f, d) if (f, d) != (file, index) => self.base_for_decl(f, d),
                _ => None,
            };
        }
        if let Some(&id) = self.keys.get(&BaseKey::Decl(file, index)) {
            return Some(id);
        }
        let kind = match decl.kind {
            DeclKind::DeclarativeBase => BaseKind::DeclarativeBase,
            DeclKind::Registry => BaseKind::Registry,
            DeclKind::MetaData => BaseKind::MetaData,
            DeclKind::FlaskSqlalchemy => BaseKind::Flask,
            DeclKind::GenerateBase => unreachable!(),
        };
        let schema = match &decl.metadata {
            MetadataArg::Inline { schema } => schema.as_deref().map(str::to_owned),
            _ => None,
        };
        let info = BaseInfo {
            name: decl.name.to_string(),
            file: Some(file),
            offset: decl.stmt.0,
            kind,
            metadata: 0,
            schema,
        };
        let id = self.new_base(BaseKey::Decl(file, index), info);
        if let MetadataArg::Ref(reference) = &decl.metadata {
            if let Some(md) = self.metadata_of_expr(file, reference) {
                self.models.bases[id].metadata = md;
            }
        }
        Some(id)
    }

    /// The MetaData an expression such as `Base.metadata`, `metadata`, `db` or
    /// `SQLModel.metadata` stands for.
    fn metadata_of_expr(&mut self, file: FileId, dotted: &str) -> Option<BaseId> {
        let resolved = self.resolver.resolve(file, dotted);
        let rest: Vec<&str> = resolved.rest.iter().map(String::as_str).collect();
        let base = match (resolved.entity, rest.as_slice()) {
            (Entity::Decl(f, d), [] | ["metadata"]) => self.base_for_decl(f, d)?,
            (Entity::Class(f, c), ["metadata"]) => match self.role(f, c) {
                Role::Base(b) | Role::Mapped { registry: b, .. } => b,
                Role::SqlModelFields => self.sqlmodel_base(),
                _ => return None,
            },
            (Entity::External(path), []) if path.ends_with("SQLModel.metadata") => {
                self.sqlmodel_base()
            }
            _ => return None,
        };
        Some(self.models.bases[base].metadata)
    }

    fn role(&mut self, file: FileId, index: usize) -> Role {
        if let Some(role) = self.roles.get(&(file, index)) {
            return if *role == Role::InProgress {
                Role::Plain
            } else {
                role.clone()
            };
        }
        self.roles.insert((file, index), Role::InProgress);
        let role = self.compute_role(file, index);
        self.roles.insert((file, index), role.clone());
        role
    }

    fn compute_role(&mut self, file: FileId, index: usize) -> Role {
        let class = &self.facts(file).classes[index];
        let mut declares_base = false;
        let mut parent_base: Option<BaseId> = None;
        let mut mapped_parent: Option<Option<String>> = None;
        let mut sqlmodel = false;
        let mut flask = false;
        let mut reflected = false;
        for base in &class.bases {
            let resolved = self.resolver.resolve(file, base);
            match resolved.entity {
                Entity::External(path) => match path.rsplit('.').next().unwrap_or(&path) {
                    "DeclarativeBase" | "DeclarativeBaseNoMeta" => declares_base = true,
                    "SQLModel" => sqlmodel = true,
                    "DeferredReflection" => reflected = true,
                    _ => {}
                },
                Entity::Decl(f, d) => {
                    let kind = self.facts(f).decls[d].kind;
                    let rest: Vec<&str> = resolved.rest.iter().map(String::as_str).collect();
                    match (kind, rest.as_slice()) {
                        (DeclKind::DeclarativeBase | DeclKind::GenerateBase, []) => {
                            parent_base = parent_base.or(self.base_for_decl(f, d));
                        }
                        (DeclKind::FlaskSqlalchemy, ["Model"]) => {
                            parent_base = parent_base.or(self.base_for_decl(f, d));
                            flask = true;
                        }
                        _ => {}
                    }
                }
                Entity::Class(f, c) => match self.role(f, c) {
                    Role::Base(b) => {
                        parent_base = parent_base.or(Some(b));
                        flask |= self.is_flask(b);
                    }
                    Role::Mapped {
                        registry,
                        table,
                        flask: parent_flask,
                    } => {
                        parent_base = parent_base.or(Some(registry));
                        mapped_parent = Some(table);
                        flask |= parent_flask;
                    }
                    Role::SqlModelFields => sqlmodel = true,
                    Role::Plain | Role::InProgress => {}
                },
                Entity::Table(..) | Entity::Module(_) | Entity::Unknown => {}
            }
        }
        for decorator in &class.decorators {
            let last = decorator.rsplit('.').next().unwrap_or(decorator);
            if last == "as_declarative" {
                declares_base = true;
            } else if matches!(last, "mapped" | "mapped_as_dataclass") && decorator.contains('.') {
                let head = &decorator[..decorator.len() - last.len() - 1];
                if let Entity::Decl(f, d) = self.resolver.resolve(file, head).entity {
                    if self.facts(f).decls[d].kind == DeclKind::Registry {
                        parent_base = self.base_for_decl(f, d);
                    }
                }
            }
        }

        if declares_base {
            let info = BaseInfo {
                name: class.name.to_string(),
                file: Some(file),
                offset: class.name_offset,
                kind: BaseKind::DeclarativeClass,
                metadata: 0,
                schema: None,
            };
            let id = self.new_base(BaseKey::Class(file, index), info);
            match &class.metadata {
                Some(MetadataArg::Ref(reference)) => {
                    if let Some(md) = self.metadata_of_expr(file, reference) {
                        self.models.bases[id].metadata = md;
                    }
                }
                Some(MetadataArg::Inline { schema }) => {
                    self.models.bases[id].schema = schema.as_deref().map(str::to_owned)
                }
                _ => {
                    if let Some(parent) = parent_base {
                        self.models.bases[id].metadata = self.models.bases[parent].metadata;
                    }
                }
            }
            return Role::Base(id);
        }
        let registry = match parent_base {
            Some(base) => base,
            None if sqlmodel && class.table_kw => self.sqlmodel_base(),
            None if sqlmodel => return Role::SqlModelFields,
            None => return Role::Plain,
        };
        if class.is_abstract {
            return Role::Base(registry);
        }
        if reflected || matches!(class.table_attr, Some(TableAttr::Existing)) {
            return Role::Mapped {
                registry,
                table: None,
                flask,
            };
        }
        if let Some(TableAttr::Call(t)) = class.table_attr {
            return Role::Mapped {
                registry,
                table: Some(self.facts(file).tables[t].name.to_string()),
                flask,
            };
        }
        let own_pk = class.columns.iter().any(|c| c.primary_key);
        let table = match mapped_parent {
            // Inheritance: only a subclass that declares its own, different table creates one;
            // Flask-SQLAlchemy also needs a primary key on it, or it is single-table inheritance.
            Some(parent_table) => match &class.tablename {
                Some(TableName::Literal { value, .. })
                    if parent_table.as_deref() == Some(value) =>
                {
                    None
                }
                Some(TableName::Literal { value, .. }) => {
                    (!flask || own_pk).then(|| value.to_string())
                }
                Some(TableName::Rule(rule)) => (!flask || own_pk).then(|| rule.apply(&class.name)),
                Some(TableName::Unknown) => None,
                None => (flask && own_pk).then(|| camel_to_snake(&class.name)),
            },
            None => {
                let inherited = self.inherited(file, index);
                if inherited
                    .table_args
                    .as_ref()
                    .is_some_and(|(_, a)| a.reflected)
                {
                    None
                } else {
                    match inherited.tablename {
                        Some(TableName::Literal { value, .. }) => Some(value.to_string()),
                        Some(TableName::Rule(rule)) => Some(rule.apply(&class.name)),
                        Some(TableName::Unknown) => None,
                        None if flask => Some(camel_to_snake(&class.name)),
                        None if sqlmodel => Some(class.name.to_lowercase().to_string()),
                        None => None,
                    }
                }
            }
        };
        Role::Mapped {
            registry,
            table,
            flask,
        }
    }

    fn is_flask(&self, base: BaseId) -> bool {
        self.models.bases[base].kind == BaseKind::Flask
    }

    /// Own attributes first, then those of non-mapped parents, depth first, left to right.
    fn inherited(&mut self, file: FileId, index: usize) -> Inherited {
        let mut out = Inherited::default();
        let mut stack = vec![(file, index)];
        let mut seen = Vec::new();
        while let Some((f, c)) = stack.pop() {
            if seen.contains(&(f, c)) || seen.len() > 64 {
                continue;
            }
            seen.push((f, c));
            let class = &self.facts(f).classes[c];
            if out.tablename.is_none() {
                out.tablename = class.tablename.clone();
            }
            if out.table_args.is_none() {
                out.table_args = class.table_args.clone().map(|a| (f, a));
            }
            if out.bind_key.is_none() {
                out.bind_key = class.bind_key.as_deref().map(str::to_owned);
            }
            out.columns.extend(class.columns.iter().cloned());
            out.fields.extend(class.annotated_fields.iter().cloned());
            out.relationships
                .extend(class.relationships.iter().cloned());
            out.mapped_typing |= class.mapped_typing;
            let mut parents = Vec::new();
            for base in &class.bases {
                if let Entity::Class(pf, pc) = self.resolver.resolve(f, base).entity {
                    if !matches!(self.role(pf, pc), Role::Mapped { .. }) {
                        parents.push((pf, pc));
                    }
                }
            }
            stack.extend(parents.into_iter().rev());
        }
        out
    }

    fn collect_tables(&mut self) {
        let mut roles: Vec<((FileId, usize), Role)> =
            self.roles.iter().map(|(k, v)| (*k, v.clone())).collect();
        roles.sort_by_key(|(k, _)| *k);
        for ((file, index), role) in roles {
            let Role::Mapped {
                registry, table, ..
            } = role
            else {
                continue;
            };
            let inherited = self.inherited(file, index);
            let class = &self.facts(file).classes[index];
            self.models.mapped.push(MappedClass {
                file,
                class: index,
                name: class.name.to_string(),
                registry,
                relationships: inherited.relationships.clone(),
            });
            let (Some(name), None) = (table, &class.table_attr) else {
                continue;
            };
            let sqlmodel = self.models.bases[registry].kind == BaseKind::SqlModel;
            let mut columns = inherited.columns;
            if sqlmodel {
                columns.extend(inherited.fields);
            }
            let metadata = self.models.bases[registry].metadata;
            let (schema, schema_known, flags, constraints) = match &inherited.table_args {
                Some((f, args)) => (
                    args.schema
                        .as_deref()
                        .map(str::to_owned)
                        .or_else(|| self.models.bases[metadata].schema.clone()),
                    args.known,
                    args.flags.iter().map(|b| (*f, b.clone())).collect(),
                    args.constraints.clone(),
                ),
                None => (
                    self.models.bases[metadata].schema.clone(),
                    true,
                    Vec::new(),
                    Vec::new(),
                ),
            };
            self.models.tables.push(TableDef {
                file,
                origin: Origin::Class(index),
                symbol: class.name.to_string(),
                offset: class.name_offset,
                span: class.span,
                name,
                schema,
                schema_known,
                bind_key: inherited.bind_key,
                registry,
                metadata,
                columns,
                relationships: inherited.relationships,
                constraints,
                flags,
                mapped_typing: inherited.mapped_typing,
                in_tests: class.in_tests,
            });
        }
        for file in 0..self.files.len() {
            for (index, table) in self.facts(file).tables.iter().enumerate() {
                if table.reflected {
                    continue;
                }
                let metadata = match &table.metadata {
                    Some(expr) => self.metadata_of_expr(file, expr),
                    None => {
                        let head = table.callee.rsplit_once('.').map_or("", |(h, _)| h);
                        (!head.is_empty())
                            .then(|| self.metadata_of_expr(file, head))
                            .flatten()
                    }
                };
                let Some(metadata) = metadata else { continue };
                let class = table.class.map(|c| &self.facts(file).classes[c]);
                self.models.tables.push(TableDef {
                    file,
                    origin: Origin::Table(index),
                    symbol: class
                        .map(|c| &c.name)
                        .or(table.assigned.as_ref())
                        .unwrap_or(&table.name)
                        .to_string(),
                    offset: class.map_or(table.stmt.0, |c| c.name_offset),
                    span: class.map_or(table.stmt, |c| c.span),
                    name: table.name.to_string(),
                    schema: table
                        .schema
                        .as_deref()
                        .map(str::to_owned)
                        .or_else(|| self.models.bases[metadata].schema.clone()),
                    schema_known: true,
                    bind_key: table
                        .bind_key
                        .as_ref()
                        .or(class.and_then(|c| c.bind_key.as_ref()))
                        .map(|k| k.to_string()),
                    registry: metadata,
                    metadata,
                    columns: table.columns.clone(),
                    relationships: class.map(|c| c.relationships.clone()).unwrap_or_default(),
                    constraints: table.constraints.clone(),
                    flags: table.flags.iter().map(|b| (file, b.clone())).collect(),
                    mapped_typing: false,
                    in_tests: table.in_tests,
                });
            }
            for create in &self.facts(file).create_alls {
                if let Some(metadata) = self.metadata_of_expr(file, &create.target) {
                    self.models.create_alls.push(CreateAllSite {
                        file,
                        scope: create.scope,
                        scope_name: create.scope_name.to_string(),
                        engine: create.engine.to_string(),
                        metadata,
                        offset: create.offset,
                    });
                }
            }
        }
    }
}
