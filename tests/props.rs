//! Properties of the store, through the library: random balanced transactions appended in random
//! batches give the balances computed independently here (now and as of any date), replay
//! (`verify`) agrees, reopening changes nothing; and any altered byte of a stored block (or of
//! a block summary, an id bucket, a running balance) is found by `verify`, never passed over
//! silently and never a panic.

use gasledger::model::account::{Account, Party};
use gasledger::model::amount::{Amount, Commodity, Kind};
use gasledger::model::date::Date;
use gasledger::model::transaction::{Posting, Price, Status, Transaction};
use gasledger::store::{Access, Added, Balances, Store, StoreError, BLOCK_TXNS};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::path::Path;
use std::time::{Duration, Instant};

const COMMODITIES: [(&str, Kind, u32); 3] = [
    ("mcm", Kind::Volume, 3),
    ("USD", Kind::Money, 2),
    ("GJ", Kind::Energy, 0),
];
const PARTIES: [&str; 4] = ["TM", "IR", "AZ", "IQ"];
/// No receivable or payable between parties: a random reduction of one may take off more than
/// is owed at its date, which the date rules refuse (`tests/rules_dates.rs`).
const ACCOUNTS: [&str; 9] = [
    "TM:gas:delivered",
    "TM:cash",
    "IR:swap:tm-ir-az",
    "IR:cash",
    "IR:fee",
    "AZ:gas:received",
    "AZ:cash",
    "IQ:loan:IR",
    "IR:loan:IQ",
];

/// Open the store. A store dropped a moment ago in this process may still hold sled's own
/// lock for a moment (see `reopening_a_dropped_store_at_once_succeeds`): retry that for up to
/// five seconds, so that the other properties do not depend on it.
fn open(path: &Path, access: Access) -> Store {
    let start = Instant::now();
    loop {
        match gasledger::ops::rulebook::open(path, access, Duration::from_secs(5)) {
            Ok(s) => return s,
            Err(StoreError::Sled(e))
                if e.contains("could not acquire lock") && start.elapsed() < RETRY =>
            {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => panic!("open store: {e}"),
        }
    }
}

const RETRY: Duration = Duration::from_secs(5);

/// `sled::open`, retried while a store dropped a moment ago still holds sled's lock.
fn sled_open(db: &Path) -> sled::Db {
    let start = Instant::now();
    loop {
        match sled::open(db) {
            Ok(s) => return s,
            Err(e) if start.elapsed() < RETRY && e.to_string().contains("lock") => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => panic!("open sled: {e}"),
        }
    }
}

/// A new store at `<dir>/db` with the fixed chart.
fn new_store(dir: &Path) -> Store {
    let mut store = open(&dir.join("db"), Access::Create);
    let mut w = store.writer().expect("writer");
    for (code, kind, scale) in COMMODITIES {
        w.add_commodity(Commodity {
            code: code.into(),
            kind,
            scale,
        })
        .expect("commodity");
    }
    for p in PARTIES {
        w.add_party(Party {
            code: p.into(),
            name: None,
        })
        .expect("party");
    }
    for a in ACCOUNTS {
        w.add_account(Account {
            name: a.into(),
            kind: None,
            floor: None,
        })
        .expect("account");
    }
    w.commit().expect("commit chart");
    store
}

/// splitmix64: the details of one transaction from one proptest-chosen seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
    /// A mantissa in [-10^9, 10^9].
    fn mantissa(&mut self) -> i64 {
        self.below(2_000_000_001) as i64 - 1_000_000_000
    }
    fn account(&mut self) -> String {
        ACCOUNTS[self.below(ACCOUNTS.len() as u64) as usize].to_string()
    }
}

/// A transaction as given to `append` (one amount may be left out) and what it does to the
/// balances, computed here without the library: (account, commodity, amount) per posting.
#[derive(Debug, Clone)]
struct Case {
    txn: Transaction,
    effects: Vec<(String, String, Decimal)>,
}

