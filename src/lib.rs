//! dedupe-models: find SQLAlchemy / SQLModel / Flask-SQLAlchemy tables that a Python codebase
//! defines more than once, and the causes behind them.
//!
//! The pipeline: walk -> parse -> index -> analyze -> plan -> render | apply, and `verify`,
//! which checks the models, and the fix, with the project's own Python.

pub mod analyze;
pub mod apply;
pub mod cli;
pub mod config;
pub mod index;
pub mod interactive;
pub mod paths;
pub mod plan;
pub mod progress;
pub mod pyproject;
pub mod python;
pub mod render;
pub mod report;
pub mod rules;
pub mod rust;
pub mod source;
pub mod suppress;
pub mod verify;
pub mod walk;

/// Scans the configured paths and returns the report; with `--verify`, with what the project's
/// Python says about its models.
pub fn check(config: &config::Config) -> Result<report::Report, Error> {
    let index = index::Index::build(&config.scope)?;
    analyze::check_pins(&index, &config.scope.cwd).map_err(Error::Pin)?;
    let rules = rules(config, &index)?;
    let report = {
        let context = analyze::Context::new(&index);
        let mut report = analyze::report(&context);
        // A Rust workspace without Python models needs no Python for `--verify`: the Rust
        // side is verified when it is fixed (`cargo check` of the fixed copy).
        let python_models = !(index.models.tables.is_empty()
            && index.models.bases.is_empty()
            && !index.rust_sources.is_empty());
        if let Some(settings) = config.verify.as_ref().filter(|_| python_models) {
            verify::check(&context, &config.scope, settings)?.add_to(&mut report);
        }
        let rust = rust::run(
            &index.rust_sources,
            &config.scope.cwd,
            config.plan.merge_columns,
        );
        if let Some(rust) = &rust {
            rust.add_to(&mut report);
        }
        if config.format == config::Format::Json {
            if let Some(mut rust) = rust {
                // The Rust plan `--diff` prints: without the fixes of the findings not shown.
                rust.leave(&Default::default(), |f| {
                    rules.hides(&index, f) || !f.is_under(&config.scope.paths, &config.scope.cwd)
                });
                rust.attach_fixes(&mut report.findings);
            }
            // The plan `--diff` would print, so that each finding's fix is what the diff shows.
            let options = plan::PlanOptions {
                protected: apply::protected(&index),
                ..config.plan.clone()
            };
            let visible = visible(&context, &rules, &config.scope, &options);
            let plan = whole_plan(&context, &visible.options, visible.plan);
            suppress::Fixes::new(&index, &plan).attach(&rules, &mut report);
        }
        rules.apply(&index, &mut report);
        report.retain_under(&config.scope.paths, &config.scope.cwd);
        report
    };
    release(index);
    Ok(report)
}

/// The codes the user chose to see, from the projects' pyproject.toml and the command line.
fn rules(config: &config::Config, index: &index::Index) -> Result<suppress::Rules, Error> {
    Ok(suppress::Rules::new(
        index,
        &config.scope.cwd,
        config.selection.select.as_deref(),
        &config.selection.ignore,
    )?)
}

/// `options`, leaving out of the plan what fixes a finding that is not reported: one the user
/// chose not to see (`# noqa`, `ignore`, ...), or one outside the PATHs given (unless a reported
/// finding needs the same change, importers outside the PATHs included): what is not reported
/// is not fixed. With the places of those findings, where the plan must not explain why it left
/// something alone (`quiet`).
fn visible(
    context: &analyze::Context,
    rules: &suppress::Rules,
    scope: &index::Scope,
    options: &plan::PlanOptions,
) -> Visible {
    let index = context.index;
    let report = analyze::report(context);
    let first = plan::plan(context, options);
    let chosen = |f: &report::Finding| rules.hides(index, f);
    let reported = |f: &report::Finding| f.is_under(&scope.paths, &scope.cwd);
    let needed = rules.changes_of(index, &report, &first, |f| !chosen(f) && reported(f));
    let outside = rules.changes_of(index, &report, &first, |f| !chosen(f) && !reported(f));
    let mut options = options.clone();
    let left = options.choices.leave.len();
    options
        .choices
        .leave
        .extend(rules.changes_of(index, &report, &first, chosen));
    options
        .choices
        .leave
        .extend(outside.difference(&needed).copied());
    let hidden = report
        .findings
        .iter()
        .filter(|f| chosen(f) || !reported(f))
        .map(|f| (f.path.clone(), f.line))
        .collect();
    // With nothing more left out, the plan is the one just made.
    let plan = (options.choices.leave.len() == left).then_some(first);
    Visible {
        options,
        hidden,
        plan,
    }
}

