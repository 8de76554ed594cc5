//! Table names that are not written down: `@declared_attr` rules computed from the class name,
//! Flask-SQLAlchemy's implicit snake_case name and SQLModel's implicit lower-case name.
//!
//! A rule is read from the `__tablename__` body and from the bodies of the project functions it
//! calls (`resolve_table_name(cls.__name__)`); only idioms evaluated exactly as Python would
//! (see `idioms`) make a rule, anything else leaves the name unknown, with the reason.

mod idioms;

use std::collections::HashMap;

use crate::index::facts::Name;
use crate::python::ast::{self, Expr, InterpolatedStringElement, Stmt};
use crate::python::{dotted, string_literal};
pub use idioms::{Split, Sub};

/// A table name computed from the class name: a sequence of literal text and the class name
/// transformed by a sequence of steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRule(pub Vec<NamePart>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamePart {
    Text(String),
    ClassName(Vec<Step>),
}

/// One string operation on the class name, in the order Python runs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Lower,
    Upper,
    /// `.strip(chars)`, `.lstrip(chars)`, `.rstrip(chars)`.
    Strip {
        chars: String,
        left: bool,
        right: bool,
    },
    Sub(Sub),
    /// `separator.join([piece.lower() for piece in re.split(pattern, name) if piece])`, with or
    /// without the case change and the filter.
    SplitJoin {
        split: Split,
        separator: String,
        case: Option<Case>,
        skip_empty: bool,
    },
    /// `helper(name)`: a function called on the name, resolved where the rule is written.
    Call(Name),
    /// `PATTERN.sub(replacement, name)`: a compiled pattern bound elsewhere.
    CompiledSub {
        pattern: Name,
        replacement: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Lower,
    Upper,
}

impl Case {
    fn apply(self, text: &str) -> String {
        match self {
            Case::Lower => text.to_lowercase(),
            Case::Upper => text.to_uppercase(),
        }
    }
}

impl NameRule {
    /// The table name for `class_name`; `None` while a step still needs resolving (a call of a
    /// helper, a compiled pattern), see `unresolved`.
    pub fn apply(&self, class_name: &str) -> Option<String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                NamePart::Text(text) => out.push_str(text),
                NamePart::ClassName(steps) => {
                    let mut name = class_name.to_owned();
                    for step in steps {
                        name = step.apply(&name)?;
                    }
                    out.push_str(&name);
                }
            }
        }
        Some(out)
    }

    /// The steps that name something defined elsewhere, to be resolved before `apply`.
    pub fn unresolved(&self) -> impl Iterator<Item = &Step> {
        self.0
            .iter()
            .flat_map(|part| match part {
                NamePart::ClassName(steps) => steps.as_slice(),
                NamePart::Text(_) => &[],
            })
            .filter(|s| matches!(s, Step::Call(_) | Step::CompiledSub { .. }))
    }

    /// Replaces each step that names something defined elsewhere by what `resolve` says it is:
    /// a rule on its input (a helper's own rule), or an error naming why it is not understood.
    pub fn resolve(
        &self,
        resolve: &mut dyn FnMut(&Step) -> Result<NameRule, String>,
    ) -> Result<NameRule, String> {
        let mut parts = Vec::new();
        for part in &self.0 {
            match part {
                NamePart::Text(text) => parts.push(NamePart::Text(text.clone())),
                NamePart::ClassName(steps) => {
                    let mut value = vec![NamePart::ClassName(Vec::new())];
                    for step in steps {
                        match step {
                            Step::Call(_) | Step::CompiledSub { .. } => {
                                let inner = resolve(step)?;
                                value = compose(value, &inner)?;
                            }
                            _ => value = push_step(value, step.clone())?,
                        }
                    }
                    parts.extend(value);
                }
            }
        }
        Ok(NameRule(parts))
    }
}

