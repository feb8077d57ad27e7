//! Limits, through the real binary: each has a constant, is accepted at the limit and refused
//! one past it with exit status 2 and a message that names the limit, and a refusal leaves the
//! store exactly as it was (the whole ledger exported, and what `verify` says, are unchanged).
//!
//! Accounts per store (`ACCOUNTS_MAX`, a million) is checked through the library instead: see
//! `accounts_per_store_at_and_past_the_limit`. The schema version of the store comes last.

mod common;

use common::{Ledger, Run};
use gasledger::journal::LINE_LEN_MAX;
use gasledger::model::account::{Account, Party};
use gasledger::model::amount::{Commodity, Kind, CODE_LEN_MAX};
use gasledger::model::chart::Chart;
use gasledger::model::error::LedgerError;
use gasledger::model::limits::{
    ACCOUNTS_MAX, ACCOUNT_LEN_MAX, DESCRIPTION_LEN_MAX, ID_LEN_MAX, PARTY_CODE_LEN_MAX,
    POSTINGS_MAX, TAGS_MAX,
};
use std::path::Path;

/// The small chart of `Ledger::with_chart` and one transaction, so that "unchanged" has
/// something to compare.
/// Transactions here balance against `AZ:gas:received`, an account with no rules of its own
/// (a receivable would make a payment of nothing, which the date rules refuse).
fn ledger() -> Ledger {
    Ledger::with_one_entry()
}

/// What a user can see of the store: the whole ledger as a journal, and `verify`'s summary
/// (which counts the transactions and checks every hash link).
fn state(l: &Ledger) -> (String, String) {
    (
        l.run(&["export"]).ok().stdout,
        l.run(&["verify"]).ok().stdout,
    )
}

/// Run something that must be refused: exit 2, `needle` in the message, store unchanged.
fn refused(l: &Ledger, needle: &str, run: impl FnOnce(&Ledger) -> Run) -> Run {
    let before = state(l);
    let r = run(l).fails(2, needle);
    assert_eq!(state(l), before, "a refused command changed the store");
    r
}

/// Write `text` to `name` in the ledger's temp folder; its path as a string.
fn journal(l: &Ledger, name: &str, text: &str) -> String {
    l.file(name, text).display().to_string()
}

fn import(l: &Ledger, path: &str) -> Run {
    l.run(&["import", path])
}

fn txn_count(l: &Ledger) -> String {
    l.run(&["verify"]).ok().stdout
}

// ---------------------------------------------------------------------------------------------
// Line length: LINE_LEN_MAX bytes

#[test]
fn line_length_at_and_past_the_limit() {
    let l = ledger();
    let txn = |id: &str| {
        format!("2022-02-01 * Astara exit  ; id: {id}\n    AZ:gas:received  10 mcm\n    IR:swap:tm-ir-az\n")
    };
    // A comment line of exactly LINE_LEN_MAX bytes (the line ending not counted) is read.
    let at = format!("; {}", "x".repeat(LINE_LEN_MAX - 2));
    assert_eq!(at.len(), LINE_LEN_MAX);
    let ok = journal(&l, "at.ledger", &format!("{}{at}\n", txn("exit-1")));
    import(&l, &ok).ok();
    assert!(l.balances_csv().contains("AZ:gas:received,mcm,10.000"));
    // The same with "\r\n": the ending is not part of the line.
    let ok = journal(&l, "at-crlf.ledger", &format!("{}{at}\r\n", txn("exit-2")));
    import(&l, &ok).ok();
    assert!(l.balances_csv().contains("AZ:gas:received,mcm,20.000"));
    // One byte more is refused, with the file and the line; the transaction before it is not
    // loaded either (all or nothing).
    let past = format!("{at}x");
    let bad = journal(&l, "past.ledger", &format!("{}{past}\n", txn("exit-3")));
    refused(
        &l,
        &format!("{bad}:4:1: line is longer than {LINE_LEN_MAX} bytes"),
        |l| import(l, &bad),
    );
    // Also at the end of a file without a final newline, and in a line of multi-byte
    // characters (the limit counts bytes).
    let bad = journal(&l, "past-eof.ledger", &format!("{}{past}", txn("exit-4")));
    refused(
        &l,
        &format!("{bad}:4:1: line is longer than {LINE_LEN_MAX} bytes"),
        |l| import(l, &bad),
    );
    let wide = format!("; {}", "ş".repeat(LINE_LEN_MAX / 2));
    assert_eq!(wide.len(), LINE_LEN_MAX + 2);
    let bad = journal(&l, "past-wide.ledger", &format!("{wide}\n"));
    refused(
        &l,
        &format!("{bad}:1:1: line is longer than {LINE_LEN_MAX} bytes"),
        |l| import(l, &bad),
    );
}

