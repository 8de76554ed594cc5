//! The reports for CI systems and tools: one line per finding (`concise`), GitHub workflow
//! annotations, GitLab's code-quality report, JUnit XML, and per-code statistics.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::report::{Finding, Report};

/// `path:line:col: CODE message`, one line per finding.
pub fn concise(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(
            out,
            "{}:{}:{}: {} {}",
            f.path, f.line, f.column, f.code, f.message
        );
    }
    out
}

/// GitHub Actions workflow commands: `::error title=...,file=...,line=...::message`, which the
/// runner shows as annotations on the pull request's files.
pub fn github(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(
            out,
            "::error title={},file={},line={},col={},endLine={},endColumn={}::{}",
            property(&format!("dedupe-models ({})", f.code)),
            property(&f.path),
            f.line,
            f.column,
            f.end_line,
            f.end_column,
            data(&format!(
                "{}:{}:{}: {} {}",
                f.path, f.line, f.column, f.code, f.message
            )),
        );
    }
    out
}

/// A workflow command's message: `%`, CR and LF escaped, as the runner's `escapeData`.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,` (the runner's `escapeProperty`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// GitLab's code-quality report (a JSON array of Code Climate issues).
pub fn gitlab(report: &Report) -> String {
    let issues: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "description": format!("{} {}", f.code, f.message),
                "check_name": f.code.to_string(),
                "fingerprint": fingerprint(f),
                "severity": "major",
                "location": {
                    "path": f.path,
                    "positions": {
                        "begin": {"line": f.line, "column": f.column},
                        "end": {"line": f.end_line, "column": f.end_column},
                    },
                },
            })
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).expect("issues always serialize");
    out.push('\n');
    out
}

/// Stable across runs and line moves: the code, file, symbol and message (FNV-1a, 64 bits).
fn fingerprint(f: &Finding) -> String {
    let key = format!(
        "{}\0{}\0{}\0{}",
        f.code,
        f.path,
        f.symbol.as_deref().unwrap_or(""),
        f.message
    );
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// JUnit XML: a test suite per file, a failing test case per finding.
pub fn junit(report: &Report) -> String {
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_file.entry(&f.path).or_default().push(f);
    }
    let total = report.findings.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"dedupe-models\" tests=\"{}\" failures=\"{total}\" errors=\"0\">",
        total.max(1)
    );
    if by_file.is_empty() {
        out.push_str("  <testsuite name=\"dedupe-models\" tests=\"1\" failures=\"0\" errors=\"0\">\n    <testcase name=\"no findings\" classname=\"dedupe-models\"/>\n  </testsuite>\n");
    }
    for (path, findings) in by_file {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{n}\" errors=\"0\">",
            xml(path),
            n = findings.len()
        );
        for f in findings {
            let _ = writeln!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\">\n      <failure message=\"{}\" type=\"{}\">{}:{}:{}: {} {}</failure>\n    </testcase>",
                xml(&format!("{} {}", f.code, f.symbol.as_deref().unwrap_or(f.kind))),
                xml(path),
                xml(path),
                f.line,
                xml(&f.message),
                f.code,
                xml(path),
                f.line,
                f.column,
                f.code,
                xml(&f.message),
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text escaped for an XML attribute or element; characters XML 1.0 cannot hold are dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// `--statistics`: how many findings each code has, most first.
pub fn statistics(report: &Report) -> String {
    let mut counts: BTreeMap<_, usize> = BTreeMap::new();
    for f in &report.findings {
        *counts.entry(f.code).or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = String::new();
    for (code, count) in rows {
        let _ = writeln!(out, "{count:5}\t{code}\t{}", code.kind());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_values_are_escaped_as_the_runner_does() {
        assert_eq!(data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(
            xml("`a` <b> & \"c\"\u{1b}"),
            "`a` &lt;b&gt; &amp; &quot;c&quot;"
        );
    }
}
