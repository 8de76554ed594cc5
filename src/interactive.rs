//! The interactive `--fix`: a person decides per table, per change and per file, and gets back
//! the plan they accepted. This module only chooses; the caller applies the plan with the same
//! code as `--fix --yes`, and nothing here writes a file.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use dialoguer::console::{style, Term};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Select};

use crate::analyze::{compare, scored, Context};
use crate::index::module_map::FileId;
use crate::plan::{self, apply_edits, lost_fields, Change, Lossy, Plan, PlanOptions};
use crate::render::{file_diff, text_diff};
use crate::rust::{RustRun, TableId};
use crate::Accepted;

const REVIEW_HELP: &str = "\
y - apply this file's changes
n - leave this file unchanged (changes elsewhere that need it are left out too)
a - apply this file's changes and those of every remaining file
q - quit; nothing is written
? - show this help";

/// Runs the session on `term`; `None` when the person quits (nothing may be written then).
/// `rust` is the Rust side of the project, whose duplicates are offered one by one.
pub fn session(
    ctx: &Context,
    options: &PlanOptions,
    rust: Option<&RustRun>,
    term: &Term,
    color: bool,
) -> io::Result<Option<Accepted>> {
    let theme: Box<dyn Theme> = if color {
        Box::new(ColorfulTheme::default())
    } else {
        Box::new(SimpleTheme)
    };
    let mut session = Session {
        ctx,
        options: options.clone(),
        rust,
        rust_left: BTreeSet::new(),
        term,
        theme,
        color,
    };
    if !session.choose_tables()? {
        return Ok(None);
    }
    session.choose_changes()?;
    if !session.choose_rust()? {
        return Ok(None);
    }
    let Some(plan) = session.review()? else {
        return Ok(None);
    };
    session.confirm(plan)
}

struct Session<'s, 'a> {
    ctx: &'s Context<'a>,
    options: PlanOptions,
    rust: Option<&'s RustRun>,
    /// The Rust duplicates the person chose to leave.
    rust_left: BTreeSet<TableId>,
    term: &'s Term,
    theme: Box<dyn Theme>,
    color: bool,
}

impl Session<'_, '_> {
    fn plan(&self) -> Plan {
        plan::plan(self.ctx, &self.options)
    }

    fn say(&self, line: impl AsRef<str>) -> io::Result<()> {
        self.term.write_line(line.as_ref())
    }

