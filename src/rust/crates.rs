//! Which crates compile and link what: a crate's package, the libs it links (dev-dependencies
//! only for its own package's tests), the workspace a package belongs to, and the features only
//! test builds turn on.

use std::path::Path;

use super::manifest::DepKind;
use super::{ModPath, RustIndex};

impl RustIndex {
    /// The package of a crate's module.
    pub fn package_of(&self, module: &ModPath) -> usize {
        self.crates[module.0].package
    }

    /// The lib crate of the package a dependency name means, seen from `package`.
    pub fn dependency_crate(&self, package: usize, name: &str) -> Option<usize> {
        let dep = self.packages[package]
            .dependencies
            .iter()
            .find(|d| d.name == name)?;
        let target = dep.target?;
        self.crates
            .iter()
            .position(|c| c.package == target && c.lib)
    }

    /// The workspace a package belongs to: the deepest `[workspace]` directory above it, else
    /// its own directory.
    pub fn workspace_of(&self, package: usize) -> &Path {
        let dir = &self.packages[package].dir;
        self.workspaces
            .iter()
            .filter(|w| dir.starts_with(w))
            .max_by_key(|w| w.components().count())
            .unwrap_or(dir)
    }

    /// The crates compiled into crate `krate` (in any of its builds): itself, its package's
    /// lib (for a binary, test or example), and the libs of the packages it links (see
    /// `linked`).
    pub fn reach(&self, krate: usize) -> Vec<usize> {
        let package = self.crates[krate].package;
        let mut out = vec![krate];
        for p in self.linked(package) {
            out.extend(
                (0..self.crates.len())
                    .filter(|&c| c != krate && self.crates[c].package == p && self.crates[c].lib),
            );
        }
        out
    }

    /// The packages whose libs a build of one of `package`'s crates links: itself, its own
    /// dependencies and dev-dependencies, and their dependencies, transitively. Another
    /// package's dev-dependencies are its own tests' (Cargo never builds them for a package
    /// that depends on it), and build-dependencies link only into a build script.
    pub fn linked(&self, package: usize) -> Vec<usize> {
        self.dependencies_of(package, |p, kind| match kind {
            DepKind::Normal => true,
            DepKind::Dev => p == package,
            DepKind::Build => false,
        })
    }

    /// `package` and the packages reached from it through the dependencies `follow` takes
    /// (given the package that declares one and its kind), transitively.
    fn dependencies_of(
        &self,
        package: usize,
        follow: impl Fn(usize, DepKind) -> bool,
    ) -> Vec<usize> {
        let mut seen = vec![package];
        let mut queue = vec![package];
        while let Some(p) = queue.pop() {
            for dep in &self.packages[p].dependencies {
                if let Some(d) = dep
                    .target
                    .filter(|d| follow(p, dep.kind) && !seen.contains(d))
                {
                    seen.push(d);
                    queue.push(d);
                }
            }
        }
        seen
    }

    /// The features of `package` that only test builds of its workspace turn on: named by a
    /// `[dev-dependencies]` entry on it (SeaORM's `sea-orm = { path = ".", features =
    /// ["tests-cfg"] }`), and neither in its `default` nor named by a `[dependencies]` entry on
    /// it or a feature of a package of its workspace, directly or through its other features.
    /// A package in another workspace (a reproducer under `issues/` with its own
    /// `[workspace]`) is another project, as for DM001 itself. A `workspace = true` dependency
    /// on it may enable any (its features are the workspace's): then none is.
    pub(super) fn dev_only_features(&self, package: usize) -> Vec<String> {
        let features = &self.packages[package].features;
        let workspace = self.workspace_of(package);
        let members = || {
            (0..self.packages.len())
                .filter(move |&p| self.workspace_of(p) == workspace)
                .map(|p| &self.packages[p])
        };
        let on_package = || {
            members()
                .flat_map(|p| &p.dependencies)
                .filter(move |d| d.target == Some(package))
        };
        if on_package().any(|d| d.kind != DepKind::Dev && d.workspace) {
            return Vec::new();
        }
        let name = &self.packages[package].name;
        let mut normal: Vec<String> = features
            .iter()
            .filter(|(f, _)| f == "default")
            .map(|(f, _)| f.clone())
            .collect();
        normal.extend(
            on_package()
                .filter(|d| d.kind != DepKind::Dev)
                .flat_map(|d| d.features.iter().cloned()),
        );
        for (_, enables) in members().flat_map(|p| &p.features) {
            normal.extend(enables.iter().filter_map(|e| {
                let (dep, feature) = e.split_once('/')?;
                (dep.trim_end_matches('?') == name).then(|| feature.to_owned())
            }));
        }
        let mut i = 0;
        while i < normal.len() {
            if let Some((_, enables)) = features.iter().find(|(f, _)| *f == normal[i]) {
                for e in enables {
                    if !e.contains(['/', ':']) && !normal.contains(e) {
                        normal.push(e.clone());
                    }
                }
            }
            i += 1;
        }
        let mut dev: Vec<String> = on_package()
            .filter(|d| d.kind == DepKind::Dev)
            .flat_map(|d| d.features.iter().cloned())
            .filter(|f| !normal.contains(f))
            .collect();
        dev.sort();
        dev.dedup();
        dev
    }

    /// The packages `package` depends on, itself included, transitively, through every kind
    /// of dependency.
    pub fn closure(&self, package: usize) -> Vec<usize> {
        self.dependencies_of(package, |_, _| true)
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn write(dir: &Path, files: &[(&str, &str)]) -> Vec<PathBuf> {
        files
            .iter()
            .map(|(path, text)| {
                let path = dir.join(path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, text).unwrap();
                path
            })
            .collect()
    }

    const LIB: &str = r#"[workspace]
members = ["app"]

[package]
name = "shop"
version = "0.1.0"

[dev-dependencies]
shop = { path = ".", features = ["tests-cfg", "mock"] }

[features]
default = ["json"]
json = ["mock"]
mock = []
tests-cfg = []
"#;

    /// A reproducer in a workspace of its own that turns the feature on: another project.
    const REPRODUCER: &str = r#"[workspace]

[package]
name = "issue"
version = "0.1.0"

[dependencies]
shop = { path = "../..", features = ["tests-cfg"] }
"#;

    /// A program of the workspace that turns it on.
    const APP: &str = r#"[package]
name = "app"
version = "0.1.0"

[dependencies]
shop = { path = "..", features = ["tests-cfg"] }
"#;

    #[test]
    fn a_feature_only_dev_dependencies_turn_on_is_test_code_until_a_program_of_its_workspace_does()
    {
        let dir = tempfile::tempdir().unwrap();
        let root = crate::paths::normalize(dir.path());
        let files = [
            ("Cargo.toml", LIB),
            ("src/lib.rs", ""),
            ("issues/1/Cargo.toml", REPRODUCER),
            ("issues/1/src/main.rs", ""),
        ];
        let mut sources = write(&root, &files);
        let shop = |index: &super::RustIndex| {
            let found = index.packages.iter().position(|p| p.name == "shop");
            found.unwrap()
        };
        let index = super::RustIndex::build(&sources, &root);
        // `mock` is on by default, through `json`.
        assert_eq!(index.dev_only_features(shop(&index)), ["tests-cfg"]);

        let app = [("app/Cargo.toml", APP), ("app/src/main.rs", "")];
        sources.extend(write(&root, &app));
        let index = super::RustIndex::build(&sources, &root);
        assert!(index.dev_only_features(shop(&index)).is_empty());
    }
}
