//! `--show-tables`: every table definition the index understood, one line each, so that a user
//! can see what the analysis saw before trusting "no findings" (ruff's `--show-files`). Rust
//! definitions (Diesel `table!` blocks, SeaORM entities) are listed with them, named by their
//! module path, with no base.

use std::fmt::Write;

use serde::Serialize;

use crate::index::models::Origin;
use crate::index::Index;
use crate::rust::{Orm, RustIndex};

#[derive(Serialize)]
struct Listing<'a> {
    version: u32,
    tables: Vec<Definition<'a>>,
}

#[derive(Serialize)]
struct Definition<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    table: &'a str,
    schema: Option<&'a str>,
    symbol: std::borrow::Cow<'a, str>,
    /// `class` for a mapped class, `table` for a `Table(...)` call; `diesel` for a `table!`
    /// block, `sea-orm` for an entity module.
    kind: &'static str,
    /// The declarative base or metadata (Python); none in Rust.
    base: Option<Base<'a>>,
}

#[derive(Serialize)]
struct Base<'a> {
    name: &'a str,
    /// Absent for a base that lives outside the project (SQLModel's own).
    path: Option<&'a str>,
    line: Option<u32>,
}

fn definitions<'a>(index: &'a Index, rust: Option<&'a RustIndex>) -> Vec<Definition<'a>> {
    let python = index.models.tables.iter().map(|table| {
        let file = &index.files[table.file];
        let (line, column) = file.line_col(table.offset);
        let base = &index.models.bases[table.registry];
        let (base_path, base_line) = match base.file {
            Some(f) => {
                let f = &index.files[f];
                (Some(f.display.as_str()), Some(f.line_col(base.offset).0))
            }
            None => (None, None),
        };
        let definition = Definition {
            path: &file.display,
            line,
            column,
            table: &table.name,
            schema: table.schema.as_deref(),
            symbol: table.symbol.as_str().into(),
            kind: match table.origin {
                Origin::Class(_) => "class",
                Origin::Table(_) => "table",
            },
            base: Some(Base {
                name: &base.name,
                path: base_path,
                line: base_line,
            }),
        };
        (table.offset, definition)
    });
    let rust = rust.into_iter().flat_map(|rust| {
        rust.tables.iter().map(move |table| {
            let file = &rust.files[table.file];
            let (line, column) = file.line_col(table.offset);
            let symbol = match &table.module {
                Some(module) => rust.module_name(module).into(),
                None => table.name.as_str().into(),
            };
            let definition = Definition {
                path: &file.display,
                line,
                column,
                table: &table.name,
                schema: table.schema.as_deref(),
                symbol,
                kind: match table.orm {
                    Orm::Diesel => "diesel",
                    Orm::SeaOrm => "sea-orm",
                },
                base: None,
            };
            (table.offset, definition)
        })
    });
    let mut out: Vec<(u32, Definition)> = python.chain(rust).collect();
    out.sort_by(|a, b| (a.1.path, a.0).cmp(&(b.1.path, b.0)));
    out.into_iter().map(|(_, d)| d).collect()
}

/// `path:line:col: schema.table  `Symbol` (class) on `Base` (path:line)`, then a count.
pub fn tables_text(index: &Index, rust: Option<&RustIndex>) -> String {
    let definitions = definitions(index, rust);
    let mut out = String::new();
    for d in &definitions {
        let table = match d.schema {
            Some(schema) => format!("{schema}.{}", d.table),
            None => d.table.to_owned(),
        };
        let base = match &d.base {
            Some(Base {
                name,
                path: Some(path),
                line: Some(line),
            }) => format!(" on `{name}` ({path}:{line})"),
            Some(Base { name, .. }) => format!(" on `{name}`"),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "{}:{}:{}: {table}  `{}` ({}){base}",
            d.path, d.line, d.column, d.symbol, d.kind
        );
    }
    let mut names: Vec<(Option<&str>, &str)> =
        definitions.iter().map(|d| (d.schema, d.table)).collect();
    names.sort_unstable();
    names.dedup();
    let _ = writeln!(
        out,
        "{} of {} ({} scanned).",
        plural(definitions.len(), "definition"),
        plural(names.len(), "table"),
        plural(index.live_files + rust.map_or(0, |r| r.files.len()), "file"),
    );
    out
}

pub fn tables_json(index: &Index, rust: Option<&RustIndex>) -> String {
    let listing = Listing {
        version: 1,
        tables: definitions(index, rust),
    };
    let mut out = serde_json::to_string_pretty(&listing).expect("a listing serialises");
    out.push('\n');
    out
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
