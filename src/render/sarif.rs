//! SARIF 2.1.0 (the OASIS standard that GitHub code scanning and most CI dashboards read).

use crate::report::{Code, Report};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn sarif(report: &Report) -> String {
    let rules: Vec<serde_json::Value> = Code::ALL
        .iter()
        .map(|&code| {
            serde_json::json!({
                "id": code.to_string(),
                "name": code.kind(),
                "shortDescription": {"text": crate::rules::summary(code)},
                "fullDescription": {
                    "text": crate::rules::explain(code),
                    "markdown": crate::rules::explain(code),
                },
                "help": {"text": format!("dedupe-models rule {code}")},
                "defaultConfiguration": {"level": "error"},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = Code::ALL.iter().position(|&c| c == f.code).unwrap_or(0);
            let mut result = serde_json::json!({
                "ruleId": f.code.to_string(),
                "ruleIndex": index,
                "level": "error",
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.path)},
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column,
                        },
                    },
                }],
            });
            if let Some(canonical) = &f.canonical {
                result["relatedLocations"] = serde_json::json!([{
                    "id": 0,
                    "message": {"text": format!("the canonical definition, `{}`", canonical.symbol)},
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&canonical.path)},
                        "region": {"startLine": canonical.line},
                    },
                }]);
            }
            result
        })
        .collect();
    let log = serde_json::json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dedupe-models",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).expect("a SARIF log always serializes");
    out.push('\n');
    out
}

/// A relative path as a URI reference: `/` separators, and characters a URI cannot hold
/// percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
