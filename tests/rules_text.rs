//! One rulebook for text (issue 15): nothing is accepted that cannot be written back out. Each
//! case goes through the path where it was found (a command, a journal import, the library),
//! is refused with a message that names the text and what is not allowed, and leaves the store
//! as it was: its journal export is the same before and after. What is accepted exports in
//! every format. Also: statements with ids, idempotent like transactions, and the checks every
//! agreement passes whatever its kind.

mod common;

use common::{Ledger, SWAP_TM_IR_AZ};

/// The whole store as a user sees it: its journal export, which must succeed.
fn journal(l: &Ledger) -> String {
    l.run(&["export", "--format", "journal"]).ok().stdout
}

/// Every export format succeeds.
fn exports_everywhere(l: &Ledger) {
    for format in ["journal", "hledger", "ledger", "beancount", "json"] {
        l.run(&["export", "--format", format]).ok();
    }
}

/// Run `args`, expect exit 2 with every needle in the message, and the store unchanged.
fn refused(l: &Ledger, args: &[&str], needles: &[&str]) {
    let before = journal(l);
    let run = l.run(args);
    for n in needles {
        run.clone().fails(2, n);
    }
    assert_eq!(journal(l), before, "the store changed after {args:?}");
    exports_everywhere(l);
}

/// Import `text` as a journal file and expect it refused with every needle, the store unchanged.
fn import_refused(l: &Ledger, text: &str, needles: &[&str]) {
    let p = l.file("bad.ledger", text);
    refused(l, &["import", p.to_str().expect("utf-8 path")], needles);
}

/// The chart, and a swap between TM, IR and AZ with two exit points.
fn with_swap() -> Ledger {
    let l = Ledger::with_chart();
    l.run(&[SWAP_TM_IR_AZ, &["--fee", "10%", "--tolerance", "2%"]].concat())
        .ok();
    l
}

const POSTS: [&str; 2] = ["IR:swap:tm-ir-az 160 mcm", "TM:gas:delivered -160 mcm"];

fn record_args<'a>(desc: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["record", "--date", "2022-01-31", "--desc", desc];
    for p in POSTS {
        args.extend(["--post", p]);
    }
    args.extend_from_slice(extra);
    args
}

// ---------------------------------------------------------------------------------------------
// Descriptions, ids, tags.

#[test]
fn a_swap_leg_description_with_a_semicolon_is_refused() {
    let l = with_swap();
    refused(
        &l,
        &[
            "swap",
            "entry",
            "tm-ir-az",
            "--date",
            "2022-01-31",
            "--volume",
            "160 mcm",
            "--desc",
            "Sarakhs; revised nomination",
        ],
        &[
            "description \"Sarakhs; revised nomination\" is not allowed",
            "';' would start a comment",
        ],
    );
    // The same leg with a description that can be written is recorded and exports.
    l.run(&[
        "swap",
        "entry",
        "tm-ir-az",
        "--date",
        "2022-01-31",
        "--volume",
        "160 mcm",
        "--desc",
        "Sarakhs, revised nomination",
    ])
    .ok();
    exports_everywhere(&l);
}

#[test]
fn control_characters_in_a_description_are_refused() {
    let l = Ledger::with_one_entry();
    for desc in ["Sarakhs\tentry", "Sarakhs\nentry", "bell\u{7}"] {
        refused(
            &l,
            &record_args(desc, &[]),
            &["description", "control character"],
        );
    }
    import_refused(
        &l,
        "2022-01-31 Sarakhs\tentry\n    IR:swap:tm-ir-az  1 mcm\n    TM:gas:delivered\n",
        &["bad.ledger:1:1: description \"Sarakhs\\tentry\" is not allowed"],
    );
}

#[test]
fn descriptions_that_would_read_back_as_a_status_or_a_code_are_refused() {
    let l = Ledger::with_one_entry();
    refused(&l, &record_args("* urgent", &[]), &["status"]);
    refused(&l, &record_args("(draft) entry", &[]), &["code"]);
}