    /// One of `items`, the first by default; `None` when the person presses Esc or `q`.
    fn select(&self, prompt: &str, items: &[String]) -> io::Result<Option<usize>> {
        Select::with_theme(&*self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .interact_on_opt(self.term)
            .map_err(io_error)
    }

    /// Step 1: the definition to keep for each duplicated table, and what to do with the columns
    /// only the others have. `false` when the person quits.
    fn choose_tables(&mut self) -> io::Result<bool> {
        for index in 0..self.ctx.duplicates.len() {
            self.show_table(index)?;
            loop {
                if !self.choose_table(index)? {
                    return Ok(false);
                }
                // A choice the plan cannot carry out is said at once, and asked again.
                let plan = self.plan();
                match plan.tables_left.get(&index) {
                    Some(why) if !self.options.choices.leave.contains(&Change::Table(index)) => {
                        self.say(format!("  That cannot be done: {why}. Choose again."))?;
                        self.options.choices.canonical.remove(&index);
                        self.options.choices.lossy.remove(&index);
                    }
                    _ => break,
                }
            }
        }
        Ok(true)
    }

    /// The definitions of one duplicated table, their scores, and how their schemas differ.
    fn show_table(&self, index: usize) -> io::Result<()> {
        let ctx = self.ctx;
        let tables = &ctx.index.models.tables;
        let cluster = &ctx.duplicates[index];
        let best = &tables[cluster[0]];
        self.say("")?;
        self.say(format!(
            "{} table `{}` is defined {} times ({} of {})",
            style("DM001").bold(),
            best.name,
            cluster.len(),
            index + 1,
            ctx.duplicates.len()
        ))?;
        for (n, (table, score, _)) in scored(ctx, cluster).iter().enumerate() {
            let def = &tables[*table];
            self.say(format!(
                "  {}. `{}` at {} on {}",
                n + 1,
                def.symbol,
                ctx.at(def.file, def.offset),
                ctx.base_name(def.registry)
            ))?;
            self.say(format!("     {}", score.explain()))?;
        }
        for (n, &table) in cluster.iter().enumerate().skip(1) {
            for line in compare(&tables[table], best) {
                self.say(format!("     {}. vs 1.: {line}", n + 1))?;
            }
        }
        Ok(())
    }

    /// Asks which definition to keep and, when the others have more, whether to merge or drop
    /// it. `false` when the person quits.
    fn choose_table(&mut self, index: usize) -> io::Result<bool> {
        let ctx = self.ctx;
        let tables = &ctx.index.models.tables;
        let cluster = &ctx.duplicates[index];
        let mut items: Vec<String> = scored(ctx, cluster)
            .iter()
            .map(|(table, score, _)| {
                let def = &tables[*table];
                format!(
                    "`{}` at {} (score {})",
                    def.symbol,
                    ctx.at(def.file, def.offset),
                    score.total
                )
            })
            .collect();
        items.push("leave this table as it is".into());
        let prompt = format!("Keep which definition of `{}`?", tables[cluster[0]].name);
        let Some(choice) = self.select(&prompt, &items)? else {
            return Ok(false);
        };
        if choice == cluster.len() {
            self.options.choices.leave.insert(Change::Table(index));
            return Ok(true);
        }
        let kept = cluster[choice];
        if choice != 0 {
            self.options.choices.canonical.insert(index, kept);
        }
        let keep = &tables[kept];
        let mut losses = Vec::new();
        for &other in cluster.iter().filter(|&&t| t != kept) {
            let def = &tables[other];
            let lost = lost_fields(def, keep);
            if !lost.is_empty() {
                losses.push(format!(
                    "  `{}` at {} has {} that `{}` lacks",
                    def.symbol,
                    ctx.at(def.file, def.offset),
                    lost.join(", "),
                    keep.symbol
                ));
            }
        }
        if losses.is_empty() {
            return Ok(true);
        }
        for line in &losses {
            self.say(line)?;
        }
        let items = [
            format!("merge them into `{}` (copy their definitions)", keep.symbol),
            format!(
                "drop them (`{}` goes without them; the database keeps its columns)",
                keep.symbol
            ),
            "leave this table as it is".into(),
        ];
        let Some(choice) = self.select("What about them?", &items)? else {
            return Ok(false);
        };
        match choice {
            0 => drop(self.options.choices.lossy.insert(index, Lossy::Merge)),
            1 => drop(self.options.choices.lossy.insert(index, Lossy::Drop)),
            _ => drop(self.options.choices.leave.insert(Change::Table(index))),
        }
        Ok(true)
    }

    /// Step 2: every other change in one line, accepted or left out.
    fn choose_changes(&mut self) -> io::Result<()> {
        let mut plan = self.plan();
        let changes = changes(&plan);
        if changes.is_empty() {
            return Ok(());
        }
        self.say("")?;
        let count = changes.len();
        self.say(format!("{count} other {}:", plural(count, "change")))?;
        for (change, (file, edits)) in changes {
            let source = &self.ctx.index.files[file];
            let first = &edits[0];
            let more = match edits.len() {
                1 => String::new(),
                n => format!(" (and {} more edits)", n - 1),
            };
            let line = format!(
                "{} {}:{}: {}{more}",
                code(change),
                source.display,
                source.line_col(first.0).0,
                first.1
            );
            if !changes_of(&plan).contains(&change) {
                self.say(format!(
                    "  {line}: not possible any more after your choices"
                ))?;
                continue;
            }
            self.say(format!("  {line}"))?;
            let yes = Confirm::with_theme(&*self.theme)
                .with_prompt("  Make this change?")
                .default(true)
                .interact_on(self.term)
                .map_err(io_error)?;
            if !yes {
                self.options.choices.leave.insert(change);
                plan = self.plan();
            }
        }
        Ok(())
    }

    /// Step 2b: each Rust duplicate with the diff of its fix, fixed or left. `false` when the
    /// person quits.
    fn choose_rust(&mut self) -> io::Result<bool> {
        let Some(rust) = self.rust else {
            return Ok(true);
        };
        let offers = rust.offers();
        for (n, offer) in offers.iter().enumerate() {
            let finding = &offer.finding;
            self.say("")?;
            self.say(format!(
                "{} Rust {}:{}: {} ({} of {})",
                style("DM001").bold(),
                finding.path,
                finding.line,
                finding.table.as_ref().map_or_else(
                    || "duplicate".to_owned(),
                    |t| format!("table `{}` declared again", t.table)
                ),
                n + 1,
                offers.len()
            ))?;
            for note in &finding.notes {
                self.say(format!("  {note}"))?;
            }
            if let Some(why) = &offer.left {
                self.say(format!("  not fixed: {why}"))?;
                continue;
            }
            let mut reasons = BTreeSet::new();
            for file in &offer.files {
                for edit in &file.edits {
                    if reasons.insert(&edit.reason) {
                        self.say(format!("  - {}", edit.reason))?;
                    }
                }
            }
            for file in &offer.files {
                let diff = text_diff(&file.display, &file.original, &file.new_text(), self.color);
                self.term.write_str(&diff)?;
            }
            let items = ["fix it".to_owned(), "leave it as it is".to_owned()];
            match self.select("Fix this duplicate?", &items)? {
                None => return Ok(false),
                Some(0) => {}
                Some(_) => drop(self.rust_left.insert(offer.table)),
            }
        }
        Ok(true)
    }

    /// Step 3: the diff file by file. `None` when the person quits.
    fn review(&mut self) -> io::Result<Option<Plan>> {
        let ctx = self.ctx;
        let mut plan = self.plan();
        // Accepted files and the text they were accepted with.
        let mut accepted: BTreeMap<FileId, String> = BTreeMap::new();
        let mut all = false;
        // Files shown so far (a file shown again counts again).
        let mut shown = 0;
        if !plan.files.is_empty() {
            self.say("")?;
            self.say(format!(
                "Review the changes, file by file ({} files; ? for help):",
                plan.files.len()
            ))?;
        }
        while let Some(file) = plan
            .files
            .keys()
            .copied()
            .filter(|f| !accepted.contains_key(f))
            .min_by(|a, b| {
                ctx.index.files[*a]
                    .display
                    .cmp(&ctx.index.files[*b].display)
            })
        {
            let new = apply_edits(&ctx.index.files[file].text, &plan.files[&file].edits);
            if all {
                accepted.insert(file, new);
                continue;
            }
            let display = &ctx.index.files[file].display;
            self.say("")?;
            shown += 1;
            let later = plan.files.len() - accepted.len() - 1;
            self.say(format!(
                "{} ({shown} of {})",
                style(display).bold(),
                shown + later
            ))?;
            let mut reasons = BTreeSet::new();
            for edit in &plan.files[&file].edits {
                if reasons.insert(&edit.reason) {
                    self.say(format!("  - {}", edit.reason))?;
                }
            }
            let diff = file_diff(ctx.index, file, &plan.files[&file], self.color);
            self.term.write_str(&diff)?;
            match self.key(&format!("Apply the changes to {display}? [y,n,a,q,?] "))? {
                'y' => {
                    accepted.insert(file, new);
                }
                'a' => {
                    all = true;
                    accepted.insert(file, new);
                }
                'q' => return Ok(None),
                'n' => {
                    self.options.choices.frozen.insert(file);
                    plan = self.plan();
                    // Changes elsewhere may have needed this file: look at those again.
                    for (other, text) in accepted.clone() {
                        let name = &ctx.index.files[other].display;
                        match plan.files.get(&other) {
                            None => {
                                accepted.remove(&other);
                                self.say(format!(
                                    "  {name} is left unchanged too: its changes needed {display}"
                                ))?;
                            }
                            Some(p)
                                if apply_edits(&ctx.index.files[other].text, &p.edits) != text =>
                            {
                                accepted.remove(&other);
                                self.say(format!("  the changes to {name} needed {display}; it will be shown again"))?;
                            }
                            Some(_) => {}
                        }
                    }
                }
                _ => unreachable!("key() returns only the keys above"),
            }
        }
        Ok(Some(plan))
    }

    /// Reads one of the review keys; `?` and anything else show the help and ask again.
    fn key(&self, prompt: &str) -> io::Result<char> {
        loop {
            self.term.write_str(prompt)?;
            let key = self.term.read_char()?;
            self.say(key.to_string())?;
            match key.to_ascii_lowercase() {
                c @ ('y' | 'n' | 'a' | 'q') => return Ok(c),
                _ => self.say(REVIEW_HELP)?,
            }
        }
    }

    /// Step 4: what will be written, and one confirmation.
    fn confirm(&self, plan: Plan) -> io::Result<Option<Accepted>> {
        let rust = self.rust.map(|r| r.plan_leaving(&self.rust_left));
        let rust_files = rust.as_ref().map_or(0, |r| r.files.len());
        let accepted = Accepted {
            plan,
            rust_left: self.rust_left.clone(),
        };
        if accepted.plan.files.is_empty() && rust_files == 0 {
            return Ok(Some(accepted));
        }
        let plan = &accepted.plan;
        let tables: BTreeSet<Change> = plan
            .files
            .values()
            .flat_map(|f| f.edits.iter().map(|e| e.change))
            .filter(|c| matches!(c, Change::Table(_)))
            .collect();
        let (mut added, mut removed) = (0, 0);
        let mut count = |old: &str, new: &str| {
            for change in similar::TextDiff::from_lines(old, new).iter_all_changes() {
                match change.tag() {
                    similar::ChangeTag::Insert => added += 1,
                    similar::ChangeTag::Delete => removed += 1,
                    similar::ChangeTag::Equal => {}
                }
            }
        };
        for (&file, file_plan) in &plan.files {
            let old = &self.ctx.index.files[file].text;
            count(old, &apply_edits(old, &file_plan.edits));
        }
        for file in rust.iter().flat_map(|r| r.files.values()) {
            count(&file.original, &file.new_text());
        }
        // Each Rust duplicate fixed is a table declared once more.
        let rust_tables = self.rust.map_or(0, |r| {
            r.findings
                .iter()
                .filter(|f| f.code == crate::report::Code::DM001)
                .count()
                .saturating_sub(self.rust_left.len())
        });
        let rust_tables = if rust_files == 0 { 0 } else { rust_tables };
        let files = plan.files.len() + rust_files;
        let tables = tables.len() + rust_tables;
        self.say("")?;
        self.say(format!(
            "Ready: {files} {}, {tables} duplicated {}, +{added} -{removed} lines.",
            plural(files, "file"),
            plural(tables, "table"),
        ))?;
        let yes = Confirm::with_theme(&*self.theme)
            .with_prompt("Write these changes?")
            .interact_on(self.term)
            .map_err(io_error)?;
        Ok(yes.then_some(accepted))
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// The plan's changes other than tables and import clean-up, each with its file and its edits
/// (offset, reason), in the order DM002, DM003, DM004, DM005.
fn changes(plan: &Plan) -> BTreeMap<Change, (FileId, Vec<(u32, String)>)> {
    let mut out: BTreeMap<Change, (FileId, Vec<(u32, String)>)> = BTreeMap::new();
    for (&file, file_plan) in &plan.files {
        for edit in &file_plan.edits {
            if matches!(edit.change, Change::Table(_) | Change::Cleanup) {
                continue;
            }
            out.entry(edit.change)
                .or_insert_with(|| (file, Vec::new()))
                .1
                .push((edit.edit.start, edit.reason.clone()));
        }
    }
    out
}

fn changes_of(plan: &Plan) -> BTreeSet<Change> {
    plan.files
        .values()
        .flat_map(|f| f.edits.iter().map(|e| e.change))
        .collect()
}

fn code(change: Change) -> &'static str {
    match change {
        Change::Table(_) => "DM001",
        Change::DualPath(_) => "DM002",
        Change::Base(_) => "DM003",
        Change::BandAid(..) => "DM004",
        Change::Qualify(..) => "DM005",
        Change::Cleanup => "",
    }
}

fn io_error(err: dialoguer::Error) -> io::Error {
    match err {
        dialoguer::Error::IO(err) => err,
    }
}
