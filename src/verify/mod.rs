//! `--verify`: the models, and the fix, proven with the project's own Python and SQLAlchemy.
//!
//! A small script shipped inside the binary (`probe.py`) imports every module that defines a
//! model, in one interpreter process and a fixed order, then calls `configure_mappers()`,
//! resolves every foreign key and lists each MetaData's tables and columns. It runs nothing but
//! those imports, and is killed after a timeout. `check` turns what it saw into findings; `gate`
//! runs it on a copy of the project before and after the fix and says what got worse.

mod cargo;
mod findings;
mod gate;
mod interpreter;
mod live;
mod probe;
mod request;
mod scratch;

pub use cargo::{gate as cargo_gate, CargoVerdict};
pub use live::stop_all;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::analyze::Context;
use crate::index::{Index, Scope, Warning};
use crate::paths::{display_path, project_root};
use crate::plan::Plan;
use crate::pyproject::ConfigError;
use crate::report::{
    Finding, LeftOutFile, Report, VerifiedMetadata, VerifiedModule, VerifyReport, WarningOut,
};
use interpreter::Interpreter;

/// How to verify: `--python` and `--verify-timeout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The interpreter to use (absolute): a file, or a virtualenv directory.
    pub python: Option<PathBuf>,
    /// How long one run of the probe may take.
    pub timeout: Duration,
    /// How long one `cargo check` of the Rust side may take.
    pub cargo_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{message}")]
    NoPython { message: String },
    #[error("cannot run {python}: {message}")]
    Spawn { python: String, message: String },
    #[error("{python} cannot import SQLAlchemy ({message}); --verify needs the interpreter the project runs with: pass --python, e.g. --python .venv/bin/python")]
    NoSqlalchemy { python: String, message: String },
    #[error("the verify probe did not finish within {seconds} s; it was {doing}: a module may wait for a network, a database or input when imported. Pass --verify-timeout to wait longer")]
    Timeout { seconds: u64, doing: String },
    #[error("the verify probe under {python} ended ({status}) while {doing}, without its report{}", if output.is_empty() { String::new() } else { format!(":\n{output}") })]
    Crashed {
        python: String,
        status: String,
        doing: String,
        output: String,
    },
    #[error("`cargo check` of {workspace} did not finish within {seconds} s (the first check of a workspace compiles its dependencies); pass --verify-timeout to wait longer")]
    CargoTimeout { seconds: u64, workspace: String },
    #[error("{0}")]
    Cargo(String),
    #[error("cannot copy the project for --verify: {path}: {message}; nothing was changed")]
    Copy { path: String, message: String },
    #[error("{0}")]
    Plan(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// What `--verify` adds to a report.
pub struct Verified {
    pub findings: Vec<Finding>,
    pub warnings: Vec<Warning>,
    pub report: VerifyReport,
}

impl Verified {
    pub fn add_to(self, report: &mut Report) {
        report.findings.extend(self.findings);
        crate::analyze::sort(&mut report.findings);
        report.summary.findings = report.findings.len();
        report
            .warnings
            .extend(self.warnings.into_iter().map(|w| WarningOut {
                path: w.path,
                line: w.line,
                message: w.message,
            }));
        report.verify = Some(self.report);
    }
}

/// The interpreter for a run.
fn interpreter(scope: &Scope, settings: &Settings) -> Result<Interpreter, VerifyError> {
    let start = scope.paths.first().map_or(scope.cwd.as_path(), |p| p);
    let path = interpreter::find(settings.python.as_deref(), start)?;
    let shown = display_path(&path, &scope.cwd);
    Ok(Interpreter { path, shown })
}

/// Where the probe runs: the project directory, as the app would.
fn probe_cwd(scope: &Scope) -> PathBuf {
    project_root(scope.paths.first().unwrap_or(&scope.cwd))
}

/// `--verify` on the project as it is.
pub fn check(ctx: &Context, scope: &Scope, settings: &Settings) -> Result<Verified, VerifyError> {
    let python = interpreter(scope, settings)?;
    let selection = request::select(ctx);
    let outcome = probe::run(
        &python,
        &selection.request,
        &probe_cwd(scope),
        settings.timeout,
    )?;
    let (findings, warnings) =
        findings::collect(ctx, &scope.cwd, &python.shown, &selection, &outcome);
    let index = ctx.index;
    let report = VerifyReport {
        python: python.shown,
        python_version: outcome.python.clone(),
        sqlalchemy_version: outcome.sqlalchemy.clone().unwrap_or_default(),
        modules: outcome
            .modules
            .iter()
            .zip(&selection.files)
            .map(|(m, &file)| VerifiedModule {
                module: m.name.clone(),
                path: index.files[file].display.clone(),
                imported: m.ok(),
            })
            .collect(),
        left_out: selection
            .left_out
            .iter()
            .map(|l| LeftOutFile {
                path: index.files[l.file].display.clone(),
                reason: l.reason.to_owned(),
            })
            .collect(),
        metadata: outcome
            .metadata
            .iter()
            .map(|m| VerifiedMetadata {
                name: findings::metadata_name(ctx, &m.names),
                tables: m
                    .tables
                    .iter()
                    .map(|t| (t.name.clone(), t.columns.clone()))
                    .collect(),
            })
            .collect(),
    };
    Ok(Verified {
        findings,
        warnings,
        report,
    })
}

/// The outcome of trying a plan on a copy of the project.
#[derive(Debug)]
pub struct Verdict {
    pub python: String,
    pub python_version: String,
    pub sqlalchemy_version: String,
    /// What got worse, one line each; empty when the fix may be applied.
    pub worse: Vec<String>,
    /// Errors before the fix, and after it.
    pub errors_before: usize,
    pub errors_after: usize,
    pub tables: usize,
    /// Columns the plan drops because a person chose to.
    pub dropped: usize,
    /// Model modules that could not be imported after the fix (their tables are not compared
    /// unless they imported before).
    pub not_imported: usize,
}

/// `none`, `1 error`, `3 errors`: a count of errors in a verdict.
fn errors(n: usize) -> String {
    match n {
        0 => "none".to_owned(),
        1 => "1 error".to_owned(),
        n => format!("{n} errors"),
    }
}

impl Verdict {
    /// One line for people when the fix passed.
    pub fn summary(&self) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut line = format!(
            "Verified the fix with {} (Python {}, SQLAlchemy {}): {} before, {} after; {} table{}, none lost",
            self.python,
            self.python_version,
            self.sqlalchemy_version,
            errors(self.errors_before),
            errors(self.errors_after),
            self.tables,
            plural(self.tables),
        );
        if self.dropped > 0 {
            line.push_str(&format!(
                " but the {} column{} you chose to drop",
                self.dropped,
                plural(self.dropped)
            ));
        }
        if self.not_imported > 0 {
            line.push_str(&format!(
                "; {} model module{} could not be imported (run --verify to see why)",
                self.not_imported,
                plural(self.not_imported)
            ));
        }
        line.push('.');
        line
    }

    /// What to tell people when the fix is refused.
    pub fn refusal(&self) -> String {
        let mut out = format!(
            "the fix was not applied: under {} the fixed copy of the project is worse than the project as it is; nothing was changed. What got worse:",
            self.python
        );
        for line in &self.worse {
            out.push_str("\n  ");
            out.push_str(line);
        }
        out
    }
}

