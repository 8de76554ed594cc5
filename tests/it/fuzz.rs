//! Fuzzing the whole command: real fixture projects (real duplicates), one in four stored another
//! way throughout (CRLF, CR-only, BOM, latin-1), with some of their Python files mutated (lines deleted, duplicated or cut short, random or invalid UTF-8 bytes, tabs and
//! spaces swapped, deep nesting, NUL and CR, CRLF or CR-only line endings, a UTF-8 BOM, a
//! latin-1 coding line with latin-1 text), through the check, `--format json`, `--diff` and
//! `--fix --yes`. Never a panic, a hang or an exit outside 0, 1, 2; the JSON report is JSON;
//! every file the fix writes still parses; and `git apply` of the `--diff` output gives exactly
//! the tree `--fix` writes.
//!
//! `DEDUPE_MODELS_FUZZ_CASES` sets the number of cases (default 120, 480 runs of the binary);
//! `DEDUPE_MODELS_FUZZ_SEED` the first seed, to replay a failure; `DEDUPE_MODELS_FUZZ_BIN` the
//! binary (for long runs on a copy); `DEDUPE_MODELS_FUZZ_KEEP` a folder where each case's mutated
//! project is kept as `seed-N` (to replay one).

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
    match rng.below(14) {
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
        9 => return line_endings(bytes, b"\r\n"),
        10 => return line_endings(bytes, b"\r"),
        11 => return [&b"\xef\xbb\xbf"[..], bytes].concat(),
        12 => {
            // PEP 263: the coding line on line 1 or 2, then text only latin-1 can decode.
            let coding = [
                &b"# -*- coding: latin-1 -*-\n"[..],
                b"# vim: set fileencoding=iso-8859-1 :\n",
            ];
            lines.insert(at, b"# caf\xe9 \xb5 \xff\n".to_vec());
            lines.insert(rng.below(2).min(lines.len()), coding[rng.below(2)].to_vec());
        }
        _ => {
            let cut = rng.below(bytes.len() + 1);
            return bytes[..cut].to_vec();
        }
    }
    lines.concat()
}

/// The file stored with CRLF, CR-only line endings, a UTF-8 BOM, or in latin-1 with a PEP 263
/// line (when its text fits latin-1).
fn stored(bytes: &[u8], how: usize) -> Vec<u8> {
    match how {
        0 => line_endings(bytes, b"\r\n"),
        1 => line_endings(bytes, b"\r"),
        2 => [&b"\xef\xbb\xbf"[..], bytes].concat(),
        _ => match std::str::from_utf8(bytes) {
            Ok(text) if text.chars().all(|c| u32::from(c) < 256) && !text.starts_with("#!") => {
                let latin1 = text.chars().map(|c| u32::from(c) as u8);
                b"# -*- coding: latin-1 -*-\n"
                    .iter()
                    .copied()
                    .chain(latin1)
                    .collect()
            }
            _ => bytes.to_vec(),
        },
    }
}

/// The file with every line ending (`\r\n`, `\r` or `\n`) made `ending`.
fn line_endings(bytes: &[u8], ending: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 20);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(ending);
                i += 1;
            }
            b'\r' | b'\n' => out.extend_from_slice(ending),
            b => out.push(b),
        }
        i += 1;
    }
    out
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

/// `git apply` of the `--diff` output on `patched` (the tree before the fix) gives the tree
/// `--fix` wrote in `fixed`, byte for byte.
fn same_as_the_patch(case: &str, patch: &[u8], fixed: &Path, patched: &Path) {
    if !patch.is_empty() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), patch).unwrap();
        let applied = Command::new("git")
            .args(["apply", "--whitespace=nowarn"])
            .arg(file.path())
            .current_dir(patched)
            .output()
            .expect("git runs");
        assert!(
            applied.status.success(),
            "{case}: git apply refused the --diff output: {}",
            String::from_utf8_lossy(&applied.stderr)
        );
    }
    let relative = |dir: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        tree(dir)
            .into_iter()
            .map(|(p, b)| (p.strip_prefix(dir).unwrap().to_path_buf(), b))
            .collect()
    };
    let (fixed, patched) = (relative(fixed), relative(patched));
    if fixed != patched {
        let differ: Vec<String> = fixed
            .iter()
            .zip(&patched)
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a.0.display().to_string())
            .collect();
        panic!("{case}: the --diff output applied is not what --fix wrote: {differ:?}");
    }
}

