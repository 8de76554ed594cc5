//! The integration tests, one binary: fixture-driven snapshots, CLI behaviour, the fixtures'
//! own test suites under real SQLAlchemy, and a scan of real-world code.

mod apply;
mod band_aids;
mod canonical;
mod cargo_fixtures;
mod cli;
mod fix;
mod fixture_suites;
mod fixtures;
mod formats;
mod fuzz;
mod hostile_input;
mod install;
mod interactive;
mod messages;
mod property;
mod python;
mod sample;
mod skipped_lines;
mod smoke;
mod support;
mod suppress;
mod tools;
mod verify;
mod write_safety;
