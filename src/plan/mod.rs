//! The fix as data: for each file, sorted and disjoint text edits, each with its reason, plus
//! what was left alone and why. A pure function of the analysis; nothing here touches the disk.

mod after;
mod band_aids;
mod bases;
mod class_names;
mod conflicts;
mod dual_paths;
mod duplicates;
mod exports;
mod import_block;
mod import_list;
mod import_order;
mod imports;
mod merge;
mod new_import;
mod pairs;
mod placement;
mod run_names;
mod tidy;

pub use duplicates::lost_fields;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::analyze::scripts::ScriptRuns;
use crate::analyze::Context;
use crate::index::facts::{Span, TextEdit};
use crate::index::models::{BaseId, TableId};
use crate::index::module_map::FileId;

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Copy the columns and relationships only a duplicate has into the canonical class.
    pub merge_columns: bool,
    /// What a person decided in the interactive `--fix`; empty otherwise.
    pub choices: Choices,
    /// Files the fix may not write, with why (`apply::protected`: outside the project, or a
    /// second path to a file); planned around like frozen ones.
    pub protected: BTreeMap<FileId, String>,
}

/// Decisions that override the automatic plan.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Per duplicated table (index into `Context::duplicates`): the definition to keep instead
    /// of the best-scored one.
    pub canonical: BTreeMap<usize, TableId>,
    /// Per duplicated table: what to do with the columns and relationships only a duplicate has
    /// (without an entry: merge with `--merge-columns`, else leave the table unfixed).
    pub lossy: BTreeMap<usize, Lossy>,
    /// Changes to leave out of the plan.
    pub leave: BTreeSet<Change>,
    /// Files the plan must not touch; whatever needs them is left out too.
    pub frozen: BTreeSet<FileId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lossy {
    /// Copy them into the canonical class.
    Merge,
    /// Let them go: the model loses them (the database columns stay).
    Drop,
}

/// One change a person can accept or leave out; every planned edit belongs to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// DM001: one duplicated table (index into `Context::duplicates`): its re-exports, merged
    /// columns and importer rewrites.
    Table(usize),
    /// DM002: the stray module names of one file.
    DualPath(FileId),
    /// DM003: one second declarative base (its metadata).
    Base(BaseId),
    /// DM004: one band-aid flag or duplicate-warning filter.
    BandAid(FileId, Span),
    /// DM005: one ambiguous relationship string.
    Qualify(FileId, Span),
    /// Imports that only removed code used.
    Cleanup,
}

#[derive(Debug, Clone)]
pub struct PlannedEdit {
    pub edit: TextEdit,
    pub change: Change,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct FilePlan {
    /// Sorted by position; no two overlap.
    pub edits: Vec<PlannedEdit>,
    /// A file the person chose to leave unchanged: it takes no edit.
    frozen: bool,
}

/// Something the plan does not fix, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Skipped {
    pub path: String,
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub files: BTreeMap<FileId, FilePlan>,
    pub skipped: Vec<Skipped>,
    /// Things the fix does that need a person's eye (same shape as `skipped`).
    pub notes: Vec<Skipped>,
    /// Duplicated tables (indexes into `Context::duplicates`) the plan leaves unfixed, and why.
    pub tables_left: BTreeMap<usize, String>,
    /// Columns the models lose because a person chose to drop them (`Lossy::Drop`).
    pub dropped: Vec<DroppedColumn>,
}

/// A column that a duplicate's definition had and the plan lets go.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DroppedColumn {
    /// `schema.name` or `name`, as SQLAlchemy's `Table.fullname`.
    pub table: String,
    /// The database column name.
    pub column: String,
}

impl FilePlan {
    fn overlaps(&self, start: u32, end: u32) -> bool {
        self.edits.iter().any(|e| {
            let (s, t) = (e.edit.start, e.edit.end);
            (start < t && s < end)
                || (start == end && s == start && t == start)
                || (start == s && end == t)
        })
    }

    /// Adds an edit unless the file is frozen or the edit overlaps one already planned;
    /// returns whether it was added.
    fn add(&mut self, edit: TextEdit, change: Change, reason: impl Into<String>) -> bool {
        if self.frozen || self.overlaps(edit.start, edit.end) {
            return false;
        }
        let at = self
            .edits
            .partition_point(|e| (e.edit.start, e.edit.end) <= (edit.start, edit.end));
        self.edits.insert(
            at,
            PlannedEdit {
                edit,
                change,
                reason: reason.into(),
            },
        );
        true
    }

