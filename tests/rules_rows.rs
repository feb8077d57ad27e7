//! In every reconciliation row of every bundled scenario, the difference is actual − expected
//! (issue 15, item 5: swap rows used to be expected − actual, and offset limit rows showed 0.00
//! between unequal figures).

mod common;

use common::Ledger;
use rust_decimal::Decimal;
use std::str::FromStr;

#[test]
fn every_difference_is_actual_minus_expected() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ledgers");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("ledgers/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ledger"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    let mut compared = 0;
    let mut negative = 0;
    for f in files {
        let l = Ledger::new();
        l.run(&["import", f.to_str().expect("utf-8 path")]).ok();
        let r = l.run(&["reconcile", "--format", "json"]);
        assert!(matches!(r.code, Some(0 | 1)), "{r:#?}");
        let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        for c in json["checks"].as_array().expect("checks") {
            let num = |k: &str| c[k].as_str().and_then(|s| Decimal::from_str(s).ok());
            if let (Some(e), Some(a), Some(d)) = (num("expected"), num("actual"), num("difference"))
            {
                assert_eq!(d, a - e, "{}: {c}", f.display());
                compared += 1;
                negative += usize::from(d < Decimal::ZERO);
            }
        }
    }
    // Rows with figures on both sides were found, some of them below what was expected (the
    // partial offset under its limit, the February of the tolerance scenario).
    assert!(compared > 80, "{compared}");
    assert!(negative > 0);
}
