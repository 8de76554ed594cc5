//! A cheap estimate of how deeply a Python text nests, read before it is parsed: the parser, every
//! visitor of its tree and the tree's destructor recurse once per level, and a stack overflow
//! aborts the process (it cannot be caught like a panic).
//!
//! The estimate counts, inside the innermost open bracket (or the statement), the tokens that can
//! nest one expression in another: operators, `not`, `if`, `lambda`, `await`, and a call or
//! subscript on the result of another (`f(x)(y)`, `a[0][1]`); a comma ends an element, a newline
//! outside brackets a statement. Open brackets count one level each. Strings and comments are
//! skipped. It over-counts flat chains (`a == b == c`, `x = y = z`), which only matters past
//! thousands of terms in one expression.

/// The first place where the text nests deeper than `limit`: the estimated depth and its byte
/// offset.
///
/// It reads every byte of every file before the parser does, so it goes by byte classes
/// (`CLASS`) and skips comments and strings with `memchr`: matching each byte on its own, it
/// took 9% of the instructions of a 10,000-file check (350 MB/s; now about 600 MB/s).
pub fn deeper_than(text: &str, limit: u32) -> Option<(u32, u32)> {
    let bytes = text.as_bytes();
    // Chain tokens counted in each open bracket's current element.
    let mut open: Vec<u32> = Vec::new();
    // Chain tokens counted in the statement, outside brackets.
    let mut top = 0u32;
    let mut depth = 0u32;
    let mut i = 0;
    // Whether the previous token ends an operand: a bracket opened after it is a call or a
    // subscript of it.
    let mut after_operand = false;
    while i < bytes.len() {
        let b = bytes[i];
        // Whether the token is a chain token, and whether it ends an operand.
        let (counted, operand) = match CLASS[b as usize] {
            SPACE => {
                // Indentation comes in runs.
                i += 1;
                while i < bytes.len() && CLASS[bytes[i] as usize] == SPACE {
                    i += 1;
                }
                continue;
            }
            WORD => {
                let start = i;
                while i + 1 < bytes.len() && CLASS[bytes[i + 1] as usize] == WORD {
                    i += 1;
                }
                if is_chain_keyword(&bytes[start..=i]) {
                    (true, false)
                } else {
                    // After a string prefix (`f"..."`, `rb'...'`) the string follows.
                    let prefix = bytes.get(i + 1).is_some_and(|&q| q == b'\'' || q == b'"');
                    (false, !prefix)
                }
            }
            OPERATOR => {
                while i + 1 < bytes.len() && CLASS[bytes[i + 1] as usize] == OPERATOR {
                    i += 1;
                }
                (true, false)
            }
            _ => match b {
                b'#' => {
                    i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                    continue;
                }
                b'\'' | b'"' => {
                    i = skip_string(bytes, i);
                    after_operand = true;
                    continue;
                }
                b'\\' if bytes.get(i + 1) == Some(&b'\n') => {
                    i += 2;
                    continue;
                }
                b'(' | b'[' | b'{' => {
                    if after_operand {
                        *open.last_mut().unwrap_or(&mut top) += 1;
                        depth += 1;
                    }
                    open.push(0);
                    depth += 1;
                    (false, false)
                }
                b')' | b']' | b'}' => {
                    if let Some(count) = open.pop() {
                        depth -= 1 + count;
                    }
                    (false, true)
                }
                b',' | b';' => {
                    let current = open.last_mut().unwrap_or(&mut top);
                    depth -= *current;
                    *current = 0;
                    (false, false)
                }
                b'\n' => {
                    if open.is_empty() {
                        depth -= top;
                        top = 0;
                    }
                    i += 1;
                    continue;
                }
                _ => (false, false),
            },
        };
        if counted {
            *open.last_mut().unwrap_or(&mut top) += 1;
            depth += 1;
        }
        if depth > limit {
            return Some((depth, i as u32));
        }
        after_operand = operand;
        i += 1;
    }
    None
}

