//! DM001 duplicate-table: two or more definitions of one table that one process loads, or that
//! share one MetaData object.

use std::collections::{BTreeMap, HashMap};

use super::score::{rank, score, Score};
use super::{Context, TableKey};
use crate::index::facts::Name;
use crate::index::models::{BaseId, TableDef, TableId};
use crate::report::{Code, Finding, Location};

/// Definitions grouped by table identity, split into the sets that meet at run time, or share
/// one MetaData object (importing both raises `already defined` even if nothing loads both
/// today); each set is ordered canonical first.
pub fn clusters(ctx: &Context) -> Vec<Vec<TableId>> {
    let models = &ctx.index.models;
    let mut by_key: BTreeMap<TableKey, Vec<TableId>> = BTreeMap::new();
    for (id, def) in models.tables.iter().enumerate() {
        if def.schema_known {
            by_key.entry(ctx.key(id)).or_default().push(id);
        }
    }
    let mut clusters = Vec::new();
    for defs in by_key.values().filter(|d| d.len() > 1) {
        let mut parent: Vec<usize> = (0..defs.len()).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        // A file reached under a second path (a symlink) is one file: its copy joins only when
        // loaded together (DM002 is about running it twice).
        let files = &ctx.index.files;
        let same_file =
            |a: usize, b: usize| files[a].stamp.is_some() && files[a].stamp == files[b].stamp;
        let twin: Vec<bool> = (0..defs.len())
            .map(|i| {
                let file = models.tables[defs[i]].file;
                defs[..i]
                    .iter()
                    .any(|&d| same_file(models.tables[d].file, file))
            })
            .collect();
        for i in 0..defs.len() {
            for j in i + 1..defs.len() {
                let (a, b) = (&models.tables[defs[i]], &models.tables[defs[j]]);
                let one_metadata = a.metadata == b.metadata && !twin[i] && !twin[j];
                if one_metadata || ctx.runtime.meet(&[a.file, b.file]) {
                    let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                    parent[rj] = ri;
                }
            }
        }
        let mut groups: BTreeMap<usize, Vec<TableId>> = BTreeMap::new();
        for (i, &def) in defs.iter().enumerate() {
            let r = root(&mut parent, i);
            groups.entry(r).or_default().push(def);
        }
        for group in groups.into_values().filter(|g| g.len() > 1) {
            clusters.push(order(ctx, group));
        }
    }
    clusters
}

/// The base most tables of a database use.
pub fn primary_bases(ctx: &Context) -> HashMap<BaseId, BaseId> {
    let mut counts: BTreeMap<(BaseId, BaseId), usize> = BTreeMap::new();
    for (id, def) in ctx.index.models.tables.iter().enumerate() {
        *counts.entry((ctx.key(id).0, def.registry)).or_default() += 1;
    }
    let mut best: HashMap<BaseId, (usize, BaseId)> = HashMap::new();
    for ((group, base), n) in counts {
        let entry = best.entry(group).or_insert((n, base));
        if n > entry.0 {
            *entry = (n, base);
        }
    }
    best.into_iter().map(|(g, (_, b))| (g, b)).collect()
}

pub fn scored(ctx: &Context, group: &[TableId]) -> Vec<(TableId, Score, usize)> {
    group
        .iter()
        .map(|&id| {
            let def = &ctx.index.models.tables[id];
            let is_primary = ctx.primary.get(&ctx.key(id).0) == Some(&def.registry);
            let importers = ctx.runtime.names[def.file].values().map(Vec::len).sum();
            (id, score(def, is_primary), importers)
        })
        .collect()
}

fn order(ctx: &Context, group: Vec<TableId>) -> Vec<TableId> {
    let candidates = scored(ctx, &group);
    let mut ordered: Vec<TableId> = rank(ctx.index, &candidates)
        .into_iter()
        .map(|i| candidates[i].0)
        .collect();
    // A Table mapped imperatively onto a plain class is kept with that class: a declarative
    // copy can become a re-export of the class, while the mapping cannot become a declarative
    // class without rewriting the domain model.
    if let Some(at) = ordered
        .iter()
        .position(|&t| ctx.index.models.tables[t].imperative.is_some())
    {
        let kept = ordered.remove(at);
        ordered.insert(0, kept);
    }
    if let Some(chosen) = configured(ctx, &ordered) {
        ordered.retain(|&t| t != chosen);
        ordered.insert(0, chosen);
    }
    ordered
}

