//! What `--fix` promises about the disk, tried with faults on purpose: every file is always
//! wholly old or wholly new (a failed rename puts the originals back by renaming them), a killed
//! run's leftovers go with the next run, nothing outside the project or behind a hard link is
//! written, owners and extended attributes stay, two fixes at once do not both write, Ctrl-C never
//! lies, and a file changed while the fix ran (even one it does not write) stops it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use dedupe_models::analyze::Context;
use dedupe_models::apply::{apply, ApplyError};
use dedupe_models::index::Index;

use crate::apply::{duplicated, git, ANYWHERE, USER_B};
use crate::support::{config, run, stderr, stdout, tree};

/// The binary on `dir` with the debug build's fault injection (`DEDUPE_MODELS_FAULT`).
fn fix_with_fault(dir: &Path, fault: &str) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dedupe-models"))
        .args(["--fix", "--yes", "--allow-no-vcs"])
        .current_dir(dir)
        .env("DEDUPE_MODELS_FAULT", fault)
        .output()
        .expect("the binary runs")
}

/// The tree `--fix --yes` makes of `duplicated()`.
fn fixed_tree() -> BTreeMap<PathBuf, Vec<u8>> {
    let dir = duplicated();
    let output = run(dir.path(), &["--fix", "--yes", "--allow-no-vcs"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    relative(dir.path(), tree(dir.path()))
}

fn relative(dir: &Path, tree: BTreeMap<PathBuf, Vec<u8>>) -> BTreeMap<PathBuf, Vec<u8>> {
    tree.into_iter()
        .map(|(p, b)| (p.strip_prefix(dir).unwrap().to_path_buf(), b))
        .collect()
}

/// Leftovers of a run: temporary files and kept originals.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in walk(dir) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(".dedupe-models-") {
            found.push(entry.display().to_string());
        }
    }
    found
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Every file holds its old bytes or its new ones, and nothing else is in the tree.
fn each_file_whole(
    dir: &Path,
    old: &BTreeMap<PathBuf, Vec<u8>>,
    new: &BTreeMap<PathBuf, Vec<u8>>,
    context: &str,
) -> usize {
    let now = relative(dir, tree(dir));
    let mut written = 0;
    for (path, bytes) in &now {
        if path.to_string_lossy().contains(".dedupe-models-") {
            continue;
        }
        if Some(bytes) == new.get(path) && Some(bytes) != old.get(path) {
            written += 1;
        } else {
            assert_eq!(
                Some(bytes),
                old.get(path),
                "{context}: {} is mixed",
                path.display()
            );
        }
    }
    for path in old.keys() {
        assert!(
            now.contains_key(path),
            "{context}: {} was lost",
            path.display()
        );
    }
    written
}

#[test]
fn a_failure_at_any_step_leaves_every_file_as_it_was_and_says_so() {
    let new = fixed_tree();
    // Two files are written: each step fails once at the first and once at the second file.
    for step in ["create", "write", "fsync", "link", "rename"] {
        for n in 1..=2 {
            let dir = duplicated();
            let old = relative(dir.path(), tree(dir.path()));
            let fault = format!("{step}:{n}");
            let output = fix_with_fault(dir.path(), &fault);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{fault}: {}",
                stderr(&output)
            );
            assert!(
                stderr(&output)
                    .ends_with(&format!(": injected {step} failure; nothing was changed\n")),
                "{fault}: {}",
                stderr(&output)
            );
            assert_eq!(
                each_file_whole(dir.path(), &old, &new, &fault),
                0,
                "{fault}"
            );
            assert!(
                leftovers(dir.path()).is_empty(),
                "{fault}: {:?}",
                leftovers(dir.path())
            );
        }
    }
}

#[test]
fn when_a_file_cannot_be_put_back_the_message_says_which_and_where_its_original_is() {
    let new = fixed_tree();
    let dir = duplicated();
    let old = relative(dir.path(), tree(dir.path()));
    let output = fix_with_fault(dir.path(), "rename:2,restore:1");
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(!err.contains("nothing was changed"), "{err}");
    assert_eq!(each_file_whole(dir.path(), &old, &new, "restore"), 1);
    // The message names the file that holds its new text, and where its original is kept.
    let kept = leftovers(dir.path());
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        err.starts_with("error: cannot write main.py: injected rename failure; app/b.py now hold")
            && err.contains(&format!("the original of app/b.py is {}", kept[0])),
        "{err}"
    );
    let original = std::fs::read(&kept[0]).unwrap();
    assert_eq!(Some(&original), old.get(Path::new("app/b.py")));
}

