//! dedupe-models: find SQLAlchemy / SQLModel / Flask-SQLAlchemy tables that a Python codebase
//! defines more than once, and the causes behind them.

pub mod config;
pub mod index;
pub mod python;
pub mod source;
pub mod walk;
