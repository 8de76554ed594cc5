//! DM004 extend-existing: `extend_existing`, `keep_existing` or `useexisting` on a table, the
//! band-aid that hides duplicate definitions instead of removing them.

use std::collections::BTreeSet;

use super::Context;
use crate::report::{Code, Finding};

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
                None => "the table has one definition, so the flag can go".to_owned(),
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
