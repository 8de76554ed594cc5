//! The `dedupe-models` binary: parse arguments, run the check, map the outcome to an exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::{CommandFactory, Parser};
use dedupe_models::analyze::Context;
use dedupe_models::cli::{Args, Command, ShellArg};
use dedupe_models::config::{Format, Mode};
use dedupe_models::index::Warning;
use dedupe_models::interactive;
use dedupe_models::plan::{PlanOptions, Skipped};
use dedupe_models::progress::{self, Progress, ProgressLine};
use dedupe_models::render;
use dedupe_models::rust::RustRun;
use dialoguer::console::Term;

/// The parser allocates every node of a syntax tree on its own and the tree is freed right after
/// its facts are read: mimalloc does that work in a fifth fewer instructions than glibc's malloc
/// and 10k --diff runs a fifth faster, for some 20 MB more peak memory (README, performance).
/// Built with `no_thp`: mimalloc otherwise asks for transparent huge pages on its arena, and on a
/// machine whose memory is fragmented the kernel then compacts memory on page faults, which added
/// 0.1 - 0.8 s of system time to a 10k-file check (1.1 - 1.7 s wall; without, 1.26 - 1.35 s).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    match run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        Some(Command::Rule { code }) => {
            let Some(code) = dedupe_models::rules::lookup(code) else {
                anyhow::bail!(
                    "unknown code `{code}`; the codes are {}",
                    dedupe_models::report::Code::ALL
                        .map(|c| c.to_string())
                        .join(", ")
                );
            };
            write_stdout(dedupe_models::rules::explain(code))?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Completions { shell }) => {
            let shell = match shell {
                ShellArg::Bash => clap_complete::Shell::Bash,
                ShellArg::Zsh => clap_complete::Shell::Zsh,
                ShellArg::Fish => clap_complete::Shell::Fish,
            };
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Args::command(), "dedupe-models", &mut script);
            write_stdout(&String::from_utf8_lossy(&script))?;
            return Ok(ExitCode::SUCCESS);
        }
        None => {}
    }
    let mut config = args.into_config()?;
    let progress = Arc::new(Progress::default());
    // Cleared (dropped) before anything is printed.
    let mut line = progress::shown(
        config.format == Format::Text,
        std::io::stderr().is_terminal(),
    )
    .then(|| {
        config.scope.progress = Some(progress.clone());
        ProgressLine::start(progress, std::io::stderr(), progress::DELAY)
    });
    // Ctrl-C: a fix is all or nothing, so `apply` finishes what it started; and a `--verify`
    // probe, which may hang on an import, or its copy of the project must not outlive the run.
    if matches!(config.mode, Mode::Fix { .. }) || config.verify.is_some() {
        ctrlc::set_handler(interrupted)?;
    }
    if let Mode::Fix { yes, safety } = config.mode {
        let output = if yes {
            dedupe_models::fix(&config, &config.plan, safety)?
        } else {
            if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
                anyhow::bail!("--fix needs a terminal to ask questions; pass --yes to apply the whole plan without questions, or --diff to preview it");
            }
            let term = Term::stderr();
            let choose = |ctx: &Context, options: &PlanOptions, rust: Option<&RustRun>, _| {
                drop(line.take());
                interactive::session(ctx, options, rust, &term, config.color)
            };
            match dedupe_models::fix_with(&config, &config.plan, safety, choose) {
                // The terminal reads Ctrl-C as a key, and raises SIGINT too: one of them wins.
                Err(dedupe_models::Error::Terminal(err))
                    if err.kind() == std::io::ErrorKind::Interrupted =>
                {
                    interrupted();
                    // Only reached while a fix is written, which the session never does.
                    return Ok(ExitCode::from(130));
                }
                Err(err) => return Err(err.into()),
                Ok(Some(output)) => output,
                Ok(None) => {
                    eprintln!("Quit: nothing was written.");
                    return Ok(ExitCode::from(1));
                }
            }
        };
        drop(line.take());
        if !config.quiet {
            print_messages(&output.warnings, &output.skipped, &output.notes);
        }
        if let Some(verdict) = &output.verdict {
            write_stdout(&format!("{}\n", verdict.summary()))?;
        }
        if let Some(verdict) = &output.rust_verdict {
            write_stdout(&format!("{}\n", verdict.summary()))?;
        }
        let files = if output.written == 1 { "file" } else { "files" };
        let mut summary = if output.written == 0 {
            "No file was changed.".to_owned()
        } else {
            format!("Fixed {} {files}.", output.written)
        };
        if output.remaining > 0 {
            summary.push_str(&format!(
                " {} finding{} {}; run dedupe-models to see them.",
                output.remaining,
                if output.remaining == 1 { "" } else { "s" },
                if output.remaining == 1 {
                    "remains"
                } else {
                    "remain"
                },
            ));
        }
        write_stdout(&format!("{summary}\n"))?;
        if dedupe_models::apply::interrupted_while_writing() {
            eprintln!("Interrupted: the fix was written in full first.");
            return Ok(ExitCode::from(130));
        }
        return Ok(ExitCode::from(
            if output.remaining == 0 || config.exit_zero {
                0
            } else {
                1
            },
        ));
    }
    if config.mode == Mode::Diff {
        let output = dedupe_models::diff(&config, &config.plan)?;
        drop(line.take());
        if !config.quiet {
            print_messages(&output.warnings, &output.skipped, &output.notes);
        }
        write_stdout_bytes(&output.diff)?;
        return Ok(ExitCode::from(
            if output.diff.is_empty() || config.exit_zero {
                0
            } else {
                1
            },
        ));
    }
    if config.mode == Mode::ShowTables {
        let (listing, warnings) = dedupe_models::show_tables(&config)?;
        drop(line.take());
        print_messages(&warnings, &[], &[]);
        write_stdout(&listing)?;
        return Ok(ExitCode::from(0));
    }
    let report = dedupe_models::check(&config)?;
    drop(line);
    let stderr_color = config.color && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let rendered = match config.format {
        Format::Text | Format::Concise if config.statistics => render::statistics(&report),
        Format::Text | Format::Concise => {
            // The machine formats carry the warnings themselves, or are read by machines only.
            if !config.quiet {
                eprint!("{}", render::warnings(&report, stderr_color));
            }
            match (config.format, config.quiet) {
                (Format::Text, false) => render::text(&report, config.color),
                (Format::Text, true) => render::findings(&report, config.color),
                _ => render::concise(&report),
            }
        }
        Format::Json => render::json(&report),
        Format::Github => render::github(&report),
        Format::Gitlab => render::gitlab(&report),
        Format::Sarif => render::sarif(&report),
        Format::Junit => render::junit(&report),
    };
    match &config.output_file {
        Some(path) => std::fs::write(path, rendered).map_err(|e| {
            anyhow::anyhow!(
                "cannot write {}: {}",
                path.display(),
                e.to_string().to_lowercase()
            )
        })?,
        None => write_stdout(&rendered)?,
    }
    Ok(ExitCode::from(if !report.fails() || config.exit_zero {
        0
    } else {
        1
    }))
}

