//! Random journals through the whole import, never a panic: mixtures of valid declarations and
//! balanced transactions, transactions with random amounts (unbalanced, undeclared accounts,
//! more decimals than the commodity allows, sums past `Decimal`'s range, prices, assertions,
//! floors, repeated and conflicting ids, impossible dates), garbage lines, and random bytes
//! spliced in anywhere (invalid UTF-8 included).
//!
//! Each journal is imported through the library into a store that already holds a small
//! ledger. It either imports, and then `verify` finds nothing, and a journal built only of valid
//! pieces moves the balances by exactly the sums computed here; or it fails with a located error
//! (`FILE:LINE:COLUMN: …`, naming the journal or a file it includes) or one that names the
//! file, and the store, reopened, is exactly as before: chart, agreements, statements, head
//! (transaction count and chain hash) and balances.

use gasledger::ops::import::{import, ImportError};
use gasledger::store::{Access, Balances, Store, StoreError};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::path::Path;
use std::time::{Duration, Instant};

/// The ledger every case starts from.
const BASE: &str = "\
commodity 1000.000 mcm
commodity 1000.00 USD
commodity 1000 GJ

account TM  ; party: Turkmenistan
account IR  ; party: Iran
account AZ  ; party: Azerbaijan
account IQ  ; party: Iraq
account TM:gas:delivered  ; type: asset
account TM:cash  ; floor: 0.00 USD
account IR:swap:tm-ir-az  ; type: liability
account IR:cash
account AZ:gas:received
account IQ:payable:IR
account IR:receivable:IQ

2022-01-31 * Sarakhs entry  ; id: base-1
    IR:swap:tm-ir-az   160.000 mcm
    TM:gas:delivered  -160.000 mcm

2022-02-01 Payment  ; id: base-2
    IR:cash  -1000.00 USD
    IR:receivable:IQ
";

/// Declared accounts without a floor: what the valid transactions use. Not the obligations
/// (`IQ:payable:IR`, `IR:receivable:IQ`): a random reduction of one may take off more than is
/// owed at its date, which the date rules refuse (`tests/rules_dates.rs`).
const ACCOUNTS: [&str; 4] = [
    "IR:cash",
    "AZ:gas:received",
    "IR:swap:tm-ir-az",
    "TM:gas:delivered",
];
/// Where a valid transaction's id goes: replaced by `txn-1`, `txn-2`… in each journal, so that
/// valid transactions never share an id.
const ID: &str = "<ID>";
/// Code and scale of the declared commodities.
const COMMODITIES: [(&str, u32); 3] = [("mcm", 3), ("USD", 2), ("GJ", 0)];

// ---------------------------------------------------------------------------------------------
// Generators

/// One of these strings, taken literally (a bare `&str` is a regex to proptest).
fn lit(choices: &[&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(choices.to_vec()).prop_map(str::to_string)
}

/// One posting of a valid transaction: its effect on the balances, and how it is written.
#[derive(Debug, Clone)]
struct Post {
    account: &'static str,
    value: Decimal,
    code: &'static str,
    /// `@ PRICE USD`: the posting weighs value × price USD.
    price: Option<i64>,
    /// Written as `CODE NUMBER` rather than `NUMBER CODE`.
    code_first: bool,
    /// Left out, to be inferred.
    hidden: bool,
}

/// A valid piece of journal and what it does to the balances.
#[derive(Debug, Clone)]
struct Piece {
    text: String,
    effects: Vec<(&'static str, &'static str, Decimal)>,
}

fn date() -> impl Strategy<Value = String> {
    (2020u16..=2024, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}"))
}

fn description() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9 ,.:-]{0,30}".prop_map(|s| s.trim_end().to_string())
}

/// A value that fits `scale` decimal places.
fn value(scale: u32) -> impl Strategy<Value = Decimal> {
    (-1_000_000_000i64..=1_000_000_000, 0..=scale).prop_map(|(m, s)| Decimal::new(m, s))
}

