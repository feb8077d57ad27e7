//! Fixings and payments in another currency through the real binary (issue 19): `price add`
//! and the `P` directive recorded once, refused with another rate, written back by every
//! export and read back; `pay --settles` converting at the fixing of its date, rounding the
//! obligation once, each party's books balanced in each commodity, the debts reduced by what
//! it settled; a missing fixing refused; a journal payment held to its fixing; the peers
//! reading it all.

mod common;

use common::peers::{cross_check, export_books, parties, Tools};
use common::{Ledger, Run};
use serde_json::Value;

/// USD and EUR (scale 2), the parties IQ and TM, and Iraq's debt of 5,000,000.00 USD to
/// Turkmenistan.
fn iraq_owes_dollars() -> Ledger {
    let l = Ledger::new();
    for code in ["USD", "EUR"] {
        l.run(&["commodity", "add", code, "--kind", "money", "--scale", "2"])
            .ok();
    }
    for p in ["IQ", "TM"] {
        l.run(&["party", "add", p]).ok();
    }
    l.run(&[
        "debt",
        "add",
        "--debtor",
        "IQ",
        "--creditor",
        "TM",
        "--amount",
        "5000000 USD",
        "--date",
        "2022-01-01",
        "--id",
        "debt",
    ])
    .ok();
    l
}

fn price(l: &Ledger, commodity: &str, date: &str, rate: &str) -> Run {
    l.run(&["price", "add", commodity, "--date", date, "--rate", rate])
}

fn pay_eur(l: &Ledger, amount: &str, date: &str, id: &str) -> Run {
    l.run(&[
        "pay",
        "--from",
        "IQ",
        "--to",
        "TM",
        "--amount",
        amount,
        "--settles",
        "USD",
        "--date",
        date,
        "--id",
        id,
    ])
}

fn p_lines(export: &str) -> Vec<&str> {
    export.lines().filter(|l| l.starts_with("P ")).collect()
}

#[test]
fn a_fixing_is_recorded_once_and_never_changed() {
    let l = iraq_owes_dollars();
    let out = price(&l, "EUR", "2022-09-30", "1.05663 USD").ok().stdout;
    assert_eq!(out, "recorded fixing 2022-09-30: 1 EUR = 1.05663 USD\n");
    // The same rate again, trailing zero or not, changes nothing.
    for rate in ["1.05663 USD", "1.056630 USD"] {
        let out = price(&l, "EUR", "2022-09-30", rate).ok().stdout;
        assert!(
            out.contains("is recorded already; nothing changed"),
            "{out}"
        );
    }
    price(&l, "EUR", "2022-09-30", "1.0567 USD").fails(
        2,
        "EUR is fixed already at 1.05663 USD on 2022-09-30; a fixing is never changed (given \
         1.0567 USD)",
    );
    for (commodity, rate, why) in [
        ("GBP", "1.2 USD", "commodity GBP is not declared"),
        ("EUR", "1.2 GBP", "commodity GBP is not declared"),
        ("EUR", "1 EUR", "a commodity has no rate in itself"),
        ("EUR", "0 USD", "the rate must be positive"),
        ("EUR", "-1.05 USD", "the rate must be positive"),
    ] {
        price(&l, commodity, "2022-10-03", rate).fails(2, why);
    }
    // Another day, or the other direction, is another fixing.
    price(&l, "EUR", "2022-10-03", "0.9764 USD").ok();
    price(&l, "USD", "2022-09-30", "0.94640 EUR").ok();
    assert_eq!(
        p_lines(&l.export()),
        [
            "P 2022-09-30 EUR 1.05663 USD",
            "P 2022-10-03 EUR 0.9764 USD",
            "P 2022-09-30 USD 0.94640 EUR",
        ]
    );
}

