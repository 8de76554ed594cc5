//! The `dedupe-models` binary: parse arguments, run the check, map the outcome to an exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use dedupe_models::cli::Args;
use dedupe_models::config::{Format, Mode};
use dedupe_models::render;

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
    let config = args.into_config()?;
    if config.mode == Mode::Diff {
        let output = dedupe_models::diff(&config)?;
        for w in &output.warnings {
            eprintln!("warning: {}:{}: {}", w.path, w.line, w.message);
        }
        for s in &output.skipped {
            eprintln!("skipped: {}:{}: {}", s.path, s.line, s.message);
        }
        write_stdout(&output.diff)?;
        return Ok(ExitCode::from(if output.diff.is_empty() { 0 } else { 1 }));
    }
    let report = dedupe_models::check(&config)?;
    let stderr_color = config.color && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let rendered = match config.format {
        Format::Text => {
            eprint!("{}", render::warnings(&report, stderr_color));
            render::text(&report, config.color)
        }
        Format::Json => render::json(&report),
    };
    write_stdout(&rendered)?;
    Ok(ExitCode::from(if report.findings.is_empty() {
        0
    } else {
        1
    }))
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err),
        _ => Ok(()),
    }
}
