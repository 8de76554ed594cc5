//! Paths as the pipeline compares and shows them: normalised, relative to the working
//! directory, and the project a path belongs to.

use std::path::{Path, PathBuf};

/// The directory a scan of `path` belongs to: the nearest ancestor (or itself) holding a
/// pyproject.toml, setup.py, setup.cfg or .git; else `path` itself.
pub fn project_root(path: &Path) -> PathBuf {
    let start = if path.is_file() {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    for dir in start.ancestors() {
        if ["pyproject.toml", "setup.py", "setup.cfg", ".git"]
            .iter()
            .any(|m| dir.join(m).exists())
        {
            return dir.to_path_buf();
        }
    }
    start.to_path_buf()
}

/// Lexically removes `.` and `..` so that paths compare equal; symlinks are left alone.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `base` with `/` separators, or the whole path when it is elsewhere.
/// Control characters in a name (a newline, ESC, NUL) are escaped (`\n`, `\x1b`): a name is
/// never printed raw to a terminal.
pub fn display_path(path: &Path, base: &Path) -> String {
    let shown = path.strip_prefix(base).unwrap_or(path);
    let parts: Vec<String> = shown
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let shown = if parts.is_empty() {
        ".".to_owned()
    } else if shown.is_absolute() {
        shown.display().to_string()
    } else {
        parts.join("/")
    };
    escape(&shown).into_owned()
}

/// `text` with its control characters escaped the way Rust writes them (`\n`, `\t`, `\x1b`,
/// `\0`), for names and messages that come from files and end up on a terminal.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}
