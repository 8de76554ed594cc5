//! Model classes: bases, decorators and the class-body idioms (`__tablename__`, `__table__`,
//! `__table_args__`, `__abstract__`, `__bind_key__`, `metadata`, column and relationship
//! attributes, `@declared_attr`).

use super::bases::{decl_kind, decl_mixin};
use super::columns::{annotation_target, is_class_var, mapped_inner};
use super::tables::table_args;
use super::{Collector, COLUMN_CALLS, RELATIONSHIP_CALLS};
use crate::index::facts::*;
use crate::index::table_name;
use crate::python::ast::{self, Expr, Stmt};
use crate::python::{callee_name, dotted, is_true, keyword, offset, string_literal, Ranged};

impl Collector<'_> {
    pub(super) fn class(&mut self, class: &ast::StmtClassDef) -> ClassFacts {
        let start = class
            .decorator_list
            .first()
            .map_or(class.range.start(), |d| d.range.start());
        let mut facts = ClassFacts {
            name: class.name.as_str().into(),
            span: (start.to_u32(), class.range.end().to_u32()),
            name_offset: class.name.range.start().to_u32(),
            bases: class.bases().iter().filter_map(base_name).collect(),
            table_kw: class.keywords().iter().any(|k| {
                k.arg.as_ref().is_some_and(|a| a.as_str() == "table") && is_true(&k.value)
            }),
            decorators: class
                .decorator_list
                .iter()
                .filter_map(|d| decorator_name(&d.expression))
                .collect(),
            tablename: None,
            table_args: None,
            table_attr: None,
            is_abstract: false,
            bind_key: None,
            metadata: None,
            columns: Vec::new(),
            relationships: Vec::new(),
            annotated_fields: Vec::new(),
            mapped_typing: false,
            in_tests: self.in_tests,
            looks_like_model: looks_like_model(class),
            tablename_of: None,
            tablename_stmt: None,
            metaclass: class.keywords().iter().find_map(|k| {
                k.arg
                    .as_ref()
                    .is_some_and(|a| a.as_str() == "metaclass")
                    .then(|| dotted(&k.value))
                    .flatten()
            }),
            sets_table: false,
        };
        let class_index = self.facts.classes.len();
        for stmt in &class.body {
            match stmt {
                Stmt::Assign(assign) => {
                    let [Expr::Name(target)] = assign.targets.as_slice() else {
                        continue;
                    };
                    if target.id.as_str() == "__table_args__" && class.body.len() == 1 {
                        // The class's only statement stays, emptied (`__table_args__ = {}`):
                        // removing it would leave the class without a body.
                        let span = offset(assign.range);
                        facts.table_args = Some(table_args(&assign.value, span, self.text, false));
                        continue;
                    }
                    self.class_attribute(
                        &mut facts,
                        class_index,
                        target.id.as_str(),
                        &assign.value,
                        None,
                        offset(assign.range),
                    );
                }
                Stmt::AnnAssign(ann) => {
                    let Expr::Name(target) = ann.target.as_ref() else {
                        continue;
                    };
                    let name = target.id.as_str();
                    if let Some(value) = &ann.value {
                        self.class_attribute(
                            &mut facts,
                            class_index,
                            name,
                            value,
                            Some(&ann.annotation),
                            offset(ann.range),
                        );
                    } else if !name.starts_with("__") && !is_class_var(&ann.annotation) {
                        let (mapped, inner) = mapped_inner(&ann.annotation);
                        facts.mapped_typing |= mapped;
                        let column =
                            plain_field(name, offset(ann.range), self.source(inner), false);
                        if mapped {
                            facts.columns.push(column);
                        } else {
                            facts.annotated_fields.push(column);
                        }
                    }
                }
                Stmt::FunctionDef(func) if func.name.as_str() == "__new__" => {
                    facts.sets_table = sets_table_keyword(&func.body);
                }
                Stmt::FunctionDef(func) if is_declared_attr(func) => match func.name.as_str() {
                    "__tablename__" => {
                        facts.tablename = Some(match table_name::rule_from_body(&func.body) {
                            Ok(rule) => TableName::Rule(rule),
                            Err(reason) => TableName::Unknown(Some(reason)),
                        });
                    }
                    "__table_args__" => {
                        let returned = match func.body.as_slice() {
                            [.., Stmt::Return(r)] => r.value.as_deref(),
                            _ => None,
                        };
                        let mut args = returned
                            .map(|e| table_args(e, offset(func.range), self.text, false))
                            .unwrap_or_default();
                        args.stmt = offset(func.range);
                        facts.table_args = Some(args);
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        facts
    }

    fn class_attribute(
        &mut self,
        facts: &mut ClassFacts,
        class_index: usize,
        name: &str,
        value: &Expr,
        annotation: Option<&Expr>,
        span: Span,
    ) {
        match name {
            "__tablename__" => {
                facts.tablename_stmt = Some(span);
                // `__tablename__ = user_table.name`: the name of a `Table` bound elsewhere.
                if let Expr::Attribute(attr) = value {
                    if attr.attr.as_str() == "name" {
                        facts.tablename_of = dotted(&attr.value);
                    }
                }
                facts.tablename = Some(match string_literal(value) {
                    Some(value_text) => TableName::Literal {
                        value: value_text,
                        span,
                    },
                    None if matches!(value, Expr::NoneLiteral(_)) => return,
                    None => TableName::Unknown(None),
                });
                return;
            }
            "__table_args__" => {
                facts.table_args = Some(table_args(value, span, self.text, true));
                return;
            }
            "__table__" => {
                facts.table_attr = Some(
                    match self.table_call(value, None, span, Some(class_index)) {
                        Some(table) => {
                            self.facts.tables.push(table);
                            TableAttr::Call(self.facts.tables.len() - 1)
                        }
                        None => TableAttr::Existing,
                    },
                );
                return;
            }
            "__abstract__" => {
                facts.is_abstract = is_true(value);
                return;
            }
            "__bind_key__" => {
                facts.bind_key = string_literal(value);
                return;
            }
            "metadata" => {
                facts.metadata = Some(match value {
                    Expr::Call(call) if callee_name(value) == Some("MetaData") => {
                        MetadataArg::Inline {
                            schema: keyword(call, "schema").and_then(string_literal),
                        }
                    }
                    other => dotted(other).map_or(MetadataArg::Own, MetadataArg::Ref),
                });
                return;
            }
            _ => {}
        }
        // `class Settings: Base = declarative_base()`: a base held on a class (or its instances).
        if let Some((kind, metadata)) = decl_kind(value).filter(|_| !name.starts_with("__")) {
            self.facts.decls.push(Decl {
                name: format!("{}.{name}", facts.name).into(),
                stmt: span,
                kind,
                metadata,
                callee: Name::default(),
                cls: decl_mixin(value),
            });
            return;
        }
        let (mapped, inner) = annotation.map_or((false, None), |a| {
            let (mapped, inner) = mapped_inner(a);
            (mapped, Some(inner))
        });
        facts.mapped_typing |= mapped;
        let call_name = callee_name(value);
        let Expr::Call(call) = value else {
            // `name: str = "default"` in a SQLModel class is a column with a default.
            if let (Some(inner), false) = (inner, name.starts_with("__")) {
                if !annotation.is_some_and(is_class_var) {
                    facts
                        .annotated_fields
                        .push(plain_field(name, span, self.source(inner), true));
                }
            }
            return;
        };
        match call_name {
            Some(n) if COLUMN_CALLS.contains(&n) => {
                let mut column = self.column(name, call, span, inner);
                if n == "Field" && column.type_text.is_none() {
                    column.type_text = inner.map(|i| self.source(i));
                    column.python_type = true;
                }
                facts.columns.push(column);
            }
            Some(n) if RELATIONSHIP_CALLS.contains(&n) => {
                let first = call.arguments.args.first();
                let (target, target_string) = match first {
                    Some(arg) => match string_literal(arg) {
                        Some(s) => (Some(s), Some(offset(arg.range()))),
                        None => (dotted(arg), None),
                    },
                    None => (inner.and_then(annotation_target), None),
                };
                facts.relationships.push(Relationship {
                    attr: name.into(),
                    span,
                    target,
                    target_string,
                    back_populates: keyword(call, "back_populates").and_then(string_literal),
                    secondary: keyword(call, "secondary").and_then(secondary),
                });
            }
            // `text: str = FullTextField()`, `vec: list[float] = embed_fn.VectorField(...)`: in a
            // SQLModel table, an annotated attribute is a column whatever builds its default (a
            // helper returning `Field(...)` included).
            _ => {
                if let (Some(inner), false) = (inner, name.starts_with("__")) {
                    if !annotation.is_some_and(is_class_var) {
                        facts.annotated_fields.push(plain_field(
                            name,
                            span,
                            self.source(inner),
                            true,
                        ));
                    }
                }
            }
        }
    }
}

/// An attribute that is a column only in a SQLModel table: `name: str`, `name: str = "x"`.
fn plain_field(name: &str, span: Span, type_text: Name, has_default: bool) -> Column {
    Column {
        attr: name.into(),
        name: name.into(),
        span,
        type_text: Some(type_text),
        foreign_key: None,
        foreign_key_expr: false,
        primary_key: false,
        nullable: None,
        unique: false,
        index: false,
        fk_options: Vec::new(),
        has_default,
        python_type: true,
    }
}

/// Whether a metaclass's `__new__` turns `table=True` on: `kwargs.setdefault("table", True)` or
/// `kwargs["table"] = True`, at any depth of its `if`s.
fn sets_table_keyword(body: &[Stmt]) -> bool {
    let is_table = |e: &Expr| string_literal(e).as_deref() == Some("table");
    body.iter().any(|stmt| match stmt {
        Stmt::Expr(expr) => match expr.value.as_ref() {
            Expr::Call(call) if callee_name(&expr.value) == Some("setdefault") => {
                matches!(call.arguments.args.as_ref(), [key, value] if is_table(key) && is_true(value))
            }
            _ => false,
        },
        Stmt::Assign(assign) => {
            is_true(&assign.value)
                && assign.targets.iter().any(
                    |t| matches!(t, Expr::Subscript(sub) if is_table(&sub.slice)),
                )
        }
        Stmt::If(if_stmt) => {
            sets_table_keyword(&if_stmt.body)
                || if_stmt
                    .elif_else_clauses
                    .iter()
                    .any(|c| sets_table_keyword(&c.body))
        }
        _ => false,
    })
}

/// `secondary=post_tags`, `secondary=lambda: post_tags`, `secondary="post_tags"`.
pub(super) fn secondary(value: &Expr) -> Option<Secondary> {
    match value {
        Expr::Lambda(lambda) => secondary(&lambda.body),
        other => match string_literal(other) {
            Some(table) => Some(Secondary::Table(table)),
            None => dotted(other).map(Secondary::Name),
        },
    }
}

/// A class base as a dotted name: `Base`, `db.Model`, `Generic[T]` -> `Generic`.
fn base_name(expr: &Expr) -> Option<Name> {
    match expr {
        Expr::Subscript(sub) => dotted(&sub.value),
        other => dotted(other),
    }
}

fn decorator_name(expr: &Expr) -> Option<Name> {
    match expr {
        Expr::Call(call) => dotted(&call.func),
        other => dotted(other),
    }
}

fn is_declared_attr(func: &ast::StmtFunctionDef) -> bool {
    func.decorator_list.iter().any(|d| {
        decorator_name(&d.expression)
            .is_some_and(|n| n.split('.').any(|part| part == "declared_attr"))
    })
}

/// Whether a class body has what only a model has (`ClassFacts::looks_like_model`).
pub(super) fn looks_like_model(class: &ast::StmtClassDef) -> bool {
    let table_kw = class
        .keywords()
        .iter()
        .any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "table") && is_true(&k.value));
    table_kw
        || class.body.iter().any(|stmt| {
            let (target, value, annotation) = match stmt {
                Stmt::Assign(assign) => match assign.targets.as_slice() {
                    [Expr::Name(target)] => (target, Some(assign.value.as_ref()), None),
                    _ => return false,
                },
                Stmt::AnnAssign(ann) => match ann.target.as_ref() {
                    Expr::Name(target) => {
                        (target, ann.value.as_deref(), Some(ann.annotation.as_ref()))
                    }
                    _ => return false,
                },
                _ => return false,
            };
            match target.id.as_str() {
                "__tablename__" => !matches!(value, Some(Expr::NoneLiteral(_))),
                "__table__" => true,
                _ => {
                    annotation.is_some_and(|a| mapped_inner(a).0)
                        || value.is_some_and(|v| {
                            matches!(callee_name(v), Some("Column" | "mapped_column"))
                        })
                }
            }
        })
}
