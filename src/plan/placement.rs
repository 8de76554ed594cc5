//! Where the imports a fix adds go, as a careful engineer would put them: a name pointed at the
//! canonical module joins an existing `from` import of that module, or gets a statement of its
//! own in the import block it came from, in the order ruff's isort rules keep (`import_order`);
//! a re-export that replaces a module-level definition moves up into the module's import block.
//! `# noqa: F401` marks a re-export only where the module itself does not use the name.

use std::collections::{BTreeMap, BTreeSet};

use super::import_order::{
    format_from, member_order, section, stmt_order, Member, Section, StmtKey,
};
use super::{mentions, without_comments, Change, FilePlan, PlannedEdit, Planner};
use crate::index::facts::{ImportSite, TextEdit};
use crate::index::module_map::FileId;

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

/// A statement of an import block.
struct Stmt {
    site: usize,
    start: usize,
    end: usize,
    /// From its first line's start (above the comment lines right over it) to past its last
    /// line's newline.
    lines: (usize, usize),
    indent: String,
}

/// New names for one block.
struct Wanted {
    /// The comment lines above the statement the names came from, when that one goes whole.
    comments: Option<usize>,
    level: u32,
    module: Option<String>,
    members: Vec<Member>,
    change: Change,
    reason: String,
}

const NOQA: &str = "noqa: F401";

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The statement's indentation when only indentation precedes it and only blanks or a comment
/// follow it on its last line.
pub fn own_lines(text: &str, site: &ImportSite) -> Option<String> {
    let (start, end) = (site.stmt.0 as usize, site.stmt.1 as usize);
    let prefix = &text[line_start(text, start)..start];
    let rest = text[end..line_end(text, end)].trim();
    (prefix.trim().is_empty() && (rest.is_empty() || rest.starts_with('#')))
        .then(|| prefix.to_owned())
}

/// The file's import blocks: runs of statements at one indentation with nothing but blanks and
/// comments between them, each statement on lines of its own.
fn blocks(text: &str, imports: &[ImportSite]) -> Vec<Vec<Stmt>> {
    let mut order: Vec<usize> = (0..imports.len()).collect();
    order.sort_by_key(|&i| imports[i].stmt.0);
    let mut blocks: Vec<Vec<Stmt>> = Vec::new();
    let mut previous: Option<(usize, String)> = None;
    for i in order {
        let site = &imports[i];
        let Some(indent) = own_lines(text, site) else {
            previous = None;
            continue;
        };
        let (start, end) = (site.stmt.0 as usize, site.stmt.1 as usize);
        let joins = previous.as_ref().is_some_and(|(prev_end, prev_indent)| {
            *prev_indent == indent
                && *prev_end <= start
                && without_comments(&text[*prev_end..start]).trim().is_empty()
        });
        // Comment lines right above the statement belong to it (ruff moves them with it).
        let mut first = line_start(text, start);
        let floor = if joins {
            previous.as_ref().map_or(0, |p| line_end(text, p.0))
        } else {
            0
        };
        while first > floor {
            let above = line_start(text, first - 1);
            if !text[above..first].trim_start().starts_with('#') {
                break;
            }
            first = above;
        }
        let stmt = Stmt {
            site: i,
            start,
            end,
            lines: (first, line_end(text, end)),
            indent: indent.clone(),
        };
        match blocks.last_mut() {
            Some(block) if joins => block.push(stmt),
            _ => blocks.push(vec![stmt]),
        }
        previous = Some((end, indent));
    }
    blocks
}

fn key(site: &ImportSite) -> StmtKey {
    let mut members: Vec<Member> = site
        .names
        .iter()
        .map(|n| Member::new(&n.name, n.asname.as_deref()))
        .collect();
    members.sort_by(member_order);
    if site.is_from {
        StmtKey {
            is_from: true,
            level: site.level,
            module: site.module.as_ref().map(|m| m.to_string()),
            first: members.into_iter().next(),
        }
    } else {
        StmtKey {
            is_from: false,
            level: 0,
            module: members.first().map(|m| m.name.clone()),
            first: members.into_iter().next(),
        }
    }
}

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
    for file in files {
        place_in(p, file);
    }
}

