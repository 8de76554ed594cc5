//! The plan as a unified diff that `git apply` accepts (`--- a/path`, `+++ b/path`).

use crate::index::module_map::FileId;
use crate::index::Index;
use crate::plan::{apply_edits, FilePlan, Plan};

pub fn unified(index: &Index, plan: &Plan, color: bool) -> String {
    let mut files: Vec<_> = plan.files.iter().collect();
    files.sort_by(|a, b| index.files[*a.0].display.cmp(&index.files[*b.0].display));
    files
        .into_iter()
        .map(|(&file, file_plan)| file_diff(index, file, file_plan, color))
        .collect()
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
