//! How fast a journal can be read and parsed at all, on one core, with nothing stored: the
//! floor under `gasledger import` (see docs/PERFORMANCE.md).
//!
//! `cargo run --release --example parse_only -- FILE`

use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_only FILE");
        std::process::exit(2);
    };
    let path = std::path::Path::new(&path);
    let t = Instant::now();
    let bytes = std::fs::read(path).map(|b| b.len()).unwrap_or(0);
    let read = t.elapsed();
    let t = Instant::now();
    let digest = std::fs::read(path).map(|b| blake3::hash(&b)).ok();
    let hash = t.elapsed();
    let t = Instant::now();
    let mut directives = 0u64;
    match gasledger::journal::open(path) {
        Ok(journal) => {
            for d in journal {
                if let Err(e) = d {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
                directives += 1;
            }
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    let parse = t.elapsed();
    println!("{bytes} bytes, {directives} directives");
    println!(
        "read the file (page cache)      {:>8.3} s",
        read.as_secs_f64()
    );
    println!(
        "read + blake3 (the fingerprint) {:>8.3} s  {}",
        hash.as_secs_f64(),
        digest
            .map(|d| d.to_hex().to_string())
            .unwrap_or_default()
            .get(..8)
            .unwrap_or("")
    );
    println!(
        "stream-parse (one core)         {:>8.3} s  ({:.0} MB/s)",
        parse.as_secs_f64(),
        bytes as f64 / parse.as_secs_f64() / 1e6
    );
}