fn place_in(p: &mut Planner, file: FileId) {
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
        p.plan.files.insert(file, fp);
        return;
    }
    let tops = first_party_tops(ctx.index, file);
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
        fp.edits.retain(|e| {
            let (s, t) = (e.edit.start as usize, e.edit.end as usize);
            !(r.start <= s && t <= r.end)
        });
        let edit = TextEdit {
            start: r.start as u32,
            end: r.end as u32,
            content: r.content,
        };
        fp.add(edit, r.change, r.reason);
    }
    p.plan.files.insert(file, fp);
}

/// The top-level names isort takes for first-party in `file`, as ruff finds them with its
/// default settings run from the file's project folder: what lies in that folder or in its
/// `src/`, and the package the file is in.
fn first_party_tops(index: &crate::index::Index, file: FileId) -> BTreeSet<String> {
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
    let mut tops = BTreeSet::new();
    if let Some(project) = project {
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
    }
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

/// A block written again: the bytes it replaces, its new text, and the change it belongs to.
struct Rewrite {
    start: usize,
    end: usize,
    content: String,
    change: Change,
    reason: String,
}

/// The text from `start` to `end` as the plan's edits inside it leave it.
fn edited(text: &str, fp: &FilePlan, (start, end): (usize, usize)) -> String {
    let mut out = String::new();
    let mut at = start;
    for e in fp
        .edits
        .iter()
        .filter(|e| start <= e.edit.start as usize && (e.edit.end as usize) <= end)
    {
        out.push_str(&text[at..e.edit.start as usize]);
        out.push_str(&e.edit.content);
        at = e.edit.end as usize;
    }
    out.push_str(&text[at..end]);
    out
}

/// The first import of `statement` (written at `indent`), parsed again.
fn reparse(statement: &str, indent: &str) -> Option<ImportSite> {
    let wrapped = if indent.is_empty() {
        statement.to_owned()
    } else {
        format!("if True:\n{statement}")
    };
    crate::python::on_parse_stack(|| {
        let module = crate::python::parse(&wrapped).ok()?;
        let facts = crate::index::extract::extract(module.syntax(), &wrapped, false);
        facts.imports.into_iter().next()
    })
}

fn module_of(site: &ImportSite) -> Option<String> {
    if site.is_from {
        site.module.as_ref().map(|m| m.to_string())
    } else {
        site.names.first().map(|n| n.name.to_string())
    }
}

/// The top-level package of an absolute import.
fn top(level: u32, module: Option<&str>) -> Option<String> {
    if level > 0 {
        return None;
    }
    module.and_then(|m| m.split('.').next()).map(str::to_owned)
}

/// The block written again with the new names, in isort's order, when it was in that order
/// before (sections apart by one blank line, statements in order in each) and the plan's edits
/// stay inside it; `None` leaves it to the caller.
fn rewrite_block(
    text: &str,
    imports: &[ImportSite],
    fp: &FilePlan,
    stmts: &[Stmt],
    items: Vec<Wanted>,
    first_party: &dyn Fn(&str) -> bool,
) -> Option<Rewrite> {
    let (start, end) = (stmts.first()?.lines.0, stmts.last()?.lines.1);
    let straddles = fp.edits.iter().any(|e| {
        let (s, t) = (e.edit.start as usize, e.edit.end as usize);
        (s < start && t > start) || (s < end && t > end)
    });
    if straddles || !text[..end].ends_with('\n') {
        return None;
    }
    let section_of =
        |site: &ImportSite| section(site.level, module_of(site).as_deref(), first_party);
    for pair in stmts.windows(2) {
        let (a, b) = (&imports[pair[0].site], &imports[pair[1].site]);
        let between = &text[pair[0].lines.1..pair[1].lines.0];
        let (sa, sb) = (section_of(a), section_of(b));
        let ordered = if sa == sb {
            between.is_empty() && stmt_order(&key(a), &key(b)).is_le()
        } else {
            sa < sb && between.trim().is_empty() && between.matches('\n').count() == 1
        };
        if !ordered {
            return None;
        }
    }
    let indent = stmts[0].indent.clone();
    let gone = |s: &Stmt| {
        fp.edits.iter().any(|e| {
            e.edit.content.is_empty()
                && e.edit.start as usize <= s.start
                && s.end <= e.edit.end as usize
        })
    };
    // An edit inside the statement's lines (a removal next to them is not).
    let touched = |s: &Stmt| {
        fp.edits
            .iter()
            .any(|e| (e.edit.start as usize) < s.lines.1 && s.start < e.edit.end as usize)
    };
    let (change, reason) = (items[0].change, items[0].reason.clone());
    // Names that join a statement of their module, and new statements, one per module.
    let mut joined: BTreeMap<usize, Vec<Member>> = BTreeMap::new();
    let mut fresh: Vec<Wanted> = Vec::new();
    for w in items {
        for member in w.members {
            let target = stmts.iter().position(|s| {
                let site = &imports[s.site];
                member.asname.is_none()
                    && site.is_from
                    && site.level == w.level
                    && module_of(site) == w.module
                    && site
                        .names
                        .iter()
                        .all(|n| n.asname.is_none() && n.name != "*")
                    && !gone(s)
                    && !touched(s)
                    && !text[s.start..line_end(text, s.end)].contains('#')
            });
            if let Some(t) = target {
                joined.entry(t).or_default().push(member);
                continue;
            }
            let group = fresh.iter_mut().find(|g| {
                member.asname.is_none()
                    && g.level == w.level
                    && g.module == w.module
                    && g.members.iter().all(|m| m.asname.is_none())
            });
            match group {
                Some(g) if !g.members.iter().any(|m| m.name == member.name) => {
                    g.members.push(member)
                }
                Some(_) => {}
                None => fresh.push(Wanted {
                    comments: w.comments,
                    level: w.level,
                    module: w.module.clone(),
                    members: vec![member],
                    change: w.change,
                    reason: w.reason.clone(),
                }),
            }
        }
    }
    // (section, key, text) of every statement the block will hold.
    let mut out: Vec<(Section, StmtKey, String)> = Vec::new();
    for (i, s) in stmts.iter().enumerate() {
        if gone(s) {
            continue;
        }
        let site = &imports[s.site];
        let written = match joined.remove(&i) {
            Some(new) => {
                let mut members: Vec<Member> = site
                    .names
                    .iter()
                    .map(|n| Member::new(&n.name, None))
                    .collect();
                for m in new {
                    if !members.iter().any(|k| k.name == m.name) {
                        members.push(m);
                    }
                }
                members.sort_by(member_order);
                let stmt = &text[s.start..s.end];
                let wrap = stmt.ends_with(')')
                    && without_comments(&stmt[..stmt.len() - 1])
                        .trim_end()
                        .ends_with(',');
                let comments = &text[s.lines.0..line_start(text, s.start)];
                let module = module_of(site);
                let statement =
                    format_from(&indent, site.level, module.as_deref(), &members, None, wrap);
                format!("{comments}{statement}\n")
            }
            None => edited(text, fp, s.lines),
        };
        let now = if touched(s) {
            reparse(&written, &indent)?
        } else {
            site.clone()
        };
        if now.names.is_empty() {
            return None;
        }
        out.push((section_of(site), key(&now), written));
    }
    // A new statement joins the section of the statements of its package, where there are some.
    let learned = |level: u32, module: Option<&str>| {
        let new_top = top(level, module)?;
        stmts
            .iter()
            .map(|s| &imports[s.site])
            .find(|site| top(site.level, module_of(site).as_deref()).as_deref() == Some(&new_top))
            .map(section_of)
    };
    for mut g in fresh {
        g.members.sort_by(member_order);
        let comment = g.members[0].comment.clone();
        let shared = comment.is_some() && g.members.iter().all(|m| m.comment == comment);
        if shared {
            for m in &mut g.members {
                m.comment = None;
            }
        }
        let statement = format_from(
            &indent,
            g.level,
            g.module.as_deref(),
            &g.members,
            comment.as_deref().filter(|_| shared),
            false,
        );
        let section = learned(g.level, g.module.as_deref())
            .unwrap_or_else(|| section(g.level, g.module.as_deref(), first_party));
        let key = StmtKey {
            is_from: true,
            level: g.level,
            module: g.module.clone(),
            first: g.members.first().cloned(),
        };
        // The comment over a statement whose names all moved is about them: it moves along.
        let comments = g
            .comments
            .and_then(|site| stmts.iter().find(|s| s.site == site))
            .filter(|s| gone(s))
            .map_or("", |s| &text[s.lines.0..line_start(text, s.start)]);
        out.push((section, key, format!("{comments}{statement}\n")));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| stmt_order(&a.1, &b.1)));
    let mut content = String::new();
    for (i, (section, _, stmt)) in out.iter().enumerate() {
        if i > 0 && out[i - 1].0 != *section {
            content.push('\n');
        }
        content.push_str(stmt);
    }
    Some(Rewrite {
        start,
        end,
        content,
        change,
        reason,
    })
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
