//! Whether the fixed copy of a project is no worse than the project as it is, under Python: no
//! error that was not there before, no table or column gone (but those a person chose to drop).

use std::collections::{BTreeMap, BTreeSet};

use super::probe::{Outcome, PyError};
use crate::plan::DroppedColumn;

/// One run of the probe, reduced to what is compared.
#[derive(Debug, Default)]
pub struct Observed {
    /// Each error by exception type and normalised message, with how to show it.
    pub errors: BTreeMap<(String, String), String>,
    /// Table full name -> column names, over every MetaData (the fix merges MetaData objects).
    pub columns: BTreeMap<String, BTreeSet<String>>,
    /// Module names asked for, and those imported.
    pub modules: usize,
    pub imported: usize,
}

impl Observed {
    /// `show` says where an error happened, for people.
    pub fn new(outcome: &Outcome, show: &mut dyn FnMut(&PyError, &str) -> String) -> Observed {
        let mut observed = Observed {
            modules: outcome.modules.len(),
            ..Observed::default()
        };
        let mut errors: Vec<(&PyError, String)> = Vec::new();
        for module in &outcome.modules {
            match (&module.error, &module.skipped) {
                _ if module.ok() => observed.imported += 1,
                (Some(error), None) => errors.push((error, format!("importing `{}`", module.name))),
                _ => {}
            }
        }
        errors.extend(
            outcome
                .mappers
                .iter()
                .map(|e| (e, "configure_mappers()".to_owned())),
        );
        errors.extend(
            outcome
                .foreign_keys
                .iter()
                .map(|e| (e, "resolving foreign keys".to_owned())),
        );
        for (error, doing) in errors {
            let key = (error.kind.clone(), normalise(&error.message));
            let shown = show(error, &doing);
            observed.errors.entry(key).or_insert(shown);
        }
        for metadata in &outcome.metadata {
            for table in &metadata.tables {
                observed
                    .columns
                    .entry(table.name.clone())
                    .or_default()
                    .extend(table.columns.iter().cloned());
            }
        }
        observed
    }

    pub fn tables(&self) -> usize {
        self.columns.len()
    }
}

/// Whitespace collapsed and object addresses blanked, so that one error reads the same in
/// two runs.
fn normalise(message: &str) -> String {
    let words: Vec<String> = message
        .split_whitespace()
        .map(|w| match w.find("0x") {
            Some(at) if w[at + 2..].starts_with(|c: char| c.is_ascii_hexdigit()) => {
                let end = w[at + 2..]
                    .find(|c: char| !c.is_ascii_hexdigit())
                    .map_or(w.len(), |e| at + 2 + e);
                format!("{}0x…{}", &w[..at], &w[end..])
            }
            _ => w.to_owned(),
        })
        .collect();
    words.join(" ")
}

/// What got worse from `before` to `after`, one line each.
pub fn worse(before: &Observed, after: &Observed, dropped: &[DroppedColumn]) -> Vec<String> {
    let chosen = |table: &str, column: &str| {
        dropped
            .iter()
            .any(|d| d.table == table && d.column == column)
    };
    let mut out: Vec<String> = after
        .errors
        .iter()
        .filter(|(key, _)| !before.errors.contains_key(*key))
        .map(|(_, shown)| format!("new error: {shown}"))
        .collect();
    for (table, columns) in &before.columns {
        let lost: Vec<&String> = match after.columns.get(table) {
            Some(now) => columns.difference(now).collect(),
            None => columns.iter().collect(),
        };
        let lost: Vec<String> = lost
            .into_iter()
            .filter(|c| !chosen(table, c))
            .map(|c| format!("`{c}`"))
            .collect();
        if lost.is_empty() {
            continue;
        }
        if after.columns.contains_key(table) {
            let plural = if lost.len() == 1 { "" } else { "s" };
            out.push(format!(
                "table `{table}` lost column{plural} {}",
                lost.join(", ")
            ));
        } else {
            out.push(format!("table `{table}` is gone"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(errors: &[(&str, &str)], tables: &[(&str, &[&str])]) -> Observed {
        Observed {
            errors: errors
                .iter()
                .map(|(k, m)| ((k.to_string(), normalise(m)), m.to_string()))
                .collect(),
            columns: tables
                .iter()
                .map(|(t, cs)| (t.to_string(), cs.iter().map(|c| c.to_string()).collect()))
                .collect(),
            modules: 1,
            imported: 1,
        }
    }

    #[test]
    fn new_errors_and_lost_columns_are_worse_unless_chosen() {
        let before = observed(
            &[("InvalidRequestError", "Table 'users' is already defined")],
            &[("users", &["id", "email", "name"]), ("posts", &["id"])],
        );
        let after = observed(
            &[("ImportError", "cannot import name 'User'")],
            &[("users", &["id", "name"])],
        );
        let dropped = [DroppedColumn {
            table: "users".into(),
            column: "name".into(),
        }];
        assert_eq!(
            worse(&before, &after, &dropped),
            [
                "new error: cannot import name 'User'",
                "table `posts` is gone",
                "table `users` lost column `email`",
            ]
        );
        let email = [DroppedColumn {
            table: "users".into(),
            column: "email".into(),
        }];
        let after = observed(&[], &[("users", &["id", "name"]), ("posts", &["id"])]);
        assert!(worse(&before, &after, &email).is_empty());
    }

    #[test]
    fn one_error_reads_the_same_in_two_runs() {
        assert_eq!(
            normalise("Mapper[User(users)] at 0x7f3a9c1d2e50 failed;\n  see  above"),
            "Mapper[User(users)] at 0x… failed; see above"
        );
    }
}
