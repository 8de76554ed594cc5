//! What a call or an attribute stands for once it is followed across files: `SA()` is
//! Flask-SQLAlchemy's `SQLAlchemy()`, `AppSQLAlchemy()` builds a subclass of it,
//! `versioned_base("x", 1)` returns a new declarative base, `settings.Base` is the base a
//! `Settings` class holds. Everything else resolves as `Resolver` says.

use super::Builder;
use crate::index::facts::*;
use crate::index::module_map::FileId;
use crate::index::resolve::{Entity, Resolved};

/// How deep calls, functions and subclasses are followed; real code needs two or three.
const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum CallTarget {
    /// The call builds a base of this kind; `built`: inside a project function or on a class;
    /// `metadata`: the `metadata=` it is built with there, in that function's file.
    Factory {
        kind: DeclKind,
        built: bool,
        metadata: Option<(FileId, Name)>,
    },
    /// An instance of a project class: its attributes are the bases that class holds.
    Instance(FileId, usize),
    /// The call returns something that exists already (a function returning the module's `Base`).
    Is(Resolved),
    Nothing,
}

impl Builder<'_> {
    /// What `dotted` in `file` stands for, with calls, functions and held bases followed.
    pub(super) fn resolve(&mut self, file: FileId, dotted: &str) -> Resolved {
        let resolved = self.resolver.resolve(file, dotted);
        self.follow(resolved, 0)
    }

    fn follow(&mut self, resolved: Resolved, depth: usize) -> Resolved {
        if depth > MAX_DEPTH {
            return resolved;
        }
        match &resolved.entity {
            Entity::Decl(f, d) if self.facts(*f).decls[*d].kind == DeclKind::Call => {
                match self.call_target(*f, *d) {
                    CallTarget::Instance(cf, cc) => match self.held(cf, cc, &resolved.rest) {
                        Some(held) => self.follow(held, depth + 1),
                        None => resolved,
                    },
                    CallTarget::Is(target) => {
                        let mut target = target;
                        target.rest.extend(resolved.rest);
                        self.follow(target, depth + 1)
                    }
                    CallTarget::Factory { .. } | CallTarget::Nothing => resolved,
                }
            }
            Entity::Class(f, c) => match self.held(*f, *c, &resolved.rest) {
                Some(held) => self.follow(held, depth + 1),
                None => resolved,
            },
            _ => resolved,
        }
    }

    /// `Settings.Base` or `settings.Base`: the base class `Settings` holds as `Base`.
    fn held(&self, file: FileId, class: usize, rest: &[String]) -> Option<Resolved> {
        let attr = rest.first()?;
        let class_name = &self.facts(file).classes[class].name;
        let index = self.facts(file).decls.iter().position(|d| {
            d.is_held()
                && d.name
                    .strip_prefix(class_name.as_str())
                    .and_then(|n| n.strip_prefix('.'))
                    == Some(attr.as_str())
        })?;
        Some(Resolved {
            entity: Entity::Decl(file, index),
            rest: rest[1..].to_vec(),
        })
    }

    /// The kind of base declaration `index` of `file` builds, with calls followed; `None` when it
    /// builds none. The flag says whether it was built in a project function or held on a class.
    pub(super) fn decl_kind(&mut self, file: FileId, index: usize) -> Option<(DeclKind, bool)> {
        let decl = &self.facts(file).decls[index];
        if decl.kind != DeclKind::Call {
            return Some((decl.kind, decl.is_held()));
        }
        match self.call_target(file, index) {
            CallTarget::Factory { kind, built, .. } => Some((kind, built)),
            _ => None,
        }
    }

    pub(super) fn call_target(&mut self, file: FileId, index: usize) -> CallTarget {
        if let Some(target) = self.calls.get(&(file, index)) {
            return target.clone();
        }
        self.calls.insert((file, index), CallTarget::Nothing);
        let callee = self.facts(file).decls[index].callee.clone();
        let target = self.callee_target(file, &callee, false, 0);
        self.calls.insert((file, index), target.clone());
        target
    }

    /// What calling `callee` (a dotted name in `file`) gives.
    fn callee_target(
        &mut self,
        file: FileId,
        callee: &str,
        built: bool,
        depth: usize,
    ) -> CallTarget {
        if depth > MAX_DEPTH {
            return CallTarget::Nothing;
        }
        let resolved = self.resolver.resolve(file, callee);
        if !resolved.rest.is_empty() {
            return CallTarget::Nothing;
        }
        match resolved.entity {
            Entity::External(path) => match factory_kind(&path) {
                Some(kind) => CallTarget::Factory {
                    kind,
                    built,
                    metadata: None,
                },
                None => CallTarget::Nothing,
            },
            Entity::Class(f, c) => {
                if self.subclasses_flask(f, c, depth) {
                    CallTarget::Factory {
                        kind: DeclKind::FlaskSqlalchemy,
                        built,
                        metadata: None,
                    }
                } else {
                    CallTarget::Instance(f, c)
                }
            }
            Entity::Function(f, i) => match self.facts(f).functions[i].returns.clone() {
                Returned::Call { callee, metadata } => {
                    match self.callee_target(f, &callee, true, depth + 1) {
                        CallTarget::Factory {
                            kind,
                            built,
                            metadata: None,
                        } => CallTarget::Factory {
                            kind,
                            built,
                            metadata: metadata.map(|m| (f, m)),
                        },
                        other => other,
                    }
                }
                Returned::Declarative { metadata } => CallTarget::Factory {
                    kind: DeclKind::DeclarativeBase,
                    built: true,
                    metadata: metadata.map(|m| (f, m)),
                },
                Returned::TableName(_) => CallTarget::Nothing,
                Returned::SubclassOf(name) | Returned::Name(name) => {
                    let target = self.resolver.resolve(f, &name);
                    match target.entity {
                        Entity::Unknown => CallTarget::Nothing,
                        _ => CallTarget::Is(target),
                    }
                }
            },
            _ => CallTarget::Nothing,
        }
    }

    /// `class AppSQLAlchemy(SQLAlchemy)`, through project subclasses.
    fn subclasses_flask(&self, file: FileId, class: usize, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        self.facts(file).classes[class].bases.iter().any(|base| {
            match self.resolver.resolve(file, base).entity {
                Entity::External(path) => factory_kind(&path) == Some(DeclKind::FlaskSqlalchemy),
                Entity::Class(f, c) => self.subclasses_flask(f, c, depth + 1),
                _ => false,
            }
        })
    }
}

/// The base factories of SQLAlchemy and Flask-SQLAlchemy, by their full imported path.
fn factory_kind(path: &str) -> Option<DeclKind> {
    let (module, name) = path.rsplit_once('.').unwrap_or(("", path));
    let root = module.split('.').next().unwrap_or("");
    match (root, name) {
        ("sqlalchemy", "declarative_base") => Some(DeclKind::DeclarativeBase),
        ("sqlalchemy", "registry") => Some(DeclKind::Registry),
        ("sqlalchemy" | "sqlmodel", "MetaData") => Some(DeclKind::MetaData),
        ("flask_sqlalchemy", "SQLAlchemy") => Some(DeclKind::FlaskSqlalchemy),
        _ => None,
    }
}
