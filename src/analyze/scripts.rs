//! Scripts run as `python dir/tool.py`, and the modules they load. Python puts the script's own
//! folder first on `sys.path`, not the current directory nor the project's import roots, so a
//! module name the project resolves may not be found in a script's process: an import the fix
//! writes into a module a script loads must be found from there too.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Context;
use crate::index::module_map::{FileId, ModuleMap};

/// Whether `file` is a script: a module nothing imports (`imported`, from
/// `runtime::statically_imported`) that is not a test and either has an
/// `if __name__ == "__main__":` block or lies outside any package (nothing could import it as
/// part of one).
pub fn is_script(ctx: &Context, imported: &[bool], file: FileId) -> bool {
    let source = &ctx.index.files[file];
    if imported.get(file).copied().unwrap_or(true) || source.in_tests {
        return false;
    }
    let map = &ctx.index.module_map;
    let Some(dir) = map.path(file).parent() else {
        return false;
    };
    source.facts.main_guard || map.file_at(&dir.join("__init__.py")).is_none()
}

/// Whether `file` is a script that is run: one (`is_script`) with an
/// `if __name__ == "__main__":` block, or outside any package with work at its top level (a
/// call, a loop). A module nothing imports that only defines things, an archived copy of a
/// model module, is run by nobody.
pub fn runs_as_script(ctx: &Context, imported: &[bool], file: FileId) -> bool {
    let facts = &ctx.index.files[file].facts;
    is_script(ctx, imported, file) && (facts.main_guard || facts.works_at_import)
}

/// The project file Python finds for a module name from one `sys.path` folder.
pub fn found_from(map: &ModuleMap, dir: &Path, name: &str) -> Option<FileId> {
    let mut path = dir.to_path_buf();
    path.extend(name.split('.'));
    map.file_at(&path.join("__init__.py"))
        .or_else(|| map.file_at(&path.with_extension("py")))
}

/// The folders that `sys.path.insert`/`append` lines in `text` add, written the common way from
/// `__file__`, as how many levels up from the file and the folders below that:
/// `os.path.dirname(os.path.dirname(__file__))` and `Path(__file__).resolve().parent.parent` are
/// 2 up, an `os.path.join(..., "..")` one more, and `Path(__file__).parent.parent / "src"` or
/// `os.path.join(os.path.dirname(__file__), "..", "src")` then go down into `src`;
/// `Path(__file__).parents[1]` is 2 up. A line with a name that is no plain folder name (an
/// f-string, a variable) is left out: its folder is not known.
pub fn path_inserts(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> + '_ {
    text.lines()
        .map(str::trim_start)
        .filter(|line| {
            (line.starts_with("sys.path.insert(") || line.starts_with("sys.path.append("))
                && line.contains("__file__")
        })
        .filter_map(|line| {
            // The string literals in order: `..` first, then folder names.
            let strings: Vec<&str> = line.split(['\'', '"']).skip(1).step_by(2).collect();
            let dots = strings.iter().take_while(|s| **s == "..").count();
            let names = &strings[dots..];
            let plain = |s: &&str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c == '_' || c == '-' || c.is_alphanumeric())
            };
            if !names.iter().all(plain) || line.matches(['\'', '"']).count() != 2 * strings.len() {
                return None;
            }
            // `.parents[n]` is n + 1 up.
            let mut up = line.matches("dirname(").count() + dots;
            for (i, _) in line.match_indices(".parent") {
                let rest = &line[i + ".parent".len()..];
                match rest.strip_prefix("s[") {
                    Some(index) => {
                        let digits = index.split(']').next()?;
                        up += digits.parse::<usize>().ok()? + 1;
                    }
                    None => up += 1,
                }
            }
            Some((up, names.to_vec()))
        })
}

/// The folders `path_inserts` finds in `text`, for the file at `path`.
pub fn inserted_folders<'t>(path: &'t Path, text: &'t str) -> impl Iterator<Item = PathBuf> + 't {
    path_inserts(text).filter_map(|(up, names)| {
        let mut folder = path.ancestors().nth(up)?.to_path_buf();
        folder.extend(names);
        Some(folder)
    })
}

