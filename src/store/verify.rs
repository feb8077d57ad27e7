//! `verify`: replay the whole journal and compare it with what the store keeps beside it —
//! every transaction's balance, every hash link, every block summary, the running balances and
//! the id index. What it finds is returned as typed [`Problem`]s; only an unreadable store is
//! an error. Memory stays flat: one block at a time, the balances, and the id index compared
//! as a multiset by its count and an order-independent sum.

use super::ids::{bucket_key, decode_bucket, id_hash, IdEntry};
use super::keys::summary_key;
use super::record::{block_entries, chain_hash, decode_txn, RawTxn, Summary};
use super::{codec::Dec, Store, StoreError, BLOCK_TXNS, ID_BUCKETS};
use crate::model::balance::{check_balanced, weight};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt;

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub transactions: u64,
    pub blocks: u64,
    pub problems: Vec<Problem>,
}

/// One thing the replay found that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A committed block that sled has no entry for.
    BlockMissing {
        block: u64,
    },
    /// A block whose bytes cannot be read or decoded.
    BlockUnreadable {
        block: u64,
        why: String,
    },
    /// A block with fewer transactions than the head counts in it.
    BlockShort {
        block: u64,
        holds: usize,
        expected: usize,
    },
    /// A transaction whose chain hash does not follow from the one before.
    HashLink {
        seq: u64,
    },
    /// A transaction that cannot be decoded.
    Undecodable {
        seq: u64,
        why: String,
    },
    /// A transaction whose postings do not sum to zero (by commodity id).
    Unbalanced {
        seq: u64,
        why: String,
    },
    /// A replayed sum that would need rounding.
    Inexact {
        seq: u64,
        what: &'static str,
        account: String,
        commodity: String,
    },
    SummaryMissing {
        block: u64,
    },
    SummaryDiffers {
        block: u64,
    },
    SummaryUnreadable {
        block: u64,
        why: String,
    },
    /// The head's chain hash is not the last transaction's.
    HeadHash,
    /// A stored running balance that differs from the replayed one.
    Balance {
        account: String,
        commodity: String,
        stored: Decimal,
        replayed: Decimal,
    },
    IdBucketUnreadable {
        why: String,
    },
    /// The id index does not hold exactly the ids of the journal.
    IdIndex {
        indexed: u64,
        ids: u64,
    },
}

impl Problem {
    /// Whether this is a transaction that does not balance (reconciliation reports those
    /// under their own check).
    pub fn is_unbalanced(&self) -> bool {
        matches!(self, Problem::Unbalanced { .. })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::BlockMissing { block } => write!(f, "block {block} is missing"),
            Problem::BlockUnreadable { block, why } => write!(f, "block {block}: {why}"),
            Problem::BlockShort {
                block,
                holds,
                expected,
            } => write!(
                f,
                "block {block} holds {holds} transactions, expected {expected}"
            ),
            Problem::HashLink { seq } => write!(
                f,
                "transaction {seq}: hash link broken (content or order changed)"
            ),
            Problem::Undecodable { seq, why } => write!(f, "transaction {seq}: {why}"),
            Problem::Unbalanced { seq, why } => {
                write!(f, "transaction {seq}: {why} (commodity ids)")
            }
            Problem::Inexact {
                seq,
                what,
                account,
                commodity,
            } => write!(
                f,
                "transaction {seq}: the {what} of {account} in {commodity} leaves the exact \
                 range of a decimal"
            ),
            Problem::SummaryMissing { block } => write!(f, "summary of block {block} is missing"),
            Problem::SummaryDiffers { block } => write!(
                f,
                "summary of block {block} does not match its transactions"
            ),
            Problem::SummaryUnreadable { block, why } => {
                write!(f, "summary of block {block}: {why}")
            }
            Problem::HeadHash => write!(
                f,
                "the head's chain hash does not match the last transaction"
            ),
            Problem::Balance {
                account,
                commodity,
                stored,
                replayed,
            } => write!(
                f,
                "balance of {account} in {commodity}: stored {stored}, replayed {replayed}"
            ),
            Problem::IdBucketUnreadable { why } => write!(f, "id index: {why}"),
            Problem::IdIndex { indexed, ids } => write!(
                f,
                "id index holds {indexed} entries that differ from the {ids} ids of the journal"
            ),
        }
    }
}

