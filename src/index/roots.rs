//! The import roots of the projects a scan covers: the directories Python would have on
//! `sys.path` when it runs them. Each project's own folder, its `src/` layout, what pytest and
//! our configuration put there, and, for a project in a subfolder that nothing configures
//! (`backend/app/models.py` importing `app.database`), the folder its own absolute imports
//! resolve from.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::module_map::{FileId, ModuleMap, Root, RootKind};
use super::stdlib;
use crate::paths::normalize;
use crate::pyproject::ProjectSettings;
use crate::walk::SKIPPED_DIRS;

/// Files whose folder is a project's top: where Python code is run from.
const PROJECT_FILES: &[&str] = &["pyproject.toml", "setup.py", "setup.cfg", ".git"];

/// The folder a scan of `path` covers, the project it belongs to: the nearest folder at or above
/// it that holds a pyproject.toml, setup.py, setup.cfg or .git, but never above the working
/// directory when the path is inside it. Without one: the working directory for a file in it,
/// else the first folder at or above the path that is not a package (where Python would run it
/// from). The analysis is whole-program: the paths on the command line only choose which
/// files' findings are reported.
pub fn scan_root(path: &Path, cwd: &Path) -> PathBuf {
    let start = if path.is_file() {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    // A path inside a virtualenv or site-packages is scanned as it is: the project above it is
    // not the installed code's.
    let installed = start.ancestors().any(|dir| {
        dir.file_name()
            .is_some_and(|n| SKIPPED_DIRS.contains(&n.to_string_lossy().as_ref()))
            || dir.join("pyvenv.cfg").is_file()
    });
    if installed {
        return start.to_path_buf();
    }
    for dir in start.ancestors() {
        if PROJECT_FILES.iter().any(|m| dir.join(m).exists()) {
            return dir.to_path_buf();
        }
        if dir == cwd && path.is_file() {
            return dir.to_path_buf();
        }
        if dir == cwd {
            break;
        }
    }
    let mut top = start;
    while top != cwd && top.join("__init__.py").is_file() {
        match top.parent() {
            Some(parent) => top = parent,
            None => break,
        }
    }
    top.to_path_buf()
}

/// The roots every project's configuration declares: the project folder itself, its `src/`
/// folder, and the `pythonpath` of pytest (from pyproject.toml, pytest.ini, tox.ini or
/// setup.cfg), setuptools' `where` and `[tool.dedupe-models] roots`.
pub fn declared(settings: &[(PathBuf, ProjectSettings)]) -> Vec<Root> {
    let mut roots = Vec::new();
    for (dir, project) in settings {
        roots.push(Root {
            dir: dir.clone(),
            kind: RootKind::Project,
        });
        if dir.join("src").is_dir() {
            roots.push(Root {
                dir: dir.join("src"),
                kind: RootKind::Packages,
            });
        }
        let configured = project.roots.iter().cloned().chain(ini_pythonpath(dir));
        roots.extend(configured.map(|dir| Root {
            dir: normalize(&dir),
            kind: RootKind::Configured,
        }));
    }
    roots
}

/// pytest's `pythonpath` from the ini files that can configure it: `[pytest]` in pytest.ini and
/// tox.ini, `[tool:pytest]` in setup.cfg. Whitespace-separated, possibly over indented lines.
fn ini_pythonpath(dir: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    for (file, section) in [
        ("pytest.ini", "[pytest]"),
        ("tox.ini", "[pytest]"),
        ("setup.cfg", "[tool:pytest]"),
    ] {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            continue;
        };
        let mut in_section = false;
        let mut in_value = false;
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with('[') {
                in_section = trimmed == section;
                in_value = false;
                continue;
            }
            if !in_section || trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
                continue;
            }
            let continued = line.starts_with([' ', '\t']);
            let value = if continued && in_value {
                trimmed
            } else {
                in_value = false;
                let Some((key, value)) = trimmed.split_once(['=', ':']) else {
                    continue;
                };
                if key.trim() != "pythonpath" {
                    continue;
                }
                in_value = true;
                value
            };
            roots.extend(value.split_whitespace().map(|p| dir.join(p)));
        }
    }
    roots
}

