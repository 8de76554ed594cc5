//! dedupe-models: find SQLAlchemy / SQLModel / Flask-SQLAlchemy tables that a Python codebase
//! defines more than once, and the causes behind them.
//!
//! The pipeline: walk -> parse -> index -> analyze -> render.

pub mod analyze;
pub mod cli;
pub mod config;
pub mod index;
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
