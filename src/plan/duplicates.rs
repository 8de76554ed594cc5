//! DM001: each non-canonical definition becomes a re-export of the canonical one, under its own
//! name, so every old import path keeps working.

use std::collections::{BTreeMap, BTreeSet};

use super::{Change, DroppedColumn, Lossy, Planner, ShimKey};
use crate::index::facts::TextEdit;
use crate::index::facts::{Column, Relationship};
use crate::index::models::{Origin, TableDef};

pub fn plan(p: &mut Planner) {
    let ctx = p.ctx;
    let tables = &ctx.index.models.tables;
    for cluster_index in 0..ctx.duplicates.len() {
        let cluster = p.cluster(cluster_index);
        let canonical = &tables[cluster[0]];
        let change = Change::Table(cluster_index);
        if p.leaves(change) {
            for &t in &cluster[1..] {
                let dup = &tables[t];
                let message = format!("table `{}` is not fixed: you chose to leave it", dup.name);
                p.skip(dup.file, dup.offset, message);
            }
            p.plan
                .tables_left
                .insert(cluster_index, "you chose to leave it".into());
            continue;
        }
        let lossy = p
            .options
            .choices
            .lossy
            .get(&cluster_index)
            .copied()
            .or(p.options.merge_columns.then_some(Lossy::Merge));
        let Some(module) = p.module_name(canonical.file) else {
            p.skip(
                canonical.file,
                canonical.offset,
                format!(
                    "table `{}` is not fixed: {} has no importable module name; put it in a package under an import root (or add its folder to `roots` in [tool.dedupe-models]), then run again",
                    canonical.name, ctx.index.files[canonical.file].display
                ),
            );
            continue;
        };
        let mut problems = Vec::new();
        // A Table mapped imperatively: its class copies re-export the mapped class from the
        // module that maps it (importing that module maps the class).
        let mapped = canonical
            .imperative
            .as_ref()
            .map(|imp| (imp.file, p.module_name(imp.file), imp.name.clone()));
        if let Some((file, None, _)) = &mapped {
            problems.push(format!(
                "{} has no importable module name",
                ctx.index.files[*file].display
            ));
        }
        // A Table and a class of one table: neither can be a re-export of the other.
        let mut pairs = BTreeMap::new();
        // The module each re-export imports, as written in the duplicate's module.
        let mut written = BTreeMap::new();
        for &t in &cluster[1..] {
            let dup = &tables[t];
            let pair = super::pairs::is_pair(p, dup, canonical);
            if pair {
                let fix = if matches!(dup.origin, Origin::Class(_)) {
                    super::pairs::class_onto_table(p, dup, canonical, &module)
                } else {
                    super::pairs::table_of_class(p, dup, canonical, &module)
                };
                match fix {
                    Ok(fix) => {
                        // Another table's fix in the same file may already write there (two
                        // Tables made `Class.__table__`, each importing its class at one
                        // place): half a fix would leave a name unimported.
                        let planned = p.plan.files.get(&dup.file);
                        if let Some((edit, _)) = fix
                            .edits
                            .iter()
                            .find(|(e, _)| planned.is_some_and(|f| f.overlaps(e.start, e.end)))
                        {
                            problems.push(format!(
                                "its edit `{}` would go where another table's fix already writes in {}; run the fix again once that one is in",
                                edit.content.trim(),
                                ctx.index.files[dup.file].display
                            ));
                        }
                        if fix.imports_canonical {
                            match p.import_name(dup.file, canonical.file, &module) {
                                Ok(name) if name.level == 0 => {}
                                Ok(_) => problems.push(format!(
                                    "a script loads {} where `{module}` is not found, and this fix writes no relative import; fix this table by hand",
                                    ctx.index.files[dup.file].display
                                )),
                                Err(why) => problems.push(not_importable(why)),
                            }
                        }
                        pairs.insert(t, fix);
                    }
                    Err(why) => problems.push(why),
                }
            } else if dup.file != canonical.file {
                let (source, source_module) = match (&mapped, dup.origin) {
                    (Some((file, Some(m), _)), Origin::Class(_)) => (*file, m.clone()),
                    _ => (canonical.file, module.clone()),
                };
                match p.import_name(dup.file, source, &source_module) {
                    Ok(name) => {
                        written.insert(t, name.text());
                    }
                    Err(why) => problems.push(not_importable(why)),
                }
            }
            if !pair
                && matches!(dup.origin, Origin::Class(_))
                    != matches!(canonical.origin, Origin::Class(_))
                && !(mapped.is_some() && matches!(dup.origin, Origin::Class(_)))
            {
                problems.push(format!(
                    "`{}` is a {} and the canonical `{}` a {}",
                    dup.symbol,
                    kind(dup),
                    canonical.symbol,
                    kind(canonical)
                ));
            }
            if dup.file == canonical.file {
                problems.push(format!(
                    "`{}` and `{}` are in one module, where a re-export cannot replace one of them; keep one and delete the other by hand",
                    dup.symbol, canonical.symbol
                ));
            }
            if p.frozen(dup.file) {
                problems.push(p.frozen_because(dup.file));
            }
            let lost = lost_fields(dup, canonical);
            if !lost.is_empty() && lossy == Some(Lossy::Merge) && p.frozen(canonical.file) {
                problems.push(format!(
                    "merging needs {}, which you left unchanged; accept that file too, or choose to drop the columns",
                    ctx.index.files[canonical.file].display
                ));
            }
            if !lost.is_empty() && lossy.is_none() {
                // Advise `--merge-columns` only where it would do the merge.
                let what = match super::merge::merge(p, dup, canonical, &mut BTreeSet::new()) {
                    Ok(_) => format!(
                        "pass --merge-columns to copy them into `{}`, or add them by hand",
                        canonical.symbol
                    ),
                    Err(why) => format!("add them by hand (--merge-columns cannot: {why})"),
                };
                problems.push(format!(
                    "`{}` at {} has {} that `{}` lacks; {what}",
                    dup.symbol,
                    ctx.at(dup.file, dup.offset),
                    lost.join(", "),
                    canonical.symbol,
                ));
            }
        }
        // What the whole plan showed in an earlier round (`super::after`).
        if let Some(why) = p.held.get(&cluster_index) {
            if !problems.contains(why) {
                problems.push(why.clone());
            }
        }
        let mut merges = Vec::new();
        if problems.is_empty() && lossy == Some(Lossy::Merge) {
            let mut already = std::collections::BTreeSet::new();
            for &t in &cluster[1..] {
                match super::merge::merge(p, &tables[t], canonical, &mut already) {
                    Ok(edits) => merges.extend(edits),
                    Err(why) => problems.push(format!("cannot merge columns: {why}")),
                }
            }
        }
        for edit in merges.into_iter().filter(|_| problems.is_empty()) {
            let reason = format!(
                "copy the columns only a duplicate of table `{}` has into `{}`",
                canonical.name, canonical.symbol
            );
            p.file(canonical.file).add(edit, change, reason);
        }
        if !problems.is_empty() {
            p.plan
                .tables_left
                .insert(cluster_index, problems.join("; "));
            for &t in &cluster[1..] {
                let dup = &tables[t];
                p.skip(
                    dup.file,
                    dup.offset,
                    format!("table `{}` is not fixed: {}", dup.name, problems.join("; ")),
                );
            }
            continue;
        }
        if lossy == Some(Lossy::Merge) {
            let mut merged: Vec<String> = cluster[1..]
                .iter()
                .flat_map(|&t| lost(&tables[t], canonical).0)
                .map(|c| c.name.to_string())
                .collect();
            merged.sort();
            merged.dedup();
            super::conflicts::note_migration(p, canonical, &merged);
        }
        for &t in &cluster[1..] {
            let dup = &tables[t];
            let lost = lost_fields(dup, canonical);
            if !lost.is_empty() && lossy == Some(Lossy::Drop) {
                for column in self::lost(dup, canonical).0 {
                    p.plan.dropped.push(DroppedColumn {
                        table: dup.full_name(),
                        column: column.name.to_string(),
                    });
                }
                let message = format!(
                    "`{}` here loses {}: you chose to drop them (the database keeps its columns)",
                    dup.symbol,
                    lost.join(", ")
                );
                p.note(dup.file, dup.offset, message);
            }
            // Code written against the duplicate never sets what it did not have.
            let had: std::collections::BTreeSet<&str> =
                dup.columns.iter().map(|c| c.name.as_str()).collect();
            let required: Vec<String> = canonical
                .columns
                .iter()
                .filter(|c| {
                    c.nullable == Some(false)
                        && !c.primary_key
                        && !c.has_default
                        && !had.contains(c.name.as_str())
                })
                .map(|c| format!("`{}`", c.name))
                .collect();
            if !required.is_empty() {
                let message = format!(
                    "`{}` here had no column {}, which the canonical `{}` at {} declares NOT NULL without a default: code that created `{}` rows must now set {}",
                    dup.symbol,
                    required.join(", "),
                    canonical.symbol,
                    ctx.at(canonical.file, canonical.offset),
                    dup.symbol,
                    if required.len() == 1 { "it" } else { "them" }
                );
                p.note(dup.file, dup.offset, message);
            }
            super::conflicts::note_conflicts(p, dup, canonical);
            if let Some(fix) = pairs.remove(&t) {
                let reason = match dup.origin {
                    Origin::Class(_) => format!(
                        "map `{}` onto `{}` from {module}: the one definition of table `{}`",
                        dup.symbol, canonical.symbol, dup.name
                    ),
                    Origin::Table(_) => format!(
                        "`{}` becomes the table of `{}` from {module}: the one definition of table `{}`",
                        dup.symbol, canonical.symbol, dup.name
                    ),
                };
                for (edit, removes) in fix.edits {
                    if p.file(dup.file).add(edit, change, reason.clone()) {
                        p.removed.entry(dup.file).or_default().extend(removes);
                    }
                }
                p.replaced.insert(shim_key(dup));
                if fix.imports_canonical {
                    p.added.push((dup.file, canonical.file));
                    p.re_exports.push(super::after::ReExport {
                        cluster: cluster_index,
                        dup: dup.file,
                        canonical: canonical.file,
                    });
                }
                continue;
            }
            let (source, module, symbol) = match (&mapped, dup.origin) {
                (Some((file, Some(module), name)), Origin::Class(_)) => {
                    (*file, module.clone(), name.clone())
                }
                _ => (canonical.file, module.clone(), canonical.symbol.clone()),
            };
            let alias = if dup.symbol == symbol {
                String::new()
            } else {
                format!(" as {}", dup.symbol)
            };
            // A re-export for the module's importers: linters must not call it unused.
            let from = written.get(&t).cloned().unwrap_or_else(|| module.clone());
            let content = format!("from {from} import {symbol}{alias}  # noqa: F401");
            let reason = format!(
                "re-export `{symbol}` from {module}: the one definition of table `{}`",
                dup.name
            );
            let edit = TextEdit {
                start: dup.span.0,
                end: dup.span.1,
                content,
            };
            if p.file(dup.file).add(edit, change, reason) {
                p.removed.entry(dup.file).or_default().push(dup.span);
                p.added.push((dup.file, source));
                p.re_exports.push(super::after::ReExport {
                    cluster: cluster_index,
                    dup: dup.file,
                    canonical: source,
                });
                p.shimmed
                    .insert(shim_key(dup), (module, symbol, cluster_index));
            }
        }
        p.fixed_clusters.insert(cluster_index);
    }
}

