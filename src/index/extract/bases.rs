//! Declarative bases and metadata objects built by a call: `declarative_base()`, `registry()`,
//! `reg.generate_base()`, `MetaData()`, Flask-SQLAlchemy's `SQLAlchemy()`.

use crate::index::facts::*;
use crate::python::ast::Expr;
use crate::python::{callee_name, dotted, keyword, string_literal};

/// `declarative_base()`, `registry()`, `reg.generate_base()`, `MetaData()`, `SQLAlchemy()`.
pub(super) fn decl_kind(value: &Expr) -> Option<(DeclKind, MetadataArg)> {
    let Expr::Call(call) = value else { return None };
    let metadata_kw = || match keyword(call, "metadata") {
        Some(value @ Expr::Call(inner)) if callee_name(value) == Some("MetaData") => {
            MetadataArg::Inline {
                schema: keyword(inner, "schema").and_then(string_literal),
            }
        }
        Some(other) => dotted(other).map_or(MetadataArg::Own, MetadataArg::Ref),
        None => MetadataArg::Own,
    };
    match callee_name(value)? {
        "declarative_base" => Some((DeclKind::DeclarativeBase, metadata_kw())),
        "registry" => Some((DeclKind::Registry, metadata_kw())),
        "SQLAlchemy" => Some((DeclKind::FlaskSqlalchemy, metadata_kw())),
        "MetaData" => Some((
            DeclKind::MetaData,
            MetadataArg::Inline {
                schema: keyword(call, "schema").and_then(string_literal),
            },
        )),
        "generate_base" => {
            let Expr::Attribute(attr) = call.func.as_ref() else {
                return None;
            };
            Some((
                DeclKind::GenerateBase,
                MetadataArg::Ref(dotted(&attr.value)?),
            ))
        }
        _ => None,
    }
}
