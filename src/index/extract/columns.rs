//! Columns and the typing around them: `Column(...)`, `mapped_column(...)`, SQLModel `Field(...)`,
//! `Mapped[...]` annotations and the class a relationship annotation points at.

use super::Collector;
use crate::index::facts::*;
use crate::python::ast::{self, Expr};
use crate::python::{callee_name, dotted, is_true, keyword, string_literal};

impl Collector<'_> {
    pub(super) fn column(
        &self,
        attr: &str,
        call: &ast::ExprCall,
        span: Span,
        mapped_type: Option<&Expr>,
    ) -> Column {
        let args = &call.arguments.args;
        let name = args
            .first()
            .and_then(string_literal)
            .unwrap_or_else(|| attr.into());
        let mut foreign_key = keyword(call, "foreign_key").and_then(string_literal);
        // SQLModel's `Field(foreign_key=..., ondelete=...)`.
        let mut fk_options = foreign_key
            .as_ref()
            .map(|_| fk_options_of(call))
            .unwrap_or_default();
        // The SQL type written in the call wins over the Python type of a `Mapped[...]`.
        let mut type_text = None;
        let mut foreign_key_expr = false;
        for arg in args.iter() {
            match callee_name(arg) {
                Some("ForeignKey") => {
                    if let Expr::Call(fk) = arg {
                        let target = fk.arguments.args.first();
                        foreign_key_expr = target.is_some_and(|a| string_literal(a).is_none());
                        foreign_key = target.and_then(|a| string_literal(a).or_else(|| dotted(a)));
                        fk_options = fk_options_of(fk);
                    }
                }
                Some("Sequence" | "Identity" | "Computed") => {}
                _ if string_literal(arg).is_some() => {}
                _ if type_text.is_none() => type_text = Some(self.source(arg)),
                _ => {}
            }
        }
        if type_text.is_none() {
            type_text = keyword(call, "sa_type")
                .or_else(|| keyword(call, "type_"))
                .map(|t| self.source(t));
        }
        let python_type = type_text.is_none() && mapped_type.is_some();
        if python_type {
            type_text = mapped_type.map(|t| self.source(t));
        }
        Column {
            attr: attr.into(),
            name,
            span,
            type_text,
            foreign_key,
            foreign_key_expr,
            primary_key: keyword(call, "primary_key").is_some_and(is_true),
            nullable: keyword(call, "nullable").and_then(|v| match v {
                Expr::BooleanLiteral(b) => Some(b.value),
                _ => None,
            }),
            unique: keyword(call, "unique").is_some_and(is_true),
            index: keyword(call, "index").is_some_and(is_true),
            fk_options,
            has_default: [
                "default",
                "server_default",
                "default_factory",
                "insert_default",
            ]
            .iter()
            .any(|k| keyword(call, k).is_some()),
            python_type,
        }
    }
}

/// `ondelete=` and `onupdate=` of a `ForeignKey(...)`, `ForeignKeyConstraint(...)` or SQLModel
/// `Field(...)`, as `ondelete=CASCADE`.
pub(super) fn fk_options_of(call: &ast::ExprCall) -> Vec<Name> {
    ["ondelete", "onupdate"]
        .iter()
        .filter_map(|key| {
            let value = keyword(call, key)?;
            let text = string_literal(value).or_else(|| dotted(value))?;
            Some(format!("{key}={text}").into())
        })
        .collect()
}

pub(super) fn is_class_var(annotation: &Expr) -> bool {
    let head = match annotation {
        Expr::Subscript(sub) => dotted(&sub.value),
        other => dotted(other),
    };
    head.is_some_and(|h| h == "ClassVar" || h.ends_with(".ClassVar"))
}

/// For `Mapped[X]` returns (true, X); otherwise (false, the annotation).
pub(super) fn mapped_inner(annotation: &Expr) -> (bool, &Expr) {
    if let Expr::Subscript(sub) = annotation {
        if dotted(&sub.value).is_some_and(|h| h == "Mapped" || h.ends_with(".Mapped")) {
            return (true, &sub.slice);
        }
    }
    (false, annotation)
}

/// The class a relationship annotation points at: `List["Child"]`, `Optional["Parent"]`,
/// `"Parent"`, `list[Child]`, `Child | None`.
pub(super) fn annotation_target(annotation: &Expr) -> Option<Name> {
    match annotation {
        Expr::StringLiteral(s) => {
            let text = s.value.to_str();
            let inner = text.rsplit('[').next().unwrap_or(text);
            let inner = inner
                .trim_end_matches(']')
                .split('|')
                .next()
                .unwrap_or(inner)
                .trim();
            let inner = inner.trim_matches(|c| c == '"' || c == '\'');
            (!inner.is_empty()).then(|| inner.into())
        }
        Expr::Subscript(sub) => match sub.slice.as_ref() {
            Expr::Tuple(t) => t.elts.first().and_then(annotation_target),
            inner => annotation_target(inner),
        },
        Expr::BinOp(bin) => annotation_target(&bin.left),
        other => dotted(other),
    }
}
