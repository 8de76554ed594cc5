//! The result of a check, in the shape of the JSON contract in DESIGN.md; the text renderer reads
//! the same structure.

use serde::Serialize;

/// The JSON report's `version`: 2 added each finding's `column`, `end_line`, `end_column` and
/// `fix`.
pub const VERSION: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Code {
    DM001,
    DM002,
    DM003,
    DM004,
    DM005,
    /// `--verify` only: what SQLAlchemy itself raised under the project's interpreter.
    DM101,
    DM102,
    DM103,
    DM104,
}

impl Code {
    pub const ALL: [Code; 9] = [
        Code::DM001,
        Code::DM002,
        Code::DM003,
        Code::DM004,
        Code::DM005,
        Code::DM101,
        Code::DM102,
        Code::DM103,
        Code::DM104,
    ];

    /// Whether `selector` (`DM001`, a prefix such as `DM00` or `DM`, or `ALL`) names this code.
    pub fn is_selected_by(self, selector: &str) -> bool {
        let selector = selector.trim();
        selector.eq_ignore_ascii_case("ALL")
            || (!selector.is_empty()
                && self.to_string().starts_with(&selector.to_ascii_uppercase()))
    }

    /// Whether `selector` names at least one code.
    pub fn matches_prefix(selector: &str) -> bool {
        Code::ALL.iter().any(|c| c.is_selected_by(selector))
    }

    pub fn kind(self) -> &'static str {
        match self {
            Code::DM001 => "duplicate-table",
            Code::DM002 => "dual-import-path",
            Code::DM003 => "duplicate-base",
            Code::DM004 => "extend-existing",
            Code::DM005 => "ambiguous-class-name",
            Code::DM101 => "import-error",
            Code::DM102 => "mapper-error",
            Code::DM103 => "foreign-key-error",
            Code::DM104 => "schema-drift",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TableRef {
    pub table: String,
    pub schema: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    pub path: String,
    pub line: u32,
    pub symbol: String,
    /// The canonical definition's score (Python DM001).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<ScoreOut>,
    /// What decided the choice when it was not a higher score: a tie broken by how often each
    /// module is imported or by path order, or a `[tool.dedupe-models.canonical]` pin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen_by: Option<String>,
}

/// A definition's canonical score and its parts (`"8 columns +8"`, `"primary base +3"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreOut {
    pub total: i32,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: Code,
    pub kind: &'static str,
    #[serde(flatten)]
    pub table: Option<TableRef>,
    pub path: String,
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
    /// Where the name the finding points at ends (the position after its last character).
    pub end_line: u32,
    pub end_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical: Option<Location>,
    /// The score of this (duplicate) definition, beside the canonical's (Python DM001).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<ScoreOut>,
    pub message: String,
    /// The edits the fix makes for this finding (JSON only; `null` when the plan leaves it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Option<FixOut>>,
    /// Lines shown under the finding in the text report (the other definitions and their scores).
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// A finding's planned fix, as the JSON report gives it.
#[derive(Debug, Clone, Serialize)]
pub struct FixOut {
    /// What the change does, as the plan says.
    pub message: String,
    /// Every edit of the change, in every file it touches, sorted by path and position.
    pub edits: Vec<EditOut>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EditOut {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub content: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct WarningOut {
    pub path: String,
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub files: usize,
    pub tables: usize,
    pub findings: usize,
    /// Model-like classes and `Table(...)` calls the index could not tie to a metadata (each is
    /// also a warning); present when not zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub not_understood: usize,
    /// Files that could not be read or parsed and may define or import models; present when not
    /// zero, and then the exit status is 1.
    #[serde(skip_serializing_if = "is_zero")]
    pub unseen_model_files: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Report {
    /// Exit status 1: findings, or a file that may hold models and could not be seen (the way
    /// ruff fails on a syntax error), so that CI cannot pass green on it.
    pub fn fails(&self) -> bool {
        !self.findings.is_empty() || self.summary.unseen_model_files > 0
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub findings: Vec<Finding>,
    pub warnings: Vec<WarningOut>,
    pub summary: Summary,
    /// Files that were read but could not be decoded or parsed (text summary only; JSON lists
    /// them in `warnings`).
    #[serde(skip)]
    pub skipped: usize,
    /// Files that could not be read at all (text summary only, as `skipped`).
    #[serde(skip)]
    pub unreadable: usize,
    /// What `--verify` saw under the project's interpreter; absent without `--verify`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyReport>,
}

impl Report {
    /// Keeps what concerns the files under `paths` (the PATHs on the command line; the index
    /// covered their whole projects): findings there, duplicates whose canonical definition is
    /// there, and warnings about files there.
    pub fn retain_under(&mut self, paths: &[std::path::PathBuf], cwd: &std::path::Path) {
        self.findings.retain(|f| f.is_under(paths, cwd));
        self.warnings.retain(|w| under(&w.path, paths, cwd));
        self.summary.findings = self.findings.len();
    }
}

/// Whether `shown` (a path as the report shows it, relative to `cwd`) is under one of `paths`.
fn under(shown: &str, paths: &[std::path::PathBuf], cwd: &std::path::Path) -> bool {
    let path = cwd.join(shown);
    paths.iter().any(|p| path.starts_with(p))
}

impl Finding {
    /// Whether the PATHs given report this finding: its place, or the definition it keeps, is
    /// under one of them (a duplicate between a changed file and an unchanged one is reported
    /// whichever side changed).
    pub fn is_under(&self, paths: &[std::path::PathBuf], cwd: &std::path::Path) -> bool {
        under(&self.path, paths, cwd)
            || self
                .canonical
                .as_ref()
                .is_some_and(|c| under(&c.path, paths, cwd))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The interpreter, as given or found (relative to the working directory when below it).
    pub python: String,
    pub python_version: String,
    pub sqlalchemy_version: String,
    /// Every module name imported, in order.
    pub modules: Vec<VerifiedModule>,
    /// Model files not imported, and why.
    pub left_out: Vec<LeftOutFile>,
    /// Every MetaData with tables after the imports.
    pub metadata: Vec<VerifiedMetadata>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifiedModule {
    pub module: String,
    pub path: String,
    pub imported: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeftOutFile {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifiedMetadata {
    /// Where the project holds it (`app.db:Base.metadata`), when found.
    pub name: Option<String>,
    /// Table full name -> column names, in definition order.
    pub tables: std::collections::BTreeMap<String, Vec<String>>,
}
