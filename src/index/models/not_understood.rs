//! Never silent: the model-like definitions the index cannot tie to a metadata, each with the
//! reason, so that "no findings" is only said about models the tool understood.

use super::{Builder, NotUnderstood, Role};
use crate::index::facts::*;
use crate::index::module_map::FileId;
use crate::index::resolve::Entity;

/// Modules whose classes are never a model's base: a model-like class deriving only from these
/// (and from project mixins) is a mixin, not a model the index failed to place.
const PLAIN_ROOTS: &[&str] = &[
    "builtins",
    "object",
    "typing",
    "typing_extensions",
    "abc",
    "enum",
    "collections",
    "dataclasses",
    "pydantic",
    "Generic",
    "ABC",
    "Protocol",
];

/// Built-in classes a mixin may derive from without an import.
const BUILTINS: &[&str] = &["object", "dict", "list", "str", "int", "Exception", "type"];

impl Builder<'_> {
    /// Every module-level class that looks like a model and is neither mapped, nor a base, nor a
    /// mixin some other class derives from; and every model-like class or `Table(...)` inside a
    /// function, which the index does not read.
    pub(super) fn collect_not_understood(&mut self) {
        for file in 0..self.files.len() {
            let facts = self.facts(file);
            for (index, class) in facts.classes.iter().enumerate() {
                if let Some(reason) = self.metaclass_unread.get(&(file, index)) {
                    self.models.not_understood.push(NotUnderstood {
                        file,
                        offset: class.name_offset,
                        symbol: class.name.to_string(),
                        reason: reason.clone(),
                    });
                    continue;
                }
                // A mapped class whose table name has a known reason not to be evaluated (one
                // from a library base) is a model, whatever its body.
                if !class.looks_like_model
                    && !matches!(self.unnamed.get(&(file, index)), Some(Some(_)))
                {
                    continue;
                }
                let reason = match self.roles.get(&(file, index)) {
                    Some(Role::Plain) if !self.parents.contains(&(file, index)) => {
                        let declares_table = !class.is_abstract
                            && (class.table_kw
                                || class.tablename.is_some()
                                || class.table_attr.is_some());
                        let bases = class.bases.clone();
                        self.unplaced_base(file, &bases, 0).or_else(|| {
                            // Every base looks plain, yet the class says it is a table (SQLModel's
                            // own repository: `SQLModel` is the project's class there).
                            declares_table.then(|| {
                                let names: Vec<String> =
                                    bases.iter().map(|b| format!("`{b}`")).collect();
                                format!(
                                    "it declares a table, but none of its bases ({}) leads to a \
                                     declarative base the index knows",
                                    names.join(", ")
                                )
                            })
                        })
                    }
                    // SQLModel ignores `__tablename__` without `table=True`, so the class says it
                    // is a table through something the index does not see: a metaclass or a base
                    // that passes `table=True` (pytidb's `TableModel`), or a forgotten keyword.
                    Some(Role::SqlModelFields)
                        if !class.is_abstract
                            && class.tablename.is_some()
                            && !self.parents.contains(&(file, index)) =>
                    {
                        Some(
                            "it sets `__tablename__` on a SQLModel class without `table=True`: \
                             SQLModel makes a table of it only when `table=True` is passed (by the \
                             class, or by a metaclass or base the index does not follow)"
                                .to_owned(),
                        )
                    }
                    Some(Role::Mapped { table: None, .. }) => {
                        self.unnamed.get(&(file, index)).map(|reason| {
                            reason.clone().unwrap_or_else(|| {
                                "its `__tablename__` (its own or inherited) is computed in a way \
                                 the index cannot evaluate"
                                    .to_owned()
                            })
                        })
                    }
                    _ => None,
                };
                if let Some(reason) = reason {
                    self.models.not_understood.push(NotUnderstood {
                        file,
                        offset: class.name_offset,
                        symbol: class.name.to_string(),
                        reason,
                    });
                }
            }
            for nested in &facts.nested_models {
                if let Some(callee) = &nested.callee {
                    if !self.may_be_sqlalchemy_table(file, callee) {
                        continue;
                    }
                }
                let (symbol, reason) = match &nested.function {
                    Some(function) => (
                        nested.name.to_string(),
                        format!(
                            "it is defined inside function `{function}`, and the index reads \
                             module-level models only"
                        ),
                    ),
                    None => (
                        format!("Table({}, ...)", short(&nested.name)),
                        "its table name is computed, and the index reads a string literal only"
                            .to_owned(),
                    ),
                };
                self.models.not_understood.push(NotUnderstood {
                    file,
                    offset: nested.offset,
                    symbol,
                    reason,
                });
            }
        }
    }

    /// The first base of a class that the index could not follow to a declarative base, as the
    /// reason; `None` when every base is understood (a mixin or a plain class).
    /// Through project parents that are plain too: their unplaced base is the leaf's reason.
    fn unplaced_base(&mut self, file: FileId, bases: &[Name], depth: usize) -> Option<String> {
        if depth > 8 {
            return None;
        }
        for base in bases {
            let resolved = self.resolve(file, base);
            let reason = match resolved.entity {
                Entity::Unknown if BUILTINS.contains(&base.as_str()) => continue,
                Entity::Unknown => format!("base `{base}` could not be resolved"),
                Entity::External(path) => {
                    let root = path.split('.').next().unwrap_or(&path);
                    if PLAIN_ROOTS.contains(&root) || PLAIN_ROOTS.contains(&path.as_str()) {
                        continue;
                    }
                    format!("base `{base}` is `{path}`, from outside the project, which the index cannot read")
                }
                Entity::Class(f, c) => {
                    if self.roles.get(&(f, c)) != Some(&Role::Plain) {
                        continue;
                    }
                    let parent = &self.facts(f).classes[c];
                    match self.unplaced_base(f, &parent.bases, depth + 1) {
                        Some(reason) => format!("its parent `{}`: {reason}", parent.name),
                        None => continue,
                    }
                }
                Entity::Decl(..)
                | Entity::Function(..)
                | Entity::Table(..)
                | Entity::Pattern(_)
                | Entity::Module(_) => {
                    format!("base `{base}` could not be resolved to a declarative base")
                }
            };
            return Some(reason);
        }
        None
    }

    /// A `Table(...)` call whose metadata the index cannot follow; `None` for a `Table` that is
    /// not SQLAlchemy's (`rich.table.Table("title")`).
    pub(super) fn unplaced_table(&mut self, file: FileId, table: &TableCall) -> Option<String> {
        if !self.may_be_sqlalchemy_table(file, &table.callee) {
            return None;
        }
        match &table.metadata {
            Some(metadata) => Some(format!("metadata `{metadata}` could not be resolved")),
            None if table.columns.is_empty() => None,
            None => Some(format!(
                "`{}` is not called with a metadata the index can follow",
                table.callee
            )),
        }
    }

    /// Whether a call named `Table` may make a SQLAlchemy table: not when it is a project's own
    /// class or function (Superset's `sql_parse.Table("name", "schema")`) or another library's
    /// (`rich.table.Table("title")`).
    fn may_be_sqlalchemy_table(&mut self, file: FileId, callee: &str) -> bool {
        match self.resolve(file, callee).entity {
            Entity::External(path) => {
                let root = path.split('.').next().unwrap_or(&path);
                matches!(
                    root,
                    "sqlalchemy" | "sqlmodel" | "flask_sqlalchemy" | "flask_appbuilder"
                )
            }
            Entity::Class(..) | Entity::Function(..) => false,
            _ => true,
        }
    }
}

