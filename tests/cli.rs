//! The core commands through the real binary on a temp store (issue 2, "the ledger core"):
//! init, declarations, record, reverse, report balances, report register, verify; and every bad
//! input, each of which must exit 2 with one clear message, never panic, and leave the store
//! exactly as it was.

mod common;

use common::{run_at, Ledger};
use std::fs::File;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

const HEADER: &str = "account,commodity,balance\n";

/// The chart plus four transactions: two swap legs in January (one amount inferred), an entry in
/// February, and a sale in March priced with `@` (the USD amount inferred).
fn scenario() -> Ledger {
    let l = Ledger::with_chart();
    l.record(
        "2022-01-31",
        "Sarakhs entry",
        &["IR:swap:tm-ir-az 160 mcm", "TM:gas:delivered -160 mcm"],
        &[
            "--id",
            "swap-2022-01-entry",
            "--tag",
            "contract=tm-ir-az",
            "--status",
            "cleared",
        ],
    )
    .ok();
    l.record(
        "2022-01-31",
        "Astara exit",
        &["AZ:gas:received 144 mcm", "IR:swap:tm-ir-az"],
        &["--id", "swap-2022-01-exit"],
    )
    .ok();
    l.record(
        "2022-02-28",
        "Sarakhs entry",
        &["IR:swap:tm-ir-az 150.5 mcm", "TM:gas:delivered -150.5 mcm"],
        &["--id", "swap-2022-02-entry"],
    )
    .ok();
    l.record(
        "2022-03-15",
        "gas sale",
        &["AZ:gas:received -10 mcm @ 250 USD", "TM:cash"],
        &["--id", "sale-1"],
    )
    .ok();
    l
}

const SCENARIO_CSV: &str = "\
account,commodity,balance
AZ:gas:received,mcm,134.000
IR:swap:tm-ir-az,mcm,166.500
TM:cash,USD,2500.00
TM:gas:delivered,mcm,-310.500
";

/// What a user can see of the store: balances and the verify summary (which counts the
/// transactions, so that a refused command that still appended something is caught).
fn state(l: &Ledger) -> String {
    let v = l.run(&["verify"]).ok();
    format!("{}{}", l.balances_csv(), v.stdout)
}

/// A bad command: exit 2, `needle` on stderr, no panic, the store exactly as before.
fn refused(l: &Ledger, args: &[&str], needle: &str) {
    let before = state(l);
    l.run(args).fails(2, needle);
    assert_eq!(state(l), before, "the store changed after {args:?}");
}

/// A bad `record`: as [`refused`].
fn record_refused(l: &Ledger, date: &str, posts: &[&str], needle: &str) {
    let mut args = vec!["record", "--date", date, "--desc", "bad"];
    for p in posts {
        args.push("--post");
        args.push(p);
    }
    refused(l, &args, needle);
}

/// Open the store's sled database directly (the binary has exited) and apply `f` to it.
fn with_sled(db: &Path, f: impl FnOnce(&sled::Db)) {
    let s = sled::open(db).expect("open sled");
    f(&s);
    s.flush().expect("flush sled");
}

// ---------------------------------------------------------------------------------------------
// init and declarations

#[test]
fn init_creates_then_changes_nothing() {
    let l = Ledger::new();
    let r = l.run(&["init"]).ok();
    assert!(r.stdout.contains("created an empty ledger at"), "{r:#?}");
    assert!(l.db().is_dir());
    let r = l.run(&["init"]).ok();
    assert!(r.stdout.contains("nothing changed"), "{r:#?}");
    assert_eq!(l.balances_csv(), HEADER);
    let v = l.run(&["verify"]).ok();
    assert!(v.stdout.starts_with("ok: 0 transactions"), "{v:#?}");
}

#[test]
fn init_keeps_an_existing_ledger() {
    let l = scenario();
    let before = state(&l);
    l.run(&["init"]).ok();
    assert_eq!(state(&l), before);
}

#[test]
fn commodity_add_declares_and_refuses_duplicates() {
    let l = Ledger::new();
    let r = l
        .run(&[
            "commodity",
            "add",
            "mcm",
            "--kind",
            "volume",
            "--scale",
            "3",
        ])
        .ok();
    assert_eq!(
        r.stdout,
        "declared commodity mcm (volume, 3 decimal places)\n"
    );
    l.run(&["commodity", "add", "USD", "--kind", "money", "--scale", "2"])
        .ok();
    l.run(&["commodity", "add", "GJ", "--kind", "energy", "--scale", "0"])
        .ok();
    refused(
        &l,
        &["commodity", "add", "mcm", "--kind", "money", "--scale", "2"],
        "commodity mcm is declared already",
    );
    refused(
        &l,
        &[
            "commodity",
            "add",
            "bcm",
            "--kind",
            "weight",
            "--scale",
            "2",
        ],
        "unknown commodity kind",
    );
    refused(
        &l,
        &[
            "commodity",
            "add",
            "bcm",
            "--kind",
            "volume",
            "--scale",
            "40",
        ],
        "scale 40 is too large",
    );
    refused(
        &l,
        &[
            "commodity",
            "add",
            "1bcm",
            "--kind",
            "volume",
            "--scale",
            "3",
        ],
        "invalid commodity code",
    );
}

