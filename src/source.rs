//! Turning a Python file's bytes into text (UTF-8 BOM, PEP 263 coding line) and byte offsets into
//! line/column for display.

use encoding_rs::Encoding;

/// How a file was stored on disk, kept so that a rewrite can store it the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileEncoding {
    Utf8 {
        bom: bool,
    },
    /// ISO-8859-1, decoded byte for byte (encoding_rs maps the label to windows-1252, which differs).
    Latin1,
    Other(&'static Encoding),
}

#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: FileEncoding,
    /// Every line ended with a lone `\r` (classic Mac OS), which `text` holds as `\n`.
    pub cr_endings: bool,
    /// Some lines end with a lone `\r` and others with `\n`: a rewrite cannot keep them.
    pub bare_cr: bool,
}

/// Decodes a Python source file the way CPython does: a UTF-8 BOM wins, then a PEP 263
/// declaration on line 1 or 2, then UTF-8. UTF-8 files (nearly all) become the text without a
/// copy. A file whose lines all end with a lone `\r` gets `\n` in their place, as Python reads
/// it: byte for byte, so offsets stay, and every step that works in lines sees its lines
/// (`store` puts the `\r` back).
pub fn decode(bytes: Vec<u8>) -> Result<Decoded, String> {
    let mut decoded = decode_text(bytes)?;
    if decoded.text.contains('\r') {
        if !decoded.text.contains('\n') {
            decoded.text = decoded.text.replace('\r', "\n");
            decoded.cr_endings = true;
        } else {
            let bytes = decoded.text.as_bytes();
            decoded.bare_cr = decoded
                .text
                .match_indices('\r')
                .any(|(i, _)| bytes.get(i + 1) != Some(&b'\n'));
        }
    }
    Ok(decoded)
}

fn decode_text(mut bytes: Vec<u8>) -> Result<Decoded, String> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
        return utf8(bytes, true);
    }
    let Some(label) = declared_encoding(&bytes) else {
        return utf8(bytes, false);
    };
    let normalized = label.to_ascii_lowercase().replace('_', "-");
    // CPython's tokenizer reads `utf-8-*` and `latin-1-*` (Emacs' `utf-8-unix`) as UTF-8 and
    // Latin-1; its codec registry adds the aliases `utf`, `u8`, `cp65001`, `utf8-ucs2`, ...
    let utf8_name = |n: &str| {
        matches!(
            n,
            "utf-8" | "utf8" | "utf-8-sig" | "utf" | "u8" | "cp65001" | "utf8-ucs2" | "utf8-ucs4"
        ) || n.starts_with("utf-8-")
    };
    let latin1_name = |n: &str| {
        matches!(
            n,
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" | "iso-latin-1"
        ) || ["latin-1-", "iso-8859-1-", "iso-latin-1-"]
            .iter()
            .any(|p| n.starts_with(p))
    };
    match normalized.as_str() {
        n if utf8_name(n) => utf8(bytes, false),
        n if latin1_name(n) => Ok(Decoded {
            text: bytes.iter().map(|&b| b as char).collect(),
            encoding: FileEncoding::Latin1,
            cr_endings: false,
            bare_cr: false,
        }),
        _ => {
            let encoding = Encoding::for_label(normalized.as_bytes())
                .ok_or_else(|| format!("unknown encoding `{label}` in its coding declaration"))?;
            let (text, had_errors) = encoding.decode_without_bom_handling(&bytes);
            if had_errors {
                return Err(format!("is not valid {label}"));
            }
            Ok(Decoded {
                text: text.into_owned(),
                encoding: FileEncoding::Other(encoding),
                cr_endings: false,
                bare_cr: false,
            })
        }
    }
}

fn utf8(bytes: Vec<u8>, bom: bool) -> Result<Decoded, String> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Decoded {
            text,
            encoding: FileEncoding::Utf8 { bom },
            cr_endings: false,
            bare_cr: false,
        }),
        Err(err) => Err(format!(
            "is not valid UTF-8 (byte {}) and declares no encoding",
            err.utf8_error().valid_up_to()
        )),
    }
}

/// The encoding named by a PEP 263 comment (`# -*- coding: latin-1 -*-`) on the first line, or on
/// the second when the first is a comment or blank.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|&b| b == b'\n').take(2);
    let first = lines.next()?;
    if let Some(label) = coding_in_line(first) {
        return Some(label);
    }
    let first_trimmed = trim_ascii_start(first);
    if first_trimmed.is_empty() || first_trimmed == b"\r" || first_trimmed.starts_with(b"#") {
        return lines.next().and_then(coding_in_line);
    }
    None
}

