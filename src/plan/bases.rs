//! DM003: a second declarative base becomes an import of the primary one, under its own name.

use std::collections::BTreeMap;

use super::{Change, Planner, ShimKey};
use crate::analyze::duplicate_base::secondaries;
use crate::index::facts::TextEdit;
use crate::index::models::{BaseId, BaseKind, Models, Origin};

pub fn plan(p: &mut Planner) {
    let ctx = p.ctx;
    let models = &ctx.index.models;
    for secondary in secondaries(ctx) {
        let info = &models.bases[secondary.metadata];
        let Some(file) = info.file else { continue };
        let Some(primary) = declarative_base_of(models, secondary.primary) else {
            p.skip(file, info.offset, format!("base `{}` is not unified: the tables of {} are not mapped on a declarative base it could import", info.name, ctx.base_name(secondary.primary)));
            continue;
        };
        let primary = &models.bases[primary];
        let Some(primary_file) = primary.file else {
            continue;
        };
        let change = Change::Base(secondary.metadata);
        if let Some(why) = p.left_out(change, file) {
            p.skip(
                file,
                info.offset,
                format!("base `{}` is not unified: {why}", info.name),
            );
            continue;
        }
        let span = match find_statement(p, file, info.offset, info.kind) {
            Some(span) => span,
            None => {
                p.skip(file, info.offset, format!("base `{}` is not unified: only `declarative_base()` assignments and `DeclarativeBase` subclasses are", info.name));
                continue;
            }
        };
        // Tables of this base that the primary also defines must all become re-exports first,
        // or unifying would define them twice on one MetaData.
        let clash = models.tables.iter().enumerate().find(|(_, t)| {
            t.metadata == secondary.metadata
                && models.tables.iter().any(|o| {
                    o.metadata == secondary.primary && o.name == t.name && o.schema == t.schema
                })
                && !{
                    let key = match t.origin {
                        Origin::Class(c) => ShimKey::Class(t.file, c),
                        Origin::Table(i) => ShimKey::Table(t.file, i),
                    };
                    p.shimmed.contains_key(&key) || p.replaced.contains(&key)
                }
        });
        if let Some((_, table)) = clash {
            p.skip(file, info.offset, format!("base `{}` is not unified: its table `{}` would then be defined twice on one MetaData", info.name, table.name));
            continue;
        }
        if p.loads(primary_file, file) {
            p.skip(file, info.offset, format!("base `{}` is not unified: {} imports this module, so the import would be circular", info.name, ctx.index.files[primary_file].display));
            continue;
        }
        let Some(module) = p.module_name(primary_file) else {
            continue;
        };
        let alias = if info.name == primary.name {
            String::new()
        } else {
            format!(" as {}", info.name)
        };
        // Kept importable under the old name: a re-export, which linters must not call unused.
        let content = format!("from {module} import {}{alias}  # noqa: F401", primary.name);
        let reason = format!(
            "use the one declarative base `{}` of {module}",
            primary.name
        );
        if p.file(file).add(
            TextEdit {
                start: span.0,
                end: span.1,
                content,
            },
            change,
            reason,
        ) {
            p.removed.entry(file).or_default().push(span);
            p.added.push((file, primary_file));
        }
    }
}

/// The declarative base that most tables on `metadata` are mapped on: the MetaData's own base, or
/// `Base` in `Base = declarative_base(metadata=metadata)`; never the MetaData object itself.
fn declarative_base_of(models: &Models, metadata: BaseId) -> Option<BaseId> {
    let mut counts: BTreeMap<BaseId, usize> = BTreeMap::new();
    for table in models.tables.iter().filter(|t| t.metadata == metadata) {
        *counts.entry(table.registry).or_default() += 1;
    }
    let (registry, _) = counts
        .into_iter()
        .max_by_key(|&(id, n)| (n, std::cmp::Reverse(id)))?;
    matches!(
        models.bases[registry].kind,
        BaseKind::DeclarativeBase | BaseKind::DeclarativeClass
    )
    .then_some(registry)
}

/// The statement that creates the base: the `Base = declarative_base()` assignment or the class.
fn find_statement(p: &Planner, file: usize, offset: u32, kind: BaseKind) -> Option<(u32, u32)> {
    let facts = &p.ctx.index.files[file].facts;
    match kind {
        BaseKind::DeclarativeBase => facts
            .decls
            .iter()
            .find(|d| d.stmt.0 == offset)
            .map(|d| d.stmt),
        BaseKind::DeclarativeClass => facts
            .classes
            .iter()
            .find(|c| c.name_offset == offset)
            .map(|c| c.span),
        _ => None,
    }
}
