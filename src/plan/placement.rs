//! Where the imports a fix adds go, as a careful engineer would put them: a name pointed at the
//! canonical module joins an existing `from` import of that module, or gets a statement of its
//! own in the import block it came from, in the order ruff's isort rules keep (`import_order`);
//! a re-export that replaces a module-level definition moves up into the module's import block.
//! `# noqa: F401` marks a re-export only where the module itself does not use the name.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::import_block::{
    blocks, inside, line_end, line_start, own_lines, rewrite_block, Rewrite, Wanted,
};
use super::import_order::{format_from, member_order, Member};
use super::{mentions, without_comments, Change, FilePlan, PlannedEdit, Planner};
use crate::index::facts::{ImportSite, TextEdit};
use crate::index::module_map::{FileId, ModuleMap};

/// Names an importer takes from the canonical module now, planned by `imports::rewrite_site`.
#[derive(Debug, Clone)]
pub struct NewImport {
    /// The import statement (index into the file's import sites) the names came from: the new
    /// statement goes into its block.
    pub site: usize,
    pub level: u32,
    pub module: Option<String>,
    pub members: Vec<Member>,
    pub change: Change,
    pub reason: String,
}

const NOQA: &str = "noqa: F401";

/// A re-export edit that replaced a definition: `from m import X  # noqa: F401`.
fn re_export(text: &str, e: &PlannedEdit) -> Option<(u32, Option<String>, Member)> {
    let content = e.edit.content.strip_suffix(&format!("  # {NOQA}"))?;
    let replaced = &text[e.edit.start as usize..e.edit.end as usize];
    if content.contains('\n')
        || replaced.starts_with("from ")
        || replaced.starts_with("import ")
        || line_start(text, e.edit.start as usize) != e.edit.start as usize
    {
        return None;
    }
    let rest = content.strip_prefix("from ")?;
    let (module, name) = rest.split_once(" import ")?;
    let level = module.len() - module.trim_start_matches('.').len();
    let module = module.trim_start_matches('.');
    let (name, asname) = match name.split_once(" as ") {
        Some((n, a)) => (n, Some(a)),
        None => (name, None),
    };
    if name.contains([',', '(', ' ']) {
        return None;
    }
    Some((
        level as u32,
        (!module.is_empty()).then(|| module.to_owned()),
        Member::new(name, asname),
    ))
}

pub fn place(p: &mut Planner) {
    let files: BTreeSet<FileId> = p
        .new_imports
        .keys()
        .chain(p.plan.files.keys())
        .copied()
        .collect();
    // The first-party names of each project, read once: every file of the project is looked at.
    let mut tops = HashMap::new();
    for file in files {
        place_in(p, file, &mut tops);
    }
}

