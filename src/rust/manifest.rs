//! Cargo packages and their targets from `Cargo.toml` (package and `[lib]` names, `[lib]` and
//! `[[bin]]` paths, the default `src/lib.rs`, `src/main.rs` and `src/bin/*.rs`, path and
//! workspace dependencies), and `diesel.toml`'s `[print_schema] file`s.

use std::path::{Path, PathBuf};

/// One Cargo package.
#[derive(Debug, Clone)]
pub struct Package {
    pub dir: PathBuf,
    pub manifest: PathBuf,
    /// The name other crates write in paths: `[lib] name`, else the package name with `-` as `_`.
    pub lib_name: String,
    pub name: String,
    /// Crate roots: the lib first (when there is one), then the binaries.
    pub targets: Vec<Target>,
    /// Dependencies by the name used in code (renames applied), with `package` names resolved.
    pub dependencies: Vec<Dependency>,
    /// `[features]`: each feature and what it enables (`"x"`, `"dep:y"`, `"y/z"`).
    pub features: Vec<(String, Vec<String>)>,
    /// Whether `[dependencies]` has a table header of its own (where a new entry goes).
    pub has_dependencies_table: bool,
    /// The manifest's text, for a planned `[dependencies]` entry.
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Target {
    pub root: PathBuf,
    pub lib: bool,
    pub kind: TargetKind,
}

/// What a crate root is to Cargo. An integration test or a bench is a program of its own that
/// `cargo test` / `cargo bench` builds; nothing else links it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Lib,
    Bin,
    Test,
    Example,
    Bench,
}

/// The table a dependency is declared in: `[dev-dependencies]` are linked only into the
/// package's own tests, examples and benches (and its test builds), never into the crates that
/// depend on it; `[build-dependencies]` only into its build script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepKind {
    Normal,
    Dev,
    Build,
}

#[derive(Debug, Clone)]
pub struct Dependency {
    /// The name in code (`use entity::...`).
    pub name: String,
    /// The package it is (`package = "..."` or the key).
    pub package: String,
    /// `path = "..."`, absolute.
    pub path: Option<PathBuf>,
    /// `workspace = true`: the path comes from the workspace's `[workspace.dependencies]`.
    pub workspace: bool,
    /// The scanned package it resolves to (by path; registry crates resolve to none).
    pub target: Option<usize>,
    pub kind: DepKind,
    /// `features = [...]`, and whether `default-features = false` is absent.
    pub features: Vec<String>,
    pub default_features: bool,
}

/// A manifest's package (`None` for a virtual workspace manifest), and its
/// `[workspace.dependencies]` paths (name, absolute path) when it has a `[workspace]` table.
pub type Manifest = (Option<Package>, Option<Vec<(String, PathBuf)>>);

pub fn read_package(manifest: &Path) -> Result<Manifest, String> {
    let text = std::fs::read_to_string(manifest).map_err(|e| e.to_string().to_lowercase())?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("is not valid TOML: {}", e.message()))?;
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let workspace = doc.get("workspace").map(|w| {
        w.get("dependencies")
            .and_then(|d| d.as_table())
            .into_iter()
            .flatten()
            .filter_map(|(name, value)| {
                let path = value.get("path")?.as_str()?;
                Some((name.clone(), crate::paths::normalize(&dir.join(path))))
            })
            .collect()
    });
    Ok((package(manifest, &doc, text), workspace))
}

