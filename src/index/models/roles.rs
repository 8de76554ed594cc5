//! What each class is: a plain class or mixin, a declarative base, or a mapped class (on which
//! registry, creating which table), inheritance rules included.

use super::{BaseId, BaseInfo, BaseKey, BaseKind, Builder, Inherited, Role};
use crate::index::facts::*;
use crate::index::module_map::FileId;
use crate::index::resolve::Entity;
use crate::index::table_name::{camel_to_snake, external_rule, NamePart, NameRule, Step, Sub};

/// A class whose attributes a model inherits, in the order Python's MRO reads them.
enum Ancestor {
    Class(FileId, usize),
    /// A library base known to set `__tablename__`, or known not to be readable.
    Library(TableName),
}

/// The `__tablename__` a library base class sets, where the index knows it: fastapi-users'
/// SQLAlchemy tables. Another class of that library is a name the index cannot read.
fn library_table(path: &str) -> Option<TableName> {
    let (package, class) = path.rsplit_once('.')?;
    if !package.starts_with("fastapi_users_db_sqlalchemy") {
        return None;
    }
    let value = match class {
        "SQLAlchemyBaseUserTable" | "SQLAlchemyBaseUserTableUUID" => "user",
        "SQLAlchemyBaseOAuthAccountTable" | "SQLAlchemyBaseOAuthAccountTableUUID" => {
            "oauth_account"
        }
        "SQLAlchemyBaseAccessTokenTable" | "SQLAlchemyBaseAccessTokenTableUUID" => "accesstoken",
        _ => {
            return Some(TableName::Unknown(Some(format!(
                "comes from `{path}`, a library class whose table name the index does not know"
            ))))
        }
    };
    Some(TableName::Literal {
        value: value.into(),
        span: (0, 0),
    })
}

fn not_a_name_helper(callee: &str) -> String {
    format!(
        "its `__tablename__` calls `{callee}`, which is not a project function the index can \
         evaluate (it reads functions of one parameter made of `re.sub`/`re.split` camel-to-snake \
         idioms, `.lower()`, joins and concatenation)"
    )
}

