//! One project's settings, read from its pyproject.toml: the import roots that pytest,
//! setuptools and `[tool.dedupe-models]` declare, what not to scan, which codes to report, and
//! canonical choices.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::paths::normalize;

/// Migration folders hold per-migration bases and model snapshots, never live models: their
/// files are read aside, for what they define on the live bases, and never reported on, unless
/// `skip-dirs` says otherwise.
pub const MIGRATION_DIRS: &[&str] = &["migrations", "alembic", "versions", "dbmigrate"];

/// Every key `[tool.dedupe-models]` takes; anything else is a mistake to name.
pub const KEYS: &[&str] = &[
    "roots",
    "exclude",
    "extend-exclude",
    "force-exclude",
    "skip-dirs",
    "select",
    "ignore",
    "per-file-ignores",
    "canonical",
];

/// Settings read from one project's pyproject.toml.
#[derive(Debug, Default, Clone)]
pub struct ProjectSettings {
    /// Extra import roots (absolute), from pytest's `pythonpath`, setuptools' `where` and our `roots`.
    pub roots: Vec<PathBuf>,
    /// Glob patterns, relative to the project directory, whose files are not scanned.
    pub exclude: Vec<String>,
    /// More patterns, added to `exclude`.
    pub extend_exclude: Vec<String>,
    /// The excludes apply to files named on the command line too.
    pub force_exclude: bool,
    /// Folder names whose files are not reported on, wherever they are; `None`: `MIGRATION_DIRS`.
    pub skip_dirs: Option<Vec<String>>,
    /// Codes (or prefixes) reported; `None`: all.
    pub select: Option<Vec<String>>,
    /// Codes (or prefixes) not reported.
    pub ignore: Vec<String>,
    /// `glob -> codes` not reported in the files the glob matches.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// `table name -> "module:Symbol"` choices of the canonical definition.
    pub canonical: BTreeMap<String, String>,
}

/// What the command line says about excludes, over every project's settings.
#[derive(Debug, Clone, Default)]
pub struct ExcludeOverrides {
    /// `--exclude`: replaces the projects' `exclude`.
    pub exclude: Option<Vec<String>>,
    /// `--extend-exclude`.
    pub extend_exclude: Vec<String>,
    /// `--force-exclude`.
    pub force_exclude: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {message}")]
    Toml { path: String, message: String },
    #[error("{path}: `{key}` must be {expected}")]
    Shape {
        path: String,
        key: &'static str,
        expected: &'static str,
    },
    #[error("{path}: bad exclude pattern `{pattern}`: {message}")]
    Glob {
        path: String,
        pattern: String,
        message: String,
    },
    #[error("{path}: unknown key `{key}` in [tool.dedupe-models]{}; the keys are {}", closest.map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default(), KEYS.join(", "))]
    UnknownKey {
        path: String,
        key: String,
        closest: Option<&'static str>,
    },
    #[error("{path}: unknown code `{code}` in `{key}`; the codes are DM001 to DM005 and DM101 to DM104, or a prefix such as DM00")]
    UnknownCode {
        path: String,
        key: &'static str,
        code: String,
    },
}

