//! The project index: every Python file read, decoded and parsed in parallel, its facts, the
//! module map, and the models (bases, metadata, table definitions) resolved across files.

pub mod extract;
pub mod facts;
pub mod models;
pub mod module_map;
pub mod removal;
pub mod resolve;
pub mod roots;
pub mod stdlib;
pub mod table_name;

mod read;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::paths::display_path;
use crate::progress::Progress;
use crate::pyproject::{ConfigError, ExcludeOverrides, ProjectSettings};
use crate::source::{FileEncoding, LineIndex};
use facts::FileFacts;
use models::Models;
use module_map::{FileId, Load, ModuleMap};
use read::{may_hold_models, read_source};

pub struct SourceFile {
    pub path: PathBuf,
    /// The path as shown in reports: relative to the working directory, `/`-separated.
    pub display: String,
    pub text: String,
    pub encoding: FileEncoding,
    /// The file's lines end with a lone `\r`, which `text` holds as `\n` (`source::decode`).
    pub cr_endings: bool,
    /// Some lines end with a lone `\r` and others with `\n` (`source::decode`).
    pub bare_cr: bool,
    /// Built on first use: only files with something to report need line numbers.
    pub lines: OnceLock<LineIndex>,
    pub facts: FileFacts,
    /// The project files each import statement loads, in statement order.
    pub loads: Vec<Load>,
    pub in_tests: bool,
    /// Set when the file could not be read, decoded or parsed; its facts are then empty.
    pub parsed: bool,
    /// Not parsed, and it may define or import models (it mentions SQLAlchemy, a table, a
    /// column; or it could not be read at all): what the index could not see.
    pub hides_models: bool,
    /// The file's size, time and identity when it was read: `apply` checks that no file the
    /// plan was made from changed since.
    pub stamp: Option<Stamp>,
}

/// What tells that a file changed since it was read, without reading it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
}

impl Stamp {
    pub fn of(metadata: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            #[cfg(unix)]
            inode: (metadata.dev(), metadata.ino()),
        }
    }
}

impl SourceFile {
    /// The project files that import statement `site` loads (`ModuleMap::site_loads`).
    pub fn site_loads(&self, site: usize) -> &[Load] {
        let site = site as u32;
        let start = self.loads.partition_point(|l| l.site < site);
        let end = self.loads.partition_point(|l| l.site <= site);
        &self.loads[start..end]
    }

    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        self.lines
            .get_or_init(|| LineIndex::new(&self.text))
            .line_col(&self.text, offset)
    }
}

/// A problem with one file that does not stop the run.
#[derive(Debug, Clone)]
pub struct Warning {
    pub path: String,
    pub line: u32,
    pub message: String,
}

/// What one run indexes: the index's settings.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Absolute paths to scan.
    pub paths: Vec<PathBuf>,
    /// Paths in the report are relative to this directory.
    pub cwd: PathBuf,
    /// Counts the files parsed, for the binary's progress line.
    pub progress: Option<Arc<Progress>>,
    /// `--exclude`, `--extend-exclude`, `--force-exclude`.
    pub exclude: ExcludeOverrides,
}

impl Scope {
    /// A scan of `paths` (absolute), shown relative to `cwd`, without a progress line.
    pub fn new(paths: Vec<PathBuf>, cwd: PathBuf) -> Scope {
        Scope {
            paths,
            cwd,
            progress: None,
            exclude: ExcludeOverrides::default(),
        }
    }
}

pub struct Index {
    pub files: Vec<SourceFile>,
    pub module_map: ModuleMap,
    pub models: Models,
    pub warnings: Vec<Warning>,
    /// Directories whose pyproject.toml / setup.cfg / ... make them projects, deepest first.
    pub project_dirs: Vec<PathBuf>,
    pub settings: Vec<(PathBuf, ProjectSettings)>,
    /// The files before this index are the project's; those from it on are in migration folders,
    /// read only for what they define on the live bases.
    pub live_files: usize,
    /// Tables defined in migration folders (model snapshots, per-migration bases): never
    /// findings, but a band-aid flag on a live table they define again must stay.
    pub aside_tables: Vec<models::TableDef>,
    /// What the walk found for the Rust front-end (`crate::rust`), which indexes it apart.
    pub rust_sources: Vec<PathBuf>,
    /// The `.py` files found as symbolic links (a file in a linked folder is none).
    pub symlinks: std::collections::HashSet<PathBuf>,
}

