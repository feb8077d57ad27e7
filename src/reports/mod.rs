//! Reports: what the store holds, computed as plain tables for a renderer.

pub mod balances;
pub mod debts;
pub mod interest;
pub mod page;
pub mod register;
pub mod settlements;
pub mod swap;
pub mod table;
