//! Reading a store this process cannot write: a read-only mount, an archive folder without
//! write permission.
//!
//! sled 0.34.7 has no read-only open: it opens its log for writing, takes a lock on it, writes
//! a snapshot at every open and may rewrite its log while it recovers. So a reader of such a
//! store opens sled on a private copy of sled's own files (`conf`, `db`, the finished
//! `snap.*` files and `blobs/`), made in the system's temporary folder (`TMPDIR`) and removed
//! when the store is closed. Everything else is read where it is: `gasledger.blocks` (the
//! full blocks, most of a large store), the anchor and the balances view. sled's files are a
//! small part of a store (29 MB of the 139 MB of a million transactions, see
//! docs/PERFORMANCE.md): copying them costs tens of milliseconds, once per command.
//!
//! The copy is a consistent state because no writer runs while it is made: the reader holds a
//! shared lock on the lock file (opened for reading), which a writer's exclusive lock waits
//! for; if the store has no lock file, no writer has opened it, and none can write it without
//! creating one first, which the reader looks for again once the copy is made.

use super::{lock, StoreError, LOCK_FILE};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// A private copy of a store's sled files, removed when dropped.
pub(super) struct SledCopy {
    dir: PathBuf,
}

impl SledCopy {
    /// Where sled is opened.
    pub(super) fn path(&self) -> &Path {
        &self.dir
    }

    /// Copy the sled files of the store at `store` into a new private folder in `base`.
    fn make(store: &Path, base: &Path) -> Result<SledCopy, StoreError> {
        let copy = SledCopy {
            dir: new_dir(base)?,
        };
        copy_sled_files(store, &copy.dir)?;
        Ok(copy)
    }
}

impl Drop for SledCopy {
    fn drop(&mut self) {
        // Best effort: a copy left behind is only a temporary folder.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The lock (if the store has a lock file) and a copy of sled's files, for a reader of the
/// read-only store at `store`, waiting up to `timeout` for a writer that holds the store.
pub(super) fn open(
    store: &Path,
    timeout: Duration,
) -> Result<(Option<File>, SledCopy), StoreError> {
    let base = std::env::temp_dir();
    let lock = lock::take_shared_lock(store, timeout)?;
    let copy = SledCopy::make(store, &base)?;
    if lock.is_some() || !store.join(LOCK_FILE).exists() {
        return Ok((lock, copy));
    }
    // A writer created the lock file while the copy was made: the copy may be torn. Now that
    // there is a lock file, wait for that writer and copy again.
    drop(copy);
    let lock = lock::take_shared_lock(store, timeout)?;
    Ok((lock, SledCopy::make(store, &base)?))
}

/// A new folder in `base`, readable by this user only.
fn new_dir(base: &Path) -> Result<PathBuf, StoreError> {
    static MADE: AtomicU32 = AtomicU32::new(0);
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    loop {
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("gasledger-read-only-{}-{n}", std::process::id()));
        match builder.create(&dir) {
            Ok(()) => return Ok(dir),
            // Left by an earlier process with the same id, killed before it removed its copy.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => continue,
            Err(source) => return Err(StoreError::Io { path: dir, source }),
        }
    }
}

/// Whether `name`, in a store's folder, is one of sled's files that a copy needs. A snapshot
/// sled began and never finished is left out (`handle.rs` says why an open removes them).
fn is_sled_file(name: &str) -> bool {
    name == "conf" || name == "db" || (name.starts_with("snap.") && !name.ends_with(".generating"))
}

/// Copy sled's files, and its `blobs` folder, from `store` into `to`.
fn copy_sled_files(store: &Path, to: &Path) -> Result<(), StoreError> {
    copy_files(store, to, is_sled_file)?;
    let blobs = store.join("blobs");
    if blobs.is_dir() {
        let dest = to.join("blobs");
        std::fs::create_dir(&dest).map_err(|source| StoreError::Io {
            path: dest.clone(),
            source,
        })?;
        copy_files(&blobs, &dest, |_| true)?;
    }
    Ok(())
}

/// Copy the regular files of `from` whose names `wanted` accepts into `to`.
fn copy_files(from: &Path, to: &Path, wanted: impl Fn(&str) -> bool) -> Result<(), StoreError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let name = entry.file_name();
        let is_file = entry.file_type().map_err(io(&entry.path()))?.is_file();
        if is_file && wanted(&name.to_string_lossy()) {
            let dest = to.join(&name);
            std::fs::copy(entry.path(), &dest).map_err(io(&entry.path()))?;
            // `copy` keeps the original's permissions, read-only ones included, and sled opens
            // its files for writing.
            writable(&dest).map_err(io(&dest))?;
        }
    }
    Ok(())
}

/// Make the copied file at `path` writable by its owner, this process.
fn writable(path: &Path) -> std::io::Result<()> {
    let mut perms = std::fs::metadata(path)?.permissions();
    #[cfg(unix)]
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o600);
    #[cfg(not(unix))]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sleds_finished_files_are_copied() {
        for name in ["conf", "db", "snap.00000000000A3F20"] {
            assert!(is_sled_file(name), "{name}");
        }
        for name in [
            "snap.00000000000A3F20.generating",
            "gasledger.lock",
            "gasledger.head",
            "gasledger.blocks",
            "gasledger.balances",
            "blobs",
        ] {
            assert!(!is_sled_file(name), "{name}");
        }
    }

    #[test]
    fn the_copy_is_removed_when_dropped() {
        let store = tempfile::tempdir().expect("temp dir");
        std::fs::write(store.path().join("conf"), b"conf").expect("write");
        std::fs::write(store.path().join("db"), b"log").expect("write");
        std::fs::write(store.path().join("gasledger.blocks"), b"blocks").expect("write");
        std::fs::create_dir(store.path().join("blobs")).expect("mkdir");
        std::fs::write(store.path().join("blobs").join("7"), b"blob").expect("write");
        let tmp = tempfile::tempdir().expect("temp dir");
        let copy = SledCopy::make(store.path(), tmp.path()).expect("copy");
        let dir = copy.path().to_path_buf();
        assert_eq!(std::fs::read(dir.join("db")).expect("read"), b"log");
        assert_eq!(std::fs::read(dir.join("blobs/7")).expect("read"), b"blob");
        assert!(!dir.join("gasledger.blocks").exists());
        drop(copy);
        assert!(!dir.exists());
    }
}