/// A balanced transaction in one commodity: the last posting balances the others, and is
/// sometimes left out; or a priced pair (`Q mcm @ P USD` against `-Q×P USD`).
/// An id, when it has one, is the marker [`ID`], numbered when the journal is put together.
fn valid_txn() -> impl Strategy<Value = Piece> {
    let plain = (0..COMMODITIES.len()).prop_flat_map(|c| {
        let (code, scale) = COMMODITIES[c];
        (
            prop::collection::vec((value(scale), 0..ACCOUNTS.len(), any::<bool>()), 1..5),
            0..ACCOUNTS.len(),
            any::<bool>(),
        )
            .prop_map(move |(others, last, hide)| {
                let mut posts: Vec<Post> = others
                    .into_iter()
                    .map(|(value, a, code_first)| Post {
                        account: ACCOUNTS[a],
                        value,
                        code,
                        price: None,
                        code_first,
                        hidden: false,
                    })
                    .collect();
                let sum: Decimal = posts.iter().map(|p| p.value).sum();
                posts.push(Post {
                    account: ACCOUNTS[last],
                    value: -sum,
                    code,
                    price: None,
                    code_first: false,
                    // Nothing to infer when the others balance already (an error).
                    hidden: hide && !sum.is_zero(),
                });
                posts
            })
    });
    let priced = (1i64..10_000, 1i64..1_000, any::<bool>()).prop_map(|(q, p, hide)| {
        vec![
            Post {
                account: "IR:swap:tm-ir-az",
                value: Decimal::from(q),
                code: "mcm",
                price: Some(p),
                code_first: false,
                hidden: false,
            },
            Post {
                account: "IR:cash",
                value: Decimal::from(-q * p),
                code: "USD",
                price: None,
                code_first: false,
                hidden: hide,
            },
        ]
    });
    (
        date(),
        lit(&["", "* ", "! "]),
        description(),
        any::<bool>(),
        prop_oneof![4 => plain, 1 => priced],
    )
        .prop_map(|(date, status, desc, with_id, posts)| {
            let id = if with_id {
                format!("  ; id: {ID}")
            } else {
                String::new()
            };
            let mut text = format!("{date} {status}{desc}{id}\n");
            for p in &posts {
                text.push_str("    ");
                text.push_str(p.account);
                if !p.hidden {
                    if p.code_first {
                        text.push_str(&format!("  {} {}", p.code, p.value));
                    } else {
                        text.push_str(&format!("  {} {}", p.value, p.code));
                    }
                    if let Some(price) = p.price {
                        text.push_str(&format!(" @ {price} USD"));
                    }
                }
                text.push('\n');
            }
            Piece {
                text,
                effects: posts.iter().map(|p| (p.account, p.code, p.value)).collect(),
            }
        })
}

/// Declarations that are valid in the base ledger: new accounts and parties, the same
/// commodity declared again identically, a new commodity.
fn valid_declaration() -> impl Strategy<Value = Piece> {
    prop_oneof![
        (lit(&["TM", "IR", "AZ", "IQ"]), "[a-z]{1,8}")
            .prop_map(|(p, n)| format!("account {p}:new:{n}\n")),
        lit(&["RU", "KZ"]).prop_map(|p| format!("account {p}  ; party: somewhere\n")),
        Just("commodity 1000.000 mcm  ; kind: volume\n".to_string()),
        Just("commodity EUR\n    format 1,000.00 EUR\n".to_string()),
        Just("; a comment\n# another\n".to_string()),
        Just("comment\nanything: 2022-99-99\nend comment\n".to_string()),
    ]
    .prop_map(|text| Piece {
        text,
        effects: Vec::new(),
    })
}

/// Numbers in our grammar: in scale, past the scale, at and past `Decimal`'s range, grouped;
/// and with `malformed`, numbers outside the grammar too.
fn any_number(malformed: bool) -> impl Strategy<Value = String> {
    let weight = u32::from(malformed);
    prop_oneof![
        12 => (-1_000_000_000i64..=1_000_000_000, 0u32..=6)
            .prop_map(|(m, s)| Decimal::new(m, s).to_string()),
        1 => Just("79228162514264337593543950335".to_string()),
        1 => Just("-79228162514264337593543950335".to_string()),
        1 => Just("1,600,000.00".to_string()),
        weight => Just("79228162514264337593543950336".to_string()),
        weight => Just("0.00000000000000000000000000001".to_string()),
        weight => lit(&["1.2.3", "1e3", ".5", "5.", "1_000", "12,34", "--1", "+", "0x10"]),
    ]
}

