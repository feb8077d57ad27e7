//! What several commands write: a file replaced atomically, a count with its noun.

use super::CliError;
use gasledger::store::atomic::{self, Durability, WriteError};
use std::path::{Path, PathBuf};

/// Write to a temporary file beside `path`, then rename it over `path`: a reader never sees a
/// half-written export, and a failure leaves any earlier file in place.
pub fn write_atomically(
    path: &Path,
    f: impl FnOnce(&mut std::fs::File) -> Result<(), CliError>,
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
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    atomic::write_atomically(path, &tmp, Durability::Synced, f).map_err(|e| match e {
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
