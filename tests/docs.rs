//! The examples of `docs/journal.md` are what the parser accepts and refuses: each block marked
//! `journal` imports, in order, into one store; each block marked `journal-refused` is refused
//! with exit status 2 and leaves that store as it was.

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

#[test]
fn every_journal_example_in_the_docs_behaves_as_it_says() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/journal.md");
    let text = std::fs::read_to_string(&path).expect("docs/journal.md");
    let l = Ledger::new();
    let (mut accepted, mut refused) = (0, 0);
    for (i, (info, body)) in blocks(&text).into_iter().enumerate() {
        let before = l.run(&["export"]).stdout;
        let r = l.import(&format!("example-{i}.ledger"), &body);
        match info.as_str() {
            "journal" => {
                assert_eq!(r.code, Some(0), "example {i} is refused:\n{body}\n{r:#?}");
                accepted += 1;
            }
            "journal-refused" => {
                assert_eq!(
                    r.code,
                    Some(2),
                    "example {i} is not refused:\n{body}\n{r:#?}"
                );
                assert!(r.stderr.contains(&format!("example-{i}.ledger:")), "{r:#?}");
                assert_eq!(l.run(&["export"]).stdout, before, "example {i}");
                refused += 1;
            }
            _ => {}
        }
    }
    assert!(
        accepted >= 8 && refused >= 3,
        "{accepted} accepted, {refused} refused"
    );
    // The examples together make books that agree.
    let r = l.run(&["reconcile"]);
    assert_eq!(r.code, Some(0), "{r:#?}");
}
