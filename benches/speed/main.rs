//! The speed benchmark: `dedupe-models` check and `--diff` against `ruff check --isolated
//! --no-cache --select E9` on the same trees, each run as a child process, alternating, with the
//! median wall time, the peak memory (max RSS) and the ratio to ruff, plus the 1,000 -> 10,000
//! files scaling ratio.
//!
//!     cargo bench --bench speed
//!
//! The trees: the real corpus that `benches/corpus.sh` builds (the standard library plus the
//! site-packages of a virtualenv with SQLAlchemy, SQLModel, Flask-SQLAlchemy, Alembic and
//! Django; run first when missing), and two generated codebases of 1,000 and 10,000 files
//! (`generate.rs`) whose findings must equal their manifest (written beside each as
//! `generated-N.manifest.json`). Everything lives under `target/bench/`.
//!
//! `DEDUPE_BENCH_RUNS=N` sets the least number of measured runs per command (default 5, after one
//! warm-up run; fast commands run until their runs add up to five seconds);
//! `DEDUPE_BENCH_REAL=0` leaves the real corpus out.
//!
//! Correctness is checked before anything is timed: the check's JSON findings equal the
//! manifest, `--diff` exits 1 and rewrites every file with a planted finding, and both tools
//! count the same files. Timings are never asserted.

mod generate;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DEDUPE: &str = env!("CARGO_BIN_EXE_dedupe-models");
const SIZES: [usize; 2] = [1_000, 10_000];
/// The measured runs of a command add up to at least this (fast commands run more often).
const MIN_SECONDS_PER_COMMAND: f64 = 5.0;

struct Tree {
    label: String,
    dir: PathBuf,
    files: usize,
    lines: usize,
    /// Per tool (`TOOLS` order): the measured runs.
    samples: Vec<Vec<Sample>>,
}

#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    max_rss_kb: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tool {
    Check,
    Diff,
    Ruff,
}

const TOOLS: [Tool; 3] = [Tool::Check, Tool::Diff, Tool::Ruff];

