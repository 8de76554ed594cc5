//! DM001 duplicate-table: two or more definitions of one table that one process loads, or that
//! share one MetaData object (unless that is a library's global one, only programs load each,
//! and no one program both: each program runs in a process of its own).

use std::collections::{BTreeMap, HashMap};

use super::score::{rank, score, tie_break, Score};
use super::{Context, TableKey};
use crate::index::facts::Name;
use crate::index::models::{BaseId, TableDef, TableId};
use crate::report::{Code, Finding, Location, ScoreOut};

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
                // Two programs run in processes of their own: one MetaData is no clash there.
                // A MetaData the project defines is its app's, whichever program uses it; a
                // library's global one (SQLModel's) is shared by programs that may be unrelated.
                let library = models.bases[a.metadata].file.is_none();
                let programs =
                    library && only_programs_load(ctx, defs[i]) && only_programs_load(ctx, defs[j]);
                let one_metadata = a.metadata == b.metadata && !twin[i] && !twin[j] && !programs;
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
    // A program (a script nothing imports) is no module for the app to import its models from:
    // the other definitions come first.
    ordered.sort_by_key(|&t| ctx.runtime.is_program(ctx.index.models.tables[t].file));
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

/// What decided the canonical definition of a cluster when it was not a higher score: a
/// `[tool.dedupe-models.canonical]` pin, or what broke a tie.
pub fn chosen_by(ctx: &Context, cluster: &[TableId]) -> Option<String> {
    let candidates = scored(ctx, cluster);
    let order = rank(ctx.index, &candidates);
    let best = candidates[order[0]].0;
    if best != cluster[0] {
        let kept = &ctx.index.models.tables[cluster[0]];
        if configured(ctx, cluster) == Some(cluster[0]) {
            return Some("pinned by [tool.dedupe-models.canonical] in pyproject.toml".into());
        }
        if kept.imperative.is_some() {
            return Some("a Table mapped imperatively onto a class is kept with that class".into());
        }
        let def = &ctx.index.models.tables[best];
        return Some(format!(
            "`{}` at {} scores higher, but {} is a program (a script nothing imports): the app cannot import its models from there",
            def.symbol,
            ctx.at(def.file, def.offset),
            ctx.index.files[def.file].display
        ));
    }
    tie_break(ctx.index, &candidates, &order)
}

/// Whether only programs load a definition (see `Runtime::only_in_programs`).
fn only_programs_load(ctx: &Context, table: TableId) -> bool {
    ctx.runtime
        .only_in_programs(ctx.index.models.tables[table].file)
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

/// A column type as written, without whitespace and without the module or alias it is reached
/// through (`sa.String(36)`, `db.Integer`, `database.Integer`, `postgresql.UUID`): two copies of a
/// model import SQLAlchemy differently more often than they declare different types. Only a
/// qualifier before a capitalised name goes: `MutableDict.as_mutable(JSON)` stays as it is.
fn unqualified_type(text: &str) -> String {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let word_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        if word_len == 0 {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let word = &rest[..word_len];
        match word.rsplit_once('.') {
            Some((_, last)) if last.starts_with(char::is_uppercase) => out.push_str(last),
            _ => out.push_str(word),
        }
        rest = &rest[word_len..];
    }
    out
}

/// Each column's database name and its position in the definition.
fn column_positions(def: &TableDef) -> BTreeMap<String, usize> {
    def.columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.to_string(), i))
        .collect()
}

/// The schema comparison of a duplicate with the canonical definition: columns and relationships
/// only one has, and columns whose type, key, nullability or uniqueness differ.
pub fn compare(dup: &TableDef, canonical: &TableDef) -> Vec<String> {
    let mut lines = Vec::new();
    let (mine, theirs) = (column_positions(dup), column_positions(canonical));
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
    let differ: Vec<String> = differences(dup, canonical)
        .into_iter()
        .map(|(name, what)| format!("`{name}` ({})", what.join(", ")))
        .collect();
    if !differ.is_empty() {
        lines.push(format!("differ (here vs canonical): {}", differ.join("; ")));
    }
    lines
}

/// The columns both definitions have whose type, foreign key (and its options), primary key,
/// nullability or uniqueness differ: the column name and each difference (here vs canonical).
pub fn differences(dup: &TableDef, canonical: &TableDef) -> Vec<(String, Vec<String>)> {
    let (mine, theirs) = (column_positions(dup), column_positions(canonical));
    let mut differ = Vec::new();
    for (name, &i) in &mine {
        let Some(&j) = theirs.get(name) else { continue };
        let (a, b) = (&dup.columns[i], &canonical.columns[j]);
        let mut what = Vec::new();
        let normalized = |t: &Option<Name>| t.as_deref().map(unqualified_type);
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
        if a.foreign_key.is_some() && a.fk_options != b.fk_options {
            let options = |c: &crate::index::facts::Column| {
                if c.fk_options.is_empty() {
                    "none".to_owned()
                } else {
                    c.fk_options.join(" ")
                }
            };
            what.push(format!(
                "foreign-key options {} vs {}",
                options(a),
                options(b)
            ));
        }
        if a.primary_key != b.primary_key {
            what.push(format!(
                "primary key {} vs {}",
                a.primary_key, b.primary_key
            ));
        }
        // A primary key is NOT NULL whether or not it says so.
        let nullable =
            |c: &crate::index::facts::Column| c.nullable.or(c.primary_key.then_some(false));
        if let (Some(x), Some(y)) = (nullable(a), nullable(b)) {
            if x != y {
                what.push(format!("nullable {x} vs {y}"));
            }
        }
        if a.unique != b.unique {
            what.push(format!("unique {} vs {}", a.unique, b.unique));
        }
        if !what.is_empty() {
            differ.push((name.clone(), what));
        }
    }
    differ
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
        let mut notes: Vec<String> = cluster
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
        let chosen_by = chosen_by(ctx, cluster);
        if let Some(why) = &chosen_by {
            notes.push(format!("kept: {why}"));
        }
        let out_score = |t: TableId| ScoreOut {
            total: scores[&t].total,
            reasons: scores[&t].reasons.clone(),
        };
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
                score: Some(out_score(cluster[0])),
                chosen_by: chosen_by.clone(),
            });
            finding.score = Some(out_score(t));
            finding.notes = notes.clone();
            finding
                .notes
                .extend(compare(&ctx.index.models.tables[t], canonical));
            out.push(finding);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unqualified_type;

    #[test]
    fn types_compare_without_their_module_or_alias() {
        assert_eq!(unqualified_type("sa.String( 36 )"), "String(36)");
        assert_eq!(unqualified_type("database.Integer"), "Integer");
        assert_eq!(unqualified_type("sa.types.Numeric(10, 2)"), "Numeric(10,2)");
        assert_eq!(
            unqualified_type("postgresql.ARRAY(sa.String)"),
            "ARRAY(String)"
        );
        assert_eq!(
            unqualified_type("MutableDict.as_mutable(JSON)"),
            "MutableDict.as_mutable(JSON)"
        );
    }
}
