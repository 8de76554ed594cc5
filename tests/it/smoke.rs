//! Real-world code: the Python standard library and the installed SQLAlchemy package scan
//! without a crash and without a single duplicate-table finding.

use std::process::Command;

use crate::python::python;
use crate::support::{run, stdout};

fn python_path(code: &str) -> std::path::PathBuf {
    let output = Command::new(python()).args(["-c", code]).output().unwrap();
    assert!(output.status.success());
    std::path::PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
}

fn scan(path: &std::path::Path) -> serde_json::Value {
    let output = run(path, &["--format", "json"]);
    assert_ne!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout(&output)).unwrap()
}

#[test]
fn standard_library_and_sqlalchemy_have_no_duplicate_tables() {
    let stdlib = python_path("import sysconfig; print(sysconfig.get_paths()['stdlib'])");
    let sqlalchemy =
        python_path("import os, sqlalchemy; print(os.path.dirname(sqlalchemy.__file__))");
    for path in [stdlib, sqlalchemy] {
        let report = scan(&path);
        let files = report["summary"]["files"].as_u64().unwrap();
        assert!(
            files > 200,
            "{}: only {files} files scanned",
            path.display()
        );
        let dm001: Vec<_> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "DM001")
            .collect();
        assert!(dm001.is_empty(), "{}: {dm001:#?}", path.display());
    }
}
