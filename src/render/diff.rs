//! The plan as a unified diff that `git apply` accepts (`--- a/path`, `+++ b/path`).

use crate::index::module_map::FileId;
use crate::index::Index;
use crate::plan::{apply_edits, FilePlan, Plan};

/// The plan as the patch `--diff` prints: the bytes `--fix` would write, against the bytes on
/// disk, so that `git apply` makes exactly the fixed files, whatever their encoding (PEP 263,
/// BOM) and line endings (LF, CRLF, CR). Lines are split at `\n` only, as git does.
pub fn unified(index: &Index, plan: &Plan, color: bool) -> Vec<u8> {
    let mut files: Vec<_> = plan.files.iter().collect();
    files.sort_by(|a, b| index.files[*a.0].display.cmp(&index.files[*b.0].display));
    let mut out = Vec::new();
    for (&file, file_plan) in files {
        let source = &index.files[file];
        let old = crate::apply::store(&source.text, source);
        let new = crate::apply::planned_bytes(source, file_plan);
        match (old, new) {
            (Some(old), Ok(new)) => bytes_diff(&mut out, &source.display, &old, &new, color),
            // Not storable as its encoding: `--fix` refuses it; shown as text.
            _ => out.extend(file_diff(index, file, file_plan, color).into_bytes()),
        }
    }
    out
}

/// The unified diff of two files' bytes.
fn bytes_diff(out: &mut Vec<u8>, display: &str, old: &[u8], new: &[u8], color: bool) {
    let old_lines: Vec<&[u8]> = old.split_inclusive(|&c| c == b'\n').collect();
    let new_lines: Vec<&[u8]> = new.split_inclusive(|&c| c == b'\n').collect();
    let diff = similar::TextDiff::configure()
        .newline_terminated(true)
        .diff_slices(&old_lines, &new_lines);
    let unified = diff.unified_diff();
    let paint = |code: &str| {
        if color {
            code.to_owned()
        } else {
            String::new()
        }
    };
    let reset = paint("\x1b[0m");
    for (i, hunk) in unified.iter_hunks().enumerate() {
        if i == 0 {
            out.extend(format!("--- a/{display}\n+++ b/{display}\n").into_bytes());
        }
        out.extend(format!("{}{}{reset}\n", paint("\x1b[36m"), hunk.header()).into_bytes());
        for change in hunk.iter_changes() {
            let (tag, code) = match change.tag() {
                similar::ChangeTag::Delete => (b'-', "\x1b[31m"),
                similar::ChangeTag::Insert => (b'+', "\x1b[32m"),
                similar::ChangeTag::Equal => (b' ', ""),
            };
            let line: &[u8] = change.value();
            let body = line.strip_suffix(b"\n");
            let colored = color && !code.is_empty();
            if colored {
                out.extend(code.as_bytes());
            }
            out.push(tag);
            out.extend_from_slice(body.unwrap_or(line));
            if colored {
                out.extend(reset.as_bytes());
            }
            out.push(b'\n');
            if body.is_none() {
                out.extend(b"\\ No newline at end of file\n");
            }
        }
    }
}

/// One file's part of the diff.
pub fn file_diff(index: &Index, file: FileId, file_plan: &FilePlan, color: bool) -> String {
    let source = &index.files[file];
    let new = apply_edits(&source.text, &file_plan.edits);
    text_diff(&source.display, &source.text, &new, color)
}

/// The diff of one file's text, old to new.
pub fn text_diff(display: &str, old: &str, new: &str, color: bool) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let patch = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{display}"), &format!("b/{display}"))
        .to_string();
    if !color {
        return patch;
    }
    let mut out = String::new();
    for line in patch.lines() {
        let painted = match line.as_bytes().first() {
            Some(b'+') if !line.starts_with("+++") => format!("\x1b[32m{line}\x1b[0m"),
            Some(b'-') if !line.starts_with("---") => format!("\x1b[31m{line}\x1b[0m"),
            Some(b'@') => format!("\x1b[36m{line}\x1b[0m"),
            _ => line.to_owned(),
        };
        out.push_str(&painted);
        out.push('\n');
    }
    out
}
