//! First benchmark of the ledger core: 100k two-posting transactions (with ids) recorded
//! through the library's batch path (one `Writer`, one atomic commit), then the reports.
//!
//! Run: `cargo bench --bench core` (optionally `-- 1000000` for another count). It prints wall
//! times and the process's peak resident memory (VmHWM). Measures whole operations once each,
//! as a user would see them; not a statistical micro-benchmark.

use gasledger::model::account::{Account, Party};
use gasledger::model::amount::{Amount, Commodity, Kind};
use gasledger::model::date::Date;
use gasledger::model::transaction::{Posting, Status, Transaction};
use gasledger::store::Access;
use rust_decimal::Decimal;
use std::time::{Duration, Instant};

const PARTIES: [&str; 8] = ["TM", "IR", "AZ", "IQ", "TR", "GE", "AM", "RU"];

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.db");
    let timeout = Duration::from_secs(5);

    let t0 = Instant::now();
    {
        let mut store =
            gasledger::ops::rulebook::open(&path, Access::Create, timeout).expect("open");
        let mut w = store.writer().expect("writer");
        w.add_commodity(Commodity {
            code: "USD".into(),
            kind: Kind::Money,
            scale: 2,
        })
        .unwrap();
        for p in PARTIES {
            w.add_party(Party {
                code: p.into(),
                name: None,
            })
            .unwrap();
            for q in PARTIES.iter().filter(|q| **q != p) {
                w.add_account(Account {
                    name: format!("{p}:receivable:{q}"),
                    kind: None,
                    floor: None,
                })
                .unwrap();
            }
        }
        for i in 0..n {
            let a = PARTIES[(i % 8) as usize];
            let b = PARTIES[((i / 8 + 1 + i % 8) % 8) as usize];
            let b = if a == b {
                PARTIES[((i + 1) % 8) as usize]
            } else {
                b
            };
            let v = Decimal::new((i as i64 % 100_000) * 100 + 1, 2);
            let day = Date::new(
                2000 + (i * 20 / n) as u16,
                1 + (i % 12) as u8,
                1 + (i % 28) as u8,
            )
            .unwrap();
            let t = Transaction {
                date: day,
                status: Status::Cleared,
                code: None,
                description: format!("delivery {i}"),
                tags: vec![],
                id: Some(format!("tx-{i}")),
                postings: vec![
                    Posting::new(format!("{a}:receivable:{b}"), Some(Amount::new(v, "USD"))),
                    Posting::new(format!("{b}:receivable:{a}"), Some(Amount::new(-v, "USD"))),
                ],
            };
            w.append(t).expect("append");
        }
        w.commit().expect("commit");
    }
    let import = t0.elapsed();
    let rss_after_write = peak_rss_mib();

    let store = gasledger::ops::rulebook::open(&path, Access::Read, timeout).expect("open");
    let t1 = Instant::now();
    let b = store.balances().expect("balances");
    let balances = t1.elapsed();
    let t2 = Instant::now();
    let mid = Date::new(2010, 6, 30).unwrap();
    let _ = store.balances_as_of(mid).expect("as-of");
    let as_of = t2.elapsed();
    let t3 = Instant::now();
    let v = store.verify().expect("verify");
    let verify = t3.elapsed();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    drop(store);

    // The store as the CLI sees it: one whole process.
    let exe = env!("CARGO_MANIFEST_DIR").to_string() + "/target/release/gasledger";
    let cli = if std::path::Path::new(&exe).exists() {
        let t = Instant::now();
        let out = std::process::Command::new(&exe)
            .args([
                "--db",
                path.to_str().unwrap(),
                "report",
                "balances",
                "--format",
                "csv",
            ])
            .output()
            .expect("run gasledger");
        assert!(out.status.success());
        format!("{:>8.1} ms", t.elapsed().as_secs_f64() * 1e3)
    } else {
        "(cargo build --release first)".to_string()
    };

    println!("transactions                        {n}");
    println!(
        "record through the batch path       {:>8.1} ms  ({:.0} txn/s)",
        import.as_secs_f64() * 1e3,
        n as f64 / import.as_secs_f64()
    );
    println!("peak memory after the write         {rss_after_write:>8.1} MiB");
    println!(
        "report balances (library, {} rows)  {:>8.3} ms",
        b.len(),
        balances.as_secs_f64() * 1e3
    );
    println!("report balances (whole process)     {cli}");
    println!(
        "balances --as-of mid-point          {:>8.1} ms",
        as_of.as_secs_f64() * 1e3
    );
    println!(
        "verify (replay + hash chain)        {:>8.1} ms",
        verify.as_secs_f64() * 1e3
    );
    println!(
        "peak memory overall                 {:>8.1} MiB",
        peak_rss_mib()
    );
}
