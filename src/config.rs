//! The resolved settings of one run, built once from the command line (ripgrep's `HiArgs`): it
//! sits above the pipeline and hands each stage its own part (`index::Scope`,
//! `plan::PlanOptions`, `apply::Safety`, `verify::Settings`); no stage imports it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ruff-style lines with the other definitions under each.
    Text,
    /// One line per finding.
    Concise,
    /// The versioned JSON contract (README), with each finding's planned fix.
    Json,
    /// GitHub Actions workflow commands (`::error file=...::...`).
    Github,
    /// GitLab's code-quality report.
    Gitlab,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::Github => "github",
            Format::Gitlab => "gitlab",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
        }
    }
}

/// What the user asked for, already validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// What to scan, and where reports are relative to.
    pub scope: crate::index::Scope,
    pub format: Format,
    /// `--output-file`: the report goes there instead of standard output.
    pub output_file: Option<std::path::PathBuf>,
    pub color: bool,
    pub mode: Mode,
    pub plan: crate::plan::PlanOptions,
    /// `--verify`: check the models (with `--fix`: the fix) under the project's Python.
    pub verify: Option<crate::verify::Settings>,
    /// `--select` / `--ignore`, over the projects' own.
    pub selection: Selection,
    /// `--exit-zero`: findings do not fail the run.
    pub exit_zero: bool,
    /// `--quiet`: the findings only.
    pub quiet: bool,
    /// `--statistics`: counts per code instead of the findings.
    pub statistics: bool,
}

/// The codes chosen on the command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Replaces the projects' `select`.
    pub select: Option<Vec<String>>,
    /// Added to the projects' `ignore`.
    pub ignore: Vec<String>,
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

impl Config {
    /// A plain check of `scope`: the text report, no colour, every code.
    pub fn check(scope: crate::index::Scope) -> Config {
        Config {
            scope,
            format: Format::Text,
            output_file: None,
            color: false,
            mode: Mode::Check,
            plan: Default::default(),
            verify: None,
            selection: Selection::default(),
            exit_zero: false,
            quiet: false,
            statistics: false,
        }
    }
}