fn place_in(p: &mut Planner, file: FileId, project_tops: &mut ProjectTops) {
    let ctx = p.ctx;
    let source = &ctx.index.files[file];
    let text: &str = &source.text;
    let imports = &source.facts.imports;
    let new_imports = p.new_imports.remove(&file).unwrap_or_default();
    let Some(mut fp) = p.plan.files.remove(&file) else {
        return;
    };
    let blocks = blocks(text, imports);
    let block_of: BTreeMap<usize, usize> = blocks
        .iter()
        .enumerate()
        .flat_map(|(b, stmts)| stmts.iter().map(move |s| (s.site, b)))
        .collect();
    let mut wanted: BTreeMap<usize, Vec<Wanted>> = BTreeMap::new();
    let mut anchors: Vec<NewImport> = Vec::new();
    for n in new_imports {
        match block_of.get(&n.site) {
            Some(&block) => {
                anchors.push(n.clone());
                wanted.entry(block).or_default().push(Wanted {
                    comments: Some(n.site),
                    level: n.level,
                    module: n.module,
                    members: n.members,
                    change: n.change,
                    reason: n.reason,
                });
            }
            None => fallback(imports, &mut fp, n),
        }
    }
    // Re-exports of module-level definitions move up into the nearest module-level block above.
    let remaining = without_strings(&remaining_code(text, &fp, imports));
    let mut shims: BTreeMap<usize, Vec<(usize, u32, u32)>> = BTreeMap::new();
    for i in 0..fp.edits.len() {
        let Some((level, module, mut member)) = re_export(text, &fp.edits[i]) else {
            continue;
        };
        let start = fp.edits[i].edit.start as usize;
        let Some(block) = blocks
            .iter()
            .rposition(|b| b[0].indent.is_empty() && b.last().is_some_and(|s| s.end <= start))
        else {
            continue;
        };
        let local = member.asname.clone().unwrap_or_else(|| member.name.clone());
        let bound_elsewhere = imports.iter().any(|s| {
            s.names
                .iter()
                .any(|n| n.asname.as_deref().unwrap_or(&n.name) == local)
        });
        let end = fp.edits[i].edit.end as usize;
        if bound_elsewhere || !text[end..line_end(text, end)].trim().is_empty() {
            continue;
        }
        // Comment lines right above the definition described it: they go with it.
        let block_end = blocks[block].last().map_or(0, |s| s.lines.1);
        let floor = fp.edits[..i]
            .last()
            .map_or(block_end, |e| (e.edit.end as usize).max(block_end));
        let mut first = start;
        while first > floor {
            let above = line_start(text, first - 1);
            if above < floor || !text[above..first].trim_start().starts_with('#') {
                break;
            }
            first = above;
        }
        let limit = fp
            .edits
            .get(i + 1)
            .map_or(text.len(), |e| e.edit.start as usize);
        if !mentions(&remaining, &local) {
            member.comment = Some(NOQA.to_owned());
        }
        shims.entry(block).or_default().push((
            i,
            first as u32,
            line_end(text, end).min(limit) as u32,
        ));
        let e = &fp.edits[i];
        wanted.entry(block).or_default().push(Wanted {
            comments: None,
            level,
            module,
            members: vec![member],
            change: e.change,
            reason: e.reason.clone(),
        });
    }
    if wanted.is_empty() {
        join_adjacent_re_exports(text, &mut fp);
        p.plan.files.insert(file, fp);
        return;
    }
    let tops = first_party_tops(ctx.index, file, project_tops);
    let first_party = |top: &str| tops.contains(top);
    let mut replaced: Vec<Rewrite> = Vec::new();
    for (block, items) in wanted {
        match rewrite_block(text, imports, &fp, &blocks[block], items, &first_party) {
            Some(rewrite) => {
                for &(i, start, end) in shims.get(&block).into_iter().flatten() {
                    let e = &mut fp.edits[i].edit;
                    e.start = start;
                    e.end = end;
                    e.content = String::new();
                }
                replaced.push(rewrite);
            }
            // A block not in isort's order: the names go in front of the statement they came
            // from, and re-exports stay where the definition was.
            None => {
                for n in anchors
                    .iter()
                    .filter(|n| block_of.get(&n.site) == Some(&block))
                {
                    in_front(text, imports, &mut fp, n);
                }
            }
        }
    }
    for r in replaced {
        fp.edits.retain(|e| !inside(e, r.start, r.end));
        let edit = TextEdit {
            start: r.start as u32,
            end: r.end as u32,
            content: r.content,
        };
        fp.add(edit, r.change, r.reason);
    }
    join_adjacent_re_exports(text, &mut fp);
    p.plan.files.insert(file, fp);
}