/// Folders from which the project's own absolute imports resolve, where no configuration puts
/// them on `sys.path`: for each import that names no module of the project, the nearest folder
/// above the importer (inside its scan root) that holds the name's first segment, if it holds
/// the whole dotted name. Standard-library names are never a reason: `import email` finds the
/// standard library, whatever folder holds an `email` package.
///
/// A folder is not a root when some import that names its first segment does not resolve there:
/// on `sys.path` it would shadow the package that import really finds. A project's own
/// `indico/core/db/sqlalchemy/` package, whose modules do `from sqlalchemy import inspect` and
/// `from sqlalchemy.orm import joinedload`, does not put `indico/core/db` on `sys.path` (that
/// made every `sqlalchemy` import a second name for the project's package). And an import whose
/// package the project already imports by a longer name (`loaded`: the files its absolute
/// imports load) is no reason for a root: `import requests` in
/// `indico/modules/events/requests/` finds the installed library, not the project's
/// `indico.modules.events.requests`.
pub fn infer(
    map: &ModuleMap,
    unresolved: &[(FileId, Box<str>)],
    loaded: &HashSet<FileId>,
    scan_roots: &[PathBuf],
) -> Vec<PathBuf> {
    let mut asked: HashSet<(&Path, &str)> = HashSet::new();
    let mut folders: Option<HashSet<&Path>> = None;
    let mut found = BTreeSet::new();
    let mut rejected = HashSet::new();
    for (file, module) in unresolved {
        let top = module.split('.').next().unwrap_or_default();
        if stdlib::is_stdlib(top) {
            continue;
        }
        let Some(dir) = map.path(*file).parent() else {
            continue;
        };
        if !asked.insert((dir, module)) {
            continue;
        }
        let Some(scan_root) = scan_roots.iter().find(|r| dir.starts_with(r)) else {
            continue;
        };
        // Every folder that holds a project file, for namespace packages (no `__init__.py`).
        let folders = folders.get_or_insert_with(|| {
            (0..map.file_count())
                .flat_map(|f| map.path(f).ancestors().skip(1))
                .collect()
        });
        let holds = |above: &Path, name: &str| {
            let mut path = above.to_path_buf();
            path.extend(name.split('.'));
            map.file_at(&path.with_extension("py")).is_some()
                || map.file_at(&path.join("__init__.py")).is_some()
                || folders.contains(path.as_path())
        };
        let Some(above) = dir
            .ancestors()
            .take_while(|a| a.starts_with(scan_root))
            .find(|a| holds(a, top))
        else {
            continue;
        };
        let named_in_full = || {
            let package = above.join(top);
            map.file_at(&above.join("__init__.py")).is_some()
                && loaded.iter().any(|&f| map.path(f).starts_with(&package))
        };
        if !holds(above, module) {
            rejected.insert(above.to_path_buf());
        } else if !named_in_full() {
            found.insert(above.to_path_buf());
        }
    }
    found.retain(|dir| !rejected.contains(dir));
    found.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytest_ini_files_give_their_pythonpath() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("setup.cfg"),
            "[metadata]\nname = x\n\n[tool:pytest]\naddopts = -q\npythonpath =\n    backend\n    libs/shared\ntestpaths = tests\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("tox.ini"), "[tox]\npythonpath = no\n").unwrap();
        assert_eq!(
            ini_pythonpath(dir.path()),
            [dir.path().join("backend"), dir.path().join("libs/shared")]
        );
    }

    #[test]
    fn a_scan_covers_the_project_of_its_paths_and_never_climbs_out_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().join("repo");
        for file in [
            "pyproject.toml",
            "__init__.py",
            "app/__init__.py",
            "app/b.py",
            "loose/app/__init__.py",
            "loose/app/b.py",
        ] {
            let path = top.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        // A project whose top folder is also a package is still the project.
        assert_eq!(scan_root(&top, &top), top);
        assert_eq!(scan_root(&top.join("app/b.py"), &top), top);
        // Without a project file up to the working directory: a file belongs to it, a package
        // folder to the first folder above it that is not a package.
        std::fs::remove_file(top.join("pyproject.toml")).unwrap();
        let loose = top.join("loose");
        assert_eq!(scan_root(&loose.join("app/b.py"), &loose), loose);
        assert_eq!(scan_root(&loose.join("app"), dir.path()), loose);
    }

    #[test]
    fn a_subfolder_project_is_rooted_where_its_imports_resolve() {
        let files = [
            "/r/backend/app/__init__.py",
            "/r/backend/app/database.py",
            "/r/backend/app/models.py",
            "/r/backend/tests/test_models.py",
            "/r/app/constants/email/message.py",
            "/r/app/constants/mail.py",
            "/r/indico/__init__.py",
            "/r/indico/core/__init__.py",
            "/r/indico/core/db/__init__.py",
            "/r/indico/core/db/sqlalchemy/__init__.py",
            "/r/indico/core/db/sqlalchemy/util.py",
            "/r/indico/events/__init__.py",
            "/r/indico/events/requests/__init__.py",
            "/r/indico/events/requests/models.py",
        ];
        let map = ModuleMap::new(
            files.iter().map(PathBuf::from).collect(),
            vec![Root {
                dir: PathBuf::from("/r"),
                kind: RootKind::Project,
            }],
        );
        let unresolved = [
            (2, "app.database".into()),
            (3, "app.models".into()),
            (5, "email.message".into()),
            (5, "sqlalchemy".into()),
            // The project's own `sqlalchemy` package inside `indico.core.db` imports the real
            // SQLAlchemy: `sqlalchemy` would resolve there, `sqlalchemy.orm` does not.
            (10, "sqlalchemy".into()),
            (10, "sqlalchemy.orm".into()),
            // `import requests` (the library) in the project's `indico.events.requests`, which
            // the project imports by that full name.
            (13, "requests".into()),
        ];
        let loaded = HashSet::from([12]);
        assert_eq!(
            infer(&map, &unresolved, &loaded, &[PathBuf::from("/r")]),
            [PathBuf::from("/r/backend")]
        );
    }
}
