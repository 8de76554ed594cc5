//! Turning a report into what the user reads: ruff-style text or the JSON contract.

mod diff;
mod json;
mod tables;
mod text;

pub use diff::{file_diff, text_diff, unified};
pub use json::json;
pub use tables::{tables_json, tables_text};
pub use text::{text, warnings};
