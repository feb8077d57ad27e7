//! The write path: one [`Writer`] per command, everything it adds committed in one atomic sled
//! batch, then flushed. Full blocks of a large import are written ahead, past the head, where
//! readers do not look; a writer that is dropped or dies leaves them as garbage that the next
//! writer overwrites.

use super::blocks::{Appender, Pointer};
use super::codec::{Dec, Enc};
use super::ids::deferred::Spill;
use super::ids::fresh::FreshIds;
use super::record::{self, encode_txn, BlockBuf, Names, RawTxn, Summary};
use super::rules::{Move, Reversal, Rules};
use super::{
    balance_key, block_key, bucket_key, bucket_of, decode_bucket, encode_bucket, id_hash, prefixed,
    statement_key, summary_key, to_json, Head, IdEntry, Numbered, Store, StoreError, BLOCK_TXNS,
    ID_BUCKETS,
};
use crate::model::account::{Account, Party};
use crate::model::agreement::Agreement;
use crate::model::amount::Commodity;
use crate::model::chart::Chart;
use crate::model::error::LedgerError;
use crate::model::statement::Statement;
use crate::model::terms::AgreementRules;
use crate::model::transaction::Transaction;
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, HashMap};

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

/// Bytes of id buckets a commit writes to sled per batch ahead of its last one.
const BUCKETS_AHEAD_BYTES: usize = 1 << 20;

/// Declarations as they change a chart and its name-to-id tables. The writer uses these, and so
/// does a thread that prepares transactions ahead of it: applying the same declarations in the
/// same order, both assign the same ids.
pub fn declare_commodity(
    chart: &mut Chart,
    names: &mut Names,
    c: Commodity,
) -> Result<u32, LedgerError> {
    chart.check_new_commodity(&c)?;
    let id = names.add_commodity(&c.code);
    chart.commodities.insert(c.code.clone(), c);
    Ok(id)
}

pub fn declare_party(chart: &mut Chart, p: Party) -> Result<(), LedgerError> {
    chart.check_new_party(&p)?;
    chart.parties.insert(p.code.clone(), p);
    Ok(())
}

pub fn declare_account(
    chart: &mut Chart,
    names: &mut Names,
    a: Account,
) -> Result<u32, LedgerError> {
    chart.check_new_account(&a)?;
    let id = names.add_account(&a.name);
    chart.accounts.insert(a.name.clone(), a);
    Ok(id)
}

/// A posting as the write path needs it: ids, value, and the balance assertion if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreparedPosting {
    pub account: u32,
    pub commodity: u32,
    pub value: Decimal,
    pub assertion: Option<(u32, Decimal)>,
}

/// Transactions checked against a chart (declared accounts, scales, the balance invariant)
/// and encoded: everything `append` needs that does not depend on the store's running state.
/// Filled by [`PreparedBatch::prepare`] on any thread: an import prepares on its parser thread,
/// so the parsed strings are freed where they were allocated and the writer only does what must
/// be done in order. The transactions of a batch share a few buffers rather than owning some
/// each: a batch handed to the writer and back is a handful of allocations, not thousands made
/// on one thread and freed on the other (glibc's arenas then contend for their locks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreparedBatch {
    content: Vec<u8>,
    ids: String,
    /// The ids named by `reverses:` tags, one per transaction that has one.
    reversed: String,
    postings: Vec<PreparedPosting>,
    txns: Vec<PreparedSpan>,
    /// Whether `prepare` also takes each transaction's digest (blake3 of its content), or
    /// leaves it to the writer: see [`PreparedBatch::set_digests_here`].
    digests_here: bool,
}

/// Where a prepared transaction's parts end in its batch's buffers (each starts where the one
/// before it ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PreparedSpan {
    digest: Option<[u8; 32]>,
    date: u32,
    has_id: bool,
    reverses: bool,
    /// Recorded under an offset agreement: the agreement's limit is checked at the commit.
    offset: bool,
    content_end: u32,
    id_end: u32,
    reversed_end: u32,
    postings_end: u32,
}

