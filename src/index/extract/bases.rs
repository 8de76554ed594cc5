//! Declarative bases and metadata objects built by a call: `declarative_base()`, `registry()`,
//! `reg.generate_base()`, `MetaData()`, Flask-SQLAlchemy's `SQLAlchemy()`.

use crate::index::facts::*;
use crate::python::ast::{self, Expr, Stmt};
use crate::python::{callee_name, dotted, keyword, string_literal};

/// `declarative_base()`, `registry()`, `reg.generate_base()`, `MetaData()`, `SQLAlchemy()`.
pub(super) fn decl_kind(value: &Expr) -> Option<(DeclKind, MetadataArg)> {
    let Expr::Call(call) = value else { return None };
    let metadata_kw = || metadata_keyword(call);
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
            // `registry(metadata=...).generate_base()`: a base on a registry of its own, as
            // `declarative_base(metadata=...)` builds one.
            if let inner @ Expr::Call(registry) = attr.value.as_ref() {
                return (callee_name(inner) == Some("registry"))
                    .then(|| (DeclKind::DeclarativeBase, metadata_keyword(registry)));
            }
            Some((
                DeclKind::GenerateBase,
                MetadataArg::Ref(dotted(&attr.value)?),
            ))
        }
        _ => None,
    }
}

/// The `cls=` of `declarative_base(cls=PreBase)` or `reg.generate_base(cls=PreBase)`: the class
/// every model on the base derives from.
pub(super) fn decl_mixin(value: &Expr) -> Option<Name> {
    let Expr::Call(call) = value else { return None };
    match callee_name(value)? {
        "declarative_base" | "generate_base" => keyword(call, "cls").and_then(dotted),
        _ => None,
    }
}

/// The `metadata=` keyword of a base factory.
fn metadata_keyword(call: &ast::ExprCall) -> MetadataArg {
    match keyword(call, "metadata") {
        Some(value @ Expr::Call(inner)) if callee_name(value) == Some("MetaData") => {
            MetadataArg::Inline {
                schema: keyword(inner, "schema").and_then(string_literal),
            }
        }
        Some(other) => dotted(other).map_or(MetadataArg::Own, MetadataArg::Ref),
        None => MetadataArg::Own,
    }
}

/// Any other call of a dotted name, which may build a base under a name this file cannot judge:
/// `SA()`, `make_base()`, `AppSQLAlchemy()`, `versioned_base("x", 1)`, `Settings()`. The index
/// resolves the callee across files and only then knows; until then it costs one `Decl`.
pub(super) fn call_decl(value: &Expr) -> Option<(MetadataArg, Name)> {
    let Expr::Call(call) = value else { return None };
    let callee = dotted(&call.func)?;
    Some((metadata_keyword(call), callee))
}

/// What a module-level function returns, when it may be a base: the callee of a returned call
/// (directly or through a local name), a class defined in the function, or a module name.
pub(super) fn function_returns(body: &[Stmt]) -> Option<Returned> {
    let mut locals: Vec<(Name, Returned)> = Vec::new();
    let mut found = None;
    scan_body(body, &mut locals, &mut found);
    found
}

fn returned_call(call: &ast::ExprCall) -> Option<Returned> {
    Some(Returned::Call {
        callee: dotted(&call.func)?,
        metadata: keyword(call, "metadata").and_then(dotted),
    })
}

fn scan_body(body: &[Stmt], locals: &mut Vec<(Name, Returned)>, found: &mut Option<Returned>) {
    for stmt in body {
        if found.is_some() {
            return;
        }
        match stmt {
            Stmt::Assign(assign) => {
                if let ([Expr::Name(target)], Expr::Call(call)) =
                    (assign.targets.as_slice(), assign.value.as_ref())
                {
                    if let Some(returned) = returned_call(call) {
                        locals.push((target.id.as_str().into(), returned));
                    }
                }
            }
            Stmt::ClassDef(class) => {
                let declarative = class
                    .decorator_list
                    .iter()
                    .find_map(|d| match &d.expression {
                        Expr::Call(call)
                            if dotted(&call.func).is_some_and(|n| {
                                n.rsplit('.').next() == Some("as_declarative")
                            }) =>
                        {
                            Some(keyword(call, "metadata").and_then(dotted))
                        }
                        other if dotted(other).is_some_and(|n| n.ends_with("as_declarative")) => {
                            Some(None)
                        }
                        _ => None,
                    });
                let returned = match declarative {
                    Some(metadata) => Some(Returned::Declarative { metadata }),
                    None => class
                        .bases()
                        .first()
                        .and_then(dotted)
                        .map(Returned::SubclassOf),
                };
                if let Some(returned) = returned {
                    locals.push((class.name.as_str().into(), returned));
                }
            }
            Stmt::Return(ret) => {
                *found = match ret.value.as_deref() {
                    Some(Expr::Call(call)) => returned_call(call),
                    Some(Expr::Name(name)) => Some(
                        locals
                            .iter()
                            .rev()
                            .find(|(local, _)| local == name.id.as_str())
                            .map_or_else(
                                || Returned::Name(name.id.as_str().into()),
                                |(_, r)| r.clone(),
                            ),
                    ),
                    _ => None,
                };
            }
            Stmt::If(if_stmt) => {
                scan_body(&if_stmt.body, locals, found);
                for clause in &if_stmt.elif_else_clauses {
                    scan_body(&clause.body, locals, found);
                }
            }
            Stmt::With(with) => scan_body(&with.body, locals, found),
            Stmt::Try(try_stmt) => {
                scan_body(&try_stmt.body, locals, found);
                scan_body(&try_stmt.orelse, locals, found);
            }
            _ => {}
        }
    }
}