/// Runs the probe on a copy of the project, then on the copy with `plan` applied, and compares:
/// the fix may be applied when `Verdict::worse` is empty. Columns in `plan.dropped` may go.
/// Both runs use the copy, so that they see the same paths; the project itself is not touched.
pub fn gate(
    scope: &Scope,
    index: &Index,
    plan: &Plan,
    settings: &Settings,
) -> Result<Verdict, VerifyError> {
    let python = interpreter(scope, settings)?;
    let scratch = scratch::Scratch::new(scope)?;
    let copy = scratch.scope(scope);
    let cwd = scratch.map(&probe_cwd(scope));
    let run = |also: &[probe::Wanted]| observe(&copy, &python, &cwd, settings, also);
    let (before, _, imported) = run(&[])?;
    scratch.write(index, plan)?;
    // Every file imported before is imported after, even if the fix made it look like no
    // model file any more: a broken import must show, not hide.
    let (after, outcome, _) = run(&imported)?;
    Ok(Verdict {
        python: python.shown,
        python_version: outcome.python,
        sqlalchemy_version: outcome.sqlalchemy.unwrap_or_default(),
        worse: gate::worse(&before, &after, &plan.dropped),
        errors_before: before.errors.len(),
        errors_after: after.errors.len(),
        tables: after.tables(),
        dropped: plan.dropped.len(),
        not_imported: after.modules - after.imported,
    })
}

/// Scans a tree and runs the probe on it, importing also the files of `also` that the scan
/// does not select; returns the files imported, each under its first name.
fn observe(
    scope: &Scope,
    python: &Interpreter,
    cwd: &Path,
    settings: &Settings,
    also: &[probe::Wanted],
) -> Result<(gate::Observed, probe::Outcome, Vec<probe::Wanted>), VerifyError> {
    let index = Index::build(scope)?;
    let ctx = Context::new(&index);
    let mut selection = request::select(&ctx);
    for wanted in also {
        match index.module_map.file_at(&wanted.path) {
            Some(file) if !selection.files.contains(&file) => {
                selection.request.modules.push(wanted.clone());
                selection.files.push(file);
            }
            _ => {}
        }
    }
    let outcome = probe::run(python, &selection.request, cwd, settings.timeout)?;
    let mut places = findings::Places::new(&ctx, &scope.cwd);
    let observed =
        gate::Observed::new(&outcome, &mut |error, doing| match places.of(error, None) {
            Some(spot) => format!(
                "{}:{}: {} ({doing})",
                spot.path,
                spot.line,
                error.headline()
            ),
            None => format!("{} ({doing})", error.headline()),
        });
    let mut first = Vec::new();
    for wanted in selection.request.modules {
        if !first.iter().any(|w: &probe::Wanted| w.path == wanted.path) {
            first.push(wanted);
        }
    }
    Ok((observed, outcome, first))
}
