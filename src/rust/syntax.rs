//! The one door to rust-analyzer's parser (`ra_ap_syntax`): everything else in `rust/` sees
//! `parse`, the item walk, and macro bodies and attributes as flat token lists, so that a
//! version bump touches only this module.

use ra_ap_syntax::ast::{self, HasAttrs, HasModuleItem, HasName, HasVisibility};
use ra_ap_syntax::{AstNode, Edition, NodeOrToken, SyntaxKind, SyntaxNode};

use super::facts::Span;

/// One token of a macro body or attribute, trivia (whitespace, comments) left out.
#[derive(Debug, Clone)]
pub struct Tok {
    pub kind: TokKind,
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    Ident,
    Str,
    Punct,
    /// `(`, `[`, `{`: `Tok::close` is the index of the matching closer.
    Open,
    Close,
    Other,
}

/// The file's syntax tree and its first syntax error (offset, message), if any.
pub fn parse(text: &str) -> (ast::SourceFile, Option<(u32, String)>) {
    let parse = ast::SourceFile::parse(text, Edition::Edition2021);
    let error = parse
        .errors()
        .first()
        .map(|e| (u32::from(e.range().start()), e.to_string()));
    (parse.tree(), error)
}

pub fn span(node: &SyntaxNode) -> Span {
    let range = node.text_range();
    (range.start().into(), range.end().into())
}

/// The tokens below `node`, trivia left out; string literals keep their quotes in `text`.
pub fn tokens(node: &SyntaxNode) -> Vec<Tok> {
    let mut out = Vec::new();
    for element in node.descendants_with_tokens() {
        let NodeOrToken::Token(token) = element else {
            continue;
        };
        let kind = token.kind();
        if kind.is_trivia() {
            continue;
        }
        let tok_kind = match kind {
            SyntaxKind::IDENT => TokKind::Ident,
            SyntaxKind::STRING => TokKind::Str,
            SyntaxKind::L_PAREN | SyntaxKind::L_BRACK | SyntaxKind::L_CURLY => TokKind::Open,
            SyntaxKind::R_PAREN | SyntaxKind::R_BRACK | SyntaxKind::R_CURLY => TokKind::Close,
            k if k.is_punct() => TokKind::Punct,
            k if k.is_keyword(Edition::Edition2021) => TokKind::Ident,
            _ => TokKind::Other,
        };
        let range = token.text_range();
        out.push(Tok {
            kind: tok_kind,
            text: token.text().to_owned(),
            span: (range.start().into(), range.end().into()),
        });
    }
    out
}

/// A string literal's value (`"users"` -> `users`), escapes left as written.
pub fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    Some(inner.to_owned())
}

