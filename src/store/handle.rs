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

use super::read_only::SledCopy;
use super::{StoreError, KEY_HEAD};
use std::cell::{Cell, Ref, RefCell};
use std::collections::HashSet;
use std::fs::File;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

/// Bytes a long scan reads or writes between two openings of sled: about 140 blocks.
const BYTES_PER_OPEN: usize = 16 << 20;

/// How long a reopening waits for sled's own file lock, which the dropped handle releases
/// as its last file closes.
const REOPEN_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct Handle {
    /// The copy of a read-only store's sled files that `db` is opened on, removed when the
    /// handle's fields drop, after its `Drop` has closed sled.
    _copy: Option<SledCopy>,
    /// `None` only if opening it again failed: every later use is then an error.
    db: RefCell<Option<sled::Db>>,
    /// Why sled could not be opened again, or closed, for that error.
    lost: RefCell<Option<String>>,
    path: PathBuf,
    scanned: Cell<usize>,
    bytes_per_open: usize,
    /// sled's blob files known to be durable: those there when the store was opened (made
    /// durable by the process that wrote them, before any commit of its was), and those this
    /// handle synced since. sled writes a blob once and never changes it.
    synced_blobs: RefCell<HashSet<std::ffi::OsString>>,
    /// Whether `conf` (written once, when sled creates the store) has been synced by us.
    conf_synced: Cell<bool>,
    /// Whether a batch was applied since sled's files were last synced: closing sled syncs
    /// them only then, so a reader pays no `fsync` of ours.
    dirty: Cell<bool>,
}

impl Handle {
    /// Open sled, once our own lock is held. sled takes a lock of its own on its files; a
    /// process that just released ours may still hold sled's for a moment (its file descriptors
    /// close as it exits), so that lock is waited for too, up to `timeout`.
    pub(super) fn open(path: &Path, timeout: Duration) -> Result<Handle, StoreError> {
        // sled opens its log for writing: on a read-only store, this is where it would fail.
        super::faults::refuse_write().map_err(|source| StoreError::Io {
            path: path.join("db"),
            source,
        })?;
        Handle::open_in(path, None, timeout)
    }

    /// Open sled on a private copy of a read-only store's sled files (`read_only.rs`); the
    /// copy is removed when the handle is dropped.
    pub(super) fn open_copy(copy: SledCopy, timeout: Duration) -> Result<Handle, StoreError> {
        let path = copy.path().to_path_buf();
        Handle::open_in(&path, Some(copy), timeout)
    }

    fn open_in(
        path: &Path,
        copy: Option<SledCopy>,
        timeout: Duration,
    ) -> Result<Handle, StoreError> {
        let blobs = list_blobs(path)?;
        Ok(Handle {
            _copy: copy,
            db: RefCell::new(Some(open_sled(path, timeout)?)),
            lost: RefCell::new(None),
            path: path.to_path_buf(),
            scanned: Cell::new(0),
            bytes_per_open: super::faults::reopen_bytes().unwrap_or(BYTES_PER_OPEN),
            synced_blobs: RefCell::new(blobs),
            conf_synced: Cell::new(false),
            dirty: Cell::new(false),
        })
    }

