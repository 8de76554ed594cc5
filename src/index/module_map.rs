//! Which dotted module names each file can be imported as, given the import roots (project
//! directories, `src/` layouts, pytest `pythonpath`, setuptools `where`, configured roots, and the
//! directories pytest's default `prepend` mode inserts for test files), and the reverse lookup.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::facts::ImportSite;
use super::stdlib;

pub type FileId = usize;

/// A dotted module name that some project file has: an index into the module map's names.
pub type ModuleId = u32;

/// One project file that an import statement loads, worked out once per file while its facts are
/// fresh (`ModuleMap::site_loads`), so that the passes over every import (the run-time load
/// model, the entry points, the plan's cycle check) need no name lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    /// Index of the import statement in the file's facts.
    pub site: u32,
    /// The absolute module name the statement imports the file by; `None` for relative imports,
    /// whose name depends on the name the importer runs under.
    pub module: Option<ModuleId>,
    pub file: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleName {
    pub name: String,
    /// Index into `ModuleMap::roots`.
    pub root: usize,
    /// The name comes from a symbolic link to the file (`ModuleMap::add_aliases`), not from
    /// the file's own path.
    pub via_link: bool,
}

#[derive(Debug)]
struct Module {
    name: Box<str>,
    /// The files the name gives, each with the root (index into `roots`) that gives it.
    files: Vec<(FileId, usize)>,
}

/// Why a directory is on `sys.path`, which decides whether its modules can take a
/// standard-library name: only the directories Python searches before the standard library can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RootKind {
    /// A project's own directory, where its code is run from: first on `sys.path`.
    Project,
    /// Put on `sys.path` by configuration: pytest's `pythonpath`, `[tool.dedupe-models] roots`.
    Configured,
    /// A `src/` layout's folder: its packages are installed, after the standard library.
    Packages,
    /// A test folder that pytest's `prepend` import mode inserts for its test modules.
    Tests,
    /// The folder the project's own absolute imports resolve from, where nothing configures it.
    Inferred,
}

impl RootKind {
    /// Whether a module here is found before a standard-library module of the same name.
    fn shadows_stdlib(self) -> bool {
        matches!(self, RootKind::Project | RootKind::Configured)
    }
}

/// A directory on `sys.path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    pub dir: PathBuf,
    pub kind: RootKind,
}

#[derive(Debug)]
pub struct ModuleMap {
    /// Import roots, deepest first.
    roots: Vec<PathBuf>,
    kinds: Vec<RootKind>,
    paths: Vec<PathBuf>,
    names: Vec<Vec<ModuleName>>,
    packages: Vec<bool>,
    // Fx hashing: every import statement of the project is looked up here, some several times
    // (SipHash was 2% of a large check).
    by_name: FxHashMap<String, ModuleId>,
    modules: Vec<Module>,
    by_path: FxHashMap<PathBuf, FileId>,
    package_dirs: FxHashSet<PathBuf>,
    /// Files no import can reach, with what takes their name (`Shadow`).
    shadowed: HashMap<FileId, Shadow>,
}

/// Why Python never imports a file under a name its path gives: its directory's finder
/// (`importlib.machinery.FileFinder`) looks, for each name, first for a regular package (a
/// folder with `__init__.py`), then for a module file, and only then for a namespace package (a
/// folder without `__init__.py`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shadow {
    /// `app/models.py` beside the package `app/models/`: `app.models` is the package.
    ByPackage(PathBuf),
    /// `app/models/user.py` under a folder without `__init__.py` beside `app/models.py`:
    /// `app.models` is the module, which has no submodules.
    ByModule(PathBuf),
}

/// `conftest.py`, `test_*.py`, `*_test.py`: what pytest collects.
pub fn is_test_module(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name == "conftest.py" || name.starts_with("test_") || name.ends_with("_test.py")
}

/// Test modules, and anything in a `tests` or `test` folder.
pub fn is_test_path(path: &Path) -> bool {
    is_test_module(path)
        || path
            .components()
            .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "test")))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// `a.b.c` -> `a`, `a.b`, `a.b.c`: importing a module imports its packages first.
fn prefixes(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.')
        .map(|(i, _)| &name[..i])
        .chain(std::iter::once(name))
        .filter(|n| !n.is_empty())
}

