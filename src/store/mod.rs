//! The sled store: the only module that knows sled exists. This file holds `Store` and the key
//! layout below; `open.rs` opens a store, `balances.rs` reads balances, `read.rs` reads the
//! journal, `write/` writes it, `verify.rs` replays it.
//!
//! Layout (one sled tree, keys prefixed by a byte, so that one `apply_batch` is one atomic
//! commit across everything):
//!
//! | key                         | value                                                  |
//! |-----------------------------|--------------------------------------------------------|
//! | `v`                         | schema version, u32 LE                                 |
//! | `h`                         | the head: transactions committed, last chain hash      |
//! | `c` code                    | commodity (JSON, with its numeric id)                  |
//! | `p` code                    | party (JSON)                                           |
//! | `a` name                    | account (JSON, with its numeric id)                    |
//! | `g` name                    | agreement (JSON)                                       |
//! | `t` u64 BE                  | statement (JSON)                                       |
//! | `x` code quote date         | fixing (JSON): `xEUR USD 2022-09-30`, so that a scan   |
//! |                             | gives each pair's fixings in date order                |
//! | `B` u64 BE                  | a block of up to `BLOCK_TXNS` transactions, or for a   |
//! |                             | full one a pointer into `gasledger.blocks` (blocks.rs) |
//! | `S` u64 BE                  | the block's summary: date range, net change per account|
//! | `I` u16 BE                  | id bucket: (id hash, seq), sorted; hashes as deltas    |
//! | `b` u32 BE u32 BE           | running balance of (account id, commodity id)          |
//! | `f` blake3 of a file        | marks a journal file imported (its bytes)              |
//! | `w`                         | the id buckets a commit wrote ahead (a bitmap), while  |
//! |                             | it is not finished; the commit that moves the head next|
//! |                             | cleans them and removes it                             |
//!
//! Blocks and summaries past the head are uncommitted (an import in progress or one that
//! died): readers ignore them and the next writer overwrites them. So are id entries whose
//! sequence number is past the head: a commit writes its id buckets ahead of its last batch,
//! each the committed entries plus its own, and a bucket left by a writer that died holds
//! entries that every reader and writer skips. Nothing is committed until the head moves, and
//! the head moves in one atomic batch with everything else.

mod anchor;
pub mod atomic;
mod balances;
pub mod blocks;
mod error;
mod faults;
pub use faults::write_counts as write_fault_counts;
mod open;
pub mod place;
mod read;
mod read_only;
pub use anchor::Recovered;
pub mod codec;
mod handle;
mod ids;
mod keys;
mod lock;
pub mod record;
mod rules;
mod verify;
pub mod view;
mod write;

pub use error::{NotOwed, StoreError};
use ids::{bucket_of, decode_bucket, encode_bucket};
pub use ids::{id_hash, IdEntry};
use keys::{
    balance_key, block_key, bucket_key, file_key, fixing_key, prefixed, statement_key, summary_key,
    KEY_AHEAD, KEY_HEAD, KEY_SCHEMA,
};
use lock::take_lock;
pub use verify::{Problem, Verification};

pub use write::{
    declare_account, declare_commodity, declare_party, Added, Checked, CommitReport, IdCheck,
    Prepared, PreparedBatch, PreparedPosting, Writer,
};

use crate::model::agreement::Agreement;
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::fixing::{Fixing, FixingKey};
use crate::model::statement::Statement;
use crate::model::transaction::Transaction;
use codec::{CodecError, Dec, Enc};
use handle::Handle;
use record::{block_entries, decode_txn, decode_txn_into, Entry, Names, RawTxn, Summary};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The store layout this build writes: 2 keeps full blocks in `gasledger.blocks`.
pub const SCHEMA_VERSION: u32 = 2;
/// Layouts this build reads: version 1 (every block in sled) is read as it is, and becomes
/// version 2 at its next commit.
const SCHEMA_READABLE: std::ops::RangeInclusive<u32> = 1..=SCHEMA_VERSION;
/// Transactions per block: few large values is what sled writes fast.
pub const BLOCK_TXNS: usize = 1024;
/// Id index buckets: keys stay few however many ids there are.
pub const ID_BUCKETS: u64 = 1024;
/// The lock file, inside the store's folder.
pub const LOCK_FILE: &str = "gasledger.lock";

/// What a command does with the store: only read it, write it, or write it and create it
/// when it is missing. Only creating opens make anything at a path that holds no store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read; a store this process cannot write is read too (`read_only.rs`).
    Read,
    /// Write a store that exists.
    Write,
    /// Write, creating the store at a new path or in an empty folder.
    Create,
}

/// What is committed: how many transactions, and the chain hash of the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub txn_count: u64,
    pub last_hash: [u8; 32],
    pub statement_count: u64,
    /// Commits so far: moves with every write, declarations included, so that the anchor
    /// notices a lost commit that added no transaction.
    pub commits: u64,
}

