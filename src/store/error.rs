//! What the store refuses with or fails on.

use super::codec::CodecError;
use super::SCHEMA_VERSION;
use crate::model::error::LedgerError;
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// A transaction that takes more off an obligation than is owed at its date or at some later
/// date (see `rules.rs`).
#[derive(Debug, Error)]
#[error("{transaction}, dated {date}, takes {amount} {commodity} off what {debtor} owes {creditor} ({account}), but on {on} {debtor} would then owe {owed} {commodity}: a payment, offset, netting or reversal may take off only what is owed at its date and at every later date")]
pub struct NotOwed {
    pub transaction: String,
    /// The transaction's id, if it has one, and its description: what an import finds it by.
    pub id: Option<String>,
    pub description: String,
    pub date: String,
    pub account: String,
    pub debtor: String,
    pub creditor: String,
    pub amount: String,
    pub commodity: String,
    pub on: String,
    pub owed: String,
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("no ledger at {path} (create one with `gasledger init`, or give --db / GASLEDGER_DB)")]
    NoLedger { path: PathBuf },
    #[error("{path} is {what}, not a gasledger store (a store is a folder: give its path, or a new path for `gasledger init` to create)")]
    NotAStore { path: PathBuf, what: &'static str },
    #[error("{path} is a folder that holds other files and no gasledger store: give a new path or an empty folder to create a store in")]
    ForeignFolder { path: PathBuf },
    #[error("the store at {path} is read-only ({source}): nothing was written; commands that only read (report, export, verify, reconcile) can use it")]
    ReadOnly {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the ledger at {path} is in use by another gasledger process (waited {waited:?}; --lock-timeout sets how long to wait)")]
    InUse { path: PathBuf, waited: Duration },
    #[error("the ledger at {path} has schema version {found}; this gasledger reads versions 1 to {SCHEMA_VERSION} only")]
    UnknownSchema { path: PathBuf, found: u32 },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("storage error: {0}")]
    Sled(String),
    #[error("the ledger store is damaged: {0}")]
    Damaged(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Rule(Box<crate::model::terms::RuleError>),
    #[error("id {id} is recorded already with other content (recorded: {recorded}); use a new id")]
    IdConflict { id: String, recorded: String },
    #[error("no transaction with id {id}")]
    NotFound { id: String },
    #[error("agreement {name} is declared already with other terms; agreements are never changed, declare one under a new name")]
    AgreementExists { name: String },
    #[error(transparent)]
    NotOwed(Box<NotOwed>),
    #[error("cannot reverse {id}: {why}")]
    Reversal { id: String, why: String },
    #[error("this store was opened without the rules of its agreements, so it cannot be written (open it with ops::rulebook::open)")]
    NoRules,
}

impl From<crate::model::terms::RuleError> for StoreError {
    fn from(e: crate::model::terms::RuleError) -> Self {
        StoreError::Rule(Box::new(e))
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Corruption { .. } => StoreError::Damaged(e.to_string()),
            other => StoreError::Sled(other.to_string()),
        }
    }
}

impl From<CodecError> for StoreError {
    fn from(e: CodecError) -> Self {
        StoreError::Damaged(e.0)
    }
}
