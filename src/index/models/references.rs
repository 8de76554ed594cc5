//! What points at each table definition: the relationships that use it as `secondary=` and the
//! other tables whose foreign keys target it. A string names a table on a MetaData, so it points
//! at every definition of that name there; a Python name (`secondary=post_tags`,
//! `ForeignKey(users.c.id)`) points at the one definition it resolves to.

use std::collections::{BTreeSet, HashMap};

use super::{BaseId, Builder, Origin, TableId};
use crate::index::facts::Secondary;
use crate::index::module_map::FileId;
use crate::index::resolve::Entity;

impl Builder<'_> {
    pub(super) fn collect_references(&mut self) {
        let tables = &self.models.tables;
        let mut by_origin: HashMap<(FileId, Origin), TableId> = HashMap::new();
        let mut by_name: HashMap<(BaseId, String), Vec<TableId>> = HashMap::new();
        for (id, def) in tables.iter().enumerate() {
            by_origin.insert((def.file, def.origin), id);
            by_name
                .entry((def.metadata, def.full_name()))
                .or_default()
                .push(id);
        }
        // The one definition a Python name resolves to: a `Table` variable, or a class (its
        // `__table__`, or the class itself in `User.id`).
        let resolved = |file: FileId, dotted: &str, rest_ok: &dyn Fn(&[String]) -> bool| {
            let found = self.resolver.resolve(file, dotted);
            let origin = match found.entity {
                Entity::Table(f, i) => (f, Origin::Table(i)),
                Entity::Class(f, i) => (f, Origin::Class(i)),
                _ => return None,
            };
            rest_ok(&found.rest)
                .then(|| by_origin.get(&origin).copied())
                .flatten()
        };
        let mut secondary: Vec<BTreeSet<String>> = vec![BTreeSet::new(); tables.len()];
        for class in &self.models.mapped {
            let metadata = self.models.bases[class.registry].metadata;
            for r in &class.relationships {
                let targets: Vec<TableId> = match &r.secondary {
                    None => continue,
                    Some(Secondary::Name(name)) => resolved(class.file, name, &|rest| {
                        rest.is_empty() || rest == ["__table__"]
                    })
                    .into_iter()
                    .collect(),
                    Some(Secondary::Table(name)) => by_name
                        .get(&(metadata, name.to_string()))
                        .cloned()
                        .unwrap_or_default(),
                };
                for t in targets {
                    secondary[t].insert(format!("{}.{}", class.name, r.attr));
                }
            }
        }
        let mut foreign_keys: Vec<BTreeSet<String>> = vec![BTreeSet::new(); tables.len()];
        for def in tables {
            let targets = def
                .columns
                .iter()
                .filter_map(|c| Some((c.foreign_key.as_deref()?, c.foreign_key_expr)))
                .chain(
                    def.constraints
                        .iter()
                        .flat_map(|c| c.fk_targets.iter().map(|t| (t.as_str(), false))),
                );
            for (target, expr) in targets {
                // `users.c.id`, `User.id`: the definition the name is bound to.
                let by_python_name = expr
                    .then(|| resolved(def.file, target, &|rest| !rest.is_empty()))
                    .flatten();
                let found: Vec<TableId> = match by_python_name {
                    Some(t) => vec![t],
                    None => target
                        .rsplit_once('.')
                        .and_then(|(table, _)| by_name.get(&(def.metadata, table.to_owned())))
                        .cloned()
                        .unwrap_or_default(),
                };
                for t in found.into_iter().filter(|&t| tables[t].name != def.name) {
                    foreign_keys[t].insert(def.full_name());
                }
            }
        }
        for (def, (secondary, foreign_keys)) in self
            .models
            .tables
            .iter_mut()
            .zip(secondary.into_iter().zip(foreign_keys))
        {
            def.referenced.secondary = secondary.into_iter().collect();
            def.referenced.foreign_keys = foreign_keys.into_iter().collect();
        }
    }
}
