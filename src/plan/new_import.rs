//! Where names the plan newly imports go: into an existing `from` import of the same module, or
//! as a new statement where ruff's isort rules (I001) would put it: in its section (standard
//! library, third party, the project, relative imports), in order.

use super::Planner;
use crate::index::facts::{ImportSite, TextEdit};
use crate::index::module_map::FileId;

/// The edits that make `file` import `names` from `module` at module level (nothing for the
/// names it already imports so). `fallback` is where a file without imports takes them.
pub fn from_import(
    p: &Planner,
    file: FileId,
    module: &str,
    names: &[&str],
    fallback: u32,
) -> Vec<TextEdit> {
    let text = p.text(file);
    let sites: Vec<&ImportSite> = p.ctx.index.files[file]
        .facts
        .imports
        .iter()
        .filter(|s| !s.in_function && !s.type_checking && at_line_start(text, s.stmt.0))
        .collect();
    let mut names: Vec<&str> = names.to_vec();
    names.sort_by_key(|n| member_key(n));
    names.dedup();
    // Joined into `from module import ...`, each name where isort keeps it.
    if let Some(site) = sites
        .iter()
        .find(|s| s.is_from && s.level == 0 && s.module.as_deref() == Some(module))
        .filter(|s| s.names.iter().all(|n| n.name != "*"))
    {
        let mut edits: Vec<TextEdit> = Vec::new();
        for name in names {
            if site
                .names
                .iter()
                .any(|n| n.name == name && n.asname.is_none())
            {
                continue;
            }
            let key = member_key(name);
            let (at, content) = match site.names.iter().find(|n| member_key(&n.name) > key) {
                Some(next) => (next.span.0, format!("{name}, ")),
                None => match site.names.last() {
                    Some(last) => (last.span.1, format!(", {name}")),
                    None => continue,
                },
            };
            // Names sorted the same way land in order at one place: one edit.
            match edits.last_mut().filter(|e| e.start == at) {
                Some(edit) => edit.content.push_str(&content),
                None => edits.push(insert(at as usize, content)),
            }
        }
        return edits;
    }
    if names.is_empty() {
        return Vec::new();
    }
    let line = format!("from {module} import {}\n", names.join(", "));
    let section = section(p, file, 0, module);
    let key = (true, module.to_lowercase());
    let same: Vec<&&ImportSite> = sites
        .iter()
        .filter(|s| site_section(p, file, s) == section)
        .collect();
    if let Some(before) = same.iter().find(|s| statement_key(s) > key) {
        return vec![insert(line_start(text, before.stmt.0), line)];
    }
    if let Some(last) = same.last() {
        return vec![insert(line_end(text, last.stmt.1), line)];
    }
    // A section of its own: after the sections before it, before those after it.
    if let Some(next) = sites.iter().find(|s| site_section(p, file, s) > section) {
        return vec![insert(line_start(text, next.stmt.0), format!("{line}\n"))];
    }
    match sites.last() {
        Some(last) => vec![insert(line_end(text, last.stmt.1), format!("\n{line}"))],
        None => vec![insert(fallback as usize, format!("{line}\n\n"))],
    }
}

/// isort's sections, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Future,
    StandardLibrary,
    ThirdParty,
    FirstParty,
    LocalFolder,
}

fn section(p: &Planner, file: FileId, level: u32, module: &str) -> Section {
    let top = module.split('.').next().unwrap_or(module);
    if level > 0 {
        Section::LocalFolder
    } else if top == "__future__" {
        Section::Future
    } else if p.ctx.index.module_map.resolve(module, Some(file)).is_some() {
        Section::FirstParty
    } else if crate::index::stdlib::is_stdlib(top) {
        Section::StandardLibrary
    } else {
        Section::ThirdParty
    }
}

fn site_section(p: &Planner, file: FileId, site: &ImportSite) -> Section {
    let module = match (&site.module, site.is_from) {
        (Some(m), true) => m.as_str(),
        _ => site.names.first().map_or("", |n| n.name.as_str()),
    };
    section(p, file, site.level, module)
}

fn insert(at: usize, content: String) -> TextEdit {
    TextEdit {
        start: at as u32,
        end: at as u32,
        content,
    }
}

/// isort's order of statements within a section: `import x` before `from x import y`, then by
/// module name, case-insensitively.
fn statement_key(site: &ImportSite) -> (bool, String) {
    let module = match &site.module {
        Some(m) if site.is_from => m.to_string(),
        _ => site
            .names
            .first()
            .map_or(String::new(), |n| n.name.to_string()),
    };
    (site.is_from, module.to_lowercase())
}

/// isort's order of the names of one `from` import (ruff's `order-by-type`): CONSTANTS, then
/// Classes, then the rest, each case-insensitively.
fn member_key(name: &str) -> (u8, String) {
    let rank = if name.len() > 1 && name.chars().all(|c| !c.is_lowercase()) {
        0
    } else if name.starts_with(|c: char| c.is_uppercase()) {
        1
    } else {
        2
    };
    (rank, name.to_lowercase())
}

fn at_line_start(text: &str, at: u32) -> bool {
    at == 0 || text.as_bytes()[at as usize - 1] == b'\n'
}

fn line_start(text: &str, at: u32) -> usize {
    text[..at as usize].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, at: u32) -> usize {
    text[at as usize..]
        .find('\n')
        .map_or(text.len(), |i| at as usize + i + 1)
}

#[cfg(test)]
mod tests {
    use super::member_key;

    #[test]
    fn names_sort_as_isort_orders_them_by_type() {
        let mut names = vec!["post_tags", "PostTag", "MAX_TAGS", "Base", "engine"];
        names.sort_by_key(|n| member_key(n));
        assert_eq!(
            names,
            ["MAX_TAGS", "Base", "PostTag", "engine", "post_tags"]
        );
    }
}