#[test]
fn blanks_at_the_ends_of_an_id_are_refused() {
    let l = Ledger::with_one_entry();
    for id in [" x", "x ", "a,b", "a\nb"] {
        refused(&l, &record_args("entry", &["--id", id]), &["id"]);
    }
    import_refused(
        &l,
        "2022-01-31 entry  ; id: a\u{1}b\n    IR:swap:tm-ir-az  1 mcm\n    TM:gas:delivered\n",
        &["bad.ledger:1:1: id \"a\\u{1}b\" is not allowed"],
    );
}

#[test]
fn tags_that_cannot_be_written_are_refused() {
    let l = Ledger::with_one_entry();
    refused(
        &l,
        &record_args("entry", &["--tag", "note=a,b"]),
        &["tag value of note \"a,b\" is not allowed", "','"],
    );
    // hledger-style `:tag:` in a journal reads as a tag named ":nobudget": refused, with the
    // form to write instead.
    import_refused(
        &l,
        "2022-01-31 entry  ; :nobudget:\n    IR:swap:tm-ir-az  1 mcm\n    TM:gas:delivered\n",
        &[
            "bad.ledger:1:1: tag name \":nobudget\" is not allowed",
            "write tag:",
        ],
    );
    import_refused(
        &l,
        "2022-01-31 entry\n    IR:swap:tm-ir-az  1 mcm  ; :nobudget:\n    TM:gas:delivered\n",
        &["bad.ledger:1:1: tag name \":nobudget\""],
    );
}

#[test]
fn a_reason_or_a_memo_that_cannot_be_written_is_refused() {
    let l = Ledger::with_one_entry();
    for reason in ["a\nb", "late, wrong", " padded"] {
        refused(
            &l,
            &[
                "reverse",
                "entry-1",
                "--date",
                "2022-02-01",
                "--reason",
                reason,
            ],
            &["tag value of reason", "is not allowed"],
        );
    }
    refused(
        &l,
        &[
            "debt",
            "add",
            "--debtor",
            "IQ",
            "--creditor",
            "IR",
            "--amount",
            "5 USD",
            "--date",
            "2022-01-01",
            "--memo",
            "gas; 2017",
        ],
        &["description \"gas; 2017\" is not allowed"],
    );
}

// ---------------------------------------------------------------------------------------------
// Names: parties, accounts, agreements, points.

#[test]
fn party_names_that_cannot_be_written_are_refused() {
    let l = Ledger::with_one_entry();
    for name in [" Turkmenistan", "Turkmenistan ", "Turkmen\nistan", "a, b"] {
        refused(
            &l,
            &["party", "add", "TX", "--name", name],
            &["party name", "is not allowed"],
        );
    }
    import_refused(
        &l,
        "account TX  ; party: Turkmen\u{7}istan\n",
        &["bad.ledger:1:1: party name \"Turkmen\\u{7}istan\" is not allowed"],
    );
}

#[test]
fn a_name_over_64_kib_is_refused() {
    let l = Ledger::with_one_entry();
    let long = "x".repeat(70_000);
    let run = l.run(&["party", "add", "TX", "--name", &long]);
    let run = run.fails(2, "party name \"xxxx");
    // The message shows the start of the text and its size, not the whole of it.
    assert!(run.stderr.contains("(70000 bytes)"), "{run:?}");
    assert!(
        run.stderr.len() < 1000,
        "{} bytes of message",
        run.stderr.len()
    );
    refused(
        &l,
        &["party", "add", "TX", "--name", &long],
        &["at most 4096"],
    );
    refused(
        &l,
        &record_args("entry", &["--tag", &format!("note={long}")]),
        &["tag value of note", "at most 4096"],
    );
}

#[test]
fn an_account_named_as_its_party_is_refused() {
    // `account TM` in a journal declares the party TM: an account of that name could never be
    // exported. It is refused; PARTY:NAME is the form of an account.
    let l = Ledger::with_one_entry();
    refused(
        &l,
        &["account", "add", "TM"],
        &[
            "account name \"TM\" is not allowed",
            "PARTY:NAME (one segment is the party itself)",
        ],
    );
    refused(
        &l,
        &record_args("entry", &[])
            .into_iter()
            .chain(["--post", "TM 0 mcm"])
            .collect::<Vec<_>>(),
        &["account TM is not declared"],
    );
}

