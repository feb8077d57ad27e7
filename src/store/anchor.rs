//! The anchor: a copy of the head kept outside sled, in `PATH/gasledger.head`, rewritten
//! (temp file, fsync, rename, fsync of the folder) after every commit, once sled's files are
//! durable. sled recovers a damaged or truncated log to a consistent *earlier* state without
//! saying so; the hash chain cannot see a lost suffix. The anchor can: a store whose head is
//! behind its anchor has lost committed data, and every command refuses it.
//!
//! With one exception, an interrupted commit. Builds before the word `data-first` at the end of
//! the anchor's line moved the anchor *before* sled's log was durable (sled's `flush` ends in
//! `sync_file_range`, and its `fsync` came only when sled was closed). A power cut in between
//! left sled one commit behind an anchor without that word, which is exactly what such a cut
//! explains: that commit is gone, and the store is whole at the one before. [`check`] says so
//! and lets it open; the caller then writes the anchor again. An anchor with `data-first` was
//! written only after the data it names was durable, so a sled behind it has lost durable data:
//! damage, refused. (Builds that do not know the word ignore it: it is the line's last field.)

use super::atomic::{Durability, WriteError};
use super::{Head, StoreError};
use std::io::Write;
use std::path::Path;

pub const ANCHOR_FILE: &str = "gasledger.head";

/// The last word of an anchor written only once the data it names was durable.
const DATA_FIRST: &str = "data-first";

pub(super) fn render(h: &Head) -> String {
    let hash: String = h.last_hash.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "gasledger-head 1 commits={} transactions={} statements={} hash={hash} {DATA_FIRST}\n",
        h.commits, h.txn_count, h.statement_count
    )
}

/// An anchor as read: the head it names, and whether it was written after that head's data
/// was durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Anchor {
    head: Head,
    data_first: bool,
}

fn parse_anchor(text: &str) -> Option<Anchor> {
    let mut words = text.trim_end().split(' ');
    if words.next()? != "gasledger-head" || words.next()? != "1" {
        return None;
    }
    let mut field = |name: &str| {
        words
            .next()?
            .strip_prefix(name)?
            .strip_prefix('=')
            .map(str::to_string)
    };
    let commits = field("commits")?.parse().ok()?;
    let txn_count = field("transactions")?.parse().ok()?;
    let statement_count = field("statements")?.parse().ok()?;
    let hex = field("hash")?;
    if hex.len() != 64 {
        return None;
    }
    let mut last_hash = [0u8; 32];
    for (i, b) in last_hash.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    let data_first = match words.next() {
        None => false,
        Some(DATA_FIRST) => true,
        Some(_) => return None,
    };
    if words.next().is_some() {
        return None;
    }
    Some(Anchor {
        head: Head {
            txn_count,
            last_hash,
            statement_count,
            commits,
        },
        data_first,
    })
}

/// The anchor of the store at `dir`, if it has one.
pub fn read(dir: &Path) -> Result<Option<Head>, StoreError> {
    Ok(read_anchor(dir)?.map(|a| a.head))
}