impl Tool {
    fn label(self) -> &'static str {
        match self {
            Tool::Check => "dedupe-models",
            Tool::Diff => "dedupe-models --diff",
            Tool::Ruff => "ruff check --select E9",
        }
    }

    fn command(self, ruff: &Path, dir: &Path) -> Command {
        let mut command = match self {
            Tool::Check => Command::new(DEDUPE),
            Tool::Diff => {
                let mut c = Command::new(DEDUPE);
                c.arg("--diff");
                c
            }
            Tool::Ruff => {
                let mut c = Command::new(ruff);
                c.args(["check", "--isolated", "--no-cache", "--select", "E9"]);
                c
            }
        };
        command.arg(".").current_dir(dir);
        command
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bench = root.join("target/bench");
    let runs: usize = std::env::var("DEDUPE_BENCH_RUNS")
        .ok()
        .map(|v| v.parse().expect("DEDUPE_BENCH_RUNS must be a whole number"))
        .unwrap_or(5);
    let real = std::env::var("DEDUPE_BENCH_REAL").map_or(true, |v| v != "0");
    let ruff = bench.join("corpus-venv/bin/ruff");
    let corpus = bench.join("corpus");
    if (real && !corpus.join("pyproject.toml").exists()) || !ruff.exists() {
        eprintln!("building the real corpus with benches/corpus.sh ...");
        let status = Command::new(root.join("benches/corpus.sh"))
            .status()
            .expect("cannot run benches/corpus.sh");
        assert!(status.success(), "benches/corpus.sh failed");
    }

    let mut trees = Vec::new();
    if real {
        let (files, lines) = count_python(&corpus);
        trees.push(Tree {
            label: "real corpus".into(),
            dir: corpus,
            files,
            lines,
            samples: vec![Vec::new(); TOOLS.len()],
        });
    }
    for n in SIZES {
        let dir = bench.join(format!("generated-{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("cannot create the generated codebase's directory");
        let generated = generate::generate(&dir, n);
        write_manifest(
            &bench.join(format!("generated-{n}.manifest.json")),
            &generated,
        );
        check_findings(&dir, &generated);
        check_diff(&dir, &generated);
        trees.push(Tree {
            label: format!("generated {}", thousands(n)),
            dir,
            files: generated.py_files,
            lines: generated.lines,
            samples: vec![Vec::new(); TOOLS.len()],
        });
    }
    for tree in &trees {
        let counted = ruff_files(&ruff, &tree.dir);
        let scanned = dedupe_summary(&tree.dir)["files"].as_u64().unwrap() as usize;
        assert_eq!(
            (counted, scanned),
            (tree.files, tree.files),
            "{}: ruff and dedupe-models must read the same {} .py files",
            tree.label,
            tree.files
        );
    }

    let load_before = load_average();
    for tree in &mut trees {
        // The warm-up run sizes the rest: short commands get more runs, so that a few
        // milliseconds of noise do not move their median (and the scaling ratio) much.
        let warm_up: Vec<Sample> = TOOLS
            .iter()
            .map(|tool| measure(tool.command(&ruff, &tree.dir)))
            .collect();
        let slowest = warm_up.iter().map(|s| s.wall).max().unwrap();
        let wanted = (MIN_SECONDS_PER_COMMAND / slowest.as_secs_f64()).ceil() as usize;
        for run in 0..runs.max(wanted) {
            // Alternate the order so that neither tool always runs on a warmer machine.
            let mut order: Vec<usize> = (0..TOOLS.len()).collect();
            order.rotate_left(run % TOOLS.len());
            for t in order {
                tree.samples[t].push(measure(TOOLS[t].command(&ruff, &tree.dir)));
            }
        }
    }
    let load_after = load_average();
    report(&trees, &load_before, &load_after);
}

/// Runs a command to completion with its output discarded; wall time and the child's peak RSS.
#[expect(
    clippy::zombie_processes,
    reason = "wait4 reaps the child: std's wait would not report its rusage"
)]
fn measure(mut command: Command) -> Sample {
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let start = Instant::now();
    let child = command.spawn().expect("cannot start a benchmarked command");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, which nothing else waits for; `child` is not waited on.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1,
        "{command:?} failed with status {status}"
    );
    Sample {
        wall,
        max_rss_kb: usage.ru_maxrss as u64,
    }
}

fn dedupe_json(dir: &Path) -> serde_json::Value {
    let output = Command::new(DEDUPE)
        .args(["--format", "json", "."])
        .current_dir(dir)
        .output()
        .expect("cannot run dedupe-models");
    serde_json::from_slice(&output.stdout).expect("dedupe-models printed no JSON report")
}

fn dedupe_summary(dir: &Path) -> serde_json::Value {
    dedupe_json(dir)["summary"].clone()
}

/// The manifest beside the codebase, for a person to compare with a report.
fn write_manifest(path: &Path, generated: &generate::Corpus) {
    let findings: Vec<serde_json::Value> = generated
        .findings
        .iter()
        .map(|e| {
            serde_json::json!({"code": e.code, "path": e.path, "line": e.line, "symbol": e.symbol})
        })
        .collect();
    let manifest = serde_json::json!({"findings": findings, "fixed": generated.fixed});
    std::fs::write(
        path,
        serde_json::to_string_pretty(&manifest).unwrap() + "\n",
    )
    .expect("cannot write the manifest");
}

