//! The plan's removals, tidied as a person would leave the file: a block they would empty keeps a
//! `pass`, a comment paragraph about removed code goes with it, and no run of blank lines (or
//! blank start of a file) is left behind.

use super::{without_comments, FilePlan, PlannedEdit};

/// A block whose every statement the plan removes (`if TYPE_CHECKING:` with its only import)
/// would not parse: its first removal leaves `pass` instead.
pub fn fill_emptied_blocks(text: &str, file_plan: &mut FilePlan) {
    let removed: Vec<(usize, usize)> = file_plan
        .edits
        .iter()
        .filter(|e| e.edit.content.is_empty())
        .map(|e| (e.edit.start as usize, e.edit.end as usize))
        .collect();
    let gone = |start: usize, end: usize| removed.iter().any(|&(s, e)| s <= start && end <= e);
    let indent_of = |line: &str| line.len() - line.trim_start_matches([' ', '\t']).len();
    // Lines as (start, end past the newline), skipping blank lines, comments and removed lines.
    let code_line = |start: usize, end: usize| {
        let line = text[start..end].trim();
        !line.is_empty() && !line.starts_with('#') && !gone(start, end)
    };
    for edit in file_plan.edits.iter_mut() {
        let (start, end) = (edit.edit.start as usize, edit.edit.end as usize);
        if !edit.edit.content.is_empty()
            || start == end
            || (start > 0 && text.as_bytes()[start - 1] != b'\n')
        {
            continue;
        }
        let first_line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let indent = indent_of(&text[start..first_line_end]);
        if indent == 0 {
            continue;
        }
        // The code line above must open the block, and the code line below must leave it.
        let mut above = None;
        let mut at = start;
        while at > 0 {
            let line_start = text[..at - 1].rfind('\n').map_or(0, |i| i + 1);
            if code_line(line_start, at) {
                above = Some(&text[line_start..at]);
                break;
            }
            at = line_start;
        }
        let Some(above) = above else { continue };
        if indent_of(above) >= indent || !without_comments(above).trim_end().ends_with(':') {
            continue;
        }
        let mut below_indent = 0;
        let mut at = end;
        while at < text.len() {
            let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
            if code_line(at, line_end) {
                below_indent = indent_of(&text[at..line_end]);
                break;
            }
            at = line_end;
        }
        if below_indent < indent {
            edit.edit.content = format!("{}pass\n", &text[start..start + indent]);
        }
    }
}

/// A comment that stands right above removed code, as a paragraph of its own with it (a blank
/// line or the start of the file above, a blank line below), described that code: it goes too.
/// Imports are left out: a comment above one often heads the ones below it.
pub fn drop_stale_comments(text: &str, file_plan: &mut FilePlan) {
    let pinned = crate::source::pinned_lines_end(text);
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    let blank = |from: usize| {
        let end = text[from..].find('\n').map_or(text.len(), |i| from + i);
        text[from..end].trim().is_empty()
    };
    for i in 0..file_plan.edits.len() {
        let edit = &file_plan.edits[i].edit;
        let (start, end) = (edit.start as usize, edit.end as usize);
        let removed = text[start..end].trim_start();
        if !edit.content.is_empty()
            || start == end
            || line_start(start) != start
            || !text[..end].ends_with('\n')
            || removed.starts_with("from ")
            || removed.starts_with("import ")
            || removed.starts_with('#')
        {
            continue;
        }
        let floor = i.checked_sub(1).map_or(pinned, |j| {
            (file_plan.edits[j].edit.end as usize).max(pinned)
        });
        let indent = &text[start
            ..start + (text[start..].len() - text[start..].trim_start_matches([' ', '\t']).len())];
        let mut first = start;
        while first > floor {
            let above = line_start(first - 1);
            let line = &text[above..first];
            if above < floor || !line.starts_with(indent) || !line.trim_start().starts_with('#') {
                break;
            }
            first = above;
        }
        let next = file_plan
            .edits
            .get(i + 1)
            .map_or(usize::MAX, |e| e.edit.start as usize);
        let paragraph_above = first == 0 || first == floor || blank(line_start(first - 1));
        let paragraph_below = end >= text.len() || end == next || blank(end);
        if first < start && paragraph_above && paragraph_below {
            file_plan.edits[i].edit.start = first as u32;
        }
    }
}