/// `module.name`, without the formatting machinery: this runs for every imported name.
pub fn join(module: &str, name: &str) -> String {
    let mut joined = String::with_capacity(module.len() + 1 + name.len());
    joined.push_str(module);
    joined.push('.');
    joined.push_str(name);
    joined
}

/// The module names `path` has under each root (index into `roots`) that holds it. A
/// standard-library name (`email.message`) is a project file's name only under a root Python
/// searches first, and never for a built-in or preloaded module (`time`, `os`).
fn names_under(path: &Path, roots: &[PathBuf], kinds: &[RootKind]) -> Vec<ModuleName> {
    let mut names = Vec::new();
    for (root, dir) in roots.iter().enumerate() {
        let Ok(relative) = path.strip_prefix(dir) else {
            continue;
        };
        let mut parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let Some(last) = parts.pop() else { continue };
        let stem = last.strip_suffix(".py").unwrap_or(&last).to_owned();
        if stem != "__init__" {
            parts.push(stem);
        }
        if parts.is_empty() || !parts.iter().all(|p| is_identifier(p)) {
            continue;
        }
        let top = parts[0].as_str();
        if stdlib::is_stdlib(top) && (stdlib::never_shadowed(top) || !kinds[root].shadows_stdlib())
        {
            continue;
        }
        names.push(ModuleName {
            name: parts.join("."),
            root,
            via_link: false,
        });
    }
    names
}

