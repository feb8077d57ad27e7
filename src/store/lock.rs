//! The lock file that keeps a store to one process at a time, and the shared lock a reader of
//! a read-only store takes instead.

use super::{faults, StoreError, LOCK_FILE};
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// Whether an error opening a file of the store for writing means that this process cannot
/// write the store at all: a read-only mount, or a folder or file it has no permission to write.
pub(super) fn is_read_only(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied
    )
}

/// Take the lock of the store at `path`, waiting up to `timeout` for another process to let
/// it go. A store this process cannot write is [`StoreError::ReadOnly`].
pub(super) fn take_lock(path: &Path, timeout: Duration) -> Result<File, StoreError> {
    let lock_path = path.join(LOCK_FILE);
    let file = faults::refuse_write()
        .and_then(|()| {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
        })
        .map_err(|source| match is_read_only(&source) {
            true => StoreError::ReadOnly {
                path: path.to_path_buf(),
                source,
            },
            false => StoreError::Io {
                path: lock_path.clone(),
                source,
            },
        })?;
    wait_for(&file, File::try_lock, path, timeout)?;
    Ok(file)
}

/// For a reader of a store it cannot write: a shared lock on the lock file, opened for
/// reading only, so that no writer (a process that can write the store) begins while this one
/// reads, waiting up to `timeout` for one that has begun. `None` when the store has no lock
/// file: no process has written it since it was copied or restored, and none can begin
/// without creating one (the caller looks again once it has read what it needs).
pub(super) fn take_shared_lock(path: &Path, timeout: Duration) -> Result<Option<File>, StoreError> {
    let lock_path = path.join(LOCK_FILE);
    let file = match File::open(&lock_path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StoreError::Io {
                path: lock_path,
                source,
            })
        }
    };
    wait_for(&file, File::try_lock_shared, path, timeout)?;
    Ok(Some(file))
}

/// Try `lock` on `file` until it holds or `timeout` has passed.
fn wait_for(
    file: &File,
    lock: fn(&File) -> Result<(), TryLockError>,
    path: &Path,
    timeout: Duration,
) -> Result<(), StoreError> {
    let start = Instant::now();
    loop {
        match lock(file) {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) => {
                if start.elapsed() >= timeout {
                    return Err(StoreError::InUse {
                        path: path.to_path_buf(),
                        waited: timeout,
                    });
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::Error(source)) => {
                return Err(StoreError::Io {
                    path: path.join(LOCK_FILE),
                    source,
                })
            }
        }
    }
}
