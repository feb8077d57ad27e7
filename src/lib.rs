//! gasledger: a double-entry ledger for cross-border natural-gas swaps and sovereign gas-debt
//! settlement. See ARCHITECTURE.md for the code map, the layers and the invariants.
//!
//! The layers, lowest first; a module imports only from layers below its own (checked by
//! `tests/tidy.rs`):
//! `model` ← `journal`, `store` ← `swap`, `settle` ← `ops`, `checks`, `reports` ←
//! `render`, `export` ← the binary's `cli`.

pub mod checks;
pub mod export;
pub mod journal;
pub mod model;
pub mod ops;
pub mod render;
pub mod reports;
pub mod settle;
pub mod store;
pub mod swap;
