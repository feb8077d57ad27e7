//! Swap agreements through the real binary on a temp store (issue 4): `agreement add`,
//! `swap entry` / `swap exit`, `report swap`, and the swap check of imports. A leg writes each
//! party's side (the hub's duty in kind to the supplier and the supplier's claim, the fee as
//! the hub's revenue and the supplier's cost), so each party's books balance. Every refused leg
//! gets one message, exit status 2, and leaves the store exactly as it was.

mod common;

use common::{run_at, Ledger, SWAP_TM_IR_AZ as SWAP};

/// mcm (scale 3), GJ (scale 0), USD; parties TM, IR, AZ, IQ; no agreement.
fn parties() -> Ledger {
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
        &["commodity", "add", "GJ", "--kind", "energy", "--scale", "0"],
        &["commodity", "add", "USD", "--kind", "money", "--scale", "2"],
        &["party", "add", "TM", "--name", "Turkmenistan"],
        &["party", "add", "IR", "--name", "Iran"],
        &["party", "add", "AZ", "--name", "Azerbaijan"],
        &["party", "add", "IQ", "--name", "Iraq"],
    ] {
        l.ok(args);
    }
    l
}

/// With the swap tm-ir-az at this fee and tolerance, plus `extra` flags.
fn with_swap(fee: &str, tolerance: &str, extra: &[&str]) -> Ledger {
    let l = parties();
    let mut args = SWAP.to_vec();
    args.extend(["--fee", fee, "--tolerance", tolerance]);
    args.extend(extra);
    l.ok(&args);
    l
}

/// The swap commands and reports, run on a ledger.
trait Swap {
    fn refused(&self, args: &[&str]) -> String;
    fn state(&self) -> String;
    fn entry(&self, date: &str, volume: &str, extra: &[&str]) -> String;
    fn exit(&self, date: &str, volume: &str, point: &str) -> String;
    fn csv_all(&self, extra: &[&str]) -> String;
    fn csv(&self, extra: &[&str]) -> String;
}

