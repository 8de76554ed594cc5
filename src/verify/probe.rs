//! Running `probe.py` under the project's interpreter, with a timeout, and reading its report.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::interpreter::Interpreter;
use super::live;
use super::VerifyError;

const SCRIPT: &str = include_str!("probe.py");
/// What the probe writes on stderr before each step, so that a timeout can say where it hung.
const PROGRESS: &str = "dedupe-models-probe: ";
/// The least time the probe gets to start the interpreter and import SQLAlchemy, before the
/// timeout for the project's own imports starts.
const STARTUP: Duration = Duration::from_secs(60);

/// What the probe is asked to import.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    /// Import roots, in `sys.path` order.
    pub roots: Vec<PathBuf>,
    /// Directories whose files are the project's own (for locating errors in tracebacks).
    pub project: Vec<PathBuf>,
    /// Module names, in import order.
    pub modules: Vec<Wanted>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Wanted {
    pub name: String,
    /// The file the name should load.
    pub path: PathBuf,
}

/// The probe's report.
#[derive(Debug, Clone, Deserialize)]
pub struct Outcome {
    /// `3.12.1`.
    pub python: String,
    /// SQLAlchemy's version, when it could be imported.
    pub sqlalchemy: Option<String>,
    /// Why SQLAlchemy could not be used.
    pub problem: Option<String>,
    pub modules: Vec<Imported>,
    /// `configure_mappers()` failed.
    pub mappers: Option<PyError>,
    /// Foreign keys whose table or column is not on their MetaData.
    pub foreign_keys: Vec<PyError>,
    pub metadata: Vec<MetadataInfo>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Imported {
    pub name: String,
    /// The file the module was loaded from.
    pub file: Option<PathBuf>,
    pub error: Option<PyError>,
    /// Not imported, or its failure not counted: the named earlier import already failed in
    /// this file or in a module it runs (running that again would only repeat or distort it).
    pub skipped: Option<String>,
}

impl Imported {
    /// Whether the module was imported without an error.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.skipped.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// SQLAlchemy refused the models.
    Model,
    /// A package the project needs is not installed in the interpreter.
    Dependency,
    /// A database could not be reached.
    Database,
    Other,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PyError {
    /// The exception's qualified class name (`sqlalchemy.exc.InvalidRequestError`).
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    pub category: Category,
    /// Where in the project's code it was raised (or the class SQLAlchemy was configuring).
    pub file: Option<PathBuf>,
    pub line: Option<u32>,
    /// The module a `ModuleNotFoundError` names.
    pub missing: Option<String>,
    /// The mapped class involved (`pkg.models.User`), and its attribute.
    #[serde(default)]
    pub class: Option<String>,
    #[serde(default)]
    pub attribute: Option<String>,
    /// The table of a foreign key that does not resolve.
    #[serde(default)]
    pub table: Option<String>,
}

impl PyError {
    /// The mapped class's own name (`User` for `pkg.models.User`).
    pub fn class_name(&self) -> Option<&str> {
        let class = self.class.as_deref()?;
        class.rsplit('.').next()
    }

