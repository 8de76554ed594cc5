//! Table names that are not written down: `@declared_attr` rules computed from the class name,
//! Flask-SQLAlchemy's implicit snake_case name and SQLModel's implicit lower-case name.

use crate::python::ast::{self, Expr, InterpolatedStringElement, Stmt};
use crate::python::string_literal;

/// A table name computed from the class name: a sequence of literal text and transformed class names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRule(pub Vec<NamePart>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamePart {
    Text(String),
    ClassName(Case),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    AsIs,
    Lower,
    Upper,
    Snake,
}

impl NameRule {
    pub fn apply(&self, class_name: &str) -> String {
        self.0
            .iter()
            .map(|part| match part {
                NamePart::Text(text) => text.clone(),
                NamePart::ClassName(Case::AsIs) => class_name.to_owned(),
                NamePart::ClassName(Case::Lower) => class_name.to_lowercase(),
                NamePart::ClassName(Case::Upper) => class_name.to_uppercase(),
                NamePart::ClassName(Case::Snake) => camel_to_snake(class_name),
            })
            .collect()
    }
}

/// Flask-SQLAlchemy 3's `camel_to_snake_case`:
/// `re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower().lstrip("_")`.
pub fn camel_to_snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || next_lower {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out.trim_start_matches('_').to_owned()
}

/// The rule a `@declared_attr def __tablename__(cls): return ...` body computes, if it is one of
/// the common forms: `cls.__name__.lower()`, a snake-case helper, `re.sub(...).lower()`, string
/// concatenation and f-strings around those.
pub fn rule_from_body(body: &[Stmt]) -> Option<NameRule> {
    let returns: Vec<&Expr> = body
        .iter()
        .filter_map(|s| match s {
            Stmt::Return(r) => r.value.as_deref(),
            _ => None,
        })
        .collect();
    match returns.as_slice() {
        [only] => rule_from_expr(only).map(NameRule),
        _ => None,
    }
}

fn rule_from_expr(expr: &Expr) -> Option<Vec<NamePart>> {
    if is_class_name(expr) {
        return Some(vec![NamePart::ClassName(Case::AsIs)]);
    }
    if let Some(text) = string_literal(expr) {
        return Some(vec![NamePart::Text(text.to_string())]);
    }
    match expr {
        Expr::BinOp(bin) if matches!(bin.op, ast::Operator::Add) => {
            let mut parts = rule_from_expr(&bin.left)?;
            parts.extend(rule_from_expr(&bin.right)?);
            Some(parts)
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
                                    parts.extend(rule_from_expr(&inner.expression)?)
                                }
                            }
                        }
                    }
                }
            }
            Some(parts)
        }
        Expr::Call(call) => {
            let args = &call.arguments.args;
            match call.func.as_ref() {
                // cls.__name__.lower() / .upper() / re.sub(...).lower()
                Expr::Attribute(attr) if args.is_empty() => {
                    let case = match attr.attr.as_str() {
                        "lower" | "casefold" => Case::Lower,
                        "upper" => Case::Upper,
                        _ => return None,
                    };
                    let inner = rule_from_expr(&attr.value)?;
                    Some(inner.into_iter().map(|p| recase(p, case)).collect())
                }
                func => {
                    let name = match func {
                        Expr::Name(n) => n.id.as_str(),
                        Expr::Attribute(a) => a.attr.as_str(),
                        _ => return None,
                    };
                    // re.sub(pattern, "_", cls.__name__), or a compiled pattern's
                    // `PATTERN.sub("_", cls.__name__)`: inserts underscores before capitals.
                    if name == "sub" && args.last().is_some_and(is_class_name) && args.len() >= 2 {
                        return Some(vec![NamePart::ClassName(Case::Snake)]);
                    }
                    let lowered = name.to_ascii_lowercase();
                    if (lowered.contains("snake") || lowered.contains("underscore"))
                        && args.len() == 1
                    {
                        let inner = rule_from_expr(&args[0])?;
                        return Some(inner.into_iter().map(|p| recase(p, Case::Snake)).collect());
                    }
                    None
                }
            }
        }
        _ => None,
    }
}

fn recase(part: NamePart, case: Case) -> NamePart {
    match part {
        NamePart::Text(t) => NamePart::Text(match case {
            Case::Lower | Case::Snake => t.to_lowercase(),
            Case::Upper => t.to_uppercase(),
            Case::AsIs => t,
        }),
        NamePart::ClassName(Case::Snake) if case == Case::Lower => NamePart::ClassName(Case::Snake),
        NamePart::ClassName(_) => NamePart::ClassName(case),
    }
}

/// `cls.__name__` (any first parameter name).
fn is_class_name(expr: &Expr) -> bool {
    matches!(expr, Expr::Attribute(a) if a.attr.as_str() == "__name__" && matches!(a.value.as_ref(), Expr::Name(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(src: &str) -> Option<NameRule> {
        let module = crate::python::parse(src).ok().unwrap();
        match &module.syntax().body[0] {
            Stmt::FunctionDef(f) => rule_from_body(&f.body),
            _ => None,
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
        let lower = rule("def f(cls):\n    return cls.__name__.lower()\n").unwrap();
        assert_eq!(lower.apply("InvoiceLine"), "invoiceline");
        let helper = rule("def f(cls):\n    return to_snake_case(cls.__name__)\n").unwrap();
        assert_eq!(helper.apply("InvoiceLine"), "invoice_line");
        let plural = rule("def f(cls):\n    return cls.__name__.lower() + 's'\n").unwrap();
        assert_eq!(plural.apply("Invoice"), "invoices");
        let fstring = rule("def f(cls):\n    return f\"tbl_{cls.__name__.lower()}\"\n").unwrap();
        assert_eq!(fstring.apply("Invoice"), "tbl_invoice");
        let resub =
            rule("def f(cls):\n    return re.sub(r'(?<!^)(?=[A-Z])', '_', cls.__name__).lower()\n")
                .unwrap();
        assert_eq!(resub.apply("InvoiceLine"), "invoice_line");
    }

    #[test]
    fn the_has_inherited_table_idiom_keeps_its_rule() {
        // `return None` inside the `if` is for inheriting subclasses, which never define a table
        // of their own unless they declare `__tablename__` themselves.
        let src = "def f(cls):\n    if has_inherited_table(cls):\n        return None\n    return cls.__name__.lower()\n";
        assert_eq!(rule(src).unwrap().apply("Invoice"), "invoice");
    }

    #[test]
    fn lookups_are_not_guessed() {
        assert!(rule("def f(cls):\n    return lookup[cls.__name__]\n").is_none());
        assert!(rule("def f(cls):\n    return cls.table_name()\n").is_none());
    }
}
