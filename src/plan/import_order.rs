//! The order ruff's isort rules (I001, default settings) keep in an import block, so that an
//! import the fix adds lands where a formatter would have put it: sections (`__future__`,
//! standard library, third party, first party, relative) one blank line apart; in each, `import x`
//! lines before `from x import y` ones; modules and names in natural, case-insensitive order,
//! constants before classes before other names; an aliased name on a statement of its own; a
//! statement past 88 columns, or with a comment on a name, one name per line in parentheses.

use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Future,
    Stdlib,
    ThirdParty,
    FirstParty,
    Local,
}

/// ruff's `line-length` default, which decides when a statement is wrapped.
const LINE_LENGTH: usize = 88;

/// Natural order (`helper2` before `helper10`), as ruff's `natord`: digit runs compare as numbers.
pub fn natural(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        match (a.get(i), b.get(j)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let (si, sj) = (i, j);
                while a.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                while b.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
                let x = trim_zeros(&a[si..i]);
                let y = trim_zeros(&b[sj..j]);
                let order = x.len().cmp(&y.len()).then(x.cmp(y));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                i += 1;
                j += 1;
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|d| **d == b'0').count();
    &digits[zeros.min(digits.len().saturating_sub(1))..]
}

/// Case-insensitive natural order, ties broken by case.
fn name_order(a: &str, b: &str) -> Ordering {
    natural(&a.to_lowercase(), &b.to_lowercase()).then_with(|| natural(a, b))
}

/// One imported name of a `from` statement, with the comment on its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub asname: Option<String>,
    /// The comment's text without the `#` and the blank after it.
    pub comment: Option<String>,
}

impl Member {
    pub fn new(name: &str, asname: Option<&str>) -> Member {
        Member {
            name: name.to_owned(),
            asname: asname.map(str::to_owned),
            comment: None,
        }
    }

    fn written(&self) -> String {
        match &self.asname {
            Some(a) => format!("{} as {a}", self.name),
            None => self.name.clone(),
        }
    }
}

/// ruff's `order-by-type`: `CONSTANTS`, then `Classes`, then `variables`.
fn member_type(name: &str) -> u8 {
    let cased = name.chars().any(char::is_alphabetic);
    if name.chars().count() > 1 && cased && !name.chars().any(char::is_lowercase) {
        0
    } else if name.chars().next().is_some_and(char::is_uppercase) {
        1
    } else {
        2
    }
}

pub fn member_order(a: &Member, b: &Member) -> Ordering {
    (a.name != "*")
        .cmp(&(b.name != "*"))
        .then(member_type(&a.name).cmp(&member_type(&b.name)))
        .then_with(|| name_order(&a.name, &b.name))
        .then_with(|| match (&a.asname, &b.asname) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => natural(x, y),
        })
}

/// What orders one statement among the others of its section.
#[derive(Debug, Clone)]
pub struct StmtKey {
    pub is_from: bool,
    /// Dots of a relative import: the furthest (most dots) first.
    pub level: u32,
    /// The module; `None` for `from . import x`.
    pub module: Option<String>,
    /// The first name of a `from` statement, in order; the alias of an `import x as y`.
    pub first: Option<Member>,
}

pub fn stmt_order(a: &StmtKey, b: &StmtKey) -> Ordering {
    a.is_from
        .cmp(&b.is_from)
        .then(b.level.cmp(&a.level))
        .then_with(|| match (&a.module, &b.module) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => name_order(x, y),
        })
        .then_with(|| match (&a.first, &b.first) {
            (Some(x), Some(y)) if a.is_from => member_order(x, y),
            (Some(x), Some(y)) => natural(
                x.asname.as_deref().unwrap_or(""),
                y.asname.as_deref().unwrap_or(""),
            ),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
}

/// The section of an import: `first_party` says whether an absolute top-level module is the
/// project's own.
pub fn section(level: u32, module: Option<&str>, first_party: impl Fn(&str) -> bool) -> Section {
    let top = module.and_then(|m| m.split('.').next()).unwrap_or("");
    if level > 0 {
        Section::Local
    } else if top == "__future__" {
        Section::Future
    } else if crate::index::stdlib::is_stdlib(top) {
        Section::Stdlib
    } else if first_party(top) {
        Section::FirstParty
    } else {
        Section::ThirdParty
    }
}

/// A `from` statement as ruff writes it: on one line when it fits and no name has a comment of
/// its own (or `wrap`, a trailing comma that keeps it open, says otherwise), else one name a line.
pub fn format_from(
    indent: &str,
    level: u32,
    module: Option<&str>,
    members: &[Member],
    comment: Option<&str>,
    wrap: bool,
) -> String {
    let from = format!(
        "{indent}from {}{} import ",
        ".".repeat(level as usize),
        module.unwrap_or("")
    );
    let names: Vec<String> = members.iter().map(Member::written).collect();
    let comment = comment.map(|c| format!("  # {c}")).unwrap_or_default();
    let one_line = format!("{from}{}{comment}", names.join(", "));
    if !wrap
        && members.iter().all(|m| m.comment.is_none())
        && one_line.chars().count() <= LINE_LENGTH
    {
        return one_line;
    }
    let mut out = format!("{from}({comment}\n");
    for (member, name) in members.iter().zip(&names) {
        out.push_str(&format!("{indent}    {name},"));
        if let Some(c) = &member.comment {
            out.push_str(&format!("  # {c}"));
        }
        out.push('\n');
    }
    out.push_str(indent);
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_of_names() {
        let mut names = vec!["helper10", "User", "helper2", "DB", "Base", "_x", "Order"];
        names.sort_by(|a, b| member_order(&Member::new(a, None), &Member::new(b, None)));
        assert_eq!(
            names,
            ["DB", "Base", "Order", "User", "_x", "helper2", "helper10"]
        );
    }

    #[test]
    fn statements_in_a_section() {
        let key = |is_from: bool, level: u32, module: &str, first: &str| StmtKey {
            is_from,
            level,
            module: (!module.is_empty()).then(|| module.to_owned()),
            first: Some(Member::new(first, None)),
        };
        let mut keys = [
            key(true, 1, "models", "User"),
            key(true, 0, "app.db", "Base"),
            key(false, 0, "app", "app"),
            key(true, 2, "p1.models", "Order"),
            key(true, 0, "app.a.models", "User"),
            key(true, 1, "", "models"),
        ];
        keys.sort_by(stmt_order);
        let order: Vec<String> = keys
            .iter()
            .map(|k| {
                format!(
                    "{}{}",
                    ".".repeat(k.level as usize),
                    k.module.as_deref().unwrap_or("")
                )
            })
            .collect();
        assert_eq!(
            order,
            [
                "app",
                "..p1.models",
                ".",
                ".models",
                "app.a.models",
                "app.db"
            ]
        );
    }

    #[test]
    fn wrapped_when_a_name_has_a_comment_or_the_line_is_long() {
        let mut user = Member::new("User", None);
        assert_eq!(
            format_from(
                "",
                0,
                Some("app.models"),
                &[user.clone()],
                Some("noqa: F401"),
                false
            ),
            "from app.models import User  # noqa: F401"
        );
        user.comment = Some("the model".into());
        assert_eq!(
            format_from(
                "    ",
                1,
                Some("models"),
                &[Member::new("Base", None), user],
                None,
                false
            ),
            "    from .models import (\n        Base,\n        User,  # the model\n    )"
        );
        let long: Vec<Member> = (0..12)
            .map(|i| Member::new(&format!("Name{i}"), None))
            .collect();
        assert!(format_from("", 0, Some("m"), &long, None, false).starts_with("from m import (\n"));
    }
}
