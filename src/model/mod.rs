//! The model: amounts and commodities, dates, the texts a ledger may hold, units, and the
//! chart, transactions, statements and agreements. Knows nothing of storage, files or the
//! command line.

pub mod amount;
pub mod date;
pub mod ledger;
pub mod name_map;
pub mod terms;
pub mod text;
pub mod units;
