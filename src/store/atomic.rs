//! Writing a file whole or not at all: into a temporary file beside it, then renamed over it.
//! A reader sees the old file or the new one, never half of one; a failure leaves the old file
//! in place. The store's anchor and balances view and the exports written with `-o` all go
//! through here.

use std::fs::File;
use std::io;
use std::path::Path;

/// How durable the new file must be when the write returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Its bytes and its name survive a power cut: the file is synced before the rename and
    /// the folder after it.
    Synced,
    /// Its bytes are synced before the rename; the folder is not (a crash may leave the old
    /// name, never a torn file).
    DataSynced,
    /// Nothing is synced: for a cache that is checked when read and rebuilt when wrong.
    Cache,
}

/// Why an atomic write failed.
#[derive(Debug)]
pub enum WriteError<E> {
    /// A step of the file system's: `create`, `sync`, `rename`, `sync folder`.
    Io {
        step: &'static str,
        source: io::Error,
    },
    /// The content's writer failed.
    Content(E),
}

/// Write `path` through `tmp` (a path in the same folder), with `write` filling the file.
pub fn write_atomically<E>(
    path: &Path,
    tmp: &Path,
    durability: Durability,
    write: impl FnOnce(&mut File) -> Result<(), E>,
) -> Result<(), WriteError<E>> {
    let io = |step: &'static str| move |source| WriteError::Io { step, source };
    let mut file = create_new(tmp).map_err(io("create"))?;
    let written = write(&mut file)
        .map_err(WriteError::Content)
        .and_then(|()| {
            if durability == Durability::Cache {
                return Ok(());
            }
            file.sync_all().map_err(io("sync"))
        });
    drop(file);
    if let Err(e) = written {
        let _ = std::fs::remove_file(tmp);
        return Err(e);
    }
    super::faults::pass(super::faults::Point::BeforeRename);
    if let Err(e) = std::fs::rename(tmp, path) {
        let _ = std::fs::remove_file(tmp);
        return Err(io("rename")(e));
    }
    if durability == Durability::Synced {
        // The rename itself is durable once the folder is synced.
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io("sync folder"))?;
    }
    Ok(())
}

/// Create `tmp`, never through what is there: a file left by an earlier write that was cut
/// short is removed first, and a symbolic link planted under the name (in a folder others may
/// write) is removed, never followed to truncate its target.
fn create_new(tmp: &Path) -> io::Result<File> {
    let open = || File::options().write(true).create_new(true).open(tmp);
    match open() {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(tmp)?;
            open()
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (path, tmp) = (dir.path().join("f"), dir.path().join("f.tmp"));
        std::fs::write(&path, "old").expect("write");
        let r = write_atomically(&path, &tmp, Durability::Synced, |f| {
            f.write_all(b"half").map_err(|_| "io")?;
            Err("the writer failed")
        });
        assert!(matches!(r, Err(WriteError::Content("the writer failed"))));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "old");
        assert!(!tmp.exists());
        write_atomically(&path, &tmp, Durability::Synced, |f| {
            f.write_all(b"new").map_err(|_| "io")
        })
        .expect("write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        assert!(!tmp.exists());
    }
}
