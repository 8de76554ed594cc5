//! Taking names out of a `from ... import ...` statement in whatever shape it is written: one
//! line, parenthesised with a name per line, comma-first, or continued with backslashes. The
//! result is checked by parsing the statement; a shape the small edits cannot handle is written
//! again whole.

use crate::index::facts::{ImportSite, TextEdit};

/// The start of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of the line holding `at`, past its newline.
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// Whether the line before the one holding `at` ends with a backslash continuation.
fn continued_from_above(text: &str, at: usize) -> bool {
    let start = line_start(text, at);
    start > 0
        && text[..start - 1]
            .trim_end_matches('\r')
            .trim_end_matches([' ', '\t'])
            .ends_with('\\')
}

/// The text between two items without its comments.
fn code_between(text: &str, start: usize, end: usize) -> String {
    super::without_comments(&text[start..end])
}

/// Edits that remove the names at `remove` (indexes into `site.names`, any order) from the
/// statement, which keeps at least one name. Comments on a removed name's own line go with it;
/// every other byte stays.
pub fn remove_names(text: &str, site: &ImportSite, remove: &[usize]) -> Vec<TextEdit> {
    let items: Vec<(usize, usize)> = site
        .names
        .iter()
        .map(|n| (n.span.0 as usize, n.span.1 as usize))
        .collect();
    let gone = |i: usize| remove.contains(&i);
    debug_assert!((0..items.len()).any(|i| !gone(i)));
    let mut edits: Vec<TextEdit> = Vec::new();
    for i in (0..items.len()).filter(|&i| gone(i)) {
        let (start, end) = items[i];
        let next = items.get(i + 1).map(|n| n.0);
        // The item alone on its line(s), its comma (if any) on that line: the whole lines go.
        let first = line_start(text, start);
        let tail_end = line_end(text, end);
        let tail = super::without_comments(&text[end..tail_end]);
        let tail = tail.trim();
        let own = text[first..start].trim().is_empty()
            && !continued_from_above(text, start)
            && (tail == "," || (tail.is_empty() && next.is_none()))
            && (i == 0 || items[i - 1].1 < first);
        if own {
            edits.push(TextEdit {
                start: first as u32,
                end: tail_end as u32,
                content: String::new(),
            });
            continue;
        }
        let kept_before = (0..i).any(|j| !gone(j));
        if kept_before {
            // The separator before it and the item: `A, B` -> `A`; `A  # c\n    , B` keeps
            // A's comment and takes B's line.
            let prev_end = items[i - 1].1;
            let between = code_between(text, prev_end, start);
            let comma_first = between.contains('\n')
                && text[line_start(text, start)..start].trim() == ","
                && !continued_from_above(text, start);
            let after_comment = text[end..line_end(text, end)].trim();
            if comma_first && (after_comment.is_empty() || after_comment.starts_with('#')) {
                edits.push(TextEdit {
                    start: line_start(text, start) as u32,
                    end: line_end(text, end) as u32,
                    content: String::new(),
                });
            } else {
                edits.push(TextEdit {
                    start: prev_end as u32,
                    end: end as u32,
                    content: String::new(),
                });
            }
        } else if let Some(next) = next {
            edits.push(TextEdit {
                start: start as u32,
                end: next as u32,
                content: String::new(),
            });
        }
    }
    edits.sort();
    let disjoint = edits.windows(2).all(|w| w[0].end <= w[1].start);
    if disjoint && parses_after(text, site, &edits) {
        return edits;
    }
    vec![rewritten(text, site, remove)]
}

/// Whether the statement, with `edits` applied, is still a valid statement.
fn parses_after(text: &str, site: &ImportSite, edits: &[TextEdit]) -> bool {
    let (start, end) = (site.stmt.0 as usize, site.stmt.1 as usize);
    if edits
        .iter()
        .any(|e| (e.start as usize) < start || (e.end as usize) > line_end(text, end))
    {
        return false;
    }
    let stop = edits
        .iter()
        .map(|e| e.end as usize)
        .max()
        .unwrap_or(end)
        .max(end);
    let mut out = String::new();
    let mut at = start;
    for e in edits {
        out.push_str(&text[at..(e.start as usize).max(at)]);
        at = (e.end as usize).max(at);
    }
    out.push_str(&text[at..stop]);
    crate::python::parse(out.trim_start_matches([' ', '\t'])).is_ok()
}

/// The statement written again on one line with the names that stay.
fn rewritten(text: &str, site: &ImportSite, remove: &[usize]) -> TextEdit {
    let (start, end) = (site.stmt.0 as usize, site.stmt.1 as usize);
    let statement = &text[start..end];
    let header_end = import_keyword(statement).unwrap_or(statement.len());
    let header = statement[..header_end]
        .split_whitespace()
        .collect::<String>();
    let from = header.strip_prefix("from").unwrap_or(&header);
    let kept: Vec<String> = site
        .names
        .iter()
        .enumerate()
        .filter(|(i, _)| !remove.contains(i))
        .map(|(_, n)| match &n.asname {
            Some(a) => format!("{} as {a}", n.name),
            None => n.name.to_string(),
        })
        .collect();
    TextEdit {
        start: start as u32,
        end: end as u32,
        content: format!("from {from} import {}", kept.join(", ")),
    }
}

