//! Micro-benchmarks (criterion) of the three hot paths of an import: parsing journal text,
//! the balance check of a transaction, and the store's batch write.
//!
//! `cargo bench --bench micro` (add `-- parse` etc. to pick one).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use gasledger::journal::{parse_str, Directive};
use gasledger::model::account::{Account, Party};
use gasledger::model::amount::{Amount, Commodity, Kind};
use gasledger::model::chart::Chart;
use gasledger::model::date::Date;
use gasledger::model::transaction::{Posting, Status, Transaction};
use gasledger::store::Access;
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::Duration;

const PARTIES: [&str; 4] = ["TM", "IR", "AZ", "IQ"];

fn journal_text(n: usize) -> String {
    let mut s = String::from("commodity 1000.00 USD  ; kind: money\n");
    for p in PARTIES {
        s.push_str(&format!("account {p}  ; party: {p}\n"));
    }
    for i in 0..n {
        let (a, b) = (PARTIES[i % 4], PARTIES[(i + 1) % 4]);
        s.push_str(&format!(
            "\n2022-{:02}-{:02} * delivery {i}  ; id: tx-{i}\n    {a}:receivable:{b}  {}.{:02} USD\n    {b}:payable:{a}  -{}.{:02} USD\n",
            1 + i % 12,
            1 + i % 28,
            i * 7 % 100_000,
            i % 100,
            i * 7 % 100_000,
            i % 100
        ));
    }
    s
}

fn chart() -> Chart {
    let mut c = Chart::default();
    c.commodities.insert(
        "USD".into(),
        Commodity {
            code: "USD".into(),
            kind: Kind::Money,
            scale: 2,
        },
    );
    for p in PARTIES {
        c.parties.insert(
            p.into(),
            Party {
                code: p.into(),
                name: None,
            },
        );
        for q in PARTIES.iter().filter(|q| **q != p) {
            for kind in ["receivable", "payable"] {
                let name = format!("{p}:{kind}:{q}");
                c.accounts.insert(
                    name.clone(),
                    Account {
                        name,
                        kind: None,
                        floor: None,
                    },
                );
            }
        }
    }
    c
}

fn transactions(n: usize) -> Vec<Transaction> {
    (0..n)
        .map(|i| {
            let (a, b) = (PARTIES[i % 4], PARTIES[(i + 1) % 4]);
            let v = Decimal::new(i as i64 * 7 + 1, 2);
            Transaction {
                date: Date::new(2022, 1 + (i % 12) as u8, 1 + (i % 28) as u8).expect("date"),
                status: Status::Cleared,
                code: None,
                description: format!("delivery {i}"),
                tags: vec![],
                id: Some(format!("tx-{i}")),
                postings: vec![
                    Posting::new(format!("{a}:receivable:{b}"), Some(Amount::new(v, "USD"))),
                    Posting::new(format!("{b}:payable:{a}"), Some(Amount::new(-v, "USD"))),
                ],
            }
        })
        .collect()
}

fn parse(c: &mut Criterion) {
    let text = journal_text(10_000);
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("10k transactions", |b| {
        b.iter(|| {
            let d = parse_str("bench.journal", black_box(&text)).expect("parses");
            assert!(matches!(
                d.last().map(|x| &x.item),
                Some(Directive::Transaction(_))
            ));
            d.len()
        })
    });
    g.finish();
}

fn balance_check(c: &mut Criterion) {
    let chart = chart();
    let txns = transactions(1_000);
    let mut g = c.benchmark_group("balance check");
    g.throughput(Throughput::Elements(txns.len() as u64));
    g.bench_function("complete 1k two-posting transactions", |b| {
        b.iter_batched(
            || txns.clone(),
            |mut ts| {
                for t in &mut ts {
                    t.complete(&chart).expect("balances");
                }
                ts
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn batch_write(c: &mut Criterion) {
    let chart = chart();
    let txns = transactions(10_000);
    let mut g = c.benchmark_group("store");
    g.sample_size(10);
    g.throughput(Throughput::Elements(txns.len() as u64));
    g.bench_function("append + commit 10k transactions", |b| {
        b.iter_batched(
            || (tempfile::tempdir().expect("temp dir"), txns.clone()),
            |(dir, ts)| {
                let mut store = gasledger::ops::rulebook::open(
                    &dir.path().join("db"),
                    Access::Create,
                    Duration::from_secs(5),
                )
                .expect("open");
                let mut w = store.writer().expect("writer");
                w.add_commodity(chart.commodities["USD"].clone())
                    .expect("commodity");
                for p in chart.parties.values() {
                    w.add_party(p.clone()).expect("party");
                }
                for a in chart.accounts.values() {
                    w.add_account(a.clone()).expect("account");
                }
                for t in ts {
                    w.append(t).expect("append");
                }
                w.commit().expect("commit");
                dir
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = parse, balance_check, batch_write
}
criterion_main!(benches);
