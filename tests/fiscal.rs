//! `--fiscal iran|MM-DD` through the real binary: the Iranian year 1401 of scenario 12 (table
//! and CSV, figures checked by hand in the scenario's header), `--fiscal 03-21` against
//! `--fiscal iran` around a Nowruz on March 20, the settlement statement by fiscal years, and
//! the errors (exit status 2).

mod common;

use common::Ledger;

const IRANIAN_YEAR: &str = "ledgers/12-iranian-year-1401.ledger";

fn scenario_12() -> Ledger {
    let l = Ledger::new();
    l.ok(&["import", IRANIAN_YEAR]);
    l
}

#[test]
fn the_iranian_year_1401_as_a_table_and_as_csv() {
    let l = scenario_12();
    assert_eq!(
        l.ok(&["report", "swap", "tm-ir-az", "--fiscal", "iran"]),
        "\
swap tm-ir-az: TM -> IR -> AZ, mcm per monthly period, fee 20%, tolerance 2%
by Iranian years (Solar Hijri, from Nowruz): each year's band and status; the fee the terms call for is still per monthly period
period      entry      fee       exit  imbalance  cumulative  status  contract_fee  fee_difference  tolerance
------  ---------  -------  ---------  ---------  ----------  ------  ------------  --------------  ---------
1400      324.003   64.801    256.000      3.202       3.202  ok            64.801           0.000      6.480
1401    1,915.997  383.199  1,533.000     -0.202       3.000  ok           383.199           0.000     38.319
1402      320.000   64.000    259.000     -3.000       0.000  ok            64.000           0.000      6.400
"
    );
    assert_eq!(
        l.ok(&["report", "swap", "tm-ir-az", "--fiscal", "iran", "--format", "csv"]),
        "\
period,entry,fee,exit,imbalance,cumulative,status,contract_fee,fee_difference,tolerance
1400,324.003,64.801,256.000,3.202,3.202,ok,64.801,0.000,6.480
1401,1915.997,383.199,1533.000,-0.202,3.000,ok,383.199,0.000,38.319
1402,320.000,64.000,259.000,-3.000,0.000,ok,64.000,0.000,6.400
"
    );
    // 1401 alone, by any date inside it; the cumulative still carries 1400's 3.202.
    let only = l.ok(&[
        "report",
        "swap",
        "tm-ir-az",
        "--fiscal",
        "iran",
        "--from",
        "2022-03-21",
        "--to",
        "2023-03-20",
        "--format",
        "csv",
    ]);
    assert_eq!(
        only.lines().nth(1),
        Some("1401,1915.997,383.199,1533.000,-0.202,3.000,ok,383.199,0.000,38.319")
    );
    assert_eq!(only.lines().count(), 2, "{only}");
    // JSON carries the same fields.
    let json = l.ok(&[
        "report", "swap", "tm-ir-az", "--fiscal", "iran", "--format", "json",
    ]);
    assert!(json.contains("\"period\": \"1401\""), "{json}");
    assert!(json.contains("\"entry\": \"1915.997\""), "{json}");
}

#[test]
fn fixed_first_days_label_the_years_they_span() {
    let l = scenario_12();
    // Nowruz fell on March 21 in 2021, 2022 and 2023: from 03-21, the same years as Iran's.
    let from_0321 = l.ok(&[
        "report", "swap", "tm-ir-az", "--fiscal", "03-21", "--format", "csv",
    ]);
    let iran = l.ok(&[
        "report", "swap", "tm-ir-az", "--fiscal", "iran", "--format", "csv",
    ]);
    let relabelled = iran
        .replace("\n1400,", "\n2021/22,")
        .replace("\n1401,", "\n2022/23,")
        .replace("\n1402,", "\n2023/24,");
    assert_eq!(from_0321, relabelled);
    // The calendar year: 2022 is January to December.
    let calendar = l.ok(&[
        "report", "swap", "tm-ir-az", "--fiscal", "01-01", "--format", "csv",
    ]);
    assert_eq!(
        calendar,
        "\
period,entry,fee,exit,imbalance,cumulative,status,contract_fee,fee_difference,tolerance
2022,1920.000,384.000,1536.000,0.000,0.000,ok,384.000,0.000,38.400
2023,640.000,128.000,512.000,0.000,0.000,ok,128.000,0.000,12.800
"
    );
}

