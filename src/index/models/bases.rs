//! The bases, registries and MetaData objects that models hang on, and which MetaData an
//! expression such as `Base.metadata` or `db` stands for.

use super::calls::CallTarget;
use super::{BaseId, BaseInfo, BaseKey, BaseKind, Builder, Role};
use crate::index::facts::*;
use crate::index::module_map::FileId;
use crate::index::resolve::Entity;

impl Builder<'_> {
    pub(super) fn new_base(&mut self, key: BaseKey, info: BaseInfo) -> BaseId {
        if let Some(&id) = self.keys.get(&key) {
            return id;
        }
        let id = self.models.bases.len();
        self.models.bases.push(BaseInfo {
            metadata: id,
            ..info
        });
        self.keys.insert(key, id);
        id
    }

    pub(super) fn sqlmodel_base(&mut self) -> BaseId {
        let info = BaseInfo {
            name: "SQLModel".into(),
            file: None,
            offset: 0,
            kind: BaseKind::SqlModel,
            metadata: 0,
            schema: None,
        };
        self.new_base(BaseKey::SqlModel, info)
    }

    /// Flask-AppBuilder's `Model` (Superset, Airflow's web UI): one global declarative base with
    /// Flask-SQLAlchemy's naming, whose MetaData every application model shares.
    pub(super) fn appbuilder_base(&mut self) -> BaseId {
        let info = BaseInfo {
            name: "flask_appbuilder.Model".into(),
            file: None,
            offset: 0,
            kind: BaseKind::Flask,
            metadata: 0,
            schema: None,
        };
        self.new_base(BaseKey::AppBuilder, info)
    }

    pub(super) fn base_for_decl(&mut self, file: FileId, index: usize) -> Option<BaseId> {
        let decl = &self.facts(file).decls[index];
        if decl.kind == DeclKind::GenerateBase {
            let MetadataArg::Ref(registry) = &decl.metadata else {
                return None;
            };
            return match self.resolve(file, registry).entity {
                Entity::Decl(f, d) if (f, d) != (file, index) => self.base_for_decl(f, d),
                _ => None,
            };
        }
        if let Some(&id) = self.keys.get(&BaseKey::Decl(file, index)) {
            return Some(id);
        }
        let kind = match self.decl_kind(file, index)? {
            (DeclKind::DeclarativeBase, true) => BaseKind::Built,
            (DeclKind::DeclarativeBase, false) => BaseKind::DeclarativeBase,
            (DeclKind::Registry, _) => BaseKind::Registry,
            (DeclKind::MetaData, _) => BaseKind::MetaData,
            (DeclKind::FlaskSqlalchemy, _) => BaseKind::Flask,
            (DeclKind::GenerateBase | DeclKind::Call, _) => return None,
        };
        let decl = &self.facts(file).decls[index];
        let schema = match &decl.metadata {
            MetadataArg::Inline { schema } => schema.as_deref().map(str::to_owned),
            _ => None,
        };
        let info = BaseInfo {
            name: decl.name.to_string(),
            file: Some(file),
            offset: decl.stmt.0,
            kind,
            metadata: 0,
            schema,
        };
        let id = self.new_base(BaseKey::Decl(file, index), info);
        let reference = match (&decl.metadata, self.calls.get(&(file, index))) {
            (MetadataArg::Ref(reference), _) => Some((file, reference.clone())),
            (_, Some(CallTarget::Factory { metadata, .. })) => metadata.clone(),
            _ => None,
        };
        if let Some((in_file, reference)) = reference {
            if let Some(md) = self.metadata_of_expr(in_file, &reference) {
                self.models.bases[id].metadata = md;
            }
        }
        Some(id)
    }

    /// The class named by `cls=` in `declarative_base(cls=PreBase)` / `reg.generate_base(cls=...)`.
    pub(super) fn decl_mixin(&mut self, file: FileId, index: usize) -> Option<(FileId, usize)> {
        let cls = self.facts(file).decls[index].cls.clone()?;
        match self.resolve(file, &cls).entity {
            Entity::Class(f, c) => Some((f, c)),
            _ => None,
        }
    }

    /// The MetaData an expression such as `Base.metadata`, `metadata`, `db` or
    /// `SQLModel.metadata` stands for.
    pub(super) fn metadata_of_expr(&mut self, file: FileId, dotted: &str) -> Option<BaseId> {
        let resolved = self.resolve(file, dotted);
        let rest: Vec<&str> = resolved.rest.iter().map(String::as_str).collect();
        let base = match (resolved.entity, rest.as_slice()) {
            (Entity::Decl(f, d), [] | ["metadata"]) => self.base_for_decl(f, d)?,
            (Entity::Class(f, c), ["metadata"]) => match self.role(f, c) {
                Role::Base(b) | Role::Mapped { registry: b, .. } => b,
                Role::SqlModelFields => self.sqlmodel_base(),
                _ => return None,
            },
            (Entity::External(path), []) if path.ends_with("SQLModel.metadata") => {
                self.sqlmodel_base()
            }
            (Entity::External(path), []) => match path.strip_suffix(".metadata") {
                Some(model) if is_appbuilder_model(model) => self.appbuilder_base(),
                _ => return None,
            },
            _ => return None,
        };
        Some(self.models.bases[base].metadata)
    }
}

/// Flask-AppBuilder's global declarative base, by the paths it is imported from.
pub(super) fn is_appbuilder_model(path: &str) -> bool {
    matches!(
        path,
        "flask_appbuilder.Model"
            | "flask_appbuilder.Base"
            | "flask_appbuilder.models.sqla.Model"
            | "flask_appbuilder.models.sqla.Base"
    )
}