impl Head {
    fn to_value(self) -> Vec<u8> {
        let mut e = Enc::default();
        e.u8(record::RECORD_VERSION);
        e.var(self.txn_count);
        e.bytes(&self.last_hash);
        e.var(self.statement_count);
        e.var(self.commits);
        e.buf
    }
    fn from_value(v: &[u8]) -> Result<Head, CodecError> {
        let mut d = Dec::new(v);
        if d.u8()? != record::RECORD_VERSION {
            return Err(CodecError("unknown head version".into()));
        }
        Ok(Head {
            txn_count: d.var()?,
            last_hash: d.hash()?,
            statement_count: d.var()?,
            commits: d.var()?,
        })
    }
    fn empty() -> Head {
        Head {
            txn_count: 0,
            last_hash: [0; 32],
            statement_count: 0,
            commits: 0,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Numbered<T> {
    id: u32,
    #[serde(flatten)]
    item: T,
}

/// One balance: account, commodity, amount.
pub type Balances = BTreeMap<(String, String), Decimal>;

/// An open ledger store, held exclusively by this process until dropped.
pub struct Store {
    db: Handle,
    path: PathBuf,
    head: Head,
    chart: Chart,
    names: Names,
    agreements: BTreeMap<String, Agreement>,
    fixings: BTreeMap<FixingKey, Fixing>,
    /// Whether this handle, once dropped, writes the balances view: only once it is fully open.
    leaves_view: bool,
    /// `gasledger.blocks`, opened for reading at the first block read from it.
    blocks: std::cell::RefCell<Option<File>>,
    /// A commit that was interrupted before it was durable, found and rolled back by this
    /// open (see `anchor.rs`).
    recovered: Option<Recovered>,
    /// The rules of the agreements' terms, which every writer applies (`set_rules`).
    rules: Option<Box<dyn crate::model::terms::AgreementRules>>,
    /// Our lock on the store: exclusive, or shared for a reader of a read-only store, which
    /// holds none if the store has no lock file (`lock.rs`).
    _lock: Option<File>,
}

impl Store {
    /// For tests: let go of sled's memory after every `bytes` that a long scan reads or writes
    /// (see `handle.rs`), instead of every 16 MiB, so that small stores exercise it.
    #[doc(hidden)]
    pub fn set_reopen_bytes(&mut self, bytes: usize) {
        self.db.set_bytes_per_open(bytes);
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn chart(&self) -> &Chart {
        &self.chart
    }
    pub fn head(&self) -> Head {
        self.head
    }
    pub fn agreements(&self) -> &BTreeMap<String, Agreement> {
        &self.agreements
    }
    /// Every fixing, by commodity, the commodity it is quoted in, and date.
    pub fn fixings(&self) -> &BTreeMap<FixingKey, Fixing> {
        &self.fixings
    }
    /// The interrupted commit that this open found and rolled back, if any: the caller says
    /// so to the user.
    pub fn recovered(&self) -> Option<Recovered> {
        self.recovered
    }

    /// Give this store the rules of its agreements' terms, which every writer it begins
    /// applies to each transaction. A store without them cannot be written.
    pub fn set_rules(&mut self, rules: Box<dyn crate::model::terms::AgreementRules>) {
        self.rules = Some(rules);
    }

    /// Begin an atomic write. Nothing is visible to readers until [`Writer::commit`].
    pub fn writer(&mut self) -> Result<Writer<'_>, StoreError> {
        Writer::begin(self, IdCheck::Each)
    }

    /// A writer that checks ids as `check` says: see [`IdCheck`].
    pub fn writer_checking(&mut self, check: IdCheck) -> Result<Writer<'_>, StoreError> {
        Writer::begin(self, check)
    }

    /// Whether a file with this fingerprint (blake3 of its bytes) was imported before.
    pub fn file_imported(&self, fingerprint: &[u8; 32]) -> Result<bool, StoreError> {
        self.db.contains_key(file_key(fingerprint))
    }

    /// All statements, in the order recorded.
    pub fn statements(&self) -> Result<Vec<Statement>, StoreError> {
        let mut out = Vec::new();
        for kv in self.db.scan_prefix(b"t")? {
            let (_, v) = kv?;
            out.push(json(&v)?);
        }
        Ok(out)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Best effort: without a current view, the next `report balances` opens sled.
        if self.leaves_view {
            let _ = self.publish_view();
        }
    }
}

fn json<T: serde::de::DeserializeOwned>(v: &[u8]) -> Result<T, StoreError> {
    if v.first() != Some(&record::RECORD_VERSION) {
        return Err(StoreError::Damaged("unknown record version".into()));
    }
    serde_json::from_slice(&v[1..]).map_err(|e| StoreError::Damaged(e.to_string()))
}

fn to_json<T: Serialize>(t: &T) -> Vec<u8> {
    let mut v = vec![record::RECORD_VERSION];
    // Serializing our own plain structs to a Vec cannot fail.
    serde_json::to_writer(&mut v, t).unwrap_or_default();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_buckets_round_trip_and_version_1_buckets_still_read() {
        let sorted: Vec<IdEntry> = [(3, 9), (3, 12), (1 << 63, 1), (u64::MAX, 0)]
            .iter()
            .map(|&(hash, seq)| IdEntry { hash, seq })
            .collect();
        assert_eq!(
            decode_bucket(&encode_bucket(&sorted)).ok(),
            Some(sorted.clone())
        );
        let mut unsorted = sorted.clone();
        unsorted.reverse();
        assert_eq!(
            decode_bucket(&encode_bucket(&unsorted)).ok(),
            Some(unsorted)
        );
        assert_eq!(decode_bucket(&encode_bucket(&[])).ok(), Some(vec![]));
        // Sorted hashes are stored as differences: a few bytes each, not nine.
        let dense: Vec<IdEntry> = (0..1000u64)
            .map(|i| IdEntry {
                hash: i << 40,
                seq: i,
            })
            .collect();
        assert!(encode_bucket(&dense).len() < 1000 * 9);

        // Version 1: hash and seq as varints, then the 16-byte idempotency hash.
        let mut v1 = Enc::default();
        v1.u8(record::RECORD_VERSION);
        v1.var(2);
        for e in &sorted[..2] {
            v1.var(e.hash);
            v1.var(e.seq);
            v1.bytes(&[7; 16]);
        }
        assert_eq!(decode_bucket(&v1.buf).ok(), Some(sorted[..2].to_vec()));
        assert!(decode_bucket(&v1.buf[..v1.buf.len() - 1]).is_err());
        assert!(decode_bucket(&[9, 0]).is_err());
    }
}
