//! The model: amounts and commodities, dates, the texts a ledger may hold, units, and the
//! chart, transactions, statements, agreements and fixings. Knows nothing of storage, files or the
//! command line.

pub mod account;
pub mod agreement;
pub mod amount;
pub mod balance;
pub mod chart;
pub mod date;
pub mod error;
pub mod fixing;
pub mod id;
pub mod intercompany;
pub mod limits;
pub mod name_map;
pub mod statement;
pub mod suggest;
pub mod terms;
pub mod text;
pub mod transaction;
pub mod units;