/// `[tool.dedupe-models.canonical] users = "pkg.auth.models:User"`.
fn configured(ctx: &Context, group: &[TableId]) -> Option<TableId> {
    let name = &ctx.index.models.tables[group[0]].name;
    let choice = ctx
        .index
        .settings
        .iter()
        .find_map(|(_, s)| s.canonical.get(name))?;
    let (module, symbol) = choice.split_once(':')?;
    group
        .iter()
        .copied()
        .find(|&t| pinned(ctx.index, t, module, symbol))
}

/// Whether definition `t` is `module:symbol`.
fn pinned(index: &crate::index::Index, t: TableId, module: &str, symbol: &str) -> bool {
    let def = &index.models.tables[t];
    def.symbol == symbol
        && index
            .module_map
            .names(def.file)
            .iter()
            .any(|n| n.name == module)
}

/// Every `[tool.dedupe-models.canonical]` pin names a definition of its table: a mistyped pin
/// would otherwise be ignored, and the fix could replace the very class it meant to keep.
pub fn check_pins(index: &crate::index::Index, cwd: &std::path::Path) -> Result<(), String> {
    for (dir, settings) in &index.settings {
        for (table, choice) in &settings.canonical {
            let defs: Vec<TableId> = (0..index.models.tables.len())
                .filter(|&t| index.models.tables[t].name == *table)
                .collect();
            let found = choice.split_once(':').is_some_and(|(module, symbol)| {
                defs.iter().any(|&t| pinned(index, t, module, symbol))
            });
            if found {
                continue;
            }
            let config = crate::paths::display_path(&dir.join("pyproject.toml"), cwd);
            let known: Vec<String> = defs
                .iter()
                .map(|&t| {
                    let def = &index.models.tables[t];
                    let source = &index.files[def.file];
                    let module = index
                        .module_map
                        .names(def.file)
                        .first()
                        .map_or_else(String::new, |n| n.name.to_string());
                    format!(
                        "\"{module}:{}\" ({}:{})",
                        def.symbol,
                        source.display,
                        source.line_col(def.offset).0
                    )
                })
                .collect();
            let hint = if known.is_empty() {
                format!("no definition of table `{table}` was found")
            } else {
                format!("its definitions are {}", known.join(", "))
            };
            return Err(format!(
                "{config}: [tool.dedupe-models.canonical] {table} = \"{choice}\" names no definition of table `{table}` (write it as \"module:Class\"); {hint}"
            ));
        }
    }
    Ok(())
}

