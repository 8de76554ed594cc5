//! The one door to the Python parser. Everything else sees `parse` and the small expression
//! helpers below, so that upgrading `ruff_python_parser` touches only this module.

pub use ruff_python_ast as ast;
pub use ruff_text_size::{Ranged, TextRange};

use ast::{Expr, ModModule};
use compact_str::CompactString;

mod depth;

pub struct SyntaxError {
    pub offset: u32,
    pub message: String,
}

pub type Module = ruff_python_parser::Parsed<ModModule>;

/// Parses a module. Call it, use the tree and drop it inside `on_parse_stack`: the parser, the
/// visitors and the tree's destructor recurse once per level of nesting.
///
/// What the parser cannot handle is a `SyntaxError` too, never a crash: text nested deeper than
/// `MAX_DEPTH` (it would overflow even the parse threads' stack), text over 4 GiB (offsets are
/// `u32`), and a panic inside the parser.
pub fn parse(text: &str) -> Result<Module, SyntaxError> {
    if text.len() > MAX_FILE_SIZE as usize {
        return Err(SyntaxError {
            offset: 0,
            message: too_large(text.len() as u64),
        });
    }
    if let Some((depth, offset)) = depth::deeper_than(text, MAX_DEPTH) {
        return Err(SyntaxError {
            offset,
            message: format!(
                "nested too deeply to analyze (at least {depth} levels here; the limit is {MAX_DEPTH}, and CPython refuses code nested deeper than about 3000)"
            ),
        });
    }
    let parsed = std::panic::catch_unwind(|| ruff_python_parser::parse_module(text));
    match parsed {
        Ok(Ok(module)) => Ok(module),
        Ok(Err(err)) => Err(SyntaxError {
            offset: err.location.start().to_u32(),
            message: err.error.to_string(),
        }),
        Err(panic) => Err(SyntaxError {
            offset: 0,
            message: format!(
                "the parser failed on it ({}); this is a bug in the parser: please report it",
                panic_message(&*panic)
            ),
        }),
    }
}

/// The largest file the parser takes: its offsets are `u32`.
pub const MAX_FILE_SIZE: u64 = u32::MAX as u64;

/// The message for a file over `MAX_FILE_SIZE`.
pub fn too_large(len: u64) -> String {
    format!("is {len} bytes; files over 4 GiB are not analyzed")
}

/// The deepest nesting `parse` takes, as `depth::deeper_than` estimates it. Above what CPython
/// compiles (its compiler stops at about 3000 levels, its tokenizer at 200 brackets), so every
/// file Python can run is analyzed.
pub const MAX_DEPTH: u32 = 4000;

/// Stack of the parse threads: enough for `MAX_DEPTH` levels of the parser, the fact extraction
/// and the tree's destructor in a debug build, with room to spare. Only what is touched is
/// committed.
const PARSE_STACK: usize = 256 << 20;

/// Runs `f` on the parse threads (a rayon pool with `PARSE_STACK`), and its parallel iterators
/// too.
pub fn on_parse_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(PARSE_STACK)
            .thread_name(|i| format!("parse-{i}"))
            .build()
            .expect("the parse threads start")
    });
    pool.install(f)
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic".to_owned()
    }
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
