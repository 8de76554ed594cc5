//! DM004 extend-existing: `extend_existing`, `keep_existing` or `useexisting` on a table, the
//! band-aid that hides duplicate definitions instead of removing them.

use std::collections::BTreeSet;

use super::Context;
use crate::index::models::TableId;
use crate::report::{Code, Finding};

/// What a band-aid on a table that the project defines once still hides, if anything: a second
/// definition in a folder the scan reads aside (a model snapshot in `dbmigrate/` on the live
/// base), or a module that can run under two names because a folder is both a package and on
/// `sys.path`. Removing the flag is proven safe only when there is neither.
pub fn hidden(ctx: &Context, table: TableId) -> Option<String> {
    let index = ctx.index;
    let def = &index.models.tables[table];
    let key = ctx.key(table);
    let aside: Vec<String> = index
        .aside_tables
        .iter()
        .filter(|t| ctx.key_of(t) == key)
        .map(|t| ctx.at(t.file, t.offset))
        .collect();
    if !aside.is_empty() {
        return Some(format!(
            "it hides the definition at {} on the same metadata, in a migration folder the scan does not report on",
            aside.join(", ")
        ));
    }
    let (inner, outer) = index.module_map.package_root_names(def.file)?;
    Some(format!(
        "it hides that {} can run under two module names, `{inner}` and `{outer}`: a folder above it is both a package and on sys.path",
        index.files[def.file].display
    ))
}

pub fn findings(ctx: &Context) -> Vec<Finding> {
    let models = &ctx.index.models;
    let dual: BTreeSet<usize> = ctx.runtime.dual_loaded().map(|(f, _)| f).collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (id, def) in models.tables.iter().enumerate() {
        for (file, flag) in &def.flags {
            if !seen.insert((*file, flag.span)) {
                continue;
            }
            let cluster = ctx.duplicates.iter().find(|c| c.contains(&id));
            let why = match cluster {
                Some(cluster) => {
                    let others: Vec<String> = cluster
                        .iter()
                        .filter(|&&t| t != id)
                        .map(|&t| ctx.at(models.tables[t].file, models.tables[t].offset))
                        .collect();
                    format!("it hides the other definition at {}", others.join(", "))
                }
                None if dual.contains(&def.file) => {
                    format!(
                        "it hides that {} is imported under two module names",
                        ctx.index.files[def.file].display
                    )
                }
                None => hidden(ctx, id)
                    .unwrap_or_else(|| "the table has one definition, so the flag can go".into()),
            };
            let message = format!(
                "`{}` on table `{}` is a band-aid: {why}",
                flag.flag, def.name
            );
            out.push(ctx.table_finding(Code::DM004, id, flag.span.0, message));
            let last = out.last_mut().unwrap();
            if *file != def.file {
                let source = &ctx.index.files[*file];
                last.path = source.display.clone();
                (last.line, last.column) = source.line_col(flag.span.0);
            }
        }
    }
    out
}
