//! The write path: one [`Writer`] per command, everything it adds committed in one atomic sled
//! batch, then flushed. Full blocks of a large import are written ahead, past the head, where
//! readers do not look; a writer that is dropped or dies leaves them as garbage that the next
//! writer overwrites.
//!
//! This file holds the `Writer` and its beginning; `prepare.rs` the one function every
//! transaction goes through before it is appended (`PreparedBatch::prepare`); `declare.rs` the
//! declarations; `append.rs` the append of a prepared transaction; `commit.rs` the commit and
//! the order of durability; `read.rs` what a writer reads back of the journal and its own
//! additions.

use super::blocks::{Appender, Pointer};
use super::ids::deferred::Spill;
use super::ids::fresh::FreshIds;
use super::record::{self, BlockBuf, Names, Summary};
use super::rules::Rules;
use super::{block_key, summary_key, Head, Store, StoreError, BLOCK_TXNS, ID_BUCKETS};
use crate::model::agreement::Agreement;
use crate::model::chart::Chart;
use crate::model::fixing::Fixing;
use crate::model::statement::Statement;
use crate::model::terms::AgreementRules;
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, HashMap};

mod append;
mod commit;
mod declare;
mod prepare;
mod read;

use append::{LoadedBucket, ReadBlock};
use commit::AheadBits;
pub use declare::{declare_account, declare_commodity, declare_party};
pub use prepare::{Prepared, PreparedBatch, PreparedPosting};

/// What `append` did with a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New {
        seq: u64,
    },
    /// Its id was recorded already with the same content: nothing changed.
    Duplicate {
        seq: u64,
    },
}

/// What a commit wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitReport {
    pub transactions: u64,
    pub duplicates: u64,
    pub commodities: u64,
    pub parties: u64,
    pub accounts: u64,
    pub agreements: u64,
    pub statements: u64,
    pub fixings: u64,
    /// Net change per commodity code of the postings added (always zero for balanced
    /// transactions) and their count, for the import summary.
    pub postings_per_commodity: BTreeMap<String, u64>,
}

/// How a writer checks the ids of the transactions it is given against those stored and its
/// own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdCheck {
    /// Each as it comes: a repeat is known at once, as a command needs to know it. Every new id
    /// is held in memory until the commit (`fresh.rs`).
    Each,
    /// All at the commit, in memory that does not grow with the ids (`deferred.rs`). For an
    /// import, which can be run again from its files if one is repeated.
    AtCommit,
}

/// What the commit of a writer did.
#[derive(Debug)]
pub enum Checked {
    Committed(CommitReport),
    /// Its ids, checked at the commit, held a repeat, or an id with two contents: nothing was
    /// committed. The same input must be given again to a writer that checks each id.
    Again,
}

/// A writer's ids, by how it checks them.
enum Ids {
    Each {
        /// Id buckets loaded from the store, by bucket number, each with where its entries of
        /// each top hash byte start: a look-up searches a handful of entries, not a whole
        /// bucket.
        buckets: Vec<Option<LoadedBucket>>,
        /// The ids this writer adds.
        fresh: FreshIds,
    },
    AtCommit {
        spill: Spill,
        /// Transactions with an id given to this writer, those that failed included.
        given: u64,
        /// Whether a sampled id is stored already (see `append_prepared`).
        stored_seen: bool,
    },
}

/// Where the committed part of `gasledger.blocks` ends: full blocks are appended in order, so
/// the last full committed block, if it is in the file, ends there.
fn committed_blocks_end(store: &Store, tail_index: u64) -> Result<u64, StoreError> {
    let end = match tail_index.checked_sub(1) {
        Some(last) => match store.db.get(block_key(last))? {
            Some(v) => match Pointer::from_value(&v) {
                Some(p) => p?.end(),
                None => 0,
            },
            None => 0,
        },
        None => 0,
    };
    Ok(end)
}

/// The committed transactions of the tail block (`in_tail` of them), its net change by
/// (account, commodity) and its date range: what a writer appends to.
fn committed_tail(store: &Store, tail_index: u64, in_tail: u64) -> Result<Tail, StoreError> {
    let tail = if in_tail > 0 {
        let v = store
            .block_value(tail_index)?
            .ok_or_else(|| StoreError::Damaged(format!("block {tail_index} is missing")))?;
        let mut buf = BlockBuf::from_value(&v)?;
        if (buf.count as u64) > in_tail {
            // Left over from a write that never committed: keep the committed prefix.
            let entries = record::block_entries(&v)?;
            let mut fresh = BlockBuf::default();
            for (content, hash) in entries.into_iter().take(in_tail as usize) {
                fresh.push(content, &hash);
            }
            buf = fresh;
        }
        let s = store.db.get(summary_key(tail_index))?.ok_or_else(|| {
            StoreError::Damaged(format!("summary of block {tail_index} is missing"))
        })?;
        let s = Summary::from_value(&s)?;
        let sums = s.deltas.iter().map(|(a, c, v)| ((*a, *c), *v)).collect();
        (buf, true, sums, (s.min_date, s.max_date))
    } else {
        (BlockBuf::default(), false, BTreeMap::new(), (u32::MAX, 0))
    };
    Ok(tail)
}

