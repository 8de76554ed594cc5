//! Every fixture project: its text and JSON reports are snapshotted, and its findings must be
//! exactly the `[[expect]]` entries of its fixture.toml. Adding a fixture folder adds a case.

use crate::support::{fixture_dirs, fixture_name, fixture_toml, run, snapshot, stdout};

#[test]
fn fixture_reports() {
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 9, "fixtures are missing: {dirs:?}");
    let mut mismatches = Vec::new();
    for dir in &dirs {
        let name = fixture_name(dir);
        let text = run(dir, &["--color", "never"]);
        let json = run(dir, &["--format", "json"]);
        snapshot(&format!("{name}__text"), &stdout(&text));
        snapshot(&format!("{name}__json"), &stdout(&json));

        let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
        let findings = report["findings"].as_array().unwrap();
        let expected = fixture_toml(dir)
            .get("expect")
            .and_then(|e| e.as_array())
            .cloned()
            .unwrap_or_default();
        let exit = if expected.is_empty() { 0 } else { 1 };
        assert_eq!(json.status.code(), Some(exit), "{name}: exit status");
        assert_eq!(text.status.code(), Some(exit), "{name}: exit status");

        let key = |v: &serde_json::Value| {
            (
                v["code"].as_str().unwrap_or("").to_owned(),
                v["path"].as_str().unwrap_or("").to_owned(),
            )
        };
        let mut actual: Vec<_> = findings.iter().map(key).collect();
        let mut wanted: Vec<_> = expected
            .iter()
            .map(|e| {
                (
                    e["code"].as_str().unwrap().to_owned(),
                    e["path"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        actual.sort();
        wanted.sort();
        if actual != wanted {
            mismatches.push(format!("{name}: expected {wanted:?}\n   got {actual:?}"));
            continue;
        }
        // Where the fixture names the symbol or table, a finding must carry it.
        let mut unused: Vec<&serde_json::Value> = findings.iter().collect();
        for e in &expected {
            let position = unused.iter().position(|f| {
                key(f)
                    == (
                        e["code"].as_str().unwrap().to_owned(),
                        e["path"].as_str().unwrap().to_owned(),
                    )
                    && ["symbol", "table"].iter().all(|field| {
                        match e.get(*field).and_then(|v| v.as_str()) {
                            Some(value) => f[*field].as_str() == Some(value),
                            None => true,
                        }
                    })
            });
            match position {
                Some(i) => {
                    unused.remove(i);
                }
                None => mismatches.push(format!("{name}: no finding matches {e:?}")),
            }
        }
        // The contract: every DM001 names the definition that is kept.
        for f in findings.iter().filter(|f| f["code"] == "DM001") {
            assert!(
                f["canonical"]["path"].is_string() && f["canonical"]["line"].is_u64(),
                "{name}: {f}"
            );
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
