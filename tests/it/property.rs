//! The fix on generated projects that combine the duplicate shapes: one table in 2-4 modules
//! (sometimes with a column only a copy has, a `Table(...)` copy of a mapped class, or a copy on
//! a second declarative base), model modules that import each other, and importers in every form
//! (plain, aliased, `X as X`, relative, function-local, `TYPE_CHECKING`, star, `__init__`
//! re-export, `import a.b as m; m.User`, backslash-continued, comma-first, a comment on the name,
//! one that already imports from the canonical module), some files CRLF or with a BOM. With the
//! real Python: every module that imported before `--fix --yes` imports after it, every file
//! parses, a second run plans nothing, and ruff finds nothing new (I001 included).
//! `DEDUPE_PROPERTY_PROJECTS=500 cargo test property` runs more than the 50 of CI;
//! `DEDUPE_PROPERTY_FIRST=N` starts at project N (to look at one again, with `DEDUPE_PROPERTY_DIR`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::python::{python, ruff};
use crate::support::{repo, run, stderr, stdout};

/// A small deterministic generator (the same projects on every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const TABLES: [(&str, &str); 4] = [
    ("User", "users"),
    ("Order", "orders"),
    ("Tag", "tags"),
    ("Post", "posts"),
];

struct Project {
    files: BTreeMap<String, String>,
}

impl Project {
    fn add(&mut self, path: &str, text: String) {
        self.files.insert(path.to_owned(), text);
    }
}