/// `inner` (a rule on its input) applied to `value`: the input must be one transformed name.
fn compose(value: Vec<NamePart>, inner: &NameRule) -> Result<Vec<NamePart>, String> {
    let [NamePart::ClassName(before)] = value.as_slice() else {
        return Err("a helper is applied to a name with text around it".to_owned());
    };
    Ok(inner
        .0
        .iter()
        .map(|part| match part {
            NamePart::Text(t) => NamePart::Text(t.clone()),
            NamePart::ClassName(steps) => {
                NamePart::ClassName(before.iter().chain(steps).cloned().collect())
            }
        })
        .collect())
}

impl Step {
    fn apply(&self, name: &str) -> Option<String> {
        Some(match self {
            Step::Lower => Case::Lower.apply(name),
            Step::Upper => Case::Upper.apply(name),
            Step::Strip { chars, left, right } => {
                let strip = |c: char| chars.contains(c);
                let mut s = name;
                if *left {
                    s = s.trim_start_matches(strip);
                }
                if *right {
                    s = s.trim_end_matches(strip);
                }
                s.to_owned()
            }
            Step::Sub(sub) => sub.apply(name),
            Step::SplitJoin {
                split,
                separator,
                case,
                skip_empty,
            } => split
                .apply(name)
                .into_iter()
                .filter(|piece| !*skip_empty || !piece.is_empty())
                .map(|piece| case.map_or(piece.clone(), |c| c.apply(&piece)))
                .collect::<Vec<_>>()
                .join(separator),
            Step::Call(_) | Step::CompiledSub { .. } => return None,
        })
    }
}

/// Adds `step` to a value: case changes apply part by part (text included); any other step
/// needs the value to be one transformed name (`re.sub` across literal text is not tracked).
fn push_step(mut value: Vec<NamePart>, step: Step) -> Result<Vec<NamePart>, String> {
    if let Step::Lower | Step::Upper = step {
        let case = if step == Step::Lower {
            Case::Lower
        } else {
            Case::Upper
        };
        for part in &mut value {
            match part {
                NamePart::Text(t) => *t = case.apply(t),
                NamePart::ClassName(steps) => steps.push(step.clone()),
            }
        }
        return Ok(value);
    }
    match value.as_mut_slice() {
        [NamePart::ClassName(steps)] => {
            steps.push(step);
            Ok(value)
        }
        _ => Err("a string operation is applied to the class name with text around it".to_owned()),
    }
}

/// Flask-SQLAlchemy 3's `camel_to_snake_case`:
/// `re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower().lstrip("_")`.
pub fn flask_snake_rule() -> NameRule {
    NameRule(vec![NamePart::ClassName(vec![
        Step::Sub(
            Sub::recognise(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1")
                .expect("a known idiom"),
        ),
        Step::Lower,
        Step::Strip {
            chars: "_".to_owned(),
            left: true,
            right: false,
        },
    ])])
}

/// Flask-SQLAlchemy's implicit table name for a model class.
pub fn camel_to_snake(name: &str) -> String {
    flask_snake_rule().apply(name).expect("a resolved rule")
}

/// The rule of a helper defined outside the project, when it is one whose behaviour is known:
/// Flask-SQLAlchemy's `camel_to_snake_case`.
pub fn external_rule(path: &str) -> Option<NameRule> {
    (path.starts_with("flask_sqlalchemy.") && path.ends_with(".camel_to_snake_case"))
        .then(flask_snake_rule)
}

/// Where the name being transformed comes from.
#[derive(Clone, Copy)]
enum Subject<'a> {
    /// `cls.__name__` in a `@declared_attr` (any first parameter name).
    ClassName,
    /// The parameter of a helper function (`def resolve_table_name(name)`).
    Parameter(&'a str),
}

/// What an expression of a rule's body evaluates to.
#[derive(Debug, Clone)]
enum Value {
    Str(Vec<NamePart>),
    /// `re.split(pattern, name)`: the pieces of the transformed name.
    Pieces {
        steps: Vec<Step>,
        split: Split,
    },
}

struct Eval<'a> {
    subject: Subject<'a>,
    locals: HashMap<String, Result<Value, String>>,
}

const NOT_EVALUATED: &str = "returns an expression the index cannot evaluate";

