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
pub fn score(def: &TableDef, primary: bool) -> Score {
    let mut score = Score {
        total: 0,
        reasons: Vec::new(),
    };
    let mut add = |points: i32, reason: String| {
        score.total += points;
        score.reasons.push(format!("{reason} {points:+}"));
    };
    if !def.columns.is_empty() {
        add(
            def.columns.len() as i32,
            plural(def.columns.len(), "column"),
        );
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
        add(2 * fks as i32, plural(fks, "foreign key"));
    }
    if !def.relationships.is_empty() {
        let n = def.relationships.len();
        let paired = def
            .relationships
            .iter()
            .filter(|r| r.back_populates.is_some())
            .count();
        add(2 * n as i32 + paired as i32, plural(n, "relationship"));
    }
    let constraints = def.constraints.len();
    if constraints > 0 {
        add(constraints as i32, plural(constraints, "constraint"));
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
