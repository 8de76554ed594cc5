//! The module name an import the fix writes uses: one found in every process that runs the
//! module, under each name it runs under there (the app and its tests with every import root on
//! `sys.path`, and each script that loads it with only its own folder; see
//! `analyze::scripts`).

use super::Planner;
use crate::analyze::scripts::{parts_under, ScriptLoad};
use crate::index::module_map::{FileId, ModuleMap};

/// A module name as an import statement writes it: the dots of a relative import, then the
/// name (`None` for `from . import X`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub level: u32,
    pub module: Option<String>,
}

impl Written {
    /// `.suppliers`, `..core.db`, `.`, or the absolute name.
    pub fn text(&self) -> String {
        format!(
            "{}{}",
            ".".repeat(self.level as usize),
            self.module.as_deref().unwrap_or("")
        )
    }
}

impl Planner<'_, '_> {
    /// Why `module` (which names `target`) is not found in a process that runs `file`: a script
    /// that loads it (or `file` itself, a script) has no folder on its `sys.path` that holds it.
    /// An import that replaces one of `instead_of` counts only where that one is found: where it
    /// is not, the script runs with folders this analysis does not know (its working directory,
    /// `PYTHONPATH`), as the project's own processes do.
    pub fn not_found(
        &self,
        file: FileId,
        target: FileId,
        module: &str,
        instead_of: Option<&str>,
    ) -> Option<String> {
        let ctx = self.ctx;
        let map = &ctx.index.module_map;
        let miss = self.scripts.loading(file).iter().find(|l| {
            instead_of.is_none_or(|old| l.finds(map, old).is_some())
                && l.finds(map, module) != Some(target)
        })?;
        let script = &ctx.index.files[miss.script].display;
        let display = &ctx.index.files[file].display;
        Some(match miss.name_of(map, file) {
            Some(name) => format!(
                "`python {script}` loads {display} as `{name}` with {} on `sys.path`, where `{module}` is not found",
                folders(map, miss, script)
            ),
            None => format!(
                "`python {script}` has {} on `sys.path`, where `{module}` is not found",
                folders(map, miss, script)
            ),
        })
    }

    /// How `file` imports `target`, whose absolute name is `module`: by that name where every
    /// script that loads `file` finds it from the folders on its `sys.path` (elsewhere every
    /// import root is on it), else relatively where `file` and `target` share a package and every
    /// name `file` runs under is in it. `Err` names a script that finds neither, and why.
    pub fn import_name(
        &self,
        file: FileId,
        target: FileId,
        module: &str,
    ) -> Result<Written, String> {
        let ctx = self.ctx;
        let map = &ctx.index.module_map;
        let Some(why) = self.not_found(file, target, module, None) else {
            return Ok(Written {
                level: 0,
                module: Some(module.to_owned()),
            });
        };
        let display = &ctx.index.files[file].display;
        let loads = self.scripts.loading(file);
        let Some((level, relative)) = relative_path(map, file, target) else {
            return Err(format!(
                "{why}, and {display} and {} share no package for a relative import",
                ctx.index.files[target].display
            ));
        };
        let deep_enough = |name: &str| {
            !name.starts_with('<')
                && name.split('.').count() - usize::from(!map.is_package(file)) >= level as usize
        };
        let runs_as: Vec<Option<String>> = ctx
            .runtime
            .names
            .get(file)
            .into_iter()
            .flat_map(|names| names.keys().cloned().map(Some))
            .chain(loads.iter().map(|l| l.name_of(map, file)))
            .collect();
        match runs_as
            .iter()
            .find(|name| !name.as_deref().is_some_and(deep_enough))
        {
            None => Ok(Written {
                level,
                module: relative,
            }),
            Some(Some(name)) => Err(format!(
                "{why}, and a relative import fails where {display} runs as `{name}`, outside a package"
            )),
            Some(None) => Err(format!(
                "{why}, and a relative import fails in a script"
            )),
        }
    }
}

/// The folders on a script's `sys.path`, as reports show them: `` `src/` `` or
/// `` `backend/scripts/` and `backend/src/` ``, relative to where the script's path is shown
/// from.
fn folders(map: &ModuleMap, load: &ScriptLoad, script: &str) -> String {
    let path = map.path(load.script);
    let base = path
        .to_str()
        .and_then(|p| p.strip_suffix(script))
        .map(std::path::Path::new);
    let shown: Vec<String> = load
        .folders
        .iter()
        .map(|f| {
            let rel = base.and_then(|b| f.strip_prefix(b).ok());
            match rel {
                Some(r) if r.as_os_str().is_empty() => "`.`".to_owned(),
                Some(r) => format!("`{}/`", r.display()),
                None => format!("`{}`", f.display()),
            }
        })
        .collect();
    match shown.split_last() {
        Some((last, [])) => format!("{last} first"),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// `target` as a relative import from inside `file`, worked out from their folders: the dots
/// (one for `file`'s own package, one more per folder up) and the rest of the name; `None` when
/// no folder above `file` holds `target` under names Python can import.
fn relative_path(map: &ModuleMap, file: FileId, target: FileId) -> Option<(u32, Option<String>)> {
    let target_path = map.path(target);
    let mut dir = map.path(file).parent()?;
    let mut level = 1;
    loop {
        if target_path.starts_with(dir) {
            let parts = parts_under(map, target, dir)?;
            let ok = parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c == '_' || c.is_alphanumeric()));
            if !ok {
                return None;
            }
            let module = (!parts.is_empty()).then(|| parts.join("."));
            return (map.resolve_relative(file, level, module.as_deref()) == Some(target))
                .then_some((level, module));
        }
        dir = dir.parent()?;
        level += 1;
    }
}
