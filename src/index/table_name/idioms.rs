//! The camel-case to snake-case idioms a table name rule may use, each evaluated exactly as
//! Python's `re` module would evaluate it: a pattern the tool has no exact evaluation for is not
//! an idiom, and the class using it stays "not understood" rather than guessed.

/// `re.sub(pattern, replacement, name)` for a known pattern and replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sub {
    /// A zero-width pattern (`(?<!^)(?=[A-Z])`, `(?=[A-Z])`, `(?<=[a-z0-9])(?=[A-Z])`, ...) or
    /// one capital letter replaced by itself (`([A-Z])` with `_\1`): the text is inserted before
    /// every position the pattern matches.
    Insert { at: Boundary, text: String },
    /// `([a-z0-9])([A-Z])` (or `([a-z])([A-Z])`) with `\1_\2`: matches of two characters, left
    /// to right, never overlapping (`aBC` -> `a_BC`).
    PairSplit { lower_or_digit: bool },
    /// `(.)([A-Z][a-z]+)` with `\1_\2`: the first regex of the two-regex idiom.
    BeforeWord,
    /// `([A-Z]+)([A-Z][a-z])` with `\1_\2`: the first regex of `inflection.underscore`.
    AcronymEnd,
}

/// Where a zero-width idiom inserts its text, before the character at index `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// `(?=[A-Z])`: before every capital, the first character included.
    Capital,
    /// `(?<!^)(?=[A-Z])`: before every capital but the first character.
    CapitalNotFirst,
    /// `(?<=[a-z0-9])(?=[A-Z])`.
    CapitalAfterLowerOrDigit,
    /// `(?<=[a-z])(?=[A-Z])`.
    CapitalAfterLower,
    /// Flask-SQLAlchemy's `((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))` with `_\1`.
    Flask,
}

/// `re.split(pattern, name)` for a zero-width pattern: the boundaries where it splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split(pub Boundary);

fn upper(c: Option<&char>) -> bool {
    c.is_some_and(char::is_ascii_uppercase)
}

fn lower(c: Option<&char>) -> bool {
    c.is_some_and(char::is_ascii_lowercase)
}