/// A daily swap with legs from 2024-03-19 to 2024-03-21: Nowruz 1403 fell on March 20, so
/// `iran` starts the new year a day before `03-21` does.
fn around_nowruz_1403() -> Ledger {
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
        &["party", "add", "TM", "--name", "Turkmenistan"],
        &["party", "add", "IR", "--name", "Iran"],
        &["party", "add", "AZ", "--name", "Azerbaijan"],
        &[
            "agreement",
            "add",
            "tm-ir-az",
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
            "10%",
            "--tolerance",
            "2%",
            "--period",
            "daily",
        ],
    ] {
        l.ok(args);
    }
    for (date, volume) in [
        ("2024-03-19", "100 mcm"),
        ("2024-03-20", "200 mcm"),
        ("2024-03-21", "400 mcm"),
    ] {
        l.ok(&[
            "swap", "entry", "tm-ir-az", "--date", date, "--volume", volume,
        ]);
    }
    l
}

#[test]
fn iran_and_03_21_differ_when_nowruz_is_on_march_20() {
    let l = around_nowruz_1403();
    let first_columns = |fiscal: &str| -> Vec<String> {
        l.ok(&[
            "report", "swap", "tm-ir-az", "--fiscal", fiscal, "--format", "csv",
        ])
        .lines()
        .skip(1)
        .map(|r| r.split(',').take(3).collect::<Vec<_>>().join(","))
        .collect()
    };
    // Iran: 2024-03-19 is the last day of 1402; 1403 begins on 2024-03-20.
    assert_eq!(
        first_columns("iran"),
        ["1402,100.000,10.000", "1403,600.000,60.000"]
    );
    // From March 21: 2024-03-20 is still in 2023/24.
    assert_eq!(
        first_columns("03-21"),
        ["2023/24,300.000,30.000", "2024/25,400.000,40.000"]
    );
}

#[test]
fn settlement_statements_by_fiscal_year() {
    let l = scenario_12();
    let csv = l.ok(&[
        "report",
        "settlements",
        "IR",
        "TM",
        "--fiscal",
        "iran",
        "--format",
        "csv",
    ]);
    let balances: Vec<&str> = csv.lines().filter(|r| r.contains(" balance ")).collect();
    assert_eq!(
        balances,
        [
            "2021-03-21,,opening balance 1400,mcm,0.000,0.000,0.000",
            "2022-03-20,,closing balance 1400,mcm,-3.202,3.202,0.000",
            "2022-03-21,,opening balance 1401,mcm,-3.202,3.202,0.000",
            "2023-03-20,,closing balance 1401,mcm,-3.000,3.000,0.000",
            "2023-03-21,,opening balance 1402,mcm,-3.000,3.000,0.000",
            "2023-04-30,,closing balance 1402,mcm,0.000,0.000,0.000",
        ]
    );
    assert_eq!(
        csv.lines().next(),
        Some("date,id,description,commodity,a_side,b_side,difference")
    );
    // Every movement is still there, once: 16 entries and 32 exits, plus March 2022's second.
    assert_eq!(csv.lines().count(), 1 + 6 + 49);
    // The sentence is the statement's, at its last movement.
    let table = l.ok(&["report", "settlements", "TM", "IR", "--fiscal", "iran"]);
    assert!(table.starts_with(
        "Settlement statement between TM and IR: every recorded movement, by Iranian years (Solar Hijri, from Nowruz).\n"
    ), "{table}");
    assert!(table.contains("total movements 1401"), "{table}");
    assert!(
        table.ends_with("At 2023-04-30, nothing is owed between TM and IR.\n"),
        "{table}"
    );
}

