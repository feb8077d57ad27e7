//! Appending a prepared transaction: its id checked, the balances after each posting with the
//! assertions and floors, the block's net change, then applied to the running state.

use super::*;
use crate::model::error::LedgerError;
use crate::model::transaction::Transaction;
use crate::store::blocks::Appender;
use crate::store::codec::Dec;
use crate::store::faults::{self, Point};
use crate::store::record::{self, Summary};
use crate::store::rules::Reversal;
use crate::store::{
    block_key, bucket_key, bucket_of, decode_bucket, id_hash, summary_key, IdEntry, StoreError,
    BLOCK_TXNS, ID_BUCKETS,
};
use rust_decimal::Decimal;

/// New values by (account id, commodity id), in the order of the postings that changed them
/// (a key's last is its final value).
pub(super) type Changes = Vec<((u32, u32), Decimal)>;

/// What a transaction's id adds to the index.
pub(super) enum NewId {
    /// A stored transaction with this id and the same content: nothing to add.
    Duplicate(u64),
    /// The entry to add, if the transaction has an id.
    Entry(Option<IdEntry>),
}

/// A stored id bucket as a writer holds it: entries sorted by (hash, sequence number), and for
/// each value of a hash's top byte the index of its first entry. A bucket of a store of a
/// million ids holds about a thousand entries; a binary search over all of them missed the
/// cache at almost every step (a second 1M import into a 1M store spent a third of its time
/// there), where the top byte leaves about four to look at.
pub(super) struct LoadedBucket {
    pub(super) entries: Vec<IdEntry>,
    pub(super) starts: Vec<u32>,
}

impl LoadedBucket {
    pub(super) fn new(mut entries: Vec<IdEntry>) -> LoadedBucket {
        if entries.is_empty() {
            // A new store's buckets: nothing to index, and nothing to read at each look-up.
            return LoadedBucket {
                entries,
                starts: Vec::new(),
            };
        }
        entries.sort_by_key(|e| (e.hash, e.seq));
        let mut starts = Vec::with_capacity(257);
        let mut i = 0;
        for top in 0..=256u64 {
            while i < entries.len() && (entries[i].hash >> 56) < top {
                i += 1;
            }
            // A bucket holds far fewer than 4 billion entries.
            starts.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        LoadedBucket { entries, starts }
    }

    /// The entries whose hash is `hash`.
    pub(super) fn with_hash(&self, hash: u64) -> &[IdEntry] {
        if self.entries.is_empty() {
            return &[];
        }
        let top = (hash >> 56) as usize;
        let (from, to) = (self.starts[top] as usize, self.starts[top + 1] as usize);
        let run = self.entries.get(from..to).unwrap_or_default();
        let start = run.partition_point(|e| e.hash < hash);
        let end = start + run[start..].partition_point(|e| e.hash == hash);
        &run[start..end]
    }
}

/// A block read from the store for id look-ups, with where each transaction's content lies in
/// it: the repeats of a file imported before come in order, a thousand to a block.
pub(super) struct ReadBlock {
    pub(super) index: u64,
    pub(super) bytes: Vec<u8>,
    pub(super) contents: Vec<(usize, usize)>,
}

impl Writer<'_> {
    /// Check a transaction against the chart and the running balances and add it. Nothing of
    /// it is applied unless every check passes, so the writer stays usable after an error.
    pub fn append(&mut self, t: Transaction) -> Result<Added, StoreError> {
        let mut batch = PreparedBatch::default();
        let i = batch.prepare(t, &self.chart, &self.names, self.rulebook.as_ref())?;
        match batch.get(i) {
            Some(p) => self.append_prepared(p),
            None => Err(StoreError::Damaged(
                "a prepared transaction is missing".into(),
            )),
        }
    }