    pub fn covers(&self, (start, end): Span) -> bool {
        self.edits
            .iter()
            .any(|e| e.edit.start <= start && end <= e.edit.end && e.edit.start < e.edit.end)
    }
}

/// The text after the edits; edits must be sorted and disjoint.
pub fn apply_edits(text: &str, edits: &[PlannedEdit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for e in edits {
        out.push_str(&text[at..e.edit.start as usize]);
        out.push_str(&e.edit.content);
        at = e.edit.end as usize;
    }
    out.push_str(&text[at..]);
    out
}

/// Every rewritten file must still parse; the first that does not is named in the error.
pub fn verify(index: &crate::index::Index, plan: &Plan) -> Result<(), String> {
    crate::python::on_parse_stack(|| verify_each(index, plan))
}

fn verify_each(index: &crate::index::Index, plan: &Plan) -> Result<(), String> {
    for (&file, file_plan) in &plan.files {
        let source = &index.files[file];
        let new = apply_edits(&source.text, &file_plan.edits);
        if let Err(err) = crate::python::parse(&new) {
            let line = crate::source::LineIndex::new(&new)
                .line_col(&new, err.offset)
                .0;
            return Err(format!(
                "the rewrite of {} would not parse ({} at line {line}); nothing was changed. This is a bug in dedupe-models: please report it",
                source.display, err.message
            ));
        }
    }
    Ok(())
}

/// Shared state while planning.
pub(crate) struct Planner<'a, 'c> {
    pub ctx: &'c Context<'a>,
    pub options: &'c PlanOptions,
    pub plan: Plan,
    /// Module names to write in imports, per file.
    names: HashMap<FileId, Option<String>>,
    /// Definitions replaced by a re-export: (file, class or table index) -> (module, symbol,
    /// duplicated table).
    pub shimmed: HashMap<ShimKey, (String, String, usize)>,
    /// Clusters of duplicates that the plan fixes (indexes into `ctx.duplicates`).
    pub fixed_clusters: BTreeSet<usize>,
    /// Files loaded under two names whose every stray import is rewritten.
    pub fixed_dual: BTreeSet<FileId>,
    /// Spans the plan removes, per file (their imports may become unused).
    pub removed: BTreeMap<FileId, Vec<Span>>,
    /// Module-level imports the plan adds (re-exports), as (importing file, imported file).
    pub added: Vec<(FileId, FileId)>,
    /// Duplicated tables to leave, with why, from an earlier round's look at the whole plan.
    pub held: BTreeMap<usize, String>,
    /// The re-exports of duplicated tables the plan makes.
    pub re_exports: Vec<after::ReExport>,
    /// Names importers now take from a canonical module, placed last (`placement`).
    pub new_imports: BTreeMap<FileId, Vec<placement::NewImport>>,
    /// Definitions that stop defining their table without becoming a re-export: a Table that
    /// becomes a kept class's `__table__`, a class mapped onto a kept Table (`pairs`).
    pub replaced: BTreeSet<ShimKey>,
    /// How scripts load the project's modules: an import the plan writes must be found there.
    pub scripts: &'c ScriptRuns,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ShimKey {
    Class(FileId, usize),
    Table(FileId, usize),
}

impl<'a, 'c> Planner<'a, 'c> {
    pub fn file(&mut self, file: FileId) -> &mut FilePlan {
        let frozen = self.frozen(file);
        self.plan.files.entry(file).or_insert_with(|| FilePlan {
            edits: Vec::new(),
            frozen,
        })
    }

    pub fn frozen(&self, file: FileId) -> bool {
        self.options.choices.frozen.contains(&file) || self.options.protected.contains_key(&file)
    }

    pub fn leaves(&self, change: Change) -> bool {
        self.options.choices.leave.contains(&change)
    }

    /// Why `file` takes no edit: a person left it unchanged, or the fix may not write it.
    pub fn frozen_because(&self, file: FileId) -> String {
        let display = &self.ctx.index.files[file].display;
        match self.options.protected.get(&file) {
            Some(why) => format!(
                "{display} is {}",
                why.trim_start_matches("left unchanged: it is ")
            ),
            None => format!("you left {display} unchanged"),
        }
    }

    /// Why a change that edits `file` is left out, when the person chose so.
    pub fn left_out(&self, change: Change, file: FileId) -> Option<String> {
        if self.leaves(change) {
            Some("you chose to leave it".into())
        } else if self.frozen(file) {
            Some(self.frozen_because(file))
        } else {
            None
        }
    }

    /// The definitions of a duplicated table, the one to keep first.
    pub fn cluster(&self, index: usize) -> Vec<TableId> {
        let mut cluster = self.ctx.duplicates[index].clone();
        if let Some(&keep) = self.options.choices.canonical.get(&index) {
            if let Some(at) = cluster.iter().position(|&t| t == keep) {
                let keep = cluster.remove(at);
                cluster.insert(0, keep);
            }
        }
        cluster
    }

    pub fn skip(&mut self, file: FileId, offset: u32, message: String) {
        let source = &self.ctx.index.files[file];
        let line = source.line_col(offset).0;
        self.plan.skipped.push(Skipped {
            path: source.display.clone(),
            line,
            message,
        });
    }

    pub fn note(&mut self, file: FileId, offset: u32, message: String) {
        let source = &self.ctx.index.files[file];
        let line = source.line_col(offset).0;
        self.plan.notes.push(Skipped {
            path: source.display.clone(),
            line,
            message,
        });
    }

    pub fn text(&self, file: FileId) -> &'a str {
        &self.ctx.index.files[file].text
    }

    /// The dotted name to import a file by: the canonical one where it has two, else the one
    /// the project's imports use most, else the name from the deepest root; always under the
    /// canonical name of a package above it that is loaded under two (`src.models.payment`,
    /// not `models.payment`, when `src.models` is the package's name), or the fix would write
    /// the stray name that the next run rewrites.
    pub fn module_name(&mut self, file: FileId) -> Option<String> {
        if let Some(name) = self.names.get(&file) {
            return name.clone();
        }
        let ctx = self.ctx;
        // The name each file loaded under two names is to be imported by (DM002): the names the
        // plan writes for the modules below it follow it.
        let decided = crate::analyze::dual_import_path::decided_names(ctx);
        let package = crate::analyze::dual_import_path::package_name(ctx, decided, file);
        let fits = |name: &str| {
            package.as_deref().is_none_or(|p| {
                name.len() > p.len() && name.starts_with(p) && name.as_bytes()[p.len()] == b'.'
            })
        };
        let written = ctx
            .index
            .module_map
            .names(file)
            .iter()
            .find(|n| fits(&n.name))
            .map(|n| n.name.clone());
        let name = ctx
            .runtime
            .names
            .get(file)
            .and_then(|names| {
                names
                    .iter()
                    .filter(|(n, _)| !n.starts_with('<') && fits(n))
                    .max_by_key(|(n, sites)| {
                        let own = sites
                            .iter()
                            .filter(|(f, _)| !ctx.index.files[*f].in_tests)
                            .count();
                        (own, sites.len(), std::cmp::Reverse(n.len()))
                    })
                    .map(|(n, _)| n.clone())
            })
            .or(written)
            .or_else(|| {
                ctx.index
                    .module_map
                    .names(file)
                    .first()
                    .map(|n| n.name.clone())
            });
        self.names.insert(file, name.clone());
        name
    }

    /// Whether loading `from` at import time (module-level imports, transitively, with the
    /// imports the plan adds) loads `target`.
    pub fn loads(&self, from: FileId, target: FileId) -> bool {
        let index = self.ctx.index;
        let mut seen = BTreeSet::from([from]);
        let mut queue = vec![from];
        while let Some(file) = queue.pop() {
            if file == target {
                return true;
            }
            for next in index.files_loaded_at_import(file) {
                if seen.insert(next) {
                    queue.push(next);
                }
            }
            for &(_, next) in self.added.iter().filter(|(f, _)| *f == file) {
                if seen.insert(next) {
                    queue.push(next);
                }
            }
        }
        false
    }
}

