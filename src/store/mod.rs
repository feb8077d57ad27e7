//! The sled store: the only module that knows sled exists.
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
pub mod blocks;
mod faults;
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

use ids::{bucket_of, decode_bucket, encode_bucket};
pub use ids::{id_hash, IdEntry};
use keys::{
    balance_key, block_key, bucket_key, file_key, prefixed, statement_key, summary_key, KEY_AHEAD,
    KEY_HEAD, KEY_SCHEMA,
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
use crate::model::error::LedgerError;
use crate::model::statement::Statement;
use crate::model::transaction::Transaction;
use codec::{CodecError, Dec, Enc};
use handle::Handle;
use record::{block_entries, decode_txn, Names, RawTxn, Summary};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use thiserror::Error;

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

/// Whether a command writes (and may create the store) or only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
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
    /// Whether this handle, once dropped, writes the balances view: only once it is fully open.
    leaves_view: bool,
    /// `gasledger.blocks`, opened for reading at the first block read from it.
    blocks: std::cell::RefCell<Option<File>>,
    /// A commit that was interrupted before it was durable, found and rolled back by this
    /// open (see `anchor.rs`).
    recovered: Option<Recovered>,
    /// The rules of the agreements' terms, which every writer applies (`set_rules`).
    rules: Option<Box<dyn crate::model::terms::AgreementRules>>,
    _lock: File,
}