/// What `visible` found.
struct Visible {
    /// The options without the fixes of what is not reported.
    options: plan::PlanOptions,
    /// The places of the findings not reported, for `quiet`.
    hidden: Vec<(String, u32)>,
    /// The plan made with `options`, when `visible` already made it.
    plan: Option<plan::Plan>,
}

/// Drops the plan's `skipped:` lines about findings the user chose not to see.
fn quiet(plan: &mut plan::Plan, hidden: &[(String, u32)]) {
    plan.skipped.retain(|s| {
        !hidden
            .iter()
            .any(|(path, line)| *path == s.path && *line == s.line)
    });
}

/// `--show-tables`: every table definition the index understood, in the configured format, and
/// the index's warnings (files it could not read, models it could not tie to a base).
pub fn show_tables(config: &config::Config) -> Result<(String, Vec<index::Warning>), Error> {
    let index = index::Index::build(&config.scope)?;
    let rust = rust::index(&index.rust_sources, &config.scope.cwd);
    let listing = match config.format {
        config::Format::Json => render::tables_json(&index, rust.as_ref()),
        // The command line refuses the other machine formats with --show-tables.
        _ => render::tables_text(&index, rust.as_ref()),
    };
    let mut warnings = index.warnings.clone();
    warnings.extend(rust.iter().flat_map(|r| r.warnings.iter().cloned()));
    release(index);
    Ok((listing, warnings))
}

/// Frees the index on a thread of its own: freeing every file's text and facts is a sixth of the
/// instructions a large run spends outside the parallel parse, and nothing waits for it (a
/// process that exits first leaves the freeing to the operating system).
fn release(index: index::Index) {
    std::thread::spawn(move || drop(index));
}

