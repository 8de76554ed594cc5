//! The project as a plan leaves it: which module loads which at import time once the edits are
//! made (every rewritten file parsed again). Two checks need that whole picture, since one
//! change's safety depends on all the others: a re-export must not be circular in the project
//! the plan makes (an import the same plan rewrites away does not count), and no module that
//! imported before may load two definitions of a table the plan leaves duplicated.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::{apply_edits, Plan};
use crate::analyze::Context;
use crate::index::module_map::FileId;

/// Module-level, run-time imports: for each file, the files it loads.
pub struct Graph(Vec<Vec<FileId>>);

impl Graph {
    pub fn before(ctx: &Context) -> Graph {
        let index = ctx.index;
        Graph(
            (0..index.files.len())
                .map(|file| loads_of(index, file, None))
                .collect(),
        )
    }

    /// The graph once `plan` is made: `before` with the files it rewrites read again, on the
    /// parse threads (a file nested within the parser's limit can overflow another thread's
    /// stack).
    pub fn after(ctx: &Context, plan: &Plan, before: &Graph) -> Graph {
        let index = ctx.index;
        let reread: Vec<(FileId, Vec<FileId>)> = crate::python::on_parse_stack(|| {
            plan.files
                .par_iter()
                .map(|(&file, f)| {
                    let text = apply_edits(&index.files[file].text, &f.edits);
                    let new = crate::python::parse(&text).ok().map(|module| {
                        let in_tests = index.files[file].in_tests;
                        crate::index::extract::extract(module.syntax(), &text, in_tests)
                    });
                    (file, loads_of(index, file, new.as_ref()))
                })
                .collect()
        });
        let mut edges = before.0.clone();
        for (file, loads) in reread {
            edges[file] = loads;
        }
        Graph(edges)
    }

    /// Every file `from` loads, itself included.
    pub fn reach(&self, from: FileId) -> Vec<bool> {
        let mut seen = vec![false; self.0.len()];
        seen[from] = true;
        let mut queue = vec![from];
        while let Some(file) = queue.pop() {
            for &next in &self.0[file] {
                if !seen[next] {
                    seen[next] = true;
                    queue.push(next);
                }
            }
        }
        seen
    }

    /// Every file that loads `to`, itself included.
    fn reached_by(&self, reverse: &[Vec<FileId>], to: FileId) -> Vec<bool> {
        let mut seen = vec![false; self.0.len()];
        seen[to] = true;
        let mut queue = vec![to];
        while let Some(file) = queue.pop() {
            for &prev in &reverse[file] {
                if !seen[prev] {
                    seen[prev] = true;
                    queue.push(prev);
                }
            }
        }
        seen
    }

    fn reverse(&self) -> Vec<Vec<FileId>> {
        let mut reverse = vec![Vec::new(); self.0.len()];
        for (file, loads) in self.0.iter().enumerate() {
            for &next in loads {
                reverse[next].push(file);
            }
        }
        reverse
    }
}

/// The files `file` loads through its module-level, non-`TYPE_CHECKING` imports, read from
/// `facts` when the plan rewrites the file.
fn loads_of(
    index: &crate::index::Index,
    file: FileId,
    facts: Option<&crate::index::facts::FileFacts>,
) -> Vec<FileId> {
    let mut out = BTreeSet::new();
    match facts {
        None => out.extend(index.files_loaded_at_import(file)),
        Some(facts) => {
            let mut loads = Vec::new();
            for (site_index, site) in facts.imports.iter().enumerate() {
                if !site.in_function && !site.type_checking {
                    index
                        .module_map
                        .site_loads(file, site_index, site, &mut loads);
                }
            }
            out.extend(loads.iter().map(|l| l.file as FileId));
        }
    }
    out.remove(&file);
    out.into_iter().collect()
}

