//! The project index: every Python file read, decoded and parsed in parallel, its facts, the
//! module map, and the models (bases, metadata, table definitions) resolved across files.

pub mod extract;
pub mod facts;
pub mod models;
pub mod module_map;
pub mod removal;
pub mod resolve;
pub mod table_name;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::paths::{display_path, normalize, project_root};
use crate::progress::Progress;
use crate::pyproject::{ConfigError, ProjectSettings};
use crate::source::{decode, FileEncoding, LineIndex};
use facts::FileFacts;
use models::Models;
use module_map::{is_test_path, FileId, Load, ModuleMap};

pub struct SourceFile {
    pub path: PathBuf,
    /// The path as shown in reports: relative to the working directory, `/`-separated.
    pub display: String,
    pub text: String,
    pub encoding: FileEncoding,
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
}

impl Scope {
    /// A scan of `paths` (absolute), shown relative to `cwd`, without a progress line.
    pub fn new(paths: Vec<PathBuf>, cwd: PathBuf) -> Scope {
        Scope {
            paths,
            cwd,
            progress: None,
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
    /// What the walk found for the Rust front-end (`crate::rust`), which indexes it apart.
    pub rust_sources: Vec<PathBuf>,
}

impl Index {
    pub fn build(scope: &Scope) -> Result<Index, ConfigError> {
        let mut project_dirs: Vec<PathBuf> = scope.paths.iter().map(|p| project_root(p)).collect();
        project_dirs.sort();
        project_dirs.dedup();
        // Settings of the projects named on the command line decide what is excluded.
        let mut settings = Vec::new();
        for dir in &project_dirs {
            settings.push((dir.clone(), ProjectSettings::load(dir)?));
        }
        let mut files = Vec::new();
        let mut rust_sources = Vec::new();
        let mut warnings = Vec::new();
        for (dir, project) in &settings {
            let exclude = project.exclude_set(dir)?;
            let paths: Vec<PathBuf> = scope
                .paths
                .iter()
                .filter(|p| p.starts_with(dir))
                .cloned()
                .collect();
            let walked = crate::walk::walk(&paths, &exclude, dir);
            files.extend(walked.files);
            rust_sources.extend(walked.rust);
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
        rust_sources.sort();
        rust_sources.dedup();
        project_dirs.sort();
        project_dirs.dedup();
        for dir in &project_dirs {
            if !settings.iter().any(|(d, _)| d == dir) {
                settings.push((dir.clone(), ProjectSettings::load(dir)?));
            }
        }
        project_dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));

        let mut roots: Vec<PathBuf> = Vec::new();
        for (dir, project) in &settings {
            roots.push(dir.clone());
            if dir.join("src").is_dir() {
                roots.push(dir.join("src"));
            }
            roots.extend(project.roots.iter().cloned());
        }
        let roots = roots.into_iter().map(|r| normalize(&r)).collect();

        // The module map needs only the paths: built first, it resolves each file's imports
        // while the file's facts are fresh.
        let module_map = ModuleMap::new(files, roots);
        if let Some(progress) = &scope.progress {
            progress.start(module_map.file_count());
        }
        let sources: Vec<(SourceFile, Option<Warning>)> = crate::python::on_parse_stack(|| {
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
        for (source, warning) in sources {
            if let Some(w) = warning {
                warnings.push(w);
            }
            index_files.push(source);
        }
        let models = Models::resolve(&index_files, &module_map);
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
            rust_sources,
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

    pub fn skipped_files(&self) -> usize {
        self.files.iter().filter(|f| !f.parsed).count()
    }

    /// Files that could not be read or parsed and may define or import models.
    pub fn unseen_model_files(&self) -> usize {
        self.files.iter().filter(|f| f.hides_models).count()
    }
}

fn read_source(file_id: FileId, map: &ModuleMap, cwd: &Path) -> (SourceFile, Option<Warning>) {
    let path = map.path(file_id);
    let display = display_path(path, cwd);
    let in_tests = is_test_path(path.strip_prefix(cwd).unwrap_or(path));
    let mut file = SourceFile {
        path: path.to_path_buf(),
        display: display.clone(),
        text: String::new(),
        encoding: FileEncoding::Utf8 { bom: false },
        lines: OnceLock::new(),
        facts: FileFacts::default(),
        loads: Vec::new(),
        in_tests,
        parsed: false,
        hides_models: true,
        stamp: None,
    };
    let bytes = match read_bounded(path) {
        Ok((bytes, stamp)) => {
            file.stamp = Some(stamp);
            bytes
        }
        Err(message) => {
            return (
                file,
                Some(Warning {
                    path: display,
                    line: 0,
                    message,
                }),
            );
        }
    };
    file.hides_models = may_hold_models(&bytes);
    let decoded = match decode(bytes) {
        Ok(decoded) => decoded,
        Err(message) => {
            return (
                file,
                Some(Warning {
                    path: display,
                    line: 1,
                    message: format!("skipped: the file {message}"),
                }),
            )
        }
    };
    file.text = decoded.text;
    file.encoding = decoded.encoding;
    match crate::python::parse(&file.text) {
        Ok(module) => {
            // A bug in the extraction is a warning on this file, not the end of the scan.
            let extracted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let facts = extract::extract(module.syntax(), &file.text, in_tests);
                drop(module);
                let mut loads = Vec::new();
                for (index, site) in facts.imports.iter().enumerate() {
                    map.site_loads(file_id, index, site, &mut loads);
                }
                (facts, loads)
            }));
            let Ok((facts, mut loads)) = extracted else {
                let warning = Warning {
                    path: display,
                    line: 0,
                    message: "skipped: reading its models failed (a bug in dedupe-models: please report it with this file)".into(),
                };
                return (file, Some(warning));
            };
            loads.shrink_to_fit();
            file.facts = facts;
            file.loads = loads;
            file.parsed = true;
            file.hides_models = false;
            (file, None)
        }
        Err(err) => {
            let (line, _) = file.line_col(err.offset);
            let warning = Warning {
                path: display,
                line,
                message: format!("could not parse: {}", err.message),
            };
            (file, Some(warning))
        }
    }
}

/// Whether the bytes of a file the parser could not read mention what models are made of.
fn may_hold_models(bytes: &[u8]) -> bool {
    const MARKS: &[&[u8]] = &[
        b"sqlalchemy",
        b"sqlmodel",
        b"__tablename__",
        b"__table__",
        b"Column(",
        b"mapped_column(",
        b"Table(",
        b"declarative_base",
    ];
    MARKS
        .iter()
        .any(|mark| bytes.windows(mark.len()).any(|w| w == *mark))
}

/// A file's bytes, unless it cannot be read or is too large for the parser: checked before
/// reading, so that a 4 GiB file is neither read into memory nor handed to a parser that panics
/// on it.
fn read_bounded(path: &Path) -> Result<(Vec<u8>, Stamp), String> {
    use std::io::Read;
    let cannot_read =
        |err: std::io::Error| format!("cannot read: {}", err.to_string().to_lowercase());
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    let metadata = file.metadata().map_err(cannot_read)?;
    let len = metadata.len();
    let max = crate::python::MAX_FILE_SIZE;
    if len > max {
        return Err(format!(
            "skipped: the file {}",
            crate::python::too_large(len)
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // One byte over the limit is enough to know the file grew past it since.
    let read = file.take(max + 1).read_to_end(&mut bytes);
    read.map_err(cannot_read)?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "skipped: the file {}",
            crate::python::too_large(bytes.len() as u64)
        ));
    }
    Ok((bytes, Stamp::of(&metadata)))
}
