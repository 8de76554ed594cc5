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
            let mut reasons = Vec::new();
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
                match c.via {
                    Via::ForeignKey => reasons.push(format!(
                        "{} at {} points into a table that only {} defines, which raises NoReferencedTableError",
                        c.detail,
                        ctx.at(c.file, c.offset),
                        ctx.base_name(c.to)
                    )),
                    Via::Relationship => reasons.push(format!(
                        "{} at {} names a class that only the registry of {} holds",
                        c.detail,
                        ctx.at(c.file, c.offset),
                        ctx.base_name(c.to)
                    )),
                    Via::CreateAll => {
                        let shared: Vec<&str> = mine.intersection(&tables_of(other)).copied().collect();
                        if !shared.is_empty() {
                            reasons.push(format!(
                                "both create table{} {} with `create_all` on one engine in {}",
                                if shared.len() == 1 { "" } else { "s" },
                                shared.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
                                c.detail
                            ));
                        }
                    }
                }
            }
            reasons.dedup();
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