// ---------------------------------------------------------------------------------------------
// Postings per transaction: POSTINGS_MAX

/// A transaction of `n` postings: n − 1 of 1 USD and one whose amount is inferred.
fn wide_txn(id: &str, n: usize) -> String {
    let mut t = format!("2022-03-01 Many postings  ; id: {id}\n");
    for _ in 1..n {
        t.push_str("    IR:cash  1.00 USD\n");
    }
    t.push_str("    AZ:gas:received\n");
    t
}

#[test]
fn postings_per_transaction_in_a_journal() {
    let l = ledger();
    let ok = journal(&l, "at.ledger", &wide_txn("wide", POSTINGS_MAX));
    let r = import(&l, &ok).ok();
    assert!(r.stdout.contains("1 transaction"), "{r:#?}");
    let balances = l.balances_csv();
    let expected = format!("IR:cash,USD,{}.00", POSTINGS_MAX - 1);
    assert!(balances.contains(&expected), "{balances}");
    // Posting POSTINGS_MAX + 1 is line POSTINGS_MAX + 2 (after the header).
    let bad = journal(&l, "past.ledger", &wide_txn("wider", POSTINGS_MAX + 1));
    refused(
        &l,
        &format!(
            "{bad}:{}:5: a transaction may have at most {POSTINGS_MAX} postings",
            POSTINGS_MAX + 2
        ),
        |l| import(l, &bad),
    );
}

#[test]
fn postings_per_transaction_on_the_command_line() {
    let l = ledger();
    let posts = |n: usize| {
        let mut p = vec!["IR:cash 1 USD"; n - 1];
        p.push("AZ:gas:received");
        p
    };
    l.record("2022-03-01", "at the limit", &posts(POSTINGS_MAX), &[])
        .ok();
    refused(
        &l,
        &format!(
            "a transaction may have at most {POSTINGS_MAX} postings, found {}",
            POSTINGS_MAX + 1
        ),
        |l| l.record("2022-03-02", "past it", &posts(POSTINGS_MAX + 1), &[]),
    );
}

// ---------------------------------------------------------------------------------------------
// Description length: DESCRIPTION_LEN_MAX characters (not bytes)

#[test]
fn description_length_at_and_past_the_limit() {
    let l = ledger();
    let posts = ["IR:cash 1 USD", "AZ:gas:received"];
    // Two bytes a character: the limit counts characters.
    let at = "ş".repeat(DESCRIPTION_LEN_MAX);
    let past = "ş".repeat(DESCRIPTION_LEN_MAX + 1);
    let message = format!(
        "description is too long: {} characters, at most {DESCRIPTION_LEN_MAX}",
        DESCRIPTION_LEN_MAX + 1
    );
    l.record("2022-03-01", &at, &posts, &[]).ok();
    refused(&l, &message, |l| l.record("2022-03-01", &past, &posts, &[]));
    // In a journal, the error is located at the transaction.
    let txn =
        |desc: &str| format!("; x\n2022-03-02 {desc}\n    IR:cash  2 USD\n    AZ:gas:received\n");
    let ok = journal(&l, "at.ledger", &txn(&at));
    import(&l, &ok).ok();
    assert!(l.balances_csv().contains("IR:cash,USD,3.00"));
    let bad = journal(&l, "past.ledger", &txn(&past));
    refused(&l, &format!("{bad}:2:1: {message}"), |l| import(l, &bad));
}

// ---------------------------------------------------------------------------------------------
// Account names: ACCOUNT_LEN_MAX characters; party codes: PARTY_CODE_LEN_MAX characters