/// One prepared transaction, borrowed from its batch. Only [`PreparedBatch::get`] makes one,
/// so the writer can trust its digest to be that of its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prepared<'b> {
    /// blake3 of `content` (see `record::chain_link`), if it was taken where the transaction
    /// was prepared; else the writer takes it.
    digest: Option<[u8; 32]>,
    id: Option<&'b str>,
    /// The id its `reverses:` tag names, if it has one.
    reverses: Option<&'b str>,
    /// Whether it is recorded under an offset agreement.
    offset: bool,
    date: u32,
    postings: &'b [PreparedPosting],
    content: &'b [u8],
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

/// New values by (account id, commodity id), in the order of the postings that changed them
/// (a key's last is its final value).
type Changes = Vec<((u32, u32), Decimal)>;

/// What a transaction's id adds to the index.
enum NewId {
    /// A stored transaction with this id and the same content: nothing to add.
    Duplicate(u64),
    /// The entry to add, if the transaction has an id.
    Entry(Option<IdEntry>),
}

impl PreparedBatch {
    /// Complete and check `t` against `chart`, encode it with `names`' ids, and keep it as the
    /// batch's next transaction; returns its index. On an error the batch is unchanged.
    pub fn prepare(
        &mut self,
        mut t: Transaction,
        chart: &Chart,
        names: &Names,
        rulebook: &dyn AgreementRules,
    ) -> Result<usize, StoreError> {
        t.complete(chart)?;
        rulebook.check(&t)?;
        let offset = t
            .tag("agreement")
            .is_some_and(|a| rulebook.limit(a).is_some());
        let reverses = match t.tag("reverses") {
            Some(r) => {
                self.reversed.push_str(r);
                true
            }
            None => false,
        };
        let raw = names.to_raw(t)?;
        let mut e = Enc {
            buf: std::mem::take(&mut self.content),
        };
        encode_txn(&mut e, &raw);
        self.content = e.buf;
        if let Some(id) = &raw.id {
            self.ids.push_str(id);
        }
        self.postings
            .extend(raw.postings.iter().map(|x| PreparedPosting {
                account: x.account,
                commodity: x.commodity,
                value: x.value,
                assertion: x.assertion,
            }));
        // A batch holds a few thousand transactions of bounded size: far from 4 GiB.
        let end = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let start = self.txns.last().map_or(0, |t| t.content_end as usize);
        self.txns.push(PreparedSpan {
            digest: self
                .digests_here
                .then(|| record::digest(self.content.get(start..).unwrap_or_default())),
            date: raw.date,
            has_id: raw.id.is_some(),
            reverses,
            offset,
            content_end: end(self.content.len()),
            id_end: end(self.ids.len()),
            reversed_end: end(self.reversed.len()),
            postings_end: end(self.postings.len()),
        });
        Ok(self.txns.len() - 1)
    }

    /// The `i`th transaction prepared, if there is one.
    pub fn get(&self, i: usize) -> Option<Prepared<'_>> {
        let span = self.txns.get(i)?;
        let start = match i.checked_sub(1).and_then(|j| self.txns.get(j)) {
            Some(before) => *before,
            None => PreparedSpan {
                digest: None,
                date: 0,
                has_id: false,
                reverses: false,
                offset: false,
                content_end: 0,
                id_end: 0,
                reversed_end: 0,
                postings_end: 0,
            },
        };
        let range = |a: u32, b: u32| a as usize..b as usize;
        Some(Prepared {
            digest: span.digest,
            id: if span.has_id {
                self.ids.get(range(start.id_end, span.id_end))
            } else {
                None
            },
            offset: span.offset,
            reverses: if span.reverses {
                self.reversed
                    .get(range(start.reversed_end, span.reversed_end))
            } else {
                None
            },
            date: span.date,
            postings: self
                .postings
                .get(range(start.postings_end, span.postings_end))?,
            content: self
                .content
                .get(range(start.content_end, span.content_end))?,
        })
    }

    pub fn len(&self) -> usize {
        self.txns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.txns.is_empty()
    }

    /// Whether the transactions prepared from now on get their digest here, or from the writer.
    /// The digest is a tenth of an import's work, and either of its two threads may be the one
    /// the other waits for: the import gives it to the parser thread while the writer has
    /// batches waiting, and to the writer while it has none.
    pub fn set_digests_here(&mut self, here: bool) {
        self.digests_here = here;
    }

    /// Forget every transaction, keeping the buffers for the next batch.
    pub fn clear(&mut self) {
        self.content.clear();
        self.ids.clear();
        self.reversed.clear();
        self.postings.clear();
        self.txns.clear();
    }
}

