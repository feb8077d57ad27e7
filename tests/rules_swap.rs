//! Swap legs obey one rulebook whichever way they arrive (a journal file, `record`, or `swap
//! entry|exit`), and the swap report and reconciliation read the fee that was booked, beside
//! the fee the terms call for (issue 15, items 1 and 5). Every leg here writes each party's
//! side, as `swap entry|exit` does: each case is refused for the one reason it names.

mod common;

use common::Ledger;
use rust_decimal::Decimal;

/// A swap with a fee of 12.5% and a tolerance of 2%, from 2022-01-01, and the accounts its
/// legs post to in each party's books.
const TERMS: &str = "\
commodity 1000.000 mcm  ; kind: volume

account TM  ; party: Turkmenistan
account IR  ; party: Iran
account AZ  ; party: Azerbaijan
account TM:gas:delivered  ; type: asset
account TM:due-from:IR  ; type: asset
account TM:due-from:AZ  ; type: asset
account TM:expense:fee:tm-ir-az  ; type: expense
account IR:swap:tm-ir-az  ; type: asset
account IR:due-to:TM  ; type: liability
account IR:fee:tm-ir-az  ; type: revenue
account AZ:gas:received  ; type: asset
account AZ:due-to:TM  ; type: liability

agreement tm-ir-az
    kind       swap
    supplier   TM
    hub        IR
    receiver   AZ
    entry      Sarakhs
    exit       Astara, Nakhchivan
    commodity  mcm
    fee        12.5%
    tolerance  2%
    start      2022-01-01
";

/// A transaction dated `date`, described `desc`, tagged `tags`, of these postings (account,
/// amount in mcm).
fn txn(date: &str, desc: &str, tags: &str, postings: &[(&str, Decimal)]) -> String {
    let mut out = format!("{date} * {desc}  ; {tags}\n");
    for (account, v) in postings {
        out.push_str(&format!("    {account:<24}  {v:.3} mcm\n"));
    }
    out
}

/// A quantity of mcm, exactly.
fn mcm(v: &str) -> Decimal {
    v.parse().expect("a decimal")
}

/// An entry leg of 100.000 mcm under tm-ir-az that books a fee of `fee` (the hub's revenue,
/// posted negated on its fee account), tagged `tags` after `leg: entry`: each party's side.
fn entry(date: &str, tags: &str, fee: &str) -> String {
    let (q, fee) = (mcm("100"), mcm(fee));
    txn(
        date,
        "Sarakhs entry",
        &format!("agreement: tm-ir-az, leg: entry{tags}"),
        &[
            ("IR:swap:tm-ir-az", q),
            ("IR:due-to:TM", fee - q),
            ("IR:fee:tm-ir-az", -fee),
            ("TM:gas:delivered", -q),
            ("TM:due-from:IR", q - fee),
            ("TM:expense:fee:tm-ir-az", fee),
        ],
    )
}

/// An exit leg of `q` mcm under tm-ir-az, tagged `tags` after `leg: exit`: each party's side.
fn exit(date: &str, tags: &str, q: &str) -> String {
    let q = mcm(q);
    txn(
        date,
        "Astara exit",
        &format!("agreement: tm-ir-az, leg: exit{tags}"),
        &[
            ("AZ:gas:received", q),
            ("AZ:due-to:TM", -q),
            ("IR:swap:tm-ir-az", -q),
            ("IR:due-to:TM", q),
            ("TM:due-from:IR", -q),
            ("TM:due-from:AZ", q),
        ],
    )
}

/// The postings of an exit leg of `q` mcm, as `record --post` takes them.
fn exit_posts(q: &str) -> Vec<String> {
    [
        ("AZ:gas:received", ""),
        ("AZ:due-to:TM", "-"),
        ("IR:swap:tm-ir-az", "-"),
        ("IR:due-to:TM", ""),
        ("TM:due-from:IR", "-"),
        ("TM:due-from:AZ", ""),
    ]
    .iter()
    .map(|(account, sign)| format!("{account} {sign}{q} mcm"))
    .collect()
}

/// What a user can see of the store: its journal export.
fn state(l: &Ledger) -> String {
    l.run(&["export"]).ok().stdout
}

/// A store holding the terms.
fn with_terms() -> Ledger {
    let l = Ledger::new();
    l.import("terms.ledger", TERMS).ok();
    l
}

/// A store, made by commands, with mcm, TM, IR and AZ, and a swap `name` from Sarakhs to
/// Astara under `fee` and `tolerance` (the fee on the period's entry, by default).
fn swap_by_commands(name: &str, fee: &str, tolerance: &str) -> Ledger {
    let l = Ledger::new();
    for args in [
        &[
            "commodity",
            "add",
            "mcm",
            "--kind",
            "volume",
            "--scale",
            "3",
        ][..],
        &["party", "add", "TM"],
        &["party", "add", "IR"],
        &["party", "add", "AZ"],
        &[
            "agreement",
            "add",
            name,
            "--kind",
            "swap",
            "--supplier",
            "TM",
            "--hub",
            "IR",
            "--receiver",
            "AZ",
            "--entry",
            "Sarakhs",
            "--exit",
            "Astara",
            "--commodity",
            "mcm",
            "--fee",
            fee,
            "--tolerance",
            tolerance,
        ],
    ] {
        l.run(args).ok();
    }
    l
}

