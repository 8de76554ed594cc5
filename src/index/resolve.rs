//! What a dotted name in a file refers to, followed through imports, aliases, `__init__.py`
//! re-exports and star imports into the file that defines it.

use super::facts::{Binding, FileFacts, ImportSite};
use super::module_map::{FileId, ModuleMap};
use super::SourceFile;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entity {
    /// Defined outside the project: the full dotted path as imported (`sqlalchemy.orm.DeclarativeBase`).
    External(String),
    Class(FileId, usize),
    Decl(FileId, usize),
    Table(FileId, usize),
    /// A module-level function whose return value may be a base: index into `functions`.
    Function(FileId, usize),
    /// A compiled regular expression bound at module level: its pattern.
    Pattern(String),
    Module(FileId),
    Unknown,
}

/// What a name refers to, plus the attribute path that follows it (`Base.metadata` ->
/// (class Base, ["metadata"])).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub entity: Entity,
    pub rest: Vec<String>,
}

pub struct Resolver<'a> {
    pub files: &'a [SourceFile],
    pub map: &'a ModuleMap,
}

const MAX_DEPTH: usize = 24;

/// The names of the ORM libraries the index knows, by the library's top-level package. When the
/// project is one of these libraries (SQLModel's own repository, whose tutorials do `from
/// sqlmodel import SQLModel`), an import of such a name from the library's package resolves to
/// the library's meaning, not to the class the project's source happens to define for it.
const LIBRARY_NAMES: &[(&str, &[&str])] = &[
    (
        "sqlmodel",
        &["SQLModel", "MetaData", "Field", "Relationship", "Column"],
    ),
    ("flask_sqlalchemy", &["SQLAlchemy", "Model"]),
    (
        "sqlalchemy",
        &[
            "DeclarativeBase",
            "DeclarativeBaseNoMeta",
            "declarative_base",
            "as_declarative",
            "declared_attr",
            "registry",
            "MetaData",
            "Table",
            "Column",
            "mapped_column",
            "relationship",
            "DeferredReflection",
        ],
    ),
];

/// `module.name` when `module` is (inside) a known ORM library and `name` one it is known for.
fn library_name(module: &str, name: &str) -> Option<String> {
    let root = module.split('.').next()?;
    LIBRARY_NAMES
        .iter()
        .any(|(library, names)| *library == root && names.contains(&name))
        .then(|| format!("{module}.{name}"))
}

impl<'a> Resolver<'a> {
    pub fn resolve(&self, file: FileId, dotted: &str) -> Resolved {
        let parts: Vec<String> = dotted.split('.').map(str::to_owned).collect();
        self.resolve_parts(file, parts, 0)
    }

    fn facts(&self, file: FileId) -> &FileFacts {
        &self.files[file].facts
    }

    fn resolve_parts(&self, file: FileId, parts: Vec<String>, depth: usize) -> Resolved {
        let unknown = Resolved {
            entity: Entity::Unknown,
            rest: Vec::new(),
        };
        if depth > MAX_DEPTH || parts.is_empty() {
            return unknown;
        }
        let head = &parts[0];
        let rest = parts[1..].to_vec();
        let Some(binding) = self.facts(file).bindings.get(head.as_str()) else {
            return self.through_star_imports(file, parts, depth);
        };
        match binding {
            Binding::Class(i) => Resolved {
                entity: Entity::Class(file, *i),
                rest,
            },
            Binding::Decl(i) => Resolved {
                entity: Entity::Decl(file, *i),
                rest,
            },
            Binding::Table(i) => Resolved {
                entity: Entity::Table(file, *i),
                rest,
            },
            Binding::Function(i) => Resolved {
                entity: Entity::Function(file, *i),
                rest,
            },
            Binding::Pattern(pattern) if rest.is_empty() => Resolved {
                entity: Entity::Pattern(pattern.to_string()),
                rest,
            },
            Binding::Other | Binding::Pattern(_) => unknown,
            Binding::Alias(target) => {
                let mut next: Vec<String> = target.split('.').map(str::to_owned).collect();
                if next[0] == *head {
                    return unknown; // `x = x.y` style rebinding; not worth following
                }
                next.extend(rest);
                self.resolve_parts(file, next, depth + 1)
            }
            Binding::Module(module) => {
                let mut full: Vec<String> = module.split('.').map(str::to_owned).collect();
                full.extend(rest);
                self.in_module_path(file, full, depth)
            }
            Binding::FromImport { site, name } => {
                let site = &self.facts(file).imports[*site];
                let mut next = vec![name.to_string()];
                next.extend(rest);
                self.through_from_import(file, site, next, depth)
            }
        }
    }

