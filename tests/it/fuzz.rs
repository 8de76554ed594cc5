//! Fuzzing the whole command: real fixture projects (real duplicates) with some of their Python
//! files mutated (lines deleted, duplicated or cut short, random or invalid UTF-8 bytes, tabs and
//! spaces swapped, deep nesting, NUL and CR), through the check, `--format json`, `--diff` and
//! `--fix --yes`. Never a panic, a hang or an exit outside 0, 1, 2; the JSON report is JSON; and
//! every file the fix writes still parses.
//!
//! `DEDUPE_MODELS_FUZZ_CASES` sets the number of cases (default 120, 480 runs of the binary);
//! `DEDUPE_MODELS_FUZZ_SEED` the first seed, to replay a failure; `DEDUPE_MODELS_FUZZ_BIN` the
//! binary (for long runs on a copy).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{copy_tree, fixture_dirs, tree};

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    if lines.is_empty() {
        lines.push(Vec::new());
    }
    let at = rng.below(lines.len());
    match rng.below(10) {
        0 => drop(lines.remove(at)),
        1 => {
            let line = lines[at].clone();
            lines.insert(at, line);
        }
        2 => {
            let line = &mut lines[at];
            let cut = rng.below(line.len() + 1);
            line.truncate(cut);
        }
        3 => {
            let line = &mut lines[at];
            for _ in 0..=rng.below(4) {
                let pos = rng.below(line.len() + 1);
                line.insert(pos, rng.next() as u8);
            }
        }
        4 => lines[at].extend_from_slice(b"\xff\xfe invalid utf-8\n"),
        5 => {
            for line in &mut lines {
                let indent = line.iter().take_while(|&&b| b == b' ').count();
                if indent >= 4 && rng.below(2) == 0 {
                    line.splice(..4, [b'\t']);
                }
            }
        }
        6 => {
            let depth = [50, 199, 201, 3_000, 5_000][rng.below(5)];
            let nested = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
            lines.insert(at, nested.into_bytes());
        }
        7 => {
            let terms = [100, 2_900, 4_500, 10_000][rng.below(4)];
            lines.insert(
                at,
                format!("y = {}\n", vec!["1"; terms].join("+")).into_bytes(),
            );
        }
        8 => lines[at].insert(0, [0u8, b'\r', 0x1b][rng.below(3)]),
        _ => {
            let cut = rng.below(bytes.len() + 1);
            return bytes[..cut].to_vec();
        }
    }
    lines.concat()
}

/// Runs the binary; a run past `limit` is a hang.
fn run_bounded(dir: &Path, args: &[&str], limit: Duration) -> Output {
    // A long run can use a copy of the binary, so that rebuilding meanwhile does not change it.
    let bin = std::env::var("DEDUPE_MODELS_FUZZ_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_dedupe-models").to_owned());
    let mut child = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("dedupe-models {args:?} hung in {}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

fn python_files(dir: &Path) -> Vec<PathBuf> {
    tree(dir)
        .into_keys()
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect()
}

#[test]
fn mutated_projects_never_crash_hang_or_write_what_does_not_parse() {
    let cases: u64 = std::env::var("DEDUPE_MODELS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120);
    let first: u64 = std::env::var("DEDUPE_MODELS_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let fixtures: Vec<PathBuf> = fixture_dirs()
        .into_iter()
        .filter(|d| (1..=14).contains(&python_files(d).len()))
        .collect();
    let limit = Duration::from_secs(60);
    let mut counts = [0usize; 3];
    for seed in first..first + cases {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let work = tempfile::tempdir().unwrap();
        let dir = work.path();
        copy_tree(&fixtures[rng.below(fixtures.len())], dir);
        let files = python_files(dir);
        for _ in 0..=rng.below(3) {
            let file = &files[rng.below(files.len())];
            let bytes = std::fs::read(file).unwrap();
            std::fs::write(file, mutate(&bytes, &mut rng)).unwrap();
        }
        let case = format!("seed {seed} ({})", dir.display());
        for args in [
            &["--color", "never"][..],
            &["--format", "json"],
            &["--diff", "--color", "never"],
        ] {
            let output = run_bounded(dir, args, limit);
            let code = output.status.code();
            let err = String::from_utf8_lossy(&output.stderr);
            assert!(
                matches!(code, Some(0..=2)) && !err.contains("panicked"),
                "{case}: {args:?} exited {code:?}:\n{err}"
            );
            if args[1] == "json" && code != Some(2) {
                serde_json::from_slice::<serde_json::Value>(&output.stdout)
                    .unwrap_or_else(|e| panic!("{case}: the JSON report is not JSON: {e}"));
            }
        }
        let before = tree(dir);
        let output = run_bounded(dir, &["--fix", "--yes", "--allow-no-vcs"], limit);
        let code = output.status.code();
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(
            matches!(code, Some(0..=2)) && !err.contains("panicked"),
            "{case}: --fix exited {code:?}:\n{err}"
        );
        counts[code.unwrap() as usize] += 1;
        if (seed - first + 1).is_multiple_of(500) {
            eprintln!("fuzz: {} cases so far: {counts:?}", seed - first + 1);
        }
        for (path, bytes) in tree(dir) {
            if before.get(&path) == Some(&bytes) {
                continue;
            }
            if path.extension().is_some_and(|e| e == "py") {
                let text = dedupe_models::source::decode(bytes)
                    .unwrap_or_else(|e| panic!("{case}: {} does not decode: {e}", path.display()))
                    .text;
                let parsed = dedupe_models::python::on_parse_stack(|| {
                    dedupe_models::python::parse(&text).is_ok()
                });
                assert!(
                    parsed,
                    "{case}: the fix wrote {}, which does not parse",
                    path.display()
                );
            }
        }
    }
    eprintln!(
        "fuzz: {cases} cases from seed {first}; --fix exited 0: {}, 1: {}, 2: {}",
        counts[0], counts[1], counts[2]
    );
}