fn lower_or_digit(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

impl Boundary {
    fn matches(self, chars: &[char], i: usize) -> bool {
        let here = chars.get(i);
        let before = i.checked_sub(1).and_then(|p| chars.get(p));
        match self {
            Boundary::Capital => upper(here),
            Boundary::CapitalNotFirst => i > 0 && upper(here),
            Boundary::CapitalAfterLowerOrDigit => upper(here) && lower_or_digit(before),
            Boundary::CapitalAfterLower => upper(here) && lower(before),
            Boundary::Flask => {
                upper(here) && (lower_or_digit(before) || (i > 0 && lower(chars.get(i + 1))))
            }
        }
    }

    /// Python's `re` character sets `[A-Z]`, `[a-z]`, `[0-9]` without flags are ASCII only.
    fn from_pattern(pattern: &str) -> Option<Boundary> {
        Some(match pattern {
            "(?=[A-Z])" => Boundary::Capital,
            "(?<!^)(?=[A-Z])" => Boundary::CapitalNotFirst,
            "(?<=[a-z0-9])(?=[A-Z])" | "(?<=[a-z\\d])(?=[A-Z])" => {
                Boundary::CapitalAfterLowerOrDigit
            }
            "(?<=[a-z])(?=[A-Z])" => Boundary::CapitalAfterLower,
            _ => return None,
        })
    }
}

impl Sub {
    /// The idiom `re.sub(pattern, replacement, ...)` is, if the tool evaluates it exactly.
    pub fn recognise(pattern: &str, replacement: &str) -> Option<Sub> {
        if let Some(at) = Boundary::from_pattern(pattern) {
            // A zero-width match replaced by plain text (no group references, no escapes).
            return (!replacement.contains('\\')).then(|| Sub::Insert {
                at,
                text: replacement.to_owned(),
            });
        }
        Some(match (pattern, replacement) {
            ("([A-Z])", "_\\1") => Sub::Insert {
                at: Boundary::Capital,
                text: "_".to_owned(),
            },
            ("(?<!^)([A-Z])", "_\\1") | ("(?!^)([A-Z])", "_\\1") => Sub::Insert {
                at: Boundary::CapitalNotFirst,
                text: "_".to_owned(),
            },
            ("((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", "_\\1") => Sub::Insert {
                at: Boundary::Flask,
                text: "_".to_owned(),
            },
            ("([a-z0-9])([A-Z])" | "([a-z\\d])([A-Z])", "\\1_\\2") => Sub::PairSplit {
                lower_or_digit: true,
            },
            ("([a-z])([A-Z])", "\\1_\\2") => Sub::PairSplit {
                lower_or_digit: false,
            },
            ("(.)([A-Z][a-z]+)", "\\1_\\2") => Sub::BeforeWord,
            ("([A-Z]+)([A-Z][a-z])", "\\1_\\2") => Sub::AcronymEnd,
            _ => return None,
        })
    }

    pub fn apply(&self, name: &str) -> String {
        let chars: Vec<char> = name.chars().collect();
        let mut out = String::with_capacity(name.len() + 8);
        let mut i = 0;
        match self {
            Sub::Insert { at, text } => {
                for (i, c) in chars.iter().enumerate() {
                    if at.matches(&chars, i) {
                        out.push_str(text);
                    }
                    out.push(*c);
                }
            }
            Sub::PairSplit {
                lower_or_digit: digits,
            } => {
                while i < chars.len() {
                    let first = chars.get(i);
                    let first_ok = if *digits {
                        lower_or_digit(first)
                    } else {
                        lower(first)
                    };
                    if first_ok && upper(chars.get(i + 1)) {
                        out.push(chars[i]);
                        out.push('_');
                        out.push(chars[i + 1]);
                        i += 2;
                    } else {
                        out.push(chars[i]);
                        i += 1;
                    }
                }
            }
            Sub::BeforeWord => {
                // `(.)` is any character but a newline; `[a-z]+` is greedy.
                while i < chars.len() {
                    if chars[i] != '\n' && upper(chars.get(i + 1)) && lower(chars.get(i + 2)) {
                        let mut end = i + 3;
                        while lower(chars.get(end)) {
                            end += 1;
                        }
                        out.push(chars[i]);
                        out.push('_');
                        out.extend(&chars[i + 1..end]);
                        i = end;
                    } else {
                        out.push(chars[i]);
                        i += 1;
                    }
                }
            }
            Sub::AcronymEnd => {
                // `[A-Z]+` takes the whole run of capitals and gives back one, which must be
                // followed by a lower-case letter; no shorter run can do better.
                while i < chars.len() {
                    let mut run = i;
                    while upper(chars.get(run)) {
                        run += 1;
                    }
                    if run >= i + 2 && lower(chars.get(run)) {
                        out.extend(&chars[i..run - 1]);
                        out.push('_');
                        out.push(chars[run - 1]);
                        out.push(chars[run]);
                        i = run + 1;
                    } else {
                        out.push(chars[i]);
                        i += 1;
                    }
                }
            }
        }
        out
    }
}

impl Split {
    pub fn recognise(pattern: &str) -> Option<Split> {
        Boundary::from_pattern(pattern).map(Split)
    }

    /// The pieces `re.split` returns: a zero-width match splits there, so a match at the
    /// first character gives a leading empty piece (`HTTPLog` -> `['', 'H', 'T', 'T', 'P', 'Log']`).
    pub fn apply(self, name: &str) -> Vec<String> {
        let chars: Vec<char> = name.chars().collect();
        let mut pieces = vec![String::new()];
        for (i, c) in chars.iter().enumerate() {
            if i > 0 && self.0.matches(&chars, i) {
                pieces.push(String::new());
            }
            pieces.last_mut().expect("never empty").push(*c);
        }
        if self.0.matches(&chars, 0) {
            pieces.insert(0, String::new());
        }
        pieces
    }
}