fn amount(v: Decimal, c: &str) -> Option<Amount> {
    Some(Amount::new(v, c))
}

/// A random balanced transaction of 2 to 6 postings: one or two groups, each either plain (in
/// one commodity, the last posting balancing the others, maybe left out to be inferred) or
/// priced (a quantity `@` or `@@` a USD price against the USD cost).
fn make_case(seed: u64, index: usize) -> Case {
    let mut r = Rng(seed);
    let n = 2 + r.below(5) as usize;
    let sizes = if n >= 4 && r.coin() {
        let a = 2 + r.below(n as u64 - 3) as usize;
        vec![a, n - a]
    } else {
        vec![n]
    };
    let mut postings = Vec::new();
    let mut effects = Vec::new();
    let mut may_infer = r.coin();
    for size in sizes {
        if size == 2 && r.below(3) == 0 {
            // Priced: qty of mcm or GJ at a USD price.
            let (qc, qscale) = if r.coin() { ("mcm", 2) } else { ("GJ", 0) };
            let qty = Decimal::new(r.mantissa() / 1000, qscale);
            let unit = Decimal::new(1 + r.below(1000) as i64, 0);
            let cost = qty * unit;
            let (from, to) = (r.account(), r.account());
            let mut p = Posting::new(from.clone(), amount(qty, qc));
            if r.coin() {
                p.price = Some(Price::Unit(Amount::new(unit, "USD")));
            } else {
                p.price = Some(Price::Total(Amount::new(cost.abs(), "USD")));
            }
            postings.push(p);
            postings.push(Posting::new(to.clone(), amount(-cost, "USD")));
            effects.push((from, qc.to_string(), qty));
            effects.push((to, "USD".to_string(), -cost));
        } else {
            let (code, _, scale) = COMMODITIES[r.below(3) as usize];
            let mut sum = Decimal::ZERO;
            for _ in 0..size - 1 {
                let v = Decimal::new(r.mantissa(), r.below(u64::from(scale) + 1) as u32);
                sum += v;
                let a = r.account();
                postings.push(Posting::new(a.clone(), amount(v, code)));
                effects.push((a, code.to_string(), v));
            }
            let a = r.account();
            let last = -sum;
            // Inferring needs something to infer.
            let infer = may_infer && !last.is_zero();
            postings.push(Posting::new(
                a.clone(),
                if infer { None } else { amount(last, code) },
            ));
            if infer {
                may_infer = false;
            }
            effects.push((a, code.to_string(), last));
        }
    }
    let date = Date::new(
        2021 + r.below(3) as u16,
        1 + r.below(12) as u8,
        1 + r.below(28) as u8,
    )
    .expect("valid date");
    let txn = Transaction {
        date,
        status: [Status::Unmarked, Status::Pending, Status::Cleared][r.below(3) as usize],
        code: None,
        description: format!("txn {index}"),
        tags: if r.coin() {
            vec![("contract".into(), "tm-ir-az".into())]
        } else {
            Vec::new()
        },
        id: if r.coin() {
            Some(format!("id-{index}"))
        } else {
            None
        },
        postings,
    };
    Case { txn, effects }
}

/// A transaction that must be refused: unbalanced, or naming an undeclared account.
fn bad_txn(seed: u64) -> Transaction {
    let mut t = make_case(seed, usize::MAX).txn;
    t.id = None;
    t.postings = vec![
        Posting::new("TM:cash", amount(Decimal::new(1, 0), "USD")),
        Posting::new("IR:cash", amount(Decimal::new(-2, 0), "USD")),
    ];
    if seed.is_multiple_of(2) {
        t.postings[1] = Posting::new("IR:cassh", amount(Decimal::new(-1, 0), "USD"));
    }
    t
}

