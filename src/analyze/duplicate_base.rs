//! DM003 duplicate-base: a second declarative base or MetaData connected to another one.

use std::collections::{BTreeMap, BTreeSet};

use super::connections::Via;
use super::Context;
use crate::index::models::BaseId;
use crate::report::{Code, Finding};

/// A second base: its metadata, the primary metadata of its database, and why they are one.
pub struct Secondary {
    pub metadata: BaseId,
    pub primary: BaseId,
    pub reasons: Vec<String>,
}

pub fn findings(ctx: &Context) -> Vec<Finding> {
    let models = &ctx.index.models;
    let mut out = Vec::new();
    for secondary in secondaries(ctx) {
        let info = &models.bases[secondary.metadata];
        let Some(file) = info.file else { continue };
        let message = format!(
            "second declarative base `{}` beside {}: {}",
            info.name,
            ctx.base_name(secondary.primary),
            secondary.reasons.join("; ")
        );
        let mut finding = ctx.finding(Code::DM003, file, info.offset, message);
        finding.symbol = Some(info.name.clone());
        out.push(finding);
    }
    out
}

pub fn secondaries(ctx: &Context) -> Vec<Secondary> {
    let models = &ctx.index.models;
    let mut groups: BTreeMap<BaseId, BTreeMap<BaseId, usize>> = BTreeMap::new();
    for def in &models.tables {
        *groups
            .entry(ctx.connections.group(def.metadata))
            .or_default()
            .entry(def.metadata)
            .or_default() += 1;
    }
    let mut out = Vec::new();
    for (group, members) in groups.iter().filter(|(_, m)| m.len() > 1) {
        let primary = *members
            .iter()
            .max_by_key(|(id, n)| (**n, std::cmp::Reverse(**id)))
            .map(|(id, _)| id)
            .unwrap();
        let tables_of = |md: BaseId| -> BTreeSet<&str> {
            models
                .tables
                .iter()
                .filter(|t| t.metadata == md)
                .map(|t| t.name.as_str())
                .collect()
        };
        for (&md, _) in members.iter().filter(|(id, _)| **id != primary) {
            let mine = tables_of(md);
            // Each reason once, with the places it comes from (twenty foreign keys to `users`
            // are one reason).
            let mut groups: Vec<Reason> = Vec::new();
            let mut add = |what: &str, why: String, place: Option<Place>| {
                let at = match groups.iter().position(|r| r.what == what && r.why == why) {
                    Some(at) => at,
                    None => {
                        groups.push(Reason {
                            what: what.to_owned(),
                            why,
                            places: Vec::new(),
                        });
                        groups.len() - 1
                    }
                };
                let places = &mut groups[at].places;
                if let Some(place) = place.filter(|p| !places.contains(p)) {
                    places.push(place);
                }
            };
            for c in ctx
                .connections
                .list
                .iter()
                .filter(|c| c.from == md || c.to == md)
            {
                let other = if c.from == md { c.to } else { c.from };
                if ctx.connections.group(other) != *group {
                    continue;
                }
                let place = c.on.as_ref().map(|on| Place {
                    on: on.clone(),
                    path: ctx.index.files[c.file].display.clone(),
                    line: ctx.index.files[c.file].line_col(c.offset).0,
                });
                match c.via {
                    Via::ForeignKey => add(
                        &c.detail,
                        format!(
                            "points into a table that only {} defines, which raises NoReferencedTableError",
                            ctx.base_name(c.to)
                        ),
                        place,
                    ),
                    Via::Relationship => add(
                        &c.detail,
                        format!(
                            "names a class that only the registry of {} holds",
                            ctx.base_name(c.to)
                        ),
                        place,
                    ),
                    Via::CreateAll => {
                        let shared: Vec<&str> = mine.intersection(&tables_of(other)).copied().collect();
                        if !shared.is_empty() {
                            add(
                                "",
                                format!(
                                    "both create table{} {} with `create_all` on one engine in {}",
                                    if shared.len() == 1 { "" } else { "s" },
                                    shared.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
                                    c.detail
                                ),
                                None,
                            );
                        }
                    }
                }
            }
            let reasons = shown(groups);
            if !reasons.is_empty() && models.bases[md].file.is_some() {
                out.push(Secondary {
                    metadata: md,
                    primary,
                    reasons,
                });
            }
        }
    }
    out
}

/// One reason two metadata are one database: a reference (`ForeignKey("users.id")`), what it
/// does, and where it is written (none for a `create_all` pair).
struct Reason {
    what: String,
    why: String,
    places: Vec<Place>,
}

/// The table or class a reference is on, and where.
#[derive(PartialEq)]
struct Place {
    on: String,
    path: String,
    line: u32,
}

/// At most three reasons, each with the places of at most three tables or classes, the way
/// DM004 shows its reasons: `X on `t` at a.py:3 points into ...` for one place, `X points into
/// ...: on `t` (a.py:3, 7), `u` (b.py:9), `v` (b.py:12) and 20 more` for several.
fn shown(reasons: Vec<Reason>) -> Vec<String> {
    const SHOWN: usize = 3;
    let more = reasons.len().saturating_sub(SHOWN);
    let mut out: Vec<String> = reasons
        .into_iter()
        .take(SHOWN)
        .map(|Reason { what, why, places }| {
            let what = if what.is_empty() {
                String::new()
            } else {
                format!("{what} ")
            };
            if let [one] = places.as_slice() {
                return format!("{what}on `{}` at {}:{} {why}", one.on, one.path, one.line);
            }
            // One entry per table or class and file, with its lines.
            let mut entries: Vec<(&str, &str, Vec<String>)> = Vec::new();
            for p in &places {
                match entries
                    .iter_mut()
                    .find(|(on, path, _)| *on == p.on && *path == p.path)
                {
                    Some((_, _, lines)) => lines.push(p.line.to_string()),
                    None => entries.push((&p.on, &p.path, vec![p.line.to_string()])),
                }
            }
            if entries.is_empty() {
                return format!("{what}{why}");
            }
            let listed: Vec<String> = entries
                .iter()
                .take(SHOWN)
                .map(|(on, path, lines)| format!("`{on}` ({path}:{})", lines.join(", ")))
                .collect();
            let tail = match entries.len().saturating_sub(SHOWN) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            format!("{what}{why}: on {}{tail}", listed.join(", "))
        })
        .collect();
    if more > 0 {
        out.push(format!(
            "and {more} more reason{}",
            if more == 1 { "" } else { "s" }
        ));
    }
    out
}
