//! `--merge-columns`: the column and relationship statements only a duplicate has are copied
//! into the canonical class, with the imports they need, before the duplicate is re-exported.

use std::collections::{BTreeMap, BTreeSet};

use super::{indentation, Planner};
use crate::index::facts::{Binding, Span, TextEdit};
use crate::index::models::{Origin, TableDef};
use crate::index::module_map::ModuleMap;

/// Identifiers in Python source outside string literals (a light scan, enough for column lines).
fn identifiers(text: &str) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'"' || b == b'\'' {
            let quote = b;
            i += 1;
            while i < bytes.len() && bytes[i] != quote {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if b == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if b == b'_' || b.is_ascii_alphabetic() {
            let start = i;
            while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            let preceded_by_dot = start > 0 && bytes[start - 1] == b'.';
            if !preceded_by_dot {
                out.insert(&text[start..i]);
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The edits (all in the canonical's file) that merge `dup`'s extra fields into `canonical`.
pub fn merge(
    p: &mut Planner,
    dup: &TableDef,
    canonical: &TableDef,
    already: &mut BTreeSet<String>,
) -> Result<Vec<TextEdit>, String> {
    // Into a class (from a class, or a bare Table's `Column("name", ...)` as `name = ...`), or
    // into a bare Table (a class's `name = Column(...)` as `Column("name", ...)`).
    let from_table = super::pairs::bare_table(p, dup).is_some();
    let into_table = super::pairs::bare_table(p, canonical).is_some();
    match (dup.origin, canonical.origin) {
        (Origin::Class(_), Origin::Class(_)) => {}
        (Origin::Table(_), Origin::Class(_)) if from_table => {}
        (Origin::Class(_), Origin::Table(_)) if into_table => {}
        _ => {
            return Err(
                "merging columns into or from a class's `__table__` is not supported; copy the columns by hand"
                    .into(),
            )
        }
    }
    let inside = |span: Span, def: &TableDef| def.span.0 <= span.0 && span.1 <= def.span.1;
    let (lost_columns, lost_relationships) = super::duplicates::lost(dup, canonical);
    if let (true, Some(r)) = (into_table, lost_relationships.first()) {
        return Err(format!(
            "relationship `{}` of `{}` has no place in a `Table(...)`; add it to the mapping by hand",
            r.attr, dup.symbol
        ));
    }
    let mut statements: Vec<(String, Span)> = Vec::new();
    for column in lost_columns {
        if !inside(column.span, dup) {
            return Err(format!(
                "column `{}` of `{}` comes from a mixin; give `{}` that mixin or copy the column by hand",
                column.name, dup.symbol, canonical.symbol
            ));
        }
        if already.insert(format!("column {}", column.name)) {
            statements.push((column.name.to_string(), column.span));
        }
    }
    for relationship in lost_relationships {
        if !inside(relationship.span, dup) {
            return Err(format!(
                "relationship `{}` of `{}` comes from a mixin; give `{}` that mixin or copy the relationship by hand",
                relationship.attr, dup.symbol, canonical.symbol
            ));
        }
        if already.insert(format!("relationship {}", relationship.attr)) {
            statements.push((relationship.attr.to_string(), relationship.span));
        }
    }
    statements.sort_by_key(|(_, span)| *span);
    if statements.is_empty() {
        return Ok(Vec::new());
    }
    let (mut edits, merged_text) = if into_table {
        into_table_call(p, dup, canonical, &statements)?
    } else {
        into_class(p, dup, canonical, &statements, from_table)?
    };
    edits.extend(imports(p, dup, canonical, &merged_text)?);
    Ok(edits)
}

/// The statements as class attributes after the canonical class's last own column or
/// relationship; a bare Table's `Column("name", ...)` becomes `name = Column("name", ...)`.
fn into_class(
    p: &Planner,
    dup: &TableDef,
    canonical: &TableDef,
    statements: &[(String, Span)],
    from_table: bool,
) -> Result<(Vec<TextEdit>, String), String> {
    let ctx = p.ctx;
    let inside = |span: Span, def: &TableDef| def.span.0 <= span.0 && span.1 <= def.span.1;
    let dup_text = p.text(dup.file);
    let canonical_text = p.text(canonical.file);
    // After the canonical's last own column or relationship.
    let anchor = canonical
        .columns
        .iter()
        .map(|c| c.span)
        .chain(canonical.relationships.iter().map(|r| r.span))
        .filter(|s| inside(*s, canonical))
        .max_by_key(|s| s.1)
        .ok_or_else(|| {
            format!(
                "`{}` has no column of its own to merge after; copy the columns by hand",
                canonical.symbol
            )
        })?;
    let (target_indent, _) = indentation(canonical_text, anchor.0);
    // The block goes on the lines after the anchor's: at the end of a file without a final
    // newline, it starts one rather than continuing the anchor's line.
    let (line_end, at_unterminated_end) = match canonical_text[anchor.1 as usize..].find('\n') {
        Some(i) => (anchor.1 as usize + i + 1, false),
        None => (canonical_text.len(), true),
    };
    let mut block = format!(
        "{target_indent}# merged from `{}` in {} by dedupe-models\n",
        dup.symbol, ctx.index.files[dup.file].display
    );
    let mut merged_text = String::new();
    for (name, span) in statements {
        let (dup_indent, _) = indentation(dup_text, span.0);
        let statement = &dup_text[span.0 as usize..span.1 as usize];
        let statement = if from_table {
            if !super::pairs::is_identifier(name) || KEYWORDS.contains(&name.as_str()) {
                return Err(format!(
                    "column `{name}` of `{}` is not a Python name; copy it by hand under an attribute name of its own (`attr = Column(\"{name}\", ...)`)",
                    dup.symbol
                ));
            }
            format!("{name} = {statement}")
        } else {
            statement.to_owned()
        };
        merged_text.push_str(&statement);
        merged_text.push('\n');
        for (n, line) in statement.lines().enumerate() {
            let line = if n == 0 {
                line
            } else {
                line.strip_prefix(dup_indent.as_str()).unwrap_or(line)
            };
            block.push_str(&target_indent);
            block.push_str(line);
            block.push('\n');
        }
    }
    if at_unterminated_end {
        // Still no final newline, as the file had none.
        block.pop();
        block.insert(0, '\n');
    }
    let edits = vec![TextEdit {
        start: line_end as u32,
        end: line_end as u32,
        content: block,
    }];
    Ok((edits, merged_text))
}

/// The statements as `Column("name", ...)` arguments of the canonical `Table(...)`, after its
/// last column.
fn into_table_call(
    p: &Planner,
    dup: &TableDef,
    canonical: &TableDef,
    statements: &[(String, Span)],
) -> Result<(Vec<TextEdit>, String), String> {
    let ctx = p.ctx;
    let dup_text = p.text(dup.file);
    let canonical_text = p.text(canonical.file);
    let last = canonical
        .columns
        .iter()
        .map(|c| c.span)
        .max_by_key(|s| s.1)
        .ok_or_else(|| {
            format!(
                "`{}` has no column to merge after; copy the columns by hand",
                canonical.symbol
            )
        })?;
    // `Column(...),` ending its line: the merged columns take lines of their own below it.
    let rest = &canonical_text[last.1 as usize..];
    let line_rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let own_lines = line_rest.trim_start().starts_with(',')
        && line_rest.trim_start()[1..]
            .trim_start()
            .chars()
            .next()
            .is_none_or(|c| c == '#');
    let (target_indent, _) = indentation(canonical_text, last.0);
    let mut columns = Vec::new();
    let mut merged_text = String::new();
    for (name, span) in statements {
        let statement = &dup_text[span.0 as usize..span.1 as usize];
        merged_text.push_str(statement);
        merged_text.push('\n');
        let not_a_column = || {
            format!(
                "column `{name}` of `{}` is not a `Column(...)`; add it to `{}` by hand",
                dup.symbol, canonical.symbol
            )
        };
        let value = statement
            .split_once('=')
            .map(|(_, v)| v.trim_start())
            .ok_or_else(not_a_column)?;
        let paren = value.find('(').ok_or_else(not_a_column)?;
        let callee = value[..paren].trim();
        if callee != "Column" && !callee.ends_with(".Column") {
            return Err(not_a_column());
        }
        let args = value[paren + 1..].trim_start();
        let named = args.starts_with(['"', '\'']);
        let column = match (named, args.starts_with(')')) {
            (true, _) => value.to_owned(),
            (false, true) => format!("{}(\"{name}\"{}", &value[..paren], &value[paren + 1..]),
            (false, false) => format!("{}(\"{name}\", {}", &value[..paren], &value[paren + 1..]),
        };
        let (dup_indent, _) = indentation(dup_text, span.0);
        let column: Vec<String> = column
            .lines()
            .enumerate()
            .map(|(n, line)| match n {
                0 => line.to_owned(),
                _ => format!(
                    "{target_indent}{}",
                    line.strip_prefix(dup_indent.as_str()).unwrap_or(line)
                ),
            })
            .collect();
        columns.push(column.join("\n"));
    }
    let edit = if own_lines {
        let at = last.1 as usize + rest.find('\n').map_or(rest.len(), |i| i + 1);
        let mut block = format!(
            "{target_indent}# merged from `{}` in {} by dedupe-models\n",
            dup.symbol, ctx.index.files[dup.file].display
        );
        for column in &columns {
            block.push_str(&format!("{target_indent}{column},\n"));
        }
        TextEdit {
            start: at as u32,
            end: at as u32,
            content: block,
        }
    } else {
        TextEdit {
            start: last.1,
            end: last.1,
            content: columns.iter().map(|c| format!(", {c}")).collect(),
        }
    };
    Ok((vec![edit], merged_text))
}

/// Python's keywords, which no column attribute can be named.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// The imports the copied lines need in the canonical's module, from the duplicate's imports.
fn imports(
    p: &mut Planner,
    dup: &TableDef,
    canonical: &TableDef,
    merged_text: &str,
) -> Result<Vec<TextEdit>, String> {
    let ctx = p.ctx;
    let canonical_text = p.text(canonical.file);
    let mut edits = Vec::new();
    let dup_facts = &ctx.index.files[dup.file].facts;
    let canonical_facts = &ctx.index.files[canonical.file].facts;
    let dup_module = p.module_name(dup.file);
    let mut imports = Vec::new();
    let mut from_names: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for word in identifiers(merged_text) {
        if canonical_facts.bindings.contains_key(word) {
            continue;
        }
        let Some(binding) = dup_facts.bindings.get(word) else {
            continue;
        };
        match binding {
            Binding::FromImport { site, name } => {
                let site = &dup_facts.imports[*site];
                let module = if site.level == 0 {
                    site.module.as_deref().map(str::to_owned)
                } else {
                    dup_module.as_deref().and_then(|m| {
                        ModuleMap::relative_name(
                            m,
                            ctx.index.module_map.is_package(dup.file),
                            site.level,
                            site.module.as_deref(),
                        )
                    })
                };
                let Some(module) = module else {
                    return Err(format!(
                        "cannot tell where `{word}` is imported from; copy the columns by hand"
                    ));
                };
                script_finds(p, canonical, &module)?;
                if name == word {
                    from_names.entry(module).or_default().push(word);
                } else {
                    imports.push(format!("from {module} import {name} as {word}"));
                }
            }
            Binding::Module(module) => {
                script_finds(p, canonical, module)?;
                let head = module.split('.').next().unwrap_or(module);
                imports.push(if head == word {
                    format!("import {module}")
                } else {
                    format!("import {module} as {word}")
                });
            }
            _ => {
                return Err(format!(
                    "`{word}` is defined in {}; move it first",
                    ctx.index.files[dup.file].display
                ))
            }
        }
    }
    if !imports.is_empty() {
        let last_import = canonical_facts
            .imports
            .iter()
            .filter(|s| !s.in_function && !s.type_checking)
            .map(|s| s.stmt.1)
            .max();
        let at = last_import.map_or(0, |end| {
            canonical_text[end as usize..]
                .find('\n')
                .map_or(canonical_text.len(), |i| end as usize + i + 1)
        });
        let content: String = imports.iter().map(|i| format!("{i}\n")).collect();
        edits.push(TextEdit {
            start: at as u32,
            end: at as u32,
            content,
        });
    }
    for (module, names) in from_names {
        edits.extend(super::new_import::from_import(
            p,
            canonical.file,
            &module,
            &names,
            0,
        ));
    }
    // Insertions at one place are one edit (the plan takes no two edits at one point).
    edits.sort_by_key(|e| (e.start, e.end));
    let mut joined: Vec<TextEdit> = Vec::new();
    for edit in edits {
        match joined.last_mut() {
            Some(last)
                if last.start == edit.start && last.end == last.start && edit.end == edit.start =>
            {
                last.content.push_str(&edit.content)
            }
            _ => joined.push(edit),
        }
    }
    Ok(joined)
}

/// A project module the copied columns need must be found in every process that runs the
/// canonical's module, scripts run from their own folder included (see `Planner::not_found`).
fn script_finds(p: &Planner, canonical: &TableDef, module: &str) -> Result<(), String> {
    let map = &p.ctx.index.module_map;
    let Some(target) = map.resolve(module, Some(canonical.file)) else {
        return Ok(());
    };
    match p.not_found(canonical.file, target, module, None) {
        None => Ok(()),
        Some(why) => Err(format!(
            "the copied columns need `{module}`, but {why}; copy them by hand"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::identifiers;

    #[test]
    fn identifiers_skip_strings_comments_and_attributes() {
        let found = identifiers(
            "title = Column(sa.String, doc='Message id')  # Note\nx = relationship(\"Message\")\n",
        );
        // Keyword names (`doc`) are kept: they are never bound in a module, so they add no import.
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            ["Column", "doc", "relationship", "sa", "title", "x"]
        );
    }
}
