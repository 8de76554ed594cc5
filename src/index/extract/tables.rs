//! Imperative tables: `Table("name", metadata, ...)` calls and a class's `__table_args__`, with
//! their columns, constraints and band-aid flags (and the edits that remove each flag).

use super::{Collector, BAND_AIDS};
use crate::index::facts::*;
use crate::index::removal::{remove_item, remove_statement, List};
use crate::python::ast::{self, Expr};
use crate::python::{callee_name, dotted, is_true, keyword, offset, string_literal, Ranged};

impl Collector<'_> {
    /// `Table("name", metadata, Column(...), ..., schema=..., extend_existing=True)`.
    pub(super) fn table_call(
        &self,
        value: &Expr,
        assigned: Option<&str>,
        stmt: Span,
        class: Option<usize>,
    ) -> Option<TableCall> {
        let Expr::Call(call) = value else { return None };
        let callee = dotted(&call.func)?;
        if !(callee == "Table" || callee.ends_with(".Table")) {
            return None;
        }
        let args = &call.arguments.args;
        let name = string_literal(args.first()?)?;
        let metadata = args
            .get(1)
            .filter(|a| callee_name(a).is_none_or(|n| n != "Column"))
            .and_then(dotted);
        let mut table = TableCall {
            name,
            assigned: assigned.map(Name::from),
            stmt,
            callee,
            metadata,
            schema: keyword(call, "schema").and_then(string_literal),
            bind_key: keyword(call, "bind_key").and_then(string_literal),
            columns: Vec::new(),
            constraints: Vec::new(),
            flags: Vec::new(),
            reflected: keyword(call, "autoload_with").is_some()
                || keyword(call, "autoload").is_some_and(is_true),
            class,
            in_tests: self.in_tests,
        };
        for arg in args.iter().skip(1) {
            let Some(name) = callee_name(arg) else {
                continue;
            };
            let Expr::Call(inner) = arg else { continue };
            if name == "Column" {
                let column_name = inner
                    .arguments
                    .args
                    .first()
                    .and_then(string_literal)
                    .unwrap_or_default();
                table
                    .columns
                    .push(self.column(&column_name, inner, offset(arg.range()), None));
            } else if let Some(constraint) = constraint(name, inner) {
                table.constraints.push(constraint);
            }
        }
        let list = List {
            close: call.arguments.range.end().to_u32() - 1,
            items: call
                .arguments
                .iter_source_order()
                .map(|a| offset(a.range()))
                .collect(),
            tuple: false,
        };
        for kw in &call.arguments.keywords {
            if let Some(arg) = &kw.arg {
                if BAND_AIDS.contains(&arg.as_str()) && is_true(&kw.value) {
                    let index = list
                        .items
                        .iter()
                        .position(|s| *s == offset(kw.range))
                        .unwrap_or(0);
                    table.flags.push(BandAid {
                        flag: arg.as_str().into(),
                        span: offset(kw.range),
                        removal: remove_item(self.text, &list, index),
                        emptied: Vec::new(),
                    });
                }
            }
        }
        Some(table)
    }
}

