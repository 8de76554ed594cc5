//! Which files one Python process loads together, and under which module names.
//!
//! A process starts at an entry point: the whole test suite of a project (pytest loads every
//! conftest.py and test module together), or a module that nothing imports (a script, an app
//! entry point). It loads what it imports, transitively, including imports inside functions but
//! not those under `if TYPE_CHECKING:`. A module is identified by its name, so a file reached
//! under two names runs twice: that is how `src.models.user` and `models.user` collide.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use crate::index::module_map::{is_test_module, join, FileId, ModuleMap};
use crate::index::Index;

/// An absolute import statement: the importing file and the index of the site in its facts.
pub type SiteRef = (FileId, usize);

pub struct Runtime {
    /// For the files that were asked about: the processes that load them, ascending.
    loaded_by: HashMap<FileId, Vec<u32>>,
    /// Per file (index): each module name it was loaded under, with the absolute imports that use
    /// it, sorted. Empty for files no process loads.
    pub names: Vec<BTreeMap<String, Vec<SiteRef>>>,
    pub processes: usize,
    /// Per process (its number less one): what starts it.
    starts: Vec<Start>,
    /// The files that start a program.
    program_files: HashSet<FileId>,
    /// The files a test suite loads itself, not only through a program it imports to test it
    /// (`from docs_src.app_testing.main import app`).
    tests_load: HashSet<FileId>,
}

/// What a process starts at.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    /// A program: a script that no module imports and pytest does not collect, meant to run on
    /// its own (`FileFacts::runs_as_program`).
    Program,
    /// The test suite of a project.
    Suite,
    /// A module that nothing imports and that runs nothing: whoever imports it is not known.
    Module,
}

impl Runtime {
    /// Whether some process loads all the given files.
    pub fn meet(&self, files: &[FileId]) -> bool {
        let Some((first, rest)) = files.split_first() else {
            return false;
        };
        let Some(base) = self.loaded_by.get(first) else {
            return false;
        };
        base.iter().any(|p| {
            rest.iter().all(|f| {
                self.loaded_by
                    .get(f)
                    .is_some_and(|l| l.binary_search(p).is_ok())
            })
        })
    }

    /// Whether only programs load `file` (it is one, or only programs import it): each program
    /// runs in a process of its own, so two such files meet only when one program loads both,
    /// whatever MetaData they share (`SQLModel.metadata` in two tutorials). A test suite that
    /// imports a program to test it loads that program's files as the program does, and
    /// `meet` still sees the suite load two programs together; what the suite loads itself, and
    /// a module that nothing imports and that is no program, count as processes of the app.
    pub fn only_in_programs(&self, file: FileId) -> bool {
        self.loaded_by.get(&file).is_some_and(|processes| {
            processes
                .iter()
                .all(|&p| match self.starts.get(p as usize - 1) {
                    Some(Start::Program) => true,
                    Some(Start::Suite) => !self.tests_load.contains(&file),
                    _ => false,
                })
        })
    }

    /// Whether `file` is a program itself (not a module that programs import).
    pub fn is_program(&self, file: FileId) -> bool {
        self.program_files.contains(&file)
    }

    /// Files loaded under more than one module name, with those names.
    pub fn dual_loaded(&self) -> impl Iterator<Item = (FileId, &BTreeMap<String, Vec<SiteRef>>)> {
        self.names
            .iter()
            .enumerate()
            .filter(|(_, names)| names.len() > 1)
    }

