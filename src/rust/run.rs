//! One run of the Rust front-end: index, check and plan the `.rs` files and manifests the walk
//! found, and hand the shared report, diff, apply and `--verify` what they need.

use std::path::{Path, PathBuf};

use super::{analyze, plan, syntax, RustIndex};
use crate::index::Warning;
use crate::source::LineIndex;

/// The Rust side of a run: what the check reports and what the fix rewrites.
pub struct RustRun {
    pub findings: Vec<crate::report::Finding>,
    pub warnings: Vec<Warning>,
    pub files: usize,
    pub tables: usize,
    pub plan: plan::RustPlan,
    /// The Cargo workspaces (or lone packages) holding the files the plan rewrites: what
    /// `--verify` checks.
    pub workspaces: Vec<PathBuf>,
    /// Kept for planning again with a person's choices (`offers`, `plan_leaving`).
    pub(super) index: RustIndex,
    pub(super) merge_columns: bool,
}

/// The Rust fix, ready for `apply` and `--verify`.
#[derive(Default)]
pub struct RustFix {
    pub rewrites: Vec<crate::apply::Rewrite>,
    pub workspaces: Vec<PathBuf>,
}

/// The index of the Rust sources the walk found; `None` when there are no `.rs` files, so that a
/// Python-only run pays nothing.
pub fn index(sources: &[PathBuf], cwd: &Path) -> Option<RustIndex> {
    sources
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "rs"))
        .then(|| RustIndex::build(sources, cwd))
}

/// Indexes, checks and plans the Rust sources the walk found; `None` when there are none, so
/// that a Python-only run pays nothing.
pub fn run(sources: &[PathBuf], cwd: &Path, merge_columns: bool) -> Option<RustRun> {
    let index = index(sources, cwd)?;
    let analysis = analyze::Analysis::new(&index);
    let findings = analysis.findings();
    let plan = plan::plan(&analysis, merge_columns);
    let mut keys: Vec<_> = index
        .tables
        .iter()
        .map(|t| (t.orm, t.schema.clone(), t.name.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    let mut workspaces: Vec<PathBuf> = plan
        .files
        .keys()
        .filter_map(|path| {
            let package = (0..index.packages.len())
                .filter(|&p| path.starts_with(&index.packages[p].dir))
                .max_by_key(|&p| index.packages[p].dir.components().count())?;
            Some(index.workspace_of(package).to_path_buf())
        })
        .collect();
    workspaces.sort();
    workspaces.dedup();
    drop(analysis);
    Some(RustRun {
        workspaces,
        merge_columns,
        findings,
        warnings: index.warnings.clone(),
        files: index.files.len(),
        tables: keys.len(),
        plan,
        index,
    })
}

impl RustRun {
    /// Adds the Rust findings, warnings and counts to a report.
    pub fn add_to(&self, report: &mut crate::report::Report) {
        report.findings.extend(self.findings.iter().cloned());
        crate::analyze::sort(&mut report.findings);
        report
            .warnings
            .extend(self.warnings.iter().map(|w| crate::report::WarningOut {
                path: w.path.clone(),
                line: w.line,
                message: w.message.clone(),
            }));
        report.summary.files += self.files;
        report.summary.tables += self.tables;
        report.summary.findings = report.findings.len();
    }

    /// The rewrites for `apply`, each checked by parsing its result.
    pub fn rewrites(&self) -> Result<Vec<crate::apply::Rewrite>, String> {
        let mut out = Vec::new();
        for file in self.plan.files.values() {
            let new = file.new_text();
            if file.path.extension().is_some_and(|e| e == "rs") {
                if let (_, Some((offset, message))) = syntax::parse(&new) {
                    let line = LineIndex::new(&new).line_col(&new, offset).0;
                    return Err(format!(
                        "the rewrite of {} would not parse ({message} at line {line}); nothing was changed. This is a bug in dedupe-models: please report it",
                        file.display
                    ));
                }
            } else if let Err(err) = new.parse::<toml::Table>() {
                return Err(format!(
                    "the rewrite of {} would not be valid TOML ({}); nothing was changed. This is a bug in dedupe-models: please report it",
                    file.display,
                    err.message()
                ));
            }
            out.push(crate::apply::Rewrite {
                path: file.path.clone(),
                display: file.display.clone(),
                original: file.original.clone(),
                new,
            });
        }
        Ok(out)
    }

    /// The rewrites and the workspaces they touch.
    pub fn fix(&self) -> Result<RustFix, String> {
        Ok(RustFix {
            rewrites: self.rewrites()?,
            workspaces: self.workspaces.clone(),
        })
    }

    /// The Rust part of `--diff`.
    pub fn diff(&self, color: bool) -> String {
        self.plan
            .files
            .values()
            .map(|f| crate::render::text_diff(&f.display, &f.original, &f.new_text(), color))
            .collect()
    }
}
