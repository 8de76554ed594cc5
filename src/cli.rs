//! Command-line arguments, validated into a `Config`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::apply::Safety;
use crate::config::{Config, Format, Mode, Selection};
use crate::index::Scope;
use crate::paths::normalize;
use crate::report::Code;

/// Find SQLAlchemy, SQLModel and Flask-SQLAlchemy tables that a Python codebase defines more than
/// once, and the causes behind them: dual import paths, duplicate declarative bases, and
/// `extend_existing` band-aids.
///
/// Exit status: 0 nothing to report, 1 findings, 2 usage or I/O error, or a fix --verify refused.
#[derive(Debug, Parser)]
#[command(
    name = "dedupe-models",
    version,
    max_term_width = 100,
    args_conflicts_with_subcommands = true
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Files or directories to scan [default: the current directory]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// How to print the findings: `text` (ruff-style, with the other definitions), `concise` (one
    /// line per finding), `json` (versioned, with each finding's planned fix), `github` (workflow
    /// annotations), `gitlab` (code-quality report), `sarif` (2.1.0) or `junit` [alias: --format]
    #[arg(
        long,
        visible_alias = "format",
        value_enum,
        default_value_t = FormatArg::Text,
        value_name = "FORMAT"
    )]
    pub output_format: FormatArg,

    /// Write the report to this file instead of standard output
    #[arg(long, value_name = "PATH")]
    pub output_file: Option<PathBuf>,

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

    /// With --diff, --fix or --output-format json: copy the columns and relationships only a
    /// duplicate has into the canonical class instead of leaving that table unfixed
    #[arg(long)]
    pub merge_columns: bool,

    /// With --fix: also touch files that have uncommitted git changes
    #[arg(long, requires = "fix")]
    pub allow_dirty: bool,

    /// With --fix: also touch files outside a git work tree
    #[arg(long, requires = "fix")]
    pub allow_no_vcs: bool,

    /// Report (and fix) only these codes or prefixes, comma-separated (`DM001,DM004`, `DM00`);
    /// replaces `select` in pyproject.toml
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Option<Vec<String>>,

    /// Neither report nor fix these codes or prefixes, comma-separated; added to `ignore` in
    /// pyproject.toml
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,

    /// Glob patterns of files and folders not to scan, as ruff's (`b.py` matches `app/b.py`);
    /// replaces `exclude` in pyproject.toml
    #[arg(long, value_delimiter = ',', value_name = "PATTERNS")]
    pub exclude: Option<Vec<String>>,

    /// Glob patterns not to scan, in addition to `exclude`
    #[arg(long, value_delimiter = ',', value_name = "PATTERNS")]
    pub extend_exclude: Vec<String>,

    /// Apply the excludes also to files named on the command line (as pre-commit passes them)
    #[arg(long)]
    pub force_exclude: bool,

    /// Exit 0 even when there are findings (errors still exit 2)
    #[arg(long)]
    pub exit_zero: bool,

    /// Print the findings only: no summary, no warnings
    #[arg(long, short)]
    pub quiet: bool,

    /// Print how many findings each code has instead of the findings
    #[arg(long, conflicts_with_all = ["diff", "fix"])]
    pub statistics: bool,

    /// Import every module that defines a model with the project's Python, run SQLAlchemy's
    /// configure_mappers() and report what it raises; with --fix: try the fix on a copy of the
    /// project first and apply it only if nothing gets worse
    #[arg(long, conflicts_with = "diff")]
    pub verify: bool,

    /// With --verify: the Python to use (an interpreter or a virtualenv directory) [default: the
    /// project's .venv or venv, else python3 on PATH]
    #[arg(long, value_name = "PATH", requires = "verify")]
    pub python: Option<PathBuf>,

    /// With --verify: stop a run of the Python side, or one `cargo check` of the Rust side,
    /// after this many seconds (1 to 86400, a day) [default: 60 for Python, 600 for cargo check,
    /// whose first run may compile the dependencies]
    #[arg(
        long,
        value_name = "SECONDS",
        requires = "verify",
        value_parser = clap::value_parser!(u64).range(1..=86_400)
    )]
    pub verify_timeout: Option<u64>,

    /// When to colour the text report: `auto` colours only on a terminal and never when NO_COLOR is set
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Explain a finding code: what it means, why it matters, an example, and what the fix does
    Rule {
        /// A code such as DM001, or its kind (`duplicate-table`)
        #[arg(value_name = "CODE")]
        code: String,
    },
    /// Print a shell completion script (e.g. `dedupe-models completions bash > ~/.local/share/bash-completion/completions/dedupe-models`)
    Completions {
        #[arg(value_enum)]
        shell: ShellArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Text,
    Concise,
    Json,
    Github,
    Gitlab,
    Sarif,
    Junit,
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
    #[error("{0}")]
    Refused(String),
    #[error("unknown code `{0}` in --{1}; the codes are {codes}", codes = Code::ALL.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", "))]
    UnknownCode(String, &'static str),
    #[error("cannot scan {0}: a symbolic link loop")]
    Loop(String),
}

impl Args {
    pub fn into_config(self) -> Result<Config, ArgsError> {
        let cwd = std::env::current_dir().map_err(ArgsError::Cwd)?;
        let format = match self.output_format {
            FormatArg::Text => Format::Text,
            FormatArg::Concise => Format::Concise,
            FormatArg::Json => Format::Json,
            FormatArg::Github => Format::Github,
            FormatArg::Gitlab => Format::Gitlab,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Junit => Format::Junit,
        };
        // A flag that would be ignored is refused, so that nobody trusts output they did not get.
        if format != Format::Text && (self.diff || self.fix) {
            let what = if self.diff { "--diff" } else { "--fix" };
            return Err(ArgsError::Refused(format!(
                "--output-format {} cannot be combined with {what}: {what} prints a {}; the check's report (without {what}) carries each finding's planned fix in json",
                format.name(),
                if self.diff { "unified diff" } else { "summary of what it wrote" },
            )));
        }
        if self.output_file.is_some() && (self.diff || self.fix) {
            return Err(ArgsError::Refused(
                "--output-file writes the check's report; it cannot be combined with --diff or --fix (redirect --diff's output instead)".to_owned(),
            ));
        }
        if self.show_tables
            && (!matches!(format, Format::Text | Format::Json) || self.output_file.is_some())
        {
            return Err(ArgsError::Refused(format!(
                "--show-tables lists tables as text or json on standard output; it cannot be combined with {}",
                if self.output_file.is_some() { "--output-file".to_owned() } else { format!("--output-format {}", format.name()) }
            )));
        }
        if self.statistics && !matches!(format, Format::Text | Format::Concise) {
            return Err(ArgsError::Refused(format!(
                "--statistics prints counts as text; it cannot be combined with --output-format {}",
                format.name()
            )));
        }
        if self.merge_columns && !(self.diff || self.fix || format == Format::Json) {
            return Err(ArgsError::Refused(
                "--merge-columns changes the fix: use it with --diff, --fix or --output-format json".to_owned(),
            ));
        }
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
        let color = self.output_file.is_none()
            && match self.color {
                ColorArg::Always => true,
                ColorArg::Never => false,
                ColorArg::Auto => !no_color && std::io::stdout().is_terminal(),
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
            timeout: std::time::Duration::from_secs(self.verify_timeout.unwrap_or(60)),
            cargo_timeout: std::time::Duration::from_secs(self.verify_timeout.unwrap_or(600)),
        });
        for (codes, flag) in [
            (self.select.as_deref().unwrap_or_default(), "select"),
            (&self.ignore[..], "ignore"),
        ] {
            if let Some(bad) = codes.iter().find(|c| !Code::matches_prefix(c)) {
                return Err(ArgsError::UnknownCode(bad.clone(), flag));
            }
        }
        let mut scope = Scope::new(absolute, cwd.clone());
        scope.exclude = crate::pyproject::ExcludeOverrides {
            exclude: self.exclude,
            extend_exclude: self.extend_exclude,
            force_exclude: self.force_exclude,
        };
        Ok(Config {
            scope,
            format,
            output_file: self.output_file.map(|p| cwd.join(p)),
            color,
            mode,
            plan,
            verify,
            selection: Selection {
                select: self.select,
                ignore: self.ignore,
            },
            exit_zero: self.exit_zero,
            quiet: self.quiet,
            statistics: self.statistics,
        })
    }
}