/// The project module that `file` imports at import time and that does not exist (`from
/// src.models.invoice import Invoice` where the package `src/models/` has no `invoice`): importing
/// `file` raises ImportError. Imports in functions, under `TYPE_CHECKING` or guarded by a `try`
/// do not count, nor do names whose package is not the project's (namespace packages included).
fn missing_import(index: &crate::index::Index, file: FileId) -> Option<String> {
    let map = &index.module_map;
    for site in &index.files[file].facts.imports {
        if site.level != 0
            || site.in_function
            || site.type_checking
            || site.fallback
            || site.guarded
        {
            continue;
        }
        let names: Vec<&str> = match (&site.module, site.is_from) {
            (Some(module), true) => vec![module.as_str()],
            _ => site.names.iter().map(|n| n.name.as_str()).collect(),
        };
        for name in names {
            if map.resolve(name, Some(file)).is_some() {
                continue;
            }
            let parts: Vec<&str> = name.split('.').collect();
            // The longest prefix that is a package of the project.
            let Some((cut, package)) = (1..parts.len())
                .rev()
                .find_map(|cut| Some((cut, map.resolve(&parts[..cut].join("."), Some(file))?)))
            else {
                continue;
            };
            let init = map.path(package);
            if init.file_name().is_none_or(|n| n != "__init__.py") {
                continue;
            }
            // Anything of that name in the folder (a compiled extension, a stub, a folder) may be
            // what Python finds: only a name with nothing behind it is missing.
            let next = parts[cut];
            let present = init
                .parent()
                .and_then(|dir| std::fs::read_dir(dir).ok())
                .is_none_or(|entries| {
                    entries.flatten().any(|e| {
                        e.file_name().to_str().and_then(|n| n.split('.').next()) == Some(next)
                    })
                });
            if !present {
                return Some(name.to_string());
            }
        }
    }
    None
}

/// A re-export the plan makes: the duplicate's module imports the canonical one.
pub struct ReExport {
    pub cluster: usize,
    pub dup: FileId,
    pub canonical: FileId,
}

