//! Command-line arguments, validated into a `Config`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::apply::Safety;
use crate::config::{Config, Format, Mode};
use crate::index::Scope;
use crate::paths::normalize;

/// Find SQLAlchemy, SQLModel and Flask-SQLAlchemy tables that a Python codebase defines more than
/// once, and the causes behind them: dual import paths, duplicate declarative bases, and
/// `extend_existing` band-aids.
///
/// Exit status: 0 nothing to report, 1 findings, 2 usage or I/O error, or a fix --verify refused.
#[derive(Debug, Parser)]
#[command(name = "dedupe-models", version, max_term_width = 100)]
pub struct Args {
    /// Files or directories to scan [default: the current directory]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format: `text` (ruff-style lines) or `json` (the stable report for CI and editors)
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,

    /// Print the whole fix as a unified diff that `git apply` accepts, and write nothing; exit 1
    /// when the diff is not empty
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,

    /// Apply the fix: on a terminal, a guided session (choose per table, accept or leave each
    /// change, review file by file, confirm once); with --yes, the whole plan without questions
    #[arg(long)]
    pub fix: bool,

    /// List every table definition found (path, table, class or `Table(...)`, base) and what
    /// could not be understood, instead of the findings
    #[arg(long, conflicts_with_all = ["diff", "fix", "verify"])]
    pub show_tables: bool,

    /// With --fix: apply the whole plan without questions (CI, scripts)
    #[arg(long, requires = "fix")]
    pub yes: bool,

    /// With --diff or --fix: copy the columns and relationships only a duplicate has into the
    /// canonical class instead of leaving that table unfixed
    #[arg(long)]
    pub merge_columns: bool,

    /// With --fix: also touch files that have uncommitted git changes
    #[arg(long, requires = "fix")]
    pub allow_dirty: bool,

    /// With --fix: also touch files outside a git work tree
    #[arg(long, requires = "fix")]
    pub allow_no_vcs: bool,

    /// Import every module that defines a model with the project's Python, run SQLAlchemy's
    /// configure_mappers() and report what it raises; with --fix: try the fix on a copy of the
    /// project first and apply it only if nothing gets worse
    #[arg(long, conflicts_with = "diff")]
    pub verify: bool,

    /// With --verify: the Python to use (an interpreter or a virtualenv directory) [default: the
    /// project's .venv or venv, else python3 on PATH]
    #[arg(long, value_name = "PATH", requires = "verify")]
    pub python: Option<PathBuf>,

    /// With --verify: stop a run of the Python side after this many seconds (1 to 86400, a day)
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60,
        requires = "verify",
        value_parser = clap::value_parser!(u64).range(1..=86_400)
    )]
    pub verify_timeout: u64,

    /// When to colour the text report: `auto` colours only on a terminal and never when NO_COLOR is set
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    #[error("cannot read the current directory: {0}")]
    Cwd(std::io::Error),
    #[error("cannot scan {0}: no such file or directory")]
    Missing(String),
    #[error("cannot scan {0}: a symbolic link loop")]
    Loop(String),
}

impl Args {
    pub fn into_config(self) -> Result<Config, ArgsError> {
        let cwd = std::env::current_dir().map_err(ArgsError::Cwd)?;
        let paths = if self.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            self.paths
        };
        let mut absolute = Vec::with_capacity(paths.len());
        for path in paths {
            if let Err(err) = std::fs::metadata(&path) {
                let shown = crate::paths::escape(&path.display().to_string()).into_owned();
                #[cfg(unix)]
                if err.raw_os_error() == Some(libc::ELOOP) {
                    return Err(ArgsError::Loop(shown));
                }
                let _ = err;
                return Err(ArgsError::Missing(shown));
            }
            absolute.push(normalize(&cwd.join(path)));
        }
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match self.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        let format = match self.format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
        };
        let mode = if self.fix {
            let safety = Safety {
                allow_dirty: self.allow_dirty,
                allow_no_vcs: self.allow_no_vcs,
            };
            Mode::Fix {
                yes: self.yes,
                safety,
            }
        } else if self.diff {
            Mode::Diff
        } else if self.show_tables {
            Mode::ShowTables
        } else {
            Mode::Check
        };
        let plan = crate::plan::PlanOptions {
            merge_columns: self.merge_columns,
            ..Default::default()
        };
        let verify = self.verify.then(|| crate::verify::Settings {
            python: self.python.map(|p| normalize(&cwd.join(p))),
            timeout: std::time::Duration::from_secs(self.verify_timeout),
        });
        Ok(Config {
            scope: Scope::new(absolute, cwd),
            format,
            color,
            mode,
            plan,
            verify,
        })
    }
}
