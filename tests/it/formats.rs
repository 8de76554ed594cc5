//! `--output-format`: each format as the tool that reads it expects (SARIF against the 2.1.0
//! schema, GitHub's workflow-command syntax, JUnit XML, GitLab's code-quality JSON), the JSON
//! report's positions and planned fixes, and `--output-file`.

use std::path::Path;
use std::process::Command;

use crate::sample::{duplicated_with, USER_B_BAND_AID};
use crate::support::{outcome, repo, run, stderr, stdout};
use crate::tools;

fn duplicated() -> tempfile::TempDir {
    duplicated_with(USER_B_BAND_AID.as_bytes(), &[])
}

/// Runs a Python snippet with the tools virtualenv; returns (success, what it printed).
fn python(code: &str, args: &[&Path]) -> (bool, String) {
    outcome(
        Command::new(tools::bin().join("python"))
            .arg("-c")
            .arg(code)
            .args(args),
    )
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let dir = duplicated();
    let output = run(
        dir.path(),
        &["--output-format", "sarif", "--output-file", "report.sarif"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stdout(&output), "", "the report goes to the file only");
    let report = dir.path().join("report.sarif");
    let schema = repo().join("tests/schemas/sarif-2.1.0.json");
    let validate = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft202012Validator.check_schema(schema)\n\
        log = json.load(open(sys.argv[2]))\n\
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(log))\n\
        for e in errors: print(list(e.absolute_path), e.message)\n\
        sys.exit(1 if errors else 0)";
    let (valid, printed) = python(validate, &[&schema, &report]);
    assert!(valid, "{printed}");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let results = &log["runs"][0]["results"];
    assert_eq!(results.as_array().unwrap().len(), 2, "{log:#}");
    assert_eq!(results[0]["ruleId"], "DM001");
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endColumn"]
        ),
        (&4.into(), &7.into(), &11.into())
    );
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/b.py"
    );
    // The schema rejects what a broken renderer would write: the check above can fail.
    let broken = dir.path().join("broken.sarif");
    std::fs::write(
        &broken,
        r#"{"version": "2.1.0", "runs": [{"results": []}]}"#,
    )
    .unwrap();
    assert!(!python(validate, &[&schema, &broken]).0);
}

/// A workflow command as GitHub's runner parses it: `::error` then `key=value` properties
/// separated by `,`, then `::` and the message; `%`, CR, LF (and in properties `:` and `,`)
/// escaped.
fn is_workflow_command(line: &str) -> Result<(), String> {
    let rest = line
        .strip_prefix("::error ")
        .ok_or("does not start with `::error `")?;
    let (properties, message) = rest.split_once("::").ok_or("no `::` before the message")?;
    if message.is_empty() || message.contains(['\r', '\n']) {
        return Err("empty message or a raw line break".into());
    }
    let mut keys = Vec::new();
    for property in properties.split(',') {
        let (key, value) = property
            .split_once('=')
            .ok_or(format!("`{property}` is not key=value"))?;
        if value.contains(':') {
            return Err(format!("unescaped `:` in {key}"));
        }
        keys.push(key);
    }
    for pair in message.split('%').skip(1).chain(
        properties
            .split(',')
            .flat_map(|p| p.split('%').skip(1))
            .collect::<Vec<_>>(),
    ) {
        if !["25", "0D", "0A", "3A", "2C"]
            .iter()
            .any(|e| pair.starts_with(e))
        {
            return Err(format!("a `%` that is no escape: %{pair}"));
        }
    }
    let allowed = ["title", "file", "line", "col", "endLine", "endColumn"];
    if let Some(bad) = keys.iter().find(|k| !allowed.contains(k)) {
        return Err(format!("unknown property `{bad}`"));
    }
    Ok(())
}

