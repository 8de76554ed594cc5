//! The probe's report as findings and warnings tied to files: DM101–DM104 for what SQLAlchemy
//! itself refused, warnings for modules that could not be imported for reasons that are not the
//! models' (a missing dependency, an unreachable database, a bug elsewhere).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::probe::{Category, Imported, Outcome, PyError};
use super::request::Selection;
use crate::analyze::Context;
use crate::index::facts::Binding;
use crate::index::module_map::FileId;
use crate::index::Warning;
use crate::paths::display_path;
use crate::report::{Code, Finding, TableRef};

/// A place in the project to report at.
#[derive(Debug, Clone)]
pub struct Spot {
    pub path: String,
    pub line: u32,
    pub column: u32,
}

/// Finds the project's files by the real paths the probe reports (symlinks resolved).
pub struct Places<'c, 'a> {
    ctx: &'c Context<'a>,
    cwd: PathBuf,
    by_real: Option<HashMap<PathBuf, FileId>>,
}

impl<'c, 'a> Places<'c, 'a> {
    pub fn new(ctx: &'c Context<'a>, cwd: &Path) -> Self {
        Places {
            ctx,
            cwd: cwd.to_path_buf(),
            by_real: None,
        }
    }

    fn file(&mut self, path: &Path) -> Option<FileId> {
        let index = self.ctx.index;
        if let Some(file) = index.module_map.file_at(path) {
            return Some(file);
        }
        let by_real = self.by_real.get_or_insert_with(|| {
            (0..index.files.len())
                .filter_map(|f| Some((std::fs::canonicalize(index.module_map.path(f)).ok()?, f)))
                .collect()
        });
        by_real.get(path).copied()
    }

    fn at_offset(&self, file: FileId, offset: u32) -> Spot {
        let source = &self.ctx.index.files[file];
        let (line, column) = source.line_col(offset);
        Spot {
            path: source.display.clone(),
            line,
            column,
        }
    }

    fn at_line(&self, file: FileId, line: u32) -> Spot {
        let source = &self.ctx.index.files[file];
        let indent = source
            .text
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .map_or(0, |l| l.chars().take_while(|c| c.is_whitespace()).count());
        Spot {
            path: source.display.clone(),
            line,
            column: indent as u32 + 1,
        }
    }

    /// Where an error belongs: the class attribute SQLAlchemy was configuring, else the line of
    /// the project's code that raised it, else the definition of the table it names, else
    /// `fallback` (the module being imported).
    pub fn of(&mut self, error: &PyError, fallback: Option<FileId>) -> Option<Spot> {
        let file = error.file.as_deref().and_then(|p| self.file(p));
        if let (Some(file), Some(class)) = (file, error.class_name()) {
            if let Some(offset) = self.member(file, class, error.attribute.as_deref()) {
                return Some(self.at_offset(file, offset));
            }
        }
        match (file, &error.file, error.line) {
            (Some(file), _, Some(line)) => return Some(self.at_line(file, line)),
            (None, Some(path), Some(line)) => {
                return Some(Spot {
                    path: display_path(path, &self.cwd),
                    line,
                    column: 1,
                })
            }
            _ => {}
        }
        if let Some(table) = &error.table {
            let tables = &self.ctx.index.models.tables;
            if let Some(def) = tables.iter().find(|t| t.full_name() == *table) {
                let column = error
                    .attribute
                    .as_deref()
                    .and_then(|a| def.columns.iter().find(|c| c.attr == a || c.name == a));
                let offset = column.map_or(def.offset, |c| c.span.0);
                return Some(self.at_offset(def.file, offset));
            }
        }
        fallback.map(|f| self.at_line(f, 1))
    }

    /// The offset of `class`'s `attribute` (or of the class) in a file.
    fn member(&self, file: FileId, class: &str, attribute: Option<&str>) -> Option<u32> {
        let facts = &self.ctx.index.files[file].facts;
        let class = facts.classes.iter().find(|c| c.name == class)?;
        let member = attribute.and_then(|a| {
            class
                .relationships
                .iter()
                .map(|r| (&r.attr, r.span))
                .chain(class.columns.iter().map(|c| (&c.attr, c.span)))
                .find(|(name, _)| *name == a)
                .map(|(_, span)| span.0)
        });
        Some(member.unwrap_or(class.name_offset))
    }

    pub fn display(&mut self, path: &Path) -> String {
        match self.file(path) {
            Some(file) => self.ctx.index.files[file].display.clone(),
            None => display_path(path, &self.cwd),
        }
    }
}