#[test]
fn party_add_declares_and_refuses_duplicates() {
    let l = Ledger::new();
    let r = l
        .run(&["party", "add", "TM", "--name", "Turkmenistan"])
        .ok();
    assert_eq!(r.stdout, "declared party TM (Turkmenistan)\n");
    let r = l.run(&["party", "add", "IR"]).ok();
    assert_eq!(r.stdout, "declared party IR\n");
    refused(&l, &["party", "add", "TM"], "party TM is declared already");
    refused(&l, &["party", "add", "T:M"], "invalid party code");
}

#[test]
fn account_add_with_type_and_floor() {
    let l = Ledger::with_chart();
    let r = l
        .run(&["account", "add", "IR:fee", "--type", "revenue"])
        .ok();
    assert_eq!(r.stdout, "declared account IR:fee\n");
    l.run(&["account", "add", "IQ:cash", "--floor=-100.50 USD"])
        .ok();
    // The floor holds: down to it is fine, past it is refused.
    l.record(
        "2022-01-01",
        "to the floor",
        &["IQ:cash -100.50 USD", "IR:cash"],
        &[],
    )
    .ok();
    record_refused(
        &l,
        "2022-01-02",
        &["IQ:cash -0.01 USD", "IR:cash"],
        "below its floor",
    );
    let e = l.run(&["export"]).ok();
    assert!(
        e.stdout.contains("account IR:fee  ; type: revenue"),
        "{e:#?}"
    );
    refused(
        &l,
        &["account", "add", "TM:cash"],
        "account TM:cash is declared already",
    );
    refused(
        &l,
        &["account", "add", "XX:cash"],
        "party XX of account XX:cash is not declared",
    );
    refused(
        &l,
        &[
            "account",
            "add",
            "TM:bad",
            "--type",
            "asset",
            "--floor",
            "0.001 USD",
        ],
        "0.001 USD has 3 decimal places but USD allows 2",
    );
    refused(
        &l,
        &["account", "add", "TM:bad", "--floor", "0 EUR"],
        "commodity EUR is not declared",
    );
    refused(
        &l,
        &["account", "add", "TM:bad", "--type", "cash"],
        "unknown account type",
    );
    refused(&l, &["account", "add", "TM::bad"], "invalid account name");
}

// ---------------------------------------------------------------------------------------------
// record

#[test]
fn record_with_id_tag_inferred_amount_and_price() {
    let l = scenario();
    assert_eq!(l.balances_csv(), SCENARIO_CSV);
    let e = squeezed(&l.run(&["export"]).ok().stdout);
    assert!(
        e.contains("2022-01-31 * Sarakhs entry ; id: swap-2022-01-entry, contract: tm-ir-az\n"),
        "{e}"
    );
    // The inferred amounts are stored.
    assert!(e.contains("\nIR:swap:tm-ir-az -144.000 mcm\n"), "{e}");
    assert!(
        e.contains("\nAZ:gas:received -10.000 mcm @ 250.00 USD\n"),
        "{e}"
    );
    assert!(e.contains("\nTM:cash 2500.00 USD\n"), "{e}");
}

/// Text with every run of spaces cut to one and lines trimmed, to compare without alignment.
fn squeezed(s: &str) -> String {
    s.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") + "\n")
        .collect()
}

#[test]
fn record_prints_what_it_did() {
    let l = Ledger::with_chart();
    let r = l
        .record(
            "2022-01-31",
            "Sarakhs entry",
            &["IR:swap:tm-ir-az 160 mcm", "TM:gas:delivered -160 mcm"],
            &["--id", "e1"],
        )
        .ok();
    assert_eq!(
        r.stdout,
        "recorded 2022-01-31 Sarakhs entry (transaction 0, id e1)\n"
    );
    let r = l
        .record(
            "2022-02-01",
            "no id",
            &["IR:swap:tm-ir-az 1 mcm", "TM:gas:delivered"],
            &[],
        )
        .ok();
    assert_eq!(r.stdout, "recorded 2022-02-01 no id (transaction 1)\n");
}

#[test]
fn record_same_id_same_content_changes_nothing() {
    let l = scenario();
    let before = state(&l);
    let r = l
        .record(
            "2022-01-31",
            "Astara exit",
            &["AZ:gas:received 144 mcm", "IR:swap:tm-ir-az"],
            &["--id", "swap-2022-01-exit"],
        )
        .ok();
    assert!(r.stdout.contains("nothing changed"), "{r:#?}");
    assert_eq!(state(&l), before);
    assert_eq!(l.balances_csv(), SCENARIO_CSV);
}