/// Re-exports that stay where their definitions were (their block was not in isort's order, or
/// the name is bound in it too) and end up next to each other, of one module, become one
/// statement, as isort would write them: two lines `from m import Order  # noqa: F401` and
/// `from m import Tag  # noqa: F401` are an I001.
fn join_adjacent_re_exports(text: &str, fp: &mut FilePlan) {
    // Only blanks, and code the plan removes, between two edits.
    let adjacent = |fp: &FilePlan, a: usize, b: usize| {
        (a..b).all(|k| {
            let gap = &text[fp.edits[k].edit.end as usize..fp.edits[k + 1].edit.start as usize];
            gap.trim().is_empty() && (k == a || fp.edits[k].edit.content.is_empty())
        })
    };
    let mut run: Vec<(usize, Member)> = Vec::new();
    let mut key: Option<(u32, Option<String>)> = None;
    for i in 0..fp.edits.len() {
        let Some((level, module, member)) = re_export(text, &fp.edits[i]) else {
            continue;
        };
        let this = Some((level, module));
        let joins = member.asname.is_none()
            && this == key
            && run.last().is_some_and(|&(last, _)| adjacent(fp, last, i));
        if !joins {
            join(text, fp, &mut run, &key);
            key = this;
        }
        if member.asname.is_none() {
            run.push((i, member));
        }
    }
    join(text, fp, &mut run, &key);
}

/// The re-exports of `run` as one statement in the place of its first.
fn join(
    text: &str,
    fp: &mut FilePlan,
    run: &mut Vec<(usize, Member)>,
    key: &Option<(u32, Option<String>)>,
) {
    if let (true, Some((level, module))) = (run.len() > 1, key) {
        let mut members: Vec<Member> = run.iter().map(|(_, m)| m.clone()).collect();
        members.sort_by(member_order);
        fp.edits[run[0].0].edit.content =
            format_from("", *level, module.as_deref(), &members, Some(NOQA), false);
        for &(i, _) in &run[1..] {
            // Whole lines, its newline too, so that the blank lines around it are tidied.
            let next = fp
                .edits
                .get(i + 1)
                .map_or(text.len(), |e| e.edit.start as usize);
            let e = &mut fp.edits[i].edit;
            e.content = String::new();
            e.end = line_end(text, e.end as usize).min(next) as u32;
        }
    }
    run.clear();
}

/// The top-level names isort takes for first-party in `file`, as ruff finds them with its
/// default settings run from the file's project folder: what lies in that folder or in its
/// `src/`, and the package the file is in.
fn first_party_tops(
    index: &crate::index::Index,
    file: FileId,
    project_tops: &mut ProjectTops,
) -> BTreeSet<String> {
    let map = &index.module_map;
    let path = map.path(file);
    let project = index
        .project_dirs
        .iter()
        .filter(|d| path.starts_with(d))
        .max_by_key(|d| d.as_os_str().len())
        .or_else(|| {
            map.roots()
                .iter()
                .filter(|r| path.starts_with(r))
                .min_by_key(|r| r.as_os_str().len())
        });
    let mut tops = match project {
        Some(project) => project_tops
            .entry(project.to_path_buf())
            .or_insert_with(|| tops_in(map, project))
            .clone(),
        None => BTreeSet::new(),
    };
    // The package the file is in: its outermost folder with an `__init__.py`.
    let mut dir = path.parent();
    let mut package = None;
    while let Some(d) = dir {
        if map.file_at(&d.join("__init__.py")).is_none() {
            break;
        }
        package = d.file_name();
        dir = d.parent();
    }
    if let Some(package) = package {
        tops.insert(package.to_string_lossy().into_owned());
    }
    tops
}

/// Outside isort's order: the new statement goes in front of the one its names came from, or
/// takes its place when that one goes whole.
fn in_front(text: &str, imports: &[ImportSite], fp: &mut FilePlan, n: &NewImport) {
    let site = &imports[n.site];
    let indent = own_lines(text, site).unwrap_or_default();
    let statement = format_from(
        &indent,
        n.level,
        n.module.as_deref(),
        &n.members,
        None,
        false,
    );
    let at = line_start(text, site.stmt.0 as usize);
    if let Some(e) = fp.edits.iter_mut().find(|e| {
        e.edit.content.is_empty() && e.edit.start as usize == at && site.stmt.1 <= e.edit.end
    }) {
        e.edit.content = format!("{statement}\n");
        e.change = n.change;
        e.reason = n.reason.clone();
        return;
    }
    let edit = TextEdit {
        start: at as u32,
        end: at as u32,
        content: format!("{statement}\n"),
    };
    fp.add(edit, n.change, n.reason.clone());
}