/// A transaction built of anything: declared, undeclared and floored accounts, numbers past
/// the scale or `Decimal`'s range, codes declared or not, several amounts left out, prices,
/// assertions, ids that repeat. With `syntax_errors`, also what the parser refuses: malformed
/// numbers and codes, virtual accounts, impossible dates.
fn wild_txn(syntax_errors: bool) -> impl Strategy<Value = String> {
    let weight = u32::from(syntax_errors);
    let account = prop_oneof![
        4 => (0..ACCOUNTS.len()).prop_map(|i| ACCOUNTS[i].to_string()),
        1 => Just("TM:cash".to_string()),
        1 => Just("IR:cahs".to_string()),
        1 => Just("XX:cash".to_string()),
        1 => "[A-Z]{1,3}(:[a-z]{1,5}){0,2}",
        weight => Just("(IR:cash)".to_string()),
    ];
    let code = prop_oneof![
        8 => lit(&["mcm", "USD", "GJ"]),
        1 => lit(&["EUR", "usd"]),
        weight => lit(&["m$", "", "ABCDEFGHIJKLMNOPQ"]),
    ];
    let number = || any_number(syntax_errors);
    let amount = prop_oneof![
        2 => Just(String::new()),
        6 => (number(), code.clone()).prop_map(|(n, c)| format!("  {n} {c}")),
        1 => (code.clone(), number()).prop_map(|(c, n)| format!("  {c} {n}")),
        1 => (number(), code.clone(), number(), code.clone())
            .prop_map(|(n, c, p, pc)| format!("  {n} {c} @ {p} {pc}")),
        1 => (number(), code.clone(), number(), code.clone())
            .prop_map(|(n, c, p, pc)| format!("  {n} {c} @@ {p} {pc}")),
        1 => (number(), code.clone(), number(), code)
            .prop_map(|(n, c, a, ac)| format!("  {n} {c} = {a} {ac}")),
    ];
    let date = prop_oneof![
        6 => date(),
        weight => lit(&["2022-02-30", "2022-13-01", "2023-02-29", "0000-01-01", "22-1-1", "2022-1-"]),
    ];
    let id = prop_oneof![
        2 => Just(String::new()),
        1 => lit(&["base-1", "base-2", "dup", "dup"]).prop_map(|i| format!("  ; id: {i}")),
    ];
    (
        date,
        description(),
        id,
        prop_oneof![
            1 => prop::collection::vec((account.clone(), amount.clone()), 0..2),
            4 => prop::collection::vec((account, amount), 2..6),
        ],
    )
        .prop_map(|(date, desc, id, posts)| {
            let mut text = format!("{date} {desc}{id}\n");
            for (a, amt) in posts {
                text.push_str(&format!("    {a}{amt}\n"));
            }
            text
        })
}

/// A valid transaction with one thing wrong that only the model or the store sees: postings
/// off balance, past the commodity's scale, to an undeclared account, below a floor, a balance
/// past `Decimal`'s range (on the second such transaction), a wrong balance assertion, or the
/// id of a recorded transaction with other content.
fn perturbed_txn() -> impl Strategy<Value = String> {
    let wrong = lit(&[
        "    IR:cash  0.01 USD\n    AZ:gas:received  1 mcm\n",
        "    IR:cash  0.001 USD\n    IR:receivable:IQ  -0.001 USD\n",
        "    IR:cahs  1 USD\n    IR:receivable:IQ  -1 USD\n",
        "    TM:cash  -5.00 USD\n    IR:cash  5.00 USD\n",
        "    IR:cash  -79228162514264337593543950335 USD\n             IR:receivable:IQ  79228162514264337593543950335 USD\n",
        "    IR:cash  0 USD = 123456.78 USD\n",
        "    AZ:gas:received  0 GJ = 0 GJ\n",
        "<base-1>",
    ]);
    (valid_txn(), wrong).prop_map(|(t, wrong)| {
        if wrong == "<base-1>" {
            if t.text.contains(ID) {
                t.text.replacen(ID, "base-1", 1)
            } else {
                t.text.replacen('\n', "  ; id: base-1\n", 1)
            }
        } else {
            t.text + &wrong
        }
    })
}

