//! DM001 for a `Table(...)` and a mapped class of one table. A class cannot stand in for a
//! Table (`secondary=` and `.c` need the Table) and a Table cannot stand in for a class, so
//! neither becomes a re-export of the other: a kept class gives the Table name its
//! `__table__` (`post_tags = PostTag.__table__`); a kept Table is mapped by the class, which
//! keeps its relationships and methods (`__table__ = post_tags` instead of `__tablename__` and
//! the Column attributes).

use super::{new_import, Planner};
use crate::index::facts::{Binding, Span, TableCall, TextEdit};
use crate::index::models::{Origin, TableDef};
use crate::index::removal::remove_statement;

/// The `Table(...)` call of a definition that is a bare Table, not a class's `__table__`.
pub fn bare_table<'a>(p: &Planner<'a, '_>, def: &TableDef) -> Option<&'a TableCall> {
    match def.origin {
        Origin::Table(i) => {
            let call = &p.ctx.index.files[def.file].facts.tables[i];
            call.class.is_none().then_some(call)
        }
        Origin::Class(_) => None,
    }
}

/// Whether one of the two is a bare Table and the other a mapped class (a Table mapped onto a
/// class imperatively stands for that class: its declarative copies re-export the class).
pub fn is_pair(p: &Planner, dup: &TableDef, canonical: &TableDef) -> bool {
    canonical.imperative.is_none()
        && bare_table(p, dup).is_some() != bare_table(p, canonical).is_some()
        && [dup, canonical]
            .iter()
            .any(|d| matches!(d.origin, Origin::Class(_)))
}

/// The edits of one side of a pair, each with the span it removes (for the import cleanup).
pub struct PairFix {
    pub edits: Vec<(TextEdit, Option<Span>)>,
    /// The dup's module imports the canonical one afterwards.
    pub imports_canonical: bool,
}

/// A Table duplicate of a kept class: `name = Class.__table__`, with the class imported.
pub fn table_of_class(
    p: &Planner,
    dup: &TableDef,
    canonical: &TableDef,
    module: &str,
) -> Result<PairFix, String> {
    let call = bare_table(p, dup).ok_or("it is not a bare `Table(...)`")?;
    let Some(var) = call.assigned.as_deref() else {
        return Err(format!(
            "the `Table(\"{}\", ...)` at {} is not assigned to a name",
            dup.name,
            p.ctx.at(dup.file, dup.offset)
        ));
    };
    let class = canonical.symbol.as_str();
    let import = bound_to(p, dup, class, canonical)?;
    let mut edits = vec![(
        TextEdit {
            start: dup.span.0,
            end: dup.span.1,
            content: format!("{var} = {class}.__table__"),
        },
        Some(dup.span),
    )];
    if import {
        let import = new_import::from_import(p, dup.file, module, &[class], dup.span.0);
        edits.extend(import.into_iter().map(|e| (e, None)));
    }
    Ok(PairFix {
        edits,
        imports_canonical: true,
    })
}