pub fn plan(ctx: &Context, options: &PlanOptions) -> Plan {
    // A fix that is safe alone can be unsafe with the others (and the reverse: an import that
    // made a re-export circular may be one the plan rewrites). Plan, look at the project the plan
    // makes, leave what would break, and plan again; each round leaves at least one table more.
    let mut held = BTreeMap::new();
    let scripts = if ctx.duplicates.is_empty() && ctx.runtime.dual_loaded().next().is_none() {
        ScriptRuns::default()
    } else {
        ScriptRuns::build(ctx)
    };
    loop {
        let (plan, re_exports, fixed) = plan_round(ctx, options, &held, &scripts);
        let conflicts = after::conflicts(ctx, &plan, &re_exports, &fixed);
        let before = held.len();
        for (cluster, why) in conflicts {
            held.entry(cluster).or_insert(why);
        }
        if held.len() == before {
            return plan;
        }
    }
}

fn plan_round(
    ctx: &Context,
    options: &PlanOptions,
    held: &BTreeMap<usize, String>,
    scripts: &ScriptRuns,
) -> (Plan, Vec<after::ReExport>, BTreeSet<usize>) {
    let mut planner = Planner {
        ctx,
        options,
        plan: Plan::default(),
        names: HashMap::new(),
        shimmed: HashMap::new(),
        fixed_clusters: BTreeSet::new(),
        fixed_dual: BTreeSet::new(),
        removed: BTreeMap::new(),
        added: Vec::new(),
        held: held.clone(),
        re_exports: Vec::new(),
        new_imports: BTreeMap::new(),
        replaced: BTreeSet::new(),
        scripts,
    };
    for (file, canonical, _) in crate::analyze::dual_import_path::canonical_names(ctx) {
        planner.names.insert(*file, Some(canonical.clone()));
    }
    duplicates::plan(&mut planner);
    imports::rewrite_importers(&mut planner);
    bases::plan(&mut planner);
    dual_paths::plan(&mut planner);
    band_aids::plan(&mut planner);
    class_names::plan(&mut planner);
    imports::remove_unused(&mut planner);
    placement::place(&mut planner);
    for (&file, file_plan) in planner.plan.files.iter_mut() {
        let text = &ctx.index.files[file].text;
        tidy::fill_emptied_blocks(text, file_plan);
        tidy::drop_stale_comments(text, file_plan);
        tidy::tidy_blank_lines(text, file_plan);
    }
    for &file in &options.choices.frozen {
        planner.skip(file, 0, "left unchanged: you chose so in the review".into());
    }
    let attempted: Vec<FileId> = planner.plan.files.keys().copied().collect();
    for file in attempted {
        if let Some(why) = options.protected.get(&file) {
            planner.skip(file, 0, why.clone());
        }
    }
    planner.plan.files.retain(|_, f| !f.edits.is_empty());
    planner.plan.skipped.sort();
    planner.plan.skipped.dedup();
    planner.plan.dropped.sort();
    planner.plan.dropped.dedup();
    (planner.plan, planner.re_exports, planner.fixed_clusters)
}

