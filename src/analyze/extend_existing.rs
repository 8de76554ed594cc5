//! DM004 extend-existing: `extend_existing`, `keep_existing` or `useexisting` on a table, the
//! band-aid that hides duplicate definitions instead of removing them.

use std::collections::{BTreeMap, BTreeSet};

use super::Context;
use crate::index::facts::{BandAid, Span};
use crate::index::models::{Origin, TableId};
use crate::index::module_map::FileId;
use crate::report::{Code, Finding};

/// One band-aid as written, and every table it applies to: a flag in the `__table_args__` of an
/// abstract base or a mixin covers each table that inherits it, and removing it removes it from
/// all of them.
pub struct FlagSite<'a> {
    pub file: FileId,
    pub flag: &'a BandAid,
    /// In the order the index lists them; never empty.
    pub tables: Vec<TableId>,
    /// The class whose body holds the flag, when it is not the table's own class (`Base`).
    pub holder: Option<&'a str>,
}

impl FlagSite<'_> {
    /// `table `news``, or `` `Base` (path:9), whose tables are `news`, `users` ``.
    pub fn subject(&self, ctx: &Context) -> String {
        let tables = &ctx.index.models.tables;
        let mut names: Vec<String> = Vec::new();
        for &t in &self.tables {
            let name = format!("`{}`", tables[t].name);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        match (self.holder, names.as_slice()) {
            (None, [one]) => format!("table {one}"),
            (holder, _) => format!(
                "`{}` ({}), which covers table{} {}",
                holder.unwrap_or("the class"),
                ctx.at(self.file, self.flag.span.0),
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            ),
        }
    }
}

/// Every band-aid once, with the tables it covers.
pub fn flag_sites<'a>(ctx: &Context<'a>) -> Vec<FlagSite<'a>> {
    let index = ctx.index;
    let mut sites: BTreeMap<(FileId, Span), FlagSite<'a>> = BTreeMap::new();
    let mut order = Vec::new();
    for (id, def) in index.models.tables.iter().enumerate() {
        for (file, flag) in &def.flags {
            let key = (*file, flag.span);
            sites
                .entry(key)
                .or_insert_with(|| {
                    order.push(key);
                    let holder = holder(ctx, id, *file, flag.span);
                    FlagSite {
                        file: *file,
                        flag,
                        tables: Vec::new(),
                        holder,
                    }
                })
                .tables
                .push(id);
        }
    }
    order
        .into_iter()
        .filter_map(|key| sites.remove(&key))
        .collect()
}

/// The class whose body holds the flag at `span` of `file`, unless it is the table's own class
/// (or the flag is in a `Table(...)` call).
fn holder<'a>(ctx: &Context<'a>, table: TableId, file: FileId, span: Span) -> Option<&'a str> {
    let def = &ctx.index.models.tables[table];
    let facts = &ctx.index.files[file].facts;
    let at = facts
        .classes
        .iter()
        .position(|c| c.span.0 <= span.0 && span.1 <= c.span.1)?;
    let own = file == def.file
        && match def.origin {
            Origin::Class(c) => c == at,
            Origin::Table(t) => facts.tables[t].class == Some(at),
        };
    (!own).then_some(facts.classes[at].name.as_str())
}

/// What a band-aid on a table that the project defines once still hides, if anything: a second
/// definition in a folder the scan reads aside (a model snapshot in `dbmigrate/` on the live
/// base), a file that may define it but could not be read, or a module that can run under two
/// names because a folder is both a package and on `sys.path`. Removing the flag is proven safe
/// only when there is none of these.
pub struct Hidden {
    pub why: String,
    /// What a person must do before the flag can go.
    pub then: &'static str,
}

pub fn hidden(ctx: &Context, table: TableId) -> Option<Hidden> {
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
        return Some(Hidden {
            why: format!(
                "it hides the definition at {} on the same metadata, in a migration folder the scan does not report on",
                aside.join(", ")
            ),
            then: "remove it by hand once that copy no longer defines the table on this metadata (a migration can use `sa.table()`)",
        });
    }
    // A file the index could not see may define the table a second time: nothing proves the
    // flag can go (migration folders included, whose warnings are otherwise not reported).
    let unseen: Vec<&str> = index
        .unseen_model_files_anywhere()
        .map(|f| f.display.as_str())
        .collect();
    if !unseen.is_empty() {
        const SHOWN: usize = 3;
        let more = match unseen.len().saturating_sub(SHOWN) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        return Some(Hidden {
            why: format!(
                "whether it can go is unknown: {}{more} could not be read or parsed and may define this table again",
                unseen[..unseen.len().min(SHOWN)].join(", ")
            ),
            then: "make those files readable (see their warnings) and run again",
        });
    }
    // `streamlit run app.py` executes the script again in the same process on every rerun: its
    // classes define their tables again, which is what the flag lets through (pytidb's examples:
    // "Avoid table already defined error when streamlit rerun the script").
    let source = &index.files[def.file];
    if source.facts.imports_streamlit() {
        return Some(Hidden {
            why: format!(
                "{} imports streamlit, which runs an app script again in the same process on every rerun: each run defines the table again",
                source.display
            ),
            then: "keep it while the script runs under streamlit",
        });
    }
    let (inner, outer) = index.module_map.package_root_names(def.file)?;
    Some(Hidden {
        why: format!(
            "it hides that {} can run under two module names, `{inner}` and `{outer}`: a folder above it is both a package and on sys.path",
            index.files[def.file].display
        ),
        then: "remove it by hand once that folder is no longer both a package and on sys.path",
    })
}