fn read_anchor(dir: &Path) -> Result<Option<Anchor>, StoreError> {
    let path = dir.join(ANCHOR_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_anchor(&text)
            .map(Some)
            .ok_or_else(|| StoreError::Damaged(format!("{} is unreadable", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StoreError::Io { path, source }),
    }
}

/// Replace the anchor atomically and durably.
pub fn write(dir: &Path, head: &Head) -> Result<(), StoreError> {
    let path = dir.join(ANCHOR_FILE);
    let tmp = dir.join(format!("{ANCHOR_FILE}.tmp"));
    let io = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    super::faults::refuse_write().map_err(io)?;
    super::atomic::write_atomically(&path, &tmp, Durability::Synced, |f| {
        f.write_all(render(head).as_bytes())
    })
    .map_err(|e| match e {
        WriteError::Io { source, .. } | WriteError::Content(source) => io(source),
    })
}

/// A commit that was interrupted before it was durable: the anchor named it, sled does not
/// hold it, and the store is whole at the commit before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recovered {
    /// What the anchor named: the commit that was lost.
    pub lost: Head,
    /// What sled holds: the store as it now is.
    pub now: Head,
}

/// Refuse a store whose head is behind its anchor (or differs at the same commit), unless an
/// interrupted commit explains it (see the top of this file): then say what was recovered.
pub fn check(dir: &Path, head: Option<&Head>) -> Result<Option<Recovered>, StoreError> {
    let Some(Anchor {
        head: anchor,
        data_first,
    }) = read_anchor(dir)?
    else {
        return Ok(None);
    };
    let lost = match head {
        None => anchor.commits > 0,
        Some(h) => h.commits < anchor.commits || (h.commits == anchor.commits && *h != anchor),
    };
    let now = head.copied().unwrap_or_else(Head::empty);
    // One commit ahead, and that commit only added (a commit never removes anything), in an
    // anchor moved before its data was durable: what a power cut during that commit leaves.
    let interrupted = !data_first
        && anchor.commits == now.commits + 1
        && anchor.txn_count >= now.txn_count
        && anchor.statement_count >= now.statement_count;
    if lost && interrupted {
        return Ok(Some(Recovered { lost: anchor, now }));
    }
    if lost {
        let (commits, txns) = head.map_or((0, 0), |h| (h.commits, h.txn_count));
        return Err(StoreError::Damaged(format!(
            "{} is at commit {commits} with {txns} transactions, but commit {} with {} transactions was recorded: committed data was lost (restore the folder from a backup, or re-import the journals into a new store)",
            dir.display(),
            anchor.commits,
            anchor.txn_count
        )));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<Head> {
        parse_anchor(text).map(|a| a.head)
    }

    #[test]
    fn round_trip() {
        let h = Head {
            txn_count: 42,
            last_hash: [7; 32],
            statement_count: 3,
            commits: 9,
        };
        assert_eq!(parse(&render(&h)), Some(h));
        assert_eq!(parse("gasledger-head 1 commits=x"), None);
        assert_eq!(parse(""), None);
        let old = render(&h).replace(" data-first", "");
        assert_eq!(
            parse_anchor(&old),
            Some(Anchor {
                head: h,
                data_first: false
            })
        );
        assert_eq!(parse_anchor(&render(&h)).map(|a| a.data_first), Some(true));
        assert_eq!(parse(&old.replace('\n', " later\n")), None);
    }

    fn head(commits: u64, txn_count: u64) -> Head {
        Head {
            txn_count,
            last_hash: [txn_count as u8; 32],
            statement_count: 0,
            commits,
        }
    }

    /// Only an anchor one commit ahead, written before its data was durable, is an
    /// interrupted commit; every other anchor ahead of sled is damage.
    #[test]
    fn what_an_interrupted_commit_explains() {
        let dir = tempfile::tempdir().expect("temp dir");
        let at = |text: String| {
            std::fs::write(dir.path().join(ANCHOR_FILE), text).expect("write");
        };
        let old = |h: &Head| render(h).replace(" data-first", "");
        let sled = head(6, 1);

        at(old(&head(7, 2)));
        let r = check(dir.path(), Some(&sled)).expect("recovered");
        assert_eq!(
            r,
            Some(Recovered {
                lost: head(7, 2),
                now: sled
            })
        );
        // Declarations only: no transaction added.
        at(old(&head(7, 1)));
        assert!(check(dir.path(), Some(&sled)).expect("recovered").is_some());
        // The process that created the store, interrupted at its first commit.
        at(old(&head(1, 5)));
        assert!(check(dir.path(), None).expect("recovered").is_some());

        for (anchor, what) in [
            (render(&head(7, 2)), "written after its data was durable"),
            (old(&head(8, 2)), "two commits ahead"),
            (old(&head(7, 0)), "fewer transactions"),
            (old(&head(6, 2)), "another state at the same commit"),
        ] {
            at(anchor);
            assert!(
                matches!(check(dir.path(), Some(&sled)), Err(StoreError::Damaged(_))),
                "{what}"
            );
        }
        // Behind sled, or level with it: nothing lost.
        at(render(&head(5, 1)));
        assert_eq!(check(dir.path(), Some(&sled)).expect("ok"), None);
        at(old(&sled));
        assert_eq!(check(dir.path(), Some(&sled)).expect("ok"), None);
    }
}
