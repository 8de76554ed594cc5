//! The Rust fix as data: per file (sources and Cargo manifests), sorted and disjoint text edits
//! with their reasons. A duplicate `table!` becomes `pub use <canonical>::users;`, a duplicate
//! SeaORM entity module becomes `pub use <entity crate>::users::*;`, `use` paths and
//! `table_name` attributes that named the duplicate name the canonical, and `joinable!` /
//! `allow_tables_to_appear_in_same_query!` entries that would be written twice go.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::analyze::Analysis;
use super::facts::Span;
use super::{ModPath, Orm, RustIndex, TableId};
use crate::plan::Skipped;

#[derive(Debug, Clone)]
pub struct Edit {
    pub span: Span,
    pub content: String,
    pub reason: String,
    /// The duplicates whose fix makes this edit (several share one re-export line of a
    /// `table!` call, a dependency, an `allow_tables_to_appear_in_same_query!`).
    pub tables: Vec<TableId>,
}

/// One file the Rust fix rewrites.
#[derive(Debug, Clone)]
pub struct FileRewrite {
    pub path: PathBuf,
    pub display: String,
    pub original: String,
    /// Sorted by position; no two overlap.
    pub edits: Vec<Edit>,
}

impl FileRewrite {
    pub fn new_text(&self) -> String {
        let mut out = String::with_capacity(self.original.len());
        let mut at = 0usize;
        for e in &self.edits {
            out.push_str(&self.original[at..e.span.0 as usize]);
            out.push_str(&e.content);
            at = e.span.1 as usize;
        }
        out.push_str(&self.original[at..]);
        out
    }
}

#[derive(Debug, Default)]
pub struct RustPlan {
    pub files: BTreeMap<PathBuf, FileRewrite>,
    pub skipped: Vec<Skipped>,
    pub notes: Vec<Skipped>,
}

struct Planner<'a, 'b> {
    analysis: &'b Analysis<'a>,
    index: &'a RustIndex,
    merge_columns: bool,
    plan: RustPlan,
    /// Duplicates replaced by a re-export: table -> its canonical.
    replaced: BTreeMap<TableId, TableId>,
}

pub fn plan(analysis: &Analysis, merge_columns: bool) -> RustPlan {
    plan_leaving(analysis, merge_columns, &BTreeSet::new())
}

/// The plan with the duplicates in `leave` left as they are (a person's choice, or the fix of
/// one finding alone).
pub fn plan_leaving(
    analysis: &Analysis,
    merge_columns: bool,
    leave: &BTreeSet<TableId>,
) -> RustPlan {
    let mut planner = Planner {
        analysis,
        index: analysis.index,
        merge_columns,
        plan: RustPlan::default(),
        replaced: BTreeMap::new(),
    };
    for cluster in &analysis.duplicates {
        let keep = cluster[0];
        for &dup in &cluster[1..] {
            if leave.contains(&dup) {
                planner.skip_table(dup, "left unchanged: you chose so".into());
                continue;
            }
            if let Err(why) = planner.check(dup, keep) {
                planner.skip_table(dup, why);
            }
        }
    }
    planner.diesel_shims();
    planner.entity_shims();
    planner.repoint();
    planner.plan.skipped.sort();
    planner.plan.skipped.dedup();
    planner.plan.files.retain(|_, f| !f.edits.is_empty());
    planner.plan
}

impl Planner<'_, '_> {
    fn skip_table(&mut self, table: TableId, why: String) {
        let def = &self.index.tables[table];
        let file = &self.index.files[def.file];
        self.plan.skipped.push(Skipped {
            path: file.display.clone(),
            line: file.line_col(def.offset).0,
            message: format!("table `{}` left as it is: {why}", def.name),
        });
    }