impl ProjectSettings {
    pub fn load(project_dir: &Path) -> Result<ProjectSettings, ConfigError> {
        let path = project_dir.join("pyproject.toml");
        if !path.is_file() {
            return Ok(ProjectSettings::default());
        }
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Toml {
                path: shown.clone(),
                message: e.message().to_owned(),
            })?;
        let tool = doc.get("tool").and_then(|t| t.as_table());
        let mut settings = ProjectSettings::default();
        let strings =
            |value: Option<&toml::Value>, key: &'static str| -> Result<Vec<String>, ConfigError> {
                let shape = || ConfigError::Shape {
                    path: shown.clone(),
                    key,
                    expected: "a list of strings",
                };
                match value {
                    None => Ok(Vec::new()),
                    Some(toml::Value::String(s)) => Ok(vec![s.clone()]),
                    Some(toml::Value::Array(items)) => items
                        .iter()
                        .map(|i| i.as_str().map(str::to_owned).ok_or_else(shape))
                        .collect(),
                    Some(_) => Err(shape()),
                }
            };
        let codes =
            |value: Option<&toml::Value>, key: &'static str| -> Result<Vec<String>, ConfigError> {
                let codes = strings(value, key)?;
                match codes
                    .iter()
                    .find(|c| !crate::report::Code::matches_prefix(c))
                {
                    Some(code) => Err(ConfigError::UnknownCode {
                        path: shown.clone(),
                        key,
                        code: code.clone(),
                    }),
                    None => Ok(codes),
                }
            };
        let pytest = tool
            .and_then(|t| t.get("pytest"))
            .and_then(|t| t.get("ini_options"));
        let setuptools_where = tool
            .and_then(|t| t.get("setuptools"))
            .and_then(|t| t.get("packages"))
            .and_then(|t| t.get("find"))
            .and_then(|t| t.get("where"));
        let ours = tool.and_then(|t| t.get("dedupe-models"));
        if let Some(ours) = ours {
            let table = ours.as_table().ok_or(ConfigError::Shape {
                path: shown.clone(),
                key: "tool.dedupe-models",
                expected: "a table",
            })?;
            if let Some(key) = table.keys().find(|k| !KEYS.contains(&k.as_str())) {
                return Err(ConfigError::UnknownKey {
                    path: shown.clone(),
                    key: key.clone(),
                    closest: closest(key, KEYS),
                });
            }
        }
        for root in strings(
            pytest.and_then(|p| p.get("pythonpath")),
            "tool.pytest.ini_options.pythonpath",
        )?
        .into_iter()
        .chain(strings(
            setuptools_where,
            "tool.setuptools.packages.find.where",
        )?)
        .chain(strings(
            ours.and_then(|o| o.get("roots")),
            "tool.dedupe-models.roots",
        )?) {
            settings.roots.push(normalize(&project_dir.join(root)));
        }
        let key = |name: &str| ours.and_then(|o| o.get(name));
        settings.exclude = strings(key("exclude"), "tool.dedupe-models.exclude")?;
        settings.extend_exclude =
            strings(key("extend-exclude"), "tool.dedupe-models.extend-exclude")?;
        settings.force_exclude = match key("force-exclude") {
            None => false,
            Some(value) => value.as_bool().ok_or(ConfigError::Shape {
                path: shown.clone(),
                key: "tool.dedupe-models.force-exclude",
                expected: "true or false",
            })?,
        };
        if key("skip-dirs").is_some() {
            settings.skip_dirs = Some(strings(key("skip-dirs"), "tool.dedupe-models.skip-dirs")?);
        }
        if key("select").is_some() {
            settings.select = Some(codes(key("select"), "tool.dedupe-models.select")?);
        }
        settings.ignore = codes(key("ignore"), "tool.dedupe-models.ignore")?;
        if let Some(table) = key("per-file-ignores") {
            let table = table.as_table().ok_or(ConfigError::Shape {
                path: shown.clone(),
                key: "tool.dedupe-models.per-file-ignores",
                expected: "a table of `\"glob\" = [\"DM001\", ...]`",
            })?;
            for (glob, value) in table {
                let codes = codes(Some(value), "tool.dedupe-models.per-file-ignores")?;
                settings.per_file_ignores.push((glob.clone(), codes));
            }
        }
        if let Some(canonical) = key("canonical") {
            let table = canonical.as_table().ok_or(ConfigError::Shape {
                path: shown.clone(),
                key: "tool.dedupe-models.canonical",
                expected: "a table of `table = \"module:Symbol\"`",
            })?;
            for (key, value) in table {
                let value = value.as_str().ok_or(ConfigError::Shape {
                    path: shown.clone(),
                    key: "tool.dedupe-models.canonical",
                    expected: "a table of `table = \"module:Symbol\"`",
                })?;
                settings.canonical.insert(key.clone(), value.to_owned());
            }
        }
        Ok(settings)
    }

    /// What the walk of this project leaves out, with the command line's say over it.
    pub fn exclude_set(
        &self,
        project_dir: &Path,
        overrides: &ExcludeOverrides,
    ) -> Result<Exclude, ConfigError> {
        let shown = project_dir.join("pyproject.toml").display().to_string();
        let patterns: Vec<&String> = overrides
            .exclude
            .as_ref()
            .unwrap_or(&self.exclude)
            .iter()
            .chain(&self.extend_exclude)
            .chain(&overrides.extend_exclude)
            .collect();
        Ok(Exclude {
            globs: glob_set(&patterns, &shown)?,
            force: self.force_exclude || overrides.force_exclude,
            skip_dirs: match &self.skip_dirs {
                Some(dirs) => dirs.clone(),
                None => MIGRATION_DIRS.iter().map(|d| (*d).to_owned()).collect(),
            },
        })
    }

    /// The `per-file-ignores` globs, compiled, each with its codes.
    pub fn per_file_ignores(
        &self,
        project_dir: &Path,
    ) -> Result<Vec<(Exclude, Vec<String>)>, ConfigError> {
        let shown = project_dir.join("pyproject.toml").display().to_string();
        self.per_file_ignores
            .iter()
            .map(|(glob, codes)| {
                let globs = glob_set(&[glob], &shown)?;
                Ok((
                    Exclude {
                        globs,
                        force: true,
                        skip_dirs: Vec::new(),
                    },
                    codes.clone(),
                ))
            })
            .collect()
    }
}