#[test]
fn a_fee_booked_beyond_the_terms_is_reported_and_reconcile_fails() {
    let l = with_terms();
    let journal = format!(
        "{}\n{}",
        entry("2022-01-31", "", "14.000"),
        exit("2022-01-31", ", point: Astara", "86.000")
    );
    l.import("jan.ledger", &journal).ok();
    let csv = l
        .run(&["report", "swap", "tm-ir-az", "--format", "csv"])
        .ok()
        .stdout;
    assert_eq!(
        csv,
        "period,entry,fee,exit,imbalance,cumulative,status,contract_fee,fee_difference,tolerance\n\
         2022-01,100.000,14.000,86.000,0.000,0.000,ok,12.500,1.500,2.000\n"
    );
    let r = l.run(&["reconcile", "--format", "json"]);
    assert_eq!(r.code, Some(1), "{r:#?}");
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(json["ok"], false);
    // Each party's books balance and the mirrors net to zero: only the fee is wrong.
    let checks = json["checks"].as_array().expect("checks");
    assert!(
        checks.iter().any(|c| c["check"] == "party-balance"),
        "{checks:?}"
    );
    let bad: Vec<&serde_json::Value> = checks.iter().filter(|c| c["status"] != "ok").collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0]["check"], "swap-fee");
    assert_eq!(bad[0]["expected"], "12.500");
    assert_eq!(bad[0]["actual"], "14.000");
    assert_eq!(bad[0]["difference"], "1.500");
    assert_eq!(bad[0]["status"], "mismatch");
    // The table says the same.
    let t = l.run(&["reconcile"]);
    assert_eq!(t.code, Some(1));
    assert!(t.stdout.contains("DISCREPANCIES"), "{}", t.stdout);
}

#[test]
fn journal_legs_that_break_the_terms_are_refused_with_the_line() {
    let q = mcm("100");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "an entry without its fee",
            txn(
                "2022-01-31",
                "Sarakhs entry",
                "agreement: tm-ir-az, leg: entry",
                &[
                    ("IR:swap:tm-ir-az", q),
                    ("IR:due-to:TM", -q),
                    ("TM:gas:delivered", -q),
                    ("TM:due-from:IR", q),
                ],
            ),
            "books the hub's fee in kind on IR:fee:tm-ir-az",
        ),
        (
            "an exit at a point the agreement does not name",
            exit("2022-01-31", ", point: Baku", "10.000"),
            "has no exit point \"Baku\"",
        ),
        (
            "an exit that names no point where there are two",
            exit("2022-01-31", "", "10.000"),
            "say which with --point",
        ),
        (
            "a leg before the agreement starts",
            entry("2021-12-31", "", "12.500"),
            "before the agreement starts (2022-01-01)",
        ),
        (
            "leg: sideways",
            entry("2022-01-31", "", "12.500").replace("leg: entry", "leg: sideways"),
            "leg: sideways is not entry or exit",
        ),
        (
            "an agreement that does not exist",
            entry("2022-01-31", "", "12.500").replace("agreement: tm-ir-az", "agreement: tm-ir-za"),
            "no agreement named tm-ir-za (did you mean tm-ir-az?)",
        ),
        (
            "a leg tag without an agreement",
            entry("2022-01-31", "", "12.500").replace("agreement: tm-ir-az, ", ""),
            "must name its swap with the tag agreement: NAME",
        ),
        (
            // Gas handed back to the supplier, each side written: not an exit to the receiver.
            "an exit posted to the supplier's account",
            txn(
                "2022-01-31",
                "Astara exit",
                "agreement: tm-ir-az, leg: exit, point: Astara",
                &[
                    ("TM:gas:delivered", mcm("10")),
                    ("TM:due-from:IR", mcm("-10")),
                    ("IR:swap:tm-ir-az", mcm("-10")),
                    ("IR:due-to:TM", mcm("10")),
                ],
            ),
            "an exit leg posts to TM:gas:delivered",
        ),
        (
            "a negative exit",
            exit("2022-01-31", ", point: Astara", "-10.000"),
            "the quantity of an exit leg must be positive",
        ),
        (
            "a fee larger than the leg",
            entry("2022-01-31", "", "100.001"),
            "must be between none and the leg's 100.000 mcm",
        ),
        (
            // IR:fee:tm-ir-az +12.500: the sign of an expense on the hub's revenue account.
            "a fee booked positive on the hub's fee account",
            entry("2022-01-31", "", "-12.500"),
            "the fee booked, -12.500 mcm, must be between none and the leg's 100.000 mcm \
             (the hub's fee is its revenue: posted negative on IR:fee:tm-ir-az)",
        ),
    ];
    // Two good transactions first: the refusal must take them back too.
    let good = format!(
        "{}\n{}\n",
        entry("2022-02-28", "", "12.500"),
        exit("2022-02-28", ", point: Astara", "87.500")
    );
    let at_line = format!("bad.ledger:{}:", good.lines().count() + 1);
    let l = with_terms();
    let before = state(&l);
    for (what, text, needle) in cases {
        let r = l.import("bad.ledger", format!("{good}{text}"));
        assert_eq!(r.code, Some(2), "{what}: {r:#?}");
        assert!(r.stderr.contains(needle), "{what}: {}", r.stderr);
        assert!(r.stderr.contains(&at_line), "{what}: {}", r.stderr);
        assert_eq!(state(&l), before, "{what} changed the store");
    }
    // The good transactions alone are a leg each that keeps the terms.
    l.import("good.ledger", &good).ok();
}