    fn db(&self) -> Result<Ref<'_, sled::Db>, StoreError> {
        Ref::filter_map(self.db.borrow(), Option::as_ref).map_err(|_| {
            let why = self.lost.borrow().clone().unwrap_or_default();
            StoreError::Sled(format!(
                "the store could not be opened again after a long scan{why}"
            ))
        })
    }

    pub(super) fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<sled::IVec>, StoreError> {
        let db = self.db()?;
        Ok(guard("reading", || db.get(key))??)
    }

    pub(super) fn contains_key(&self, key: impl AsRef<[u8]>) -> Result<bool, StoreError> {
        let db = self.db()?;
        Ok(guard("reading", || db.contains_key(key))??)
    }

    pub(super) fn scan_prefix(&self, prefix: &[u8]) -> Result<sled::Iter, StoreError> {
        Ok(self.db()?.scan_prefix(prefix))
    }

    pub(super) fn apply_batch(&self, batch: sled::Batch) -> Result<(), StoreError> {
        let db = self.db()?;
        self.dirty.set(true);
        Ok(guard("writing", || db.apply_batch(batch))??)
    }

    /// Hand everything written to the file system (sled's `flush`, which on Linux ends in
    /// `sync_file_range`: no promise after a power cut), then make it durable ourselves: an
    /// `fsync` of sled's log and of every file and folder sled created since we last did. Once
    /// this returns, a power cut leaves sled with everything written so far.
    pub(super) fn sync(&self) -> Result<(), StoreError> {
        {
            let db = self.db()?;
            guard("flushing", || db.flush())??;
        }
        // Whether or not this handle wrote: sled's open writes to its log and its folder too.
        self.dirty.set(true);
        self.sync_files()
    }

    /// `fsync` sled's files, the log last: each blob file not synced before and the blobs
    /// folder when one was, `conf` once, the store's folder (the names of new files and of
    /// sled's snapshots: sled renames a finished snapshot without syncing the folder), then the
    /// log. The log points at the blobs: synced first, a power cut between the two would leave
    /// a durable log naming a blob that is gone, and sled would read an older page for it.
    fn sync_files(&self) -> Result<(), StoreError> {
        if !self.dirty.get() {
            return Ok(());
        }
        let blobs_dir = self.path.join("blobs");
        let mut synced = self.synced_blobs.borrow_mut();
        let mut new = false;
        for name in list_blobs(&self.path)? {
            if !synced.contains(&name) {
                sync_path(&blobs_dir.join(&name))?;
                synced.insert(name);
                new = true;
            }
        }
        if new {
            sync_path(&blobs_dir)?;
        }
        if !self.conf_synced.get() {
            sync_path(&self.path.join("conf"))?;
            self.conf_synced.set(true);
        }
        sync_path(&self.path)?;
        sync_path(&self.path.join("db"))?;
        self.dirty.set(false);
        Ok(())
    }

    /// Flush and close sled; every later use is an error.
    pub(super) fn close(&self) -> Result<(), StoreError> {
        let db = self.db.borrow_mut().take();
        match db {
            Some(db) => self.sync_and_drop(db),
            None => Ok(()),
        }
    }

    /// Make everything durable and drop the handle. Dropping flushes too, but only logs a
    /// failure: flush first to see it, and make the blobs durable before sled's drop syncs a
    /// log that points at them. The drop itself is guarded whatever happened before it.
    fn sync_and_drop(&self, db: sled::Db) -> Result<(), StoreError> {
        let synced = guard("flushing", || db.flush())
            .and_then(|r| r.map_err(StoreError::from))
            .and_then(|_| self.sync_files());
        let dropped = guard("closing", || drop(db));
        synced.and(dropped)
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
            head = match guard("reading", || db.get(KEY_HEAD)) {
                Ok(Ok(h)) => h,
                Ok(Err(e)) => {
                    let _ = guard("closing", || drop(db));
                    return Err(e.into());
                }
                Err(e) => {
                    let _ = guard("closing", || drop(db));
                    return Err(e);
                }
            };
            self.sync_and_drop(db).inspect_err(|e| {
                *self.lost.borrow_mut() = Some(format!(" ({e})"));
            })?;
            super::faults::pass(super::faults::Point::Reopening);
        }
        let db = open_sled(&self.path, REOPEN_TIMEOUT).inspect_err(|e| {
            *self.lost.borrow_mut() = Some(format!(" ({e})"));
        })?;
        if guard("reading", || db.get(KEY_HEAD))?? != head {
            return Err(StoreError::Damaged(
                "sled came back with another head when it was opened again".into(),
            ));
        }
        *slot = Some(db);
        Ok(())
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // sled's own drop syncs its log and panics if that fails (`logger.rs`, an `unwrap`):
        // on a failing disk, that is an error already reported, not a reason to abort.
        if let Some(db) = self.db.get_mut().take() {
            let _ = guard("closing", || drop(db));
        }
    }
}

/// What sled said when it panicked, for the error that replaces the panic.
static SLED_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Run a call into sled, turning a panic inside it into an error. sled 0.34.7 `unwrap`s some
/// I/O results (an `fsync` that fails when it closes its log, for one): a disk that fails, or
/// a power cut that takes it away, must give a clear error and exit status 2, never a panic.
/// The store stays as its last durable commit left it (see ARCHITECTURE.md).
fn guard<T>(doing: &str, f: impl FnOnce() -> T) -> Result<T, StoreError> {
    quiet_sled_panics();
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| {
        let said = SLED_PANIC
            .lock()
            .ok()
            .and_then(|mut p| p.take())
            .unwrap_or_else(|| "no message".into());
        StoreError::Sled(format!(
            "sled failed while {doing} ({said}); the disk may be failing or full, and the last write may not be durable"
        ))
    })
}

/// Panics inside sled's own code are reported as errors by [`guard`]; they are not printed as
/// panics. Any other panic is printed as before.
fn quiet_sled_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_sled = info
                .location()
                .is_some_and(|l| l.file().contains("sled-0.34"));
            if !in_sled {
                return before(info);
            }
            let said = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            // From sled's folder on: the registry's path before it says nothing.
            let at = info
                .location()
                .map(|l| {
                    let file = l.file();
                    let from = file.find("sled-0.34").unwrap_or(0);
                    format!(" at {}:{}", &file[from..], l.line())
                })
                .unwrap_or_default();
            if let Ok(mut p) = SLED_PANIC.lock() {
                *p = Some(format!("{said}{at}"));
            }
        }));
    });
}

fn sync_path(path: &Path) -> Result<(), StoreError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// The names of sled's blob files (none if it has no blobs folder yet).
fn list_blobs(path: &Path) -> Result<HashSet<std::ffi::OsString>, StoreError> {
    let dir = path.join("blobs");
    let io = |source| StoreError::Io {
        path: dir.clone(),
        source,
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(io(e)),
    };
    let mut names = HashSet::new();
    for entry in entries {
        names.insert(entry.map_err(io)?.file_name());
    }
    Ok(names)
}

fn open_sled(path: &Path, timeout: Duration) -> Result<sled::Db, StoreError> {
    remove_unfinished_snapshots(path)?;
    let start = Instant::now();
    loop {
        // No background flush: sled's flusher `fsync`s its log every 500 ms, at moments of its
        // choosing, which could make durable a log that points at blob files not yet synced.
        // Every write of ours ends in `Handle::sync`, which syncs the blobs first.
        let opened = guard("opening", || {
            let config = sled::Config::new()
                .path(path)
                .cache_capacity(16 << 20)
                .flush_every_ms(None);
            match super::faults::segment_size() {
                Some(bytes) => config.segment_size(bytes),
                None => config,
            }
            .open()
        })?;
        match opened {
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