#[test]
fn record_same_id_same_amounts_written_differently_changes_nothing() {
    let l = scenario();
    let before = state(&l);
    // 160 mcm and 160.000 mcm are the same amount (the export writes the latter), and the
    // inferred amount given explicitly is the same posting: this is the same content.
    for (entry, exit) in [
        ("160.000 mcm", "-160.000 mcm"),
        ("160.0 mcm", "-160 mcm"),
        ("160 mcm", "-160.000 mcm"),
    ] {
        let entry = format!("IR:swap:tm-ir-az {entry}");
        let exit = format!("TM:gas:delivered {exit}");
        let r = l
            .record(
                "2022-01-31",
                "Sarakhs entry",
                &[&entry, &exit],
                &[
                    "--id",
                    "swap-2022-01-entry",
                    "--tag",
                    "contract=tm-ir-az",
                    "--status",
                    "cleared",
                ],
            )
            .ok();
        assert!(r.stdout.contains("nothing changed"), "{r:#?}");
    }
    assert_eq!(state(&l), before);
}

#[test]
fn record_same_id_other_content_is_refused() {
    let l = scenario();
    let before = state(&l);
    for (date, amount) in [("2022-01-31", "145 mcm"), ("2022-02-01", "144 mcm")] {
        let post = format!("AZ:gas:received {amount}");
        l.record(
            date,
            "Astara exit",
            &[&post, "IR:swap:tm-ir-az"],
            &["--id", "swap-2022-01-exit"],
        )
        .fails(
            2,
            "id swap-2022-01-exit is recorded already with other content",
        );
    }
    assert_eq!(state(&l), before);
}

#[test]
fn record_id_and_tag_id_must_agree() {
    let l = Ledger::with_chart();
    refused(
        &l,
        &[
            "record",
            "--date",
            "2022-01-01",
            "--desc",
            "x",
            "--post",
            "IR:cash 1 USD",
            "--post",
            "IR:swap:tm-ir-az -1 USD",
            "--id",
            "a",
            "--tag",
            "id=b",
        ],
        "disagree",
    );
}

// ---------------------------------------------------------------------------------------------
// reverse

#[test]
fn reverse_restores_balances() {
    let l = Ledger::with_chart();
    l.record(
        "2022-01-31",
        "before",
        &["IR:swap:tm-ir-az 7 mcm", "TM:gas:delivered"],
        &[],
    )
    .ok();
    let before = l.balances_csv();
    l.record(
        "2022-02-28",
        "sale",
        &["IR:swap:tm-ir-az -10 mcm @ 250 USD", "TM:cash"],
        &["--id", "sale-1"],
    )
    .ok();
    assert_ne!(l.balances_csv(), before);
    let r = l
        .run(&[
            "reverse",
            "sale-1",
            "--date",
            "2022-03-01",
            "--reason",
            "wrong price",
        ])
        .ok();
    assert_eq!(
        r.stdout,
        "reversed sale-1 with transaction 2 (id sale-1-reversal)\n"
    );
    assert_eq!(l.balances_csv(), before);
    let e = l.run(&["export"]).ok().stdout;
    assert!(
        e.contains("id: sale-1-reversal, reverses: sale-1, reason: wrong price"),
        "{e}"
    );
    // As of the day before the reversal, the sale still counts.
    let r = l
        .run(&[
            "report",
            "balances",
            "--as-of",
            "2022-02-28",
            "--party",
            "TM",
            "--format",
            "csv",
        ])
        .ok();
    assert_eq!(
        r.stdout,
        "account,commodity,balance\nTM:cash,USD,2500.00\nTM:gas:delivered,mcm,-7.000\n"
    );
    l.run(&["verify"]).ok();
}

#[test]
fn reverse_same_command_again_changes_nothing() {
    let l = scenario();
    l.run(&["reverse", "sale-1", "--date", "2022-03-20"]).ok();
    let after = state(&l);
    let r = l.run(&["reverse", "sale-1", "--date", "2022-03-20"]);
    // The reversal's id makes a repeat a no-op, like any recorded id.
    let r = r.ok();
    assert!(r.stdout.contains("nothing changed"), "{r:#?}");
    assert_eq!(state(&l), after);
}

#[test]
fn reversing_twice_is_refused() {
    let l = scenario();
    l.run(&["reverse", "sale-1", "--date", "2022-03-20"]).ok();
    refused(
        &l,
        &["reverse", "sale-1", "--date", "2022-03-21"],
        "was reversed already",
    );
}

#[test]
fn reversing_twice_under_another_id_is_refused() {
    let l = scenario();
    l.run(&["reverse", "swap-2022-02-entry", "--date", "2022-03-20"])
        .ok();
    refused(
        &l,
        &[
            "reverse",
            "swap-2022-02-entry",
            "--date",
            "2022-03-21",
            "--new-id",
            "second-reversal",
        ],
        "reversed already",
    );
}