#[test]
fn record_obeys_the_same_rules_as_a_journal() {
    let l = with_terms();
    let before = state(&l);
    let posts = exit_posts("10");
    let posts: Vec<&str> = posts.iter().map(String::as_str).collect();
    for (tags, needle) in [
        (["agreement=tm-ir-az", "leg=exit"], "say which with --point"),
        (
            ["agreement=tm-ir-az", "point=Astara"],
            "tag it leg: entry or leg: exit",
        ),
        (
            ["agreement=nothing", "note=x"],
            "no agreement named nothing",
        ),
    ] {
        let r = l.record(
            "2022-01-31",
            "leg",
            &posts,
            &["--tag", tags[0], "--tag", tags[1]],
        );
        assert_eq!(r.code, Some(2), "{r:#?}");
        assert!(r.stderr.contains(needle), "{}", r.stderr);
        assert_eq!(state(&l), before);
    }
    // A leg that keeps the terms is recorded.
    l.record(
        "2022-01-31",
        "Astara exit",
        &posts,
        &[
            "--tag",
            "agreement=tm-ir-az",
            "--tag",
            "leg=exit",
            "--tag",
            "point=Astara",
        ],
    )
    .ok();
}

#[test]
fn daily_legs_book_the_monthly_fee_on_a_period_basis() {
    let l = swap_by_commands("daily", "1%", "2%");
    // Three daily legs of 1.250 mcm: 1% of each is 0.0125 (0.012 rounded half-even), but the
    // month's 3.750 owes 0.0375, so 0.038; the legs book 0.012, 0.013 and 0.013.
    let mut fees = Vec::new();
    for day in ["2022-01-01", "2022-01-02", "2022-01-03"] {
        let out = l
            .run(&[
                "swap",
                "entry",
                "daily",
                "--date",
                day,
                "--volume",
                "1.250 mcm",
                "--id",
                &format!("e-{day}"),
            ])
            .ok()
            .stdout;
        let fee = out
            .split("fee ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .expect("the fee in the output")
            .to_string();
        fees.push(fee);
    }
    assert_eq!(fees, ["0.012", "0.013", "0.013"]);
    // Recording the second day again changes nothing (its fee is computed as it was).
    let again = l
        .run(&[
            "swap",
            "entry",
            "daily",
            "--date",
            "2022-01-02",
            "--volume",
            "1.250 mcm",
            "--id",
            "e-2022-01-02",
        ])
        .ok()
        .stdout;
    assert!(again.contains("nothing changed"), "{again}");
    let csv = l
        .run(&["report", "swap", "daily", "--format", "csv"])
        .ok()
        .stdout;
    assert!(
        csv.ends_with(
            "2022-01,3.750,0.038,0.000,3.712,3.712,outside-tolerance,0.038,0.000,0.075\n"
        ),
        "{csv}"
    );
}

#[test]
fn a_leg_reversed_in_a_later_period_counts_in_that_periods_fee() {
    let l = swap_by_commands("monthly", "1%", "100%");
    let entry = |date: &str, id: &str| {
        l.run(&[
            "swap",
            "entry",
            "monthly",
            "--date",
            date,
            "--volume",
            "1.250 mcm",
            "--id",
            id,
        ])
        .ok();
    };
    entry("2022-01-31", "jan");
    l.run(&["reverse", "jan", "--date", "2022-02-10"]).ok();
    // February's entry so far is -1.250 (the reversal), so its two legs book 0.012 and 0.012,
    // and the month's booked fee, -0.012 + 0.024, is the fee of its 1.250 entry.
    entry("2022-02-20", "feb-1");
    entry("2022-02-21", "feb-2");
    let csv = l
        .run(&["report", "swap", "monthly", "--format", "csv"])
        .ok()
        .stdout;
    assert!(
        csv.ends_with("2022-02,1.250,0.012,0.000,1.238,2.476,ok,0.012,0.000,1.250\n"),
        "{csv}"
    );
}
