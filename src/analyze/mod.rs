//! Findings: from the index and the run-time load model to the DM00x codes of DESIGN.md.

mod ambiguous_class_name;
mod connections;
pub mod dual_import_path;
pub mod duplicate_base;
mod duplicate_table;
pub mod extend_existing;
pub mod runtime;
pub mod score;
pub mod scripts;

use std::collections::{BTreeMap, HashSet};

use crate::index::facts::Span;
use crate::index::models::{BaseId, TableId};
use crate::index::module_map::FileId;
use crate::index::Index;
use crate::report::{Code, Finding, Report, Summary, TableRef, WarningOut};
pub use connections::Connections;
pub use duplicate_table::{check_pins, compare, differences, scored};
use runtime::Runtime;

/// Everything the checks share.
pub struct Context<'a> {
    pub index: &'a Index,
    pub runtime: Runtime,
    pub connections: Connections,
    /// Duplicate tables: definitions of one table that meet at run time or share one MetaData,
    /// canonical first.
    pub duplicates: Vec<Vec<TableId>>,
    /// For each database (connected metadata group), the base most of its tables use.
    pub primary: std::collections::HashMap<BaseId, BaseId>,
    /// The names of files imported under two (`dual_import_path`), once asked for.
    dual_names: dual_import_path::Names,
}

/// Table identity: the connected group of metadata, bind key, schema and name.
pub type TableKey = (BaseId, Option<String>, Option<String>, String);

impl<'a> Context<'a> {
    pub fn new(index: &'a Index) -> Context<'a> {
        let interesting: HashSet<FileId> = index.models.files().collect();
        let runtime = Runtime::build(index, &interesting);
        let connections = Connections::find(index);
        let mut context = Context {
            index,
            runtime,
            connections,
            duplicates: Vec::new(),
            primary: Default::default(),
            dual_names: Default::default(),
        };
        context.primary = duplicate_table::primary_bases(&context);
        context.duplicates = duplicate_table::clusters(&context);
        context
    }

    pub fn key(&self, table: TableId) -> TableKey {
        self.key_of(&self.index.models.tables[table])
    }

    /// The identity of any definition, one read aside from a migration folder too.
    pub fn key_of(&self, def: &crate::index::models::TableDef) -> TableKey {
        (
            self.connections.group(def.metadata),
            def.bind_key.clone(),
            def.schema.clone(),
            def.name.clone(),
        )
    }

    pub fn finding(&self, code: Code, file: FileId, offset: u32, message: String) -> Finding {
        let source = &self.index.files[file];
        let (line, column) = source.line_col(offset);
        // The name at `offset` (a class, a base, a flag, a module path): what an editor underlines.
        let name = source.text[offset as usize..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(source.text.len() - offset as usize);
        let (end_line, end_column) = source.line_col(offset + name.max(1) as u32);
        Finding {
            code,
            kind: code.kind(),
            table: None,
            path: source.display.clone(),
            line,
            column,
            end_line,
            end_column,
            symbol: None,
            canonical: None,
            score: None,
            message,
            fix: None,
            notes: Vec::new(),
        }
    }

    pub fn table_finding(
        &self,
        code: Code,
        table: TableId,
        offset: u32,
        message: String,
    ) -> Finding {
        let def = &self.index.models.tables[table];
        let mut finding = self.finding(code, def.file, offset, message);
        finding.table = Some(TableRef {
            table: def.name.clone(),
            schema: def.schema.clone(),
        });
        finding.symbol = Some(def.symbol.clone());
        finding
    }

    /// `path:line` of a definition, for messages.
    pub fn at(&self, file: FileId, offset: u32) -> String {
        let source = &self.index.files[file];
        format!("{}:{}", source.display, source.line_col(offset).0)
    }

    pub fn text(&self, file: FileId, span: Span) -> &str {
        &self.index.files[file].text[span.0 as usize..span.1 as usize]
    }

    pub fn base_name(&self, base: BaseId) -> String {
        let info = &self.index.models.bases[base];
        match info.file {
            Some(file) => format!("`{}` ({})", info.name, self.at(file, info.offset)),
            None => format!("`{}`", info.name),
        }
    }
}

pub fn check(index: &Index) -> Report {
    report(&Context::new(index))
}

/// The findings of every check, sorted, with the summary.
pub fn report(context: &Context) -> Report {
    let index = context.index;
    let mut findings = Vec::new();
    findings.extend(duplicate_table::findings(context));
    findings.extend(dual_import_path::findings(context));
    findings.extend(duplicate_base::findings(context));
    findings.extend(extend_existing::findings(context));
    findings.extend(ambiguous_class_name::findings(context));
    sort(&mut findings);
    let tables: BTreeMap<TableKey, ()> = (0..index.models.tables.len())
        .map(|t| (context.key(t), ()))
        .collect();
    Report {
        version: crate::report::VERSION,
        summary: Summary {
            files: index.live_files,
            tables: tables.len(),
            findings: findings.len(),
            not_understood: index.models.not_understood.len(),
            unseen_model_files: index.unseen_model_files(),
        },
        findings,
        warnings: index
            .warnings
            .iter()
            .map(|w| WarningOut {
                path: w.path.clone(),
                line: w.line,
                message: w.message.clone(),
            })
            .collect(),
        skipped: index.skipped_files(),
        unreadable: index.unreadable_files(),
        verify: None,
    }
}

/// The report's order: by path, line, column, then code.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, a.code).cmp(&(&b.path, b.line, b.column, b.code))
    });
}