/// Why no table of `site` may lose the flag yet, table by table: another definition, a second
/// module name, something hidden (`hidden`). Empty when every table it covers has one definition.
fn reasons(ctx: &Context, site: &FlagSite, dual: &BTreeSet<FileId>) -> Vec<String> {
    let models = &ctx.index.models;
    let several = site.tables.len() > 1;
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut told = Vec::new();
    for &id in &site.tables {
        let def = &models.tables[id];
        let cluster = ctx.duplicates.iter().position(|c| c.contains(&id));
        if cluster.is_some() && told.contains(&cluster) {
            continue; // a table defined twice under the flag is told once
        }
        told.push(cluster);
        let why = match cluster.map(|c| &ctx.duplicates[c]) {
            Some(cluster) => {
                let others: Vec<(&str, u32)> = cluster
                    .iter()
                    .filter(|&&t| t != id)
                    .map(|&t| {
                        let source = &ctx.index.files[models.tables[t].file];
                        (
                            source.display.as_str(),
                            source.line_col(models.tables[t].offset).0,
                        )
                    })
                    .collect();
                Some(hides_others(&others))
            }
            None if dual.contains(&def.file) => Some(format!(
                "it hides that {} is imported under two module names",
                ctx.index.files[def.file].display
            )),
            None => hidden(ctx, id).map(|h| h.why),
        };
        if let Some(why) = why {
            let name = format!("`{}`", def.name);
            match groups.iter_mut().find(|(w, _)| *w == why) {
                Some((_, names)) if !names.contains(&name) => names.push(name),
                Some(_) => {}
                None => groups.push((why, vec![name])),
            }
        }
    }
    // Tables with one reason share it (four tables of one file run under two names).
    const SHOWN: usize = 3;
    let mut out: Vec<String> = groups
        .iter()
        .take(SHOWN)
        .map(|(why, names)| {
            if several {
                format!("on {}, {why}", names.join(", "))
            } else {
                why.clone()
            }
        })
        .collect();
    if groups.len() > SHOWN {
        let more = groups.len() - SHOWN;
        out.push(format!(
            "and {more} more reason{}",
            if more == 1 { "" } else { "s" }
        ));
    }
    out
}

/// `it hides the other definition at a.py:4, b.py:9`; with more than three, the count and the
/// first three files with their lines (at most three each), then how many more
/// (`it hides the 29 other definitions at a.py:4, 12, b.py:9, c.py:3 and 25 more`), as DM003
/// shows the places of a reason.
fn hides_others(others: &[(&str, u32)]) -> String {
    const SHOWN: usize = 3;
    if others.len() <= SHOWN {
        let places: Vec<String> = others
            .iter()
            .map(|(path, line)| format!("{path}:{line}"))
            .collect();
        return format!("it hides the other definition at {}", places.join(", "));
    }
    // One entry per file, with its lines, in the order of the definitions.
    let mut files: Vec<(&str, Vec<u32>)> = Vec::new();
    for &(path, line) in others {
        match files.iter_mut().find(|(p, _)| *p == path) {
            Some((_, lines)) => lines.push(line),
            None => files.push((path, vec![line])),
        }
    }
    let mut told = 0;
    let listed: Vec<String> = files
        .iter()
        .take(SHOWN)
        .map(|(path, lines)| {
            let lines: Vec<String> = lines.iter().take(SHOWN).map(u32::to_string).collect();
            told += lines.len();
            format!("{path}:{}", lines.join(", "))
        })
        .collect();
    let tail = match others.len() - told {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    format!(
        "it hides the {} other definitions at {}{tail}",
        others.len(),
        listed.join(", ")
    )
}

pub fn findings(ctx: &Context) -> Vec<Finding> {
    let dual: BTreeSet<usize> = ctx.runtime.dual_loaded().map(|(f, _)| f).collect();
    let mut out = Vec::new();
    for site in flag_sites(ctx) {
        let reasons = reasons(ctx, &site, &dual);
        let why = if !reasons.is_empty() {
            reasons.join("; ")
        } else if site.tables.len() > 1 {
            "each of these tables has one definition, so the flag can go".to_owned()
        } else {
            "the table has one definition, so the flag can go".to_owned()
        };
        let message = format!(
            "`{}` on {} is a band-aid: {why}",
            site.flag.flag,
            site.subject(ctx)
        );
        let id = site.tables[0];
        out.push(ctx.table_finding(Code::DM004, id, site.flag.span.0, message));
        let last = out.last_mut().unwrap();
        if site.file != ctx.index.models.tables[id].file {
            let source = &ctx.index.files[site.file];
            last.path = source.display.clone();
            (last.line, last.column) = source.line_col(site.flag.span.0);
        }
    }
    out
}