fn package(manifest: &Path, doc: &toml::Table, text: String) -> Option<Package> {
    let package = doc.get("package").and_then(|p| p.as_table())?;
    let name = package.get("name").and_then(|n| n.as_str())?;
    let dir = manifest.parent().unwrap_or(Path::new(".")).to_path_buf();
    let lib = doc.get("lib").and_then(|l| l.as_table());
    let lib_name = lib
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or(name)
        .replace('-', "_");
    let mut targets = Vec::new();
    let lib_path = lib
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str())
        .map(|p| dir.join(p))
        .unwrap_or_else(|| dir.join("src/lib.rs"));
    if lib_path.is_file() {
        targets.push(Target {
            root: lib_path,
            lib: true,
            kind: TargetKind::Lib,
        });
    }
    // `[[bin]]`, `[[test]]`, `[[example]]` and `[[bench]]` tables: their `path`, else the
    // folder Cargo looks in for their `name`.
    let mut bins: Vec<(PathBuf, TargetKind)> = Vec::new();
    let sections = [
        ("bin", "src/bin", TargetKind::Bin),
        ("test", "tests", TargetKind::Test),
        ("example", "examples", TargetKind::Example),
        ("bench", "benches", TargetKind::Bench),
    ];
    for (key, folder, kind) in sections {
        let declared = doc
            .get(key)
            .and_then(|b| b.as_array())
            .into_iter()
            .flatten()
            .filter_map(|b| {
                let table = b.as_table()?;
                match table.get("path").and_then(|p| p.as_str()) {
                    Some(path) => Some(dir.join(path)),
                    None => {
                        let name = table.get("name")?.as_str()?;
                        [
                            format!("{folder}/{name}.rs"),
                            format!("{folder}/{name}/main.rs"),
                        ]
                        .into_iter()
                        .map(|p| dir.join(p))
                        .find(|p| p.is_file())
                    }
                }
            });
        bins.extend(declared.map(|path| (path, kind)));
    }
    bins.push((dir.join("src/main.rs"), TargetKind::Bin));
    // Binaries, integration tests, examples and benches: each file (or folder with a
    // `main.rs`) is a crate of its own.
    for (_, folder, kind) in sections {
        if let Ok(entries) = std::fs::read_dir(dir.join(folder)) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "rs") {
                    bins.push((path, kind));
                } else if path.join("main.rs").is_file() {
                    bins.push((path.join("main.rs"), kind));
                }
            }
        }
    }
    // A root declared twice (a `[[test]]` table and the folder it is in) is one target, of
    // the kind it was first given.
    for (bin, kind) in bins {
        if bin.is_file() && !targets.iter().any(|t| t.root == bin) {
            targets.push(Target {
                root: bin,
                lib: false,
                kind,
            });
        }
    }
    let libs = usize::from(targets.first().is_some_and(|t| t.lib));
    targets[libs..].sort_by(|a, b| a.root.cmp(&b.root));
    let mut dependencies = Vec::new();
    let tables = [
        ("dependencies", DepKind::Normal),
        ("dev-dependencies", DepKind::Dev),
        ("build-dependencies", DepKind::Build),
    ];
    for (key, kind) in tables {
        let Some(table) = doc.get(key).and_then(|d| d.as_table()) else {
            continue;
        };
        for (dep, value) in table {
            let package = value
                .get("package")
                .and_then(|p| p.as_str())
                .unwrap_or(dep)
                .to_owned();
            dependencies.push(Dependency {
                name: dep.replace('-', "_"),
                package,
                path: value
                    .get("path")
                    .and_then(|p| p.as_str())
                    .map(|p| crate::paths::normalize(&dir.join(p))),
                workspace: value.get("workspace").and_then(|w| w.as_bool()) == Some(true),
                target: None,
                kind,
                features: strings(value.get("features")),
                default_features: value.get("default-features").and_then(|d| d.as_bool())
                    != Some(false),
            });
        }
    }
    let features = doc
        .get("features")
        .and_then(|f| f.as_table())
        .into_iter()
        .flatten()
        .map(|(name, enables)| (name.clone(), strings(Some(enables))))
        .collect();
    let has_dependencies_table = text.lines().any(|l| l.trim() == "[dependencies]");
    Some(Package {
        dir,
        manifest: manifest.to_path_buf(),
        lib_name,
        name: name.to_owned(),
        targets,
        dependencies,
        features,
        has_dependencies_table,
        text,
    })
}

/// The strings of a TOML array (`features = ["a", "b"]`); none for anything else.
fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// The files `diesel.toml` names as `print-schema` output (`[print_schema] file`, and each
/// `[print_schema.<name>] file` of a multi-database setup), absolute.
pub fn print_schema_files(diesel_toml: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(diesel_toml) else {
        return Vec::new();
    };
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let dir = diesel_toml.parent().unwrap_or(Path::new("."));
    let Some(print) = doc.get("print_schema").and_then(|p| p.as_table()) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    if let Some(file) = print.get("file").and_then(|f| f.as_str()) {
        files.push(dir.join(file));
    }
    for value in print.values() {
        if let Some(file) = value.get("file").and_then(|f| f.as_str()) {
            files.push(dir.join(file));
        }
    }
    files
}