#[test]
fn a_swap_point_with_a_semicolon_is_refused() {
    let l = Ledger::with_chart();
    let before = journal(&l);
    let run = l.run(&[
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
        "Sarakhs; east",
        "--exit",
        "Astara",
        "--commodity",
        "mcm",
        "--fee",
        "10%",
        "--tolerance",
        "2%",
    ]);
    run.fails(
        2,
        "\"Sarakhs; east\" is not allowed: ';' would start a comment",
    );
    assert_eq!(journal(&l), before);
    exports_everywhere(&l);
}

#[test]
fn agreement_names_that_cannot_be_written_are_refused() {
    let l = Ledger::with_chart();
    import_refused(
        &l,
        &format!("agreement iq-ir-tm\u{7}\n    kind offset\n{OFFSET_BODY}"),
        &["bad.ledger:1:1: agreement name \"iq-ir-tm\\u{7}\" is not allowed"],
    );
    // A name that a tag `agreement: NAME` cannot hold.
    import_refused(
        &l,
        &format!("agreement iq, ir\n    kind offset\n{OFFSET_BODY}"),
        &["bad.ledger:1:1: agreement name \"iq, ir\" is not allowed"],
    );
}

// ---------------------------------------------------------------------------------------------
// Agreements: what every one must be, whatever its kind.

const OFFSET_BODY: &str = "    debtor     IQ\n    via        IR\n    creditor   TM\n    \
                           commodity  USD\n    limit      100.00\n";

#[test]
fn an_agreement_field_written_with_a_colon_is_refused_naming_its_line() {
    let l = Ledger::with_chart();
    import_refused(
        &l,
        &format!("agreement iq-ir-tm\n    kind: offset\n{OFFSET_BODY}"),
        &["bad.ledger:2:5: agreement iq-ir-tm: field name \"kind:\" is not a plain word"],
    );
}

#[test]
fn an_agreement_without_a_kind_or_of_an_unknown_kind_is_refused() {
    let l = Ledger::with_chart();
    import_refused(
        &l,
        &format!("agreement iq-ir-tm\n{OFFSET_BODY}"),
        &["bad.ledger:1:1: agreement iq-ir-tm: the field kind is missing"],
    );
    import_refused(
        &l,
        &format!("agreement iq-ir-tm\n    kind barter\n{OFFSET_BODY}"),
        &["bad.ledger:1:1: agreement iq-ir-tm: unknown kind \"barter\""],
    );
}

#[test]
fn a_repeated_agreement_field_is_refused_naming_its_line() {
    let l = Ledger::with_chart();
    import_refused(
        &l,
        &format!("agreement iq-ir-tm\n    kind offset\n{OFFSET_BODY}    limit 200.00\n"),
        &["bad.ledger:8:5: agreement iq-ir-tm: field limit is given twice"],
    );
}

#[test]
fn the_library_refuses_an_agreement_without_a_kind() {
    use gasledger::model::agreement::Agreement;
    use gasledger::store::Access;
    let l = Ledger::with_chart();
    let before = journal(&l);
    {
        let mut store = gasledger::ops::rulebook::open(
            &l.db(),
            Access::Write,
            std::time::Duration::from_secs(5),
        )
        .expect("open");
        let mut w = store.writer().expect("writer");
        let e = w
            .add_agreement(Agreement {
                name: "x".into(),
                fields: vec![("kind:".into(), "swap".into())],
            })
            .expect_err("no kind");
        assert!(e.to_string().contains("not a plain word"), "{e}");
        let e = w
            .add_statement(gasledger::model::statement::Statement {
                date: "2022-06-30".parse().expect("date"),
                party: "TM".into(),
                id: None,
                source: Some("a\nb".into()),
                claims: vec![],
            })
            .expect_err("source");
        assert!(e.to_string().contains("statement source"), "{e}");
        w.commit().expect("commit");
    }
    assert_eq!(journal(&l), before);
}