/// Byte classes: ASCII whitespace other than a newline (nothing to do), a byte of a word (a name, a
/// keyword, a number), a byte of an operator; every other byte is looked at on its own.
const OTHER: u8 = 0;
const SPACE: u8 = 1;
const WORD: u8 = 2;
const OPERATOR: u8 = 3;

static CLASS: [u8; 256] = {
    let mut class = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        class[b] = if c == b' ' || c == b'\t' || c == b'\r' || c == 0x0c {
            SPACE
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            WORD
        } else if matches!(
            c,
            b'+' | b'-'
                | b'*'
                | b'/'
                | b'%'
                | b'@'
                | b'&'
                | b'|'
                | b'^'
                | b'~'
                | b'<'
                | b'>'
                | b'='
                | b'!'
                | b'.'
        ) {
            OPERATOR
        } else {
            OTHER
        };
        b += 1;
    }
    class
};

/// `not`, `if`, `lambda`, `await`: the keywords that nest one expression in another.
fn is_chain_keyword(word: &[u8]) -> bool {
    match word.len() {
        2 => word == b"if",
        3 => word == b"not",
        5 => word == b"await",
        6 => word == b"lambda",
        _ => false,
    }
}

/// The offset just past the string literal whose opening quote is at `start` (or the end of the
/// line for an unterminated one-line string, the end of the text for a triple-quoted one).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        let next = if triple {
            memchr::memchr2(quote, b'\\', &bytes[i..])
        } else {
            memchr::memchr3(quote, b'\\', b'\n', &bytes[i..])
        };
        let Some(n) = next else {
            break;
        };
        i += n;
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            _ => {
                if !triple {
                    return i + 1;
                }
                if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                    return i + 3;
                }
                i += 1;
            }
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::deeper_than;

    fn depth(text: &str) -> u32 {
        (0..)
            .find(|&limit| deeper_than(text, limit).is_none())
            .unwrap()
    }

    #[test]
    fn chains_and_brackets_nest_commas_and_statements_do_not() {
        assert_eq!(depth("x = 1\n"), 1);
        assert_eq!(depth("x = a + b + c\n"), 3);
        assert_eq!(depth("x = ((((1))))\n"), 5);
        assert_eq!(depth("x = [1 + 2, 3 + 4, 5 + 6]\n"), 3);
        assert_eq!(depth("x = not not not y\n"), 4);
        assert_eq!(depth("x = f(1)(2)(3)\n"), 5);
        assert_eq!(depth("a = 1 + 2 + 3\nb = 4\nc = 5\n"), 3);
        // A long flat literal is shallow, however long.
        let flat = format!("x = [{}]\n", vec!["1"; 10_000].join(", "));
        assert_eq!(depth(&flat), 2);
    }

    #[test]
    fn strings_and_comments_are_not_read() {
        assert_eq!(depth("x = '((((+'  # ((((((\n"), 1);
        assert_eq!(depth("x = \"\"\"\n(((\n\"\"\" + f'{((a))}'\n"), 2);
        assert_eq!(depth("x = 'it\\'s (' + b\n"), 2);
        // An escaped quote does not end a triple-quoted string; a one-line string without its
        // closing quote ends at the line's end.
        assert_eq!(depth("x = \"\"\" \\\"\"\" ((( \"\"\" + b\n"), 2);
        assert_eq!(depth("x = 'abc\ny = (1)\n"), 2);
    }

    #[test]
    fn the_place_is_where_the_limit_is_passed() {
        let text = format!("ok = 1\nx = {}\n", vec!["1"; 100].join(" + "));
        let (depth, offset) = deeper_than(&text, 50).unwrap();
        assert_eq!(depth, 51);
        assert!(offset > 7, "{offset}");
        assert!(deeper_than(&text, 100).is_none());
    }
}