/// Ctrl-C (from the signal handler's thread, or the main one when the terminal reads it as a
/// key). Before a fix writes, nothing has been or will be written: stops the probe, removes the
/// copy of the project, and exits 130 like a shell. While the fix writes, it returns and the run
/// goes on to say what it wrote; after it wrote, it says so and exits 130.
fn interrupted() {
    use dedupe_models::apply::Interrupt;
    static ONCE: AtomicBool = AtomicBool::new(false);
    let message = match dedupe_models::apply::interrupt() {
        Interrupt::Deferred => return,
        Interrupt::NothingWritten => "nothing was written.",
        Interrupt::Written => "the fix was written in full; run dedupe-models to see what remains.",
    };
    if ONCE.swap(true, Ordering::SeqCst) {
        loop {
            std::thread::park(); // the other caller is exiting
        }
    }
    dedupe_models::verify::stop_all();
    let _ = Term::stderr().show_cursor();
    eprintln!("\nInterrupted: {message}");
    std::process::exit(130);
}

/// What the plan left alone or wants a person to look at, on stderr.
fn print_messages(warnings: &[Warning], skipped: &[Skipped], notes: &[Skipped]) {
    use dedupe_models::render::place;
    for w in warnings {
        eprintln!("warning: {}: {}", place(&w.path, w.line), w.message);
    }
    for s in skipped {
        eprintln!("skipped: {}: {}", place(&s.path, s.line), s.message);
    }
    for n in notes {
        eprintln!("note: {}: {}", place(&n.path, n.line), n.message);
    }
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    write_stdout_bytes(text.as_bytes())
}

fn write_stdout_bytes(bytes: &[u8]) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err),
        _ => Ok(()),
    }
}
