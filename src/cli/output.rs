//! What several commands write: `-o FILE` (a regular file replaced atomically, a new file, or
//! `-` for standard output, and nothing else), a count with its noun.

use super::CliError;
use gasledger::store::atomic::{self, Durability, WriteError};
use gasledger::store::place::kind_of;
use std::fs::{File, FileType};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write the output to `-o path` if given (and not `-`), else to `out` (standard output).
pub fn write(
    path: Option<&Path>,
    out: &mut dyn Write,
    f: impl FnOnce(&mut dyn Write) -> Result<(), CliError>,
) -> Result<(), CliError> {
    match path {
        Some(path) if path != Path::new("-") => write_atomically(path, |file| f(file)),
        _ => f(out),
    }
}

/// Why `-o` will not write over what is at a path: `None` for a regular file, which is
/// replaced. A symbolic link is not followed: replacing it would turn it into a file and leave
/// its target stale, and writing through it would put the file wherever it points (another
/// folder, a device); the user names the target. A FIFO, a device or a socket would be
/// replaced by the rename (a reader of the FIFO left waiting, a device node gone), and a folder
/// cannot be.
pub fn refusal(t: &FileType) -> Option<&'static str> {
    if t.is_file() {
        None
    } else {
        Some(kind_of(t))
    }
}

/// Refuse `path` unless it is a regular file or nothing is there yet; the permissions of the
/// file it replaces, if any.
fn check_target(path: &Path) -> Result<Option<std::fs::Permissions>, CliError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) => match refusal(&m.file_type()) {
            None => Ok(Some(m.permissions())),
            Some(what) => Err(CliError::Usage(format!(
                "cannot write {}: it is {what}{}; -o replaces only a regular file or creates a new one (`-o -` writes to standard output)",
                path.display(),
                link_target(path)
            ))),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError::Usage(format!("cannot write {}: {e}", path.display()))),
    }
}

/// " to TARGET" for a symbolic link, else nothing.
fn link_target(path: &Path) -> String {
    std::fs::read_link(path)
        .map(|t| format!(" to {}", t.display()))
        .unwrap_or_default()
}

/// Write to a temporary file beside `path`, then rename it over `path`: a reader never sees a
/// half-written export, and a failure leaves any earlier file in place. What is at `path` is
/// checked before the write and again just before the rename (the export may take a while);
/// the rename itself cannot be told to replace only a regular file, so a file swapped for
/// something else between that last check and the rename is replaced.
pub fn write_atomically(
    path: &Path,
    f: impl FnOnce(&mut File) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |what: &str, e: std::io::Error| {
        CliError::Usage(format!("cannot write {}: {what}: {e}", path.display()))
    };
    if !dir.is_dir() {
        let what = if dir.exists() {
            "is not a folder"
        } else {
            "does not exist"
        };
        return Err(CliError::Usage(format!(
            "cannot write {}: folder {} {what}",
            path.display(),
            dir.display()
        )));
    }
    let before = check_target(path)?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let written = atomic::write_atomically(path, &tmp, Durability::Synced, |file| {
        f(file)?;
        if let Some(perms) = before {
            // The new file keeps the old one's permissions.
            file.set_permissions(perms)
                .map_err(|e| fail("permissions", e))?;
        }
        check_target(path).map(drop)
    });
    written.map_err(|e| match e {
        WriteError::Io { step, source } => fail(step, source),
        WriteError::Content(e) => e,
    })
}

/// "1 party", "2 parties".
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else if let Some(stem) = noun.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device cannot be made without root: the decision is checked on the type of
    /// `/dev/null`, whose metadata is only read.
    #[test]
    fn only_a_regular_file_is_replaced() {
        if let Ok(m) = std::fs::symlink_metadata("/dev/null") {
            assert_eq!(refusal(&m.file_type()), Some("a character device"));
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("f");
        std::fs::write(&file, b"").expect("write");
        let m = std::fs::symlink_metadata(&file).expect("metadata");
        assert_eq!(refusal(&m.file_type()), None);
        let m = std::fs::symlink_metadata(dir.path()).expect("metadata");
        assert_eq!(refusal(&m.file_type()), Some("a folder"));
    }
}