// ---------------------------------------------------------------------------------------------
// Statements.

const CLAIM: &str = "IR:receivable:IQ 1600000000 USD";

fn statement_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["statement", "add", "IR", "--date", "2022-06-30"];
    args.extend(["--claim", CLAIM]);
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_statement_source_with_a_newline_is_refused() {
    let l = Ledger::with_one_entry();
    refused(
        &l,
        &statement_args(&["--source", "NIGC\nletter"]),
        &["statement source \"NIGC\\nletter\" is not allowed"],
    );
    refused(
        &l,
        &statement_args(&["--source", "NIGC, letter"]),
        &["statement source", "','"],
    );
    import_refused(
        &l,
        "statement 2022-06-30 IR  ; source: NIGC\u{7}\n    IR:receivable:IQ  5.00 USD\n",
        &["bad.ledger:1:1: statement source"],
    );
}

#[test]
fn a_statement_with_an_id_is_recorded_once() {
    let l = Ledger::with_one_entry();
    l.run(&statement_args(&[
        "--id",
        "nigc-2022-06",
        "--source",
        "NIGC letter",
    ]))
    .ok();
    let once = journal(&l);
    assert!(
        once.contains("statement 2022-06-30 IR  ; id: nigc-2022-06, source: NIGC letter\n"),
        "{once}"
    );
    // The same id and content, the amount written another way: nothing changes.
    let again = l
        .run(&[
            "statement",
            "add",
            "IR",
            "--date",
            "2022-06-30",
            "--claim",
            "IR:receivable:IQ 1600000000.00 USD",
            "--id",
            "nigc-2022-06",
            "--source",
            "NIGC letter",
        ])
        .ok();
    assert!(again.stdout.contains("already recorded"), "{again:?}");
    assert_eq!(journal(&l), once);
    // The same id with other content is an error.
    refused(
        &l,
        &[
            "statement",
            "add",
            "IR",
            "--date",
            "2022-06-30",
            "--claim",
            "IR:receivable:IQ 1500000000 USD",
            "--id",
            "nigc-2022-06",
        ],
        &["statement id nigc-2022-06 is recorded already with other content"],
    );
    // The same statement in a journal is already recorded too; other content is refused.
    let p = l.file(
        "same.ledger",
        "statement 2022-06-30 IR  ; id: nigc-2022-06, source: NIGC letter\n    \
         IR:receivable:IQ  1600000000.00 USD\n",
    );
    let run = l.run(&["import", p.to_str().expect("path")]).ok();
    assert!(run.stdout.contains("0 statements"), "{run:?}");
    assert_eq!(journal(&l), once);
    import_refused(
        &l,
        "statement 2022-06-30 IR  ; id: nigc-2022-06\n    IR:receivable:IQ  1.00 USD\n",
        &["bad.ledger:1:1: statement id nigc-2022-06 is recorded already with other content"],
    );
}

#[test]
fn statements_without_an_id_are_recorded_each_time() {
    let l = Ledger::with_one_entry();
    l.run(&statement_args(&[])).ok();
    l.run(&statement_args(&[])).ok();
    assert_eq!(journal(&l).matches("statement 2022-06-30 IR").count(), 2);
}

#[test]
fn one_statement_claims_one_balance_per_account() {
    let l = Ledger::with_one_entry();
    for second in [
        "IR:receivable:IQ 1500000000 USD",
        "IR:receivable:IQ 1600000000 USD",
    ] {
        refused(
            &l,
            &statement_args(&["--claim", second]),
            &["statement of IR at 2022-06-30 claims IR:receivable:IQ twice"],
        );
    }
    import_refused(
        &l,
        "statement 2022-06-30 IR\n    IR:receivable:IQ  5.00 USD\n    IR:receivable:IQ  6.00 USD\n",
        &["bad.ledger:1:1: statement of IR at 2022-06-30 claims IR:receivable:IQ twice"],
    );
}