/// Where the lines that must stay first in a file end: a `#!` line, and a PEP 263 coding line (the
/// first line, or the second after a comment or blank one). A line put above them, or their
/// removal, turns them into plain comments: a latin-1 file would then be read as UTF-8.
pub fn pinned_lines_end(text: &str) -> usize {
    let (mut at, mut end) = (0, 0);
    for (n, line) in text.split_inclusive('\n').take(2).enumerate() {
        at += line.len();
        let rest = line.trim_start_matches([' ', '\t', '\x0c']);
        if (n == 0 && line.starts_with("#!")) || coding_in_line(line.as_bytes()).is_some() {
            end = at;
        } else if !(rest.trim().is_empty() || rest.starts_with('#')) {
            break;
        }
    }
    end
}

fn coding_in_line(line: &[u8]) -> Option<String> {
    let trimmed = trim_ascii_start(line);
    if !trimmed.starts_with(b"#") {
        return None;
    }
    let at = trimmed.windows(6).position(|w| w == b"coding")?;
    let rest = &trimmed[at + 6..];
    let rest = rest
        .strip_prefix(b":")
        .or_else(|| rest.strip_prefix(b"="))?;
    let rest = trim_ascii_start(rest);
    let len = rest
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        .count();
    (len > 0).then(|| String::from_utf8_lossy(&rest[..len]).into_owned())
}

fn trim_ascii_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t' || b == b'\x0c')
        .count();
    &bytes[skip..]
}

/// Line starts of a text, for turning byte offsets into 1-based line and column.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i as u32 + 1));
        LineIndex { starts }
    }

    /// 1-based line and 1-based column counted in characters.
    pub fn line_col(&self, text: &str, offset: u32) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line] as usize;
        let end = (offset as usize).min(text.len());
        let col = text.get(start..end).map_or(0, |s| s.chars().count());
        (line as u32 + 1, col as u32 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_stripped_and_remembered() {
        let d = decode(b"\xEF\xBB\xBFx = 1\n".to_vec()).unwrap();
        assert_eq!(d.text, "x = 1\n");
        assert_eq!(d.encoding, FileEncoding::Utf8 { bom: true });
    }

    #[test]
    fn latin1_declaration_on_second_line() {
        let d =
            decode(b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nname = '\xe9'\n".to_vec())
                .unwrap();
        assert!(d.text.contains("name = '\u{e9}'"));
        assert_eq!(d.encoding, FileEncoding::Latin1);
    }

    #[test]
    fn declaration_after_code_is_ignored() {
        let err = decode(b"x = 1\n# coding: latin-1\ny = '\xe9'\n".to_vec()).unwrap_err();
        assert!(err.contains("not valid UTF-8"), "{err}");
    }

    #[test]
    fn every_name_python_reads_as_utf8_or_latin1_is_one() {
        // flaskbb's `# -*- coding: utf -*-`, Emacs' `utf-8-unix`: Python runs them.
        for name in [
            "utf",
            "u8",
            "UTF8",
            "utf-8-unix",
            "utf_8",
            "cp65001",
            "utf8_ucs4",
        ] {
            let source = format!("# -*- coding: {name} -*-\ns = '\u{e9}'\n");
            let d = decode(source.into_bytes()).unwrap();
            assert_eq!(d.encoding, FileEncoding::Utf8 { bom: false }, "{name}");
        }
        for name in ["latin-1-unix", "iso_8859_1", "ISO-LATIN-1"] {
            let mut source = format!("# coding: {name}\ns = '").into_bytes();
            source.extend(b"\xe9'\n");
            let d = decode(source).unwrap();
            assert!(d.text.contains('\u{e9}'), "{name}");
            assert_eq!(d.encoding, FileEncoding::Latin1, "{name}");
        }
    }

    #[test]
    fn other_legacy_encodings_go_through_encoding_rs() {
        let d = decode(b"# vim: set fileencoding=cp1252 :\ns = '\x80'\n".to_vec()).unwrap();
        assert!(d.text.contains('\u{20ac}'));
    }

    #[test]
    fn a_shebang_and_a_coding_line_are_pinned_to_the_top() {
        let both = "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nimport os\n";
        assert_eq!(pinned_lines_end(both), both.find("import").unwrap());
        let after_comment = "# header\n# vim: set fileencoding=cp1252 :\nimport os\n";
        assert_eq!(
            pinned_lines_end(after_comment),
            after_comment.find("import").unwrap()
        );
        assert_eq!(pinned_lines_end("# a comment\nimport os\n"), 0);
        assert_eq!(pinned_lines_end("import os\n# coding: latin-1\n"), 0);
    }

    #[test]
    fn line_and_column_count_characters() {
        let text = "a\n\u{e9}\u{e9}x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 6), (2, 3));
    }
}