impl Store {
    /// Open the store at `path`. `Access::Write` creates it when missing; `Access::Read`
    /// refuses a path that holds no ledger. Waits up to `lock_timeout` for another process.
    pub fn open(path: &Path, access: Access, lock_timeout: Duration) -> Result<Store, StoreError> {
        let exists = path.join("conf").is_file() && path.join("db").is_file();
        if !exists {
            if access == Access::Read {
                return Err(StoreError::NoLedger {
                    path: path.to_path_buf(),
                });
            }
            std::fs::create_dir_all(path).map_err(|source| StoreError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let start = Instant::now();
        let lock = take_lock(path, lock_timeout)?;
        if access == Access::Write {
            view::remove(path)?;
        }
        let db = Handle::open(path, lock_timeout.saturating_sub(start.elapsed()))?;
        let (head, recovered) = head_at_open(&db, path, access)?;
        let mut store = Store {
            db,
            path: path.to_path_buf(),
            head,
            chart: Chart::default(),
            names: Names::default(),
            agreements: BTreeMap::new(),
            leaves_view: false,
            blocks: std::cell::RefCell::new(None),
            recovered,
            rules: None,
            _lock: lock,
        };
        store.load_chart()?;
        store.leaves_view = true;
        Ok(store)
    }

    fn load_chart(&mut self) -> Result<(), StoreError> {
        let mut commodities = Vec::new();
        for kv in self.db.scan_prefix(b"c")? {
            let (_, v) = kv?;
            let n: Numbered<crate::model::amount::Commodity> = json(&v)?;
            // A scale no declaration could have made: the record was altered.
            if n.item.scale > crate::model::amount::SCALE_MAX
                || !crate::model::amount::is_code(&n.item.code)
            {
                return Err(StoreError::Damaged(format!(
                    "commodity record {:?} with scale {}",
                    n.item.code, n.item.scale
                )));
            }
            commodities.push((n.id, n.item));
        }
        commodities.sort_by_key(|(id, _)| *id);
        for (i, (id, c)) in commodities.into_iter().enumerate() {
            if id as usize != i {
                return Err(StoreError::Damaged(format!(
                    "commodity ids are not contiguous at {}",
                    c.code
                )));
            }
            self.names.add_commodity(&c.code);
            self.chart.commodities.insert(c.code.clone(), c);
        }
        for kv in self.db.scan_prefix(b"p")? {
            let (_, v) = kv?;
            let p: crate::model::account::Party = json(&v)?;
            self.chart.parties.insert(p.code.clone(), p);
        }
        let mut accounts = Vec::new();
        for kv in self.db.scan_prefix(b"a")? {
            let (_, v) = kv?;
            let n: Numbered<crate::model::account::Account> = json(&v)?;
            accounts.push((n.id, n.item));
        }
        accounts.sort_by_key(|(id, _)| *id);
        for (i, (id, a)) in accounts.into_iter().enumerate() {
            if id as usize != i {
                return Err(StoreError::Damaged(format!(
                    "account ids are not contiguous at {}",
                    a.name
                )));
            }
            self.names.add_account(&a.name);
            self.chart.accounts.insert(a.name.clone(), a);
        }
        for kv in self.db.scan_prefix(b"g")? {
            let (_, v) = kv?;
            let a: Agreement = json(&v)?;
            self.agreements.insert(a.name.clone(), a);
        }
        Ok(())
    }

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

    /// Stored running balances, keyed by (account id, commodity id). O(accounts).
    fn raw_balances(&self) -> Result<BTreeMap<(u32, u32), Decimal>, StoreError> {
        let mut out = BTreeMap::new();
        for kv in self.db.scan_prefix(b"b")? {
            let (k, v) = kv?;
            if k.len() != 9 {
                return Err(StoreError::Damaged("balance key".into()));
            }
            let a = u32::from_be_bytes([k[1], k[2], k[3], k[4]]);
            let c = u32::from_be_bytes([k[5], k[6], k[7], k[8]]);
            let mut d = Dec::new(&v);
            if d.u8()? != record::RECORD_VERSION {
                return Err(StoreError::Damaged("balance version".into()));
            }
            out.insert((a, c), d.dec()?);
        }
        Ok(out)
    }

    fn named(&self, raw: BTreeMap<(u32, u32), Decimal>) -> Result<Balances, StoreError> {
        let mut out = Balances::new();
        for ((a, c), v) in raw {
            if !v.is_zero() {
                out.insert(
                    (
                        self.names.account(a)?.to_string(),
                        self.names.commodity(c)?.to_string(),
                    ),
                    v,
                );
            }
        }
        Ok(out)
    }

    /// The committed balances and chart of the store at `path`, from the balances view when
    /// it is current (no sled opened: see `view.rs`), else from the store itself (which then
    /// leaves a current view behind).
    /// An interrupted commit that opening the store found is returned beside it (see
    /// [`Store::recovered`]).
    pub fn balances_view(
        path: &Path,
        lock_timeout: Duration,
    ) -> Result<(view::View, Option<Recovered>), StoreError> {
        if let Some(v) = view::read_current(path) {
            return Ok((v, None));
        }
        let store = Store::open(path, Access::Read, lock_timeout)?;
        let v = view::View {
            head: store.head,
            chart: store.chart.clone(),
            balances: store.balances()?,
        };
        Ok((v, store.recovered))
    }

    /// Leave a current balances view behind: only if sled, the anchor and this handle agree
    /// on the head (a failed commit leaves them apart), and only once sled is closed.
    fn publish_view(&mut self) -> Result<(), StoreError> {
        let v = self
            .db
            .get(KEY_HEAD)?
            .ok_or_else(|| StoreError::Damaged("the head record is missing".into()))?;
        if Head::from_value(&v)? != self.head || anchor::read(&self.path)? != Some(self.head) {
            return Ok(());
        }
        let balances = self.balances()?;
        self.db.close()?;
        view::write(&self.path, &self.head, &self.chart, &balances)
    }

    /// Current balances, non-zero only: read from the running balances, O(accounts).
    pub fn balances(&self) -> Result<Balances, StoreError> {
        self.named(self.raw_balances()?)
    }

    /// Balances at the end of `date`: whole blocks are added from their summaries, only
    /// blocks whose date range straddles `date` are read.
    pub fn balances_as_of(&self, date: Date) -> Result<Balances, StoreError> {
        let cut = date.packed();
        let mut sums: BTreeMap<(u32, u32), Decimal> = BTreeMap::new();
        let add = |sums: &mut BTreeMap<(u32, u32), Decimal>,
                   a,
                   c,
                   v: Decimal|
         -> Result<(), StoreError> {
            let slot = sums.entry((a, c)).or_default();
            *slot = crate::model::amount::exact_add(*slot, v, String::new).map_err(|_| {
                StoreError::Damaged("a balance leaves the exact range on replay".into())
            })?;
            Ok(())
        };
        for i in 0..self.block_count() {
            let v = self
                .db
                .get(summary_key(i))?
                .ok_or_else(|| StoreError::Damaged(format!("summary of block {i} is missing")))?;
            self.db.scanned(v.len())?;
            let s = Summary::from_value(&v)?;
            if s.max_date <= cut {
                for (a, c, v) in s.deltas {
                    add(&mut sums, a, c, v)?;
                }
            } else if s.min_date <= cut {
                for t in self.block_txns(i)? {
                    let (_, t) = t;
                    if t.date <= cut {
                        for p in &t.postings {
                            add(&mut sums, p.account, p.commodity, p.value)?;
                        }
                    }
                }
            }
        }
        self.named(sums)
    }

    /// The bytes of block `i` (committed or written ahead), wherever they are: in sled, or in
    /// `gasledger.blocks` through the pointer sled holds. `None` if sled has nothing for it.
    fn block_value(&self, i: u64) -> Result<Option<BlockBytes>, StoreError> {
        let Some(v) = self.db.get(block_key(i))? else {
            return Ok(None);
        };
        let Some(p) = blocks::Pointer::from_value(&v) else {
            self.db.scanned(v.len())?;
            return Ok(Some(BlockBytes::Sled(v)));
        };
        let p = p?;
        let mut file = self.blocks.borrow_mut();
        if file.is_none() {
            *file = blocks::open_read(&self.path)?;
        }
        let path = self.path.join(blocks::BLOCKS_FILE);
        let Some(f) = file.as_ref() else {
            return Err(StoreError::Damaged(format!(
                "{} is missing, and block {i} is in it",
                path.display()
            )));
        };
        Ok(Some(BlockBytes::File(blocks::read(f, &path, p)?)))
    }

    /// Committed blocks.
    pub fn block_count(&self) -> u64 {
        self.head.txn_count.div_ceil(BLOCK_TXNS as u64)
    }

    /// The committed transactions of block `i` with their sequence numbers.
    fn block_txns(&self, i: u64) -> Result<Vec<(u64, RawTxn)>, StoreError> {
        let v = self
            .block_value(i)?
            .ok_or_else(|| StoreError::Damaged(format!("block {i} is missing")))?;
        let first = i * BLOCK_TXNS as u64;
        let valid = (self.head.txn_count - first).min(BLOCK_TXNS as u64) as usize;
        let entries = block_entries(&v)?;
        if entries.len() < valid {
            return Err(StoreError::Damaged(format!(
                "block {i} holds {} transactions, the head says {valid}",
                entries.len()
            )));
        }
        entries
            .into_iter()
            .take(valid)
            .enumerate()
            .map(|(j, (content, _))| Ok((first + j as u64, decode_txn(&mut Dec::new(content))?)))
            .collect()
    }

    /// Every committed transaction in recorded order, in model form.
    pub fn for_each_txn(
        &self,
        mut f: impl FnMut(u64, Transaction) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for i in 0..self.block_count() {
            for (seq, raw) in self.block_txns(i)? {
                f(seq, self.names.to_model(&raw)?)?;
            }
        }
        Ok(())
    }

    /// The committed transactions dated from `from` to `to` (either end open), in recorded
    /// order, in model form. A block whose date range (from its summary) lies outside is not
    /// read, so a scan of one settlement period reads the few blocks that hold it.
    pub fn for_each_txn_dated(
        &self,
        from: Option<Date>,
        to: Option<Date>,
        mut f: impl FnMut(u64, Transaction) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let (lo, hi) = (
            from.map_or(0, Date::packed),
            to.map_or(u32::MAX, Date::packed),
        );
        for i in 0..self.block_count() {
            let v = self
                .db
                .get(summary_key(i))?
                .ok_or_else(|| StoreError::Damaged(format!("summary of block {i} is missing")))?;
            self.db.scanned(v.len())?;
            let s = Summary::from_value(&v)?;
            if s.max_date < lo || s.min_date > hi {
                continue;
            }
            for (seq, raw) in self.block_txns(i)? {
                if (lo..=hi).contains(&raw.date) {
                    f(seq, self.names.to_model(&raw)?)?;
                }
            }
        }
        Ok(())
    }

    /// The transaction with this id, if any.
    pub fn find(&self, id: &str) -> Result<Option<(u64, Transaction)>, StoreError> {
        let h = id_hash(id);
        let bucket = match self.db.get(bucket_key(bucket_of(h)))? {
            Some(v) => decode_bucket(&v)?,
            None => return Ok(None),
        };
        for e in bucket
            .iter()
            .filter(|e| e.hash == h && e.seq < self.head.txn_count)
        {
            let raw = self.raw_txn(e.seq)?;
            if raw.id.as_deref() == Some(id) {
                return Ok(Some((e.seq, self.names.to_model(&raw)?)));
            }
        }
        Ok(None)
    }

    fn raw_txn(&self, seq: u64) -> Result<RawTxn, StoreError> {
        let block = seq / BLOCK_TXNS as u64;
        let v = self
            .block_value(block)?
            .ok_or_else(|| StoreError::Damaged(format!("block {block} is missing")))?;
        let entries = block_entries(&v)?;
        let (content, _) = entries
            .get((seq % BLOCK_TXNS as u64) as usize)
            .ok_or_else(|| StoreError::Damaged(format!("transaction {seq} is missing")))?;
        Ok(decode_txn(&mut Dec::new(content))?)
    }
}

/// The head of a store with no schema yet: a new store, whose empty head is written and made
/// durable; or an empty sled beside an anchor that recorded commits (sled lost them, or the
/// process that created the store was cut off at its first commit), which a read refuses
/// unless the anchor explains it.
fn new_head(
    db: &Handle,
    path: &Path,
    access: Access,
) -> Result<(Head, Option<Recovered>), StoreError> {
    let recovered = anchor::check(path, None)?;
    if access == Access::Read && recovered.is_none() {
        return Err(StoreError::NoLedger {
            path: path.to_path_buf(),
        });
    }
    let head = Head::empty();
    let mut b = sled::Batch::default();
    b.insert(KEY_SCHEMA, &SCHEMA_VERSION.to_le_bytes());
    b.insert(KEY_HEAD, head.to_value());
    db.apply_batch(b)?;
    db.sync()?;
    anchor::write(path, &head)?;
    Ok((head, recovered))
}

/// The head of a store with schema version `v`, and what the anchor says of it: a head the
/// anchor is behind is made durable, then recorded in the anchor, so that the next open
/// finds them level.
fn stored_head(
    db: &Handle,
    path: &Path,
    v: &[u8],
) -> Result<(Head, Option<Recovered>), StoreError> {
    let found = <[u8; 4]>::try_from(v)
        .map(u32::from_le_bytes)
        .map_err(|_| StoreError::Damaged("schema version key".into()))?;
    if !SCHEMA_READABLE.contains(&found) {
        return Err(StoreError::UnknownSchema {
            path: path.to_path_buf(),
            found,
        });
    }
    let v = db
        .get(KEY_HEAD)?
        .ok_or_else(|| StoreError::Damaged("the head record is missing".into()))?;
    let head = Head::from_value(&v)?;
    let recovered = anchor::check(path, Some(&head))?;
    if recovered.is_some() {
        db.sync()?;
        anchor::write(path, &head)?;
    }
    Ok((head, recovered))
}

/// The head of the store sled holds, read or (for a new store) created.
fn head_at_open(
    db: &Handle,
    path: &Path,
    access: Access,
) -> Result<(Head, Option<Recovered>), StoreError> {
    match db.get(KEY_SCHEMA)? {
        None => new_head(db, path, access),
        Some(v) => stored_head(db, path, &v),
    }
}

/// A block's bytes, as sled or the blocks file gave them.
enum BlockBytes {
    Sled(sled::IVec),
    File(Vec<u8>),
}

impl std::ops::Deref for BlockBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            BlockBytes::Sled(v) => v,
            BlockBytes::File(v) => v,
        }
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
