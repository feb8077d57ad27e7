//! The examples of the user documentation are what the binary does. In each of
//! `docs/journal.md`, `docs/concepts.md`, `docs/checks.md`, `docs/parties.md`,
//! `docs/settlements.md`, `docs/against.md`, `docs/fiscal.md`, `docs/sales.md`,
//! `docs/currencies.md` and `docs/notice.md`, read into a fresh store of its own, the fenced
//! blocks run in order:
//!
//! - `journal`: imported, and it must import (exit status 0);
//! - `journal-refused`: imported, and it must be refused (exit status 2, the error naming the
//!   example's file) and leave the store as it was;
//! - `journal-file NAME`: written as `NAME` beside the examples, not imported (for `include`);
//! - `console` (or `console exit=N`): a first line `$ gasledger ARGS...` run against the store,
//!   in the folder of the examples (so that a `journal-file` is named as it is), then exactly
//!   what it prints on stdout; the exit status is 0 unless `exit=N` says otherwise.
//!
//! Every other block is left alone.

mod common;

use common::Ledger;

/// The fenced blocks of a Markdown text: (info string, body).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_string(), String::new())),
            (Some(_), Some(_)) => out.extend(open.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// The words of a command line as a shell splits it, for the plain forms the documents use:
/// blanks separate words, and double quotes keep blanks inside one.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut word, mut quoted, mut any) = (String::new(), false, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    assert!(!quoted, "unbalanced quotes in {line:?}");
    if any {
        out.push(word);
    }
    out
}

/// Lines without their trailing blanks (tables pad their last column).
fn trimmed(text: &str) -> Vec<&str> {
    text.trim_end().lines().map(str::trim_end).collect()
}

/// What the blocks of one document did: (imported, refused, commands run).
fn run_document(name: &str, l: &Ledger) -> (usize, usize, usize) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let (mut accepted, mut refused, mut commands) = (0, 0, 0);
    for (i, (info, body)) in blocks(&text).into_iter().enumerate() {
        let mut info_words = info.split_whitespace();
        let kind = info_words.next().unwrap_or("");
        match kind {
            "journal" | "journal-refused" => {
                let file = l.dir.path().join(format!("example-{i}.ledger"));
                std::fs::write(&file, &body).expect("write the example");
                let before = l.run(&["export"]).stdout;
                let r = l.run(&["import", file.to_str().expect("utf-8 path")]);
                if kind == "journal" {
                    assert_eq!(
                        r.code,
                        Some(0),
                        "{name} example {i} is refused:\n{body}\n{r:#?}"
                    );
                    accepted += 1;
                } else {
                    assert_eq!(
                        r.code,
                        Some(2),
                        "{name} example {i} is not refused:\n{body}\n{r:#?}"
                    );
                    assert!(
                        r.stderr.contains(&format!("example-{i}.ledger:")),
                        "{name} example {i}: the error does not name the file: {r:#?}"
                    );
                    assert_eq!(l.run(&["export"]).stdout, before, "{name} example {i}");
                    refused += 1;
                }
            }
            "journal-file" => {
                let file = info_words.next().expect("journal-file NAME");
                std::fs::write(l.dir.path().join(file), &body).expect("write the example");
            }
            "console" => {
                let code = info_words
                    .find_map(|w| w.strip_prefix("exit="))
                    .map_or(0, |n| n.parse().expect("exit=N"));
                let (first, expected) = body.split_once('\n').unwrap_or((&body, ""));
                let command = first
                    .strip_prefix("$ gasledger ")
                    .unwrap_or_else(|| panic!("{name} block {i}: expected \"$ gasledger ...\""));
                let args = words(command);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let start = std::time::Instant::now();
                let out = l
                    .cmd()
                    .args(&args)
                    .command()
                    .current_dir(l.dir.path())
                    .output()
                    .expect("run gasledger");
                let r = common::Run::from_output(&out, start.elapsed());
                assert_eq!(r.code, Some(code), "{name} block {i}: {first}\n{r:#?}");
                assert_eq!(
                    trimmed(&r.stdout),
                    trimmed(expected),
                    "{name} block {i}: {first} prints otherwise"
                );
                commands += 1;
            }
            _ => {}
        }
    }
    (accepted, refused, commands)
}

#[test]
fn every_journal_example_behaves_as_it_says() {
    let l = Ledger::new();
    let (accepted, refused, _) = run_document("docs/journal.md", &l);
    assert!(
        accepted >= 20 && refused >= 10,
        "{accepted} accepted, {refused} refused"
    );
    // The examples together make books that agree.
    let r = l.run(&["reconcile"]);
    assert_eq!(r.code, Some(0), "{r:#?}");
}

#[test]
fn every_concepts_example_behaves_as_it_says() {
    let l = Ledger::new();
    let (_, _, commands) = run_document("docs/concepts.md", &l);
    assert!(commands >= 10, "{commands} run");
}

#[test]
fn every_checks_example_behaves_as_it_says() {
    let l = Ledger::new();
    let (accepted, _, commands) = run_document("docs/checks.md", &l);
    assert!(
        accepted >= 2 && commands >= 2,
        "{accepted} imported, {commands} run"
    );
}

#[test]
fn every_settlements_example_behaves_as_it_says() {
    let l = Ledger::new();
    let (accepted, _, commands) = run_document("docs/settlements.md", &l);
    assert!(
        accepted >= 2 && commands >= 5,
        "{accepted} imported, {commands} run"
    );
}

#[test]
fn every_parties_example_behaves_as_it_says() {
    let l = Ledger::new();
    let (accepted, _, commands) = run_document("docs/parties.md", &l);
    assert!(
        accepted >= 1 && commands >= 3,
        "{accepted} imported, {commands} run"
    );
}

#[test]
fn every_against_example_behaves_as_it_says() {
    let l = Ledger::new();
    let (accepted, _, commands) = run_document("docs/against.md", &l);
    assert!(
        accepted >= 1 && commands >= 2,
        "{accepted} imported, {commands} run"
    );
}

#[test]
fn every_sales_example_behaves_as_it_says() {
    let l = Ledger::new();
    let (accepted, refused, commands) = run_document("docs/sales.md", &l);
    assert!(
        accepted >= 1 && refused >= 1 && commands >= 10,
        "{accepted} imported, {refused} refused, {commands} run"
    );
    // The examples together make books that agree.
    let r = l.run(&["reconcile"]);
    assert_eq!(r.code, Some(0), "{r:#?}");
}

#[test]
fn every_currencies_example_behaves_as_it_says() {
    let l = Ledger::new();
    let (_, _, commands) = run_document("docs/currencies.md", &l);
    assert!(commands >= 10, "{commands} run");
}

#[test]
fn every_notice_example_behaves_as_it_says() {
    let l = Ledger::new();
    let (accepted, _, commands) = run_document("docs/notice.md", &l);
    assert!(
        accepted >= 1 && commands >= 10,
        "{accepted} imported, {commands} run"
    );
}

#[test]
fn command_lines_split_as_a_shell_splits_them() {
    assert_eq!(
        words(r#"record --post "TM:cash  1.00 USD" --id a"#),
        ["record", "--post", "TM:cash  1.00 USD", "--id", "a"]
    );
    assert_eq!(words(r#"x "" y"#), ["x", "", "y"]);
}

#[test]
fn every_fiscal_example_behaves_as_it_says() {
    let l = Ledger::new();
    let (accepted, _, commands) = run_document("docs/fiscal.md", &l);
    assert!(
        accepted >= 1 && commands >= 5,
        "{accepted} imported, {commands} run"
    );
}
