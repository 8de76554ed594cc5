//! Edits that take one item out of a comma-separated list (a dict entry, a tuple element, a
//! keyword argument) or one statement out of a file, leaving every other byte as it was.

use super::facts::{Span, TextEdit};

/// A comma-separated list: the spans of its items, and `close`, the offset of its closing
/// bracket (or of the statement's end when it has none).
pub struct List {
    pub close: u32,
    pub items: Vec<Span>,
    /// A tuple of one element needs its trailing comma.
    pub tuple: bool,
}

fn line_start(text: &str, at: u32) -> u32 {
    text[..at as usize].rfind('\n').map_or(0, |i| i as u32 + 1)
}

/// If only blanks stand between the line start and `start`, and only blanks, an optional comma
/// and an optional comment between `end` and the end of the line: the whole lines.
fn own_lines(text: &str, (start, end): Span) -> Option<Span> {
    let first = line_start(text, start);
    if !text[first as usize..start as usize]
        .chars()
        .all(|c| c == ' ' || c == '\t')
    {
        return None;
    }
    let rest = &text[end as usize..];
    let line_end = rest.find('\n').map_or(text.len(), |i| end as usize + i + 1);
    let tail = text[end as usize..line_end].trim_end_matches(['\n', '\r']);
    let tail = tail.trim_start_matches([' ', '\t']);
    let tail = tail
        .strip_prefix(',')
        .unwrap_or(tail)
        .trim_start_matches([' ', '\t']);
    (tail.is_empty() || tail.starts_with('#')).then_some((first, line_end as u32))
}

/// Removes a statement: its whole lines when it stands alone on them, else just its text.
pub fn remove_statement(text: &str, span: Span) -> TextEdit {
    let (start, end) = own_lines(text, span).unwrap_or(span);
    TextEdit {
        start,
        end,
        content: String::new(),
    }
}

/// Removes `list.items[index]` from a list that keeps at least one other item.
pub fn remove_item(text: &str, list: &List, index: usize) -> Vec<TextEdit> {
    let items = &list.items;
    debug_assert!(items.len() > 1);
    let item = items[index];
    let mut edits = Vec::new();
    if let Some((start, end)) = own_lines(text, item) {
        edits.push(TextEdit {
            start,
            end,
            content: String::new(),
        });
    } else if index > 0 {
        edits.push(TextEdit {
            start: items[index - 1].1,
            end: item.1,
            content: String::new(),
        });
    } else {
        edits.push(TextEdit {
            start: item.0,
            end: items[1].0,
            content: String::new(),
        });
    }
    // `(A, B)` without B must stay a tuple: `(A,)`.
    if list.tuple && items.len() == 2 {
        let kept = items[1 - index].1 as usize;
        let close = list.close as usize;
        let removed = &edits[0];
        let after_kept = if (removed.start as usize) >= kept && (removed.start as usize) <= close {
            format!(
                "{}{}",
                &text[kept..removed.start as usize],
                &text[removed.end as usize..close]
            )
        } else {
            text[kept..close].to_owned()
        };
        if !after_kept.trim_start().starts_with(',') {
            edits.push(TextEdit {
                start: kept as u32,
                end: kept as u32,
                content: ",".into(),
            });
        }
    }
    edits.sort();
    // An insertion at the point where a deletion starts is the same edit: merge them.
    if edits.len() == 2 && edits[0].start == edits[1].start && edits[0].start == edits[0].end {
        let insert = edits.remove(0);
        edits[0].content = insert.content;
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, edits: &[TextEdit]) -> String {
        let mut out = text.to_owned();
        for e in edits.iter().rev() {
            out.replace_range(e.start as usize..e.end as usize, &e.content);
        }
        out
    }

    fn list_of(text: &str, items: &[&str], tuple: bool) -> List {
        let mut at = 0;
        let items = items
            .iter()
            .map(|i| {
                let start = text[at..].find(i).unwrap() + at;
                at = start + i.len();
                (start as u32, at as u32)
            })
            .collect();
        List {
            close: text.rfind([')', '}']).unwrap() as u32,
            items,
            tuple,
        }
    }

    #[test]
    fn inline_items() {
        let t = "x = (A(), {'extend_existing': True},)\n";
        let l = list_of(t, &["A()", "{'extend_existing': True}"], true);
        assert_eq!(apply(t, &remove_item(t, &l, 1)), "x = (A(),)\n");
        let t = "x = (A(), {'extend_existing': True})\n";
        let l = list_of(t, &["A()", "{'extend_existing': True}"], true);
        assert_eq!(apply(t, &remove_item(t, &l, 1)), "x = (A(),)\n");
        let t = "x = {'extend_existing': True, 'schema': 's'}\n";
        let l = list_of(t, &["'extend_existing': True", "'schema': 's'"], false);
        assert_eq!(apply(t, &remove_item(t, &l, 0)), "x = {'schema': 's'}\n");
        let t = "T('t', md, Column('id'), extend_existing=True)\n";
        let l = list_of(
            t,
            &["'t'", "md", "Column('id')", "extend_existing=True"],
            false,
        );
        assert_eq!(
            apply(t, &remove_item(t, &l, 3)),
            "T('t', md, Column('id'))\n"
        );
    }

    #[test]
    fn items_on_their_own_lines_take_their_lines() {
        let t = "x = (\n    A(),\n    B(),\n    {'extend_existing': True},  # band-aid\n)\n";
        let l = list_of(t, &["A()", "B()", "{'extend_existing': True}"], true);
        assert_eq!(
            apply(t, &remove_item(t, &l, 2)),
            "x = (\n    A(),\n    B(),\n)\n"
        );
    }

    #[test]
    fn statements_take_their_line() {
        let t = "class A:\n    x = 1\n    __table_args__ = {'extend_existing': True}\n    y = 2\n";
        let start = t.find("__table").unwrap() as u32;
        let end = t.find("}\n").unwrap() as u32 + 1;
        assert_eq!(
            apply(t, &[remove_statement(t, (start, end))]),
            "class A:\n    x = 1\n    y = 2\n"
        );
    }
}
