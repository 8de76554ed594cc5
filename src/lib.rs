//! dedupe-models: find SQLAlchemy / SQLModel / Flask-SQLAlchemy tables that a Python codebase
//! defines more than once, and the causes behind them.
//!
//! The pipeline: walk -> parse -> index -> analyze -> render.

pub mod analyze;
pub mod apply;
pub mod cli;
pub mod config;
pub mod index;
pub mod plan;
pub mod progress;
pub mod python;
pub mod render;
pub mod report;
pub mod source;
pub mod walk;

/// Scans the configured paths and returns the report.
pub fn check(config: &config::Config) -> Result<report::Report, config::ConfigError> {
    let index = index::Index::build(config)?;
    let report = analyze::check(&index);
    release(index);
    Ok(report)
}

/// Frees the index on a thread of its own: freeing every file's text and facts is a sixth of the
/// instructions a large run spends outside the parallel parse, and nothing waits for it (a
/// process that exits first leaves the freeing to the operating system).
fn release(index: index::Index) {
    std::thread::spawn(move || drop(index));
}

/// What `--diff` prints: the unified diff, and what the plan leaves alone.
pub struct DiffOutput {
    pub diff: String,
    pub skipped: Vec<plan::Skipped>,
    pub notes: Vec<plan::Skipped>,
    pub warnings: Vec<index::Warning>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Unparsable(String),
    #[error(transparent)]
    Apply(#[from] apply::ApplyError),
}

/// What `--fix --yes` did.
pub struct FixOutput {
    pub written: usize,
    pub skipped: Vec<plan::Skipped>,
    pub notes: Vec<plan::Skipped>,
    pub warnings: Vec<index::Warning>,
    /// Findings a fresh check still reports after the fix.
    pub remaining: usize,
}

/// Plans the fix and applies it, all or nothing, then checks again.
pub fn fix(
    config: &config::Config,
    options: plan::PlanOptions,
    safety: apply::Safety,
) -> Result<FixOutput, Error> {
    let index = index::Index::build(config)?;
    let context = analyze::Context::new(&index);
    let plan = plan::plan(&context, options);
    let written = apply::apply(&index, &plan, safety)?;
    let warnings = index.warnings.clone();
    release(index);
    let after = check(config)?;
    Ok(FixOutput {
        written,
        skipped: plan.skipped,
        notes: plan.notes,
        warnings,
        remaining: after.findings.len(),
    })
}

/// Plans the fix and renders it as a unified diff; writes nothing.
pub fn diff(config: &config::Config, options: plan::PlanOptions) -> Result<DiffOutput, Error> {
    let index = index::Index::build(config)?;
    let context = analyze::Context::new(&index);
    let plan = plan::plan(&context, options);
    plan::verify(&index, &plan).map_err(Error::Unparsable)?;
    let output = DiffOutput {
        diff: render::unified(&index, &plan, config.color),
        skipped: plan.skipped,
        notes: plan.notes,
        warnings: index.warnings.clone(),
    };
    release(index);
    Ok(output)
}
