//! Fault points for the crash and power-cut tests. They exist only in a build with the
//! `fault-injection` feature, which `cargo test` turns on (the crate is its own
//! dev-dependency with that feature); a release build has none, and reads nothing from the
//! environment here. In a test build each is set by an environment variable of the binary
//! under test.

/// A test build: the value of the fault variable `name`, if set.
#[cfg(feature = "fault-injection")]
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(not(feature = "fault-injection"))]
fn var(_name: &str) -> Option<String> {
    None
}

/// `GASLEDGER_TEST_ABORT_BEFORE_HEAD`: a commit aborts the process just before its last
/// batch, once its blocks and id buckets are written ahead and flushed (as a kill there would).
pub(super) fn abort_before_head() -> bool {
    var("GASLEDGER_TEST_ABORT_BEFORE_HEAD").is_some()
}

/// `GASLEDGER_TEST_REOPEN_BYTES`: bytes a long scan reads between two openings of sled, set to
/// a few bytes so that sled is opened again at every block and kills and faults land in the
/// middle of it too.
pub(super) fn reopen_bytes() -> Option<usize> {
    var("GASLEDGER_TEST_REOPEN_BYTES")?.parse().ok()
}

/// `GASLEDGER_TEST_SEGMENT_SIZE` (a power of two, 256 or more): sled's segment size, made
/// small so that its pages go to blob files from a few kilobytes on and small stores have
/// blobs. A store must always be opened with the size it was made with; sled refuses another.
pub(super) fn segment_size() -> Option<usize> {
    var("GASLEDGER_TEST_SEGMENT_SIZE")?
        .parse()
        .ok()
        .filter(|n: &usize| n.is_power_of_two() && (256..=1 << 24).contains(n))
}

/// `GASLEDGER_TEST_READ_ONLY`: the store's folder behaves as on a read-only mount. Every place
/// where the store creates, removes or opens for writing a file of its own folder (the lock
/// file first, then sled's files, the anchor, the balances view, the blocks file, an import's
/// spill file, the folder itself) asks here first and fails with the error such a mount gives.
/// Permissions cannot show this when the tests run as root, who may write anywhere; this can.
pub(super) fn refuse_write() -> std::io::Result<()> {
    match var("GASLEDGER_TEST_READ_ONLY") {
        Some(_) => Err(std::io::Error::new(
            std::io::ErrorKind::ReadOnlyFilesystem,
            "Read-only file system (GASLEDGER_TEST_READ_ONLY)",
        )),
        None => Ok(()),
    }
}
