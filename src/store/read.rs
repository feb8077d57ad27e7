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