#[test]
fn a_statement_from_a_date_opens_its_first_year_there() {
    let l = scenario_12();
    // From a date inside 1401: its opening is at that date, with what moved before it.
    let balances_from = |from: &str| -> Vec<String> {
        l.ok(&[
            "report",
            "settlements",
            "TM",
            "IR",
            "--fiscal",
            "iran",
            "--from",
            from,
            "--format",
            "csv",
        ])
        .lines()
        .filter(|r| r.contains(" balance "))
        .map(str::to_string)
        .collect()
    };
    assert_eq!(
        balances_from("2023-02-01"),
        [
            "2023-02-01,,opening balance 1401,mcm,0.000,0.000,0.000",
            "2023-03-20,,closing balance 1401,mcm,3.000,-3.000,0.000",
            "2023-03-21,,opening balance 1402,mcm,3.000,-3.000,0.000",
            "2023-04-30,,closing balance 1402,mcm,0.000,0.000,0.000",
        ]
    );
    // Nothing moves from 2023-03-01 to Nowruz: the first year shown is 1402, from its first day.
    assert_eq!(
        balances_from("2023-03-01"),
        [
            "2023-03-21,,opening balance 1402,mcm,3.000,-3.000,0.000",
            "2023-04-30,,closing balance 1402,mcm,0.000,0.000,0.000",
        ]
    );
    // By calendar years (01-01), the years are labelled 2022 and 2023.
    let calendar = l.ok(&[
        "report",
        "settlements",
        "TM",
        "IR",
        "--fiscal",
        "01-01",
        "--format",
        "csv",
    ]);
    assert!(calendar.contains("\n2022-12-31,,closing balance 2022,mcm,0.000,0.000,0.000\n"));
    assert!(calendar.contains("\n2023-01-01,,opening balance 2023,mcm,0.000,0.000,0.000\n"));
}

#[test]
fn what_is_not_a_fiscal_year_exits_2() {
    let l = scenario_12();
    for (bad, says) in [
        (
            "13-01",
            "a fiscal year cannot start on 13-01: there is no month 13",
        ),
        (
            "02-30",
            "a fiscal year cannot start on 02-30: month 2 has 28 days",
        ),
        (
            "04-31",
            "a fiscal year cannot start on 04-31: month 4 has 30 days",
        ),
        ("02-29", "most years have no February 29"),
        ("Iran", "expected a fiscal year as iran or MM-DD"),
        ("4-1", "expected a fiscal year as iran or MM-DD"),
    ] {
        for report in [
            &["report", "swap", "tm-ir-az"][..],
            &["report", "settlements", "IR", "TM"],
        ] {
            let mut args = report.to_vec();
            args.extend(["--fiscal", bad]);
            l.run(&args).fails(2, says);
        }
    }
}

#[test]
fn a_date_outside_the_published_iranian_years_is_refused_not_guessed() {
    let l = around_nowruz_1403();
    l.ok(&[
        "swap",
        "entry",
        "tm-ir-az",
        "--date",
        "2121-01-31",
        "--volume",
        "100 mcm",
    ]);
    let says = "2121-01-31 is outside the Iranian years 1206 to 1498 (1827-03-22 to 2120-03-20)";
    l.run(&["report", "swap", "tm-ir-az", "--fiscal", "iran"])
        .fails(2, says);
    l.run(&["report", "settlements", "IR", "TM", "--fiscal", "iran"])
        .fails(2, says);
    // A fixed first day has no such limit.
    let csv = l.ok(&[
        "report", "swap", "tm-ir-az", "--fiscal", "04-01", "--format", "csv",
    ]);
    assert!(csv.contains("\n2120/21,100.000,"), "{csv}");
}