/// Balances computed here: the sum of the effects of the cases dated on or before `as_of`.
fn expected(cases: &[Case], as_of: Option<Date>) -> Balances {
    let mut out = Balances::new();
    for c in cases {
        if as_of.is_some_and(|d| c.txn.date > d) {
            continue;
        }
        for (a, code, v) in &c.effects {
            *out.entry((a.clone(), code.clone())).or_default() += *v;
        }
    }
    out.retain(|_, v| !v.is_zero());
    out
}

/// Append the cases in batches of the given sizes (cycled), one commit per batch; within a
/// batch, a refused transaction now and then (the writer must stay usable) and a repeat of an
/// earlier id (a no-op). Checks the balances after every commit.
fn append_in_batches(
    store: &mut Store,
    cases: &[Case],
    start: usize,
    batches: &[usize],
    noise: Option<u64>,
) {
    assert_eq!(store.head().txn_count, start as u64);
    let mut done = start;
    let mut sizes = batches.iter().cycle();
    while done < cases.len() {
        let size = (*sizes.next().expect("a batch size")).max(1);
        let end = (done + size).min(cases.len());
        let mut w = store.writer().expect("writer");
        for (i, c) in cases[done..end].iter().enumerate() {
            let i = done + i;
            let added = w.append(c.txn.clone()).expect("a balanced transaction");
            assert!(
                matches!(added, Added::New { seq } if seq == i as u64),
                "{added:?}"
            );
            let Some(noise) = noise else { continue };
            let roll = noise.wrapping_mul(i as u64 + 1).rotate_left(i as u32 % 64);
            if roll.is_multiple_of(7) {
                assert!(
                    w.append(bad_txn(roll)).is_err(),
                    "a bad transaction was accepted"
                );
            }
            if roll.is_multiple_of(5) {
                // Repeat an earlier transaction that has an id (maybe in this very batch).
                if let Some(j) = (0..=i).rev().find(|j| cases[*j].txn.id.is_some()) {
                    let again = w.append(cases[j].txn.clone()).expect("a repeat");
                    assert_eq!(again, Added::Duplicate { seq: j as u64 });
                }
            }
        }
        w.commit().expect("commit");
        done = end;
        assert_eq!(
            store.balances().expect("balances"),
            expected(&cases[..done], None)
        );
    }
}

fn check_all(store: &Store, cases: &[Case], as_of: &[Date]) {
    assert_eq!(store.balances().expect("balances"), expected(cases, None));
    for d in as_of {
        assert_eq!(
            store.balances_as_of(*d).expect("balances as of"),
            expected(cases, Some(*d)),
            "as of {d}"
        );
    }
    let v = store.verify().expect("verify");
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    assert_eq!(v.transactions, cases.len() as u64);
    assert_eq!(v.blocks, (cases.len() as u64).div_ceil(BLOCK_TXNS as u64));
}

fn date_strategy() -> impl Strategy<Value = Date> {
    (2020u16..=2024, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).expect("date"))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        // Failures are shown with their minimal input; no regression file beside the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn stored_balances_equal_independent_sums(
        seeds in prop::collection::vec(any::<u64>(), 1..80),
        batches in prop::collection::vec(1usize..30, 1..6),
        as_of in date_strategy(),
        noise in any::<u64>(),
    ) {
        let cases: Vec<Case> = seeds.iter().enumerate().map(|(i, s)| make_case(*s, i)).collect();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = new_store(dir.path());
        append_in_batches(&mut store, &cases, 0, &batches, Some(noise));
        let mut dates = vec![as_of];
        dates.extend(cases.iter().map(|c| c.txn.date).take(3));
        check_all(&store, &cases, &dates);
        drop(store);
        let store = open(&dir.path().join("db"), Access::Read);
        check_all(&store, &cases, &dates);
    }
}

#[test]
fn balances_hold_across_block_boundaries() {
    across_block_boundaries(None);
}

/// The same with sled closed and opened again at every block read or written (what a long
/// scan of a large store does every 16 MiB, to make sled let go of its memory).
#[test]
fn balances_hold_when_sled_is_reopened_at_every_block() {
    across_block_boundaries(Some(1));
}

