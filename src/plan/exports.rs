//! What other modules take from a module: the names they import from it, the attributes they
//! read through an imported module, and whether a star import takes every name it binds. A name
//! another module takes stays importable after the fix, even when the module no longer uses it.

use std::collections::{BTreeMap, BTreeSet};

use crate::index::module_map::FileId;
use crate::index::Index;

#[derive(Debug, Default)]
pub struct Exports {
    pub names: BTreeSet<String>,
    /// A `from m import *` of a module without `__all__`: everything it binds is taken.
    pub star: bool,
}

impl Exports {
    pub fn takes(&self, name: &str) -> bool {
        self.star || self.names.contains(name)
    }
}

/// For each of `files`, what the rest of the project takes from it.
pub fn exports(index: &Index, files: &BTreeSet<FileId>) -> BTreeMap<FileId, Exports> {
    let mut out: BTreeMap<FileId, Exports> = BTreeMap::new();
    if files.is_empty() {
        return out;
    }
    let map = &index.module_map;
    // A statement loads every module it names (`ModuleMap::site_loads`): only one that loads
    // one of `files` can take from it. Resolving every import of the project by name took a
    // fifth of the plan's time on 10,000 files.
    let loads_one = |load: &crate::index::module_map::Load| files.contains(&(load.file as FileId));
    for (importer, source) in index.files.iter().enumerate() {
        if !source.loads.iter().any(loads_one) {
            continue;
        }
        for (site_index, site) in source.facts.imports.iter().enumerate() {
            if !source.site_loads(site_index).iter().any(loads_one) {
                continue;
            }
            if site.is_from {
                let Some(target) = map.from_module(importer, site) else {
                    continue;
                };
                if target == importer || !files.contains(&target) {
                    continue;
                }
                let entry = out.entry(target).or_default();
                for name in &site.names {
                    if name.name == "*" {
                        let all = index.files[target].facts.bindings.contains_key("__all__");
                        entry.star |= !all;
                    } else {
                        entry.names.insert(name.name.to_string());
                    }
                }
                continue;
            }
            for name in &site.names {
                let Some(target) = map.resolve(&name.name, Some(importer)) else {
                    continue;
                };
                if target == importer || !files.contains(&target) {
                    continue;
                }
                // `import a.b as m` then `m.X`; `import a.b` then `a.b.X`.
                let local = name.asname.as_deref().unwrap_or(&name.name);
                let entry = out.entry(target).or_default();
                entry.names.extend(attributes(&source.text, local));
            }
        }
    }
    out
}

/// The identifiers read as `{prefix}.X` in `text`.
fn attributes(text: &str, prefix: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80;
    let needle = format!("{prefix}.");
    text.match_indices(&needle)
        .filter(|(i, _)| *i == 0 || !is_ident(bytes[i - 1]) && bytes[i - 1] != b'.')
        .filter_map(|(i, _)| {
            let start = i + needle.len();
            let len = bytes[start..].iter().take_while(|b| is_ident(**b)).count();
            (len > 0).then(|| text[start..start + len].to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::attributes;

    #[test]
    fn attributes_after_a_module_name() {
        let text = "m.User.query\nx = m.Base\nfoo.m.Other\nam.Nope\n";
        assert_eq!(attributes(text, "m"), ["User", "Base"]);
    }
}