/// Glob patterns that match as ruff's do: against the path relative to the project, and against
/// the name of the file or of any folder it is in (`b.py` excludes `app/b.py`; `legacy`
/// excludes everything below a `legacy` folder).
#[derive(Debug, Clone, Default)]
pub struct Exclude {
    globs: GlobSet,
    /// Applies to files named on the command line too (`force-exclude`).
    pub force: bool,
    /// Folder names whose files are read aside and never reported on (migrations).
    pub skip_dirs: Vec<String>,
}

impl Exclude {
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// Whether `relative` (to the project directory), or a folder it is in, is excluded.
    pub fn is_match(&self, relative: &Path) -> bool {
        if self.globs.is_empty() {
            return false;
        }
        if self.globs.is_match(relative) {
            return true;
        }
        let mut ancestor = relative;
        loop {
            if ancestor.file_name().is_some_and(|n| self.globs.is_match(n)) {
                return true;
            }
            match ancestor.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => {
                    if self.globs.is_match(parent) {
                        return true;
                    }
                    ancestor = parent;
                }
                _ => return false,
            }
        }
    }

    /// Whether files in a folder of this name are read aside, not reported on.
    pub fn skips_dir(&self, name: &str) -> bool {
        self.skip_dirs.iter().any(|d| d == name)
    }
}

fn glob_set(patterns: &[&String], shown: &str) -> Result<GlobSet, ConfigError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
        let glob = Glob::new(trimmed).map_err(|e| ConfigError::Glob {
            path: shown.to_owned(),
            pattern: (*pattern).clone(),
            message: e.kind().to_string(),
        })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| ConfigError::Glob {
        path: shown.to_owned(),
        pattern: patterns
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        message: e.to_string(),
    })
}

/// The known word closest to `word` by edit distance, if it is close enough to be a typo.
pub fn closest(word: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exclude(patterns: &[&str]) -> Exclude {
        let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        let settings = ProjectSettings {
            exclude: patterns,
            ..Default::default()
        };
        settings
            .exclude_set(Path::new("/p"), &ExcludeOverrides::default())
            .unwrap()
    }

    #[test]
    fn patterns_match_as_ruffs_do() {
        let e = exclude(&["b.py"]);
        assert!(e.is_match(Path::new("app/b.py")));
        assert!(e.is_match(Path::new("b.py")));
        assert!(!e.is_match(Path::new("app/ab.py")));
        let e = exclude(&["legacy/"]);
        assert!(e.is_match(Path::new("legacy/models.py")));
        assert!(e.is_match(Path::new("src/legacy/deep/models.py")));
        let e = exclude(&["app/old_*.py"]);
        assert!(e.is_match(Path::new("app/old_user.py")));
        assert!(!e.is_match(Path::new("other/app/old_user.py")));
        let e = exclude(&["**/generated/*.py"]);
        assert!(e.is_match(Path::new("x/generated/m.py")));
    }

    #[test]
    fn a_typo_names_the_closest_key() {
        assert_eq!(closest("exlude", KEYS), Some("exclude"));
        assert_eq!(closest("per_file_ignores", KEYS), Some("per-file-ignores"));
        assert_eq!(closest("selct", KEYS), Some("select"));
        assert_eq!(closest("colour", KEYS), None);
    }
}
