//! Reading one file: its bytes (bounded by what the parser takes), its text, its parse, and its
//! facts, with the warning a reader sees when any of it fails.

use std::path::Path;
use std::sync::OnceLock;

use super::facts::{self, FileFacts};
use super::module_map::{is_test_path, FileId, ModuleMap};
use super::{extract, SourceFile, Stamp, Warning};
use crate::paths::display_path;
use crate::source::{decode, FileEncoding};

/// Reads, decodes and parses one file; with its warning, if any, and the absolute modules its
/// imports name that no project file is (third-party ones, or a sign of a missing root).
pub(super) fn read_source(
    file_id: FileId,
    map: &ModuleMap,
    cwd: &Path,
) -> (SourceFile, Option<Warning>, Vec<Box<str>>) {
    let path = map.path(file_id);
    let display = display_path(path, cwd);
    let in_tests = is_test_path(path.strip_prefix(cwd).unwrap_or(path));
    let mut file = SourceFile {
        path: path.to_path_buf(),
        display: display.clone(),
        text: String::new(),
        encoding: FileEncoding::Utf8 { bom: false },
        cr_endings: false,
        bare_cr: false,
        lines: OnceLock::new(),
        facts: FileFacts::default(),
        loads: Vec::new(),
        in_tests,
        parsed: false,
        hides_models: true,
        stamp: None,
    };
    let bytes = match read_bounded(path) {
        Ok((bytes, stamp)) => {
            file.stamp = Some(stamp);
            bytes
        }
        Err(message) => {
            return (
                file,
                Some(Warning {
                    path: display,
                    line: 0,
                    message,
                }),
                Vec::new(),
            );
        }
    };
    file.hides_models = may_hold_models(&bytes);
    let decoded = match decode(bytes) {
        Ok(decoded) => decoded,
        Err(message) => {
            return (
                file,
                Some(Warning {
                    path: display,
                    line: 1,
                    message: format!("skipped: the file {message}"),
                }),
                Vec::new(),
            )
        }
    };
    file.text = decoded.text;
    file.encoding = decoded.encoding;
    file.cr_endings = decoded.cr_endings;
    file.bare_cr = decoded.bare_cr;
    match crate::python::parse(&file.text) {
        Ok(module) => {
            // A bug in the extraction is a warning on this file, not the end of the scan.
            let extracted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let facts = extract::extract(module.syntax(), &file.text, in_tests);
                drop(module);
                let mut loads = Vec::new();
                let mut unresolved = Vec::new();
                for (index, site) in facts.imports.iter().enumerate() {
                    map.site_loads(file_id, index, site, &mut loads);
                    // A fallback (`except ImportError: from models import db`) names a layout
                    // the project does not run under; it is no sign of a root.
                    if site.level == 0 && !site.fallback {
                        unresolved.extend(unresolved_modules(map, file_id, site));
                    }
                }
                (facts, loads, unresolved)
            }));
            let Ok((facts, mut loads, unresolved)) = extracted else {
                let warning = Warning {
                    path: display,
                    line: 0,
                    message: "skipped: reading its models failed (a bug in dedupe-models: please report it with this file)".into(),
                };
                return (file, Some(warning), Vec::new());
            };
            loads.shrink_to_fit();
            file.facts = facts;
            file.loads = loads;
            file.parsed = true;
            file.hides_models = false;
            (file, None, unresolved)
        }
        Err(err) => {
            let (line, _) = file.line_col(err.offset);
            let warning = Warning {
                path: display,
                line,
                message: format!("could not parse: {}", crate::paths::escape(&err.message)),
            };
            (file, Some(warning), Vec::new())
        }
    }
}

/// Whether the bytes of a file the parser could not read mention what models are made of.
pub(super) fn may_hold_models(bytes: &[u8]) -> bool {
    const MARKS: &[&[u8]] = &[
        b"sqlalchemy",
        b"sqlmodel",
        b"__tablename__",
        b"__table__",
        b"Column(",
        b"mapped_column(",
        b"Table(",
        b"declarative_base",
    ];
    // Every file is asked before it is parsed: a vectorised search, not a window per byte
    // (that was 15% of a check of the standard library).
    MARKS
        .iter()
        .any(|mark| memchr::memmem::find(bytes, mark).is_some())
}

/// The modules an absolute import names that no project file is: third-party ones, or the sign
/// of a root nothing configures.
fn unresolved_modules<'s>(
    map: &'s ModuleMap,
    file: FileId,
    site: &'s facts::ImportSite,
) -> impl Iterator<Item = Box<str>> + 's {
    let modules = match (&site.module, site.is_from) {
        (Some(module), true) => std::slice::from_ref(module),
        _ => &[][..],
    };
    let names = site.names.iter().filter(|_| !site.is_from).map(|n| &n.name);
    modules
        .iter()
        .chain(names)
        .filter(move |module| map.resolve_module(module, Some(file)).is_none())
        .map(|module| module.as_str().into())
}

/// A file's bytes, unless it cannot be read or is too large for the parser: checked before
/// reading, so that a 4 GiB file is neither read into memory nor handed to a parser that panics
/// on it.
fn read_bounded(path: &Path) -> Result<(Vec<u8>, Stamp), String> {
    use std::io::Read;
    let cannot_read =
        |err: std::io::Error| format!("cannot read: {}", err.to_string().to_lowercase());
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    let metadata = file.metadata().map_err(cannot_read)?;
    let len = metadata.len();
    let max = crate::python::MAX_FILE_SIZE;
    if len > max {
        return Err(format!(
            "skipped: the file {}",
            crate::python::too_large(len)
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // One byte over the limit is enough to know the file grew past it since.
    let read = file.take(max + 1).read_to_end(&mut bytes);
    read.map_err(cannot_read)?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "skipped: the file {}",
            crate::python::too_large(bytes.len() as u64)
        ));
    }
    Ok((bytes, Stamp::of(&metadata)))
}
