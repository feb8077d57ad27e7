//! Writing the ledger back out, one file per format: the canonical journal (which round-trips
//! byte for byte) and JSON; the dialects of gasledger's peers, hledger, ledger-cli and
//! beancount, each checked by the peer itself in `tests/peers.rs`. Every format writes
//! [`Books`]: the whole ledger, or one party's own books (`books.rs`, checked in `party.rs`).

mod bean_balances;
mod beancount;
mod books;
mod dated;
mod dialect;
mod hledger;
mod journal;
mod json;
mod json_txn;
mod ledger;
mod party;
mod peer;

pub use beancount::beancount;
pub use books::Books;
pub use hledger::hledger;
pub use journal::{declarations, journal};
pub use json::json;
pub use ledger::ledger;
pub use party::{side_of, statement_of, Gap, Unbalanced, NAMED_MAX, RENAMED_TAGS};

use crate::model::suggest::suggestion;
use crate::store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("party {code} is not declared{}", suggestion(nearest))]
    UnknownParty {
        code: String,
        nearest: Option<String>,
    },
    /// Transactions that leave the party's own books unbalanced: the first [`NAMED_MAX`], and
    /// how many more.
    #[error(
        "{party}'s books do not balance: {} — export refused",
        party::listed(transactions, *more)
    )]
    Unbalanced {
        party: String,
        transactions: Vec<Unbalanced>,
        more: usize,
    },
}