#[test]
fn negative_floor_can_follow_the_flag() {
    // `--floor "-100 USD"`: an overdraft limit, in the exact form the spec gives.
    let l = Ledger::with_chart();
    l.run(&["account", "add", "IQ:cash", "--floor", "-100 USD"])
        .ok();
}

#[test]
fn reverse_unknown_id_is_refused() {
    let l = scenario();
    refused(
        &l,
        &["reverse", "no-such-id", "--date", "2022-03-20"],
        "no transaction with id no-such-id",
    );
}

// ---------------------------------------------------------------------------------------------
// report balances

#[test]
fn report_balances_csv_exact() {
    let l = scenario();
    let r = l.run(&["report", "balances", "--format", "csv"]).ok();
    assert_eq!(r.stdout, SCENARIO_CSV);
    assert_eq!(r.stderr, "");
}

#[test]
fn report_balances_as_of() {
    let l = scenario();
    let csv = |d: &str| {
        l.run(&["report", "balances", "--as-of", d, "--format", "csv"])
            .ok()
            .stdout
    };
    assert_eq!(csv("2022-01-30"), HEADER);
    assert_eq!(
        csv("2022-01-31"),
        "account,commodity,balance\n\
         AZ:gas:received,mcm,144.000\n\
         IR:swap:tm-ir-az,mcm,16.000\n\
         TM:gas:delivered,mcm,-160.000\n"
    );
    assert_eq!(
        csv("2022-03-14"),
        "account,commodity,balance\n\
         AZ:gas:received,mcm,144.000\n\
         IR:swap:tm-ir-az,mcm,166.500\n\
         TM:gas:delivered,mcm,-310.500\n"
    );
    assert_eq!(csv("2022-03-15"), SCENARIO_CSV);
    assert_eq!(csv("9999-12-31"), SCENARIO_CSV);
}

#[test]
fn report_balances_party_and_depth() {
    let l = scenario();
    let csv = |extra: &[&str]| {
        let mut args = vec!["report", "balances", "--format", "csv"];
        args.extend_from_slice(extra);
        l.run(&args).ok().stdout
    };
    assert_eq!(
        csv(&["--party", "TM"]),
        "account,commodity,balance\nTM:cash,USD,2500.00\nTM:gas:delivered,mcm,-310.500\n"
    );
    assert_eq!(csv(&["--party", "IQ"]), HEADER);
    assert_eq!(
        csv(&["--depth", "1"]),
        "account,commodity,balance\n\
         AZ,mcm,134.000\n\
         IR,mcm,166.500\n\
         TM,USD,2500.00\n\
         TM,mcm,-310.500\n"
    );
    assert_eq!(
        csv(&["--depth", "2"]),
        "account,commodity,balance\n\
         AZ:gas,mcm,134.000\n\
         IR:swap,mcm,166.500\n\
         TM:cash,USD,2500.00\n\
         TM:gas,mcm,-310.500\n"
    );
    assert_eq!(csv(&["--depth", "9"]), SCENARIO_CSV);
    assert_eq!(
        csv(&["--party", "TM", "--depth", "1", "--as-of", "2022-02-28"]),
        "account,commodity,balance\nTM,mcm,-310.500\n"
    );
    refused(
        &l,
        &["report", "balances", "--party", "XX"],
        "party XX is not declared",
    );
}

