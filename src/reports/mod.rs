//! Reports: what the store holds, computed as plain tables for a renderer.

pub mod debts;
pub mod page;
pub mod query;
pub mod swap;
pub mod table;
