//! The Rust front-end: Cargo packages and their module trees, `use` paths, Diesel `table!`
//! blocks and SeaORM entities, read with rust-analyzer's parser. It is a sibling of the Python
//! index, not part of it: it runs only when the walk found `.rs` files, and hands the shared
//! report, diff and apply its findings and file rewrites.

pub mod analyze;
mod crates;
pub mod facts;
pub mod manifest;
mod offers;
pub mod plan;
pub mod resolve;
mod run;
mod syntax;
mod table_macro;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::index::Warning;
use crate::paths::display_path;
use crate::source::LineIndex;
use facts::{Column, FileFacts};
use manifest::{Package, TargetKind};

pub use offers::Offer;
pub use run::{index, run, RustFix, RustRun};

pub type FileId = usize;
pub type TableId = usize;

/// A module: the crate (an index into `RustIndex::targets`) and its path below the crate root.
pub type ModPath = (usize, Vec<String>);

pub struct RustFile {
    pub path: PathBuf,
    pub display: String,
    pub text: String,
    pub facts: FileFacts,
    /// The modules this file is, one per crate that compiles it (usually one).
    pub modules: Vec<ModPath>,
    pub in_tests: bool,
    /// A migration (`mYYYYMMDD_HHMMSS_*.rs`, or under `migration/` or `migrations/`): the
    /// entities it declares are snapshots of tables at that migration, never duplicates.
    pub in_migrations: bool,
    pub parsed: bool,
    lines: std::sync::OnceLock<LineIndex>,
}

impl RustFile {
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        self.lines
            .get_or_init(|| LineIndex::new(&self.text))
            .line_col(&self.text, offset)
    }
}

/// A crate: one target of a package.
pub struct Crate {
    pub package: usize,
    pub root: FileId,
    pub lib: bool,
    pub kind: TargetKind,
}

/// One crate a definition is compiled into, as a module of it.
#[derive(Debug, Clone, Copy)]
pub struct Home {
    pub krate: usize,
    /// Under a `#[cfg(...)]` module: only in some builds of this crate, so not counted as
    /// compiled into the crates that depend on it.
    pub conditional: bool,
    /// In test code only: an integration test or bench crate, a `#[cfg(test)]` module, or a
    /// module behind a feature only test builds turn on (`RustIndex::dev_only_features`).
    pub test: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Orm {
    Diesel,
    SeaOrm,
}

/// One definition of an SQL table.
pub struct TableDef {
    pub orm: Orm,
    pub file: FileId,
    /// Index into the file's `facts.tables` (Diesel) or `facts.entities` (SeaORM).
    pub fact: usize,
    pub name: String,
    pub schema: Option<String>,
    /// The Rust module the definition is: `schema::users` for a `table!`, the entity module
    /// for SeaORM.
    pub module: Option<ModPath>,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// `joinable!` entries naming it, or the variants of its SeaORM `Relation` enum.
    pub relations: Vec<String>,
    /// `print-schema` output (diesel.toml) or a `sea-orm-codegen` file.
    pub generated: bool,
    /// Every crate that compiles the definition: a file that several crates declare with
    /// `mod` (`tests/common/mod.rs`) has a home in each.
    pub homes: Vec<Home>,
    pub offset: u32,
}

impl TableDef {
    /// Whether only test code compiles it: in every crate it is a module of, it is test code
    /// (see `Home::test`).
    pub fn test_only(&self) -> bool {
        !self.homes.is_empty() && self.homes.iter().all(|h| h.test)
    }
}

pub struct RustIndex {
    pub files: Vec<RustFile>,
    pub packages: Vec<Package>,
    pub crates: Vec<Crate>,
    pub tables: Vec<TableDef>,
    /// Where each module is: its file and the inline modules inside it.
    pub modules: HashMap<ModPath, (FileId, Vec<String>)>,
    pub warnings: Vec<Warning>,
    /// Modules declared `#[cfg(...)] mod`.
    pub test_modules: std::collections::HashSet<ModPath>,
    /// Modules declared `#[cfg(test)] mod`, or behind a feature only test builds turn on.
    pub cfg_test_modules: std::collections::HashSet<ModPath>,
    /// Directories whose Cargo.toml has a `[workspace]` table.
    pub workspaces: Vec<PathBuf>,
    /// Paths in reports are relative to it.
    pub cwd: PathBuf,
    file_ids: HashMap<PathBuf, FileId>,
}

/// Directories that hold no source of the project's own.
const SKIPPED: &[&str] = &["target", "vendor"];

impl RustIndex {
    /// Indexes the `.rs` files and Cargo manifests the walk found.
    pub fn build(sources: &[PathBuf], cwd: &Path) -> RustIndex {
        let skipped = |p: &Path| {
            p.strip_prefix(cwd)
                .unwrap_or(p)
                .components()
                .any(|c| SKIPPED.contains(&c.as_os_str().to_string_lossy().as_ref()))
        };
        let rs: Vec<&PathBuf> = sources
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs") && !skipped(p))
            .collect();
        let mut warnings = Vec::new();
        let mut files: Vec<RustFile> = rs
            .par_iter()
            .map(|path| read(path, cwd))
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(file, warning)| {
                warnings.extend(warning);
                file
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let file_ids: HashMap<PathBuf, FileId> = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.clone(), i))
            .collect();

