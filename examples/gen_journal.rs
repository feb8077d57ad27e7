//! Generate a journal of N two-posting transactions between 8 parties, each with an id, for
//! benchmarks against ledger-cli and hledger (the same file is read by every tool).
//!
//! `cargo run --release --example gen_journal -- 1000000 > bench.journal` (about 116 MB).

use std::io::{BufWriter, Write};

const PARTIES: [(&str, &str); 8] = [
    ("TM", "Turkmenistan"),
    ("IR", "Iran"),
    ("AZ", "Azerbaijan"),
    ("IQ", "Iraq"),
    ("TR", "Turkey"),
    ("GE", "Georgia"),
    ("AM", "Armenia"),
    ("RU", "Russia"),
];

fn main() -> std::io::Result<()> {
    let n: u64 = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 100_000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("usage: gen_journal [TRANSACTIONS]");
            std::process::exit(2);
        }
    };
    let out = std::io::stdout().lock();
    let mut w = BufWriter::with_capacity(1 << 20, out);
    writeln!(
        w,
        "; {n} generated transactions between 8 parties, for benchmarks\n"
    )?;
    writeln!(w, "commodity 1,000.00 USD  ; kind: money\n")?;
    for (code, name) in PARTIES {
        writeln!(w, "account {code}  ; party: {name}")?;
    }
    writeln!(w)?;
    for (a, _) in PARTIES {
        for (b, _) in PARTIES.iter().filter(|(b, _)| *b != a) {
            writeln!(w, "account {a}:receivable:{b}  ; type: asset")?;
            writeln!(w, "account {a}:payable:{b}  ; type: liability")?;
        }
    }
    // A small deterministic generator (xorshift) so every run writes the same file.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let days_per_year = 336u64; // 12 months × 28 days: every date valid
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let a = (x % 8) as usize;
        let b = (a + 1 + (x >> 8) as usize % 7) % 8;
        let cents = (x >> 16) % 100_000_000 + 1;
        let day = i * 20 * days_per_year / n.max(1);
        let (year, rest) = (2005 + day / days_per_year, day % days_per_year);
        let (month, dom) = (1 + rest / 28, 1 + rest % 28);
        let (ca, cb) = (PARTIES[a].0, PARTIES[b].0);
        writeln!(
            w,
            "\n{year}-{month:02}-{dom:02} * delivery {i}  ; id: tx-{i}\n    {ca}:receivable:{cb}  {}.{:02} USD\n    {cb}:payable:{ca}  -{}.{:02} USD",
            cents / 100,
            cents % 100,
            cents / 100,
            cents % 100
        )?;
    }
    w.flush()
}