#[test]
fn p_directives_import_once_and_round_trip_through_every_export() {
    let l = iraq_owes_dollars();
    let journal = "P 2022-09-30 EUR 1.0566 USD   ; ECB reference rate\n\
                   P 2022/10/03 EUR 0.97640 USD\n";
    let out = l.import("rates.journal", journal).ok().stdout;
    assert!(out.contains(", 2 fixings\n"), "{out}");
    // The same fixings in another file change nothing; another rate stops the whole file.
    let out = l
        .import("again.journal", "P 2022-09-30 EUR 1.05660 USD\n")
        .ok()
        .stdout;
    assert!(!out.contains("fixing"), "{out}");
    let before = l.export();
    l.import(
        "conflict.journal",
        "P 2022-10-04 EUR 0.98 USD\nP 2022-10-03 EUR 0.9765 USD\n",
    )
    .fails(
        2,
        "conflict.journal:2:1: EUR is fixed already at 0.97640 USD on 2022-10-03",
    );
    assert_eq!(l.export(), before, "a refused import adds nothing");

    assert_eq!(
        p_lines(&before),
        [
            "P 2022-09-30 EUR 1.0566 USD",
            "P 2022-10-03 EUR 0.97640 USD"
        ]
    );
    // The journal round-trips; hledger, ledger-cli and beancount get the same prices.
    let again = Ledger::new();
    again.import("export.journal", &before).ok();
    assert_eq!(again.export(), before);
    let hledger = l.ok(&["export", "--format", "hledger"]);
    let ledger = l.ok(&["export", "--format", "ledger"]);
    let beancount = l.ok(&["export", "--format", "beancount"]);
    assert!(hledger.contains("\nP 2022-09-30 EUR 1.0566 USD\nP 2022-10-03 EUR 0.97640 USD\n"));
    assert!(ledger.contains("\nP 2022-09-30 EUR 1.0566 USD\nP 2022-10-03 EUR 0.97640 USD\n"));
    assert!(
        beancount.contains("\n2022-09-30 price EUR 1.0566 USD\n2022-10-03 price EUR 0.97640 USD\n")
    );
    let json: Value = serde_json::from_str(&l.ok(&["export", "--format", "json"])).unwrap();
    assert_eq!(json["fixings"][1]["rate"]["value"], "0.97640");
    assert_eq!(json["fixings"][1]["date"], "2022-10-03");
}

/// 1,234,567.89 EUR at 1.05663 is 1,304,481.4696107 USD: more decimals than USD allows.
const PAYMENT: &str = "\
2022-09-30 * Payment: IQ pays TM in EUR, settling USD  ; id: eur-1, settles: USD, rate: 1.05663 USD, exchange-difference: -0.0003893 USD
    IQ:payable:TM      1304481.47 USD
    IQ:fx:exchange    -1304481.47 USD
    IQ:fx:exchange     1234567.89 EUR
    IQ:cash           -1234567.89 EUR
    TM:cash            1234567.89 EUR
    TM:fx:exchange    -1234567.89 EUR
    TM:fx:exchange     1304481.47 USD
    TM:receivable:IQ  -1304481.47 USD
";

