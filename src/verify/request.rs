//! Which modules the probe imports: every file that defines a model, under each module name the
//! project loads it by (the canonical name first, as the fix would write it; then the stray
//! names, as the app or the tests load them), with the project's import roots on `sys.path`.

use std::collections::BTreeSet;

use super::probe::{Request, Wanted};
use crate::analyze::Context;
use crate::index::module_map::FileId;

/// A model file the probe does not import, and why.
#[derive(Debug, Clone)]
pub struct LeftOut {
    pub file: FileId,
    pub reason: &'static str,
}

pub struct Selection {
    pub request: Request,
    /// The file each requested module name loads.
    pub files: Vec<FileId>,
    pub left_out: Vec<LeftOut>,
}

pub fn select(ctx: &Context) -> Selection {
    let index = ctx.index;
    let files: BTreeSet<FileId> = index
        .models
        .files()
        .filter(|&f| index.files[f].parsed)
        .collect();
    let dual = crate::analyze::dual_import_path::canonical_names(ctx);
    let canonical: std::collections::HashMap<FileId, String> = dual
        .iter()
        .map(|(file, name, _)| (*file, name.clone()))
        .collect();
    // A stray name only scripts use, each run from its own folder, is never imported beside the
    // canonical one in a process: not verified as a second import.
    let script_only: BTreeSet<(FileId, &str)> = dual
        .iter()
        .flat_map(|(file, _, stray)| {
            stray
                .iter()
                .filter(|s| s.sites.is_empty())
                .map(move |s| (*file, s.name.as_str()))
        })
        .collect();
    let imported = crate::analyze::runtime::statically_imported(index);
    let mut first = Vec::new();
    let mut stray = Vec::new();
    let mut left_out = Vec::new();
    for file in files {
        let source = &index.files[file];
        if source.in_tests {
            left_out.push(LeftOut {
                file,
                reason: "test code (pytest decides how it is imported)",
            });
            continue;
        }
        if !imported[file] && source.facts.main_guard {
            left_out.push(LeftOut {
                file,
                reason: "a program (a script with `if __name__ == \"__main__\":` that nothing imports): it runs in a process of its own",
            });
            continue;
        }
        if !imported[file] && source.facts.works_at_import {
            left_out.push(LeftOut {
                file,
                reason: "a script: nothing imports it, and importing it would run it",
            });
            continue;
        }
        if !imported[file] && source.facts.serves_app {
            left_out.push(LeftOut {
                file,
                reason: "a web application that nothing imports (`app = FastAPI()`): a server runs it in a process of its own",
            });
            continue;
        }
        if program_only_on_library_metadata(ctx, file) {
            left_out.push(LeftOut {
                file,
                reason: "only programs load it, each in a process of its own, and its tables are on a library's global MetaData (SQLModel's): importing it beside the other programs' modules would be a clash no process has",
            });
            continue;
        }
        let mut names: Vec<String> = ctx
            .runtime
            .names
            .get(file)
            .map(|n| n.keys().filter(|n| !n.starts_with('<')).cloned().collect())
            .unwrap_or_default();
        if names.is_empty() {
            names.extend(index.module_map.names(file).first().map(|n| n.name.clone()));
        }
        let name = canonical
            .get(&file)
            .cloned()
            .or_else(|| names.first().cloned());
        let Some(name) = name else {
            left_out.push(LeftOut {
                file,
                reason: "no importable module name from the import roots",
            });
            continue;
        };
        stray.extend(
            names
                .into_iter()
                .filter(|n| *n != name && !script_only.contains(&(file, n.as_str())))
                .map(|n| (n, file)),
        );
        first.push((name, file));
    }
    // Canonical definitions before their duplicates, so that SQLAlchemy's "already defined"
    // lands on the duplicate, where the static report puts it too.
    let duplicates: BTreeSet<FileId> = ctx
        .duplicates
        .iter()
        .flat_map(|cluster| cluster[1..].iter().map(|&t| index.models.tables[t].file))
        .collect();
    first.sort_by_key(|(name, file)| (duplicates.contains(file), name.clone()));
    stray.sort();
    let (modules, files): (Vec<Wanted>, Vec<FileId>) = first
        .into_iter()
        .chain(stray)
        .map(|(name, file)| {
            let path = index.module_map.path(file).to_path_buf();
            (Wanted { name, path }, file)
        })
        .unzip();
    let roots = index.module_map.roots().to_vec();
    let mut project: Vec<_> = index.project_dirs.iter().chain(&roots).cloned().collect();
    project.sort();
    project.dedup();
    Selection {
        request: Request {
            roots,
            project,
            modules,
        },
        files,
        left_out,
    }
}

/// Whether only programs load `file` and every table it defines is on a library's global
/// MetaData: the files DM001 does not put together (`duplicate_table::clusters`), such as a
/// multi-file docs tutorial's `models.py`, which only its `app.py` imports.
fn program_only_on_library_metadata(ctx: &Context, file: FileId) -> bool {
    let models = &ctx.index.models;
    let mut tables = models.tables.iter().filter(|t| t.file == file).peekable();
    tables.peek().is_some()
        && ctx.runtime.only_in_programs(file)
        && tables.all(|t| models.bases[t.metadata].file.is_none())
}
