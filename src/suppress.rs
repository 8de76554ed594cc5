//! What the user chose not to see: `select` and `ignore` (pyproject.toml, then the command
//! line), `per-file-ignores`, and `# noqa` comments (`// noqa` in Rust) on a finding's line; and
//! the parts of the plan that fix each finding, so that a hidden finding is not fixed either.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::index::module_map::FileId;
use crate::index::Index;
use crate::plan::{Change, Plan};
use crate::pyproject::{ConfigError, Exclude};
use crate::report::{Code, EditOut, Finding, FixOut, Report};

/// One project's choices.
struct ProjectRules {
    dir: PathBuf,
    select: Option<Vec<String>>,
    ignore: Vec<String>,
    per_file: Vec<(Exclude, Vec<String>)>,
}

/// The rules of a run: each project's, with the command line's over them.
pub struct Rules {
    /// Deepest project first: a file follows the nearest project's settings, as in ruff.
    projects: Vec<ProjectRules>,
    select: Option<Vec<String>>,
    ignore: Vec<String>,
    files: HashMap<String, FileId>,
    /// The Rust front-end's files (`crate::rust`) by the path their findings show.
    rust: HashMap<String, RustSource>,
}

/// A Rust source, read for its `// noqa` comments only when one of its findings is looked at.
struct RustSource {
    path: PathBuf,
    text: OnceLock<String>,
}

impl RustSource {
    fn line(&self, line: u32) -> &str {
        let text = self
            .text
            .get_or_init(|| std::fs::read_to_string(&self.path).unwrap_or_default());
        nth_line(text, line)
    }
}

impl Rules {
    pub fn new(
        index: &Index,
        cwd: &Path,
        select: Option<&[String]>,
        ignore: &[String],
    ) -> Result<Rules, ConfigError> {
        let mut projects = Vec::new();
        for (dir, settings) in &index.settings {
            projects.push(ProjectRules {
                dir: dir.clone(),
                select: settings.select.clone(),
                ignore: settings.ignore.clone(),
                per_file: settings.per_file_ignores(dir)?,
            });
        }
        projects.sort_by_key(|p| std::cmp::Reverse(p.dir.components().count()));
        let files = index
            .files
            .iter()
            .enumerate()
            .map(|(id, f)| (f.display.clone(), id))
            .collect();
        let rust = index
            .rust_sources
            .iter()
            .map(|path| {
                let source = RustSource {
                    path: crate::paths::normalize(path),
                    text: OnceLock::new(),
                };
                (crate::paths::display_path(path, cwd), source)
            })
            .collect();
        Ok(Rules {
            projects,
            select: select.map(<[String]>::to_vec),
            ignore: ignore.to_vec(),
            files,
            rust,
        })
    }

    /// Whether the user chose not to see `finding`.
    pub fn hides(&self, index: &Index, finding: &Finding) -> bool {
        let code = finding.code;
        let named = |codes: &[String]| codes.iter().any(|c| code.is_selected_by(c));
        let file = self.files.get(&finding.path).copied();
        let rust = self.rust.get(&finding.path);
        let path = file
            .map(|f| index.files[f].path.as_path())
            .or(rust.map(|r| r.path.as_path()));
        let project = path.and_then(|p| self.projects.iter().find(|r| p.starts_with(&r.dir)));
        let select = self
            .select
            .as_ref()
            .or(project.and_then(|p| p.select.as_ref()));
        if select.is_some_and(|s| !named(s)) || named(&self.ignore) {
            return true;
        }
        if let (Some(project), Some(path)) = (project, path) {
            if named(&project.ignore) {
                return true;
            }
            let relative = path.strip_prefix(&project.dir).unwrap_or(path);
            if project
                .per_file
                .iter()
                .any(|(glob, codes)| glob.is_match(relative) && named(codes))
            {
                return true;
            }
        }
        match (file, rust) {
            (Some(f), _) => noqa(nth_line(&index.files[f].text, finding.line), code),
            (None, Some(rust)) => rust_noqa(rust.line(finding.line), code),
            (None, None) => false,
        }
    }