#[test]
fn paying_in_euros_settles_dollars_rounded_once_and_each_party_balances() {
    let l = iraq_owes_dollars();
    price(&l, "EUR", "2022-09-30", "1.05663 USD").ok();
    let out = pay_eur(&l, "1234567.89 EUR", "2022-09-30", "eur-1")
        .ok()
        .stdout;
    assert_eq!(
        out,
        "recorded 2022-09-30 payment: IQ pays TM 1,234,567.89 EUR at 1.05663 USD (fixing of \
         2022-09-30) = 1,304,481.4696107 USD, settles 1,304,481.47 USD, exchange difference \
         -0.0003893 USD (transaction 1, id eur-1); IQ owes TM 3,695,518.53 USD now\n"
    );
    let export = l.export();
    assert!(export.contains(PAYMENT), "{export}");
    // The debt shrinks by what was settled; cash moves in euros; the exchange accounts hold
    // the exchange, each side balanced in each commodity.
    assert_eq!(
        l.balances_csv(),
        "account,commodity,balance\n\
         IQ:cash,EUR,-1234567.89\n\
         IQ:expense:gas,USD,5000000.00\n\
         IQ:fx:exchange,EUR,1234567.89\n\
         IQ:fx:exchange,USD,-1304481.47\n\
         IQ:payable:TM,USD,-3695518.53\n\
         TM:cash,EUR,1234567.89\n\
         TM:fx:exchange,EUR,-1234567.89\n\
         TM:fx:exchange,USD,1304481.47\n\
         TM:receivable:IQ,USD,3695518.53\n\
         TM:revenue:gas,USD,-5000000.00\n"
    );
    assert_eq!(
        l.ok(&["report", "debts", "--format", "csv"]),
        "debtor,creditor,commodity,amount\nIQ,TM,USD,3695518.53\n"
    );
    let json: Value =
        serde_json::from_str(&l.ok(&["reconcile", "--format", "json"])).expect("json");
    assert_eq!(json["ok"], true, "{json}");
    let party_rows: Vec<&Value> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == "party-balance")
        .collect();
    assert_eq!(party_rows.len(), 2, "{json}");
    assert!(party_rows.iter().all(|c| c["status"] == "ok"), "{json}");
    // Again with the same id: nothing changes.
    let out = pay_eur(&l, "1234567.89 EUR", "2022-09-30", "eur-1")
        .ok()
        .stdout;
    assert!(
        out.starts_with("already recorded 2022-09-30 payment"),
        "{out}"
    );
    assert_eq!(l.export(), export);
    // Each party's own books export, and read back as they are.
    for party in ["IQ", "TM"] {
        let books = l.ok(&["export", "--party", party]);
        assert!(books.contains("P 2022-09-30 EUR 1.05663 USD\n"), "{books}");
        let own = Ledger::new();
        own.import("books.journal", &books).ok();
        own.run(&["reconcile"]).ok();
    }
}

#[test]
fn ties_go_to_the_even_cent() {
    let l = iraq_owes_dollars();
    price(&l, "EUR", "2022-09-30", "1.05 USD").ok();
    // 0.10 EUR × 1.05 = 0.105 USD → 0.10; 0.30 EUR × 1.05 = 0.315 USD → 0.32.
    let out = pay_eur(&l, "0.10 EUR", "2022-09-30", "a").ok().stdout;
    assert!(
        out.contains("= 0.105 USD, settles 0.10 USD, exchange difference 0.005 USD"),
        "{out}"
    );
    let out = pay_eur(&l, "0.30 EUR", "2022-09-30", "b").ok().stdout;
    assert!(
        out.contains("= 0.315 USD, settles 0.32 USD, exchange difference -0.005 USD"),
        "{out}"
    );
    assert!(out.ends_with("IQ owes TM 4,999,999.58 USD now\n"), "{out}");
}

#[test]
fn a_payment_settles_at_the_fixing_of_its_own_date_or_not_at_all() {
    let l = iraq_owes_dollars();
    pay_eur(&l, "100 EUR", "2022-09-30", "p").fails(
        2,
        "no fixing of EUR in USD on 2022-09-30 to convert 100.00 EUR at: a payment settles at \
         the fixing of its own date (record it with `price add EUR --date 2022-09-30 --rate \
         \"RATE USD\"`)",
    );
    price(&l, "EUR", "2022-09-29", "0.9706 USD").ok();
    price(&l, "GBP", "2022-09-30", "1.1 USD").fails(2, "commodity GBP is not declared");
    let before = l.export();
    pay_eur(&l, "100 EUR", "2022-09-30", "p")
        .fails(2, "; the latest before it is 2022-09-29 (0.9706 USD)");
    // Beyond what is owed once converted: refused in the obligation's currency.
    price(&l, "EUR", "2022-09-30", "1.05663 USD").ok();
    pay_eur(&l, "5000000 EUR", "2022-09-30", "p")
        .fails(2, "IQ owes TM 5000000.00 USD; cannot pay 5283150.00 USD");
    pay_eur(&l, "100.001 EUR", "2022-09-30", "p").fails(2, "has 3 decimal places but EUR allows 2");
    l.run(&[
        "pay",
        "--from",
        "IQ",
        "--to",
        "TM",
        "--amount",
        "100 EUR",
        "--settles",
        "XAU",
        "--date",
        "2022-09-30",
    ])
    .fails(2, "commodity XAU is not declared");
    let mut after = before.clone();
    after = after.replace(
        "P 2022-09-29 EUR 0.9706 USD\n",
        "P 2022-09-29 EUR 0.9706 USD\nP 2022-09-30 EUR 1.05663 USD\n",
    );
    assert_eq!(l.export(), after, "nothing but the fixing was recorded");
}