/// The best of the places a MetaData is held: the first in a module that defines the name
/// rather than imports it.
pub fn metadata_name(ctx: &Context, names: &[String]) -> Option<String> {
    let defines = |label: &str| {
        let Some((module, path)) = label.split_once(':') else {
            return false;
        };
        let attr = path.split(['.', '[']).next().unwrap_or(path);
        let Some(file) = ctx.index.module_map.resolve(module, None) else {
            return false;
        };
        ctx.index.files[file]
            .facts
            .bindings
            .get(attr)
            .is_some_and(|b| !matches!(b, Binding::FromImport { .. } | Binding::Module(_)))
    };
    names.iter().find(|n| defines(n)).or(names.first()).cloned()
}

/// Why a module was not imported, when that is not the models' fault.
fn environment_message(module: &str, error: &PyError, python: &str) -> String {
    let why = match (&error.category, &error.missing) {
        (Category::Dependency, Some(missing)) => format!(
            "`{missing}` is not installed in {python} (a missing dependency: install the project's requirements there, or pass --python)"
        ),
        (Category::Database, _) => {
            "it tries to reach a database when imported, and could not".to_owned()
        }
        _ => "an error that is not SQLAlchemy's".to_owned(),
    };
    format!(
        "cannot import `{module}`: {}; {why}. The models it defines were not verified",
        error.headline()
    )
}

/// The probe's outcome as findings and warnings.
pub fn collect(
    ctx: &Context,
    cwd: &Path,
    python: &str,
    selection: &Selection,
    outcome: &Outcome,
) -> (Vec<Finding>, Vec<Warning>) {
    let mut places = Places::new(ctx, cwd);
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    let mut seen: BTreeSet<(String, u32, String)> = BTreeSet::new();
    let mut finding = |places: &mut Places,
                       code: Code,
                       error: &PyError,
                       fallback: Option<FileId>,
                       message: String,
                       table: Option<TableRef>| {
        let spot = places.of(error, fallback)?;
        if !seen.insert((spot.path.clone(), spot.line, error.headline())) {
            return None;
        }
        Some(Finding {
            code,
            kind: code.kind(),
            table,
            path: spot.path,
            line: spot.line,
            column: spot.column,
            // Probe errors point at a place, not a name: one character wide.
            end_line: spot.line,
            end_column: spot.column + 1,
            symbol: error.class_name().map(str::to_owned),
            canonical: None,
            score: None,
            message,
            fix: None,
            notes: Vec::new(),
        })
    };
    // Modules that failed for reasons that are not the models': what SQLAlchemy says after
    // that may follow from it.
    let mut unrelated = 0;
    for (imported, &file) in outcome.modules.iter().zip(&selection.files) {
        if let Some(warning) = shadowed(&mut places, imported, file) {
            warnings.push(warning);
        }
        let (Some(error), None) = (&imported.error, &imported.skipped) else {
            continue;
        };
        if error.category == Category::Model {
            let mut message = format!("importing `{}` fails: {}", imported.name, error.headline());
            message.push_str(&runs_twice(&mut places, error));
            findings.extend(finding(
                &mut places,
                Code::DM101,
                error,
                Some(file),
                message,
                None,
            ));
        } else {
            unrelated += 1;
            let spot = places.of(error, Some(file)).expect("a fallback file");
            warnings.push(Warning {
                path: spot.path,
                line: spot.line,
                message: environment_message(&imported.name, error, python),
            });
        }
    }
    // Where to report what has no place of its own (a class or table the project does not
    // spell out), rather than not at all.
    let anywhere = selection.files.first().copied();
    let consequence = match unrelated {
        0 => String::new(),
        1 => " (a model module could not be imported, which may be the cause)".to_owned(),
        n => format!(" ({n} model modules could not be imported, which may be the cause)"),
    };
    if let Some(error) = &outcome.mappers {
        let subject = match (error.class_name(), &error.attribute) {
            (Some(class), Some(attribute)) => format!(" on `{class}.{attribute}`"),
            (Some(class), None) => format!(" on `{class}`"),
            _ => String::new(),
        };
        let message = format!(
            "configure_mappers() fails{subject}: {}{consequence}",
            error.headline()
        );
        findings.extend(finding(
            &mut places,
            Code::DM102,
            error,
            anywhere,
            message,
            None,
        ));
    }
    for error in &outcome.foreign_keys {
        let table = error.table.clone().unwrap_or_default();
        let column = error.attribute.as_deref().unwrap_or("?");
        let message = format!(
            "the foreign key of `{table}.{column}` points at nothing on its MetaData: {}{consequence}",
            error.headline()
        );
        let table_ref = Some(TableRef {
            table: table.rsplit('.').next().unwrap_or(&table).to_owned(),
            schema: table.rsplit_once('.').map(|(s, _)| s.to_owned()),
        });
        findings.extend(finding(
            &mut places,
            Code::DM103,
            error,
            anywhere,
            message,
            table_ref,
        ));
    }
    findings.extend(drift(ctx, &mut places, outcome));
    (findings, warnings)
}