/// A multiset of id index entries, kept as a count and a wrapping sum of a mix of each entry.
#[derive(Debug, Default, PartialEq, Eq)]
struct IdSet {
    count: u64,
    sum: u128,
}

impl IdSet {
    fn add(&mut self, e: &IdEntry) {
        let mix = |x: u64| {
            // splitmix64's finalizer: a change of any input bit changes about half the output.
            let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let a = mix(e.hash ^ mix(e.seq));
        let b = mix(a ^ 0x5bd1_e995);
        self.count += 1;
        self.sum = self.sum.wrapping_add((u128::from(a) << 64) | u128::from(b));
    }
}

/// The state of one replay, carried from transaction to transaction.
struct Replay<'s> {
    store: &'s Store,
    problems: Vec<Problem>,
    prev: [u8; 32],
    sums: BTreeMap<(u32, u32), Decimal>,
    seq: u64,
    ids: IdSet,
}

impl Store {
    /// Replay the whole journal: re-check every transaction's balance, every hash link, the
    /// stored running balances, every block summary and the id index. Problems are returned as
    /// data; only an unreadable store is an error.
    pub fn verify(&self) -> Result<Verification, StoreError> {
        let mut r = Replay {
            store: self,
            problems: Vec::new(),
            prev: [0u8; 32],
            sums: BTreeMap::new(),
            seq: 0,
            ids: IdSet::default(),
        };
        for i in 0..self.block_count() {
            if !r.block(i)? {
                break;
            }
        }
        if r.prev != self.head.last_hash {
            r.problems.push(Problem::HeadHash);
        }
        r.balances()?;
        r.id_index()?;
        Ok(Verification {
            transactions: r.seq,
            blocks: self.block_count(),
            problems: r.problems,
        })
    }
}