/// The rule a `@declared_attr def __tablename__(cls): return ...` body computes, if it is built
/// from the known forms: `cls.__name__.lower()`, string concatenation and f-strings, the
/// camel-to-snake idioms of `idioms`, and calls of helpers (resolved later). The error says why
/// not.
pub fn rule_from_body(body: &[Stmt]) -> Result<NameRule, String> {
    Eval::new(Subject::ClassName).body(body, false)
}

/// The rule a module-level function of one parameter computes from it, when its body is made
/// only of assignments and one `return` of the known forms (`resolve_table_name(name)`).
pub fn rule_of_function(func: &ast::StmtFunctionDef) -> Option<NameRule> {
    let params = &func.parameters;
    let [param] = params.args.as_slice() else {
        return None;
    };
    if !params.posonlyargs.is_empty()
        || !params.kwonlyargs.is_empty()
        || params.vararg.is_some()
        || params.kwarg.is_some()
        || param.default.is_some()
    {
        return None;
    }
    let name = param.parameter.name.as_str();
    let rule = Eval::new(Subject::Parameter(name))
        .body(&func.body, true)
        .ok()?;
    // A function that does not use its parameter names no table after the class.
    rule.0
        .iter()
        .any(|p| matches!(p, NamePart::ClassName(_)))
        .then_some(rule)
}

