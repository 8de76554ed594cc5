//! The Rust fix one finding at a time: what the interactive `--fix` offers for each duplicate
//! (its finding and the diff of its fix alone), the plan with a person's choices, and the
//! `fix` of each Rust finding in the JSON report (the whole plan's edits, each tagged with the
//! duplicates it is made for).

use std::collections::BTreeSet;

use super::analyze::Analysis;
use super::plan::{self, FileRewrite, RustPlan};
use super::{RustRun, TableId};
use crate::report::{Code, EditOut, Finding, FixOut};
use crate::source::LineIndex;

/// One duplicate the interactive `--fix` offers.
pub struct Offer {
    pub table: TableId,
    /// Its DM001 finding.
    pub finding: Finding,
    /// The files its fix alone rewrites; empty when the plan cannot fix it.
    pub files: Vec<FileRewrite>,
    /// Why the plan leaves it as it is, when it does.
    pub left: Option<String>,
}

impl RustRun {
    /// The duplicates, in report order, each with the fix of it alone.
    pub fn offers(&self) -> Vec<Offer> {
        let analysis = Analysis::new(&self.index);
        let dups = duplicates(&analysis);
        dups.iter()
            .filter_map(|&dup| {
                let (display, line) = self.place(dup);
                let finding = self
                    .findings
                    .iter()
                    .find(|f| f.code == Code::DM001 && f.path == display && f.line == line)?
                    .clone();
                let others: BTreeSet<TableId> =
                    dups.iter().copied().filter(|&d| d != dup).collect();
                let alone = plan::plan_leaving(&analysis, self.merge_columns, &others);
                let left = alone
                    .skipped
                    .iter()
                    .find(|s| s.path == display && s.line == line)
                    .map(|s| s.message.clone());
                Some(Offer {
                    table: dup,
                    finding,
                    files: alone.files.into_values().collect(),
                    left,
                })
            })
            .collect()
    }

    /// The plan with the duplicates in `leave` left as they are.
    pub fn plan_leaving(&self, leave: &BTreeSet<TableId>) -> RustPlan {
        plan::plan_leaving(&Analysis::new(&self.index), self.merge_columns, leave)
    }

    /// Drops the findings `hidden` picks (`--select`, `--ignore`, outside the PATHs) and plans
    /// again with their duplicates and those in `left` (a person's choice) left as they are, as
    /// the Python plan leaves the changes of findings that are not shown; the skipped lines of
    /// the hidden ones go with their findings.
    pub fn leave(&mut self, left: &BTreeSet<TableId>, hidden: impl Fn(&Finding) -> bool) {
        self.findings.retain(|f| !hidden(f));
        let analysis = Analysis::new(&self.index);
        let mut leave = left.clone();
        let mut quiet = Vec::new();
        for dup in duplicates(&analysis) {
            let (path, line) = self.place(dup);
            let shown = self
                .findings
                .iter()
                .any(|f| f.code == Code::DM001 && f.path == path && f.line == line);
            if !shown {
                leave.insert(dup);
                quiet.push((path, line));
            }
        }
        if leave.is_empty() {
            return;
        }
        let mut plan = plan::plan_leaving(&analysis, self.merge_columns, &leave);
        plan.skipped.retain(|s| {
            !quiet
                .iter()
                .any(|(path, line)| *path == s.path && *line == s.line)
        });
        drop(analysis);
        self.plan = plan;
    }

    /// Sets each Rust finding's `fix` in `findings` (the JSON report): for a DM001, the edits
    /// of the whole plan (what `--diff` prints) made for its duplicate, with those it shares
    /// with others (one re-export line of a `table!` call, a dependency); `null` when the plan
    /// leaves it, and for DM005, which the fix does not change.
    pub fn attach_fixes(&self, findings: &mut [Finding]) {
        let mut places: Vec<((String, u32), TableId)> = Vec::new();
        for cluster in &Analysis::new(&self.index).duplicates {
            places.extend(cluster[1..].iter().map(|&dup| (self.place(dup), dup)));
        }
        for finding in findings.iter_mut() {
            let ours = self.findings.iter().any(|f| {
                f.code == finding.code && f.path == finding.path && f.line == finding.line
            });
            if !ours {
                continue;
            }
            let dup = places
                .iter()
                .find(|((path, line), _)| *path == finding.path && *line == finding.line)
                .map(|(_, dup)| *dup)
                .filter(|_| finding.code == Code::DM001);
            let mut edits = Vec::new();
            let mut reasons: Vec<&str> = Vec::new();
            for file in self.plan.files.values() {
                let lines = LineIndex::new(&file.original);
                for edit in &file.edits {
                    if !dup.is_some_and(|d| edit.tables.contains(&d)) {
                        continue;
                    }
                    let (line, column) = lines.line_col(&file.original, edit.span.0);
                    let (end_line, end_column) = lines.line_col(&file.original, edit.span.1);
                    edits.push(EditOut {
                        path: file.display.clone(),
                        line,
                        column,
                        end_line,
                        end_column,
                        content: edit.content.clone(),
                    });
                    if !reasons.contains(&edit.reason.as_str()) {
                        reasons.push(&edit.reason);
                    }
                }
            }
            edits.sort();
            finding.fix = Some((!edits.is_empty()).then(|| FixOut {
                message: reasons.join("; "),
                edits,
            }));
        }
    }

    /// Where a definition's finding points: its file as shown, and its line.
    fn place(&self, table: TableId) -> (String, u32) {
        let def = &self.index.tables[table];
        let file = &self.index.files[def.file];
        (file.display.clone(), file.line_col(def.offset).0)
    }
}

/// Every non-canonical definition, cluster by cluster.
fn duplicates(analysis: &Analysis) -> Vec<TableId> {
    analysis
        .duplicates
        .iter()
        .flat_map(|c| c[1..].iter().copied())
        .collect()
}
