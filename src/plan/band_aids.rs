//! DM004: `extend_existing`, `keep_existing` and `useexisting` go once their table has one
//! definition and its module one name.

use std::collections::BTreeSet;

use super::Planner;

pub fn plan(p: &mut Planner) {
    let ctx = p.ctx;
    let tables = &ctx.index.models.tables;
    let dual: BTreeSet<usize> = ctx.runtime.dual_loaded().map(|(f, _)| f).collect();
    let mut done = BTreeSet::new();
    for (id, def) in tables.iter().enumerate() {
        for (file, flag) in &def.flags {
            if !done.insert((*file, flag.span)) || p.file(*file).covers(flag.span) {
                continue; // gone with its definition, or already planned
            }
            let cluster = ctx.duplicates.iter().position(|c| c.contains(&id));
            let one_definition = cluster.is_none_or(|c| p.fixed_clusters.contains(&c));
            let one_name = !dual.contains(&def.file) || p.fixed_dual.contains(&def.file);
            if !one_definition || !one_name || flag.removal.is_empty() {
                if flag.removal.is_empty() && one_definition && one_name {
                    continue; // another band-aid of the same dict takes it with it
                }
                p.skip(
                    *file,
                    flag.span.0,
                    format!(
                        "`{}` on table `{}` stays until its duplicate is fixed",
                        flag.flag, def.name
                    ),
                );
                continue;
            }
            let reason = format!(
                "remove `{}` from table `{}`: it has one definition now",
                flag.flag, def.name
            );
            for edit in &flag.removal {
                p.file(*file).add(edit.clone(), reason.clone());
            }
        }
    }
}
