//! One pass over a file's syntax tree that records its `FileFacts`: every import (with whether it
//! runs on import), module-level bindings, declarative bases, model classes, `Table(...)` calls
//! and `create_all` calls.

use ruff_python_ast::visitor::{walk_body, walk_expr, walk_stmt, Visitor};

use super::facts::*;
use super::removal::{remove_item, remove_statement, List};
use super::table_name;
use crate::python::ast::{self, Expr, Stmt};
use crate::python::{callee_name, dotted, is_true, keyword, offset, string_literal, Ranged};

const COLUMN_CALLS: &[&str] = &["Column", "mapped_column", "Field"];
const RELATIONSHIP_CALLS: &[&str] = &["relationship", "Relationship", "relation"];
const BAND_AIDS: &[&str] = &["extend_existing", "keep_existing", "useexisting"];

pub fn extract(module: &ast::ModModule, text: &str, in_tests: bool) -> FileFacts {
    let mut collector = Collector {
        text,
        in_tests,
        facts: FileFacts::default(),
        bindings: Vec::new(),
        functions: Vec::new(),
        next_scope: 0,
        classes: 0,
        type_checking: 0,
    };
    collector.visit_body(&module.body);
    collector.facts.bindings = Bindings::from_ordered(collector.bindings);
    collector.facts.shrink_to_fit();
    collector.facts
}

struct Collector<'t> {
    text: &'t str,
    in_tests: bool,
    facts: FileFacts,
    /// Module-level bindings in the order they are made.
    bindings: Vec<(Name, Binding)>,
    /// Enclosing functions: (scope number, name).
    functions: Vec<(usize, Name)>,
    next_scope: usize,
    classes: usize,
    type_checking: usize,
}

impl<'t> Collector<'t> {
    fn at_module_level(&self) -> bool {
        self.functions.is_empty() && self.classes == 0
    }

    fn source(&self, node: &impl Ranged) -> Name {
        let range = node.range();
        self.text[range.start().to_usize()..range.end().to_usize()].into()
    }

    fn bind(&mut self, name: &str, binding: Binding) {
        self.bindings.push((name.into(), binding));
    }

