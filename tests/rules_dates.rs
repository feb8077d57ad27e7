//! One rulebook on every entry path, for dates and for exact sums: a payment, offset, netting
//! or reversal is checked against the balances at its own date and may not make a later one
//! take more than was owed; a transaction is reversed once, never before it happened; a
//! balance that would need more digits than an exact decimal holds is refused. Each case goes
//! through the command, the journal import and (for the Writer) the library, and each refusal
//! leaves the store as it was (its journal export, byte for byte).

mod common;

use common::{Ledger, Run};
use gasledger::model::date::Date;
use gasledger::settle::{self, Entry};
use gasledger::store::Access;
use std::time::Duration;

/// USD (scale 2), the parties TM, IR, IQ, each one's cash and every receivable and payable
/// between them; nothing recorded.
fn parties() -> Ledger {
    let l = Ledger::new();
    l.run(&["commodity", "add", "USD", "--kind", "money", "--scale", "2"])
        .ok();
    let parties = ["TM", "IR", "IQ"];
    for p in parties {
        l.run(&["party", "add", p]).ok();
    }
    for a in parties {
        l.run(&["account", "add", &format!("{a}:cash")]).ok();
        for b in parties.iter().filter(|b| **b != a) {
            for kind in ["receivable", "payable"] {
                l.run(&["account", "add", &format!("{a}:{kind}:{b}")]).ok();
            }
        }
    }
    l
}

/// What the store holds, as a user sees all of it.
fn export(l: &Ledger) -> String {
    l.run(&["export", "--format", "journal"]).ok().stdout
}

/// A bad command: exit 2, `needle` on stderr, the store exactly as before.
fn refused(l: &Ledger, args: &[&str], needle: &str) -> Run {
    let before = export(l);
    let r = l.run(args).fails(2, needle);
    assert_eq!(export(l), before, "the store changed after {args:?}");
    l.run(&["verify"]).ok();
    r
}

/// A journal import that must be refused with `needle`, the store unchanged.
fn import_refused(l: &Ledger, name: &str, text: &str, needle: &str) {
    let before = export(l);
    l.import(name, text).fails(2, needle);
    assert_eq!(
        export(l),
        before,
        "the store changed after importing {name}"
    );
    l.run(&["verify"]).ok();
}

fn debt(l: &Ledger, debtor: &str, creditor: &str, amount: &str, date: &str) -> Run {
    l.run(&[
        "debt",
        "add",
        "--debtor",
        debtor,
        "--creditor",
        creditor,
        "--amount",
        amount,
        "--date",
        date,
    ])
}

fn pay(l: &Ledger, from: &str, to: &str, amount: &str, date: &str) -> Run {
    l.run(&[
        "pay", "--from", from, "--to", to, "--amount", amount, "--date", date,
    ])
}

/// A payment as a journal writes it (the postings `pay` records, no tag).
fn payment_journal(date: &str, from: &str, to: &str, amount: &str) -> String {
    format!(
        "{date} * Payment: {from} pays {to}\n    {from}:payable:{to}  {amount} USD\n    \
         {from}:cash  -{amount} USD\n    {to}:cash  {amount} USD\n    \
         {to}:receivable:{from}  -{amount} USD\n\n"
    )
}

const OFFSET_TERMS: &str = "agreement iq-ir-tm\n    kind       offset\n    debtor     IQ\n    \
                            via        IR\n    creditor   TM\n    commodity  USD\n    \
                            limit      1000.00\n";

// ---------------------------------------------------------------------------------------------
// Payments.

#[test]
fn a_payment_dated_before_its_debt_is_refused() {
    let l = parties();
    debt(&l, "IR", "TM", "100 USD", "2024-06-01").ok();
    let r = refused(
        &l,
        &[
            "pay",
            "--from",
            "IR",
            "--to",
            "TM",
            "--amount",
            "40 USD",
            "--date",
            "2024-01-01",
        ],
        "IR owes TM 0.00 USD; cannot pay 40.00 USD",
    );
    assert!(r.stderr.contains("2024-01-01"), "{r:#?}");
    let debts = l
        .run(&[
            "report",
            "debts",
            "--as-of",
            "2024-03-31",
            "--format",
            "csv",
        ])
        .ok()
        .stdout;
    assert_eq!(debts, "debtor,creditor,commodity,amount\n");
    // The same payment on or after the debt's date is fine.
    pay(&l, "IR", "TM", "40 USD", "2024-06-01").ok();
}