#[test]
fn a_journal_payment_tagged_settles_is_held_to_its_fixing() {
    let l = iraq_owes_dollars();
    let accounts = "account IQ:cash  ; type: asset\naccount IQ:fx:exchange  ; type: equity\n\
                    account TM:cash  ; type: asset\naccount TM:fx:exchange  ; type: equity\n\n";
    // No fixing recorded before it.
    l.import("early.journal", format!("{accounts}{PAYMENT}"))
        .fails(
            2,
            "payment settling USD: no fixing of EUR in USD on 2022-09-30 is recorded",
        );
    // A cent off what the fixing settles.
    let off = PAYMENT.replace("1304481.47 USD", "1304481.48 USD").replace(
        "exchange-difference: -0.0003893 USD",
        "exchange-difference: -0.0103893 USD",
    );
    l.import(
        "off.journal",
        format!("P 2022-09-30 EUR 1.05663 USD\n\n{accounts}{off}"),
    )
    .fails(
        2,
        "1234567.89 EUR at the fixing of 2022-09-30 (1.05663 USD) settles 1304481.47 USD",
    );
    // A wrong rate in the tag.
    let tagged = PAYMENT.replace("rate: 1.05663 USD", "rate: 1.06 USD");
    l.import(
        "tag.journal",
        format!("P 2022-09-30 EUR 1.05663 USD\n\n{accounts}{tagged}"),
    )
    .fails(2, "the tag rate: 1.06 USD should be rate: 1.05663 USD");
    // As `pay` writes it: accepted, and the same as the command's.
    l.import(
        "right.journal",
        format!("P 2022-09-30 EUR 1.05663 USD\n\n{accounts}{PAYMENT}"),
    )
    .ok();
    let by_command = iraq_owes_dollars();
    price(&by_command, "EUR", "2022-09-30", "1.05663 USD").ok();
    pay_eur(&by_command, "1234567.89 EUR", "2022-09-30", "eur-1").ok();
    assert_eq!(l.balances_csv(), by_command.balances_csv());
    l.run(&["reconcile"]).ok();
}

#[test]
fn the_peers_read_a_payment_in_euros_and_each_party_books() {
    let tools = Tools::find();
    tools.report("currencies");
    let l = iraq_owes_dollars();
    price(&l, "EUR", "2022-09-30", "1.05663 USD").ok();
    price(&l, "EUR", "2022-12-30", "1.0666 USD").ok();
    pay_eur(&l, "1234567.89 EUR", "2022-09-30", "eur-1").ok();
    pay_eur(&l, "350000.35 EUR", "2022-12-30", "eur-2").ok();
    let db = l.db();
    let mut problems = Vec::new();
    let whole = export_books(&db, l.dir.path(), None).unwrap_or_else(|e| panic!("{e}"));
    problems.extend(cross_check(&tools, &whole));
    for party in parties(&db).unwrap_or_else(|e| panic!("{e}")) {
        let books = export_books(&db, l.dir.path(), Some(&party)).unwrap_or_else(|e| panic!("{e}"));
        problems.extend(
            cross_check(&tools, &books)
                .into_iter()
                .map(|p| format!("{party}'s books: {p}")),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