/// One script's process as it loads one module: the folders on its `sys.path` then (the
/// script's own, then those its `sys.path` lines before the import added) and the folder the
/// module was found through, which gives the name it runs under there.
#[derive(Debug, Clone)]
pub struct ScriptLoad {
    pub script: FileId,
    pub folders: Arc<[PathBuf]>,
    /// Index into `folders`.
    anchor: usize,
}

impl ScriptLoad {
    /// The file an absolute module name gives in this process: the first folder that has it.
    pub fn finds(&self, map: &ModuleMap, name: &str) -> Option<FileId> {
        self.folders
            .iter()
            .find_map(|dir| found_from(map, dir, name))
    }

    /// The module name `file` runs under in this process (`None` for the script itself, which
    /// runs as `__main__`).
    pub fn name_of(&self, map: &ModuleMap, file: FileId) -> Option<String> {
        if file == self.script {
            return None;
        }
        name_under(map, file, &self.folders[self.anchor])
    }
}

/// `file`'s module name from a `sys.path` folder, when it is under it.
fn name_under(map: &ModuleMap, file: FileId, folder: &Path) -> Option<String> {
    let parts = parts_under(map, file, folder)?;
    (!parts.is_empty()).then(|| parts.join("."))
}

/// The parts of `file`'s module name below `folder` (`["models", "user"]`; none for the
/// folder's own `__init__.py`), when it is under it.
pub fn parts_under<'m>(map: &'m ModuleMap, file: FileId, folder: &Path) -> Option<Vec<&'m str>> {
    let rest = map.path(file).strip_prefix(folder).ok()?;
    let mut parts: Vec<&str> = rest
        .iter()
        .map(|p| p.to_str())
        .collect::<Option<Vec<_>>>()?;
    let last = parts.pop()?;
    if last != "__init__.py" {
        parts.push(last.strip_suffix(".py")?);
    }
    Some(parts)
}

/// The folders on a script's `sys.path` after `text`, the start of its source: its own, then
/// those its `sys.path` lines add.
fn on_sys_path(map: &ModuleMap, script: FileId, text: &str) -> Arc<[PathBuf]> {
    let path = map.path(script);
    path.parent()
        .into_iter()
        .map(Path::to_path_buf)
        .chain(inserted_folders(path, text))
        .collect()
}

/// For each module a script loads, how each script that loads it does.
#[derive(Debug, Default)]
pub struct ScriptRuns {
    loads: HashMap<FileId, Vec<ScriptLoad>>,
}

impl ScriptRuns {
    /// Follows each script's imports (module-level and in functions, not `TYPE_CHECKING` ones
    /// nor except-handler fallbacks) the way its process resolves them: an absolute name only
    /// where a folder on its `sys.path` has it, a relative one only inside a package of the name
    /// its importer runs under. A module is loaded once per process, by the first import that
    /// reaches it.
    pub fn build(ctx: &Context) -> ScriptRuns {
        let index = ctx.index;
        let map = &index.module_map;
        let imported = super::runtime::statically_imported(index);
        let mut runs = ScriptRuns::default();
        for script in 0..index.live_files {
            if !runs_as_script(ctx, &imported, script) {
                continue;
            }
            let source = &index.files[script];
            // The script itself, with the folders its `sys.path` lines add before its last
            // import (the imports a fix would rewrite in it).
            let last = source
                .facts
                .imports
                .iter()
                .filter(|i| !i.in_function && !i.type_checking)
                .map(|i| i.stmt.0 as usize)
                .max()
                .unwrap_or(0);
            runs.loads.entry(script).or_default().push(ScriptLoad {
                script,
                folders: on_sys_path(map, script, &source.text[..last]),
                anchor: 0,
            });
            let mut seen = HashSet::from([script]);
            let mut folders = on_sys_path(map, script, "");
            for (site, import) in source.facts.imports.iter().enumerate() {
                if import.type_checking || import.fallback {
                    continue;
                }
                let now = on_sys_path(map, script, &source.text[..import.stmt.0 as usize]);
                if now.len() != folders.len() {
                    folders = now;
                }
                let start = ScriptLoad {
                    script,
                    folders: folders.clone(),
                    anchor: 0,
                };
                let mut queue = vec![];
                follow(ctx, &start, script, site, &mut seen, &mut queue);
                while let Some((file, load)) = queue.pop() {
                    for next in 0..index.files[file].facts.imports.len() {
                        follow(ctx, &load, file, next, &mut seen, &mut queue);
                    }
                    runs.loads.entry(file).or_default().push(load);
                }
            }
        }
        runs
    }