/// Lines that may be anything: printable noise, or near misses of the syntax.
fn garbage() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[ -~\t]{0,40}".prop_map(|s| format!("{s}\n")),
        1 => lit(&[
            "    IR:cash  1 USD\n",
            "2022-01-01\n",
            "include missing.ledger\n",
            "include\n",
            "comment\n",
            "end comment\n",
            "P 2022-01-01 USD 1 EUR\n",
            "account\n",
            "account IR:cash  extra\n",
            "commodity mcm\n",
            "commodity 1.0000000000000000000000 XAU\n",
            "commodity 1.00 mcm\n",
            "account XX:nowhere\n",
            "agreement tm-ir-az\n    kind  swap\n    hub  IR\n",
            "agreement o\n    kind  offset\n    debtor  IQ\n",
            "statement 2022-06-30 TM\n    TM:cash  5 USD\n",
            "statement 2022-06-30 ZZ\n",
            "\u{feff}; bom\n",
            "\t\n",
        ]),
    ]
}

/// A journal, one of three kinds: valid pieces only (`clean`); valid pieces and wild
/// transactions that parse (the model refuses them); or valid pieces, wild transactions and
/// garbage lines, with random bytes spliced in (mostly syntax errors).
#[derive(Debug, Clone)]
struct Journal {
    bytes: Vec<u8>,
    clean: bool,
    effects: Vec<(&'static str, &'static str, Decimal)>,
}

/// The pieces one after the other, each id marker replaced by the next `txn-N`.
fn number_ids<'a>(pieces: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut out = String::new();
    let mut n = 0;
    for piece in pieces {
        let mut rest = piece;
        while let Some(i) = rest.find(ID) {
            n += 1;
            out.push_str(&rest[..i]);
            out.push_str(&format!("txn-{n}"));
            rest = &rest[i + ID.len()..];
        }
        out.push_str(rest);
    }
    out.into_bytes()
}

fn journal() -> impl Strategy<Value = Journal> {
    let valid = prop_oneof![4 => valid_txn(), 1 => valid_declaration()];
    let parsing = prop_oneof![
        8 => valid.clone().prop_map(|p| (p.text, true, p.effects)),
        1 => perturbed_txn().prop_map(|t| (t, false, Vec::new())),
        1 => wild_txn(false).prop_map(|t| (t, false, Vec::new())),
    ];
    let mixed = prop_oneof![
        6 => valid.clone().prop_map(|p| (p.text, true, p.effects)),
        2 => wild_txn(true).prop_map(|t| (t, false, Vec::new())),
        2 => garbage().prop_map(|g| (g, false, Vec::new())),
    ];
    let splices = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..4),
        ),
        0..3,
    );
    prop_oneof![
        1 => prop::collection::vec(valid, 1..12).prop_map(|pieces| Journal {
            bytes: number_ids(pieces.iter().map(|p| p.text.as_str())),
            clean: true,
            effects: pieces.into_iter().flat_map(|p| p.effects).collect(),
        }),
        1 => prop::collection::vec(parsing, 1..12).prop_map(|pieces| Journal {
            bytes: number_ids(pieces.iter().map(|p| p.0.as_str())),
            clean: pieces.iter().all(|p| p.1),
            effects: pieces.into_iter().flat_map(|p| p.2).collect(),
        }),
        1 => (prop::collection::vec(mixed, 1..12), splices).prop_map(|(pieces, splices)| {
            let mut bytes = number_ids(pieces.iter().map(|p| p.0.as_str()));
            for (at, insert) in &splices {
                let at = at.index(bytes.len() + 1);
                bytes.splice(at..at, insert.iter().copied());
            }
            Journal {
                bytes,
                clean: pieces.iter().all(|p| p.1) && splices.is_empty(),
                effects: pieces.into_iter().flat_map(|p| p.2).collect(),
            }
        }),
    ]
}

// ---------------------------------------------------------------------------------------------
// The property