#[test]
fn report_balances_table_and_json() {
    let l = scenario();
    let table = l.run(&["report", "balances"]).ok().stdout;
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["account", "commodity", "balance"], "{table}");
    assert_eq!(
        &rows[2..],
        [
            ["AZ:gas:received", "mcm", "134.000"],
            ["IR:swap:tm-ir-az", "mcm", "166.500"],
            ["TM:cash", "USD", "2,500.00"],
            ["TM:gas:delivered", "mcm", "-310.500"],
        ],
        "{table}"
    );
    let explicit = l
        .run(&["report", "balances", "--format", "table"])
        .ok()
        .stdout;
    assert_eq!(explicit, table);

    let json = l
        .run(&["report", "balances", "--format", "json"])
        .ok()
        .stdout;
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(
        v,
        serde_json::json!([
            {"account": "AZ:gas:received", "commodity": "mcm", "balance": "134.000"},
            {"account": "IR:swap:tm-ir-az", "commodity": "mcm", "balance": "166.500"},
            {"account": "TM:cash", "commodity": "USD", "balance": "2500.00"},
            {"account": "TM:gas:delivered", "commodity": "mcm", "balance": "-310.500"},
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// report register

const REGISTER_HEADER: &str = "date,id,description,account,commodity,amount,balance\n";

#[test]
fn report_register_running_balance() {
    let l = scenario();
    let reg = |extra: &[&str]| {
        let mut args = vec!["report", "register", "IR:swap:tm-ir-az", "--format", "csv"];
        args.extend_from_slice(extra);
        l.run(&args).ok().stdout
    };
    let jan1 = "2022-01-31,swap-2022-01-entry,Sarakhs entry,IR:swap:tm-ir-az,mcm,160.000,160.000\n";
    let jan2 = "2022-01-31,swap-2022-01-exit,Astara exit,IR:swap:tm-ir-az,mcm,-144.000,16.000\n";
    let feb = "2022-02-28,swap-2022-02-entry,Sarakhs entry,IR:swap:tm-ir-az,mcm,150.500,166.500\n";
    assert_eq!(reg(&[]), format!("{REGISTER_HEADER}{jan1}{jan2}{feb}"));
    // Earlier postings still count in the running balance.
    assert_eq!(
        reg(&["--from", "2022-02-01"]),
        format!("{REGISTER_HEADER}{feb}")
    );
    assert_eq!(
        reg(&["--to", "2022-01-31"]),
        format!("{REGISTER_HEADER}{jan1}{jan2}")
    );
    assert_eq!(
        reg(&["--from", "2022-01-31", "--to", "2022-01-31"]),
        format!("{REGISTER_HEADER}{jan1}{jan2}")
    );
    assert_eq!(
        reg(&["--from", "2022-02-01", "--to", "2022-02-27"]),
        REGISTER_HEADER
    );
}

#[test]
fn report_register_party_in_date_order() {
    let l = scenario();
    // Recorded last, dated first: the register is in date order.
    l.record(
        "2022-01-15",
        "early",
        &["TM:gas:delivered 5 mcm", "IR:swap:tm-ir-az"],
        &[],
    )
    .ok();
    let r = l.run(&["report", "register", "TM", "--format", "csv"]).ok();
    assert_eq!(
        r.stdout,
        format!(
            "{REGISTER_HEADER}\
             2022-01-15,,early,TM:gas:delivered,mcm,5.000,5.000\n\
             2022-01-31,swap-2022-01-entry,Sarakhs entry,TM:gas:delivered,mcm,-160.000,-155.000\n\
             2022-02-28,swap-2022-02-entry,Sarakhs entry,TM:gas:delivered,mcm,-150.500,-305.500\n\
             2022-03-15,sale-1,gas sale,TM:cash,USD,2500.00,2500.00\n"
        )
    );
    let json = l
        .run(&["report", "register", "TM:cash", "--format", "json"])
        .ok()
        .stdout;
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(
        v,
        serde_json::json!([{
            "date": "2022-03-15", "id": "sale-1", "description": "gas sale",
            "account": "TM:cash", "commodity": "USD", "amount": "2500.00", "balance": "2500.00"
        }])
    );
    let table = l.run(&["report", "register", "TM:cash"]).ok().stdout;
    assert!(table.contains("2,500.00"), "{table}");
    refused(
        &l,
        &["report", "register", "TM:gas:delivred"],
        "did you mean TM:gas:delivered?",
    );
}

// ---------------------------------------------------------------------------------------------
// verify

#[test]
fn verify_ok() {
    let l = scenario();
    let r = l.run(&["verify"]).ok();
    assert_eq!(
        r.stdout,
        "ok: 4 transactions in 1 block replayed; every balance, hash link and index agrees\n"
    );
}

/// The positive amount 123.456 as stored (a serialized `Decimal`), to find it in a block.
fn stored_amount() -> [u8; 16] {
    rust_decimal::Decimal::from_str("123.456")
        .expect("decimal")
        .serialize()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn verify_detects_an_altered_amount_in_a_block() {
    let l = scenario();
    l.record(
        "2022-04-01",
        "marker",
        &["IR:cash 123.456 mcm", "TM:gas:delivered"],
        &[],
    )
    .ok();
    l.run(&["verify"]).ok();
    let mut altered = false;
    with_sled(&l.db(), |db| {
        for kv in db.scan_prefix(b"B") {
            let (k, v) = kv.expect("read block");
            let mut v = v.to_vec();
            if let Some(i) = find(&v, &stored_amount()) {
                // The low byte of the mantissa: 123.456 becomes 123.457.
                v[i + 4] = v[i + 4].wrapping_add(1);
                db.insert(k, v).expect("write block");
                altered = true;
            }
        }
    });
    assert!(altered, "the amount 123.456 was not found in any block");
    let r = l.run(&["verify"]).fails(1, "verify found");
    assert!(r.stdout.contains("hash link"), "{r:#?}");
    assert!(r.stdout.contains("balance of IR:cash in mcm"), "{r:#?}");
}

#[test]
fn verify_detects_an_altered_balance() {
    let l = scenario();
    with_sled(&l.db(), |db| {
        let (k, v) = db
            .scan_prefix(b"b")
            .next()
            .expect("a balance")
            .expect("read balance");
        let mut v = v.to_vec();
        // After the version byte, the 4-byte flags, then the low word of the mantissa.
        v[5] ^= 0x01;
        db.insert(k, v).expect("write balance");
    });
    let r = l.run(&["verify"]).fails(1, "verify found 1 problem");
    assert!(r.stdout.contains("problem: balance of"), "{r:#?}");
    assert!(r.stdout.contains("stored"), "{r:#?}");
    assert!(!r.stdout.contains("hash link"), "{r:#?}");
}

#[test]
fn verify_detects_a_removed_transaction_block() {
    let l = scenario();
    with_sled(&l.db(), |db| {
        let k = db
            .scan_prefix(b"B")
            .next()
            .expect("a block")
            .expect("read block")
            .0;
        db.remove(k).expect("remove block");
    });
    let r = l.run(&["verify"]);
    assert!(matches!(r.code, Some(1) | Some(2)), "{r:#?}");
    assert!(!r.stderr.contains("panicked"), "{r:#?}");
    assert!(
        format!("{}{}", r.stdout, r.stderr).contains("block 0 is missing"),
        "{r:#?}"
    );
}

#[test]
fn unknown_schema_version_is_refused_by_every_command() {
    let l = scenario();
    with_sled(&l.db(), |db| {
        db.insert(b"v", &99u32.to_le_bytes()).expect("write schema");
    });
    for args in [
        &["report", "balances"][..],
        &["report", "register", "TM"],
        &["verify"],
        &["init"],
        &["party", "add", "RU"],
        &["reverse", "sale-1", "--date", "2022-05-01"],
    ] {
        l.run(args).fails(2, "schema version 99");
    }
    l.record(
        "2022-05-01",
        "x",
        &["IR:cash 1 mcm", "TM:gas:delivered"],
        &[],
    )
    .fails(2, "schema version 99");
    // Nothing was changed: restoring the version shows the same ledger.
    with_sled(&l.db(), |db| {
        db.insert(b"v", &1u32.to_le_bytes()).expect("write schema");
    });
    assert_eq!(l.balances_csv(), SCENARIO_CSV);
    l.run(&["verify"]).ok();
}

// ---------------------------------------------------------------------------------------------
// bad input: exit 2, one clear message, no panic, nothing changed

#[test]
fn unbalanced_postings_say_by_how_much() {
    let l = scenario();
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 1 mcm", "TM:gas:delivered -0.5 mcm"],
        "transaction does not balance: mcm is off by 0.5",
    );
    // Per commodity.
    let before = state(&l);
    let r = l
        .record(
            "2022-05-01",
            "bad",
            &[
                "IR:cash 1 mcm",
                "TM:gas:delivered -0.5 mcm",
                "IR:cash 2.00 USD",
                "IR:receivable:IQ -1.00 USD",
            ],
            &[],
        )
        .fails(2, "transaction does not balance");
    assert!(r.stderr.contains("mcm is off by 0.5"), "{r:#?}");
    assert!(r.stderr.contains("USD is off by 1.00"), "{r:#?}");
    assert_eq!(state(&l), before);
    // A price that does not balance the other side.
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash -2 mcm @ 250 USD", "IR:receivable:IQ 499.99 USD"],
        "USD is off by -0.01",
    );
}

#[test]
fn undeclared_account_names_the_nearest() {
    let l = scenario();
    record_refused(
        &l,
        "2022-05-01",
        &["IR:swap:tm-ir-azz 1 mcm", "TM:gas:delivered -1 mcm"],
        "account IR:swap:tm-ir-azz is not declared (did you mean IR:swap:tm-ir-az?)",
    );
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 1 mcm", "TM:gas:dlivered"],
        "did you mean TM:gas:delivered?",
    );
    // An undeclared account never opens silently, even under a declared party.
    record_refused(
        &l,
        "2022-05-01",
        &["IR:brand:new:account 1 mcm", "TM:gas:delivered"],
        "account IR:brand:new:account is not declared",
    );
}

#[test]
fn more_decimals_than_the_scale_is_refused() {
    let l = scenario();
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 1.0001 mcm", "TM:gas:delivered -1.0001 mcm"],
        "1.0001 mcm has 4 decimal places but mcm allows 3",
    );
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 0.001 USD", "IR:receivable:IQ"],
        "USD allows 2",
    );
    // An inferred amount is checked too: 1.5 mcm @ 0.333 USD is 0.4995 USD.
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 1.5 mcm @ 0.333 USD", "IR:receivable:IQ"],
        "-0.4995 USD has 4 decimal places but USD allows 2",
    );
}

