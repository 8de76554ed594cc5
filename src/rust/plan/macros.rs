//! `joinable!` and `allow_tables_to_appear_in_same_query!` entries that the re-exports would make
//! appear twice.

use std::collections::{BTreeMap, BTreeSet};

use super::{whole_lines, with_semicolon, Planner};
use crate::plan::Skipped;
use crate::rust::facts::Span;
use crate::rust::{FileId, Orm, TableId};

impl Planner<'_, '_> {
    pub(super) fn macro_entries(&mut self) {
        let index = self.index;
        let replaced = self.replaced.clone();
        // The replaced tables of a module of `file`, by their Rust names.
        let replaced_names = |file: FileId, nest: &[String]| -> BTreeMap<String, TableId> {
            replaced
                .keys()
                .filter(|&&t| index.tables[t].orm == Orm::Diesel && index.tables[t].file == file)
                .map(|&t| (&index.files[file].facts.tables[index.tables[t].fact], t))
                .filter(|(f, _)| f.nest == nest)
                .map(|(f, t)| (f.rust_name.clone(), t))
                .collect()
        };
        let files: BTreeSet<FileId> = self
            .replaced
            .keys()
            .map(|&t| index.tables[t].file)
            .collect();
        for file in files {
            let source = &index.files[file];
            for j in &source.facts.joinables {
                let names = replaced_names(file, &j.nest);
                // `check` made sure the canonical has the same `joinable!`.
                if let Some(&dup) = names.get(&j.child) {
                    let span = whole_lines(&source.text, with_semicolon(&source.text, j.call));
                    self.add(
                        file,
                        span,
                        String::new(),
                        format!(
                            "`joinable!({} -> {})` is declared with the canonical table",
                            j.child, j.parent
                        ),
                        &[dup],
                    );
                }
            }
            for allow in &source.facts.allow_tables {
                let names = replaced_names(file, &allow.nest);
                let gone: Vec<&(String, Span)> = allow
                    .names
                    .iter()
                    .filter(|(n, _)| names.contains_key(n))
                    .collect();
                let dups: Vec<TableId> = gone.iter().map(|(n, _)| names[n]).collect();
                if gone.len() < 2 {
                    continue; // a re-exported table beside local ones is still this crate's to allow
                }
                if gone.len() == allow.names.len() {
                    let span = whole_lines(&source.text, with_semicolon(&source.text, allow.call));
                    self.add(
                        file,
                        span,
                        String::new(),
                        "`allow_tables_to_appear_in_same_query!` of re-exported tables: the canonical schema declares them".into(),
                        &dups,
                    );
                    continue;
                }
                for (name, span) in gone {
                    let end = source.text[span.1 as usize..]
                        .find(|c: char| c != ',' && !c.is_whitespace())
                        .map_or(span.1, |i| span.1 + i as u32);
                    self.add(
                        file,
                        (span.0, end),
                        String::new(),
                        format!("`{name}` is re-exported: its pairs are the canonical schema's"),
                        &[names[name]],
                    );
                }
                self.plan.notes.push(Skipped {
                    path: source.display.clone(),
                    line: source.line_col(allow.call.0).0,
                    message: "re-exported tables left `allow_tables_to_appear_in_same_query!`: pairs of them with this file's own tables must be allowed again by hand".into(),
                });
            }
        }
    }
}
