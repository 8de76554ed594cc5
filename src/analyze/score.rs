//! The score that picks the canonical definition of a duplicated table, with its reasons.

use crate::index::models::{TableDef, TableId};
use crate::index::Index;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    pub total: i32,
    pub reasons: Vec<String>,
}

impl Score {
    pub fn explain(&self) -> String {
        if self.reasons.is_empty() {
            format!("score {}", self.total)
        } else {
            format!("score {} ({})", self.total, self.reasons.join(", "))
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `primary`: whether the definition is on the base most tables of its database use.
///
/// What a careful engineer keeps is the definition that carries the schema's truth, and one
/// schema scores the same whichever style writes it: `unique=True` on a column and a
/// `UniqueConstraint` on it in `__table_args__` are one unique constraint, `primary_key=True`
/// and a `PrimaryKeyConstraint` one primary key (the index applies table-level constraints to
/// the columns they name).
pub fn score(def: &TableDef, primary: bool) -> Score {
    let mut score = Score {
        total: 0,
        reasons: Vec::new(),
    };
    let mut add = |points: i32, reason: String| {
        score.total += points;
        score.reasons.push(format!("{reason} {points:+}"));
    };
    let count = |n: usize| n as i32;
    if !def.columns.is_empty() {
        add(
            count(def.columns.len()),
            plural(def.columns.len(), "column"),
        );
    }
    let keys = def.columns.iter().filter(|c| c.primary_key).count();
    match keys {
        0 => {}
        1 => add(2, "primary key".into()),
        n => add(
            2 + count(n) - 1,
            format!("composite primary key ({n} columns)"),
        ),
    }
    let fks = def
        .columns
        .iter()
        .filter(|c| c.foreign_key.is_some())
        .count()
        + def
            .constraints
            .iter()
            .map(|c| c.fk_targets.len())
            .sum::<usize>();
    if fks > 0 {
        add(2 * count(fks), plural(fks, "foreign key"));
    }
    let options: Vec<&str> = def
        .columns
        .iter()
        .flat_map(|c| c.fk_options.iter())
        .chain(def.constraints.iter().flat_map(|c| c.fk_options.iter()))
        .map(|o| o.split_once('=').map_or(o.as_str(), |(key, _)| key))
        .collect();
    if !options.is_empty() {
        let mut kinds = options.clone();
        kinds.sort_unstable();
        kinds.dedup();
        add(
            count(options.len()),
            format!(
                "{} ({})",
                plural(options.len(), "foreign-key option"),
                kinds.join(", ")
            ),
        );
    }
    if !def.relationships.is_empty() {
        let n = def.relationships.len();
        let paired = def
            .relationships
            .iter()
            .filter(|r| r.back_populates.is_some())
            .count();
        add(2 * count(n) + count(paired), plural(n, "relationship"));
    }
    let kind = |k: &'static str| def.constraints.iter().filter(move |c| c.kind == k);
    // A one-column unique constraint or unique index is already the column's `unique`.
    let unique = def.columns.iter().filter(|c| c.unique).count()
        + kind("UniqueConstraint")
            .chain(kind("Index").filter(|c| c.unique))
            .filter(|c| c.columns.len() != 1)
            .count();
    if unique > 0 {
        add(count(unique), plural(unique, "unique constraint"));
    }
    let indexes = def.columns.iter().filter(|c| c.index && !c.unique).count()
        + kind("Index").filter(|c| !c.unique).count();
    if indexes > 0 {
        add(
            count(indexes),
            if indexes == 1 {
                "1 index".to_owned()
            } else {
                format!("{indexes} indexes")
            },
        );
    }
    let checks = kind("CheckConstraint").count();
    if checks > 0 {
        add(count(checks), plural(checks, "check constraint"));
    }
    let known = [
        "UniqueConstraint",
        "Index",
        "CheckConstraint",
        "PrimaryKeyConstraint",
        "ForeignKeyConstraint",
    ];
    let other = def
        .constraints
        .iter()
        .filter(|c| !known.contains(&c.kind.as_str()))
        .count();
    if other > 0 {
        add(count(other), plural(other, "other constraint"));
    }
    let secondary = def.referenced.secondary.len();
    if secondary > 0 {
        add(
            2 * count(secondary),
            format!("`secondary=` of {}", plural(secondary, "relationship")),
        );
    }
    let referring = def.referenced.foreign_keys.len();
    if referring > 0 {
        add(
            count(referring),
            format!("foreign keys from {}", plural(referring, "other table")),
        );
    }
    if def.mapped_typing {
        add(2, "Mapped[] typing".into());
    }
    if primary {
        add(3, "primary base".into());
    }
    for (_, flag) in &def.flags {
        add(-3, flag.flag.to_string());
    }
    if def.in_tests {
        add(-5, "under tests".into());
    }
    score
}

/// Orders candidates best first: by score, then by how many files import the definition's
/// module, then by path for a stable answer.
pub fn rank(index: &Index, candidates: &[(TableId, Score, usize)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        let (ta, sa, ia) = &candidates[a];
        let (tb, sb, ib) = &candidates[b];
        let (da, db) = (&index.models.tables[*ta], &index.models.tables[*tb]);
        sb.total
            .cmp(&sa.total)
            .then(ib.cmp(ia))
            .then_with(|| {
                index.files[da.file]
                    .display
                    .cmp(&index.files[db.file].display)
            })
            .then(da.offset.cmp(&db.offset))
    });
    order
}

/// What decided between the first two of `order` when their scores tie: how often each module
/// is imported, or, when that ties too, path order. `None` when the first scores higher.
pub fn tie_break(
    index: &Index,
    candidates: &[(TableId, Score, usize)],
    order: &[usize],
) -> Option<String> {
    let (&first, &second) = (order.first()?, order.get(1)?);
    let ((_, kept, kept_imports), (other, runner, other_imports)) =
        (&candidates[first], &candidates[second]);
    if kept.total != runner.total {
        return None;
    }
    let def = &index.models.tables[*other];
    let source = &index.files[def.file];
    let tied = format!(
        "tied at score {} with `{}` at {}:{}",
        kept.total,
        def.symbol,
        source.display,
        source.line_col(def.offset).0
    );
    Some(if kept_imports != other_imports {
        format!(
            "{tied}; kept the one whose module is imported more often ({} vs {other_imports})",
            plural(*kept_imports, "import")
        )
    } else {
        format!(
            "{tied} and as often imported ({} each); kept the first by path",
            plural(*kept_imports, "import")
        )
    })
}
