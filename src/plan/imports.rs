//! Import statements: importers of a re-exported name are pointed at the canonical module, and
//! imports that only removed code used are removed.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::import_list::remove_names;
use super::import_order::{format_from, Member};
use super::placement::NewImport;
use super::{mentions, Change, Planner, ShimKey};
use crate::index::facts::{ImportSite, TextEdit};
use crate::index::module_map::FileId;
use crate::index::removal::remove_statement;
use crate::index::resolve::{Entity, Resolver};

/// The names of one `from` import that move: (index in the statement, canonical module, symbol).
type Moved = Vec<(usize, String, String)>;

pub fn rewrite_importers(p: &mut Planner) {
    if p.shimmed.is_empty() {
        return;
    }
    let ctx = p.ctx;
    let resolver = Resolver {
        files: &ctx.index.files,
        map: &ctx.index.module_map,
    };
    // Following every imported name to its definition is the costly part and reads only the
    // index: done for all files in parallel, the rewrites after that in file order.
    let shimmed = &p.shimmed;
    let moves: Vec<Vec<(usize, Moved, Change)>> = ctx
        .index
        .files
        .par_iter()
        .enumerate()
        .map(|(file, source)| {
            let mut sites = Vec::new();
            for (site_index, site) in source.facts.imports.iter().enumerate() {
                if !site.is_from {
                    continue;
                }
                let mut moved = Moved::new();
                let mut change = Change::Cleanup;
                for (n, name) in site.names.iter().enumerate().filter(|(_, n)| n.name != "*") {
                    let resolved = resolver.imported(file, site_index, &name.name);
                    if !resolved.rest.is_empty() {
                        continue;
                    }
                    let key = match resolved.entity {
                        Entity::Class(f, c) => ShimKey::Class(f, c),
                        Entity::Table(f, t) => ShimKey::Table(f, t),
                        _ => continue,
                    };
                    if let Some((module, symbol, cluster)) = shimmed.get(&key) {
                        moved.push((n, module.clone(), symbol.clone()));
                        change = Change::Table(*cluster);
                    }
                }
                if !moved.is_empty() {
                    sites.push((site_index, moved, change));
                }
            }
            sites
        })
        .collect();
    for ((file, source), sites) in ctx.index.files.iter().enumerate().zip(moves) {
        let mut sites = sites.into_iter().peekable();
        for (site_index, site) in source.facts.imports.iter().enumerate() {
            if !site.is_from {
                note_module_imports(p, file, site);
            } else if let Some((_, moved, change)) = sites.next_if(|(i, _, _)| *i == site_index) {
                rewrite_site(p, file, site, &moved, change);
            }
        }
    }
}

/// `import pkg.users.models as m` then `m.User`: it keeps working through the re-export; say so.
fn note_module_imports(p: &mut Planner, file: FileId, site: &ImportSite) {
    let ctx = p.ctx;
    for name in &site.names {
        let Some(module_file) = ctx.index.module_map.resolve(&name.name, Some(file)) else {
            continue;
        };
        let mut moved: Vec<(String, String)> = p
            .shimmed
            .iter()
            .filter(|(key, _)| matches!(key, ShimKey::Class(f, _) | ShimKey::Table(f, _) if *f == module_file))
            .map(|(key, (module, symbol, _))| {
                let old = match key {
                    ShimKey::Class(f, c) => ctx.index.files[*f].facts.classes[*c].name.to_string(),
                    ShimKey::Table(f, t) => ctx.index.files[*f].facts.tables[*t].assigned.as_deref().unwrap_or(symbol).to_owned(),
                };
                (old, module.clone())
            })
            .collect();
        moved.sort();
        let local = name.asname.as_deref().unwrap_or(&name.name);
        for (old, module) in moved {
            if p.text(file).contains(&format!("{local}.{old}")) {
                p.note(file, site.stmt.0, format!("`{local}.{old}` keeps working through the re-export in `{}`; `from {module} import {old}` would drop the indirection", name.name));
            }
        }
    }
}

