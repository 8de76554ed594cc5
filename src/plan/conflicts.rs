//! What a person must look at after a duplicate is replaced by the canonical definition: the
//! columns both declare differently (the canonical's declaration wins), and, after a merge that
//! changed the canonical table, the migration the database needs.

use super::Planner;
use crate::analyze::differences;
use crate::index::models::TableDef;

/// A `note:` naming every column `dup` declares differently from `canonical`; a primary key whose
/// type changes is said on its own, since foreign keys and stored ids depend on it.
pub fn note_conflicts(p: &mut Planner, dup: &TableDef, canonical: &TableDef) {
    let differ = differences(dup, canonical);
    if differ.is_empty() {
        return;
    }
    let ctx = p.ctx;
    let listed: Vec<String> = differ
        .iter()
        .map(|(name, what)| format!("`{name}` ({})", what.join(", ")))
        .collect();
    let mut message = format!(
        "`{}` here declares {} differently from the canonical `{}` at {}: the canonical's declarations are kept, so check the code and the rows written through `{}` here against them",
        dup.symbol,
        listed.join("; "),
        canonical.symbol,
        ctx.at(canonical.file, canonical.offset),
        dup.symbol,
    );
    let is_key = |name: &str| {
        [dup, canonical]
            .iter()
            .any(|d| d.columns.iter().any(|c| c.name == name && c.primary_key))
    };
    for (name, what) in differ.iter().filter(|(name, _)| is_key(name)) {
        let types = what
            .iter()
            .find_map(|w| w.strip_prefix("type ")?.split_once(" vs "));
        if let Some((here, there)) = types {
            message.push_str(&format!(
                "; the primary key `{name}` changes type ({here} here, {there} in the canonical): the foreign keys that point at it and the ids code stores or passes must be {there} too"
            ));
        }
    }
    p.note(dup.file, dup.offset, message);
}

/// After `--merge-columns` added `columns` to `canonical`: the table in the database was created
/// by one of the two definitions, so it does not have them all.
pub fn note_migration(p: &mut Planner, canonical: &TableDef, columns: &[String]) {
    if columns.is_empty() {
        return;
    }
    let listed: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
    let message = format!(
        "`{}` now declares {} {} merged from its duplicates: the `{}` table in the database was created by one of the definitions, so it may lack {}: it needs a migration (with Alembic: `alembic revision --autogenerate`, then review and apply it)",
        canonical.symbol,
        if columns.len() == 1 { "column" } else { "columns" },
        listed.join(", "),
        canonical.full_name(),
        if columns.len() == 1 { "it" } else { "them" },
    );
    p.note(canonical.file, canonical.offset, message);
}
