//! The store's one sled handle, and why it is closed and opened again during long scans.
//!
//! sled 0.34.7 keeps in memory every page it has read or written whose value lives in one of
//! its blob files, for as long as the `Db` is open: its cache weighs a page by the page's bytes
//! in the log, which for a blob is a pointer of a few dozen bytes, so `cache_capacity` never
//! counts them; and it only looks at a cache shard's accesses once 64 are queued in it
//! (`lru.rs`, 256 shards), which a journal read once from end to end never fills. A leaf of
//! sled's tree holds up to 16 of our blocks of 1024 transactions (about 110 KB each), far over
//! its blob threshold (a quarter of a 512 KiB segment), so leaves of blocks live in blob files,
//! and an import or a verify of a million transactions held every block it touched: 110 MB or
//! more. Full blocks now live in `gasledger.blocks` (`blocks.rs`), but stores of schema
//! version 1 keep theirs in sled, and leaves of id buckets and block summaries are blobs too.
//!
//! The only way to make sled let go of them is to drop the `Db`. So the handle counts the
//! bytes that the long scans (verify, a replay of every transaction, an import's written-ahead
//! pointers, summaries and id buckets) read or write through sled, and every
//! [`BYTES_PER_OPEN`] of them flushes, closes and opens sled
//! again: a few milliseconds each time, and memory stays bounded by one stretch of the scan.
//! Our own lock file is held throughout, so no other process gets in between.

use super::{StoreError, KEY_HEAD};
use std::cell::{Cell, Ref, RefCell};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Bytes a long scan reads or writes between two openings of sled: about 140 blocks.
const BYTES_PER_OPEN: usize = 16 << 20;

/// Tests set this to a few bytes, to open sled again at every block (kills and faults must
/// land in the middle of it too). Not for users: it only costs time.
const BYTES_PER_OPEN_VAR: &str = "GASLEDGER_TEST_REOPEN_BYTES";

/// How long a reopening waits for sled's own file lock, which the dropped handle releases
/// as its last file closes.
const REOPEN_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct Handle {
    /// `None` only if opening it again failed: every later use is then an error.
    db: RefCell<Option<sled::Db>>,
    path: PathBuf,
    scanned: Cell<usize>,
    bytes_per_open: usize,
}

impl Handle {
    /// Open sled, once our own lock is held. sled takes a lock of its own on its files; a
    /// process that just released ours may still hold sled's for a moment (its file descriptors
    /// close as it exits), so that lock is waited for too, up to `timeout`.
    pub(super) fn open(path: &Path, timeout: Duration) -> Result<Handle, StoreError> {
        Ok(Handle {
            db: RefCell::new(Some(open_sled(path, timeout)?)),
            path: path.to_path_buf(),
            scanned: Cell::new(0),
            bytes_per_open: std::env::var(BYTES_PER_OPEN_VAR)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(BYTES_PER_OPEN),
        })
    }

    fn db(&self) -> Result<Ref<'_, sled::Db>, StoreError> {
        Ref::filter_map(self.db.borrow(), Option::as_ref).map_err(|_| {
            StoreError::Sled("the store could not be opened again after a long scan".into())
        })
    }

    pub(super) fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<sled::IVec>, StoreError> {
        Ok(self.db()?.get(key)?)
    }

    pub(super) fn contains_key(&self, key: impl AsRef<[u8]>) -> Result<bool, StoreError> {
        Ok(self.db()?.contains_key(key)?)
    }

    pub(super) fn scan_prefix(&self, prefix: &[u8]) -> Result<sled::Iter, StoreError> {
        Ok(self.db()?.scan_prefix(prefix))
    }

    pub(super) fn apply_batch(&self, batch: sled::Batch) -> Result<(), StoreError> {
        Ok(self.db()?.apply_batch(batch)?)
    }

    pub(super) fn flush(&self) -> Result<(), StoreError> {
        self.db()?.flush()?;
        Ok(())
    }

    /// Flush and close sled; every later use is an error.
    pub(super) fn close(&self) -> Result<(), StoreError> {
        if let Some(db) = self.db.borrow_mut().take() {
            // Dropping flushes too, but only logs a failure: flush first to see it.
            db.flush()?;
        }
        Ok(())
    }

    /// For tests: open sled again after every `bytes` scanned.
    pub(super) fn set_bytes_per_open(&mut self, bytes: usize) {
        self.bytes_per_open = bytes;
    }

    /// Count `bytes` that a long scan read or wrote; every [`BYTES_PER_OPEN`], let sled go of
    /// what it holds by flushing, closing and opening it again. Must not be called while an
    /// iterator from [`Handle::scan_prefix`] is alive: it keeps sled open, and the new opening
    /// would wait for sled's lock in vain.
    pub(super) fn scanned(&self, bytes: usize) -> Result<(), StoreError> {
        let n = self.scanned.get().saturating_add(bytes);
        if n < self.bytes_per_open {
            self.scanned.set(n);
            return Ok(());
        }
        self.scanned.set(0);
        let mut slot = self.db.borrow_mut();
        let mut head = None;
        if let Some(db) = slot.take() {
            head = db.get(KEY_HEAD)?;
            // Dropping flushes too, but only logs a failure: flush first to see it.
            db.flush()?;
            drop(db);
        }
        let db = open_sled(&self.path, REOPEN_TIMEOUT)?;
        if db.get(KEY_HEAD)? != head {
            return Err(StoreError::Damaged(
                "sled came back with another head when it was opened again".into(),
            ));
        }
        *slot = Some(db);
        Ok(())
    }
}

fn open_sled(path: &Path, timeout: Duration) -> Result<sled::Db, StoreError> {
    remove_unfinished_snapshots(path)?;
    let start = Instant::now();
    loop {
        match sled::Config::new()
            .path(path)
            .cache_capacity(16 << 20)
            .open()
        {
            Ok(db) => return Ok(db),
            // sled reports it only as text ("could not acquire lock on ...").
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                if start.elapsed() >= timeout {
                    return Err(StoreError::InUse {
                        path: path.to_path_buf(),
                        waited: timeout,
                    });
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Remove the snapshot files that sled began and never finished.
///
/// sled 0.34.7 writes a snapshot of its page table as `snap.<lsn>.generating`, fsyncs it, and
/// renames it to `snap.<lsn>`; it starts one at every open. But when it looks for the snapshot
/// to recover from, it takes the highest-named `snap.` file and skips only `.in___motion`
/// files, so a process killed before the rename leaves a half-written `.generating` file that
/// every later open reads, fails its checksum on, and reports as `Corruption { at: None }`:
/// the whole store refused, though nothing in it is damaged. (Killing `report balances` in
/// its first 12 ms did that once in 60 tries.) The finished snapshot before it is still there,
/// since sled removes old ones only after the rename; without either, sled replays its log from
/// the start. Called with our lock held, so no other process of ours is writing one.
fn remove_unfinished_snapshots(path: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            std::fs::remove_file(entry.path()).map_err(io)?;
        }
    }
    Ok(())
}
