//! `use` paths and `table_name` attributes that spelled out a duplicate's path name the canonical,
//! in an order rustfmt still accepts.

use super::Planner;
use crate::rust::facts::{Span, UseSite};
use crate::rust::{ModPath, TableId};

impl Planner<'_, '_> {
    /// `use` paths and `#[diesel(table_name = ...)]` values that spell out a duplicate's path
    /// name the canonical instead.
    pub(super) fn repoint(&mut self) {
        let index = self.index;
        let resolver = &self.analysis.resolver;
        let mut edits = Vec::new();
        for (id, file) in index.files.iter().enumerate() {
            let Some(module) = file.modules.first() else {
                continue;
            };
            for site in &file.facts.uses {
                let mut here = module.clone();
                here.1.extend(site.nest.iter().cloned());
                for leaf in &site.leaves {
                    let Some(abs) = resolver.absolute(&here, &leaf.segments) else {
                        continue;
                    };
                    let Some(len) = self.literal_prefix(&abs) else {
                        continue;
                    };
                    // `abs` and the written path end alike; the written prefix naming the
                    // duplicate is the segments before the common tail. A path written below
                    // the duplicate's module spells none of it (`use sea_orm::Iterable;` in its
                    // `mod tests`, where an unscanned crate resolves as a relative path).
                    let tail = abs.1.len() - len;
                    let Some(written) = leaf.segments.len().checked_sub(tail) else {
                        continue;
                    };
                    if written == 0 {
                        continue;
                    }
                    let span = (leaf.spans[0].0, leaf.spans[written - 1].1);
                    let (dup, _) = resolver.table(&abs).expect("literal");
                    if let Some(path) = self.canonical_path(&here, dup) {
                        // Leaves of one group share the prefix: it is rewritten only when
                        // every leaf of the group asks for the same rewrite.
                        let sharing = site
                            .leaves
                            .iter()
                            .filter(|l| l.spans.first() == leaf.spans.first())
                            .count();
                        edits.push((id, span, path, dup, sharing));
                    }
                }
            }
            for attr in file
                .facts
                .table_refs
                .iter()
                .filter(|a| !a.legacy && a.path.len() > 1)
            {
                let mut here = module.clone();
                here.1.extend(attr.nest.iter().cloned());
                let Some(abs) = resolver.absolute(&here, &attr.path) else {
                    continue;
                };
                if self.literal_prefix(&abs) != Some(abs.1.len()) {
                    continue;
                }
                let (dup, _) = resolver.table(&abs).expect("literal");
                if let Some(path) = self.canonical_path(&here, dup) {
                    edits.push((id, attr.value, path, dup, 1));
                }
            }
        }
        for (file, span, path, dup, sharing) in edits.clone() {
            let same = edits
                .iter()
                .filter(|(f, s, p, _, _)| *f == file && *s == span && *p == path)
                .count();
            let text = &index.files[file].text;
            let planned: Vec<(Span, &str)> = edits
                .iter()
                .filter(|(f, ..)| *f == file)
                .map(|(_, s, p, ..)| (*s, p.as_str()))
                .collect();
            if same != sharing
                || text[span.0 as usize..span.1 as usize] == path
                || !stays_sorted(text, &index.files[file].facts.uses, span, &planned)
            {
                continue;
            }
            self.add(
                file,
                span,
                path,
                format!(
                    "name the canonical definition of table `{}`",
                    index.tables[dup].name
                ),
                &[dup],
            );
        }
    }

    /// When `path` runs through a replaced duplicate's own module (not a re-export of it): how
    /// many of its segments name the duplicate.
    fn literal_prefix(&self, path: &ModPath) -> Option<usize> {
        self.replaced.keys().find_map(|&dup| {
            let module = self.index.tables[dup].module.as_ref()?;
            (module.0 == path.0 && path.1.starts_with(&module.1)).then_some(module.1.len())
        })
    }

    /// The canonical of a replaced duplicate as code in `here` writes it, if it can without a
    /// new dependency.
    fn canonical_path(&self, here: &ModPath, dup: TableId) -> Option<String> {
        let keep = *self.replaced.get(&dup)?;
        let km = self.index.tables[keep].module.as_ref()?;
        let dm = self.index.tables[dup].module.as_ref()?;
        match self.path_to(here, km) {
            Ok((path, None)) => Some(path),
            // The shim adds that dependency to the duplicate's own package.
            Ok((path, Some(_))) if self.index.package_of(here) == self.index.package_of(dm) => {
                Some(path)
            }
            _ => None,
        }
    }
}

/// Whether rewriting `span` of a `use` item (with the other rewrites `planned` in the file)
/// keeps the item in order among the `use` items next to it (rustfmt sorts a block of `use`
/// lines that no blank line separates), so that a file rustfmt accepted stays accepted. Order
/// is compared as rustfmt mostly does: the paths' text, lower-cased.
fn stays_sorted(text: &str, uses: &[UseSite], span: Span, planned: &[(Span, &str)]) -> bool {
    let Some(at) = uses
        .iter()
        .position(|u| u.item.0 <= span.0 && span.1 <= u.item.1)
    else {
        return true; // an attribute value
    };
    // An item's text after the planned rewrites inside it.
    let key = |u: &UseSite| {
        let mut out = String::new();
        let mut from = u.item.0;
        let mut inside: Vec<&(Span, &str)> = planned
            .iter()
            .filter(|(s, _)| u.item.0 <= s.0 && s.1 <= u.item.1)
            .collect();
        inside.sort_by_key(|(s, _)| *s);
        inside.dedup_by_key(|(s, _)| *s);
        for (s, p) in inside {
            out.push_str(&text[from as usize..s.0 as usize]);
            out.push_str(p);
            from = s.1;
        }
        out.push_str(&text[from as usize..u.item.1 as usize]);
        out.trim_start_matches("pub ").to_lowercase()
    };
    let item = &uses[at];
    let new = key(item);
    let adjacent = |a: &UseSite, b: &UseSite| {
        text[a.item.1 as usize..b.item.0 as usize]
            .matches('\n')
            .count()
            <= 1
    };
    let before_ok = at == 0 || !adjacent(&uses[at - 1], item) || key(&uses[at - 1]) <= new;
    let after_ok =
        at + 1 >= uses.len() || !adjacent(item, &uses[at + 1]) || new <= key(&uses[at + 1]);
    before_ok && after_ok
}