        let mut packages = Vec::new();
        let mut workspaces = Vec::new();
        let mut print_schema = Vec::new();
        for path in sources.iter().filter(|p| !skipped(p)) {
            match path.file_name().and_then(|n| n.to_str()) {
                Some("Cargo.toml") => match manifest::read_package(path) {
                    Ok((package, workspace)) => {
                        packages.extend(package);
                        if let Some(deps) = workspace {
                            workspaces.push((
                                crate::paths::normalize(path.parent().unwrap_or(Path::new("."))),
                                deps,
                            ));
                        }
                    }
                    Err(message) => warnings.push(Warning {
                        path: display_path(path, cwd),
                        line: 0,
                        message,
                    }),
                },
                Some("diesel.toml") => print_schema.extend(manifest::print_schema_files(path)),
                _ => {}
            }
        }
        packages.sort_by(|a, b| a.dir.cmp(&b.dir));
        for package in &mut packages {
            package.dir = crate::paths::normalize(&package.dir);
        }
        // Dependencies resolve by path (their own, or the workspace's), never by name alone:
        // a repository of examples holds many packages named `entity`.
        let dirs: HashMap<PathBuf, usize> = packages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.dir.clone(), i))
            .collect();
        for package in &mut packages {
            let root = workspaces
                .iter()
                .filter(|(w, _)| package.dir.starts_with(w))
                .max_by_key(|(w, _)| w.components().count());
            for dep in &mut package.dependencies {
                let path = match (&dep.path, dep.workspace) {
                    (Some(path), _) => Some(path.clone()),
                    (None, true) => root.and_then(|(_, deps)| {
                        deps.iter()
                            .find(|(n, _)| n.replace('-', "_") == dep.name || *n == dep.package)
                            .map(|(_, p)| p.clone())
                    }),
                    (None, false) => None,
                };
                dep.target = path.and_then(|p| dirs.get(&p).copied());
            }
        }
        let workspaces: Vec<PathBuf> = workspaces.into_iter().map(|(w, _)| w).collect();
        let print_schema: Vec<PathBuf> = print_schema
            .iter()
            .map(|p| crate::paths::normalize(p))
            .collect();

        let mut index = RustIndex {
            files,
            packages,
            crates: Vec::new(),
            tables: Vec::new(),
            modules: HashMap::new(),
            warnings,
            workspaces,
            test_modules: Default::default(),
            cfg_test_modules: Default::default(),
            cwd: cwd.to_path_buf(),
            file_ids,
        };
        index.module_trees();
        index.collect_tables(&print_schema);
        index
    }

    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.file_ids.get(path).copied()
    }

    /// Follows `mod` declarations from every crate root.
    fn module_trees(&mut self) {
        for (p, package) in self.packages.iter().enumerate() {
            for target in &package.targets {
                let Some(root) = self.file_ids.get(&crate::paths::normalize(&target.root)) else {
                    continue;
                };
                self.crates.push(Crate {
                    package: p,
                    root: *root,
                    lib: target.lib,
                    kind: target.kind,
                });
            }
        }
        let dev_only: Vec<Vec<String>> = (0..self.packages.len())
            .map(|p| self.dev_only_features(p))
            .collect();
        for c in 0..self.crates.len() {
            let package = self.crates[c].package;
            let mut queue = vec![(self.crates[c].root, Vec::<String>::new(), true)];
            while let Some((file, path, is_mod_rs)) = queue.pop() {
                if self.files[file].modules.iter().any(|(k, _)| *k == c) {
                    continue; // a `#[path]` cycle
                }
                self.files[file].modules.push((c, path.clone()));
                self.modules.insert((c, path.clone()), (file, Vec::new()));
                let here = self.files[file].path.clone();
                let dir = here.parent().unwrap_or(Path::new(".")).to_path_buf();
                let own_dir = if is_mod_rs {
                    dir.clone()
                } else {
                    dir.join(here.file_stem().unwrap_or_default())
                };
                let mut found = Vec::new();
                for decl in &self.files[file].facts.mods {
                    let mut module = path.clone();
                    module.extend(decl.nest.iter().cloned());
                    module.push(decl.name.clone());
                    if decl.cfg {
                        self.test_modules.insert((c, module.clone()));
                    }
                    if decl.test || decl.features.iter().any(|f| dev_only[package].contains(f)) {
                        self.cfg_test_modules.insert((c, module.clone()));
                    }
                    if !decl.outline {
                        let mut nest = decl.nest.clone();
                        nest.push(decl.name.clone());
                        self.modules.insert((c, module), (file, nest));
                        continue;
                    }
                    let base = decl.nest.iter().fold(own_dir.clone(), |d, n| d.join(n));
                    let candidates = match &decl.path_attr {
                        Some(p) if decl.nest.is_empty() => vec![(dir.join(p), true)],
                        Some(p) => vec![(base.join(p), true)],
                        None => vec![
                            (base.join(format!("{}.rs", decl.name)), false),
                            (base.join(&decl.name).join("mod.rs"), true),
                        ],
                    };
                    if let Some((child, mod_rs)) = candidates.into_iter().find_map(|(p, m)| {
                        self.file_ids
                            .get(&crate::paths::normalize(&p))
                            .map(|&f| (f, m))
                    }) {
                        found.push((child, module, mod_rs));
                    }
                }
                queue.extend(found);
            }
        }
    }

    fn collect_tables(&mut self, print_schema: &[PathBuf]) {
        let mut tables = Vec::new();
        for (id, file) in self.files.iter().enumerate() {
            if file.facts.tables.is_empty() && file.facts.entities.is_empty() {
                continue;
            }
            let module = file.modules.first().cloned();
            if module.is_none() {
                self.warnings.push(Warning {
                    path: file.display.clone(),
                    line: 1,
                    message: "holds Diesel tables or SeaORM entities but no crate's module tree reaches it (no `mod` declaration, or no Cargo.toml above it); left out".into(),
                });
                continue;
            }
            let in_module = |nest: &[String]| {
                module.clone().map(|(c, mut path)| {
                    path.extend(nest.iter().cloned());
                    (c, path)
                })
            };
            let generated_file = print_schema.contains(&file.path);
            for (fact, table) in file.facts.tables.iter().enumerate() {
                let relations = file
                    .facts
                    .joinables
                    .iter()
                    .filter(|j| {
                        j.nest == table.nest
                            && (j.child == table.rust_name || j.parent == table.rust_name)
                    })
                    .map(|j| format!("{} -> {} ({})", j.child, j.parent, j.fk))
                    .collect();
                tables.push(TableDef {
                    orm: Orm::Diesel,
                    file: id,
                    fact,
                    name: table.sql_name.clone(),
                    schema: table.schema.clone(),
                    module: in_module(&table.nest).map(|(c, mut p)| {
                        p.push(table.rust_name.clone());
                        (c, p)
                    }),
                    columns: table.columns.clone(),
                    primary_key: table.primary_key.clone(),
                    relations,
                    generated: generated_file,
                    homes: Vec::new(),
                    offset: table.decl.0,
                });
            }
            let codegen = file.text.contains("@generated by sea-orm-codegen");
            for (fact, entity) in file.facts.entities.iter().enumerate() {
                tables.push(TableDef {
                    orm: Orm::SeaOrm,
                    file: id,
                    fact,
                    name: entity.table_name.clone(),
                    schema: entity.schema.clone(),
                    module: in_module(&entity.nest),
                    columns: entity.columns.clone(),
                    primary_key: entity.primary_key.clone(),
                    relations: entity.relations.clone(),
                    generated: codegen,
                    homes: Vec::new(),
                    offset: entity.at.0,
                });
            }
        }
        let under = |set: &std::collections::HashSet<ModPath>, (c, path): &ModPath| {
            (1..=path.len()).any(|len| set.contains(&(*c, path[..len].to_vec())))
        };
        for table in &mut tables {
            let Some(first) = &table.module else { continue };
            // The same module path below each crate root that compiles the file.
            let nest = &first.1[self.files[table.file].modules[0].1.len()..];
            for (c, path) in &self.files[table.file].modules {
                let module = (*c, [&path[..], nest].concat());
                let kind = self.crates[*c].kind;
                table.homes.push(Home {
                    krate: *c,
                    conditional: under(&self.test_modules, &module),
                    test: matches!(kind, TargetKind::Test | TargetKind::Bench)
                        || under(&self.cfg_test_modules, &module),
                });
            }
        }
        self.tables = tables;
    }

    pub fn at(&self, file: FileId, offset: u32) -> String {
        format!(
            "{}:{}",
            self.files[file].display,
            self.files[file].line_col(offset).0
        )
    }

    /// `db::schema::users` for display: the crate's name and the module path.
    pub fn module_name(&self, module: &ModPath) -> String {
        let krate = &self.crates[module.0];
        let head = if krate.lib {
            self.packages[krate.package].lib_name.clone()
        } else {
            "crate".to_owned()
        };
        std::iter::once(head)
            .chain(module.1.iter().cloned())
            .collect::<Vec<_>>()
            .join("::")
    }
}