impl<'a> Eval<'a> {
    fn new(subject: Subject<'a>) -> Eval<'a> {
        Eval {
            subject,
            locals: HashMap::new(),
        }
    }

    /// `strict`: every statement must be understood (a helper); otherwise statements other than
    /// assignments and the one top-level `return` are passed over (the `if has_inherited_table(cls):
    /// return None` of a `declared_attr`, which only inheriting subclasses reach).
    fn body(mut self, body: &[Stmt], strict: bool) -> Result<NameRule, String> {
        let mut returned = None;
        for (i, stmt) in body.iter().enumerate() {
            match stmt {
                Stmt::Expr(e) if i == 0 && string_literal(&e.value).is_some() => {}
                Stmt::Assign(assign) => match assign.targets.as_slice() {
                    [Expr::Name(target)] => {
                        let value = self.expr(&assign.value);
                        self.locals.insert(target.id.to_string(), value);
                    }
                    _ if strict => return Err(NOT_EVALUATED.to_owned()),
                    _ => {}
                },
                Stmt::Return(r) => {
                    if returned.is_some() {
                        return Err("returns in more than one place".to_owned());
                    }
                    returned = Some(r.value.as_deref());
                }
                _ if strict => return Err(NOT_EVALUATED.to_owned()),
                _ => {}
            }
        }
        match returned {
            Some(Some(value)) => self.string(value).map(NameRule),
            _ => Err(NOT_EVALUATED.to_owned()),
        }
    }

    fn string(&self, expr: &Expr) -> Result<Vec<NamePart>, String> {
        match self.expr(expr)? {
            Value::Str(parts) => Ok(parts),
            Value::Pieces { .. } => Err(NOT_EVALUATED.to_owned()),
        }
    }

    fn is_subject(&self, expr: &Expr) -> bool {
        match self.subject {
            Subject::ClassName => matches!(expr, Expr::Attribute(a)
                if a.attr.as_str() == "__name__" && matches!(a.value.as_ref(), Expr::Name(_))),
            Subject::Parameter(name) => matches!(expr, Expr::Name(n) if n.id.as_str() == name),
        }
    }

    fn expr(&self, expr: &Expr) -> Result<Value, String> {
        if self.is_subject(expr) {
            return Ok(Value::Str(vec![NamePart::ClassName(Vec::new())]));
        }
        if let Some(text) = string_literal(expr) {
            return Ok(Value::Str(vec![NamePart::Text(text.to_string())]));
        }
        match expr {
            Expr::Name(name) => match self.locals.get(name.id.as_str()) {
                Some(value) => value.clone(),
                None => Err(NOT_EVALUATED.to_owned()),
            },
            Expr::BinOp(bin) if matches!(bin.op, ast::Operator::Add) => {
                let mut parts = self.string(&bin.left)?;
                parts.extend(self.string(&bin.right)?);
                Ok(Value::Str(parts))
            }
            Expr::FString(f) => {
                let mut parts = Vec::new();
                for part in &f.value {
                    match part {
                        ast::FStringPart::Literal(lit) => {
                            parts.push(NamePart::Text(lit.value.to_string()))
                        }
                        ast::FStringPart::FString(fs) => {
                            for element in &fs.elements {
                                match element {
                                    InterpolatedStringElement::Literal(lit) => {
                                        parts.push(NamePart::Text(lit.value.to_string()))
                                    }
                                    InterpolatedStringElement::Interpolation(inner) => {
                                        // `{x!r}` or `{x:>10}` would change the text.
                                        if inner.conversion != ast::ConversionFlag::None
                                            || inner.format_spec.is_some()
                                        {
                                            return Err(NOT_EVALUATED.to_owned());
                                        }
                                        parts.extend(self.string(&inner.expression)?)
                                    }
                                }
                            }
                        }
                    }
                }
                Ok(Value::Str(parts))
            }
            Expr::Call(call) => self.call(call),
            _ => Err(NOT_EVALUATED.to_owned()),
        }
    }

    fn call(&self, call: &ast::ExprCall) -> Result<Value, String> {
        let args = &call.arguments.args;
        if !call.arguments.keywords.is_empty() || args.iter().any(|a| a.is_starred_expr()) {
            return Err(NOT_EVALUATED.to_owned());
        }
        let literal = |i: usize| args.get(i).and_then(string_literal);
        let Expr::Attribute(attr) = call.func.as_ref() else {
            // `helper(name)`
            return match (call.func.as_ref(), &args[..]) {
                (Expr::Name(func), [arg]) => {
                    let value = self.string(arg)?;
                    push_step(value, Step::Call(func.id.as_str().into())).map(Value::Str)
                }
                _ => Err(NOT_EVALUATED.to_owned()),
            };
        };
        let method = attr.attr.as_str();
        let receiver = attr.value.as_ref();
        let on_re = matches!(receiver, Expr::Name(n) if n.id.as_str() == "re");
        match (method, &args[..]) {
            ("lower", []) => push_step(self.string(receiver)?, Step::Lower).map(Value::Str),
            ("upper", []) => push_step(self.string(receiver)?, Step::Upper).map(Value::Str),
            ("strip" | "lstrip" | "rstrip", [_]) => {
                let chars = literal(0).ok_or_else(|| NOT_EVALUATED.to_owned())?;
                let step = Step::Strip {
                    chars: chars.to_string(),
                    left: method != "rstrip",
                    right: method != "lstrip",
                };
                push_step(self.string(receiver)?, step).map(Value::Str)
            }
            ("sub", [_, _, subject]) if on_re => {
                let (Some(pattern), Some(replacement)) = (literal(0), literal(1)) else {
                    return Err(NOT_EVALUATED.to_owned());
                };
                let sub = Sub::recognise(&pattern, &replacement).ok_or_else(|| {
                    format!(
                        "uses `re.sub({pattern:?}, {replacement:?}, ...)`, which is not a \
                         camel-to-snake idiom the index evaluates"
                    )
                })?;
                push_step(self.string(subject)?, Step::Sub(sub)).map(Value::Str)
            }
            ("split", [_, subject]) if on_re => {
                let pattern = literal(0).ok_or_else(|| NOT_EVALUATED.to_owned())?;
                let split = Split::recognise(&pattern).ok_or_else(|| {
                    format!(
                        "uses `re.split({pattern:?}, ...)`, which is not a camel-to-snake idiom \
                         the index evaluates"
                    )
                })?;
                match self.string(subject)?.as_slice() {
                    [NamePart::ClassName(steps)] => Ok(Value::Pieces {
                        steps: steps.clone(),
                        split,
                    }),
                    _ => Err(NOT_EVALUATED.to_owned()),
                }
            }
            // A compiled pattern: `CAMEL_TO_SNAKE.sub("_", name)`.
            ("sub", [_, subject]) if !on_re => {
                let (Some(pattern), Some(replacement)) = (dotted(receiver), literal(0)) else {
                    return Err(NOT_EVALUATED.to_owned());
                };
                let step = Step::CompiledSub {
                    pattern,
                    replacement: replacement.to_string(),
                };
                push_step(self.string(subject)?, step).map(Value::Str)
            }
            ("join", [pieces]) => {
                let separator = string_literal(receiver).ok_or_else(|| NOT_EVALUATED.to_owned())?;
                self.join(separator.to_string(), pieces)
            }
            // `module.helper(name)`
            (_, [arg]) => match dotted(call.func.as_ref()) {
                Some(func) if !on_re => {
                    push_step(self.string(arg)?, Step::Call(func)).map(Value::Str)
                }
                _ => Err(NOT_EVALUATED.to_owned()),
            },
            _ => Err(NOT_EVALUATED.to_owned()),
        }
    }

    /// `"_".join(pieces)`, `"_".join([p.lower() for p in pieces if p])` and the generator form.
    fn join(&self, separator: String, arg: &Expr) -> Result<Value, String> {
        let (elt, generators) = match arg {
            Expr::ListComp(c) => (c.elt.as_ref(), &c.generators),
            Expr::Generator(g) => (g.elt.as_ref(), &g.generators),
            other => {
                let Value::Pieces { steps, split } = self.expr(other)? else {
                    return Err(NOT_EVALUATED.to_owned());
                };
                return self.split_join(steps, split, separator, None, false);
            }
        };
        let [generator] = generators.as_slice() else {
            return Err(NOT_EVALUATED.to_owned());
        };
        let Expr::Name(var) = &generator.target else {
            return Err(NOT_EVALUATED.to_owned());
        };
        let is_var = |e: &Expr| matches!(e, Expr::Name(n) if n.id == var.id);
        let Value::Pieces { steps, split } = self.expr(&generator.iter)? else {
            return Err(NOT_EVALUATED.to_owned());
        };
        let skip_empty = match generator.ifs.as_slice() {
            [] => false,
            [test] if is_var(test) => true,
            _ => return Err(NOT_EVALUATED.to_owned()),
        };
        if generator.is_async {
            return Err(NOT_EVALUATED.to_owned());
        }
        let case = match elt {
            e if is_var(e) => None,
            Expr::Call(c)
                if c.arguments.args.is_empty()
                    && c.arguments.keywords.is_empty()
                    && matches!(c.func.as_ref(), Expr::Attribute(a) if is_var(&a.value)) =>
            {
                let Expr::Attribute(a) = c.func.as_ref() else {
                    unreachable!()
                };
                match a.attr.as_str() {
                    "lower" => Some(Case::Lower),
                    "upper" => Some(Case::Upper),
                    _ => return Err(NOT_EVALUATED.to_owned()),
                }
            }
            _ => return Err(NOT_EVALUATED.to_owned()),
        };
        self.split_join(steps, split, separator, case, skip_empty)
    }

    fn split_join(
        &self,
        mut steps: Vec<Step>,
        split: Split,
        separator: String,
        case: Option<Case>,
        skip_empty: bool,
    ) -> Result<Value, String> {
        steps.push(Step::SplitJoin {
            split,
            separator,
            case,
            skip_empty,
        });
        Ok(Value::Str(vec![NamePart::ClassName(steps)]))
    }
}

#[cfg(test)]
mod python_cases;

#[cfg(test)]
mod tests {
    use super::*;