    /// `InvalidRequestError: Table 'users' is already defined ...`, on one line.
    pub fn headline(&self) -> String {
        let kind = self.kind.rsplit('.').next().unwrap_or(&self.kind);
        let message = self
            .message
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if message.is_empty() {
            kind.to_owned()
        } else {
            format!("{kind}: {message}")
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct MetadataInfo {
    /// Where the project's modules hold it (`app.db:Base.metadata`), best first.
    pub names: Vec<String>,
    pub tables: Vec<TableInfo>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TableInfo {
    /// `schema.name` or `name`.
    pub name: String,
    pub columns: Vec<String>,
}

/// Runs the probe in `cwd`; kills it (and whatever it started) after `timeout`.
pub fn run(
    python: &Interpreter,
    request: &Request,
    cwd: &Path,
    timeout: Duration,
) -> Result<Outcome, VerifyError> {
    let shown = python.shown.clone();
    let mut command = Command::new(&python.path);
    command
        .args(["-B", "-c", SCRIPT])
        .current_dir(cwd)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = live::spawn(&mut command).map_err(|e| VerifyError::Spawn {
        python: shown.clone(),
        message: e.to_string().to_lowercase(),
    })?;
    let input = serde_json::to_vec(request).expect("a request always serializes");
    // The probe reads all of stdin before it imports anything; a failed write shows as its exit.
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(&input);
    }
    let stdout = reader(child.stdout.take(), None);
    let importing = Arc::new(AtomicBool::new(false));
    let stderr = reader(child.stderr.take(), Some(importing.clone()));
    // The timeout is for the project's code; the interpreter and SQLAlchemy get their own
    // allowance, so that a slow start (a fresh virtualenv, a loaded machine) is not blamed on
    // the project's modules, and a timeout names the module the probe was importing.
    let mut allowed = timeout.max(STARTUP);
    let mut deadline = Instant::now() + allowed;
    let mut started = false;
    let timed_out = loop {
        if exited(&mut child) {
            break false;
        }
        if !started && importing.load(Ordering::SeqCst) {
            started = true;
            allowed = timeout;
            deadline = Instant::now() + timeout;
        }
        if Instant::now() >= deadline {
            break true;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Processes the project started at import time go too: they would hold the pipes open.
    kill_group(&mut child);
    live::reaping(&child);
    let status = child.wait();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
    let doing = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(PROGRESS))
        .unwrap_or("starting")
        .to_owned();
    if timed_out {
        return Err(VerifyError::Timeout {
            seconds: allowed.as_secs(),
            doing,
        });
    }
    match serde_json::from_slice::<Outcome>(&stdout) {
        Ok(outcome) => match (&outcome.sqlalchemy, &outcome.problem) {
            (Some(_), None) => Ok(outcome),
            (_, problem) => Err(VerifyError::NoSqlalchemy {
                python: shown,
                message: problem.clone().unwrap_or_default(),
            }),
        },
        Err(_) => {
            let tail: Vec<&str> = stderr
                .lines()
                .filter(|l| !l.starts_with(PROGRESS))
                .collect();
            let tail = tail[tail.len().saturating_sub(5)..].join("\n");
            Err(VerifyError::Crashed {
                python: shown,
                status: status.map_or_else(|e| e.to_string(), |s| s.to_string()),
                doing,
                output: tail,
            })
        }
    }
}

/// Reads a pipe to its end; with `progress`, sets it once the probe reports its first step.
pub(super) fn reader<R: Read + Send + 'static>(
    pipe: Option<R>,
    progress: Option<Arc<AtomicBool>>,
) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let Some(mut pipe) = pipe else {
            return out;
        };
        let mut chunk = [0u8; 8192];
        loop {
            match pipe.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
            if let Some(flag) = &progress {
                // The new bytes, and enough before them for a line split across two reads.
                let from = out.len().saturating_sub(chunk.len() + PROGRESS.len());
                if !flag.load(Ordering::Relaxed)
                    && out[from..]
                        .windows(PROGRESS.len())
                        .any(|w| w == PROGRESS.as_bytes())
                {
                    flag.store(true, Ordering::SeqCst);
                }
            }
        }
        out
    })
}

/// Whether the probe has ended; on Unix without reaping it, so that its process group (and
/// pid) stay its own until `kill_group` has run.
#[cfg(unix)]
pub(super) fn exited(child: &mut Child) -> bool {
    let pid = child.id() as libc::id_t;
    // SAFETY: waitid(2) with WNOWAIT only inspects our own child; `info` is plain data.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        libc::waitid(libc::P_PID, pid, &mut info, flags) != 0 || info.si_pid() != 0
    }
}

#[cfg(not(unix))]
pub(super) fn exited(child: &mut Child) -> bool {
    child.try_wait().map_or(true, |s| s.is_some())
}

#[cfg(unix)]
pub(super) fn kill_group(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) on the process group made for the probe, whose leader is not reaped yet.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(not(unix))]
pub(super) fn kill_group(child: &mut Child) {
    let _ = child.kill();
}