fn across_block_boundaries(reopen_bytes: Option<usize>) {
    let n = 2 * BLOCK_TXNS + 500;
    let cases: Vec<Case> = (0..n)
        .map(|i| make_case(0xC0FFEE ^ (i as u64 * 7919), i))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = new_store(dir.path());
    if let Some(b) = reopen_bytes {
        store.set_reopen_bytes(b);
    }
    // Commits that end short of, exactly at, and past block boundaries, and one that fills
    // more than a block by itself.
    let batches = [
        BLOCK_TXNS - 24,
        24,
        1,
        BLOCK_TXNS + 100,
        3,
        n, // the rest
    ];
    append_in_batches(&mut store, &cases, 0, &batches, Some(0x5EED));
    let mut dates: Vec<Date> = cases.iter().step_by(97).map(|c| c.txn.date).collect();
    dates.push(Date::new(2020, 12, 31).expect("date"));
    dates.push(Date::new(2024, 1, 1).expect("date"));
    check_all(&store, &cases, &dates);
    let mut replayed = 0;
    store
        .for_each_txn(|seq, t| {
            let mut want = cases[seq as usize].txn.clone();
            want.complete(store.chart()).expect("complete");
            assert_eq!(t, want, "transaction {seq}");
            replayed += 1;
            Ok(())
        })
        .expect("replay");
    assert_eq!(replayed, n);
    drop(store);
    let mut store = open(&dir.path().join("db"), Access::Read);
    if let Some(b) = reopen_bytes {
        store.set_reopen_bytes(b);
    }
    check_all(&store, &cases, &dates);
}

#[test]
fn an_abandoned_writer_leaves_the_store_as_it_was() {
    abandoned_writer(None);
}

#[test]
fn an_abandoned_writer_that_reopened_sled_leaves_the_store_as_it_was() {
    abandoned_writer(Some(1));
}

fn abandoned_writer(reopen_bytes: Option<usize>) {
    let cases: Vec<Case> = (0..3 * BLOCK_TXNS + 300)
        .map(|i| make_case(0xABCD ^ (i as u64 * 104_729), i))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = new_store(dir.path());
    if let Some(b) = reopen_bytes {
        store.set_reopen_bytes(b);
    }
    append_in_batches(&mut store, &cases[..200], 0, &[200], Some(1));
    // Fill more than a block (written ahead, past the head), then drop without committing.
    {
        let mut w = store.writer().expect("writer");
        for c in &cases[200..] {
            w.append(c.txn.clone()).expect("append");
        }
    }
    check_all(&store, &cases[..200], &[cases[0].txn.date]);
    drop(store);
    let mut store = open(&dir.path().join("db"), Access::Write);
    if let Some(b) = reopen_bytes {
        store.set_reopen_bytes(b);
    }
    check_all(&store, &cases[..200], &[cases[0].txn.date]);
    // The next writer overwrites what was left behind.
    append_in_batches(&mut store, &cases, 200, &[700, 600, 2000], None);
    check_all(&store, &cases, &[cases[0].txn.date]);
}

/// A small store of random transactions, closed; returns its folder.
fn small_store(seeds: &[u64]) -> tempfile::TempDir {
    let cases: Vec<Case> = seeds
        .iter()
        .enumerate()
        .map(|(i, s)| make_case(*s, i))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = new_store(dir.path());
    append_in_batches(
        &mut store,
        &cases,
        0,
        &[seeds.len().div_ceil(2).max(1)],
        Some(0),
    );
    assert!(store.verify().expect("verify").problems.is_empty());
    dir
}