    /// How scripts load `file`, one entry per script that does.
    pub fn loading(&self, file: FileId) -> &[ScriptLoad] {
        self.loads.get(&file).map_or(&[], Vec::as_slice)
    }
}

/// Queues what import statement `site` of `file` (loaded as `from` says) loads in the script's
/// process.
fn follow(
    ctx: &Context,
    from: &ScriptLoad,
    file: FileId,
    site: usize,
    seen: &mut HashSet<FileId>,
    queue: &mut Vec<(FileId, ScriptLoad)>,
) {
    let index = ctx.index;
    let map = &index.module_map;
    let import = &index.files[file].facts.imports[site];
    if import.type_checking || import.fallback {
        return;
    }
    let mut push = |target: FileId, anchor: usize| {
        if target != file && seen.insert(target) {
            let load = ScriptLoad {
                script: from.script,
                folders: from.folders.clone(),
                anchor,
            };
            queue.push((target, load));
        }
    };
    if import.level == 0 {
        for load in index.files[file].site_loads(site) {
            let Some(module) = load.module else { continue };
            let name = map.module_name(module);
            let anchor = from
                .folders
                .iter()
                .position(|dir| found_from(map, dir, name).is_some());
            if let Some(anchor) = anchor {
                if found_from(map, &from.folders[anchor], name) == Some(load.file as FileId) {
                    push(load.file as FileId, anchor);
                }
            }
        }
        return;
    }
    // A relative import needs a package of its importer's name that deep.
    let Some(name) = from.name_of(map, file) else {
        return;
    };
    let depth = name.split('.').count() - usize::from(!map.is_package(file));
    if depth < import.level as usize {
        return;
    }
    let targets: Vec<FileId> = index.files_loaded_by(file, site).collect();
    for target in targets {
        if name_under(map, target, &from.folders[from.anchor]).is_some() {
            push(target, from.anchor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{inserted_folders, path_inserts};
    use std::path::{Path, PathBuf};

    #[test]
    fn folders_put_on_sys_path_from_file() {
        let text = "import os, sys\n\
            sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))\n\
            sys.path.append(str(Path(__file__).resolve().parent))\n\
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), \"..\"))\n\
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), \"src\"))\n\
            sys.path.insert(0, str(Path(__file__).parents[2]))\n\
            sys.path.insert(0, str(Path(__file__).resolve().parents[n]))\n\
            sys.path.insert(0, \"/opt/app\")\n\
            sys.path.insert(0, str(Path(__file__).parent.parent / \"src\"))\n\
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), \"..\", \"src\"))\n\
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), \"src\", \"..\"))\n\
            sys.path.insert(0, os.path.join(os.path.dirname(__file__), f\"{name}\"))\n";
        let found: Vec<(usize, Vec<&str>)> = path_inserts(text).collect();
        assert_eq!(
            found,
            [
                (2, vec![]),
                (1, vec![]),
                (2, vec![]),
                (1, vec!["src"]),
                (3, vec![]),
                (2, vec!["src"]),
                (2, vec!["src"]),
            ]
        );
        let folders: Vec<PathBuf> =
            inserted_folders(Path::new("/p/backend/scripts/x.py"), text).collect();
        assert_eq!(folders[0], Path::new("/p/backend"));
        assert_eq!(folders[3], Path::new("/p/backend/scripts/src"));
        assert_eq!(folders[4], Path::new("/p"));
        assert_eq!(folders[5], Path::new("/p/backend/src"));
    }
}