impl Replay<'_> {
    /// Replay block `i` and compare its summary. Returns false where the block cannot be
    /// read, after which nothing later can be replayed.
    fn block(&mut self, i: u64) -> Result<bool, StoreError> {
        let v = match self.store.block_value(i) {
            Ok(Some(v)) => v,
            Ok(None) => return self.stop(Problem::BlockMissing { block: i }),
            Err(StoreError::Damaged(why)) => {
                return self.stop(Problem::BlockUnreadable { block: i, why })
            }
            Err(e) => return Err(e),
        };
        let entries = match block_entries(&v) {
            Ok(e) => e,
            Err(e) => {
                let why = e.to_string();
                return self.stop(Problem::BlockUnreadable { block: i, why });
            }
        };
        let valid = (self.store.head.txn_count - self.seq).min(BLOCK_TXNS as u64) as usize;
        if entries.len() < valid {
            let (holds, expected) = (entries.len(), valid);
            return self.stop(Problem::BlockShort {
                block: i,
                holds,
                expected,
            });
        }
        let mut summary = Summary {
            min_date: u32::MAX,
            max_date: 0,
            deltas: Vec::new(),
        };
        let mut block_sums: BTreeMap<(u32, u32), Decimal> = BTreeMap::new();
        for (content, stored_hash) in entries.into_iter().take(valid) {
            if chain_hash(&self.prev, content) != stored_hash {
                self.problems.push(Problem::HashLink { seq: self.seq });
            }
            self.prev = stored_hash;
            match decode_txn(&mut Dec::new(content)) {
                Err(e) => self.problems.push(Problem::Undecodable {
                    seq: self.seq,
                    why: e.to_string(),
                }),
                Ok(t) => self.transaction(&t, &mut summary, &mut block_sums),
            }
            self.seq += 1;
        }
        summary.deltas = block_sums
            .into_iter()
            .filter(|(_, v)| !v.is_zero())
            .map(|((a, c), v)| (a, c, v))
            .collect();
        self.summary(i, &summary)?;
        Ok(true)
    }

    fn stop(&mut self, p: Problem) -> Result<bool, StoreError> {
        self.problems.push(p);
        Ok(false)
    }

    /// One decoded transaction: its balance, its sums into the running balances and the
    /// block's net change (exact: a replayed balance that would need rounding is a problem, so
    /// a stored balance that matches is the exact sum of its postings), its id.
    fn transaction(
        &mut self,
        t: &RawTxn,
        summary: &mut Summary,
        block_sums: &mut BTreeMap<(u32, u32), Decimal>,
    ) {
        let seq = self.seq;
        let weights = t
            .postings
            .iter()
            .map(|p| weight(p.value, p.commodity, p.price));
        if let Err(e) = check_balanced(weights) {
            let why = e.to_string();
            self.problems.push(Problem::Unbalanced { seq, why });
        }
        summary.min_date = summary.min_date.min(t.date);
        summary.max_date = summary.max_date.max(t.date);
        for p in &t.postings {
            for (m, what) in [
                (&mut self.sums, "balance"),
                (&mut *block_sums, "block's net change"),
            ] {
                let slot = m.entry((p.account, p.commodity)).or_default();
                match crate::model::amount::exact_add(*slot, p.value, String::new) {
                    Ok(v) => *slot = v,
                    Err(_) => self.problems.push(Problem::Inexact {
                        seq,
                        what,
                        account: self.store.names.account(p.account).unwrap_or("?").into(),
                        commodity: self
                            .store
                            .names
                            .commodity(p.commodity)
                            .unwrap_or("?")
                            .into(),
                    }),
                }
            }
        }
        if let Some(id) = &t.id {
            self.ids.add(&IdEntry {
                hash: id_hash(id),
                seq,
            });
        }
    }

    /// The stored summary of block `i` against the replayed one.
    fn summary(&mut self, i: u64, replayed: &Summary) -> Result<(), StoreError> {
        let stored = self.store.db.get(summary_key(i))?;
        if let Some(v) = &stored {
            self.store.db.scanned(v.len())?;
        }
        match stored {
            None => self.problems.push(Problem::SummaryMissing { block: i }),
            Some(v) => match Summary::from_value(&v) {
                Ok(s) if s == *replayed => {}
                Ok(_) => self.problems.push(Problem::SummaryDiffers { block: i }),
                Err(e) => self.problems.push(Problem::SummaryUnreadable {
                    block: i,
                    why: e.to_string(),
                }),
            },
        }
        Ok(())
    }

    /// The stored running balances against the replayed sums (zero balances left out).
    fn balances(&mut self) -> Result<(), StoreError> {
        let names = &self.store.names;
        let stored: BTreeMap<_, _> = self
            .store
            .raw_balances()?
            .into_iter()
            .filter(|(_, v)| !v.is_zero())
            .collect();
        let replayed: BTreeMap<_, _> = std::mem::take(&mut self.sums)
            .into_iter()
            .filter(|(_, v)| !v.is_zero())
            .collect();
        let keys: std::collections::BTreeSet<_> = stored.keys().chain(replayed.keys()).collect();
        // Replayed balances first, then those stored that replay to zero, as they were always
        // reported.
        let (mut differ, mut only_stored) = (Vec::new(), Vec::new());
        for k in keys {
            let s = stored.get(k).copied().unwrap_or_default();
            let r = replayed.get(k).copied().unwrap_or_default();
            if s != r {
                let p = Problem::Balance {
                    account: names.account(k.0).unwrap_or("?").into(),
                    commodity: names.commodity(k.1).unwrap_or("?").into(),
                    stored: s,
                    replayed: r,
                };
                if replayed.contains_key(k) {
                    differ.push(p);
                } else {
                    only_stored.push(p);
                }
            }
        }
        self.problems.extend(differ);
        self.problems.extend(only_stored);
        Ok(())
    }

    /// The id index must hold exactly the ids of the journal (entries past the head are a
    /// commit's written ahead, and do not count).
    fn id_index(&mut self) -> Result<(), StoreError> {
        let mut indexed = IdSet::default();
        for b in 0..ID_BUCKETS as u16 {
            let Some(v) = self.store.db.get(bucket_key(b))? else {
                continue;
            };
            self.store.db.scanned(v.len())?;
            match decode_bucket(&v) {
                Ok(b) => b
                    .iter()
                    .filter(|e| e.seq < self.store.head.txn_count)
                    .for_each(|e| indexed.add(e)),
                Err(e) => self
                    .problems
                    .push(Problem::IdBucketUnreadable { why: e.to_string() }),
            }
        }
        if indexed != self.ids {
            self.problems.push(Problem::IdIndex {
                indexed: indexed.count,
                ids: self.ids.count,
            });
        }
        Ok(())
    }
}