    fn function(src: &str) -> ast::StmtFunctionDef {
        let module = crate::python::parse(src).ok().unwrap();
        match &module.syntax().body[0] {
            Stmt::FunctionDef(f) => f.clone(),
            _ => panic!("not a function: {src}"),
        }
    }

    fn rule(src: &str) -> Result<NameRule, String> {
        rule_from_body(&function(src).body)
    }

    fn name(src: &str, class_name: &str) -> String {
        rule(src).unwrap().apply(class_name).unwrap()
    }

    #[test]
    fn every_idiom_computes_what_python_computes() {
        for (source, class_name, expected) in python_cases::CASES {
            let rule = rule_of_function(&function(source))
                .unwrap_or_else(|| panic!("not understood:\n{source}"));
            assert_eq!(
                rule.apply(class_name).as_deref(),
                Some(*expected),
                "{class_name} through\n{source}"
            );
        }
    }

    #[test]
    fn flask_snake_case_matches_flask_sqlalchemy() {
        assert_eq!(camel_to_snake("UserProfile"), "user_profile");
        assert_eq!(camel_to_snake("HTTPLog"), "http_log");
        assert_eq!(camel_to_snake("OAuth2Token"), "o_auth2_token");
        assert_eq!(camel_to_snake("User"), "user");
    }