impl Swap for Ledger {
    /// Run a command that must be refused: exit status 2, one line on standard error, nothing
    /// on standard output, no panic, and the store as it was. Returns the message.
    fn refused(&self, args: &[&str]) -> String {
        let before = self.state();
        let out = self.run(args);
        let err = out.stderr.clone();
        assert_eq!(out.code, Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        assert_eq!(self.state(), before, "{args:?} changed the store");
        err
    }
    /// Everything a user can see of the store: the journal export and the balances.
    fn state(&self) -> String {
        format!(
            "{}\n{}",
            self.ok(&["export"]),
            self.ok(&["report", "balances", "--format", "csv"])
        )
    }
    fn entry(&self, date: &str, volume: &str, extra: &[&str]) -> String {
        let mut args = vec![
            "swap", "entry", "tm-ir-az", "--date", date, "--volume", volume,
        ];
        args.extend(extra);
        self.ok(&args)
    }
    fn exit(&self, date: &str, volume: &str, point: &str) -> String {
        self.ok(&[
            "swap", "exit", "tm-ir-az", "--date", date, "--volume", volume, "--point", point,
        ])
    }
    fn csv_all(&self, extra: &[&str]) -> String {
        let mut args = vec!["report", "swap", "tm-ir-az", "--format", "csv"];
        args.extend(extra);
        self.ok(&args)
    }
    /// The swap report's first seven columns (the imbalance against the fee booked), which
    /// stand as they were before the fee the terms call for and the tolerance band were
    /// appended: those three are checked by `the_fee_booked_against_the_terms`.
    fn csv(&self, extra: &[&str]) -> String {
        self.csv_all(extra)
            .lines()
            .map(|l| l.split(',').take(7).collect::<Vec<_>>().join(",") + "\n")
            .collect()
    }
}

const HEADER: &str = "period,entry,fee,exit,imbalance,cumulative,status\n";

#[test]
fn several_legs_a_month_from_the_command_line() {
    let l = with_swap("20%", "2%", &[]);
    let out = l.entry("2022-01-10", "100 mcm", &["--id", "jan-1"]);
    // The entry opens each party's side: the hub's swap, duty and fee accounts, the
    // supplier's delivered, claim and fee-cost accounts.
    assert_eq!(
        out,
        "opened account IR:swap:tm-ir-az\nopened account IR:due-to:TM\nopened account IR:fee:tm-ir-az\n\
         opened account TM:gas:delivered\nopened account TM:due-from:IR\nopened account TM:expense:fee:tm-ir-az\n\
         recorded 2022-01-10 Sarakhs entry under tm-ir-az: 100.000 mcm into IR:swap:tm-ir-az, fee 20.000 mcm to IR:fee:tm-ir-az (transaction 0, id jan-1)\n"
    );
    l.entry("2022-01-20", "60 mcm", &["--point", "Sarakhs"]);
    // The first exit opens the receiver's received and duty accounts and the supplier's claim
    // on the receiver.
    let out = l.exit("2022-01-15", "50 mcm", "Astara");
    assert_eq!(
        out,
        "opened account AZ:gas:received\nopened account AZ:due-to:TM\nopened account TM:due-from:AZ\n\
         recorded 2022-01-15 Astara exit under tm-ir-az: 50.000 mcm out of IR:swap:tm-ir-az to AZ:gas:received (transaction 2)\n"
    );
    l.exit("2022-01-31", "30 mcm", "Astara");
    l.exit("2022-01-31", "48 mcm", "Nakhchivan");
    l.entry("2022-02-14", "90.5 mcm", &[]);
    l.entry("2022-02-28", "70 mcm", &[]);
    l.exit("2022-02-28", "80 mcm", "Astara");
    l.exit("2022-02-28", "47 mcm", "Nakhchivan");
    // February: fee 18.100 + 14.000; 160.500 − 32.100 − 127.000 = 1.400, within 3.210.
    assert_eq!(
        l.csv(&[]),
        format!(
            "{HEADER}2022-01,160.000,32.000,128.000,0.000,0.000,ok\n\
             2022-02,160.500,32.100,127.000,1.400,1.400,ok\n"
        )
    );
    // Worked out by hand. Entries 100 + 60 + 90.5 + 70 = 320.500, fees 20 + 12 + 18.1 + 14 =
    // 64.100, so the hub owes the supplier 320.500 − 64.100 = 256.400 in kind; exits 50 + 30 +
    // 48 + 80 + 47 = 255.000 discharge that much and leave AZ owing TM 255.000. What is left:
    // the hub's duty (and the supplier's claim) 1.400, the February imbalance; the gas in the
    // hub's system 320.500 − 255.000 = 65.500, the fee it kept and that 1.400; the fee as the
    // hub's revenue (negative) and the supplier's cost.
    assert_eq!(
        l.ok(&["report", "balances", "--format", "csv"]),
        "account,commodity,balance\nAZ:due-to:TM,mcm,-255.000\nAZ:gas:received,mcm,255.000\n\
         IR:due-to:TM,mcm,-1.400\nIR:fee:tm-ir-az,mcm,-64.100\nIR:swap:tm-ir-az,mcm,65.500\n\
         TM:due-from:AZ,mcm,255.000\nTM:due-from:IR,mcm,1.400\n\
         TM:expense:fee:tm-ir-az,mcm,64.100\nTM:gas:delivered,mcm,-320.500\n"
    );
    // The legs as journal transactions: tags, each party's postings, accounts opened with
    // their types.
    let export = l.ok(&["export"]);
    assert!(
        export.contains(
            "2022-01-10 Sarakhs entry  ; id: jan-1, agreement: tm-ir-az, leg: entry, point: Sarakhs\n    \
             IR:swap:tm-ir-az          100.000 mcm\n    IR:due-to:TM              -80.000 mcm\n    \
             IR:fee:tm-ir-az           -20.000 mcm\n    TM:gas:delivered         -100.000 mcm\n    \
             TM:due-from:IR             80.000 mcm\n    TM:expense:fee:tm-ir-az    20.000 mcm\n"
        ),
        "{export}"
    );
    assert!(
        export.contains(
            "2022-01-15 Astara exit  ; agreement: tm-ir-az, leg: exit, point: Astara\n    \
             AZ:gas:received    50.000 mcm\n    AZ:due-to:TM      -50.000 mcm\n    \
             IR:swap:tm-ir-az  -50.000 mcm\n    IR:due-to:TM       50.000 mcm\n    \
             TM:due-from:IR    -50.000 mcm\n    TM:due-from:AZ     50.000 mcm\n"
        ),
        "{export}"
    );
    for (account, kind) in [
        ("AZ:due-to:TM", "liability"),
        ("AZ:gas:received", "asset"),
        ("IR:due-to:TM", "liability"),
        ("IR:fee:tm-ir-az", "revenue"),
        ("IR:swap:tm-ir-az", "asset"),
        ("TM:due-from:AZ", "asset"),
        ("TM:due-from:IR", "asset"),
        ("TM:expense:fee:tm-ir-az", "expense"),
        ("TM:gas:delivered", "asset"),
    ] {
        assert!(
            export.contains(&format!("account {account}  ; type: {kind}\n")),
            "{account}: {export}"
        );
    }
    assert!(l.ok(&["verify"]).starts_with("ok: 9 transactions"));
    // Each leg balances in each party's books (check 8), and the claims in kind mirror the
    // duties: TM:due-from:IR against IR:due-to:TM, TM:due-from:AZ against AZ:due-to:TM.
    let rec = l.ok(&["reconcile"]);
    for row in [
        "mirrored-obligation  2 of 2\n",
        "swap                 2 of 2\n",
        "party-balance        3 of 3\n",
    ] {
        assert!(rec.contains(row), "{row}: {rec}");
    }
}

#[test]
fn the_table_and_by_point() {
    let l = with_swap("20%", "2%", &[]);
    l.entry("2022-01-31", "160 mcm", &[]);
    l.exit("2022-01-31", "80 mcm", "Astara");
    l.exit("2022-01-31", "48 mcm", "Nakhchivan");
    l.entry("2022-02-28", "160 mcm", &[]);
    l.exit("2022-02-28", "118 mcm", "Astara");
    assert_eq!(
        l.ok(&["report", "swap", "tm-ir-az"]),
        "swap tm-ir-az: TM -> IR -> AZ, mcm per monthly period, fee 20%, tolerance 2%\n\
         period     entry     fee     exit  imbalance  cumulative  status             contract_fee  fee_difference  tolerance\n\
         -------  -------  ------  -------  ---------  ----------  -----------------  ------------  --------------  ---------\n\
         2022-01  160.000  32.000  128.000      0.000       0.000  ok                       32.000           0.000      3.200\n\
         2022-02  160.000  32.000  118.000     10.000      10.000  outside-tolerance        32.000           0.000      3.200\n"
    );
    assert_eq!(
        l.csv_all(&["--by-point"]),
        "period,entry,fee,exit,imbalance,cumulative,status,contract_fee,fee_difference,tolerance,entry:Sarakhs,exit:Astara,exit:Nakhchivan\n\
         2022-01,160.000,32.000,128.000,0.000,0.000,ok,32.000,0.000,3.200,160.000,80.000,48.000\n\
         2022-02,160.000,32.000,118.000,10.000,10.000,outside-tolerance,32.000,0.000,3.200,160.000,118.000,0.000\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&l.ok(&["report", "swap", "tm-ir-az", "--format", "json"]))
            .expect("json");
    assert_eq!(
        json[1],
        serde_json::json!({
            "period": "2022-02", "entry": "160.000", "fee": "32.000", "exit": "118.000",
            "imbalance": "10.000", "cumulative": "10.000", "status": "outside-tolerance",
            "contract_fee": "32.000", "fee_difference": "0.000", "tolerance": "3.200"
        })
    );
    assert_eq!(json.as_array().map(Vec::len), Some(2));
}

#[test]
fn fee_rounds_half_even_at_the_commodity_scale_leg_by_leg() {
    let l = with_swap("1%", "100%", &["--fee-basis", "leg"]);
    // 1.250 × 1% = 0.0125 → 0.012 (half-up would give 0.013); 1.350 → 0.0135 → 0.014.
    let out = l.entry("2022-01-31", "1.250 mcm", &[]);
    assert!(out.contains("fee 0.012 mcm"), "{out}");
    let out = l.entry("2022-02-28", "1.350 mcm", &[]);
    assert!(out.contains("fee 0.014 mcm"), "{out}");
    // Two legs of 1.250 in March: 0.012 + 0.012, not the 0.025 of rounding the month's 2.500.
    l.entry("2022-03-10", "1.250 mcm", &[]);
    l.entry("2022-03-20", "1.250 mcm", &[]);
    // 1.251 is no tie: 0.01251 → 0.013.
    let out = l.entry("2022-04-30", "1.251 mcm", &[]);
    assert!(out.contains("fee 0.013 mcm"), "{out}");
    assert_eq!(
        l.csv(&[]),
        format!(
            "{HEADER}2022-01,1.250,0.012,0.000,1.238,1.238,ok\n\
             2022-02,1.350,0.014,0.000,1.336,2.574,ok\n\
             2022-03,2.500,0.024,0.000,2.476,5.050,ok\n\
             2022-04,1.251,0.013,0.000,1.238,6.288,ok\n"
        )
    );
    // The books hold the same fee as the report: 0.012 + 0.014 + 0.024 + 0.013, the hub's
    // revenue (negative) and the supplier's cost.
    let balances = l.ok(&["report", "balances", "--format", "csv"]);
    assert!(
        balances.contains("IR:fee:tm-ir-az,mcm,-0.063\n"),
        "{balances}"
    );
    assert!(
        balances.contains("TM:expense:fee:tm-ir-az,mcm,0.063\n"),
        "{balances}"
    );
}

#[test]
fn cumulative_carries_across_periods_and_the_year_end() {
    let l = with_swap("0%", "2%", &[]);
    l.entry("2022-11-30", "100 mcm", &[]);
    l.exit("2022-11-30", "98 mcm", "Astara");
    // Nothing in December: no row, but the cumulative carries on.
    l.entry("2023-01-31", "100 mcm", &[]);
    l.exit("2023-01-31", "100.5 mcm", "Astara");
    l.entry("2023-02-28", "100 mcm", &[]);
    l.exit("2023-02-28", "99 mcm", "Astara");
    assert_eq!(
        l.csv(&[]),
        format!(
            "{HEADER}2022-11,100.000,0.000,98.000,2.000,2.000,ok\n\
             2023-01,100.000,0.000,100.500,-0.500,1.500,ok\n\
             2023-02,100.000,0.000,99.000,1.000,2.500,ok\n"
        )
    );
    // --from/--to choose the periods shown; earlier periods still count in the cumulative.
    assert_eq!(
        l.csv(&["--from", "2023-01-15", "--to", "2023-01-31"]),
        format!("{HEADER}2023-01,100.000,0.000,100.500,-0.500,1.500,ok\n")
    );
    assert_eq!(
        l.ok(&["report", "swap", "tm-ir-az", "--from", "2024-01-01"]),
        "swap tm-ir-az: TM -> IR -> AZ, mcm per monthly period, fee 0%, tolerance 2%\n\
         no legs recorded in the periods asked for\n"
    );

    // The same legs under quarterly and yearly agreements.
    for (period, want) in [
        (
            "quarterly",
            "2022-Q4,100.000,0.000,98.000,2.000,2.000,ok\n\
             2023-Q1,200.000,0.000,199.500,0.500,2.500,ok\n",
        ),
        (
            "yearly",
            "2022,100.000,0.000,98.000,2.000,2.000,ok\n\
             2023,200.000,0.000,199.500,0.500,2.500,ok\n",
        ),
    ] {
        let l = with_swap("0%", "2%", &["--period", period]);
        for (date, entry, exit) in [
            ("2022-11-30", "100 mcm", "98 mcm"),
            ("2023-01-31", "100 mcm", "100.5 mcm"),
            ("2023-02-28", "100 mcm", "99 mcm"),
        ] {
            l.entry(date, entry, &[]);
            l.exit(date, exit, "Astara");
        }
        assert_eq!(l.csv(&[]), format!("{HEADER}{want}"), "{period}");
    }
}

#[test]
fn tolerance_exactly_at_the_bound_is_ok() {
    let l = with_swap("0%", "2%", &[]);
    // 2% of 100.000 is 2.000: an imbalance of exactly ±2.000 is ok, 0.001 more is not.
    for (date, exit) in [
        ("2022-01-31", "98 mcm"),
        ("2022-02-28", "97.999 mcm"),
        ("2022-03-31", "102 mcm"),
        ("2022-04-30", "102.001 mcm"),
    ] {
        l.entry(date, "100 mcm", &[]);
        l.exit(date, exit, "Astara");
    }
    assert_eq!(
        l.csv(&[]),
        format!(
            "{HEADER}2022-01,100.000,0.000,98.000,2.000,2.000,ok\n\
             2022-02,100.000,0.000,97.999,2.001,4.001,outside-tolerance\n\
             2022-03,100.000,0.000,102.000,-2.000,2.001,ok\n\
             2022-04,100.000,0.000,102.001,-2.001,0.000,outside-tolerance\n"
        )
    );
}

#[test]
fn an_energy_basis_month() {
    let l = parties();
    let mut args = SWAP.to_vec();
    args[2] = "tm-ir-az-gj";
    *args.last_mut().expect("commodity") = "GJ";
    args.extend(["--fee", "20%", "--tolerance", "2%", "--basis", "energy"]);
    let out = l.ok(&args);
    assert!(out.contains(
        "GJ, fee 20% of each period's entry, tolerance 2% per monthly period, energy basis"
    ));
    let leg = |side: &str, volume: &str, gcv: &str, point: &str| {
        l.ok(&[
            "swap",
            side,
            "tm-ir-az-gj",
            "--date",
            "2023-01-31",
            "--volume",
            volume,
            "--gcv",
            gcv,
            "--point",
            point,
        ])
    };
    // 160 mcm × 38.5 MJ/m3 = 6,160,000 GJ; fee 1,232,000 GJ.
    let out = leg("entry", "160 mcm", "38.5", "Sarakhs");
    assert!(
        out.contains("recorded 2023-01-31 Sarakhs entry under tm-ir-az-gj: 6,160,000 GJ (160 mcm at 38.5 MJ/m3) into IR:swap:tm-ir-az-gj, fee 1,232,000 GJ"),
        "{out}"
    );
    // 80 mcm at 38.1 = 3,048,000 GJ; 48,000,000 m3 at 38.1 = 1,828,800 GJ.
    leg("exit", "80 mcm", "38.1", "Astara");
    leg("exit", "48000000 m3", "38.1", "Nakhchivan");
    assert_eq!(
        l.ok(&["report", "swap", "tm-ir-az-gj", "--format", "csv"]),
        "period,entry,fee,exit,imbalance,cumulative,status,contract_fee,fee_difference,tolerance\n\
         2023-01,6160000,1232000,4876800,51200,51200,ok,1232000,0,123200\n"
    );
    let export = l.ok(&["export"]);
    assert!(
        export.contains(
            "2023-01-31 Nakhchivan exit  ; agreement: tm-ir-az-gj, leg: exit, point: Nakhchivan, volume: 48000000 m3, gcv: 38.1\n    \
             AZ:gas:received       1828800 GJ\n    AZ:due-to:TM         -1828800 GJ\n    \
             IR:swap:tm-ir-az-gj  -1828800 GJ\n    IR:due-to:TM          1828800 GJ\n    \
             TM:due-from:IR       -1828800 GJ\n    TM:due-from:AZ        1828800 GJ\n"
        ),
        "{export}"
    );

    // An energy leg needs its GCV, and its energy must be exact at the commodity's scale.
    let base = [
        "swap",
        "entry",
        "tm-ir-az-gj",
        "--date",
        "2023-02-28",
        "--volume",
        "160 mcm",
    ];
    let err = l.refused(&base);
    assert!(
        err.contains("is on an energy basis: give each leg's gross calorific value with --gcv"),
        "{err}"
    );
    let mut more = base.to_vec();
    more.extend(["--gcv", "38.5000001"]);
    let err = l.refused(&more);
    assert!(
        err.contains("160 mcm at 38.5000001 MJ/m3 is exactly 6160000.016 GJ, which has more decimal places than the 0 that GJ allows"),
        "{err}"
    );
    let mut more = base.to_vec();
    more.extend(["--gcv", "0"]);
    assert!(l
        .refused(&more)
        .contains("must be a positive number of MJ per m3"));
    let mut more = base.to_vec();
    more[6] = "160 GJ";
    more.extend(["--gcv", "38.5"]);
    assert!(l
        .refused(&more)
        .contains("on an energy basis a leg is a volume"));
}

#[test]
fn an_energy_basis_in_mmbtu_refuses_what_no_decimal_holds() {
    let l = parties();
    l.ok(&[
        "commodity",
        "add",
        "MMBtu",
        "--kind",
        "energy",
        "--scale",
        "3",
    ]);
    let mut args = SWAP.to_vec();
    *args.last_mut().expect("commodity") = "MMBtu";
    args.extend(["--fee", "20%", "--tolerance", "2%", "--basis", "energy"]);
    l.ok(&args);
    // 160 mcm × 38.5 MJ/m3 / 1055.056 MJ per MMBtu does not terminate: refused, not rounded.
    let err = l.refused(&[
        "swap",
        "entry",
        "tm-ir-az",
        "--date",
        "2023-01-31",
        "--volume",
        "160 mcm",
        "--gcv",
        "38.5",
    ]);
    assert!(
        err.contains("160 mcm at 38.5 MJ/m3 is 5838552.6455467766"),
        "{err}"
    );
    assert!(
        err.contains("MMBtu, which no exact decimal holds; a leg is never rounded"),
        "{err}"
    );
    // 1055.056 MJ exactly: 1 MMBtu.
    let out = l.ok(&[
        "swap",
        "entry",
        "tm-ir-az",
        "--date",
        "2023-01-31",
        "--volume",
        "1055.056 m3",
        "--gcv",
        "1",
    ]);
    assert!(
        out.contains(": 1.000 MMBtu (1055.056 m3 at 1 MJ/m3)"),
        "{out}"
    );
}

#[test]
fn every_refused_leg_leaves_the_store_as_it_was() {
    let l = with_swap("20%", "2%", &["--start", "2022-01-01"]);
    l.ok(&[
        "agreement",
        "add",
        "iq-ir-tm",
        "--kind",
        "offset",
        "--debtor",
        "IQ",
        "--via",
        "IR",
        "--creditor",
        "TM",
        "--commodity",
        "USD",
        "--limit",
        "1600000000.00",
    ]);
    l.entry("2022-01-31", "160 mcm", &["--id", "e1"]);
    let leg = |side: &'static str, volume: &'static str, more: &[&'static str]| {
        let mut a = vec![
            "swap",
            side,
            "tm-ir-az",
            "--date",
            "2022-02-28",
            "--volume",
            volume,
        ];
        a.extend(more);
        a
    };
    for (args, message) in [
        (
            leg("exit", "80 mcm", &["--point", "Astra"]),
            "agreement tm-ir-az has no exit point \"Astra\" (its exit points: Astara, Nakhchivan)",
        ),
        (
            leg("entry", "80 mcm", &["--point", "Astara"]),
            "has no entry point \"Astara\" (its entry points: Sarakhs)",
        ),
        (
            leg("exit", "80 mcm", &[]),
            "agreement tm-ir-az has 2 exit points (Astara, Nakhchivan): say which with --point",
        ),
        (
            vec![
                "swap",
                "entry",
                "tm-ir-az",
                "--date",
                "2021-12-31",
                "--volume",
                "160 mcm",
            ],
            "a leg dated 2021-12-31 is before agreement tm-ir-az starts (2022-01-01)",
        ),
        (
            leg("entry", "0 mcm", &[]),
            "a leg's volume must be positive, found 0 mcm",
        ),
        (
            leg("entry", "-160 mcm", &[]),
            "a leg's volume must be positive, found -160 mcm",
        ),
        (
            leg("entry", "160 USD", &[]),
            "a leg of 160 USD cannot be recorded under agreement tm-ir-az, whose commodity is mcm",
        ),
        (
            leg("entry", "160 GJ", &[]),
            "GJ is a unit of energy, and this swap is on a volume basis",
        ),
        (
            leg("entry", "160 xyz", &[]),
            "a leg of 160 xyz cannot be recorded under agreement tm-ir-az",
        ),
        (
            leg("entry", "1 m3", &[]),
            "1 m3 is exactly 0.000001 mcm, which has more decimal places than the 3 that mcm allows; a leg is never rounded",
        ),
        (
            leg("entry", "160.0001 mcm", &[]),
            "160.0001 mcm has 4 decimal places but mcm allows 3",
        ),
        (
            leg("entry", "1 bcf", &[]),
            "1 bcf is exactly 28.316846592 mcm",
        ),
        (
            vec![
                "swap",
                "entry",
                "tm-ir-azz",
                "--date",
                "2022-02-28",
                "--volume",
                "160 mcm",
            ],
            "no agreement named tm-ir-azz (did you mean tm-ir-az?)",
        ),
        (
            vec![
                "swap",
                "exit",
                "iq-ir-tm",
                "--date",
                "2022-02-28",
                "--volume",
                "160 mcm",
            ],
            "agreement iq-ir-tm is of kind offset, not a swap",
        ),
        (
            leg("entry", "170 mcm", &["--id", "e1"]),
            "id e1 is recorded already with other content",
        ),
        (leg("entry", "160", &[]), "expected an amount like"),
        (
            leg("entry", "160 mcm", &["--gcv", "1e3"]),
            "expected a number",
        ),
        (
            leg("entry", "160 mcm", &["--gcv", "-38"]),
            "the gross calorific value must be a positive number",
        ),
    ] {
        let err = l.refused(&args);
        assert!(err.contains(message), "{args:?}: expected {message:?} in {err}");
    }
    // What was refused was never half-written: one leg, balanced, and the report agrees.
    assert!(l.ok(&["verify"]).starts_with("ok: 1 transaction"));
    assert_eq!(
        l.csv(&[]),
        format!("{HEADER}2022-01,160.000,32.000,0.000,128.000,128.000,outside-tolerance\n")
    );
    // The same leg with the same id again is a no-op.
    let out = l.entry("2022-01-31", "160 mcm", &["--id", "e1"]);
    assert_eq!(
        out,
        "already recorded: id e1 is transaction 0 with the same content; nothing changed\n"
    );
}

#[test]
fn a_volume_in_another_unit_converts_exactly() {
    let l = with_swap("20%", "2%", &[]);
    let out = l.entry("2022-01-31", "0.16 bcm", &[]);
    assert!(
        out.contains(": 160.000 mcm (0.16 bcm) into IR:swap:tm-ir-az, fee 32.000 mcm"),
        "{out}"
    );
    // 1 mcf = 28.316846592 m3 = 0.000028316846592 mcm exactly, so 1,953,125,000 mcf is
    // exactly 55,306.341 mcm (1 ft3 = 55306341/1953125000 m3).
    let out = l.entry("2022-02-28", "1953125000 mcf", &[]);
    assert!(out.contains(": 55,306.341 mcm (1953125000 mcf)"), "{out}");
    assert!(l
        .ok(&["export"])
        .contains("; agreement: tm-ir-az, leg: entry, point: Sarakhs, volume: 0.16 bcm\n"));
}

#[test]
fn agreements_are_validated() {
    let l = parties();
    let swap = |extra: &[&'static str]| {
        let mut a = SWAP.to_vec();
        a.extend(["--fee", "20%", "--tolerance", "2%"]);
        // Replace a flag's value, or add the flag.
        let mut i = 0;
        while i < extra.len() {
            match a.iter().position(|x| *x == extra[i]) {
                Some(p) if extra[i] != "--exit" => a[p + 1] = extra[i + 1],
                _ => a.extend([extra[i], extra[i + 1]]),
            }
            i += 2;
        }
        a
    };
    for (extra, message) in [
        (
            &["--receiver", "XX"][..],
            "agreement tm-ir-az: receiver XX is not a declared party",
        ),
        (
            &["--hub", "TM"],
            "supplier, hub and receiver must be three different parties, found TM, TM, AZ",
        ),
        (
            &["--fee", "120%"],
            "agreement tm-ir-az: fee 120% is not between 0% and 100%",
        ),
        (
            &["--tolerance", "-1%"],
            "tolerance -1% is not between 0% and 100%",
        ),
        (&["--fee", "20"], "fee \"20\" is not a percentage like 20%"),
        (&["--fee", "2e1%"], "expected a number"),
        (
            &["--commodity", "USD"],
            "the volume basis needs a commodity of kind volume; USD is of kind money",
        ),
        (
            &["--basis", "energy"],
            "the energy basis needs a commodity of kind energy; mcm is of kind volume",
        ),
        (
            &["--commodity", "mcmm"],
            "commodity mcmm is not declared (did you mean mcm?)",
        ),
        (&["--exit", "Astara"], "exit point Astara is named twice"),
        (
            &["--debtor", "IQ"],
            "--debtor does not apply to a swap agreement",
        ),
    ] {
        let err = l.refused(&swap(extra));
        assert!(
            err.contains(message),
            "{extra:?}: expected {message:?} in {err}"
        );
    }
    let mut no_entry = SWAP.to_vec();
    no_entry.retain(|a| *a != "--entry" && *a != "Sarakhs");
    no_entry.extend(["--fee", "20%", "--tolerance", "2%"]);
    assert!(l
        .refused(&no_entry)
        .contains("agreement tm-ir-az: the field entry is missing"));

    let out = l.ok(&swap(&[]));
    assert_eq!(
        out,
        "declared swap agreement tm-ir-az: TM delivers into IR at Sarakhs; IR delivers to AZ at Astara, Nakhchivan; mcm, fee 20% of each period's entry, tolerance 2% per monthly period, volume basis\n"
    );
    // Declaring it again: the same terms change nothing, other terms are refused.
    assert!(l
        .ok(&swap(&[]))
        .contains("declared already with the same terms; nothing changed"));
    assert!(l
        .refused(&swap(&["--fee", "25%"]))
        .contains("agreement tm-ir-az is declared already with other terms"));
    assert!(l
        .ok(&["export"])
        .contains("agreement tm-ir-az\n    kind       swap\n    supplier   TM\n    hub        IR\n    receiver   AZ\n    entry      Sarakhs\n    exit       Astara, Nakhchivan\n    commodity  mcm\n    fee        20%\n    tolerance  2%\n    period     monthly\n    basis      volume\n"));
}

#[test]
fn report_swap_errors() {
    let l = with_swap("20%", "2%", &[]);
    assert!(l
        .refused(&["report", "swap", "tm-ir-a"])
        .contains("no agreement named tm-ir-a (did you mean tm-ir-az?)"));
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_at(&dir.path().join("none"), &["report", "swap", "tm-ir-az"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("no ledger at"));
}

#[test]
fn a_reversed_leg_counts_as_its_opposite_on_the_reversal_date() {
    let l = with_swap("20%", "2%", &[]);
    l.entry("2022-01-31", "160 mcm", &["--id", "e1"]);
    l.entry("2022-01-31", "150 mcm", &["--id", "e1-right"]);
    l.exit("2022-01-31", "120 mcm", "Astara");
    assert_eq!(
        l.csv(&[]),
        format!("{HEADER}2022-01,310.000,62.000,120.000,128.000,128.000,outside-tolerance\n")
    );
    // The 160 was recorded by mistake: its reversal, dated in January, undoes it there, in the
    // books and in the report alike.
    l.ok(&["reverse", "e1", "--date", "2022-01-31"]);
    assert_eq!(
        l.csv(&[]),
        format!("{HEADER}2022-01,150.000,30.000,120.000,0.000,0.000,ok\n")
    );
    // Worked out by hand: what stands is the 150 entry (fee 30) and the 120 exit. The hub's
    // duty, 150 − 30 − 120, and the supplier's claim on it are discharged (zero, not listed);
    // the hub's system still holds the fee it kept, 150 − 120 = 30.
    assert_eq!(
        l.ok(&["report", "balances", "--format", "csv"]),
        "account,commodity,balance\nAZ:due-to:TM,mcm,-120.000\nAZ:gas:received,mcm,120.000\n\
         IR:fee:tm-ir-az,mcm,-30.000\nIR:swap:tm-ir-az,mcm,30.000\nTM:due-from:AZ,mcm,120.000\n\
         TM:expense:fee:tm-ir-az,mcm,30.000\nTM:gas:delivered,mcm,-150.000\n"
    );
    // Dated in a later period, it counts there: the opposite leg, fee and all.
    let l = with_swap("20%", "2%", &[]);
    l.entry("2022-01-31", "160 mcm", &["--id", "e1"]);
    l.ok(&["reverse", "e1", "--date", "2022-02-02"]);
    assert_eq!(
        l.csv(&[]),
        format!(
            "{HEADER}2022-01,160.000,32.000,0.000,128.000,128.000,outside-tolerance\n\
             2022-02,-160.000,-32.000,0.000,-128.000,0.000,outside-tolerance\n"
        )
    );
    // In the books, the reversal undoes every party's side of the entry: nothing is left.
    assert_eq!(
        l.ok(&["report", "balances", "--format", "csv"]),
        "account,commodity,balance\n"
    );
}

#[test]
fn imports_validate_swap_agreements_and_legs_mix_with_the_command_line() {
    let l = parties();
    let bad = l.file(
        "bad.ledger",
        "agreement a1\n    kind       swap\n    supplier   TM\n    hub        IR\n    receiver   AZ\n    entry      Sarakhs\n    exit       Astara\n    commodity  mcm\n    fee        20%\n    tolerance  2%\n    period     weekly\n",
    );
    let err = l.refused(&["import", bad.to_str().expect("utf-8")]);
    assert!(
        err.contains("bad.ledger:1:1: agreement a1: period \"weekly\" is not one of daily, monthly, quarterly, yearly"),
        "{err}"
    );

    // The scenario of a quarter with a month outside tolerance, then April from the CLI.
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ledgers/03-month-outside-tolerance.ledger"
    );
    let l = Ledger {
        dir: tempfile::tempdir().expect("temp dir"),
    };
    l.ok(&["import", scenario]);
    l.entry("2023-04-30", "160 mcm", &[]);
    l.exit("2023-04-30", "128 mcm", "Astara");
    assert_eq!(
        l.csv(&[]),
        format!(
            "{HEADER}2023-01,160.000,32.000,128.000,0.000,0.000,ok\n\
             2023-02,160.000,32.000,118.000,10.000,10.000,outside-tolerance\n\
             2023-03,160.000,32.000,131.000,-3.000,7.000,ok\n\
             2023-04,160.000,32.000,128.000,0.000,7.000,ok\n"
        )
    );
}

#[test]
fn check_5_as_plain_data() {
    use gasledger::checks::swap::check_swaps;
    use gasledger::checks::Status;
    use gasledger::store::{Access, Store};
    let l = Ledger {
        dir: tempfile::tempdir().expect("temp dir"),
    };
    for f in ["03-month-outside-tolerance", "07-energy-basis"] {
        l.ok(&[
            "import",
            &format!("{}/ledgers/{f}.ledger", env!("CARGO_MANIFEST_DIR")),
        ]);
    }
    let store = Store::open(&l.db(), Access::Read, std::time::Duration::from_secs(10))
        .expect("open the store");
    let all = check_swaps(&store, None).expect("check 5");
    let checks: Vec<_> = all
        .iter()
        .filter(|c| c.check == gasledger::checks::CheckKind::Swap)
        .collect();
    let got: Vec<(String, String, String, String, Status)> = checks
        .iter()
        .map(|c| {
            (
                c.subject.split(" (").next().unwrap_or_default().to_string(),
                c.expected.plain(),
                c.actual.plain(),
                c.difference.plain(),
                c.status,
            )
        })
        .collect();
    let row = |s: &str, e: &str, a: &str, d: &str, st| {
        (
            s.to_string(),
            e.to_string(),
            a.to_string(),
            d.to_string(),
            st,
        )
    };
    // difference = actual − expected: exit − (entry − fee).
    assert_eq!(
        got,
        vec![
            row(
                "tm-ir-az 2023-01",
                "128.000",
                "128.000",
                "0.000",
                Status::Ok
            ),
            row(
                "tm-ir-az 2023-02",
                "128.000",
                "118.000",
                "-10.000",
                Status::OutsideTolerance
            ),
            row(
                "tm-ir-az 2023-03",
                "128.000",
                "131.000",
                "3.000",
                Status::Ok
            ),
            row(
                "tm-ir-az-energy 2023-01",
                "4928000",
                "4876800",
                "-51200",
                Status::Ok
            ),
            row(
                "tm-ir-az-energy 2023-02",
                "4668000",
                "4670600",
                "2600",
                Status::Ok
            ),
            row(
                "tm-ir-az-energy 2023-03",
                "5120000",
                "4736000",
                "-384000",
                Status::OutsideTolerance
            ),
        ]
    );
    assert_eq!(checks[2].subject, "tm-ir-az 2023-03 (cumulative 7.000 mcm)");
    // Every period also compares the fee booked with the terms': here they agree.
    let fees: Vec<_> = all
        .iter()
        .filter(|c| c.check == gasledger::checks::CheckKind::SwapFee)
        .collect();
    assert_eq!(fees.len(), 6);
    assert!(fees.iter().all(|c| c.status == Status::Ok), "{fees:?}");
    // As reconciliation rows; with --as-of, legs after the date are left out.
    assert_eq!(
        checks[1].subject,
        "tm-ir-az 2023-02 (cumulative 10.000 mcm)"
    );
    let as_of = "2023-02-15".parse().expect("date");
    let rows = check_swaps(&store, Some(as_of)).expect("rows");
    assert_eq!(rows.len(), 4, "January of each swap, imbalance and fee");
    assert!(rows.iter().all(|r| r.status == Status::Ok));
}