#[test]
fn github_annotations_are_workflow_commands() {
    let dir = duplicated();
    let output = run(dir.path(), &["--output-format", "github"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    for line in &lines {
        is_workflow_command(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    assert!(
        lines[0].starts_with(
            "::error title=dedupe-models (DM001),file=app/b.py,line=4,col=7,endLine=4,endColumn=11::app/b.py:4:7: DM001 table `users`"
        ),
        "{text}"
    );
    // What the check rejects.
    assert!(is_workflow_command("::error file=a:b.py,line=1::m").is_err());
    assert!(is_workflow_command("::error file=a.py,line=1::50% done").is_err());
}

#[test]
fn junit_and_gitlab_reports_parse_and_name_each_finding() {
    let dir = duplicated();
    let output = run(dir.path(), &["--output-format", "junit"]);
    assert_eq!(output.status.code(), Some(1));
    let junit = dir.path().join("junit.xml");
    std::fs::write(&junit, stdout(&output)).unwrap();
    let (ok, printed) = python(
        "import sys, xml.etree.ElementTree as ET\n\
         root = ET.parse(sys.argv[1]).getroot()\n\
         for case in root.iter('testcase'):\n\
         \x20   f = case.find('failure')\n\
         \x20   print(case.get('classname'), case.get('line'), f.get('type'))",
        &[&junit],
    );
    assert!(ok, "{printed}");
    assert_eq!(printed, "app/b.py 4 DM001\napp/b.py 6 DM004\n");

    let output = run(dir.path(), &["--output-format", "gitlab"]);
    let issues: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(issues.as_array().unwrap().len(), 2);
    assert_eq!(issues[0]["check_name"], "DM001");
    assert_eq!(issues[0]["location"]["path"], "app/b.py");
    assert_eq!(issues[0]["location"]["positions"]["begin"]["line"], 4);
    let fingerprint = issues[0]["fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 16);
    assert_ne!(issues[0]["fingerprint"], issues[1]["fingerprint"]);
    // Stable from run to run, so GitLab can tell new findings from old ones.
    let again: serde_json::Value =
        serde_json::from_str(&stdout(&run(dir.path(), &["--output-format", "gitlab"]))).unwrap();
    assert_eq!(again[0]["fingerprint"], fingerprint);

    let output = run(dir.path(), &["--output-format", "concise"]);
    assert_eq!(
        stdout(&output),
        "app/b.py:4:7: DM001 table `users` is defined again by `User`; `User` at app/a.py:4 is the canonical definition\n\
         app/b.py:6:23: DM004 `extend_existing` on table `users` is a band-aid: it hides the other definition at app/a.py:4\n"
    );
}

#[test]
fn json_gives_positions_and_each_findings_planned_fix() {
    let dir = duplicated();
    let output = run(dir.path(), &["--output-format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["version"], 2);
    let dup = &report["findings"][0];
    assert_eq!(
        (
            &dup["line"],
            &dup["column"],
            &dup["end_line"],
            &dup["end_column"]
        ),
        (&4.into(), &7.into(), &4.into(), &11.into())
    );
    let edits = dup["fix"]["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 1, "{dup:#}");
    assert_eq!(edits[0]["path"], "app/b.py");
    assert_eq!(edits[0]["content"], "from app.a import User  # noqa: F401");
    assert_eq!(
        (&edits[0]["line"], &edits[0]["end_line"]),
        (&4.into(), &7.into())
    );
    // The fix per finding is what --diff prints.
    let diff = stdout(&run(dir.path(), &["--diff"]));
    assert!(
        diff.contains("+from app.a import User  # noqa: F401"),
        "{diff}"
    );
    // The band-aid goes with the class that carries it: its own fix is that table's.
    let band_aid = &report["findings"][1];
    assert_eq!(band_aid["code"], "DM004");
    assert!(band_aid.get("fix").is_some(), "{band_aid:#}");
}

#[test]
fn flags_that_cannot_be_honoured_are_refused() {
    let dir = duplicated();
    for args in [
        &["--output-format", "json", "--diff"][..],
        &["--format", "json", "--fix", "--yes"],
        &["--output-format", "sarif", "--diff"],
        &["--merge-columns"],
        &["--statistics", "--output-format", "json"],
        &["--output-file", "x.txt", "--diff"],
    ] {
        let output = run(dir.path(), args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stdout(&output)
        );
        assert!(stderr(&output).starts_with("error: "), "{args:?}");
        assert_eq!(stdout(&output), "", "{args:?}");
    }
    // And nothing was written by the refused --fix.
    assert_eq!(
        std::fs::read(dir.path().join("app/b.py")).unwrap(),
        USER_B_BAND_AID.as_bytes()
    );
    // --merge-columns with json changes the planned fix, so it is honoured there.
    let output = run(dir.path(), &["--output-format", "json", "--merge-columns"]);
    assert_eq!(output.status.code(), Some(1));
}