/// Where the `import` keyword of a `from` statement starts.
fn import_keyword(statement: &str) -> Option<usize> {
    let bytes = statement.as_bytes();
    let is_ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric();
    statement
        .match_indices("import")
        .map(|(i, _)| i)
        .find(|&i| {
            i > 0 && !is_ident(bytes[i - 1]) && bytes.get(i + 6).is_none_or(|b| !is_ident(*b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_of(text: &str) -> ImportSite {
        let module = crate::python::parse(text).unwrap_or_else(|_| panic!("{text}"));
        let facts = crate::index::extract::extract(module.syntax(), text, false);
        facts.imports[0].clone()
    }

    fn after(text: &str, remove: &[usize]) -> String {
        let site = site_of(text);
        let mut out = text.to_owned();
        for e in remove_names(text, &site, remove).iter().rev() {
            out.replace_range(e.start as usize..e.end as usize, &e.content);
        }
        out
    }

    #[test]
    fn one_line() {
        let t = "from sqlalchemy import Column, Integer, String\n";
        assert_eq!(after(t, &[0, 1]), "from sqlalchemy import String\n");
        assert_eq!(after(t, &[1]), "from sqlalchemy import Column, String\n");
        assert_eq!(after(t, &[0, 2]), "from sqlalchemy import Integer\n");
        assert_eq!(after(t, &[2]), "from sqlalchemy import Column, Integer\n");
    }

    #[test]
    fn a_name_per_line() {
        let t = "from m import (\n    A,  # a\n    B,\n    C,\n)\n";
        assert_eq!(after(t, &[0, 1]), "from m import (\n    C,\n)\n");
        assert_eq!(after(t, &[2]), "from m import (\n    A,  # a\n    B,\n)\n");
        let t = "from m import (\n    A,\n    B\n)\n";
        assert_eq!(after(t, &[1]), "from m import (\n    A,\n)\n");
    }

    #[test]
    fn backslash_continued() {
        let t = "from app.b import Other, \\\n    User\n";
        assert_eq!(after(t, &[1]), "from app.b import Other\n");
        assert_eq!(after(t, &[0]), "from app.b import User\n");
        let t = "from m import A, \\\n    B, \\\n    C\nx = 1\n";
        assert_eq!(after(t, &[1]), "from m import A, \\\n    C\nx = 1\n");
    }

    #[test]
    fn comma_first() {
        let t = "from m import (\n    User  # c\n    , Other\n)\n";
        assert_eq!(after(t, &[0]), "from m import (\n    Other\n)\n");
        assert_eq!(after(t, &[1]), "from m import (\n    User  # c\n)\n");
    }

    /// Every proper subset of the names, out of every shape: what is left parses and binds
    /// exactly the other names (a removal that starts with the first name once left `Column`).
    #[test]
    fn every_subset_of_every_shape() {
        let shapes = [
            "from sqlalchemy import Column, Integer, String\n",
            "from sqlalchemy import Column as C, Integer, String as S\n",
            "from sqlalchemy import (Column, Integer,\n    String)\n",
            "from sqlalchemy import (\n    Column, Integer,\n    String,\n)\n",
            "from sqlalchemy import (\n    Column,  # c\n    Integer,\n    String  # s\n)\n",
            "from sqlalchemy import (\n    Column  # c\n    , Integer\n    , String\n)\n",
            "from sqlalchemy import Column, \\\n    Integer, \\\n    String\n",
            "from sqlalchemy import Column, Integer, String  # noqa: F401\nx = 1\n",
            "if True:\n    from sqlalchemy import (Column,\n        Integer, String)\n",
            "from sqlalchemy import Column, Integer, String\r\n",
            "from sqlalchemy import (\r\n    Column,\r\n    Integer,\r\n    String,\r\n)\r\n",
        ];
        for shape in shapes {
            let names = ["Column", "Integer", "String"];
            for mask in 1..7u8 {
                let remove: Vec<usize> = (0..3).filter(|i| mask & (1 << i) != 0).collect();
                let out = after(shape, &remove);
                let module = crate::python::parse(&out)
                    .unwrap_or_else(|_| panic!("{shape:?} without {remove:?}: {out:?}"));
                let facts = crate::index::extract::extract(module.syntax(), &out, false);
                let left: Vec<&str> = facts.imports[0]
                    .names
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect();
                let wanted: Vec<&str> = (0..3)
                    .filter(|i| !remove.contains(i))
                    .map(|i| names[i])
                    .collect();
                assert_eq!(left, wanted, "{shape:?} without {remove:?}: {out:?}");
                assert!(!out.contains("\n\n") || shape.contains("\n\n"), "{out:?}");
            }
        }
    }
}