/// A panic, or the tool's own word that something it did is a bug (a rewrite it made that does
/// not parse, an extraction that failed): exit 2 with that is a crash by another name.
fn says_it_is_a_bug(stderr: &str) -> bool {
    stderr.contains("panicked") || stderr.contains("bug in dedupe-models")
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
    let mut compared = 0;
    for seed in first..first + cases {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let work = tempfile::tempdir().unwrap();
        let dir = work.path();
        copy_tree(&fixtures[rng.below(fixtures.len())], dir);
        let files = python_files(dir);
        // One case in four stores the whole project another way (a line-based step meets it in
        // every file it touches), then mutates it.
        if rng.below(4) == 0 {
            let how = rng.below(4);
            for file in &files {
                let bytes = std::fs::read(file).unwrap();
                std::fs::write(file, stored(&bytes, how)).unwrap();
            }
        }
        for _ in 0..=rng.below(3) {
            let file = &files[rng.below(files.len())];
            let bytes = std::fs::read(file).unwrap();
            std::fs::write(file, mutate(&bytes, &mut rng)).unwrap();
        }
        if let Some(keep) = std::env::var_os("DEDUPE_MODELS_FUZZ_KEEP") {
            // Replaying a seed: the mutated project as the runs below find it.
            let keep = Path::new(&keep).join(format!("seed-{seed}"));
            let _ = std::fs::remove_dir_all(&keep);
            copy_tree(dir, &keep);
        }
        let case = format!("seed {seed} ({})", dir.display());
        let mut diff = None;
        for args in [
            &["--color", "never"][..],
            &["--format", "json"],
            &["--diff", "--color", "never"],
        ] {
            let output = run_bounded(dir, args, limit);
            let code = output.status.code();
            let err = String::from_utf8_lossy(&output.stderr);
            assert!(
                matches!(code, Some(0..=2)) && !says_it_is_a_bug(&err),
                "{case}: {args:?} exited {code:?}:\n{err}"
            );
            if args[1] == "json" && code != Some(2) {
                serde_json::from_slice::<serde_json::Value>(&output.stdout)
                    .unwrap_or_else(|e| panic!("{case}: the JSON report is not JSON: {e}"));
            }
            if args[0] == "--diff" {
                diff = Some(output);
            }
        }
        let before = tree(dir);
        let patched = tempfile::tempdir().unwrap();
        copy_tree(dir, patched.path());
        let output = run_bounded(dir, &["--fix", "--yes", "--allow-no-vcs"], limit);
        let code = output.status.code();
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(
            matches!(code, Some(0..=2)) && !says_it_is_a_bug(&err),
            "{case}: --fix exited {code:?}:\n{err}"
        );
        counts[code.unwrap() as usize] += 1;
        if code == Some(2) {
            // Refusals are allowed (a file that cannot be stored, ...): listed for the note.
            eprintln!(
                "fuzz: {case}: --fix exited 2: {}",
                err.lines().next().unwrap_or("")
            );
        }
        let diff = diff.expect("the --diff run");
        if code != Some(2) && diff.status.code() != Some(2) {
            same_as_the_patch(&case, &diff.stdout, dir, patched.path());
            compared += 1;
        }
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
        "fuzz: {cases} cases from seed {first}; --fix exited 0: {}, 1: {}, 2: {}; --diff applied and compared with --fix: {compared}",
        counts[0], counts[1], counts[2]
    );
}