#[test]
fn account_name_length_at_and_past_the_limit() {
    let l = ledger();
    let name = |len: usize, c: char| format!("IR:{}", c.to_string().repeat(len - 3));
    let message = format!(
        "account name is too long: {} characters, at most {ACCOUNT_LEN_MAX}",
        ACCOUNT_LEN_MAX + 1
    );
    l.run(&["account", "add", &name(ACCOUNT_LEN_MAX, 'a')]).ok();
    refused(&l, &message, |l| {
        l.run(&["account", "add", &name(ACCOUNT_LEN_MAX + 1, 'a')])
    });
    // Characters, not bytes: a name of ACCOUNT_LEN_MAX two-byte characters is accepted.
    let wide = name(ACCOUNT_LEN_MAX, 'ş');
    assert!(wide.len() > ACCOUNT_LEN_MAX);
    l.run(&["account", "add", &wide]).ok();
    refused(&l, &message, |l| {
        l.run(&["account", "add", &name(ACCOUNT_LEN_MAX + 1, 'ş')])
    });
    // The declared long account can be used; in a journal, a too long one is located.
    l.record(
        "2022-03-01",
        "x",
        &[&format!("{wide} 1 USD"), "IR:cash"],
        &[],
    )
    .ok();
    let bad = journal(
        &l,
        "past.ledger",
        &format!("account {}\n", name(ACCOUNT_LEN_MAX + 1, 'b')),
    );
    refused(&l, &format!("{bad}:1:1: {message}"), |l| import(l, &bad));
}

#[test]
fn party_code_length_at_and_past_the_limit() {
    let l = ledger();
    let at = "P".repeat(PARTY_CODE_LEN_MAX);
    l.run(&["party", "add", &at]).ok();
    l.run(&["account", "add", &format!("{at}:cash")]).ok();
    refused(
        &l,
        &format!(
            "party code is too long: {} characters, at most {PARTY_CODE_LEN_MAX}",
            PARTY_CODE_LEN_MAX + 1
        ),
        |l| l.run(&["party", "add", &"Q".repeat(PARTY_CODE_LEN_MAX + 1)]),
    );
}

// ---------------------------------------------------------------------------------------------
// Ids, tags, commodity codes

#[test]
fn id_length_and_tag_count_at_and_past_the_limit() {
    let l = ledger();
    let posts = ["IR:cash 1 USD", "AZ:gas:received"];
    l.record(
        "2022-03-01",
        "x",
        &posts,
        &["--id", &"i".repeat(ID_LEN_MAX)],
    )
    .ok();
    refused(
        &l,
        &format!(
            "id is too long: {} characters, at most {ID_LEN_MAX}",
            ID_LEN_MAX + 1
        ),
        |l| {
            l.record(
                "2022-03-01",
                "x",
                &posts,
                &["--id", &"j".repeat(ID_LEN_MAX + 1)],
            )
        },
    );
    let tags = |n: usize| -> Vec<String> {
        (0..n)
            .flat_map(|i| ["--tag".to_string(), format!("k{i}=v")])
            .collect()
    };
    let args = tags(TAGS_MAX);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    l.record("2022-03-02", "x", &posts, &args).ok();
    let args = tags(TAGS_MAX + 1);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(
        &l,
        &format!(
            "a transaction may have at most {TAGS_MAX} tags, found {}",
            TAGS_MAX + 1
        ),
        |l| l.record("2022-03-03", "x", &posts, &args),
    );
}

#[test]
fn commodity_code_length_at_and_past_the_limit() {
    let l = ledger();
    let at = "C".repeat(CODE_LEN_MAX);
    l.run(&["commodity", "add", &at, "--kind", "money", "--scale", "2"])
        .ok();
    let past = "D".repeat(CODE_LEN_MAX + 1);
    refused(&l, &format!("at most {CODE_LEN_MAX} characters"), |l| {
        l.run(&["commodity", "add", &past, "--kind", "money", "--scale", "2"])
    });
}

// ---------------------------------------------------------------------------------------------
// Accounts per store: ACCOUNTS_MAX

