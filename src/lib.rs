//! gasledger: a double-entry ledger for cross-border natural-gas swaps and sovereign gas-debt
//! settlement. See ARCHITECTURE.md for the code map and the invariants.

pub mod amount;
pub mod chart;
pub mod date;
pub mod export;
pub mod html;
pub mod import;
pub mod journal;
pub mod ledger;
pub mod name_map;
pub mod peers;
pub mod query;
pub mod reconcile;
pub mod report;
pub mod rules;
pub mod settle;
pub mod store;
pub mod swap;
pub mod text;
pub mod units;
