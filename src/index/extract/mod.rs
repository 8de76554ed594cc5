//! One pass over a file's syntax tree that records its `FileFacts`: every import (with whether it
//! runs on import), module-level bindings, declarative bases, model classes, `Table(...)` calls
//! and `create_all` calls.

mod bases;
mod classes;
mod columns;
mod imports;
mod tables;

use ruff_python_ast::visitor::{walk_body, walk_expr, walk_stmt, Visitor};

use super::facts::*;
use super::table_name;
use crate::python::ast::{self, Expr, Stmt};
use crate::python::{callee_name, dotted, keyword, offset, string_literal, Ranged};
use bases::{call_decl, decl_kind, decl_mixin, function_returns};

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
        handlers: 0,
        tries: 0,
    };
    collector.visit_body(&module.body);
    collector.facts.works_at_import = module.body.iter().any(|stmt| match stmt {
        Stmt::Expr(expr) => matches!(*expr.value, Expr::Call(_) | Expr::Await(_)),
        Stmt::For(_) | Stmt::While(_) | Stmt::With(_) => true,
        _ => false,
    });
    let facts = &collector.facts;
    let serves_app = facts
        .decls
        .iter()
        .any(|d| d.kind == DeclKind::Call && !d.is_held() && facts.is_web_app_class(&d.callee));
    collector.facts.serves_app = serves_app;
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
    /// Depth of `except` handlers around the current statement.
    handlers: usize,
    /// Depth of `try` bodies that have handlers around the current statement.
    tries: usize,
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

    fn module_assignment(&mut self, target: &str, value: &Expr, stmt_span: Span) {
        if let Some(decl) = decl_kind(value) {
            let (kind, metadata) = decl;
            let index = self.facts.decls.len();
            self.facts.decls.push(Decl {
                name: target.into(),
                stmt: stmt_span,
                kind,
                metadata,
                callee: Name::default(),
                cls: decl_mixin(value),
            });
            self.bind(target, Binding::Decl(index));
        } else if let Some(table) = self.table_call(value, Some(target), stmt_span, None) {
            let index = self.facts.tables.len();
            self.facts.tables.push(table);
            self.bind(target, Binding::Table(index));
        } else if let Some(pattern) = compiled_pattern(value) {
            self.bind(target, Binding::Pattern(pattern));
        } else if let Some((metadata, callee)) = call_decl(value) {
            let index = self.facts.decls.len();
            self.facts.decls.push(Decl {
                name: target.into(),
                stmt: stmt_span,
                kind: DeclKind::Call,
                metadata,
                callee,
                cls: None,
            });
            self.bind(target, Binding::Decl(index));
        } else if let Some(path) = dotted(value) {
            self.bind(target, Binding::Alias(path));
        } else {
            self.bind(target, Binding::Other);
        }
    }
}

