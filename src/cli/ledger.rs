//! The ledger store a command works on: where it is, how long to wait for its lock, and
//! opening it for reading or writing.

use super::CliError;
use gasledger::store::{Access, Recovered, Store, StoreError};
use std::path::PathBuf;
use std::time::Duration;

/// `--db` and `--lock-timeout`, checked.
pub struct Ledger {
    pub db: PathBuf,
    pub timeout: Duration,
}

impl Ledger {
    pub fn new(db: PathBuf, lock_timeout: f64) -> Result<Ledger, CliError> {
        if !(lock_timeout.is_finite() && lock_timeout >= 0.0) {
            return Err(CliError::Usage(format!(
                "--lock-timeout must be a number of seconds, 0 or more, found {lock_timeout}"
            )));
        }
        Ok(Ledger {
            db,
            timeout: Duration::from_secs_f64(lock_timeout.min(86_400.0)),
        })
    }

    /// The store with the rules of its agreements, saying so when opening it rolled back an
    /// interrupted commit.
    pub fn open(&self, access: Access) -> Result<Store, StoreError> {
        let store = gasledger::ops::rulebook::open(&self.db, access, self.timeout)?;
        if let Some(r) = store.recovered() {
            notice_recovered(&r);
        }
        Ok(store)
    }
}

/// Said on stderr when opening the store rolled back a commit that a power cut interrupted
/// before it was durable: the user may have been told it succeeded (by an older gasledger).
pub fn notice_recovered(r: &Recovered) {
    eprintln!(
        "gasledger: recovered: the last write (commit {}, {} transactions in all) was interrupted before it was durable; the store is at commit {} with {} transactions",
        r.lost.commits, r.lost.txn_count, r.now.commits, r.now.txn_count
    );
}