#[test]
fn a_back_dated_payment_may_not_overpay_from_a_later_one_on() {
    let l = parties();
    debt(&l, "IR", "TM", "100 USD", "2024-01-01").ok();
    pay(&l, "IR", "TM", "60 USD", "2024-05-01").ok();
    // On 2024-03-01 IR owes 100, but from 2024-05-01 on only 40 would be left for it.
    refused(
        &l,
        &[
            "pay",
            "--from",
            "IR",
            "--to",
            "TM",
            "--amount",
            "50 USD",
            "--date",
            "2024-03-01",
        ],
        "IR owes TM 40.00 USD; cannot pay 50.00 USD",
    );
    pay(&l, "IR", "TM", "40 USD", "2024-03-01").ok();
    l.run(&["reconcile"]).ok();
}

#[test]
fn an_imported_payment_dated_before_its_debt_is_refused() {
    let l = parties();
    debt(&l, "IR", "TM", "100 USD", "2024-06-01").ok();
    import_refused(
        &l,
        "early.journal",
        &payment_journal("2024-01-01", "IR", "TM", "40.00"),
        "takes 40.00 USD off what IR owes TM",
    );
    // Checked at the commit, the error still names the payment's place in its file (found
    // by its date and description: it has no id).
    let text = format!(
        "; a comment\n\n{}",
        payment_journal("2024-01-01", "IR", "TM", "40.00")
    );
    l.import("located.journal", &text)
        .fails(2, "located.journal:3:1: ");
    // A debt and its payment in one file, in any order of lines, are judged by their dates.
    let l = parties();
    let text = format!(
        "{}2024-01-01 * Debt\n    TM:receivable:IR  100.00 USD\n    IR:payable:TM  -100.00 USD\n\n",
        payment_journal("2024-02-01", "IR", "TM", "40.00")
    );
    l.import("both.journal", &text).ok();
    let back_dated = format!(
        "{}{}",
        payment_journal("2024-03-01", "IR", "TM", "50.00"),
        payment_journal("2024-01-15", "IR", "TM", "20.00")
    );
    import_refused(
        &l,
        "later.journal",
        &back_dated,
        "on 2024-03-01 IR would then owe -10.00 USD",
    );
}

#[test]
fn a_library_write_of_a_back_dated_payment_is_refused_at_its_commit() {
    let l = parties();
    debt(&l, "IR", "TM", "100 USD", "2024-06-01").ok();
    let before = export(&l);
    {
        let mut store =
            gasledger::ops::rulebook::open(&l.db(), Access::Write, Duration::from_secs(5)).unwrap();
        let amount = gasledger::model::amount::parse_amount("40.00 USD").unwrap();
        let e = Entry {
            date: Date::new(2024, 1, 1).unwrap(),
            id: None,
            memo: None,
        };
        let t = settle::payment_transaction("IR", "TM", &amount, &e);
        let mut w = store.writer().unwrap();
        w.append(t).unwrap();
        let err = w.commit().unwrap_err().to_string();
        assert!(err.contains("off what IR owes TM"), "{err}");
    }
    assert_eq!(export(&l), before);
}

// ---------------------------------------------------------------------------------------------
// Offsets and netting.