fn generate(seed: u64) -> Project {
    let mut rng = Lcg(seed.wrapping_mul(0x9E3779B97F4A7C15) ^ 0xD1B54A32D192ED03);
    let mut p = Project {
        files: BTreeMap::new(),
    };
    p.add("app/__init__.py", String::new());
    p.add(
        "app/db.py",
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
            .into(),
    );
    let modules = 2 + rng.below(3);
    let tables = 1 + rng.below(3);
    // For each module: the classes it defines, canonical ones marked.
    let mut defines: Vec<Vec<(usize, bool, bool)>> = vec![Vec::new(); modules];
    // Copies written as a `Table(...)` of the same table (a Table/class pair).
    let mut table_copies: Vec<Vec<usize>> = vec![Vec::new(); modules];
    // The module that holds each table's canonical class.
    let mut canonical_of = BTreeMap::new();
    for t in 0..tables {
        let copies = (2 + rng.below(3)).min(modules);
        let mut chosen: Vec<usize> = (0..modules).collect();
        for i in 0..modules {
            chosen.swap(i, i + rng.below(modules - i));
        }
        chosen.truncate(copies);
        for (k, &m) in chosen.iter().enumerate() {
            if k > 0 && rng.chance(12) {
                table_copies[m].push(t);
                continue;
            }
            let lossy = k > 0 && rng.chance(15);
            defines[m].push((t, k == 0, lossy));
            if k == 0 {
                canonical_of.insert(t, m);
            }
        }
    }
    // Model modules import from later ones at module level now and then.
    let mut cross: Vec<Option<(usize, usize)>> = vec![None; modules];
    for (m, slot) in cross.iter_mut().enumerate() {
        let later: Vec<usize> = (m + 1..modules)
            .filter(|&o| !defines[o].is_empty())
            .collect();
        if !later.is_empty() && rng.chance(35) {
            let o = later[rng.below(later.len())];
            let (t, _, _) = defines[o][rng.below(defines[o].len())];
            *slot = Some((o, t));
        }
    }
    for m in 0..modules {
        let mut text = String::new();
        let typed = defines[m].iter().any(|d| d.1);
        // A second declarative base: a module of copies with a `Base` of its own.
        let own_base =
            !typed && (!defines[m].is_empty() || !table_copies[m].is_empty()) && rng.chance(15);
        let table = if table_copies[m].is_empty() {
            ""
        } else {
            ", Table"
        };
        let _ = writeln!(
            text,
            "from sqlalchemy import Boolean, Column, Integer, String{table}"
        );
        if typed {
            text.push_str("from sqlalchemy.orm import Mapped, mapped_column\n");
        }
        if own_base {
            text.push_str("from sqlalchemy.orm import declarative_base\n");
        }
        text.push('\n');
        if let Some((o, t)) = cross[m] {
            let _ = writeln!(text, "from app.p{o}.models import {}", TABLES[t].0);
        }
        if own_base {
            text.push_str("\nBase = declarative_base()\n");
        } else {
            text.push_str("from app.db import Base\n");
        }
        for &t in &table_copies[m] {
            let table = TABLES[t].1;
            let _ = write!(
                text,
                "\n\n{table}_table = Table(\n    \"{table}\",\n    Base.metadata,\n    Column(\"id\", Integer, primary_key=True),\n    Column(\"name\", String(40)),\n)\n"
            );
        }
        for &(t, canonical, lossy) in &defines[m] {
            let (class, table) = TABLES[t];
            let _ = write!(
                text,
                "\n\nclass {class}(Base):\n    __tablename__ = \"{table}\"\n\n"
            );
            if canonical {
                text.push_str("    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n");
                text.push_str("    name: Mapped[str] = mapped_column(String(40))\n");
                text.push_str("    active: Mapped[bool] = mapped_column(Boolean, default=True)\n");
            } else {
                text.push_str("    id = Column(Integer, primary_key=True)\n");
                text.push_str("    name = Column(String(40))\n");
                if lossy {
                    text.push_str("    note = Column(String(200))\n");
                }
            }
        }
        let _ = write!(text, "\n\ndef helper{m}():\n    return {m}\n");
        if let Some((_, t)) = cross[m] {
            let _ = write!(
                text,
                "\n\ndef make{m}():\n    return {}(name=\"x\")\n",
                TABLES[t].0
            );
        }
        let text = if rng.chance(10) {
            text.replace('\n', "\r\n")
        } else {
            text
        };
        let text = if rng.chance(5) {
            format!("\u{feff}{text}")
        } else {
            text
        };
        let reexport = !defines[m].is_empty() && rng.chance(20);
        let init = if reexport {
            let (t, _, _) = defines[m][0];
            format!("from .models import {}\n", TABLES[t].0)
        } else {
            String::new()
        };
        p.add(&format!("app/p{m}/__init__.py"), init);
        p.add(&format!("app/p{m}/models.py"), text);
        // A relative importer beside the models.
        if let Some(&(t, _, _)) = defines[m].first() {
            let class = TABLES[t].0;
            p.add(
                &format!("app/p{m}/service.py"),
                format!("from .models import {class}, helper{m}\n\n\ndef count(session):\n    return session.query({class}).count() + helper{m}()\n"),
            );
        }
        if reexport {
            let (t, _, _) = defines[m][0];
            let class = TABLES[t].0;
            p.add(
                &format!("app/views/via_init{m}.py"),
                format!("from app.p{m} import {class}\n\n\ndef table():\n    return {class}.__tablename__\n"),
            );
        }
    }
    p.add("app/views/__init__.py", String::new());
    let views = 2 + rng.below(4);
    for v in 0..views {
        let m = rng.below(modules);
        if defines[m].is_empty() {
            continue;
        }
        let (t, _, _) = defines[m][rng.below(defines[m].len())];
        let class = TABLES[t].0;
        let module = format!("app.p{m}.models");
        let canonical = canonical_of[&t];
        let text = match rng.below(12) {
            0 => format!("from {module} import {class}\n\n\ndef get():\n    return {class}\n"),
            1 => format!("from {module} import {class} as Model\n\n\ndef get():\n    return Model\n"),
            2 => format!("def get():\n    from {module} import {class}\n\n    return {class}\n"),
            3 => format!("from __future__ import annotations\n\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from {module} import {class}\n\n\ndef name(row: {class}) -> str:\n    return row.name\n"),
            4 => format!("from {module} import *  # noqa: F403\n\n\ndef get():\n    return {class}, Column, helper{m}  # noqa: F405\n"),
            5 => format!("import {module} as m\n\n\ndef get():\n    return m.{class}, m.helper{m}\n"),
            6 => format!("from {module} import helper{m}, \\\n    {class}\n\n\ndef get():\n    return {class}, helper{m}\n"),
            7 => format!("from {module} import (\n    {class}  # the model\n    , helper{m}\n)\n\n\ndef get():\n    return {class}, helper{m}\n"),
            8 => format!("from {module} import Base, {class}\n\n\ndef get():\n    return Base, {class}\n"),
            9 => format!("from {module} import {class} as {class}\n\n\ndef get():\n    return {class}\n"),
            // Already imports from the canonical module: the moved name joins that statement.
            10 if canonical != m => {
                let (a, b) = if canonical < m {
                    (format!("from app.p{canonical}.models import helper{canonical}"), format!("from {module} import {class}"))
                } else {
                    (format!("from {module} import {class}"), format!("from app.p{canonical}.models import helper{canonical}"))
                };
                format!("{a}\n{b}\n\n\ndef get():\n    return {class}, helper{canonical}()\n")
            }
            _ => format!("from {module} import (\n    {class},  # the model\n    helper{m},\n)\n\n\ndef get():\n    return {class}, helper{m}\n"),
        };
        p.add(&format!("app/views/v{v}.py"), text);
    }
    p
}