/// Splits `from old import A, B` into `from canonical import A` and `from old import B`. The
/// moved names keep their alias (`User as User` too) and the comment on their line; where the
/// new statement goes is `placement`'s call.
fn rewrite_site(p: &mut Planner, file: FileId, site: &ImportSite, moved: &Moved, change: Change) {
    let text = p.text(file);
    if p.file(file).covers(site.stmt) {
        return;
    }
    // A name stays where a script that loads this module would not find the canonical one:
    // it keeps working through the re-export.
    let mut moved = moved.clone();
    if site.level == 0 {
        moved.retain(|(_, module, symbol)| {
            let map = &p.ctx.index.module_map;
            let Some(target) = map.resolve(module, Some(file)) else {
                return true;
            };
            let Some(why) = p.not_found(file, target, module, site.module.as_deref()) else {
                return true;
            };
            let message = format!("`{symbol}` is still imported through the re-export here: {why}");
            p.skip(file, site.stmt.0, message);
            false
        });
        if moved.is_empty() {
            return;
        }
    }
    let moved = &moved;
    // The canonical module's own import of its duplicate: the class it defines takes the name,
    // and importing itself would be circular. The name just leaves the statement.
    let own = p.module_name(file);
    let multi_line = text[site.stmt.0 as usize..site.stmt.1 as usize].contains('\n');
    let mut by_module: BTreeMap<&str, Vec<Member>> = BTreeMap::new();
    for (n, module, symbol) in moved {
        let name = &site.names[*n];
        if own.as_deref() == Some(module.as_str()) && name.asname.is_none() {
            continue;
        }
        let local = name.asname.as_deref().unwrap_or(&name.name);
        let alias = (name.asname.is_some() || local != symbol).then_some(local);
        let mut member = Member::new(symbol, alias);
        if multi_line {
            member.comment = comment_after(text, name.span.1 as usize);
        }
        by_module.entry(module).or_default().push(member);
    }
    // A relative import stays relative where the canonical module is in the same package tree.
    let importer = (site.level > 0)
        .then(|| p.module_name(file))
        .flatten()
        .map(|name| (name, p.ctx.index.module_map.is_package(file)));
    let statements: Vec<(u32, Option<String>, Vec<Member>)> = by_module
        .into_iter()
        .map(|(m, members)| {
            let written = importer
                .as_ref()
                .and_then(|(name, package)| relative(name, *package, m))
                .unwrap_or_else(|| m.to_owned());
            let module = written.trim_start_matches('.');
            let level = (written.len() - module.len()) as u32;
            (
                level,
                (!module.is_empty()).then(|| module.to_owned()),
                members,
            )
        })
        .collect();
    let reason = format!(
        "import {} from the canonical module",
        moved
            .iter()
            .map(|(_, _, s)| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let remove: Vec<usize> = moved.iter().map(|(n, _, _)| *n).collect();
    let Some(indent) = super::import_block::own_lines(text, site) else {
        // A statement that shares its line with other code is rewritten where it stands.
        let written: Vec<String> = statements
            .iter()
            .map(|(level, module, members)| {
                let plain: Vec<Member> = members
                    .iter()
                    .map(|m| Member::new(&m.name, m.asname.as_deref()))
                    .collect();
                format_from("", *level, module.as_deref(), &plain, None, false)
            })
            .collect();
        let joined = written.join("; ");
        let mut edits = if moved.len() == site.names.len() {
            vec![TextEdit {
                start: site.stmt.0,
                end: site.stmt.1,
                content: joined,
            }]
        } else {
            let mut edits = remove_names(text, site, &remove);
            if !joined.is_empty() {
                edits.push(TextEdit {
                    start: site.stmt.0,
                    end: site.stmt.0,
                    content: format!("{joined}; "),
                });
            }
            edits
        };
        if edits.iter().all(|e| e.content.is_empty()) && moved.len() == site.names.len() {
            edits = vec![remove_statement(text, site.stmt)];
        }
        edits.sort();
        let plan = p.file(file);
        for edit in edits {
            plan.add(edit, change, reason.clone());
        }
        return;
    };
    let _ = indent;
    let edits = if moved.len() == site.names.len() {
        vec![remove_statement(text, site.stmt)]
    } else {
        remove_names(text, site, &remove)
    };
    let plan = p.file(file);
    for edit in edits {
        plan.add(edit, change, reason.clone());
    }
    let site_index = p.ctx.index.files[file]
        .facts
        .imports
        .iter()
        .position(|s| s.stmt == site.stmt)
        .expect("the site is one of the file's imports");
    for (level, module, members) in statements {
        p.new_imports.entry(file).or_default().push(NewImport {
            site: site_index,
            level,
            module,
            members,
            change,
            reason: reason.clone(),
        });
    }
}

/// The comment that ends the line of a name whose line no other name shares (`User,  # the
/// model`), without its `#`.
fn comment_after(text: &str, at: usize) -> Option<String> {
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let tail = text[at..end].trim_start();
    let tail = tail.strip_prefix(',').unwrap_or(tail).trim_start();
    let comment = tail.strip_prefix('#')?.trim();
    (!comment.is_empty()).then(|| comment.to_owned())
}

/// `target` as a relative module name from inside `importer` (`..auth.models`), when the two
/// share their top-level package.
fn relative(importer: &str, is_package: bool, target: &str) -> Option<String> {
    let mut package: Vec<&str> = importer.split('.').collect();
    if !is_package {
        package.pop();
    }
    let target: Vec<&str> = target.split('.').collect();
    let common = package
        .iter()
        .zip(&target)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 || common == target.len() {
        return None;
    }
    let dots = ".".repeat(package.len() - common + 1);
    Some(format!("{dots}{}", target[common..].join(".")))
}

/// Imports whose names only the removed code used go too (module level only).
pub fn remove_unused(p: &mut Planner) {
    let ctx = p.ctx;
    let removed: Vec<(FileId, Vec<(u32, u32)>)> =
        p.removed.iter().map(|(f, s)| (*f, s.clone())).collect();
    let files = removed.iter().map(|(f, _)| *f).collect();
    let exports = super::exports::exports(ctx.index, &files);
    for (file, spans) in removed {
        let text = p.text(file);
        let source = &ctx.index.files[file];
        let plan = p.plan.files.get(&file).cloned().unwrap_or_default();
        let exports = &exports;
        // The file as it will read, without the import statements themselves.
        let mut remaining = String::new();
        let mut at = 0usize;
        let mut cuts: Vec<(u32, u32, String)> = plan
            .edits
            .iter()
            .map(|e| (e.edit.start, e.edit.end, e.edit.content.clone()))
            .collect();
        cuts.extend(
            source
                .facts
                .imports
                .iter()
                .filter(|s| !s.in_function)
                .map(|s| (s.stmt.0, s.stmt.1, String::new())),
        );
        // A docstring that mentions a name is no use of it.
        cuts.extend(
            source
                .facts
                .string_statements
                .iter()
                .map(|&(start, end)| (start, end, String::new())),
        );
        cuts.sort();
        for (start, end, content) in cuts {
            if (start as usize) < at {
                continue;
            }
            remaining.push_str(&text[at..start as usize]);
            // Shims import the canonical name; that binding is not a use of the old imports.
            if !content.starts_with("from ") {
                remaining.push_str(&content);
            }
            at = end as usize;
        }
        remaining.push_str(&text[at..]);
        let remaining = super::without_comments(&remaining);
        let in_removed: String = spans
            .iter()
            .map(|(s, e)| &text[*s as usize..*e as usize])
            .collect::<Vec<_>>()
            .join("\n");
        for site in source.facts.imports.iter().filter(|s| !s.in_function) {
            if plan
                .edits
                .iter()
                .any(|e| e.edit.start < site.stmt.1 && site.stmt.0 < e.edit.end)
            {
                continue;
            }
            let unused: Vec<usize> = site
                .names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.name != "*")
                .filter(|(_, n)| {
                    let bound = n
                        .asname
                        .as_deref()
                        .unwrap_or_else(|| n.name.split('.').next().unwrap_or(&n.name));
                    mentions(&in_removed, bound)
                        && !mentions(&remaining, bound)
                        && !mentions(&remaining, "__all__")
                })
                .map(|(i, _)| i)
                .collect();
            if unused.is_empty() {
                continue;
            }
            let reason = "remove imports only the removed definitions used";
            let (kept, unused): (Vec<usize>, Vec<usize>) = unused.into_iter().partition(|&i| {
                let n = &site.names[i];
                let bound = n.asname.as_deref().unwrap_or(&n.name);
                exports.get(&file).is_some_and(|e| e.takes(bound))
            });
            let file_plan = p.file(file);
            // A `# noqa: F401` that would push a one-line statement past 88 columns: written as
            // isort would, a name a line, the comment on each name kept for other modules.
            let line_start = text[..site.stmt.0 as usize]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let line_end = text[site.stmt.1 as usize..]
                .find('\n')
                .map_or(text.len(), |i| site.stmt.1 as usize + i);
            let line = text[line_start..line_end].trim_end_matches('\r');
            let indent = super::import_block::own_lines(text, site);
            if let (false, Some(indent)) = (kept.is_empty(), indent) {
                let long = line.chars().count() + "  # noqa: F401".len() > 88;
                if long && site.is_from && !line.contains(['#', '\n', '(', '\\']) {
                    let members: Vec<Member> = site
                        .names
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| !unused.contains(i))
                        .map(|(i, n)| Member {
                            comment: kept.contains(&i).then(|| "noqa: F401".to_owned()),
                            ..Member::new(&n.name, n.asname.as_deref())
                        })
                        .collect();
                    let module = site.module.as_ref().map(|m| m.to_string());
                    let written =
                        format_from(&indent, site.level, module.as_deref(), &members, None, true);
                    let edit = TextEdit {
                        start: site.stmt.0,
                        end: site.stmt.1,
                        content: written[indent.len()..].to_owned(),
                    };
                    file_plan.add(
                        edit,
                        Change::Cleanup,
                        "keep the import: other modules take it from here",
                    );
                    continue;
                }
            }
            if !unused.is_empty() && unused.len() == site.names.len() {
                file_plan.add(remove_statement(text, site.stmt), Change::Cleanup, reason);
                continue;
            }
            if !unused.is_empty() {
                for edit in remove_names(text, site, &unused) {
                    file_plan.add(edit, Change::Cleanup, reason);
                }
            }
            // Kept for the modules that take them from here: a re-export, not an unused import.
            let mut marked = Vec::new();
            for i in kept {
                let at = site.names[i].span.1 as usize;
                let end = text[at..].find('\n').map_or(text.len(), |e| at + e);
                let end = if text[..end].ends_with('\r') {
                    end - 1
                } else {
                    end
                };
                let line = &text[text[..at].rfind('\n').map_or(0, |s| s + 1)..end];
                if line.contains("noqa") || line.trim_end().ends_with('\\') || marked.contains(&end)
                {
                    continue;
                }
                marked.push(end);
                let edit = TextEdit {
                    start: end as u32,
                    end: end as u32,
                    content: "  # noqa: F401".into(),
                };
                let why = "keep the import: other modules take it from here";
                file_plan.add(edit, Change::Cleanup, why);
            }
        }
    }
}
