//! Import statements: the sites later resolved against the module map, and the names they bind.

use super::Collector;
use crate::index::facts::*;
use crate::python::ast::{self, Stmt};
use crate::python::offset;

impl Collector<'_> {
    pub(super) fn record_import(&mut self, stmt: &Stmt) {
        let site = match stmt {
            Stmt::Import(import) => ImportSite {
                stmt: offset(import.range),
                is_from: false,
                level: 0,
                module: None,
                module_span: None,
                names: import.names.iter().map(imported).collect(),
                type_checking: self.type_checking > 0,
                in_function: !self.functions.is_empty(),
                fallback: self.handlers > 0,
                guarded: self.tries > 0,
            },
            Stmt::ImportFrom(from) => ImportSite {
                stmt: offset(from.range),
                is_from: true,
                level: from.level,
                module: from.module.as_ref().map(|m| m.as_str().into()),
                module_span: from.module.as_ref().map(|m| offset(m.range)),
                names: from.names.iter().map(imported).collect(),
                type_checking: self.type_checking > 0,
                in_function: !self.functions.is_empty(),
                fallback: self.handlers > 0,
                guarded: self.tries > 0,
            },
            _ => return,
        };
        let index = self.facts.imports.len();
        if self.at_module_level() {
            for name in &site.names {
                if site.is_from {
                    if name.name != "*" {
                        let local = name.asname.as_deref().unwrap_or(&name.name);
                        self.bind(
                            local,
                            Binding::FromImport {
                                site: index,
                                name: name.name.clone(),
                            },
                        );
                    }
                } else if let Some(asname) = &name.asname {
                    self.bind(asname, Binding::Module(name.name.clone()));
                } else {
                    let head = name.name.split('.').next().unwrap_or(&name.name);
                    self.bind(head, Binding::Module(head.into()));
                }
            }
        }
        self.facts.imports.push(site);
    }
}

fn imported(alias: &ast::Alias) -> ImportedName {
    ImportedName {
        name: alias.name.as_str().into(),
        asname: alias.asname.as_ref().map(|a| a.as_str().into()),
        span: offset(alias.range),
        name_span: offset(alias.name.range),
    }
}
