//! Full blocks live in `PATH/gasledger.blocks`, an append-only file beside sled; under a full
//! block's key sled holds a pointer to it (offset, length, crc32 of the bytes).
//!
//! Why not in sled: sled 0.34 keeps up to 16 of our 110 KB blocks in one leaf, and rewrites
//! the whole leaf (as a blob file) when it consolidates it, every 10 updates, and when it splits
//! it: importing 110 MB of blocks wrote 363 MB (130 MB of log, 234 MB of blob files, one file
//! created per rewrite), and sled's threads and the writer's system calls for it took a fifth
//! of the import's CPU. Appended to a file, a block is written once.
//!
//! Atomicity and durability are the store's as before: a writer appends blocks past the file's
//! committed end and writes their pointers past the head, where no reader looks; its commit
//! syncs the file *before* the sled batch that moves the head, so a committed pointer never
//! names bytes that a power cut can take away. A writer begins by cutting the file back to its
//! committed end (the end of the last full committed block's pointer), which drops whatever a
//! killed writer left there. A partly filled block still goes into sled with the commit, so
//! that `record` appends nothing to the file; when a later writer fills it, it is appended.
//!
//! Stores whose full blocks are all in sled (schema version 1) are read as they are; the
//! first commit marks the store version 2, which a gasledger that knows only version 1 refuses
//! instead of misreading.

use super::StoreError;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

pub const BLOCKS_FILE: &str = "gasledger.blocks";
/// The first byte of a pointer value; a block stored in sled starts with its record version.
const POINTER_TAG: u8 = b'P';
const POINTER_LEN: usize = 1 + 8 + 4 + 4;

/// Where a block's bytes are in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pointer {
    pub offset: u64,
    pub len: u32,
    pub crc: u32,
}

impl Pointer {
    pub fn to_value(self) -> [u8; POINTER_LEN] {
        let mut v = [0u8; POINTER_LEN];
        v[0] = POINTER_TAG;
        v[1..9].copy_from_slice(&self.offset.to_le_bytes());
        v[9..13].copy_from_slice(&self.len.to_le_bytes());
        v[13..17].copy_from_slice(&self.crc.to_le_bytes());
        v
    }

    /// The pointer in a block key's value; `None` if the value is a block itself.
    pub fn from_value(v: &[u8]) -> Option<Result<Pointer, StoreError>> {
        if v.first() != Some(&POINTER_TAG) {
            return None;
        }
        let Ok(b) = <[u8; POINTER_LEN]>::try_from(v) else {
            return Some(Err(StoreError::Damaged(
                "a block pointer of the wrong length".into(),
            )));
        };
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut offset = [0u8; 8];
        offset.copy_from_slice(&b[1..9]);
        Some(Ok(Pointer {
            offset: u64::from_le_bytes(offset),
            len: u32_at(9),
            crc: u32_at(13),
        }))
    }

    pub fn end(self) -> u64 {
        self.offset.saturating_add(u64::from(self.len))
    }
}

pub(super) fn io_err(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Read the block `p` points to, checking its crc32.
pub fn read(file: &File, path: &Path, p: Pointer) -> Result<Vec<u8>, StoreError> {
    // A damaged pointer must not make us allocate what the file cannot hold.
    let len = file.metadata().map_err(io_err(path))?.len();
    if p.end() > len {
        return Err(StoreError::Damaged(format!(
            "{} ends before the block at byte {} (of {} bytes)",
            path.display(),
            p.offset,
            p.len
        )));
    }
    let mut buf = vec![0u8; p.len as usize];
    file.read_exact_at(&mut buf, p.offset).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            StoreError::Damaged(format!(
                "{} ends before the block at byte {} (of {} bytes)",
                path.display(),
                p.offset,
                p.len
            ))
        } else {
            io_err(path)(e)
        }
    })?;
    if crc32fast::hash(&buf) != p.crc {
        return Err(StoreError::Damaged(format!(
            "the block at byte {} of {} fails its checksum",
            p.offset,
            path.display()
        )));
    }
    Ok(buf)
}

/// Open the file for reading; `None` if it does not exist.
pub fn open_read(dir: &Path) -> Result<Option<File>, StoreError> {
    let path = dir.join(BLOCKS_FILE);
    match File::open(&path) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(&path)(e)),
    }
}

/// Bytes appended between two nudges of the background sync.
const SYNC_EVERY: u64 = 8 << 20;

/// A writer's end of the file: appends past the committed end.
pub struct Appender {
    file: File,
    path: PathBuf,
    dir: PathBuf,
    end: u64,
    created: bool,
    written: bool,
    /// Appended since the last nudge.
    unsynced: u64,
    /// A thread that syncs the file whenever nudged, so that the data goes to the disk while
    /// the import runs and the commit's own sync has little left to wait for (110 MB written
    /// back at the commit made it 50-90 ms longer). `None` if it could not be started: then
    /// the commit's sync does it all.
    syncer: Option<Syncer>,
}

