//! What is at `--db`: only `init`, `import` and the declaring commands create a missing store;
//! every other command says there is no ledger there and leaves the path as it found it (no
//! folder, no lock file); a path that is a file, or a folder of other files, never becomes a
//! store. See docs/faults.md.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::Path;

/// Every command that must not create a store, with arguments it accepts: all but
/// [`CREATING`]. `{file}` is replaced by a journal file that exists.
#[rustfmt::skip] // One command a line.
const NOT_CREATING: &[&[&str]] = &[
    &["export"],
    &["export", "--format", "json"],
    &["record", "--date", "2022-01-01", "--desc", "x", "--post", "TM:cash 1 USD", "--post", "IR:cash"],
    &["reverse", "--date", "2022-01-01", "t1"],
    &["report", "balances"],
    &["report", "balances", "--as-of", "2022-01-01"],
    &["report", "debts"],
    &["report", "settlements", "TM", "IR"],
    &["report", "swap", "tm-ir-az"],
    &["report", "html"],
    &["report", "register", "TM"],
    &["statement", "add", "TM", "--date", "2022-01-01", "--claim", "TM:cash 1 USD"],
    &["reconcile"],
    &["reconcile", "--against", "{file}", "--party", "TM"],
    &["verify"],
    &["debt", "add", "--debtor", "IR", "--creditor", "TM", "--amount", "1 USD", "--date", "2022-01-01"],
    &["pay", "--from", "IR", "--to", "TM", "--amount", "1 USD", "--date", "2022-01-01"],
    &["offset", "--amount", "1 USD", "--date", "2022-01-01", "off"],
    &["net", "--commodity", "USD"],
    &["net", "--commodity", "USD", "--record", "--date", "2022-01-01"],
    &["deliver", "--date", "2022-01-01", "--volume", "1 mcm", "sale"],
    &["interest", "--to", "2022-12-31"],
    &["interest", "--to", "2022-12-31", "--record"],
    &["price", "add", "EUR", "--date", "2022-09-30", "--rate", "1.0566 USD"],
    &["swap", "entry", "--date", "2022-01-01", "--volume", "1 mcm", "tm-ir-az"],
    &["swap", "exit", "--date", "2022-01-01", "--volume", "1 mcm", "tm-ir-az"],
];

/// The commands that create a missing store, each with arguments that succeed on a new one
/// (`{file}`: a journal file that exists).
#[rustfmt::skip] // One command a line.
const CREATING: &[&[&str]] = &[
    &["init"],
    &["import", "{file}"],
    &["commodity", "add", "USD", "--kind", "money", "--scale", "2"],
    &["party", "add", "TM"],
];

/// Creating commands that fail on a new store for want of a declaration, after creating it.
#[rustfmt::skip] // One command a line.
const CREATING_AND_REFUSED: &[&[&str]] = &[
    &["account", "add", "TM:cash"],
    &["agreement", "add", "off", "--kind", "offset", "--debtor", "IQ", "--via", "IR", "--creditor", "TM", "--commodity", "USD", "--limit", "1 USD"],
];

/// `args` with `{file}` replaced by `file`.
fn with_file<'a>(args: &[&'a str], file: &'a str) -> Vec<&'a str> {
    args.iter()
        .map(|a| if *a == "{file}" { file } else { a })
        .collect()
}

/// A journal that declares what it uses, in `dir`.
fn journal(dir: &Path) -> String {
    let p = write_file(
        dir,
        "books.journal",
        "commodity 1000.00 USD  ; kind: money\naccount TM  ; party: Turkmenistan\naccount TM:cash\n",
    );
    arg(&p).to_string()
}

