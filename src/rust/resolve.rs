//! Rust path resolution, as far as tables need it: `crate::`, `self::`, `super::`, other crates
//! by their dependency names, bare paths from the current module, and re-exports (`pub use`,
//! aliases, globs) followed to the `table!` or entity module they name.

use std::collections::{HashMap, HashSet};

use super::{ModPath, RustIndex, TableId};

/// Module paths of tables, and the names each module binds with `use`.
pub struct Resolver<'a> {
    index: &'a RustIndex,
    tables: HashMap<ModPath, TableId>,
    /// Per module: names bound by `use` leaves (name -> absolute path, unresolved further).
    bindings: HashMap<ModPath, Vec<(String, ModPath)>>,
    /// Per module: the absolute modules of its glob imports.
    globs: HashMap<ModPath, Vec<ModPath>>,
}

impl<'a> Resolver<'a> {
    pub fn new(index: &'a RustIndex) -> Resolver<'a> {
        let mut resolver = Resolver {
            index,
            tables: HashMap::new(),
            bindings: HashMap::new(),
            globs: HashMap::new(),
        };
        for (id, table) in index.tables.iter().enumerate() {
            if let Some(module) = &table.module {
                resolver.tables.insert(module.clone(), id);
            }
        }
        for file in &index.files {
            for module in &file.modules {
                for site in &file.facts.uses {
                    let mut here = module.clone();
                    here.1.extend(site.nest.iter().cloned());
                    for leaf in &site.leaves {
                        let Some(target) = resolver.absolute(&here, &leaf.segments) else {
                            continue;
                        };
                        if leaf.glob {
                            resolver.globs.entry(here.clone()).or_default().push(target);
                        } else if let Some(name) = &leaf.binds {
                            resolver
                                .bindings
                                .entry(here.clone())
                                .or_default()
                                .push((name.clone(), target));
                        }
                    }
                }
            }
        }
        // A glob of something the index does not hold (`diesel::prelude::*`, which `absolute`
        // can only read as a child of the module) leads nowhere; followed, it would send every
        // look-up of a name in that module through itself again, longer each time.
        let mut globs = std::mem::take(&mut resolver.globs);
        for targets in globs.values_mut() {
            targets.retain(|t| resolver.known(t));
        }
        resolver.globs = globs;
        resolver
    }

    /// Whether a glob's target is one the index can follow: a module, a path through a table
    /// (`users::dsl`), or a name its parent module binds with `use` (a re-export).
    fn known(&self, target: &ModPath) -> bool {
        if self.index.modules.contains_key(target) {
            return true;
        }
        (1..=target.1.len()).any(|len| {
            let prefix = (target.0, target.1[..len].to_vec());
            self.tables.contains_key(&prefix)
                || !self.index.modules.contains_key(&prefix)
                    && self
                        .bindings
                        .get(&(target.0, target.1[..len - 1].to_vec()))
                        .is_some_and(|b| b.iter().any(|(n, _)| *n == target.1[len - 1]))
        })
    }

    /// The absolute form of a path written in module `here` (no re-exports followed).
    pub fn absolute(&self, here: &ModPath, segments: &[String]) -> Option<ModPath> {
        let (first, rest) = segments.split_first()?;
        let first = first.trim_start_matches("r#");
        match first {
            "crate" => Some((here.0, rest.to_vec())),
            "self" => {
                let mut path = here.1.clone();
                path.extend(rest.iter().cloned());
                Some((here.0, path))
            }
            "super" => {
                let mut path = here.1.clone();
                path.pop()?;
                let mut rest = rest;
                while let Some(("super", tail)) = rest.split_first().map(|(h, t)| (h.as_str(), t)) {
                    path.pop()?;
                    rest = tail;
                }
                path.extend(rest.iter().cloned());
                Some((here.0, path))
            }
            "" => {
                // `::name::...`: an extern crate.
                let (name, rest) = rest.split_first()?;
                self.extern_path(here.0, name, rest)
            }
            name => {
                // A child module or a name bound here wins over an extern crate of that name.
                let mut local = here.1.clone();
                local.push(name.to_owned());
                if self.index.modules.contains_key(&(here.0, local.clone()))
                    || self.tables.contains_key(&(here.0, local.clone()))
                {
                    local.extend(rest.iter().cloned());
                    return Some((here.0, local));
                }
                if let Some(bound) = self
                    .bindings
                    .get(here)
                    .and_then(|b| b.iter().find(|(n, _)| n == name))
                {
                    let mut path = bound.1.clone();
                    path.1.extend(rest.iter().cloned());
                    return Some(path);
                }
                self.extern_path(here.0, name, rest).or_else(|| {
                    local.extend(rest.iter().cloned());
                    Some((here.0, local))
                })
            }
        }
    }

    fn extern_path(&self, krate: usize, name: &str, rest: &[String]) -> Option<ModPath> {
        let package = self.index.crates[krate].package;
        let target =
            if self.index.packages[package].lib_name == name && !self.index.crates[krate].lib {
                // A binary names its own package's library by the package name.
                self.index
                    .crates
                    .iter()
                    .position(|c| c.package == package && c.lib)
            } else {
                self.index.dependency_crate(package, name)
            }?;
        Some((target, rest.to_vec()))
    }

    /// The table an absolute path names, or one of its prefixes names (`schema::users::dsl::id`
    /// names `users`), following `use` re-exports and globs; with how many segments name it.
    pub fn table(&self, path: &ModPath) -> Option<(TableId, usize)> {
        self.walk(path, &mut HashSet::new())
    }

    /// `seen`: the paths this look-up already followed. Globs of `super::*` and re-exports can
    /// form cycles, and without it a look-up could branch through every glob at every step.
    fn walk(&self, path: &ModPath, seen: &mut HashSet<ModPath>) -> Option<(TableId, usize)> {
        if seen.len() > 256 || !seen.insert(path.clone()) {
            return None;
        }
        for len in 1..=path.1.len() {
            let prefix = (path.0, path.1[..len].to_vec());
            if let Some(&table) = self.tables.get(&prefix) {
                return Some((table, len));
            }
            if self.index.modules.contains_key(&prefix) {
                continue;
            }
            // Not a module of its own: a name bound in the parent module.
            let parent = (path.0, path.1[..len - 1].to_vec());
            let name = &path.1[len - 1];
            if let Some((_, target)) = self
                .bindings
                .get(&parent)
                .and_then(|b| b.iter().find(|(n, _)| n == name))
            {
                let mut rest = target.clone();
                rest.1.extend(path.1[len..].iter().cloned());
                return self.walk(&rest, seen).map(|(t, _)| (t, len));
            }
            for glob in self.globs.get(&parent).into_iter().flatten() {
                let mut rest = glob.clone();
                rest.1.extend(path.1[len - 1..].iter().cloned());
                if let Some((t, _)) = self.walk(&rest, seen) {
                    return Some((t, len));
                }
            }
            return None;
        }
        None
    }

    /// The tables the glob imports of a module bring in under `name`.
    pub fn glob_tables(&self, here: &ModPath, name: &str) -> Vec<(TableId, ModPath)> {
        let mut out = Vec::new();
        for glob in self.globs.get(here).into_iter().flatten() {
            let mut path = glob.clone();
            path.1.push(name.to_owned());
            if let Some((t, len)) = self.walk(&path, &mut HashSet::new()) {
                if len == path.1.len() && !out.iter().any(|(o, _)| *o == t) {
                    out.push((t, glob.clone()));
                }
            }
        }
        out
    }
}
