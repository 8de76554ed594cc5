//! Reading a Diesel `table!` body from its tokens. rust-analyzer parses a macro call's body as a
//! token tree, not as syntax, so the grammar of `table!` is walked here by hand: optional `use`
//! lines, then per table its attributes (`#[sql_name = "..."]`, `#[schema = "..."]` is not
//! Diesel's; the schema is the `schema.` prefix), `[schema .] name [(pk, ...)] { columns }`, and
//! per column its attributes, `name -> Type,`.

use super::facts::{Column, DieselTable, Span};
use super::syntax::{matching, unquote, Tok, TokKind};

/// The tables declared by one `table!` call; `body` is the call's token tree with its braces.
pub fn tables(body: &[Tok], call: Span) -> Vec<DieselTable> {
    let mut out = Vec::new();
    if body.len() < 2 {
        return out;
    }
    let end = body.len() - 1;
    let mut i = 1;
    while i < end {
        // `use diesel::sql_types::*;` lines before the tables.
        if body[i].text == "use" {
            while i < end && body[i].text != ";" {
                i += 1;
            }
            i += 1;
            continue;
        }
        let start = body[i].span.0;
        let mut sql_name = None;
        while i < end && body[i].text == "#" {
            let close = matching(body, i + 1);
            let attr = &body[i + 2..close];
            if attr.len() >= 3 && attr[0].text == "sql_name" && attr[1].text == "=" {
                sql_name = unquote(&attr[2].text);
            }
            i = close + 1;
        }
        if i >= end || body[i].kind != TokKind::Ident {
            i += 1;
            continue;
        }
        let mut schema = None;
        let mut rust_name = body[i].text.clone();
        i += 1;
        if body.get(i).is_some_and(|t| t.text == ".")
            && body.get(i + 1).is_some_and(|t| t.kind == TokKind::Ident)
        {
            schema = Some(rust_name);
            rust_name = body[i + 1].text.clone();
            i += 2;
        }
        let mut primary_key = Vec::new();
        if body.get(i).is_some_and(|t| t.text == "(") {
            let close = matching(body, i);
            primary_key = body[i + 1..close]
                .iter()
                .filter(|t| t.kind == TokKind::Ident)
                .map(|t| t.text.clone())
                .collect();
            i = close + 1;
        }
        if primary_key.is_empty() {
            primary_key.push("id".to_owned());
        }
        if body.get(i).is_none_or(|t| t.text != "{") {
            continue;
        }
        let close = matching(body, i);
        let columns = columns(&body[i + 1..close]);
        out.push(DieselTable {
            nest: Vec::new(),
            sql_name: sql_name.unwrap_or_else(|| rust_name.clone()),
            rust_name,
            schema,
            primary_key,
            columns,
            call,
            decl: (start, body[close].span.1),
            tables_in_call: 0,
        });
        i = close + 1;
    }
    let count = out.len();
    for table in &mut out {
        table.tables_in_call = count;
    }
    out
}

/// `#[sql_name = "x"] name -> Type<Args>,` entries; the column is known by its SQL name.
fn columns(body: &[Tok]) -> Vec<Column> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let mut sql_name = None;
        let start = body[i].span.0;
        while i < body.len() && body[i].text == "#" {
            let close = matching(body, i + 1);
            let attr = &body[i + 2..close];
            if attr.len() >= 3 && attr[0].text == "sql_name" && attr[1].text == "=" {
                sql_name = unquote(&attr[2].text);
            }
            i = close + 1;
        }
        let Some(name) = body.get(i).filter(|t| t.kind == TokKind::Ident) else {
            i += 1;
            continue;
        };
        i += 1;
        while i < body.len() && matches!(body[i].text.as_str(), "-" | ">" | "->") {
            i += 1;
        }
        let mut ty = String::new();
        let mut depth = 0i32;
        let mut end = name.span.1;
        while i < body.len() {
            let t = &body[i];
            match t.text.as_str() {
                "," if depth == 0 => break,
                "<" => depth += 1,
                ">" => depth -= 1,
                _ => {}
            }
            if t.kind == TokKind::Ident && ty.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                ty.push(' ');
            }
            ty.push_str(&t.text);
            end = t.span.1;
            i += 1;
        }
        i += 1;
        out.push(Column {
            name: sql_name.unwrap_or_else(|| name.text.clone()),
            ty,
            span: Some((start, end)),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::rust::{facts, syntax};

    #[test]
    fn reads_names_schemas_keys_and_columns_from_the_tokens() {
        let text = r#"
diesel::table! {
    use diesel::sql_types::*;
    use crate::types::Mood;

    /// People.
    #[sql_name = "people"]
    audit.persons (first, last) {
        first -> Varchar,
        last -> Varchar,
        #[sql_name = "type"]
        kind -> Nullable<Array<Nullable<Int4>>>,
        mood -> Mood,
    }

    tags {
        id -> Int4,
    }
}
"#;
        let (tree, error) = syntax::parse(text);
        assert!(error.is_none());
        let facts = facts::extract(&tree);
        let [persons, tags] = &facts.tables[..] else {
            panic!("two tables: {:?}", facts.tables)
        };
        assert_eq!(persons.rust_name, "persons");
        assert_eq!(persons.sql_name, "people");
        assert_eq!(persons.schema.as_deref(), Some("audit"));
        assert_eq!(persons.primary_key, ["first", "last"]);
        let columns: Vec<(&str, &str)> = persons
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.ty.as_str()))
            .collect();
        assert_eq!(
            columns,
            [
                ("first", "Varchar"),
                ("last", "Varchar"),
                ("type", "Nullable<Array<Nullable<Int4>>>"),
                ("mood", "Mood"),
            ]
        );
        assert_eq!(persons.tables_in_call, 2);
        assert_eq!(
            (tags.sql_name.as_str(), &tags.primary_key[..]),
            ("tags", &["id".to_owned()][..])
        );
        // The declaration runs from its attributes to its closing brace.
        let decl = &text[persons.decl.0 as usize..persons.decl.1 as usize];
        assert!(
            decl.starts_with("#[sql_name") && decl.ends_with("mood -> Mood,\n    }"),
            "{decl}"
        );
    }
}
