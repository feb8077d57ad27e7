//! Opening a store: the lock, sled, the schema and the head (what the anchor says of an
//! interrupted commit), the chart, the agreements and the fixings.

use super::*;

/// The head of a store with no schema yet: a new store, whose empty head is written and made
/// durable; or an empty sled beside an anchor that recorded commits (sled lost them, or the
/// process that created the store was cut off at its first commit), which an open that does
/// not create refuses unless the anchor explains it.
pub(super) fn new_head(
    db: &Handle,
    path: &Path,
    access: Access,
    writable: bool,
) -> Result<(Head, Option<Recovered>), StoreError> {
    let recovered = anchor::check(path, None)?;
    if access != Access::Create && recovered.is_none() {
        return Err(StoreError::NoLedger {
            path: path.to_path_buf(),
        });
    }
    let head = Head::empty();
    let mut b = sled::Batch::default();
    b.insert(KEY_SCHEMA, &SCHEMA_VERSION.to_le_bytes());
    b.insert(KEY_HEAD, head.to_value());
    db.apply_batch(b)?;
    if writable {
        db.sync()?;
        anchor::write(path, &head)?;
    }
    Ok((head, recovered))
}

/// The head of a store with schema version `v`, and what the anchor says of it: a head the
/// anchor is behind is made durable, then recorded in the anchor, so that the next open
/// finds them level (unless the store is not `writable`: it stays as it is, and each reader
/// finds the same).
pub(super) fn stored_head(
    db: &Handle,
    path: &Path,
    v: &[u8],
    writable: bool,
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
    if recovered.is_some() && writable {
        db.sync()?;
        anchor::write(path, &head)?;
    }
    Ok((head, recovered))
}

/// The head of the store sled holds, read or (for a new store) created. Only a `writable`
/// store's anchor is written.
pub(super) fn head_at_open(
    db: &Handle,
    path: &Path,
    access: Access,
    writable: bool,
) -> Result<(Head, Option<Recovered>), StoreError> {
    match db.get(KEY_SCHEMA)? {
        None => new_head(db, path, access, writable),
        Some(v) => stored_head(db, path, &v, writable),
    }
}

impl Store {
    /// Open the store at `path`. `Access::Create` creates it when missing (or in an empty
    /// folder); `Access::Write` and `Access::Read` refuse a path that holds no ledger, and
    /// leave nothing behind. A store this process cannot write is read without writing to it
    /// (`read_only.rs`) and refused to a writer. Waits up to `lock_timeout` for another process.
    pub fn open(path: &Path, access: Access, lock_timeout: Duration) -> Result<Store, StoreError> {
        place::prepare(path, access)?;
        let start = Instant::now();
        let (lock, copy) = match take_lock(path, lock_timeout) {
            Ok(lock) => (Some(lock), None),
            Err(StoreError::ReadOnly { .. }) if access == Access::Read => {
                let (lock, copy) = read_only::open(path, lock_timeout)?;
                (lock, Some(copy))
            }
            Err(e) => return Err(e),
        };
        let read_only = copy.is_some();
        if access != Access::Read {
            view::remove(path)?;
        }
        let left = lock_timeout.saturating_sub(start.elapsed());
        let db = match copy {
            None => Handle::open(path, left)?,
            Some(copy) => Handle::open_copy(copy, left)?,
        };
        let (head, recovered) = head_at_open(&db, path, access, !read_only)?;
        let mut store = Store {
            db,
            path: path.to_path_buf(),
            head,
            chart: Chart::default(),
            names: Names::default(),
            agreements: BTreeMap::new(),
            fixings: BTreeMap::new(),
            leaves_view: false,
            blocks: std::cell::RefCell::new(None),
            recovered,
            rules: None,
            _lock: lock,
        };
        store.load_chart()?;
        // A reader of a read-only store leaves nothing, the view included.
        store.leaves_view = !read_only;
        Ok(store)
    }

    pub(super) fn load_chart(&mut self) -> Result<(), StoreError> {
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
        for kv in self.db.scan_prefix(b"x")? {
            let (_, v) = kv?;
            let f: Fixing = json(&v)?;
            self.fixings.insert(f.key(), f);
        }
        Ok(())
    }
}
