//! Turning a report into what the user reads: ruff-style text, the JSON contract, and the
//! formats CI systems read (concise lines, GitHub annotations, GitLab, SARIF, JUnit).

mod ci;
mod diff;
mod json;
mod sarif;
mod text;

pub use ci::{concise, github, gitlab, junit, statistics};
pub use diff::{file_diff, unified};
pub use json::json;
pub use sarif::sarif;
pub use text::{findings, text, warnings};