    /// `interesting`: the files whose co-loading will be asked about (those that define models).
    pub fn build(index: &Index, interesting: &HashSet<FileId>) -> Runtime {
        let mut graph = Graph {
            index,
            map: &index.module_map,
            ids: vec![Vec::new(); index.files.len()],
            instances: Vec::new(),
        };
        let mut runtime = Runtime {
            loaded_by: HashMap::new(),
            names: vec![BTreeMap::new(); index.files.len()],
            processes: 0,
            starts: Vec::new(),
            program_files: HashSet::new(),
            tests_load: HashSet::new(),
        };
        let mut seen: Vec<u32> = Vec::new();
        let mut reached = vec![false; index.files.len()];

        let mut run = |graph: &mut Graph,
                       entries: Vec<usize>,
                       start: Start,
                       runtime: &mut Runtime,
                       reached: &mut Vec<bool>| {
            runtime.processes += 1;
            runtime.starts.push(start);
            let stamp = runtime.processes as u32;
            let mut queue = entries;
            while let Some(id) = queue.pop() {
                if seen.len() < graph.instances.len() {
                    seen.resize(graph.instances.len(), 0);
                }
                if seen[id] == stamp {
                    continue;
                }
                seen[id] = stamp;
                let file = graph.instances[id].file;
                reached[file] = true;
                if interesting.contains(&file) {
                    let list = runtime.loaded_by.entry(file).or_default();
                    if list.last() != Some(&stamp) {
                        list.push(stamp);
                    }
                }
                queue.extend_from_slice(graph.edges(id, &mut runtime.names));
            }
        };

        // The test suite of each project is one process.
        let mut suites: BTreeMap<Option<&std::path::Path>, Vec<usize>> = BTreeMap::new();
        for file in 0..index.live_files {
            if is_test_module(graph.map.path(file)) {
                let name = graph
                    .map
                    .pytest_name(file)
                    .map(str::to_owned)
                    .unwrap_or_else(|| graph.entry_name(file));
                let id = graph.instance(&name, file);
                suites.entry(index.project_of(file)).or_default().push(id);
            }
        }
        for (_, entries) in suites {
            run(
                &mut graph,
                entries.clone(),
                Start::Suite,
                &mut runtime,
                &mut reached,
            );
            // Again, without entering the programs the tests import: what is left is what the
            // tests load themselves. Only a main guard or a web application marks a program
            // here: an imported module's top-level call (`event.listen(...)`) is no sign of one.
            let mut queue = entries;
            let mut visited = HashSet::new();
            while let Some(id) = queue.pop() {
                let file = graph.instances[id].file;
                let facts = &index.files[file].facts;
                let program =
                    (facts.main_guard || facts.serves_app) && !is_test_module(graph.map.path(file));
                if program || !visited.insert(id) {
                    continue;
                }
                if interesting.contains(&file) {
                    runtime.tests_load.insert(file);
                }
                queue.extend_from_slice(graph.edges(id, &mut runtime.names));
            }
        }
        // Every other module that nothing imports is an entry point of its own (migration
        // folders, read aside, run under their own tools).
        let imported = statically_imported(index);
        for (file, &is_imported) in imported[..index.live_files].iter().enumerate() {
            if !is_imported && !is_test_module(graph.map.path(file)) {
                let id = graph.instance(&graph.entry_name(file), file);
                let start = if index.files[file].facts.runs_as_program() {
                    runtime.program_files.insert(file);
                    Start::Program
                } else {
                    Start::Module
                };
                run(&mut graph, vec![id], start, &mut runtime, &mut reached);
            }
        }
        // Model files only reachable through an import cycle nobody enters.
        let mut leftovers: Vec<FileId> = interesting
            .iter()
            .copied()
            .filter(|f| !reached[*f])
            .collect();
        leftovers.sort();
        for file in leftovers {
            if !reached[file] {
                let id = graph.instance(&graph.entry_name(file), file);
                run(
                    &mut graph,
                    vec![id],
                    Start::Module,
                    &mut runtime,
                    &mut reached,
                );
            }
        }
        // Sites were recorded once per instance that imports through them.
        for sites in runtime.names.iter_mut().flat_map(BTreeMap::values_mut) {
            sites.sort_unstable();
            sites.dedup();
        }
        runtime
    }
}

struct Instance {
    name: String,
    file: FileId,
    edges: Option<Vec<usize>>,
}

struct Graph<'a> {
    index: &'a Index,
    map: &'a ModuleMap,
    /// Keyed by name and file: pytest loads every `conftest.py` as `conftest`, each its own module.
    /// Per file: the names it is loaded under and their instances (rarely more than two).
    ids: Vec<Vec<(String, usize)>>,
    instances: Vec<Instance>,
}

