//! What is at a store's path, checked before anything is written there: a mistyped `--db`
//! must leave nothing behind, and a path that is a file or someone else's folder must never
//! become a store.

use super::{faults, Access, StoreError};
use std::fs::FileType;
use std::io;
use std::path::Path;

/// "a file", "a FIFO", "a character device": what a path that is not a folder is, in words.
pub fn kind_of(t: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a folder"
    } else if t.is_file() {
        "a file"
    } else {
        "not a file or a folder"
    }
}

/// Whether the folder at `path` holds sled's files: a store, or what is left of one.
pub(super) fn holds_store(path: &Path) -> bool {
    path.join("conf").is_file() && path.join("db").is_file()
}

/// Check what is at `path` before a store is opened there: a folder that holds a store; for
/// [`Access::Create`] also a new path (the folder is created, with its parents) or a folder
/// holding nothing but what gasledger and sled put in a store (an empty one, or what a
/// creation cut short left). Anything else is refused before anything is written.
pub(super) fn prepare(path: &Path, access: Access) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return create(path, access),
        Err(e) => return Err(io(e)),
    };
    if !meta.is_dir() {
        return Err(StoreError::NotAStore {
            path: path.to_path_buf(),
            what: kind_of(&meta.file_type()),
        });
    }
    if holds_store(path) {
        return Ok(());
    }
    if access != Access::Create {
        return Err(StoreError::NoLedger {
            path: path.to_path_buf(),
        });
    }
    for entry in std::fs::read_dir(path).map_err(io)? {
        if !is_ours(&entry.map_err(io)?.file_name().to_string_lossy()) {
            return Err(StoreError::ForeignFolder {
                path: path.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// A path where nothing is: created for [`Access::Create`], refused otherwise. A symbolic
/// link that points nowhere is refused either way.
fn create(path: &Path, access: Access) -> Result<(), StoreError> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(StoreError::NotAStore {
            path: path.to_path_buf(),
            what: "a symbolic link to nothing",
        });
    }
    if access != Access::Create {
        return Err(StoreError::NoLedger {
            path: path.to_path_buf(),
        });
    }
    faults::refuse_write()
        .and_then(|()| std::fs::create_dir_all(path))
        .map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// Whether `name`, in a store's folder, is something gasledger or sled puts there.
fn is_ours(name: &str) -> bool {
    matches!(name, "conf" | "db" | "blobs")
        || name.starts_with("snap.")
        || name.starts_with("gasledger.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_named_as_one() {
        // Reading metadata only: nothing is ever written to /dev.
        if let Ok(m) = std::fs::metadata("/dev/null") {
            assert_eq!(kind_of(&m.file_type()), "a character device");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let m = std::fs::metadata(dir.path()).expect("metadata");
        assert_eq!(kind_of(&m.file_type()), "a folder");
    }

    #[test]
    fn only_a_store_or_an_empty_folder_becomes_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (empty, store, other) = (
            dir.path().join("empty"),
            dir.path().join("store"),
            dir.path().join("other"),
        );
        for d in [&empty, &store, &other] {
            std::fs::create_dir(d).expect("mkdir");
        }
        std::fs::write(store.join("conf"), b"").expect("write");
        std::fs::write(store.join("db"), b"").expect("write");
        std::fs::write(other.join("notes.txt"), b"").expect("write");
        for access in [Access::Read, Access::Write, Access::Create] {
            assert!(prepare(&store, access).is_ok());
        }
        assert!(prepare(&empty, Access::Create).is_ok());
        assert!(matches!(
            prepare(&empty, Access::Write),
            Err(StoreError::NoLedger { .. })
        ));
        assert!(matches!(
            prepare(&other, Access::Create),
            Err(StoreError::ForeignFolder { .. })
        ));
        let file = store.join("db");
        assert!(matches!(
            prepare(&file, Access::Create),
            Err(StoreError::NotAStore { what: "a file", .. })
        ));
    }
}
