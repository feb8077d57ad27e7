//! Full blocks in `gasledger.blocks` (`store/blocks.rs`): a store whose blocks are all in sled
//! (schema version 1, as gasledger wrote them before) is read as it is and upgraded by its next
//! commit; a damaged, shortened or missing blocks file is reported, never read as other numbers.

mod common;

use common::{copy_dir, id_journal, run_at, Run};
use std::path::Path;

const BLOCKS: &str = "gasledger.blocks";

fn ok(db: &Path, args: &[&str]) -> String {
    run_at(db, args).ok().stdout
}

fn import(db: &Path, journal: &Path) -> Run {
    run_at(db, &["import", journal.to_str().expect("utf-8")])
}

fn schema(db: &Path) -> u32 {
    let s = sled::open(db).expect("open sled");
    let v = s.get(b"v").expect("get").expect("schema key");
    u32::from_le_bytes(v.as_ref().try_into().expect("4 bytes"))
}

/// Turn a store into what gasledger wrote before the blocks file: every block's bytes back
/// under its key in sled, schema version 1, no blocks file. Returns how many blocks moved.
fn make_version_1(db: &Path) -> usize {
    let file = std::fs::read(db.join(BLOCKS)).expect("read blocks file");
    let mut moved = 0;
    {
        let s = sled::open(db).expect("open sled");
        let keys: Vec<_> = s
            .scan_prefix(b"B")
            .map(|kv| kv.expect("scan"))
            .filter(|(_, v)| v.first() == Some(&b'P'))
            .collect();
        for (k, v) in keys {
            let offset = u64::from_le_bytes(v[1..9].try_into().expect("offset")) as usize;
            let len = u32::from_le_bytes(v[9..13].try_into().expect("len")) as usize;
            s.insert(k, &file[offset..offset + len]).expect("insert");
            moved += 1;
        }
        s.insert(b"v", &1u32.to_le_bytes()).expect("schema");
        s.flush().expect("flush");
    }
    std::fs::remove_file(db.join(BLOCKS)).expect("rm blocks file");
    moved
}

#[test]
fn a_version_1_store_is_read_as_it_is_and_upgraded_by_its_next_commit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = id_journal(dir.path(), "first.journal", "a", 3000);
    let second = id_journal(dir.path(), "second.journal", "b", 2500);
    let db = dir.path().join("store");
    import(&db, &first).ok();
    assert_eq!(schema(&db), 2);
    assert!(
        std::fs::metadata(db.join(BLOCKS))
            .expect("blocks file")
            .len()
            > 100_000
    );
    let balances = ok(&db, &["report", "balances", "--format", "csv"]);
    let exported = ok(&db, &["export"]);

    assert_eq!(make_version_1(&db), 2, "3000 transactions: two full blocks");
    assert!(ok(&db, &["verify"]).contains("ok: 3000 transactions"));
    assert_eq!(
        ok(&db, &["report", "balances", "--format", "csv"]),
        balances
    );
    assert_eq!(ok(&db, &["export"]), exported);
    assert_eq!(schema(&db), 1, "reading does not change the version");

    // The next import fills the partial third block (in sled) and appends full ones to a new
    // blocks file; the old full blocks stay in sled and are read from there.
    import(&db, &second).ok();
    assert_eq!(schema(&db), 2);
    assert!(db.join(BLOCKS).is_file());
    assert!(ok(&db, &["verify"]).contains("ok: 5500 transactions"));

    let fresh = dir.path().join("fresh");
    import(&fresh, &first).ok();
    import(&fresh, &second).ok();
    let both = ok(&fresh, &["report", "balances", "--format", "csv"]);
    assert_eq!(ok(&db, &["report", "balances", "--format", "csv"]), both);
    assert_eq!(ok(&db, &["export"]), ok(&fresh, &["export"]));
    // Ids in the blocks of either kind are found: importing a file again adds nothing.
    let again = import(&db, &first).ok().stdout;
    assert!(again.contains("skipped"), "{again}");
}

#[test]
fn a_damaged_short_or_missing_blocks_file_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = id_journal(dir.path(), "j.journal", "a", 3000);
    let more = id_journal(dir.path(), "more.journal", "m", 200);
    let good = dir.path().join("good");
    import(&good, &journal).ok();
    let len = std::fs::metadata(good.join(BLOCKS)).expect("blocks").len();

    // One byte changed inside the first block.
    let db = dir.path().join("flipped");
    copy_dir(&good, &db);
    let mut bytes = std::fs::read(db.join(BLOCKS)).expect("read");
    bytes[1000] ^= 0x01;
    std::fs::write(db.join(BLOCKS), &bytes).expect("write");
    let v = run_at(&db, &["verify"]).fails(1, "verify found");
    assert!(v.stdout.contains("fails its checksum"), "{}", v.stdout);
    run_at(&db, &["export"]).fails(2, "fails its checksum");

    // Cut short: the second block is gone. A writer refuses to append after it, too.
    let db = dir.path().join("short");
    copy_dir(&good, &db);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(db.join(BLOCKS))
        .expect("open");
    f.set_len(len - 10).expect("truncate");
    let v = run_at(&db, &["verify"]).fails(1, "verify found");
    assert!(v.stdout.contains("ends before the block"), "{}", v.stdout);
    let before = ok(&db, &["report", "balances", "--format", "csv"]);
    import(&db, &more).fails(2, "committed blocks end at byte");
    assert_eq!(ok(&db, &["report", "balances", "--format", "csv"]), before);

    // Gone.
    let db = dir.path().join("missing");
    copy_dir(&good, &db);
    std::fs::remove_file(db.join(BLOCKS)).expect("rm");
    let v = run_at(&db, &["verify"]).fails(1, "verify found");
    assert!(v.stdout.contains("is missing"), "{}", v.stdout);
    run_at(&db, &["export"]).fails(2, "is missing");
}