#[test]
fn a_run_killed_at_any_point_leaves_whole_files_and_the_next_run_cleans_up() {
    let new = fixed_tree();
    for n in 1..=2 {
        let dir = duplicated();
        let old = relative(dir.path(), tree(dir.path()));
        let output = fix_with_fault(dir.path(), &format!("kill:{n}"));
        assert_eq!(output.status.code(), None, "killed");
        assert_eq!(each_file_whole(dir.path(), &old, &new, "kill"), n);
        assert!(
            !leftovers(dir.path()).is_empty(),
            "a killed run leaves its files"
        );
        let output = run(dir.path(), &["--fix", "--yes", "--allow-no-vcs"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(
            leftovers(dir.path()).is_empty(),
            "{:?}",
            leftovers(dir.path())
        );
        assert_eq!(run(dir.path(), &[]).status.code(), Some(0));
    }
}

#[test]
fn ctrl_c_before_the_writes_writes_nothing_and_during_them_waits_for_the_end() {
    let new = fixed_tree();
    let dir = duplicated();
    let before = tree(dir.path());
    let output = fix_with_fault(dir.path(), "sigint:1");
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(stderr(&output).ends_with("Interrupted: nothing was written.\n"));
    assert_eq!(tree(dir.path()), before);

    // Ctrl-C after the first of two renames: the second is made, and the run says so.
    let output = fix_with_fault(dir.path(), "sigint:2");
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert_eq!(stdout(&output), "Fixed 2 files.\n");
    assert!(
        stderr(&output).ends_with("Interrupted: the fix was written in full first.\n"),
        "{}",
        stderr(&output)
    );
    assert_eq!(relative(dir.path(), tree(dir.path())), new);
}

#[test]
fn a_file_the_plan_only_reads_changed_meanwhile_stops_the_fix() {
    let dir = duplicated();
    let index = Index::build(&config(dir.path()).scope).unwrap();
    let plan = dedupe_models::plan::plan(&Context::new(&index), &Default::default());
    // The canonical `User` lives in app/a.py, which the plan does not rewrite.
    assert!(plan
        .files
        .keys()
        .all(|&f| index.files[f].display != "app/a.py"));
    let a = dir.path().join("app/a.py");
    let renamed = std::fs::read_to_string(&a)
        .unwrap()
        .replace("class User", "class Account");
    std::fs::write(&a, renamed).unwrap();
    let before = tree(dir.path());
    let err = apply(&index, &plan, ANYWHERE).unwrap_err();
    assert!(matches!(err, ApplyError::Changed { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "app/a.py changed since it was read; nothing was changed. Run again"
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn a_link_out_of_the_project_is_read_but_never_written() {
    // Another repository, with work in progress in the file the link points at.
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(outside.path().join("lib")).unwrap();
    let b = outside.path().join("lib/b.py");
    std::fs::write(&b, crate::apply::USER_B).unwrap();
    git(outside.path(), &["init", "-q"]);
    git(outside.path(), &["add", "."]);
    git(outside.path(), &["commit", "-qm", "init"]);
    let dir = duplicated();
    std::fs::remove_file(dir.path().join("app/b.py")).unwrap();
    std::os::unix::fs::symlink(&b, dir.path().join("app/b.py")).unwrap();
    let outside_before = tree(outside.path());
    let output = run(dir.path(), &["--fix", "--yes", "--allow-no-vcs"]);
    let err = stderr(&output);
    assert_eq!(tree(outside.path()), outside_before, "{err}");
    assert!(
        err.contains(&format!(
            "skipped: app/b.py:5: table `users` is not fixed: app/b.py is {}, outside the project, which a fix never writes to",
            std::fs::canonicalize(&b).unwrap().display()
        )),
        "{err}"
    );
    // Still read: the duplicate is reported, and --diff shows no change to it either.
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(!stdout(&run(dir.path(), &["--diff"])).contains("app/b.py"));
}

#[test]
fn a_hard_linked_file_is_refused_and_nothing_is_written() {
    let dir = duplicated();
    std::fs::hard_link(dir.path().join("app/b.py"), dir.path().join("b-copy.txt")).unwrap();
    let before = tree(dir.path());
    let output = run(dir.path(), &["--fix", "--yes", "--allow-no-vcs"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: app/b.py has 2 hard links, which writing it by rename would break; nothing was changed. Copy it to a file of its own (`cp --remove-destination`), or fix it by hand\n"
    );
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn owner_group_and_extended_attributes_are_kept() {
    use std::os::unix::fs::MetadataExt;
    let dir = duplicated();
    let b = dir.path().join("app/b.py");
    let path = std::ffi::CString::new(b.to_str().unwrap()).unwrap();
    // SAFETY: valid C strings and buffer for setxattr(2).
    let tagged = unsafe {
        libc::setxattr(
            path.as_ptr(),
            c"user.reviewed".as_ptr(),
            b"yes".as_ptr().cast(),
            3,
            0,
        )
    } == 0;
    // As root, a file of another user stays theirs.
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        std::os::unix::fs::chown(&b, Some(1234), Some(1234)).unwrap();
    }
    let output = run(dir.path(), &["--fix", "--yes", "--allow-no-vcs"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let metadata = std::fs::metadata(&b).unwrap();
    if root {
        assert_eq!((metadata.uid(), metadata.gid()), (1234, 1234));
    }
    if tagged {
        let mut value = [0u8; 8];
        // SAFETY: as above.
        let len = unsafe {
            libc::getxattr(
                path.as_ptr(),
                c"user.reviewed".as_ptr(),
                value.as_mut_ptr().cast(),
                value.len(),
            )
        };
        assert_eq!(len, 3, "the attribute was dropped");
        assert_eq!(&value[..3], b"yes");
    }
    assert!(
        root || tagged,
        "neither owner nor attributes could be tried here"
    );
}

#[test]
fn a_second_fix_while_one_writes_refuses() {
    use std::os::unix::io::AsRawFd;
    let dir = duplicated();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "init"]);
    // Another fix holds the work tree.
    let held = std::fs::File::open(dir.path()).unwrap();
    // SAFETY: flock(2) on a descriptor this test owns.
    assert_eq!(unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX) }, 0);
    let before = tree(dir.path());
    let output = run(dir.path(), &["--fix", "--yes"]);
    assert_eq!(output.status.code(), Some(2));
    let top = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(
        stderr(&output),
        format!("error: another dedupe-models --fix is writing in {}; nothing was changed. Run again when it is done\n", top.display())
    );
    assert_eq!(tree(dir.path()), before);
    drop(held);
    let output = run(dir.path(), &["--fix", "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn the_diff_is_exactly_what_the_fix_writes_whatever_the_encoding_and_line_endings() {
    let dir = duplicated();
    let importer = "# caf\u{e9}\nfrom app.b import User\n\n\nprint(User)\n";
    let files: [(&str, Vec<u8>); 4] = [
        (
            "latin1.py",
            b"# -*- coding: latin-1 -*-\n# caf\xe9\nfrom app.b import User\n\n\nprint(User)\n"
                .to_vec(),
        ),
        (
            "bom.py",
            [&b"\xEF\xBB\xBF"[..], importer.as_bytes()].concat(),
        ),
        ("cr.py", importer.replace('\n', "\r").into_bytes()),
        ("crlf.py", importer.replace('\n', "\r\n").into_bytes()),
    ];
    for (name, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "init"]);
    let diff = run(dir.path(), &["--diff"]);
    assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
    for (name, _) in &files {
        assert!(
            diff.stdout
                .windows(name.len() + 6)
                .any(|w| w == format!("+++ b/{name}").as_bytes()),
            "{name} is not in the diff"
        );
    }
    // The patch applied to a clone is the tree --fix writes, byte for byte.
    let clone = tempfile::tempdir().unwrap();
    git(
        clone.path(),
        &["clone", "-q", dir.path().to_str().unwrap(), "."],
    );
    let patch = clone.path().join("fix.patch");
    std::fs::write(&patch, &diff.stdout).unwrap();
    git(clone.path(), &["apply", "fix.patch"]);
    std::fs::remove_file(&patch).unwrap();
    let output = run(dir.path(), &["--fix", "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let without_git = |dir: &Path| -> BTreeMap<PathBuf, Vec<u8>> {
        relative(dir, tree(dir))
            .into_iter()
            .filter(|(p, _)| !p.starts_with(".git"))
            .collect()
    };
    let fixed = without_git(dir.path());
    assert_eq!(without_git(clone.path()), fixed);
    // And each file kept its encoding and line endings.
    let cr = &fixed[Path::new("cr.py")];
    assert!(!cr.contains(&b'\n'), "{:?}", String::from_utf8_lossy(cr));
    let crlf = String::from_utf8(fixed[Path::new("crlf.py")].clone()).unwrap();
    assert_eq!(crlf.matches('\n').count(), crlf.matches("\r\n").count());
    assert!(fixed[Path::new("latin1.py")].contains(&0xe9));
    assert!(fixed[Path::new("bom.py")].starts_with(b"\xEF\xBB\xBF"));
}

/// A file whose lines end with a lone `\r` (classic Mac OS) is read in lines, as Python reads
/// it: its findings have their lines, and a fix that works line by line (here emptying an
/// `if TYPE_CHECKING:` block, which needs the block's indentation) is made, not refused as a
/// rewrite that would not parse; `--diff` applied is what `--fix` writes, all in `\r`.
#[test]
fn a_file_with_cr_line_endings_is_fixed_line_by_line() {
    let fixture =
        crate::support::repo().join("codemods/duplicate-table/fixtures/type_checking_emptied");
    let copy = |to: &Path| {
        crate::support::copy_tree(&fixture, to);
        for (path, bytes) in tree(to) {
            if path.extension().is_some_and(|e| e == "py") {
                let cr: Vec<u8> = bytes
                    .iter()
                    .map(|&b| if b == b'\n' { b'\r' } else { b })
                    .collect();
                std::fs::write(path, cr).unwrap();
            }
        }
    };
    let dir = tempfile::tempdir().unwrap();
    copy(dir.path());
    let check = run(dir.path(), &["--color", "never"]);
    assert!(
        stdout(&check).starts_with(
            "app/legacy/posts.py:14:7: DM001 table `posts` is defined again by `Post`"
        ),
        "{}",
        stdout(&check)
    );
    let diff = run(dir.path(), &["--diff", "--color", "never"]);
    assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
    let patched = tempfile::tempdir().unwrap();
    copy(patched.path());
    std::fs::write(patched.path().join("fix.patch"), &diff.stdout).unwrap();
    git(patched.path(), &["apply", "fix.patch"]);
    std::fs::remove_file(patched.path().join("fix.patch")).unwrap();
    let output = run(dir.path(), &["--fix", "--yes", "--allow-no-vcs"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let fixed = relative(dir.path(), tree(dir.path()));
    assert_eq!(relative(patched.path(), tree(patched.path())), fixed);
    let posts = String::from_utf8(fixed[Path::new("app/legacy/posts.py")].clone()).unwrap();
    assert!(!posts.contains('\n'), "{posts:?}");
    assert!(posts.contains("if TYPE_CHECKING:\r    pass\r"), "{posts:?}");
    assert_eq!(run(dir.path(), &[]).status.code(), Some(0));
}

/// The README's example session, run as written (its `$ ` lines) from the top of a checkout,
/// with `/tmp/` put elsewhere: it fixes its copy, and the checkout stays as it was.
#[test]
fn following_the_readme_example_never_changes_the_checkout() {
    let readme = std::fs::read_to_string(crate::support::repo().join("README.md")).unwrap();
    let session = readme
        .split("### Example session")
        .nth(1)
        .and_then(|s| s.split("```").nth(1))
        .expect("the README has an example session");
    let outside = tempfile::tempdir().unwrap();
    let script: Vec<String> = session
        .lines()
        .filter_map(|l| l.strip_prefix("$ "))
        .map(|l| l.replace("/tmp/", &format!("{}/", outside.path().display())))
        .collect();
    // A checkout: the example's fixture, committed.
    let checkout = tempfile::tempdir().unwrap();
    let fixture = "codemods/duplicate-table/fixtures/user_reexport";
    crate::support::copy_tree(
        &crate::support::repo().join(fixture),
        &checkout.path().join(fixture),
    );
    git(checkout.path(), &["init", "-q"]);
    git(checkout.path(), &["add", "."]);
    git(checkout.path(), &["commit", "-qm", "checkout"]);
    let before = tree(checkout.path());
    let bin = Path::new(env!("CARGO_BIN_EXE_dedupe-models"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = std::process::Command::new("bash")
        .args(["-c", &script.join("\n")])
        .current_dir(checkout.path())
        .env("PATH", path)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .output()
        .unwrap();
    assert!(
        stdout(&output).contains("Fixed 10 files."),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let after = tree(checkout.path());
    let changed: Vec<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect();
    assert!(changed.is_empty(), "the checkout was changed: {changed:?}");
}

/// Unmounts the small file system when the test ends.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_file_system_leaves_every_file_as_it_was() {
    // A 256 KiB tmpfs, which needs root (CAP_SYS_ADMIN); elsewhere the injected faults above
    // stand in for it.
    let mount = tempfile::tempdir().unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(mount.path())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("a_full_file_system_leaves_every_file_as_it_was: cannot mount a tmpfs here");
        return;
    }
    let _mounted = Mounted(mount.path().to_path_buf());
    let source = duplicated();
    let dir = mount.path().join("project");
    crate::support::copy_tree(source.path(), &dir);
    // Fill it up.
    let mut filler = std::fs::File::create(mount.path().join("filler")).unwrap();
    let block = vec![b'x'; 4096];
    while std::io::Write::write_all(&mut filler, &block).is_ok() {}
    drop(filler);
    let before = tree(&dir);
    let output = run(&dir, &["--fix", "--yes", "--allow-no-vcs"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no space left on device")
            && stderr(&output).ends_with("; nothing was changed\n"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tree(&dir), before);
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
}

/// `app/b_alias.py` is a symbolic link to `app/b.py`, which defines `users` again (the canonical
/// is in `app/a.py`) and `posts` (only there). Python loads the file once per name, so `main.py`
/// fails with `Table 'users' is already defined` and, were `users` fixed alone, with `posts`
/// defined twice through the link.
fn linked_project() -> tempfile::TempDir {
    let dir = duplicated();
    std::fs::write(
        dir.path().join("app/b.py"),
        format!(
            "{USER_B}

class Post(Base):\n    __tablename__ = 'posts'\n    id = Column(Integer, primary_key=True)\n"
        ),
    )
    .unwrap();
    std::os::unix::fs::symlink("b.py", dir.path().join("app/b_alias.py")).unwrap();
    std::fs::write(
        dir.path().join("main.py"),
        "import app.a\nimport app.b_alias as linked\nfrom app.b import Post, helper\n\
         from app.b_alias import User as Again, Post as Same\n\n\
         assert Again is app.a.User and Same is Post and linked.Post is Post\nprint('ok')\n",
    )
    .unwrap();
    dir
}

fn run_main(dir: &Path) -> Output {
    std::process::Command::new(crate::python::python())
        .arg("main.py")
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap()
}

#[test]
fn a_file_under_two_paths_is_fixed_once_and_imported_by_one_name() {
    let dir = linked_project();
    let before = run_main(dir.path());
    assert!(
        stderr(&before).contains("Table 'users' is already defined"),
        "{}",
        stderr(&before)
    );
    let check = run(dir.path(), &["--color", "never"]);
    assert!(
        stdout(&check).contains("main.py:2:1: DM002 import `app.b` instead of `app.b_alias`: under this name app/b.py (through a symbolic link) runs a second time"),
        "{}",
        stdout(&check)
    );
    // The patch `--diff` prints, applied to a copy, is what `--fix` writes.
    let diff = run(dir.path(), &["--diff", "--color", "never"]);
    assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
    assert!(!stdout(&diff).contains("b_alias.py\n"), "{}", stdout(&diff));
    let copy = linked_project();
    std::fs::write(copy.path().join("fix.patch"), &diff.stdout).unwrap();
    git(copy.path(), &["apply", "fix.patch"]);
    std::fs::remove_file(copy.path().join("fix.patch")).unwrap();

    let output = run(dir.path(), &["--fix", "--yes", "--allow-no-vcs"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "Fixed 2 files.\n", "{}", stderr(&output));
    assert_eq!(
        relative(dir.path(), tree(dir.path())),
        relative(copy.path(), tree(copy.path()))
    );
    // The file is rewritten in place (the link stays a link), and every import of it uses one name.
    let link = dir.path().join("app/b_alias.py");
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("b.py"));
    let b = std::fs::read_to_string(dir.path().join("app/b.py")).unwrap();
    assert!(
        b.contains("from app.a import User  # noqa: F401\n") && b.contains("class Post(Base)"),
        "{b}"
    );
    // The moved `User as Again` lands where isort puts it, before `app.b`.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.py")).unwrap(),
        "import app.a\nimport app.b as linked\nfrom app.a import User as Again\n\
         from app.b import Post, helper\nfrom app.b import Post as Same\n\n\
         assert Again is app.a.User and Same is Post and linked.Post is Post\nprint('ok')\n"
    );
    let after = run_main(dir.path());
    assert_eq!(stdout(&after), "ok\n", "{}", stderr(&after));
    let again = run(dir.path(), &[]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
}

#[test]
fn an_immutable_file_stops_the_fix_before_anything_is_written() {
    let dir = duplicated();
    let b = dir.path().join("app/b.py");
    let immutable = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&b)
        .status()
        .is_ok_and(|s| s.success());
    if !immutable {
        eprintln!("an_immutable_file_stops_the_fix_before_anything_is_written: no chattr +i here");
        return;
    }
    let before = tree(dir.path());
    let output = run(dir.path(), &["--fix", "--yes", "--allow-no-vcs"]);
    std::process::Command::new("chattr")
        .arg("-i")
        .arg(&b)
        .status()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "error: cannot write app/b.py: permission denied; nothing was changed\n"
    );
    assert_eq!(tree(dir.path()), before);
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}
