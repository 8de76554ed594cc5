//! DM002: imports that use a stray module name are rewritten to the canonical one.

use std::collections::BTreeMap;

use super::{Change, Planner};
use crate::analyze::dual_import_path::{canonical_names, StrayName};
use crate::index::facts::TextEdit;
use crate::index::module_map::FileId;

/// `src.models.user` vs `models.user` -> (`src.`, ``): the differing leading parts.
fn prefixes<'s>(stray: &'s str, canonical: &'s str) -> (&'s str, &'s str) {
    let (mut a, mut b) = (stray.len(), canonical.len());
    while a > 0 && b > 0 && stray.as_bytes()[a - 1] == canonical.as_bytes()[b - 1] {
        a -= 1;
        b -= 1;
    }
    // Back up to a dot boundary.
    while a < stray.len() && (a > 0 && stray.as_bytes()[a - 1] != b'.') {
        a += 1;
        b += 1;
    }
    (&stray[..a], &canonical[..b])
}

fn rename(module: &str, stray_prefix: &str, canonical_prefix: &str) -> Option<String> {
    if stray_prefix.is_empty() {
        return Some(format!("{canonical_prefix}{module}"));
    }
    let rest = module.strip_prefix(stray_prefix)?;
    Some(format!("{canonical_prefix}{rest}"))
}

pub fn plan(p: &mut Planner) {
    let ctx = p.ctx;
    let mut unfixed: BTreeMap<FileId, bool> = BTreeMap::new();
    // Script imports left as they are, each once, under the most specific name it uses.
    let mut kept_sites: BTreeMap<(FileId, usize), (String, String)> = BTreeMap::new();
    let mut type_checking = None;
    for &(file, ref canonical, ref stray) in canonical_names(ctx) {
        let change = Change::DualPath(file);
        if p.leaves(change) {
            let message = format!(
                "{} is still imported as {}: you chose to leave it",
                ctx.index.files[file].display,
                stray
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            p.skip(file, 0, message);
            unfixed.insert(file, true);
            continue;
        }
        let mut all_fixed = true;
        for StrayName { name, sites, kept } in stray {
            let (stray_prefix, canonical_prefix) = prefixes(name, canonical);
            for &site in kept {
                // The file keeps running under this name in the script: not fixed.
                all_fixed = false;
                let longer = kept_sites
                    .get(&site)
                    .is_none_or(|(n, _)| n.len() < name.len());
                if longer {
                    kept_sites.insert(site, (name.clone(), canonical.clone()));
                }
            }
            let mut sites = sites.clone();
            let candidates =
                type_checking.get_or_insert_with(|| absolute_type_checking_imports(ctx));
            sites.extend(type_checking_sites(ctx, candidates, file, name));
            for (importer, site_index) in sites {
                let text = p.text(importer);
                let site = &ctx.index.files[importer].facts.imports[site_index];
                let target = if site.is_from {
                    site.module_span.zip(site.module.clone())
                } else {
                    site.names
                        .iter()
                        .find(|n| {
                            n.asname.is_some()
                                && (n.name == *name || n.name.starts_with(&format!("{name}.")))
                        })
                        .map(|n| (n.name_span, n.name.clone()))
                };
                let Some(((start, end), module)) = target else {
                    all_fixed = false;
                    p.skip(importer, site.stmt.0, format!("`import {name}` is not rewritten: without `as`, the name it binds would change; import `{canonical}` by hand"));
                    continue;
                };
                if p.file(importer).covers((start, end)) {
                    continue; // the statement is already rewritten whole
                }
                let written = &text[start as usize..end as usize];
                let Some(fixed) = (written == module)
                    .then(|| rename(&module, stray_prefix, canonical_prefix))
                    .flatten()
                else {
                    all_fixed = false;
                    continue;
                };
                // A script that loads this module and finds the stray name but not the
                // canonical one would break: the import stays, and the finding with it.
                let target = ctx.index.module_map.resolve(&fixed, Some(importer));
                let why = target
                    .filter(|_| !site.type_checking)
                    .and_then(|target| p.not_found(importer, target, &fixed, Some(&module)));
                if let Some(why) = why {
                    all_fixed = false;
                    let top = fixed.split('.').next().unwrap_or(&fixed);
                    let message = format!("`{module}` is not rewritten to `{fixed}`: {why}; put the folder that holds `{top}` on that script's `sys.path` too, then run again");
                    p.skip(importer, site.stmt.0, message);
                    continue;
                }
                let reason = format!("import `{fixed}`, the name the package uses, not `{module}`");
                if !p.file(importer).add(
                    TextEdit {
                        start,
                        end,
                        content: fixed,
                    },
                    change,
                    reason,
                ) {
                    all_fixed = false;
                }
            }
        }
        unfixed.insert(file, !all_fixed);
    }
    for ((importer, site_index), (name, canonical)) in kept_sites {
        let site = &ctx.index.files[importer].facts.imports[site_index];
        let message = format!(
            "`{name}` stays in this script: run as `python {}`, it finds `{name}` from its own folder, where `{canonical}` is not found",
            ctx.index.files[importer].display
        );
        p.skip(importer, site.stmt.0, message);
    }
    p.fixed_dual
        .extend(unfixed.into_iter().filter(|(_, u)| !u).map(|(f, _)| f));
}

/// The `if TYPE_CHECKING:` imports of `file` under the stray name `name`: they load nothing at
/// run time, but type checkers would see two modules.
fn type_checking_sites(
    ctx: &crate::analyze::Context,
    candidates: &[(FileId, usize)],
    file: FileId,
    name: &str,
) -> Vec<(FileId, usize)> {
    let index = ctx.index;
    let mut out = Vec::new();
    for &(importer, site_index) in candidates {
        let site = &index.files[importer].facts.imports[site_index];
        let names_it = if site.is_from {
            site.module.as_deref() == Some(name)
        } else {
            site.names.iter().any(|n| n.name == name)
        };
        if names_it && index.module_map.resolve(name, Some(importer)) == Some(file) {
            out.push((importer, site_index));
        }
    }
    out
}

/// Every absolute `if TYPE_CHECKING:` import of the project, for `type_checking_sites`.
fn absolute_type_checking_imports(ctx: &crate::analyze::Context) -> Vec<(FileId, usize)> {
    let mut out = Vec::new();
    for (importer, source) in ctx.index.files.iter().enumerate() {
        for (site_index, site) in source.facts.imports.iter().enumerate() {
            if site.type_checking && site.level == 0 {
                out.push((importer, site_index));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_differ_on_whole_segments() {
        assert_eq!(prefixes("src.models.user", "models.user"), ("src.", ""));
        assert_eq!(prefixes("app.src.pkg.x", "pkg.x"), ("app.src.", ""));
        assert_eq!(prefixes("a.xmodels", "b.models"), ("a.xmodels", "b.models"));
        assert_eq!(
            rename("src.models.user", "src.", "").as_deref(),
            Some("models.user")
        );
        assert_eq!(rename("src.models", "src.", "").as_deref(), Some("models"));
    }
}