/// Whether `word` occurs as a whole identifier in `text`.
pub fn mentions(text: &str, word: &str) -> bool {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80;
    text.match_indices(word).any(|(i, _)| {
        let before = i == 0 || !is_ident(bytes[i - 1]);
        let after = i + word.len() >= bytes.len() || !is_ident(bytes[i + word.len()]);
        before && after
    })
}

/// The text with its `#` comments blanked out (quotes respected), so that a name mentioned only
/// in a comment does not keep an import alive.
pub fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), '\\') => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
                let _ = q;
            }
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '#') => {
                for rest in chars.by_ref() {
                    if rest == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The indentation of the line `offset` is on, and whether only that indentation precedes it.
pub fn indentation(text: &str, offset: u32) -> (String, bool) {
    let start = text[..offset as usize].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[start..offset as usize];
    let indent: String = prefix
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let alone = indent.len() == prefix.len();
    (indent, alone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_do_not_count_as_uses() {
        let text = "x = 1  # uses db.metadata\ns = '# not a comment'\n";
        assert_eq!(without_comments(text), "x = 1  \ns = '# not a comment'\n");
        assert!(!mentions(&without_comments(text), "db"));
        assert!(
            mentions("relationship(\"User\")", "User"),
            "names in strings still count"
        );
    }
}