/// Flip bits (`mask`) of one byte of one value whose key starts with `prefix` and that `keep`
/// accepts. Returns the value as it was and the index of the byte, or `None` when there is no
/// such value.
fn alter(
    db: &Path,
    prefix: u8,
    pick: usize,
    byte: usize,
    mask: u8,
    keep: impl Fn(&[u8]) -> bool,
) -> Option<(Vec<u8>, usize)> {
    let s = sled_open(db);
    let values: Vec<(sled::IVec, sled::IVec)> = s
        .scan_prefix([prefix])
        .map(|kv| kv.expect("read"))
        .filter(|(_, v)| keep(v))
        .collect();
    if values.is_empty() {
        return None;
    }
    let (k, v) = &values[pick % values.len()];
    let original = v.to_vec();
    let mut v = original.clone();
    let i = byte % v.len();
    v[i] ^= mask;
    s.insert(k, v).expect("write");
    s.flush().expect("flush");
    Some((original, i))
}

/// In an id bucket (version, count, then per entry: id hash, seq as LEB128 varints and a
/// 16-byte content hash), the positions of the tenth byte of ten-byte varints: the byte
/// whose bits 1..=6 the decoder ignores today (see
/// `an_id_bucket_with_extra_varint_bits_fails_verify`).
fn tenth_varint_bytes(v: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut pos = 1;
    let mut var = |pos: &mut usize| -> Option<u64> {
        let start = *pos;
        let mut x = 0u64;
        loop {
            let b = *v.get(*pos)?;
            if *pos - start == 9 {
                out.push(*pos);
            }
            x |= u64::from(b & 0x7f)
                .checked_shl(7 * (*pos - start) as u32)
                .unwrap_or(0);
            *pos += 1;
            if b & 0x80 == 0 || *pos - start >= 10 {
                return Some(x);
            }
        }
    };
    if let Some(n) = var(&mut pos) {
        for _ in 0..n {
            if var(&mut pos).is_none() || var(&mut pos).is_none() {
                break;
            }
            pos += 16;
        }
    }
    out
}