impl Index {
    pub fn build(scope: &Scope) -> Result<Index, ConfigError> {
        // Whole-program: each path's whole project is indexed; the paths choose what is reported.
        let mut scan_roots: Vec<PathBuf> = scope
            .paths
            .iter()
            .map(|p| roots::scan_root(p, &scope.cwd))
            .collect();
        scan_roots.sort();
        scan_roots.dedup();
        // A project inside another scanned one is walked with it.
        let nested: Vec<PathBuf> = scan_roots
            .iter()
            .filter(|r| scan_roots.iter().any(|o| o != *r && r.starts_with(o)))
            .cloned()
            .collect();
        scan_roots.retain(|r| !nested.contains(r));
        // Settings of the projects the scan covers decide what is excluded.
        let mut settings = Vec::new();
        for dir in &scan_roots {
            settings.push((dir.clone(), ProjectSettings::load(dir)?));
        }
        let mut files = Vec::new();
        let mut aside = Vec::new();
        let mut project_dirs = scan_roots.clone();
        let mut rust_sources = Vec::new();
        let mut symlinks = Vec::new();
        let mut warnings = Vec::new();
        for (dir, project) in &settings {
            let exclude = project.exclude_set(dir, &scope.exclude)?;
            // The paths themselves too, for one in a folder the walk of its project skips.
            let mut paths = vec![dir.clone()];
            paths.extend(
                scope
                    .paths
                    .iter()
                    .filter(|p| p.starts_with(dir) && *p != dir)
                    .cloned(),
            );
            let walked = crate::walk::walk(&paths, &exclude, dir);
            files.extend(walked.files);
            aside.extend(walked.aside);
            rust_sources.extend(walked.rust);
            symlinks.extend(walked.symlinks);
            project_dirs.extend(walked.project_dirs);
            for (path, message) in walked.errors {
                warnings.push(Warning {
                    path: display_path(&path, &scope.cwd),
                    line: 0,
                    message,
                });
            }
        }
        files.sort();
        files.dedup();
        // As ruff's "No Python files found": a PATH with nothing to read is said, never a
        // silent "no findings".
        for path in &scope.paths {
            let under = |p: &PathBuf| p.starts_with(path);
            if !files.iter().chain(&aside).chain(&rust_sources).any(under) {
                warnings.push(Warning {
                    path: display_path(path, &scope.cwd),
                    line: 0,
                    message: "no Python or Rust files found under it".into(),
                });
            }
        }
        let aliases = crate::walk::real_files(&mut files, &symlinks);
        // Migration folders are read aside: after the project's files, never reported on.
        aside.sort();
        aside.dedup();
        aside.retain(|p| files.binary_search(p).is_err());
        let live_files = files.len();
        files.extend(aside);
        rust_sources.sort();
        rust_sources.dedup();
        project_dirs.sort();
        project_dirs.dedup();
        // The configuration of a project inside the scan applies to it (its `pythonpath`), but
        // one that cannot be read must not stop the run: it may be a template or vendored.
        for dir in &project_dirs {
            if settings.iter().any(|(d, _)| d == dir) {
                continue;
            }
            match ProjectSettings::load(dir) {
                Ok(project) => settings.push((dir.clone(), project)),
                Err(err) => {
                    let why = match err {
                        ConfigError::Toml { message, .. } => format!("not valid TOML ({message})"),
                        other => other.to_string(),
                    };
                    warnings.push(Warning {
                        path: display_path(&dir.join("pyproject.toml"), &scope.cwd),
                        line: 0,
                        message: format!("{why}; the settings of this project are ignored"),
                    });
                }
            }
        }

        // The module map needs only the paths: built first, it resolves each file's imports
        // while the file's facts are fresh.
        let declared = roots::declared(&settings);
        let mut module_map = ModuleMap::new(files, declared.clone());
        module_map.add_aliases(&aliases);
        if let Some(progress) = &scope.progress {
            progress.start(module_map.file_count());
        }
        let sources: Vec<(SourceFile, Option<Warning>, Vec<Box<str>>)> =
            crate::python::on_parse_stack(|| {
                (0..module_map.file_count())
                    .into_par_iter()
                    .map(|file| {
                        let source = read_source(file, &module_map, &scope.cwd);
                        if let Some(progress) = &scope.progress {
                            progress.parsed_one();
                        }
                        source
                    })
                    .collect()
            });
        let mut index_files = Vec::with_capacity(sources.len());
        let mut unresolved = Vec::new();
        for (file, (source, warning, names)) in sources.into_iter().enumerate() {
            if file < live_files {
                warnings.extend(warning);
                unresolved.extend(names.into_iter().map(|n| (file, n)));
            }
            index_files.push(source);
        }
        // A project in a subfolder that nothing configures: its imports say where its root is.
        let loaded = index_files
            .iter()
            .flat_map(|f| f.loads.iter())
            .filter(|load| load.module.is_some())
            .map(|load| load.file as FileId)
            .collect();
        let inferred = roots::infer(&module_map, &unresolved, &loaded, &scan_roots);
        if !inferred.is_empty() {
            let paths = index_files.iter().map(|f| f.path.clone()).collect();
            let more = inferred.iter().map(|dir| module_map::Root {
                dir: dir.clone(),
                kind: module_map::RootKind::Inferred,
            });
            module_map = ModuleMap::new(paths, declared.into_iter().chain(more).collect());
            module_map.add_aliases(&aliases);
            index_files
                .par_iter_mut()
                .enumerate()
                .for_each(|(id, file)| {
                    file.loads.clear();
                    for (index, site) in file.facts.imports.iter().enumerate() {
                        module_map.site_loads(id, index, site, &mut file.loads);
                    }
                });
            // Each is a project of its own (its test suite runs from there), unless a package.
            project_dirs.extend(
                inferred
                    .into_iter()
                    .filter(|dir| !dir.join("__init__.py").is_file()),
            );
            project_dirs.sort();
            project_dirs.dedup();
        }
        project_dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        // A file that no import reaches runs nothing: what it defines is no definition of the
        // project's tables, and the fix neither keeps nor merges from it.
        for (file, source) in index_files.iter_mut().enumerate() {
            let Some(shadow) = module_map.shadowed(file) else {
                continue;
            };
            // Said where it may matter: a file that mentions what models are made of.
            if file < live_files && (source.hides_models || may_hold_models(source.text.as_bytes()))
            {
                warnings.push(Warning {
                    path: source.display.clone(),
                    line: 0,
                    message: never_imported(source, shadow, &module_map, &scope.cwd),
                });
            }
            source.facts = FileFacts::default();
            source.loads.clear();
            source.hides_models = false;
        }
        let mut models = Models::resolve(&index_files, &module_map);
        let (live, aside_tables) = std::mem::take(&mut models.tables)
            .into_iter()
            .partition(|t| t.file < live_files);
        models.tables = live;
        models.mapped.retain(|m| m.file < live_files);
        models.create_alls.retain(|c| c.file < live_files);
        models.not_understood.retain(|n| n.file < live_files);
        models.note_unknown_schemas(&index_files);
        let mut not_understood: Vec<&models::NotUnderstood> =
            models.not_understood.iter().collect();
        not_understood.sort_by_key(|n| (n.file, n.offset));
        for n in not_understood {
            let file = &index_files[n.file];
            warnings.push(Warning {
                path: file.display.clone(),
                line: file.line_col(n.offset).0,
                message: format!("model-like `{}` not understood: {}", n.symbol, n.reason),
            });
        }
        Ok(Index {
            files: index_files,
            module_map,
            models,
            warnings,
            project_dirs,
            settings,
            live_files,
            aside_tables,
            rust_sources,
            symlinks: symlinks.into_iter().collect(),
        })
    }

