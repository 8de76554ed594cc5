//! Turning a report into what the user reads: ruff-style text, the JSON contract, and the
//! formats CI systems read (concise lines, GitHub annotations, GitLab, SARIF, JUnit).

mod ci;
mod diff;
mod json;
mod sarif;
mod tables;
mod text;

pub use ci::{concise, github, gitlab, junit, statistics};
pub use diff::{file_diff, text_diff, unified};
pub use json::json;
pub use sarif::sarif;
pub use tables::{tables_json, tables_text};
pub use text::{findings, place, text, warnings};
