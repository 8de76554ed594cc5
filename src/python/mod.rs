//! The one door to the Python parser. Everything else sees `parse` and the small expression
//! helpers below, so that upgrading `ruff_python_parser` touches only this module.

pub use ruff_python_ast as ast;
pub use ruff_text_size::{Ranged, TextRange};

use ast::{Expr, ModModule};
use compact_str::CompactString;

pub struct SyntaxError {
    pub offset: u32,
    pub message: String,
}

pub type Module = ruff_python_parser::Parsed<ModModule>;

pub fn parse(text: &str) -> Result<Module, SyntaxError> {
    ruff_python_parser::parse_module(text).map_err(|err| SyntaxError {
        offset: err.location.start().to_u32(),
        message: err.error.to_string(),
    })
}

/// `a.b.c` as a dotted string, for names and attribute chains only.
pub fn dotted(expr: &Expr) -> Option<CompactString> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str().into()),
        Expr::Attribute(attr) => {
            let mut head = dotted(&attr.value)?;
            head.push('.');
            head.push_str(attr.attr.as_str());
            Some(head)
        }
        _ => None,
    }
}

/// The last segment of a call's callee: `Column` for `sa.Column(...)`, `db.Column(...)` and `Column(...)`.
pub fn callee_name(expr: &Expr) -> Option<&str> {
    let Expr::Call(call) = expr else { return None };
    match call.func.as_ref() {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attr) => Some(attr.attr.as_str()),
        _ => None,
    }
}

pub fn string_literal(expr: &Expr) -> Option<CompactString> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str().into()),
        _ => None,
    }
}

pub fn keyword<'a>(call: &'a ast::ExprCall, name: &str) -> Option<&'a Expr> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
        .map(|k| &k.value)
}

pub fn is_true(expr: &Expr) -> bool {
    matches!(expr, Expr::BooleanLiteral(b) if b.value)
}

pub fn offset(range: TextRange) -> (u32, u32) {
    (range.start().to_u32(), range.end().to_u32())
}
