//! dedupe-models: find SQLAlchemy / SQLModel / Flask-SQLAlchemy tables that a Python codebase
//! defines more than once, and the causes behind them.
//!
//! The pipeline: walk -> parse -> index -> analyze -> render.

pub mod analyze;
pub mod apply;
pub mod cli;
pub mod config;
pub mod index;
pub mod interactive;
pub mod plan;
pub mod python;
pub mod render;
pub mod report;
pub mod source;
pub mod walk;

/// Scans the configured paths and returns the report.
pub fn check(config: &config::Config) -> Result<report::Report, config::ConfigError> {
    let index = index::Index::build(config)?;
    Ok(analyze::check(&index))
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
    #[error("the terminal: {0}")]
    Terminal(#[from] std::io::Error),
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

/// Plans the fix, applies all of it, all or nothing, then checks again (`--fix --yes`).
pub fn fix(
    config: &config::Config,
    options: &plan::PlanOptions,
    safety: apply::Safety,
) -> Result<FixOutput, Error> {
    let plan = |context: &analyze::Context, options: &plan::PlanOptions| {
        Ok(Some(plan::plan(context, options)))
    };
    Ok(fix_with(config, options, safety, plan)?.expect("the whole plan is always accepted"))
}

/// Plans the fix and lets `choose` decide what of it to write (the interactive `--fix`: a plan
/// made with the person's choices, or `None` to write nothing); applies that, all or nothing,
/// then checks again.
pub fn fix_with(
    config: &config::Config,
    options: &plan::PlanOptions,
    safety: apply::Safety,
    choose: impl FnOnce(&analyze::Context, &plan::PlanOptions) -> std::io::Result<Option<plan::Plan>>,
) -> Result<Option<FixOutput>, Error> {
    let index = index::Index::build(config)?;
    let context = analyze::Context::new(&index);
    let Some(plan) = choose(&context, options)? else {
        return Ok(None);
    };
    let written = if plan.files.is_empty() {
        0
    } else {
        apply::apply(&index, &plan, safety)?
    };
    let after = check(config)?;
    Ok(Some(FixOutput {
        written,
        skipped: plan.skipped,
        notes: plan.notes,
        warnings: index.warnings.clone(),
        remaining: after.findings.len(),
    }))
}

/// Plans the fix and renders it as a unified diff; writes nothing.
pub fn diff(config: &config::Config, options: &plan::PlanOptions) -> Result<DiffOutput, Error> {
    let index = index::Index::build(config)?;
    let context = analyze::Context::new(&index);
    let plan = plan::plan(&context, options);
    plan::verify(&index, &plan).map_err(Error::Unparsable)?;
    Ok(DiffOutput {
        diff: render::unified(&index, &plan, config.color),
        skipped: plan.skipped,
        notes: plan.notes,
        warnings: index.warnings.clone(),
    })
}
