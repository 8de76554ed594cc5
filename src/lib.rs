//! dedupe-models: find SQLAlchemy / SQLModel / Flask-SQLAlchemy tables that a Python codebase
//! defines more than once, and the causes behind them.
//!
//! The pipeline: walk -> parse -> index -> analyze -> render.

pub mod analyze;
pub mod cli;
pub mod config;
pub mod index;
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
    pub warnings: Vec<index::Warning>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Unparsable(String),
}

/// Plans the fix and renders it as a unified diff; writes nothing.
pub fn diff(config: &config::Config) -> Result<DiffOutput, Error> {
    let index = index::Index::build(config)?;
    let context = analyze::Context::new(&index);
    let plan = plan::plan(&context);
    plan::verify(&index, &plan).map_err(Error::Unparsable)?;
    Ok(DiffOutput {
        diff: render::unified(&index, &plan, config.color),
        skipped: plan.skipped,
        warnings: index.warnings.clone(),
    })
}
