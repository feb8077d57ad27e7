//! The model: amounts and commodities, dates and fiscal years (the Iranian calendar among
//! them), the texts a ledger may hold, units, and the chart, transactions, statements,
//! agreements and fixings. Knows nothing of storage, files or the command line.

pub mod account;
pub mod agreement;
pub mod amount;
pub mod balance;
pub mod chart;
pub mod date;
pub mod error;
pub mod fiscal;
pub mod fixing;
pub mod id;
pub mod intercompany;
pub mod limits;
pub mod name_map;
pub mod percent;
pub mod solar_hijri;
pub mod statement;
pub mod suggest;
pub mod terms;
pub mod text;
pub mod transaction;
pub mod units;