#[test]
fn statement_ids_survive_the_journal_round_trip() {
    let l = Ledger::with_one_entry();
    l.run(&statement_args(&[
        "--id",
        "nigc-2022-06",
        "--source",
        "NIGC letter",
    ]))
    .ok();
    l.run(&[
        "statement",
        "add",
        "IQ",
        "--date",
        "2022-06-30",
        "--claim",
        "IQ:payable:IR -1600000000 USD",
    ])
    .ok();
    let text = journal(&l);
    let p = l.file("export.ledger", &text);
    let fresh = Ledger::new();
    fresh.run(&["import", p.to_str().expect("path")]).ok();
    assert_eq!(journal(&fresh), text);
    // Importing the export again changes nothing: the statement with an id is recorded once
    // (the file is known by its bytes, so a copy with one more comment line is used).
    let p2 = l.file("export2.ledger", format!("; again\n{text}"));
    fresh.run(&["import", p2.to_str().expect("path")]).ok();
    let after = journal(&fresh);
    assert_eq!(after.matches("id: nigc-2022-06").count(), 1, "{after}");
}

#[test]
fn a_second_id_on_a_statement_is_refused() {
    let l = Ledger::with_one_entry();
    import_refused(
        &l,
        "statement 2022-06-30 IR  ; id: a, id: b\n    IR:receivable:IQ  5.00 USD\n",
        &["bad.ledger:1:35: found a second id: tag"],
    );
}

#[test]
fn an_account_name_that_hledger_would_cut_is_refused() {
    // hledger ends an account name at two blanks of any kind: a no-break space counts.
    let l = Ledger::with_one_entry();
    for name in [
        "TM:gas\u{a0}\u{a0}sold",
        "TM:gas \u{2009}sold",
        "TM:gas\u{3000}\u{3000}sold",
    ] {
        refused(
            &l,
            &["account", "add", name],
            &["account name", "two blanks in a row", "for hledger"],
        );
    }
    // One no-break space is one blank: accepted, and hledger reads the export.
    l.run(&["account", "add", "TM:gas\u{a0}sold"]).ok();
    // Posted from a journal: `record --post` splits its argument at blanks of any kind.
    let p = l.file(
        "sale.ledger",
        "2022-02-01 sale\n    TM:gas\u{a0}sold  1 mcm\n    TM:gas:delivered\n",
    );
    l.run(&["import", p.to_str().expect("path")]).ok();
    exports_everywhere(&l);
    let hledger_present = std::process::Command::new("hledger")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if hledger_present {
        let out = l.dir.path().join("out.hledger");
        let out = out.to_str().expect("path");
        l.run(&["export", "--format", "hledger", "-o", out]).ok();
        let check = std::process::Command::new("hledger")
            .args(["-f", out, "check", "-s"])
            .output()
            .expect("run hledger");
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
    } else {
        eprintln!("hledger not found: its reading of the export is not checked");
    }
}

#[test]
fn a_statement_id_repeated_in_one_file_is_recorded_once_or_refused() {
    let l = Ledger::with_one_entry();
    let s = "statement 2022-06-30 IR  ; id: nigc-2022-06\n    IR:receivable:IQ  5.00 USD\n";
    let p = l.file("twice.ledger", format!("{s}\n{s}"));
    let run = l.run(&["import", p.to_str().expect("path")]).ok();
    assert!(run.stdout.contains(", 1 statement"), "{run:?}");
    assert_eq!(journal(&l).matches("id: nigc-2022-06").count(), 1);
    import_refused(
        &l,
        "statement 2022-07-31 IR  ; id: nigc-2022-07\n    IR:receivable:IQ  5.00 USD\n\n\
         statement 2022-07-31 IR  ; id: nigc-2022-07\n    IR:receivable:IQ  6.00 USD\n",
        &["bad.ledger:4:1: statement id nigc-2022-07 is recorded already with other content"],
    );
}