/// The schema comparison of a duplicate with the canonical definition: columns and relationships
/// only one has, and columns whose type, key, nullability or uniqueness differ.
pub fn compare(dup: &TableDef, canonical: &TableDef) -> Vec<String> {
    let mut lines = Vec::new();
    let names = |def: &TableDef| -> BTreeMap<String, usize> {
        def.columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.to_string(), i))
            .collect()
    };
    let (mine, theirs) = (names(dup), names(canonical));
    let only = |a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>| -> Vec<String> {
        a.keys()
            .filter(|k| !b.contains_key(*k))
            .map(|k| format!("`{k}`"))
            .collect()
    };
    let rels = |a: &TableDef, b: &TableDef| -> Vec<String> {
        a.relationships
            .iter()
            .filter(|r| !b.relationships.iter().any(|o| o.attr == r.attr))
            .map(|r| format!("`{}`", r.attr))
            .collect()
    };
    let only_dup = [only(&mine, &theirs), rels(dup, canonical)].concat();
    let only_canonical = [only(&theirs, &mine), rels(canonical, dup)].concat();
    if !only_dup.is_empty() {
        lines.push(format!(
            "only in `{}` here: {}",
            dup.symbol,
            only_dup.join(", ")
        ));
    }
    if !only_canonical.is_empty() {
        lines.push(format!(
            "only in the canonical `{}`: {}",
            canonical.symbol,
            only_canonical.join(", ")
        ));
    }
    let mut differ = Vec::new();
    for (name, &i) in &mine {
        let Some(&j) = theirs.get(name) else { continue };
        let (a, b) = (&dup.columns[i], &canonical.columns[j]);
        let mut what = Vec::new();
        let normalized = |t: &Option<Name>| {
            t.as_deref().map(|t| {
                t.replace(char::is_whitespace, "")
                    .replace("sa.", "")
                    .replace("db.", "")
            })
        };
        let (ta, tb) = (normalized(&a.type_text), normalized(&b.type_text));
        // `Mapped[str]` and `String(36)` say the same thing in two styles; compare like with like.
        let same_style = ta.is_some() && tb.is_some() && a.python_type == b.python_type;
        if same_style && ta != tb {
            what.push(format!(
                "type {} vs {}",
                ta.unwrap_or_default(),
                tb.unwrap_or_default()
            ));
        }
        if a.foreign_key != b.foreign_key {
            what.push(format!(
                "foreign key {} vs {}",
                a.foreign_key.as_deref().unwrap_or("none"),
                b.foreign_key.as_deref().unwrap_or("none")
            ));
        }
        if a.primary_key != b.primary_key {
            what.push(format!(
                "primary key {} vs {}",
                a.primary_key, b.primary_key
            ));
        }
        if let (Some(x), Some(y)) = (a.nullable, b.nullable) {
            if x != y {
                what.push(format!("nullable {x} vs {y}"));
            }
        }
        if a.unique != b.unique {
            what.push(format!("unique {} vs {}", a.unique, b.unique));
        }
        if !what.is_empty() {
            differ.push(format!("`{name}` ({})", what.join(", ")));
        }
    }
    if !differ.is_empty() {
        lines.push(format!("differ (here vs canonical): {}", differ.join("; ")));
    }
    lines
}

pub fn findings(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for cluster in &ctx.duplicates {
        let scores: HashMap<TableId, Score> = scored(ctx, cluster)
            .into_iter()
            .map(|(t, s, _)| (t, s))
            .collect();
        let canonical = &ctx.index.models.tables[cluster[0]];
        let kept = ctx.at(canonical.file, canonical.offset);
        let notes: Vec<String> = cluster
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                let def = &ctx.index.models.tables[t];
                let role = if i == 0 { "keep     " } else { "duplicate" };
                let mapped = def.imperative.as_ref().map_or(String::new(), |imp| {
                    format!(
                        " (mapped onto `{}` by {}: kept with its class)",
                        imp.name, ctx.index.files[imp.file].display
                    )
                });
                format!(
                    "{role} {} `{}`{mapped} on {}, {}",
                    ctx.at(def.file, def.offset),
                    def.symbol,
                    ctx.base_name(def.registry),
                    scores[&t].explain()
                )
            })
            .collect();
        for &t in &cluster[1..] {
            let def = &ctx.index.models.tables[t];
            let mut message = format!(
                "table `{}` is defined again by `{}`; `{}` at {} is the canonical definition",
                def.name, def.symbol, canonical.symbol, kept
            );
            if !ctx.runtime.meet(&[def.file, canonical.file]) {
                message.push_str(
                    "; nothing loads both today, but they share one MetaData: importing both \
                     raises `already defined for this MetaData instance`",
                );
            }
            let mut finding = ctx.table_finding(Code::DM001, t, def.offset, message);
            let source = &ctx.index.files[canonical.file];
            finding.canonical = Some(Location {
                path: source.display.clone(),
                line: source.line_col(canonical.offset).0,
                symbol: canonical.symbol.clone(),
            });
            finding.notes = notes.clone();
            finding
                .notes
                .extend(compare(&ctx.index.models.tables[t], canonical));
            out.push(finding);
        }
    }
    out
}