    #[test]
    fn common_declared_attr_forms() {
        assert_eq!(
            name(
                "def f(cls):\n    return cls.__name__.lower()\n",
                "InvoiceLine"
            ),
            "invoiceline"
        );
        assert_eq!(
            name(
                "def f(cls):\n    return cls.__name__.lower() + 's'\n",
                "Invoice"
            ),
            "invoices"
        );
        assert_eq!(
            name(
                "def f(cls):\n    return f\"tbl_{cls.__name__.lower()}\"\n",
                "Invoice"
            ),
            "tbl_invoice"
        );
        let resub =
            "def f(cls):\n    return re.sub(r'(?<!^)(?=[A-Z])', '_', cls.__name__).lower()\n";
        assert_eq!(name(resub, "InvoiceLine"), "invoice_line");
        assert_eq!(name(resub, "HTTPLog"), "h_t_t_p_log");
    }

    #[test]
    fn helpers_and_compiled_patterns_wait_for_resolution() {
        let helper = rule("def f(cls):\n    return resolve_table_name(cls.__name__)\n").unwrap();
        assert_eq!(helper.apply("Invoice"), None);
        assert_eq!(
            helper.unresolved().collect::<Vec<_>>(),
            [&Step::Call("resolve_table_name".into())]
        );
        let compiled =
            rule("def f(cls):\n    return CAMEL.sub('_', cls.__name__).lower()\n").unwrap();
        let resolved = compiled
            .resolve(&mut |_| {
                let sub = Sub::recognise("(?<!^)(?=[A-Z])", "_").unwrap();
                Ok(NameRule(vec![NamePart::ClassName(vec![Step::Sub(sub)])]))
            })
            .unwrap();
        assert_eq!(resolved.apply("HTTPLog").as_deref(), Some("h_t_t_p_log"));
    }

    #[test]
    fn the_has_inherited_table_idiom_keeps_its_rule() {
        // `return None` inside the `if` is for inheriting subclasses, which never define a table
        // of their own unless they declare `__tablename__` themselves.
        let src = "def f(cls):\n    if has_inherited_table(cls):\n        return None\n    return cls.__name__.lower()\n";
        assert_eq!(name(src, "Invoice"), "invoice");
    }

    #[test]
    fn lookups_and_unknown_patterns_are_not_guessed() {
        assert!(rule("def f(cls):\n    return lookup[cls.__name__]\n").is_err());
        assert!(rule("def f(cls):\n    return cls.table_name()\n").is_err());
        assert!(rule("def f(cls):\n    return cls.__name__.casefold()\n").is_err());
        assert!(rule("def f(cls):\n    return f\"{cls.__name__!r}\"\n").is_err());
        let unknown = rule("def f(cls):\n    return re.sub('[A-Z]+', '_', cls.__name__)\n");
        assert!(unknown
            .unwrap_err()
            .contains("re.sub(\"[A-Z]+\", \"_\", ...)"));
        // A helper with a branch is not a straight idiom.
        let branchy =
            "def h(name):\n    if name.isupper():\n        return name\n    return name.lower()\n";
        assert!(rule_of_function(&function(branchy)).is_none());
    }
}