/// Whole lines the plan removes where a blank line (or the start of the file) comes before
/// them take the blank lines after them too: no file starts with blank lines, and no removal
/// leaves a run of them.
pub fn tidy_blank_lines(text: &str, file_plan: &mut FilePlan) {
    let bytes = text.as_bytes();
    let at_line_start = |at: usize| at == 0 || bytes[at - 1] == b'\n';
    for i in 0..file_plan.edits.len() {
        let edit = &file_plan.edits[i].edit;
        let (start, end) = (edit.start as usize, edit.end as usize);
        if !edit.content.is_empty() || start == end || !at_line_start(start) || !at_line_start(end)
        {
            continue;
        }
        // What the result has before the removal: walk back over earlier whole-line removals.
        let mut at = start;
        let blank_before = loop {
            if at == 0 {
                break true;
            }
            if let Some(earlier) = file_plan.edits[..i]
                .iter()
                .rev()
                .find(|e| e.edit.end as usize == at && e.edit.content.is_empty())
            {
                if at_line_start(earlier.edit.start as usize) {
                    at = earlier.edit.start as usize;
                    continue;
                }
                break false;
            }
            let line = text[..at - 1].rfind('\n').map_or(0, |k| k + 1);
            break text[line..at].trim().is_empty();
        };
        if !blank_before {
            continue;
        }
        // Lines removed up to the end of the file (from `at`, over earlier removals) take the
        // blank lines above them instead: no file ends with a blank line.
        if text[end..].trim().is_empty() && at > 0 {
            let k = (0..=i)
                .find(|&k| file_plan.edits[k].edit.start as usize == at)
                .unwrap_or(i);
            let floor = k
                .checked_sub(1)
                .map_or(0, |j| file_plan.edits[j].edit.end as usize);
            let mut new_start = at;
            while new_start > floor {
                let line = text[..new_start - 1].rfind('\n').map_or(0, |k| k + 1);
                if line < floor || !text[line..new_start].trim().is_empty() {
                    break;
                }
                new_start = line;
            }
            if new_start > 0 {
                file_plan.edits[k].edit.start = new_start as u32;
                continue;
            }
        }
        let limit = file_plan
            .edits
            .get(i + 1)
            .map_or(text.len(), |next| next.edit.start as usize);
        let mut new_end = end;
        let mut after = 0;
        while new_end < limit {
            let line_end = text[new_end..]
                .find('\n')
                .map_or(text.len(), |k| new_end + k + 1);
            if line_end > limit || !text[new_end..line_end].trim().is_empty() {
                break;
            }
            new_end = line_end;
            after += 1;
        }
        // Of the blank lines on both sides, the longer run stays (two before a `def` that
        // followed the removed code, not the one that separated it from the imports).
        let floor = i
            .checked_sub(1)
            .map_or(0, |j| file_plan.edits[j].edit.end as usize);
        let mut new_start = start;
        let mut before = 0;
        while new_start > floor.max(1) {
            let line = text[..new_start - 1].rfind('\n').map_or(0, |k| k + 1);
            if line < floor || !text[line..new_start].trim().is_empty() {
                break;
            }
            new_start = line;
            before += 1;
        }
        // At the end of the file no blank line stays either.
        let at_end = new_end == text.len() && before > 0;
        if start > 0 && new_start > 0 && before > 0 && (after > before || at_end) {
            file_plan.edits[i].edit.start = new_start as u32;
        } else {
            file_plan.edits[i].edit.end = new_end as u32;
        }
    }
    // A re-export that replaces a class right below the imports (or right below another such
    // re-export) joins them, as isort would have it.
    let is_shim = |e: &PlannedEdit| {
        let replaced = &text[e.edit.start as usize..e.edit.end as usize];
        e.edit.content.starts_with("from ")
            && e.edit.content.ends_with("# noqa: F401")
            && !replaced.starts_with("from ")
            && !replaced.starts_with("import ")
    };
    for i in 0..file_plan.edits.len() {
        let start = file_plan.edits[i].edit.start as usize;
        if !is_shim(&file_plan.edits[i]) || !at_line_start(start) || start == 0 {
            continue;
        }
        let floor = i.checked_sub(1).map_or(0, |j| {
            let end = file_plan.edits[j].edit.end as usize;
            text[end..].find('\n').map_or(text.len(), |k| end + k + 1)
        });
        let mut at = start;
        while at > floor && at > 0 {
            let line = text[..at - 1].rfind('\n').map_or(0, |k| k + 1);
            if !text[line..at].trim().is_empty() {
                break;
            }
            at = line;
        }
        if at == start || at == 0 {
            continue;
        }
        let above = text[..at - 1].rfind('\n').map_or(0, |k| k + 1);
        let line = &text[above..at];
        let removed = file_plan.edits[..i]
            .iter()
            .any(|e| e.edit.start as usize <= above && at <= e.edit.end as usize);
        let joins = (i > 0 && at == floor && is_shim(&file_plan.edits[i - 1]))
            || (!removed && (line.starts_with("from ") || line.starts_with("import ")));
        if joins {
            file_plan.edits[i].edit.start = at as u32;
        }
    }
}
