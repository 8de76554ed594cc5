//! DM002 dual-import-path: one file imported under two module names, so it runs twice.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::runtime::SiteRef;
use super::Context;
use crate::index::module_map::FileId;
use crate::report::{Code, Finding};

/// The name each dual-loaded file should be imported as, and the stray names.
pub fn canonical_names(ctx: &Context) -> Vec<(FileId, String, Vec<String>)> {
    let decided = decided_names(ctx);
    if decided.is_empty() {
        return Vec::new();
    }
    let map = &ctx.index.module_map;
    let mut out = Vec::new();
    let models = model_modules(ctx);
    for (file, names) in ctx.runtime.dual_loaded() {
        let Some(best) = decided.get(&file).cloned() else {
            continue;
        };
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

/// The name every file loaded under two names is to be imported by, stray or not a finding.
///
/// Each file's own importers vote (the package's own code before tests, then the root the
/// project imports through most), but a module follows its package: importing
/// `src.models.payment` runs `src.models` first, so `models.payment` beside a package named
/// `src.models` would keep the package running twice, and the two rewrites would undo each other
/// from one run to the next. Packages decide first, and every import of a module below a package
/// is also a vote for that package's name.
pub fn decided_names(ctx: &Context) -> HashMap<FileId, String> {
    let mut decided: HashMap<FileId, String> = HashMap::new();
    if ctx.runtime.dual_loaded().next().is_none() {
        return decided;
    }
    let map = &ctx.index.module_map;
    let root_of = |file: FileId, name: &str| {
        map.names(file)
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.root)
    };
    let own = |sites: &[super::runtime::SiteRef]| {
        sites
            .iter()
            .filter(|(importer, _)| !ctx.index.files[*importer].in_tests)
            .count()
    };
    // Which roots the package's own code imports through, project-wide.
    let mut root_use: HashMap<usize, usize> = HashMap::new();
    for (file, names) in ctx.runtime.names.iter().enumerate() {
        for (name, sites) in names {
            if let Some(root) = root_of(file, name) {
                *root_use.entry(root).or_default() += own(sites);
            }
        }
    }
    let mut files: Vec<(FileId, &BTreeMap<String, Vec<SiteRef>>)> =
        ctx.runtime.dual_loaded().collect();
    // A package before the modules in its folder, a folder before its subfolders.
    files.sort_by_key(|&(file, _)| {
        let path = map.path(file);
        let depth = path.components().count();
        (depth, !map.is_package(file), file)
    });
    for (file, names) in files {
        let package = package_name(ctx, &decided, file);
        let under_package = |name: &String| {
            package.as_deref().is_some_and(|p| {
                name.len() > p.len() && name.starts_with(p) && name.as_bytes()[p.len()] == b'.'
            })
        };
        let follows = names.keys().any(under_package);
        let best = names
            .iter()
            .filter(|(name, _)| !follows || under_package(name))
            .max_by_key(|(name, sites)| {
                let root =
                    root_of(file, name).map_or(0, |r| root_use.get(&r).copied().unwrap_or(0));
                // A symbolic link's name last: the file is known by its real path.
                (
                    !map.via_link(file, name),
                    own(sites),
                    root,
                    std::cmp::Reverse(name.len()),
                    std::cmp::Reverse((*name).clone()),
                )
            })
            .map(|(name, _)| name.clone());
        if let Some(best) = best {
            decided.insert(file, best);
        }
    }
    decided
}

/// The canonical name of the nearest package above `file` that is loaded under two names
/// (`decided`, from `decided_names`): the name a module below it is imported by starts with it.
pub fn package_name(
    ctx: &Context,
    decided: &HashMap<FileId, String>,
    file: FileId,
) -> Option<String> {
    let mut package = parent_package(ctx, file);
    while let Some(p) = package {
        if let Some(name) = decided.get(&p) {
            return Some(name.clone());
        }
        package = parent_package(ctx, p);
    }
    None
}

/// The `__init__.py` of the package a file is in (for a package, of the package above it).
pub fn parent_package(ctx: &Context, file: FileId) -> Option<FileId> {
    let map = &ctx.index.module_map;
    let path = map.path(file);
    let dir = path.parent()?;
    let dir = if map.is_package(file) {
        dir.parent()?
    } else {
        dir
    };
    map.file_at(&dir.join("__init__.py"))
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