    /// What `name` imported by the import statement `site` of `file` is.
    pub fn imported(&self, file: FileId, site: usize, name: &str) -> Resolved {
        let site = &self.facts(file).imports[site];
        self.through_from_import(file, site, vec![name.to_owned()], 0)
    }

    /// `from <site module> import <parts[0]>`, then the attribute path.
    fn through_from_import(
        &self,
        file: FileId,
        site: &ImportSite,
        parts: Vec<String>,
        depth: usize,
    ) -> Resolved {
        let module_file = self.map.from_module(file, site);
        if let (Some(target), Some(module), 0) = (module_file, &site.module, site.level) {
            if let Some(path) = self.library_binding(target, module, &parts[0]) {
                return Resolved {
                    entity: Entity::External(path),
                    rest: parts[1..].to_vec(),
                };
            }
        }
        let Some(module_file) = module_file else {
            if site.level > 0 {
                return Resolved {
                    entity: Entity::Unknown,
                    rest: Vec::new(),
                };
            }
            let mut full: Vec<String> = site
                .module
                .iter()
                .flat_map(|m| m.split('.'))
                .map(str::to_owned)
                .collect();
            full.extend(parts);
            return Resolved {
                entity: Entity::External(full.join(".")),
                rest: Vec::new(),
            };
        };
        // A name the module binds is that binding; only an unbound one may be a submodule
        // (`from pkg import submodule`), which is worth a lookup.
        if self
            .facts(module_file)
            .bindings
            .contains_key(parts[0].as_str())
        {
            return self.resolve_parts(module_file, parts, depth + 1);
        }
        let submodule = if site.level > 0 {
            let joined = match &site.module {
                Some(m) => format!("{m}.{}", parts[0]),
                None => parts[0].clone(),
            };
            self.map.resolve_relative(file, site.level, Some(&joined))
        } else {
            self.map.resolve(
                &format!("{}.{}", site.module.as_deref().unwrap_or(""), parts[0]),
                Some(file),
            )
        };
        match submodule {
            Some(sub) => self.attribute_of_module(sub, parts[1..].to_vec(), depth),
            None => self.resolve_parts(module_file, parts, depth + 1),
        }
    }

    /// `module.name` as the library's, when the project module `target` is a known ORM library
    /// (the project is the library) and binds that known name.
    fn library_binding(&self, target: FileId, module: &str, name: &str) -> Option<String> {
        let path = library_name(module, name)?;
        self.facts(target)
            .bindings
            .contains_key(name)
            .then_some(path)
    }

    /// `a.b.c.X`: the longest prefix that is a project module, then `X` inside it.
    fn in_module_path(&self, file: FileId, full: Vec<String>, depth: usize) -> Resolved {
        for split in (1..=full.len()).rev() {
            let module = full[..split].join(".");
            if let Some(target) = self.map.resolve(&module, Some(file)) {
                if let Some(path) = full
                    .get(split)
                    .and_then(|name| self.library_binding(target, &module, name))
                {
                    return Resolved {
                        entity: Entity::External(path),
                        rest: full[split + 1..].to_vec(),
                    };
                }
                return self.attribute_of_module(target, full[split..].to_vec(), depth);
            }
        }
        Resolved {
            entity: Entity::External(full.join(".")),
            rest: Vec::new(),
        }
    }

    fn attribute_of_module(&self, module: FileId, rest: Vec<String>, depth: usize) -> Resolved {
        if rest.is_empty() {
            Resolved {
                entity: Entity::Module(module),
                rest,
            }
        } else {
            self.resolve_parts(module, rest, depth + 1)
        }
    }