struct Syncer {
    nudge: std::sync::mpsc::SyncSender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Syncer {
    fn start(file: &File) -> Option<Syncer> {
        let file = file.try_clone().ok()?;
        // One nudge may wait while a sync runs; more would only repeat it.
        let (nudge, nudged) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("blocks-sync".into())
            .spawn(move || {
                for () in nudged {
                    // A failure here is seen again by the commit's own sync.
                    let _ = file.sync_data();
                }
            })
            .ok()?;
        Some(Syncer { nudge, thread })
    }
}

impl Appender {
    /// Open (or create) the file and cut it back to `committed_end`.
    pub fn open(dir: &Path, committed_end: u64) -> Result<Appender, StoreError> {
        let path = dir.join(BLOCKS_FILE);
        let created = !path.exists();
        let file = super::faults::refuse_write()
            .and_then(|()| {
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&path)
            })
            .map_err(io_err(&path))?;
        let len = file.metadata().map_err(io_err(&path))?.len();
        if len < committed_end {
            return Err(StoreError::Damaged(format!(
                "{} has {len} bytes, but its committed blocks end at byte {committed_end}",
                path.display()
            )));
        }
        if len > committed_end {
            // Left by a write that never committed.
            file.set_len(committed_end).map_err(io_err(&path))?;
        }
        Ok(Appender {
            file,
            dir: dir.to_path_buf(),
            path,
            end: committed_end,
            created,
            written: false,
            unsynced: 0,
            syncer: None,
        })
    }

    /// Append a block; returns where it is.
    pub fn append(&mut self, block: &[u8]) -> Result<Pointer, StoreError> {
        let len = u32::try_from(block.len())
            .map_err(|_| StoreError::Damaged("a block over 4 GiB".into()))?;
        self.file
            .write_all_at(block, self.end)
            .map_err(io_err(&self.path))?;
        let p = Pointer {
            offset: self.end,
            len,
            crc: crc32fast::hash(block),
        };
        self.end += u64::from(len);
        self.written = true;
        self.unsynced += u64::from(len);
        if self.unsynced >= SYNC_EVERY {
            self.unsynced = 0;
            if self.syncer.is_none() {
                self.syncer = Syncer::start(&self.file);
            }
            if let Some(s) = &self.syncer {
                // Full: a sync is running and another is queued; this one is not needed.
                let _ = s.nudge.try_send(());
            }
        }
        Ok(p)
    }

    /// Make what was appended durable (and the file's name, if this writer created it):
    /// before the commit that points at it.
    pub fn sync(&mut self) -> Result<(), StoreError> {
        if let Some(s) = self.syncer.take() {
            drop(s.nudge);
            let _ = s.thread.join();
        }
        if !self.written {
            return Ok(());
        }
        self.file.sync_data().map_err(io_err(&self.path))?;
        if self.created {
            File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(io_err(&self.dir))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_round_trip_and_blocks_are_not_pointers() {
        let p = Pointer {
            offset: 1 << 40,
            len: 110_000,
            crc: 0xdead_beef,
        };
        assert_eq!(
            Pointer::from_value(&p.to_value()).map(Result::ok),
            Some(Some(p))
        );
        assert!(Pointer::from_value(&[1, 0, 0, 0, 0]).is_none());
        assert!(matches!(
            Pointer::from_value(&[POINTER_TAG, 1, 2]),
            Some(Err(StoreError::Damaged(_)))
        ));
    }

    #[test]
    fn appended_blocks_read_back_and_damage_is_caught() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut a = Appender::open(dir.path(), 0).expect("open");
        let p1 = a.append(b"first block").expect("append");
        let p2 = a.append(b"second").expect("append");
        a.sync().expect("sync");
        let f = open_read(dir.path()).expect("open").expect("exists");
        let path = dir.path().join(BLOCKS_FILE);
        assert_eq!(read(&f, &path, p1).expect("read"), b"first block");
        assert_eq!(read(&f, &path, p2).expect("read"), b"second");

        // A writer that died after p2 left it past the committed end: the next one cuts it off.
        let a = Appender::open(dir.path(), p1.end()).expect("open");
        drop(a);
        assert!(matches!(read(&f, &path, p2), Err(StoreError::Damaged(_))));
        assert_eq!(read(&f, &path, p1).expect("read"), b"first block");

        // A file shorter than its committed blocks is damage, not something to cut.
        assert!(matches!(
            Appender::open(dir.path(), p1.end() + 1),
            Err(StoreError::Damaged(_))
        ));

        std::fs::write(&path, b"First block").expect("overwrite");
        assert!(matches!(read(&f, &path, p1), Err(StoreError::Damaged(_))));

        // A pointer past the end of the file (damaged) is refused before anything is read.
        let huge = Pointer {
            offset: u64::MAX - 1,
            len: u32::MAX,
            crc: 0,
        };
        assert_eq!(huge.end(), u64::MAX);
        assert!(matches!(read(&f, &path, huge), Err(StoreError::Damaged(_))));
    }
}
