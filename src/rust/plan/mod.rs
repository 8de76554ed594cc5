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

mod macros;
mod repoint;
mod shims;

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
        // `find(1)` against a one-column key does not compile against a key of two.
        let (mut dk, mut kk) = (d.primary_key.clone(), k.primary_key.clone());
        dk.sort();
        kk.sort();
        if dk != kk && !dk.is_empty() && !kk.is_empty() {
            return Err(format!(
                "its primary key ({}) differs from the canonical's at {} ({}); code that finds rows by key would stop compiling, so decide which key is right first",
                d.primary_key.join(", "),
                index.at(k.file, k.offset),
                k.primary_key.join(", ")
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