/// A computed name's source as one short line for a warning.
fn short(source: &str) -> String {
    const MAX: usize = 60;
    let line = source.lines().next().unwrap_or_default();
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None if line.len() < source.len() => format!("{line}..."),
        None => line.to_owned(),
    }
}

impl super::Models {
    /// A definition whose schema cannot be read (a computed `__table_args__`) is compared with no
    /// other definition of its table: where another definition of that name on the same metadata
    /// makes that matter, it is listed as not understood, so "no findings" is never said about a
    /// duplicate the index could not tell apart from two schemas' tables.
    pub(crate) fn note_unknown_schemas(&mut self, files: &[crate::index::SourceFile]) {
        const SHOWN: usize = 3;
        for def in self.tables.iter().filter(|d| !d.schema_known) {
            let others: Vec<String> = self
                .tables
                .iter()
                .filter(|o| {
                    !std::ptr::eq(*o, def)
                        && o.metadata == def.metadata
                        && o.bind_key == def.bind_key
                        && o.name == def.name
                })
                .map(|o| {
                    let file = &files[o.file];
                    format!("{}:{}", file.display, file.line_col(o.offset).0)
                })
                .collect();
            if others.is_empty() {
                continue;
            }
            let more = match others.len().saturating_sub(SHOWN) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            let others_of = match others.len() {
                1 => "the other definition",
                _ => "the other definitions",
            };
            self.not_understood.push(NotUnderstood {
                file: def.file,
                offset: def.offset,
                symbol: def.symbol.clone(),
                reason: format!(
                    "its schema cannot be read (its `__table_args__` is computed), so it is not \
                     compared with {others_of} of table `{}` on its metadata ({}{more}); a \
                     literal `{{\"schema\": \"...\"}}` in `__table_args__` can be read",
                    def.name,
                    others[..others.len().min(SHOWN)].join(", ")
                ),
            });
        }
    }
}
