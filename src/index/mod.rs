//! The project index: every file's facts, the module map, and the models resolved across files.

pub mod extract;
pub mod facts;
pub mod module_map;
pub mod table_name;