    fn record_import(&mut self, stmt: &Stmt) {
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

    fn module_assignment(&mut self, target: &str, value: &Expr, stmt_span: Span) {
        if let Some(decl) = decl_kind(value) {
            let (kind, metadata) = decl;
            let index = self.facts.decls.len();
            self.facts.decls.push(Decl {
                name: target.into(),
                stmt: stmt_span,
                kind,
                metadata,
            });
            self.bind(target, Binding::Decl(index));
        } else if let Some(table) = self.table_call(value, Some(target), stmt_span, None) {
            let index = self.facts.tables.len();
            self.facts.tables.push(table);
            self.bind(target, Binding::Table(index));
        } else if let Some(path) = dotted(value) {
            self.bind(target, Binding::Alias(path));
        } else {
            self.bind(target, Binding::Other);
        }
    }

    /// `Table("name", metadata, Column(...), ..., schema=..., extend_existing=True)`.
    fn table_call(
        &self,
        value: &Expr,
        assigned: Option<&str>,
        stmt: Span,
        class: Option<usize>,
    ) -> Option<TableCall> {
        let Expr::Call(call) = value else { return None };
        let callee = dotted(&call.func)?;
        if !(callee == "Table" || callee.ends_with(".Table")) {
            return None;
        }
        let args = &call.arguments.args;
        let name = string_literal(args.first()?)?;
        let metadata = args
            .get(1)
            .filter(|a| callee_name(a).is_none_or(|n| n != "Column"))
            .and_then(dotted);
        let mut table = TableCall {
            name,
            assigned: assigned.map(Name::from),
            stmt,
            callee,
            metadata,
            schema: keyword(call, "schema").and_then(string_literal),
            bind_key: keyword(call, "bind_key").and_then(string_literal),
            columns: Vec::new(),
            constraints: Vec::new(),
            flags: Vec::new(),
            reflected: keyword(call, "autoload_with").is_some()
                || keyword(call, "autoload").is_some_and(is_true),
            class,
            in_tests: self.in_tests,
        };
        for arg in args.iter().skip(1) {
            let Some(name) = callee_name(arg) else {
                continue;
            };
            let Expr::Call(inner) = arg else { continue };
            if name == "Column" {
                let column_name = inner
                    .arguments
                    .args
                    .first()
                    .and_then(string_literal)
                    .unwrap_or_default();
                table
                    .columns
                    .push(self.column(&column_name, inner, offset(arg.range()), None));
            } else if let Some(constraint) = constraint(name, inner) {
                table.constraints.push(constraint);
            }
        }
        let list = List {
            close: call.arguments.range.end().to_u32() - 1,
            items: call
                .arguments
                .iter_source_order()
                .map(|a| offset(a.range()))
                .collect(),
            tuple: false,
        };
        for kw in &call.arguments.keywords {
            if let Some(arg) = &kw.arg {
                if BAND_AIDS.contains(&arg.as_str()) && is_true(&kw.value) {
                    let index = list
                        .items
                        .iter()
                        .position(|s| *s == offset(kw.range))
                        .unwrap_or(0);
                    table.flags.push(BandAid {
                        flag: arg.as_str().into(),
                        span: offset(kw.range),
                        removal: remove_item(self.text, &list, index),
                    });
                }
            }
        }
        Some(table)
    }

    fn column(
        &self,
        attr: &str,
        call: &ast::ExprCall,
        span: Span,
        mapped_type: Option<&Expr>,
    ) -> Column {
        let args = &call.arguments.args;
        let name = args
            .first()
            .and_then(string_literal)
            .unwrap_or_else(|| attr.into());
        let mut foreign_key = keyword(call, "foreign_key").and_then(string_literal);
        // The SQL type written in the call wins over the Python type of a `Mapped[...]`.
        let mut type_text = None;
        for arg in args.iter() {
            match callee_name(arg) {
                Some("ForeignKey") => {
                    if let Expr::Call(fk) = arg {
                        foreign_key = fk
                            .arguments
                            .args
                            .first()
                            .and_then(|a| string_literal(a).or_else(|| dotted(a)));
                    }
                }
                Some("Sequence" | "Identity" | "Computed") => {}
                _ if string_literal(arg).is_some() => {}
                _ if type_text.is_none() => type_text = Some(self.source(arg)),
                _ => {}
            }
        }
        if type_text.is_none() {
            type_text = keyword(call, "sa_type")
                .or_else(|| keyword(call, "type_"))
                .map(|t| self.source(t));
        }
        let python_type = type_text.is_none() && mapped_type.is_some();
        if python_type {
            type_text = mapped_type.map(|t| self.source(t));
        }
        Column {
            attr: attr.into(),
            name,
            span,
            type_text,
            foreign_key,
            primary_key: keyword(call, "primary_key").is_some_and(is_true),
            nullable: keyword(call, "nullable").and_then(|v| match v {
                Expr::BooleanLiteral(b) => Some(b.value),
                _ => None,
            }),
            unique: keyword(call, "unique").is_some_and(is_true),
            has_default: [
                "default",
                "server_default",
                "default_factory",
                "insert_default",
            ]
            .iter()
            .any(|k| keyword(call, k).is_some()),
            python_type,
        }
    }

    fn class(&mut self, class: &ast::StmtClassDef) -> ClassFacts {
        let start = class
            .decorator_list
            .first()
            .map_or(class.range.start(), |d| d.range.start());
        let mut facts = ClassFacts {
            name: class.name.as_str().into(),
            span: (start.to_u32(), class.range.end().to_u32()),
            name_offset: class.name.range.start().to_u32(),
            bases: class.bases().iter().filter_map(base_name).collect(),
            table_kw: class.keywords().iter().any(|k| {
                k.arg.as_ref().is_some_and(|a| a.as_str() == "table") && is_true(&k.value)
            }),
            decorators: class
                .decorator_list
                .iter()
                .filter_map(|d| decorator_name(&d.expression))
                .collect(),
            tablename: None,
            table_args: None,
            table_attr: None,
            is_abstract: false,
            bind_key: None,
            metadata: None,
            columns: Vec::new(),
            relationships: Vec::new(),
            annotated_fields: Vec::new(),
            mapped_typing: false,
            in_tests: self.in_tests,
        };
        let class_index = self.facts.classes.len();
        for stmt in &class.body {
            match stmt {
                Stmt::Assign(assign) => {
                    let [Expr::Name(target)] = assign.targets.as_slice() else {
                        continue;
                    };
                    self.class_attribute(
                        &mut facts,
                        class_index,
                        target.id.as_str(),
                        &assign.value,
                        None,
                        offset(assign.range),
                    );
                }
                Stmt::AnnAssign(ann) => {
                    let Expr::Name(target) = ann.target.as_ref() else {
                        continue;
                    };
                    let name = target.id.as_str();
                    if let Some(value) = &ann.value {
                        self.class_attribute(
                            &mut facts,
                            class_index,
                            name,
                            value,
                            Some(&ann.annotation),
                            offset(ann.range),
                        );
                    } else if !name.starts_with("__") && !is_class_var(&ann.annotation) {
                        let (mapped, inner) = mapped_inner(&ann.annotation);
                        facts.mapped_typing |= mapped;
                        let column = Column {
                            attr: name.into(),
                            name: name.into(),
                            span: offset(ann.range),
                            type_text: Some(self.source(inner)),
                            foreign_key: None,
                            primary_key: false,
                            nullable: None,
                            unique: false,
                            has_default: false,
                            python_type: true,
                        };
                        if mapped {
                            facts.columns.push(column);
                        } else {
                            facts.annotated_fields.push(column);
                        }
                    }
                }
                Stmt::FunctionDef(func) if is_declared_attr(func) => match func.name.as_str() {
                    "__tablename__" => {
                        facts.tablename = Some(
                            table_name::rule_from_body(&func.body)
                                .map_or(TableName::Unknown, TableName::Rule),
                        );
                    }
                    "__table_args__" => {
                        let returned = match func.body.as_slice() {
                            [.., Stmt::Return(r)] => r.value.as_deref(),
                            _ => None,
                        };
                        let mut args = returned
                            .map(|e| table_args(e, offset(func.range), self.text, false))
                            .unwrap_or_default();
                        args.stmt = offset(func.range);
                        facts.table_args = Some(args);
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        facts
    }

    fn class_attribute(
        &mut self,
        facts: &mut ClassFacts,
        class_index: usize,
        name: &str,
        value: &Expr,
        annotation: Option<&Expr>,
        span: Span,
    ) {
        match name {
            "__tablename__" => {
                facts.tablename = Some(match string_literal(value) {
                    Some(value_text) => TableName::Literal {
                        value: value_text,
                        span,
                    },
                    None if matches!(value, Expr::NoneLiteral(_)) => return,
                    None => TableName::Unknown,
                });
                return;
            }
            "__table_args__" => {
                facts.table_args = Some(table_args(value, span, self.text, true));
                return;
            }
            "__table__" => {
                facts.table_attr = Some(
                    match self.table_call(value, None, span, Some(class_index)) {
                        Some(table) => {
                            self.facts.tables.push(table);
                            TableAttr::Call(self.facts.tables.len() - 1)
                        }
                        None => TableAttr::Existing,
                    },
                );
                return;
            }
            "__abstract__" => {
                facts.is_abstract = is_true(value);
                return;
            }
            "__bind_key__" => {
                facts.bind_key = string_literal(value);
                return;
            }
            "metadata" => {
                facts.metadata = Some(match value {
                    Expr::Call(call) if callee_name(value) == Some("MetaData") => {
                        MetadataArg::Inline {
                            schema: keyword(call, "schema").and_then(string_literal),
                        }
                    }
                    other => dotted(other).map_or(MetadataArg::Own, MetadataArg::Ref),
                });
                return;
            }
            _ => {}
        }
        let (mapped, inner) = annotation.map_or((false, None), |a| {
            let (mapped, inner) = mapped_inner(a);
            (mapped, Some(inner))
        });
        facts.mapped_typing |= mapped;
        let call_name = callee_name(value);
        let Expr::Call(call) = value else {
            // `name: str = "default"` in a SQLModel class is a column with a default.
            if let (Some(inner), false) = (inner, name.starts_with("__")) {
                if !annotation.is_some_and(is_class_var) {
                    facts.annotated_fields.push(Column {
                        attr: name.into(),
                        name: name.into(),
                        span,
                        type_text: Some(self.source(inner)),
                        foreign_key: None,
                        primary_key: false,
                        nullable: None,
                        unique: false,
                        has_default: true,
                        python_type: true,
                    });
                }
            }
            return;
        };
        match call_name {
            Some(n) if COLUMN_CALLS.contains(&n) => {
                let mut column = self.column(name, call, span, inner);
                if n == "Field" && column.type_text.is_none() {
                    column.type_text = inner.map(|i| self.source(i));
                    column.python_type = true;
                }
                facts.columns.push(column);
            }
            Some(n) if RELATIONSHIP_CALLS.contains(&n) => {
                let first = call.arguments.args.first();
                let (target, target_string) = match first {
                    Some(arg) => match string_literal(arg) {
                        Some(s) => (Some(s), Some(offset(arg.range()))),
                        None => (dotted(arg), None),
                    },
                    None => (inner.and_then(annotation_target), None),
                };
                facts.relationships.push(Relationship {
                    attr: name.into(),
                    span,
                    target,
                    target_string,
                    back_populates: keyword(call, "back_populates").and_then(string_literal),
                });
            }
            _ => {}
        }
    }
}

impl<'a, 't> Visitor<'a> for Collector<'t> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(_) | Stmt::ImportFrom(_) => self.record_import(stmt),
            Stmt::FunctionDef(func) => {
                if self.at_module_level() {
                    self.bind(func.name.as_str(), Binding::Other);
                }
                self.next_scope += 1;
                self.functions
                    .push((self.next_scope, func.name.as_str().into()));
                walk_stmt(self, stmt);
                self.functions.pop();
            }
            Stmt::ClassDef(class) => {
                if self.at_module_level() {
                    let facts = self.class(class);
                    let index = self.facts.classes.len();
                    self.facts.classes.push(facts);
                    self.bind(class.name.as_str(), Binding::Class(index));
                }
                self.classes += 1;
                walk_stmt(self, stmt);
                self.classes -= 1;
            }
            Stmt::If(if_stmt) if is_type_checking(&if_stmt.test) => {
                self.type_checking += 1;
                walk_body(self, &if_stmt.body);
                self.type_checking -= 1;
                for clause in &if_stmt.elif_else_clauses {
                    walk_body(self, &clause.body);
                }
            }
            Stmt::Assign(assign) if self.at_module_level() => {
                for target in &assign.targets {
                    if let Expr::Name(name) = target {
                        self.module_assignment(
                            name.id.as_str(),
                            &assign.value,
                            offset(assign.range),
                        );
                    }
                }
                walk_stmt(self, stmt);
            }
            Stmt::AnnAssign(ann) if self.at_module_level() => {
                if let (Expr::Name(name), Some(value)) = (ann.target.as_ref(), &ann.value) {
                    self.module_assignment(name.id.as_str(), value, offset(ann.range));
                }
                walk_stmt(self, stmt);
            }
            Stmt::Expr(expr) if self.at_module_level() => {
                if let Some(table) = self.table_call(&expr.value, None, offset(expr.range), None) {
                    self.facts.tables.push(table);
                }
                if silences_duplicates(&expr.value) {
                    self.facts.warning_filters.push(offset(expr.range));
                }
                walk_stmt(self, stmt);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            if let Expr::Attribute(attr) = call.func.as_ref() {
                let (scope, scope_name) = self
                    .functions
                    .last()
                    .cloned()
                    .unwrap_or((0, "<module>".into()));
                let found = match attr.attr.as_str() {
                    "create_all" => dotted(&attr.value).map(|target| {
                        let engine = call
                            .arguments
                            .args
                            .first()
                            .or_else(|| keyword(call, "bind"))
                            .map(|e| self.source(e))
                            .unwrap_or_default();
                        (target, engine)
                    }),
                    // `await conn.run_sync(Base.metadata.create_all)`
                    "run_sync" => match call.arguments.args.first() {
                        Some(Expr::Attribute(inner)) if inner.attr.as_str() == "create_all" => {
                            dotted(&inner.value).map(|target| (target, self.source(&*attr.value)))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                if let Some((target, engine)) = found {
                    self.facts.create_alls.push(CreateAll {
                        scope,
                        scope_name,
                        target,
                        engine,
                        offset: call.range().start().to_u32(),
                    });
                }
            }
        }
        walk_expr(self, expr);
    }
}

/// `warnings.filterwarnings("ignore", message=".*already contains a class.*")` and the like.
fn silences_duplicates(expr: &Expr) -> bool {
    let Expr::Call(call) = expr else { return false };
    if !dotted(&call.func).is_some_and(|f| f == "filterwarnings" || f.ends_with(".filterwarnings"))
    {
        return false;
    }
    let texts: Vec<Name> = call
        .arguments
        .args
        .iter()
        .chain(call.arguments.keywords.iter().map(|k| &k.value))
        .filter_map(string_literal)
        .collect();
    texts.iter().any(|t| {
        t.contains("already contains a class")
            || t.contains("already defined for this MetaData")
            || t.contains("This declarative base already")
    })
}

fn imported(alias: &ast::Alias) -> ImportedName {
    ImportedName {
        name: alias.name.as_str().into(),
        asname: alias.asname.as_ref().map(|a| a.as_str().into()),
        span: offset(alias.range),
        name_span: offset(alias.name.range),
    }
}

fn is_type_checking(test: &Expr) -> bool {
    dotted(test).is_some_and(|d| d == "TYPE_CHECKING" || d.ends_with(".TYPE_CHECKING"))
}

/// `declarative_base()`, `registry()`, `reg.generate_base()`, `MetaData()`, `SQLAlchemy()`.
fn decl_kind(value: &Expr) -> Option<(DeclKind, MetadataArg)> {
    let Expr::Call(call) = value else { return None };
    let metadata_kw = || match keyword(call, "metadata") {
        Some(value @ Expr::Call(inner)) if callee_name(value) == Some("MetaData") => {
            MetadataArg::Inline {
                schema: keyword(inner, "schema").and_then(string_literal),
            }
        }
        Some(other) => dotted(other).map_or(MetadataArg::Own, MetadataArg::Ref),
        None => MetadataArg::Own,
    };
    match callee_name(value)? {
        "declarative_base" => Some((DeclKind::DeclarativeBase, metadata_kw())),
        "registry" => Some((DeclKind::Registry, metadata_kw())),
        "SQLAlchemy" => Some((DeclKind::FlaskSqlalchemy, metadata_kw())),
        "MetaData" => Some((
            DeclKind::MetaData,
            MetadataArg::Inline {
                schema: keyword(call, "schema").and_then(string_literal),
            },
        )),
        "generate_base" => {
            let Expr::Attribute(attr) = call.func.as_ref() else {
                return None;
            };
            Some((
                DeclKind::GenerateBase,
                MetadataArg::Ref(dotted(&attr.value)?),
            ))
        }
        _ => None,
    }
}

/// `own_statement`: whether `stmt` is an assignment that can go when the value becomes empty
/// (false for a `declared_attr` body, which returns the value).
fn table_args(expr: &Expr, stmt: Span, text: &str, own_statement: bool) -> TableArgs {
    let mut args = TableArgs {
        stmt,
        known: true,
        ..TableArgs::default()
    };
    let (dict, tuple) = match expr {
        Expr::Dict(dict) => (Some(dict), None),
        Expr::Tuple(tuple) => {
            for item in &tuple.elts {
                if let (Some(name), Expr::Call(call)) = (callee_name(item), item) {
                    if let Some(c) = constraint(name, call) {
                        args.constraints.push(c);
                    }
                }
            }
            match tuple.elts.last() {
                Some(Expr::Dict(dict)) => (Some(dict), Some(tuple)),
                _ => (None, Some(tuple)),
            }
        }
        _ => {
            args.known = false;
            (None, None)
        }
    };
    let Some(dict) = dict else { return args };
    let entries = List {
        close: dict.range.end().to_u32() - 1,
        items: dict.items.iter().map(dict_item_span).collect(),
        tuple: false,
    };
    // What goes when the dict would be left empty: the dict from the tuple, or the statement.
    let empty_dict_removal = || -> Vec<TextEdit> {
        match tuple {
            Some(tuple) if tuple.elts.len() > 1 => {
                let list = List {
                    close: tuple.range.end().to_u32() - 1,
                    items: tuple.elts.iter().map(|e| offset(e.range())).collect(),
                    tuple: true,
                };
                remove_item(text, &list, tuple.elts.len() - 1)
            }
            _ if own_statement => vec![remove_statement(text, stmt)],
            _ => {
                let (start, end) = offset(dict.range);
                vec![TextEdit {
                    start,
                    end,
                    content: "{}".into(),
                }]
            }
        }
    };
    let band_aids = dict
        .items
        .iter()
        .filter(|i| {
            i.key
                .as_ref()
                .and_then(string_literal)
                .is_some_and(|k| BAND_AIDS.contains(&k.as_str()))
                && is_true(&i.value)
        })
        .count();
    for (index, item) in dict.items.iter().enumerate() {
        let Some(key) = item.key.as_ref().and_then(string_literal) else {
            args.known = false; // `**other_args`
            continue;
        };
        match key.as_str() {
            "schema" => match string_literal(&item.value) {
                Some(schema) => args.schema = Some(schema),
                None => args.known = false,
            },
            "autoload_with" | "autoload" => args.reflected = true,
            flag if BAND_AIDS.contains(&flag) && is_true(&item.value) => {
                // The last band-aid of a dict that holds nothing else takes the dict with it.
                let removal = if dict.items.len() == band_aids {
                    let first = dict.items.iter().position(|i| {
                        i.key
                            .as_ref()
                            .and_then(string_literal)
                            .is_some_and(|k| BAND_AIDS.contains(&k.as_str()))
                    });
                    if first == Some(index) {
                        empty_dict_removal()
                    } else {
                        Vec::new()
                    }
                } else {
                    remove_item(text, &entries, index)
                };
                args.flags.push(BandAid {
                    flag: key.clone(),
                    span: entries.items[index],
                    removal,
                });
            }
            _ => {}
        }
    }
    args
}

fn dict_item_span(item: &ast::DictItem) -> Span {
    let start = item
        .key
        .as_ref()
        .map_or(item.value.range().start(), |k| k.range().start());
    (start.to_u32(), item.value.range().end().to_u32())
}

fn constraint(name: &str, call: &ast::ExprCall) -> Option<Constraint> {
    if !(name.ends_with("Constraint") || name == "Index") {
        return None;
    }
    let fk_targets = if name == "ForeignKeyConstraint" {
        match call.arguments.args.get(1) {
            Some(Expr::List(list)) => list.elts.iter().filter_map(string_literal).collect(),
            Some(Expr::Tuple(tuple)) => tuple.elts.iter().filter_map(string_literal).collect(),
            _ => Vec::new(),
        }
    } else {
        Vec::new()
    };
    Some(Constraint {
        kind: name.into(),
        span: offset(call.range()),
        fk_targets,
    })
}

/// A class base as a dotted name: `Base`, `db.Model`, `Generic[T]` -> `Generic`.
fn base_name(expr: &Expr) -> Option<Name> {
    match expr {
        Expr::Subscript(sub) => dotted(&sub.value),
        other => dotted(other),
    }
}

fn decorator_name(expr: &Expr) -> Option<Name> {
    match expr {
        Expr::Call(call) => dotted(&call.func),
        other => dotted(other),
    }
}

fn is_declared_attr(func: &ast::StmtFunctionDef) -> bool {
    func.decorator_list.iter().any(|d| {
        decorator_name(&d.expression)
            .is_some_and(|n| n.split('.').any(|part| part == "declared_attr"))
    })
}

fn is_class_var(annotation: &Expr) -> bool {
    let head = match annotation {
        Expr::Subscript(sub) => dotted(&sub.value),
        other => dotted(other),
    };
    head.is_some_and(|h| h == "ClassVar" || h.ends_with(".ClassVar"))
}

/// For `Mapped[X]` returns (true, X); otherwise (false, the annotation).
fn mapped_inner(annotation: &Expr) -> (bool, &Expr) {
    if let Expr::Subscript(sub) = annotation {
        if dotted(&sub.value).is_some_and(|h| h == "Mapped" || h.ends_with(".Mapped")) {
            return (true, &sub.slice);
        }
    }
    (false, annotation)
}

/// The class a relationship annotation points at: `List["Child"]`, `Optional["Parent"]`,
/// `"Parent"`, `list[Child]`, `Child | None`.
fn annotation_target(annotation: &Expr) -> Option<Name> {
    match annotation {
        Expr::StringLiteral(s) => {
            let text = s.value.to_str();
            let inner = text.rsplit('[').next().unwrap_or(text);
            let inner = inner
                .trim_end_matches(']')
                .split('|')
                .next()
                .unwrap_or(inner)
                .trim();
            let inner = inner.trim_matches(|c| c == '"' || c == '\'');
            (!inner.is_empty()).then(|| inner.into())
        }
        Expr::Subscript(sub) => match sub.slice.as_ref() {
            Expr::Tuple(t) => t.elts.first().and_then(annotation_target),
            inner => annotation_target(inner),
        },
        Expr::BinOp(bin) => annotation_target(&bin.left),
        other => dotted(other),
    }
}
