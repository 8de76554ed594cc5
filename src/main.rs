//! The `dedupe-models` binary: parse arguments, run the check, map the outcome to an exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use dedupe_models::cli::Args;
use dedupe_models::config::Format;
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
    let report = dedupe_models::check(&config)?;
    let stderr_color = config.color && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let rendered = match config.format {
        Format::Text => {
            eprint!("{}", render::warnings(&report, stderr_color));
            render::text(&report, config.color)
        }
        Format::Json => render::json(&report),
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout
        .write_all(rendered.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(err.into());
        }
    }
    Ok(ExitCode::from(if report.findings.is_empty() {
        0
    } else {
        1
    }))
}