#[test]
fn impossible_date_is_refused() {
    let l = scenario();
    record_refused(
        &l,
        "2022-02-30",
        &["IR:cash 1 mcm", "TM:gas:delivered -1 mcm"],
        "2022-02-30 is not a date",
    );
    record_refused(
        &l,
        "2021-02-29",
        &["IR:cash 1 mcm", "TM:gas:delivered -1 mcm"],
        "2021-02-29 is not a date",
    );
    record_refused(
        &l,
        "2022-13-01",
        &["IR:cash 1 mcm", "TM:gas:delivered -1 mcm"],
        "2022-13-01 is not a date",
    );
    record_refused(
        &l,
        "31/01/2022",
        &["IR:cash 1 mcm", "TM:gas:delivered -1 mcm"],
        "expected a date like 2022-01-31",
    );
    refused(
        &l,
        &["reverse", "sale-1", "--date", "2022-02-30"],
        "2022-02-30 is not a date",
    );
    refused(
        &l,
        &["report", "balances", "--as-of", "2022-02-30"],
        "2022-02-30 is not a date",
    );
}

#[test]
fn unknown_commodity_is_refused() {
    let l = scenario();
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 1 mcf", "TM:gas:delivered -1 mcf"],
        "commodity mcf is not declared (did you mean mcm?)",
    );
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 1 mcm @ 3 EUR", "IR:receivable:IQ"],
        "commodity EUR is not declared",
    );
}