#[test]
fn an_offset_dated_before_the_debt_it_assigns_is_refused() {
    let l = parties();
    l.import("terms.journal", OFFSET_TERMS).ok();
    debt(&l, "IR", "TM", "500 USD", "2024-01-01").ok();
    debt(&l, "IQ", "IR", "300 USD", "2024-06-01").ok();
    refused(
        &l,
        &[
            "offset",
            "iq-ir-tm",
            "--amount",
            "200 USD",
            "--date",
            "2024-03-01",
        ],
        "it exceeds what IQ owes IR by 200.00 USD (IQ owes IR 0.00 USD)",
    );
    l.run(&["reconcile", "--as-of", "2024-03-31"]).ok();
    // Through a journal, tagged with the agreement.
    let offset = "2024-03-01 * Offset   ; agreement: iq-ir-tm\n    IQ:payable:IR  200.00 USD\n    \
                  IQ:payable:TM  -200.00 USD\n    IR:receivable:IQ  -200.00 USD\n    \
                  IR:payable:TM  200.00 USD\n    TM:receivable:IQ  200.00 USD\n    \
                  TM:receivable:IR  -200.00 USD\n";
    import_refused(
        &l,
        "offset.journal",
        offset,
        "takes 200.00 USD off what IQ owes IR",
    );
    l.run(&[
        "offset",
        "iq-ir-tm",
        "--amount",
        "200 USD",
        "--date",
        "2024-06-01",
    ])
    .ok();
    l.run(&["reconcile", "--as-of", "2024-06-30"]).ok();
}

#[test]
fn a_netting_dated_before_the_debts_it_closes_is_refused() {
    let l = parties();
    debt(&l, "IR", "TM", "100 USD", "2024-01-01").ok();
    debt(&l, "TM", "IQ", "60 USD", "2024-06-01").ok();
    refused(
        &l,
        &[
            "net",
            "--commodity",
            "USD",
            "--record",
            "--date",
            "2020-01-01",
        ],
        "dated 2020-01-01, takes",
    );
    // Between the two debts: TM owed IQ nothing yet.
    refused(
        &l,
        &[
            "net",
            "--commodity",
            "USD",
            "--record",
            "--date",
            "2024-03-01",
        ],
        "off what TM owes IQ",
    );
    let netting = "2024-03-01 * Netting   ; netting: USD\n    TM:receivable:IR  -100.00 USD\n    \
                   IR:payable:TM  100.00 USD\n    IQ:receivable:TM  -60.00 USD\n    \
                   TM:payable:IQ  60.00 USD\n    IR:cash  -100.00 USD\n    TM:cash  40.00 USD\n    \
                   IQ:cash  60.00 USD\n";
    import_refused(&l, "net.journal", netting, "off what TM owes IQ");
    l.run(&[
        "net",
        "--commodity",
        "USD",
        "--record",
        "--date",
        "2024-06-01",
    ])
    .ok();
    let debts = l.run(&["report", "debts", "--format", "csv"]).ok().stdout;
    assert_eq!(debts, "debtor,creditor,commodity,amount\n");
}

// ---------------------------------------------------------------------------------------------
// Reversals.

fn with_a_sale() -> Ledger {
    let l = parties();
    l.run(&["account", "add", "TM:revenue"]).ok();
    l.run(&[
        "record",
        "--date",
        "2024-03-01",
        "--desc",
        "sale",
        "--id",
        "sale-1",
        "--post",
        "TM:cash 10 USD",
        "--post",
        "TM:revenue -10 USD",
    ])
    .ok();
    l
}

#[test]
fn a_reversal_dated_before_what_it_reverses_is_refused() {
    let l = with_a_sale();
    refused(
        &l,
        &["reverse", "sale-1", "--date", "2024-02-01"],
        "cannot reverse sale-1: the reversal is dated 2024-02-01, before the transaction it \
         reverses (2024-03-01)",
    );
    let early =
        "2024-02-01 * Reversal   ; id: r-1, reverses: sale-1\n    TM:cash  -10.00 USD\n    \
                 TM:revenue  10.00 USD\n";
    import_refused(
        &l,
        "early.journal",
        early,
        "before the transaction it reverses",
    );
    l.run(&["reverse", "sale-1", "--date", "2024-03-01"]).ok();
}