/// When the file an error was raised in runs under two module names, a note that says so.
fn runs_twice(places: &mut Places, error: &PyError) -> String {
    let Some(file) = error.file.as_deref().and_then(|p| places.file(p)) else {
        return String::new();
    };
    let names: Vec<String> = places
        .ctx
        .runtime
        .names
        .get(file)
        .map(|n| n.keys().map(|k| format!("`{k}`")).collect())
        .unwrap_or_default();
    if names.len() < 2 {
        return String::new();
    }
    format!(
        " ({} is imported as {}: one file under two module names runs twice)",
        places.ctx.index.files[file].display,
        names.join(" and ")
    )
}

/// A module loaded from somewhere other than the project file its name stands for (an
/// installed copy of the project ahead of it on `sys.path`).
fn shadowed(places: &mut Places, imported: &Imported, file: FileId) -> Option<Warning> {
    let loaded = imported.file.as_ref()?;
    let expected = places.ctx.index.module_map.path(file);
    let real = std::fs::canonicalize(expected).unwrap_or_else(|_| expected.to_path_buf());
    if *loaded == real {
        return None;
    }
    let shown = places.display(loaded);
    let source = &places.ctx.index.files[file];
    Some(Warning {
        path: source.display.clone(),
        line: 1,
        message: format!(
            "`{}` was imported from {shown}, not from this file: something ahead of the import roots on sys.path shadows it, and that is what was verified",
            imported.name
        ),
    })
}

/// DM104: a table the static check found defined twice, on MetaData objects that really differ
/// at run time: whichever `create_all` runs first decides the schema.
fn drift(ctx: &Context, places: &mut Places, outcome: &Outcome) -> Vec<Finding> {
    let mut on: BTreeMap<&str, Vec<(String, &[String])>> = BTreeMap::new();
    for metadata in &outcome.metadata {
        let name = metadata_name(ctx, &metadata.names).unwrap_or_else(|| "a MetaData".to_owned());
        for table in &metadata.tables {
            on.entry(table.name.as_str())
                .or_default()
                .push((name.clone(), table.columns.as_slice()));
        }
    }
    let tables = &ctx.index.models.tables;
    let mut findings = Vec::new();
    for cluster in &ctx.duplicates {
        let canonical = &tables[cluster[0]];
        let name = canonical.full_name();
        let Some(holders) = on.get(name.as_str()) else {
            continue;
        };
        let sets: Vec<BTreeSet<&str>> = holders
            .iter()
            .map(|(_, columns)| columns.iter().map(String::as_str).collect())
            .collect();
        if holders.len() < 2 || sets.iter().all(|s| *s == sets[0]) {
            continue;
        }
        let all: BTreeSet<&str> = sets.iter().flatten().copied().collect();
        let parts: Vec<String> = holders
            .iter()
            .zip(&sets)
            .map(|((holder, _), set)| {
                let missing: Vec<String> = all.difference(set).map(|c| format!("`{c}`")).collect();
                if missing.is_empty() {
                    format!("`{holder}` has every column")
                } else {
                    format!("`{holder}` lacks {}", missing.join(", "))
                }
            })
            .collect();
        let dup = &tables[cluster[1]];
        let spot = places.at_offset(dup.file, dup.offset);
        findings.push(Finding {
            code: Code::DM104,
            kind: Code::DM104.kind(),
            table: Some(TableRef {
                table: dup.name.clone(),
                schema: dup.schema.clone(),
            }),
            path: spot.path,
            line: spot.line,
            column: spot.column,
            end_line: spot.line,
            end_column: spot.column + dup.symbol.chars().count().max(1) as u32,
            symbol: Some(dup.symbol.clone()),
            canonical: None,
            score: None,
            fix: None,
            message: format!(
                "at run time table `{name}` is on {} MetaData objects with different columns ({}): whichever create_all() runs first decides the schema",
                holders.len(),
                parts.join("; ")
            ),
            notes: Vec::new(),
        });
    }
    findings
}
