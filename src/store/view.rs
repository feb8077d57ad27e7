//! The balances view: the committed balances and the chart, copied beside sled into
//! `PATH/gasledger.balances`, so that `report balances` answers without opening sled.
//!
//! On a store of a million transactions, opening and closing sled alone takes 13–25 ms (its
//! recovery runs at every open, see docs/PERFORMANCE.md) where the report itself takes half a
//! millisecond. The view is only a copy: sled stays the system of record, and a reader uses
//! the view only when it provably describes what sled holds now.
//!
//! - Every process that opened sled writes the view again once it has closed sled (the
//!   store's `Drop`, with our lock still held): the head, balances and chart as committed,
//!   read from sled, and a stamp of the store's files (sled's and `gasledger.blocks`: each
//!   one's name, size, inode, modification and change times). Opening sled writes to its log,
//!   so the stamp is taken after the close.
//! - A process that opens the store to write removes the view first, before sled is opened.
//! - A reader takes the view only if its checksum holds (a torn write is refused), its head
//!   equals the anchor's, and its stamp equals the store's files as they are now: any write to
//!   the store since (by this program or any other), a kill between the two, or a folder restored
//!   from a backup changes one of them. Otherwise it opens sled the usual way, and that
//!   process leaves a fresh view behind.
//!
//! The view is not fsynced: after a power loss it is either intact and still matching, or it
//! fails one of the checks. Reading it takes no lock: it is replaced by a rename, so a reader
//! sees the whole of one version, and a version whose stamp still matches is the store's
//! state at that moment.

use super::atomic::{Durability, WriteError};
use super::{anchor, Balances, Head, StoreError};
use crate::model::chart::Chart;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

pub const VIEW_FILE: &str = "gasledger.balances";
/// Files in the store's folder that the stamp leaves out: the lock, the anchor (compared on
/// its own) and the view itself. Everything else, sled's files and `gasledger.blocks`, counts.
fn unstamped(name: &str) -> bool {
    name == super::LOCK_FILE
        || name == anchor::ANCHOR_FILE
        || name.starts_with(VIEW_FILE)
        || name == format!("{}.tmp", anchor::ANCHOR_FILE)
}
const MAGIC: &str = "gasledger-balances 1";

/// The committed state that `report balances` needs.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub head: Head,
    pub chart: Chart,
    pub balances: Balances,
}

#[derive(Serialize)]
struct Written<'a> {
    head: String,
    stamp: String,
    chart: &'a Chart,
    balances: Vec<(&'a str, &'a str, Decimal)>,
}

#[derive(Deserialize)]
struct Read {
    head: String,
    stamp: String,
    chart: Chart,
    balances: Vec<(String, String, Decimal)>,
}

/// The stamp of the store's files in `dir`: a blake3 over each one's name, size, inode, and
/// modification and change times, in name order.
fn stamp(dir: &Path) -> std::io::Result<String> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if unstamped(&name) {
            continue;
        }
        let m = entry.metadata()?;
        entries.push((name, file_facts(&m)));
    }
    entries.sort();
    let mut h = blake3::Hasher::new();
    for (name, facts) in &entries {
        h.update(name.as_bytes());
        h.update(&[0]);
        for f in facts {
            h.update(&f.to_le_bytes());
        }
    }
    Ok(h.finalize().to_hex().to_string())
}

#[cfg(unix)]
fn file_facts(m: &std::fs::Metadata) -> [i64; 7] {
    use std::os::unix::fs::MetadataExt;
    [
        m.len() as i64,
        m.dev() as i64,
        m.ino() as i64,
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
    ]
}

#[cfg(not(unix))]
fn file_facts(m: &std::fs::Metadata) -> [i64; 7] {
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .unwrap_or_default();
    [
        m.len() as i64,
        0,
        0,
        mtime.as_secs() as i64,
        i64::from(mtime.subsec_nanos()),
        0,
        0,
    ]
}

fn head_text(h: &Head) -> String {
    anchor::render(h).trim_end().to_string()
}

/// Remove the view: called by a writer, with our lock held, before it opens sled.
pub fn remove(dir: &Path) -> Result<(), StoreError> {
    let path = dir.join(VIEW_FILE);
    match super::faults::refuse_write().and_then(|()| std::fs::remove_file(&path)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(StoreError::Io { path, source }),
    }
}