impl Builder<'_> {
    pub(super) fn role(&mut self, file: FileId, index: usize) -> Role {
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
        // A project base whose metaclass turns `table=True` on (`Ok`), or one the index cannot
        // read (`Err`, the reason).
        let mut metaclass_table: Option<Result<(), String>> = None;
        let mut flask = false;
        let mut reflected = false;
        for base in &class.bases {
            let resolved = self.resolve(file, base);
            if let Entity::Class(f, c) = resolved.entity {
                self.parents.insert((f, c));
            }
            match resolved.entity {
                Entity::External(path) if super::bases::is_appbuilder_model(&path) => {
                    parent_base = parent_base.or(Some(self.appbuilder_base()));
                    flask = true;
                }
                Entity::External(path) => match path.rsplit('.').next().unwrap_or(&path) {
                    "DeclarativeBase" | "DeclarativeBaseNoMeta" => declares_base = true,
                    "SQLModel" => sqlmodel = true,
                    "DeferredReflection" => reflected = true,
                    _ => {}
                },
                Entity::Decl(f, d) => {
                    let Some((kind, _)) = self.decl_kind(f, d) else {
                        continue;
                    };
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
                    Role::SqlModelFields => {
                        sqlmodel = true;
                        if metaclass_table.is_none() {
                            metaclass_table = self.metaclass_table(f, c, 0);
                        }
                    }
                    Role::Plain | Role::InProgress => {}
                },
                Entity::Table(..)
                | Entity::Function(..)
                | Entity::Pattern(_)
                | Entity::Module(_)
                | Entity::Unknown => {}
            }
        }
        for decorator in &class.decorators {
            let last = decorator.rsplit('.').next().unwrap_or(decorator);
            if last == "as_declarative" {
                declares_base = true;
            } else if matches!(last, "mapped" | "mapped_as_dataclass") && decorator.contains('.') {
                let head = &decorator[..decorator.len() - last.len() - 1];
                if let Entity::Decl(f, d) = self.resolve(file, head).entity {
                    if self
                        .decl_kind(f, d)
                        .is_some_and(|(k, _)| k == DeclKind::Registry)
                    {
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
            None if sqlmodel && (class.table_kw || metaclass_table == Some(Ok(()))) => {
                self.sqlmodel_base()
            }
            None if sqlmodel => {
                let declares_table =
                    class.tablename.is_some() || class.columns.iter().any(|c| c.primary_key);
                if let (Some(Err(reason)), true) = (metaclass_table, declares_table) {
                    self.metaclass_unread.insert((file, index), reason);
                }
                return Role::SqlModelFields;
            }
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
                Some(TableName::Rule(rule)) if !flask || own_pk => {
                    let rule = rule.clone();
                    self.named_by_rule(file, file, index, &rule)
                }
                Some(TableName::Rule(_)) => None,
                Some(TableName::Unknown(reason)) => {
                    let reason = reason.clone();
                    self.named_otherwise(file, index, reason)
                }
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
                        Some((_, TableName::Literal { value, .. })) => Some(value.to_string()),
                        Some((at, TableName::Rule(rule))) => {
                            self.named_by_rule(at, file, index, &rule)
                        }
                        Some((_, TableName::Unknown(reason))) => {
                            self.named_otherwise(file, index, reason)
                        }
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

    /// What the metaclass of a SQLModel class (its own `metaclass=`, or its bases') does to the
    /// classes derived from it: `Ok` when its `__new__` turns `table=True` on; `Err` with the
    /// reason when it is a metaclass the index cannot read; `None` for SQLModel's own.
    fn metaclass_table(
        &mut self,
        file: FileId,
        index: usize,
        depth: usize,
    ) -> Option<Result<(), String>> {
        if depth > 8 {
            return None;
        }
        let class = &self.facts(file).classes[index];
        if let Some(meta) = class.metaclass.clone() {
            let class_name = class.name.clone();
            let unread = |what: String| {
                Err(format!(
                    "it is a SQLModel class without `table=True`, but its base `{class_name}` has \
                     metaclass `{meta}`{what}, which may turn `table=True` on; the index cannot \
                     tell whether it is a table"
                ))
            };
            return Some(match self.resolve(file, &meta).entity {
                Entity::Class(f, c) if self.facts(f).classes[c].sets_table => Ok(()),
                Entity::Class(..) => unread(String::new()),
                Entity::External(path) if path.ends_with("SQLModelMetaclass") => return None,
                Entity::External(path) => unread(format!(" (`{path}`)")),
                _ => unread(" (not resolved)".to_owned()),
            });
        }
        let bases = class.bases.clone();
        for base in bases {
            if let Entity::Class(f, c) = self.resolve(file, &base).entity {
                if let Some(found) = self.metaclass_table(f, c, depth + 1) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// The table a `declared_attr` rule written in `at` names for the class; `None`, with the
    /// class listed as not understood, when the rule calls what the index cannot evaluate.
    fn named_by_rule(
        &mut self,
        at: FileId,
        file: FileId,
        index: usize,
        rule: &NameRule,
    ) -> Option<String> {
        let resolved = self.resolve_rule(at, rule, 0);
        let class_name = self.facts(file).classes[index].name.clone();
        match resolved.map(|r| r.apply(&class_name)) {
            Ok(Some(table)) => Some(table),
            Ok(None) => {
                self.unnamed.insert((file, index), None);
                None
            }
            Err(reason) => {
                self.unnamed.insert((file, index), Some(reason));
                None
            }
        }
    }

    /// A rule with its helper calls and compiled patterns replaced by what they are, each
    /// looked up from the file the rule is written in.
    fn resolve_rule(
        &mut self,
        at: FileId,
        rule: &NameRule,
        depth: usize,
    ) -> Result<NameRule, String> {
        if depth > 8 {
            return Err("its `__tablename__` helpers call each other too deeply".to_owned());
        }
        let mut lookup = |step: &Step| -> Result<NameRule, String> {
            match step {
                Step::Call(callee) => {
                    let resolved = self.resolver.resolve(at, callee);
                    let outside = |path: &str| {
                        format!(
                            "its `__tablename__` calls `{callee}` (`{path}`, from outside the \
                             project), whose result the index does not know"
                        )
                    };
                    match (resolved.entity, resolved.rest.is_empty()) {
                        (Entity::Function(f, i), true) => {
                            match self.facts(f).functions[i].returns.clone() {
                                Returned::TableName(inner) => {
                                    self.resolve_rule(f, &inner, depth + 1)
                                }
                                _ => Err(not_a_name_helper(callee)),
                            }
                        }
                        (Entity::External(path), _) => {
                            external_rule(&path).ok_or_else(|| outside(&path))
                        }
                        _ => Err(not_a_name_helper(callee)),
                    }
                }
                Step::CompiledSub {
                    pattern,
                    replacement,
                } => match self.resolver.resolve(at, pattern).entity {
                    Entity::Pattern(text) => match Sub::recognise(&text, replacement) {
                        Some(sub) => Ok(NameRule(vec![NamePart::ClassName(vec![Step::Sub(sub)])])),
                        None => Err(format!(
                            "its `__tablename__` uses `{pattern}.sub({replacement:?}, ...)` with \
                             `{pattern} = re.compile({text:?})`, which is not a camel-to-snake \
                             idiom the index evaluates"
                        )),
                    },
                    _ => Err(format!(
                        "its `__tablename__` uses `{pattern}.sub(...)`, and `{pattern}` is not a \
                         compiled pattern the index could find"
                    )),
                },
                _ => Ok(NameRule(vec![NamePart::ClassName(vec![step.clone()])])),
            }
        };
        rule.resolve(&mut lookup)
    }

    /// A `__tablename__` the index could not evaluate: the table of `__tablename__ =
    /// user_table.name`, or nothing, with the class listed as not understood.
    fn named_otherwise(
        &mut self,
        file: FileId,
        index: usize,
        reason: Option<String>,
    ) -> Option<String> {
        match self.named_after_table(file, index) {
            Some(table) => table,
            None => {
                self.unnamed.insert(
                    (file, index),
                    reason.map(|r| format!("its `__tablename__` {r}")),
                );
                None
            }
        }
    }

    /// `__tablename__ = user_table.name` names the `Table` bound as `user_table`. A class with
    /// columns of its own defines that table a second time (hidden by `extend_existing`): its
    /// name. One without only maps the existing table: `Some(None)`. `None`: not a known `Table`.
    fn named_after_table(&mut self, file: FileId, index: usize) -> Option<Option<String>> {
        let class = &self.facts(file).classes[index];
        let expr = class.tablename_of.as_ref()?;
        let Entity::Table(f, t) = self.resolve(file, expr).entity else {
            return None;
        };
        let name = self.facts(f).tables[t].name.to_string();
        Some((!class.columns.is_empty()).then_some(name))
    }

    fn is_flask(&self, base: BaseId) -> bool {
        self.models.bases[base].kind == BaseKind::Flask
    }

    /// Own attributes first, then those of non-mapped parents, depth first, left to right.
    pub(super) fn inherited(&mut self, file: FileId, index: usize) -> Inherited {
        let mut out = Inherited::default();
        let mut stack = vec![Ancestor::Class(file, index)];
        let mut seen = Vec::new();
        while let Some(ancestor) = stack.pop() {
            let (f, c) = match ancestor {
                Ancestor::Class(f, c) => (f, c),
                Ancestor::Library(name) => {
                    if out.tablename.is_none() {
                        out.tablename = Some((file, name));
                    }
                    continue;
                }
            };
            if seen.contains(&(f, c)) || seen.len() > 64 {
                continue;
            }
            seen.push((f, c));
            let class = &self.facts(f).classes[c];
            if out.tablename.is_none() {
                out.tablename = class.tablename.clone().map(|t| (f, t));
            }
            if out.table_args.is_none() {
                out.table_args = class.table_args.clone().map(|a| (f, a));
            } else if class.table_args.is_some() {
                out.overrides_table_args = true;
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
                match self.resolver.resolve(f, base).entity {
                    Entity::Class(pf, pc) if !matches!(self.role(pf, pc), Role::Mapped { .. }) => {
                        parents.push(Ancestor::Class(pf, pc));
                    }
                    // `Base = declarative_base(cls=PreBase)`: `Base` derives from `PreBase`.
                    Entity::Decl(..) => {
                        let resolved = self.resolve(f, base);
                        if let (Entity::Decl(df, dd), true) =
                            (resolved.entity, resolved.rest.is_empty())
                        {
                            if let Some((mf, mc)) = self.decl_mixin(df, dd) {
                                parents.push(Ancestor::Class(mf, mc));
                            }
                        }
                    }
                    // A library class that names the table (fastapi-users' user table).
                    Entity::External(path) => {
                        if let Some(name) = library_table(&path) {
                            parents.push(Ancestor::Library(name));
                        }
                    }
                    _ => {}
                }
            }
            stack.extend(parents.into_iter().rev());
        }
        out
    }
}