#[test]
fn a_reversal_posts_the_exact_opposite_of_what_it_reverses() {
    let l = with_a_sale();
    let wrong =
        |posts: &str| format!("2024-03-05 * Reversal   ; id: r-1, reverses: sale-1\n{posts}");
    // More than the original: the balance would go past zero, not back to it.
    import_refused(
        &l,
        "more.journal",
        &wrong("    TM:cash  -13.00 USD\n    TM:revenue  13.00 USD\n"),
        "a reversal posts the exact opposite of the transaction it reverses",
    );
    // Onto another account, and the same sign as the original.
    l.run(&["account", "add", "TM:other"]).ok();
    import_refused(
        &l,
        "other.journal",
        &wrong("    TM:cash  -10.00 USD\n    TM:other  10.00 USD\n"),
        "exact opposite",
    );
    import_refused(
        &l,
        "same.journal",
        &wrong("    TM:cash  10.00 USD\n    TM:revenue  -10.00 USD\n"),
        "exact opposite",
    );
    // The refusal names the reversal's place in the file.
    l.import(
        "placed.journal",
        wrong("    TM:cash  -1.00 USD\n    TM:revenue  1.00 USD\n"),
    )
    .fails(2, "placed.journal:1:");
    // The exact opposite, in another order of postings and with its amounts at another
    // scale of writing, is a reversal.
    l.import(
        "right.journal",
        wrong("    TM:revenue  10 USD\n    TM:cash  -10.00 USD\n"),
    )
    .ok();
    assert!(l
        .balances_csv()
        .lines()
        .all(|line| !line.starts_with("TM:cash,")));
}

#[test]
fn a_transaction_is_reversed_once_on_every_path() {
    let l = with_a_sale();
    l.run(&["reverse", "sale-1", "--date", "2024-03-02"]).ok();
    let again = "2024-03-05 * Reversal again   ; id: r-2, reverses: sale-1\n    \
                 TM:cash  -10.00 USD\n    TM:revenue  10.00 USD\n";
    import_refused(
        &l,
        "again.journal",
        again,
        "it was reversed already on 2024-03-02",
    );
    refused(
        &l,
        &[
            "reverse",
            "sale-1",
            "--date",
            "2024-03-03",
            "--new-id",
            "other",
        ],
        "reversed already",
    );
    // Twice in one file, and a reversal of nothing.
    let l = with_a_sale();
    let twice = format!(
        "{again}\n{}",
        again.replace("r-2", "r-3").replace("again", "third")
    );
    import_refused(&l, "twice.journal", &twice, "reversed already");
    let nothing = "2024-03-05 * Reversal   ; id: r-9, reverses: no-such\n    \
                   TM:cash  -10.00 USD\n    TM:revenue  10.00 USD\n";
    import_refused(
        &l,
        "nothing.journal",
        nothing,
        "cannot reverse no-such: no transaction has this id",
    );
}

#[test]
fn reversing_a_debt_that_was_paid_is_refused() {
    let l = parties();
    l.run(&[
        "debt",
        "add",
        "--debtor",
        "IR",
        "--creditor",
        "TM",
        "--amount",
        "100 USD",
        "--date",
        "2024-01-01",
        "--id",
        "d-1",
    ])
    .ok();
    pay(&l, "IR", "TM", "100 USD", "2024-02-01").ok();
    refused(
        &l,
        &["reverse", "d-1", "--date", "2024-03-01"],
        "off what IR owes TM",
    );
}

// ---------------------------------------------------------------------------------------------
// Exact sums.

const BIG: &str = "99999999999999999999999999.99";

#[test]
fn a_balance_past_the_exact_range_is_refused_not_rounded() {
    let l = parties();
    for a in ["IR:big", "IR:other"] {
        l.run(&["account", "add", a]).ok();
    }
    let post = |n: usize| {
        l.run(&[
            "record",
            "--date",
            "2024-01-01",
            "--desc",
            &format!("big {n}"),
            "--post",
            &format!("IR:big {BIG} USD"),
            "--post",
            &format!("IR:other -{BIG} USD"),
        ])
    };
    for n in 0..7 {
        post(n).ok();
    }
    let before = export(&l);
    post(7).fails(
        2,
        "the balance of IR:big in USD exceeds the range of an exact decimal",
    );
    assert_eq!(export(&l), before);
    let v = l.run(&["verify"]).ok();
    assert!(v.stdout.starts_with("ok: 7 transactions"), "{v:#?}");
    let balances = l.balances_csv();
    assert!(
        balances.contains("IR:big,USD,699999999999999999999999999.93\n"),
        "{balances}"
    );
}