/// After an alteration: opening may fail, `verify` may fail, but it must not pass.
fn assert_detected(db: &Path) {
    let start = Instant::now();
    let store = loop {
        match gasledger::ops::rulebook::open(db, Access::Read, Duration::from_secs(5)) {
            Ok(s) => break s,
            // Not the alteration: the store dropped a moment ago still holds sled's lock.
            Err(StoreError::Sled(e))
                if e.contains("could not acquire lock") && start.elapsed() < RETRY =>
            {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(_) => return,
        }
    };
    if let Ok(v) = store.verify() {
        assert!(
            !v.problems.is_empty(),
            "an altered store passed verify: {v:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        // Failures are shown with their minimal input; no regression file beside the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn an_altered_block_never_passes_verify(
        seeds in prop::collection::vec(any::<u64>(), 1..30),
        pick in any::<usize>(),
        byte in any::<usize>(),
        mask in 1u8..=255,
    ) {
        let dir = small_store(&seeds);
        let db = dir.path().join("db");
        prop_assert!(alter(&db, b'B', pick, byte, mask, |_| true).is_some());
        assert_detected(&db);
    }

    #[test]
    fn an_altered_summary_or_id_bucket_never_passes_verify(
        seeds in prop::collection::vec(any::<u64>(), 1..30),
        which in prop::sample::select(vec![b'S', b'I']),
        pick in any::<usize>(),
        byte in any::<usize>(),
        mask in 1u8..=255,
    ) {
        let dir = small_store(&seeds);
        let db = dir.path().join("db");
        if let Some((original, i)) = alter(&db, which, pick, byte, mask, |_| true) {
            // A known gap with its own test; everything else must be found.
            let known = which == b'I'
                && mask & 0x81 == 0
                && tenth_varint_bytes(&original).contains(&i);
            if !known {
                assert_detected(&db);
            }
        }
    }

    #[test]
    fn an_altered_running_balance_never_passes_verify(
        seeds in prop::collection::vec(any::<u64>(), 1..30),
        pick in any::<usize>(),
        byte in any::<usize>(),
        mask in 1u8..=255,
    ) {
        let dir = small_store(&seeds);
        let db = dir.path().join("db");
        // A zero balance with another sign or scale is still zero: only non-zero ones.
        let non_zero = |v: &[u8]| {
            v.len() == 17
                && !Decimal::deserialize(v[1..].try_into().expect("16 bytes")).is_zero()
        };
        if alter(&db, b'b', pick, byte, mask, non_zero).is_some() {
            assert_detected(&db);
        }
    }
}

/// The id hash is a full u64, so about half of them take ten varint bytes. Only bit 0 of the
/// tenth byte can hold data; the other six bits must not be ignored on decoding, or an altered
/// id bucket reads back as the original and passes `verify`.
#[test]
fn an_id_bucket_with_extra_varint_bits_fails_verify() {
    let dir = small_store(&(0..40).map(|i| i * 7_777_777).collect::<Vec<u64>>());
    let db = dir.path().join("db");
    let mut altered = false;
    {
        let s = sled_open(&db);
        for kv in s.scan_prefix([b'I']) {
            let (k, v) = kv.expect("read");
            // version, count (one byte for a few entries), then the first entry's hash varint.
            let mut v = v.to_vec();
            let start = 2;
            let len = v[start..]
                .iter()
                .position(|b| b & 0x80 == 0)
                .expect("varint end")
                + 1;
            if len == 10 {
                v[start + 9] |= 0b0100_0000;
                s.insert(k, v).expect("write");
                altered = true;
                break;
            }
        }
        s.flush().expect("flush");
    }
    assert!(altered, "no id hash took ten varint bytes");
    assert_detected(&db);
}

/// A repeat of an id recorded earlier by the same writer, when the block that holds it was
/// the committed tail and this writer has filled it up (so the full block sits in the pending
/// batch, not in sled): the repeat is a no-op like any other.
#[test]
fn repeating_an_id_from_a_block_this_writer_filled() {
    let cases: Vec<Case> = (0..BLOCK_TXNS + 40)
        .map(|i| {
            let mut c = make_case(0xB10C ^ (i as u64 * 31), i);
            c.txn.id = Some(format!("id-{i}"));
            c
        })
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = new_store(dir.path());
    let committed = BLOCK_TXNS - 20;
    append_in_batches(&mut store, &cases[..committed], 0, &[committed], None);
    let mut w = store.writer().expect("writer");
    for c in &cases[committed..] {
        w.append(c.txn.clone()).expect("append");
    }
    // Recorded by this writer in block 0, which it filled and sealed.
    let seq = BLOCK_TXNS - 5;
    let again = w.append(cases[seq].txn.clone());
    assert!(
        matches!(again, Ok(Added::Duplicate { seq: s }) if s == seq as u64),
        "{again:?}"
    );
    // Recorded before this writer, in the same block.
    let again = w.append(cases[10].txn.clone());
    assert!(
        matches!(again, Ok(Added::Duplicate { seq: 10 })),
        "{again:?}"
    );
    w.commit().expect("commit");
    check_all(&store, &cases, &[cases[0].txn.date]);
}

/// Dropping a store and opening it again at once, in the same process, works: the ledger's
/// lock is free, so sled's own lock must not make the open fail (`Store::open` waits up to its
/// lock timeout for another holder; a store that is being dropped is one).
#[test]
fn reopening_a_dropped_store_at_once_succeeds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("db");
    drop(new_store(dir.path()));
    let mut cases = Vec::new();
    for i in 0..300 {
        let mut store = gasledger::ops::rulebook::open(&db, Access::Write, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("open number {i} failed: {e}"));
        let c = make_case(i as u64, i);
        let mut w = store.writer().expect("writer");
        w.append(c.txn.clone()).expect("append");
        w.commit().expect("commit");
        cases.push(c);
    }
    let store = open(&db, Access::Read);
    check_all(&store, &cases, &[]);
}