/// Open the store; a store dropped a moment ago in this process may hold sled's own lock for
/// a moment (as in `tests/props.rs`), so that is retried.
fn open(db: &Path) -> Store {
    let start = Instant::now();
    loop {
        match gasledger::ops::rulebook::open(db, Access::Create, Duration::from_secs(5)) {
            Ok(s) => return s,
            Err(StoreError::Sled(e))
                if e.contains("could not acquire lock")
                    && start.elapsed() < Duration::from_secs(5) =>
            {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => panic!("open store: {e}"),
        }
    }
}

/// Everything an import could change, as read from the store.
#[derive(Debug, PartialEq)]
struct State {
    txns: u64,
    last_hash: [u8; 32],
    statements: usize,
    chart: gasledger::model::chart::Chart,
    agreements: Vec<gasledger::model::agreement::Agreement>,
    balances: Balances,
}

fn state(store: &Store) -> State {
    let head = store.head();
    State {
        txns: head.txn_count,
        last_hash: head.last_hash,
        statements: store.statements().expect("statements").len(),
        chart: store.chart().clone(),
        agreements: store.agreements().values().cloned().collect(),
        balances: store.balances().expect("balances"),
    }
}

/// A located error (`FILE:LINE:COLUMN: …`, FILE the journal or a file next to it that it
/// includes), or one about the file as a whole that names it.
fn assert_located(e: &ImportError, dir: &Path, file: &Path, lines: usize) {
    let message = e.to_string();
    if let ImportError::File { path, .. } = e {
        assert_eq!(path, file, "{message}");
        assert!(
            message.starts_with(&file.display().to_string()),
            "{message}"
        );
        return;
    }
    let dir = dir.display().to_string();
    let rest = message
        .strip_prefix(&dir)
        .unwrap_or_else(|| panic!("the error does not name the journal: {message}"));
    let mut parts = rest.splitn(4, ':');
    let name = parts.next().unwrap_or_default();
    let line = parts.next().unwrap_or_default();
    let column = parts.next().unwrap_or_default();
    assert!(
        !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()),
        "no line number in {message:?}"
    );
    assert!(
        !column.is_empty() && column.bytes().all(|b| b.is_ascii_digit()),
        "no column in {message:?}"
    );
    if format!("{dir}{name}") == file.display().to_string() {
        let line: usize = line.parse().expect("line");
        assert!(
            (1..=lines.max(1)).contains(&line),
            "line {line} of a {lines}-line file: {message}"
        );
    }
}

fn check(journal: &Journal) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("db");
    let base = dir.path().join("base.ledger");
    std::fs::write(&base, BASE).expect("write base");
    let mut store = open(&db);
    import(&mut store, &[base], |_| {}).expect("the base ledger imports");
    let before = state(&store);
    let file = dir.path().join("random.ledger");
    std::fs::write(&file, &journal.bytes).expect("write journal");
    let text = String::from_utf8_lossy(&journal.bytes);
    let lines = journal.bytes.split(|b| *b == b'\n').count();
    match import(&mut store, std::slice::from_ref(&file), |_| {}) {
        Ok(_) => {
            let v = store.verify().expect("verify");
            assert!(v.problems.is_empty(), "{:?}\n{text}", v.problems);
            if journal.clean {
                let mut expected = before.balances.clone();
                for (account, code, value) in &journal.effects {
                    *expected
                        .entry((account.to_string(), code.to_string()))
                        .or_default() += *value;
                }
                expected.retain(|_, v| !v.is_zero());
                assert_eq!(store.balances().expect("balances"), expected, "{text}");
            }
        }
        Err(e) => {
            assert!(
                !journal.clean,
                "a journal of valid pieces was refused: {e}\n{text}"
            );
            assert_located(&e, dir.path(), &file, lines);
            assert_eq!(
                state(&store),
                before,
                "a failed import changed the store: {e}"
            );
            drop(store);
            let store = open(&db);
            assert_eq!(
                state(&store),
                before,
                "a failed import changed the stored ledger: {e}"
            );
            let v = store.verify().expect("verify");
            assert!(v.problems.is_empty(), "{:?}", v.problems);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_journals_import_or_fail_located_and_change_nothing(journal in journal()) {
        check(&journal);
    }
}