impl ModuleMap {
    /// `paths` are the Python files (absolute), `roots` the import roots known from configuration.
    pub fn new(paths: Vec<PathBuf>, mut roots: Vec<Root>) -> ModuleMap {
        let package_dirs: FxHashSet<PathBuf> = paths
            .iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "__init__.py"))
            .filter_map(|p| p.parent().map(Path::to_path_buf))
            .collect();
        // pytest's `prepend` import mode puts the first directory above a test module that is not
        // a package on sys.path, so modules there are importable by their bare names.
        for path in paths.iter().filter(|p| is_test_module(p)) {
            let mut dir = path.parent();
            while let Some(d) = dir {
                if !package_dirs.contains(d) {
                    roots.push(Root {
                        dir: d.to_path_buf(),
                        kind: RootKind::Tests,
                    });
                    break;
                }
                dir = d.parent();
            }
        }
        // Deepest first; a directory that is a root for two reasons keeps the strongest.
        roots.sort_by(|a, b| {
            b.dir
                .components()
                .count()
                .cmp(&a.dir.components().count())
                .then(a.dir.cmp(&b.dir))
                .then(a.kind.cmp(&b.kind))
        });
        roots.dedup_by(|b, a| a.dir == b.dir);
        let (roots, kinds) = roots.into_iter().map(|r| (r.dir, r.kind)).unzip();

        let mut map = ModuleMap {
            names: Vec::new(),
            packages: paths
                .iter()
                .map(|p| p.file_name().is_some_and(|n| n == "__init__.py"))
                .collect(),
            by_name: FxHashMap::default(),
            modules: Vec::new(),
            by_path: paths
                .iter()
                .enumerate()
                .map(|(i, p)| (p.clone(), i))
                .collect(),
            roots,
            kinds,
            paths,
            package_dirs,
            shadowed: HashMap::new(),
        };
        // Every file against every root, in parallel; the reverse lookup after that.
        let found: Vec<(Vec<ModuleName>, Option<Shadow>)> = map
            .paths
            .par_iter()
            .map(|path| map.importable_names(path))
            .collect();
        let mut names = Vec::with_capacity(found.len());
        for (file, (file_names, shadow)) in found.into_iter().enumerate() {
            if let Some(shadow) = shadow.filter(|_| file_names.is_empty()) {
                map.shadowed.insert(file, shadow);
            }
            names.push(file_names);
        }
        for (file, names) in names.iter().enumerate() {
            for name in names {
                map.modules_add(name, file);
            }
        }
        map.names = names;
        map
    }

    /// The names of `path` that an import can reach, and what hides a name it cannot: a package
    /// beside the file, or a module beside a namespace folder above it.
    fn importable_names(&self, path: &Path) -> (Vec<ModuleName>, Option<Shadow>) {
        let mut names = names_under(path, &self.roots, &self.kinds);
        if names.is_empty() {
            return (names, None);
        }
        let is_init = path.file_name().is_some_and(|n| n == "__init__.py");
        if !is_init {
            let as_package = path.with_extension("");
            if self.package_dirs.contains(&as_package) {
                return (Vec::new(), Some(Shadow::ByPackage(as_package)));
            }
        }
        let mut shadow = None;
        names.retain(|name| {
            let root = &self.roots[name.root];
            let mut dir = path.parent();
            while let Some(d) = dir.filter(|d| d.starts_with(root) && *d != root.as_path()) {
                let module = d.with_extension("py");
                if !self.package_dirs.contains(d) && self.by_path.contains_key(&module) {
                    shadow = Some(Shadow::ByModule(module));
                    return false;
                }
                dir = d.parent();
            }
            true
        });
        (names, shadow)
    }

    /// What keeps every import from reaching `file`, when something does.
    pub fn shadowed(&self, file: FileId) -> Option<&Shadow> {
        self.shadowed.get(&file)
    }

    /// Records that `name` gives `file`.
    fn modules_add(&mut self, name: &ModuleName, file: FileId) {
        let modules = &mut self.modules;
        let id = *self.by_name.entry(name.name.clone()).or_insert_with(|| {
            modules.push(Module {
                name: name.name.as_str().into(),
                files: Vec::new(),
            });
            (modules.len() - 1) as ModuleId
        });
        modules[id as usize].files.push((file, name.root));
    }

    /// Second paths of project files (a symbolic link `models_alias.py` to `models.py`, from
    /// `walk::real_files`): each link's module names become names of the file it is, because
    /// Python loads the one file under each of them. The file keeps its one id and real path.
    pub fn add_aliases(&mut self, aliases: &[(PathBuf, PathBuf)]) {
        for (alias, kept) in aliases {
            let Some(&file) = self.by_path.get(kept) else {
                continue;
            };
            self.by_path.insert(alias.clone(), file);
            for mut name in names_under(alias, &self.roots, &self.kinds) {
                name.via_link = true;
                if !self.names[file].iter().any(|n| n.name == name.name) {
                    self.modules_add(&name, file);
                    self.names[file].push(name);
                }
            }
        }
    }

    /// The import roots, deepest first: the order to put them on `sys.path`.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    pub fn file_count(&self) -> usize {
        self.paths.len()
    }

    pub fn path(&self, file: FileId) -> &Path {
        &self.paths[file]
    }

    pub fn is_package(&self, file: FileId) -> bool {
        self.packages[file]
    }

    /// Every name the file can be imported as, deepest root first.
    pub fn names(&self, file: FileId) -> &[ModuleName] {
        &self.names[file]
    }

    /// Whether `name` is the file's only through a symbolic link to it.
    pub fn via_link(&self, file: FileId, name: &str) -> bool {
        self.names[file]
            .iter()
            .any(|n| n.name == name && n.via_link)
    }

    /// The name pytest's `prepend` import mode gives a test module: its path from the first
    /// directory above it that is not a package.
    pub fn pytest_name(&self, file: FileId) -> Option<&str> {
        let mut dir = self.paths[file].parent()?;
        while self.package_dirs.contains(dir) {
            dir = dir.parent()?;
        }
        self.names[file]
            .iter()
            .find(|n| self.roots[n.root] == dir)
            .map(|n| n.name.as_str())
    }

    /// Two names of `file` that Python can both run it under because a folder is both a package
    /// and on `sys.path`: `app.models` (with `backend/` on the path) and `backend.app.models`
    /// (`backend/` a package under another root), whether or not an import uses both today.
    pub fn package_root_names(&self, file: FileId) -> Option<(&str, &str)> {
        let names = &self.names[file];
        let inner = names
            .iter()
            .find(|n| self.package_dirs.contains(&self.roots[n.root]))?;
        let outer = names.iter().find(|n| {
            n.root != inner.root && self.roots[inner.root].starts_with(&self.roots[n.root])
        })?;
        Some((&inner.name, &outer.name))
    }

    pub fn file_at(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// The file an absolute module name loads, as seen from `importer`: where two roots give the
    /// name to different files, the root that holds the importer wins, then the deepest root.
    pub fn resolve(&self, name: &str, importer: Option<FileId>) -> Option<FileId> {
        self.resolve_module(name, importer).map(|(_, file)| file)
    }

    /// `resolve`, with the id of the name.
    pub fn resolve_module(
        &self,
        name: &str,
        importer: Option<FileId>,
    ) -> Option<(ModuleId, FileId)> {
        let id = *self.by_name.get(name)?;
        let candidates = &self.modules[id as usize].files;
        if candidates.len() == 1 {
            return Some((id, candidates[0].0));
        }
        let importer_path = importer.map(|f| &self.paths[f]);
        candidates
            .iter()
            .find(|(_, root)| importer_path.is_some_and(|p| p.starts_with(&self.roots[*root])))
            .or_else(|| candidates.first())
            .map(|(file, _)| (id, *file))
    }

    pub fn module_name(&self, id: ModuleId) -> &str {
        &self.modules[id as usize].name
    }

    /// The name that a relative import (`level` dots, then `module`) means inside the module
    /// loaded as `importer_name`.
    pub fn relative_name(
        importer_name: &str,
        importer_is_package: bool,
        level: u32,
        module: Option<&str>,
    ) -> Option<String> {
        let mut parts: Vec<&str> = importer_name.split('.').collect();
        if !importer_is_package {
            parts.pop();
        }
        for _ in 1..level {
            parts.pop()?;
        }
        let mut name = parts.join(".");
        if let Some(module) = module {
            if !name.is_empty() {
                name.push('.');
            }
            name.push_str(module);
        }
        (!name.is_empty()).then_some(name)
    }

    /// The file a `from` import's module part loads (`a.b` in `from a.b import X`, or the relative
    /// package in `from ..x import Y`).
    pub fn from_module(&self, importer: FileId, site: &ImportSite) -> Option<FileId> {
        if site.level > 0 {
            self.resolve_relative(importer, site.level, site.module.as_deref())
        } else {
            site.module
                .as_deref()
                .and_then(|m| self.resolve(m, Some(importer)))
        }
    }

    /// Every project file an import statement loads, appended to `loads`: the module, its
    /// packages, and imported names that are submodules, in the order Python imports them.
    /// Absolute names are resolved as seen from the importer; relative imports are worked out
    /// from directories, so they hold whatever name the importer runs under. The importer itself
    /// can be among them (`import pkg` in `pkg/__init__.py`).
    pub fn site_loads(
        &self,
        importer: FileId,
        index: usize,
        site: &ImportSite,
        loads: &mut Vec<Load>,
    ) {
        let site_index = index as u32;
        let absolute = |name: &str, loads: &mut Vec<Load>| {
            if let Some((module, file)) = self.resolve_module(name, Some(importer)) {
                loads.push(Load {
                    site: site_index,
                    module: Some(module),
                    file: file as u32,
                });
            }
        };
        if !site.is_from {
            for n in &site.names {
                for prefix in prefixes(&n.name) {
                    absolute(prefix, loads);
                }
            }
        } else if site.level == 0 {
            let module = site.module.as_deref().unwrap_or_default();
            for prefix in prefixes(module) {
                absolute(prefix, loads);
            }
            for n in site.names.iter().filter(|n| n.name != "*") {
                absolute(&join(module, &n.name), loads);
            }
        } else {
            let mut relative = |module: Option<&str>| {
                if let Some(file) = self.resolve_relative(importer, site.level, module) {
                    loads.push(Load {
                        site: site_index,
                        module: None,
                        file: file as u32,
                    });
                }
            };
            relative(site.module.as_deref());
            for n in site.names.iter().filter(|n| n.name != "*") {
                match &site.module {
                    Some(m) => relative(Some(&join(m, &n.name))),
                    None => relative(Some(&n.name)),
                }
            }
        }
    }

    /// The file a relative import loads, worked out from directories alone, which is the same
    /// whichever root the importer was loaded through.
    pub fn resolve_relative(
        &self,
        importer: FileId,
        level: u32,
        module: Option<&str>,
    ) -> Option<FileId> {
        let mut dir = self.paths[importer].parent()?.to_path_buf();
        for _ in 1..level {
            dir = dir.parent()?.to_path_buf();
        }
        if let Some(module) = module {
            for part in module.split('.') {
                dir.push(part);
            }
            // A package before a module of the same name, as Python's finder looks.
            if let Some(&file) = self.by_path.get(&dir.join("__init__.py")) {
                return Some(file);
            }
            let as_module = dir.with_extension("py");
            return self.by_path.get(&as_module).copied();
        }
        self.by_path.get(&dir.join("__init__.py")).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(files: &[&str], roots: &[&str]) -> ModuleMap {
        ModuleMap::new(
            files
                .iter()
                .map(|f| PathBuf::from(format!("/p/{f}")))
                .collect(),
            roots
                .iter()
                .map(|r| Root {
                    dir: PathBuf::from(format!("/p/{r}")).components().collect(),
                    kind: RootKind::Project,
                })
                .collect(),
        )
    }

    fn names(map: &ModuleMap, file: FileId) -> Vec<&str> {
        map.names(file).iter().map(|n| n.name.as_str()).collect()
    }

    #[test]
    fn src_layout_gives_two_names() {
        let m = map(&["src/pkg/__init__.py", "src/pkg/models.py"], &["", "src"]);
        assert_eq!(names(&m, 1), ["pkg.models", "src.pkg.models"]);
        assert_eq!(names(&m, 0), ["pkg", "src.pkg"]);
        assert_eq!(m.resolve("src.pkg.models", None), Some(1));
        assert_eq!(m.resolve("pkg.models", None), Some(1));
        assert_eq!(m.resolve("pkg.missing", None), None);
    }

    #[test]
    fn test_modules_add_their_first_non_package_dir_as_root() {
        let m = map(
            &["tests/conftest.py", "tests/helpers.py", "app/models.py"],
            &[""],
        );
        assert_eq!(names(&m, 1), ["helpers", "tests.helpers"]);
        assert_eq!(names(&m, 2), ["app.models"]);
    }

    #[test]
    fn package_test_dirs_put_their_parent_on_the_path() {
        let m = map(
            &["tests/__init__.py", "tests/test_a.py", "backend/x.py"],
            &["backend"],
        );
        assert_eq!(names(&m, 1), ["tests.test_a"]);
        // /p is on the path for the tests, so backend/x.py has its long name there too.
        assert_eq!(names(&m, 2), ["x", "backend.x"]);
    }

    #[test]
    fn standard_library_names_only_where_python_searches_first() {
        // app/jobs/ has no __init__.py and holds a test module: pytest puts it on sys.path,
        // after the standard library's `email` was found, and `time` is built in.
        let m = map(
            &[
                "app/jobs/test_jobs.py",
                "app/jobs/email/message.py",
                "app/jobs/time.py",
                "app/jobs/schedule.py",
                "email.py",
                "time.py",
            ],
            &[""],
        );
        assert_eq!(names(&m, 1), ["app.jobs.email.message"]);
        assert_eq!(names(&m, 2), ["app.jobs.time"]);
        assert_eq!(names(&m, 3), ["schedule", "app.jobs.schedule"]);
        // The project's own folder comes first on sys.path: its `email.py` does shadow, its
        // `time.py` never.
        assert_eq!(names(&m, 4), ["email"]);
        assert!(names(&m, 5).is_empty());
        assert_eq!(m.resolve("email.message", None), None);
    }

    #[test]
    fn a_folder_both_package_and_root_gives_a_file_two_names() {
        let m = map(
            &[
                "svc/__init__.py",
                "svc/billing/__init__.py",
                "svc/billing/models.py",
                "app/models.py",
            ],
            &["", "svc"],
        );
        assert_eq!(
            m.package_root_names(2),
            Some(("billing.models", "svc.billing.models"))
        );
        assert_eq!(m.package_root_names(3), None);
        let src = map(&["src/pkg/__init__.py", "src/pkg/models.py"], &["", "src"]);
        assert_eq!(src.package_root_names(1), None, "src/ is no package");
    }

    #[test]
    fn invalid_identifiers_give_no_name() {
        let m = map(&["my-scripts/run.py", "app/v2.0/x.py"], &[""]);
        assert!(names(&m, 0).is_empty());
        assert!(names(&m, 1).is_empty());
    }

    #[test]
    fn relative_names_follow_the_importer_name() {
        assert_eq!(
            ModuleMap::relative_name("a.b.c", false, 1, Some("d")).as_deref(),
            Some("a.b.d")
        );
        assert_eq!(
            ModuleMap::relative_name("a.b", true, 1, Some("d")).as_deref(),
            Some("a.b.d")
        );
        assert_eq!(
            ModuleMap::relative_name("a.b.c", false, 2, None).as_deref(),
            Some("a")
        );
        assert_eq!(ModuleMap::relative_name("a", false, 2, Some("x")), None);
    }

    #[test]
    fn relative_files_follow_directories() {
        let m = map(
            &[
                "pkg/__init__.py",
                "pkg/a/__init__.py",
                "pkg/a/m.py",
                "pkg/b.py",
            ],
            &[""],
        );
        assert_eq!(m.resolve_relative(2, 2, Some("b")), Some(3));
        assert_eq!(m.resolve_relative(2, 1, None), Some(1));
        assert_eq!(m.resolve_relative(2, 2, None), Some(0));
        assert_eq!(m.resolve_relative(2, 1, Some("nope")), None);
    }

    #[test]
    fn import_statements_load_their_modules_packages_and_submodules() {
        let m = map(
            &[
                "app/__init__.py",
                "app/models/__init__.py",
                "app/models/user.py",
                "app/services.py",
            ],
            &[""],
        );
        let text = "import app.models.user\n\
                    from app.models import user, User\n\
                    from .models import user as u\n\
                    from . import services\n\
                    import sqlalchemy\n";
        let parsed = crate::python::parse(text).ok().unwrap();
        let facts = crate::index::extract::extract(parsed.syntax(), text, false);
        let mut loads = Vec::new();
        for (index, site) in facts.imports.iter().enumerate() {
            m.site_loads(3, index, site, &mut loads);
        }
        let seen: Vec<(u32, Option<&str>, u32)> = loads
            .iter()
            .map(|l| (l.site, l.module.map(|id| m.module_name(id)), l.file))
            .collect();
        assert_eq!(
            seen,
            [
                // `import app.models.user` runs the packages first.
                (0, Some("app"), 0),
                (0, Some("app.models"), 1),
                (0, Some("app.models.user"), 2),
                // `from app.models import user, User`: `user` is a submodule, `User` is not.
                (1, Some("app"), 0),
                (1, Some("app.models"), 1),
                (1, Some("app.models.user"), 2),
                // Relative imports follow directories and carry no name.
                (2, None, 1),
                (2, None, 2),
                // `from . import services` from app/services.py loads the package and itself.
                (3, None, 0),
                (3, None, 3),
            ]
        );
    }

    #[test]
    fn a_package_shadows_the_module_of_its_name() {
        // FileFinder looks for `models/__init__.py` before `models.py`.
        let m = map(
            &[
                "app/__init__.py",
                "app/main.py",
                "app/models.py",
                "app/models/__init__.py",
                "app/models/user.py",
            ],
            &[""],
        );
        assert!(names(&m, 2).is_empty());
        assert_eq!(
            m.shadowed(2),
            Some(&Shadow::ByPackage(PathBuf::from("/p/app/models")))
        );
        assert_eq!(m.resolve("app.models", None), Some(3));
        assert_eq!(m.resolve_relative(1, 1, Some("models")), Some(3));
        assert_eq!(m.resolve_relative(1, 1, Some("models.user")), Some(4));
        assert_eq!(m.shadowed(3), None);
    }

    #[test]
    fn a_module_shadows_a_namespace_folder_of_its_name() {
        // Without `__init__.py`, `services/` would be a namespace package, which FileFinder
        // takes only when there is no `services.py`: nothing below it can be imported.
        let m = map(
            &[
                "app/__init__.py",
                "app/services.py",
                "app/services/billing.py",
                "app/jobs/run.py",
            ],
            &[""],
        );
        assert_eq!(names(&m, 1), ["app.services"]);
        assert!(names(&m, 2).is_empty());
        assert_eq!(
            m.shadowed(2),
            Some(&Shadow::ByModule(PathBuf::from("/p/app/services.py")))
        );
        assert_eq!(m.resolve("app.services.billing", None), None);
        // A namespace folder nothing shadows is importable.
        assert_eq!(names(&m, 3), ["app.jobs.run"]);
        // Under a root inside the folder, the module above it takes no name.
        let inner = map(
            &["app/services.py", "app/services/billing.py"],
            &["", "app/services"],
        );
        assert_eq!(names(&inner, 1), ["billing"]);
        assert_eq!(inner.shadowed(1), None);
    }

    #[test]
    fn the_importer_root_wins_when_a_name_is_taken_twice() {
        let m = map(
            &["svc_a/models.py", "svc_b/models.py", "svc_b/app.py"],
            &["svc_a", "svc_b"],
        );
        assert_eq!(m.resolve("models", Some(2)), Some(1));
    }
}