/// Whether a file is a database migration: under a `migration` (SeaORM's migration crate) or
/// `migrations` folder, or named as `sea-orm-cli migrate generate` names one
/// (`m20220101_000001_create_table.rs`).
fn in_migrations(relative: &Path) -> bool {
    let folder = relative
        .parent()
        .into_iter()
        .flat_map(Path::components)
        .any(|c| matches!(c.as_os_str().to_str(), Some("migration" | "migrations")));
    let stem = relative
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        stem.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let named = stem.first() == Some(&b'm')
        && digits(1..9)
        && stem.get(9) == Some(&b'_')
        && digits(10..16)
        && stem.get(16) == Some(&b'_');
    folder || named
}

fn read(path: &Path, cwd: &Path) -> (RustFile, Option<Warning>) {
    let display = display_path(path, cwd);
    let relative = path.strip_prefix(cwd).unwrap_or(path);
    let in_tests = relative.components().any(|c| {
        matches!(
            c.as_os_str().to_str(),
            Some("tests" | "examples" | "benches" | "test")
        )
    });
    let mut file = RustFile {
        path: crate::paths::normalize(path),
        display: display.clone(),
        text: String::new(),
        facts: FileFacts::default(),
        modules: Vec::new(),
        in_tests,
        in_migrations: in_migrations(relative),
        parsed: false,
        lines: Default::default(),
    };
    let text = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            let warning = Warning {
                path: display,
                line: 1,
                message: "skipped: the file is not valid UTF-8".into(),
            };
            return (file, Some(warning));
        }
        Err(err) => {
            let warning = Warning {
                path: display,
                line: 0,
                message: format!("cannot read: {}", err.to_string().to_lowercase()),
            };
            return (file, Some(warning));
        }
    };
    file.text = text;
    // rust-analyzer's parser always gives a tree; an error inside a file is reported, and the
    // items it could read still count.
    let (tree, error) = syntax::parse(&file.text);
    file.facts = facts::extract(&tree);
    file.parsed = true;
    let warning = error.map(|(offset, message)| Warning {
        path: display,
        line: file.line_col(offset).0,
        message: format!("could not parse: {message}"),
    });
    (file, warning)
}