    /// Whether the duplicate can become a re-export of the canonical; records it if so.
    fn check(&mut self, dup: TableId, keep: TableId) -> Result<(), String> {
        let index = self.index;
        let (d, k) = (&index.tables[dup], &index.tables[keep]);
        let (Some(dm), Some(km)) = (&d.module, &k.module) else {
            return Err("it is not in a crate's module tree".into());
        };
        if d.file == k.file && d.module == k.module {
            return Err("both declarations are in one module, which rustc already rejects (E0428); remove one by hand".into());
        }
        let only = self.analysis.only_in(dup, keep);
        let mergeable = self.merge_columns && d.orm == Orm::Diesel;
        if !only.is_empty() && !mergeable {
            let hint = match d.orm {
                Orm::Diesel => "; --merge-columns copies them into the canonical",
                Orm::SeaOrm => "; add them to the canonical entity by hand",
            };
            return Err(format!(
                "it has columns the canonical at {} lacks: {}{hint}",
                index.at(k.file, k.offset),
                only.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let differ = self.analysis.differ(dup, keep);
        if !differ.is_empty() {
            return Err(format!(
                "its column types differ from the canonical at {}: {}; code written against the duplicate's types would stop compiling, so decide which types are right first",
                index.at(k.file, k.offset),
                differ
                    .iter()
                    .map(|(c, d, k)| format!("`{c}` ({d} here, {k} there)"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        self.path_to(dm, km)?;
        if d.orm == Orm::Diesel {
            // A `joinable!` of the duplicate that the canonical does not have would be lost.
            let file = &index.files[d.file];
            let table = &file.facts.tables[d.fact];
            let canonical_file = &index.files[k.file];
            let canonical = &canonical_file.facts.tables[k.fact];
            for j in file
                .facts
                .joinables
                .iter()
                .filter(|j| j.nest == table.nest && j.child == table.rust_name)
            {
                let has = canonical_file.facts.joinables.iter().any(|c| {
                    c.nest == canonical.nest
                        && c.child == j.child
                        && c.parent == j.parent
                        && c.fk == j.fk
                });
                if !has {
                    return Err(format!(
                        "its `joinable!({} -> {} ({}))` has no twin next to the canonical at {}; add it there first",
                        j.child,
                        j.parent,
                        j.fk,
                        index.at(k.file, k.offset)
                    ));
                }
            }
        } else {
            let file = &index.files[d.file];
            let entity = &file.facts.entities[d.fact];
            if !entity.nest.is_empty() {
                return Err(
                    "the entity is an inline module; only entity files are replaced".into(),
                );
            }
            let others: Vec<&str> = file
                .facts
                .others
                .iter()
                .filter(|(n, _)| n.is_empty())
                .map(|(_, w)| w.as_str())
                .collect();
            if !others.is_empty() {
                return Err(format!(
                    "its module also holds {}, which a re-export would cut off",
                    others.join(", ")
                ));
            }
        }
        self.replaced.insert(dup, keep);
        Ok(())
    }

    /// How code in module `from` names module `to`: `crate::...` in one crate, the dependency
    /// name from another package (with the dependency to add when the package lacks it).
    fn path_to(&self, from: &ModPath, to: &ModPath) -> Result<(String, Option<usize>), String> {
        let index = self.index;
        let tail = to.1.join("::");
        if from.0 == to.0 {
            return Ok((format!("crate::{tail}"), None));
        }
        let (fc, tc) = (&index.crates[from.0], &index.crates[to.0]);
        if !tc.lib {
            return Err(format!(
                "the canonical is in the binary crate {}, which other crates cannot import",
                index.files[tc.root].display
            ));
        }
        // Every module on the way must be `pub` for another crate to see it.
        for len in 1..to.1.len() {
            let module = (to.0, to.1[..len].to_vec());
            let Some((file, nest)) = index.modules.get(&module) else {
                continue;
            };
            let parent_file = if nest.is_empty() {
                index
                    .modules
                    .get(&(to.0, to.1[..len - 1].to_vec()))
                    .map(|(f, _)| *f)
            } else {
                Some(*file)
            };
            let public = parent_file.is_some_and(|f| {
                index.files[f]
                    .facts
                    .mods
                    .iter()
                    .any(|m| m.name == to.1[len - 1] && m.public)
            });
            if !public {
                return Err(format!(
                    "module `{}` is private to its crate; make it `pub` to share the canonical",
                    index.module_name(&module)
                ));
            }
        }
        if fc.package == tc.package {
            let name = &index.packages[tc.package].lib_name;
            return Ok((format!("{name}::{tail}"), None));
        }
        let package = &index.packages[tc.package];
        if let Some(dep) = index.packages[fc.package]
            .dependencies
            .iter()
            .find(|d| d.target == Some(tc.package))
        {
            return Ok((format!("{}::{tail}", dep.name), None));
        }
        if index.closure(tc.package).contains(&fc.package) {
            return Err(format!(
                "package `{}` depends on `{}`, so the re-export would make a dependency cycle",
                package.name, index.packages[fc.package].name
            ));
        }
        Ok((format!("{}::{tail}", package.lib_name), Some(tc.package)))
    }

    fn file_plan(&mut self, file: super::FileId) -> &mut FileRewrite {
        let source = &self.index.files[file];
        self.plan
            .files
            .entry(source.path.clone())
            .or_insert_with(|| FileRewrite {
                path: source.path.clone(),
                display: source.display.clone(),
                original: source.text.clone(),
                edits: Vec::new(),
            })
    }

    fn add(
        &mut self,
        file: super::FileId,
        span: Span,
        content: String,
        reason: String,
        tables: &[TableId],
    ) {
        let plan = self.file_plan(file);
        if let Some(same) = plan
            .edits
            .iter_mut()
            .find(|e| span.0 < e.span.1 && e.span.0 < span.1 || (span == e.span))
        {
            if same.span == span && same.content == content {
                for &t in tables {
                    if !same.tables.contains(&t) {
                        same.tables.push(t);
                    }
                }
            }
            return;
        }
        let at = plan.edits.partition_point(|e| e.span <= span);
        plan.edits.insert(
            at,
            Edit {
                span,
                content,
                reason,
                tables: tables.to_vec(),
            },
        );
    }

    /// Adds `name = { path = ".." }` to the package's `[dependencies]` once.
    fn add_dependency(&mut self, from_package: usize, target: usize, dup: TableId) {
        let index = self.index;
        let package = &index.packages[from_package];
        let target = &index.packages[target];
        let name = &target.name;
        let relative = relative_path(&package.dir, &target.dir);
        let line = format!("{name} = {{ path = \"{relative}\" }}\n");
        let text = &package.text;
        let display = crate::paths::display_path(&package.manifest, &index.cwd);
        let plan = self
            .plan
            .files
            .entry(package.manifest.clone())
            .or_insert_with(|| FileRewrite {
                path: package.manifest.clone(),
                display,
                original: text.clone(),
                edits: Vec::new(),
            });
        if let Some(same) = plan.edits.iter_mut().find(|e| e.content.ends_with(&line)) {
            if !same.tables.contains(&dup) {
                same.tables.push(dup);
            }
            return;
        }
        let (at, content) = match text.find("[dependencies]\n") {
            Some(header) => (header + "[dependencies]\n".len(), line.clone()),
            None if text.ends_with('\n') => (text.len(), format!("\n[dependencies]\n{line}")),
            None => (text.len(), format!("\n\n[dependencies]\n{line}")),
        };
        let at = at as u32;
        let reason = format!("depend on `{name}`, which holds the canonical definitions");
        let position = plan.edits.partition_point(|e| e.span <= (at, at));
        plan.edits.insert(
            position,
            Edit {
                span: (at, at),
                content,
                reason,
                tables: vec![dup],
            },
        );
    }

    /// The path a duplicate's re-export names its canonical by, with the dependency it needs
    /// added to the duplicate's package.
    fn shim_path(&mut self, dup: TableId, keep: TableId) -> String {
        let index = self.index;
        let (dm, km) = (
            index.tables[dup].module.clone().expect("checked"),
            index.tables[keep].module.clone().expect("checked"),
        );
        let (path, dependency) = self.path_to(&dm, &km).expect("checked");
        if let Some(dependency) = dependency {
            self.add_dependency(index.package_of(&dm), dependency, dup);
        }
        path
    }

    /// Replaces each duplicate `table!` by a re-export, and drops the `joinable!` and
    /// `allow_tables_to_appear_in_same_query!` entries that would be written twice.
    fn diesel_shims(&mut self) {
        let index = self.index;
        // Per file and call: the replaced tables of that call.
        let mut calls: BTreeMap<(super::FileId, Span), Vec<TableId>> = BTreeMap::new();
        for (&dup, _) in self
            .replaced
            .iter()
            .filter(|(&d, _)| index.tables[d].orm == Orm::Diesel)
        {
            let def = &index.tables[dup];
            let table = &index.files[def.file].facts.tables[def.fact];
            calls.entry((def.file, table.call)).or_default().push(dup);
        }
        for ((file, call), dups) in calls {
            let source = &index.files[file];
            let mut lines = Vec::new();
            for &dup in &dups {
                let keep = self.replaced[&dup];
                let path = self.shim_path(dup, keep);
                lines.push(format!("pub use {path};"));
                if self.merge_columns {
                    self.merge(dup, keep);
                }
            }
            let table = &source.facts.tables[index.tables[dups[0]].fact];
            let reason = format!(
                "re-export the canonical `{}`: one declaration of table `{}`",
                lines.join(" "),
                index.tables[dups[0]].name
            );
            if dups.len() == table.tables_in_call {
                let indent = indentation(&source.text, call.0);
                let content = lines.join(&format!("\n{indent}"));
                self.add(file, call, content, reason, &dups);
            } else {
                // Only some tables of the call: take their declarations out of it and put the
                // re-exports after it.
                for &dup in &dups {
                    let decl = source.facts.tables[index.tables[dup].fact].decl;
                    let span = whole_lines(&source.text, decl);
                    self.add(file, span, String::new(), reason.clone(), &[dup]);
                }
                let indent = indentation(&source.text, call.0);
                let content = format!("\n{indent}{}", lines.join(&format!("\n{indent}")));
                self.add(file, (call.1, call.1), content, reason, &dups);
            }
        }
        self.macro_entries();
    }

    fn macro_entries(&mut self) {
        let index = self.index;
        let replaced = self.replaced.clone();
        // The replaced tables of a module of `file`, by their Rust names.
        let replaced_names = |file: super::FileId, nest: &[String]| -> BTreeMap<String, TableId> {
            replaced
                .keys()
                .filter(|&&t| index.tables[t].orm == Orm::Diesel && index.tables[t].file == file)
                .map(|&t| (&index.files[file].facts.tables[index.tables[t].fact], t))
                .filter(|(f, _)| f.nest == nest)
                .map(|(f, t)| (f.rust_name.clone(), t))
                .collect()
        };
        let files: BTreeSet<super::FileId> = self
            .replaced
            .keys()
            .map(|&t| index.tables[t].file)
            .collect();
        for file in files {
            let source = &index.files[file];
            for j in &source.facts.joinables {
                let names = replaced_names(file, &j.nest);
                // `check` made sure the canonical has the same `joinable!`.
                if let Some(&dup) = names.get(&j.child) {
                    let span = whole_lines(&source.text, with_semicolon(&source.text, j.call));
                    self.add(
                        file,
                        span,
                        String::new(),
                        format!(
                            "`joinable!({} -> {})` is declared with the canonical table",
                            j.child, j.parent
                        ),
                        &[dup],
                    );
                }
            }
            for allow in &source.facts.allow_tables {
                let names = replaced_names(file, &allow.nest);
                let gone: Vec<&(String, Span)> = allow
                    .names
                    .iter()
                    .filter(|(n, _)| names.contains_key(n))
                    .collect();
                let dups: Vec<TableId> = gone.iter().map(|(n, _)| names[n]).collect();
                if gone.len() < 2 {
                    continue; // a re-exported table beside local ones is still this crate's to allow
                }
                if gone.len() == allow.names.len() {
                    let span = whole_lines(&source.text, with_semicolon(&source.text, allow.call));
                    self.add(
                        file,
                        span,
                        String::new(),
                        "`allow_tables_to_appear_in_same_query!` of re-exported tables: the canonical schema declares them".into(),
                        &dups,
                    );
                    continue;
                }
                for (name, span) in gone {
                    let end = source.text[span.1 as usize..]
                        .find(|c: char| c != ',' && !c.is_whitespace())
                        .map_or(span.1, |i| span.1 + i as u32);
                    self.add(
                        file,
                        (span.0, end),
                        String::new(),
                        format!("`{name}` is re-exported: its pairs are the canonical schema's"),
                        &[names[name]],
                    );
                }
                self.plan.notes.push(Skipped {
                    path: source.display.clone(),
                    line: source.line_col(allow.call.0).0,
                    message: "re-exported tables left `allow_tables_to_appear_in_same_query!`: pairs of them with this file's own tables must be allowed again by hand".into(),
                });
            }
        }
    }

    /// `--merge-columns`: the duplicate's own columns go into the canonical `table!`.
    fn merge(&mut self, dup: TableId, keep: TableId) {
        let index = self.index;
        let (d, k) = (&index.tables[dup], &index.tables[keep]);
        let only = self.analysis.only_in(dup, keep);
        if only.is_empty() {
            return;
        }
        let dup_file = &index.files[d.file];
        let keep_file = &index.files[k.file];
        let decl = keep_file.facts.tables[k.fact].decl;
        let close = decl.1 - 1;
        let line_start = keep_file.text[..close as usize]
            .rfind('\n')
            .map_or(0, |i| i + 1) as u32;
        let indent = k
            .columns
            .last()
            .and_then(|c| c.span)
            .map(|s| indentation(&keep_file.text, s.0))
            .unwrap_or_else(|| "        ".into());
        let mut content = String::new();
        for column in d.columns.iter().filter(|c| only.contains(&c.name)) {
            let Some((s, e)) = column.span else { continue };
            content.push_str(&format!(
                "{indent}{},\n",
                &dup_file.text[s as usize..e as usize]
            ));
        }
        self.add(
            k.file,
            (line_start, line_start),
            content,
            format!(
                "columns only the duplicate at {} had",
                index.at(d.file, d.offset)
            ),
            &[dup],
        );
        self.plan.notes.push(Skipped {
            path: keep_file.display.clone(),
            line: keep_file.line_col(k.offset).0,
            message: format!(
                "`{}` gained {}: structs that load the whole table by position (`Queryable` without `Selectable`) must take them too",
                k.name,
                only.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            ),
        });
    }

    /// A duplicate entity file becomes `pub use <entity crate>::<module>::*;`.
    fn entity_shims(&mut self) {
        let index = self.index;
        let replaced: Vec<(TableId, TableId)> = self
            .replaced
            .iter()
            .filter(|(&d, _)| index.tables[d].orm == Orm::SeaOrm)
            .map(|(&d, &k)| (d, k))
            .collect();
        for (dup, keep) in replaced {
            let path = self.shim_path(dup, keep);
            let km = index.tables[keep].module.clone().expect("checked");
            let file = index.tables[dup].file;
            let text = &index.files[file].text;
            // Keep the file's leading `//!` docs and comments; replace everything after them.
            let start = leading_comments(text);
            self.add(
                file,
                (start as u32, text.len() as u32),
                format!("pub use {path}::*;\n"),
                format!(
                    "re-export the canonical entity `{}`: one entity for table `{}`",
                    index.module_name(&km),
                    index.tables[dup].name
                ),
                &[dup],
            );
        }
    }

    /// `use` paths and `#[diesel(table_name = ...)]` values that spell out a duplicate's path
    /// name the canonical instead.
    fn repoint(&mut self) {
        let index = self.index;
        let resolver = &self.analysis.resolver;
        let mut edits = Vec::new();
        for (id, file) in index.files.iter().enumerate() {
            let Some(module) = file.modules.first() else {
                continue;
            };
            for site in &file.facts.uses {
                let mut here = module.clone();
                here.1.extend(site.nest.iter().cloned());
                for leaf in &site.leaves {
                    let Some(abs) = resolver.absolute(&here, &leaf.segments) else {
                        continue;
                    };
                    let Some(len) = self.literal_prefix(&abs) else {
                        continue;
                    };
                    // `abs` and the written path end alike; the written prefix naming the
                    // duplicate is the segments before the common tail.
                    let written = leaf.segments.len() - (abs.1.len() - len);
                    if written == 0 {
                        continue;
                    }
                    let span = (leaf.spans[0].0, leaf.spans[written - 1].1);
                    let (dup, _) = resolver.table(&abs).expect("literal");
                    if let Some(path) = self.canonical_path(&here, dup) {
                        // Leaves of one group share the prefix: it is rewritten only when
                        // every leaf of the group asks for the same rewrite.
                        let sharing = site
                            .leaves
                            .iter()
                            .filter(|l| l.spans.first() == leaf.spans.first())
                            .count();
                        edits.push((id, span, path, dup, sharing));
                    }
                }
            }
            for attr in file
                .facts
                .table_refs
                .iter()
                .filter(|a| !a.legacy && a.path.len() > 1)
            {
                let mut here = module.clone();
                here.1.extend(attr.nest.iter().cloned());
                let Some(abs) = resolver.absolute(&here, &attr.path) else {
                    continue;
                };
                if self.literal_prefix(&abs) != Some(abs.1.len()) {
                    continue;
                }
                let (dup, _) = resolver.table(&abs).expect("literal");
                if let Some(path) = self.canonical_path(&here, dup) {
                    edits.push((id, attr.value, path, dup, 1));
                }
            }
        }
        for (file, span, path, dup, sharing) in edits.clone() {
            let same = edits
                .iter()
                .filter(|(f, s, p, _, _)| *f == file && *s == span && *p == path)
                .count();
            let text = &index.files[file].text;
            let planned: Vec<(Span, &str)> = edits
                .iter()
                .filter(|(f, ..)| *f == file)
                .map(|(_, s, p, ..)| (*s, p.as_str()))
                .collect();
            if same != sharing
                || text[span.0 as usize..span.1 as usize] == path
                || !stays_sorted(text, &index.files[file].facts.uses, span, &planned)
            {
                continue;
            }
            self.add(
                file,
                span,
                path,
                format!(
                    "name the canonical definition of table `{}`",
                    index.tables[dup].name
                ),
                &[dup],
            );
        }
    }

    /// When `path` runs through a replaced duplicate's own module (not a re-export of it): how
    /// many of its segments name the duplicate.
    fn literal_prefix(&self, path: &ModPath) -> Option<usize> {
        self.replaced.keys().find_map(|&dup| {
            let module = self.index.tables[dup].module.as_ref()?;
            (module.0 == path.0 && path.1.starts_with(&module.1)).then_some(module.1.len())
        })
    }

    /// The canonical of a replaced duplicate as code in `here` writes it, if it can without a
    /// new dependency.
    fn canonical_path(&self, here: &ModPath, dup: TableId) -> Option<String> {
        let keep = *self.replaced.get(&dup)?;
        let km = self.index.tables[keep].module.as_ref()?;
        let dm = self.index.tables[dup].module.as_ref()?;
        match self.path_to(here, km) {
            Ok((path, None)) => Some(path),
            // The shim adds that dependency to the duplicate's own package.
            Ok((path, Some(_))) if self.index.package_of(here) == self.index.package_of(dm) => {
                Some(path)
            }
            _ => None,
        }
    }
}

/// Whether rewriting `span` of a `use` item (with the other rewrites `planned` in the file)
/// keeps the item in order among the `use` items next to it (rustfmt sorts a block of `use`
/// lines that no blank line separates), so that a file rustfmt accepted stays accepted. Order
/// is compared as rustfmt mostly does: the paths' text, lower-cased.
fn stays_sorted(
    text: &str,
    uses: &[super::facts::UseSite],
    span: Span,
    planned: &[(Span, &str)],
) -> bool {
    let Some(at) = uses
        .iter()
        .position(|u| u.item.0 <= span.0 && span.1 <= u.item.1)
    else {
        return true; // an attribute value
    };
    // An item's text after the planned rewrites inside it.
    let key = |u: &super::facts::UseSite| {
        let mut out = String::new();
        let mut from = u.item.0;
        let mut inside: Vec<&(Span, &str)> = planned
            .iter()
            .filter(|(s, _)| u.item.0 <= s.0 && s.1 <= u.item.1)
            .collect();
        inside.sort_by_key(|(s, _)| *s);
        inside.dedup_by_key(|(s, _)| *s);
        for (s, p) in inside {
            out.push_str(&text[from as usize..s.0 as usize]);
            out.push_str(p);
            from = s.1;
        }
        out.push_str(&text[from as usize..u.item.1 as usize]);
        out.trim_start_matches("pub ").to_lowercase()
    };
    let item = &uses[at];
    let new = key(item);
    let adjacent = |a: &super::facts::UseSite, b: &super::facts::UseSite| {
        text[a.item.1 as usize..b.item.0 as usize]
            .matches('\n')
            .count()
            <= 1
    };
    let before_ok = at == 0 || !adjacent(&uses[at - 1], item) || key(&uses[at - 1]) <= new;
    let after_ok =
        at + 1 >= uses.len() || !adjacent(item, &uses[at + 1]) || new <= key(&uses[at + 1]);
    before_ok && after_ok
}

/// The indentation of the line `offset` is on.
fn indentation(text: &str, offset: u32) -> String {
    let start = text[..offset as usize].rfind('\n').map_or(0, |i| i + 1);
    text[start..offset as usize]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// A span grown to whole lines when only whitespace surrounds it on them (with the newline).
fn whole_lines(text: &str, (start, end): Span) -> Span {
    let line_start = text[..start as usize].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..start as usize].trim().is_empty() {
        return (start, end);
    }
    let rest = &text[end as usize..];
    let line_end = rest.find('\n').map_or(text.len(), |i| end as usize + i + 1);
    if !text[end as usize..line_end].trim().is_empty() {
        return (start, end);
    }
    // The blank line before goes too, so that no two blank lines (or one at the end) are left.
    let before = &text[..line_start];
    let line_start = if before.ends_with("\n\n") {
        line_start - 1
    } else {
        line_start
    };
    (line_start as u32, line_end as u32)
}

/// A macro call statement with the `;` after its closing parenthesis.
fn with_semicolon(text: &str, (start, end): Span) -> Span {
    if text[end as usize..].starts_with(';') || text[..end as usize].ends_with(';') {
        let end = if text[end as usize..].starts_with(';') {
            end + 1
        } else {
            end
        };
        return (start, end);
    }
    (start, end)
}

/// Where the file's leading comments (`//!` docs, `//` headers) and blank lines end.
fn leading_comments(text: &str) -> usize {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            at += line.len();
        } else {
            break;
        }
    }
    at
}

fn relative_path(from: &std::path::Path, to: &std::path::Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}
