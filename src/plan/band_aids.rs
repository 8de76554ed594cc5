//! DM004: `extend_existing`, `keep_existing` and `useexisting` go once their table has one
//! definition and its module one name.

use std::collections::BTreeSet;

use super::{Change, Planner};
use crate::analyze::dual_import_path::canonical_names;
use crate::analyze::extend_existing::{flag_sites, hidden};

pub fn plan(p: &mut Planner) {
    remove_flags(p);
    remove_warning_filters(p);
}

/// `warnings.filterwarnings` calls that silence duplicate-class warnings go once no duplicate and
/// no stray module name is left.
fn remove_warning_filters(p: &mut Planner) {
    let ctx = p.ctx;
    let all_fixed = p.fixed_clusters.len() == ctx.duplicates.len()
        && canonical_names(ctx)
            .iter()
            .all(|(f, _, _)| p.fixed_dual.contains(f));
    let live = &ctx.index.files[..ctx.index.live_files];
    for (file, source) in live.iter().enumerate() {
        for &span in &source.facts.warning_filters {
            let change = Change::BandAid(file, span);
            if let Some(why) = p.left_out(change, file) {
                p.skip(file, span.0, format!("the `warnings.filterwarnings` that hides duplicate-model warnings stays: {why}"));
            } else if all_fixed {
                let edit = crate::index::removal::remove_statement(&source.text, span);
                let reason =
                    "remove the filter that hid duplicate-model warnings: no duplicate is left";
                if p.file(file).add(edit, change, reason) {
                    p.removed.entry(file).or_default().push(span);
                }
            } else {
                p.skip(file, span.0, "the `warnings.filterwarnings` that hides duplicate-model warnings stays while duplicates are left (see the other skipped lines); fix them, then run again to remove it".into());
            }
        }
    }
}

fn remove_flags(p: &mut Planner) {
    let ctx = p.ctx;
    let tables = &ctx.index.models.tables;
    let dual: BTreeSet<usize> = ctx.runtime.dual_loaded().map(|(f, _)| f).collect();
    for site in flag_sites(ctx) {
        let (file, flag) = (site.file, site.flag);
        if p.file(file).covers(flag.span) {
            continue; // gone with its definition
        }
        let subject = site.subject(ctx);
        let change = Change::BandAid(file, flag.span);
        if let Some(why) = p.left_out(change, file) {
            let message = format!("`{}` on {subject} stays: {why}", flag.flag);
            p.skip(file, flag.span.0, message);
            continue;
        }
        // A flag on a base covers every table that inherits it: it goes only when each of them
        // has one definition and one module name once the plan is applied.
        if let Some(hidden) = site.tables.iter().find_map(|&id| hidden(ctx, id)) {
            // Removing it could bring back the error it hides: say what has to happen first.
            let message = format!(
                "`{}` on {subject} stays: {}; {}",
                flag.flag, hidden.why, hidden.then
            );
            p.skip(file, flag.span.0, message);
            continue;
        }
        let twice = site.tables.iter().copied().find(|&id| {
            let cluster = ctx.duplicates.iter().position(|c| c.contains(&id));
            !cluster.is_none_or(|c| p.fixed_clusters.contains(&c))
        });
        let two_names = site.tables.iter().copied().find(|&id| {
            dual.contains(&tables[id].file) && !p.fixed_dual.contains(&tables[id].file)
        });
        let stays = match (twice, two_names) {
            (Some(id), _) => {
                let table = match site.tables.len() {
                    1 => "the table".to_string(),
                    _ => format!("table `{}`", tables[id].name),
                };
                Some(format!(
                    "`{}` on {subject} stays while {table} is defined twice; fix the duplicate first (see its skipped line), then run again to remove it",
                    flag.flag
                ))
            }
            (None, Some(id)) => Some(format!(
                "`{}` on {subject} stays while {} runs under two module names; fix the stray module name first, then run again to remove it",
                flag.flag, ctx.index.files[tables[id].file].display
            )),
            (None, None) => None,
        };
        if let Some(message) = stays {
            p.skip(file, flag.span.0, message);
            continue;
        }
        if flag.removal.is_empty() {
            continue; // another band-aid of the same dict takes it with it
        }
        let reason = if site.tables.len() == 1 {
            format!(
                "remove `{}` from table `{}`: it has one definition now",
                flag.flag, tables[site.tables[0]].name
            )
        } else {
            format!(
                "remove `{}` from {subject}: each has one definition now",
                flag.flag
            )
        };
        for edit in &flag.removal {
            p.file(file).add(edit.clone(), change, reason.clone());
        }
    }
}
