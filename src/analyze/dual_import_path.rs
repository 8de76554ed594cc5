//! DM002 dual-import-path: one file imported under two module names, so it runs twice.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::runtime::SiteRef;
use super::Context;
use crate::index::module_map::FileId;
use crate::report::{Code, Finding};

/// The name each dual-loaded file should be imported as, and the stray names.
pub fn canonical_names(ctx: &Context) -> Vec<(FileId, String, Vec<String>)> {
    if ctx.runtime.dual_loaded().next().is_none() {
        return Vec::new();
    }
    let map = &ctx.index.module_map;
    let root_of = |file: FileId, name: &str| {
        map.names(file)
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.root)
    };
    // Which roots the package's own code imports through, project-wide.
    let mut root_use: HashMap<usize, usize> = HashMap::new();
    for (file, names) in ctx.runtime.names.iter().enumerate() {
        for (name, sites) in names {
            let own = sites
                .iter()
                .filter(|(importer, _)| !ctx.index.files[*importer].in_tests)
                .count();
            if let Some(root) = root_of(file, name) {
                *root_use.entry(root).or_default() += own;
            }
        }
    }
    let mut out = Vec::new();
    let models = model_modules(ctx);
    for (file, names) in ctx.runtime.dual_loaded() {
        let best = names
            .iter()
            .max_by_key(|(name, sites)| {
                let own = sites
                    .iter()
                    .filter(|(importer, _)| !ctx.index.files[*importer].in_tests)
                    .count();
                let root =
                    root_of(file, name).map_or(0, |r| root_use.get(&r).copied().unwrap_or(0));
                // A symbolic link's name last: the file is known by its real path.
                (
                    !map.via_link(file, name),
                    own,
                    root,
                    std::cmp::Reverse(name.len()),
                    std::cmp::Reverse((*name).clone()),
                )
            })
            .map(|(name, _)| name.clone());
        let Some(best) = best else { continue };
        let stray: Vec<String> = names.keys().filter(|n| **n != best).cloned().collect();
        // A package matters when a stray import through it loads a model module below it.
        let loads_models = |name: &String| {
            names[name].iter().any(|&(importer, site)| {
                ctx.index.files[importer]
                    .site_loads(site)
                    .iter()
                    .any(|load| {
                        models.contains(&(load.file as FileId))
                            && load.module.is_some_and(|m| {
                                let loaded = map.module_name(m);
                                loaded.len() > name.len()
                                    && loaded.starts_with(name.as_str())
                                    && loaded.as_bytes()[name.len()] == b'.'
                            })
                    })
            })
        };
        if models.contains(&file) || stray.iter().any(loads_models) {
            out.push((file, best, stray));
        }
    }
    out.sort();
    out
}

/// The modules whose second run defines something of the database again: those that define a
/// table, a mapped class, a base or a MetaData, and those whose relative imports reach one (a
/// relative import follows the name its importer runs under, so a stray name spreads through
/// it; an absolute one does not). A stray name for any other module is not a finding.
fn model_modules(ctx: &Context) -> HashSet<FileId> {
    let index = ctx.index;
    let models = &index.models;
    let mut found: HashSet<FileId> = models
        .files()
        .chain(models.bases.iter().filter_map(|b| b.file))
        .collect();
    let mut imported_by: HashMap<FileId, Vec<FileId>> = HashMap::new();
    for (file, source) in index.files.iter().enumerate() {
        for (site, import) in source.facts.imports.iter().enumerate() {
            if import.level > 0 && !import.type_checking {
                for loaded in index.files_loaded_by(file, site) {
                    imported_by.entry(loaded).or_default().push(file);
                }
            }
        }
    }
    let mut queue: Vec<FileId> = found.iter().copied().collect();
    while let Some(file) = queue.pop() {
        for &importer in imported_by.get(&file).into_iter().flatten() {
            if found.insert(importer) {
                queue.push(importer);
            }
        }
    }
    found
}

pub fn findings(ctx: &Context) -> Vec<Finding> {
    // One finding per import statement, naming the most specific stray module it loads.
    let mut per_site: BTreeMap<SiteRef, (String, FileId, String)> = BTreeMap::new();
    for (file, canonical, stray) in canonical_names(ctx) {
        let names = &ctx.runtime.names[file];
        for name in &stray {
            for &site in &names[name] {
                let longer = per_site
                    .get(&site)
                    .is_none_or(|(n, _, _)| n.len() < name.len());
                if longer {
                    per_site.insert(site, (name.clone(), file, canonical.clone()));
                }
            }
        }
    }
    per_site
        .into_iter()
        .map(|((importer, site), (stray, file, canonical))| {
            let import = &ctx.index.files[importer].facts.imports[site];
            let written = written_module(ctx, importer, site, &stray);
            let fixed = format!("{canonical}{}", &written[stray.len()..]);
            let link = if ctx.index.module_map.via_link(file, &stray) {
                " (through a symbolic link)"
            } else {
                ""
            };
            let message = format!(
                "import `{fixed}` instead of `{written}`: under this name {}{link} runs a second time, and a module run twice defines its tables twice",
                ctx.index.files[file].display
            );
            let mut finding = ctx.finding(Code::DM002, importer, import.stmt.0, message);
            finding.symbol = Some(written);
            finding
        })
        .collect()
}

/// The module an import statement names, as written, that starts with the stray name:
/// `src.pkg.services.feedback` for `from src.pkg.services.feedback import X` and for
/// `from src.pkg.services import feedback`.
fn written_module(ctx: &Context, importer: FileId, site: usize, stray: &str) -> String {
    let import = &ctx.index.files[importer].facts.imports[site];
    let mut candidates: Vec<String> = Vec::new();
    if import.is_from {
        let module = import.module.clone().unwrap_or_default();
        for name in &import.names {
            let full = format!("{module}.{}", name.name);
            if ctx
                .index
                .module_map
                .resolve(&full, Some(importer))
                .is_some()
            {
                candidates.push(full);
            }
        }
        candidates.push(module.to_string());
    } else {
        candidates.extend(import.names.iter().map(|n| n.name.to_string()));
    }
    candidates
        .into_iter()
        .find(|c| c == stray || c.starts_with(&format!("{stray}.")))
        .unwrap_or_else(|| stray.to_owned())
}
