//! What one Rust file says that matters here: its `mod` declarations and `use` items, Diesel
//! `table!` / `joinable!` / `allow_tables_to_appear_in_same_query!` calls, structs bound to a
//! Diesel table, and SeaORM entities. Every fact knows the inline modules it sits in (`nest`).

use super::syntax::{self, attr_args, derives, Item, Tok, TokKind, UseLeaf};
use super::table_macro;
use ra_ap_syntax::AstNode;

/// A byte range in the file.
pub type Span = (u32, u32);

#[derive(Debug, Default)]
pub struct FileFacts {
    pub mods: Vec<ModDecl>,
    pub uses: Vec<UseSite>,
    pub tables: Vec<DieselTable>,
    pub joinables: Vec<Joinable>,
    pub allow_tables: Vec<AllowTables>,
    pub table_refs: Vec<TableNameAttr>,
    pub entities: Vec<Entity>,
    /// Items other than `use`, `mod`, macro calls, trait impls, `Model` and `Relation`, per
    /// inline module: what a SeaORM entity module holds besides the entity.
    pub others: Vec<(Vec<String>, String)>,
}

/// `mod name;` (outline) or `mod name { ... }` (inline).
#[derive(Debug)]
pub struct ModDecl {
    pub nest: Vec<String>,
    pub public: bool,
    pub name: String,
    pub outline: bool,
    pub path_attr: Option<String>,
    /// Under a `#[cfg(...)]`: compiled in some builds only.
    pub cfg: bool,
    /// Under `#[cfg(test)]`: only in the crate's test build.
    pub test: bool,
    /// The Cargo features its `#[cfg]` requires.
    pub features: Vec<String>,
}

#[derive(Debug)]
pub struct UseSite {
    pub nest: Vec<String>,
    /// The whole `use` item.
    pub item: Span,
    pub public: bool,
    pub leaves: Vec<UseLeaf>,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub ty: String,
    /// The column's declaration as written (`#[sql_name = ".."] name -> Type`), when it is a
    /// `table!` column.
    pub span: Option<Span>,
}

/// One table of a `table!` call.
#[derive(Debug)]
pub struct DieselTable {
    pub nest: Vec<String>,
    /// The Rust module name the macro makes (`users` in `users (id) { ... }`).
    pub rust_name: String,
    /// The SQL name: `#[sql_name = "..."]`, else the Rust name.
    pub sql_name: String,
    pub schema: Option<String>,
    pub primary_key: Vec<String>,
    pub columns: Vec<Column>,
    /// The whole macro call item (`diesel::table! { ... }`).
    pub call: Span,
    /// This table's declaration inside the call (its attributes to its closing brace).
    pub decl: Span,
    /// How many tables the call declares.
    pub tables_in_call: usize,
}

/// `joinable!(child -> parent (fk));`
#[derive(Debug)]
pub struct Joinable {
    pub nest: Vec<String>,
    pub call: Span,
    pub child: String,
    pub parent: String,
    pub fk: String,
}

/// `allow_tables_to_appear_in_same_query!(a, b, ...);`
#[derive(Debug)]
pub struct AllowTables {
    pub nest: Vec<String>,
    pub call: Span,
    pub names: Vec<(String, Span)>,
}

/// `#[diesel(table_name = path)]` or the legacy `#[table_name = "name"]` on a struct.
#[derive(Debug)]
pub struct TableNameAttr {
    pub nest: Vec<String>,
    pub strukt: String,
    pub path: Vec<String>,
    /// The value as written (a path, or the string literal with quotes).
    pub value: Span,
    pub legacy: bool,
}

/// A SeaORM entity: `#[derive(DeriveEntityModel)] #[sea_orm(table_name = "...")] struct Model`.
#[derive(Debug)]
pub struct Entity {
    pub nest: Vec<String>,
    pub table_name: String,
    pub schema: Option<String>,
    pub columns: Vec<Column>,
    /// The fields marked `#[sea_orm(primary_key)]`.
    pub primary_key: Vec<String>,
    /// Variants of the module's `Relation` enum, with what each points at.
    pub relations: Vec<String>,
    /// `impl Related<X> for Entity`: the `X`s.
    pub related: Vec<String>,
    pub at: Span,
}

pub fn extract(file: &ra_ap_syntax::ast::SourceFile) -> FileFacts {
    let mut facts = FileFacts::default();
    walk(&syntax::items(file), &mut Vec::new(), &mut facts);
    facts
}