/// A stored id bucket as a writer holds it: entries sorted by (hash, sequence number), and for
/// each value of a hash's top byte the index of its first entry. A bucket of a store of a
/// million ids holds about a thousand entries; a binary search over all of them missed the
/// cache at almost every step (a second 1M import into a 1M store spent a third of its time
/// there), where the top byte leaves about four to look at.
struct LoadedBucket {
    entries: Vec<IdEntry>,
    starts: Vec<u32>,
}

impl LoadedBucket {
    fn new(mut entries: Vec<IdEntry>) -> LoadedBucket {
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
    fn with_hash(&self, hash: u64) -> &[IdEntry] {
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

/// Id buckets written to sled ahead of a commit's last batch, about a mebibyte at a time.
/// Each batch of them carries the bitmap
/// of every bucket written ahead and not yet cleaned (`KEY_AHEAD`): whatever of them reaches
/// the disk, the bitmap covering it does too (one sled batch is atomic). A commit that never
/// moves the head (a crash, a power cut, an input run again) leaves entries past the head in
/// those buckets; the next commit that moves the head cleans them in its last batch, since
/// once the head has moved past them they would count as committed.
struct Ahead {
    batch: sled::Batch,
    bytes: usize,
    /// Written ahead and not cleaned: by this commit, or by one before it that never finished.
    marked: AheadBits,
    /// Written by this commit (each the committed entries and this commit's: clean).
    written: AheadBits,
}

/// One bit per id bucket.
type AheadBits = [u8; ID_BUCKETS as usize / 8];

impl Ahead {
    fn new(marked: AheadBits) -> Ahead {
        Ahead {
            batch: sled::Batch::default(),
            bytes: 0,
            marked,
            written: [0; ID_BUCKETS as usize / 8],
        }
    }

    fn put(&mut self, store: &Store, b: u16, value: Vec<u8>) -> Result<(), StoreError> {
        self.bytes += value.len();
        self.marked[usize::from(b / 8)] |= 1 << (b % 8);
        self.written[usize::from(b / 8)] |= 1 << (b % 8);
        self.batch.insert(&bucket_key(b)[..], value);
        if self.bytes >= BUCKETS_AHEAD_BYTES {
            self.apply(store)?;
        }
        Ok(())
    }

    fn apply(&mut self, store: &Store) -> Result<(), StoreError> {
        let mut batch = std::mem::take(&mut self.batch);
        batch.insert(super::KEY_AHEAD, &self.marked[..]);
        store.db.apply_batch(batch)?;
        store.db.scanned(std::mem::take(&mut self.bytes))?;
        Ok(())
    }

    fn finish(mut self, store: &Store) -> Result<AheadBits, StoreError> {
        if self.bytes > 0 {
            self.apply(store)?;
        }
        Ok(self.written)
    }
}

/// A block read from the store for id look-ups, with where each transaction's content lies in
/// it: the repeats of a file imported before come in order, a thousand to a block.
struct ReadBlock {
    index: u64,
    bytes: Vec<u8>,
    contents: Vec<(usize, usize)>,
}

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

    pub fn add_commodity(&mut self, c: Commodity) -> Result<(), StoreError> {
        let id = declare_commodity(&mut self.chart, &mut self.names, c.clone())?;
        self.batch
            .insert(prefixed(b'c', &c.code), to_json(&Numbered { id, item: c }));
        self.report.commodities += 1;
        Ok(())
    }

    pub fn add_party(&mut self, p: Party) -> Result<(), StoreError> {
        declare_party(&mut self.chart, p.clone())?;
        self.rules.chart_changed();
        self.batch.insert(prefixed(b'p', &p.code), to_json(&p));
        self.report.parties += 1;
        Ok(())
    }

    pub fn add_account(&mut self, a: Account) -> Result<(), StoreError> {
        let id = declare_account(&mut self.chart, &mut self.names, a.clone())?;
        if a.floor.is_some() {
            self.floored.insert(id);
        }
        self.batch
            .insert(prefixed(b'a', &a.name), to_json(&Numbered { id, item: a }));
        self.report.accounts += 1;
        Ok(())
    }

    /// Open an account when missing (for domain commands whose account names follow from the
    /// agreement or the parties). Returns whether it was opened.
    pub fn ensure_account(&mut self, name: &str) -> Result<bool, StoreError> {
        if self.chart.accounts.contains_key(name) {
            return Ok(false);
        }
        self.add_account(Account {
            name: name.to_string(),
            kind: None,
            floor: None,
        })?;
        Ok(true)
    }

    /// Declare an agreement, after the checks every agreement passes (`Agreement::check`);
    /// its kind's own terms are checked by the module that gives them a meaning. An agreement
    /// is never changed: the same terms again change nothing (returns false), other terms
    /// under a declared name are refused.
    pub fn add_agreement(&mut self, a: Agreement) -> Result<bool, StoreError> {
        a.check()?;
        if let Some(old) = self.agreement(&a.name) {
            if *old == a {
                return Ok(false);
            }
            return Err(StoreError::AgreementExists { name: a.name });
        }
        self.batch.insert(prefixed(b'g', &a.name), to_json(&a));
        self.rulebook.learn(&a, &self.chart);
        self.agreements.push(a);
        self.report.agreements += 1;
        Ok(true)
    }

    /// Record a statement, checked against the chart (`Statement::complete`). A statement
    /// whose id was recorded already with the same content changes nothing and returns false;
    /// with other content it is refused.
    pub fn add_statement(&mut self, mut s: Statement) -> Result<bool, StoreError> {
        s.complete(&self.chart)?;
        if let Some(id) = s.id.clone() {
            if self.statement_ids.is_none() {
                let stored = self
                    .store
                    .statements()?
                    .into_iter()
                    .filter_map(|s| s.id.clone().map(|id| (id, s)))
                    .collect();
                self.statement_ids = Some(stored);
            }
            let ids = self.statement_ids.get_or_insert_with(HashMap::new);
            match ids.get(&id) {
                Some(old) if *old == s => return Ok(false),
                Some(_) => return Err(LedgerError::StatementIdConflict { id }.into()),
                None => {
                    ids.insert(id, s.clone());
                }
            }
        }
        self.batch
            .insert(&statement_key(self.head.statement_count)[..], to_json(&s));
        self.head.statement_count += 1;
        self.report.statements += 1;
        Ok(true)
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

    /// Whether `id` is stored already (by a commit before this writer).
    fn is_stored(&mut self, id: &str) -> Result<bool, StoreError> {
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
        self.apply(&p, seq, hash, changed, deltas, new_id)
    }

    /// A prepared transaction names only accounts and commodities this writer knows.
    fn check_ids_in_chart(&self, p: &Prepared<'_>) -> Result<(), StoreError> {
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
    fn new_id(&mut self, p: &Prepared<'_>, seq: u64, chash: [u8; 16]) -> Result<NewId, StoreError> {
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
    fn balances_after(&self, postings: &[PreparedPosting]) -> Result<Changes, StoreError> {
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
    fn check_floors(&self, changed: &Changes) -> Result<(), StoreError> {
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
    fn block_deltas(&self, postings: &[PreparedPosting]) -> Result<Changes, StoreError> {
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
    fn apply(
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

    fn tail_summary(&self) -> Summary {
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
    fn seal_tail(&mut self) -> Result<(), StoreError> {
        let block = std::mem::take(&mut self.tail).to_value();
        let summary = self.tail_summary().to_value();
        if self.appender.is_none() {
            self.appender = Some(Appender::open(&self.store.path, self.blocks_end)?);
        }
        let pointer = match self.appender.as_mut() {
            Some(a) => a.append(&block)?.to_value(),
            None => return Err(StoreError::Damaged("the blocks file is not open".into())),
        };
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
        Ok(())
    }

    /// The index entries whose id hashes to `hash`: stored ones and this writer's.
    fn id_candidates(&mut self, hash: u64) -> Result<Vec<IdEntry>, StoreError> {
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
    fn stored_txn(&mut self, seq: u64) -> Result<(record::RawTxn, [u8; 16]), StoreError> {
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
    fn content_in(value: &[u8], idx: usize, seq: u64) -> Result<&[u8], StoreError> {
        record::block_entries(value)?
            .get(idx)
            .map(|(content, _)| *content)
            .ok_or_else(|| StoreError::Damaged(format!("transaction {seq} is missing")))
    }

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
        if super::faults::abort_before_head() {
            // For tests: die as a kill would here, with all but the last batch on disk.
            self.store.db.sync()?;
            std::process::abort();
        }
        self.write_head()?;
        Ok(Checked::Committed(std::mem::take(&mut self.report)))
    }

    /// The postings added, per commodity, into the commit's report.
    fn count_postings(&mut self) {
        for (c, n) in self.posting_counts.iter().enumerate() {
            if *n > 0 {
                self.report
                    .postings_per_commodity
                    .insert(self.names.commodities[c].clone(), *n);
            }
        }
    }

    /// The tail block and its summary, into the last batch.
    fn batch_tail(&mut self) {
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
    fn write_ids(&mut self) -> Result<bool, StoreError> {
        if let Some(v) = self.store.db.get(super::KEY_AHEAD)? {
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
    fn write_head(&mut self) -> Result<(), StoreError> {
        self.clean_ahead()?;
        for key in &self.touched_balances {
            let mut e = Enc::with_capacity(17);
            e.u8(record::RECORD_VERSION);
            e.dec(self.balances[key]);
            self.batch.insert(&balance_key(key.0, key.1)[..], e.buf);
        }
        self.head.commits += 1;
        self.batch.insert(super::KEY_HEAD, self.head.to_value());
        self.batch
            .insert(super::KEY_SCHEMA, &super::SCHEMA_VERSION.to_le_bytes());
        // The blocks appended must be durable before anything that points at them is.
        if let Some(a) = &mut self.appender {
            a.sync()?;
        }
        let batch = std::mem::take(&mut self.batch);
        self.store.db.apply_batch(batch)?;
        // The order of durability (ARCHITECTURE.md): sled's files are synced, and only then
        // does the anchor move (its file and folder synced) and the command say it is done.
        self.store.db.sync()?;
        super::anchor::write(&self.store.path, &self.head)?;
        self.store.head = self.head;
        self.store.chart = std::mem::take(&mut self.chart);
        self.store.names = std::mem::take(&mut self.names);
        for a in self.agreements.drain(..) {
            self.store.agreements.insert(a.name.clone(), a);
        }
        Ok(())
    }

    /// The date rules over everything this writer added (`rules.rs`).
    fn check_rules(&mut self) -> Result<(), StoreError> {
        let mut rules = std::mem::take(&mut self.rules);
        let groups = rules.reduced_groups();
        let accounts = rules.accounts_of(&groups, &self.names, &self.chart);
        let new = self.new_moves(&accounts, rules.earliest_reduction())?;
        let found = rules.check_obligations(self.store, &self.names, &self.chart, &new)?;
        if let Some(v) = found {
            let t = self.stored_txn(v.seq)?.0;
            return Err(StoreError::NotOwed(Box::new(super::NotOwed {
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
    fn clean_ahead(&mut self) -> Result<(), StoreError> {
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
            self.batch.remove(super::KEY_AHEAD);
        }
        Ok(())
    }

    /// Every offset agreement under which this writer added an offset assigns, over all its
    /// offsets, stored and new, no more than its limit (the `offset` command checks the same
    /// before it writes; this holds it for every entry path).
    fn check_offset_limits(&mut self) -> Result<(), StoreError> {
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

    /// Every transaction, committed and added by this writer, in recorded order.
    fn each_txn(&mut self, f: &mut dyn FnMut(u64, &RawTxn)) -> Result<(), StoreError> {
        for i in 0..self.store.block_count() {
            for (seq, t) in self.store.block_txns(i)? {
                f(seq, &t);
            }
        }
        self.each_new_txn(f)
    }

    /// This writer's postings on `accounts`, read back from its blocks.
    /// A full block written ahead whose transactions are all dated before `earliest` counts
    /// by its summary's net changes (dated 0: before every date); the others are read.
    fn new_moves(
        &mut self,
        accounts: &FxHashSet<u32>,
        earliest: u32,
    ) -> Result<Vec<Move>, StoreError> {
        let mut out = Vec::new();
        let (committed, end) = (self.store.head.txn_count, self.head.txn_count);
        if accounts.is_empty() || committed == end {
            return Ok(out);
        }
        let per = BLOCK_TXNS as u64;
        for b in committed / per..=(end - 1) / per {
            let ahead = b * per >= committed
                && b != self.tail_index
                && self.sealed_committed.as_ref().is_none_or(|(i, _)| *i != b);
            if ahead {
                if let Some(v) = self.store.db.get(summary_key(b))? {
                    let s = Summary::from_value(&v)?;
                    if s.max_date < earliest {
                        out.extend(
                            s.deltas
                                .into_iter()
                                .filter(|(a, _, _)| accounts.contains(a))
                                .map(|(account, commodity, value)| Move {
                                    account,
                                    commodity,
                                    date: 0,
                                    value,
                                }),
                        );
                        continue;
                    }
                }
            }
            for (_, t) in self.new_block_txns(b)? {
                for p in &t.postings {
                    if accounts.contains(&p.account) {
                        out.push(Move {
                            account: p.account,
                            commodity: p.commodity,
                            date: t.date,
                            value: p.value,
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// The transactions of block `b` that this writer added, with their sequence numbers.
    fn new_block_txns(&mut self, b: u64) -> Result<Vec<(u64, RawTxn)>, StoreError> {
        let (committed, end) = (self.store.head.txn_count, self.head.txn_count);
        let per = BLOCK_TXNS as u64;
        let value: Vec<u8> = if b == self.tail_index {
            self.tail.to_value()
        } else if let Some((_, v)) = self.sealed_committed.as_ref().filter(|(i, _)| *i == b) {
            v.clone()
        } else {
            self.store
                .block_value(b)?
                .ok_or_else(|| StoreError::Damaged(format!("block {b} is missing")))?
                .to_vec()
        };
        let mut out = Vec::new();
        for (j, (content, _)) in record::block_entries(&value)?.into_iter().enumerate() {
            let seq = b * per + j as u64;
            if seq >= committed && seq < end {
                out.push((seq, record::decode_txn(&mut Dec::new(content))?));
            }
        }
        Ok(out)
    }

    /// The transactions this writer added, in recorded order.
    fn each_new_txn(&mut self, f: &mut dyn FnMut(u64, &RawTxn)) -> Result<(), StoreError> {
        let (committed, end) = (self.store.head.txn_count, self.head.txn_count);
        let per = BLOCK_TXNS as u64;
        if committed == end {
            return Ok(());
        }
        for b in committed / per..=(end - 1) / per {
            for (seq, t) in self.new_block_txns(b)? {
                f(seq, &t);
            }
        }
        Ok(())
    }

    /// The least owed on the obligation `account` (a receivable or payable between two
    /// parties) in `commodity` at the end of `date` and of every later date, with every
    /// recorded transaction and this writer's: what a payment or offset dated `date` may take
    /// off. For another account, its running balance.
    pub fn owed_from(
        &mut self,
        account: &str,
        commodity: &str,
        date: crate::model::date::Date,
    ) -> Result<Decimal, StoreError> {
        let (Some(&a), Some(&c)) = (
            self.names.account_ids.get(account),
            self.names.commodity_ids.get(commodity),
        ) else {
            return Ok(Decimal::ZERO);
        };
        let mut rules = std::mem::take(&mut self.rules);
        let found = self.owed_with(&mut rules, a, c, date.packed());
        self.rules = rules;
        Ok(found?.unwrap_or_else(|| self.balance(account, commodity)))
    }

    /// [`Writer::owed_from`] by ids, with the rules taken out of the writer.
    fn owed_with(
        &mut self,
        rules: &mut Rules,
        account: u32,
        commodity: u32,
        date: u32,
    ) -> Result<Option<Decimal>, StoreError> {
        let Some(g) = rules.group(account, &self.names, &self.chart) else {
            return Ok(None);
        };
        let groups: FxHashSet<u32> = [g].into_iter().collect();
        let accounts = rules.accounts_of(&groups, &self.names, &self.chart);
        let new = self.new_moves(&accounts, date)?;
        rules.owed_from(
            self.store,
            &self.names,
            &self.chart,
            (account, commodity),
            date,
            &new,
        )
    }

    /// The id buckets of a writer that checked each id: its new ids, and the stored entries
    /// of each bucket they fall in (all loaded by the look-ups). The new ids are sorted into
    /// bucket order in place, so they are never held twice.
    fn write_buckets(
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
    fn check_and_write_buckets(&mut self, spill: &mut Spill) -> Result<bool, StoreError> {
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
    fn repeats_an_id(&mut self, group: &[IdEntry], committed: u64) -> Result<bool, StoreError> {
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

#[cfg(test)]
mod tests {
    use super::*;
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
