//! Which MetaData objects are used together: a string foreign key or relationship that crosses
//! from one into a table or class only the other has, or `create_all` of both on one engine in
//! one function. Connected metadata form one database, where one table name means one table.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::index::models::BaseId;
use crate::index::module_map::FileId;
use crate::index::Index;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    ForeignKey,
    Relationship,
    CreateAll,
}

#[derive(Debug, Clone)]
pub struct Connection {
    /// The metadata the reference or call starts from, and the one it reaches.
    pub from: BaseId,
    pub to: BaseId,
    pub via: Via,
    pub file: FileId,
    pub offset: u32,
    /// A short description: `ForeignKey("bookings.id")`, `relationship("User")`, or the
    /// function that calls `create_all`.
    pub detail: String,
    /// The table or class whose foreign key or relationship it is.
    pub on: Option<String>,
}

pub struct Connections {
    pub list: Vec<Connection>,
    parent: HashMap<BaseId, BaseId>,
}

impl Connections {
    pub fn group(&self, metadata: BaseId) -> BaseId {
        let mut at = metadata;
        while let Some(&next) = self.parent.get(&at) {
            if next == at {
                break;
            }
            at = next;
        }
        at
    }

    fn union(&mut self, a: BaseId, b: BaseId) {
        let (ra, rb) = (self.group(a), self.group(b));
        if ra != rb {
            let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(high, low);
        }
    }

    pub fn find(index: &Index) -> Connections {
        let models = &index.models;
        let mut connections = Connections {
            list: Vec::new(),
            parent: HashMap::new(),
        };
        let mut tables_of: HashMap<BaseId, HashSet<&str>> = HashMap::new();
        let mut metadata_with: BTreeMap<&str, Vec<BaseId>> = BTreeMap::new();
        for def in &models.tables {
            tables_of.entry(def.metadata).or_default().insert(&def.name);
            let holders = metadata_with.entry(&def.name).or_default();
            if !holders.contains(&def.metadata) {
                holders.push(def.metadata);
            }
        }
        for def in &models.tables {
            let targets = def
                .columns
                .iter()
                // `ForeignKey(users.c.id)` holds the column itself, found on whatever MetaData
                // it is: only a string is looked up by name on the table's own MetaData.
                .filter(|c| !c.foreign_key_expr)
                .filter_map(|c| c.foreign_key.as_deref().map(|fk| (fk, c.span.0)))
                .chain(
                    def.constraints
                        .iter()
                        .flat_map(|c| c.fk_targets.iter().map(move |t| (t.as_str(), c.span.0))),
                );
            for (target, offset) in targets {
                let mut parts: Vec<&str> = target.split('.').collect();
                parts.pop();
                let Some(table) = parts.pop() else { continue };
                if tables_of
                    .get(&def.metadata)
                    .is_some_and(|t| t.contains(table))
                {
                    continue;
                }
                for &other in metadata_with.get(table).into_iter().flatten() {
                    connections.list.push(Connection {
                        from: def.metadata,
                        to: other,
                        via: Via::ForeignKey,
                        file: def.file,
                        offset,
                        detail: format!("`ForeignKey(\"{target}\")`"),
                        on: Some(def.name.clone()),
                    });
                }
            }
        }

        let mut classes_of: HashMap<BaseId, HashSet<&str>> = HashMap::new();
        let mut registries_with: BTreeMap<&str, Vec<BaseId>> = BTreeMap::new();
        for class in &models.mapped {
            classes_of
                .entry(class.registry)
                .or_default()
                .insert(&class.name);
            registries_with
                .entry(&class.name)
                .or_default()
                .push(class.registry);
        }
        for class in &models.mapped {
            for relationship in &class.relationships {
                let Some(target) = relationship.target.as_deref() else {
                    continue;
                };
                let name = target.rsplit('.').next().unwrap_or(target);
                if classes_of
                    .get(&class.registry)
                    .is_some_and(|c| c.contains(name))
                {
                    continue;
                }
                for &other in registries_with.get(name).into_iter().flatten() {
                    connections.list.push(Connection {
                        from: models.metadata_of(class.registry),
                        to: models.metadata_of(other),
                        via: Via::Relationship,
                        file: class.file,
                        offset: relationship.span.0,
                        detail: format!("`relationship(\"{target}\")`"),
                        on: Some(class.name.clone()),
                    });
                }
            }
        }

        let mut calls: BTreeMap<(FileId, usize, &str), Vec<usize>> = BTreeMap::new();
        for (i, call) in models.create_alls.iter().enumerate() {
            calls
                .entry((call.file, call.scope, call.engine.as_str()))
                .or_default()
                .push(i);
        }
        for group in calls.values() {
            for (n, &i) in group.iter().enumerate() {
                for &j in &group[n + 1..] {
                    let (a, b) = (&models.create_alls[i], &models.create_alls[j]);
                    if a.metadata != b.metadata {
                        connections.list.push(Connection {
                            from: b.metadata,
                            to: a.metadata,
                            via: Via::CreateAll,
                            file: b.file,
                            offset: b.offset,
                            detail: format!("`{}()`", a.scope_name),
                            on: None,
                        });
                    }
                }
            }
        }
        let pairs: Vec<(BaseId, BaseId)> =
            connections.list.iter().map(|c| (c.from, c.to)).collect();
        for (a, b) in pairs {
            connections.union(a, b);
        }
        connections
    }
}
