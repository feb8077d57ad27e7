//! The commit: the rules that need the whole journal, the id buckets written ahead, then the
//! last batch and the order of durability.

use super::*;
use crate::model::error::LedgerError;
use crate::store::codec::Enc;
use crate::store::faults::{self, Point};
use crate::store::ids::deferred::Spill;
use crate::store::ids::fresh::FreshIds;
use crate::store::record::{self};
use crate::store::{
    balance_key, block_key, bucket_key, decode_bucket, encode_bucket, summary_key, IdEntry, Store,
    StoreError, ID_BUCKETS,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Bytes of id buckets a commit writes to sled per batch ahead of its last one.
const BUCKETS_AHEAD_BYTES: usize = 1 << 20;

/// Id buckets written to sled ahead of a commit's last batch, about a mebibyte at a time.
/// Each batch of them carries the bitmap
/// of every bucket written ahead and not yet cleaned (`KEY_AHEAD`): whatever of them reaches
/// the disk, the bitmap covering it does too (one sled batch is atomic). A commit that never
/// moves the head (a crash, a power cut, an input run again) leaves entries past the head in
/// those buckets; the next commit that moves the head cleans them in its last batch, since
/// once the head has moved past them they would count as committed.
pub(super) struct Ahead {
    pub(super) batch: sled::Batch,
    pub(super) bytes: usize,
    /// Written ahead and not cleaned: by this commit, or by one before it that never finished.
    pub(super) marked: AheadBits,
    /// Written by this commit (each the committed entries and this commit's: clean).
    pub(super) written: AheadBits,
}

/// One bit per id bucket.
pub(super) type AheadBits = [u8; ID_BUCKETS as usize / 8];

impl Ahead {
    pub(super) fn new(marked: AheadBits) -> Ahead {
        Ahead {
            batch: sled::Batch::default(),
            bytes: 0,
            marked,
            written: [0; ID_BUCKETS as usize / 8],
        }
    }

    pub(super) fn put(&mut self, store: &Store, b: u16, value: Vec<u8>) -> Result<(), StoreError> {
        self.bytes += value.len();
        self.marked[usize::from(b / 8)] |= 1 << (b % 8);
        self.written[usize::from(b / 8)] |= 1 << (b % 8);
        self.batch.insert(&bucket_key(b)[..], value);
        if self.bytes >= BUCKETS_AHEAD_BYTES {
            self.apply(store)?;
        }
        Ok(())
    }

    pub(super) fn apply(&mut self, store: &Store) -> Result<(), StoreError> {
        let mut batch = std::mem::take(&mut self.batch);
        batch.insert(crate::store::KEY_AHEAD, &self.marked[..]);
        store.db.apply_batch(batch)?;
        store.db.scanned(std::mem::take(&mut self.bytes))?;
        faults::pass(Point::IdsAhead);
        Ok(())
    }

    pub(super) fn finish(mut self, store: &Store) -> Result<AheadBits, StoreError> {
        if self.bytes > 0 {
            self.apply(store)?;
        }
        Ok(self.written)
    }
}

impl Writer<'_> {
    /// Commit everything atomically and make it durable. Returns what was added. For a writer
    /// that checks ids at its commit, see [`Writer::commit_checked`]: here a repeat among them is
    /// an error.
    pub fn commit(self) -> Result<CommitReport, StoreError> {
        match self.commit_checked()? {
            Checked::Committed(report) => Ok(report),
            Checked::Again => Err(StoreError::Damaged(
                "a write repeated an id that was checked only at its commit; nothing was written"
                    .into(),
            )),
        }
    }

    /// Commit everything atomically and make it durable; or, where ids checked at the commit
    /// hold a repeat, commit nothing and say how to run the same input again.
    pub fn commit_checked(mut self) -> Result<Checked, StoreError> {
        self.count_postings();
        self.batch_tail();
        // The rules that need the whole journal, before anything is written ahead: a refused
        // write must leave no id entry behind (one past the head today is inside it once a
        // later commit moves the head). Where ids are checked only below, a repeat of a stored
        // transaction would count twice here: a refusal is then not certain, and the input
        // runs again with a writer that checks each id (and skips repeats) as it comes.
        let ruled = (|| {
            if self.offsets_added {
                self.check_offset_limits()?;
            }
            if !self.rules.is_idle() {
                self.check_rules()?;
            }
            Ok::<(), StoreError>(())
        })();
        if let Err(e) = ruled {
            return if self.ids_unchecked() {
                Ok(Checked::Again)
            } else {
                Err(e)
            };
        }
        if !self.write_ids()? {
            return Ok(Checked::Again);
        }
        faults::pass(Point::BeforeHead);
        self.write_head()?;
        Ok(Checked::Committed(std::mem::take(&mut self.report)))
    }

    /// The postings added, per commodity, into the commit's report.
    pub(super) fn count_postings(&mut self) {
        for (c, n) in self.posting_counts.iter().enumerate() {
            if *n > 0 {
                self.report
                    .postings_per_commodity
                    .insert(self.names.commodities[c].clone(), *n);
            }
        }
    }

    /// The tail block and its summary, into the last batch.
    pub(super) fn batch_tail(&mut self) {
        if self.tail.count > 0 {
            let block = self.tail.to_value();
            let summary = self.tail_summary().to_value();
            self.batch.insert(&block_key(self.tail_index)[..], block);
            self.batch
                .insert(&summary_key(self.tail_index)[..], summary);
        }
    }

    /// Write the id buckets ahead of the last batch. Returns false where ids checked at the
    /// commit hold a repeat: nothing is committed, and the input runs again.
    pub(super) fn write_ids(&mut self) -> Result<bool, StoreError> {
        if let Some(v) = self.store.db.get(crate::store::KEY_AHEAD)? {
            if v.len() == self.ahead_marked.len() {
                self.ahead_marked.copy_from_slice(&v);
            } else {
                // Unreadable: every bucket may hold entries past the head.
                self.ahead_marked = [0xff; ID_BUCKETS as usize / 8];
            }
        }
        // Each bucket with new ids, merged with its stored entries, goes to sled ahead of the
        // last batch, a few at a time, so that neither that batch nor sled's buffers for it
        // grow with the number of ids: until the head moves, their new entries are past it,
        // and skipped by everyone (see `store/mod.rs`).
        let ids = std::mem::replace(
            &mut self.ids,
            Ids::Each {
                buckets: Vec::new(),
                fresh: FreshIds::default(),
            },
        );
        match ids {
            Ids::Each { buckets, fresh } => self.write_buckets(&buckets, fresh)?,
            Ids::AtCommit { mut spill, .. } => {
                if !self.check_and_write_buckets(&mut spill)? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// The last batch: the balances, the head and the schema, applied at once; then the
    /// order of durability (ARCHITECTURE.md): sled's files are synced, and only then does the
    /// anchor move (its file and folder synced) and the command say it is done. The store
    /// takes this writer's chart, names and agreements.
    pub(super) fn write_head(&mut self) -> Result<(), StoreError> {
        self.clean_ahead()?;
        for key in &self.touched_balances {
            let mut e = Enc::with_capacity(17);
            e.u8(record::RECORD_VERSION);
            e.dec(self.balances[key]);
            self.batch.insert(&balance_key(key.0, key.1)[..], e.buf);
        }
        self.head.commits += 1;
        self.batch
            .insert(crate::store::KEY_HEAD, self.head.to_value());
        self.batch.insert(
            crate::store::KEY_SCHEMA,
            &crate::store::SCHEMA_VERSION.to_le_bytes(),
        );
        // The blocks appended must be durable before anything that points at them is.
        if let Some(a) = &mut self.appender {
            a.sync()?;
            faults::pass(Point::BlocksSynced);
        }
        let batch = std::mem::take(&mut self.batch);
        self.store.db.apply_batch(batch)?;
        faults::pass(Point::HeadApplied);
        // The order of durability (ARCHITECTURE.md): sled's files are synced, and only then
        // does the anchor move (its file and folder synced) and the command say it is done.
        self.store.db.sync()?;
        faults::pass(Point::HeadSynced);
        crate::store::anchor::write(&self.store.path, &self.head)?;
        faults::pass(Point::AnchorMoved);
        self.store.head = self.head;
        self.store.chart = std::mem::take(&mut self.chart);
        self.store.names = std::mem::take(&mut self.names);
        for a in self.agreements.drain(..) {
            self.store.agreements.insert(a.name.clone(), a);
        }
        Ok(())
    }

    /// The date rules over everything this writer added (`rules.rs`).
    pub(super) fn check_rules(&mut self) -> Result<(), StoreError> {
        let mut rules = std::mem::take(&mut self.rules);
        let groups = rules.reduced_groups();
        let accounts = rules.accounts_of(&groups, &self.names, &self.chart);
        let new = self.new_moves(&accounts, rules.earliest_reduction())?;
        let found = rules.check_obligations(self.store, &self.names, &self.chart, &new)?;
        if let Some(v) = found {
            let t = self.stored_txn(v.seq)?.0;
            return Err(StoreError::NotOwed(Box::new(crate::store::NotOwed {
                transaction: match &t.id {
                    Some(id) => format!("{} ({id})", t.description),
                    None => t.description.clone(),
                },
                id: t.id.clone(),
                description: t.description.clone(),
                date: v.date,
                account: v.account,
                debtor: v.debtor,
                creditor: v.creditor,
                amount: v.amount,
                commodity: v.commodity,
                on: v.on,
                owed: v.owed,
            })));
        }
        rules.check_reversals(&mut |f| self.each_txn(f))?;
        self.rules = rules;
        Ok(())
    }

    /// The id buckets that a commit before this one wrote ahead and never finished, and this
    /// one did not write again, lose their entries past the committed head in this commit's
    /// last batch, which also drops the bitmap: the head it moves would otherwise take those
    /// entries in.
    pub(super) fn clean_ahead(&mut self) -> Result<(), StoreError> {
        let committed = self.store.head.txn_count;
        let mut any = false;
        for b in 0..ID_BUCKETS as u16 {
            let (i, bit) = (usize::from(b / 8), 1u8 << (b % 8));
            if self.ahead_marked[i] & bit == 0 {
                continue;
            }
            any = true;
            if self.ahead_written[i] & bit != 0 {
                continue;
            }
            if let Some(v) = self.store.db.get(bucket_key(b))? {
                self.store.db.scanned(v.len())?;
                let mut entries = decode_bucket(&v)?;
                let n = entries.len();
                entries.retain(|e| e.seq < committed);
                if entries.len() != n {
                    self.batch
                        .insert(&bucket_key(b)[..], encode_bucket(&entries));
                }
            }
        }
        if any || self.ahead_written.iter().any(|x| *x != 0) {
            self.batch.remove(crate::store::KEY_AHEAD);
        }
        Ok(())
    }

    /// Every offset agreement under which this writer added an offset assigns, over all its
    /// offsets, stored and new, no more than its limit (the `offset` command checks the same
    /// before it writes; this holds it for every entry path).
    pub(super) fn check_offset_limits(&mut self) -> Result<(), StoreError> {
        let (names, rulebook) = (self.names.clone(), self.rulebook.clone_box());
        let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut failed: Option<StoreError> = None;
        self.each_txn(&mut |_, raw| {
            if failed.is_some() {
                return;
            }
            let Some(name) = raw
                .tags
                .iter()
                .find(|(k, _)| k == "agreement")
                .map(|(_, v)| v)
            else {
                return;
            };
            if rulebook.limit(name).is_none() {
                return;
            }
            let step = names
                .to_model(raw)
                .map_err(StoreError::from)
                .and_then(|t| {
                    rulebook
                        .counted(&t)
                        .map_err(|e| StoreError::Damaged(e.to_string()))
                })
                .and_then(|used| {
                    let slot = totals.entry(name.clone()).or_default();
                    *slot = crate::model::amount::exact_add(*slot, used, || {
                        format!("the total assigned under {name}")
                    })
                    .map_err(LedgerError::Amount)?;
                    Ok(())
                });
            if let Err(e) = step {
                failed = Some(e);
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        for (name, total) in totals {
            let Some((limit, commodity)) = rulebook.limit(&name) else {
                continue;
            };
            if total > limit {
                let scale = self.chart.scale_of(&commodity)?;
                return Err(crate::model::terms::RuleError::OffsetLimit {
                    agreement: name,
                    assigned: crate::model::amount::format_grouped(total, scale),
                    limit: crate::model::amount::format_grouped(limit, scale),
                    commodity,
                }
                .into());
            }
        }
        Ok(())
    }

    /// The id buckets of a writer that checked each id: its new ids, and the stored entries
    /// of each bucket they fall in (all loaded by the look-ups). The new ids are sorted into
    /// bucket order in place, so they are never held twice.
    pub(super) fn write_buckets(
        &mut self,
        buckets: &[Option<LoadedBucket>],
        fresh: FreshIds,
    ) -> Result<(), StoreError> {
        let mut fresh = fresh.into_buckets();
        let mut ahead = Ahead::new(self.ahead_marked);
        while let Some((b, entries)) = fresh.next_bucket() {
            let value = match buckets.get(usize::from(b)) {
                Some(Some(stored)) if !stored.entries.is_empty() => {
                    let mut all = Vec::with_capacity(stored.entries.len() + entries.len());
                    all.extend_from_slice(&stored.entries);
                    all.extend_from_slice(entries);
                    all.sort_unstable_by_key(|e| (e.hash, e.seq));
                    encode_bucket(&all)
                }
                _ => encode_bucket(entries),
            };
            ahead.put(self.store, b, value)?;
        }
        self.ahead_written = ahead.finish(self.store)?;
        Ok(())
    }

    /// The id buckets of a writer that checks ids at its commit, bucket by bucket: the stored
    /// entries (from sled) and the new ones (from the spill) merged. Where two share a hash,
    /// their transactions say whether the later one repeats an id: then it returns false at
    /// once, the head left where it was (the buckets written ahead are past it).
    pub(super) fn check_and_write_buckets(
        &mut self,
        spill: &mut Spill,
    ) -> Result<bool, StoreError> {
        let committed = self.store.head.txn_count;
        let mut finished = spill.finish();
        let (mut new, mut all) = (Vec::new(), Vec::new());
        let mut ahead = Ahead::new(self.ahead_marked);
        for b in 0..ID_BUCKETS as u16 {
            finished.bucket(b, &mut new)?;
            if new.is_empty() {
                continue;
            }
            all.clear();
            if let Some(v) = self.store.db.get(bucket_key(b))? {
                self.store.db.scanned(v.len())?;
                all = decode_bucket(&v)?;
                // Left by a writer that died before its commit (see `store/mod.rs`).
                all.retain(|e| e.seq < committed);
            }
            let merge = !all.is_empty();
            all.extend_from_slice(&new);
            if merge {
                all.sort_unstable_by_key(|e| (e.hash, e.seq));
            }
            for group in all.chunk_by(|a, b| a.hash == b.hash) {
                // In sequence order: a group with a new entry ends with one.
                if group.len() > 1
                    && group[group.len() - 1].seq >= committed
                    && self.repeats_an_id(group, committed)?
                {
                    ahead.finish(self.store)?;
                    return Ok(false);
                }
            }
            ahead.put(self.store, b, encode_bucket(&all))?;
        }
        self.ahead_written = ahead.finish(self.store)?;
        Ok(true)
    }

    /// Whether, in a group of entries that share an id hash (in sequence order), a new
    /// transaction has the id of an earlier one: the same id, not only the same hash.
    pub(super) fn repeats_an_id(
        &mut self,
        group: &[IdEntry],
        committed: u64,
    ) -> Result<bool, StoreError> {
        let mut ids = Vec::with_capacity(group.len());
        for e in group {
            ids.push(self.stored_txn(e.seq)?.0.id);
        }
        Ok(group
            .iter()
            .enumerate()
            .any(|(k, e)| e.seq >= committed && ids[..k].contains(&ids[k])))
    }
}