fn write(root: &Path, project: &Project) {
    for (path, text) in &project.files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// `import_check.py` over the roots: (modules that import, files that do not parse) per root.
fn import_check(roots: &[PathBuf]) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let output = Command::new(python())
        .arg(repo().join("tests/it/import_check.py"))
        .args(roots)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let list = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    json.as_object()
        .unwrap()
        .iter()
        .map(|(root, r)| (root.clone(), (list(&r["imports"]), list(&r["broken"]))))
        .collect()
}

/// `ruff check` with the codes a fix must not add, as `file: CODE message` lines.
fn ruff_findings(roots: &[PathBuf]) -> Vec<String> {
    let codes = "E9,F401,F403,F405,F811,F821,F823,I001";
    ruff(&repo(), codes, roots)
        .iter()
        .map(|d| {
            let file = d["filename"].as_str().unwrap();
            let code = d["code"].as_str().unwrap_or("");
            format!("{file}: {code} {}", d["message"].as_str().unwrap_or(""))
        })
        .collect()
}

#[test]
fn generated_projects_keep_importing_after_the_fix() {
    let count: u64 = std::env::var("DEDUPE_PROPERTY_PROJECTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    let scratch = tempfile::tempdir().unwrap();
    // `DEDUPE_PROPERTY_DIR` keeps the projects there, to look at a failure, and an untouched copy
    // of each under `before/`.
    let base = match std::env::var_os("DEDUPE_PROPERTY_DIR") {
        Some(dir) => {
            std::fs::create_dir_all(&dir).unwrap();
            PathBuf::from(dir).canonicalize().unwrap()
        }
        None => scratch.path().canonicalize().unwrap(),
    };
    // `DEDUPE_PROPERTY_FIRST` starts at another project, to look at one again.
    let first: u64 = std::env::var("DEDUPE_PROPERTY_FIRST")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let numbers: Vec<u64> = (first..first + count).collect();
    let roots: Vec<PathBuf> = numbers.iter().map(|i| base.join(format!("p{i}"))).collect();
    for (&i, root) in numbers.iter().zip(&roots) {
        let project = generate(i);
        write(root, &project);
        if std::env::var_os("DEDUPE_PROPERTY_DIR").is_some() {
            write(&base.join("before").join(format!("p{i}")), &project);
        }
    }
    let before = import_check(&roots);
    let ruff_before = ruff_findings(&roots);
    let mut problems = Vec::new();
    let (mut fixed, mut importing) = (0, 0);
    for root in &roots {
        let output = run(root, &["--fix", "--yes", "--allow-no-vcs"]);
        if output.status.code() == Some(2) {
            problems.push(format!(
                "{}: --fix --yes refused: {}",
                root.display(),
                stderr(&output)
            ));
        }
        if stdout(&output).contains("Fixed ") {
            fixed += 1;
        }
        let again = run(root, &["--diff"]);
        if !stdout(&again).is_empty() {
            problems.push(format!(
                "{}: a second run still plans:\n{}",
                root.display(),
                stdout(&again)
            ));
        }
    }
    let after = import_check(&roots);
    for (root, (ok_before, _)) in &before {
        let (ok_after, broken) = &after[root];
        for module in ok_before {
            importing += 1;
            if !ok_after.contains(module) {
                problems.push(format!(
                    "{root}: `{module}` imported before the fix, not after"
                ));
            }
        }
        for module in broken {
            problems.push(format!("{root}: `{module}` does not parse after the fix"));
        }
    }
    // By file and code: the messages name modules, which the fix rewrites.
    let by_code = |findings: Vec<String>| {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for finding in findings {
            let key = finding.split(' ').take(2).collect::<Vec<_>>().join(" ");
            *counts.entry(key).or_default() += 1;
        }
        counts
    };
    let ruff_before = by_code(ruff_before);
    let mut new_findings: BTreeMap<String, usize> = BTreeMap::new();
    for (key, n) in by_code(ruff_findings(&roots)) {
        let was = ruff_before.get(&key).copied().unwrap_or(0);
        if n > was {
            let code = key.rsplit(' ').next().unwrap_or("").to_owned();
            *new_findings.entry(code).or_default() += n - was;
            problems.push(format!("ruff finds {n} {key} after the fix, {was} before"));
        }
    }
    eprintln!(
        "{count} generated projects, {fixed} fixed, {importing} modules that imported before checked, {} problems, new ruff findings by code: {new_findings:?}",
        problems.len(),
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