/// The features a `#[cfg(...)]` attribute requires: `feature = "x"`, or each `feature = "x"`
/// directly inside `all(...)`; none for `any(...)` or `not(...)`, which require no one feature.
fn required_features(attr: &[Tok]) -> Vec<String> {
    let text = |i: usize| attr.get(i).map_or("", |t| t.text.as_str());
    if text(2) != "cfg" || text(3) != "(" {
        return Vec::new();
    }
    let pair = |i: usize| {
        (text(i) == "feature" && text(i + 1) == "=")
            .then(|| unquote(text(i + 2)))
            .flatten()
    };
    if let Some(feature) = pair(4) {
        return vec![feature];
    }
    if text(4) != "all" || text(5) != "(" {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut depth = 0usize;
    for (i, tok) in attr.iter().enumerate().skip(6) {
        match tok.kind {
            TokKind::Open => depth += 1,
            TokKind::Close if depth == 0 => break,
            TokKind::Close => depth -= 1,
            _ if depth == 0 && (i == 6 || text(i - 1) == ",") => out.extend(pair(i)),
            _ => {}
        }
    }
    out
}

/// The index of the token that closes the group opened at `open`.
pub fn matching(tokens: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, tok) in tokens.iter().enumerate().skip(open) {
        match tok.kind {
            TokKind::Open => depth += 1,
            TokKind::Close => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    tokens.len().saturating_sub(1)
}

/// The items of a file or an inline module, with the inline modules they sit in.
pub enum Item {
    Module {
        name: String,
        public: bool,
        /// `mod x;`: the file is found by the module tree.
        outline: bool,
        path_attr: Option<String>,
        items: Vec<(Item, Span)>,
        /// Under a `#[cfg(...)]`: compiled in some builds only.
        cfg: bool,
        /// Under `#[cfg(test)]` (or `#[cfg(all(test, ...))]`): only in the crate's test build.
        test: bool,
        /// The features a `#[cfg(feature = "x")]` or `#[cfg(all(feature = "x", ...))]` requires.
        features: Vec<String>,
    },
    Use {
        tree: ast::UseTree,
        public: bool,
    },
    MacroCall {
        /// `table`, `diesel::table`, ...
        path: String,
        body: Vec<Tok>,
    },
    Struct {
        name: String,
        attrs: Vec<Vec<Tok>>,
        /// Each field's name, type as written, and whether `#[sea_orm(primary_key)]` marks it.
        fields: Vec<(String, String, bool)>,
    },
    Enum {
        name: String,
        variants: Vec<(String, Vec<Vec<Tok>>)>,
    },
    /// `impl Related<super::posts::Entity> for Entity`: the trait and the self type as written.
    Impl {
        trait_: String,
        self_ty: String,
        /// No items in its body (`impl ActiveModelBehavior for ActiveModel {}`).
        empty: bool,
    },
    /// Anything else, described for messages (`fn full_name`, `impl Model`).
    Other(String),
}

pub fn items(file: &ast::SourceFile) -> Vec<(Item, Span)> {
    collect(file.items())
}

fn collect(items: impl Iterator<Item = ast::Item>) -> Vec<(Item, Span)> {
    let mut out = Vec::new();
    for item in items {
        let at = span(item.syntax());
        let converted = match item {
            ast::Item::Module(module) => {
                let Some(name) = module.name() else { continue };
                let attrs: Vec<Vec<Tok>> = module.attrs().map(|a| tokens(a.syntax())).collect();
                let path_attr = attrs.iter().find_map(|a| {
                    (a.len() >= 5 && a[2].text == "path" && a[3].text == "=")
                        .then(|| unquote(&a[4].text))
                        .flatten()
                });
                // `#[cfg(test)]`, `#[cfg(feature = "...")]`: compiled in some builds only.
                let cfg = attrs
                    .iter()
                    .any(|a| a.get(2).is_some_and(|t| t.text == "cfg"));
                let words = |a: &[Tok], w: &[&str]| {
                    a.len() > w.len() && a.iter().skip(2).zip(w).all(|(t, w)| t.text == *w)
                };
                let test = attrs.iter().any(|a| {
                    words(a, &["cfg", "(", "test", ")"])
                        || words(a, &["cfg", "(", "all", "(", "test", ","])
                        || words(a, &["cfg", "(", "all", "(", "test", ")"])
                });
                let features = attrs.iter().flat_map(|a| required_features(a)).collect();
                let inner = module
                    .item_list()
                    .map(|list| collect(list.items()))
                    .unwrap_or_default();
                Item::Module {
                    name: name.text().to_string(),
                    public: module
                        .visibility()
                        .is_some_and(|v| v.syntax().text() == "pub"),
                    outline: module.item_list().is_none(),
                    path_attr,
                    items: inner,
                    cfg,
                    test,
                    features,
                }
            }
            ast::Item::Use(use_) => {
                let Some(tree) = use_.use_tree() else {
                    continue;
                };
                let public = use_.visibility().is_some();
                Item::Use { tree, public }
            }
            ast::Item::MacroCall(call) => {
                let Some(path) = call.path() else { continue };
                let body = call
                    .token_tree()
                    .map(|tt| tokens(tt.syntax()))
                    .unwrap_or_default();
                Item::MacroCall {
                    path: path
                        .syntax()
                        .text()
                        .to_string()
                        .replace(char::is_whitespace, ""),
                    body,
                }
            }
            ast::Item::Struct(strukt) => {
                let Some(name) = strukt.name() else { continue };
                let attrs = strukt.attrs().map(|a| tokens(a.syntax())).collect();
                let mut fields = Vec::new();
                if let Some(ast::FieldList::RecordFieldList(list)) = strukt.field_list() {
                    for field in list.fields() {
                        if let (Some(n), Some(ty)) = (field.name(), field.ty()) {
                            let key = field.attrs().any(|a| {
                                let toks = tokens(a.syntax());
                                toks.iter().any(|t| t.text == "sea_orm")
                                    && toks.iter().any(|t| t.text == "primary_key")
                            });
                            let ty = ty.syntax().text().to_string();
                            fields.push((n.text().to_string(), ty, key));
                        }
                    }
                }
                Item::Struct {
                    name: name.text().to_string(),
                    attrs,
                    fields,
                }
            }
            ast::Item::Enum(enum_) => {
                let Some(name) = enum_.name() else { continue };
                let variants = enum_
                    .variant_list()
                    .map(|list| {
                        list.variants()
                            .filter_map(|v| {
                                let attrs = v.attrs().map(|a| tokens(a.syntax())).collect();
                                Some((v.name()?.text().to_string(), attrs))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Item::Enum {
                    name: name.text().to_string(),
                    variants,
                }
            }
            ast::Item::Impl(impl_) => {
                let Some(self_ty) = impl_.self_ty() else {
                    continue;
                };
                let Some(trait_) = impl_.trait_() else {
                    out.push((
                        Item::Other(format!("`impl {}`", self_ty.syntax().text())),
                        at,
                    ));
                    continue;
                };
                Item::Impl {
                    trait_: trait_.syntax().text().to_string(),
                    self_ty: self_ty.syntax().text().to_string(),
                    empty: impl_
                        .assoc_item_list()
                        .is_none_or(|list| list.assoc_items().next().is_none()),
                }
            }
            ast::Item::Fn(f) => Item::Other(format!(
                "`fn {}`",
                f.name().map(|n| n.text().to_string()).unwrap_or_default()
            )),
            ast::Item::Const(_)
            | ast::Item::Static(_)
            | ast::Item::TypeAlias(_)
            | ast::Item::Trait(_)
            | ast::Item::MacroRules(_)
            | ast::Item::MacroDef(_)
            | ast::Item::Union(_)
            | ast::Item::ExternCrate(_)
            | ast::Item::ExternBlock(_) => Item::Other(format!(
                "`{}`",
                item.syntax()
                    .text()
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or_default()
            )),
            _ => continue,
        };
        out.push((converted, at));
    }
    out
}

/// One path a `use` item brings in: `use a::{b, c::d as e, f::*}` gives `a::b`, `a::c::d as e`
/// and `a::f::*`.
#[derive(Debug, Clone)]
pub struct UseLeaf {
    /// The path's segments, `crate`, `self` and `super` included.
    pub segments: Vec<String>,
    /// Each segment's span in the file.
    pub spans: Vec<Span>,
    /// The name bound (`e` above; the last segment without `as`); `None` for globs and `as _`.
    pub binds: Option<String>,
    pub glob: bool,
}

pub fn use_leaves(tree: &ast::UseTree) -> Vec<UseLeaf> {
    let mut out = Vec::new();
    leaves(tree, &mut Vec::new(), &mut Vec::new(), &mut out);
    out
}

fn leaves(
    tree: &ast::UseTree,
    prefix: &mut Vec<String>,
    spans: &mut Vec<Span>,
    out: &mut Vec<UseLeaf>,
) {
    let before = prefix.len();
    if let Some(path) = tree.path() {
        let mut segments = Vec::new();
        let mut current = Some(path);
        while let Some(p) = current {
            if let Some(segment) = p.segment() {
                segments.push((segment.syntax().text().to_string(), span(segment.syntax())));
            }
            current = p.qualifier();
        }
        for (text, at) in segments.into_iter().rev() {
            prefix.push(text);
            spans.push(at);
        }
    }
    if let Some(list) = tree.use_tree_list() {
        for child in list.use_trees() {
            leaves(&child, prefix, spans, out);
        }
    } else if tree.star_token().is_some() {
        out.push(UseLeaf {
            segments: prefix.clone(),
            spans: spans.clone(),
            binds: None,
            glob: true,
        });
    } else if let Some(last) = prefix.last() {
        let binds = match tree.rename() {
            Some(rename) => rename.name().map(|n| n.text().to_string()),
            None if last == "self" => prefix.iter().rev().nth(1).cloned(),
            None => Some(last.clone()),
        };
        let (segments, seg_spans) = if last == "self" {
            (
                prefix[..prefix.len() - 1].to_vec(),
                spans[..spans.len() - 1].to_vec(),
            )
        } else {
            (prefix.clone(), spans.clone())
        };
        out.push(UseLeaf {
            segments,
            spans: seg_spans,
            binds,
            glob: false,
        });
    }
    prefix.truncate(before);
    spans.truncate(before);
}

/// Whether an attribute list holds `#[derive(..., Name, ...)]` (by the last path segment).
pub fn derives(attrs: &[Vec<Tok>], name: &str) -> bool {
    attrs
        .iter()
        .any(|a| a.get(2).is_some_and(|t| t.text == "derive") && a.iter().any(|t| t.text == name))
}

/// `key = value` pairs inside `#[outer(key = value, ...)]` (strings unquoted; a path value is
/// its tokens joined, with the span of the whole value).
pub fn attr_args(attr: &[Tok], outer: &str) -> Vec<(String, String, Span)> {
    let mut out = Vec::new();
    if attr.get(2).map(|t| t.text.as_str()) != Some(outer)
        || attr.get(3).map(|t| t.kind) != Some(TokKind::Open)
    {
        return out;
    }
    let end = matching(attr, 3);
    let mut i = 4;
    while i < end {
        if attr[i].kind == TokKind::Ident && attr.get(i + 1).is_some_and(|t| t.text == "=") {
            let key = attr[i].text.clone();
            let start = i + 2;
            let mut j = start;
            while j < end && attr[j].text != "," {
                if attr[j].kind == TokKind::Open {
                    j = matching(attr, j);
                }
                j += 1;
            }
            if j > start {
                let value: String = attr[start..j].iter().map(|t| t.text.as_str()).collect();
                let value = unquote(&value).unwrap_or(value);
                out.push((key, value, (attr[start].span.0, attr[j - 1].span.1)));
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_module_cfg_says_whether_only_tests_build_it_and_which_features_it_needs() {
        let text = r#"
            #[cfg(test)] mod a;
            #[cfg(all(feature = "macros", feature = "tests-cfg"))] pub mod b;
            #[cfg(any(feature = "x", test))] mod c;
            #[cfg(not(test))] mod d;
            #[cfg(all(test, feature = "y", not(feature = "z")))] mod e;
            mod f;
        "#;
        let (tree, _) = super::parse(text);
        let facts = super::super::facts::extract(&tree);
        let mods: Vec<(&str, bool, bool, Vec<&str>)> = facts
            .mods
            .iter()
            .map(|m| {
                let features = m.features.iter().map(String::as_str).collect();
                (m.name.as_str(), m.cfg, m.test, features)
            })
            .collect();
        assert_eq!(
            mods,
            [
                ("a", true, true, vec![]),
                ("b", true, false, vec!["macros", "tests-cfg"]),
                ("c", true, false, vec![]),
                ("d", true, false, vec![]),
                ("e", true, true, vec!["y"]),
                ("f", false, false, vec![]),
            ]
        );
    }
}
