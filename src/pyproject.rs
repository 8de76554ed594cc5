//! One project's settings, read from its pyproject.toml: the import roots that pytest,
//! setuptools and `[tool.dedupe-models]` declare, what not to scan, and canonical choices.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::paths::normalize;

/// Settings read from one project's pyproject.toml.
#[derive(Debug, Default, Clone)]
pub struct ProjectSettings {
    /// Extra import roots (absolute), from pytest's `pythonpath`, setuptools' `where` and our `roots`.
    pub roots: Vec<PathBuf>,
    /// Glob patterns, relative to the project directory, whose files are not scanned.
    pub exclude: Vec<String>,
    /// `table name -> "module:Symbol"` choices of the canonical definition.
    pub canonical: BTreeMap<String, String>,
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
        let pytest = tool
            .and_then(|t| t.get("pytest"))
            .and_then(|t| t.get("ini_options"));
        let setuptools_where = tool
            .and_then(|t| t.get("setuptools"))
            .and_then(|t| t.get("packages"))
            .and_then(|t| t.get("find"))
            .and_then(|t| t.get("where"));
        let ours = tool.and_then(|t| t.get("dedupe-models"));
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
        settings.exclude = strings(
            ours.and_then(|o| o.get("exclude")),
            "tool.dedupe-models.exclude",
        )?;
        if let Some(canonical) = ours.and_then(|o| o.get("canonical")) {
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

    pub fn exclude_set(&self, project_dir: &Path) -> Result<GlobSet, ConfigError> {
        let mut builder = GlobSetBuilder::new();
        for pattern in &self.exclude {
            let glob = Glob::new(pattern).map_err(|e| ConfigError::Glob {
                path: project_dir.join("pyproject.toml").display().to_string(),
                pattern: pattern.clone(),
                message: e.kind().to_string(),
            })?;
            builder.add(glob);
            // `legacy/` should exclude everything below it, as in .gitignore.
            if !pattern.contains('*') {
                if let Ok(glob) = Glob::new(&format!("{}/**", pattern.trim_end_matches('/'))) {
                    builder.add(glob);
                }
            }
        }
        builder.build().map_err(|e| ConfigError::Glob {
            path: project_dir.join("pyproject.toml").display().to_string(),
            pattern: self.exclude.join(", "),
            message: e.to_string(),
        })
    }
}
