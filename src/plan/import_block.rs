//! The import blocks of a file and the rewrite of one in the order of ruff's isort rules: the
//! statements that stay (as the plan's edits leave them), the names that join one of them, and
//! the new statements, sorted and one blank line between sections; only a block that was in that
//! order before is written again, so that a fix never reorders what a person arranged.

use std::collections::BTreeMap;

use super::import_order::{
    format_from, member_order, section, stmt_order, Member, Section, StmtKey,
};
use super::{without_comments, Change, FilePlan, PlannedEdit};
use crate::index::facts::ImportSite;

/// A statement of an import block.
pub struct Stmt {
    pub site: usize,
    pub start: usize,
    pub end: usize,
    /// From its first line's start (above the comment lines right over it) to past its last
    /// line's newline.
    pub lines: (usize, usize),
    pub indent: String,
}

/// New names for one block.
pub struct Wanted {
    /// The comment lines above the statement the names came from, when that one goes whole.
    pub comments: Option<usize>,
    pub level: u32,
    pub module: Option<String>,
    pub members: Vec<Member>,
    pub change: Change,
    pub reason: String,
}

pub fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

pub fn line_end(text: &str, at: usize) -> usize {
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
pub fn blocks(text: &str, imports: &[ImportSite]) -> Vec<Vec<Stmt>> {
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
            crate::source::pinned_lines_end(text)
        };
        while first > floor {
            let above = line_start(text, first - 1);
            if !text[above..first].trim_start().starts_with('#') {
                break;
            }
            first = above;
        }
        if !joins && first == floor {
            // Comments from the top of the file down to its first import are the file's header
            // (a licence, what the module is for): they stay where they are.
            first = line_start(text, start);
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

pub fn key(site: &ImportSite) -> StmtKey {
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

/// A block written again: the bytes it replaces, its new text, and the change it belongs to.
pub struct Rewrite {
    pub start: usize,
    pub end: usize,
    pub content: String,
    pub change: Change,
    pub reason: String,
}

/// Whether an edit lies inside `start..end`; an insertion at `end` belongs to what follows.
pub fn inside(e: &PlannedEdit, start: usize, end: usize) -> bool {
    let (s, t) = (e.edit.start as usize, e.edit.end as usize);
    start <= s && t <= end && !(s == t && s == end)
}

/// The text from `start` to `end` as the plan's edits inside it leave it.
pub fn edited(text: &str, fp: &FilePlan, (start, end): (usize, usize)) -> String {
    let mut out = String::new();
    let mut at = start;
    for e in fp.edits.iter().filter(|e| inside(e, start, end)) {
        out.push_str(&text[at..e.edit.start as usize]);
        out.push_str(&e.edit.content);
        at = e.edit.end as usize;
    }
    out.push_str(&text[at..end]);
    out
}

/// The first import of `statement` (written at `indent`), parsed again.
pub fn reparse(statement: &str, indent: &str) -> Option<ImportSite> {
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

pub fn module_of(site: &ImportSite) -> Option<String> {
    if site.is_from {
        site.module.as_ref().map(|m| m.to_string())
    } else {
        site.names.first().map(|n| n.name.to_string())
    }
}

/// The top-level package of an absolute import.
pub fn top(level: u32, module: Option<&str>) -> Option<String> {
    if level > 0 {
        return None;
    }
    module.and_then(|m| m.split('.').next()).map(str::to_owned)
}

/// The block written again with the new names, in isort's order, when it was in that order
/// before (sections apart by one blank line, statements in order in each) and the plan's edits
/// stay inside it; `None` leaves it to the caller.
pub fn rewrite_block(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::facts::TextEdit;

    fn edit(start: u32, end: u32, content: &str) -> PlannedEdit {
        PlannedEdit {
            edit: TextEdit {
                start,
                end,
                content: content.into(),
            },
            change: Change::Cleanup,
            reason: String::new(),
        }
    }

    /// A statement's text takes the edits on its lines, not an insertion where the next line
    /// starts (another statement's, or code after the block that a block rewrite must keep).
    #[test]
    fn an_insertion_at_the_end_belongs_to_what_follows() {
        let text = "from a import B, C\nx = 1\n";
        let fp = FilePlan {
            edits: vec![edit(15, 18, ""), edit(19, 19, "import d\n")],
            frozen: false,
        };
        assert_eq!(edited(text, &fp, (0, 19)), "from a import B\n");
        assert!(!inside(&fp.edits[1], 0, 19));
        assert!(inside(&fp.edits[1], 0, 20));
    }
}