/// Write the view of a store whose sled is closed, with our lock held.
pub fn write(
    dir: &Path,
    head: &Head,
    chart: &Chart,
    balances: &Balances,
) -> Result<(), StoreError> {
    let path = dir.join(VIEW_FILE);
    let io = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    let body = serde_json::to_string(&Written {
        head: head_text(head),
        stamp: stamp(dir).map_err(io)?,
        chart,
        balances: balances
            .iter()
            .map(|((a, c), v)| (a.as_str(), c.as_str(), *v))
            .collect(),
    })
    .map_err(|e| StoreError::Damaged(format!("the balances view: {e}")))?;
    let sum = blake3::hash(body.as_bytes()).to_hex();
    let tmp = dir.join(format!("{VIEW_FILE}.tmp"));
    super::faults::refuse_write().map_err(io)?;
    super::atomic::write_atomically(&path, &tmp, Durability::Cache, |f| {
        f.write_all(format!("{MAGIC} {sum}\n{body}").as_bytes())
    })
    .map_err(|e| match e {
        WriteError::Io { source, .. } | WriteError::Content(source) => io(source),
    })
}

/// The view, if there is one and it describes the store as it is now; `None` sends the caller
/// the slow way (open sled). Never an error: a view that cannot be trusted is not used.
pub fn read_current(dir: &Path) -> Option<View> {
    let text = std::fs::read_to_string(dir.join(VIEW_FILE)).ok()?;
    let (first, body) = text.split_once('\n')?;
    let sum = first.strip_prefix(MAGIC)?.strip_prefix(' ')?;
    if blake3::hash(body.as_bytes()).to_hex().as_str() != sum {
        return None;
    }
    let r: Read = serde_json::from_str(body).ok()?;
    let head = anchor::read(dir).ok()??;
    if r.head != head_text(&head) || r.stamp != stamp(dir).ok()? {
        return None;
    }
    let balances = r
        .balances
        .into_iter()
        .map(|(a, c, v)| ((a, c), v))
        .collect();
    Some(View {
        head,
        chart: r.chart,
        balances,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::amount::{Commodity, Kind};

    fn sample() -> (Head, Chart, Balances) {
        let head = Head {
            txn_count: 3,
            last_hash: [9; 32],
            statement_count: 0,
            commits: 4,
        };
        let mut chart = Chart::default();
        chart.commodities.insert(
            "USD".into(),
            Commodity {
                code: "USD".into(),
                kind: Kind::Money,
                scale: 2,
            },
        );
        let mut balances = Balances::new();
        balances.insert(("IR:cash".into(), "USD".into()), Decimal::new(-12345, 2));
        balances.insert(("TM:cash".into(), "USD".into()), Decimal::new(12345, 2));
        (head, chart, balances)
    }

    fn folder_with_sled_file() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("db"), b"log").expect("write");
        dir
    }

    #[test]
    fn a_view_matching_the_anchor_and_the_files_is_read_back() {
        let dir = folder_with_sled_file();
        let (head, chart, balances) = sample();
        anchor::write(dir.path(), &head).expect("anchor");
        write(dir.path(), &head, &chart, &balances).expect("view");
        let v = read_current(dir.path()).expect("a current view");
        assert_eq!(
            v,
            View {
                head,
                chart,
                balances
            }
        );
    }

    #[test]
    fn any_change_to_sled_files_or_the_anchor_or_the_text_refuses_it() {
        let (head, chart, balances) = sample();

        let dir = folder_with_sled_file();
        anchor::write(dir.path(), &head).expect("anchor");
        write(dir.path(), &head, &chart, &balances).expect("view");
        std::fs::write(dir.path().join("db"), b"LOG").expect("write");
        assert_eq!(read_current(dir.path()), None, "sled's log rewritten");

        let dir = folder_with_sled_file();
        anchor::write(dir.path(), &head).expect("anchor");
        write(dir.path(), &head, &chart, &balances).expect("view");
        std::fs::write(dir.path().join("blobs"), b"").expect("write");
        assert_eq!(read_current(dir.path()), None, "a file added");

        let dir = folder_with_sled_file();
        anchor::write(dir.path(), &head).expect("anchor");
        write(dir.path(), &head, &chart, &balances).expect("view");
        let later = Head { commits: 5, ..head };
        anchor::write(dir.path(), &later).expect("anchor");
        assert_eq!(read_current(dir.path()), None, "another anchor");

        let dir = folder_with_sled_file();
        anchor::write(dir.path(), &head).expect("anchor");
        write(dir.path(), &head, &chart, &balances).expect("view");
        let path = dir.path().join(VIEW_FILE);
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace("-123.45", "-123.46")).expect("write");
        assert_eq!(read_current(dir.path()), None, "an edited amount");
        std::fs::write(&path, &text[..text.len() - 3]).expect("write");
        assert_eq!(read_current(dir.path()), None, "a torn view");

        remove(dir.path()).expect("remove");
        remove(dir.path()).expect("removing none is fine");
        assert_eq!(read_current(dir.path()), None, "no view");
    }
}
