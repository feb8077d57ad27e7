//! Reading the journal: blocks (in sled or the blocks file), transactions in recorded order or
//! by date, a transaction by id.

use super::*;

/// A block's bytes, as sled or the blocks file gave them.
pub(super) enum BlockBytes {
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

impl Store {
    /// The bytes of block `i` (committed or written ahead), wherever they are: in sled, or in
    /// `gasledger.blocks` through the pointer sled holds. `None` if sled has nothing for it.
    pub(super) fn block_value(&self, i: u64) -> Result<Option<BlockBytes>, StoreError> {
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
    pub(super) fn block_txns(&self, i: u64) -> Result<Vec<(u64, RawTxn)>, StoreError> {
        let v = self
            .block_value(i)?
            .ok_or_else(|| StoreError::Damaged(format!("block {i} is missing")))?;
        let first = i * BLOCK_TXNS as u64;
        self.committed_entries(i, &v)?
            .into_iter()
            .enumerate()
            .map(|(j, (content, _))| Ok((first + j as u64, decode_txn(&mut Dec::new(content))?)))
            .collect()
    }

    /// The entries of block `i` (its bytes `v`) that the head counts as committed.
    fn committed_entries<'v>(&self, i: u64, v: &'v [u8]) -> Result<Vec<Entry<'v>>, StoreError> {
        let first = i * BLOCK_TXNS as u64;
        let valid = (self.head.txn_count - first).min(BLOCK_TXNS as u64) as usize;
        let mut entries = block_entries(v)?;
        if entries.len() < valid {
            return Err(StoreError::Damaged(format!(
                "block {i} holds {} transactions, the head says {valid}",
                entries.len()
            )));
        }
        entries.truncate(valid);
        Ok(entries)
    }

    /// [`Store::scan_txns`] for the transactions with a posting on an account that `touches`
    /// names: the others are decoded but never made model transactions (a register or one
    /// party's books skips most of the journal that way).
    pub fn scan_txns_touching<E: From<StoreError>>(
        &self,
        touches: impl Fn(&str) -> bool,
        f: impl FnMut(u64, &Transaction) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut scan = Lent::new(f);
        scan.wanted = Some(self.names.accounts.iter().map(|a| touches(a)).collect());
        for i in 0..self.block_count() {
            self.scan_block(i, (0, u32::MAX), &mut scan)?;
        }
        Ok(())
    }

    /// Every committed transaction in recorded order, in model form.
    pub fn for_each_txn(
        &self,
        mut f: impl FnMut(u64, Transaction) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.scan_txns(|seq, t| f(seq, t.clone()))
    }

    /// Every committed transaction in recorded order, lent one at a time: the same buffers
    /// are refilled for each, so that a scan of millions (an export, a register) allocates
    /// nothing per transaction once they have grown to fit.
    /// The callback's errors come out as they are.
    pub fn scan_txns<E: From<StoreError>>(
        &self,
        f: impl FnMut(u64, &Transaction) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut scan = Lent::new(f);
        for i in 0..self.block_count() {
            self.scan_block(i, (0, u32::MAX), &mut scan)?;
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
        self.scan_txns_dated(from, to, |seq, t| f(seq, t.clone()))
    }

    /// [`Store::for_each_txn_dated`], each transaction lent as by [`Store::scan_txns`].
    pub fn scan_txns_dated<E: From<StoreError>>(
        &self,
        from: Option<Date>,
        to: Option<Date>,
        f: impl FnMut(u64, &Transaction) -> Result<(), E>,
    ) -> Result<(), E> {
        let range = (
            from.map_or(0, Date::packed),
            to.map_or(u32::MAX, Date::packed),
        );
        let mut scan = Lent::new(f);
        for i in 0..self.block_count() {
            if self.block_dated_within(i, range)? {
                self.scan_block(i, range, &mut scan)?;
            }
        }
        Ok(())
    }

    /// Whether block `i` holds a transaction dated within `range` (packed dates), from its
    /// summary's date range.
    fn block_dated_within(&self, i: u64, range: (u32, u32)) -> Result<bool, StoreError> {
        let v = self
            .db
            .get(summary_key(i))?
            .ok_or_else(|| StoreError::Damaged(format!("summary of block {i} is missing")))?;
        self.db.scanned(v.len())?;
        let s = Summary::from_value(&v)?;
        Ok(s.max_date >= range.0 && s.min_date <= range.1)
    }

    /// The committed transactions of block `i` dated within `range` (packed dates), lent to
    /// `scan` in recorded order.
    fn scan_block<F, E>(&self, i: u64, range: (u32, u32), scan: &mut Lent<F>) -> Result<(), E>
    where
        F: FnMut(u64, &Transaction) -> Result<(), E>,
        E: From<StoreError>,
    {
        let v = self
            .block_value(i)?
            .ok_or_else(|| StoreError::Damaged(format!("block {i} is missing")))?;
        let first = i * BLOCK_TXNS as u64;
        let entries = self.committed_entries(i, &v)?;
        for (j, (content, _)) in entries.into_iter().enumerate() {
            decode_txn_into(&mut Dec::new(content), &mut scan.raw).map_err(StoreError::from)?;
            if !(range.0..=range.1).contains(&scan.raw.date) || !scan.wanted() {
                continue;
            }
            let t = match &mut scan.txn {
                Some(t) => {
                    self.names
                        .fill_model(&scan.raw, t)
                        .map_err(StoreError::from)?;
                    t
                }
                None => scan
                    .txn
                    .insert(self.names.to_model(&scan.raw).map_err(StoreError::from)?),
            };
            (scan.f)(first + j as u64, t)?;
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

    pub(super) fn raw_txn(&self, seq: u64) -> Result<RawTxn, StoreError> {
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

/// A scan's callback and the buffers it lends: the stored form and the model form of the
/// transaction at hand.
struct Lent<F> {
    f: F,
    raw: RawTxn,
    txn: Option<Transaction>,
    /// By account id, whether a transaction posting to it is lent (`None`: every one is).
    wanted: Option<Vec<bool>>,
}

impl<F> Lent<F> {
    fn new(f: F) -> Lent<F> {
        Lent {
            f,
            raw: RawTxn::default(),
            txn: None,
            wanted: None,
        }
    }

    /// Whether the transaction at hand is lent.
    fn wanted(&self) -> bool {
        let Some(wanted) = &self.wanted else {
            return true;
        };
        self.raw
            .postings
            .iter()
            .any(|p| wanted.get(p.account as usize).copied().unwrap_or(false))
    }
}
