//! Writing the whole ledger back out, one file per format: the canonical journal (which
//! round-trips byte for byte) and JSON; the dialects of gasledger's peers, hledger, ledger-cli
//! and beancount, each checked by the peer itself in `tests/peers.rs`.

mod beancount;
mod dialect;
mod hledger;
mod journal;
mod json;
mod ledger;
mod peer;

pub use beancount::beancount;
pub use hledger::hledger;
pub use journal::{declarations, journal};
pub use json::json;
pub use ledger::ledger;

use crate::store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}