    /// Removes what the user chose not to see from `report`.
    pub fn apply(&self, index: &Index, report: &mut Report) {
        report.findings.retain(|f| !self.hides(index, f));
        report.summary.findings = report.findings.len();
    }

    /// The changes of `plan` that fix the findings of `report` that `which` picks.
    pub fn changes_of(
        &self,
        index: &Index,
        report: &Report,
        plan: &Plan,
        which: impl Fn(&Finding) -> bool,
    ) -> BTreeSet<Change> {
        let fixes = Fixes::new(index, plan);
        report
            .findings
            .iter()
            .filter(|f| which(f))
            .flat_map(|f| fixes.changes(self, f))
            .collect()
    }
}

/// Line `line` (1-based) of `text`; empty past its end.
fn nth_line(text: &str, line: u32) -> &str {
    text.lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("")
}

/// Whether a `# noqa` (every code) or `# noqa: DM001, DM004` comment on `line` covers `code`.
pub fn noqa(line: &str, code: Code) -> bool {
    noqa_after(line, "#", code)
}

/// `noqa` for a line of Rust: `// noqa` or `// noqa: DM001, DM004`, read as ruff reads `# noqa`
/// (any case, the colon's spaces optional, codes split by commas or spaces). A doc comment
/// (`/// noqa`, `//! noqa`) is documentation, not a `noqa`.
pub fn rust_noqa(line: &str, code: Code) -> bool {
    noqa_after(line, "//", code)
}

/// Whether a `noqa` comment that starts with `marker` on `line` covers `code`.
fn noqa_after(line: &str, marker: &str, code: Code) -> bool {
    for (at, _) in line.match_indices(marker) {
        let comment = line[at + marker.len()..].trim_start();
        let Some(rest) = comment
            .get(..4)
            .filter(|w| w.eq_ignore_ascii_case("noqa"))
            .map(|_| &comment[4..])
        else {
            continue;
        };
        let Some(codes) = rest.trim_start().strip_prefix(':') else {
            // A bare `# noqa` (or `# noqa` followed by prose) silences the whole line.
            return rest.is_empty() || rest.starts_with(char::is_whitespace);
        };
        let wanted = code.to_string();
        if codes
            .split(|c: char| c == ',' || c.is_whitespace())
            .any(|name| name.eq_ignore_ascii_case(&wanted))
        {
            return true;
        }
    }
    false
}

/// Which planned changes fix which findings: a finding is fixed by the change of its kind whose
/// edits cover its line.
pub struct Fixes<'a> {
    index: &'a Index,
    plan: &'a Plan,
    /// `(file, line) -> changes with an edit over that line`.
    by_line: HashMap<(FileId, u32), BTreeSet<Change>>,
}

