//! The Rust front-end's speed: a generated 2,000-file Cargo workspace (20 crates of 100
//! modules; Diesel `table!` blocks, models with `#[diesel(table_name = ...)]`, `use` trees,
//! one planted duplicate `table!`) indexed, checked and planned in-process, with the median
//! wall time of the runs. Correctness first: the planted duplicate, and nothing else, is found.
//!
//!     cargo bench --bench rust_index
//!
//! The workspace is written under `target/bench/rust-2000/`. Timings are printed, never asserted.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CRATES: usize = 20;
const MODULES: usize = 100;
const RUNS: usize = 11;

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench/rust-2000");
    let _ = std::fs::remove_dir_all(&dir);
    generate(&dir);
    let sources = sources(&dir);
    let rs = sources
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .count();
    assert!(rs >= CRATES * MODULES, "{rs} .rs files");

    let run = dedupe_models::rust::run(&sources, &dir, false).expect("rust sources");
    let found: Vec<(String, String)> = run
        .findings
        .iter()
        .map(|f| (f.code.kind().to_owned(), f.path.clone()))
        .collect();
    assert_eq!(
        found,
        [(
            "duplicate-table".to_owned(),
            "crate_01/src/leftover.rs".to_owned()
        )],
        "the planted duplicate, and only it"
    );
    assert_eq!(run.plan.files.len(), 1, "one re-export planned");

    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let run = dedupe_models::rust::run(&sources, &dir, false).expect("rust sources");
            std::hint::black_box(run.findings.len());
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "rust front-end: {rs} .rs files in {CRATES} crates, {} tables: index + check + plan, median {:.1} ms (min {:.1}, max {:.1}) over {RUNS} runs",
        run.tables,
        times[RUNS / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[RUNS - 1].as_secs_f64() * 1e3,
    );
}

/// The `.rs` files and manifests, as the walk hands them to the front-end.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                || path.ends_with("Cargo.toml")
                || path.ends_with("diesel.toml")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn generate(dir: &Path) {
    let members: Vec<String> = (0..CRATES).map(|c| format!("\"crate_{c:02}\"")).collect();
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[workspace]\nmembers = [{}]\nresolver = \"2\"\n",
            members.join(", ")
        ),
    );
    for c in 0..CRATES {
        let root = dir.join(format!("crate_{c:02}"));
        // Each crate depends on the first, whose schema is the print-schema output.
        let dep = if c == 0 {
            String::new()
        } else {
            "crate_00 = { path = \"../crate_00\" }\n".into()
        };
        write(
            &root.join("Cargo.toml"),
            &format!("[package]\nname = \"crate_{c:02}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ndiesel = \"2\"\n{dep}"),
        );
        let mut lib = String::from("//! Generated.\n\npub mod schema;\n");
        if c == 1 {
            lib.push_str("pub mod leftover;\n");
            write(
                &root.join("src/leftover.rs"),
                "diesel::table! {\n    t_00_000 (id) {\n        id -> Int4,\n    }\n}\n",
            );
        }
        let mut schema = String::from("// @generated automatically by Diesel CLI.\n");
        for m in 0..MODULES {
            lib.push_str(&format!("pub mod m_{m:03};\n"));
            let table = format!("t_{c:02}_{m:03}");
            schema.push_str(&format!(
                "\ndiesel::table! {{\n    {table} (id) {{\n        id -> Int4,\n        name -> Varchar,\n        owner_id -> Int4,\n        created_at -> Timestamp,\n    }}\n}}\n"
            ));
            let other = if c == 0 {
                String::new()
            } else {
                format!("use crate_00::schema::t_00_{m:03};\n")
            };
            write(
                &root.join(format!("src/m_{m:03}.rs")),
                &format!(
                    "use diesel::prelude::*;\n{other}use crate::schema::{{{table}, {table}::dsl::*}};\n\n#[derive(Queryable, Selectable)]\n#[diesel(table_name = crate::schema::{table})]\npub struct Row{m} {{\n    pub id: i32,\n    pub name: String,\n}}\n\npub fn find(conn: &mut PgConnection) -> Vec<Row{m}> {{\n    {table}::table.filter(name.eq(\"x\")).select(Row{m}::as_select()).load(conn).unwrap()\n}}\n"
                ),
            );
        }
        write(&root.join("src/lib.rs"), &lib);
        write(&root.join("src/schema.rs"), &schema);
        if c == 0 {
            write(
                &root.join("diesel.toml"),
                "[print_schema]\nfile = \"src/schema.rs\"\n",
            );
        }
    }
}