/// A chart of `n` accounts `P:0000000`…, built in one sorted pass (no store: a million
/// declarations through the binary would take minutes and gigabytes of sled).
fn chart_with_accounts(n: usize) -> Chart {
    let mut c = Chart::default();
    c.parties.insert(
        "P".into(),
        Party {
            code: "P".into(),
            name: None,
        },
    );
    c.accounts = (0..n)
        .map(|i| {
            let name = format!("P:{i:07}");
            (
                name.clone(),
                Account {
                    name,
                    kind: None,
                    floor: None,
                },
            )
        })
        .collect();
    c
}

/// The limit is decided in one place, `Chart::check_new_account`, which every way of adding
/// an account goes through (`Writer::add_account`, and `Writer::ensure_account` for the
/// accounts that domain commands open): testing it on a chart that holds ACCOUNTS_MAX − 1
/// accounts is testing the store's limit, without writing a million accounts to sled. That a
/// refused declaration leaves the store unchanged is the all-or-nothing of every writer (see
/// the account-name tests above, refused by the same function).
#[test]
fn accounts_per_store_at_and_past_the_limit() {
    let new = |name: &str| Account {
        name: name.into(),
        kind: None,
        floor: None,
    };
    let mut chart = chart_with_accounts(ACCOUNTS_MAX - 1);
    let last = new("P:last");
    chart
        .check_new_account(&last)
        .expect("the last account fits");
    chart.accounts.insert(last.name.clone(), last);
    assert_eq!(chart.accounts.len(), ACCOUNTS_MAX);
    let err = chart.check_new_account(&new("P:one-more")).unwrap_err();
    assert_eq!(err, LedgerError::TooManyAccounts);
    assert_eq!(
        err.to_string(),
        format!("too many accounts: a store holds at most {ACCOUNTS_MAX}")
    );
    // Re-declaring an existing account at the limit still says what is wrong with it.
    assert!(matches!(
        chart.check_new_account(&new("P:last")),
        Err(LedgerError::AccountExists { .. })
    ));
    // Commodities and parties are not accounts: still accepted at the limit.
    chart
        .check_new_party(&Party {
            code: "Q".into(),
            name: None,
        })
        .expect("a party at the account limit");
    chart
        .check_new_commodity(&Commodity {
            code: "EUR".into(),
            kind: Kind::Money,
            scale: 2,
        })
        .expect("a commodity at the account limit");
}

// ---------------------------------------------------------------------------------------------
// Upgrades: the schema version

fn with_sled(db: &Path, f: impl FnOnce(&sled::Db)) {
    let s = sled::open(db).expect("open sled");
    f(&s);
    s.flush().expect("flush sled");
}

/// `tests/cli.rs` refuses a newer version (99) in every command; here an older one (0), the
/// largest, and a version key that is not four bytes, each refused without a change.
#[test]
fn schema_versions_other_than_this_one_are_refused() {
    let l = ledger();
    let before = state(&l);
    for (bytes, needle) in [
        (
            0u32.to_le_bytes().to_vec(),
            "has schema version 0; this gasledger reads versions 1 to 2 only",
        ),
        (
            u32::MAX.to_le_bytes().to_vec(),
            "has schema version 4294967295",
        ),
        (
            vec![1, 0],
            "the ledger store is damaged: schema version key",
        ),
    ] {
        with_sled(&l.db(), |db| {
            db.insert(b"v", bytes.as_slice()).expect("write schema");
        });
        for args in [
            &["report", "balances"][..],
            &["verify"],
            &["init"],
            &["party", "add", "RU"],
        ] {
            l.run(args).fails(2, needle);
        }
        l.record(
            "2022-05-01",
            "x",
            &["IR:cash 1 USD", "AZ:gas:received"],
            &[],
        )
        .fails(2, needle);
        let file = journal(&l, "any.ledger", "account RU\n");
        import(&l, &file).fails(2, needle);
        with_sled(&l.db(), |db| {
            db.insert(b"v", &1u32.to_le_bytes()).expect("write schema");
        });
        assert_eq!(state(&l), before);
    }
    assert!(txn_count(&l).contains("1 transaction"), "{}", txn_count(&l));
}
