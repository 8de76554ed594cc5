//! The human report: `path:line:col: CODE message`, the other definitions under it, a summary.

use std::fmt::Write;

use crate::report::Report;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// The report for stdout; warnings are rendered separately for stderr.
pub fn text(report: &Report, color: bool) -> String {
    let style = Style { color };
    let mut out = findings(report, color);
    if !report.findings.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary(report, &style));
    out
}

/// The findings of the text report without the summary (`--quiet`).
pub fn findings(report: &Report, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    for finding in &report.findings {
        let _ = writeln!(
            out,
            "{}:{}:{}: {} {}",
            style.paint("1", &finding.path),
            finding.line,
            finding.column,
            style.paint("1;31", &format!("{:?}", finding.code)),
            finding.message
        );
        for note in &finding.notes {
            let _ = writeln!(out, "  {} {note}", style.paint("36", "="));
        }
    }
    out
}

/// The summary lines under the findings.
fn summary(report: &Report, style: &Style) -> String {
    let mut out = String::new();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let s = &report.summary;
    let _ = write!(
        out,
        "Scanned {}: {}, ",
        plural(s.files, "file"),
        plural(s.tables, "table")
    );
    if s.not_understood > 0 {
        let _ = write!(
            out,
            "{} not understood (see the warnings), ",
            style.paint("1;33", &plural(s.not_understood, "model-like definition"))
        );
    }
    // "No findings" only about what was understood.
    let unseen = s.not_understood > 0 || report.skipped > 0 || report.unreadable > 0;
    if s.findings == 0 && unseen {
        out.push_str("no findings in what was understood");
    } else if s.findings == 0 {
        out.push_str("no findings");
    } else {
        out.push_str(&style.paint("1", &plural(s.findings, "finding")));
    }
    let mut unread = Vec::new();
    if report.skipped > 0 {
        unread.push(format!(
            "{} could not be parsed",
            plural(report.skipped, "file")
        ));
    }
    if report.unreadable > 0 {
        unread.push(format!(
            "{} could not be read",
            plural(report.unreadable, "file")
        ));
    }
    if s.unseen_model_files > 0 {
        unread.push(format!("{} of them may hold models", s.unseen_model_files));
    }
    if !unread.is_empty() {
        let _ = write!(out, " ({})", unread.join(", "));
    }
    out.push_str(".\n");
    if let Some(verify) = &report.verify {
        let imported = verify.modules.iter().filter(|m| m.imported).count();
        let tables: usize = verify.metadata.iter().map(|m| m.tables.len()).sum();
        let _ = write!(
            out,
            "Verified with {} (Python {}, SQLAlchemy {}): imported {imported} of {}, {} on {}",
            verify.python,
            verify.python_version,
            verify.sqlalchemy_version,
            plural(verify.modules.len(), "module"),
            plural(tables, "table"),
            plural(verify.metadata.len(), "MetaData object"),
        );
        if !verify.left_out.is_empty() {
            let _ = write!(
                out,
                "; left out {} (test code, scripts; the JSON report says why)",
                plural(verify.left_out.len(), "model file")
            );
        }
        out.push_str(".\n");
    }
    out
}

/// `path:line`, or the path alone for a message about a whole file (line 0): never `path:0`.
pub fn place(path: &str, line: u32) -> String {
    if line > 0 {
        format!("{path}:{line}")
    } else {
        path.to_owned()
    }
}

pub fn warnings(report: &Report, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    for w in &report.warnings {
        let place = place(&w.path, w.line);
        let _ = writeln!(
            out,
            "{}: {place}: {}",
            style.paint("1;33", "warning"),
            w.message
        );
    }
    out
}