/// A tail block: its buffer, whether it was committed, its net change and its date range.
type Tail = (BlockBuf, bool, BTreeMap<(u32, u32), Decimal>, (u32, u32));

pub struct Writer<'s> {
    store: &'s mut Store,
    chart: Chart,
    names: super::record::Names,
    head: Head,
    balances: FxHashMap<(u32, u32), Decimal>,
    touched_balances: FxHashSet<(u32, u32)>,
    /// The block being filled, and whether it existed before this writer (then it is written in
    /// the final batch only, never ahead).
    tail: BlockBuf,
    tail_index: u64,
    tail_committed: bool,
    tail_summary: BTreeMap<(u32, u32), Decimal>,
    tail_dates: (u32, u32),
    ids: Ids,
    /// The last block read for an id look-up.
    last_read: Option<ReadBlock>,
    /// A block that held committed transactions and was filled by this writer: its pointer
    /// goes into the commit batch, and its bytes are kept here until then.
    sealed_committed: Option<(u64, Vec<u8>)>,
    /// Where full blocks are appended (`blocks.rs`): opened at the first, from `blocks_end`,
    /// the end of the committed ones.
    appender: Option<Appender>,
    blocks_end: u64,
    /// Accounts that have a floor, by id: the only ones whose floor is checked.
    floored: FxHashSet<u32>,
    /// Postings added per commodity id, for the report.
    posting_counts: Vec<u64>,
    batch: sled::Batch,
    agreements: Vec<Agreement>,
    /// The fixings this writer adds.
    fixings: Vec<Fixing>,
    /// The rules of the stored agreements and this writer's own, asked about each transaction
    /// as it is prepared (`crate::ops::rulebook`).
    rulebook: Box<dyn AgreementRules>,
    /// Statements with an id: the stored ones (read at the first such statement given) and
    /// this writer's, by id.
    statement_ids: Option<HashMap<String, Statement>>,
    report: CommitReport,
    /// The date rules of obligations and reversals (`rules.rs`), checked at the commit.
    rules: Rules,
    /// Whether this writer added a transaction under an offset agreement.
    offsets_added: bool,
    /// Id buckets that a commit before this one wrote ahead and never finished (`Ahead`).
    ahead_marked: AheadBits,
    /// The id buckets this writer's commit wrote ahead.
    ahead_written: AheadBits,
}

