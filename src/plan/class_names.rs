//! DM005: `relationship("User")` that two classes named `User` make ambiguous is qualified with
//! the module of the class its foreign key points at: `relationship("pkg.auth.models.User")`.

use std::collections::BTreeMap;

use super::{Change, Planner, ShimKey};
use crate::index::facts::TextEdit;
use crate::index::models::Origin;

pub fn plan(p: &mut Planner) {
    let ctx = p.ctx;
    let models = &ctx.index.models;
    // Classes that stay after the plan, by registry and name.
    let mut by_name: BTreeMap<(usize, &str), Vec<usize>> = BTreeMap::new();
    for (i, class) in models.mapped.iter().enumerate() {
        if !p
            .shimmed
            .contains_key(&ShimKey::Class(class.file, class.class))
        {
            by_name
                .entry((class.registry, class.name.as_str()))
                .or_default()
                .push(i);
        }
    }
    let table_of = |file: usize, class: usize| {
        models
            .tables
            .iter()
            .find(|t| t.file == file && t.origin == Origin::Class(class))
    };
    for ((registry, name), classes) in by_name.iter().filter(|(_, c)| c.len() > 1) {
        for referrer in models.mapped.iter().filter(|m| m.registry == *registry) {
            if p.shimmed
                .contains_key(&ShimKey::Class(referrer.file, referrer.class))
            {
                continue;
            }
            for span in referrer.string_references_to(name) {
                let change = Change::Qualify(referrer.file, span);
                if let Some(why) = p.left_out(change, referrer.file) {
                    p.skip(
                        referrer.file,
                        span.0,
                        format!(
                            "`relationship(\"{name}\")` on `{}` is not qualified: {why}",
                            referrer.name
                        ),
                    );
                    continue;
                }
                // The referrer's foreign keys name the table of the class it means.
                let fk_tables: Vec<&str> = table_of(referrer.file, referrer.class)
                    .map(|t| {
                        t.columns
                            .iter()
                            .filter_map(|c| c.foreign_key.as_deref())
                            .filter_map(|fk| fk.rsplit('.').nth(1))
                            .collect()
                    })
                    .unwrap_or_default();
                let meant: Vec<usize> = classes
                    .iter()
                    .copied()
                    .filter(|&c| {
                        let m = &models.mapped[c];
                        table_of(m.file, m.class)
                            .is_some_and(|t| fk_tables.contains(&t.name.as_str()))
                    })
                    .collect();
                let [class] = meant.as_slice() else {
                    p.skip(referrer.file, span.0, format!("`relationship(\"{name}\")` on `{}` is not qualified: its foreign keys do not tell which `{name}` it means; write the module path of the one it means (`relationship(\"package.module.{name}\")`) by hand", referrer.name));
                    continue;
                };
                let class = &models.mapped[*class];
                let Some(module) = p.module_name(class.file) else {
                    continue;
                };
                let text = p.text(referrer.file);
                let written = &text[span.0 as usize..span.1 as usize];
                let quote = if written.ends_with('\'') { '\'' } else { '"' };
                let prefix: String = written.chars().take_while(|c| *c != quote).collect();
                let content = format!("{prefix}{quote}{module}.{name}{quote}");
                let reason =
                    format!("qualify `{name}`: the registry holds two classes of that name");
                p.file(referrer.file).add(
                    TextEdit {
                        start: span.0,
                        end: span.1,
                        content,
                    },
                    change,
                    reason,
                );
            }
        }
    }
}