    /// Whether `id` is stored already (by a commit before this writer).
    pub(super) fn is_stored(&mut self, id: &str) -> Result<bool, StoreError> {
        let hash = id_hash(id);
        let committed = self.store.head.txn_count;
        let Some(v) = self.store.db.get(bucket_key(bucket_of(hash)))? else {
            return Ok(false);
        };
        let seqs: Vec<u64> = decode_bucket(&v)?
            .into_iter()
            .filter(|e| e.hash == hash && e.seq < committed)
            .map(|e| e.seq)
            .collect();
        self.store.db.scanned(v.len())?;
        for seq in seqs {
            if self.stored_txn(seq)?.0.id.as_deref() == Some(id) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Add a transaction that [`PreparedBatch::prepare`] checked against this writer's chart and names: the
    /// checks that need the running state (idempotency, assertions, floors, overflow).
    pub fn append_prepared(&mut self, p: Prepared<'_>) -> Result<Added, StoreError> {
        self.check_ids_in_chart(&p)?;
        let seq = self.head.txn_count;
        let digest = p.digest.unwrap_or_else(|| record::digest(p.content));
        let hash = record::link(&self.head.last_hash, &digest);
        let chash = record::idempotency(&digest);
        let new_id = match self.new_id(&p, seq, chash)? {
            NewId::Duplicate(seq) => {
                self.report.duplicates += 1;
                return Ok(Added::Duplicate { seq });
            }
            NewId::Entry(e) => e,
        };
        let changed = self.balances_after(p.postings)?;
        self.check_floors(&changed)?;
        let deltas = self.block_deltas(p.postings)?;
        self.rules
            .applied(p.postings, p.date, seq, &self.names, &self.chart)?;
        self.offsets_added |= p.offset;
        if let Some(r) = p.reverses {
            self.rules.reversals.push(Reversal {
                reversed: r.to_string(),
                date: p.date,
                seq,
            });
        }
        let added = self.apply(&p, seq, hash, changed, deltas, new_id)?;
        faults::pass(Point::TxnAppended);
        Ok(added)
    }

    /// A prepared transaction names only accounts and commodities this writer knows.
    pub(super) fn check_ids_in_chart(&self, p: &Prepared<'_>) -> Result<(), StoreError> {
        let (n_accounts, n_commodities) = (
            self.names.accounts.len() as u32,
            self.names.commodities.len() as u32,
        );
        if p.postings
            .iter()
            .any(|x| x.account >= n_accounts || x.commodity >= n_commodities)
        {
            return Err(StoreError::Damaged(
                "a transaction was prepared against another chart than the writer's".into(),
            ));
        }
        Ok(())
    }

    /// The id entry `p` adds, or the stored transaction it repeats with the same content.
    pub(super) fn new_id(
        &mut self,
        p: &Prepared<'_>,
        seq: u64,
        chash: [u8; 16],
    ) -> Result<NewId, StoreError> {
        // Idempotency: an id seen before is a no-op with the same content, an error otherwise.
        if let Ids::AtCommit { given, .. } = &mut self.ids {
            // Checked at the commit. The 1st, 2nd, 4th, 8th... id given is also looked up among
            // the stored ones now: a file that repeats stored transactions, most often one that
            // has grown since it was imported, is known at once rather than at the commit after
            // a whole run. A look-up decodes one bucket (about 1,000 entries at 1M stored ids),
            // so their number grows with the log of the ids given, not with the ids.
            if let Some(id) = p.id {
                *given += 1;
                let sample = given.is_power_of_two() && self.store.head.txn_count > 0;
                if sample && self.is_stored(id)? {
                    if let Ids::AtCommit { stored_seen, .. } = &mut self.ids {
                        *stored_seen = true;
                    }
                }
                return Ok(NewId::Entry(Some(IdEntry {
                    hash: id_hash(id),
                    seq,
                })));
            }
        } else if let Some(id) = p.id {
            let h = id_hash(id);
            for e in self.id_candidates(h)? {
                let (other, other_chash) = self.stored_txn(e.seq)?;
                if other.id.as_deref() == Some(id) {
                    if other_chash == chash {
                        return Ok(NewId::Duplicate(e.seq));
                    }
                    let recorded = self.names.to_model(&other)?;
                    if let Some(r) = p.reverses.filter(|r| recorded.tag("reverses") == Some(r)) {
                        // Another reversal of the same transaction under the same id.
                        return Err(StoreError::Reversal {
                            id: r.to_string(),
                            why: format!(
                                "it was reversed already on {} (id {id}); a transaction is \
                                 reversed once",
                                recorded.date
                            ),
                        });
                    }
                    return Err(StoreError::IdConflict {
                        id: id.to_string(),
                        recorded: format!("{} {}", recorded.date, recorded.description),
                    });
                }
            }
            return Ok(NewId::Entry(Some(IdEntry { hash: h, seq })));
        }
        Ok(NewId::Entry(None))
    }

    /// The balances after each posting, checking the assertions as they come.
    pub(super) fn balances_after(
        &self,
        postings: &[PreparedPosting],
    ) -> Result<Changes, StoreError> {
        // Balances after each posting (assertions), then floors on the final balances.
        let mut changed: Vec<((u32, u32), Decimal)> = Vec::with_capacity(postings.len());
        for rp in postings {
            let key = (rp.account, rp.commodity);
            let before = changed
                .iter()
                .rev()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .unwrap_or_else(|| self.balances.get(&key).copied().unwrap_or_default());
            // Exact: a balance that would need rounding is refused, not rounded.
            let after = crate::model::amount::exact_add(before, rp.value, || {
                format!(
                    "the balance of {} in {}",
                    self.names.accounts[rp.account as usize],
                    self.names.commodities[rp.commodity as usize]
                )
            })
            .map_err(LedgerError::Amount)?;
            changed.push((key, after));
            if let Some((c, asserted)) = rp.assertion {
                let ckey = (rp.account, c);
                let actual = changed
                    .iter()
                    .rev()
                    .find(|(k, _)| *k == ckey)
                    .map(|(_, v)| *v)
                    .unwrap_or_else(|| self.balances.get(&ckey).copied().unwrap_or_default());
                crate::model::balance::check_assertion(
                    &self.names.accounts[rp.account as usize],
                    &crate::model::amount::Amount::new(
                        asserted,
                        self.names.commodities[c as usize].clone(),
                    ),
                    actual,
                )?;
            }
        }
        Ok(changed)
    }

    /// The floors of the accounts `changed` touched, on their final balances.
    pub(super) fn check_floors(&self, changed: &Changes) -> Result<(), StoreError> {
        for (i, ((a, c), after)) in changed.iter().enumerate() {
            // Only the last change of each key is its final balance.
            if changed[i + 1..].iter().any(|(k, _)| k == &(*a, *c)) {
                continue;
            }
            if !self.floored.contains(a) {
                continue;
            }
            let name = &self.names.accounts[*a as usize];
            if let Some(acct) = self.chart.accounts.get(name) {
                crate::model::balance::check_floor(
                    acct,
                    &self.names.commodities[*c as usize],
                    *after,
                )?;
            }
        }

        Ok(())
    }

    /// The tail block's net change after `postings`.
    pub(super) fn block_deltas(&self, postings: &[PreparedPosting]) -> Result<Changes, StoreError> {
        // A block's net change is what `--as-of` adds up: it must be exact too (it is the
        // difference of two exact balances, which can still be past the range).
        let mut deltas: Vec<((u32, u32), Decimal)> = Vec::with_capacity(postings.len());
        for rp in postings {
            let key = (rp.account, rp.commodity);
            let before = deltas
                .iter()
                .rev()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
                .unwrap_or_else(|| self.tail_summary.get(&key).copied().unwrap_or_default());
            let after = crate::model::amount::exact_add(before, rp.value, || {
                format!(
                    "the change of {} in {} within a block",
                    self.names.accounts[rp.account as usize],
                    self.names.commodities[rp.commodity as usize]
                )
            })
            .map_err(LedgerError::Amount)?;
            deltas.push((key, after));
        }

        Ok(deltas)
    }

    /// Every check passed: apply `p` to the running state.
    pub(super) fn apply(
        &mut self,
        p: &Prepared<'_>,
        seq: u64,
        hash: [u8; 32],
        changed: Changes,
        deltas: Changes,
        new_id: Option<IdEntry>,
    ) -> Result<Added, StoreError> {
        for (key, after) in changed {
            self.balances.insert(key, after);
            self.touched_balances.insert(key);
        }
        for (key, after) in deltas {
            self.tail_summary.insert(key, after);
        }
        for rp in p.postings {
            if let Some(n) = self.posting_counts.get_mut(rp.commodity as usize) {
                *n += 1;
            } else {
                self.posting_counts.resize(rp.commodity as usize + 1, 0);
                self.posting_counts[rp.commodity as usize] = 1;
            }
        }
        if let Some(e) = new_id {
            match &mut self.ids {
                Ids::Each { fresh, .. } => fresh.push(e),
                Ids::AtCommit { spill, .. } => spill.push(e, &self.store.path)?,
            }
        }
        self.tail.push(p.content, &hash);
        self.tail_dates = (self.tail_dates.0.min(p.date), self.tail_dates.1.max(p.date));
        self.head.last_hash = hash;
        self.head.txn_count += 1;
        self.report.transactions += 1;
        if self.tail.count as usize == BLOCK_TXNS {
            self.seal_tail()?;
        }
        Ok(Added::New { seq })
    }

    pub(super) fn tail_summary(&self) -> Summary {
        Summary {
            min_date: self.tail_dates.0,
            max_date: self.tail_dates.1,
            deltas: self
                .tail_summary
                .iter()
                .filter(|(_, v)| !v.is_zero())
                .map(|((a, c), v)| (*a, *c, *v))
                .collect(),
        }
    }

    /// A full block: a new one is written ahead of the commit (past the head, so invisible);
    /// a block that held committed transactions goes into the final batch.
    pub(super) fn seal_tail(&mut self) -> Result<(), StoreError> {
        let block = std::mem::take(&mut self.tail).to_value();
        let summary = self.tail_summary().to_value();
        if self.appender.is_none() {
            self.appender = Some(Appender::open(&self.store.path, self.blocks_end)?);
        }
        let pointer = match self.appender.as_mut() {
            Some(a) => a.append(&block)?.to_value(),
            None => return Err(StoreError::Damaged("the blocks file is not open".into())),
        };
        faults::pass(Point::BlockAppended);
        if self.tail_committed {
            // sled still holds this block's committed prefix until the commit: keep the full
            // block at hand for id look-ups into it.
            self.sealed_committed = Some((self.tail_index, block));
            self.batch
                .insert(&block_key(self.tail_index)[..], &pointer[..]);
            self.batch
                .insert(&summary_key(self.tail_index)[..], summary);
        } else {
            let written = pointer.len() + summary.len();
            let mut b = sled::Batch::default();
            b.insert(&block_key(self.tail_index)[..], &pointer[..]);
            b.insert(&summary_key(self.tail_index)[..], summary);
            self.store.db.apply_batch(b)?;
            self.store.db.scanned(written)?;
        }
        self.tail_index += 1;
        self.tail_committed = false;
        self.tail_summary.clear();
        self.tail_dates = (u32::MAX, 0);
        faults::pass(Point::BlockSealed);
        Ok(())
    }

    /// The index entries whose id hashes to `hash`: stored ones and this writer's.
    pub(super) fn id_candidates(&mut self, hash: u64) -> Result<Vec<IdEntry>, StoreError> {
        let b = bucket_of(hash);
        let Ids::Each { buckets, fresh } = &mut self.ids else {
            return Ok(Vec::new());
        };
        if buckets.is_empty() {
            buckets.resize_with(ID_BUCKETS as usize, || None);
        }
        let slot = &mut buckets[usize::from(b)];
        let stored = match slot {
            Some(loaded) => loaded,
            None => {
                let mut entries = match self.store.db.get(bucket_key(b))? {
                    Some(v) => decode_bucket(&v)?,
                    None => Vec::new(),
                };
                // Left by a writer that died before its commit (see `store/mod.rs`).
                let committed = self.store.head.txn_count;
                entries.retain(|e| e.seq < committed);
                slot.insert(LoadedBucket::new(entries))
            }
        };
        let mut out: Vec<IdEntry> = stored.with_hash(hash).to_vec();
        out.extend(fresh.with_hash(hash));
        Ok(out)
    }

    /// A transaction by sequence number (committed, written ahead, or in the tail), and the
    /// idempotency hash of its content.
    pub(super) fn stored_txn(
        &mut self,
        seq: u64,
    ) -> Result<(record::RawTxn, [u8; 16]), StoreError> {
        let block = seq / BLOCK_TXNS as u64;
        let idx = (seq % BLOCK_TXNS as u64) as usize;
        let value;
        let content: &[u8] = if block == self.tail_index {
            value = self.tail.to_value();
            Self::content_in(&value, idx, seq)?
        } else if let Some((_, v)) = self.sealed_committed.as_ref().filter(|(i, _)| *i == block) {
            Self::content_in(v, idx, seq)?
        } else {
            // Below the tail, a block no longer changes while this writer lives.
            if self.last_read.as_ref().map(|r| r.index) != Some(block) {
                let bytes = self
                    .store
                    .block_value(block)?
                    .ok_or_else(|| StoreError::Damaged(format!("block {block} is missing")))?
                    .to_vec();
                let base = bytes.as_ptr() as usize;
                let contents = record::block_entries(&bytes)?
                    .iter()
                    .map(|(c, _)| (c.as_ptr() as usize - base, c.len()))
                    .collect();
                self.last_read = Some(ReadBlock {
                    index: block,
                    bytes,
                    contents,
                });
            }
            let r = self
                .last_read
                .as_ref()
                .ok_or_else(|| StoreError::Damaged(format!("block {block} is missing")))?;
            r.contents
                .get(idx)
                .and_then(|&(at, len)| r.bytes.get(at..at + len))
                .ok_or_else(|| StoreError::Damaged(format!("transaction {seq} is missing")))?
        };
        Ok((
            record::decode_txn(&mut Dec::new(content))?,
            record::content_hash(content),
        ))
    }

    /// The content of the `idx`th transaction of a block's value.
    pub(super) fn content_in(value: &[u8], idx: usize, seq: u64) -> Result<&[u8], StoreError> {
        record::block_entries(value)?
            .get(idx)
            .map(|(content, _)| *content)
            .ok_or_else(|| StoreError::Damaged(format!("transaction {seq} is missing")))
    }
}
