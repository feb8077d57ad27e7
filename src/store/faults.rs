//! Fault points for the crash and power-cut tests. They exist only in a build with the
//! `fault-injection` feature, which `cargo test` turns on (the crate is its own
//! dev-dependency with that feature); a release build has none, and reads nothing from the
//! environment here: every function below is then empty or returns `None`. In a test build
//! each is set by an environment variable of the binary under test.
//!
//! **Crash points.** The write path passes named [`Point`]s (listed in [`Point::ALL`], with
//! where each is). `GASLEDGER_TEST_CRASH_AT=NAME:N` makes the process abort the Nth time it
//! passes the point NAME (N from 1): `std::process::abort()`, as a kill would, with no
//! destructor run and nothing flushed; it says `fault injection: crash at NAME:N` on stderr
//! first. The passes are counted, not timed, so the same crash lands at the same place
//! whatever the machine's load. `GASLEDGER_TEST_COUNT_POINTS=FILE` makes the process write,
//! as it exits normally, each point's name and how many times it passed it, one a line
//! (every point, those never passed with 0): the test runs a command once that way, then
//! crashes it at each pass in turn (`tests/crash.rs`). Each point costs one relaxed atomic
//! increment and one comparison with the crash armed (the variable is read once).

/// A named place on the write path where a test can crash the process. The order is the
/// order of a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Point {
    /// `write/append.rs`: a transaction was appended to the writer (in memory, or its full
    /// block sealed). An import passes it once per new transaction while its parser thread
    /// runs ahead.
    TxnAppended,
    /// `write/append.rs`: a full block's bytes were appended to `gasledger.blocks`, its
    /// pointer not yet written.
    BlockAppended,
    /// `write/append.rs`: a full block's pointer and summary were written to sled ahead of the
    /// head (or, for a block that held committed transactions, put into the last batch).
    BlockSealed,
    /// `write/commit.rs`: a batch of id buckets (about a mebibyte) was written to sled ahead of
    /// the head, with the bitmap of the buckets written ahead.
    IdsAhead,
    /// `write/commit.rs`: everything is written ahead; the last batch, which moves the head,
    /// is not built yet, nor `gasledger.blocks` synced.
    BeforeHead,
    /// `write/commit.rs`: `gasledger.blocks` is synced, the last batch not yet applied (only a
    /// commit that appended full blocks passes it).
    BlocksSynced,
    /// `write/commit.rs`: the last batch (head, balances, schema) is applied to sled and not
    /// yet synced.
    HeadApplied,
    /// `write/commit.rs`: sled's files are synced with the new head; the anchor has not moved.
    HeadSynced,
    /// `write/commit.rs`: the anchor names the new head; the command has not said it is done,
    /// and the balances view (removed when the writer opened) is not written again.
    AnchorMoved,
    /// `balances.rs`: the store's drop has closed sled and not yet written the balances view.
    BeforeView,
    /// `atomic.rs`: a file replaced atomically (the anchor, the balances view, a `-o` output)
    /// has its temporary file written and not yet renamed over it.
    BeforeRename,
    /// `handle.rs`: a long scan closed sled to let go of its memory and has not opened it
    /// again (every `GASLEDGER_TEST_REOPEN_BYTES`, or 16 MiB, read or written through sled).
    Reopening,
}

// Without the feature nothing lists or names the points.
#[cfg_attr(not(feature = "fault-injection"), allow(dead_code))]
impl Point {
    /// Every point, in the order of a commit.
    pub(super) const ALL: [Point; 12] = [
        Point::TxnAppended,
        Point::BlockAppended,
        Point::BlockSealed,
        Point::IdsAhead,
        Point::BeforeHead,
        Point::BlocksSynced,
        Point::HeadApplied,
        Point::HeadSynced,
        Point::AnchorMoved,
        Point::BeforeView,
        Point::BeforeRename,
        Point::Reopening,
    ];