    /// The deepest project directory holding `file`.
    pub fn project_of(&self, file: FileId) -> Option<&Path> {
        let path = self.module_map.path(file);
        self.project_dirs
            .iter()
            .find(|d| path.starts_with(d))
            .map(PathBuf::as_path)
    }

    /// The other project files that import statement `site` of `file` loads.
    pub fn files_loaded_by(&self, file: FileId, site: usize) -> impl Iterator<Item = FileId> + '_ {
        self.files[file]
            .site_loads(site)
            .iter()
            .map(|load| load.file as FileId)
            .filter(move |&loaded| loaded != file)
    }

    /// The other project files that `file` loads as it is imported: its module-level import
    /// statements, outside functions and `TYPE_CHECKING` blocks.
    pub fn files_loaded_at_import(&self, file: FileId) -> impl Iterator<Item = FileId> + '_ {
        self.files[file]
            .facts
            .imports
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.in_function && !s.type_checking)
            .flat_map(move |(site, _)| self.files_loaded_by(file, site))
    }

    /// Files read but not decoded or parsed.
    pub fn skipped_files(&self) -> usize {
        self.files[..self.live_files]
            .iter()
            .filter(|f| !f.parsed && f.stamp.is_some())
            .count()
    }

    /// Files that could not be read (a read sets the stamp).
    pub fn unreadable_files(&self) -> usize {
        self.files[..self.live_files]
            .iter()
            .filter(|f| f.stamp.is_none())
            .count()
    }

    /// Whether a file is in a migration folder, read aside.
    pub fn is_aside(&self, file: FileId) -> bool {
        file >= self.live_files
    }

    /// Every file, migration folders read aside included, that could not be read or parsed and
    /// may define models: what the index cannot vouch for (a table defined only there).
    pub fn unseen_model_files_anywhere(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().filter(|f| f.hides_models)
    }

    /// Files that could not be read or parsed and may define or import models.
    pub fn unseen_model_files(&self) -> usize {
        self.files[..self.live_files]
            .iter()
            .filter(|f| f.hides_models)
            .count()
    }
}