impl<'a> Fixes<'a> {
    pub fn new(index: &'a Index, plan: &'a Plan) -> Fixes<'a> {
        let mut by_line: HashMap<(FileId, u32), BTreeSet<Change>> = HashMap::new();
        for (&file, file_plan) in &plan.files {
            let source = &index.files[file];
            for planned in &file_plan.edits {
                let first = source.line_col(planned.edit.start).0;
                let last = source
                    .line_col(planned.edit.end.max(planned.edit.start + 1) - 1)
                    .0
                    .max(first);
                for line in first..=last {
                    by_line
                        .entry((file, line))
                        .or_default()
                        .insert(planned.change);
                }
            }
        }
        // A definition rewritten inside (a class mapped onto a kept Table keeps its `class`
        // line): its finding, on that line, owns the edits within it.
        for def in &index.models.tables {
            let Some(file_plan) = plan.files.get(&def.file) else {
                continue;
            };
            let line = index.files[def.file].line_col(def.offset).0;
            for planned in &file_plan.edits {
                let inside = def.span.0 <= planned.edit.start && planned.edit.end <= def.span.1;
                if inside && matches!(planned.change, Change::Table(_)) {
                    by_line
                        .entry((def.file, line))
                        .or_default()
                        .insert(planned.change);
                }
            }
        }
        Fixes {
            index,
            plan,
            by_line,
        }
    }

    /// The changes that fix `finding`.
    fn changes(&self, rules: &Rules, finding: &Finding) -> Vec<Change> {
        let Some(&file) = rules.files.get(&finding.path) else {
            return Vec::new();
        };
        let Some(changes) = self.by_line.get(&(file, finding.line)) else {
            return Vec::new();
        };
        changes
            .iter()
            .copied()
            .filter(|change| {
                matches!(
                    (finding.code, change),
                    (Code::DM001, Change::Table(_))
                        | (Code::DM002, Change::DualPath(_))
                        | (Code::DM003, Change::Base(_))
                        | (Code::DM004, Change::BandAid(..))
                        | (Code::DM005, Change::Qualify(..))
                )
            })
            .collect()
    }

    /// Puts each Python finding's planned fix into it (`fix: null` where the plan leaves it).
    pub fn attach(&self, rules: &Rules, report: &mut Report) {
        for finding in &mut report.findings {
            // Rust's plan is made apart (`crate::rust`), and --verify's findings have no fix.
            let python = rules.files.contains_key(&finding.path);
            if !python || finding.code > Code::DM005 {
                continue;
            }
            let changes = self.changes(rules, finding);
            finding.fix = Some(self.fix_out(&changes));
        }
    }

    fn fix_out(&self, changes: &[Change]) -> Option<FixOut> {
        let mut edits = Vec::new();
        let mut reasons: Vec<&str> = Vec::new();
        for (&file, file_plan) in &self.plan.files {
            let source = &self.index.files[file];
            for planned in file_plan
                .edits
                .iter()
                .filter(|p| changes.contains(&p.change))
            {
                let (line, column) = source.line_col(planned.edit.start);
                let (end_line, end_column) = source.line_col(planned.edit.end);
                edits.push(EditOut {
                    path: source.display.clone(),
                    line,
                    column,
                    end_line,
                    end_column,
                    content: planned.edit.content.clone(),
                });
                if !reasons.contains(&planned.reason.as_str()) {
                    reasons.push(&planned.reason);
                }
            }
        }
        if edits.is_empty() {
            return None;
        }
        edits.sort();
        Some(FixOut {
            message: reasons.join("; "),
            edits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noqa_comments_as_ruff_reads_them() {
        assert!(noqa("class User(Base):  # noqa", Code::DM001));
        assert!(noqa("class User(Base):  # NOQA: DM001", Code::DM001));
        assert!(noqa("class User(Base):  # noqa: E501, DM001", Code::DM001));
        assert!(noqa(
            "class User(Base):  # type: ignore # noqa:DM001",
            Code::DM001
        ));
        assert!(!noqa("class User(Base):  # noqa: DM004", Code::DM001));
        assert!(!noqa("class User(Base):  # noqa: DM0011", Code::DM001));
        assert!(!noqa("class User(Base):  # noqanything", Code::DM001));
        assert!(!noqa("class User(Base):", Code::DM001));
    }

    #[test]
    fn rust_noqa_comments_as_ruff_reads_python_ones() {
        assert!(rust_noqa("    comments (id) { // noqa", Code::DM001));
        assert!(rust_noqa("    comments (id) { // noqa: DM001", Code::DM001));
        assert!(rust_noqa(
            "    comments (id) { //NOQA:DM005,DM001",
            Code::DM001
        ));
        assert!(rust_noqa(
            "#[derive(Clone, DeriveEntityModel)] // generated // noqa: DM001 DM005",
            Code::DM005
        ));
        assert!(!rust_noqa(
            "    comments (id) { // noqa: DM005",
            Code::DM001
        ));
        assert!(!rust_noqa("    comments (id) { # noqa: DM001", Code::DM001));
        assert!(!rust_noqa(
            "    comments (id) { /// noqa: DM001",
            Code::DM001
        ));
        assert!(!rust_noqa("    comments (id) { //! noqa", Code::DM001));
        assert!(!rust_noqa("    comments (id) {", Code::DM001));
    }
}