#[test]
fn an_imported_balance_past_the_exact_range_is_refused() {
    let l = parties();
    let mut text = String::from("account IR:big\naccount IR:other\n\n");
    for n in 0..9 {
        text.push_str(&format!(
            "2024-01-01 * big {n}\n    IR:big  {BIG} USD\n    IR:other  -{BIG} USD\n\n"
        ));
    }
    text.push_str("2024-01-01 * small\n    IR:big  0.01 USD\n    IR:other  -0.01 USD\n");
    import_refused(
        &l,
        "big.journal",
        &text,
        "exceeds the range of an exact decimal",
    );
    // A transaction whose own postings cannot be summed exactly is refused too.
    let one = format!(
        "account IR:big\naccount IR:other\n\n2024-01-01 * one\n    IR:big  {BIG} USD\n    \
         IR:big  {BIG} USD\n    IR:big  {BIG} USD\n    IR:big  {BIG} USD\n    IR:big  {BIG} USD\n    \
         IR:big  {BIG} USD\n    IR:big  {BIG} USD\n    IR:big  {BIG} USD\n    IR:other\n"
    );
    import_refused(
        &l,
        "one.journal",
        &one,
        "exceeds the range of an exact decimal",
    );
}

#[test]
fn a_large_import_reads_its_own_blocks_back_for_the_rules() {
    // More than a block (1,024 transactions) between a debt and its payment in one file: the
    // writer reads back the blocks it wrote ahead, as well as its tail.
    let l = parties();
    let mut text = String::from("account TM:revenue\n\n");
    text.push_str(
        "2024-02-01 * Debt   ; id: d-1\n    TM:receivable:IR  100.00 USD\n    IR:payable:TM  -100.00 USD\n\n",
    );
    text.push_str(
        "2024-02-01 * Sale   ; id: s-1\n    TM:cash  1.00 USD\n    TM:revenue  -1.00 USD\n\n",
    );
    for i in 0..2100 {
        text.push_str(&format!(
            "2024-03-01 * filler {i}\n    TM:cash  1.00 USD\n    TM:revenue  -1.00 USD\n\n"
        ));
    }
    let early = format!(
        "{text}{}",
        payment_journal("2024-01-15", "IR", "TM", "40.00")
    );
    import_refused(
        &l,
        "early.journal",
        &early,
        "takes 40.00 USD off what IR owes TM",
    );
    let reversal_early = format!(
        "{text}2024-01-01 * Reversal   ; id: r-1, reverses: s-1\n    TM:cash  -1.00 USD\n    \
         TM:revenue  1.00 USD\n"
    );
    import_refused(
        &l,
        "reversal.journal",
        &reversal_early,
        "before the transaction it reverses (2024-02-01)",
    );
    let fine = format!(
        "{text}{}2024-04-01 * Reversal   ; id: r-1, reverses: s-1\n    TM:cash  -1.00 USD\n    \
         TM:revenue  1.00 USD\n",
        payment_journal("2024-04-01", "IR", "TM", "40.00")
    );
    // Dated after every filler, the payment finds the debt in a block written ahead through
    // that block's summary; paying more than the debt is still refused.
    let over = format!(
        "{text}{}",
        payment_journal("2024-04-01", "IR", "TM", "120.00")
    );
    import_refused(&l, "over.journal", &over, "IR would then owe -20.00 USD");
    l.import("fine.journal", &fine).ok();
    let debts = l.run(&["report", "debts", "--format", "csv"]).ok().stdout;
    assert_eq!(debts, "debtor,creditor,commodity,amount\nIR,TM,USD,60.00\n");
}
