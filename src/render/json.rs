//! The JSON report of DESIGN.md (`--format json`), a stable contract for CI and editors.

use crate::report::Report;

pub fn json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("a report always serializes");
    out.push('\n');
    out
}