#[test]
fn exponent_amount_is_refused() {
    let l = scenario();
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 1e3 mcm", "TM:gas:delivered -1e3 mcm"],
        "expected a number, found \"1e3\"",
    );
    for bad in [".5 mcm", "1.2.3 mcm", "1,00 mcm", "160"] {
        let post = format!("IR:cash {bad}");
        record_refused(&l, "2022-05-01", &[&post, "TM:gas:delivered"], "posting");
    }
}

#[test]
fn word_amount_is_reported_as_not_a_number() {
    let l = scenario();
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash abc mcm", "TM:gas:delivered"],
        "expected a number, found \"abc\"",
    );
}

#[test]
fn other_non_numbers_are_refused() {
    let l = scenario();
    for bad in ["NaN mcm", "inf mcm", "0x10 mcm", "1_000 mcm", "abc mcm"] {
        let post = format!("IR:cash {bad}");
        let before = state(&l);
        l.record("2022-05-01", "bad", &[&post, "TM:gas:delivered"], &[])
            .fails(2, "");
        assert_eq!(state(&l), before, "{bad}");
    }
}

#[test]
fn amount_beyond_decimal_is_refused() {
    let l = scenario();
    record_refused(
        &l,
        "2022-05-01",
        &[
            "IR:cash 79228162514264337593543950336 mcm",
            "TM:gas:delivered",
        ],
        "more digits than an exact decimal can hold",
    );
    record_refused(
        &l,
        "2022-05-01",
        &[
            "IR:cash 1.0000000000000000000000000001 mcm",
            "TM:gas:delivered",
        ],
        "",
    );
}

#[test]
fn running_balance_overflow_is_refused() {
    let l = scenario();
    l.run(&["commodity", "add", "big", "--kind", "money", "--scale", "0"])
        .ok();
    // A debt of the largest amount (a payment of a debt that does not exist would be refused
    // by the date rules before any overflow).
    let max = "IR:receivable:IQ 79228162514264337593543950335 big";
    l.record("2022-05-01", "max", &[max, "IQ:payable:IR"], &[])
        .ok();
    record_refused(
        &l,
        "2022-05-02",
        &[max, "IQ:payable:IR"],
        "arithmetic overflow: the balance of IR:receivable:IQ in big exceeds the range",
    );
    // The other side overflows downwards.
    record_refused(
        &l,
        "2022-05-02",
        &["IQ:payable:IR -1 big", "IR:cash"],
        "arithmetic overflow: the balance of IQ:payable:IR in big",
    );
    // A price that overflows when multiplied.
    record_refused(
        &l,
        "2022-05-02",
        &[
            "IR:cash 79228162514264337593543950335 big @ 2 USD",
            "IR:receivable:IQ",
        ],
        "arithmetic overflow",
    );
    l.run(&["verify"]).ok();
}

#[test]
fn one_posting_is_refused() {
    let l = scenario();
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 1 mcm"],
        "a transaction needs at least two postings, found 1",
    );
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash"],
        "a transaction needs at least two postings, found 1",
    );
}

#[test]
fn two_postings_without_amounts_are_refused() {
    let l = scenario();
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash", "TM:gas:delivered"],
        "only one posting per transaction may leave its amount out; postings 1 and 2 both do",
    );
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 1 mcm", "TM:gas:delivered", "IR:swap:tm-ir-az"],
        "postings 2 and 3 both do",
    );
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 1 mcm", "IR:cash -1 mcm", "TM:gas:delivered"],
        "the other postings already balance",
    );
    record_refused(
        &l,
        "2022-05-01",
        &["IR:cash 1 mcm", "IR:cash 1 USD", "TM:gas:delivered"],
        "leave 2 commodities unbalanced",
    );
}

