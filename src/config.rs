//! The resolved settings of one run, built once from the command line (ripgrep's `HiArgs`): it
//! sits above the pipeline and hands each stage its own part (`index::Scope`,
//! `plan::PlanOptions`, `apply::Safety`, `verify::Settings`); no stage imports it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// What the user asked for, already validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// What to scan, and where reports are relative to.
    pub scope: crate::index::Scope,
    pub format: Format,
    pub color: bool,
    pub mode: Mode,
    pub plan: crate::plan::PlanOptions,
    /// `--verify`: check the models (with `--fix`: the fix) under the project's Python.
    pub verify: Option<crate::verify::Settings>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Report findings.
    Check,
    /// List every table definition the index understood; no findings.
    ShowTables,
    /// Print the fix as a unified diff; write nothing.
    Diff,
    /// Apply the fix.
    Fix {
        yes: bool,
        safety: crate::apply::Safety,
    },
}
