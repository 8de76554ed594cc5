//! DM002 dual-import-path: one file imported under two module names, so it runs twice.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use super::runtime::SiteRef;
use super::scripts::{found_from, inserted_folders, is_script};
use super::Context;
use crate::index::module_map::FileId;
use crate::report::{Code, Finding};

/// A stray name of a dual-loaded file and the import statements that use it and are findings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StrayName {
    pub name: String,
    pub sites: Vec<SiteRef>,
    /// Imports in scripts that use the stray name rightly (`script_name_is_right`): not
    /// findings, not rewritten, and the file still runs under this name there.
    pub kept: Vec<SiteRef>,
}

/// The name each dual-loaded file should be imported as, and the stray names with the imports
/// that are findings.
///
/// An import under a stray name is a finding when what it runs under that name defines a table
/// or a base again: the module itself and the packages the name runs, with what their relative
/// imports reach (`model_modules`). `from src.core.config import x` beside `core.config` runs
/// `src/core/__init__.py` and `src/core/config.py` a second time; when neither defines or loads a
/// table, that second run changes nothing of the database, even though another import through
/// `src.core` (`src.core.database`) does load models and is a finding of its own.
///
/// An import in a script is right when it names the module as Python finds it from the
/// script's own folder (see `script_name_is_right`): rewriting it would break `python x.py`.
pub fn canonical_names<'c>(ctx: &'c Context) -> &'c [(FileId, String, Vec<StrayName>)] {
    ctx.dual_names
        .canonical
        .get_or_init(|| find_canonical_names(ctx))
}

/// `decided_names` and `canonical_names` of one `Context`, each worked out once: the check, each
/// round of the plan (made twice by `--diff`) and `--verify` all ask for them.
#[derive(Default)]
pub struct Names {
    decided: OnceLock<HashMap<FileId, String>>,
    canonical: OnceLock<Vec<(FileId, String, Vec<StrayName>)>>,
}

fn find_canonical_names(ctx: &Context) -> Vec<(FileId, String, Vec<StrayName>)> {
    let decided = decided_names(ctx);
    if decided.is_empty() {
        return Vec::new();
    }
    let map = &ctx.index.module_map;
    let models = model_modules(ctx);
    let imported = super::runtime::statically_imported(ctx.index);
    let mut out = Vec::new();
    for (file, names) in ctx.runtime.dual_loaded() {
        let Some(best) = decided.get(&file).cloned() else {
            continue;
        };
        // Whether the import runs a module defining models under `name` or a name below it.
        let loads_models = |name: &str, &(importer, site): &SiteRef| {
            ctx.index.files[importer]
                .site_loads(site)
                .iter()
                .any(|load| {
                    models.contains(&(load.file as FileId))
                        && load.module.is_some_and(|m| {
                            let loaded = map.module_name(m);
                            loaded == name
                                || (loaded.len() > name.len()
                                    && loaded.starts_with(name)
                                    && loaded.as_bytes()[name.len()] == b'.')
                        })
                })
        };
        let stray: Vec<StrayName> = names
            .iter()
            .filter(|(name, _)| **name != best)
            .map(|(name, sites)| {
                let (kept, sites) = sites
                    .iter()
                    .filter(|site| loads_models(name, site))
                    .partition(|site| {
                        script_name_is_right(ctx, &imported, **site, file, name, &best)
                    });
                StrayName {
                    name: name.clone(),
                    sites,
                    kept,
                }
            })
            .filter(|s| !s.sites.is_empty() || !s.kept.is_empty())
            .collect();
        if !stray.is_empty() {
            out.push((file, best, stray));
        }
    }
    out.sort();
    out
}

/// Whether `importer` is a script whose import of `file` as `stray` is the name Python finds
/// from the script's own folder, where `canonical` is not found.
///
/// `python backend/src/tool.py` puts `backend/src/`, the script's folder, first on `sys.path`
/// (and not the current directory): `from models.user import User` is right there, and
/// `src.models.user` does not resolve (see `scripts::is_script`).
fn script_name_is_right(
    ctx: &Context,
    imported: &[bool],
    (importer, site): SiteRef,
    file: FileId,
    stray: &str,
    canonical: &str,
) -> bool {
    let map = &ctx.index.module_map;
    let source = &ctx.index.files[importer];
    if !is_script(ctx, imported, importer) {
        return false;
    }
    let Some(dir) = map.path(importer).parent() else {
        return false;
    };
    if found_from(map, dir, stray) != Some(file) || found_from(map, dir, canonical) == Some(file) {
        return false;
    }
    // A folder the script puts on `sys.path` before the import, where the canonical name is
    // found, makes the rewrite work as well.
    let before = &source.text[..source.facts.imports[site].stmt.0 as usize];
    !inserted_folders(map.path(importer), before)
        .any(|folder| found_from(map, &folder, canonical) == Some(file))
}

/// The name every file loaded under two names is to be imported by, stray or not a finding.
///
/// Each file's own importers vote (the package's own code before tests, then the root the
/// project imports through most), but a module follows its package: importing
/// `src.models.payment` runs `src.models` first, so `models.payment` beside a package named
/// `src.models` would keep the package running twice, and the two rewrites would undo each other
/// from one run to the next. Packages decide first, and every import of a module below a package
/// is also a vote for that package's name.
pub fn decided_names<'c>(ctx: &'c Context) -> &'c HashMap<FileId, String> {
    ctx.dual_names.decided.get_or_init(|| decide_names(ctx))
}

fn decide_names(ctx: &Context) -> HashMap<FileId, String> {
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
    for &(file, ref canonical, ref stray) in canonical_names(ctx) {
        for StrayName { name, sites, .. } in stray {
            for &site in sites {
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