/// Why a file is never imported, and what that leaves out, for the warning on its path:
/// `never imported: the package app/models/ shadows it (`import app.models` runs
/// app/models/__init__.py); ...`.
fn never_imported(
    source: &SourceFile,
    shadow: &module_map::Shadow,
    map: &ModuleMap,
    cwd: &Path,
) -> String {
    let why = match shadow {
        module_map::Shadow::ByPackage(dir) => {
            let init = dir.join("__init__.py");
            let name = map
                .file_at(&init)
                .and_then(|f| map.names(f).first())
                .map(|n| format!("`import {}` runs ", n.name))
                .unwrap_or_else(|| "Python imports ".into());
            format!(
                "the package {}/ shadows it ({name}{})",
                display_path(dir, cwd),
                display_path(&init, cwd)
            )
        }
        module_map::Shadow::ByModule(module) => {
            let module = display_path(module, cwd);
            let folder = module.strip_suffix(".py").unwrap_or(&module);
            format!(
                "the module {module} shadows the folder {folder}/ above it, which has no __init__.py, and a module has no submodules"
            )
        }
    };
    let models: Vec<String> = source
        .facts
        .classes
        .iter()
        .filter(|c| c.looks_like_model)
        .map(|c| format!("`{}`", c.name))
        .chain(
            source
                .facts
                .tables
                .iter()
                .map(|t| format!("`Table(\"{}\")`", t.name)),
        )
        .collect();
    let left = match models.as_slice() {
        [] => String::new(),
        [one] => format!("; its model {one} never runs, so it is no definition of its table, and the fix neither re-exports it nor merges its columns: delete the file, or move what is still needed into the package"),
        _ => format!("; its models {} never run, so they are no definitions of their tables, and the fix neither re-exports them nor merges their columns: delete the file, or move what is still needed into the package", models.join(", ")),
    };
    format!("never imported: {why}{left}")
}
