//! Turning a report into what the user reads: ruff-style text or the JSON contract.

mod json;
mod text;

pub use json::json;
pub use text::{text, warnings};
