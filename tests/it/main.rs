//! The integration tests, one binary: fixture-driven snapshots, CLI behaviour, the fixtures'
//! own test suites under real SQLAlchemy, and a scan of real-world code.

mod apply;
mod cargo_fixtures;
mod cli;
mod fix;
mod fixture_suites;
mod fixtures;
mod fuzz;
mod hostile_input;
mod interactive;
mod messages;
mod property;
mod python;
mod smoke;
mod support;
mod verify;
mod write_safety;
