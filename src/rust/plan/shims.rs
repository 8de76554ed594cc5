//! Re-exports of the canonical in place of each duplicate (a `table!` block, a SeaORM entity
//! module), the workspace dependency they need, and `--merge-columns`.

use std::collections::BTreeMap;

use super::{
    indentation, leading_comments, relative_path, whole_lines, Edit, FileRewrite, Planner,
};
use crate::plan::Skipped;
use crate::rust::facts::Span;
use crate::rust::{FileId, Orm, TableId};

impl Planner<'_, '_> {
    /// Adds `name = { path = ".." }` to the package's `[dependencies]` once.
    fn add_dependency(&mut self, from_package: usize, target: usize, dup: TableId) {
        let index = self.index;
        let package = &index.packages[from_package];
        let target = &index.packages[target];
        let name = &target.name;
        let relative = relative_path(&package.dir, &target.dir);
        let line = format!("{name} = {{ path = \"{relative}\" }}\n");
        let text = &package.text;
        let display = crate::paths::display_path(&package.manifest, &index.cwd);
        let plan = self
            .plan
            .files
            .entry(package.manifest.clone())
            .or_insert_with(|| FileRewrite {
                path: package.manifest.clone(),
                display,
                original: text.clone(),
                edits: Vec::new(),
            });
        if let Some(same) = plan.edits.iter_mut().find(|e| e.content.ends_with(&line)) {
            if !same.tables.contains(&dup) {
                same.tables.push(dup);
            }
            return;
        }
        let (at, content) = match text.find("[dependencies]\n") {
            Some(header) => (header + "[dependencies]\n".len(), line.clone()),
            None if text.ends_with('\n') => (text.len(), format!("\n[dependencies]\n{line}")),
            None => (text.len(), format!("\n\n[dependencies]\n{line}")),
        };
        let at = at as u32;
        let reason = format!("depend on `{name}`, which holds the canonical definitions");
        let position = plan.edits.partition_point(|e| e.span <= (at, at));
        plan.edits.insert(
            position,
            Edit {
                span: (at, at),
                content,
                reason,
                tables: vec![dup],
            },
        );
    }

    /// The path a duplicate's re-export names its canonical by, with the dependency it needs
    /// added to the duplicate's package.
    fn shim_path(&mut self, dup: TableId, keep: TableId) -> String {
        let index = self.index;
        let (dm, km) = (
            index.tables[dup].module.clone().expect("checked"),
            index.tables[keep].module.clone().expect("checked"),
        );
        let (path, dependency) = self.path_to(&dm, &km).expect("checked");
        if let Some(dependency) = dependency {
            self.add_dependency(index.package_of(&dm), dependency, dup);
        }
        path
    }

    /// Replaces each duplicate `table!` by a re-export, and drops the `joinable!` and
    /// `allow_tables_to_appear_in_same_query!` entries that would be written twice.
    pub(super) fn diesel_shims(&mut self) {
        let index = self.index;
        // Per file and call: the replaced tables of that call.
        let mut calls: BTreeMap<(FileId, Span), Vec<TableId>> = BTreeMap::new();
        for (&dup, _) in self
            .replaced
            .iter()
            .filter(|(&d, _)| index.tables[d].orm == Orm::Diesel)
        {
            let def = &index.tables[dup];
            let table = &index.files[def.file].facts.tables[def.fact];
            calls.entry((def.file, table.call)).or_default().push(dup);
        }
        for ((file, call), dups) in calls {
            let source = &index.files[file];
            let mut lines = Vec::new();
            for &dup in &dups {
                let keep = self.replaced[&dup];
                let path = self.shim_path(dup, keep);
                lines.push(format!("pub use {path};"));
                if self.merge_columns {
                    self.merge(dup, keep);
                }
            }
            let table = &source.facts.tables[index.tables[dups[0]].fact];
            let reason = format!(
                "re-export the canonical `{}`: one declaration of table `{}`",
                lines.join(" "),
                index.tables[dups[0]].name
            );
            if dups.len() == table.tables_in_call {
                let indent = indentation(&source.text, call.0);
                let content = lines.join(&format!("\n{indent}"));
                self.add(file, call, content, reason, &dups);
            } else {
                // Only some tables of the call: take their declarations out of it and put the
                // re-exports after it.
                for &dup in &dups {
                    let decl = source.facts.tables[index.tables[dup].fact].decl;
                    let span = whole_lines(&source.text, decl);
                    self.add(file, span, String::new(), reason.clone(), &[dup]);
                }
                let indent = indentation(&source.text, call.0);
                let content = format!("\n{indent}{}", lines.join(&format!("\n{indent}")));
                self.add(file, (call.1, call.1), content, reason, &dups);
            }
        }
        self.macro_entries();
    }

    /// `--merge-columns`: the duplicate's own columns go into the canonical `table!`.
    fn merge(&mut self, dup: TableId, keep: TableId) {
        let index = self.index;
        let (d, k) = (&index.tables[dup], &index.tables[keep]);
        let only = self.analysis.only_in(dup, keep);
        if only.is_empty() {
            return;
        }
        let dup_file = &index.files[d.file];
        let keep_file = &index.files[k.file];
        let decl = keep_file.facts.tables[k.fact].decl;
        let close = decl.1 - 1;
        let line_start = keep_file.text[..close as usize]
            .rfind('\n')
            .map_or(0, |i| i + 1) as u32;
        let indent = k
            .columns
            .last()
            .and_then(|c| c.span)
            .map(|s| indentation(&keep_file.text, s.0))
            .unwrap_or_else(|| "        ".into());
        let mut content = String::new();
        for column in d.columns.iter().filter(|c| only.contains(&c.name)) {
            let Some((s, e)) = column.span else { continue };
            content.push_str(&format!(
                "{indent}{},\n",
                &dup_file.text[s as usize..e as usize]
            ));
        }
        self.add(
            k.file,
            (line_start, line_start),
            content,
            format!(
                "columns only the duplicate at {} had",
                index.at(d.file, d.offset)
            ),
            &[dup],
        );
        self.plan.notes.push(Skipped {
            path: keep_file.display.clone(),
            line: keep_file.line_col(k.offset).0,
            message: format!(
                "`{}` gained {}: structs that load the whole table by position (`Queryable` without `Selectable`) must take them too",
                k.name,
                only.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            ),
        });
    }

    /// A duplicate entity file becomes `pub use <entity crate>::<module>::*;`.
    pub(super) fn entity_shims(&mut self) {
        let index = self.index;
        let replaced: Vec<(TableId, TableId)> = self
            .replaced
            .iter()
            .filter(|(&d, _)| index.tables[d].orm == Orm::SeaOrm)
            .map(|(&d, &k)| (d, k))
            .collect();
        for (dup, keep) in replaced {
            let path = self.shim_path(dup, keep);
            let km = index.tables[keep].module.clone().expect("checked");
            let file = index.tables[dup].file;
            let text = &index.files[file].text;
            // Keep the file's leading `//!` docs and comments; replace everything after them.
            let start = leading_comments(text);
            self.add(
                file,
                (start as u32, text.len() as u32),
                format!("pub use {path}::*;\n"),
                format!(
                    "re-export the canonical entity `{}`: one entity for table `{}`",
                    index.module_name(&km),
                    index.tables[dup].name
                ),
                &[dup],
            );
        }
    }
}
