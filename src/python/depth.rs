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
        let mut counted = false;
        let mut operand = false;
        match b {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
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
            }
            b')' | b']' | b'}' => {
                if let Some(count) = open.pop() {
                    depth -= 1 + count;
                }
                operand = true;
            }
            b',' | b';' => {
                let current = open.last_mut().unwrap_or(&mut top);
                depth -= *current;
                *current = 0;
            }
            b'\n' if open.is_empty() => {
                depth -= top;
                top = 0;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~' | b'<' | b'>'
            | b'=' | b'!' | b'.' => {
                while i + 1 < bytes.len() && is_operator(bytes[i + 1]) {
                    i += 1;
                }
                counted = true;
            }
            _ if is_word(b) => {
                let start = i;
                while i + 1 < bytes.len() && is_word(bytes[i + 1]) {
                    i += 1;
                }
                let word = &bytes[start..=i];
                if matches!(word, b"not" | b"if" | b"lambda" | b"await") {
                    counted = true;
                } else if bytes.get(i + 1).is_some_and(|&q| q == b'\'' || q == b'"') {
                    // A string prefix (`f"..."`, `rb'...'`): the string follows.
                } else {
                    operand = true;
                }
            }
            _ => {}
        }
        if counted {
            *open.last_mut().unwrap_or(&mut top) += 1;
            depth += 1;
        }
        if depth > limit {
            return Some((depth, i as u32));
        }
        if !b.is_ascii_whitespace() {
            after_operand = operand;
        }
        i += 1;
    }
    None
}

fn is_operator(b: u8) -> bool {
    matches!(
        b,
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
    )
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The offset just past the string literal whose opening quote is at `start` (or the end of the
/// line for an unterminated one-line string, the end of the text for a triple-quoted one).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' if !triple => return i,
            q if q == quote => {
                if !triple {
                    return i + 1;
                }
                if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                    return i + 3;
                }
                i += 1;
            }
            _ => i += 1,
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