    fn through_star_imports(&self, file: FileId, parts: Vec<String>, depth: usize) -> Resolved {
        for site in self
            .facts(file)
            .imports
            .iter()
            .filter(|s| s.is_from && s.names.iter().any(|n| n.name == "*"))
        {
            match self.map.from_module(file, site) {
                Some(target) => {
                    let found = self.resolve_parts(target, parts.clone(), depth + 1);
                    if found.entity != Entity::Unknown {
                        return found;
                    }
                }
                // `from sqlalchemy import *`: an unbound name may come from there.
                None if site.level == 0 => {
                    let module = site.module.clone().unwrap_or_default();
                    return Resolved {
                        entity: Entity::External(format!("{module}.{}", parts.join("."))),
                        rest: Vec::new(),
                    };
                }
                None => {}
            }
        }
        Resolved {
            entity: Entity::Unknown,
            rest: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileEncoding;
    use std::path::PathBuf;

    fn project(files: &[(&str, &str)]) -> (Vec<SourceFile>, ModuleMap) {
        let sources = files
            .iter()
            .map(|(path, text)| {
                let module = crate::python::parse(text).ok().unwrap();
                SourceFile {
                    path: PathBuf::from(format!("/p/{path}")),
                    display: path.to_string(),
                    text: text.to_string(),
                    encoding: FileEncoding::Utf8 { bom: false },
                    cr_endings: false,
                    bare_cr: false,
                    lines: Default::default(),
                    facts: crate::index::extract::extract(module.syntax(), text, false),
                    loads: Vec::new(),
                    in_tests: false,
                    parsed: true,
                    hides_models: false,
                    stamp: None,
                }
            })
            .collect::<Vec<_>>();
        let map = ModuleMap::new(
            sources.iter().map(|s| s.path.clone()).collect(),
            vec![crate::index::module_map::Root {
                dir: PathBuf::from("/p"),
                kind: crate::index::module_map::RootKind::Project,
            }],
        );
        (sources, map)
    }

    #[test]
    fn follows_imports_reexports_and_aliases() {
        let (files, map) = project(&[
            ("app/__init__.py", "from .db import Base as Base\n"),
            ("app/db.py", "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\nModel = Base\n"),
            ("app/models.py", "from app import Base\nimport app.db\nimport app.db as database\nfrom . import db\nfrom .db import *\n"),
        ]);
        let r = Resolver {
            files: &files,
            map: &map,
        };
        let base = Resolved {
            entity: Entity::Decl(1, 0),
            rest: vec![],
        };
        assert_eq!(r.resolve(2, "Base"), base);
        assert_eq!(r.resolve(2, "app.db.Base"), base);
        assert_eq!(r.resolve(2, "database.Model"), base);
        assert_eq!(
            r.resolve(2, "db.Base.metadata"),
            Resolved {
                entity: Entity::Decl(1, 0),
                rest: vec!["metadata".into()]
            }
        );
        assert_eq!(r.resolve(2, "Model"), base, "star import");
        assert_eq!(
            r.resolve(1, "declarative_base").entity,
            Entity::External("sqlalchemy.orm.declarative_base".into())
        );
    }

    #[test]
    fn a_project_that_is_an_orm_library_gives_its_names_their_library_meaning() {
        let (files, map) = project(&[
            ("sqlmodel/__init__.py", "from .main import SQLModel as SQLModel\n"),
            ("sqlmodel/main.py", "class SQLModel:\n    pass\n"),
            (
                "docs_src/tutorial.py",
                "from sqlmodel import SQLModel\nimport sqlmodel\nfrom sqlmodel.main import SQLModel as M\n",
            ),
        ]);
        let r = Resolver {
            files: &files,
            map: &map,
        };
        let external = Entity::External("sqlmodel.SQLModel".into());
        assert_eq!(r.resolve(2, "SQLModel").entity, external);
        assert_eq!(r.resolve(2, "sqlmodel.SQLModel").entity, external);
        assert_eq!(
            r.resolve(2, "M").entity,
            Entity::External("sqlmodel.main.SQLModel".into())
        );
        // Inside the library, its own relative imports stay the project's classes.
        assert_eq!(r.resolve(0, "SQLModel").entity, Entity::Class(1, 0));
    }

    #[test]
    fn import_cycles_end() {
        let (files, map) = project(&[("a.py", "from b import X\n"), ("b.py", "from a import X\n")]);
        let r = Resolver {
            files: &files,
            map: &map,
        };
        assert_eq!(r.resolve(0, "X").entity, Entity::Unknown);
    }
}