impl<'a> Graph<'a> {
    fn entry_name(&self, file: FileId) -> String {
        self.map.names(file).first().map_or_else(
            || format!("<{}>", self.index.files[file].display),
            |n| n.name.clone(),
        )
    }

    fn instance(&mut self, name: &str, file: FileId) -> usize {
        if let Some(&(_, id)) = self.ids[file].iter().find(|(n, _)| n == name) {
            return id;
        }
        let id = self.instances.len();
        self.ids[file].push((name.to_owned(), id));
        self.instances.push(Instance {
            name: name.to_owned(),
            file,
            edges: None,
        });
        id
    }

    /// The instances an instance imports; computed once and recorded in `names`.
    fn edges(&mut self, id: usize, names: &mut [BTreeMap<String, Vec<SiteRef>>]) -> &[usize] {
        if self.instances[id].edges.is_none() {
            let edges = self.compute_edges(id, names);
            self.instances[id].edges = Some(edges);
        }
        self.instances[id].edges.as_deref().unwrap_or_default()
    }

    fn compute_edges(
        &mut self,
        id: usize,
        names: &mut [BTreeMap<String, Vec<SiteRef>>],
    ) -> Vec<usize> {
        let (index, map) = (self.index, self.map);
        let file = self.instances[id].file;
        let source = &index.files[file];
        let importer_name = self.instances[id].name.clone();
        let mut targets: Vec<(Cow<'a, str>, FileId, Option<usize>)> = Vec::new();
        for (site_index, site) in source.facts.imports.iter().enumerate() {
            // A fallback import runs only when its `try` body failed: not a name the module
            // runs under.
            if site.type_checking || site.fallback {
                continue;
            }
            if site.level == 0 {
                // Absolute: resolved once per file while indexing.
                for load in source.site_loads(site_index) {
                    if let Some(module) = load.module {
                        let name = Cow::Borrowed(map.module_name(module));
                        targets.push((name, load.file as FileId, Some(site_index)));
                    }
                }
                continue;
            }
            let is_package = map.is_package(file);
            match ModuleMap::relative_name(
                &importer_name,
                is_package,
                site.level,
                site.module.as_deref(),
            )
            .filter(|_| !importer_name.starts_with('<'))
            {
                Some(base) => {
                    let mut add = |name: String| {
                        if let Some(target) = map.resolve(&name, Some(file)) {
                            targets.push((Cow::Owned(name), target, None));
                        }
                    };
                    for imported in site.names.iter().filter(|n| n.name != "*") {
                        add(join(&base, &imported.name));
                    }
                    add(base);
                }
                // The importer has no module name (a script in a folder that is not a valid
                // package name): follow directories instead.
                None => {
                    for target in index.files_loaded_by(file, site_index) {
                        targets.push((Cow::Owned(self.entry_name(target)), target, None));
                    }
                }
            }
        }
        let mut edges = Vec::with_capacity(targets.len());
        for (name, target, site) in targets {
            let loaded_as = &mut names[target];
            let uses = match loaded_as.get_mut(name.as_ref()) {
                Some(uses) => uses,
                None => loaded_as.entry(name.to_string()).or_default(),
            };
            if let Some(site) = site {
                uses.push((file, site));
            }
            edges.push(self.instance(&name, target));
        }
        // The instance itself is loaded under its own name.
        names[file].entry(importer_name).or_default();
        edges
    }
}

/// Files that some (run-time) import statement in the project loads.
pub fn statically_imported(index: &Index) -> Vec<bool> {
    let loaded: Vec<Vec<FileId>> = index
        .files
        .par_iter()
        .enumerate()
        .map(|(file, source)| {
            source
                .facts
                .imports
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.type_checking)
                .flat_map(|(site, _)| index.files_loaded_by(file, site))
                .collect()
        })
        .collect();
    let mut imported = vec![false; index.files.len()];
    for target in loaded.into_iter().flatten() {
        imported[target] = true;
    }
    imported
}