/// `own_statement`: whether `stmt` is an assignment that can go when the value becomes empty
/// (false for a `declared_attr` body, which returns the value).
pub(super) fn table_args(expr: &Expr, stmt: Span, text: &str, own_statement: bool) -> TableArgs {
    let mut args = TableArgs {
        stmt,
        known: true,
        ..TableArgs::default()
    };
    let (dict, tuple) = match expr {
        Expr::Dict(dict) => (Some(dict), None),
        Expr::Tuple(tuple) => {
            for item in &tuple.elts {
                if let (Some(name), Expr::Call(call)) = (callee_name(item), item) {
                    if let Some(c) = constraint(name, call) {
                        args.constraints.push(c);
                    }
                }
            }
            match tuple.elts.last() {
                Some(Expr::Dict(dict)) => (Some(dict), Some(tuple)),
                _ => (None, Some(tuple)),
            }
        }
        _ => {
            args.known = false;
            (None, None)
        }
    };
    let Some(dict) = dict else { return args };
    let entries = List {
        close: dict.range.end().to_u32() - 1,
        items: dict.items.iter().map(dict_item_span).collect(),
        tuple: false,
    };
    let emptied_dict = || {
        let (start, end) = offset(dict.range);
        vec![TextEdit {
            start,
            end,
            content: "{}".into(),
        }]
    };
    // What goes when the dict would be left empty: the dict from the tuple, or the statement.
    let empty_dict_removal = || -> Vec<TextEdit> {
        match tuple {
            Some(tuple) if tuple.elts.len() > 1 => {
                let list = List {
                    close: tuple.range.end().to_u32() - 1,
                    items: tuple.elts.iter().map(|e| offset(e.range())).collect(),
                    tuple: true,
                };
                remove_item(text, &list, tuple.elts.len() - 1)
            }
            _ if own_statement => vec![remove_statement(text, stmt)],
            _ => emptied_dict(),
        }
    };
    let statement_goes = own_statement && tuple.is_none_or(|t| t.elts.len() <= 1);
    let band_aids = dict
        .items
        .iter()
        .filter(|i| {
            i.key
                .as_ref()
                .and_then(string_literal)
                .is_some_and(|k| BAND_AIDS.contains(&k.as_str()))
                && is_true(&i.value)
        })
        .count();
    for (index, item) in dict.items.iter().enumerate() {
        let Some(key) = item.key.as_ref().and_then(string_literal) else {
            args.known = false; // `**other_args`
            continue;
        };
        match key.as_str() {
            "schema" => match string_literal(&item.value) {
                Some(schema) => args.schema = Some(schema),
                None => args.known = false,
            },
            "autoload_with" | "autoload" => args.reflected = true,
            flag if BAND_AIDS.contains(&flag) && is_true(&item.value) => {
                // The last band-aid of a dict that holds nothing else takes the dict with it.
                let (removal, emptied) = if dict.items.len() == band_aids {
                    let first = dict.items.iter().position(|i| {
                        i.key
                            .as_ref()
                            .and_then(string_literal)
                            .is_some_and(|k| BAND_AIDS.contains(&k.as_str()))
                    });
                    if first == Some(index) {
                        let emptied = if statement_goes {
                            emptied_dict()
                        } else {
                            Vec::new()
                        };
                        (empty_dict_removal(), emptied)
                    } else {
                        (Vec::new(), Vec::new())
                    }
                } else {
                    (remove_item(text, &entries, index), Vec::new())
                };
                args.flags.push(BandAid {
                    flag: key.clone(),
                    span: entries.items[index],
                    removal,
                    emptied,
                });
            }
            _ => {}
        }
    }
    args
}

fn dict_item_span(item: &ast::DictItem) -> Span {
    let start = item
        .key
        .as_ref()
        .map_or(item.value.range().start(), |k| k.range().start());
    (start.to_u32(), item.value.range().end().to_u32())
}

pub(super) fn constraint(name: &str, call: &ast::ExprCall) -> Option<Constraint> {
    if !(name.ends_with("Constraint") || name == "Index") {
        return None;
    }
    let fk_targets = if name == "ForeignKeyConstraint" {
        match call.arguments.args.get(1) {
            Some(Expr::List(list)) => list.elts.iter().filter_map(string_literal).collect(),
            Some(Expr::Tuple(tuple)) => tuple.elts.iter().filter_map(string_literal).collect(),
            _ => Vec::new(),
        }
    } else {
        Vec::new()
    };
    // `Index("ix_name", "col", ...)` names itself first; the constraints name columns first.
    let skip = usize::from(name == "Index");
    let columns_of = |expr: &Expr| -> Vec<Name> {
        match expr {
            Expr::List(list) => list.elts.iter().filter_map(column_ref).collect(),
            Expr::Tuple(tuple) => tuple.elts.iter().filter_map(column_ref).collect(),
            other => column_ref(other).into_iter().collect(),
        }
    };
    let columns = if name == "ForeignKeyConstraint" {
        call.arguments
            .args
            .first()
            .map(columns_of)
            .unwrap_or_default()
    } else if name == "CheckConstraint" || name == "ExcludeConstraint" {
        Vec::new() // an SQL expression, not column names
    } else {
        call.arguments
            .args
            .iter()
            .skip(skip)
            .filter_map(column_ref)
            .collect()
    };
    Some(Constraint {
        kind: name.into(),
        span: offset(call.range()),
        fk_targets,
        columns,
        unique: keyword(call, "unique").is_some_and(is_true),
        fk_options: if name == "ForeignKeyConstraint" {
            super::columns::fk_options_of(call)
        } else {
            Vec::new()
        },
    })
}

/// A column named in a constraint: `"email"`, `email` (a `Column` bound in the class body),
/// `User.email`, `users.c.email`: the last name.
fn column_ref(expr: &Expr) -> Option<Name> {
    string_literal(expr).or_else(|| dotted(expr).map(|d| d.rsplit('.').next().unwrap_or(&d).into()))
}