/// Why a re-export cannot be written, as a table's problem: `why` from `Planner::import_name`.
fn not_importable(why: String) -> String {
    format!("a re-export would not import: {why}; run that script with the project's root on `sys.path` (`python -m`), or fix this table by hand")
}

fn shim_key(def: &TableDef) -> ShimKey {
    match def.origin {
        Origin::Class(c) => ShimKey::Class(def.file, c),
        Origin::Table(i) => ShimKey::Table(def.file, i),
    }
}

fn kind(def: &TableDef) -> &'static str {
    match def.origin {
        Origin::Class(_) => "mapped class",
        Origin::Table(_) => "Table",
    }
}

/// Columns and relationships the duplicate has and the canonical lacks, by database column name
/// and attribute name.
pub fn lost<'d>(
    dup: &'d TableDef,
    canonical: &TableDef,
) -> (Vec<&'d Column>, Vec<&'d Relationship>) {
    let columns: BTreeSet<&str> = canonical.columns.iter().map(|c| c.name.as_str()).collect();
    // A class mapped onto a kept Table keeps its relationships (`super::pairs`).
    let onto_table = matches!(dup.origin, Origin::Class(_))
        && matches!(canonical.origin, Origin::Table(_))
        && canonical.imperative.is_none()
        && canonical.relationships.is_empty();
    let relationships: BTreeSet<&str> = canonical
        .relationships
        .iter()
        .map(|r| r.attr.as_str())
        .collect();
    (
        dup.columns
            .iter()
            .filter(|c| !columns.contains(c.name.as_str()))
            .collect(),
        dup.relationships
            .iter()
            .filter(|r| !onto_table && !relationships.contains(r.attr.as_str()))
            .collect(),
    )
}

/// The lost columns and relationships as words: "column `title`", "relationship `owner`".
pub fn lost_fields(dup: &TableDef, canonical: &TableDef) -> Vec<String> {
    let (columns, relationships) = lost(dup, canonical);
    columns
        .iter()
        .map(|c| format!("column `{}`", c.name))
        .chain(
            relationships
                .iter()
                .map(|r| format!("relationship `{}`", r.attr)),
        )
        .collect()
}
