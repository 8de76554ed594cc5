//! DM005 ambiguous-class-name: two mapped classes with one name in one registry, and a string
//! reference to that name, which SQLAlchemy then cannot resolve.

use std::collections::BTreeMap;

use super::Context;
use crate::index::models::BaseId;
use crate::report::{Code, Finding};

pub fn findings(ctx: &Context) -> Vec<Finding> {
    let models = &ctx.index.models;
    let mut by_name: BTreeMap<(BaseId, &str), Vec<usize>> = BTreeMap::new();
    for (i, class) in models.mapped.iter().enumerate() {
        by_name
            .entry((class.registry, class.name.as_str()))
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for ((registry, name), classes) in by_name.iter().filter(|(_, c)| c.len() > 1) {
        for referrer in models.mapped.iter().filter(|m| m.registry == *registry) {
            for span in referrer.string_references_to(name) {
                // Ambiguous only where the referrer and at least two of the classes load together.
                let loaded: Vec<usize> = classes
                    .iter()
                    .copied()
                    .filter(|&c| ctx.runtime.meet(&[referrer.file, models.mapped[c].file]))
                    .collect();
                let together = loaded.iter().enumerate().any(|(n, &a)| {
                    loaded[n + 1..].iter().any(|&b| {
                        ctx.runtime.meet(&[
                            referrer.file,
                            models.mapped[a].file,
                            models.mapped[b].file,
                        ])
                    })
                });
                if !together {
                    continue;
                }
                let places: Vec<String> = loaded
                    .iter()
                    .map(|&c| {
                        let m = &models.mapped[c];
                        ctx.at(
                            m.file,
                            ctx.index.files[m.file].facts.classes[m.class].name_offset,
                        )
                    })
                    .collect();
                let message = format!(
                    "`relationship(\"{name}\")` on `{}` cannot be resolved: the registry of {} holds {} classes named `{name}` ({})",
                    referrer.name,
                    ctx.base_name(*registry),
                    loaded.len(),
                    places.join(", ")
                );
                let mut finding = ctx.finding(Code::DM005, referrer.file, span.0, message);
                finding.symbol = Some(name.to_string());
                out.push(finding);
            }
        }
    }
    out
}