/// What `--diff` prints: the unified diff, and what the plan leaves alone.
pub struct DiffOutput {
    /// The patch's bytes: each file's part in that file's own encoding and line endings.
    pub diff: Vec<u8>,
    pub skipped: Vec<plan::Skipped>,
    pub notes: Vec<plan::Skipped>,
    pub warnings: Vec<index::Warning>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] pyproject::ConfigError),
    #[error("{0}")]
    Unparsable(String),
    #[error(transparent)]
    Apply(#[from] apply::ApplyError),
    #[error("the terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error(transparent)]
    Verify(#[from] verify::VerifyError),
    /// A `[tool.dedupe-models.canonical]` pin that names no definition of its table.
    #[error("{0}")]
    Pin(String),
    /// `--verify` found the fixed copy worse; nothing was written.
    #[error("{}", .0.refusal())]
    Worse(Box<verify::Verdict>),
    /// `--verify` found that `cargo check` of the fixed copy has new errors; nothing was written.
    #[error("{}", .0.refusal())]
    RustWorse(Box<verify::CargoVerdict>),
}

/// What `--fix --yes` did.
pub struct FixOutput {
    pub written: usize,
    pub skipped: Vec<plan::Skipped>,
    pub notes: Vec<plan::Skipped>,
    pub warnings: Vec<index::Warning>,
    /// Findings a fresh check still reports after the fix.
    pub remaining: usize,
    /// With `--verify`: how the fix fared under Python.
    pub verdict: Option<verify::Verdict>,
    /// With `--verify`: how the Rust fix fared under `cargo check`.
    pub rust_verdict: Option<verify::CargoVerdict>,
}

/// Plans the fix, applies all of it, all or nothing, then checks again (`--fix --yes`).
pub fn fix(
    config: &config::Config,
    options: &plan::PlanOptions,
    safety: apply::Safety,
) -> Result<FixOutput, Error> {
    let plan = |context: &analyze::Context,
                options: &plan::PlanOptions,
                _: Option<&rust::RustRun>,
                made: Option<plan::Plan>| {
        Ok(Some(Accepted {
            plan: whole_plan(context, options, made),
            rust_left: Default::default(),
        }))
    };
    Ok(fix_with(config, options, safety, plan)?.expect("the whole plan is always accepted"))
}

/// What a person accepted in the interactive `--fix`.
pub struct Accepted {
    /// The Python plan made with their choices.
    pub plan: plan::Plan,
    /// The Rust duplicates they chose to leave as they are.
    pub rust_left: std::collections::BTreeSet<rust::TableId>,
}

/// Plans the fix and lets `choose` decide what of it to write (the interactive `--fix`: the
/// Python plan made with the person's choices and the Rust duplicates they left, or `None` to
/// write nothing); applies that, all or nothing, then checks again. `choose` is also given the
/// automatic plan when it is already made.
pub fn fix_with(
    config: &config::Config,
    options: &plan::PlanOptions,
    safety: apply::Safety,
    choose: impl FnOnce(
        &analyze::Context,
        &plan::PlanOptions,
        Option<&rust::RustRun>,
        Option<plan::Plan>,
    ) -> std::io::Result<Option<Accepted>>,
) -> Result<Option<FixOutput>, Error> {
    let index = index::Index::build(&config.scope)?;
    analyze::check_pins(&index, &config.scope.cwd).map_err(Error::Pin)?;
    apply::remove_leftovers(&index);
    let rules = rules(config, &index)?;
    let context = analyze::Context::new(&index);
    let options = plan::PlanOptions {
        protected: apply::protected(&index),
        ..options.clone()
    };
    let Visible {
        options,
        hidden,
        plan: made,
    } = visible(&context, &rules, &config.scope, &options);
    let mut rust = rust::run(
        &index.rust_sources,
        &config.scope.cwd,
        options.merge_columns,
    );
    if let Some(rust) = &mut rust {
        rust.leave(&Default::default(), |f| {
            rules.hides(&index, f) || !f.is_under(&config.scope.paths, &config.scope.cwd)
        });
    }
    let Some(accepted) = choose(&context, &options, rust.as_ref(), made)? else {
        return Ok(None);
    };
    let mut plan = accepted.plan;
    quiet(&mut plan, &hidden);
    let mut rust_fix = rust::RustFix::default();
    let mut warnings = index.warnings.clone();
    if let Some(rust) = &mut rust {
        warnings.extend(rust.warnings.iter().cloned());
        if !accepted.rust_left.is_empty() {
            rust.leave(&accepted.rust_left, |_| false);
        }
        rust_fix = rust.fix().map_err(Error::Unparsable)?;
        // For the tests of `--verify` (debug builds): a Rust rewrite that no longer compiles.
        if apply::fault("rust-break").is_err() {
            if let Some(r) = rust_fix
                .rewrites
                .iter_mut()
                .find(|r| r.display.ends_with(".rs"))
            {
                r.new
                    .push_str("\nconst BROKEN_BY_A_TEST: u32 = \"not a number\";\n");
            }
        }
        plan.skipped.extend(rust.plan.skipped.iter().cloned());
        plan.notes.extend(rust.plan.notes.iter().cloned());
    }
    let applied = apply_plan_with(config, &index, &plan, &rust_fix, safety)?;
    drop(context);
    let rust_sources = index.rust_sources.clone();
    release(index);
    let index = index::Index::build(&config.scope)?;
    let mut after = analyze::check(&index);
    if let Some(rust) = rust::run(&rust_sources, &config.scope.cwd, false) {
        rust.add_to(&mut after);
    }
    self::rules(config, &index)?.apply(&index, &mut after);
    after.retain_under(&config.scope.paths, &config.scope.cwd);
    Ok(Some(FixOutput {
        written: applied.written,
        skipped: plan.skipped,
        notes: plan.notes,
        warnings,
        remaining: after.findings.len(),
        verdict: applied.verdict,
        rust_verdict: applied.rust_verdict,
    }))
}

/// The automatic plan, each file planned once: when it rewrites one file under two paths (a
/// symlink to another project file), it is made again with the file's other names left alone.
/// `made` is that plan before this check, when the caller already has it.
fn whole_plan(
    context: &analyze::Context,
    options: &plan::PlanOptions,
    made: Option<plan::Plan>,
) -> plan::Plan {
    let plan = made.unwrap_or_else(|| plan::plan(context, options));
    let second = apply::second_paths(context.index, &plan);
    if second.is_empty() {
        return plan;
    }
    let mut options = options.clone();
    options.protected.extend(second);
    plan::plan(context, &options)
}

/// What `apply_plan` did.
pub struct Applied {
    pub written: usize,
    pub verdict: Option<verify::Verdict>,
    pub rust_verdict: Option<verify::CargoVerdict>,
}

/// Applies a plan (the whole automatic one, or what a person accepted), all or nothing. With
/// `--verify`, first tries it on a copy of the project under the project's Python, and writes
/// nothing unless the copy is no worse.
pub fn apply_plan(
    config: &config::Config,
    index: &index::Index,
    plan: &plan::Plan,
    safety: apply::Safety,
) -> Result<Applied, Error> {
    apply_plan_with(config, index, plan, &rust::RustFix::default(), safety)
}

/// `apply_plan` with the Rust front-end's rewrites written in the same all-or-nothing step.
/// With `--verify`, the Python plan is tried under the project's Python and the Rust rewrites
/// under `cargo check`, each on a copy of the project, each only when it changes something.
pub fn apply_plan_with(
    config: &config::Config,
    index: &index::Index,
    plan: &plan::Plan,
    rust: &rust::RustFix,
    safety: apply::Safety,
) -> Result<Applied, Error> {
    let rewrites = &rust.rewrites;
    let mut applied = Applied {
        written: 0,
        verdict: None,
        rust_verdict: None,
    };
    if plan.files.is_empty() && rewrites.is_empty() {
        return Ok(applied);
    }
    if let Some(settings) = &config.verify {
        // The quick refusals first: a rewrite that does not parse, files git cannot give back.
        apply::preflight_with(index, plan, rewrites, safety)?;
        if !plan.files.is_empty() {
            let judged = verify::gate(&config.scope, index, plan, settings)?;
            if !judged.worse.is_empty() {
                return Err(Error::Worse(Box::new(judged)));
            }
            applied.verdict = Some(judged);
        }
        if !rewrites.is_empty() {
            let judged = verify::cargo_gate(&config.scope, rewrites, &rust.workspaces, settings)?;
            if !judged.worse.is_empty() {
                return Err(Error::RustWorse(Box::new(judged)));
            }
            applied.rust_verdict = Some(judged);
        }
    }
    applied.written = apply::apply_with(index, plan, rewrites, safety)?;
    Ok(applied)
}

/// Plans the fix and renders it as a unified diff; writes nothing.
pub fn diff(config: &config::Config, options: &plan::PlanOptions) -> Result<DiffOutput, Error> {
    let index = index::Index::build(&config.scope)?;
    analyze::check_pins(&index, &config.scope.cwd).map_err(Error::Pin)?;
    let rules = rules(config, &index)?;
    let context = analyze::Context::new(&index);
    let options = plan::PlanOptions {
        protected: apply::protected(&index),
        ..options.clone()
    };
    let Visible {
        options,
        hidden,
        plan,
    } = visible(&context, &rules, &config.scope, &options);
    let mut plan = whole_plan(&context, &options, plan);
    quiet(&mut plan, &hidden);
    plan::verify(&index, &plan).map_err(Error::Unparsable)?;
    let mut output = DiffOutput {
        diff: render::unified(&index, &plan, config.color),
        skipped: plan.skipped,
        notes: plan.notes,
        warnings: index.warnings.clone(),
    };
    if let Some(mut rust) = rust::run(
        &index.rust_sources,
        &config.scope.cwd,
        options.merge_columns,
    ) {
        rust.leave(&Default::default(), |f| {
            rules.hides(&index, f) || !f.is_under(&config.scope.paths, &config.scope.cwd)
        });
        rust.rewrites().map_err(Error::Unparsable)?;
        output.diff.extend(rust.diff(config.color).into_bytes());
        output.skipped.extend(rust.plan.skipped.iter().cloned());
        output.notes.extend(rust.plan.notes.iter().cloned());
        output.warnings.extend(rust.warnings.iter().cloned());
    }
    release(index);
    Ok(output)
}
