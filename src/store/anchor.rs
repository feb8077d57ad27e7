//! The anchor: a copy of the head kept outside sled, in `PATH/gasledger.head`, rewritten
//! (temp file, fsync, rename) after every commit. sled recovers a damaged or truncated log to a
//! consistent *earlier* state without saying so; the hash chain cannot see a lost suffix. The
//! anchor can: a store whose head is behind its anchor has lost committed data, and every
//! command refuses it.

use super::{Head, StoreError};
use std::io::Write;
use std::path::Path;

pub const ANCHOR_FILE: &str = "gasledger.head";

pub(super) fn render(h: &Head) -> String {
    let hash: String = h.last_hash.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "gasledger-head 1 commits={} transactions={} statements={} hash={hash}\n",
        h.commits, h.txn_count, h.statement_count
    )
}

fn parse(text: &str) -> Option<Head> {
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
    Some(Head {
        txn_count,
        last_hash,
        statement_count,
        commits,
    })
}

/// The anchor of the store at `dir`, if it has one.
pub fn read(dir: &Path) -> Result<Option<Head>, StoreError> {
    let path = dir.join(ANCHOR_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text)
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
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(render(head).as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    // The rename itself is durable once the folder is synced.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io)
}

/// Refuse a store whose head is behind its anchor (or differs at the same commit).
pub fn check(dir: &Path, head: Option<&Head>) -> Result<(), StoreError> {
    let Some(anchor) = read(dir)? else {
        return Ok(());
    };
    let lost = match head {
        None => anchor.commits > 0,
        Some(h) => h.commits < anchor.commits || (h.commits == anchor.commits && *h != anchor),
    };
    if lost {
        let (commits, txns) = head.map_or((0, 0), |h| (h.commits, h.txn_count));
        return Err(StoreError::Damaged(format!(
            "{} is at commit {commits} with {txns} transactions, but commit {} with {} transactions was recorded: committed data was lost (restore the folder from a backup, or re-import the journals into a new store)",
            dir.display(),
            anchor.commits,
            anchor.txn_count
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