/// The check reports exactly the planted findings.
fn check_findings(dir: &Path, generated: &generate::Corpus) {
    let report = dedupe_json(dir);
    let mut found: Vec<(String, String, usize, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap() as usize,
                f["symbol"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    found.sort();
    let expected: Vec<(String, String, usize, String)> = generated
        .findings
        .iter()
        .map(|e| (e.code.to_owned(), e.path.clone(), e.line, e.symbol.clone()))
        .collect();
    assert!(
        found == expected,
        "{}: the findings differ from the manifest\n  expected: {expected:#?}\n  found: {found:#?}",
        dir.display()
    );
}

/// `--diff` exits 1 and rewrites every file that holds a planted finding.
fn check_diff(dir: &Path, generated: &generate::Corpus) {
    let output = Command::new(DEDUPE)
        .args(["--diff", "."])
        .current_dir(dir)
        .output()
        .expect("cannot run dedupe-models --diff");
    assert_eq!(output.status.code(), Some(1), "--diff must exit 1");
    let diff = String::from_utf8(output.stdout).expect("the diff is not UTF-8");
    let touched: BTreeSet<String> = diff
        .lines()
        .filter_map(|l| l.strip_prefix("+++ b/"))
        .map(str::to_owned)
        .collect();
    let missing: Vec<&String> = generated.fixed.difference(&touched).collect();
    assert!(
        missing.is_empty(),
        "{}: --diff leaves planted findings in {missing:?}; stderr:\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn ruff_files(ruff: &Path, dir: &Path) -> usize {
    let output = Tool::Ruff
        .command(ruff, dir)
        .arg("--show-files")
        .output()
        .expect("cannot run ruff");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.ends_with(".py"))
        .count()
}

/// `.py` files and their lines, for the table (the tools' own counts are checked separately).
fn count_python(dir: &Path) -> (usize, usize) {
    let mut files = 0;
    let mut lines = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("cannot list the corpus") {
            let path = entry.expect("cannot list the corpus").path();
            if path.is_dir() {
                // Both tools skip the standard library's own `venv` package by its name.
                if path.file_name().is_some_and(|n| n != "venv") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "py") {
                files += 1;
                lines += std::fs::read(&path)
                    .map(|b| b.iter().filter(|&&c| c == b'\n').count())
                    .unwrap_or(0);
            }
        }
    }
    (files, lines)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn median(samples: &[Sample]) -> Duration {
    let mut walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
    walls.sort();
    walls[walls.len() / 2]
}

fn peak_mb(samples: &[Sample]) -> f64 {
    samples.iter().map(|s| s.max_rss_kb).max().unwrap_or(0) as f64 / 1024.0
}

fn report(trees: &[Tree], load_before: &str, load_after: &str) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!();
    println!(
        "dedupe-models speed benchmark: {cores} cores, load average {load_before} before and {load_after} after; each command run once to warm up, then alternating with the others"
    );
    println!();
    println!(
        "| tree | files | lines | command | runs | median wall | min - max | peak RSS | wall vs ruff |"
    );
    println!("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
    let ruff = TOOLS.iter().position(|&t| t == Tool::Ruff).unwrap();
    for tree in trees {
        let ruff_median = median(&tree.samples[ruff]);
        for (t, tool) in TOOLS.iter().enumerate() {
            let samples = &tree.samples[t];
            let min = samples.iter().map(|s| s.wall).min().unwrap();
            let max = samples.iter().map(|s| s.wall).max().unwrap();
            println!(
                "| {} | {} | {} | `{}` | {} | {:.2} s | {:.2} - {:.2} s | {:.0} MB | {:.2}x |",
                tree.label,
                thousands(tree.files),
                thousands(tree.lines),
                tool.label(),
                samples.len(),
                median(samples).as_secs_f64(),
                min.as_secs_f64(),
                max.as_secs_f64(),
                peak_mb(samples),
                median(samples).as_secs_f64() / ruff_median.as_secs_f64(),
            );
        }
    }
    let small = trees.iter().find(|t| t.files == SIZES[0]);
    let large = trees.iter().find(|t| t.files == SIZES[1]);
    if let (Some(small), Some(large)) = (small, large) {
        println!();
        let ratios: Vec<String> = TOOLS
            .iter()
            .enumerate()
            .map(|(t, tool)| {
                format!(
                    "`{}` {:.1}x",
                    tool.label(),
                    median(&large.samples[t]).as_secs_f64()
                        / median(&small.samples[t]).as_secs_f64()
                )
            })
            .collect();
        println!(
            "Scaling, {} -> {} files (10x the files): {}",
            thousands(SIZES[0]),
            thousands(SIZES[1]),
            ratios.join(", ")
        );
    }
    println!();
    println!(
        "Findings of both generated codebases equal their manifests; --diff rewrites every planted finding's file; ruff and dedupe-models read the same files."
    );
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
