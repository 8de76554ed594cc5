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
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::config::{display_path, normalize, project_root, Config, ConfigError, ProjectSettings};
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

pub struct Index {
    pub files: Vec<SourceFile>,
    pub module_map: ModuleMap,
    pub models: Models,
    pub warnings: Vec<Warning>,
    /// Directories whose pyproject.toml / setup.cfg / ... make them projects, deepest first.
    pub project_dirs: Vec<PathBuf>,
    pub settings: Vec<(PathBuf, ProjectSettings)>,
}

impl Index {
    pub fn build(config: &Config) -> Result<Index, ConfigError> {
        let mut project_dirs: Vec<PathBuf> = config.paths.iter().map(|p| project_root(p)).collect();
        project_dirs.sort();
        project_dirs.dedup();
        // Settings of the projects named on the command line decide what is excluded.
        let mut settings = Vec::new();
        for dir in &project_dirs {
            settings.push((dir.clone(), ProjectSettings::load(dir)?));
        }
        let mut files = Vec::new();
        let mut warnings = Vec::new();
        for (dir, project) in &settings {
            let exclude = project.exclude_set(dir)?;
            let paths: Vec<PathBuf> = config
                .paths
                .iter()
                .filter(|p| p.starts_with(dir))
                .cloned()
                .collect();
            let walked = crate::walk::walk(&paths, &exclude, dir);
            files.extend(walked.files);
            project_dirs.extend(walked.project_dirs);
            for (path, message) in walked.errors {
                warnings.push(Warning {
                    path: display_path(&path, &config.cwd),
                    line: 0,
                    message,
                });
            }
        }
        files.sort();
        files.dedup();
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
        if let Some(progress) = &config.progress {
            progress.start(module_map.file_count());
        }
        let sources: Vec<(SourceFile, Option<Warning>)> = (0..module_map.file_count())
            .into_par_iter()
            .map(|file| {
                let source = read_source(file, &module_map, &config.cwd);
                if let Some(progress) = &config.progress {
                    progress.parsed_one();
                }
                source
            })
            .collect();
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
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            let message = format!("cannot read: {}", err.to_string().to_lowercase());
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
            file.facts = extract::extract(module.syntax(), &file.text, in_tests);
            for (index, site) in file.facts.imports.iter().enumerate() {
                map.site_loads(file_id, index, site, &mut file.loads);
            }
            file.loads.shrink_to_fit();
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