/// Duplicated tables (indexes into `ctx.duplicates`) the plan must leave, with why: re-exports
/// that are circular in the project the plan makes, and fixes that would make a module that
/// imported before load two definitions of a table that stays duplicated.
pub fn conflicts(
    ctx: &Context,
    plan: &Plan,
    re_exports: &[ReExport],
    fixed: &BTreeSet<usize>,
) -> BTreeMap<usize, String> {
    let mut out = BTreeMap::new();
    if re_exports.is_empty() {
        return out;
    }
    let files = &ctx.index.files;
    let before = Graph::before(ctx);
    let after = Graph::after(ctx, plan, &before);
    for r in re_exports {
        if !out.contains_key(&r.cluster) && after.reach(r.canonical)[r.dup] {
            out.insert(
                r.cluster,
                format!(
                    "{} loads {} (directly or through the imports this fix leaves), so a re-export would be circular; keep the other definition, or move that import into the function that needs it",
                    files[r.canonical].display, files[r.dup].display
                ),
            );
        }
    }
    // A re-export must not make the duplicate's module load one that cannot be imported. Each
    // file is looked at once, and only when a re-export makes a duplicate's module load it.
    let mut broken: Vec<Option<Option<String>>> = vec![None; files.len()];
    for r in re_exports {
        if out.contains_key(&r.cluster) {
            continue;
        }
        let (reach_before, reach_after) = (before.reach(r.dup), after.reach(r.canonical));
        let Some((bad, import)) = (0..files.len())
            .filter(|&f| reach_after[f] && !reach_before[f])
            .find_map(|f| {
                let missing = broken[f].get_or_insert_with(|| missing_import(ctx.index, f));
                Some((f, missing.clone()?))
            })
        else {
            continue;
        };
        out.insert(
            r.cluster,
            format!(
                "{} cannot be imported: it imports `{import}`, which is no module of the project, so a re-export would break {}; fix that import first",
                files[bad].display,
                files[r.dup].display
            ),
        );
    }
    // An importer pointed at a canonical module that loads the importer back: a new cycle.
    for (&file, file_plan) in &plan.files {
        let reach_before = before.reach(file);
        for &next in after.0[file].iter().filter(|n| !before.0[file].contains(n)) {
            let back = after.reach(next)[file];
            if !back || (reach_before[next] && before.reach(next)[file]) {
                continue;
            }
            for e in &file_plan.edits {
                if let super::Change::Table(cluster) = e.change {
                    if e.edit.content.contains("import ") {
                        out.entry(cluster).or_insert_with(|| {
                            format!(
                                "{} would then import {}, which loads it back, so the import would be circular; move that import into the function that needs it, then run again",
                                files[file].display, files[next].display
                            )
                        });
                    }
                }
            }
        }
    }
    let (reverse_before, reverse_after) = (before.reverse(), after.reverse());
    let tables = &ctx.index.models.tables;
    let mut canonicals: BTreeMap<FileId, BTreeSet<usize>> = BTreeMap::new();
    for r in re_exports.iter().filter(|r| !out.contains_key(&r.cluster)) {
        canonicals.entry(r.canonical).or_default().insert(r.cluster);
    }
    for (cluster, defs) in ctx.duplicates.iter().enumerate() {
        if fixed.contains(&cluster) {
            continue;
        }
        // Two definitions clash only on one MetaData (two bases may each hold the table).
        let mut by_metadata: BTreeMap<_, BTreeSet<FileId>> = BTreeMap::new();
        for &t in defs {
            by_metadata
                .entry(tables[t].metadata)
                .or_default()
                .insert(tables[t].file);
        }
        for def_files in by_metadata.into_values().filter(|f| f.len() > 1) {
            blame(
                ctx,
                (&before, &reverse_before),
                (&after, &reverse_after),
                &def_files,
                &tables[defs[0]].name,
                &canonicals,
                &mut out,
            );
        }
    }
    out
}

/// Holds the fixes that make a module load two of `def_files` (definitions of one table on one
/// MetaData) where it loaded at most one before: those whose canonical module it now loads and
/// that loads a definition it did not load before.
fn blame(
    ctx: &Context,
    (before, reverse_before): (&Graph, &[Vec<FileId>]),
    (after, reverse_after): (&Graph, &[Vec<FileId>]),
    def_files: &BTreeSet<FileId>,
    table: &str,
    canonicals: &BTreeMap<FileId, BTreeSet<usize>>,
    out: &mut BTreeMap<usize, String>,
) {
    let files = &ctx.index.files;
    {
        let loaders_before: Vec<Vec<bool>> = def_files
            .iter()
            .map(|&d| before.reached_by(reverse_before, d))
            .collect();
        let loaders_after: Vec<Vec<bool>> = def_files
            .iter()
            .map(|&d| after.reached_by(reverse_after, d))
            .collect();
        for module in 0..files.len() {
            let count = |loaders: &[Vec<bool>]| loaders.iter().filter(|l| l[module]).count();
            if count(&loaders_after) < 2 || count(&loaders_before) >= 2 {
                continue;
            }
            // Blame the fixes whose canonical module this module now loads and that loads a
            // definition this module did not load before.
            let reach = after.reach(module);
            for (i, _) in def_files.iter().enumerate() {
                if loaders_before[i][module] || !loaders_after[i][module] {
                    continue;
                }
                for (&canonical, clusters) in canonicals {
                    if !reach[canonical] || !loaders_after[i][canonical] {
                        continue;
                    }
                    for &blamed in clusters {
                        out.entry(blamed).or_insert_with(|| {
                            format!(
                                "its re-export would make {} load both definitions of table `{}`, which stays duplicated; fix that table first",
                                files[module].display, table
                            )
                        });
                    }
                }
            }
        }
    }
}