impl<'a, 't> Visitor<'a> for Collector<'t> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(_) | Stmt::ImportFrom(_) => self.record_import(stmt),
            Stmt::FunctionDef(func) => {
                if self.at_module_level() {
                    let returns = function_returns(&func.body)
                        .or_else(|| table_name::rule_of_function(func).map(Returned::TableName));
                    let binding = match returns {
                        Some(returns) => {
                            self.facts.functions.push(FunctionFacts {
                                name: func.name.as_str().into(),
                                returns,
                            });
                            Binding::Function(self.facts.functions.len() - 1)
                        }
                        None => Binding::Other,
                    };
                    self.bind(func.name.as_str(), binding);
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
                } else if let Some((_, function)) = self.functions.last() {
                    if classes::looks_like_model(class) {
                        self.facts.nested_models.push(NestedModel {
                            offset: class.name.range.start().to_u32(),
                            name: class.name.as_str().into(),
                            function: Some(function.clone()),
                            callee: None,
                        });
                    }
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
            Stmt::If(if_stmt) if self.at_module_level() && is_main_guard(&if_stmt.test) => {
                self.facts.main_guard = true;
                walk_stmt(self, stmt);
            }
            Stmt::Try(try_stmt) => {
                // `try: from app.db import db` / `except ImportError: db = SQLAlchemy()`: the
                // handler runs only when the body failed, so it is a fallback for a run outside
                // the project, never the binding the project's own imports see. A handler's
                // binding of a name the body bound is dropped (its other facts stay).
                let body_start = self.bindings.len();
                let guarded = usize::from(!try_stmt.handlers.is_empty());
                self.tries += guarded;
                walk_body(self, &try_stmt.body);
                self.tries -= guarded;
                let bound_in_body: Vec<Name> = self.bindings[body_start..]
                    .iter()
                    .map(|(name, _)| name.clone())
                    .collect();
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    let handler_start = self.bindings.len();
                    self.handlers += 1;
                    walk_body(self, &handler.body);
                    self.handlers -= 1;
                    let mut i = handler_start;
                    while i < self.bindings.len() {
                        if bound_in_body.contains(&self.bindings[i].0) {
                            self.bindings.remove(i);
                        } else {
                            i += 1;
                        }
                    }
                }
                walk_body(self, &try_stmt.orelse);
                walk_body(self, &try_stmt.finalbody);
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
                if let Some(map) = imperative_map(&expr.value, offset(expr.range)) {
                    self.facts.imperative_maps.push(map);
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
        // A `Table("name", metadata, ...)` in a function, or one at module level whose name is
        // computed (`Table(f"{entity}_role_map", Base.metadata, ...)` in a loop): not read, but
        // never silently. A reflected one (`autoload_with=`) defines nothing, and a function's
        // `Table(table_name, ...)` is a tool for any table (a backup, a drop), no definition.
        if let Expr::Call(call) = expr {
            let function = self.functions.last().map(|(_, name)| name.clone());
            let first = call.arguments.args.first();
            let literal = first.and_then(string_literal);
            if callee_name(expr) == Some("Table")
                && call.arguments.args.len() > 1
                && keyword(call, "autoload_with").is_none()
                && keyword(call, "autoload").is_none()
                && function.is_some() == literal.is_some()
            {
                if let Some(first) = first.filter(|a| !matches!(a, Expr::Starred(_))) {
                    self.facts.nested_models.push(NestedModel {
                        offset: call.range().start().to_u32(),
                        name: literal.unwrap_or_else(|| self.source(first)),
                        function,
                        callee: dotted(&call.func),
                    });
                }
            }
        }
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

/// `registry.map_imperatively(User, users, properties={"addresses": relationship(...)})` and
/// the classic `mapper(User, users, ...)`.
fn imperative_map(value: &Expr, stmt: Span) -> Option<ImperativeMap> {
    let Expr::Call(call) = value else { return None };
    let callee = dotted(&call.func)?;
    if !matches!(
        callee.rsplit('.').next(),
        Some("map_imperatively" | "mapper")
    ) {
        return None;
    }
    let args = &call.arguments.args;
    let class = args
        .first()
        .or_else(|| keyword(call, "class_"))
        .and_then(dotted)?;
    let table = args
        .get(1)
        .or_else(|| keyword(call, "local_table"))
        .and_then(dotted)?;
    let mut relationships = Vec::new();
    if let Some(Expr::Dict(dict)) = keyword(call, "properties") {
        for item in &dict.items {
            let Some(attr) = item.key.as_ref().and_then(string_literal) else {
                continue;
            };
            let Expr::Call(rel) = &item.value else {
                continue;
            };
            if !callee_name(&item.value).is_some_and(|n| RELATIONSHIP_CALLS.contains(&n)) {
                continue;
            }
            let (target, target_string) = match rel.arguments.args.first() {
                Some(arg) => match string_literal(arg) {
                    Some(s) => (Some(s), Some(offset(arg.range()))),
                    None => (dotted(arg), None),
                },
                None => (None, None),
            };
            relationships.push(Relationship {
                attr,
                span: offset(item.value.range()),
                target,
                target_string,
                back_populates: keyword(rel, "back_populates").and_then(string_literal),
                secondary: keyword(rel, "secondary").and_then(classes::secondary),
            });
        }
    }
    Some(ImperativeMap {
        class,
        table,
        stmt,
        relationships,
    })
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

/// `re.compile("pattern")` without flags: the pattern.
fn compiled_pattern(value: &Expr) -> Option<Name> {
    let Expr::Call(call) = value else { return None };
    let [pattern] = &call.arguments.args[..] else {
        return None;
    };
    (dotted(&call.func).as_deref() == Some("re.compile") && call.arguments.keywords.is_empty())
        .then(|| string_literal(pattern))
        .flatten()
}

/// `__name__ == "__main__"`, either way round.
fn is_main_guard(test: &Expr) -> bool {
    let Expr::Compare(compare) = test else {
        return false;
    };
    let ([ast::CmpOp::Eq], [right]) = (&*compare.ops, &*compare.comparators) else {
        return false;
    };
    let is_name = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == "__name__");
    let is_main = |e: &Expr| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "__main__");
    (is_name(&compare.left) && is_main(right)) || (is_main(&compare.left) && is_name(right))
}

fn is_type_checking(test: &Expr) -> bool {
    dotted(test).is_some_and(|d| d == "TYPE_CHECKING" || d.ends_with(".TYPE_CHECKING"))
}

#[cfg(test)]
mod tests {
    fn facts(text: &str) -> crate::index::facts::FileFacts {
        let Ok(module) = crate::python::parse(text) else {
            panic!("{text} does not parse");
        };
        super::extract(module.syntax(), text, false)
    }

    #[test]
    fn a_main_guard_and_top_level_work_mark_a_program() {
        let module = "\"\"\"Doc.\"\"\"\nimport sys\nBase = declarative_base()\n\nclass User(Base):\n    pass\n\nif __name__ == \"__main__\":\n    main(sys.argv)\n";
        let quiet = facts(module);
        assert!(quiet.main_guard && !quiet.works_at_import);
        let script = facts("engine = make()\nBase.metadata.create_all(engine)\n");
        assert!(!script.main_guard && script.works_at_import);
        assert!(facts("for row in rows:\n    print(row)\n").works_at_import);
        assert!(facts("if \"__main__\" == __name__:\n    run()\n").main_guard);
        assert!(!facts("def f():\n    if __name__ == \"__main__\":\n        run()\n").main_guard);
    }

    #[test]
    fn a_web_application_at_the_top_level_marks_a_program() {
        for module in [
            "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "from flask import Flask as F\napp = F(__name__)\n",
            "import fastapi\napp: fastapi.FastAPI = fastapi.FastAPI(title=\"x\")\n",
            "import starlette.applications\napp = starlette.applications.Starlette()\n",
            "import litestar as ls\napp = ls.Litestar([])\n",
        ] {
            let facts = facts(module);
            assert!(facts.serves_app && facts.runs_as_program(), "{module}");
        }
        for module in [
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
            "from myapp import FastAPI\n\napp = FastAPI()\n",
            "from fastapi import FastAPI\n\ndef make():\n    app = FastAPI()\n    return app\n",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from fastapi import FastAPI\napp = FastAPI()\n",
            "from fastapi import FastAPI\n\nclass Settings:\n    app = FastAPI()\n",
        ] {
            let facts = facts(module);
            assert!(!facts.serves_app && !facts.runs_as_program(), "{module}");
        }
    }
}
