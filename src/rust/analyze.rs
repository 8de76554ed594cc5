//! Rust findings: DM001 for a table declared twice where one crate compiles both declarations
//! (unless both are test code), or declared by hand beside the workspace's generated schema;
//! DM005 for a module where one table name means two tables (E0659); and the canonical choice
//! by the explained score.

use std::collections::BTreeMap;

use super::resolve::Resolver;
use super::{Orm, RustIndex, TableId};
use crate::report::{Code, Finding, Location, TableRef};

pub struct Analysis<'a> {
    pub index: &'a RustIndex,
    pub resolver: Resolver<'a>,
    /// Definitions of one table that one crate compiles together, canonical first.
    pub duplicates: Vec<Vec<TableId>>,
    /// How many `use` paths and `table_name` attributes name each table.
    pub importers: Vec<usize>,
}

/// A score and the reasons that make it up.
pub struct Score {
    pub total: i32,
    pub reasons: Vec<String>,
}

impl<'a> Analysis<'a> {
    pub fn new(index: &'a RustIndex) -> Analysis<'a> {
        let resolver = Resolver::new(index);
        let mut importers = vec![0; index.tables.len()];
        for file in &index.files {
            for module in &file.modules {
                for site in &file.facts.uses {
                    let mut here = module.clone();
                    here.1.extend(site.nest.iter().cloned());
                    for leaf in site.leaves.iter().filter(|l| !l.glob) {
                        if let Some((t, _)) = resolver
                            .absolute(&here, &leaf.segments)
                            .and_then(|p| resolver.table(&p))
                        {
                            importers[t] += 1;
                        }
                    }
                }
                for attr in file.facts.table_refs.iter().filter(|a| !a.legacy) {
                    let mut here = module.clone();
                    here.1.extend(attr.nest.iter().cloned());
                    if let Some((t, _)) = resolver
                        .absolute(&here, &attr.path)
                        .and_then(|p| resolver.table(&p))
                    {
                        importers[t] += 1;
                    }
                }
            }
        }
        let mut analysis = Analysis {
            index,
            resolver,
            duplicates: Vec::new(),
            importers,
        };
        analysis.duplicates = analysis.clusters();
        analysis
    }

    /// Groups definitions by (ORM, schema, SQL name), then joins two of a group of one workspace
    /// when one crate compiles both and they are not both test code, or when one is the
    /// program code's schema generated from the database (`print-schema` output, a
    /// `sea-orm-codegen` entity outside tests) and the other a hand copy in the same
    /// workspace, where only one package generates a schema; never two generated files, which
    /// are two databases, nor the database engine's own catalogs.
    ///
    /// Why a crate: the harms of a second definition are two unrelated types for one table
    /// (E0277 when a struct of one is selected from the other, E0119 when both implement one
    /// `joinable!`), which only a crate that compiles both can meet, and the drift of a copy
    /// from what the program uses. Each file under `tests/` and `benches/` is a crate of its
    /// own that links the package's lib, so two test crates that each declare a table never
    /// meet; a package that neither depends on the other is never linked with it. Why not two
    /// test definitions in one crate: tests declare a table several times on purpose (the
    /// schema before and after a migration, one entity in two formats, with and without an
    /// index), and each test builds its own database from the one it uses; a test copy of a
    /// table the program declares is still reported, against the program's. Why one package
    /// that generates: a workspace whose packages each generate their own schema (their own
    /// `diesel.toml`) holds as many databases, and a table one of its packages declares by
    /// hand, linked with none of them, is that package's own. Why not the catalogs:
    /// `information_schema` and `pg_catalog` are the engine's, not the project's, and each
    /// backend's module declares the view of them its engine has.
    fn clusters(&self) -> Vec<Vec<TableId>> {
        let index = self.index;
        let mut groups: BTreeMap<(Orm, Option<String>, String), Vec<TableId>> = BTreeMap::new();
        // The packages of each workspace that generate a schema, per ORM.
        let mut generating: BTreeMap<(&std::path::Path, Orm), Vec<usize>> = BTreeMap::new();
        for table in index
            .tables
            .iter()
            .filter(|t| t.generated && !t.test_only())
        {
            if let Some((c, _)) = &table.module {
                let package = index.crates[*c].package;
                let packages = generating
                    .entry((index.workspace_of(package), table.orm))
                    .or_default();
                if !packages.contains(&package) {
                    packages.push(package);
                }
            }
        }
        for (id, table) in index.tables.iter().enumerate() {
            if matches!(
                table.schema.as_deref(),
                Some("information_schema" | "pg_catalog")
            ) {
                continue;
            }
            groups
                .entry((table.orm, table.schema.clone(), table.name.clone()))
                .or_default()
                .push(id);
        }
        let reach: Vec<Vec<usize>> = (0..index.crates.len()).map(|c| index.reach(c)).collect();
        let krate = |t: TableId| index.tables[t].module.as_ref().map(|m| m.0);
        // The crates that compile a definition: those it is a module of, and every crate that
        // links a lib it is a module of outside a `#[cfg]` (which holds only in some builds).
        let units = |t: TableId| -> Vec<usize> {
            (0..index.crates.len())
                .filter(|&c| {
                    index.tables[t].homes.iter().any(|h| {
                        h.krate == c
                            || (!h.conditional
                                && index.crates[h.krate].lib
                                && reach[c].contains(&h.krate))
                    })
                })
                .collect()
        };
        let mut out = Vec::new();
        for (_, defs) in groups.into_iter().filter(|(_, d)| d.len() > 1) {
            let mut parent: Vec<usize> = (0..defs.len()).collect();
            let compiled_by: Vec<Vec<usize>> = defs.iter().map(|&d| units(d)).collect();
            fn find(parent: &mut [usize], i: usize) -> usize {
                if parent[i] != i {
                    parent[i] = find(parent, parent[i]);
                }
                parent[i]
            }
            for i in 0..defs.len() {
                for j in i + 1..defs.len() {
                    let (a, b) = (&index.tables[defs[i]], &index.tables[defs[j]]);
                    if a.generated && b.generated && a.file != b.file {
                        continue; // two databases, each with its own generated schema
                    }
                    if index.files[a.file].in_migrations || index.files[b.file].in_migrations {
                        continue; // a snapshot of the table as one migration saw it
                    }
                    let (Some(ca), Some(cb)) = (krate(defs[i]), krate(defs[j])) else {
                        continue;
                    };
                    let (pa, pb) = (index.crates[ca].package, index.crates[cb].package);
                    let compiled = compiled_by[i].iter().any(|c| compiled_by[j].contains(c));
                    let scaffolding = a.test_only() && b.test_only();
                    // A path dependency outside the workspace (an ORM's own test entities, a
                    // shared library) is another project with its own database.
                    let same_workspace = index.workspace_of(pa) == index.workspace_of(pb);
                    // The schema the programs use, generated from their one database, and a
                    // hand copy of one of its tables anywhere in the workspace.
                    let one_database = generating
                        .get(&(index.workspace_of(pa), a.orm))
                        .is_some_and(|p| p.len() == 1);
                    let schema_copy = a.generated != b.generated
                        && !(if a.generated { a } else { b }).test_only()
                        && one_database;
                    let together = same_workspace && ((compiled && !scaffolding) || schema_copy);
                    if together {
                        let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                        parent[ri] = rj;
                    }
                }
            }
            let mut clusters: BTreeMap<usize, Vec<TableId>> = BTreeMap::new();
            for (i, &def) in defs.iter().enumerate() {
                let root = find(&mut parent, i);
                clusters.entry(root).or_default().push(def);
            }
            for (_, mut cluster) in clusters.into_iter().filter(|(_, c)| c.len() > 1) {
                // A test's own definition is no place for the program to take a table from.
                cluster.sort_by_key(|&t| {
                    let s = self.score(t);
                    (
                        index.tables[t].test_only(),
                        std::cmp::Reverse(s.total),
                        std::cmp::Reverse(self.importers[t]),
                        index.files[index.tables[t].file].display.clone(),
                        index.tables[t].offset,
                    )
                });
                out.push(cluster);
            }
        }
        out
    }

    pub fn score(&self, table: TableId) -> Score {
        let def = &self.index.tables[table];
        let file = &self.index.files[def.file];
        let mut reasons = Vec::new();
        let mut total = 0;
        let mut add = |points: i32, why: String| {
            total += points;
            reasons.push(format!("{why} {points:+}"));
        };
        let n = def.columns.len() as i32;
        add(n, format!("{n} column{}", if n == 1 { "" } else { "s" }));
        if def.orm == Orm::Diesel && !def.primary_key.is_empty() {
            add(1, "primary key".into());
        }
        let r = def.relations.len() as i32;
        if r > 0 {
            let what = match def.orm {
                Orm::Diesel => "joinable!",
                Orm::SeaOrm => "relation",
            };
            add(
                3 * r,
                format!("{r} {what}{}", if r == 1 { "" } else { "s" }),
            );
        }
        if def.generated {
            let what = match def.orm {
                Orm::Diesel => "diesel.toml print-schema file",
                Orm::SeaOrm => "sea-orm-codegen output",
            };
            add(10, what.into());
        }
        if file.in_tests {
            add(-5, "under tests/ or examples/".into());
        }
        Score { total, reasons }
    }

    pub fn describe(&self, table: TableId) -> String {
        let def = &self.index.tables[table];
        let what = match (&def.orm, &def.module) {
            (Orm::Diesel, Some(m)) => format!("`table!` `{}`", self.index.module_name(m)),
            (Orm::SeaOrm, Some(m)) => format!("entity `{}`", self.index.module_name(m)),
            (_, None) => "a definition".into(),
        };
        let s = self.score(table);
        format!(
            "{what} at {}, score {} ({}), {} importer{}",
            self.index.at(def.file, def.offset),
            s.total,
            s.reasons.join(", "),
            self.importers[table],
            if self.importers[table] == 1 { "" } else { "s" }
        )
    }

    /// Columns both declare with different SQL types: `(name, duplicate's type, canonical's)`.
    pub fn differ(&self, duplicate: TableId, canonical: TableId) -> Vec<(String, String, String)> {
        let keep = &self.index.tables[canonical];
        let squash = |t: &str| t.replace(char::is_whitespace, "");
        self.index.tables[duplicate]
            .columns
            .iter()
            .filter_map(|c| {
                let k = keep.columns.iter().find(|k| k.name == c.name)?;
                (squash(&k.ty) != squash(&c.ty))
                    .then(|| (c.name.clone(), c.ty.clone(), k.ty.clone()))
            })
            .collect()
    }

    /// Columns (by SQL name) that `duplicate` declares and `canonical` does not.
    pub fn only_in(&self, duplicate: TableId, canonical: TableId) -> Vec<String> {
        let keep = &self.index.tables[canonical];
        self.index.tables[duplicate]
            .columns
            .iter()
            .filter(|c| !keep.columns.iter().any(|k| k.name == c.name))
            .map(|c| c.name.clone())
            .collect()
    }

    pub fn findings(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for cluster in &self.duplicates {
            let keep = cluster[0];
            let canonical = &self.index.tables[keep];
            for &dup in &cluster[1..] {
                let def = &self.index.tables[dup];
                let module = |t: TableId| {
                    self.index.tables[t]
                        .module
                        .as_ref()
                        .map(|m| self.index.module_name(m))
                        .unwrap_or_default()
                };
                let message = match def.orm {
                    Orm::Diesel => format!(
                        "table `{}` is declared again by `table!` as `{}`; `{}` at {} is the canonical declaration: the two are unrelated Rust types, so a struct bound to one cannot be selected from or joined with the other (E0277: cannot select `{}::{}` from `{}::table`) and they drift apart",
                        def.name,
                        module(dup),
                        module(keep),
                        self.index.at(canonical.file, canonical.offset),
                        module(keep),
                        canonical.columns.first().map_or("id", |c| c.name.as_str()),
                        module(dup),
                    ),
                    Orm::SeaOrm => format!(
                        "table `{}` has a second SeaORM entity `{}`; `{}` at {} is the canonical entity: the two `Entity` types cannot be used together and drift apart",
                        def.name,
                        module(dup),
                        module(keep),
                        self.index.at(canonical.file, canonical.offset),
                    ),
                };
                let mut finding = self.finding(Code::DM001, dup, message);
                finding.canonical = Some(Location {
                    path: self.index.files[canonical.file].display.clone(),
                    line: self.index.files[canonical.file]
                        .line_col(canonical.offset)
                        .0,
                    symbol: module(keep),
                    ..Default::default()
                });
                finding
                    .notes
                    .push(format!("keep      {}", self.describe(keep)));
                finding
                    .notes
                    .push(format!("duplicate {}", self.describe(dup)));
                let only = self.only_in(dup, keep);
                if !only.is_empty() {
                    finding.notes.push(format!(
                        "only in the duplicate: {}",
                        only.iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                let differ = self.differ(dup, keep);
                if !differ.is_empty() {
                    finding.notes.push(format!(
                        "differ (here vs canonical): {}",
                        differ
                            .iter()
                            .map(|(c, d, k)| format!("`{c}` ({d} vs {k})"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                let missing = self.only_in(keep, dup);
                if !missing.is_empty() {
                    finding.notes.push(format!(
                        "only in the canonical: {}",
                        missing
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                out.push(finding);
            }
        }
        out.extend(self.ambiguous_names());
        out
    }

    fn finding(&self, code: Code, table: TableId, message: String) -> Finding {
        let def = &self.index.tables[table];
        let file = &self.index.files[def.file];
        let (line, column) = file.line_col(def.offset);
        Finding {
            code,
            kind: code.kind(),
            table: Some(TableRef {
                table: def.name.clone(),
                schema: def.schema.clone(),
            }),
            path: file.display.clone(),
            line,
            column,
            // The place of the definition; its extent is not tracked for Rust.
            end_line: line,
            end_column: column + 1,
            symbol: def.module.as_ref().map(|m| self.index.module_name(m)),
            canonical: None,
            score: None,
            message,
            fix: None,
            notes: Vec::new(),
        }
    }

    /// DM005: a module whose glob imports bring two different tables under one name that the
    /// module then uses: rustc rejects the name as ambiguous (E0659).
    fn ambiguous_names(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut names: Vec<&str> = self
            .index
            .tables
            .iter()
            .filter(|t| t.orm == Orm::Diesel)
            .filter_map(|t| t.module.as_ref()?.1.last().map(String::as_str))
            .collect();
        names.sort();
        names.dedup();
        for file in &self.index.files {
            let Some(module) = file.modules.first() else {
                continue;
            };
            if !file
                .facts
                .uses
                .iter()
                .any(|u| u.leaves.iter().any(|l| l.glob))
            {
                continue;
            }
            let heads = path_heads(&file.text);
            let mut nests: Vec<&Vec<String>> = file.facts.uses.iter().map(|u| &u.nest).collect();
            nests.sort();
            nests.dedup();
            for nest in nests {
                let mut here = module.clone();
                here.1.extend(nest.iter().cloned());
                // Table names used as names of their own here (`table_name = users`,
                // `users::table`): only those are looked up in the globs, the costly part.
                let mut used: Vec<&str> = file
                    .facts
                    .table_refs
                    .iter()
                    .filter(|r| &r.nest == nest)
                    .filter_map(|r| r.path.first().map(String::as_str))
                    .chain(heads.iter().copied())
                    .filter(|n| names.binary_search(n).is_ok())
                    .collect();
                used.sort();
                used.dedup();
                for name in used {
                    let found = self.resolver.glob_tables(&here, name);
                    if found.len() < 2 {
                        continue;
                    }
                    let Some(site) = file
                        .facts
                        .uses
                        .iter()
                        .find(|u| &u.nest == nest && u.leaves.iter().any(|l| l.glob))
                    else {
                        continue;
                    };
                    let (line, column) = file.line_col(site.item.0);
                    let places: Vec<String> = found
                        .iter()
                        .map(|(t, m)| {
                            format!(
                                "`{}::*` ({})",
                                self.index.module_name(m),
                                self.index
                                    .at(self.index.tables[*t].file, self.index.tables[*t].offset)
                            )
                        })
                        .collect();
                    out.push(Finding {
                        code: Code::DM005,
                        kind: Code::DM005.kind(),
                        table: Some(TableRef {
                            table: self.index.tables[found[0].0].name.clone(),
                            schema: None,
                        }),
                        path: file.display.clone(),
                        line,
                        column,
                        end_line: line,
                        end_column: column + name.chars().count() as u32,
                        symbol: Some(name.to_owned()),
                        canonical: None,
                        score: None,
                        fix: None,
                        message: format!(
                            "`{name}` is ambiguous here (E0659): the glob imports {} each bring a different table `{name}`",
                            places.join(" and ")
                        ),
                        notes: Vec::new(),
                    });
                }
            }
        }
        out
    }
}

/// The names `text` starts a path with (`users` of `users::table`, not of
/// `schema::users::table`): such a name is looked up in the module's own scope, globs included.
fn path_heads(text: &str) -> std::collections::HashSet<&str> {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b == b'_' || b.is_ascii_alphanumeric() || b >= 0x80;
    let mut out = std::collections::HashSet::new();
    for (at, _) in text.match_indices("::") {
        let start = text[..at]
            .bytes()
            .rev()
            .take_while(|&b| is_ident(b))
            .count();
        let from = at - start;
        if start > 0 && (from == 0 || bytes[from - 1] != b':') {
            out.insert(&text[from..at]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_told_by_their_folder_or_their_generated_name() {
        use std::path::Path;
        let migration = |p: &str| super::super::in_migrations(Path::new(p));
        assert!(migration("migration/src/m20220101_000001_create_table.rs"));
        assert!(migration("m20230109_000001_seed_cake_table.rs"));
        assert!(migration("db/migrations/lib.rs"));
        assert!(!migration("src/entities/migration_log.rs"));
        assert!(!migration("src/m2022_users.rs"));
        assert!(!migration("src/models.rs"));
    }

    #[test]
    fn a_path_head_is_a_name_followed_by_two_colons_and_not_preceded_by_a_path() {
        let heads = |text| super::path_heads(text).contains("orders");
        assert!(heads("let q = orders::table;"));
        assert!(heads("orders::id.eq(1)"));
        assert!(!heads("schema::orders::table"));
        assert!(!heads("my_orders::table"));
        assert!(!heads("let orders = 1;"));
    }
}
