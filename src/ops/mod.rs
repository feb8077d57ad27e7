//! Operations: the rules every write meets, whatever its path (a command, a journal, the
//! library), and the import of journal files.

pub mod import;
pub mod prices;
pub mod rulebook;
pub mod sale;
pub mod settle;
pub mod swap;