/// A site outside every block (`rewrite_site` keeps those on their line): the new statement
/// goes in front of it, as it did before.
fn fallback(imports: &[ImportSite], fp: &mut FilePlan, n: NewImport) {
    let plain: Vec<Member> = n
        .members
        .iter()
        .map(|m| Member::new(&m.name, m.asname.as_deref()))
        .collect();
    let statement = format_from("", n.level, n.module.as_deref(), &plain, None, false);
    let site = &imports[n.site];
    let edit = TextEdit {
        start: site.stmt.0,
        end: site.stmt.0,
        content: format!("{statement}; "),
    };
    fp.add(edit, n.change, n.reason);
}

/// The module's code as the plan leaves it, without its import statements and comments: a
/// re-exported name mentioned here is used, and needs no `# noqa: F401`.
pub fn remaining_code(text: &str, fp: &FilePlan, imports: &[ImportSite]) -> String {
    let mut cuts: Vec<(u32, u32, &str)> = fp
        .edits
        .iter()
        .map(|e| (e.edit.start, e.edit.end, e.edit.content.as_str()))
        .collect();
    cuts.extend(
        imports
            .iter()
            .filter(|s| !s.in_function)
            .map(|s| (s.stmt.0, s.stmt.1, "")),
    );
    cuts.sort();
    let mut remaining = String::new();
    let mut at = 0usize;
    for (start, end, content) in cuts {
        if (start as usize) < at {
            continue;
        }
        remaining.push_str(&text[at..start as usize]);
        // Re-exports bind the canonical name; that binding is not a use.
        if !content.starts_with("from ") {
            remaining.push_str(content);
        }
        at = end as usize;
    }
    remaining.push_str(&text[at..]);
    without_comments(&remaining)
}

/// The text with what string literals hold blanked out: a name in `relationship("User")` is no
/// use of an imported `User` for pyflakes.
fn without_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), '\n') => out.push('\n'),
            (Some(_), _) => {}
            (None, '"' | '\'') => {
                quote = Some(c);
                out.push(c);
            }
            (None, c) => out.push(c),
        }
    }
    out
}

/// What lies in a project folder or in its `src/`, by top-level name: the first-party names of
/// every file of the project.
fn tops_in(map: &ModuleMap, project: &Path) -> BTreeSet<String> {
    let mut tops = BTreeSet::new();
    let sources = [project.to_path_buf(), project.join("src")];
    for other in 0..map.file_count() {
        for source in &sources {
            let Ok(rest) = map.path(other).strip_prefix(source) else {
                continue;
            };
            let mut parts = rest.components();
            let (Some(first), rest) = (parts.next(), parts.next()) else {
                continue;
            };
            let name = first.as_os_str().to_string_lossy();
            match (rest, name.strip_suffix(".py")) {
                (Some(_), _) => tops.insert(name.into_owned()),
                (None, Some(stem)) => tops.insert(stem.to_owned()),
                (None, None) => false,
            };
        }
    }
    tops
}

/// The first-party names of each project folder, worked out once per plan.
type ProjectTops = HashMap<PathBuf, BTreeSet<String>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_contents_are_no_use_of_a_name() {
        let code = "rel = relationship(\"User\")\nname = 'it\\'s User'\nx = Order\n";
        let bare = without_strings(code);
        assert!(!mentions(&bare, "User"), "{bare}");
        assert!(mentions(&bare, "Order"));
    }
}