#[test]
fn every_command_that_does_not_create_refuses_a_missing_store_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = journal(dir.path());
    let typo = dir.path().join("typo");
    let db = typo.join("typo.db");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    for args in NOT_CREATING {
        let args = with_file(args, &file);
        let r = run_at(&db, &args).fails(2, "no ledger at");
        assert!(
            r.stderr.contains("gasledger init"),
            "{args:?} does not say how to create one: {}",
            r.stderr
        );
        assert!(!typo.exists(), "{args:?} left {} behind", typo.display());
        // An empty folder is not a store either, and stays empty: no lock file, no sled.
        run_at(&empty, &args).fails(2, "no ledger at");
        let left: Vec<_> = std::fs::read_dir(&empty).expect("read dir").collect();
        assert!(left.is_empty(), "{args:?} left {left:?} in an empty folder");
    }
}

#[test]
fn the_creating_commands_create_a_missing_store() {
    for (args, succeeds) in CREATING
        .iter()
        .map(|a| (a, true))
        .chain(CREATING_AND_REFUSED.iter().map(|a| (a, false)))
    {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = journal(dir.path());
        let db = dir.path().join("new").join("db");
        let r = run_at(&db, &with_file(args, &file));
        assert_eq!(r.success(), succeeds, "{args:?}: {r:#?}");
        run_at(&db, &["verify"]).ok();
        // In an empty folder too.
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).expect("mkdir");
        assert_eq!(run_at(&empty, &with_file(args, &file)).success(), succeeds);
        run_at(&empty, &["verify"]).ok();
    }
}

#[test]
fn a_store_path_that_is_a_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write_file(dir.path(), "notes.txt", "my notes\n");
    for args in [
        &["init"][..],
        &["verify"],
        &["report", "balances"],
        NOT_CREATING[2],
    ] {
        run_at(&file, args).fails(2, "is a file, not a gasledger store");
        assert_eq!(std::fs::read_to_string(&file).expect("read"), "my notes\n");
    }
    // A link that points nowhere is not followed to create its target.
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("absent"), &dangling).expect("symlink");
    run_at(&dangling, &["init"]).fails(2, "a symbolic link to nothing");
    assert!(!dir.path().join("absent").exists());
}

#[test]
fn a_folder_of_other_files_never_becomes_a_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("documents");
    std::fs::create_dir(&folder).expect("mkdir");
    write_file(&folder, "letter.txt", "dear desk\n");
    run_at(&folder, &["init"]).fails(2, "holds other files and no gasledger store");
    run_at(&folder, &["party", "add", "TM"]).fails(2, "holds other files");
    run_at(&folder, &["verify"]).fails(2, "no ledger at");
    let names: Vec<_> = std::fs::read_dir(&folder)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["letter.txt"]);
}

/// The leaf commands the binary's help lists (`report balances`, `verify`), `help` left out.
fn leaf_commands() -> BTreeSet<String> {
    let listed = |words: &[&str]| -> Vec<String> {
        let mut args = words.to_vec();
        args.push("--help");
        let help = gasledger().args(&args).run().ok().stdout;
        let Some(list) = help.split("Commands:\n").nth(1) else {
            return Vec::new();
        };
        list.lines()
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| *w != "help")
            .map(str::to_string)
            .collect()
    };
    let mut leaves = BTreeSet::new();
    for top in listed(&[]) {
        let subs = listed(&[&top]);
        for sub in &subs {
            leaves.insert(format!("{top} {sub}"));
        }
        if subs.is_empty() {
            leaves.insert(top);
        }
    }
    leaves
}

/// A command's name as [`leaf_commands`] gives it: its first words, before any option.
fn name_of(args: &[&str]) -> String {
    let groups = [
        "report",
        "commodity",
        "party",
        "account",
        "statement",
        "debt",
        "agreement",
        "swap",
        "price",
    ];
    match args {
        [group, sub, ..] if groups.contains(group) => format!("{group} {sub}"),
        [command, ..] => command.to_string(),
        [] => String::new(),
    }
}

/// A command added later is put on one list or the other, or this fails.
#[test]
fn every_command_is_on_one_list() {
    let listed: BTreeSet<String> = NOT_CREATING
        .iter()
        .chain(CREATING)
        .chain(CREATING_AND_REFUSED)
        .map(|a| name_of(a))
        .collect();
    assert_eq!(listed, leaf_commands());
}
