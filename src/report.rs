//! The result of a check, in the shape of the JSON contract in DESIGN.md; the text renderer reads
//! the same structure.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Code {
    DM001,
    DM002,
    DM003,
    DM004,
    DM005,
}

impl Code {
    pub fn kind(self) -> &'static str {
        match self {
            Code::DM001 => "duplicate-table",
            Code::DM002 => "dual-import-path",
            Code::DM003 => "duplicate-base",
            Code::DM004 => "extend-existing",
            Code::DM005 => "ambiguous-class-name",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TableRef {
    pub table: String,
    pub schema: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub path: String,
    pub line: u32,
    pub symbol: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: Code,
    pub kind: &'static str,
    #[serde(flatten)]
    pub table: Option<TableRef>,
    pub path: String,
    pub line: u32,
    #[serde(skip)]
    pub column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical: Option<Location>,
    pub message: String,
    /// Lines shown under the finding in the text report (the other definitions and their scores).
    #[serde(skip)]
    pub notes: Vec<String>,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: u32,
    pub findings: Vec<Finding>,
    pub warnings: Vec<WarningOut>,
    pub summary: Summary,
    /// Files that could not be read or parsed (text summary only; JSON lists them in `warnings`).
    #[serde(skip)]
    pub skipped: usize,
}