/// A class duplicate of a kept Table: it maps the Table (`__table__ = name`) and keeps its
/// relationships and methods; its Column attributes and `__table_args__` go. Columns the Table
/// lacks go too: the caller fixes the pair only where they are dropped by choice or copied into
/// the Table by `--merge-columns`.
pub fn class_onto_table(
    p: &Planner,
    dup: &TableDef,
    canonical: &TableDef,
    module: &str,
) -> Result<PairFix, String> {
    let ctx = p.ctx;
    let Origin::Class(c) = dup.origin else {
        return Err("it is not a mapped class".into());
    };
    let call = bare_table(p, canonical).ok_or("the canonical is not a bare `Table(...)`")?;
    let Some(var) = call.assigned.as_deref() else {
        return Err(format!(
            "the canonical `Table(\"{}\", ...)` is not assigned to a name",
            canonical.name
        ));
    };
    let facts = &ctx.index.files[dup.file].facts;
    let class = &facts.classes[c];
    let text = p.text(dup.file);
    let Some(tablename) = class.tablename_stmt else {
        return Err(format!(
            "`{}` takes its `__tablename__` from a parent class",
            dup.symbol
        ));
    };
    let inside = |span: Span| dup.span.0 <= span.0 && span.1 <= dup.span.1;
    let kept: Vec<&str> = canonical.columns.iter().map(|c| c.name.as_str()).collect();
    let mut edits = vec![(
        TextEdit {
            start: tablename.0,
            end: tablename.1,
            content: format!("__table__ = {var}"),
        },
        Some(tablename),
    )];
    for column in &dup.columns {
        if !inside(column.span) {
            return Err(format!(
                "column `{}` of `{}` comes from a parent class, which would add it to `{var}`",
                column.name, dup.symbol
            ));
        }
        let statement = &text[column.span.0 as usize..column.span.1 as usize];
        let declared = kept.contains(&column.name.as_str());
        if declared && !statement.contains('=') {
            continue; // `id: Mapped[int]` alone maps the Table's column of that name
        }
        let annotation = statement
            .split_once('=')
            .map(|(target, _)| target.trim_end())
            .filter(|target| target.contains(':'));
        let same_name = column.attr == column.name;
        let content = match (annotation, same_name) {
            // Dropped, or copied into the Table by `--merge-columns`.
            _ if !declared => String::new(),
            // `id: Mapped[int]` alone maps the Table's column of that name.
            (Some(target), true) => target.to_owned(),
            (None, true) => String::new(),
            (None, false) if is_identifier(&column.name) => {
                format!("{} = {var}.c.{}", column.attr, column.name)
            }
            _ => {
                return Err(format!(
                    "attribute `{}` of `{}` maps column `{}` under another name; map it onto `{var}` by hand",
                    column.attr, dup.symbol, column.name
                ))
            }
        };
        let edit = if content.is_empty() {
            remove_statement(text, column.span)
        } else {
            TextEdit {
                start: column.span.0,
                end: column.span.1,
                content,
            }
        };
        edits.push((edit, Some(column.span)));
    }
    if let Some(args) = &class.table_args {
        if !args.constraints.is_empty() {
            return Err(format!(
                "the `__table_args__` of `{}` has constraints that `{var}` would not get; move them into the Table first",
                dup.symbol
            ));
        }
        edits.push((remove_statement(text, args.stmt), Some(args.stmt)));
    }
    if dup.flags.iter().any(|(f, _)| *f != dup.file) {
        return Err(format!(
            "`{}` takes `__table_args__` from a parent class",
            dup.symbol
        ));
    }
    let import = bound_to(p, dup, var, canonical)?;
    if import {
        let at = facts.classes[c].span.0;
        let import = new_import::from_import(p, dup.file, module, &[var], at);
        edits.extend(import.into_iter().map(|e| (e, None)));
    }
    Ok(PairFix {
        edits,
        imports_canonical: import,
    })
}

/// Whether `name` must be imported into the duplicate's module to mean the canonical
/// definition: false when it already does; an error when it names something else there.
fn bound_to(p: &Planner, dup: &TableDef, name: &str, canonical: &TableDef) -> Result<bool, String> {
    let ctx = p.ctx;
    let facts = &ctx.index.files[dup.file].facts;
    let Some(binding) = facts.bindings.get(name) else {
        return Ok(true);
    };
    let resolver = crate::index::resolve::Resolver {
        files: &ctx.index.files,
        map: &ctx.index.module_map,
    };
    let resolved = resolver.resolve(dup.file, name);
    let same = resolved.rest.is_empty()
        && match (resolved.entity, canonical.origin) {
            (crate::index::resolve::Entity::Class(f, i), Origin::Class(c)) => {
                f == canonical.file && i == c
            }
            (crate::index::resolve::Entity::Table(f, i), Origin::Table(t)) => {
                f == canonical.file && i == t
            }
            _ => false,
        };
    if same && matches!(binding, Binding::FromImport { .. }) {
        return Ok(false);
    }
    Err(format!(
        "{} already binds `{name}` to something else",
        ctx.index.files[dup.file].display
    ))
}

pub fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c == '_' || c.is_alphabetic())
        && name.chars().all(|c| c == '_' || c.is_alphanumeric())
}