impl<'s> Writer<'s> {
    pub(super) fn begin(store: &'s mut Store, check: IdCheck) -> Result<Writer<'s>, StoreError> {
        let rulebook = store.rules.as_ref().ok_or(StoreError::NoRules)?.clone_box();
        let head = store.head;
        let balances = store.raw_balances()?.into_iter().collect();
        let tail_index = head.txn_count / BLOCK_TXNS as u64;
        let in_tail = head.txn_count % BLOCK_TXNS as u64;
        let blocks_end = committed_blocks_end(store, tail_index)?;
        let (tail, tail_committed, tail_summary, tail_dates) =
            committed_tail(store, tail_index, in_tail)?;
        Ok(Writer {
            chart: store.chart.clone(),
            names: store.names.clone(),
            head,
            balances,
            touched_balances: Default::default(),
            tail,
            tail_index,
            tail_committed,
            tail_summary,
            tail_dates,
            ids: match check {
                IdCheck::Each => Ids::Each {
                    buckets: Vec::new(),
                    fresh: FreshIds::default(),
                },
                IdCheck::AtCommit => Ids::AtCommit {
                    spill: Spill::default(),
                    given: 0,
                    stored_seen: false,
                },
            },
            sealed_committed: None,
            appender: None,
            blocks_end,
            floored: store
                .chart
                .accounts
                .values()
                .filter(|a| a.floor.is_some())
                .filter_map(|a| store.names.account_ids.get(&a.name).copied())
                .collect(),
            last_read: None,
            posting_counts: Vec::new(),
            batch: sled::Batch::default(),
            agreements: Vec::new(),
            fixings: Vec::new(),
            rulebook,
            statement_ids: None,
            report: CommitReport::default(),
            rules: Rules::default(),
            offsets_added: false,
            ahead_marked: [0; ID_BUCKETS as usize / 8],
            ahead_written: [0; ID_BUCKETS as usize / 8],
            store,
        })
    }

    /// The chart as this writer sees it, with its own declarations.
    pub fn chart(&self) -> &Chart {
        &self.chart
    }

    pub fn agreement(&self, name: &str) -> Option<&Agreement> {
        self.agreements
            .iter()
            .rev()
            .find(|a| a.name == name)
            .or_else(|| self.store.agreements.get(name))
    }

    /// The fixing of `commodity` in `quote` on `date`, this writer's own included.
    pub fn fixing(
        &self,
        commodity: &str,
        quote: &str,
        date: crate::model::date::Date,
    ) -> Option<&Fixing> {
        let key = (commodity.to_string(), quote.to_string(), date);
        self.fixings
            .iter()
            .find(|f| f.key() == key)
            .or_else(|| self.store.fixings.get(&key))
    }

    /// Whether a journal file with these bytes was imported by an earlier commit.
    pub fn file_imported(&self, fingerprint: &[u8; 32]) -> Result<bool, StoreError> {
        self.store.file_imported(fingerprint)
    }

    /// Remember that a journal file with these bytes was imported (committed with the rest).
    pub fn mark_file_imported(&mut self, fingerprint: [u8; 32]) {
        self.batch.insert(
            &super::file_key(&fingerprint)[..],
            &[record::RECORD_VERSION][..],
        );
    }

    /// The running balance of an account in a commodity, including this writer's postings.
    pub fn balance(&self, account: &str, commodity: &str) -> Decimal {
        match (
            self.names.account_ids.get(account),
            self.names.commodity_ids.get(commodity),
        ) {
            (Some(a), Some(c)) => self.balances.get(&(*a, *c)).copied().unwrap_or_default(),
            _ => Decimal::ZERO,
        }
    }

    /// Expect about `n` new ids: the table of new ids is sized once instead of doubling (a
    /// writer that checks ids at its commit has no such table).
    pub fn reserve_ids(&mut self, n: usize) {
        if let Ids::Each { fresh, .. } = &mut self.ids {
            fresh.reserve(n);
        }
    }

    /// Whether this writer checks ids at its commit and was given a transaction with an id
    /// (the one that just failed counts): an error it gave may then come from a repeat it has
    /// not recognised, of a stored id or of one of its own, and is only certain from a writer
    /// that checks each id.
    pub fn ids_unchecked(&self) -> bool {
        matches!(self.ids, Ids::AtCommit { given, .. } if given > 0)
    }

    /// Whether this writer checks ids at its commit and has seen, among the ids it samples, one
    /// that is stored already: its commit would find the repeat, so the input may as well be
    /// given to a writer that checks each id now.
    pub fn repeats_stored(&self) -> bool {
        matches!(self.ids, Ids::AtCommit { stored_seen, .. } if stored_seen)
    }

    /// The chart's name-to-id tables as this writer sees them, for [`PreparedBatch::prepare`] on another
    /// thread (which must then apply the same declarations in the same order: see `import`).
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// The rulebook as this writer sees it, for [`PreparedBatch::prepare`] on another thread
    /// (which must then learn the same agreements in the same order: see `import`).
    pub fn rulebook(&self) -> &dyn AgreementRules {
        self.rulebook.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::IdEntry;
    use proptest::prelude::*;

    fn entry(hash: u64, seq: u64) -> IdEntry {
        IdEntry { hash, seq }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// A loaded bucket finds exactly the entries a scan of all of them finds, in order of
        /// sequence number: hashes drawn from a few values (so that many are equal), spread
        /// over the whole range (every top byte) or crowded into one top byte.
        #[test]
        fn a_loaded_bucket_finds_what_a_scan_finds(
            picks in prop::collection::vec(0usize..40, 0..400),
            wanted in 0usize..40,
            crowd in any::<bool>(),
        ) {
            let hash_of = |i: usize| {
                let spread = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                if crowd { 0xAB00_0000_0000_0000 | (spread >> 8) } else { spread }
            };
            let entries: Vec<IdEntry> = picks
                .iter()
                .enumerate()
                .map(|(seq, i)| entry(hash_of(*i), seq as u64))
                .collect();
            let loaded = LoadedBucket::new(entries.clone());
            let h = hash_of(wanted);
            let mut expected: Vec<IdEntry> =
                entries.into_iter().filter(|e| e.hash == h).collect();
            expected.sort_by_key(|e| e.seq);
            prop_assert_eq!(loaded.with_hash(h), &expected[..]);
            prop_assert_eq!(loaded.with_hash(u64::MAX), &[][..]);
            prop_assert_eq!(loaded.with_hash(0).iter().all(|e| e.hash == 0), true);
        }
    }
}