fn walk(items: &[(Item, Span)], nest: &mut Vec<String>, facts: &mut FileFacts) {
    let mut relations = Vec::new();
    let mut related = Vec::new();
    let entities_before = facts.entities.len();
    for (item, at) in items {
        match item {
            Item::Module {
                name,
                public,
                outline,
                path_attr,
                items,
                cfg,
                test,
                features,
            } => {
                // A re-export of another entity in place of this file would cut it off.
                facts.others.push((nest.clone(), format!("`mod {name}`")));
                facts.mods.push(ModDecl {
                    nest: nest.clone(),
                    public: *public,
                    name: name.clone(),
                    outline: *outline,
                    path_attr: path_attr.clone(),
                    cfg: *cfg,
                    test: *test,
                    features: features.clone(),
                });
                nest.push(name.clone());
                walk(items, nest, facts);
                nest.pop();
            }
            Item::Use { tree, public } => {
                if *public {
                    let text = tree.syntax().text().to_string();
                    facts
                        .others
                        .push((nest.clone(), format!("`pub use {text}`")));
                }
                facts.uses.push(UseSite {
                    nest: nest.clone(),
                    item: *at,
                    public: *public,
                    leaves: syntax::use_leaves(tree),
                })
            }
            Item::MacroCall { path, body } => {
                let name = path.rsplit("::").next().unwrap_or(path);
                match name {
                    "table" => {
                        for table in table_macro::tables(body, *at) {
                            facts.tables.push(DieselTable {
                                nest: nest.clone(),
                                ..table
                            });
                        }
                    }
                    "joinable" => {
                        if let Some(j) = joinable(body, *at, nest) {
                            facts.joinables.push(j);
                        }
                    }
                    "allow_tables_to_appear_in_same_query" => {
                        let names = body
                            .iter()
                            .filter(|t| t.kind == TokKind::Ident)
                            .map(|t| (t.text.clone(), t.span))
                            .collect();
                        facts.allow_tables.push(AllowTables {
                            nest: nest.clone(),
                            call: *at,
                            names,
                        });
                    }
                    _ => facts.others.push((nest.clone(), format!("`{path}!`"))),
                }
            }
            Item::Struct {
                name,
                attrs,
                fields,
            } => {
                if name != "Model" {
                    facts
                        .others
                        .push((nest.clone(), format!("`struct {name}`")));
                }
                for attr in attrs {
                    if let Some(r) = table_name_attr(attr, name, nest) {
                        facts.table_refs.push(r);
                    }
                }
                if derives(attrs, "DeriveEntityModel") {
                    let args: Vec<_> = attrs.iter().flat_map(|a| attr_args(a, "sea_orm")).collect();
                    let arg = |key: &str| {
                        args.iter()
                            .find(|(k, _, _)| k == key)
                            .map(|(_, v, _)| v.clone())
                    };
                    if let Some(table_name) = arg("table_name") {
                        facts.entities.push(Entity {
                            nest: nest.clone(),
                            table_name,
                            schema: arg("schema_name"),
                            columns: fields
                                .iter()
                                .map(|(name, ty, _)| Column {
                                    name: name.clone(),
                                    ty: ty.clone(),
                                    span: None,
                                })
                                .collect(),
                            primary_key: fields
                                .iter()
                                .filter(|(_, _, key)| *key)
                                .map(|(name, _, _)| name.clone())
                                .collect(),
                            relations: Vec::new(),
                            related: Vec::new(),
                            at: *at,
                        });
                    }
                }
            }
            Item::Enum { name, .. } if name != "Relation" && name != "RelatedEntity" => {
                facts.others.push((nest.clone(), format!("`enum {name}`")));
            }
            Item::Enum { variants, .. } => {
                for (variant, attrs) in variants {
                    let target = attrs
                        .iter()
                        .flat_map(|a| attr_args(a, "sea_orm"))
                        .find(|(k, _, _)| {
                            matches!(k.as_str(), "belongs_to" | "has_many" | "has_one")
                        })
                        .map(|(k, v, _)| format!("{k} {v}"));
                    relations.push(match target {
                        Some(t) => format!("{variant} ({t})"),
                        None => variant.clone(),
                    });
                }
            }
            Item::Other(what) => facts.others.push((nest.clone(), what.clone())),
            Item::Impl {
                trait_,
                self_ty,
                empty: false,
            } if self_ty == "ActiveModel" => {
                facts.others.push((
                    nest.clone(),
                    format!("`impl {trait_} for ActiveModel` with methods of its own"),
                ));
            }
            Item::Impl {
                trait_, self_ty, ..
            } if self_ty == "Entity" => {
                let compact = trait_.replace(char::is_whitespace, "");
                if let Some(inner) = compact
                    .strip_prefix("Related<")
                    .and_then(|r| r.strip_suffix('>'))
                {
                    related.push(inner.to_owned());
                }
            }
            _ => {}
        }
    }
    // The `Relation` enum and `Related` impls belong to the entity of the same module.
    if let Some(entity) = facts.entities[entities_before..]
        .iter_mut()
        .find(|e| &e.nest == nest)
    {
        entity.relations = relations;
        entity.related = related;
    }
}

fn joinable(body: &[Tok], call: Span, nest: &[String]) -> Option<Joinable> {
    let idents: Vec<&Tok> = body.iter().filter(|t| t.kind == TokKind::Ident).collect();
    if idents.len() < 3 {
        return None;
    }
    Some(Joinable {
        nest: nest.to_vec(),
        call,
        child: idents[0].text.clone(),
        parent: idents[1].text.clone(),
        fk: idents[2].text.clone(),
    })
}

fn table_name_attr(attr: &[Tok], strukt: &str, nest: &[String]) -> Option<TableNameAttr> {
    // Legacy Diesel 1: `#[table_name = "users"]`.
    if attr.len() >= 6 && attr[2].text == "table_name" && attr[3].text == "=" {
        let name = syntax::unquote(&attr[4].text)?;
        return Some(TableNameAttr {
            nest: nest.to_vec(),
            strukt: strukt.to_owned(),
            path: name.split("::").map(str::to_owned).collect(),
            value: attr[4].span,
            legacy: true,
        });
    }
    let (_, value, span) = attr_args(attr, "diesel")
        .into_iter()
        .find(|(k, _, _)| k == "table_name")?;
    Some(TableNameAttr {
        nest: nest.to_vec(),
        strukt: strukt.to_owned(),
        path: value.split("::").map(str::to_owned).collect(),
        value: span,
        legacy: false,
    })
}
