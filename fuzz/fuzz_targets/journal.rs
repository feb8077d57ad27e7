//! Arbitrary bytes through the journal parser and the model: never a panic.
//!
//! - the bytes as one source ([`Parser`], which refuses `include`) and, when they are UTF-8
//!   without an `include`, as a whole journal ([`parse_str`]): the same directives or the
//!   same error;
//! - every declaration that the chart accepts is added to a small fixed chart, and every
//!   transaction is completed against it (`Transaction::complete`: declared accounts, scales,
//!   limits, inference, balance);
//! - every directive the printer accepts reads back as the same directive, and prints again
//!   as the same bytes (the printer's canonical form is a fixed point).

#![no_main]

use gasledger::amount::{Commodity, Kind};
use gasledger::journal::{parse_str, write_directive, Directive, Parser};
use gasledger::ledger::{Account, Chart, Party};
use libfuzzer_sys::fuzz_target;

fn chart() -> Chart {
    let mut c = Chart::default();
    for (code, kind, scale) in [
        ("mcm", Kind::Volume, 3),
        ("USD", Kind::Money, 2),
        ("GJ", Kind::Energy, 0),
    ] {
        c.commodities.insert(
            code.into(),
            Commodity {
                code: code.into(),
                kind,
                scale,
            },
        );
    }
    for p in ["TM", "IR", "AZ", "IQ"] {
        c.parties.insert(
            p.into(),
            Party {
                code: p.into(),
                name: None,
            },
        );
    }
    for a in [
        "TM:gas:delivered",
        "TM:cash",
        "IR:swap:tm-ir-az",
        "IR:cash",
        "AZ:gas:received",
        "IQ:payable:IR",
        "IR:receivable:IQ",
        "A:b",
        "A:c",
    ] {
        let party = a.split(':').next().unwrap_or(a);
        c.parties.entry(party.into()).or_insert_with(|| Party {
            code: party.into(),
            name: None,
        });
        c.accounts.insert(
            a.into(),
            Account {
                name: a.into(),
                kind: None,
                floor: None,
            },
        );
    }
    c
}

/// Print a directive; when the printer accepts it, it must read back equal and print the same.
fn round_trip(d: &Directive, chart: &Chart) {
    let mut first = Vec::new();
    if write_directive(&mut first, d, chart).is_err() {
        return;
    }
    let text = std::str::from_utf8(&first).expect("the printer writes UTF-8");
    let back = match parse_str("printed.ledger", text) {
        Ok(back) => back,
        Err(e) => panic!("printed text does not parse: {e}\n{text}\nfrom {d:?}"),
    };
    assert_eq!(back.len(), 1, "printed text: {text}\nfrom {d:?}");
    assert_eq!(&back[0].item, d, "printed text: {text}");
    let mut second = Vec::new();
    write_directive(&mut second, &back[0].item, chart).expect("prints the second time");
    assert_eq!(first, second, "printing is not a fixed point: {text}");
}

fn check(d: Directive, chart: &mut Chart) {
    round_trip(&d, chart);
    match d {
        Directive::Commodity(c) => {
            if chart.check_new_commodity(&c).is_ok() {
                chart.commodities.insert(c.code.clone(), c);
            }
        }
        Directive::Party(p) => {
            if chart.check_new_party(&p).is_ok() {
                chart.parties.insert(p.code.clone(), p);
            }
        }
        Directive::Account(a) => {
            if chart.check_new_account(&a).is_ok() {
                chart.accounts.insert(a.name.clone(), a);
            }
        }
        Directive::Transaction(mut t) => match t.complete(chart) {
            Ok(()) => {
                assert!(t.postings.iter().all(|p| p.amount.is_some()));
                round_trip(&Directive::Transaction(t), chart);
            }
            Err(e) => {
                let _ = e.to_string();
            }
        },
        Directive::Agreement(_) | Directive::Statement(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let mut chart = chart();
    let mut streamed = Vec::new();
    let mut error = None;
    for d in Parser::new("fuzz.ledger", data) {
        match d {
            Ok(d) => streamed.push(d),
            Err(e) => {
                // Every error is located in this file.
                assert!(e.to_string().starts_with("fuzz.ledger:"), "{e}");
                error = Some(e);
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if !text.contains("include") {
            match parse_str("fuzz.ledger", text) {
                Ok(all) => {
                    assert!(error.is_none(), "parse_str accepted what Parser refused");
                    assert_eq!(all, streamed);
                }
                Err(e) => assert_eq!(Some(e), error),
            }
        }
    }
    for d in streamed {
        check(d.item, &mut chart);
    }
});