    /// The point's name, as `GASLEDGER_TEST_CRASH_AT` and the counts file give it.
    pub(super) fn name(self) -> &'static str {
        match self {
            Point::TxnAppended => "txn-appended",
            Point::BlockAppended => "block-appended",
            Point::BlockSealed => "block-sealed",
            Point::IdsAhead => "ids-ahead",
            Point::BeforeHead => "before-head",
            Point::BlocksSynced => "blocks-synced",
            Point::HeadApplied => "head-applied",
            Point::HeadSynced => "head-synced",
            Point::AnchorMoved => "anchor-moved",
            Point::BeforeView => "before-view",
            Point::BeforeRename => "before-rename",
            Point::Reopening => "reopening",
        }
    }
}

/// Pass `point`: count it, and abort the process if the test armed this pass.
#[cfg(feature = "fault-injection")]
pub(super) fn pass(point: Point) {
    use std::sync::atomic::Ordering;
    let n = counted::PASSES[point as usize].fetch_add(1, Ordering::Relaxed) + 1;
    if counted::armed() == Some((point, n)) {
        eprintln!("fault injection: crash at {}:{n}", point.name());
        std::process::abort();
    }
}

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub(super) fn pass(_point: Point) {}

/// As the process exits normally: write each point's count where
/// `GASLEDGER_TEST_COUNT_POINTS` says. Best effort (a test that asked for them sees them
/// missing).
#[cfg(feature = "fault-injection")]
pub fn write_counts() {
    use std::sync::atomic::Ordering;
    let Some(path) = var("GASLEDGER_TEST_COUNT_POINTS") else {
        return;
    };
    let text: String = Point::ALL
        .iter()
        .map(|p| {
            let n = counted::PASSES[*p as usize].load(Ordering::Relaxed);
            format!("{} {n}\n", p.name())
        })
        .collect();
    let _ = std::fs::write(path, text);
}

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn write_counts() {}

#[cfg(feature = "fault-injection")]
mod counted {
    use super::{var, Point};
    use std::sync::atomic::AtomicU64;
    use std::sync::OnceLock;

    /// How many times the process passed each point, by its place in [`Point::ALL`].
    pub(super) static PASSES: [AtomicU64; Point::ALL.len()] =
        [const { AtomicU64::new(0) }; Point::ALL.len()];

    /// The pass to crash at, from `GASLEDGER_TEST_CRASH_AT`, read once. A value that names no
    /// point ends the process at once (exit status 2) with the list of points, rather than
    /// letting a mistyped test run to its end and look like a crash that changed nothing.
    pub(super) fn armed() -> Option<(Point, u64)> {
        static ARMED: OnceLock<Option<(Point, u64)>> = OnceLock::new();
        *ARMED.get_or_init(|| {
            let spec = var("GASLEDGER_TEST_CRASH_AT")?;
            match parse(&spec) {
                Some(at) => Some(at),
                None => {
                    let names: Vec<&str> = Point::ALL.iter().map(|p| p.name()).collect();
                    eprintln!(
                        "gasledger: GASLEDGER_TEST_CRASH_AT={spec}: expected NAME:N (N from 1), NAME one of {}",
                        names.join(", ")
                    );
                    std::process::exit(2);
                }
            }
        })
    }

    /// `NAME:N`.
    pub(super) fn parse(spec: &str) -> Option<(Point, u64)> {
        let (name, n) = spec.rsplit_once(':')?;
        let point = Point::ALL.into_iter().find(|p| p.name() == name)?;
        let n: u64 = n.parse().ok()?;
        (n > 0).then_some((point, n))
    }
}

/// A test build: the value of the fault variable `name`, if set.
#[cfg(feature = "fault-injection")]
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(not(feature = "fault-injection"))]
fn var(_name: &str) -> Option<String> {
    None
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

#[cfg(all(test, feature = "fault-injection"))]
mod tests {
    use super::counted::parse;
    use super::Point;

    #[test]
    fn names_are_unique_and_specs_parse() {
        for (i, p) in Point::ALL.iter().enumerate() {
            assert_eq!(*p as usize, i, "ALL is in declaration order");
            assert_eq!(parse(&format!("{}:3", p.name())), Some((*p, 3)));
        }
        assert_eq!(parse("before-head:0"), None);
        assert_eq!(parse("before-head"), None);
        assert_eq!(parse("no-such-point:1"), None);
        assert_eq!(parse("before-head:x"), None);
    }
}
