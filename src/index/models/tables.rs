//! The table definitions: each mapped class that creates a table and each `Table(...)` call tied
//! to a metadata, plus the `create_all` calls on those metadata.

use std::collections::HashMap;

use super::{
    BaseKind, Builder, CreateAllSite, Imperative, MappedClass, NotUnderstood, Origin, Role,
    TableDef,
};
use crate::index::facts::{Column, Constraint, Relationship};
use crate::index::module_map::FileId;
use crate::index::resolve::Entity;

/// The columns as the database sees them: a table-level `PrimaryKeyConstraint` makes its columns
/// primary, and a `UniqueConstraint` (or unique `Index`) on one column makes that column unique,
/// as `primary_key=True` and `unique=True` on the column would.
fn with_table_constraints(mut columns: Vec<Column>, constraints: &[Constraint]) -> Vec<Column> {
    for constraint in constraints {
        let named = |c: &Column| {
            constraint
                .columns
                .iter()
                .any(|n| *n == c.name || *n == c.attr)
        };
        match constraint.kind.as_str() {
            "PrimaryKeyConstraint" => {
                for column in columns.iter_mut().filter(|c| named(c)) {
                    column.primary_key = true;
                }
            }
            "UniqueConstraint" | "Index"
                if constraint.columns.len() == 1
                    && (constraint.kind == "UniqueConstraint" || constraint.unique) =>
            {
                for column in columns.iter_mut().filter(|c| named(c)) {
                    column.unique = true;
                }
            }
            _ => {}
        }
    }
    columns
}

impl Builder<'_> {
    pub(super) fn collect_tables(&mut self) {
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
                    args.flags
                        .iter()
                        .map(|b| {
                            let mut flag = b.clone();
                            if inherited.overrides_table_args && !flag.emptied.is_empty() {
                                flag.removal = std::mem::take(&mut flag.emptied);
                            }
                            (*f, flag)
                        })
                        .collect(),
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
                columns: with_table_constraints(columns, &constraints),
                relationships: inherited.relationships,
                constraints,
                flags,
                mapped_typing: inherited.mapped_typing,
                in_tests: class.in_tests,
                referenced: Default::default(),
                imperative: None,
            });
        }
        let mut imperative = self.imperative_maps();
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
                let Some(metadata) = metadata else {
                    if let Some(reason) = self.unplaced_table(file, table) {
                        let class = table.class.map(|c| &self.facts(file).classes[c]);
                        self.models.not_understood.push(NotUnderstood {
                            file,
                            offset: class.map_or(table.stmt.0, |c| c.name_offset),
                            symbol: class
                                .map(|c| &c.name)
                                .or(table.assigned.as_ref())
                                .unwrap_or(&table.name)
                                .to_string(),
                            reason,
                        });
                    }
                    continue;
                };
                let class = table.class.map(|c| &self.facts(file).classes[c]);
                let (imperative, mapped_relationships) = match imperative.remove(&(file, index)) {
                    Some((map, relationships)) if class.is_none() => (Some(map), relationships),
                    _ => (None, Vec::new()),
                };
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
                    columns: with_table_constraints(table.columns.clone(), &table.constraints),
                    relationships: class
                        .map(|c| c.relationships.clone())
                        .unwrap_or(mapped_relationships),
                    constraints: table.constraints.clone(),
                    flags: table.flags.iter().map(|b| (file, b.clone())).collect(),
                    mapped_typing: false,
                    in_tests: table.in_tests,
                    referenced: Default::default(),
                    imperative,
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

impl Builder<'_> {
    /// The bare Tables that `map_imperatively(Class, table)` maps a project class onto, by
    /// (file, index into its `tables`), with the mapping's `properties=` relationships. The
    /// first mapping of a table wins (a second one is a non-primary mapper in old code).
    fn imperative_maps(&self) -> HashMap<(usize, usize), (Imperative, Vec<Relationship>)> {
        let mut out = HashMap::new();
        for file in 0..self.files.len() {
            for map in &self.facts(file).imperative_maps {
                let table = self.resolver.resolve(file, &map.table);
                let class = self.resolver.resolve(file, &map.class);
                let (Entity::Table(tf, ti), Entity::Class(cf, ci)) = (table.entity, class.entity)
                else {
                    continue;
                };
                if !table.rest.is_empty() || !class.rest.is_empty() || map.class.contains('.') {
                    continue;
                }
                out.entry((tf, ti)).or_insert((
                    Imperative {
                        file,
                        name: map.class.to_string(),
                        class: (cf, ci),
                    },
                    map.relationships.clone(),
                ));
            }
        }
        out
    }
}
