//! What each finding code means, for `dedupe-models rule` and the SARIF rule list: the text of
//! `codemods/<kind>/README.md`, compiled in, so that the explanation and the docs are one text.

use crate::report::Code;

/// The full explanation of `code`, as markdown.
pub fn explain(code: Code) -> &'static str {
    match code {
        Code::DM001 => include_str!("../codemods/duplicate-table/README.md"),
        Code::DM002 => include_str!("../codemods/dual-import-path/README.md"),
        Code::DM003 => include_str!("../codemods/duplicate-base/README.md"),
        Code::DM004 => include_str!("../codemods/extend-existing/README.md"),
        Code::DM005 => include_str!("../codemods/ambiguous-class-name/README.md"),
        Code::DM101 => "# DM101 import-error\n\n**What**: `--verify` only: importing a model module with the project's Python raises a SQLAlchemy error (or an error inside SQLAlchemy, SQLModel or Flask-SQLAlchemy), such as `Table 'x' is already defined for this MetaData instance`.\n\n**Why it hurts**: the application fails the same way when it imports that module.\n\n**Fix**: none of its own; the DM001-DM005 findings at the same tables are its usual causes, and their fix removes it.\n",
        Code::DM102 => "# DM102 mapper-error\n\n**What**: `--verify` only: `configure_mappers()` raises, for example `Multiple classes found for path \"User\"` or a `reverse_property` that does not match.\n\n**Why it hurts**: the first query of the application raises the same error.\n\n**Fix**: none of its own; see the DM001 and DM005 findings of the classes named.\n",
        Code::DM103 => "# DM103 foreign-key-error\n\n**What**: `--verify` only: a `ForeignKey` whose table or column is not on its own MetaData (`NoReferencedTableError`, what `create_all` would raise).\n\n**Why it hurts**: `create_all` and any query that joins through the key fail.\n\n**Fix**: none of its own; a second base (DM003) is its usual cause.\n",
        Code::DM104 => "# DM104 schema-drift\n\n**What**: `--verify` only: a table that the check finds defined twice (DM001) is on two MetaData objects at run time with different columns.\n\n**Why it hurts**: whichever `create_all` runs first decides the schema; the other definition's columns silently do not exist.\n\n**Fix**: the DM001 fix (with `--merge-columns` for the columns only one definition has).\n",
    }
}

/// The first paragraph of the explanation, without its `**What**:` label, on one line.
pub fn summary(code: Code) -> String {
    let text = explain(code);
    let first = text
        .split("\n\n")
        .find(|p| p.starts_with("**What**"))
        .unwrap_or("");
    first
        .trim_start_matches("**What**:")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The code that `name` names: `DM001`, `dm001` or its kind, `duplicate-table`.
pub fn lookup(name: &str) -> Option<Code> {
    Code::ALL
        .into_iter()
        .find(|c| c.to_string().eq_ignore_ascii_case(name) || c.kind() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_an_explanation_headed_by_its_code_and_kind() {
        for code in Code::ALL {
            let text = explain(code);
            assert!(
                text.starts_with(&format!("# {code} {}\n", code.kind())),
                "{code}: {text}"
            );
            assert!(!summary(code).is_empty(), "{code}");
        }
    }
}