#[test]
fn posting_below_the_floor_is_refused() {
    let l = scenario();
    // TM:cash holds 2500.00 USD with a floor of 0 USD.
    record_refused(
        &l,
        "2022-05-01",
        &["TM:cash -2500.01 USD", "IR:cash"],
        "posting to TM:cash would take it to -0.01 USD, below its floor of 0",
    );
    record_refused(
        &l,
        "2022-05-01",
        &["TM:cash -3000 USD", "TM:cash 100 USD", "IR:cash"],
        "below its floor",
    );
    // Down to the floor exactly is allowed.
    l.record(
        "2022-05-01",
        "all of it",
        &["TM:cash -2500 USD", "IR:cash"],
        &[],
    )
    .ok();
    assert_eq!(
        l.run(&["report", "balances", "--party", "TM", "--format", "csv"])
            .ok()
            .stdout,
        "account,commodity,balance\nTM:gas:delivered,mcm,-310.500\n"
    );
}

#[test]
fn read_only_commands_on_a_missing_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("nowhere").join("db");
    for args in [
        &["report", "balances"][..],
        &["report", "balances", "--format", "csv"],
        &["report", "register", "TM"],
        &["verify"],
    ] {
        run_at(&db, args).fails(2, "no ledger at");
        assert!(!db.exists(), "{args:?} created {}", db.display());
        assert!(!dir.path().join("nowhere").exists());
    }
    // An empty folder is not a ledger either, and stays empty.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    run_at(&empty, &["report", "balances"]).fails(2, "no ledger at");
    run_at(&empty, &["verify"]).fails(2, "no ledger at");
    assert_eq!(std::fs::read_dir(&empty).expect("read dir").count(), 0);
}

#[test]
fn a_store_held_by_another_process_is_refused() {
    let l = scenario();
    let before = state(&l);
    let lock = File::options()
        .read(true)
        .write(true)
        .open(l.db().join("gasledger.lock"))
        .expect("open lock file");
    lock.try_lock().expect("take the lock");
    // Current balances are read from the balances view, which needs no lock: they are the
    // committed state, and a writer removes the view before it changes anything.
    let current = l.run(&["--lock-timeout", "0.3", "report", "balances"]).ok();
    assert!(
        current.stdout.contains("TM:gas:delivered"),
        "{}",
        current.stdout
    );
    for args in [
        &[
            "--lock-timeout",
            "0.3",
            "report",
            "balances",
            "--as-of",
            "2030-01-01",
        ][..],
        &["--lock-timeout", "0.3", "verify"],
        &["--lock-timeout", "0.3", "party", "add", "RU"],
        &[
            "--lock-timeout",
            "0.3",
            "record",
            "--date",
            "2022-05-01",
            "--desc",
            "x",
            "--post",
            "IR:cash 1 mcm",
            "--post",
            "TM:gas:delivered",
        ],
    ] {
        let r = l.run(args).fails(2, "in use");
        // Well below the default of 10 s, so the given timeout was the one used; far above
        // 0.3 s, so a loaded machine's slow process start does not fail it.
        assert!(
            r.elapsed < Duration::from_secs(9),
            "{args:?} took {:?}",
            r.elapsed
        );
        assert!(
            r.elapsed >= Duration::from_millis(250),
            "{args:?} did not wait: {:?}",
            r.elapsed
        );
    }
    lock.unlock().expect("release the lock");
    drop(lock);
    assert_eq!(state(&l), before);
    l.run(&["--lock-timeout", "0.3", "party", "add", "RU"]).ok();
    l.run(&["--lock-timeout", "0.3", "report", "balances"]).ok();
}

#[test]
fn bad_lock_timeout_is_refused() {
    let l = scenario();
    refused(
        &l,
        &["--lock-timeout=-1", "report", "balances"],
        "--lock-timeout must be a number of seconds",
    );
    refused(
        &l,
        &["--lock-timeout", "NaN", "report", "balances"],
        "--lock-timeout must be a number of seconds",
    );
}

#[test]
fn concurrent_writers_wait_for_each_other() {
    // Many processes recording at once: each waits (up to --lock-timeout) for the one that
    // holds the store, so all succeed, and the journal holds every one of them.
    let l = scenario();
    let mut n = 0;
    for round in 0..4 {
        let children: Vec<_> = (0..30)
            .map(|i| {
                let id = format!("concurrent-{round}-{i}");
                l.cmd()
                    .args(["record", "--date", "2022-06-01", "--desc", "concurrent"])
                    .args(["--post", "IR:cash 1 mcm", "--post", "TM:gas:delivered"])
                    .args(["--id", &id])
                    .spawn()
            })
            .collect();
        let mut failures = Vec::new();
        for c in children {
            let out = c.wait_with_output().expect("wait");
            if !out.status.success() {
                failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
            }
            n += 1;
        }
        assert!(
            failures.is_empty(),
            "{} of 30 concurrent writers failed: {failures:#?}",
            failures.len()
        );
    }
    let v = l.run(&["verify"]).ok();
    assert!(
        v.stdout.starts_with(&format!("ok: {} transactions", 4 + n)),
        "{v:#?}"
    );
}
